"""How a result is drawn: large type and one column in presentation mode, the theme's ink, a key
prefix so that two results can sit on one page, and the names downloads start with."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from engine.api import Comparison
from ui import charts
from ui.shell import theme


@dataclass(frozen=True)
class Look:
    present: bool = False
    key: str = "r"
    name: str = "overlap-lab"  # file names of downloads start with this
    dark: bool | None = field(default_factory=theme.dark)  # light ink on a dark page; None: either
    run_id: str | None = None  # the stored run shown: its downloads carry the id, so imports keep it

    @property
    def style(self) -> charts.Style:
        return charts.Style(charts.PRESENT_FONT if self.present else charts.FONT, self.dark)


def look_for(
    c: Comparison, run_id: str | None, present: bool, key: str = "r", either_theme: bool = False
) -> Look:
    """A Look whose download names carry the run's start time and id, so files sort and trace back.
    `either_theme`: ink that reads on a light and a dark page alike, for a result drawn while a run
    holds the page (a theme switch cannot redraw it until the run ends)."""
    stamp = c.provenance.started_at[:19].replace(":", "").replace("-", "") or "recorded"
    name = f"overlap-lab-{stamp}" + (f"-{run_id}" if run_id else "")
    if either_theme:
        return Look(present, key, name, dark=None, run_id=run_id)
    return Look(present, key, name, run_id=run_id)


def columns(look: Look, n: int = 2) -> list:
    """Side by side on a desk screen, stacked in presentation mode where each chart gets the width."""
    return [st.container() for _ in range(n)] if look.present else st.columns(n)
