"""The steady period: what one batch costs once a loop has filled, as the largest of named terms.

Kernels start running while the forward is still being launched, so a batch holds the device for
max(G, L), and G as measured (from the batch's first kernel) already holds any part of the launch
the device could not hide: the serial period is max(G, L) + C, not L + G + C. With G + R the
compute stream's work per batch (the readback copy queues behind the kernels), the rules are:

    serial, a naive read, a hidden sync    max(G, L) + C        nothing the host does overlaps
    deque, depth 2 or more                 max(G, L + C)        post-processing beside compute
    a pool of k workers                    max(G, L + S, C / k) S: handing a batch to a worker
    a pool of k threads                    max(G, L + S + hC, C / k): the launching thread shares
                                           one GIL with them, held for h of each batch's C
    with the next input's upload of X sent right after each launch:
      pageable  max(G, L) + X + C inline, max(max(G, L) + X, C / k) with a pool: the host waits
      pinned    max(G + X, L + C), max(G + X, L, C / k): the copy queues on the compute stream
      side      max(G, X, L + C, (L + X + G) / 2), with a pool max(G, L, X, C / k, (L + X + G) / 3):
                the copy runs beside compute, but a batch needs its launch, its copy and its
                compute in turn, over the batches in flight
    pre-processing P: before an inline launch nothing computes (P + the rule); where the launching
    thread does not wait for the device (a pool, an upload) it is launching work, L + P; with m
    prefetching processes it is one more term, P / m

The ceiling peaks when L + C = G, at 2 - L/G: the serial loop already hides its launches under
the device's work, so a large L caps what overlapping can win. `steady` is the only place these
rules are written; the block schedule (engine/model/block.py) is their finite-n form, and its tests
check that its long-run period is this one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.model.block import block_wall_ms
from engine.model.terms import Terms


@dataclass(frozen=True)
class Steady:
    period_ms: float
    formula: str  # the rule with its letters, e.g. "max(G, L + C)"
    terms_ms: dict[str, float]  # each term's floor on the period
    bound: str  # what sets the period, in the words the tables and the verdict use

    @property
    def numbers(self) -> str:
        """The rule with its numbers: "max(G 11.30, L + C 136.50) = 136.50 ms"."""
        if len(self.terms_ms) == 1:
            return f"{self.formula} = {self.period_ms:.2f} ms"
        inner = ", ".join(f"{k} {v:.2f}" for k, v in self.terms_ms.items())
        return f"max({inner}) = {self.period_ms:.2f} ms"


def _words(kind: str, name: str, t: Terms) -> str:
    c = t.costs
    if kind == "G":
        return "GPU-bound (G)"
    if kind == "X":
        return "copy-bound (X)"
    if kind == "L" and t.threads and c.h * c.c_ms > c.l_ms:
        return "GIL-bound (L + hC)"
    if kind == "L":
        return "launch-bound (L)"
    if kind == "LC":
        return "launch-bound (L)" if c.l_ms > c.c_ms else "host-bound (L + C)"
    if kind == "pool":
        return f"pool-bound (C / {t.workers})"
    if kind == "chain":
        return f"copy, launch and compute in turn ({name})"
    if kind == "P":
        return f"prefetch-bound (P / {t.prefetch})"
    if t.synced:
        return "the post-processing's sync (serial)"
    if t.drains and t.depth > 1:
        return "the read's sync (serial)"
    return "serial (G + C in turn)"


def _core(t: Terms, g_sym: str, l_sym: str) -> list[tuple[str, str, float]] | None:
    """(kind, term, ms) of a loop whose pre-processing, if any, is already in L; None for a shape
    no named set runs and no closed form covers (its period then comes from the schedule).
    G is the stream's work per batch (G + R), L the launching thread's."""
    c = t.costs
    g, l_ms, x, cc, s = c.g_ms + c.r_ms, c.l_ms, c.x_ms, c.c_ms, c.s_ms
    busy = max(g, l_ms)
    gl = f"max({g_sym}, {l_sym})"
    if t.workers:
        k = t.workers
        pool = ("pool", f"C / {k}", cc / k)
        ls = f"{l_sym} + S" if s else l_sym
        if t.drains or t.threads and t.upload != "none":
            return None
        if t.threads:
            return [("G", g_sym, g), ("L", f"{ls} + hC", l_ms + s + t.gil_ms), pool]
        if t.upload == "pageable":
            return [("G", f"{gl} + X" + (" + S" if s else ""), busy + x + s), pool]
        if t.upload == "pinned":
            return [("G", f"{g_sym} + X", g + x), ("L", ls, l_ms + s), pool]
        if t.upload == "side":
            chain = f"({ls} + X + {g_sym}) / 3"
            return [
                ("G", g_sym, g),
                ("L", ls, l_ms + s),
                ("X", "X", x),
                pool,
                ("chain", chain, (l_ms + s + x + g) / 3),
            ]
        return [("G", g_sym, g), ("L", ls, l_ms + s), pool]
    if t.serial:
        if t.synced and t.upload != "none" or t.drains and t.depth > 1 and t.upload == "side":
            return None
        if t.upload == "pageable" or t.upload == "pinned" and t.drains:
            # The host waits for the copy: pageable memory is staged, and a naive read drains it.
            return [("serial", f"{gl} + X + C", busy + x + cc)]
        if t.upload == "pinned":
            # The next input's copy queues behind this batch, and the next batch behind the copy.
            return [("serial", f"{g_sym} + max(C, X)", g + max(cc, x)), ("LC", f"{l_sym} + C", l_ms + cc)]
        if t.upload == "side":
            chain = f"({l_sym} + X + {g_sym} + C) / 2"
            return [
                ("serial", f"{gl} + C", busy + cc),
                ("X", "X", x),
                ("chain", chain, (l_ms + x + g + cc) / 2),
            ]
        return [("serial", f"{gl} + C", busy + cc)]
    if t.upload != "none" and t.depth > 2:
        return None
    if t.upload == "pageable":
        return [("serial", f"{gl} + X + C", busy + x + cc)]
    if t.upload == "pinned":
        return [("G", f"{g_sym} + X", g + x), ("LC", f"{l_sym} + C", l_ms + cc)]
    if t.upload == "side":
        chain = f"({l_sym} + X + {g_sym}) / 2"
        return [
            ("G", g_sym, g),
            ("X", "X", x),
            ("LC", f"{l_sym} + C", l_ms + cc),
            ("chain", chain, (l_ms + x + g) / 2),
        ]
    return [("G", g_sym, g), ("LC", f"{l_sym} + C", l_ms + cc)]


def _rule(terms: list[tuple[str, str, float]]) -> str:
    return terms[0][1] if len(terms) == 1 else "max(" + ", ".join(name for _k, name, _v in terms) + ")"


def long_run_ms(t: Terms) -> float:
    """The schedule's own period once it has filled: what a shape with no closed form runs at."""
    n = 256 + 32 * (t.workers + t.prefetch + t.depth)
    return (block_wall_ms(t, 2 * n) - block_wall_ms(t, n)) / n


def steady(t: Terms) -> Steady:
    """The steady period of one loop shape at its costs, with its rule and what bounds it."""
    c = t.costs
    g_sym = "(G + R)" if c.r_ms else "G"
    in_l = bool(c.p_ms) and not t.prefetch and not t.inline_pre
    l_sym = "(L + P)" if in_l else "L"
    terms = _core(t if not in_l else replace(t, costs=c.but(l_ms=c.l_ms + c.p_ms)), g_sym, l_sym)
    if terms is None:
        period = long_run_ms(t)
        rule = "the loop's schedule (no closed form for this shape)"
        return Steady(period, rule, {rule: period}, "its schedule")
    rule = _rule(terms)
    kind, name, ms = max(terms, key=lambda x: x[2])
    if t.inline_pre:
        return Steady(c.p_ms + ms, f"P + {rule}", {f"P + {rule}": c.p_ms + ms}, _words(kind, name, t))
    if t.prefetch:
        m = t.prefetch
        both = {rule: ms, f"P / {m}": c.p_ms / m}
        words = _words("P", "", t) if c.p_ms / m > ms else _words(kind, name, t)
        return Steady(max(both.values()), f"max({rule}, P / {m})", both, words)
    return Steady(ms, rule, {n: v for _k, n, v in terms}, _words(kind, name, t))
