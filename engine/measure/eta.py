"""Time left in a comparison, from what each variant's steps have cost so far.

One pace for all steps was wrong in both directions: warm-up and calibration made the first
estimates long, and the serial baseline (G + C a step) ran at twice the pace of a deque (about
max(G, L + C)), so an estimate made inside the first serial block was a third too long. Here
each variant has its own pace: measured once it has run, predicted from the baseline's measured
G, L and C before that, and the plan's remaining steps are summed variant by variant: the rest of
the rounds, then the few untimed batches each variant runs under the sync watch. A block's first
launch and its drain cost about half a step more than its steps do.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.model.block import block_period_ms
from engine.model.letters import Costs
from engine.model.terms import terms_of
from engine.result.blocks import RunResult
from engine.spec.variants import Variant, rotation

BLOCK_EXTRA = 0.5  # steps' worth a block costs beyond its steps: its first launch and its drain


class Eta:
    def __init__(
        self,
        variants: tuple[Variant, ...],
        steps: int,
        rounds: int,
        clock: Callable[[], int],
        tail_steps: int = 0,
        end_s: float = 0.0,
    ) -> None:
        self.variants, self.steps, self.rounds, self.clock = variants, steps, rounds, clock
        self.tail_steps = tail_steps  # untimed batches each variant runs after the rounds
        self.end_s = end_s  # what stopping the device costs once everything has run
        self._spent_ns: dict[str, int] = {}
        self._count: dict[str, int] = {}
        self._last_ns: int | None = None
        self._costs: Costs | None = None  # the baseline's, by letter

    def step(self, name: str) -> None:
        """One step of a block finished now; the first of a block only starts its clock."""
        now = self.clock()
        if self._last_ns is not None:
            self._spent_ns[name] = self._spent_ns.get(name, 0) + now - self._last_ns
            self._count[name] = self._count.get(name, 0) + 1
        self._last_ns = now

    def block_done(self, run: RunResult) -> None:
        """A block ended: the next one's first step is timed from its own start, and the
        baseline's block gives the costs the other variants' paces are predicted from."""
        self._last_ns = None
        if run.mode == self.variants[0].name and self._costs is None:
            self._costs = run.costs

    def pace_ms(self, v: Variant) -> float | None:
        if self._count.get(v.name, 0) >= 2:
            return self._spent_ns[v.name] / self._count[v.name] / 1e6
        if self._costs is None:
            return None
        return block_period_ms(terms_of(v, self._costs), self.steps)

    def left_s(self, round_index: int, name: str, done_in_block: int) -> float | None:
        """Seconds left from step `done_in_block` of `name`'s block in round `round_index`;
        None until every variant left to run has a pace."""
        total_ms = 0.0
        for r in range(round_index, self.rounds):
            order = rotation(self.variants, r)
            start = [v.name for v in order].index(name) if r == round_index else 0
            for i, v in enumerate(order[start:]):
                pace = self.pace_ms(v)
                if pace is None:
                    return None
                steps = self.steps - done_in_block if (r == round_index and i == 0) else self.steps
                total_ms += (steps + BLOCK_EXTRA) * pace
        for v in self.variants if self.tail_steps else ():
            pace = self.pace_ms(v)
            if pace is None:
                return None
            total_ms += (self.tail_steps + BLOCK_EXTRA) * pace
        return total_ms / 1e3 + self.end_s
