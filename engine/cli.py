"""Command line: `python -m engine compare|info`. Tables on stdout, progress on stderr."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, NoReturn

from engine.devices.base import DeviceError
from engine.workload import PRESET_NOTES, PRESETS, Workload, WorkloadError, preset

EXIT_USAGE = 2
EXIT_DEVICE = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit 2, never a usage dump or traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m engine", description="Measure CPU/GPU overlap in a PyTorch inference loop."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cmp_ = sub.add_parser("compare", help="serial vs overlap, interleaved rounds, a table of results")
    cmp_.add_argument(
        "--preset", default="seed", choices=list(PRESETS), help="starting workload (default seed)"
    )
    cmp_.add_argument("--rounds", type=int, default=3, help="interleaved serial/overlap rounds (default 3)")
    cmp_.add_argument("--json", metavar="PATH", help="write the full result, per-batch records included")
    cmp_.add_argument(
        "--telemetry",
        default="process",
        choices=["process", "thread", "off"],
        help="how NVML/CPU sampling runs (default: a separate process)",
    )
    cmp_.add_argument("--quiet", action="store_true", help="no progress on stderr")
    for f in fields(Workload):
        kind = {"int": int, "float": float}.get(str(f.type), str)
        cmp_.add_argument(
            _flag(f.name), dest=f.name, type=kind, default=None, help=f"override the preset's {f.name}"
        )
    sub.add_parser("info", help="the environment, and which device a run would use")
    return parser


def workload_from_args(args: argparse.Namespace) -> Workload:
    overrides = {f.name: getattr(args, f.name) for f in fields(Workload) if getattr(args, f.name) is not None}
    return preset(args.preset).replace(**overrides)


class _ProgressPrinter:
    """One updating line on a terminal; one line per phase change when stderr is a file or pipe."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = ""

    def __call__(self, p: Any) -> None:
        key = f"{p.phase}{p.round_index}"
        if self.tty:
            end = "\n" if p.phase == "done" else ""
            self.stream.write(f"\r[{p.fraction:6.1%}] {p.message:<48}{end}")
        elif key != self.last:
            self.stream.write(f"[{p.fraction:6.1%}] {p.message}\n")
        self.last = key
        self.stream.flush()


def _fmt(x: float, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def format_comparison(c: Any) -> str:
    w, s, o, p = c.workload, c.serial, c.overlap, c.prediction
    env = c.environment
    where = env.get("gpu_name") or env.get("runs_on") or c.device_kind
    rows = [
        ("period p50 (ms)", s.period.p50, o.period.p50),
        ("period p90 (ms)", s.period.p90, o.period.p90),
        ("end-to-end latency p50 (ms)", s.latency.p50, o.latency.p50),
        ("throughput (images/s)", s.throughput_ips, o.throughput_ips),
        ("wall, all blocks (s)", s.wall_s, o.wall_s),
    ]
    lines = [
        f"{w.model}, batch {w.batch_size}, {w.precision}, {w.describe_cpu_work()}, depth {w.depth}",
        f"device: {env.get('device', c.device_kind)} ({where}); {c.rounds} rounds x {w.steps} steps per mode",
        "",
        f"{'':30}{'serial':>12}{'overlap':>12}",
    ]
    lines += [f"{name:30}{_fmt(a):>12}{_fmt(b):>12}" for name, a, b in rows]
    ratios = " ".join(f"{x:.3f}" for x in c.round_speedups)
    noise = f"NOISY (CV {c.speedup_cv:.1%} > 5%)" if c.noisy else f"ok (CV {c.speedup_cv:.1%})"
    eff = "n/a (no gain predicted)" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
    lines += [
        "",
        f"G {_fmt(s.g.mean)} ms   L {_fmt(s.l.mean, 2)} ms   C {_fmt(s.c.mean)} ms"
        "   (means over the serial runs)",
        f"predicted period: serial {_fmt(p.serial_period_ms)} ms, overlap {_fmt(p.overlap_period_ms)} ms "
        f"({p.bottleneck}-bound)",
        f"speedup {c.speedup:.3f}x   ceiling {c.ceiling:.3f}x   efficiency {eff}",
        f"per-round speedups: {ratios}   noise: {noise}",
    ]
    return "\n".join(lines)


def format_info(env: dict[str, Any], core: int | None) -> str:
    lines = [f"{k:18} {v}" for k, v in env.items()]
    if env["device"].startswith("cuda"):
        lines.append(f"a run would use:   {env['device']} ({env['gpu_name']})")
    else:
        pin = f"pinned to core {core}" if core is not None else "unpinned: only one core, so no real overlap"
        lines.append(f"a run would use:   the CPU stand-in, a worker process {pin} playing the GPU")
    lines.append("presets:")
    lines += [f"  {name:10} {note}" for name, note in PRESET_NOTES.items()]
    return "\n".join(lines)


def _check_json_path(path: str | None) -> None:
    """Fail before a long run, not after it, when the result could not be saved."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise WorkloadError("json", path, "a file path in an existing, writable folder")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "info":
            from engine.devices.standin import worker_core
            from engine.fingerprint import fingerprint

            print(format_info(fingerprint("auto"), worker_core()))
            return 0
        workload = workload_from_args(args)
        _check_json_path(args.json)
        from engine.protocol import compare

        printer = None if args.quiet else _ProgressPrinter(sys.stderr)
        result = compare(workload, args.rounds, progress=printer, telemetry=args.telemetry)
    except WorkloadError as exc:
        flag = _flag(exc.field)
        print(f"{parser.prog}: error: {flag}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DeviceError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_DEVICE
    print(format_comparison(result))
    if args.json:
        result.to_json(args.json)
        print(f"wrote {args.json}")
    return 0
