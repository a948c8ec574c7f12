"""Reading where a run measures: the card, its driver and clocks, torch and the CPU, into an Environment."""

from __future__ import annotations

import functools
import glob
import os
import platform
from typing import Any

from engine.result.circumstances import Environment
from engine.spec.sets import usable_cores


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cuda_likely() -> bool:
    """Whether torch will find a CUDA device, guessed without importing torch (seconds): an NVIDIA
    driver's device files, unless CUDA_VISIBLE_DEVICES hides every card. The CLI checks its
    flags against the default this implies, then asks torch itself before anything runs."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    return os.path.exists("/dev/nvidiactl") or bool(glob.glob("/dev/nvidia[0-9]*"))


def resolve_device(requested: str) -> str:
    """The torch device a run would use: 'auto' becomes cuda:0 when CUDA works, else 'cpu'."""
    import torch

    if requested == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        return "cuda:0" if requested == "cuda" else requested
    return requested


def fingerprint(device: str = "auto") -> Environment:
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
        env.update(_nvml_facts(physical_gpu(index)[0]))
    return Environment(**env)


@functools.cache
def physical_gpu(index: int) -> tuple[int, str | None]:
    """NVML's index and the UUID of the card that torch calls cuda:index.

    torch numbers only the cards CUDA_VISIBLE_DEVICES lets it see; NVML numbers every card on the
    box. Two users with different CUDA_VISIBLE_DEVICES call one card by different cuda:N, so the
    device lock, the telemetry and the contention check go by the card's UUID, not by N.
    """
    try:
        import torch

        uuid = str(torch.cuda.get_device_properties(index).uuid)
    except Exception:  # an older torch without .uuid, or no CUDA
        return index, None
    uuid = uuid if uuid.startswith("GPU-") else f"GPU-{uuid}"
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return index, uuid
    try:
        for i in range(pynvml.nvmlDeviceGetCount()):
            if _text(pynvml.nvmlDeviceGetUUID(pynvml.nvmlDeviceGetHandleByIndex(i))) == uuid:
                return i, uuid
    except Exception:
        pass
    finally:
        pynvml.nvmlShutdown()
    return index, uuid


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _nvml_facts(index: int) -> dict[str, Any]:
    """Driver, the card's UUID and its clocks now and at most: two results from one UUID came from
    the same card, and an SM clock well under its maximum says the card was throttled or idle."""
    facts: dict[str, Any] = {"gpu_driver": None}
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return facts
    try:
        facts["gpu_driver"] = _text(pynvml.nvmlSystemGetDriverVersion())
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        facts["gpu_uuid"] = _text(pynvml.nvmlDeviceGetUUID(handle))
        for name, clock in (("sm", pynvml.NVML_CLOCK_SM), ("mem", pynvml.NVML_CLOCK_MEM)):
            facts[f"gpu_{name}_clock_mhz"] = pynvml.nvmlDeviceGetClockInfo(handle, clock)
            facts[f"gpu_{name}_clock_max_mhz"] = pynvml.nvmlDeviceGetMaxClockInfo(handle, clock)
    except Exception as exc:  # an older driver without one of these calls: keep what was read
        facts["gpu_nvml_note"] = f"{type(exc).__name__} while reading the card's facts"
    finally:
        pynvml.nvmlShutdown()
    return facts
