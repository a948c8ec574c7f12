"""Semantic segmentation: the class of every pixel, a colour per class, and a PNG per image.

The output is large (21 classes for every pixel), so reading it back costs time of its own, and
encoding PNGs keeps the host busy: the kind of loop where a pool of processes pays.
"""

from __future__ import annotations

import io

import torch
import torchvision
from PIL import Image

from engine.spec.loop import Loop

CLASSES = 21
PALETTE = (torch.arange(CLASSES * 3, dtype=torch.int64).reshape(CLASSES, 3) * 37 % 256).to(torch.uint8)


def post(output: dict[str, torch.Tensor]) -> list[bytes]:
    """Arg-max over the classes, the palette's colour per pixel, one PNG per image."""
    labels = output["out"].argmax(dim=1)
    pngs = []
    for mask in labels:
        out = io.BytesIO()
        Image.fromarray(PALETTE[mask].numpy()).save(out, "PNG", compress_level=1)
        pngs.append(out.getvalue())
    return pngs


def _build(device: str, batch_size: int, dtype: torch.dtype) -> Loop:
    torch.manual_seed(0)
    side = 256 if device.startswith("cuda") else 96
    model = torchvision.models.segmentation.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=CLASSES
    )
    model = model.to(device=device, dtype=dtype).eval()
    batch = torch.randn(batch_size, 3, side, side, device=device, dtype=dtype)
    return Loop(model=model, make_batch=lambda: batch, post=post, note="arg-max, colour map, PNG")


def segment_fp32(device: str, batch_size: int) -> Loop:
    """LR-ASPP MobileNetV3, fp32: arg-max, a colour map and a PNG per image."""
    return _build(device, batch_size, torch.float32)


def segment_bf16(device: str, batch_size: int) -> Loop:
    """The same segmenter in bf16: half the bytes to read back."""
    return _build(device, batch_size, torch.bfloat16)


LOOPS = {"segment-fp32": segment_fp32, "segment-bf16": segment_bf16}
