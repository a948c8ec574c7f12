"""The History page's reading of the store: opening it, the table of runs, loading, importing and
deleting, each failure said on the page in one line rather than raised."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from engine.errors import OverlapLabError
from engine.result.comparison import Comparison
from engine.store.history import Entry, History
from ui import run


def open_store() -> History:
    """The box's history; the page stops, saying why, when it cannot be opened."""
    try:
        return run.store()
    except OverlapLabError as exc:
        st.error(f"The history cannot be opened: {exc}")
        st.stop()
        raise  # st.stop() does not return


def entries_frame(entries: Sequence[Entry]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "time (UTC)": e.started_at[:16].replace("T", " ") or "recorded",
                "who": e.user,
                "preset": e.preset,
                "model": e.model,
                "batch": e.batch_size,
                "device": f"{e.device} · {e.card}",
                "speedup": e.speedup,
                "ceiling": e.ceiling,
                "efficiency": e.efficiency,
                "stability": e.stability,
                "id": e.id,
            }
            for e in entries
        ]
    )


def load(store: History, run_id: str) -> Comparison | None:
    """A stored run, or None after saying why it could not be opened."""
    try:
        return store.load(run_id)
    except OverlapLabError as exc:
        st.error(f"Run {run_id} could not be opened: {exc}")
        return None


def import_file(store: History, data: bytes, name: str) -> str | None:
    """Store an uploaded result; its new id, or None after saying why it was refused."""
    try:
        return store.import_json(data, name)
    except OverlapLabError as exc:
        st.error(f"{name} was not imported: {exc}")
        return None


def delete(store: History, run_id: str) -> str:
    """Delete a run; what went wrong, or "" when it is gone."""
    try:
        store.delete(run_id)
    except OverlapLabError as exc:
        return str(exc)
    return ""
