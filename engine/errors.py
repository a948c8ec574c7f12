"""The engine's errors: one family, so the CLI and the lab catch one thing and print one line.

Every refusal is an OverlapLabError. A WorkloadError names the field (as the CLI flag or the lab
widget knows it), echoes the value it got, shortened, and says what is allowed: a 5,000-character
value once came back whole in the message. DeviceError and TelemetryError say what to change.
"""

from __future__ import annotations

from typing import Any

MAX_ECHO_CHARS = 60  # an echoed value longer than this is cut, with its length said


def shorten(value: Any) -> str:
    """repr() of a value, cut to a readable length."""
    text = repr(value)
    if len(text) <= MAX_ECHO_CHARS:
        return text
    size = len(value) if isinstance(value, str | bytes | list | tuple | dict) else len(text)
    unit = "items" if isinstance(value, list | tuple | dict) else "characters"
    return f"{text[: MAX_ECHO_CHARS - 1]}… ({size:,} {unit})"


MAX_PATH_CHARS = 160  # a path is echoed whole up to this: folders on real boxes run long


def echo_path(path: object) -> str:
    """A path as a message shows it: whole when it is a path a person could have, cut otherwise."""
    text = str(path)
    return text if len(text) <= MAX_PATH_CHARS else shorten(text)


class OverlapLabError(Exception):
    """Anything the engine refuses or cannot do; the message is one line, meant for a person."""


class WorkloadError(OverlapLabError, ValueError):
    """A field holds a value the engine cannot run; the message says which and what is allowed."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}={shorten(value)} is not allowed: {allowed}")


class DeviceError(OverlapLabError, RuntimeError):
    """The device could not run the workload; the message says what to change."""


class TelemetryError(OverlapLabError, RuntimeError):
    """The sampler could not start or stop; the message says how to run without it."""
