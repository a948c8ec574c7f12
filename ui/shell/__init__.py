"""Every page runs inside app.py's shell: page config, wide layout, the Explainer/Lab navigation.

Streamlit keeps a "pages/ folder" mode from its first multipage design: when a folder named pages/
sits beside app.py, a freshly started server runs a deep-linked page (`/lab`, the link a teammate
is sent) on its own, without app.py, until some session has called st.navigation. That page then
has no page config, no wide layout and no navigation. So app.py marks the runs it drives, every
page calls `require()` first, and a page that finds itself alone switches the server to
st.navigation's mode and reruns, which runs app.py with the same page requested.

Switching the mode is the one private Streamlit attribute this project touches; it lives in
`_leave_pages_folder_mode` alone, and tests/test_shell.py fails if Streamlit renames it.

The shell also holds presentation mode, which every page honours: set by a toggle in the sidebar
or by `?present=1` in a link, it folds the sidebar on arrival, enlarges the type and makes every
chart take the full width (ui/results.Look).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from engine.api import FLAGS, FLAGS_ALLOWED, WorkloadError
from ui.shell.plain import plain

_local = threading.local()


PRESENT_KEY = "present"
# Streamlit's own Stop in the page's header ends a script without the run's own Stop (which also
# tells the engine to stop at once and says so on the page): a run stopped that way left the page
# frozen in its running look. The page's Stop is the one Stop.
HEADER_CSS = """
<style>
[data-testid="stStatusWidget"] button { display: none; }
</style>
"""
PRESENT_CSS = """
<style>
html { font-size: 24px; }
.stMainBlockContainer { padding-left: 2rem; padding-right: 2rem; max-width: 100%; }
h1 { font-size: 2.2rem !important; }
</style>
"""


@contextmanager
def running() -> Iterator[None]:
    """app.py wraps the page it runs in this, so the page knows the shell is there."""
    _local.active = True
    try:
        st.html(HEADER_CSS)
        presentation()
        yield
    finally:
        _local.active = False


def active() -> bool:
    return bool(getattr(_local, "active", False))


def require() -> None:
    """Called first by every page: rerun through app.py when Streamlit ran this page alone."""
    if active():
        return
    _leave_pages_folder_mode()
    st.rerun()


def _leave_pages_folder_mode() -> None:
    """What st.navigation itself does on its first call: turn off the pages/ folder mode."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def presentation() -> bool:
    """Presentation mode from a link's ?present=..., else the sidebar toggle; the link follows it."""
    raw = st.query_params.get(PRESENT_KEY)
    if raw is not None and st.session_state.get("_present_link") != raw:
        st.session_state._present_link = raw
        flag = FLAGS.get(raw.strip().lower())
        if flag is None:
            st.warning(f"This link's {plain(flag_allowed(PRESENT_KEY, raw))}.")
        else:
            st.session_state[PRESENT_KEY] = flag
    st.session_state.setdefault(PRESENT_KEY, False)
    on = st.sidebar.toggle(
        "Presentation mode",
        key=PRESENT_KEY,
        help="Large type, one chart per row at full width, the sidebar folded when a link opens "
        "with ?present=1. The light and dark themes are in the menu at the top right.",
    )
    if on:
        st.set_page_config(initial_sidebar_state="collapsed")
        st.html(PRESENT_CSS)
    if on and st.query_params.get(PRESENT_KEY) != "1":
        st.query_params[PRESENT_KEY] = "1"
        st.session_state._present_link = "1"
    elif not on and PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]
        st.session_state._present_link = None
    return on


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY, False))


def flag_allowed(name: str, raw: str) -> str:
    """A refused on/off parameter, in the words every other refusal uses."""
    return str(WorkloadError(name, raw, FLAGS_ALLOWED))
