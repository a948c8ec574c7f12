"""A loop as a box's owner registers one: a small model and post-processing written from the
classify template, in a folder that $OVERLAP_LAB_LOOPS names."""

from __future__ import annotations

import json

import torch

from engine.spec.loop import Loop


def post(logits: torch.Tensor) -> list[str]:
    """Softmax and the best class of each row, as JSON lines, plus a little pure-Python work."""
    probs = torch.softmax(logits.float(), dim=1)
    out = [json.dumps({"best": int(row.argmax()), "p": float(row.max())}) for row in probs]
    total = 0
    for i in range(20_000):
        total += i * i % 7
    return out


def mine(device: str, batch_size: int) -> Loop:
    """A two-layer network on 512 features and a JSON line per row: the owner's own loop."""
    torch.manual_seed(0)
    model = (
        torch.nn.Sequential(torch.nn.Linear(512, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 1000))
        .to(device)
        .eval()
    )
    batch = torch.randn(batch_size * 16, 512, device=device)
    return Loop(model=model, make_batch=lambda: batch, post=post, note="the owner's own")


LOOPS = {"owners-mine": mine}
