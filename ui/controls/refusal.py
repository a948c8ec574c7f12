"""A refusal as the lab says it: naming the control the user set, not the engine's field.

The engine's messages name fields (`variants='graphs' is not allowed`), which is what the CLI's
flags and a link's parameters are called; in the lab the same value was picked in a control
called Compare, so the message names that control and shows the value as the control does.
"""

from __future__ import annotations

from engine.api import FIELDS, RUN_FIELDS, SETS, OverlapLabError, WorkloadError, shorten


def control_of(field: str) -> str:
    spec = FIELDS.get(field) or RUN_FIELDS.get(field)
    return spec.widget_label if spec else field


def in_lab(exc: OverlapLabError) -> str:
    """The message for the lab: a WorkloadError names its control; anything else is as it is."""
    if not isinstance(exc, WorkloadError):
        return str(exc)
    value = exc.value
    shown = (
        SETS[value].label if exc.field == "variants" and isinstance(value, str) and value in SETS else value
    )
    text = shown if isinstance(shown, str) and len(shown) <= 60 else shorten(shown)
    return f"{control_of(exc.field)}: {text} is not allowed: {exc.allowed}"
