"""The result file's schema version, and the steps that raise an older file to it.

Results live in the history and in people's files for longer than any one version of this code,
so each schema change adds a step to `upgrade` instead of breaking what was saved.
"""

from __future__ import annotations

from typing import Any

from engine.errors import shorten

# 2: per-batch post_iterations, typed calibration, stability, contention and provenance.
SCHEMA_VERSION = 2
READABLE_SCHEMAS = (1, 2)


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
    return d
