"""What the store's safety costs: the integrity check when a store is opened, and the result gate
when a run is read. Each is timed against the same work without it, alternating, in one process.

A store of N copies of a recorded run (the H200 balanced pair, 216 kB of JSON each) is built in a
temp folder; opening it is timed with and without the quick check, and reading one run with and
without the gate (the parse and upgrade are paid either way).

    python -m bench.store_cost [--runs 500] [--reps 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine.result.comparison import Comparison
from engine.result.gate import check_document
from engine.result.schema import upgrade
from engine.store import history
from engine.store.history import History, load_example
from engine.store.reading import parse_result


def _best_of(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--blocks", type=int, default=9000, help="blocks in the big file an import is timed on")
    args = ap.parse_args()
    c = load_example("example-h200-balanced")
    folder = Path(tempfile.mkdtemp(prefix="overlap-lab-store-cost-"))
    store = History(folder)
    for i in range(args.runs):
        started = f"2026-11-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+00:00"
        store.save(
            dataclasses.replace(c, provenance=dataclasses.replace(c.provenance, started_at=started)), "cli"
        )
    size_mb = store.path.stat().st_size / 1e6
    checked = unchecked = 0.0
    real_check = history.quick_check
    for _ in range(args.reps):  # alternating, so the host's mood falls on both alike
        checked += _best_of(lambda: History(folder), 1)
        history.quick_check = lambda db, path: ""  # the store reads it by this name
        unchecked += _best_of(lambda: History(folder), 1)
        history.quick_check = real_check
    text = store.path.parent.joinpath("one.json")
    text.write_text(json.dumps(load_example("example-h200-balanced").to_dict()))
    raw = text.read_text()

    def gated() -> Comparison:
        return parse_result(raw)

    def ungated() -> Comparison:
        return Comparison.from_dict(upgrade(json.loads(raw)))

    gate_s = _best_of(gated, args.reps * 4)
    plain_s = _best_of(ungated, args.reps * 4)
    check_only = _best_of(lambda: check_document(upgrade(json.loads(raw))), args.reps * 4)
    print(f"store: {args.runs} runs, {size_mb:.0f} MB")
    print("| what | with | without | ratio |")
    print("|---|---|---|---|")
    print(
        f"| open the store (quick check) | {checked / args.reps * 1e3:.0f} ms | "
        f"{unchecked / args.reps * 1e3:.0f} ms | {checked / unchecked:.2f} |"
    )
    print(
        f"| read one run (gate) | {gate_s * 1e3:.1f} ms | {plain_s * 1e3:.1f} ms | {gate_s / plain_s:.2f} |"
    )
    print(f"gate alone, parse included: {check_only * 1e3:.1f} ms")
    big = _big_file(args.blocks)
    t0 = time.perf_counter()
    History(Path(tempfile.mkdtemp(prefix="overlap-lab-import-"))).import_json(big, "big.json")
    took_s = time.perf_counter() - t0
    print(f"import of a file of {args.blocks:,} blocks ({len(big) / 1e6:.1f} MB): {took_s:.1f} s")
    return 0


def _big_file(blocks: int) -> str:
    """The recorded seed pair's rounds repeated as later rounds, four batches a block, so that a file
    of thousands of blocks stays under the 10 MB an import may be."""
    d = json.loads(json.dumps(load_example("example-h100-seed").to_dict()))
    runs = [{**r, "steps": r["steps"][:4]} for r in d["runs"]]
    rounds = len({r["round_index"] for r in runs})
    out = list(runs)
    while len(out) < blocks:
        shift = len(out) // len(runs) * rounds
        out += [{**r, "round_index": r["round_index"] + shift} for r in runs]
    return json.dumps({**d, "runs": out[:blocks]})


if __name__ == "__main__":
    sys.exit(main())
