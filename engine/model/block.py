"""The block limit: the best wall a block of n batches can have at its costs, fill and drain included.

The steady period is a long-run limit. A block of 30 batches also pays its fill (the first batch
has nothing to hide behind), its drain (the last batch is computed and post-processed alone), a
pool's waves (15 workers given 30 batches run them in two waves of about C each, not in 30
periods of C / 15) and a naive read's drain of the queue. A closed form for each once gave one card
a fill-and-drain sentence and a "beyond what the model allows" sentence for the same variant.

So the limit is not a formula: it is the loop's own event schedule, played with fixed costs. Every
step below mirrors a line of engine/measure/runners.py (launch, the next input's upload, wait,
read, post-process or hand over, the pool's backlog of two tasks a worker), so that the ideal
device, which drives those very runners on a fake clock, measures exactly this wall; the tests hold
the two to the nanosecond for every named set. The steady rule (engine/model/period.py) is this
schedule's limit as n grows, and the tests check that too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from engine.model.terms import Terms
from engine.spec.variants import POOL_BACKLOG


@dataclass
class _Lanes:
    """k workers that each take the next task when free: a pool on the schedule's clock."""

    free_at: list[float]
    cost: float
    tasks: list[tuple[int, float]] = field(default_factory=list)  # (step, end)

    def submit(self, step: int, now: float) -> None:
        lane = min(range(len(self.free_at)), key=self.free_at.__getitem__)
        start = max(now, self.free_at[lane])
        self.free_at[lane] = start + self.cost
        self.tasks.append((step, start + self.cost))

    def collect(self, now: float, block: bool) -> tuple[float, list[tuple[int, float]]]:
        if block and self.tasks:
            now = max(now, min(end for _s, end in self.tasks))
        done = [t for t in self.tasks if t[1] <= now]
        self.tasks = [t for t in self.tasks if t[1] > now]
        return now, done


class _Schedule:
    """One block played on a clock: the host thread's `now`, the compute stream, the copy engine."""

    def __init__(self, t: Terms, steps: int) -> None:
        c = t.costs
        self.t, self.steps = t, steps
        self.g, self.l_ms, self.c, self.x = c.g_ms + c.r_ms, c.l_ms, c.c_ms, c.x_ms
        self.now = 0.0
        self.free_at = 0.0  # the compute stream
        self.copy_free_at = 0.0  # the copy engine, for side-stream uploads
        self.buffer_free_at = [0.0, 0.0]  # the two input buffers a side stream fills
        self.copied: tuple[float, float] | None = None
        self.ends: dict[int, float] = {}  # each batch's end on the compute stream
        self.post_ends: list[float] = []
        self.first: float | None = None
        self.made: set[int] = set()
        self.submitted = 0
        self.ahead = _Lanes([0.0] * t.prefetch, c.p_ms) if t.prefetch else None

    def make_input(self, j: int) -> None:
        if self.ahead is not None:
            m = self.t.prefetch
            while self.submitted < min(self.steps, j + POOL_BACKLOG * m):
                self.ahead.submit(self.submitted, self.now)
                self.submitted += 1
            while j not in self.made:
                self.now, done = self.ahead.collect(self.now, True)
                self.made.update(s for s, _e in done)
        else:
            self.now += self.t.costs.p_ms

    def send_input(self, i: int) -> None:
        if self.first is None:
            self.first = self.now
        mode = self.t.upload
        if mode == "pageable":
            start = max(self.now, self.free_at)
            self.now = self.free_at = start + self.x
        elif mode == "pinned":
            start = max(self.now, self.free_at)
            self.free_at = start + self.x
        else:
            start = max(self.now, self.copy_free_at, self.buffer_free_at[i % 2])
            self.copy_free_at = start + self.x
        self.copied = (start, start + self.x)

    def launch(self, i: int) -> None:
        uploads = self.t.upload != "none"
        if uploads and i == 0:
            self.make_input(0)
            self.send_input(0)
        elif not uploads:
            self.make_input(i)
        begin = self.now
        if self.first is None:
            self.first = begin
        self.now += self.l_ms
        ready = self.copied[1] if self.copied is not None else begin
        end = max(max(begin, self.free_at, ready) + self.g, self.now)
        self.free_at = self.ends[i] = end
        if self.copied is not None:
            self.buffer_free_at[i % 2] = end
            self.copied = None
        if uploads and i + 1 < self.steps:
            self.make_input(i + 1)
            self.send_input(i + 1)

    def wait(self, i: int) -> None:
        self.now = max(self.now, self.ends[i])

    def read(self, i: int) -> None:
        """A naive read waits for everything queued on the stream; any other for its own batch."""
        self.now = max(self.now, self.free_at if self.t.drains else self.ends[i])

    def post(self) -> None:
        """Post-processing on the launching thread; a hidden sync in it first waits for the stream."""
        if self.t.synced:
            self.now = max(self.now, self.free_at)
        self.now += self.c
        self.post_ends.append(self.now)

    def wall(self) -> float:
        end = max(self.now, self.free_at, max(self.post_ends, default=0.0))
        return end - (self.first or 0.0)


def _inline(t: Terms, steps: int) -> float:
    s = _Schedule(t, steps)
    queue: deque[int] = deque()

    def finish(i: int) -> None:
        s.wait(i)
        s.read(i)
        s.post()

    for i in range(steps):
        s.launch(i)
        queue.append(i)
        if len(queue) >= t.depth:
            finish(queue.popleft())
        if queue:
            s.wait(queue[0])
    while queue:
        finish(queue.popleft())
    return s.wall()


def _pool(t: Terms, steps: int) -> float:
    s = _Schedule(t, steps)
    k = t.workers
    lanes = _Lanes([0.0] * k, s.c)

    def collect(block: bool) -> None:
        s.now, done = lanes.collect(s.now, block)
        s.post_ends.extend(end for _step, end in done)

    def hand_over(i: int) -> None:
        s.wait(i)
        s.read(i)
        while len(lanes.tasks) >= POOL_BACKLOG * k:
            collect(True)
        s.now += t.costs.s_ms
        lanes.submit(i, s.now)
        s.now += t.gil_ms  # a thread pool: the launching thread waits out the post's GIL share

    for i in range(steps):
        s.launch(i)
        if i:
            hand_over(i - 1)
        collect(False)
    if steps:
        hand_over(steps - 1)
    while lanes.tasks:
        collect(True)
    return s.wall()


def block_wall_ms(t: Terms, steps: int) -> float:
    """The wall of a block of `steps` batches at exactly these costs: the best the loop can do."""
    if steps < 1:
        return 0.0
    return _pool(t, steps) if t.workers else _inline(t, steps)


def block_period_ms(t: Terms, steps: int) -> float:
    """The block limit as a period: its wall per batch, the way every measured period is read."""
    return block_wall_ms(t, steps) / steps if steps >= 1 else float("nan")
