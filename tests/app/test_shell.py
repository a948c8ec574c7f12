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


def _luminance(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_a_result_drawn_while_a_run_holds_the_page_reads_on_either_theme():
    """A theme switch cannot redraw the page while a run holds it, so the earlier result is drawn
    in an ink that reads on the light page and the dark one (the app's own backgrounds, from its
    config), at least 3:1 (WCAG's floor for large text and chart parts); after the run it takes
    the theme's own."""
    import tomllib

    from engine.store.history import load_example
    from ui import charts
    from ui.shell.look import look_for

    themes = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    pages = [themes["theme"]["light"]["backgroundColor"], themes["theme"]["dark"]["backgroundColor"]]
    c = load_example("example-h200-balanced")
    during = look_for(c, "0123abcd", False, either_theme=True)
    assert during.dark is None and during.style.ink == charts.INK[None]
    assert min(_contrast(charts.INK[None], page) for page in pages) >= 3.0
    spec = charts.big(charts.alt.Chart().mark_point(), during.style).to_dict()
    assert spec["config"]["axis"]["labelColor"] == charts.INK[None]
    after = look_for(c, "0123abcd", False)
    assert after.dark in (True, False) and after.style.ink in (charts.INK[True], charts.INK[False])
