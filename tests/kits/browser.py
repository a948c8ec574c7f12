"""Serving the app and driving Debian's Chromium: shared by the browser test and bench.lab_vs_cli."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_app(lock_dir: Path, log: IO[str]) -> tuple[subprocess.Popen[bytes], str]:
    """`streamlit run app.py` on a free port with its own lock folder, and its history in a folder
    beside it (`history_dir(lock_dir)`); returns once it is healthy."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
        + ["--server.address", "127.0.0.1"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "OVERLAP_LAB_LOCK_DIR": str(lock_dir),
            "OVERLAP_LAB_DATA_DIR": str(history_dir(lock_dir)),
        },
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not become healthy; log at {log.name}")
        time.sleep(0.3)


def history_dir(lock_dir: Path) -> Path:
    return lock_dir.parent / f"{lock_dir.name}-history"


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_page(browser: Any, url: str, lab: bool = False) -> Any:
    """A new session on the app's front page, moved to the lab through the navigation if asked."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.goto(url)
    page.get_by_text("A kitchen with two cooks").wait_for(timeout=60_000)
    if lab:
        page.get_by_role("link", name="Lab", exact=True).click()
        page.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
    return page


def set_rounds(page: Any, rounds: int) -> None:
    """Move the Rounds slider with the keyboard, as a person would."""
    slider = page.get_by_role("slider", name=re.compile("Rounds"))
    slider.focus()
    current = int(slider.input_value())
    for _ in range(abs(current - rounds)):
        page.keyboard.press("ArrowLeft" if current > rounds else "ArrowRight")
    page.wait_for_function(
        "n => [...document.querySelectorAll('input[type=range]')].some("
        "e => e.getAttribute('aria-label') === 'Rounds' && e.value === String(n))",
        arg=rounds,
    )


SHOTS = ROOT / "artifacts" / "screenshots"


def shoot(page: Any, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls an inner container, so grow the viewport to fit."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1500, "height": min(int(height) + 40, 12_000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / name), full_page=True)


# What a slide must never show: an axis label in exponent notation (1e+2), and a table cell that
# reads None, nan or NaN where a number is missing. Axis labels are SVG text; a dataframe's cells are
# drawn on a canvas, and its grid keeps their text for screen readers in cells of role gridcell.
SLIDE_TEXT = """() => {
  const out = [];
  for (const t of document.querySelectorAll('[data-testid=stVegaLiteChart] g.role-axis-label text')) {
    if (/\\d[eE][+-]?\\d/.test(t.textContent)) out.push('axis label ' + t.textContent);
  }
  const cells = document.querySelectorAll(
    '[data-testid=stDataFrame] [role=gridcell], [data-testid=stTable] td, [data-testid=stTable] th');
  for (const c of cells) {
    const text = c.textContent.trim();
    if (/^(None|nan|NaN|-?inf)$/.test(text)) out.push('table cell ' + text);
  }
  return out;
}"""


def slide_grade(page: Any) -> list[str]:
    """Each exponent on an axis and each None in a table on the page, as found."""
    return page.evaluate(SLIDE_TEXT)


def fits(page: Any) -> None:
    """No chart runs off the right edge of the page."""
    right = page.viewport_size["width"]
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)  # a busy host draws late
    boxes = [c.bounding_box() for c in page.locator('[data-testid="stVegaLiteChart"]').all()]
    boxes = [b for b in boxes if b and b["width"] > 0]
    assert boxes, "no chart drawn"
    assert all(b["x"] + b["width"] <= right + 1 for b in boxes), [(b["x"], b["width"]) for b in boxes]
