"""A loop with a hidden sync planted in its post-processing, for diagnose to find.

The threshold below lives on the GPU, as a config value moved there with the model often does.
Reading it with `.item()` makes the host wait for everything queued on the device, including the
next batch that overlap just launched, so the overlap quietly goes away. Nothing in the code looks
wrong; diagnose names the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torchvision

from engine.spec.loop import Loop


@dataclass(frozen=True)
class Thresholded:
    """Classes above a threshold, per image; the threshold is a tensor on the model's device."""

    threshold: torch.Tensor

    def __call__(self, logits: torch.Tensor) -> list[list[int]]:
        probs = torch.softmax(logits.float(), dim=1)
        cut = self.threshold.item()  # the planted sync: a GPU tensor read on the host
        return [torch.nonzero(row > cut).flatten().tolist() for row in probs]


def planted_sync(device: str, batch_size: int) -> Loop:
    """ResNet-50, fp32, with a threshold read by .item() from the GPU in its post-processing."""
    torch.manual_seed(0)
    side = 224 if device.startswith("cuda") else 64
    model = torchvision.models.resnet50(weights=None).to(device).eval()
    batch = torch.randn(batch_size, 3, side, side, device=device)
    threshold = torch.tensor(0.001, device=device)
    return Loop(model=model, make_batch=lambda: batch, post=Thresholded(threshold), note="a hidden .item()")


LOOPS = {"planted-sync": planted_sync}
