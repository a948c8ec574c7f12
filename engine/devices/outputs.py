"""A forward's output as the devices handle it: a tensor, or tuples, lists and dicts of tensors.

A user's model returns what it returns: a detector its boxes and scores, a segmenter a dict. The
readbacks, graph replays and the stand-in's pipe treat every tensor in it alike and hand the
post-processing the same structure back, so none of them needs to know what a loop returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_LEAVES = 64  # tensors in one output: more is a structure this loop was not written for


def is_tensor(x: Any) -> bool:
    return hasattr(x, "data_ptr") and hasattr(x, "dtype") and hasattr(x, "shape")


def leaves(out: Any) -> list[Any]:
    """Every tensor in an output, in a fixed order; ValueError naming what is not a tensor."""
    found: list[Any] = []

    def walk(x: Any, where: str) -> None:
        if is_tensor(x):
            found.append(x)
        elif isinstance(x, tuple | list):
            for i, item in enumerate(x):
                walk(item, f"{where}[{i}]")
        elif isinstance(x, dict):
            for key in x:
                walk(x[key], f"{where}[{key!r}]")
        else:
            raise ValueError(f"{where} is a {type(x).__name__}: a tensor, or a tuple, list or dict of them")
        if len(found) > MAX_LEAVES:
            raise ValueError(f"more than {MAX_LEAVES} tensors in one output")

    walk(out, "the output")
    return found


def rebuild(out: Any, fn: Callable[[Any], Any]) -> Any:
    """The same structure with `fn` applied to every tensor."""
    if is_tensor(out):
        return fn(out)
    if isinstance(out, tuple | list):
        return type(out)(rebuild(x, fn) for x in out)
    if isinstance(out, dict):
        return {k: rebuild(v, fn) for k, v in out.items()}
    return out


def nbytes(out: Any) -> int:
    """Bytes of an output's tensors; an array's own count where the output is one (the built-in
    classifier's logits arrive as numpy)."""
    try:
        return sum(t.numel() * t.element_size() for t in leaves(out))
    except ValueError:
        return int(getattr(out, "nbytes", 0))


def fill(static: Any, new: Any) -> None:
    """Copy a batch into the static tensors a captured graph reads, leaf by leaf."""
    for dst, src in zip(leaves(static), leaves(new), strict=True):
        dst.copy_(src, non_blocking=True)
