"""GPU benchmark of the numbers a sceptic checks: steadiness, per-block truth, the article's loops.

One process, one card, back to back, so every ratio below was measured side by side:
- the balanced preset (fixed-duration CPU work) several times in a row: how far apart are they?
- seed (fixed work) and seed-steady (fixed duration): does every block reach its own prediction?
- the article's own loops against the seed's single loop: how much more does the overlap script's
  loop cost per batch, and what does that do to the speedup?
- balanced with the stability gate: how many rounds until the last four agree?

Prints markdown tables last; writes every result as JSON when --out is given.

    python -m bench.trust_report [--balanced-runs 3] [--rounds 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from engine.host.fingerprint import fingerprint
from engine.measure.protocol import compare
from engine.read.document import cv_text, document, iterations_used
from engine.read.truth import blocks, limit_sentence
from engine.read.verdict import verdict
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import preset


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


SMOKE = {"model": "mobilenet_v3_small", "batch_size": 1, "steps": 8, "warmup_steps": 1, "device": "cpu"}


def _run(name: str, spec: RunSpec, smoke: bool = False) -> Comparison:
    _log(f"{name}: {'until stable' if spec.until_stable else f'{spec.planned_rounds} rounds'}")
    w = preset(name).replace(**SMOKE) if smoke else preset(name).replace(device="cuda")
    if smoke and w.cpu_work == "loop":
        w = w.replace(cpu_iterations=20_000)
    return compare(w, spec, command=f"bench {name}")


def _drift(c: Comparison, attr: str) -> float:
    """The headline's blocks' mean G (or C) over the baseline's, minus one."""
    s = statistics.fmean(getattr(b, attr) for b in blocks(c) if b.mode == c.baseline.name and b.counted)
    o = statistics.fmean(getattr(b, attr) for b in blocks(c) if b.mode == c.headline.name and b.counted)
    return o / s - 1


def _excess_ms(c: Comparison) -> float:
    """How much longer the headline's blocks' period ran than their own costs allow, in ms."""
    return statistics.fmean(
        b.period_ms - b.limit_period_ms for b in blocks(c) if b.mode == c.headline.name and b.counted
    )


def row(label: str, c: Comparison) -> str:
    effs = [b.schedule_efficiency for b in blocks(c) if b.counted]
    s = c.baseline_summary
    eff = "n/a" if c.efficiency != c.efficiency else f"{c.efficiency:.0%}"
    return (
        f"| {label} | {c.rounds} | {c.speedup:.3f} | {c.limit:.3f} | {eff} | {cv_text(c)} "
        f"{c.stability_state} | {s.g.mean:.2f} | {s.l.mean:.2f} | {s.c.mean:.1f} | "
        f"{min(effs):.3f} / {max(effs):.3f} | {_drift(c, 'g_ms'):+.1%} | {_drift(c, 'c_ms'):+.1%} | "
        f"{_excess_ms(c):+.2f} | {c.contention.stamp} |"
    )


HEADER = (
    "| run | rounds | speedup | limit | efficiency | CV | G ms | L ms | C ms | schedule eff min / max "
    "| G overlap vs serial | C overlap vs serial | overlap period over own prediction, ms | contention |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--balanced-runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-gate", action="store_true")
    ap.add_argument(
        "--smoke", action="store_true", help="a tiny model on the CPU stand-in, to try the script"
    )
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    env = fingerprint("cpu" if args.smoke else "cuda")
    _log(f"card: {env.gpu_name} ({env.gpu_uuid}), driver {env.gpu_driver}")
    results: list[tuple[str, Comparison]] = []
    fixed = RunSpec(rounds=args.rounds)
    for i in range(args.balanced_runs):
        results.append((f"balanced #{i + 1}", _run("balanced", fixed, smoke=args.smoke)))
    for name in ("seed", "seed-steady", "article"):
        results.append((name, _run(name, fixed, smoke=args.smoke)))
    if not args.skip_gate:
        until = RunSpec(until_stable=True, rounds=8)
        results.append(("balanced, until stable", _run("balanced", until, smoke=args.smoke)))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for label, c in results:
            name = label.replace(" ", "_").replace("#", "").replace(",", "") + ".json"
            (args.out / name).write_text(json.dumps(document(c)))

    print(
        f"\n## {env.gpu_name} | driver {env.gpu_driver} | CUDA {env.cuda_runtime} | "
        f"torch {env.torch} | {env.cpu_model} ({env.cpu_cores_usable} cores) | "
        f"SM clock {env.gpu_sm_clock_mhz} of {env.gpu_sm_clock_max_mhz} MHz\n"
    )
    print(HEADER)
    for label, c in results:
        print(row(label, c))
    balanced = [c.speedup for label, c in results if label.startswith("balanced #")]
    if balanced:
        spread = max(balanced) / min(balanced) - 1
        print(
            f"\nbalanced, back to back: {' '.join(f'{x:.3f}' for x in balanced)}; max/min - 1 = {spread:.1%}"
        )
    by = dict(results)
    if "article" in by and "seed" in by:
        a, s = by["article"], by["seed"]
        iters = iterations_used(a)[a.baseline.name]
        head, base = a.headline_summary.c.mean, a.baseline_summary.c.mean
        print(
            f"\narticle loops: C {a.headline.name} / {a.baseline.name} = {head / base:.3f} "
            f"({head:.1f} / {base:.1f} ms, {iters:,.0f} iterations each); "
            f"speedup {a.speedup:.3f} against the seed's {s.speedup:.3f} in the same call"
        )
    for label, c in results:
        print(
            f"\n**{label}**: per-round {' '.join(f'{x:.3f}' for _, x in c.all_round_speedups)}; "
            f"stopped by {c.stability.stop_reason}; verdict: {verdict(c).line}"
        )
        why = limit_sentence(c)
        if why:
            print(why)
    return 0


if __name__ == "__main__":
    sys.exit(main())
