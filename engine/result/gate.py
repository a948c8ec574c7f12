"""The one gate for results that come from outside this process: an import, an old file, the store.

A result file is data another person wrote, and the History page used to compute on whatever a file
held: a string where a number belongs reached the statistics, a negative span gave a negative
period, and JSON nested ten thousand deep raised a RecursionError inside the page. Here a file's
shape is checked against the result's own dataclasses (types, sizes, spans) before anything is
computed or stored, and each refusal is one line that names the field, such as
`runs[3].steps[12].post_end_ns`, and what is allowed there.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from typing import Any

from engine.errors import shorten
from engine.result.blocks import RunResult, StepRecord, TelemetryTrace
from engine.result.circumstances import Calibration, Contention, Environment, Provenance, Stability
from engine.result.findings import SyncFinding
from engine.spec.sets import SETS
from engine.spec.variants import MAX_DEPTH, MAX_WORKERS

# Control characters would rewrite a terminal (`show` prints stored text) or break a one-line message.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_TEXT_CHARS = 1000  # a free-text field: a user, a host, a command line, a GPU's name, a line of code
MAX_ROWS = 200_000  # batches in one block, or telemetry samples: hours of a run
MAX_BLOCKS = 10_000
MAX_CORES = 1024
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
DEVICE_KINDS = ("cuda", "standin", "ideal")
MAX_NESTING = 8  # the deepest a result nests (runs, steps, one step's fields) is 4

# The parts of a result written from dataclasses, checked field by field against their types.
PARTS: dict[str, type] = {
    "calibration": Calibration,
    "environment": Environment,
    "stability": Stability,
    "contention": Contention,
    "provenance": Provenance,
    "telemetry": TelemetryTrace,
}
SPANS = (  # (start, end) of each span a step records; an end before its start is not a measurement
    ("launch_start_ns", "launch_end_ns"),
    ("device_start_ns", "device_end_ns"),
    ("wait_start_ns", "wait_end_ns"),
    ("post_start_ns", "post_end_ns"),
)


class Refused(ValueError):
    """A result that does not pass the gate; the message names the field and what is allowed."""

    def __init__(self, where: str, value: object, allowed: str) -> None:
        super().__init__(f"{where}={shorten(value)} is not allowed: {allowed}")


def nesting(value: Any, limit: int = MAX_NESTING) -> int:
    """How deep containers nest in a parsed file, counted without recursion and stopping past the
    limit, so a hostile file cannot exhaust the stack here either."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def check_document(d: dict[str, Any]) -> None:
    """Check an upgraded result's dict; raises Refused naming the first field that is wrong."""
    if nesting(d) > MAX_NESTING:
        raise Refused(
            "the file's nesting", f"{nesting(d)}+ levels", f"results nest at most {MAX_NESTING} deep"
        )
    if d.get("device_kind") not in DEVICE_KINDS:
        raise Refused("device_kind", d.get("device_kind"), "one of " + ", ".join(DEVICE_KINDS))
    if d.get("variant_set", "") not in ("", *SETS):
        raise Refused("variant_set", d.get("variant_set"), "empty, or one of " + ", ".join(SETS))
    for key, cls in PARTS.items():
        part = d.get(key, {})
        if not isinstance(part, dict):
            raise Refused(key, part, "an object")
        check_fields(cls, part, key)
    names = set()
    for i, v in enumerate(_list(d, "variants", 64)):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str):
            raise Refused(f"variants[{i}]", v, "an object with a name")
        names.add(v["name"])
    started = d.get("provenance", {}).get("started_at", "")
    if started and not ISO_TIME.match(started):
        raise Refused("provenance.started_at", started, "a time in ISO 8601, as 2026-11-29T09:30:00+00:00")
    for i, f in enumerate(_list(d, "syncs", MAX_ROWS)):
        check_fields(SyncFinding, f, f"syncs[{i}]")
    runs = _list(d, "runs", MAX_BLOCKS)
    if not runs:
        raise Refused("runs", runs, "at least one block")
    for i, r in enumerate(runs):
        _block(r, f"runs[{i}]", names)


def _block(r: Any, where: str, names: set[str]) -> None:
    if not isinstance(r, dict):
        raise Refused(where, r, "an object")
    check_fields(
        RunResult, {k: v for k, v in r.items() if k not in ("steps", "step_fields")}, where, skip=("steps",)
    )
    if r.get("mode") not in names:
        raise Refused(f"{where}.mode", r.get("mode"), "the name of one of the result's variants")
    for key, low, high in (
        ("batch_size", 1, 1_000_000),
        ("depth", 1, MAX_DEPTH),
        ("workers", 0, MAX_WORKERS),
        ("round_index", 0, 100_000),
    ):
        if key in r and not low <= r[key] <= high:
            raise Refused(f"{where}.{key}", r[key], f"a whole number from {low} to {high:,}")
    if r["end_ns"] <= r["start_ns"]:
        raise Refused(f"{where}.end_ns", r["end_ns"], f"after start_ns ({r['start_ns']}): a block takes time")
    known = [f.name for f in dataclasses.fields(StepRecord)]
    fields = r.get("step_fields")
    if not isinstance(fields, list) or any(f not in known for f in fields) or "step" not in fields:
        raise Refused(f"{where}.step_fields", fields, "names of a step's fields: " + ", ".join(known))
    required = [f.name for f in dataclasses.fields(StepRecord) if f.default is dataclasses.MISSING]
    if missing := [f for f in required if f not in fields]:
        raise Refused(f"{where}.step_fields", fields, "every span's name; missing " + ", ".join(missing))
    steps = _list(r, "steps", MAX_ROWS, where)
    if not steps:
        raise Refused(f"{where}.steps", steps, "at least one batch")
    for j, row in enumerate(steps):
        at = f"{where}.steps[{j}]"
        if not isinstance(row, list) or len(row) != len(fields):
            raise Refused(at, row, f"a list of {len(fields)} whole numbers, one per step_fields name")
        step = dict(zip(fields, row, strict=True))
        for name, value in step.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise Refused(f"{at}.{name}", value, "a whole number (nanoseconds, or a count)")
        for start, end in SPANS:
            if step[end] < step[start]:
                raise Refused(f"{at}.{end}", step[end], f"at or after {start} ({step[start]})")
        if step.get("read_start_ns", -1) >= 0 and step.get("read_end_ns", -1) < step["read_start_ns"]:
            raise Refused(f"{at}.read_end_ns", step.get("read_end_ns"), "at or after read_start_ns")


def check_fields(cls: type, data: Any, where: str, skip: tuple[str, ...] = ()) -> None:
    """Each known field of `data` has its dataclass field's type; unknown keys are left to the
    part's own reader (newer files may add some), missing ones take their defaults."""
    if not isinstance(data, dict):
        raise Refused(where, data, "an object")
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        if f.name in data:
            _value(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise Refused(f"{where}.{f.name}", None, "a value (it is missing)")


def _value(hint: Any, value: Any, where: str) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        hint = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS or CONTROL.search(value):
            raise Refused(
                where, value, f"text of at most {MAX_TEXT_CHARS} characters, without control characters"
            )
    elif hint is bool:
        if not isinstance(value, bool):
            raise Refused(where, value, "true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused(where, value, "a whole number")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isinf(value):
            raise Refused(where, value, "a finite number")
    elif origin is list:
        if not isinstance(value, list) or len(value) > MAX_ROWS:
            raise Refused(
                where,
                f"{len(value):,} items" if isinstance(value, list) else value,
                f"a list of at most {MAX_ROWS:,} items",
            )
        inner = args[0]
        if typing.get_origin(inner) is list and any(
            not isinstance(v, list) or len(v) > MAX_CORES for v in value
        ):
            raise Refused(where, value, f"a list of lists of at most {MAX_CORES} numbers each")
        for i, item in enumerate(value):
            if typing.get_origin(inner) is list:
                for j, x in enumerate(item):
                    _value(typing.get_args(inner)[0], x, f"{where}[{i}][{j}]")
            else:
                _value(inner, item, f"{where}[{i}]")


def _list(d: dict[str, Any], key: str, most: int, where: str = "") -> list[Any]:
    value = d.get(key, [])
    at = f"{where}.{key}" if where else key
    if not isinstance(value, list):
        raise Refused(at, value, "a list")
    if len(value) > most:
        raise Refused(at, f"{len(value):,} items", f"at most {most:,}")
    return value
