"""The lab's setup as a URL, and back: a link reproduces a setup, or opens a stored run.

A link is written by the lab after every change (`encode`) and read when a page opens (`parse`).
Both are pure functions of plain dicts, so they are fuzzed directly: whatever a link holds, `parse`
returns settings the widgets accept and one short message per refused parameter, naming it and
saying what is allowed. A hostile value never reaches a widget, a path or the history's SQL.

    /lab?preset=balanced&batch_size=64&rounds=5     a setup
    /lab?run=3f9a0c1e                                a stored run (also /history?run=...)
    ...&present=1                                    presentation mode (read by ui/shell.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from engine.errors import WorkloadError, shorten
from engine.spec.variants import SETS
from engine.spec.workload import FIELDS, PRESETS, Workload, check_field
from engine.store.history import check_run_id

COMPARE_CHOICES = (*SETS, "sweep")  # what the lab's Compare control offers: the sets, and a G/C sweep

MAX_ROUNDS_WIDGET = 10
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
KNOWN = {
    "preset",
    "rounds",
    "until_stable",
    "present",
    "run",
    "compare",
    "variants",
    *(f.name for f in fields(Workload)),
}
MAX_PROBLEMS = 5


@dataclass(frozen=True)
class Setup:
    preset: str | None = None  # a preset name the link asked for
    overrides: dict[str, Any] = field(default_factory=dict)  # fields that differ from the preset
    rounds: int | None = None
    until_stable: bool | None = None
    run: str | None = None
    compare: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    variants: str | None = None  # a named set of variants (engine/spec/variants.py)


def _flag(name: str, raw: str, problems: list[str]) -> bool | None:
    value = FLAGS.get(raw.strip().lower())
    if value is None:
        problems.append(f"{WorkloadError(name, raw, 'one of 1, 0, true, false, on, off')}")
    return value


def _field(name: str, raw: str) -> Any:
    """One field's value from its text, checked against the engine's rules and the widget's range."""
    spec = FIELDS[name]
    kind = str(next(f.type for f in fields(Workload) if f.name == name))
    value: Any
    if spec.choices or name == "device":
        value = raw
    else:
        try:
            value = int(raw) if kind == "int" else float(raw)
        except ValueError:
            raise WorkloadError(name, raw, spec.allowed) from None
    try:
        check_field(name, value, kind)  # the engine's own rule for this field
    except WorkloadError as exc:
        raise WorkloadError(name, raw, exc.allowed) from None  # echo what the link said
    if spec.widget_high is not None and value > spec.widget_high:
        raise WorkloadError(name, raw, f"at most {spec.widget_high:g} in the lab")
    return value


def parse(query: dict[str, str], default_preset: str) -> Setup:
    """Settings from a link's query parameters; never raises."""
    problems: list[str] = []
    unknown = sorted(set(query) - KNOWN)
    if unknown:
        names = ", ".join(shorten(k) for k in unknown[:3])
        problems.append(
            f"unknown link parameter(s) {names} ignored: the lab reads " + ", ".join(sorted(KNOWN))
        )
    preset = query.get("preset")
    if preset is not None and preset not in PRESETS:
        problems.append(str(WorkloadError("preset", preset, "one of " + ", ".join(PRESETS))))
        preset = None
    base = PRESETS[preset or default_preset]
    overrides: dict[str, Any] = {}
    for f in fields(Workload):
        if f.name in query:
            try:
                overrides[f.name] = _field(f.name, query[f.name])
            except WorkloadError as exc:
                problems.append(str(exc))
    try:
        base.replace(**overrides)
    except WorkloadError as exc:  # each value is fine alone, but not with the others
        problems.append(f"{exc} (this link's {', '.join(sorted(overrides))} were not applied together)")
        overrides.pop(exc.field, None)
        if exc.field == "cpu_fixed":
            overrides.pop("cpu_work", None)
    rounds = None
    if "rounds" in query:
        raw = query["rounds"]
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ROUNDS_WIDGET:
            rounds = int(raw)
        else:
            problems.append(
                str(WorkloadError("rounds", raw, f"a whole number from 1 to {MAX_ROUNDS_WIDGET}"))
            )
    until_stable = _flag("until_stable", query["until_stable"], problems) if "until_stable" in query else None
    run = None
    if "run" in query:
        try:
            run = check_run_id(query["run"])
        except WorkloadError as exc:
            problems.append(str(exc))
    compare: list[str] = []
    if "compare" in query:
        for part in query["compare"].split(",")[:2]:
            try:
                compare.append(check_run_id(part))
            except WorkloadError as exc:
                problems.append(str(exc).replace("run=", "compare=", 1))
    variants = None
    if "variants" in query:
        raw = query["variants"]
        if raw in COMPARE_CHOICES:
            variants = raw
        else:
            problems.append(str(WorkloadError("variants", raw, "one of " + ", ".join(COMPARE_CHOICES))))
    if len(problems) > MAX_PROBLEMS:
        problems[MAX_PROBLEMS - 1 :] = [f"and {len(problems) - MAX_PROBLEMS + 1} more parameter(s) refused"]
    return Setup(preset, overrides, rounds, until_stable, run, tuple(compare), tuple(problems), variants)


def encode(
    preset: str,
    values: dict[str, Any],
    rounds: int,
    until_stable: bool,
    present: bool,
    run: str | None,
    default_preset: str,
    variants: str = "pair",
) -> dict[str, str]:
    """The shortest query that `parse` turns back into the same setup."""
    named = preset if preset in PRESETS else None
    base = PRESETS[named or default_preset].to_dict()
    out: dict[str, str] = {"preset": named} if named else {}
    out.update({k: str(v) for k, v in values.items() if k in base and base[k] != v})
    if rounds != 3:
        out["rounds"] = str(rounds)
    if until_stable:
        out["until_stable"] = "1"
    if variants != "pair":
        out["variants"] = variants
    if present:
        out["present"] = "1"
    if run:
        out["run"] = run
    return out
