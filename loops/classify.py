"""Image classification: softmax, the top 5 classes and one JSON line per image.

The cheapest post-processing there is: on a GPU box the forward dominates, and a diagnosis should
say that overlap has little to hide. On the CPU stand-in the model is a small ResNet on small
images, so a run takes seconds.
"""

from __future__ import annotations

import json

import torch
import torchvision

from engine.spec.loop import Loop

LABELS = [f"class-{i:04d}" for i in range(1000)]


def post(logits: torch.Tensor) -> list[str]:
    """One JSON line per image: its five best classes and their probabilities."""
    probs = torch.softmax(logits.float(), dim=1)
    best, index = probs.topk(5, dim=1)
    lines = []
    for p_row, i_row in zip(best.tolist(), index.tolist(), strict=True):
        top = [{"label": LABELS[i], "p": round(p, 5)} for p, i in zip(p_row, i_row, strict=True)]
        lines.append(json.dumps({"top5": top}))
    return lines


def _build(device: str, batch_size: int, dtype: torch.dtype) -> Loop:
    torch.manual_seed(0)
    if device.startswith("cuda"):
        model, side = torchvision.models.vit_b_16(weights=None), 224
    else:
        model, side = torchvision.models.resnet18(weights=None), 64
    model = model.to(device=device, dtype=dtype).eval()
    batch = torch.randn(batch_size, 3, side, side, device=device, dtype=dtype)
    return Loop(model=model, make_batch=lambda: batch, post=post, note="softmax, top 5, JSON lines")


def classify_fp32(device: str, batch_size: int) -> Loop:
    """ViT-B/16 (ResNet-18 on the stand-in), fp32: softmax, top 5 and JSON lines."""
    return _build(device, batch_size, torch.float32)


def classify_bf16(device: str, batch_size: int) -> Loop:
    """ViT-B/16 (ResNet-18 on the stand-in), bf16: the same post-processing on a quicker forward."""
    return _build(device, batch_size, torch.bfloat16)


LOOPS = {"classify-fp32": classify_fp32, "classify-bf16": classify_bf16}
