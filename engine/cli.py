"""Command line: `python -m engine compare|history|show|info`. Tables on stdout, progress on stderr."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, NoReturn

from engine.errors import OverlapLabError
from engine.host.fingerprint import Environment
from engine.spec.variants import SET_HELP, SETS
from engine.spec.workload import (
    FIELDS,
    PRESET_NOTES,
    PRESETS,
    Workload,
    WorkloadError,
    preset,
)

EXIT_USAGE = 2
EXIT_DEVICE = 1
EXIT_INTERRUPTED = 130  # the shell's convention for a run ended by Ctrl-C (128 + SIGINT)
ESTIMATE_NOTE_S = 20  # stand-in runs expected to take longer say so before they start


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
    cmp_ = sub.add_parser(
        "compare", help="serial vs overlap (or a set of variants), rotating rounds, a table"
    )
    _compare_flags(cmp_)
    cmp_.add_argument(
        "--variants",
        default="pair",
        choices=list(SETS),
        help="what to compare: " + "; ".join(f"{k}: {v}" for k, v in SET_HELP.items()),
    )
    lad = sub.add_parser("ladder", help="the technique ladder: every rung against one serial baseline")
    _compare_flags(lad)
    sweep = sub.add_parser("sweep", help="speedup against the predicted ceiling over a range of (L + C) / G")
    _sweep_flags(sweep)
    sub.add_parser("info", help="the environment, and which device a run would use")
    hist = sub.add_parser("history", help="the runs kept on this box, newest first, and the bundled examples")
    _data_dir_flag(hist)
    show = sub.add_parser("show", help="one stored run's table, as `compare` printed it")
    show.add_argument("id", help="a run id from `history` (8 hex digits, or an example's id)")
    show.add_argument("--json", metavar="PATH", help="also write the full result there")
    _data_dir_flag(show)
    return parser


def _compare_flags(cmp_: argparse.ArgumentParser) -> None:
    cmp_.add_argument(
        "--preset",
        default=None,
        choices=list(PRESETS),
        help="starting workload (default: seed with CUDA, cpu-demo on the CPU stand-in)",
    )
    cmp_.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="interleaved serial/overlap rounds (default 3); with --until-stable, the most to run "
        "(default 20)",
    )
    cmp_.add_argument(
        "--until-stable",
        action="store_true",
        help="run rounds until the last 4 per-round speedups spread by at most --target-cv-pct, "
        "or a budget runs out; the headline then counts those 4 rounds",
    )
    cmp_.add_argument(
        "--target-cv-pct",
        type=float,
        default=3.0,
        help="the spread (CV, percent) a run must reach to be called stable (default 3)",
    )
    cmp_.add_argument(
        "--max-time-s",
        type=float,
        default=600.0,
        help="with --until-stable, stop adding rounds after this many seconds (default 600)",
    )
    cmp_.add_argument("--json", metavar="PATH", help="write the full result, per-batch records included")
    cmp_.add_argument(
        "--telemetry",
        default="process",
        choices=["process", "thread", "off"],
        help="how NVML/CPU sampling runs (default: a separate process)",
    )
    cmp_.add_argument("--quiet", action="store_true", help="no progress on stderr")
    cmp_.add_argument(
        "--save",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the result in the box's history, where the lab and `show` open it (default: on)",
    )
    _data_dir_flag(cmp_)
    for f in fields(Workload):
        kind = {"int": int, "float": float}.get(str(f.type), str)
        cmp_.add_argument(
            _flag(f.name),
            dest=f.name,
            type=kind,
            default=None,
            help=_field_help(f.name),
            metavar="{" + ",".join(FIELDS[f.name].choices) + "}" if FIELDS[f.name].choices else None,
        )
    cmp_.add_argument(
        "--trace",
        metavar="PATH",
        help="after the rounds, run each variant once more under torch.profiler and write a "
        "Chrome/Perfetto trace there, with launch, wait, read and post as named ranges",
    )
    cmp_.add_argument(
        "--nvtx", action="store_true", help="NVTX ranges around every phase, for `nsys profile` (CUDA)"
    )


def _sweep_flags(sweep: argparse.ArgumentParser) -> None:
    sweep.add_argument(
        "--ratios",
        default="0.25,0.5,1,2,4",
        help="(L + C) / G at each point, comma-separated (default 0.25,0.5,1,2,4); the CPU work is held "
        "for a fixed duration, so every point is steady",
    )
    sweep.add_argument(
        "--preset",
        default=None,
        choices=list(PRESETS),
        help="starting workload (default: balanced with CUDA, cpu-demo on the CPU stand-in)",
    )
    sweep.add_argument("--rounds", type=int, default=3, help="rotating rounds per point (default 3)")
    sweep.add_argument("--json", metavar="PATH", help="write every point's full result")
    sweep.add_argument("--quiet", action="store_true", help="no progress on stderr")
    for name in ("batch_size", "steps", "model", "precision", "device"):
        kind = int if name in ("batch_size", "steps") else str
        sweep.add_argument(_flag(name), dest=name, type=kind, default=None, help=_field_help(name))


def _data_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="the history's folder (default: $OVERLAP_LAB_DATA_DIR, else /var/tmp/overlap-lab, "
        "shared by every user of the box)",
    )


def default_preset() -> str:
    """seed where CUDA works, cpu-demo on the stand-in: the seed workload would take an hour there."""
    import torch

    return "seed" if torch.cuda.is_available() else "cpu-demo"


def _field_help(name: str) -> str:
    spec = FIELDS[name]
    unit = f", in {spec.unit}" if spec.unit else ""
    allowed = "" if spec.choices or name == "device" else f" ({spec.allowed}{unit})"
    return f"{spec.help}{allowed}; overrides the preset"


def workload_from_args(args: argparse.Namespace) -> Workload:
    overrides = {f.name: getattr(args, f.name) for f in fields(Workload) if getattr(args, f.name) is not None}
    return preset(args.preset or default_preset()).replace(**overrides)


def gate_from_args(args: argparse.Namespace) -> Any:
    from engine.measure.stability import StabilityGate

    if not args.until_stable:
        return None
    budget = {} if args.rounds is None else {"max_rounds": args.rounds}
    return StabilityGate(cv_target=args.target_cv_pct / 100, max_s=args.max_time_s, **budget)


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


def format_info(env: Environment, core: int | None) -> str:
    lines = [f"{k:22} {v}" for k, v in asdict(env).items() if v is not None]
    if env.device.startswith("cuda"):
        lines.append(f"a run would use:       {env.device} ({env.gpu_name})")
    else:
        pin = f"pinned to core {core}" if core is not None else "unpinned: only one core, so no real overlap"
        lines.append(f"a run would use:       the CPU stand-in, a worker process {pin} playing the GPU")
    lines.append("presets:")
    lines += [f"  {name:12} {note}" for name, note in PRESET_NOTES.items()]
    return "\n".join(lines)


def _say_estimate(workload: Workload, rounds: int) -> None:
    from engine.measure.estimate import standin_run_s

    est = standin_run_s(workload, rounds)
    if est > ESTIMATE_NOTE_S:
        print(
            f"on the CPU stand-in this takes about {est / 60:.1f} minutes (a rough estimate)",
            file=sys.stderr,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        from engine.devices.standin import worker_core
        from engine.host.fingerprint import fingerprint

        print(format_info(fingerprint("auto"), worker_core()))
        return 0
    if args.command in ("history", "show"):
        return _browse(parser.prog, args)
    if args.command == "sweep":
        from engine.measure.sweep import run_sweep_command

        return run_sweep_command(parser.prog, args, argv)
    if args.command == "ladder":
        args.variants = "ladder"
    out = trace_out = None
    trace_tmp: str | None = None
    store = None
    try:
        from engine.measure.progress import Throttle
        from engine.measure.protocol import check_device, check_rounds, compare
        from engine.store.result_file import ResultFile

        workload = workload_from_args(args)
        gate = gate_from_args(args)
        rounds = 3 if args.rounds is None or gate is not None else args.rounds
        check_rounds(rounds)
        on_standin = check_device(workload) == "cpu"
        # Opened before the run: a path that cannot be written fails now, not after it.
        out = ResultFile(args.json) if args.json is not None else None
        trace_out = ResultFile(args.trace, "trace") if args.trace is not None else None
        trace_tmp = _temp_path("trace") if trace_out is not None else None
        store = _open_history(args.data_dir) if args.save else None
        if on_standin and not args.quiet:
            _say_estimate(workload, gate.max_rounds if gate else rounds)
        printer = None if args.quiet else Throttle(_ProgressPrinter(sys.stderr))
        command = "python -m engine " + shlex.join(sys.argv[1:] if argv is None else argv)
        from engine.spec.variants import variant_set

        variants = variant_set(args.variants, workload.depth, on_gpu=not on_standin)
        result = compare(
            workload,
            rounds,
            progress=printer,
            telemetry=args.telemetry,
            gate=gate,
            command=command,
            variants=variants,
            trace_path=trace_tmp,
            nvtx=args.nvtx,
        )
    except BaseException as exc:
        for f in (out, trace_out):
            if f is not None:
                f.discard()
        if trace_tmp is not None:
            Path(trace_tmp).unlink(missing_ok=True)
        return _fail(parser.prog, exc)
    from engine.read.report import format_comparison

    print(format_comparison(result))
    status = 0
    if trace_out is not None and trace_tmp is not None:
        try:
            where = trace_out.write(Path(trace_tmp).read_text())
            print(f"wrote the trace to {where}: open it in https://ui.perfetto.dev or chrome://tracing")
        except OverlapLabError as exc:
            status = _fail(parser.prog, exc)
        finally:
            Path(trace_tmp).unlink(missing_ok=True)
    if out is not None:
        try:
            print(f"wrote {out.write(json.dumps(result.to_dict(), indent=1))}")
        except OverlapLabError as exc:
            status = _fail(parser.prog, exc)
    if store is not None:
        try:
            run_id = store.save(result, "cli")
            print(f"saved as run {run_id}: `python -m engine show {run_id}`, or /lab?run={run_id} in the app")
        except OverlapLabError as exc:
            status = _fail(parser.prog, exc)
    return status


def _temp_path(what: str) -> str:
    import tempfile

    fd, path = tempfile.mkstemp(prefix=f"overlap-lab-{what}-", suffix=".json")
    os.close(fd)
    return path


def _open_history(folder: str | None) -> Any:
    from engine.host.shared_dir import SharedPathError
    from engine.store.history import History

    try:
        return History(folder)
    except SharedPathError as exc:
        if folder is None:
            raise
        raise WorkloadError("data_dir", folder, f"a folder this user can write: {exc}") from None


def _browse(prog: str, args: argparse.Namespace) -> int:
    """`history` and `show`: read the store; nothing is measured."""
    from engine.read.report import format_comparison, format_history
    from engine.store.history import MissingRun

    try:
        store = _open_history(args.data_dir)
        if args.command == "history":
            print(format_history(store.entries(), store.path))
            return 0
        out = None
        if args.json is not None:
            from engine.store.result_file import ResultFile

            out = ResultFile(args.json)
        try:
            result = store.load(args.id)
        except BaseException:
            if out is not None:
                out.discard()
            raise
        print(format_comparison(result))
        if out is not None:
            print(f"wrote {out.write(json.dumps(result.to_dict(), indent=1))}")
        return 0
    except MissingRun as exc:
        print(f"{prog}: error: {exc} ({exc.where})", file=sys.stderr)
        return EXIT_DEVICE
    except OverlapLabError as exc:
        return _fail(prog, exc)


def _fail(prog: str, exc: BaseException) -> int:
    """One line on stderr and the exit status for anything that ends a run early."""
    if isinstance(exc, WorkloadError):
        where = "id" if exc.field == "run" else _flag(exc.field)
        print(f"{prog}: error: {where}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, OverlapLabError):
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_DEVICE
    if isinstance(exc, KeyboardInterrupt):
        print(f"\n{prog}: interrupted; the device and its lock were released", file=sys.stderr)
        return EXIT_INTERRUPTED
    raise exc
