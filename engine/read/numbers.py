"""Numbers as people read them, in one place: the CLI's tables, the lab's captions and every
sentence of the read side format a millisecond, a share or a ratio the same way.

"C 9% faster (0.1 vs 0.1 ms)" once put two different numbers behind one printed value: `ms` keeps
as many decimals as a value needs to be told apart from its neighbour.
"""

from __future__ import annotations

import math


def fmt(x: float | None, digits: int = 1) -> str:
    """A number with a thousands separator, or n/a where there is none."""
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def pct(x: float) -> str:
    """A share as a whole percent, or n/a."""
    return "n/a" if math.isnan(x) else f"{x:.0%}"


def ms(x: float) -> str:
    """Milliseconds with the decimals a value needs: 131.0, 8.7, 0.35, 0.052."""
    if math.isnan(x):
        return "n/a"
    return f"{x:,.1f}" if abs(x) >= 1 else f"{x:.2f}" if abs(x) >= 0.1 else f"{x:.3f}"


def gain_share(efficiency: float, speedup: float, baseline: str = "") -> str:
    """A variant's share of the gain its limit allows, in words where a number would mislead: no
    gain to share is a dash, a variant slower than the baseline says so instead of "-82%"."""
    if math.isnan(speedup):
        return "—"
    if speedup < 1:
        return f"slower than {baseline}" if baseline else "slower"
    return "—" if math.isnan(efficiency) else f"{efficiency:.0%}"


def size_text(n_bytes: int) -> str:
    """Bytes as a person reads them: 2 KB, not 0.00 MB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes:,} bytes"


def plural(n: int, word: str) -> str:
    """1 round, 3 rounds."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
