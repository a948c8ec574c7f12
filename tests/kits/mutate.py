"""Mutated result files for the fuzzer: real results with one thing changed at a time (a type, a
range, a size, a name, the nesting), written out as a sender's file would be.

Every file starts from a shipped example cut down to two rounds of eight batches, so that hundreds
of them are read in seconds; a mutation then picks a place in the file's tree and changes it.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

from engine.read.document import document
from engine.store.history import EXAMPLES, load_example

BIG_INT = "__big_int__"  # replaced in the text: Python's json refuses to write some of these


def small(name: str) -> dict[str, Any]:
    """An example as its file holds it, cut to its first two rounds of at most eight batches."""
    d = json.loads(json.dumps(document(load_example(name)), allow_nan=True))
    d.pop("run_id", None)
    runs = [r for r in d["runs"] if r["round_index"] < 2]
    for r in runs:
        r["steps"] = r["steps"][:8]
    d["runs"] = runs
    d["telemetry"] = {"gpu_status": d["telemetry"].get("gpu_status", "unavailable")}
    d.pop("summary", None)  # what a person reads first; never read back
    return d


def places(d: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into the tree, but into a block's step rows only through their first two."""
    yield path
    if isinstance(d, dict):
        for k, v in d.items():
            yield from places(v, (*path, k))
    elif isinstance(d, list):
        for i, v in enumerate(d[:3] if path and path[-1] == "steps" else d[:12]):
            yield from places(v, (*path, i))


def _get(d: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        d = d[k]
    return d


VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1e308,
    -1e-308,
    2**63,
    10**400,
    BIG_INT,
    float("nan"),
    float("inf"),
    "",
    "x",
    "\u202eevil\u202c",
    "\x1b[2J",
    "a" * 5000,
    [],
    {},
    [[[[]]]],
    {"a": {"b": {"c": []}}},
    "serial",
]


def mutate(d: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    """One mutated copy of `d`, as file text, and what was done to it."""
    d = copy.deepcopy(d)
    kind = rng.choice(["value", "value", "value", "scale", "drop", "duplicate", "zero spans", "rename"])
    paths = [p for p in places(d) if p]
    path = rng.choice(paths)
    parent, key = _get(d, path[:-1]), path[-1]
    said = f"{kind} at {'/'.join(map(str, path))}"
    if kind == "value":
        value = rng.choice(VALUES)
        parent[key] = value
        said += f" = {str(value)[:30]!r}"
    elif kind == "scale" and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
        parent[key] = parent[key] * rng.choice([0, -1, 1000, 10**12, 1e-9])
    elif kind == "drop" and isinstance(parent, dict):
        del parent[key]
    elif kind == "drop" and isinstance(parent, list):
        parent.pop(key)
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif kind == "zero spans":  # every batch of a block at one instant, the block a microsecond long
        run = d["runs"][rng.randrange(len(d["runs"]))]
        t = run["start_ns"]
        run["steps"] = [[s[0], *[t if v >= 0 else v for v in s[1:]]] for s in run["steps"]]
        run["end_ns"] = t + 1000
    elif kind == "rename":  # a variant renamed, or two variants given one name
        vs = d["variants"]
        i = rng.randrange(len(vs))
        vs[i]["name"] = rng.choice([vs[0]["name"], vs[-1]["name"], "x" * 200, "a b", ""])
    text = json.dumps(d, allow_nan=True)
    if BIG_INT in text:
        text = text.replace(f'"{BIG_INT}"', "9" * 5000)
    return text, said


def corpus(n: int, seed: int = 20261207) -> Iterator[tuple[str, str]]:
    """n mutated files over every shipped example, the same ones on every run."""
    rng = random.Random(seed)
    bases = [small(name) for name in EXAMPLES]
    for _ in range(n):
        yield mutate(rng.choice(bases), rng)
