"""The lab's first click: Run pressed with the lab's defaults, several times, as a new user would.

The lab's script runs as Streamlit runs it (AppTest, no browser), from opening the page to the
result on screen: each click's wall time, speedup, ceiling and stamps, and the spread of the
speedups between clicks. On a GPU box the default is seed-steady; on the stand-in, cpu-demo.

    python -m bench.first_click [--clicks 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from streamlit.testing.v1 import AppTest

from tests.kits.app import APP


def click() -> tuple[float, AppTest]:
    at = AppTest.from_file(APP, default_timeout=600)
    at.switch_page("pages/lab.py").run()
    run = next(b for b in at.button if b.label == "Run")
    t0 = time.monotonic()
    run.click().run()
    return time.monotonic() - t0, at


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for i in range(args.clicks):
        wall, at = click()
        if at.exception or at.error:
            print(f"click {i + 1} failed: {at.exception or [e.value for e in at.error]}", file=sys.stderr)
            return 1
        shown = at.session_state["result"]
        rows.append((wall, shown.comparison, at.session_state["preset"]))
        print(f"click {i + 1}: {wall:.1f} s, {shown.comparison.speedup:.3f}x", file=sys.stderr, flush=True)
    c0 = rows[0][1]
    where = c0.environment.gpu_name or "CPU stand-in"
    print(f"\n### first click: {rows[0][2]} ({c0.workload.describe_cpu_work()}), {where}\n")
    print("| click | wall s | speedup | ceiling | CV | C ms | stamps |")
    print("|---|---|---|---|---|---|---|")
    for i, (wall, c, _) in enumerate(rows, 1):
        print(
            f"| {i} | {wall:.1f} | {c.speedup:.3f} | {c.ceiling:.3f} | {c.speedup_cv:.1%} | "
            f"{c.baseline_summary.c.mean:.1f} | {c.stability_state}, {c.contention.stamp} |"
        )
    speedups = [c.speedup for _, c, _ in rows]
    spread = (max(speedups) - min(speedups)) / statistics.median(speedups)
    print(
        f"\nspeedups {min(speedups):.3f} to {max(speedups):.3f}: the widest apart differ by {spread:.1%} "
        f"of the median; slowest click {max(w for w, _, _ in rows):.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
