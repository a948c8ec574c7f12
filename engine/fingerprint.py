"""Where a result was measured: enough to tell whether two results can be compared at all."""

from __future__ import annotations

import os
import platform
from typing import Any


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def resolve_device(requested: str) -> str:
    """The torch device a run would use: 'auto' becomes cuda:0 when CUDA works, else 'cpu'."""
    import torch

    if requested == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        return "cuda:0" if requested == "cuda" else requested
    return requested


def fingerprint(device: str = "auto") -> dict[str, Any]:
    import torch
    import torchvision

    resolved = resolve_device(device)
    env: dict[str, Any] = {
        "device": resolved,
        "runs_on": "CUDA GPU" if resolved.startswith("cuda") else "CPU stand-in (worker process)",
        "gpu_name": None,
        "gpu_driver": None,
        "cuda_devices": torch.cuda.device_count() if torch.cuda.is_available() else 0,
        "cuda_runtime": torch.version.cuda,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "cpu_cores_usable": usable_cores(),
        "cpu_cores_logical": os.cpu_count(),
    }
    if resolved.startswith("cuda") and torch.cuda.is_available():
        index = torch.device(resolved).index or 0
        env["gpu_name"] = torch.cuda.get_device_name(index)
        env["gpu_driver"] = _nvml_driver()
    return env


def _nvml_driver() -> str | None:
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            version = pynvml.nvmlSystemGetDriverVersion()
            return version.decode() if isinstance(version, bytes) else str(version)
        finally:
            pynvml.nvmlShutdown()
    except Exception:
        return None
