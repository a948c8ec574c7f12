"""Overlap Lab: the router. Pages live in pages/, shared helpers in ui/, measurement in engine/."""

import streamlit as st

st.set_page_config(page_title="Overlap Lab", page_icon=":material/stacked_line_chart:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/explainer.py", title="Explainer", icon=":material/school:", default=True),
        st.Page("pages/lab.py", title="Lab", icon=":material/science:"),
    ]
)
navigation.run()
