"""A small autoregressive text decoder: greedy tokens on the GPU, a pure-Python detokeniser on the host.

Generating is many small steps, each a handful of kernels on a short sequence, so the host spends
more time launching than the GPU spends computing: the loop where CUDA Graphs pay. The forward
keeps every token on the device (argmax feeds the next step), so nothing syncs until the readback.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.spec.loop import Loop

VOCAB = 512
WIDTH = 256
PROMPT = 8
NEW_TOKENS = 24
# A made-up byte-pair vocabulary: each id spells a short piece of text.
PIECES = [
    ("▁" if i % 5 == 0 else "") + "".join(chr(97 + (i * k) % 26) for k in (3, 7, 11)[: 1 + i % 3])
    for i in range(VOCAB)
]


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH)
        layer = nn.TransformerEncoderLayer(WIDTH, nhead=4, dim_feedforward=4 * WIDTH, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(WIDTH, VOCAB)

    def forward(self, prompt: torch.Tensor) -> torch.Tensor:
        tokens = prompt
        for _ in range(NEW_TOKENS):
            n = tokens.shape[1]
            dtype = self.head.weight.dtype
            mask = torch.triu(torch.full((n, n), float("-inf"), device=tokens.device), diagonal=1)
            # is_causal says what the mask is: left to guess, the encoder compares the mask on the
            # GPU and reads the answer on the host, a sync on every token (diagnose finds it).
            h = self.layers(self.embed(tokens).to(dtype), mask=mask.to(dtype), is_causal=True)
            nxt = self.head(h[:, -1]).argmax(dim=-1, keepdim=True)
            tokens = torch.cat((tokens, nxt), dim=1)
        return tokens[:, PROMPT:]


def post(tokens: torch.Tensor) -> list[str]:
    """Ids to pieces, pieces to words, and a little tidying, all in pure Python."""
    texts = []
    for row in tokens.tolist():
        text = "".join(PIECES[i] for i in row).replace("▁", " ").strip()
        words = [w.capitalize() if j == 0 else w for j, w in enumerate(text.split())]
        texts.append(" ".join(words) + ".")
    return texts


def _build(device: str, batch_size: int, dtype: torch.dtype) -> Loop:
    torch.manual_seed(0)
    model = Decoder().to(device=device, dtype=dtype).eval()
    prompt = torch.randint(0, VOCAB, (batch_size, PROMPT), device=device)
    return Loop(model=model, make_batch=lambda: prompt, post=post, note="greedy decode, Python detokeniser")


def textgen_fp32(device: str, batch_size: int) -> Loop:
    """A 2-layer decoder generating 24 tokens greedily in fp32, detokenised in Python."""
    return _build(device, batch_size, torch.float32)


def textgen_bf16(device: str, batch_size: int) -> Loop:
    """The same decoder in bf16."""
    return _build(device, batch_size, torch.bfloat16)


LOOPS = {"textgen-fp32": textgen_fp32, "textgen-bf16": textgen_bf16}
