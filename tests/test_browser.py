"""The app in a real browser: `streamlit run` on a free port, Debian's Chromium driven by Playwright.

Screenshots land in artifacts/screenshots/ for a person to look at. The server's child processes
are inspected directly, so a Stop that leaks a worker process or the lock is caught here.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_TIMEOUT_MS = 180_000

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser test: .ci/run installs Debian's chromium with apt")
    pytest.skip("Chromium is not installed (.ci/run installs it with apt)", allow_module_level=True)
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    lock_dir = tmp_path_factory.mktemp("locks")
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OVERLAP_LAB_LOCK_DIR": str(lock_dir)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not become healthy; log at {log.name}")
        time.sleep(0.3)
    yield {"url": url, "proc": proc, "lock": lock_dir / "cpu.lock"}
    proc.terminate()
    proc.wait(15)
    log.close()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, url: str, lab: bool = False):
    """A new session on the app's front page, moved to the lab through the navigation if asked."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.goto(url)
    page.get_by_text("A kitchen with two cooks").wait_for(timeout=60_000)
    if lab:
        page.get_by_role("link", name="Lab", exact=True).click()
        page.get_by_role("button", name="Run").wait_for(timeout=60_000)
    return page


def _shoot(page, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls an inner container, so grow the viewport to fit."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1500, "height": min(int(height) + 40, 12_000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def _workers(proc) -> list[psutil.Process]:
    """The server's multiprocessing children that do work (stand-in worker, sampler)."""
    out = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            out.append(child)
    return out


def _lock_is_free(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _set_rounds(page, rounds: int) -> None:
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


def test_explainer_slider_moves_the_numbers(server, browser):
    page = _page(browser, server["url"])
    page.get_by_text("A kitchen with two cooks").wait_for()
    page.wait_for_selector('[data-testid="stVegaLiteChart"]')
    before = _metric(page, "Serial period")
    slider = page.get_by_role("slider", name=re.compile("C: post-processing"))
    slider.focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "b => [...document.querySelectorAll('[data-testid=stMetricValue]')][0].innerText !== b", arg=before
    )
    assert _metric(page, "Serial period") != before
    _shoot(page, "explainer.png")
    page.close()


def test_lab_run_in_the_browser_draws_the_results(server, browser):
    page = _page(browser, server["url"], lab=True)
    page.get_by_text("Lab: serial vs overlap").wait_for()
    page.get_by_text("CPU stand-in").first.wait_for()
    _set_rounds(page, 2)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the charts finish their first paint before the screenshot
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 5
    speedup = _metric(page, "Speedup")
    assert speedup.endswith("x") and float(speedup[:-1]) > 1.0
    _shoot(page, "lab.png")
    page.close()


def test_two_sessions_run_one_after_the_other(server, browser):
    pages = [_page(browser, server["url"], lab=True) for _ in range(2)]
    for page in pages:
        page.get_by_text("Lab: serial vs overlap").wait_for()
        _set_rounds(page, 1)
    for page in pages:
        page.get_by_role("button", name="Run").click()
    # Whichever session reached the device second shows its place in line.
    queued, deadline = None, time.monotonic() + 30
    while queued is None and time.monotonic() < deadline:
        queued = next((p for p in pages if p.get_by_text("waiting for the device").count()), None)
        pages[0].wait_for_timeout(100)
    assert queued is not None, "neither session showed its place in the queue"
    queued.screenshot(path=str(SHOTS / "lab-queued.png"))
    spans = []
    for page in pages:
        page.get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download result (JSON)").click()
        data = json.loads(Path(download.value.path()).read_text())
        spans.append((min(r["start_ns"] for r in data["runs"]), max(r["end_ns"] for r in data["runs"])))
        page.close()
    spans.sort()
    assert spans[0][1] <= spans[1][0], "two sessions used the device at the same time"


def test_stop_releases_the_worker_and_the_lock(server, browser):
    page = _page(browser, server["url"], lab=True)
    page.get_by_text("Lab: serial vs overlap").wait_for()
    page.get_by_role("button", name="Run").click()
    page.get_by_text(re.compile(r"round 1/\d+: serial")).first.wait_for(timeout=60_000)
    assert _workers(server["proc"]), "a run should have a stand-in worker"
    assert page.get_by_role("button", name="Run").count() == 0, "only Stop is offered while running"
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Run stopped").wait_for(timeout=5_000)  # at once, not after the run would end
    deadline = time.monotonic() + 15
    while _workers(server["proc"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers(server["proc"]) == []
    assert _lock_is_free(server["lock"])
    assert page.get_by_role("button", name="Run").is_enabled()
    page.wait_for_timeout(3000)
    assert page.get_by_text("Latency distributions").count() == 0, "a stopped run must not produce a result"
    page.screenshot(path=str(SHOTS / "lab-stopped.png"))
    page.close()


def test_closing_the_tab_mid_run_still_frees_the_device(server, browser):
    page = _page(browser, server["url"], lab=True)
    _set_rounds(page, 1)
    page.get_by_role("button", name="Run").click()
    page.get_by_text(re.compile(r"round 1/\d+")).first.wait_for(timeout=60_000)
    page.close()  # the session ends with the run in flight
    deadline = time.monotonic() + 90
    while (_workers(server["proc"]) or not _lock_is_free(server["lock"])) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _workers(server["proc"]) == []
    assert _lock_is_free(server["lock"])


def test_a_queued_session_can_leave_the_line(server, browser):
    pages = [_page(browser, server["url"], lab=True) for _ in range(2)]
    for page in pages:
        _set_rounds(page, 1)
    pages[0].get_by_role("button", name="Run").click()
    pages[0].get_by_text(re.compile(r"round 1/1")).first.wait_for(timeout=60_000)
    pages[1].get_by_role("button", name="Run").click()
    pages[1].get_by_text("waiting for the device").first.wait_for(timeout=30_000)
    pages[1].get_by_role("button", name="Stop", exact=True).click()
    pages[1].get_by_text("Run stopped").wait_for(timeout=5_000)
    pages[0].get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
    pages[1].wait_for_timeout(2000)
    assert pages[1].get_by_text("Latency distributions").count() == 0, "the session that left must not run"
    assert _lock_is_free(server["lock"])
    for page in pages:
        page.close()
