"""The theme in a real browser: a switch in the menu redraws every chart in the new ink at once,
both ways, and a link opened after choosing dark elsewhere opens dark."""

from __future__ import annotations

import re

import pytest

from tests.kits.browser import SHOTS

pytestmark = pytest.mark.browser

# The charts' text (Vega draws them as SVG): how many labels, titles and legends are drawn in ink
# with at least 4.5:1 contrast against the page's background, and how many all but vanish in it.
# Pure white is left out: it is only used on a bar (the paired chart's "ceiling"), never on the page.
INK_PIXELS = """() => {
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (rgb) => rgb.map(lin).reduce((s, v, i) => s + [0.2126, 0.7152, 0.0722][i] * v, 0);
  const rgb = (css) => {
    const m = css.match(/\\d+(\\.\\d+)?/g);
    return m ? m.slice(0, 3).map(Number) : null;
  };
  const bg = rgb(getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor);
  const lb = lum(bg);
  let ink = 0, lost = 0;
  for (const t of document.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks text')) {
    const fill = rgb(getComputedStyle(t).fill || '');
    if (!fill || !t.textContent.trim() || fill.join(',') === '255,255,255') continue;
    const l = lum(fill);
    const ratio = (Math.max(l, lb) + 0.05) / (Math.min(l, lb) + 0.05);
    if (ratio >= 4.5) ink++; else if (ratio < 1.6) lost++;
  }
  return { ink, lost, bg: bg.join(',') };
}"""


def _switch_theme(page, name: str) -> None:
    page.get_by_test_id("stMainMenu").click()
    page.get_by_test_id("stMainMenuPopover").get_by_text(name).last.click(force=True)
    page.keyboard.press("Escape")


def _ink_after_switch(page, background: str) -> dict:
    """Wait (no reload) until the page has the background and its charts were drawn again."""
    for _ in range(40):
        page.wait_for_timeout(500)
        seen = page.evaluate(INK_PIXELS)
        if seen["bg"] == background and seen["ink"] > 40 and seen["lost"] == 0:
            return seen
    return seen


def test_a_theme_switch_redraws_the_charts_in_the_new_ink_both_ways(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server['url']}/lab?run=example-h200-balanced")
    page.get_by_role("heading", name=re.compile(r"x of its .*x limit")).first.wait_for(timeout=60_000)
    page.wait_for_timeout(2500)
    light = page.evaluate(INK_PIXELS)
    assert light["bg"] == "255,255,255" and light["ink"] > 40 and light["lost"] == 0, light
    _switch_theme(page, "Dark")
    dark = _ink_after_switch(page, "16,20,27")  # [theme.dark] in .streamlit/config.toml
    assert dark["bg"] == "16,20,27" and dark["ink"] > 40 and dark["lost"] == 0, dark  # no reload
    page.screenshot(path=str(SHOTS / "lab-dark-1280x720.png"))
    _switch_theme(page, "Light")
    back = _ink_after_switch(page, "255,255,255")
    assert back["ink"] > 40 and back["lost"] == 0, back
    page.close()


def test_a_link_opens_in_the_theme_chosen_on_another_page(server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server['url']}/")  # the explainer
    page.get_by_role("heading", name=re.compile("Explainer|overlap", re.I)).first.wait_for(timeout=60_000)
    _switch_theme(page, "Dark")
    page.wait_for_timeout(1500)
    teammate = context.new_page()  # a teammate's link, opened in the same browser
    teammate.goto(f"{server['url']}/lab?run=example-h200-ladder&present=1")
    teammate.get_by_role("heading", name=re.compile(r"x of its .*x limit")).first.wait_for(timeout=60_000)
    seen = _ink_after_switch(teammate, "16,20,27")
    assert seen["bg"] == "16,20,27" and seen["ink"] > 40 and seen["lost"] == 0, seen
    history = context.new_page()
    history.goto(f"{server['url']}/history")
    history.get_by_text("Import a result file").first.wait_for(timeout=60_000)
    history.wait_for_timeout(1500)
    background = history.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    )
    assert background == "rgb(16, 20, 27)", background
    context.close()
