"""Opening the app's pages through Streamlit's AppTest, and reading the charts they drew."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def page(name: str, **query: str) -> AppTest:
    """A page opened first through a link carrying these query parameters, as a teammate would."""
    at = app()
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def as_shown(markdown: str) -> str:
    """Markdown source as a reader sees it, after ui/plain.py escaped it: no escapes, no joiners."""
    return markdown.replace("\\", "").replace("\u2060", "")


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def walk(spec: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside a (possibly layered, concatenated or faceted) vega-lite spec."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from walk(value)


def marks(spec: dict[str, Any]) -> set[str]:
    kinds = (d["mark"] for d in walk(spec) if "mark" in d)
    return {m["type"] if isinstance(m, dict) else m for m in kinds}


def fields(spec: dict[str, Any]) -> set[str]:
    return {d["field"] for d in walk(spec) if isinstance(d.get("field"), str)}


def has_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def standin_lab(variants: str, steps: int) -> AppTest:
    """The lab set up for a short one-round run of cpu-demo on the stand-in, comparing `variants`."""
    at = app()
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="w_variants").set_value(variants).run()
    at.selectbox(key="preset").set_value("cpu-demo").run()
    at.selectbox(key="w_device").set_value("cpu").run()
    at.number_input(key="w_steps").set_value(steps).run()
    at.slider(key="w_rounds").set_value(1).run()
    return at
