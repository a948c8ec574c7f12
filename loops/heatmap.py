"""A heat map per image: a coarse map from the model, resized to the image and encoded as JPEG.

Saliency and attention maps are served like this: the GPU gives a 7x7 (or so) grid, and the host
upsamples it, maps it to colours and encodes it for a browser.
"""

from __future__ import annotations

import io

import torch
import torchvision
from PIL import Image
from torch import nn
from torch.nn import functional

from engine.spec.loop import Loop


class HeatNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        trunk = torchvision.models.resnet50(weights=None)
        self.trunk = nn.Sequential(*list(trunk.children())[:-2])
        self.head = nn.Conv2d(2048, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))


def post(heat: torch.Tensor, side: int = 224) -> list[bytes]:
    """Bilinear resize to the image, scaled to 0-255, a red-to-blue ramp, one JPEG per image."""
    big = functional.interpolate(heat.float(), size=(side, side), mode="bilinear", align_corners=False)
    lo = big.amin(dim=(2, 3), keepdim=True)
    hi = big.amax(dim=(2, 3), keepdim=True)
    level = ((big - lo) / (hi - lo + 1e-6) * 255).to(torch.uint8)
    jpegs = []
    for one in level:
        rgb = torch.cat((one, one // 2, 255 - one), dim=0).permute(1, 2, 0).contiguous()
        out = io.BytesIO()
        Image.fromarray(rgb.numpy()).save(out, "JPEG", quality=85)
        jpegs.append(out.getvalue())
    return jpegs


def _build(device: str, batch_size: int, dtype: torch.dtype) -> Loop:
    torch.manual_seed(0)
    side = 224 if device.startswith("cuda") else 64
    model = HeatNet().to(device=device, dtype=dtype).eval()
    batch = torch.randn(batch_size, 3, side, side, device=device, dtype=dtype)
    return Loop(model=model, make_batch=lambda: batch, post=post, note="resize, colour ramp, JPEG")


def heatmap_fp32(device: str, batch_size: int) -> Loop:
    """A ResNet-50 heat map, fp32: resized to 224x224 and encoded as JPEG on the CPU."""
    return _build(device, batch_size, torch.float32)


def heatmap_bf16(device: str, batch_size: int) -> Loop:
    """The same heat map from a bf16 forward."""
    return _build(device, batch_size, torch.bfloat16)


LOOPS = {"heatmap-fp32": heatmap_fp32, "heatmap-bf16": heatmap_bf16}
