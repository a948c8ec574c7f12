"""How long the CLI takes to refuse a bad flag: every flag is checked before torch is imported, so a
refusal should cost a Python start and a few imports, well under a second.

With --against PATH (another checkout of the project, say an older commit in a git worktree), the
same refusals run there too, alternating with this checkout's, so the ratio is side by side.

    python -m bench.flag_refusal [--reps 5] [--against /tmp/older-checkout]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES: list[list[str]] = [
    ["compare", "--batch-size", "0"],
    ["compare", "--model", "gpt2"],
    ["compare", "--variants", "readback", "--depth", "4"],
    ["ladder", "--depth", "3"],
    ["compare", "--until-stable", "--rounds", "2"],
    ["sweep", "--ratios", "1,x"],
    ["compare", "--model", "m" * 5000],
]


def refusal_s(repo: Path, args: list[str]) -> tuple[float, int]:
    """Wall seconds of one refused command, and its exit status (2 for a refusal)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "engine", *args], cwd=repo, capture_output=True, text=True)
    return time.perf_counter() - t0, r.returncode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--against", type=Path, help="another checkout to time side by side")
    args = ap.parse_args()
    repos = [ROOT] + ([args.against] if args.against else [])
    times: dict[tuple[int, int], list[float]] = {}
    codes: dict[tuple[int, int], int] = {}
    for rep in range(args.reps):
        for i, case in enumerate(CASES):
            order = range(len(repos)) if rep % 2 == 0 else reversed(range(len(repos)))
            for r in order:
                seconds, code = refusal_s(repos[r], case)
                times.setdefault((i, r), []).append(seconds)
                codes[(i, r)] = code
    head = "| refused command | this checkout s | exit |" + (
        " other checkout s | exit | ratio |" if args.against else ""
    )
    print(head)
    print("|---|---|---|" + ("---|---|---|" if args.against else ""))
    for i, case in enumerate(CASES):
        shown = " ".join(a if len(a) < 20 else f"{a[:8]}…({len(a)} chars)" for a in case)
        mine = statistics.median(times[(i, 0)])
        row = f"| `{shown}` | {mine:.2f} | {codes[(i, 0)]} |"
        if args.against:
            other = statistics.median(times[(i, 1)])
            row += f" {other:.2f} | {codes[(i, 1)]} | {other / mine:.1f}x |"
        print(row)
    worst = max(statistics.median(times[(i, 0)]) for i in range(len(CASES)))
    print(f"\nslowest refusal here (median of {args.reps}): {worst:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
