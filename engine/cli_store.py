"""The CLI's store commands: `history`, `show` and `delete`. Nothing here measures; a result file
passes the same gate as an import, and a stored run prints as `compare` printed it."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from engine.api import (
    History,
    MissingRun,
    NotYours,
    OverlapLabError,
    ResultFile,
    SharedPathError,
    SweepPoint,
    WorkloadError,
    document,
    format_comparison,
    format_history,
    format_sweep,
    parse_result,
    standard_json,
    sweep_dict,
    user_name,
)
from engine.cli_args import EXIT_DEVICE, EXIT_USAGE, fail


def open_history(folder: str | None) -> History:
    try:
        return History(folder)
    except SharedPathError as exc:
        if folder is None:
            raise
        raise WorkloadError("data_dir", folder, f"a folder this user can write: {exc}") from None


def browse(prog: str, args: argparse.Namespace) -> int:
    """`history`, `show` and `delete`: the store only; nothing is measured. `show FILE` reads a
    result file through the same gate as an import and stores nothing."""
    if args.command == "show" and (args.id.endswith(".json") or os.path.isfile(args.id)):
        return _show_file(prog, args)
    try:
        store = open_history(args.data_dir)
        if args.command == "delete":
            store.delete(args.id, by=None if args.others else user_name())
            print(f"deleted {args.id} from {store.path}")
            return 0
        if args.command == "history":
            if problem := store.problem():
                print(f"warning: {problem}", file=sys.stderr)
            print(format_history(store.entries(), store.path))
            return 0
        out = ResultFile(args.json) if args.json is not None else None
        try:
            if store.is_sweep(args.id):
                points = [SweepPoint(c.workload.cpu_g_ratio, c) for _, c in store.load_sweep(args.id)]
                text, data = format_sweep(points), sweep_dict(points)
            else:
                result = store.load(args.id)
                text, data = format_comparison(result), document(result, args.id)
        except BaseException:
            if out is not None:
                out.discard()
            raise
        print(text)
        if out is not None:
            print(f"wrote {out.write(standard_json(data, indent=1))}")
        return 0
    except MissingRun as exc:
        print(f"{prog}: error: {exc} ({exc.where})", file=sys.stderr)
        return EXIT_DEVICE
    except NotYours as exc:
        print(f"{prog}: error: {exc}; add --others to delete it all the same", file=sys.stderr)
        return EXIT_USAGE
    except OverlapLabError as exc:
        return fail(prog, exc)


def _show_file(prog: str, args: argparse.Namespace) -> int:
    """A teammate's `--json` or a download from the lab, printed as `show ID` prints a stored run."""
    try:
        text = Path(args.id).read_bytes()
    except OSError as exc:
        print(f"{prog}: error: cannot read the result file {args.id}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    name = Path(args.id).name
    try:
        points = _sweep_points(text, name)
        result = parse_result(text, f"file {name}") if points is None else None
        out = ResultFile(args.json) if args.json is not None else None
    except OverlapLabError as exc:
        return fail(prog, exc)
    if points is not None:
        text_out, data = format_sweep(points), sweep_dict(points)
    else:
        assert result is not None
        text_out, data = format_comparison(result), document(result)
    print(text_out)
    if out is not None:
        try:
            print(f"wrote {out.write(standard_json(data, indent=1))}")
        except OverlapLabError as exc:
            return fail(prog, exc)
    return 0


def _sweep_points(text: bytes, name: str) -> list[SweepPoint] | None:
    """A sweep's `--json` (its points' results under "results"), or None for any other file."""
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None  # parse_result says what is wrong with it
    if not (isinstance(data, dict) and isinstance(data.get("results"), list) and "points" in data):
        return None
    results = [
        parse_result(json.dumps(r), f"file {name}, point {i + 1}") for i, r in enumerate(data["results"])
    ]
    return [SweepPoint(c.workload.cpu_g_ratio, c) for c in results]
