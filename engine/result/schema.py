"""The result file's schema version, and the steps that raise an older file to it.

Results live in the history and in people's files for longer than any one version of this code,
so each schema change adds a step to `upgrade` instead of breaking what was saved.
"""

from __future__ import annotations

from typing import Any

from engine.errors import shorten
from engine.spec.sets import set_for
from engine.spec.variants import Variant, name_of

# 2: per-batch post_iterations, typed calibration, stability, contention and provenance.
# 3: variants (any number against one baseline), per-batch read spans, per-block workers, syncs.
# 4: depth belongs to the variants only (the workload has none); the set the variants came from.
# 5: one name per loop shape: the pair's and the ladder's "overlap" and the readback set's "none"
#    are renamed by what they run, in the variants, the blocks and the findings alike.
# 6: the workload may name a user's loop, and a diagnosis carries its forecast; older results have
#    neither, which is what the defaults say.
# 7: a probe's readback is R, its own letter: X is the input's upload everywhere (forecast.probe).
SCHEMA_VERSION = 7
READABLE_SCHEMAS = (1, 2, 3, 4, 5, 6, 7)


def upgrade(d: dict[str, Any]) -> dict[str, Any]:
    """A stored result raised to the current schema, one version step at a time; the input is
    left as it was."""
    version = d.get("schema_version")
    if type(version) is not int or version not in READABLE_SCHEMAS:  # true is not version 1
        raise ValueError(
            f"schema_version={shorten(version)} is not allowed: one of "
            + ", ".join(map(str, READABLE_SCHEMAS))
        )
    if version == 1:
        # Version 1 had fixed work only, no per-batch iteration counts, and no stability, contention
        # or provenance: say so explicitly rather than leave it to defaults scattered elsewhere.
        d = {**d, "schema_version": 2, "workload": {"cpu_fixed": "work", **d["workload"]}}
        d["runs"] = [
            {
                **r,
                "step_fields": [*r["step_fields"], "post_iterations"],
                "steps": [[*s, -1] for s in r["steps"]],
            }
            if "post_iterations" not in r["step_fields"]
            else r
            for r in d["runs"]
        ]
        d.setdefault("stability", {})
        d.setdefault("contention", {})
        d.setdefault("provenance", {})
    if d["schema_version"] == 2:
        # Version 2 compared exactly two loops, named by their modes: serial, and the deque at the
        # workload's depth. No output was read, so no batch has a read span.
        depth = d["workload"].get("depth", 2)
        d = {**d, "schema_version": 3}
        d["variants"] = [Variant("serial").to_dict(), Variant("overlap", depth=depth).to_dict()]
        d.setdefault("syncs", [])
        d.setdefault("syncs_checked", False)
    if d["schema_version"] == 3:
        # Version 3 kept a depth in the workload too, which only the pair used: a depth-4 workload
        # run with another set said "depth 4" while its variants ran at their own. The variants
        # have always carried their depths, so the workload's is dropped; the set is recognised.
        workload = {k: v for k, v in d["workload"].items() if k != "depth"}
        variants = tuple(Variant.from_dict(v) for v in d["variants"])
        d = {**d, "schema_version": 4, "workload": workload, "variant_set": set_for(_renamed(variants))}
    if d["schema_version"] == 4:
        d = _rename(d)
    if d["schema_version"] == 5:
        d = {**d, "schema_version": 6, "forecast": None}
    if d["schema_version"] == 6:
        d = {**d, "schema_version": 7, "forecast": _probe_r(d.get("forecast"))}
    return d


def _probe_r(forecast: Any) -> Any:
    """Version 6 called the probe's readback X, the letter of the input's upload."""
    if not isinstance(forecast, dict) or not isinstance(forecast.get("probe"), dict):
        return forecast
    probe = {("r_ms" if k == "x_ms" else k): v for k, v in forecast["probe"].items()}
    return {**forecast, "probe": probe}


def _renamed(variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
    return tuple(Variant.of(v.depth, v.workers, v.readback, v.launch) for v in variants)


def _rename(d: dict[str, Any]) -> dict[str, Any]:
    """Version 4 named loops per set, so one loop had up to three names and "overlap" four loops.
    Every name is replaced by the one its settings give, wherever a record carries it."""
    old = [Variant.from_dict(v) for v in d["variants"]]
    new = {v.name: name_of(v.depth, v.workers, v.readback, v.launch) for v in old}
    return {
        **d,
        "schema_version": 5,
        "variants": [{**v, "name": new[v["name"]]} for v in d["variants"]],
        "runs": [{**r, "mode": new.get(r["mode"], r["mode"])} for r in d["runs"]],
        "syncs": [{**f, "variant": new.get(f["variant"], f["variant"])} for f in d.get("syncs", [])],
    }
