"""A result full of markup in a real browser: History and the lab show it as text, and the browser
requests nothing outside the app, with every expander open."""

from __future__ import annotations

import json
import re

import pytest

from tests.hostile_kit import OUTSIDE, markup_result
from tests.test_browser import SHOTS, browser, server  # noqa: F401 - the server and browser fixtures

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
    page.get_by_role("heading", name=re.compile(r"of an? .*x ceiling")).first.wait_for(timeout=60_000)
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
