"""Overlap Lab: the router. Pages live in pages/, shared helpers in ui/, measurement in engine/."""

from pathlib import Path

import streamlit as st

from ui import shell

# A file served by the app itself: a Material icon as the favicon had every page view fetch it from
# fonts.gstatic.com, which a closed GPU box cannot reach and a shared one should not be asked to.
ICON = Path(__file__).parent / "ui" / "icon.svg"

st.set_page_config(
    page_title="Overlap Lab",
    page_icon=str(ICON),
    layout="wide",
    menu_items={"About": "Overlap Lab: what CPU/GPU overlap gains an inference loop, measured."},
)

navigation = st.navigation(
    [
        st.Page("pages/explainer.py", title="Explainer", icon=":material/school:", default=True),
        st.Page("pages/lab.py", title="Lab", icon=":material/science:"),
        st.Page("pages/history.py", title="History", icon=":material/history:"),
    ]
)
with shell.running():  # a page that runs without this shell reruns through it (ui/shell.py)
    navigation.run()
