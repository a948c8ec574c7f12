"""Two CLI runs at once, for the shared-box tests and benchmark: where each run's measured blocks
sat in time, on the host's monotonic clock, which every process on a Linux box shares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(
    device: str, out: Path, lock_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`python -m engine compare` on one device, writing its result to `out`; not stored. `env`
    adds to the environment (CUDA_VISIBLE_DEVICES, say)."""
    return subprocess.Popen(
        [sys.executable, "-m", "engine", "compare", "--device", device, "--json", str(out)]
        + ["--no-save", "--quiet", *args],
        cwd=ROOT,
        env={**os.environ, "OVERLAP_LAB_LOCK_DIR": str(lock_dir), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout_s: float = 600) -> None:
    out, err = proc.communicate(timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"a paired run failed ({proc.returncode}): {err.strip() or out.strip()}")


def span_ns(result: Path) -> tuple[int, int]:
    """First block's start and last block's end of a result file."""
    runs = json.loads(result.read_text())["runs"]
    return min(r["start_ns"] for r in runs), max(r["end_ns"] for r in runs)


def overlap_s(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Seconds during which both spans were running (negative: the gap between them)."""
    return (min(a[1], b[1]) - max(a[0], b[0])) / 1e9
