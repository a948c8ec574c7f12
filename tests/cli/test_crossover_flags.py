"""The crossover's flags refused by name, before anything runs (the device is checked last, with torch)."""

from __future__ import annotations

import pytest

from engine.cli import main


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--batches", "8,4"], "--batches: batches='8,4' is not allowed: comma-separated whole numbers"),
        (["--batches", "1,x"], "--batches: batches='1,x' is not allowed"),
        (["--batches", "0,1"], "--batches: batches='0,1' is not allowed"),
        (["--steps", "1"], "--steps: steps='1' is not allowed: a whole number from 2"),
        (["--device", "cpu"], "--device: device='cpu' is not allowed: a CUDA GPU: the crossover replays"),
    ],
)
def test_bad_crossover_flags_are_refused_by_name(capsys, args, needle):
    assert main(["crossover", *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
