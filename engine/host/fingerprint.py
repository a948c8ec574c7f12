"""Where a result was measured: enough to tell whether two results can be compared at all."""

from __future__ import annotations

import functools
import os
import platform
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Environment:
    """Where a result was measured. Two results compare only if these agree where it matters."""

    device: str = ""  # the torch device a run used: cuda:N or cpu
    runs_on: str = ""  # CUDA GPU, or the CPU stand-in
    gpu_name: str | None = None
    gpu_driver: str | None = None
    gpu_uuid: str | None = None  # the same UUID means the same physical card
    gpu_sm_clock_mhz: int | None = None  # read before the run; far under the max means idle or throttled
    gpu_sm_clock_max_mhz: int | None = None
    gpu_mem_clock_mhz: int | None = None
    gpu_mem_clock_max_mhz: int | None = None
    gpu_nvml_note: str | None = None  # what NVML could not tell, if anything
    cuda_devices: int = 0
    cuda_runtime: str | None = None
    torch: str = ""
    torchvision: str = ""
    python: str = ""
    cpu_model: str = ""
    cpu_cores_usable: int = 0
    cpu_cores_logical: int | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Environment:
        """Known keys only: a result written by a newer version still opens."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def where(self) -> str:
        return self.gpu_name or self.runs_on or "unknown"


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
