"""The history as the CLI lists it: one run per line, by when it ran, newest first, the bundled
examples last."""

from __future__ import annotations

from collections.abc import Sequence

from engine.read.numbers import fmt, gain_share
from engine.store.history import Entry


def format_history(entries: Sequence[Entry], path: object) -> str:
    """The history as a table, one run per line; the examples last, as the store lists them."""
    w = max(22, *(len(e.id) for e in entries)) if entries else 22  # an example's id may be longer
    head = (
        f"{'id':<{w}} {'started (UTC)':<16} {'set':<8} {'user':<10} {'preset':<11} {'model/loop':<13} "
        f"{'batch':>5} "
        f"{'card':<24} {'speedup':>8} {'limit':>8} {'ceiling':>8} {'eff':>6}  stability"
    )
    lines = [f"history: {path}", head]
    for e in entries:
        preset = "example" if e.source == "example" else e.preset
        lines.append(
            f"{e.id:<{w}} {e.started_at[:16].replace('T', ' ') or 'recorded':<16} "
            f"{(e.variant_set or 'custom')[:8]:<8} {e.user[:10]:<10} "
            f"{preset[:11]:<11} {e.model[:13]:<13} {e.batch_size:>5} {e.card[:24]:<24} "
            f"{fmt(e.speedup, 2):>8} {fmt(e.block_limit, 2):>8} {fmt(e.ceiling, 2):>8} "
            f"{gain_share(e.efficiency, e.speedup):>6}  {e.stability}"
        )
    return "\n".join(lines)
