"""Pages run inside app.py's shell, even when Streamlit's pages/ folder mode would run them alone."""

import inspect
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import shell

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def private_lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path))


def test_streamlit_still_has_the_private_switch_this_project_flips():
    # ui/shell.py sets PagesManager.uses_pages_directory = False, as st.navigation does. If a
    # Streamlit upgrade renames or stops reading it, this fails and shell.py must change with it.
    from streamlit.commands import navigation
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    assert "uses_pages_directory" in vars(PagesManager)
    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner)
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)


@pytest.mark.parametrize("page", ["pages/lab.py", "pages/explainer.py"])
def test_a_page_opened_first_runs_through_app_py(page, monkeypatch):
    shells = []
    real = shell.running

    @contextmanager
    def recording():
        shells.append(True)
        with real():
            yield

    monkeypatch.setattr(shell, "running", recording)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page).run()  # no run before: Streamlit would run the page file alone
    assert not at.exception
    assert shells, "the page ran without app.py's shell"
    assert at.title[0].value.startswith("Lab" if "lab" in page else "Overlap Lab")
