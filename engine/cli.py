"""Command line: `python -m engine compare|ladder|sweep|diagnose|crossover|history|show|info`.
Tables on stdout, progress on stderr, one line and a status for anything refused."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from engine import cli_args
from engine.api import (
    FIELDS,
    PRESET_NOTES,
    CudaDevice,
    Environment,
    History,
    LaunchPoint,
    Outcome,
    OverlapLabError,
    Progress,
    ResultFile,
    RunSpec,
    Throttle,
    Waiting,
    Workload,
    WorkloadError,
    busy_text,
    check_device,
    check_storable,
    crowded,
    document,
    execute,
    factory_of,
    fingerprint,
    format_comparison,
    format_crossover,
    format_sweep,
    from_text,
    listed,
    lock_name,
    other_load,
    pace_of,
    queue_for,
    registry,
    standard_json,
    standin_spec_s,
    sweep_dict,
    sweep_launches,
    usable_cores,
    worker_core,
)
from engine.cli_args import Parser, fail
from engine.cli_store import browse, open_history

ESTIMATE_NOTE_S = 20  # stand-in runs expected to take longer say so before they start


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m engine", description="Measure CPU/GPU overlap in a PyTorch inference loop."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    runs = {
        "compare": "the serial loop against the deque (or another set), in rotating rounds: a table",
        "ladder": "the technique ladder: every rung against one serial baseline",
        "sweep": "speedup against the predicted ceiling over a range of (L + C) / G",
    }
    for name, text in runs.items():
        cli_args.add_run_flags(sub.add_parser(name, help=text), name)
    diagnose = sub.add_parser(
        "diagnose",
        help="probe a loop, forecast what each technique buys, then measure every rung against it",
    )
    diagnose.add_argument(
        "loop_name",
        metavar="LOOP",
        help="a registered loop (see `python -m engine loops`) or a factory as package.module:function",
    )
    cli_args.add_run_flags(diagnose, "diagnose")
    sub.add_parser("loops", help="the registered loops: the shipped ones and those in $OVERLAP_LAB_LOOPS")
    cli_args.add_crossover_flags(
        sub.add_parser(
            "crossover",
            help="where CUDA Graphs stop paying: L and G against the batch size, eager and replayed (CUDA)",
        )
    )
    sub.add_parser("info", help="the environment, and which device a run would use")
    hist = sub.add_parser("history", help="the runs kept on this box, newest first, and the bundled examples")
    cli_args.add_data_dir_flag(hist)
    show = sub.add_parser(
        "show",
        help="one stored run's table, or a result file's (a `--json` or a download), as `compare` printed it",
    )
    show.add_argument(
        "id",
        metavar="ID_OR_FILE",
        help="a run id from `history` (8 hex digits, or an example's id), or a result's JSON file, "
        "which is read and shown without being stored",
    )
    show.add_argument("--json", metavar="PATH", help="also write the full result there")
    cli_args.add_data_dir_flag(show)
    delete = sub.add_parser("delete", help="delete a stored run or sweep of yours, for every user of the box")
    delete.add_argument("id", help="a run or sweep id from `history`")
    delete.add_argument("--others", action="store_true", help="delete it also when it is another user's run")
    cli_args.add_data_dir_flag(delete)
    return parser


class _ProgressPrinter:
    """One updating line on a terminal; one line per phase change when stderr is a file or pipe."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = ""

    def __call__(self, p: Progress) -> None:
        key = f"{p.phase}{p.round_index}{p.note.split(' · ')[0]}"
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        print(format_info(fingerprint("auto"), worker_core()))
        return 0
    if args.command in ("history", "show", "delete"):
        return browse(parser.prog, args)
    if args.command == "loops":
        return _loops(parser.prog)
    if args.command == "crossover":
        return _crossover(parser.prog, args)
    return _run(parser.prog, args, argv)


def _run(prog: str, args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    """compare, ladder and sweep: every flag is checked first, then the device, then the run.

    Ctrl-C also sets the run's cancel event: a KeyboardInterrupt that lands inside a finalizer
    (a closed /proc file during the contention check, say) is swallowed by Python, and the run then
    went on to the end and exited 0; the event stops it at its next step all the same."""
    out = trace_out = None
    interrupted = threading.Event()

    def on_ctrl_c(_signum: int, _frame: Any) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        spec = cli_args.run_spec(args)
        workload = cli_args.workload(args)
        if spec.set.sweep:
            workload.at_ratio(spec.sweep_ratios[0])
        # Opened before the run: a path that cannot be written fails now, not after it.
        out = ResultFile(args.json) if args.json is not None else None
        trace_out = ResultFile(args.trace, "trace") if getattr(args, "trace", None) is not None else None
        store = open_history(args.data_dir) if spec.save else None
        if store is not None and (problem := store.problem()):  # said now, not after the run
            print(f"warning: {problem}; this run's result will be written to a file instead", file=sys.stderr)
        if workload.loop:
            factory_of(workload.loop)  # an unknown loop or an import error is said before the lock
        on_gpu = check_device(workload).startswith("cuda")  # torch is imported from here on
        if args.preset is None and on_gpu != cli_args.cuda_likely():
            workload = cli_args.workload(args, on_gpu)  # the driver's files guessed wrong
            on_gpu = check_device(workload).startswith("cuda")
        variants = spec.variants_for(on_gpu)  # a set this device cannot run is refused by its name
        if (said := crowded(variants, usable_cores(), on_gpu)) and not args.quiet:
            print(f"note: {said}", file=sys.stderr)
        if store is not None:
            check_storable(workload, spec)  # before the estimate: a run too big to store never starts
        if not on_gpu and not args.quiet:
            _say_estimate(workload, spec, store)
        printer = None if args.quiet else Throttle(_ProgressPrinter(sys.stderr))
        command = "python -m engine " + shlex.join(sys.argv[1:] if argv is None else argv)
        outcome = execute(
            workload, spec, store=store, source="cli", progress=printer, cancel=interrupted, command=command
        )
    except BaseException as exc:
        for f in (out, trace_out):
            if f is not None:
                f.discard()
        return fail(prog, KeyboardInterrupt() if interrupted.is_set() else exc)
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted.is_set():  # after the last step: what was measured is kept, and that is said
        return fail(prog, KeyboardInterrupt())
    return _report(prog, outcome, out, trace_out, spec)


def _report(
    prog: str, outcome: Outcome, out: ResultFile | None, trace_out: ResultFile | None, spec: RunSpec
) -> int:
    """The table, then each file the run was asked to write, then where the history keeps it."""
    print(format_sweep(outcome.points) if outcome.sweep else format_comparison(outcome.result))
    status = 0
    if trace_out is not None and outcome.trace is not None:
        try:
            where = trace_out.write(outcome.trace.decode())
            print(f"wrote the trace to {where}: open it in https://ui.perfetto.dev or chrome://tracing")
        except OverlapLabError as exc:
            status = fail(prog, exc)
    if out is not None:
        data = sweep_dict(outcome.points) if outcome.sweep else document(outcome.result, outcome.run_id)
        try:
            print(f"wrote {out.write(standard_json(data, indent=1))}")
        except OverlapLabError as exc:
            status = fail(prog, exc)
    ids = [i for i in outcome.run_ids if i is not None]
    if outcome.sweep_id:
        print(
            f"saved as sweep {outcome.sweep_id} ({len(ids)} points): `python -m engine show "
            f"{outcome.sweep_id}`, or /lab?sweep={outcome.sweep_id} in the app"
        )
    elif len(ids) == 1:
        print(f"saved as run {ids[0]}: `python -m engine show {ids[0]}`, or /lab?run={ids[0]} in the app")
    elif ids:
        print(f"saved as runs {', '.join(ids)}: `python -m engine show ID`, or /lab?run=ID in the app")
    if spec.save and outcome.not_saved:
        status = fail(prog, OverlapLabError(f"not stored in the history: {outcome.not_saved}"))
    return status


def _say_estimate(workload: Workload, spec: RunSpec, store: History | None) -> None:
    """A long stand-in run says how long before it starts, at the pace this box's history gives,
    and a busy box says what its other work will add."""
    pace = pace_of(store.newest_standin(workload.loop or workload.model)) if store is not None else 1.0
    est = standin_spec_s(workload, spec, pace=pace)
    if est > ESTIMATE_NOTE_S:
        print(f"on the CPU stand-in this takes about {est:.0f} s on an idle box", file=sys.stderr)
    if busy := busy_text(est, other_load(), usable_cores()):
        print(busy, file=sys.stderr)


def _loops(prog: str) -> int:
    try:
        table = registry()
    except OverlapLabError as exc:
        return fail(prog, exc)
    batches = listed()  # the factories' own batches, read from their files
    for entry in table.values():
        own = batches[entry.name].batch if entry.name in batches else None
        batch = f"; batch {own} (its own)" if own is not None else ""
        print(f"{entry.name:16} {entry.note}  ({entry.where}{batch})")
    return 0


def _crossover(prog: str, args: argparse.Namespace) -> int:
    """The batch-size sweep of L and G, eager against graphs, holding the card's queue like a run."""
    out = None
    try:
        batches = cli_args.parse_batches(args.batches)
        base = Workload(model=args.model, precision=args.precision, device=args.device, warmup_steps=0)
        steps = int(from_text(FIELDS, "steps", args.steps, "int"))
        out = ResultFile(args.json) if args.json is not None else None
        resolved = check_device(base)
        if not resolved.startswith("cuda"):
            raise WorkloadError(
                "device",
                base.device,
                "a CUDA GPU: the crossover replays CUDA Graphs, which the CPU stand-in cannot",
            )
        import torch

        card = torch.cuda.get_device_name(torch.device(resolved))
        key, label = lock_name(resolved)

        def waiting(w: Waiting) -> None:
            if not args.quiet:
                print(f"waiting for {label}: {w.other_process or 'a run queued first'}", file=sys.stderr)

        def said(p: LaunchPoint) -> None:
            if not args.quiet:
                print(f"batch {p.batch}: measured gain {p.measured_gain:.2f}x", file=sys.stderr)

        with queue_for(key, label).hold(waiting, what="the crossover sweep"):
            result = sweep_launches(
                lambda b: CudaDevice(base.replace(batch_size=b), resolved),
                base.model,
                base.precision,
                card,
                batches,
                steps,
                on_point=said,
            )
    except BaseException as exc:
        if out is not None:
            out.discard()
        return fail(prog, exc)
    print(format_crossover(result))
    if out is not None:
        try:
            print(f"wrote {out.write(standard_json(result.to_dict(), indent=1))}")
        except OverlapLabError as exc:
            return fail(prog, exc)
    return 0
