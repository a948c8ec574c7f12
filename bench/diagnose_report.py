"""Benchmark for diagnose: every registered loop probed, forecast, then measured, as markdown.

For each loop one diagnosis runs (its rungs side by side in rotating rounds), and each rung's
forecast speedup is set beside the measured one. The last table counts the rungs within 5%, lists
every miss with where it went, and says which loops had a hidden sync found, with file and line.

    python -m bench.diagnose_report [--loops a,b] [--steps N] [--rounds N] [--batch N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from engine.devices.loops import registered_names
from engine.errors import OverlapLabError
from engine.measure.protocol import compare
from engine.read.diagnosis import checks, miss_reasons
from engine.read.document import document
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.reading import parse_result


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def host_moved(c: Comparison) -> float:
    """How far the serial period of the rounds moved from the probe's: the host's drift, which no
    forecast made before the rounds can know."""
    assert c.forecast is not None
    return c.baseline_summary.period_ms / c.forecast.probe.serial_period_ms - 1


def loop_rows(c: Comparison) -> list[str]:
    f = c.forecast
    assert f is not None
    p = f.probe
    syncs = "; ".join(f"{s.where} `{s.code}`" for s in f.syncs) or "none"
    out = []
    for r in checks(c):
        span = f"{r.low:.2f} to {r.high:.2f}" if r.low is not None and r.high is not None else "—"
        out.append(
            f"| {c.workload.loop} | {r.name} | {r.forecast:.2f}x | {span}{'' if r.held else ' **out**'} | "
            f"{r.measured:.2f}x | {r.error:+.1%} | {'yes' if r.close else '**no** (' + r.whose + ')'} | "
            f"{r.rule:.2f}x{'' if r.rule_close else ' **no**'} | {r.formula} |"
        )
    head = (
        f"| {c.workload.loop} | probe | G {p.g_ms:.2f} | L {p.l_ms:.2f} | C {p.c_ms:.2f} | R {p.r_ms:.2f} | "
        f"serial {p.serial_period_ms:.2f} ms in the probe, {c.baseline_summary.period_ms:.2f} in the "
        f"rounds ({host_moved(c):+.0%}); {p.kernels_per_batch} GPU ops; {p.bytes_per_batch / 1e6:.2f} MB "
        f"back; h {p.gil_share if p.gil_share is not None else float('nan'):.2f}; "
        + (f"compile {p.compile_s:.1f} s; " if p.compile_s is not None else "")
        + f"syncs: {syncs} |"
    )
    return [head, *out]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--loops", default="", help="comma-separated names (default: every registered loop)")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default="")
    ap.add_argument("--from", dest="source", default="", help="report the diagnose-*.json files in DIR again")
    args = ap.parse_args(argv)
    names = [n for n in args.loops.split(",") if n] or registered_names()
    spec = RunSpec(variants="diagnose", rounds=args.rounds, telemetry="off", save=False)
    rows = [
        "| loop | rung | forecast | interval | measured | error | within 5% | rule on the rounds' costs | "
        "formula (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    misses, results, failed = [], {}, []
    close = total = held_close = held_total = rule_close = inside = 0
    widths: list[float] = []
    found_syncs = {}
    stored = sorted(Path(args.source).glob("diagnose-*.json")) if args.source else []
    for name in [p.stem.removeprefix("diagnose-") for p in stored] if stored else names:
        if stored:
            c = parse_result(Path(args.source, f"diagnose-{name}.json").read_text(), "result")
        else:
            w = Workload(
                loop=name, steps=args.steps, warmup_steps=3, batch_size=args.batch, device=args.device
            )
            _log(f"{name}: diagnosing")
            t0 = time.monotonic()
            try:
                c = compare(w, spec, command=f"bench.diagnose_report {name}")
            except OverlapLabError as exc:
                failed.append(f"{name}: {exc}")
                _log(f"{name}: {exc}")
                continue
            _log(f"{name}: {time.monotonic() - t0:.0f} s")
            if args.out:  # each loop's result as soon as it is measured: a cut-off call keeps it
                Path(args.out).mkdir(parents=True, exist_ok=True)
                Path(args.out, f"diagnose-{name}.json").write_text(json.dumps(document(c), indent=1))
        results[name] = c
        rows += loop_rows(c)
        assert c.forecast is not None
        found_syncs[name] = [f"{s.where} {s.code}" for s in c.forecast.syncs]
        held = abs(host_moved(c)) <= 0.05
        for r in checks(c):
            total += 1
            close += r.close
            rule_close += r.rule_close
            inside += bool(r.held)
            widths.append(r.half_width)
            held_total += held
            held_close += held and r.close
            if not r.close:
                misses.append(f"- {name} {r.name}: {r.error:+.1%}; " + "; ".join(miss_reasons(c, r.name)))
    first = next(iter(results.values()), None)
    card = first.environment.gpu_name if first is not None else "?"
    print(
        f"## diagnose on {card}: {len(results)} loops, batch {args.batch}, {args.steps} steps, "
        f"{args.rounds} rounds\n"
    )
    print("\n".join(rows))
    print(f"\nwithin 5%: {close} of {total} rungs ({close / max(total, 1):.0%})")
    print(
        f"the rule on the rounds' own costs (the model's error) within 5%: {rule_close} of {total} "
        f"({rule_close / max(total, 1):.0%})"
    )
    widths.sort()
    median = widths[len(widths) // 2] if widths else float("nan")
    print(
        f"the probe's interval held the measured speedup: {inside} of {total} "
        f"({inside / max(total, 1):.0%}); median half-width {median:.1%}"
    )
    print(
        f"where the rounds' serial period stayed within 5% of the probe's: {held_close} of {held_total} "
        f"rungs ({held_close / max(held_total, 1):.0%})\n"
    )
    print("misses:\n" + ("\n".join(misses) or "- none"))
    print("\nhidden syncs found by the probe:")
    for name, where in found_syncs.items():
        print(f"- {name}: {'; '.join(where) or 'none'}")
    for line in failed:
        print(f"- failed: {line}")
    for name, c in results.items():
        print(f"- {name}: first fix: {c.forecast.first_fix if c.forecast else ''}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
