"""A run killed with -9 leaves no process behind: the sampler, the stand-in worker, the pool's
workers and multiprocessing's resource tracker all end within seconds of their parent."""

from __future__ import annotations

import pytest

from bench.orphans import trial

pytestmark = pytest.mark.quiet  # a helper's end is timed against a grace period


@pytest.mark.parametrize("variants", ["pair", "pool"])
def test_a_cli_run_killed_mid_round_leaves_no_process_behind(variants):
    t = trial(variants, grace_s=1.0)  # a helper ends within a quarter second of its parent
    assert t.killed and t.helpers >= 2  # the run was under way, sampler and all, when it was killed
    assert t.survivors == []
