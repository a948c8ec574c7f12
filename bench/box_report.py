"""Benchmark for what the box allows: the seed-steady ladder with its bf16 rung and box-sized pool,
each rung's share of the box's ceiling, and where CUDA Graphs stop paying, as markdown.

    python -m bench.box_report ladder [--steps N] [--rounds N] [--out DIR]
    python -m bench.box_report crossover [--models vit_b_16:fp32,vit_b_16:bf16,resnet50:fp32] [--out DIR]
    python -m bench.box_report uploads [--steps N] [--rounds N] [--out DIR]

The ladder part runs the seed's workload with C held (seed-steady) over longer blocks than the
lab's first click, so that fill and drain take little of a 14x gain; every number comes from the
Comparison's own estimators (engine/read/rungs.py and engine/read/box.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from engine.devices.cuda import CudaDevice
from engine.measure.crossover import BATCHES, sweep_launches
from engine.measure.protocol import compare
from engine.read.box import box_ceiling, box_sentence
from engine.read.document import document
from engine.read.rungs import rungs
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.sets import variant_set
from engine.spec.workload import Workload, preset
from engine.words.crossover import format_crossover
from engine.words.uploads import format_uploads
from engine.words.variants import format_rungs

ARTICLE_SPEEDUP = 1.53  # the article's measured gain of the deque over the serial loop


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ladder_table(c: Comparison) -> str:
    box = box_ceiling(c)
    lines = [
        f"{c.workload.describe()}; {c.rounds} rounds x {c.workload.steps} steps; {c.environment.where}, "
        f"{c.environment.cpu_cores_usable} cores",
        "",
        "| rung | what | speedup | CV | its ceiling | of its ceiling | of the box | G ms | L ms | C ms "
        "| bound |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rungs(c):
        cv = c.speedup_cv_of(r.name) if r.name != c.baseline.name else float("nan")
        lines.append(
            f"| {r.name} | {r.label} | {r.speedup:.2f}x | {cv:.1%} | {r.ceiling:.2f}x | "
            f"{r.speedup / r.ceiling:.0%} | {r.of_box:.0%} | {r.g_ms:.2f} | {r.l_ms:.2f} | {r.c_ms:.1f} "
            f"| {r.bound} |"
        )
    top = c.headline.name
    gain = c.speedup_of(top)
    lines += [
        "",
        f"box: {box_sentence(c)}",
        f"{top} at {gain:.2f}x over the fp32 serial loop is {gain / ARTICLE_SPEEDUP:.1f} times the article's "
        f"{ARTICLE_SPEEDUP}x; the box's period {box.period_ms:.2f} ms is bound by {box.bound}",
    ]
    return "\n".join(lines)


def run_ladder(args: argparse.Namespace, out: Path) -> None:
    w = preset("seed-steady").replace(steps=args.steps, warmup_steps=3)
    spec = RunSpec(variants="ladder", rounds=args.rounds, telemetry="off")
    full = variant_set("ladder").variants(on_gpu=True)
    # --top: the baseline and the two graph rungs only, so that long blocks fit a device call
    chosen = (full[0], *full[-2:]) if args.top else None
    _log(f"ladder: {w.describe()}, {args.rounds} rounds, {[v.name for v in chosen or full]}")
    c = compare(w, spec, variants=chosen, command="bench.box_report ladder")
    text = ladder_table(c)
    print(text)
    (out / "ladder.md").write_text(text + "\n")
    (out / "ladder.json").write_text(json.dumps(document(c, None)))


def run_uploads(args: argparse.Namespace, out: Path) -> None:
    """ViT-B/16 at batch 10 in bf16, replayed as graphs, with a little host work: the loop the GPU
    sets the pace of, where an upload's cost shows whole."""
    w = Workload(
        batch_size=10,
        precision="bf16",
        steps=args.steps,
        warmup_steps=3,
        cpu_work="ms",
        cpu_ms=0.3,
        cpu_fixed="duration",
    )
    _log(f"uploads: {w.describe()}, {args.rounds} rounds")
    c = compare(
        w,
        RunSpec(variants="uploads", rounds=args.rounds, telemetry="off"),
        command="bench.box_report uploads",
    )
    text = "\n".join([w.describe(), *format_rungs(c), "", *format_uploads(c)])
    print(text)
    (out / "uploads.md").write_text(text + "\n")
    (out / "uploads.json").write_text(json.dumps(document(c, None)))


def run_crossover(args: argparse.Namespace, out: Path) -> None:
    import torch

    card = torch.cuda.get_device_name(0)
    found = []
    for pair in args.models.split(","):
        model, precision = pair.split(":")
        base = Workload(model=model, precision=precision, warmup_steps=0, device="cuda")
        _log(f"crossover: {model} {precision}")

        def open_at(batch: int, base: Workload = base) -> CudaDevice:
            return CudaDevice(base.replace(batch_size=batch), "cuda:0")

        x = sweep_launches(
            open_at,
            model,
            precision,
            card,
            BATCHES,
            on_point=lambda p: _log(f"  batch {p.batch}: {p.measured_gain:.2f}x"),
        )
        print(format_crossover(x) + "\n")
        found.append(x.to_dict())
    (out / "crossover.json").write_text(json.dumps(found, indent=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("part", choices=("ladder", "crossover", "uploads"))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--top", action="store_true", help="ladder: serial, graphs and graphs-bf16 only")
    ap.add_argument("--models", default="vit_b_16:fp32,vit_b_16:bf16,resnet50:fp32")
    ap.add_argument("--out", default="bench-out")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.part == "ladder":
        run_ladder(args, out)
    elif args.part == "uploads":
        run_uploads(args, out)
    else:
        run_crossover(args, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
