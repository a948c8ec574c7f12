"""Every page runs inside app.py's shell: page config, wide layout, the Explainer/Lab navigation.

Streamlit keeps a "pages/ folder" mode from its first multipage design: when a folder named pages/
sits beside app.py, a freshly started server runs a deep-linked page (`/lab`, the link a teammate
is sent) on its own, without app.py, until some session has called st.navigation. That page then
has no page config, no wide layout and no navigation. So app.py marks the runs it drives, every
page calls `require()` first, and a page that finds itself alone switches the server to
st.navigation's mode and reruns, which runs app.py with the same page requested.

Switching the mode is the one private Streamlit attribute this project touches; it lives in
`_leave_pages_folder_mode` alone, and tests/test_shell.py fails if Streamlit renames it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

_local = threading.local()


@contextmanager
def running() -> Iterator[None]:
    """app.py wraps the page it runs in this, so the page knows the shell is there."""
    _local.active = True
    try:
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
