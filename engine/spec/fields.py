"""One description per setting: its label, help, unit and bounds, read by validation, the CLI's
flags, the lab's widgets and the links alike.

A bound written twice drifts: a widget once allowed what the engine refused. So each frozen spec
(Workload, RunSpec) keeps a table of FieldSpecs, and `check` validates one value against its entry
with the same message everywhere: the field, the value (shortened) and what is allowed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import WorkloadError
from engine.spec.loop import loop_problem

# Full match, ASCII digits, no leading zeros: "cuda:00", "cuda:٣" and "cpu\n" are not devices.
DEVICE_RE = re.compile(r"auto|cpu|cuda|cuda:(?:0|[1-9][0-9]?)", re.ASCII)
DEVICE_ALLOWED = "one of auto, cpu, cuda, cuda:N (N a plain number from 0 to 99)"


@dataclass(frozen=True)
class FieldSpec:
    label: str  # the lab's widget label
    help: str  # the CLI's --help and the widget's tooltip
    unit: str = ""
    choices: tuple[str, ...] = ()
    low: int | float | None = None  # an int for a whole number
    high: int | float | None = None
    step: float | None = None  # the widget's step
    widget_high: float | None = None  # a slider's end, where the full range would be unreadable
    flag: str = ""  # the CLI flag, where it is not --the-field-name
    rule: str = ""  # what is allowed, for a text field that is neither a choice nor a number

    @property
    def allowed(self) -> str:
        if self.rule:
            return self.rule
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if isinstance(self.low, int) and isinstance(self.high, int):
            return f"a whole number from {self.low:,} to {self.high:,}"
        return f"a number from {self.low:g} to {self.high:g}"

    @property
    def widget_label(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


def flag_of(name: str, table: Mapping[str, FieldSpec]) -> str:
    """The CLI flag a field is set with: its own, or --the-field-name."""
    spec = table.get(name)
    return spec.flag if spec is not None and spec.flag else "--" + name.replace("_", "-")


def kinds(cls: type) -> dict[str, str]:
    """Each dataclass field's declared type, as written ("int", "float", "bool", "str", ...)."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls)}


def check(table: Mapping[str, FieldSpec], name: str, value: Any, kind: str) -> None:
    """One value against its FieldSpec: a choice, a flag, a whole number, a number, or a device.

    Alone, without the rules that tie fields together (each spec checks those itself)."""
    spec = table[name]
    if name == "device":
        ok = isinstance(value, str) and DEVICE_RE.fullmatch(value) is not None
        raise_unless(ok, name, value, DEVICE_ALLOWED)
        return
    if name == "loop":
        raise_unless(isinstance(value, str) and not loop_problem(value), name, value, spec.allowed)
        return
    if kind == "bool":
        raise_unless(isinstance(value, bool), name, value, "true or false")
        return
    if spec.choices:
        raise_unless(isinstance(value, str) and value in spec.choices, name, value, spec.allowed)
        return
    if value is None and "None" in kind:
        return
    assert spec.low is not None and spec.high is not None
    types: tuple[type, ...] = (int,) if kind.startswith("int") else (int, float)
    number = isinstance(value, types) and not isinstance(value, bool)
    # compared as it is: float() of an integer past a float's range raises instead of refusing
    raise_unless(number and spec.low <= value <= spec.high, name, value, spec.allowed)


def raise_unless(ok: bool, name: str, value: Any, allowed: str) -> None:
    if not ok:
        raise WorkloadError(name, value, allowed)


FLAGS = {
    "1": True,
    "true": True,
    "on": True,
    "yes": True,
    "0": False,
    "false": False,
    "off": False,
    "no": False,
}
FLAGS_ALLOWED = "one of 1, 0, true, false, on, off"


def from_text(table: Mapping[str, FieldSpec], name: str, raw: str, kind: str) -> Any:
    """A value from what a person typed (a CLI flag, a link's parameter), checked by the same rule
    as the spec itself; a refusal echoes the text as typed."""
    spec = table[name]
    value: Any
    if kind == "bool":
        value = FLAGS.get(raw.strip().lower())
        raise_unless(value is not None, name, raw, FLAGS_ALLOWED)
        return value
    if spec.choices or name == "device" or kind == "str":
        value = raw
    else:
        try:
            value = int(raw) if kind.startswith("int") else float(raw)
        except ValueError:
            raise WorkloadError(name, raw, spec.allowed) from None
    try:
        check(table, name, value, kind)
    except WorkloadError as exc:
        raise WorkloadError(name, raw, exc.allowed) from None
    return value


def check_all(obj: Any, table: Mapping[str, FieldSpec]) -> None:
    for name, kind in kinds(type(obj)).items():
        check(table, name, getattr(obj, name), kind)


def replace(obj: Any, table: Mapping[str, FieldSpec], **changes: Any) -> Any:
    """A copy with some fields changed and validated again; an unknown name is refused by name."""
    unknown = sorted(set(changes) - set(table))
    if unknown:
        raise WorkloadError(unknown[0], changes[unknown[0]], "one of " + ", ".join(table))
    return dataclasses.replace(obj, **changes)
