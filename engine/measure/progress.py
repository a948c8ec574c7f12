"""Progress reports from a run, and a throttle so that showing them does not slow the run down.

The lab shares the machine with what it measures: on two cores, a page redrawn on every step made
the stand-in's overlap period 35% longer than the same workload from the CLI. So a run reports every
step to a Throttle, which passes on a phase change, a queue update and the end at once, and
anything else at most every `min_interval_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import OverlapLabError
from engine.host.lock import Waiting, duration_text

UPDATE_INTERVAL_S = 0.5  # at most two redraws a second
# Phases outside the rounds; any other phase is the name of the variant a round is running.
NOT_IN_A_ROUND = ("starting", "waiting", "warm-up", "calibrating", "checking syncs", "tracing", "done")


@dataclass(frozen=True)
class Progress:
    phase: str  # starting, warm-up, calibrating, a variant's name (serial, overlap, ...), checking, done
    done_steps: int
    total_steps: int
    round_index: int = 0
    rounds: int = 0
    waiting: Waiting | None = None  # set while queued behind another run of the same device
    note: str = ""  # e.g. the stability gate's latest reading
    eta_s: float | None = None  # time left, from the pace of the steps so far; None before any
    round_speedups: tuple[float, ...] = ()  # serial wall / overlap wall of each finished round
    eta_is_bound: bool = False  # with a stability gate the plan is a budget: the run may end sooner
    limit: float | None = None  # the headline's block limit from the rounds finished so far

    @property
    def fraction(self) -> float:
        return min(1.0, self.done_steps / self.total_steps) if self.total_steps else 0.0

    @property
    def message(self) -> str:
        counts = f"({self.done_steps}/{self.total_steps})"
        if self.waiting is not None:
            if self.waiting.other_process:
                return f"waiting for the device: held by {self.waiting.other_process}"
            now = f"; running now: {self.waiting.holder.text}" if self.waiting.holder else ""
            return f"waiting for the device: {self.waiting.ahead_here} run(s) ahead of you{now}"
        note = f" · {self.note}" if self.note else ""
        left = ""
        if self.eta_s is not None:
            left = f" · {'at most' if self.eta_is_bound else 'about'} {duration_text(self.eta_s)} left"
        if self.phase not in NOT_IN_A_ROUND:
            return f"round {self.round_index + 1}/{self.rounds}: {self.phase} {counts}{note}{left}"
        return f"{self.phase} {counts}{note}{left}"


ProgressFn = Callable[[Progress], None]


class Cancelled(OverlapLabError):
    """A run stopped on request (the lab's Stop); everything it held has been released."""


class Throttle:
    """Pass progress on at most every `min_interval_s`, but never hold back a change of phase."""

    def __init__(
        self,
        report: ProgressFn,
        min_interval_s: float = UPDATE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report = report
        self.min_interval_s = min_interval_s
        self.clock = clock
        self._last_t = float("-inf")
        self._last_key: tuple[object, ...] = ()

    def __call__(self, p: Progress) -> None:
        key = (p.phase, p.round_index, p.waiting, len(p.round_speedups))
        now = self.clock()
        if key != self._last_key or p.phase == "done" or now - self._last_t >= self.min_interval_s:
            self._last_key = key
            self._last_t = now
            self.report(p)
