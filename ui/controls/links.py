"""The lab's setup as a URL, and back: a link reproduces a setup, or opens a stored run.

A link is written by the lab after every change (`encode`) and read when a page opens (`parse`).
Both are pure functions of plain dicts, so they are fuzzed directly: whatever a link holds, `parse`
returns settings the widgets accept and one short message per refused parameter, naming it and
saying what is allowed. A hostile value never reaches a widget, a path or the history's SQL.
Values are read by the same FieldSpecs as the CLI's flags (Workload's and RunSpec's).

    /lab?preset=balanced&batch_size=64&rounds=5     a setup
    /lab?variants=ladder                             a set of variants
    /lab?run=3f9a0c1e                                a stored run (also /history?run=...)
    /lab?sweep=9b21d4e0                              a stored G/C sweep, all its points
    ...&present=1                                    presentation mode (read by ui/shell.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from engine.api import (
    DEFAULT_ROUNDS,
    FIELDS,
    PRESETS,
    RUN_FIELDS,
    RunSpec,
    Workload,
    WorkloadError,
    check_run_id,
    from_text,
    kinds,
    listed,
    shorten,
)

# The run settings a link carries; the rest (telemetry, a trace) are the viewer's own choice.
LINK_RUN_FIELDS = ("variants", "depth", "rounds", "until_stable")
KNOWN = {"preset", "present", "run", "sweep", "compare", *LINK_RUN_FIELDS, *kinds(Workload)}
MAX_PROBLEMS = 5


@dataclass(frozen=True)
class Setup:
    preset: str | None = None  # a preset name the link asked for
    overrides: dict[str, Any] = field(default_factory=dict)  # Workload fields that differ from the preset
    run_settings: dict[str, Any] = field(default_factory=dict)  # RunSpec fields the link set
    run: str | None = None
    compare: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    sweep: str | None = None


def _value(table: dict[str, Any], name: str, raw: str, kind: str) -> Any:
    """One field's value from its text: the engine's own rule, then the widget's range."""
    spec = table[name]
    try:
        value = from_text(table, name, raw, kind)
    except WorkloadError:
        if spec.widget_high is None:
            raise
        raise WorkloadError(name, raw, replace(spec, high=spec.widget_high).allowed) from None
    if spec.widget_high is not None and value is not None and value > spec.widget_high:
        raise WorkloadError(name, raw, f"at most {spec.widget_high:g} in the lab")
    return value


def _fields(
    query: dict[str, str], table: dict[str, Any], types: dict[str, str], problems: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in types.items():
        if name in query:
            try:
                out[name] = _value(table, name, query[name], kind)
            except WorkloadError as exc:
                problems.append(str(exc))
    return out


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
    overrides = _fields(query, FIELDS, kinds(Workload), problems)
    if overrides.get("loop") and overrides["loop"] not in (registered := listed()):
        allowed = (
            "a loop registered on this box (" + ", ".join(registered) + "); a link never names other code"
        )
        problems.append(str(WorkloadError("loop", overrides.pop("loop"), allowed)))
    try:
        PRESETS[preset or default_preset].replace(**overrides)
    except WorkloadError as exc:  # each value is fine alone, but not with the others
        problems.append(f"{exc} (this link's {', '.join(sorted(overrides))} were not applied together)")
        overrides.pop(exc.field, None)
        if exc.field == "cpu_fixed":
            overrides.pop("cpu_work", None)
    run_types = {k: v for k, v in kinds(RunSpec).items() if k in LINK_RUN_FIELDS}
    settings = _fields(query, RUN_FIELDS, run_types, problems)
    try:
        RunSpec().replace(**settings)
    except WorkloadError as exc:
        problems.append(f"{exc} (this link's {', '.join(sorted(settings))} were not applied together)")
        settings.pop(exc.field, None)
    run = None
    if "run" in query:
        try:
            run = check_run_id(query["run"])
        except WorkloadError as exc:
            problems.append(str(exc))
    sweep = None
    if "sweep" in query:
        try:
            sweep = check_run_id(query["sweep"])
        except WorkloadError as exc:
            problems.append(str(exc).replace("run=", "sweep=", 1))
    compare: list[str] = []
    if "compare" in query:
        parts = query["compare"].split(",")
        if len(parts) > 2:  # two side by side is what the page shows; the rest is said, not dropped
            left_out = shorten(",".join(parts[2:]))
            problems.append(
                f"compare lists {len(parts)} runs: the first two are compared, {left_out} left out"
            )
        for part in parts[:2]:
            try:
                compare.append(check_run_id(part))
            except WorkloadError as exc:
                problems.append(str(exc).replace("run=", "compare=", 1))
    if len(problems) > MAX_PROBLEMS:
        problems[MAX_PROBLEMS - 1 :] = [f"and {len(problems) - MAX_PROBLEMS + 1} more parameter(s) refused"]
    return Setup(preset, overrides, settings, run, tuple(compare), tuple(problems), sweep)


def encode(
    preset: str,
    values: dict[str, Any],
    settings: dict[str, Any],
    present: bool,
    run: str | None,
    default_preset: str,
    sweep: str | None = None,
) -> dict[str, str]:
    """The shortest query that `parse` turns back into the same setup."""
    named = preset if preset in PRESETS else None
    base = PRESETS[named or default_preset].to_dict()
    out: dict[str, str] = {"preset": named} if named else {}
    out.update({k: str(v) for k, v in values.items() if k in base and base[k] != v})
    defaults = {**RunSpec().to_dict(), "rounds": DEFAULT_ROUNDS}  # the lab's slider starts at 3
    for name in LINK_RUN_FIELDS:
        value = settings.get(name, defaults[name])
        if value != defaults[name] and value is not None:
            out[name] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    if present:
        out["present"] = "1"
    if sweep:
        out["sweep"] = sweep
    elif run:
        out["run"] = run
    return out
