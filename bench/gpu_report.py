"""GPU benchmark: the engine against the bare article scripts, the balanced preset, telemetry cost.

Everything runs in one process, interleaved, so ratios are taken side by side on the same card at the
same moment. Prints markdown tables last; writes full results as JSON when --out is given.

    python -m bench.gpu_report [--pairs 4] [--seed-rounds 8] [--balanced-rounds 4] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench.article_scripts import bare_overlap, bare_serial
from engine.devices.cuda import CudaDevice
from engine.devices.models import IMAGE_SHAPE, torch_dtype
from engine.host.fingerprint import fingerprint
from engine.host.telemetry import Sampler
from engine.measure.protocol import compare, open_device
from engine.measure.runners import run_overlap, run_serial
from engine.read.document import document
from engine.spec.postprocess import FixedWorkPost, iterations_for, ms_per_iteration, trig_loop
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload, preset


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mean_ms(durations_s: list[float]) -> float:
    return statistics.mean(durations_s) * 1e3


def seed_vs_bare(reps: int) -> list[dict[str, float]]:
    """Engine blocks and bare-script blocks of the seed workload, paired per mode, ABBA order.

    The engine side is its device, runners and post-processing with the sampler process running,
    exactly what compare() times; the bare side is bench.article_scripts. The CPU of a shared box
    drifts by tens of percent between blocks, so each ratio is taken between neighbouring blocks.
    """
    import torch

    w = preset("seed").replace(device="cuda")
    device = CudaDevice(w, "cuda:0")
    x = torch.randn(w.batch_size, *IMAGE_SHAPE, device="cuda:0", dtype=torch_dtype(w.precision))
    post = FixedWorkPost(w.cpu_iterations)
    rows = []
    try:
        for i in range(2):  # warm-up, as the article does, for both sides
            device.wait(device.launch(i))
        bare_serial(device.model, x, 1, w.cpu_iterations)
        with Sampler(0):
            for rep in range(reps):
                blocks = [
                    ("engine", "serial"),
                    ("bare", "serial"),
                    ("bare", "deque"),
                    ("engine", "deque"),
                ]
                got: dict[tuple[str, str], float] = {}
                for side, mode in blocks if rep % 2 == 0 else blocks[::-1]:
                    _log(f"seed pair {rep + 1}/{reps}: {side} {mode}")
                    if side == "bare":
                        fn = bare_serial if mode == "serial" else bare_overlap
                        got[(side, mode)] = mean_ms(fn(device.model, x, w.steps, w.cpu_iterations))
                    else:
                        device.start_block()
                        run = (
                            run_serial(device, post, w.steps)
                            if mode == "serial"
                            else run_overlap(device, post, w.steps)
                        )
                        # The bare scripts time each iteration up to its own wait; the mean of
                        # launch-to-launch gaps is the same quantity without the drain.
                        got[(side, mode)] = statistics.mean(run.launch_gaps_ms)
                rows.append({f"{side}_{mode}_ms": v for (side, mode), v in got.items()})
    finally:
        device.close()
    return rows


def telemetry_cost(reps: int) -> list[dict[str, float | str]]:
    """Overlap blocks of a short-period workload (~13 ms) with the sampler off, in a process, in a
    thread, alternating every block on one open device so CPU drift falls on all three alike.
    """
    w = Workload(
        model="resnet18", batch_size=16, steps=40, warmup_steps=3, cpu_work="ms", cpu_ms=10.0, device="cuda"
    )
    modes = ["off", "process", "thread"]
    device = open_device(w)
    post = FixedWorkPost(iterations_for(w.cpu_ms, ms_per_iteration()))
    periods: dict[str, list[float]] = {m: [] for m in modes}
    rates: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    status: dict[str, str] = {}
    try:
        for i in range(3):
            device.wait(device.launch(i))
        for rep in range(reps):
            for mode in modes[rep % 3 :] + modes[: rep % 3]:
                device.start_block()
                with Sampler(0, mode=mode) as sampler:
                    run = run_overlap(device, post, w.steps)
                periods[mode].append(run.period_ms)
                rates[mode].append(len(sampler.trace.t_ns) / run.wall_s)
                cpu[mode].append(sampler.trace.sampler_cpu_s / run.wall_s)
                status[mode] = sampler.trace.gpu_status
    finally:
        device.close()
    _log("telemetry done")
    out: list[dict[str, float | str]] = []
    for mode in modes:
        ratios = [p / b for p, b in zip(periods[mode], periods["off"])]
        out.append(
            {
                "mode": mode,
                "ratio_p50": statistics.median(ratios),
                "ratio_p25": statistics.quantiles(ratios, n=4)[0] if len(ratios) > 1 else ratios[0],
                "ratio_p75": statistics.quantiles(ratios, n=4)[2] if len(ratios) > 1 else ratios[0],
                "period_ms": statistics.median(periods[mode]),
                "samples_per_s": statistics.mean(rates[mode]),
                "sampler_cpu_pct": 100 * statistics.mean(cpu[mode]),
                "gpu_status": status[mode],
            }
        )
    return out


def loop_noise(repeats: int = 40) -> list[dict[str, float | str]]:
    """How steady is the host? The same 500,000-iteration loop, unpinned and pinned to one core."""
    import os

    out: list[dict[str, float | str]] = []
    original = os.sched_getaffinity(0)
    for label, mask in (("unpinned", original), ("pinned to one core", {min(original)})):
        os.sched_setaffinity(0, mask)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            trig_loop(500_000)
            times.append((time.perf_counter() - t0) * 1e3)
        os.sched_setaffinity(0, original)
        q = statistics.quantiles(times, n=10)
        out.append(
            {
                "affinity": label,
                "min_ms": min(times),
                "p10_ms": q[0],
                "p50_ms": statistics.median(times),
                "p90_ms": q[-1],
                "max_ms": max(times),
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=4, help="engine/bare block pairs of the seed workload")
    ap.add_argument("--seed-rounds", type=int, default=6)
    ap.add_argument("--balanced-rounds", type=int, default=4)
    ap.add_argument("--telemetry-reps", type=int, default=15)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    env = fingerprint("cuda")
    _log(f"card: {env.gpu_name}, driver {env.gpu_driver}, torch {env.torch}")
    pairs = seed_vs_bare(args.pairs)
    _log("seed preset")
    seed = compare(preset("seed").replace(device="cuda"), RunSpec(rounds=args.seed_rounds))
    _log("balanced preset")
    balanced = compare(preset("balanced").replace(device="cuda"), RunSpec(rounds=args.balanced_rounds))
    tele = telemetry_cost(args.telemetry_reps)
    noise = loop_noise()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "seed.json").write_text(json.dumps(document(seed)))
        (args.out / "balanced.json").write_text(json.dumps(document(balanced)))
        report = {"env": asdict(env), "pairs": pairs, "telemetry": tele, "loop_noise": noise}
        (args.out / "report.json").write_text(json.dumps(report, indent=1))
    print(
        f"\n## {env.gpu_name} | driver {env.gpu_driver} | CUDA {env.cuda_runtime} | "
        f"torch {env.torch} | torchvision {env.torchvision} | {env.cpu_model} "
        f"({env.cpu_cores_usable} cores)\n"
    )
    print_pairs(pairs)
    print("\n### presets (engine, interleaved rounds)\n")
    print(
        "| preset | rounds | speedup | limit | efficiency | CV | G ms | L ms | C ms | period serial / "
        "deque ms | latency p50 serial / deque ms | images/s serial / deque |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, c in (("seed", seed), ("balanced", balanced)):
        s, o = c.baseline_summary, c.headline_summary
        print(
            f"| {name} | {c.rounds} | {c.speedup:.3f} | {c.limit:.3f} | {c.efficiency:.0%} | "
            f"{c.speedup_cv:.1%}{' NOISY' if c.noisy else ''} | {s.g.mean:.2f} | {s.l.mean:.2f} | "
            f"{s.c.mean:.1f} | {s.period_ms:.1f} / {o.period_ms:.1f} | {s.latency.p50:.1f} / "
            f"{o.latency.p50:.1f} | {s.throughput_ips:.0f} / {o.throughput_ips:.0f} |"
        )
        print(f"|  | per-round speedups: {' '.join(f'{x:.3f}' for x in c.round_speedups)} |")
    print("\n### telemetry sampler cost (deque blocks, resnet18 b16, C 10 ms, alternating per block)\n")
    print(
        "| sampler | period vs off p25 / p50 / p75 | overlap period ms | samples/s | sampler CPU % of a core "
        "| GPU columns |"
    )
    print("|---|---|---|---|---|---|")
    for t in tele:
        print(
            f"| {t['mode']} | {t['ratio_p25']:.3f} / {t['ratio_p50']:.3f} / {t['ratio_p75']:.3f} | "
            f"{t['period_ms']:.2f} | {t['samples_per_s']:.1f} | {t['sampler_cpu_pct']:.2f} | "
            f"{t['gpu_status']} |"
        )
    print("\n### host noise: the article's 500,000-iteration loop, 40 times (ms)\n")
    print("| affinity | min | p10 | p50 | p90 | max |")
    print("|---|---|---|---|---|---|")
    for n in noise:
        print(
            f"| {n['affinity']} | {n['min_ms']:.1f} | {n['p10_ms']:.1f} | {n['p50_ms']:.1f} | "
            f"{n['p90_ms']:.1f} | {n['max_ms']:.1f} |"
        )
    return 0


def print_pairs(pairs: list[dict[str, float]]) -> None:
    print("### seed: engine vs bare article scripts, neighbouring blocks (mean ms per iteration)\n")
    print("| pair | engine serial | bare serial | ratio | engine overlap | bare overlap | ratio |")
    print("|---|---|---|---|---|---|---|")
    rs, ro = [], []
    for i, p in enumerate(pairs, 1):
        rs.append(p["engine_serial_ms"] / p["bare_serial_ms"])
        ro.append(p["engine_overlap_ms"] / p["bare_overlap_ms"])
        print(
            f"| {i} | {p['engine_serial_ms']:.1f} | {p['bare_serial_ms']:.1f} | {rs[-1]:.3f} | "
            f"{p['engine_overlap_ms']:.1f} | {p['bare_overlap_ms']:.1f} | {ro[-1]:.3f} |"
        )
    print(f"| median |  |  | {statistics.median(rs):.3f} |  |  | {statistics.median(ro):.3f} |")


if __name__ == "__main__":
    sys.exit(main())
