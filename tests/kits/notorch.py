"""Torch made unimportable, for the unit tests (tests/unit/conftest.py) and the check of it."""

from __future__ import annotations

import importlib.abc

HIDDEN = ("torch", "torchvision")


class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in HIDDEN:
            raise ImportError(f"a unit test imported {name}: unit tests run on the ideal device alone")
        return None
