"""The CLI as a user runs it: a subprocess, its stdout, stderr and exit status."""

import json
import subprocess
import sys

import pytest


def cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["compare", "--batch-size", "x"], "argument --batch-size: invalid int value: 'x'"),
        (["compare", "--preset", "fast"], "argument --preset: invalid choice: 'fast'"),
        (["compare", "--colour", "red"], "unrecognized arguments: --colour red"),
        (
            ["compare", "--batch-size", "0"],
            "--batch-size: batch_size=0 is not allowed: a whole number from 1",
        ),
        (["compare", "--model", "gpt2"], "--model: model='gpt2' is not allowed: one of vit_b_16"),
        (["compare", "--rounds", "0"], "--rounds: rounds=0 is not allowed"),
        (["compare", "--json", "/no/such/dir/r.json"], "--json: json='/no/such/dir/r.json' is not allowed"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_flags_get_one_line_and_exit_2(args, needle):
    r = cli(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.stderr


def test_info_names_the_device_a_run_would_use():
    r = cli("info")
    assert r.returncode == 0
    assert "torch " in r.stdout and "cpu_cores_usable" in r.stdout
    assert "a run would use:" in r.stdout
    assert "seed" in r.stdout and "cpu-demo" in r.stdout


def test_compare_on_the_standin_prints_a_table_and_writes_json(tmp_path):
    out = tmp_path / "r.json"
    r = cli(
        "compare",
        "--preset",
        "cpu-demo",
        "--model",
        "mobilenet_v3_small",
        "--batch-size",
        "1",
        "--steps",
        "8",
        "--rounds",
        "2",
        "--device",
        "cpu",
        "--json",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    for label in (
        "period p50 (ms)",
        "end-to-end latency p50",
        "throughput (images/s)",
        "speedup",
        "ceiling",
        "efficiency",
        "noise:",
    ):
        assert label in r.stdout
    assert "round 2/2" in r.stderr and "done" in r.stderr  # progress went to stderr
    data = json.loads(out.read_text())
    assert data["workload"]["model"] == "mobilenet_v3_small" and data["workload"]["steps"] == 8
    assert len(data["runs"]) == 4 and len(data["runs"][0]["steps"]) == 8
    assert data["summary"]["speedup"] > 1.0
