"""The browser tests' server and browser, one of each per test module, and what makes them skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.store.history import History
from tests.kits.browser import CHROMIUM, SHOTS, history_dir, launch_chromium, serve_app

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser test: .ci/run installs Debian's chromium with apt")
    collect_ignore_glob = ["test_*.py"]  # Chromium is not installed (.ci/run installs it with apt)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    lock_dir = tmp_path_factory.mktemp("locks")
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115
    proc, url = serve_app(lock_dir, log)
    yield {
        "url": url,
        "proc": proc,
        "lock": lock_dir / "cpu.lock",
        "log": Path(log.name),
        "history": History(history_dir(lock_dir)),
    }
    proc.terminate()
    proc.wait(15)
    log.close()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
