"""Helpers outliving a killed run: kill -9 a CLI run mid-round, many times, and count the processes
it started (stand-in worker, sampler, pool workers, multiprocessing's resource tracker) that are
still there a few seconds later. The answer should be 0 every time.

Each trial starts a stand-in run in its own lock and data folders, waits until its helpers are up
and a block is under way, waits a random further 0 to 2 s so the kill lands at different points of
a round, kills the CLI with SIGKILL, and looks again after `--grace-s`.

With --server N it also kills the app's server N times while a lab run it started (Run clicked in
Chromium) is under way.

    python -m bench.orphans [--trials 20] [--server 3] [--grace-s 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
# The set, and the helpers its first block has up on the stand-in (worker, sampler, tracker, and a
# pool's workers); with CUDA there is no stand-in worker, and the pool's workers come later.
SETS = {"pair": 3, "ladder": 10, "pool": 10}
ON_CUDA = shutil.which("nvidia-smi") is not None


@dataclass(frozen=True)
class Trial:
    variants: str
    helpers: int  # the CLI's descendants just before the kill
    survivors: list[str]  # those still running after the grace period
    killed: bool  # False when the run had ended before the kill: not a trial
    ended: str = ""  # then, the last line it printed


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def trial(variants: str, grace_s: float = 3.0, seed: int = 0) -> Trial:
    """One kill -9 of a CLI run; its descendants, and which of them outlived it by grace_s."""
    folder = Path(tempfile.mkdtemp(prefix="overlap-lab-orphans-"))
    env = {
        **os.environ,
        "OVERLAP_LAB_DATA_DIR": str(folder / "data"),
        "OVERLAP_LAB_LOCK_DIR": str(folder / "locks"),
    }
    # Rounds enough that the run is still going when the kill lands, on a GPU box too.
    preset = "balanced" if ON_CUDA else "cpu-demo"
    cmd = [sys.executable, "-m", "engine", "compare", "--preset", preset, "--variants", variants]
    cmd += ["--rounds", "10", "--no-save", "--quiet"]
    err = (folder / "stderr").open("w+")
    cli = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    parent = psutil.Process(cli.pid)
    deadline = time.monotonic() + 90
    kids: list[psutil.Process] = []
    while time.monotonic() < deadline and cli.poll() is None:
        kids = parent.children(recursive=True)
        if len(kids) >= (2 if ON_CUDA else SETS[variants]):
            break
        time.sleep(0.1)
    time.sleep(random.Random(seed).uniform(0.0, 2.0) + (8.0 if ON_CUDA else 0.0))  # past CUDA's start
    kids = parent.children(recursive=True) if cli.poll() is None else kids
    killed = cli.poll() is None
    if killed:
        os.kill(cli.pid, signal.SIGKILL)
    cli.wait()
    time.sleep(grace_s)
    survivors = [k for k in kids if _alive(k)]
    names = [" ".join(k.cmdline())[-70:] for k in survivors]
    for k in survivors:  # leave the box clean whatever the answer
        k.kill()
    err.seek(0)
    said = err.read().strip().splitlines()
    err.close()
    return Trial(variants, len(kids), names, killed, said[-1] if said and not killed else "")


def server_trial(grace_s: float = 3.0, seed: int = 0) -> Trial:
    """One kill -9 of the app's server while a lab run it started is under way (Run clicked in
    Chromium); its descendants, and which of them outlived it by grace_s."""
    from playwright.sync_api import sync_playwright

    from tests.kits.browser import launch_chromium, open_page, serve_app

    folder = Path(tempfile.mkdtemp(prefix="overlap-lab-orphans-server-"))
    (folder / "locks").mkdir()
    with (folder / "streamlit.log").open("w") as log:
        server, url = serve_app(folder / "locks", log)
        parent = psutil.Process(server.pid)
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = open_page(browser, url, lab=True)
            page.get_by_role("button", name="Run", exact=True).click()
            deadline = time.monotonic() + 120
            kids: list[psutil.Process] = []
            while time.monotonic() < deadline and len(kids) < 3:  # worker, sampler and tracker up
                kids = parent.children(recursive=True)
                time.sleep(0.1)
            time.sleep(random.Random(seed).uniform(0.5, 2.5))
            kids = parent.children(recursive=True)
            killed = server.poll() is None
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            time.sleep(grace_s)
            survivors = [k for k in kids if _alive(k)]
            names = [" ".join(k.cmdline())[-70:] for k in survivors]
            for k in survivors:
                k.kill()
            browser.close()
    return Trial("server", len(kids), names, killed)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--grace-s", type=float, default=3.0)
    ap.add_argument("--server", type=int, default=3, help="trials that kill the app's server mid-run")
    args = ap.parse_args()
    total = 0
    print(f"{'trial':>5} {'set':<7} {'helpers':>7} {'left after':>10}")
    trials = 0
    for i in range(args.trials):
        variants = list(SETS)[i % len(SETS)]
        t = trial(variants, args.grace_s, seed=i)
        total += len(t.survivors)
        trials += t.killed
        note = "; ".join(t.survivors) if t.killed else f"(ended before the kill, not counted: {t.ended})"
        print(f"{i + 1:>5} {variants:<7} {t.helpers:>7} {len(t.survivors):>10}  {note}")
    for i in range(args.server):
        t = server_trial(args.grace_s, seed=i)
        total += len(t.survivors)
        trials += t.killed
        left = "; ".join(t.survivors)
        print(f"{args.trials + i + 1:>5} {'server':<7} {t.helpers:>7} {len(t.survivors):>10}  {left}")
    print(f"processes left behind in {trials} kill -9 trials, {args.grace_s:g} s after: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
