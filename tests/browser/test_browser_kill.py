"""The app's server killed with -9 while a lab run is under way leaves no process behind: the
stand-in worker, the sampler and the resource tracker end with it."""

from __future__ import annotations

import pytest

from bench.orphans import server_trial

pytestmark = [pytest.mark.browser, pytest.mark.quiet]  # a helper's end is timed


def test_a_server_killed_mid_run_leaves_no_process_behind():
    t = server_trial(grace_s=1.0)  # a helper ends within a quarter second of its parent
    assert t.killed and t.helpers >= 3  # a run was under way, worker, sampler and tracker up
    assert t.survivors == []
