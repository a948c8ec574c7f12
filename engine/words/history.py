"""The history as the CLI lists it: one run per line, newest first, the bundled examples last."""

from __future__ import annotations

from collections.abc import Sequence

from engine.read.numbers import fmt, pct
from engine.store.history import Entry


def format_history(entries: Sequence[Entry], path: object) -> str:
    """The history as a table, one run per line; the examples last, as the store lists them."""
    head = (
        f"{'id':<22} {'started (UTC)':<16} {'set':<8} {'user':<10} {'preset':<11} {'model/loop':<13} "
        f"{'batch':>5} "
        f"{'card':<24} {'speedup':>8} {'limit':>8} {'ceiling':>8} {'eff':>5}  stability"
    )
    lines = [f"history: {path}", head]
    for e in entries:
        preset = "example" if e.source == "example" else e.preset
        lines.append(
            f"{e.id:<22} {e.started_at[:16].replace('T', ' ') or 'recorded':<16} "
            f"{(e.variant_set or 'custom')[:8]:<8} {e.user[:10]:<10} "
            f"{preset[:11]:<11} {e.model[:13]:<13} {e.batch_size:>5} {e.card[:24]:<24} "
            f"{fmt(e.speedup, 2):>8} {fmt(e.block_limit, 2):>8} {fmt(e.ceiling, 2):>8} "
            f"{pct(e.efficiency):>5}  {e.stability}"
        )
    return "\n".join(lines)
