"""A result full of markup in a real browser: History and the lab show it as text, and the browser
requests nothing outside the app, with every expander open."""

from __future__ import annotations

import json
import re

import pytest

from tests.kits.browser import SHOTS
from tests.kits.hostile import LINKS, OUTSIDE, broken, markup_result

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "where", ["lab?run={id}", "history?run={id}", "history?compare={id},example-h200-balanced"]
)
def test_a_hostile_result_requests_nothing_outside_and_links_nowhere(server, browser, where):  # noqa: F811
    store = server["history"]
    run_id = next((e.id for e in store.entries() if e.source == "import"), None)
    if run_id is None:
        run_id = store.import_json(json.dumps(markup_result()), "markup.json")
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{server['url']}/{where.format(id=run_id)}")
    page.get_by_role("heading", name=re.compile(r"x of its .*x limit")).first.wait_for(timeout=60_000)
    for summary in page.locator("[data-testid=stExpander] summary").all():
        summary.click()
    page.wait_for_timeout(2000)
    local = (server["url"], f"blob:{server['url']}", "data:")
    outside = [u for u in requested if not u.startswith(local)]
    assert outside == [], outside
    planted = page.locator(f"a[href*='{OUTSIDE}'], img[src*='{OUTSIDE}']").count()
    assert planted == 0
    if "lab" in where:  # shown, as the text it is: no icon, image, link, colour or maths made of it
        text = page.inner_text("body").replace("\u2060", "")
        assert f"![pixel](http://{OUTSIDE}/p.png)" in text and ":material/warning: $x^2$ **bold**" in text
        page.screenshot(path=str(SHOTS / "hostile-result-lab.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("link", LINKS)
def test_a_hostile_link_is_refused_as_text_and_requests_nothing_outside(server, browser, link):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{server['url']}/{link}")
    page.get_by_text("This link's").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    local = (server["url"], f"blob:{server['url']}", "data:")
    assert [u for u in requested if not u.startswith(local)] == []
    assert page.locator(f"a[href*='{OUTSIDE}'], img[src*='{OUTSIDE}']").count() == 0
    page.close()


def test_hostile_uploads_are_refused_as_text_and_request_nothing_outside(server, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{server['url']}/history")
    page.get_by_text("Import a result file (JSON)").click()
    corpus = broken()
    for name in ("deep nesting", "negative duration", "string for a number", "markup in a refused field"):
        data, says = corpus[name]
        upload = tmp_path / f"![x](http:__{OUTSIDE}_u.png) {name}.json"
        upload.write_bytes(data)
        page.locator('input[type="file"]').set_input_files(str(upload))
        page.get_by_text(says).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    local = (server["url"], f"blob:{server['url']}", "data:")
    assert [u for u in requested if not u.startswith(local)] == []
    assert page.locator(f"a[href*='{OUTSIDE}'], img[src*='{OUTSIDE}']").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
    page.screenshot(path=str(SHOTS / "history-hostile-uploads.png"))
    page.close()
