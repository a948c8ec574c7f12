"""Two kinds of host work on a classifier's logits: numpy that lets go of the GIL, and pure Python
that holds it (the article's kind).

They differ where it matters for overlap: numpy's heavy calls release the GIL, so even a thread
could overlap them, while the pure-Python loop holds it for its whole length and needs another
process. Both are fixed work, as real post-processing is.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torchvision

from engine.spec.loop import Loop

ROWS = 256  # rows of the spectrum each image's logits are spread over
PY_ITERATIONS = 30_000  # iterations of the pure-Python loop per image


def numpy_post(logits: torch.Tensor) -> list[float]:
    """Per image: the logits spread over a matrix, its spectrum along each row, sorted, a quantile."""
    x = logits.float().numpy()
    phase = np.sin(np.arange(ROWS, dtype=np.float32))[:, None]
    out = []
    for row in x:
        spectrum = np.abs(np.fft.rfft(phase * row[None, :], axis=1))
        out.append(float(np.sort(spectrum, axis=None)[-spectrum.size // 100]))
    return out


def python_post(logits: torch.Tensor) -> list[float]:
    """Per image: a pure-Python loop of trigonometry seeded by its best class, holding the GIL."""
    best = logits.float().argmax(dim=1).tolist()
    out = []
    for seed in best:
        total = 0.0
        for v in range(seed, seed + PY_ITERATIONS):
            total += math.sqrt(v) * math.sin(v) * math.cos(v)
        out.append(total)
    return out


def _build(device: str, batch_size: int, post: object, note: str) -> Loop:
    torch.manual_seed(0)
    side = 224 if device.startswith("cuda") else 64
    model = torchvision.models.resnet50(weights=None).to(device).eval()
    batch = torch.randn(batch_size, 3, side, side, device=device)
    return Loop(model=model, make_batch=lambda: batch, post=post, note=note)  # type: ignore[arg-type]


def numpy_fp32(device: str, batch_size: int) -> Loop:
    """ResNet-50, fp32, then numpy FFTs and sorts that release the GIL."""
    return _build(device, batch_size, numpy_post, "numpy FFT and sort (releases the GIL)")


def python_fp32(device: str, batch_size: int) -> Loop:
    """ResNet-50, fp32, then a pure-Python loop per image that holds the GIL, as in the article."""
    return _build(device, batch_size, python_post, "pure-Python loop (holds the GIL)")


LOOPS = {"numpy-fp32": numpy_fp32, "python-fp32": python_fp32}
