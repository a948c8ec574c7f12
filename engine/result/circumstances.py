"""The circumstances of a comparison: how its CPU work was sized, the rule it was judged by, what
else was using the box, who ran it, when, and on what.

None of these is a measurement; each says how far the measurements can be trusted or compared.
They travel inside a Comparison and its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

STABLE_CV = 0.03  # per-round speedups spreading by at most this are called stable


@dataclass(frozen=True)
class Calibration:
    """How the CPU work was sized before the rounds; None where a step did not apply."""

    ms_per_iteration: float | None = None  # the loop's cost on this core just before the rounds
    cpu_iterations: int = -1  # the loop length fixed work used (-1: fixed duration, see the records)
    target_c_ms: float | None = None  # the C aimed at (ms and match_g), or held (fixed duration)
    probe_g_ms: float | None = None  # match_g: G and L of a few batches run alone
    probe_l_ms: float | None = None
    compile_s: float | None = None  # torch.compile's time to a replaying forward, before the rounds

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in d.items() if k in known}
        if "cpu_iterations" in data:
            data["cpu_iterations"] = int(data["cpu_iterations"])
        return cls(**data)


@dataclass(frozen=True)
class Stability:
    """The rule a run was judged by, and why its rounds stopped.

    `window` > 0 means the headline counts only the last `window` rounds: the stability gate ran
    rounds until those spread by at most `cv_target`, and the earlier ones were the host settling.
    """

    cv_target: float = STABLE_CV
    window: int = 0  # 0: every round counts
    until_stable: bool = False
    stop_reason: str = "fixed rounds"


# Other processes keeping more than this many cores busy on average share what is measured. On the
# 2-core machine a CLI run saw 0.01 to 0.02 cores of others; a lab run with Chromium on the same box
# saw 0.17 to 0.20, and its per-round spread was 7 to 17% against the CLI's 1 to 2.5%.
OTHER_CPU_CORES = 0.1


@dataclass(frozen=True)
class Contention:
    """Whether something else used the GPU or the host while the run measured."""

    checked: bool = False
    gpu_other_processes: int = 0  # most other compute processes seen on the GPU at once
    load_avg_max: float = 0.0  # highest 1-minute load average seen
    cores: int = 0  # cores this process may use
    other_cpu_cores: float = 0.0  # other processes' CPU time over the run's wall time
    other_runs: int = 0  # other runs of this product that held a device on this box meanwhile
    other_devices: str = ""  # the devices they held

    @property
    def contended(self) -> bool:
        return self.checked and bool(self._reasons())

    def _reasons(self) -> list[str]:
        why = []
        if self.gpu_other_processes > 0:
            why.append(f"{self.gpu_other_processes} other process(es) used the GPU")
        if self.other_runs > 0:
            why.append(f"{self.other_runs} other Overlap Lab run(s) held {self.other_devices or 'a device'}")
        if self.other_cpu_cores > OTHER_CPU_CORES:
            why.append(f"other processes kept {self.other_cpu_cores:.1f} cores busy on average")
        if self.checked and self.load_avg_max > self.cores:
            why.append(f"host load {self.load_avg_max:.1f} on {self.cores} cores")
        return why

    @property
    def reason(self) -> str:
        return "; ".join(self._reasons())

    @property
    def stamp(self) -> str:
        if not self.checked:
            return "contention not checked"
        return f"contended: {self.reason}" if self.contended else "uncontended"


@dataclass(frozen=True)
class Provenance:
    """When, where, by whom and how a result was made, so a file on its own can be trusted."""

    started_at: str = ""  # ISO 8601, UTC
    host: str = ""
    user: str = ""
    version: str = ""
    command: str = ""


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
