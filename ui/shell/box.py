"""Who is using the box: every device a run holds right now, from any user, app or terminal.

Read from the lock files' status (engine/host/lock.py), refreshed every few seconds by a fragment, so a
teammate sees who holds the GPU, what they run, how far it is and about how long until it is free,
without reloading the page and without the page rerunning.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from engine.api import holders
from ui.shell.plain import plain

REFRESH_S = 3


@st.fragment(run_every=REFRESH_S)
def in_use(stopping: Callable[[], str] = str, released: Callable[[], None] = lambda: None) -> None:
    """A line per held device. The run this session has just stopped (`stopping()`: its command,
    asked on every refresh) may hold its device for a moment while it unwinds; that lock is said
    to be letting go, never shown as a run in use, and once it is gone `released()` forgets it."""
    own = stopping()
    held = holders()
    for h in held:
        where = plain(h.device or "a device")
        if own and h.pid == os.getpid() and h.what == own:
            st.caption(f"{where} is being released by the run you stopped.")
        else:
            st.info(f"**{where}** is in use by {plain(h.text)}.", icon=":material/group:")
    if own and not any(h.pid == os.getpid() and h.what == own for h in held):
        released()
