"""Click-to-charts time of the lab (through AppTest) against the engine's own run time, same process.

Each rep runs the same workload twice, once straight through engine.protocol.compare and once by
clicking Run on the lab page and waiting until its charts are drawn; the order alternates. The
difference is what the app adds: widget updates per step, chart building, the rerun afterwards.

    python -m bench.app_timing [--preset seed] [--rounds 1] [--reps 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.protocol import compare
from engine.workload import preset

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def app_run_s(name: str, rounds: int) -> tuple[float, int]:
    at = AppTest.from_file(APP, default_timeout=900)
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="preset").set_value(name).run()
    at.slider(key="w_rounds").set_value(rounds).run()
    run_button = next(b for b in at.button if b.label == "Run")
    t0 = time.perf_counter()
    run_button.click().run()
    elapsed = time.perf_counter() - t0
    if at.exception or at.error:
        raise RuntimeError(f"the lab failed: {at.exception or [e.value for e in at.error]}")
    return elapsed, len(at.get("vega_lite_chart"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="seed")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    w = preset(args.preset)
    pure, clicked = [], []
    for rep in range(args.reps):
        for side in ("engine", "app") if rep % 2 == 0 else ("app", "engine"):
            print(f"rep {rep + 1}: {side}", file=sys.stderr, flush=True)
            if side == "engine":
                t0 = time.perf_counter()
                compare(w, args.rounds)
                pure.append(time.perf_counter() - t0)
            else:
                elapsed, n_charts = app_run_s(args.preset, args.rounds)
                clicked.append(elapsed)
    print(
        f"\n### lab click-to-charts vs engine run ({args.preset}, {args.rounds} round(s), "
        f"{n_charts} charts)\n"
    )
    print("| rep | engine compare() s | click to charts s | app overhead s |")
    print("|---|---|---|---|")
    for i, (a, b) in enumerate(zip(pure, clicked), 1):
        print(f"| {i} | {a:.2f} | {b:.2f} | {b - a:+.2f} |")
    print(
        f"| median | {statistics.median(pure):.2f} | {statistics.median(clicked):.2f} | "
        f"{statistics.median(clicked) - statistics.median(pure):+.2f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
