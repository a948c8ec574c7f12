"""The command line's flags, made from the FieldSpecs of Workload and RunSpec, and read back into
them with the same rules and the same messages as the lab and the links.

Every value arrives as text and is converted and checked here, before torch is imported: a bad
flag is refused in a fraction of a second, naming the flag, echoing the value shortened and saying
what is allowed. argparse only splits the command line; it never judges a value.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from typing import NoReturn

from engine.api import (
    BATCHES,
    FIELDS,
    GPU_PRESET,
    MAX_BATCH,
    MAX_ECHO_CHARS,
    MODELS,
    PRECISIONS,
    PRESETS,
    RUN_FIELDS,
    STANDIN_PRESET,
    STEPS,
    FieldSpec,
    OverlapLabError,
    RunSpec,
    Workload,
    WorkloadError,
    cuda_likely,
    flag_of,
    from_text,
    kinds,
    own_batch,
    parse_ratios,
    preset,
    shorten,
)

EXIT_USAGE = 2
EXIT_DEVICE = 1
EXIT_INTERRUPTED = 130  # the shell's convention for a run ended by Ctrl-C (128 + SIGINT)
MAX_MESSAGE_CHARS = 240  # argparse's own messages echo what was typed, however long
ALL_FIELDS: dict[str, FieldSpec] = {**FIELDS, **RUN_FIELDS}
# Flags the CLI sets for itself, or names differently: the rest come from the FieldSpecs.
NOT_FLAGS = ("trace", "ratios")
QUOTED = re.compile(rf"'([^']{{{MAX_ECHO_CHARS + 1},}})'")
LONG_WORD = re.compile(rf"[^\s']{{{MAX_ECHO_CHARS + 1},}}")
# Commands that fix the set they compare.
COMMAND_SET = {"ladder": "ladder", "sweep": "sweep", "diagnose": "diagnose"}


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one short line on stderr and exit 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        """argparse's own message, with every value it echoes cut as ours are: a quoted value, or
        any word longer than MAX_ECHO_CHARS (the arguments it did not recognise), then the whole."""
        message = QUOTED.sub(lambda m: shorten(m.group(1)), message)
        message = LONG_WORD.sub(lambda m: shorten(m.group(0)), message)
        if len(message) > MAX_MESSAGE_CHARS:
            message = f"{message[: MAX_MESSAGE_CHARS - 1]}… ({len(message):,} characters)"
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def flag(name: str) -> str:
    return flag_of(name, ALL_FIELDS)


def field_help(name: str, spec: FieldSpec, kind: str) -> str:
    unit = f", in {spec.unit}" if spec.unit else ""
    bounded = not (spec.choices or name == "device" or kind == "bool")
    allowed = f" ({spec.allowed}{unit})" if bounded else ""
    return f"{spec.help}{allowed}".replace("%", "%%")  # argparse formats help with %


def add_spec_flags(
    parser: argparse.ArgumentParser,
    table: Mapping[str, FieldSpec],
    types: dict[str, str],
    skip: tuple[str, ...],
    suffix: str = "",
) -> None:
    """One flag per field; every value is kept as text until `run_spec` and `workload` read it."""
    for name, kind in types.items():
        if name in skip:
            continue
        spec = table[name]
        text = field_help(name, spec, kind) + suffix
        if kind == "bool":
            parser.add_argument(
                flag(name), dest=name, action=argparse.BooleanOptionalAction, default=None, help=text
            )
            continue
        metavar = "{" + ",".join(spec.choices) + "}" if spec.choices else None
        parser.add_argument(flag(name), dest=name, default=None, help=text, metavar=metavar)


def add_run_flags(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument(
        "--preset",
        default=None,
        metavar="{" + ",".join(PRESETS) + "}",
        help="starting workload (default: "
        + default_preset(command, True)
        + " with CUDA, "
        + default_preset(command, False)
        + " on the CPU stand-in)",
    )
    skip = NOT_FLAGS + (("variants",) if command in COMMAND_SET else ())
    add_spec_flags(parser, RUN_FIELDS, kinds(RunSpec), skip)
    if command == "sweep":
        parser.add_argument("--ratios", default=None, help=field_help("ratios", RUN_FIELDS["ratios"], "str"))
    else:
        parser.add_argument(
            "--trace",
            metavar="PATH",
            help="after the rounds, run each variant once more under torch.profiler and write a "
            "Chrome/Perfetto trace there, with launch, wait, read and post as named ranges",
        )
    parser.add_argument("--json", metavar="PATH", help="write the full result, per-batch records included")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_data_dir_flag(parser)
    add_spec_flags(parser, FIELDS, kinds(Workload), (), "; overrides the preset")


def add_data_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="the history's folder (default: $OVERLAP_LAB_DATA_DIR, else /var/tmp/overlap-lab, "
        "shared by every user of the box)",
    )


def run_spec(args: argparse.Namespace) -> RunSpec:
    """The RunSpec the flags describe; the first flag that cannot be is refused by name."""
    changes: dict[str, object] = {}
    for name, kind in kinds(RunSpec).items():
        raw = getattr(args, name, None)
        if raw is None or name in NOT_FLAGS:
            continue
        changes[name] = raw if kind == "bool" else from_text(RUN_FIELDS, name, raw, kind)
    if args.command in COMMAND_SET:
        changes["variants"] = COMMAND_SET[args.command]
    if getattr(args, "ratios", None) is not None:
        changes["ratios"] = parse_ratios(args.ratios)
    if getattr(args, "trace", None) is not None:
        changes["trace"] = True
    return RunSpec().replace(**changes)


def default_preset(command: str, on_gpu: bool) -> str:
    """The lab's first click where CUDA works (balanced for a sweep), cpu-demo on the stand-in: the
    seed workload would take an hour there."""
    if not on_gpu:
        return STANDIN_PRESET
    return "balanced" if command == "sweep" else GPU_PRESET


def workload(args: argparse.Namespace, on_gpu: bool | None = None) -> Workload:
    """The workload the flags describe, from the preset asked for or the likely default. Before
    torch is imported, whether CUDA works is guessed from the driver's files (`cuda_likely`)."""
    if args.preset is not None and args.preset not in PRESETS:
        raise WorkloadError("preset", args.preset, "one of " + ", ".join(PRESETS))
    gpu = cuda_likely() if on_gpu is None else on_gpu
    changes = {
        name: from_text(FIELDS, name, getattr(args, name), kind)
        for name, kind in kinds(Workload).items()
        if getattr(args, name) is not None
    }
    if getattr(args, "loop_name", None) is not None:
        changes["loop"] = from_text(FIELDS, "loop", args.loop_name, "str")
    if changes.get("loop") and "batch_size" not in changes:
        # A loop that names its own batch (its factory's default) runs at it unless --batch-size says.
        own = own_batch(str(changes["loop"]))
        if own is not None:
            changes["batch_size"] = own
    return preset(args.preset or default_preset(args.command, gpu)).replace(**changes)


CROSSOVER_MAX_BATCHES = 12
BATCHES_ALLOWED = (
    f"comma-separated whole numbers from 1 to {MAX_BATCH}, rising, e.g. 1,2,4,8,16 "
    f"(at most {CROSSOVER_MAX_BATCHES} of them)"
)


def add_crossover_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="vit_b_16", choices=MODELS, help=FIELDS["model"].help)
    parser.add_argument("--precision", default="fp32", choices=PRECISIONS, help=FIELDS["precision"].help)
    parser.add_argument(
        "--batches",
        default=",".join(map(str, BATCHES)),
        help="the batch sizes to sweep, " + BATCHES_ALLOWED + "; the sweep stops once graphs have not "
        "paid at two batches in a row",
    )
    parser.add_argument("--steps", default=str(STEPS), help=f"batches per block (default {STEPS})")
    parser.add_argument("--device", default="auto", help=FIELDS["device"].help)
    parser.add_argument("--json", metavar="PATH", help="write the sweep, every batch's costs included")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def parse_batches(text: str) -> tuple[int, ...]:
    """The crossover's batch sizes from comma-separated text, refused by name when they cannot be."""
    try:
        batches = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise WorkloadError("batches", text, BATCHES_ALLOWED) from None
    rising = all(a < b for a, b in zip(batches, batches[1:], strict=False))
    if not batches or len(batches) > CROSSOVER_MAX_BATCHES or not rising:
        raise WorkloadError("batches", text, BATCHES_ALLOWED)
    if not all(1 <= b <= MAX_BATCH for b in batches):
        raise WorkloadError("batches", text, BATCHES_ALLOWED)
    return batches


def fail(prog: str, exc: BaseException) -> int:
    """One line on stderr and the exit status for anything that ends a run early."""
    if isinstance(exc, WorkloadError):
        where = "id" if exc.field == "run" else flag(exc.field)
        print(f"{prog}: error: {where}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, OverlapLabError):
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_DEVICE
    if isinstance(exc, KeyboardInterrupt):
        print(f"\n{prog}: interrupted; the device and its lock were released", file=sys.stderr)
        return EXIT_INTERRUPTED
    raise exc
