"""Bad input as a fuzzer sends it: every refusal is exit status 2 and one short line naming the field."""

import argparse
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import build_parser, main
from engine.spec.workload import MODELS

DEVICE = re.compile(r"auto|cpu|cuda|cuda:(?:0|[1-9][0-9]?)", re.ASCII)
FLAGS = {
    "--device": st.text(max_size=40).filter(lambda s: not DEVICE.fullmatch(s)),
    "--batch-size": st.one_of(st.integers(max_value=0), st.integers(min_value=4097)).map(str),
    "--model": st.text(max_size=6000).filter(lambda s: s.strip() not in MODELS),
    "--depth": st.sampled_from(["0", "65", "-1", "1e3", "two", ""]),
    "--cpu-ms": st.sampled_from(["-1", "nan", "inf", "1e9", "ms"]),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flag=st.sampled_from(sorted(FLAGS)), data=st.data())
def test_bad_values_get_one_short_line_and_exit_2(flag, data, capsys):
    value = data.draw(FLAGS[flag])
    if value.startswith("-") and flag != "--batch-size":
        value = " " + value  # argparse would read it as another flag; a user would quote it too
    try:
        status = main(["compare", "--quiet", flag, value])
    except SystemExit as exc:  # argparse's own refusals (a non-number for a number flag)
        status = exc.code
    out, err = capsys.readouterr()
    assert status == 2, (flag, value, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 400, lines
    assert flag in lines[0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run_id=st.one_of(st.text(max_size=200), st.from_regex(r"[0-9A-Fa-f]{1,12}", fullmatch=True)))
def test_any_run_id_for_show_gets_one_short_line(run_id, capsys):
    if run_id.startswith("-"):
        run_id = " " + run_id  # argparse would read it as a flag
    status = main(["show", run_id])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    if status == 0:  # a bundled example id is a real run
        assert run_id in ("example-h100-seed", "example-h200-balanced") and out
        return
    assert status in (1, 2) and out == ""
    assert len(lines) == 1 and len(lines[0]) < 400, lines
    assert lines[0].startswith("python -m engine: error: "), lines


def _value_flags() -> list[tuple[str, str]]:
    """Every flag of every command that takes a value, as the parser itself lists them."""
    parser = build_parser()
    out = []
    for action in parser._subparsers._group_actions[0].choices.items():  # noqa: SLF001
        command, sub = action
        for a in sub._actions:  # noqa: SLF001
            if a.option_strings and a.nargs != 0 and not isinstance(a, argparse.BooleanOptionalAction):
                out.append((command, a.option_strings[-1]))
    return out


@pytest.mark.parametrize("command, flag", _value_flags())
@pytest.mark.parametrize("value", ["x" * 5000, "9" * 5000, "x " * 2500])
def test_a_5000_character_value_for_any_flag_is_echoed_short(command, flag, value, capsys, tmp_path):
    args = [command, flag, value]
    if command in ("show", "delete"):
        args.append("example-h200-balanced")
    if command in ("compare", "ladder", "sweep", "diagnose"):
        args.append("--quiet")
    if command == "diagnose":
        args.append("classify-fp32")
    try:
        status = main(args)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    assert status == 2, (command, flag, err[:300])
    lines = err.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 400, lines[0][:500]
    assert flag in lines[0] or flag.lstrip("-") in lines[0], lines[0]
    assert "… (5,000 characters)" in lines[0] or "x x x x" not in lines[0]
