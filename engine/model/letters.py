"""The letters of the cost model, each with one meaning everywhere: code, tables, sentences, docs.

A letter that meant the input's upload in one file and the copy home in another once let a
forecast and a ceiling disagree on one screen without either being wrong on its own terms. So
every cost a rule uses is a field here, named by its letter, and `LETTERS` is the word list the
README and the lab print.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Letter -> what it means, in the order a batch meets them. README's word list is checked against it.
LETTERS = {
    "P": "host pre-processing of one batch's input",
    "X": "the input's upload: copying one batch's input to the device",
    "L": "host time launching one batch (enqueueing its forward)",
    "G": "device time of one batch's forward, from its first kernel",
    "R": "the readback: copying one batch's output home, on the compute stream",
    "S": "the hand-over of one output to a post-processing worker, on the launching thread",
    "C": "host time post-processing one batch",
    "h": "the share of C that holds Python's GIL, 0 to 1",
    "k": "post-processing workers",
    "m": "pre-processing (prefetching) workers",
    "n": "batches (steps) in a block",
}


@dataclass(frozen=True)
class Costs:
    """One batch's costs in ms. R and S default to 0 where a run does not measure them apart: a
    comparison's G span already ends after its readback copy, and a pool block's hand-over is part
    of the launching thread's gap."""

    g_ms: float
    l_ms: float
    c_ms: float
    x_ms: float = 0.0
    r_ms: float = 0.0
    s_ms: float = 0.0
    p_ms: float = 0.0
    # h: a share, not a time. 1 unless measured: the built-in CPU work is a pure-Python loop, and a
    # thread pool forecast with h = 1 can only be too modest.
    h: float = 1.0

    def __post_init__(self) -> None:
        for name in ("g_ms", "l_ms", "c_ms", "x_ms", "r_ms", "s_ms", "p_ms"):
            value = getattr(self, name)
            if not value >= 0:  # also refuses nan
                raise ValueError(f"{name[0].upper()} must be a number of ms, 0 or more (got {value!r})")
        if not 0 <= self.h <= 1:
            raise ValueError(f"h must be a share from 0 to 1 (got {self.h!r})")

    def but(self, **changes: float) -> Costs:
        return replace(self, **changes)

    @property
    def device_ms(self) -> float:
        """What one batch holds the compute stream for: its forward and its readback copy."""
        return self.g_ms + self.r_ms
