"""GPU benchmark: the engine against the bare article scripts, the balanced preset, telemetry cost.

Everything runs in one process, interleaved, so ratios are taken side by side on the same card at the
same moment. Prints markdown tables last; writes full results as JSON when --out is given.

    python -m bench.gpu_report [--reps 3] [--balanced-rounds 8] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bench.article_scripts import bare_overlap, bare_serial
from engine.fingerprint import fingerprint
from engine.models import IMAGE_SHAPE, build_model, torch_dtype
from engine.protocol import compare
from engine.records import Comparison
from engine.workload import preset


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mean_ms(durations_s: list[float]) -> float:
    return statistics.mean(durations_s) * 1e3


def seed_vs_bare(reps: int) -> tuple[list[dict[str, float]], Comparison]:
    """Each rep: the engine's seed preset (2 rounds), then the bare scripts, order alternating."""
    import torch

    w = preset("seed").replace(device="cuda")
    model = build_model(w.model, "cuda:0", w.precision)
    x = torch.randn(w.batch_size, *IMAGE_SHAPE, device="cuda:0", dtype=torch_dtype(w.precision))
    rows, last = [], None
    for rep in range(reps):
        _log(f"seed rep {rep + 1}/{reps}: engine")
        last = compare(w, 2)
        bare: dict[str, float] = {}
        for name in ("serial", "overlap") if rep % 2 == 0 else ("overlap", "serial"):
            _log(f"seed rep {rep + 1}/{reps}: bare {name}")
            fn = bare_serial if name == "serial" else bare_overlap
            fn(model, x, 1, w.cpu_iterations)  # the article warms up with one forward
            bare[name] = mean_ms(fn(model, x, w.steps, w.cpu_iterations))
        rows.append(
            {
                "engine_serial_ms": last.serial.period.mean,
                "bare_serial_ms": bare["serial"],
                "engine_overlap_ms": last.overlap.period.mean,
                "bare_overlap_ms": bare["overlap"],
                "speedup": last.speedup,
                "ceiling": last.ceiling,
                "cv": last.speedup_cv,
                "g_ms": last.serial.g.mean,
                "l_ms": last.serial.l.mean,
                "c_ms": last.serial.c.mean,
            }
        )
    del x
    torch.cuda.empty_cache()
    assert last is not None
    return rows, last


def telemetry_cost(reps: int) -> list[dict[str, float | str]]:
    """Seed workload (30 steps) with the sampler off, in a process, in a thread: periods and rates."""
    w = preset("seed").replace(device="cuda", steps=30)
    modes = ["off", "process", "thread"]
    seen: dict[str, list[Comparison]] = {m: [] for m in modes}
    for rep in range(reps):
        order = modes[rep % 3 :] + modes[: rep % 3]
        for mode in order:
            _log(f"telemetry rep {rep + 1}/{reps}: {mode}")
            seen[mode].append(compare(w, 1, telemetry=mode, with_environment=False))
    base_s = statistics.mean(c.serial.period.mean for c in seen["off"])
    base_o = statistics.mean(c.overlap.period.mean for c in seen["off"])
    out = []
    for mode in modes:
        s = statistics.mean(c.serial.period.mean for c in seen[mode])
        o = statistics.mean(c.overlap.period.mean for c in seen[mode])
        rates = [
            len(c.telemetry.t_ns) / sum(r.wall_s for r in c.runs) for c in seen[mode] if c.telemetry.t_ns
        ]
        out.append(
            {
                "mode": mode,
                "serial_ms": s,
                "overlap_ms": o,
                "serial_vs_off": s / base_s,
                "overlap_vs_off": o / base_o,
                "samples_per_s": statistics.mean(rates) if rates else 0.0,
                "gpu_status": seen[mode][-1].telemetry.gpu_status,
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--balanced-rounds", type=int, default=8)
    ap.add_argument("--telemetry-reps", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    env = fingerprint("cuda")
    _log(f"card: {env['gpu_name']}, driver {env['gpu_driver']}, torch {env['torch']}")
    rows, seed = seed_vs_bare(args.reps)
    _log("balanced")
    balanced = compare(preset("balanced").replace(device="cuda"), args.balanced_rounds)
    tele = telemetry_cost(args.telemetry_reps)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        seed.to_json(args.out / "seed.json")
        balanced.to_json(args.out / "balanced.json")
        (args.out / "report.json").write_text(
            json.dumps({"env": env, "seed": rows, "telemetry": tele}, indent=1)
        )

    print(
        f"\n## {env['gpu_name']} | driver {env['gpu_driver']} | CUDA {env['cuda_runtime']} | "
        f"torch {env['torch']} | torchvision {env['torchvision']} | {env['cpu_model']} "
        f"({env['cpu_cores_usable']} cores)\n"
    )
    print("### seed: engine vs bare article scripts (mean ms per iteration)\n")
    print(
        "| rep | engine serial | bare serial | ratio | engine overlap | bare overlap | ratio | "
        "speedup | ceiling | CV | G | L | C |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows, 1):
        print(
            f"| {i} | {r['engine_serial_ms']:.1f} | {r['bare_serial_ms']:.1f} | "
            f"{r['engine_serial_ms'] / r['bare_serial_ms']:.3f} | {r['engine_overlap_ms']:.1f} | "
            f"{r['bare_overlap_ms']:.1f} | {r['engine_overlap_ms'] / r['bare_overlap_ms']:.3f} | "
            f"{r['speedup']:.3f} | {r['ceiling']:.3f} | {r['cv']:.1%} | {r['g_ms']:.2f} | "
            f"{r['l_ms']:.2f} | {r['c_ms']:.1f} |"
        )
    print(
        "\nbare scripts' own speedup (serial/overlap mean): "
        + ", ".join(f"{r['bare_serial_ms'] / r['bare_overlap_ms']:.3f}" for r in rows)
    )
    b = balanced
    print("\n### balanced (C calibrated to G)\n")
    print(
        "| speedup | ceiling | efficiency | CV | per-round | G | L | C | period serial/overlap p50 | "
        "latency serial/overlap p50 | throughput serial/overlap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {b.speedup:.3f} | {b.ceiling:.3f} | {b.efficiency:.0%} | {b.speedup_cv:.1%} | "
        f"{' '.join(f'{x:.2f}' for x in b.round_speedups)} | {b.serial.g.mean:.2f} | {b.serial.l.mean:.2f} | "
        f"{b.serial.c.mean:.2f} | {b.serial.period.p50:.2f} / {b.overlap.period.p50:.2f} | "
        f"{b.serial.latency.p50:.2f} / {b.overlap.latency.p50:.2f} | "
        f"{b.serial.throughput_ips:.0f} / {b.overlap.throughput_ips:.0f} |"
    )
    print("\n### telemetry sampler cost (seed, 30 steps; periods relative to sampler off)\n")
    print(
        "| sampler | serial period ms | overlap period ms | serial vs off | overlap vs off "
        "| samples/s | GPU |"
    )
    print("|---|---|---|---|---|---|---|")
    for t in tele:
        print(
            f"| {t['mode']} | {t['serial_ms']:.1f} | {t['overlap_ms']:.1f} | {t['serial_vs_off']:.3f} | "
            f"{t['overlap_vs_off']:.3f} | {t['samples_per_s']:.1f} | {t['gpu_status']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
