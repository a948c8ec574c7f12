"""Allow-listed torchvision classifiers, built once per (model, device, precision) and reused.

Building ViT-B/16 and moving it to a GPU takes seconds and hundreds of MiB, so the app and repeated
CLI rounds share one instance; per-run buffers (inputs, outputs, events) are never cached here.
"""

from __future__ import annotations

import threading
from typing import Any

from engine.spec.workload import MODELS, WorkloadError

DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
IMAGE_SHAPE = (3, 224, 224)

_cache: dict[tuple[str, str, str], Any] = {}
_lock = threading.Lock()


def torch_dtype(precision: str) -> Any:
    import torch

    return getattr(torch, DTYPES[precision])


def build_model(name: str, device: str, precision: str) -> Any:
    """An eval-mode model with random weights (weights=None: latency does not depend on values)."""
    if name not in MODELS:
        raise WorkloadError("model", name, "one of " + ", ".join(MODELS))
    key = (name, device, precision)
    with _lock:
        if key not in _cache:
            import torch
            import torchvision.models as tvm

            torch.manual_seed(0)
            model = getattr(tvm, name)(weights=None)
            _cache[key] = model.to(device=device, dtype=torch_dtype(precision)).eval()
        return _cache[key]


def forget_models(device_prefix: str = "") -> None:
    """Drop cached models (all, or those on devices starting with the prefix) to free memory."""
    with _lock:
        for key in [k for k in _cache if k[1].startswith(device_prefix)]:
            del _cache[key]
