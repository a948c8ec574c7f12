"""The G/C sweep: one steady comparison per ratio of host work to device work, set against the
ceiling the cost model predicts at each.

The ceiling is a curve, not a number: it peaks where L + C = G and falls away on both sides, so
one run shows one point of it. Each point here holds its CPU work for a fixed duration
(L + C = ratio x G, with G measured at the point's start), so the host's mood does not move it,
and its efficiency says how much of the predicted gain the loop realised there.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.result.comparison import Comparison
from engine.result.schedule import predict
from engine.spec.workload import Workload, WorkloadError, preset


@dataclass(frozen=True)
class SweepPoint:
    ratio: float  # (L + C) / G aimed at
    result: Comparison

    @property
    def measured_ratio(self) -> float:
        s = self.result.serial
        return (s.l.mean + s.c.mean) / s.g.mean if s.g.mean > 0 else float("nan")


def parse_ratios(text: str) -> list[float]:
    allowed = "comma-separated numbers from 0.05 to 20, e.g. 0.25,0.5,1,2,4"
    try:
        ratios = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise WorkloadError("ratios", text, allowed) from None
    if not ratios or len(ratios) > 20 or not all(0.05 <= r <= 20 for r in ratios):
        raise WorkloadError("ratios", text, allowed + " (at most 20 of them)")
    return ratios


def point_workload(base: Workload, ratio: float) -> Workload:
    return base.replace(cpu_work="match_g", cpu_fixed="duration", cpu_g_ratio=ratio)


SWEEP_RATIOS = (0.25, 0.5, 1.0, 2.0, 4.0)  # the lab's sweep, and the CLI's default


def run_sweep(
    base: Workload,
    ratios: Sequence[float],
    rounds: int,
    progress: Any = None,
    command: str = "",
    **options: Any,
) -> list[SweepPoint]:
    """One comparison per ratio; `options` go to each compare() (telemetry, cancel, a gate)."""
    from engine.measure.protocol import compare

    points = []
    for i, ratio in enumerate(ratios):

        def shown(p: Any, i: int = i, ratio: float = ratio) -> None:
            if progress is not None:
                progress(i, ratio, p)

        result = compare(point_workload(base, ratio), rounds, progress=shown, command=command, **options)
        points.append(SweepPoint(ratio, result))
    return points


def format_sweep(points: Sequence[SweepPoint]) -> str:
    lines = [
        f"{'(L+C)/G aimed':>13} {'measured':>9} {'G ms':>7} {'ceiling':>8} {'speedup':>8} "
        f"{'of gain':>8}  stability",
    ]
    for pt in points:
        c = pt.result
        eff = "n/a" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
        lines.append(
            f"{pt.ratio:>13g} {pt.measured_ratio:>9.2f} {c.serial.g.mean:>7.2f} {c.ceiling:>7.3f}x "
            f"{c.speedup:>7.3f}x {eff:>8}  {c.stability_text}"
        )
    return "\n".join(lines)


def sweep_dict(points: Sequence[SweepPoint]) -> dict[str, Any]:
    return {
        "points": [
            {
                "ratio": pt.ratio,
                "measured_ratio": pt.measured_ratio,
                "ceiling": pt.result.ceiling,
                "speedup": pt.result.speedup,
                "efficiency": pt.result.efficiency,
            }
            for pt in points
        ],
        "results": [pt.result.to_dict() for pt in points],
    }


def points_frame(points: Sequence[SweepPoint], run_ids: Sequence[str | None] = ()) -> pd.DataFrame:
    """One row per point for the lab's table and chart: what the CLI's table prints."""
    ids = list(run_ids) or [None] * len(points)
    return pd.DataFrame(
        [
            {
                "(L + C)/G aimed": pt.ratio,
                "measured (L + C)/G": pt.measured_ratio,
                "G (ms)": pt.result.serial.g.mean,
                "ceiling": pt.result.ceiling,
                "speedup": pt.result.speedup,
                "of the gain": pt.result.efficiency,
                "stability": pt.result.stability_text,
                "run": run_id or "",
            }
            for pt, run_id in zip(points, ids, strict=True)
        ]
    )


CURVE_POINTS = 60


def curve_frame(points: Sequence[SweepPoint]) -> pd.DataFrame:
    """The predicted ceiling over the sweep's range of (L + C) / G, for the sweep's mean G and L:
    the model's curve that the measured points are read against."""
    g = sum(pt.result.serial.g.mean for pt in points) / len(points)
    l_ms = sum(pt.result.serial.l.mean for pt in points) / len(points)
    lo = max(min(pt.measured_ratio for pt in points) / 1.5, l_ms / g if g > 0 else 0.01, 0.01)
    hi = max(pt.measured_ratio for pt in points) * 1.5
    rows = []
    for i in range(CURVE_POINTS + 1):
        ratio = lo * (hi / lo) ** (i / CURVE_POINTS)
        c_ms = max(0.0, ratio * g - l_ms)
        rows.append({"ratio": ratio, "ceiling": predict(g, l_ms, c_ms).ceiling})
    return pd.DataFrame(rows)


def run_sweep_command(prog: str, args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    """`python -m engine sweep`: progress per point on stderr, the table on stdout, JSON if asked."""
    from engine.cli import _fail, _ProgressPrinter, default_preset
    from engine.measure.progress import Throttle
    from engine.measure.protocol import check_rounds
    from engine.store.result_file import ResultFile

    out = None
    try:
        ratios = parse_ratios(args.ratios)
        check_rounds(args.rounds)
        name = args.preset or ("balanced" if default_preset() == "seed" else "cpu-demo")
        overrides = {k: getattr(args, k) for k in ("batch_size", "steps", "model", "precision", "device")}
        base = preset(name).replace(**{k: v for k, v in overrides.items() if v is not None})
        point_workload(base, ratios[0])  # a bad combination fails before any point runs
        out = ResultFile(args.json) if args.json is not None else None
        printer = None if args.quiet else Throttle(_ProgressPrinter(sys.stderr))

        def progress(i: int, ratio: float, p: Any) -> None:
            if printer is not None:
                label = f"point {i + 1}/{len(ratios)}, (L + C)/G = {ratio:g}"
                printer(dataclasses.replace(p, note=label + (f" · {p.note}" if p.note else "")))

        command = "python -m engine " + shlex.join(sys.argv[1:] if argv is None else argv)
        points = run_sweep(base, ratios, args.rounds, progress, command)
    except BaseException as exc:
        if out is not None:
            out.discard()
        return _fail(prog, exc)
    print(format_sweep(points))
    if out is not None:
        print(f"wrote {out.write(json.dumps(sweep_dict(points), indent=1))}")
    return 0
