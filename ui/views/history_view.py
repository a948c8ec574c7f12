"""The History page's reading of the store: opening it, the table of runs, loading, importing and
deleting, each failure said on the page in one line rather than raised."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from engine.api import (
    AlreadyStored,
    Comparison,
    Entry,
    History,
    OverlapLabError,
    SweepPoint,
    example_entries,
    user_name,
)
from ui.controls import run
from ui.shell.plain import plain


def open_store() -> History:
    """The box's history; the page stops, saying why, when it cannot be opened."""
    try:
        return run.store()
    except OverlapLabError as exc:
        st.error(f"The history cannot be opened: {plain(exc)}")
        st.stop()
        raise  # st.stop() does not return


def listed(store: History) -> list[Entry]:
    """The store's runs and the examples. A damaged or unreadable store is said in one line, and
    the bundled examples are still listed, so the page stays usable."""
    if problem := store.problem():
        st.warning(
            f"{plain(problem)}. Runs are not being stored; their results go to files whose paths are given."
        )
    try:
        return store.entries()
    except OverlapLabError as exc:
        st.error(f"The stored runs cannot be listed: {plain(exc)}")
        return list(example_entries())


def entries_frame(entries: Sequence[Entry]) -> pd.DataFrame:
    """What a person scans for first leads (id, time, set, speedup, limit), so it fits 1280 px
    without a horizontal scroll; who, what and where follow."""
    return pd.DataFrame(
        [
            {
                "id": e.id,
                "time (UTC)": e.started_at[:16].replace("T", " ") or "recorded",
                "set": e.variant_set or "custom",
                "speedup": e.speedup,
                "limit": e.block_limit,
                "stability": e.stability,
                "preset": e.preset,
                "batch": e.batch_size,
                "device": e.card,
                "who": e.user,
            }
            for e in entries
        ]
    )


def load(store: History, run_id: str) -> Comparison | None:
    """A stored run, or None after saying why it could not be opened."""
    try:
        return store.load(run_id)
    except OverlapLabError as exc:
        st.error(f"Run {run_id} could not be opened: {plain(exc)}")  # it may quote the run's text
        return None


def load_sweep(store: History, sweep_id: str) -> tuple[list[SweepPoint], list[str | None]] | None:
    """A stored sweep's points and their run ids, or None after saying why it could not be opened."""
    try:
        pairs = store.load_sweep(sweep_id)
    except OverlapLabError as exc:
        st.error(f"Sweep {sweep_id} could not be opened: {plain(exc)}")
        return None
    return [SweepPoint(c.workload.cpu_g_ratio, c) for _, c in pairs], [i for i, _ in pairs]


NOTICE = "_import_notice"  # what the last import said: kept until the file is taken away


def import_file(store: History, data: bytes, name: str) -> str | None:
    """Store an uploaded result; its id (the one it was saved with, when free), the stored run's
    id when it is there already, or None when it was refused. What it says is kept in the session
    (`import_notice` shows it), so the page's rerun to open the run does not wipe it."""
    run_id, kind, said = imported(store, data, name)
    st.session_state[NOTICE] = (kind, said)
    return run_id


def imported(store: History, data: bytes, name: str) -> tuple[str | None, str, str]:
    """(run id or None, how to show it, what to say) of one upload; both texts quote the sender's."""
    try:
        run_id = store.import_json(data, name)
        return run_id, "success", f"{plain(name)} is stored as run {run_id}; it is opened below."
    except AlreadyStored as exc:
        return exc.run_id, "info", f"{plain(name)}: {plain(exc)}; it is opened below."
    except OverlapLabError as exc:
        return None, "error", f"{plain(name)} was not imported: {plain(exc)}"


def import_notice() -> None:
    """The last import's message, for as long as its file stays picked."""
    kept = st.session_state.get(NOTICE)
    if kept is not None:
        kind, text = kept
        {"success": st.success, "info": st.info, "error": st.error}[kind](text)


def others_of(store: History, run_id: str) -> list[str]:
    """The users other than this server's who ran a stored run (or a sweep's points)."""
    try:
        return sorted(store.owners(run_id) - {user_name()})
    except OverlapLabError:
        return []


def delete(store: History, run_id: str, others: bool = False) -> str:
    """Delete a run of this server's user, or, with `others`, another user's too (the page asks
    for that in so many words); what went wrong, or "" when it is gone."""
    try:
        store.delete(run_id, by=None if others else user_name())
    except OverlapLabError as exc:
        return str(exc)
    return ""


def pick(label: str, options: list[str], format_func: Callable[[str], str], key: str) -> list[str]:
    """One run to open or two to compare. Streamlit's multiselect offers "Select all" in its recent
    versions; with two allowed it picked the first two and opened a comparison nobody asked for, so it
    is turned off where this Streamlit has the switch (and older ones have no such option)."""
    multiselect: Callable[..., list[str]] = st.multiselect
    no_select_all = {"select_all": False} if "select_all" in inspect.signature(multiselect).parameters else {}
    return multiselect(label, options, format_func=format_func, max_selections=2, key=key, **no_select_all)
