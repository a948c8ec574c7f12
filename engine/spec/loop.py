"""A user's loop as data: the model (or any callable on device tensors), the batch it runs on, the
CPU post-processing of one output and, if the loop has one, the host-side pre-processing.

Profilers show where a program's time went; they do not say what overlapping would buy it. To
predict that and then check it, the engine has to run the user's own model and post-processing
inside its own loop shapes, so a loop is handed over as four plain callables, not as a program:
the engine decides when each runs, times it, and moves the post-processing to other processes or
the forward into a CUDA Graph where a rung needs it. A factory `module:function(device,
batch_size)` returns one `Loop`; nothing here imports torch.
"""

from __future__ import annotations

import re
import sysconfig
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.errors import OverlapLabError

# A registered loop's name: what a link or the lab's control may carry. A factory outside the
# registry is `package.module:function`, which only the command line accepts.
LOOP_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}", re.ASCII)
FACTORY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,199}:[A-Za-z_][A-Za-z0-9_]{0,99}", re.ASCII)
LOOP_ALLOWED = (
    "empty (the built-in model and CPU work), a registered loop's name (lower-case letters, digits, "
    "- and _), or a factory as package.module:function"
)


class LoopError(OverlapLabError):
    """A user's loop broke one of the rules; the message names the loop and the reason, in one line."""

    def __init__(self, loop: str, reason: str) -> None:
        self.loop = loop
        self.reason = reason
        super().__init__(f"loop {loop}: {reason}")


@dataclass(frozen=True)
class Loop:
    """What a factory returns. Every field is called by the engine, never by the user's code.

    - `model(batch)`: the forward on the device; returns a tensor, or a tuple, list or dict of them.
    - `make_batch()`: one input batch already on the device, made once and run every step (latency
      does not depend on the values).
    - `post(output)`: the CPU post-processing of one batch's output, which arrives on the host as
      CPU tensors of the same structure. It must be picklable (a module-level function or a
      dataclass instance) to run in a pool of processes.
    - `pre(step)`: optional host work before each launch that returns the step's batch on the host
      (decoding, resizing); the engine uploads it, and both count as launching (L).
    - `graphs`: False when the forward cannot be captured as one CUDA Graph (data-dependent shapes,
      host syncs inside), so the graph rung is skipped with that reason instead of tried.
    """

    model: Callable[[Any], Any]
    make_batch: Callable[[], Any]
    post: Callable[[Any], Any]
    pre: Callable[[int], Any] | None = None
    graphs: bool = True
    note: str = ""  # one line a person reads beside the loop's name

    def __post_init__(self) -> None:
        for name in ("model", "make_batch", "post"):
            if not callable(getattr(self, name)):
                raise TypeError(f"Loop.{name} must be callable, not {type(getattr(self, name)).__name__}")
        if self.pre is not None and not callable(self.pre):
            raise TypeError(f"Loop.pre must be callable or None, not {type(self.pre).__name__}")


# Where Python's own files and installed packages live: a frame there is not the user's line.
_NOT_THEIRS = tuple(
    p for p in {sysconfig.get_paths().get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")} if p
)


def told(exc: BaseException) -> str:
    """An exception in one line, with the innermost place in the user's own code it came from.

    A post that fails inside torch or numpy fails because of a line the user wrote: that line, not
    the library's, is what they open, so frames in the engine, the standard library and installed
    packages are passed over."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [
        f
        for f in frames
        if "/engine/" not in f.filename
        and "importlib" not in f.filename
        and not f.filename.startswith("<")
        and not f.filename.startswith(_NOT_THEIRS)
    ]
    at = f" at {mine[-1].filename}:{mine[-1].lineno}" if mine else ""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}" + (f": {text}" if text else "") + at


# Said with a post's error where the model and post run in two processes: the CPU stand-in's
# worker runs the model, so state a model object keeps (its last output, a counter) is never seen
# by post there, while on CUDA both run in the launching process (a pool's workers excepted).
APART = (
    "; on the CPU stand-in the model runs in a helper process and post in this one, so state the "
    "model keeps for post never reaches it (on CUDA both run in one process)"
)


@dataclass(frozen=True)
class UserPost:
    """A loop's post-processing in the runners' shape: (step, output) -> no iteration count.

    The user's function may return anything (boxes, a PNG, text); the runner keeps only the time,
    so its return value is dropped here instead of being mistaken for a loop length."""

    post: Callable[[Any], Any]
    name: str = ""
    apart: bool = False  # the model runs in another process (the stand-in): say so with an error

    def __call__(self, step: int, output: Any) -> None:
        try:
            self.post(output)
        except Exception as exc:
            said = f"its post raised {told(exc)}" + (APART if self.apart else "")
            raise LoopError(self.name, said) from exc


def loop_problem(name: str) -> str:
    """Why a Workload's `loop` text cannot name a loop ("" when it can): checked before any import."""
    if name == "" or LOOP_NAME.fullmatch(name) or FACTORY.fullmatch(name):
        return ""
    return LOOP_ALLOWED
