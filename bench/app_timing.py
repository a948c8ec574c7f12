"""Click-to-charts time of the lab (through AppTest) against the engine's own run time, same process.

Each rep runs the same workload twice, once straight through engine.execute (as the CLI does) and once by
clicking Run on the lab page and waiting until its charts are drawn; the order alternates. The
difference is what the app adds: widget updates per step, chart building, the rerun afterwards.

    python -m bench.app_timing [--preset seed] [--rounds 1] [--reps 2] [--variants ladder]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.execute import execute
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.sets import SETS
from engine.spec.workload import preset

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def app_run_s(name: str, rounds: int, variants: str) -> tuple[float, float, int, Comparison]:
    """Click-to-charts seconds, and the part of it after the last measured step (pure app cost)."""
    at = AppTest.from_file(APP, default_timeout=900)
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="w_variants").set_value(variants).run()
    at.selectbox(key="preset").set_value(name).run()
    at.slider(key="w_rounds").set_value(rounds).run()
    run_button = next(b for b in at.button if b.label == "Run")
    t0 = time.perf_counter()
    run_button.click().run()
    t1_ns = time.perf_counter_ns()
    elapsed = time.perf_counter() - t0
    if at.exception or at.error:
        raise RuntimeError(f"the lab failed: {at.exception or [e.value for e in at.error]}")
    result = at.session_state["result"].comparison
    last_step_ns = max(r.end_ns for r in result.runs)  # same clock as perf_counter
    return elapsed, (t1_ns - last_step_ns) / 1e9, len(at.get("vega_lite_chart")), result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="seed")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--variants", default="pair", choices=[s for s in SETS if not SETS[s].sweep])
    args = ap.parse_args()
    w = preset(args.preset)
    spec = RunSpec(variants=args.variants, rounds=args.rounds, save=False)
    results: list[tuple[str, Comparison]] = []
    pure, clicked, after = [], [], []
    for rep in range(args.reps):
        for side in ("engine", "app") if rep % 2 == 0 else ("app", "engine"):
            print(f"rep {rep + 1}: {side}", file=sys.stderr, flush=True)
            if side == "engine":
                t0 = time.perf_counter()
                results.append(("engine", execute(w, spec).result))
                pure.append(time.perf_counter() - t0)
            else:
                elapsed, tail_s, n_charts, clicked_result = app_run_s(args.preset, args.rounds, args.variants)
                results.append(("lab", clicked_result))
                clicked.append(elapsed)
                after.append(tail_s)
    print(
        f"\n### lab click-to-charts vs engine run ({args.preset}, {args.rounds} round(s), "
        f"{n_charts} charts)\n"
    )
    print("| rep | engine execute() s | click to charts s | difference s | last step to charts drawn s |")
    print("|---|---|---|---|---|")
    for i, (a, b, tail) in enumerate(zip(pure, clicked, after, strict=True), 1):
        print(f"| {i} | {a:.2f} | {b:.2f} | {b - a:+.2f} | {tail:.2f} |")
    med = statistics.median
    print(
        f"| median | {med(pure):.2f} | {med(clicked):.2f} | {med(clicked) - med(pure):+.2f} | "
        f"{med(after):.2f} |"
    )
    names = results[0][1].variants[1:]
    print("\n| via | " + " | ".join(v.name for v in names) + " | syncs found in |")
    print("|---|" + "---|" * (len(names) + 1))
    for via, c in results:
        found = ", ".join(sorted({f.variant for f in c.syncs})) or "none"
        print(f"| {via} | " + " | ".join(f"{c.speedup_of(v.name):.2f}x" for v in names) + f" | {found} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
