"""The app in a real browser: `streamlit run` on a free port, Debian's Chromium driven by Playwright.

Screenshots land in artifacts/screenshots/ for a person to look at. The server's child processes
are inspected directly, so a Stop that leaks a worker process or the lock is caught here.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from pathlib import Path

import psutil
import pytest

from tests.kits.browser import ROOT, SHOTS, fits, open_page, serve_app, set_rounds, shoot, slide_grade

pytestmark = pytest.mark.browser
RUN_TIMEOUT_MS = 180_000


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


def test_explainer_slider_moves_the_numbers(server, browser):
    page = open_page(browser, server["url"])
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
    shoot(page, "explainer.png")
    page.close()


@pytest.mark.quiet  # its speedup needs both cores
def test_lab_run_in_the_browser_draws_the_results_and_survives_a_reload(server, browser):
    page = open_page(browser, server["url"], lab=True)
    page.get_by_text("Lab: overlap, measured").wait_for()
    page.get_by_text("CPU stand-in").first.wait_for()
    set_rounds(page, 3)
    page.get_by_role("button", name="Run", exact=True).click()
    # Each finished round's speedup is drawn while the run goes on, before any result exists.
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=RUN_TIMEOUT_MS)
    assert page.locator(".st-key-run_stop").get_by_role("button", name="Stop").count() == 1, (
        "drawn during the run"
    )
    assert page.get_by_text(re.compile(r"left$|s left")).count() >= 1, "the time left is said"
    page.get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the charts finish their first paint before the screenshot
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 4
    speedup = _metric(page, "Speedup")
    assert speedup.endswith("x") and float(speedup[:-1]) > 1.0
    card = page.get_by_role(
        "heading", name=re.compile(rf"^deque: {re.escape(speedup)} of its .*x limit.* · throughput")
    )
    assert card.count() == 1, "the summary card leads with the headline's speedup against its limit"
    assert page.get_by_text("Per-block truth", exact=True).count() == 1
    # The worker and the sampler start without re-running app.py outside a session.
    assert "missing ScriptRunContext" not in server["log"].read_text()
    shoot(page, "lab.png")
    run_id = re.search(r"run=([0-9a-f]{8})", page.url).group(1)
    # Every chart comes as an image for slides, rendered when its button is clicked.
    with page.expect_download() as png:
        page.get_by_role("button", name="PNG", exact=True).first.click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.value.suggested_filename.endswith(f"-{run_id}-period-latency.png")
    with page.expect_download() as svg:
        page.get_by_role("button", name="SVG", exact=True).first.click()
    assert "<svg" in Path(svg.value.path()).read_text()[:400]
    page.reload()
    page.get_by_text(f"Stored run {run_id}").wait_for(timeout=60_000)
    assert page.get_by_role("heading", name=re.compile(rf"^deque: {re.escape(speedup)} of its")).count() == 1
    # A second run: for as long as it goes, the result on screen is the earlier run, said so; a
    # Stop's message goes when the next Run starts.
    for _second_then_third in range(2):
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text(re.compile(r"round 1/\d+: serial")).first.wait_for(timeout=60_000)
        assert page.get_by_text(f"Earlier run {run_id}").count() == 1, "the earlier result is labelled"
        assert page.get_by_text(f"Stored run {run_id}").count() == 0
        assert page.get_by_text("Run stopped.").count() == 0, "the last Stop's message is gone"
        page.locator(".st-key-run_stop").get_by_role("button", name="Stop").click()
        page.get_by_text("Run stopped.").first.wait_for(timeout=30_000)
    page.close()


# The pair plain and presenting and the ladder and a side-by-side once each at the small screen,
# the pair at the large one: a case of each page and each mode (the screenshot matrix of
# bench.screens covers every combination, both themes included).
FITS = [
    ((1280, 720), "lab?run=example-h200-balanced", False),
    ((1280, 720), "lab?run=example-h200-balanced", True),
    ((1280, 720), "history?compare=example-h100-seed,example-h200-balanced", False),
    ((1280, 720), "lab?run=example-h200-ladder", True),
    ((1920, 1080), "lab?run=example-h200-balanced", False),
]


@pytest.mark.parametrize(("size", "where", "present"), FITS)
def test_charts_fit_the_screen_at_both_sizes(server, browser, size, where, present):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{server['url']}/{where}" + ("&present=1" if present else ""))
    page.get_by_role("heading", name=re.compile(r"x of its .*x limit")).first.wait_for(timeout=60_000)
    page.wait_for_timeout(2500)
    fits(page)
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        summary.click()  # the folded tables and charts too
    page.wait_for_timeout(1500)
    assert slide_grade(page) == [], "an axis in exponent notation, or a table cell that reads None"
    kind = "-ladder" if "ladder" in where else ""
    name = f"{where.split('?')[0]}{kind}-{'present-' if present else ''}{size[0]}x{size[1]}.png"
    page.screenshot(path=str(SHOTS / name))
    if present:
        folded = page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed")
        assert folded == "true", "the sidebar starts folded"
    page.close()


def test_history_imports_a_result_and_refuses_a_file_that_is_not_one(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server['url']}/history")
    page.get_by_text("Import a result file (JSON)").click()
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    page.locator('input[type="file"]').set_input_files(str(bad))
    refused = "notes.json was not imported: the file 'notes.json' is not an Overlap Lab result"
    page.get_by_text(refused).wait_for(timeout=30_000)
    good = tmp_path / "h100.json"
    good.write_text((ROOT / "engine" / "store" / "examples" / "h100_seed.json").read_text())
    page.locator('input[type="file"]').set_input_files(str(good))
    page.get_by_text("Link to this run in the lab: ?run=").wait_for(timeout=30_000)
    page.wait_for_url(re.compile(r"/history\?run=[0-9a-f]{8}$"), timeout=10_000)
    page.get_by_text(re.compile(r"h100\.json is stored as run [0-9a-f]{8}")).wait_for(timeout=10_000)
    page.screenshot(path=str(SHOTS / "history-imported.png"))
    again = tmp_path / "again.json"  # the same result under another name: named, and the message stays
    again.write_text(good.read_text())
    page.locator('input[type="file"]').set_input_files(str(again))
    page.get_by_text(re.compile(r"this result is already stored as run [0-9a-f]{8}")).wait_for(timeout=30_000)
    page.wait_for_timeout(3000)  # the page reruns to open it; the message outlives that
    assert page.get_by_text(re.compile(r"already stored as run")).count() == 1
    page.close()


def test_two_sessions_run_one_after_the_other(server, browser):
    pages = [open_page(browser, server["url"], lab=True) for _ in range(2)]
    for page in pages:
        page.get_by_text("Lab: overlap, measured").wait_for()
        set_rounds(page, 1)
    for page in pages:
        page.get_by_role("button", name="Run", exact=True).click()
    # Whichever session reached the device second shows its place in line.
    queued, deadline = None, time.monotonic() + 30
    while queued is None and time.monotonic() < deadline:
        queued = next((p for p in pages if p.get_by_text("waiting for the device").count()), None)
        pages[0].wait_for_timeout(100)
    assert queued is not None, "neither session showed its place in the queue"
    queued.get_by_text(re.compile(r"running now: .*: lab: preset cpu-demo, 1 round")).first.wait_for(
        timeout=15_000
    )
    queued.screenshot(path=str(SHOTS / "lab-queued.png"))
    # A teammate who only looks sees who holds the device, what runs and how far it is.
    onlooker = open_page(browser, server["url"], lab=True)
    onlooker.get_by_text(
        re.compile(r"cpu is in use by .*: lab: preset cpu-demo, 1 round, .*% done")
    ).first.wait_for(timeout=20_000)
    onlooker.screenshot(path=str(SHOTS / "lab-in-use.png"))
    onlooker.close()
    spans = []
    for page in pages:
        page.get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
        with page.expect_download() as download:
            page.get_by_role("button", name="Result (JSON)").click()
        data = json.loads(Path(download.value.path()).read_text())
        spans.append((min(r["start_ns"] for r in data["runs"]), max(r["end_ns"] for r in data["runs"])))
        page.close()
    spans.sort()
    assert spans[0][1] <= spans[1][0], "two sessions used the device at the same time"


def _seconds_until_free(server, limit_s: float = 15.0) -> float:
    """Seconds until no worker or sampler is left and the device's lock file can be taken."""
    t0 = time.monotonic()
    while (_workers(server["proc"]) or not _lock_is_free(server["lock"])) and time.monotonic() - t0 < limit_s:
        time.sleep(0.02)
    return time.monotonic() - t0


@pytest.mark.quiet  # the device's release is timed
@pytest.mark.parametrize(
    ("when", "waiting_for"),
    [("mid-run", r"round 1/\d+: serial"), ("during start-up", r"loading the model in the worker")],
)
def test_stop_frees_the_device_within_a_second(server, browser, when, waiting_for):
    stored = server["history"].count()
    page = open_page(browser, server["url"], lab=True)
    page.get_by_text("Lab: overlap, measured").wait_for()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(waiting_for)).first.wait_for(timeout=60_000)
    assert _workers(server["proc"]), "a run should have a stand-in worker"
    running = page.get_by_role("button", name="Run", exact=True).count()
    assert running == 0, "only Stop is offered while running"
    page.locator(".st-key-run_stop").get_by_role("button", name="Stop").click()
    freed_s = _seconds_until_free(server)
    assert _workers(server["proc"]) == [] and _lock_is_free(server["lock"])
    assert freed_s < 1.0, f"Stop {when} took {freed_s:.2f} s to free the device"
    page.get_by_text("Run stopped").wait_for(timeout=5_000)
    assert page.get_by_role("button", name="Run", exact=True).is_enabled()
    page.wait_for_timeout(3000)
    assert page.get_by_text("Latency distributions").count() == 0, "a stopped run must not produce a result"
    assert server["history"].count() == stored, "a stopped run is never stored"
    page.screenshot(path=str(SHOTS / f"lab-stopped-{when.replace(' ', '-')}.png"))
    page.close()


@pytest.mark.quiet  # the device's release is timed
def test_the_headers_stop_is_not_offered_and_a_run_it_ends_never_comes_back(server, browser):
    """Streamlit's own Stop in the header ended a run without the page knowing: the page stayed in
    its running look, and the next click anywhere started the stopped run again and stored it. It is
    not shown now; pressed all the same (from a script), the next click says the run was stopped
    and starts nothing."""
    stored = server["history"].count()
    page = open_page(browser, server["url"], lab=True)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(r"round 1/\d+: serial")).first.wait_for(timeout=60_000)
    header_stop = page.locator('[data-testid="stStatusWidget"] button', has_text="Stop")
    assert header_stop.count() == 1 and not header_stop.is_visible(), "only the page's own Stop is offered"
    header_stop.dispatch_event("click")
    assert _seconds_until_free(server) < 5.0 and _lock_is_free(server["lock"])
    page.get_by_text("Presentation mode").first.click()  # any click reruns the page
    page.get_by_text("Run stopped before it finished").wait_for(timeout=10_000)
    page.wait_for_timeout(4000)
    assert page.get_by_text(re.compile(r"round \d+/\d+")).count() == 0, "the stopped run started again"
    assert _workers(server["proc"]) == [] and _lock_is_free(server["lock"])
    assert page.get_by_role("button", name="Run", exact=True).is_enabled()
    assert server["history"].count() == stored, "a stopped run is never stored"
    page.screenshot(path=str(SHOTS / "lab-stopped-from-the-header.png"))
    page.close()


def test_closing_the_tab_mid_run_still_frees_the_device(server, browser):
    page = open_page(browser, server["url"], lab=True)
    set_rounds(page, 1)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(r"round 1/\d+")).first.wait_for(timeout=60_000)
    page.close()  # the session ends with the run in flight
    deadline = time.monotonic() + 90
    while (_workers(server["proc"]) or not _lock_is_free(server["lock"])) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _workers(server["proc"]) == []
    assert _lock_is_free(server["lock"])


def test_a_queued_session_can_leave_the_line(server, browser):
    pages = [open_page(browser, server["url"], lab=True) for _ in range(2)]
    for page in pages:
        set_rounds(page, 1)
    pages[0].get_by_role("button", name="Run", exact=True).click()
    pages[0].get_by_text(re.compile(r"round 1/1")).first.wait_for(timeout=60_000)
    pages[1].get_by_role("button", name="Run", exact=True).click()
    pages[1].get_by_text("waiting for the device").first.wait_for(timeout=30_000)
    pages[1].locator(".st-key-run_stop").get_by_role("button", name="Stop").click()
    pages[1].get_by_text("Run stopped").wait_for(timeout=5_000)
    pages[0].get_by_text("Speedup per round", exact=True).wait_for(timeout=RUN_TIMEOUT_MS)
    pages[1].wait_for_timeout(2000)
    assert pages[1].get_by_text("Latency distributions").count() == 0, "the session that left must not run"
    assert _lock_is_free(server["lock"])
    for page in pages:
        page.close()


def test_a_cold_deep_link_to_the_lab_runs_the_real_shell(browser, tmp_path):
    """A fresh server whose very first request is /lab: the teammate's link."""
    with open(tmp_path / "streamlit.log", "w") as log:
        proc, url = serve_app(tmp_path, log)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"{url}/lab")
            page.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
            assert page.get_by_text("Lab: overlap, measured").count() == 1
            nav = page.locator('[data-testid="stSidebarNav"]')
            assert nav.get_by_role("link", name="Explainer").count() == 1
            assert nav.get_by_role("link", name="Lab").count() == 1
            assert page.title() == "Overlap Lab"  # the shell's page config ran
            layout = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
            assert layout is not None and layout["width"] > 1000, "the wide layout"
            assert page.url.split("?")[0].endswith("/lab")  # the lab then writes its setup into the link
            page.screenshot(path=str(SHOTS / "lab-cold-link.png"))
            page.close()
        finally:
            proc.terminate()
            proc.wait(15)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_ladder_renders_with_its_traps_and_fits_the_screen(server, browser, size):
    from tests.kits.ideal import ideal_ladder

    run_id = server["history"].save(ideal_ladder(), "cli")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{server['url']}/lab?run={run_id}")
    page.get_by_text("Traps found").wait_for(timeout=60_000)
    page.get_by_text("Every variant against serial").wait_for()
    page.wait_for_timeout(2500)
    fits(page)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 4  # paired, variants, rounds, timeline
    page.screenshot(path=str(SHOTS / f"lab-ladder-fake-device-{size[0]}x{size[1]}.png"))
    if size == (1280, 720):
        shoot(page, "lab-ladder-full.png")
    page.close()


def test_a_gc_sweep_from_a_link_runs_and_draws_its_curve(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server['url']}/lab?variants=sweep&preset=cpu-demo&steps=4&rounds=1")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("heading", name=re.compile(r"sweep: 5 points")).wait_for(timeout=RUN_TIMEOUT_MS)
    page.wait_for_timeout(2500)
    fits(page)
    page.screenshot(path=str(SHOTS / "lab-sweep-1280x720.png"))
    shoot(page, "lab-sweep-full.png")
    page.close()
