"""A loop the box's owner registered, in a real browser: a link names it, Run diagnoses it on the
stand-in and the diagnosis draws at 1280x720; a link naming code that is not registered is
refused on the page by name, and the built-in workload is kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.kits.browser import SHOTS, fits, serve_app, shoot

pytestmark = pytest.mark.browser
OWNER = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def owner_server(tmp_path_factory):
    """The app served with the owner's folder of loops in its environment."""
    lock_dir = tmp_path_factory.mktemp("locks")
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115
    before = os.environ.get("OVERLAP_LAB_LOOPS")
    os.environ["OVERLAP_LAB_LOOPS"] = str(OWNER)
    try:
        proc, url = serve_app(lock_dir, log)
    finally:
        if before is None:
            os.environ.pop("OVERLAP_LAB_LOOPS")
        else:
            os.environ["OVERLAP_LAB_LOOPS"] = before
    yield url
    proc.terminate()
    proc.wait(15)
    log.close()


def test_a_registered_loop_from_a_link_is_diagnosed_and_drawn(owner_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{owner_server}/lab?loop=owners-mine&variants=diagnose&device=cpu&steps=8&rounds=1")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Diagnosis of owners-mine").wait_for(timeout=180_000)
    page.get_by_text("within 5%").first.wait_for()
    page.wait_for_timeout(2500)
    fits(page)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3  # the probe, forecast, paired
    page.screenshot(path=str(SHOTS / "lab-diagnose-1280x720.png"))
    shoot(page, "lab-diagnose-full.png")
    run_id = page.url.split("run=")[1].split("&")[0]
    page.close()
    # On a projector: the stored diagnosis, reopened by its link in presentation mode.
    talk = browser.new_page(viewport={"width": 1280, "height": 720})
    talk.goto(f"{owner_server}/lab?run={run_id}&present=1")
    talk.get_by_text("Diagnosis of owners-mine").wait_for(timeout=60_000)
    talk.wait_for_timeout(2500)
    fits(talk)
    shoot(talk, "lab-diagnose-present-full.png")
    talk.close()


@pytest.mark.parametrize("named", ["os:system", "not-registered"])
def test_a_link_naming_other_code_is_refused_on_the_page(owner_server, browser, named):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{owner_server}/lab?loop={named}")
    page.get_by_text("a link never names other code").first.wait_for(timeout=60_000)
    assert page.get_by_text(f"loop='{named}' is not allowed").count() >= 1
    page.close()
