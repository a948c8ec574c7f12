"""Streamlit and Altair helpers shared by the pages: charts, controls, running and results."""
