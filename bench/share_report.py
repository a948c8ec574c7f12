"""A shared GPU box: one run alone, two runs on two GPUs at once, two runs on one GPU at once.

Each run is its own CLI process, as two users' runs are. Reports each run's speedup, ceiling and
worst block's schedule efficiency, and how long the two runs' measured blocks overlapped in time
(negative: the second waited that long after the first). Needs two CUDA devices for the side-by-side
case; with one, that row is left out.

    python -m bench.share_report [--preset seed-steady] [--rounds 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tests.kits.pair import finish, overlap_s, span_ns, start


def _summary(path: Path) -> str:
    s = json.loads(path.read_text())["summary"]
    worst = min(b["schedule_efficiency"] for b in s["blocks"])
    return f"{s['speedup']:.3f} | {s['ceiling']:.3f} | {worst:.3f} | {s['stability_text']}"


def main() -> int:
    import torch

    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="seed-steady")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    flags = ["--preset", args.preset, "--rounds", str(args.rounds)]
    cases: list[tuple[str, tuple[str, ...]]] = [("alone", ("cuda:0",))]
    if torch.cuda.device_count() >= 2:
        cases.append(("two GPUs at once", ("cuda:0", "cuda:1")))
    cases.append(("one GPU, two runs at once", ("cuda:0", "cuda:0")))
    rows = []
    for name, devices in cases:
        print(f"{name}: {', '.join(devices)}", file=sys.stderr, flush=True)
        paths = [out / f"{name.replace(' ', '_').replace(',', '')}_{i}.json" for i in range(len(devices))]
        procs = [start(d, p, out / "locks", *flags) for d, p in zip(devices, paths)]
        for p in procs:
            finish(p)
        both = overlap_s(span_ns(paths[0]), span_ns(paths[1])) if len(paths) == 2 else float("nan")
        rows += [(name, d, _summary(p), both) for d, p in zip(devices, paths)]
    print(
        f"\n### A shared box ({args.preset}, {args.rounds} rounds per run, {torch.cuda.get_device_name(0)})\n"
    )
    print(
        "| case | device | speedup | ceiling | worst block schedule eff | stability | runs overlapped (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, device, summary, both in rows:
        print(f"| {name} | {device} | {summary} | {'n/a' if both != both else f'{both:+.1f}'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
