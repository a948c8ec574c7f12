"""Screenshots of what a room sees: a pair, a ladder, a G/C sweep, History and the explainer, at
1280x720 and 1920x1080, light and dark, with presentation mode off and on, every folded section
opened.

Each page is also checked: no chart, legend or axis runs past its chart's edge or the screen's,
no axis label is in exponent notation and no table cell reads None (tests/kits/browser.py), and
History's table needs no horizontal scroll at 1280 px. The PNGs land in
artifacts/screenshots/matrix/ for a person to open; the checks print as a table.

    python -m bench.screens
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.kits.browser import ROOT, history_dir, launch_chromium, serve_app, slide_grade

OUT = ROOT / "artifacts" / "screenshots" / "matrix"
SIZES = ((1280, 720), (1920, 1080))
# Parts of charts (legends, axes, titles) that end past their chart's right edge or the screen's.
CLIPPED = """() => {
  const out = [];
  const screen = window.innerWidth;
  for (const svg of document.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;
    for (const g of svg.querySelectorAll('g.role-legend, g.role-axis, g.role-title')) {
      const r = g.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.right > box.right + 1 || r.right > screen + 1) {
        out.push(g.getAttribute('class') + ' ' + Math.round(r.right - box.right) + 'px');
      }
    }
  }
  return out;
}"""
HSCROLL = """() => [...document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')]
  .map((e) => e.scrollWidth - e.clientWidth)"""


def _sweep(data_dir: Path) -> str:
    """A real G/C sweep on the stand-in, short, stored where the server reads its history."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "sweep",
            "--rounds",
            "1",
            "--steps",
            "4",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    found = re.search(r"saved as sweep ([0-9a-f]{8})", out)
    if not found:
        raise RuntimeError(f"no sweep stored:\n{out}")
    return found.group(1)


def _whole(page: Any, path: Path) -> None:
    """The whole page at the same width: Streamlit scrolls an inner container, so the viewport
    grows to fit it, and nothing the width clips can hide below the fold."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(int(height) + 40, 12_000)})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path), full_page=True)


def _open_all(page: Any) -> None:
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        summary.click()
    page.wait_for_timeout(1500)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        log = open(folder / "streamlit.log", "w")  # noqa: SIM115
        server, url = serve_app(folder, log)
        sweep = _sweep(history_dir(folder))
        views = {
            "pair": "lab?run=example-h200-balanced",
            "ladder": "lab?run=example-h200-ladder",
            "sweep": f"lab?sweep={sweep}",
            "history": "history",
            "explainer": "explainer",
        }
        browser = launch_chromium(pw)
        try:
            for theme in ("Light", "Dark"):
                for w, h in SIZES:
                    context = browser.new_context(viewport={"width": w, "height": h})
                    context.add_init_script(
                        "for (const p of ['/', '/lab', '/history', '/explainer'])"
                        f" localStorage.setItem(`stActiveTheme-${{p}}-v2`, '\"{theme}\"');"
                    )
                    for present in (False, True):
                        for name, where in views.items():
                            page = context.new_page()
                            sep = "&" if "?" in where else "?"
                            page.goto(f"{url}/{where}" + (f"{sep}present=1" if present else ""))
                            page.wait_for_timeout(4000 if name == "history" else 6000)
                            file = f"{name}-{theme.lower()}-{'present-' if present else ''}{w}x{h}"
                            heading = page.get_by_role("heading", name=re.compile(r"x ceiling|G.C sweep"))
                            if name not in ("history", "explainer") and heading.count():
                                heading.first.scroll_into_view_if_needed()
                                page.wait_for_timeout(500)
                            page.screenshot(path=str(OUT / f"{file}-top.png"))
                            _open_all(page)
                            t0 = time.monotonic()
                            clipped = page.evaluate(CLIPPED) + slide_grade(page)
                            scroll = page.evaluate(HSCROLL) if name == "history" else []
                            _whole(page, OUT / f"{file}-whole.png")
                            rows.append((file, clipped, scroll, time.monotonic() - t0))
                            page.close()
                    context.close()
        finally:
            browser.close()
            server.terminate()
            server.wait(15)
            log.close()
    print(
        "\n### screenshots: chart parts past their chart's right edge, exponents on axes, None in "
        "tables, History's horizontal scroll\n"
    )
    print(
        "History's leading columns (id, time, set, speedup, ceiling) are checked by eye in the PNGs; "
        "the scroll is what the trailing ones need.\n"
    )
    print("| screenshot | clipped parts, exponents, None | History scroll px |")
    print("|---|---|---|")
    for file, clipped, scroll, _ in rows:
        print(f"| {file} | {', '.join(clipped) or 'none'} | {', '.join(map(str, scroll)) or '-'} |")
    bad = [r for r in rows if r[1]]
    print(
        f"\n{2 * len(rows)} screenshots in {OUT}; {len(bad)} pages with a part clipped, an exponent or a None"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
