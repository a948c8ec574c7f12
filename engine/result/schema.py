"""The result file's schema version, and the steps that raise an older file to it.

Results live in the history and in people's files for longer than any one version of this code,
so each schema change adds a step to `upgrade` instead of breaking what was saved.
"""

from __future__ import annotations

from typing import Any

from engine.errors import shorten

# 2: per-batch post_iterations, typed calibration, stability, contention and provenance.
# 3: variants (any number against one baseline), per-batch read spans, per-block workers, syncs.
SCHEMA_VERSION = 3
READABLE_SCHEMAS = (1, 2, 3)


def upgrade(d: dict[str, Any]) -> dict[str, Any]:
    """A stored result raised to the current schema, one version step at a time; the input is
    left as it was."""
    version = d.get("schema_version")
    if version not in READABLE_SCHEMAS:
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
        d["variants"] = [
            {"name": "serial", "depth": 1, "workers": 0, "readback": "none", "launch": "eager"},
            {"name": "overlap", "depth": depth, "workers": 0, "readback": "none", "launch": "eager"},
        ]
        d.setdefault("syncs", [])
        d.setdefault("syncs_checked", False)
    return d
