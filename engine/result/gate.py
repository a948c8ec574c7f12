"""The one gate for results that come from outside this process: an import, an old file, the store.

A result file is data another person wrote, and the History page used to compute on whatever a file
held: a string where a number belongs reached the statistics, a negative span gave a negative
period, and JSON nested ten thousand deep raised a RecursionError inside the page. Here a file's
shape is checked against the result's own dataclasses (types, sizes, spans) before anything is
computed or stored, and each refusal is one line that names the field, such as
`runs[3].steps[12].post_end_ns`, and what is allowed there. The walk follows the result's own
shape, so a file nested deeper than that is refused where it leaves the shape (json.loads itself
refuses nesting past Python's recursion limit), and keys the result does not have are never read.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
from typing import Any

from engine.errors import shorten
from engine.model.forecast import ProbeCosts, RungForecast
from engine.result.blocks import RunResult, StepRecord, TelemetryTrace
from engine.result.circumstances import Calibration, Contention, Environment, Provenance, Stability
from engine.result.findings import SyncFinding
from engine.result.forecast import Forecast, Skipped
from engine.spec.sets import SETS
from engine.spec.variants import MAX_DEPTH, MAX_WORKERS, Variant
from engine.spec.workload import Workload

# Control characters would rewrite a terminal (`show` prints stored text) or break a one-line message;
# a tab does neither, and a line of source code may hold one. The bidirectional overrides and
# isolates would reorder what a terminal or a page shows around them.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT_CHARS = 1000  # a free-text field: a user, a host, a command line, a GPU's name, a line of code
MAX_ROWS = 200_000  # batches in one block, or telemetry samples: hours of a run
MAX_BLOCKS = 10_000
MAX_CORES = 1024
MAX_NS = 2**62  # a step's nanoseconds and counts: about 146 years of a clock, and any real count
MAX_INT = 2**63  # a whole number anywhere else: what every reader of the file can hold
MAX_FLOAT_INT = 2**1023  # a whole number where a float belongs: past it no float holds it
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
DEVICE_KINDS = ("cuda", "standin", "ideal")
WORKLOAD_KEYS = tuple(f.name for f in dataclasses.fields(Workload))
VARIANT_KEYS = tuple(f.name for f in dataclasses.fields(Variant))

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


def check_document(d: dict[str, Any]) -> None:
    """Check an upgraded result's dict; raises Refused naming the first field that is wrong."""
    for key in ("workload", *(f"variants[{i}]" for i in range(len(_list(d, "variants", 64))))):
        part = d["workload"] if key == "workload" else d["variants"][int(key[9:-1])]
        known = WORKLOAD_KEYS if key == "workload" else VARIANT_KEYS
        if not isinstance(part, dict):
            raise Refused(key, part, "an object")
        if unknown := sorted(k for k in part if k not in known):
            odd = unknown[0]  # a sender's key: said as it is only when it is a plain name
            name = odd if odd.isidentifier() and len(odd) <= 40 else shorten(odd)
            raise Refused(f"{key}.{name}", part[odd], "a field of it: " + ", ".join(known))
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
        if v["name"] in names:
            raise Refused(f"variants[{i}].name", v["name"], "a name no other variant of the result has")
        names.add(v["name"])
    started = d.get("provenance", {}).get("started_at", "")
    if started and not ISO_TIME.match(started):
        raise Refused("provenance.started_at", started, "a time in ISO 8601, as 2026-11-29T09:30:00+00:00")
    for i, f in enumerate(_list(d, "syncs", MAX_ROWS)):
        check_fields(SyncFinding, f, f"syncs[{i}]")
    if d.get("forecast") is not None:
        _forecast(d["forecast"])
    runs = _list(d, "runs", MAX_BLOCKS)
    if not runs:
        raise Refused("runs", runs, "at least one block")
    for i, r in enumerate(runs):
        _block(r, f"runs[{i}]", names)


def _forecast(fc: Any) -> None:
    parts = {"rungs": RungForecast, "skipped": Skipped, "syncs": SyncFinding}
    check_fields(Forecast, fc, "forecast", skip=("probe", *parts))
    check_fields(ProbeCosts, fc.get("probe"), "forecast.probe")
    for key, cls in parts.items():
        for i, x in enumerate(_list(fc, key, 64, "forecast")):
            check_fields(cls, x, f"forecast.{key}[{i}]")


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
    column = {name: k for k, name in enumerate(fields)}
    spans = [(column[a], column[b], a, b) for a, b in SPANS]
    if "read_start_ns" in column and "read_end_ns" in column:
        spans.append((column["read_start_ns"], column["read_end_ns"], "read_start_ns", "read_end_ns"))
    for j, row in enumerate(steps):  # thousands of rows: checked by position, a call per row at most
        if type(row) is not list or len(row) != len(fields):
            raise Refused(
                f"{where}.steps[{j}]", row, f"a list of {len(fields)} whole numbers, one per step_fields name"
            )
        if not all(type(v) is int for v in row) or min(row) < -1 or max(row) > MAX_NS:
            name, value = next(
                (n, v)
                for n, v in zip(fields, row, strict=True)
                if type(v) is not int or not -1 <= v <= MAX_NS
            )
            raise Refused(
                f"{where}.steps[{j}].{name}",
                value,
                f"a whole number from -1 to {MAX_NS:,} (nanoseconds, or a count)",
            )
        for a, b, start, end in spans:
            if row[b] < row[a] and not (start == "read_start_ns" and row[a] < 0):  # -1: no readback
                raise Refused(f"{where}.steps[{j}].{end}", row[b], f"at or after {start} ({row[a]})")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # slow (it evaluates the annotations): once per class


def visible(text: str) -> str:
    """Text this process writes into a result (a command line, say) with each control character
    spelled as its escape, so the gate never refuses a result this product made."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def check_fields(cls: type, data: Any, where: str, skip: tuple[str, ...] = ()) -> None:
    """Each known field of `data` has its dataclass field's type; unknown keys are left to the
    part's own reader (newer files may add some), missing ones take their defaults."""
    if not isinstance(data, dict):
        raise Refused(where, data, "an object")
    hints = _hints(cls)
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
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
            raise Refused(where, value, f"a whole number of at most {MAX_INT:,} either way")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            raise Refused(where, value, "a finite number")
    elif origin is list:
        if not isinstance(value, list) or len(value) > MAX_ROWS:
            raise Refused(
                where,
                f"{len(value):,} items" if isinstance(value, list) else value,
                f"a list of at most {MAX_ROWS:,} items",
            )
        inner = args[0]
        rows = value if typing.get_origin(inner) is list else [value]
        kind = typing.get_args(inner)[0] if typing.get_origin(inner) is list else inner
        if rows is value and any(not isinstance(v, list) or len(v) > MAX_CORES for v in value):
            raise Refused(where, value, f"a list of lists of at most {MAX_CORES} numbers each")
        for i, row in enumerate(rows):
            if not _all_of(kind, row):  # the fast check passes a sound series; find the culprit
                for j, x in enumerate(row):
                    at = f"{where}[{i}][{j}]" if rows is value else f"{where}[{j}]"
                    _value(kind, x, at)


NUMBER_TYPES = {int: (int,), float: (int, float)}


def _all_of(kind: Any, items: list[Any]) -> bool:
    """Whether every item is a `kind` (a series of thousands, checked without a call per item)."""
    if kind not in NUMBER_TYPES:
        return False
    allowed = NUMBER_TYPES[kind]
    if not all(type(x) in allowed for x in items):
        return False
    if kind is int:
        return all(abs(x) <= MAX_INT for x in items)
    return all(map(_finite, items))


def _finite(x: int | float) -> bool:
    """A number a float can hold, and a number: an integer past float's range is refused here,
    where `math.isinf` would raise, and NaN, which no writer of a result puts in its data (only
    the summary's derived numbers may be undefined, and they are written as null)."""
    if isinstance(x, int):
        return abs(x) <= MAX_FLOAT_INT
    return math.isfinite(x)


def _list(d: dict[str, Any], key: str, most: int, where: str = "") -> list[Any]:
    value = d.get(key, [])
    at = f"{where}.{key}" if where else key
    if not isinstance(value, list):
        raise Refused(at, value, "a list")
    if len(value) > most:
        raise Refused(at, f"{len(value):,} items", f"at most {most:,}")
    return value
