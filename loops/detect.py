"""Object detection: raw head outputs decoded to boxes on the CPU, then non-maximum suppression.

The model is a ResNet-18 trunk with a single-level head that predicts, for each of 9 anchors at
every cell of the feature map, 4 box offsets and 80 class logits. That is what a detector hands
back before its own post-processing, and decoding plus NMS on the host is the classic CPU cost
that overlapping hides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torchvision
from torch import nn
from torchvision.ops import batched_nms

from engine.spec.loop import Loop

CLASSES = 80
SCALES = (32.0, 64.0, 128.0)
RATIOS = (0.5, 1.0, 2.0)
STRIDE = 32
CANDIDATES = 1000  # best-scoring anchors per image sent to NMS
KEEP = 100


class Detector(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        trunk = torchvision.models.resnet18(weights=None)
        self.trunk = nn.Sequential(*list(trunk.children())[:-2])
        anchors = len(SCALES) * len(RATIOS)
        self.boxes = nn.Conv2d(512, anchors * 4, 3, padding=1)
        self.scores = nn.Conv2d(512, anchors * CLASSES, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.trunk(x)
        n = x.shape[0]
        boxes = self.boxes(f).permute(0, 2, 3, 1).reshape(n, -1, 4)
        logits = self.scores(f).permute(0, 2, 3, 1).reshape(n, -1, CLASSES)
        return boxes, logits


def anchors(side: int) -> torch.Tensor:
    """(cx, cy, w, h) of every anchor, in the order the head emits them."""
    cells = side // STRIDE
    shapes = [(s * math.sqrt(r), s / math.sqrt(r)) for s in SCALES for r in RATIOS]
    out = []
    for y in range(cells):
        for x in range(cells):
            for w, h in shapes:
                out.append(((x + 0.5) * STRIDE, (y + 0.5) * STRIDE, w, h))
    return torch.tensor(out)


@dataclass(frozen=True)
class Decode:
    """Offsets to boxes, the best candidates by score, then class-wise NMS, image by image."""

    anchors: torch.Tensor

    def __call__(self, output: tuple[torch.Tensor, torch.Tensor]) -> list[torch.Tensor]:
        deltas, logits = (t.float() for t in output)
        a = self.anchors
        kept = []
        for d, lg in zip(deltas, logits, strict=True):
            cx = a[:, 0] + d[:, 0] * a[:, 2]
            cy = a[:, 1] + d[:, 1] * a[:, 3]
            w = a[:, 2] * torch.exp(d[:, 2].clamp(max=4.0))
            h = a[:, 3] * torch.exp(d[:, 3].clamp(max=4.0))
            boxes = torch.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), dim=1)
            scores, classes = torch.sigmoid(lg).max(dim=1)
            top = scores.topk(min(CANDIDATES, scores.numel())).indices
            keep = batched_nms(boxes[top], scores[top], classes[top], 0.5)[:KEEP]
            kept.append(torch.cat((boxes[top][keep], scores[top][keep, None]), dim=1))
        return kept


def _build(device: str, batch_size: int, dtype: torch.dtype) -> Loop:
    torch.manual_seed(0)
    side = 512 if device.startswith("cuda") else 128
    model = Detector().to(device=device, dtype=dtype).eval()
    batch = torch.randn(batch_size, 3, side, side, device=device, dtype=dtype)
    return Loop(model=model, make_batch=lambda: batch, post=Decode(anchors(side)), note="decode + NMS")


def detect_fp32(device: str, batch_size: int) -> Loop:
    """A ResNet-18 detector head, fp32: boxes decoded and NMS on the CPU."""
    return _build(device, batch_size, torch.float32)


def detect_bf16(device: str, batch_size: int) -> Loop:
    """The same detector in bf16: a quicker forward, the same host work."""
    return _build(device, batch_size, torch.bfloat16)


LOOPS = {"detect-fp32": detect_fp32, "detect-bf16": detect_bf16}
