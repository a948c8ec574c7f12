"""Overlap Lab: the router. Pages live in pages/, shared helpers in ui/, measurement in engine/."""

import streamlit as st

from ui import shell

st.set_page_config(
    page_title="Overlap Lab",
    page_icon=":material/stacked_line_chart:",
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
