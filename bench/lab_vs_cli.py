"""Does the lab change what it measures? The same workload through the lab in Chromium and the CLI.

The app shares the machine with what it measures: on a 2-core box the browser and the server
compete with the stand-in for the cores. This runs one workload alternately through the lab (a
real `streamlit run`, Debian's Chromium clicking Run, the result downloaded as JSON) and through
`python -m engine compare`, in ABBA order, and prints both speedups side by side.

    python -m bench.lab_vs_cli [--preset cpu-demo] [--rounds 3] [--reps 2] [--variants readback]

It also times each run (the lab's from the click on Run to the result on screen, the CLI's from
start to exit) against the README's stated figure and the estimate the app gives before a run,
and reads the CLI's time-left estimates as they come, against the time that was really left.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from engine.measure.estimate import standin_spec_s
from engine.read.document import iterations_used
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.sets import SETS
from engine.spec.workload import preset as preset_named
from tests.kits.browser import launch_chromium, open_page, serve_app, set_rounds

RUN_TIMEOUT_MS = 600_000
README = Path(__file__).resolve().parent.parent / "README.md"
LEFT = re.compile(r"(?:about|at most) (?:(\d+) min )?(\d+) s left")


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def readme_seconds() -> str:
    """What the README says a stand-in run takes, as it says it."""
    found = re.search(r"a run takes about ([^)]*?)(?: on| from|\))", README.read_text())
    return found.group(1) if found else "(not stated)"


def lab_run(
    browser: Any, url: str, preset: str, rounds: int, fixed: str | None, variants: str
) -> tuple[Comparison, float]:
    page = open_page(browser, url, lab=True)
    try:
        if variants != "pair":
            page.locator('[data-testid="stSelectbox"]', has_text="Compare").first.click()
            page.get_by_role("option", name=SETS[variants].label, exact=True).click()
            page.wait_for_timeout(500)
        page.locator('[data-testid="stSelectbox"]', has_text="Preset").first.click()
        page.get_by_role("option", name=preset, exact=True).click()
        if fixed:
            page.get_by_text(f"fixed {fixed}", exact=True).click()
            page.wait_for_timeout(500)
        set_rounds(page, rounds)
        t0 = time.monotonic()
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
        wall = time.monotonic() - t0
        with page.expect_download() as download:
            page.get_by_role("button", name="Result (JSON)").click()
        return Comparison.from_dict(json.loads(Path(download.value.path()).read_text())), wall
    finally:
        page.close()


def cli_run(
    preset: str, rounds: int, fixed: str | None, out: Path, variants: str
) -> tuple[Comparison, float, list[tuple[float, float]]]:
    """The result, the wall time, and each (elapsed, time-left estimate) the progress line gave."""
    cmd = [sys.executable, "-m", "engine", "compare", "--preset", preset, "--rounds", str(rounds)]
    cmd += ["--variants", variants]
    cmd += ["--cpu-fixed", fixed] if fixed else []
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [*cmd, "--json", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    etas = []
    assert proc.stderr is not None
    for line in iter(lambda: proc.stderr.readline() if proc.stderr else "", ""):  # type: ignore[union-attr]
        for m in LEFT.finditer(line):
            etas.append((time.monotonic() - t0, 60 * int(m.group(1) or 0) + float(m.group(2))))
    if proc.wait() != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    return Comparison.from_json(out), time.monotonic() - t0, etas


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="cpu-demo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--fixed", choices=["work", "duration"], help="override how the preset holds C")
    comparisons = [name for name, s in SETS.items() if not s.sweep]
    ap.add_argument("--variants", default="pair", choices=comparisons, help="what to compare")
    args = ap.parse_args()
    rows: list[tuple[int, str, Comparison]] = []
    walls: list[tuple[str, float]] = []
    etas: list[tuple[float, float, float]] = []  # elapsed, estimate of time left, real time left
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        log = open(folder / "streamlit.log", "w")  # noqa: SIM115
        server, url = serve_app(folder, log)
        browser = launch_chromium(pw)
        try:
            for rep in range(args.reps):
                for side in ("lab", "cli") if rep % 2 == 0 else ("cli", "lab"):
                    _log(f"rep {rep + 1}: {side}")
                    if side == "lab":
                        c, wall = lab_run(browser, url, args.preset, args.rounds, args.fixed, args.variants)
                    else:
                        c, wall, seen = cli_run(
                            args.preset, args.rounds, args.fixed, folder / f"cli{rep}.json", args.variants
                        )
                        etas += [(at, left, wall - at) for at, left in seen]
                    rows.append((rep + 1, side, c))
                    walls.append((side, wall))
        finally:
            browser.close()
            server.terminate()
            server.wait(15)
            log.close()
    held = rows[0][2].workload.describe_cpu_work()
    what = "" if args.variants == "pair" else f", variants {args.variants}"
    print(f"\n### lab vs CLI: {args.preset} ({held}){what}, {args.rounds} rounds each, ABBA order\n")
    print(
        "| rep | via | speedup | limit | CV | G ms | C ms | loop iterations per batch (headline) "
        "| headline period ms | its limit ms | schedule eff min | contention |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for rep, side, c in rows:
        effs = [c.schedule_efficiency(r) for r in c.runs]
        print(
            f"| {rep} | {side} | {c.speedup:.3f} | {c.limit:.3f} | {c.speedup_cv:.1%} | "
            f"{c.baseline_summary.g.mean:.1f} | {c.baseline_summary.c.mean:.1f} | "
            f"{iterations_used(c)[c.headline.name]:,.0f} | "
            f"{c.headline_summary.period_ms:.1f} | {c.prediction.limit_period_ms:.1f} | {min(effs):.3f} | "
            f"{c.contention.stamp} (others {c.contention.other_cpu_cores:.2f} cores) |"
        )
    if args.variants != "pair":
        names = rows[0][2].variant_names[1:]
        print("\n| rep | via | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for rep, side, c in rows:
            print(f"| {rep} | {side} | " + " | ".join(f"{c.speedup_of(n):.3f}" for n in names) + " |")
    w = preset_named(args.preset)
    w = w.replace(cpu_fixed=args.fixed) if args.fixed else w
    before = standin_spec_s(w, RunSpec(variants=args.variants, rounds=args.rounds))
    lab_s = statistics.median(t for side, t in walls if side == "lab")
    cli_s = statistics.median(t for side, t in walls if side == "cli")
    print(
        f"\n### run time: {args.preset}, {args.rounds} rounds\n\n| | seconds |\n|---|---|\n"
        f"| README says | {readme_seconds()} |\n| estimate before the run | {before:.0f} |\n"
        f"| lab, click to result (median of {len(walls) // 2}) | {lab_s:.1f} |\n"
        f"| CLI, start to exit (median) | {cli_s:.1f} |\n"
        f"| lab / estimate | {lab_s / before:.2f} |\n| CLI / estimate | {cli_s / before:.2f} |"
    )
    if etas:
        worst = max(abs(left - real) / real for _, left, real in etas if real > 1)
        print(
            f"\nCLI time-left estimates: {len(etas)} read; worst |estimate - real| / real = {worst:.0%} "
            f"(once more than a second was left)"
        )
    lab = statistics.median(c.speedup for _, side, c in rows if side == "lab")
    cli = statistics.median(c.speedup for _, side, c in rows if side == "cli")
    print(f"\nmedian speedup: lab {lab:.3f}, CLI {cli:.3f}; lab / CLI = {lab / cli:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
