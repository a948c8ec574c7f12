"""Result files a hostile or careless sender could make: the corpus the gate and the views face.

`markup_result` is a valid result whose every free-text field holds markup that would fetch an
outside URL, link to it, colour text or typeset maths if any view rendered it as Markdown or HTML.
The rest are broken files, each of which must be refused with one line naming its field.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from engine.read.document import document
from engine.store.history import load_example
from engine.store.reading import MAX_IMPORT_BYTES

OUTSIDE = "evil.example"
MARKUP = (
    f"![pixel](http://{OUTSIDE}/p.png) [click](http://{OUTSIDE}/x) <img src='http://{OUTSIDE}/i.png'> "
    f"http://{OUTSIDE}/bare www.{OUTSIDE} :red[red] :material/warning: $x^2$ **bold** `tick` # head"
)
FREE_TEXT = {  # part: the fields in it a person or a machine wrote as free text
    "provenance": ("host", "user", "version", "command"),
    "environment": (
        "device",
        "runs_on",
        "gpu_name",
        "gpu_driver",
        "gpu_nvml_note",
        "torch",
        "torchvision",
        "python",
        "cpu_model",
        "cuda_runtime",
    ),
    "stability": ("stop_reason",),
    "telemetry": ("gpu_status",),
    "contention": ("other_devices",),
}


def seed() -> dict[str, Any]:
    """A recorded result as the current schema writes it, every part present."""
    return json.loads(json.dumps(document(load_example("example-h200-balanced"))))


def markup_result() -> dict[str, Any]:
    d = seed()
    d.pop("run_id", None)
    for part, names in FREE_TEXT.items():
        for name in names:
            d[part][name] = f"{name} {MARKUP}"
    d["contention"]["other_runs"] = 1  # so the contention sentence, which names the devices, is said
    d["syncs_checked"] = True
    variant = d["variants"][-1]["name"]
    d["syncs"] = [
        {
            "variant": variant,
            "where": f"x.py:1 {MARKUP}",
            "code": f"y = x` {MARKUP}",
            "what": MARKUP,
            "count": 2,
        }
    ]
    return d


def _step(d: dict[str, Any], field: str, value: Any, block: int = 0, row: int = 3) -> dict[str, Any]:
    d = copy.deepcopy(d)
    run = d["runs"][block]
    run["steps"][row][run["step_fields"].index(field)] = value
    return d


def _set(d: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    d = copy.deepcopy(d)
    target = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return d


LINKS = (  # links a sender could craft: every value quoted back in a message
    f"lab?run=![x](http://{OUTSIDE}/l1.png)",
    f"lab?model=[a](http://{OUTSIDE}/l2)&batch_size=<img src=http://{OUTSIDE}/l3.png>",
    f"history?compare=example-h100-seed,![x](http://{OUTSIDE}/l4.png)",
    f"lab?present=:material/warning:http://{OUTSIDE}/l5",
)


def broken() -> dict[str, tuple[bytes, str]]:
    """name: (file bytes, what the refusal must name)."""
    s = seed()
    deep = "[" * 100_000 + "]" * 100_000
    nested = "[" * 50 + "]" * 50
    first = s["runs"][0]
    cases: dict[str, tuple[Any, str]] = {
        "deep nesting": (deep, "nests deeper"),
        "nested runs": (_set(s, ("runs",), json.loads(nested)), "runs[0]="),
        "negative duration": (
            _step(s, "post_end_ns", first["steps"][3][first["step_fields"].index("post_start_ns")] - 5),
            "runs[0].steps[3].post_end_ns",
        ),
        "zero-length block": (_set(s, ("runs", 0, "end_ns"), first["start_ns"]), "runs[0].end_ns"),
        "NaN duration": (_step(s, "device_end_ns", math.nan), "runs[0].steps[3].device_end_ns"),
        "string for a number": (_step(s, "launch_end_ns", "12"), "runs[0].steps[3].launch_end_ns"),
        "string for a block's batch": (_set(s, ("runs", 1, "batch_size"), "10"), "runs[1].batch_size"),
        "number for a string": (_set(s, ("provenance", "user"), 7), "provenance.user"),
        "object for a float": (
            _set(s, ("calibration", "ms_per_iteration"), {"a": 1}),
            "calibration.ms_per_iteration",
        ),
        "short step row": (_set(s, ("runs", 0, "steps", 2), [1, 2]), "runs[0].steps[2]"),
        "unknown mode": (_set(s, ("runs", 0, "mode"), "evil"), "runs[0].mode"),
        "no blocks": (_set(s, ("runs",), []), "runs"),
        "huge string": (_set(s, ("provenance", "host"), "h" * 100_000), "provenance.host"),
        "huge series": (_set(s, ("telemetry", "t_ns"), list(range(300_000))), "telemetry.t_ns"),
        "infinite number": (_set(s, ("contention", "load_avg_max"), math.inf), "contention.load_avg_max"),
        "markup in a refused field": (_set(s, ("runs", 0, "mode"), MARKUP), "runs[0].mode"),
        "markup for a time": (_set(s, ("provenance", "started_at"), MARKUP), "provenance.started_at"),
        "terminal escapes": (
            _set(s, ("provenance", "user"), "\x1b[2J\x1b]0;owned\x07root"),
            "provenance.user",
        ),
        "an integer past float's range": (
            _set(s, ("contention", "load_avg_max"), 10**400),
            "contention.load_avg_max",
        ),
        "a 5,000-digit integer": (
            json.dumps(_set(s, ("contention", "cores"), "__big__")).replace('"__big__"', "9" * 5000),
            "a number too long to read",
        ),
        "a workload field of 400 digits": (_set(s, ("workload", "steps"), 10**400), "steps=1000"),
        "a workload that is not an object": (
            _set(s, ("workload",), 7),
            "workload=7 is not allowed: an object",
        ),
        "a field a workload does not have": (
            _set(s, ("workload", "colour"), "red"),
            "workload.colour='red' is not allowed: a field of it",
        ),
        "two variants of one name": (
            _set(s, ("variants", 1, "name"), s["variants"][0]["name"]),
            "variants[1].name",
        ),
        "a version that is true": (_set(s, ("schema_version",), True), "schema_version=True"),
        "a right-to-left override": (
            _set(s, ("provenance", "user"), "root\u202egnp.exe"),
            "provenance.user",
        ),
        "too big to show": (
            " " * (MAX_IMPORT_BYTES + 1) + json.dumps(s),
            "MB; the app shows results of at most 10 MB",
        ),
    }
    return {
        name: (value.encode() if isinstance(value, str) else json.dumps(value).encode(), says)
        for name, (value, says) in cases.items()
    }


def padded(size: int) -> dict[str, Any]:
    """A valid result of about `size` bytes: the recorded rounds repeated as later rounds."""
    d = seed()
    d.pop("run_id", None)
    runs, out = d["runs"], list(d["runs"])
    rounds = len({r["round_index"] for r in runs})
    while len(json.dumps({**d, "runs": out})) < size:
        shift = len(out) // len(runs) * rounds
        out += [{**r, "round_index": r["round_index"] + shift} for r in runs]
    return {**d, "runs": out}
