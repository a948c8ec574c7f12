"""The stand-in's time estimates against the runs they speak of: every named set the stand-in runs,
and a G/C sweep, each from the command line with its estimate printed first and its run timed.

    python -m bench.estimates [--sets pair,ladder] [--rounds 3]

Each run is `python -m engine compare --variants SET --no-save` (a sweep: `sweep`), timed from its
start to its exit; its estimate is the one `standin_spec_s` gives before it starts, at the pace the
box's history gives for its model (none on a first run: 1.0). The target: within 30% on an idle box.
Run it with nothing else on the machine; the load average is printed with each row.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.measure.estimate import pace_of, standin_spec_s
from engine.spec.run_spec import RunSpec
from engine.spec.sets import SETS
from engine.spec.workload import STANDIN_PRESET, preset
from engine.store.history import History

ROOT = Path(__file__).resolve().parents[1]
EXTRA = {"prefetch": ["--pre-ms", "20"], "diagnose": []}
TARGET = 0.30
LOOP = "classify-fp32"  # the diagnosis's loop


def _runnable() -> list[str]:
    return [name for name, s in SETS.items() if not s.gpu_only and name != "diagnose"] + ["diagnose"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=",".join(_runnable()))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        env = {**os.environ, "OVERLAP_LAB_DATA_DIR": str(data), "OVERLAP_LAB_LOCK_DIR": str(data / "locks")}
        for name in args.sets.split(",") + (["diagnose"] if "diagnose" in args.sets else []):
            w = preset(STANDIN_PRESET)
            extra = list(EXTRA.get(name, []))
            if name == "prefetch":
                w = w.replace(pre_ms=20.0)
            if name == "diagnose":
                w = w.replace(loop=LOOP)
            spec = RunSpec(variants=name, rounds=args.rounds)
            pace = pace_of(History(data).newest_standin(w.loop or w.model))
            said = standin_spec_s(w, spec, pace=pace)
            command = ["compare", "--variants", name] if name not in ("sweep", "diagnose") else [name]
            if name == "diagnose":
                command = ["diagnose", LOOP]
            load = os.getloadavg()[0]
            t0 = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "engine", *command, "--rounds", str(args.rounds), *extra, "--quiet"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            took = time.monotonic() - t0
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            rows.append((name, len(spec.set.variants(spec.depth, False)), pace, said, took, load))
            print(f"{name}: estimated {said:.1f} s, took {took:.1f} s", file=sys.stderr)
    print("| set | variants | pace | estimated s | took s | took / estimated | load before |")
    print("|---|---|---|---|---|---|---|")
    for name, n, pace, said, took, load in rows:
        print(f"| {name} | {n} | {pace:.2f} | {said:.1f} | {took:.1f} | {took / said:.2f} | {load:.1f} |")
    within = sum(abs(took / said - 1) <= TARGET for _n, _v, _p, said, took, _l in rows)
    print(f"\n{within} of {len(rows)} within {TARGET:.0%} of the time taken")
    return 0 if within == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
