"""GPU benchmark for the technique ladder: every rung, readbacks, the pool against its target,
CUDA Graphs, the depth sweep, the G/C sweep and the profiler cross-check, as markdown tables.

Each table comes from one comparison, so its ratios are side by side on one card at one time.

    python -m bench.ladder_report [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from engine.host.trace import kernel_spans_ms, read
from engine.measure.protocol import compare, open_device
from engine.measure.rig import Rig
from engine.read.document import document
from engine.read.rungs import rungs
from engine.result.circumstances import Calibration
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.sets import depths, launches, pair, pools, readbacks, variant_set
from engine.spec.variants import Variant
from engine.spec.workload import Workload, preset


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fmt(x: float, d: int = 2) -> str:
    return "n/a" if x != x else f"{x:.{d}f}"


def rung_table(c: Comparison, title: str) -> str:
    lines = [
        f"### {title}",
        "",
        "| variant | speedup | limit | ceiling | of gain | period ms | e2e p50 ms | e2e p99 ms "
        "| G ms | L ms | C ms | bound | syncs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rungs(c):
        eff = "-" if r.efficiency != r.efficiency else f"{r.efficiency:.0%}"
        lines.append(
            f"| {r.label} | {fmt(r.speedup, 2)}x | {fmt(r.limit, 2)}x | {fmt(r.ceiling, 2)}x | {eff} | "
            f"{fmt(r.period_ms, 1)} | "
            f"{fmt(r.latency_p50_ms, 1)} | {fmt(r.latency_p99_ms, 1)} | {fmt(r.g_ms, 2)} | "
            f"{fmt(r.l_ms, 2)} | "
            f"{fmt(r.c_ms, 1)} | {r.bound} | {r.syncs} |"
        )
    lines.append("")
    lines.append(f"{c.rounds} rounds x {c.workload.steps} steps; {c.stability_text}; {c.contention.stamp}")
    return "\n".join(lines)


def idle_table(c: Comparison) -> str:
    lines = ["| variant | launch | post-process | sync drain | other |", "|---|---|---|---|---|"]
    for r in rungs(c):
        lines.append(f"| {r.name} | " + " | ".join(fmt(v, 2) for v in r.idle_ms.values()) + " |")
    return "\n".join(lines)


def cross_check() -> str:
    w = preset("seed").replace(steps=20, warmup_steps=5, cpu_work="ms", cpu_ms=5.0, cpu_fixed="duration")
    dev = open_device(w)
    try:
        for i in range(w.warmup_steps):
            dev.wait(dev.launch(i))
        rig = Rig(dev, w, pair(), Calibration(target_c_ms=5.0))
        path = Path(tempfile.mkdtemp()) / "trace.json"
        blocks = rig.trace(str(path), time.perf_counter_ns, True)
    finally:
        dev.close()
    lines = [
        "| block | batches | G from events, median ms | kernel span in the trace, median ms | ratio |",
        "|---|---|---|---|---|",
    ]
    for b in blocks:
        spans = kernel_spans_ms(read(path), b.mode)
        ev = statistics.median(s.g_ms for s in b.steps)
        pr = statistics.median(spans.values())
        lines.append(f"| {b.mode} | {len(spans)} | {ev:.3f} | {pr:.3f} | {ev / pr:.4f} |")
    lines.append(f"\ntrace size: {path.stat().st_size / 1e6:.1f} MB")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument(
        "--parts",
        default="ladder,pool,pool-target,pool-steady,readback,graphs,depth,sweep,trace",
        help="which tables to measure, comma-separated",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    q = args.quick
    out = Path(args.out) if args.out else None
    tables: list[str] = []
    results: dict[str, Comparison] = {}

    def run(name: str, title: str, w: Workload, rounds: int, variants: tuple[Variant, ...]) -> None:
        if name not in parts:
            return
        _log(f"{name}: {len(variants)} variants x {rounds} rounds x {w.steps} steps")
        t0 = time.monotonic()
        c = compare(w, RunSpec(rounds=rounds), variants=variants, command=f"bench.ladder_report {name}")
        results[name] = c
        tables.append(rung_table(c, title) + f"\n\nwall {time.monotonic() - t0:.0f} s")
        if name in ("ladder", "readback"):
            tables.append("GPU idle per batch by cause (ms):\n\n" + idle_table(c))
        _log(f"{name}: done")

    seed = preset("seed")
    balanced = preset("balanced")
    run(
        "ladder",
        "The ladder, seed workload (ViT-B/16, batch 10, 500,000 iterations)",
        seed.replace(steps=20 if q else 50),
        1 if q else 2,
        variant_set("ladder").variants(on_gpu=True),
    )
    run(
        "pool",
        "A pool of k, seed workload, 200 steps a block (fill and drain cost little)",
        seed.replace(steps=40 if q else 200),
        1 if q else 2,
        pools(),
    )
    run(
        "pool-target",
        "The pool's target: seed workload, serial against a pool of 8, 400 steps a block",
        seed.replace(steps=100 if q else 400),
        1 if q else 3,
        (pools()[0], pools()[-1]),
    )
    run(
        "pool-steady",
        "The same with C held at 75 ms (seed-steady): the schedule alone, whatever the cores' clocks",
        preset("seed-steady").replace(steps=100 if q else 400),
        1 if q else 3,
        (pools()[0], pools()[-1]),
    )
    run(
        "readback",
        "Readback modes, balanced (batch 128, L + C = G held)",
        balanced.replace(steps=20 if q else 40),
        1 if q else 3,
        readbacks(),
    )
    run(
        "graphs",
        "CUDA Graphs, batch 10 with C = 8 ms held: L decides the ceiling",
        seed.replace(cpu_work="ms", cpu_ms=8.0, cpu_fixed="duration", steps=30 if q else 60, warmup_steps=5),
        1 if q else 3,
        launches(),
    )
    run(
        "depth",
        "Depth 2 to 8, balanced: throughput against end-to-end latency",
        balanced.replace(steps=16 if q else 30),
        1 if q else 2,
        depths(),
    )
    sweep_rows = [
        "| (L + C)/G | measured | ceiling | speedup | of gain | stability |",
        "|---|---|---|---|---|---|",
    ]
    for ratio in () if "sweep" not in parts else (0.5, 2) if q else (0.25, 0.5, 1, 2, 4):
        w = balanced.replace(batch_size=32, steps=20 if q else 120).at_ratio(ratio)
        _log(f"sweep point {ratio}")
        c = compare(w, RunSpec(rounds=1 if q else 2), command=f"bench.ladder_report sweep {ratio}")
        results[f"sweep-{ratio}"] = c
        s = c.baseline_summary
        eff = "n/a" if c.efficiency != c.efficiency else f"{c.efficiency:.0%}"
        sweep_rows.append(
            f"| {ratio:g} | {(s.l.mean + s.c.mean) / s.g.mean:.2f} | {c.ceiling:.3f}x | {c.speedup:.3f}x | "
            f"{eff} | {c.stability_text} |"
        )
    if "sweep" in parts:
        tables.append(
            "### G/C sweep, balanced preset at batch 32 (120 steps a block)\n\n" + "\n".join(sweep_rows)
        )
    if "trace" in parts:
        _log("profiler cross-check")
        tables.append("### CUDA events against torch.profiler, seed model at batch 10\n\n" + cross_check())
    if not results:
        print("\n\n".join(tables))
        return 0
    env = next(iter(results.values())).environment
    print(f"card: {env.gpu_name}, driver {env.gpu_driver}, torch {env.torch}, {env.cpu_cores_usable} cores\n")
    print("\n\n".join(tables))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        sweep = {n: document(c) for n, c in results.items() if n.startswith("sweep")}
        (out / "sweep.json").write_text(json.dumps(sweep))
        for name, c in results.items():
            if not name.startswith("sweep"):
                (out / f"{name}.json").write_text(json.dumps(document(c)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
