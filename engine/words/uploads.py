"""The CLI's table of uploaded inputs, from the read side's upload rows and sentence."""

from __future__ import annotations

import math

from engine.read.uploads import upload_rows, upload_sentence
from engine.result.comparison import Comparison
from engine.words.variants import name_width


def format_uploads(c: Comparison) -> list[str]:
    rows = upload_rows(c)
    if not rows:
        return []
    w = name_width(c)
    lines = [
        "inputs uploaded per batch (ms; cost: 1 - the period with no upload over this one's):",
        f"  {'variant':<{w}} {'copy X':>7} {'host':>7} {'under compute':>13} {'period':>8} {'cost':>6}",
    ]
    for r in rows:
        cost = "-" if math.isnan(r.cost_share) else f"{r.cost_share:.0%}"
        lines.append(
            f"  {r.name:<{w}} {r.x_ms:>7.2f} {r.host_ms:>7.2f} {r.overlapped:>13.0%} "
            f"{r.period_ms:>8.2f} {cost:>6}"
        )
    said = upload_sentence(c)
    return lines + ([f"  {said}"] if said else [])
