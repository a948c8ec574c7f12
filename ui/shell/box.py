"""Who is using the box: every device a run holds right now, from any user, app or terminal.

Read from the lock files' status (engine/host/lock.py), refreshed every few seconds by a fragment, so a
teammate sees who holds the GPU, what they run, how far it is and about how long until it is free,
without reloading the page and without the page rerunning.
"""

from __future__ import annotations

import streamlit as st

from engine.api import holders
from ui.shell.plain import plain

REFRESH_S = 3


@st.fragment(run_every=REFRESH_S)
def in_use() -> None:
    """A line per held device, this session's own run included."""
    for h in holders():
        st.info(f"**{plain(h.device or 'a device')}** is in use by {plain(h.text)}.", icon=":material/group:")
