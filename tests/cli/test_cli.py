"""The CLI as a user runs it: a subprocess, its stdout, stderr and exit status."""

import json
import os
import signal
import subprocess
import sys

import pytest

from engine.spec.sets import box_workers, usable_cores


def _not_json(name: str) -> None:
    raise AssertionError(f"{name} in an export: not standard JSON")


def cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["compare", "--batch-size", "x"], "--batch-size: batch_size='x' is not allowed: a whole number"),
        (["compare", "--preset", "fast"], "--preset: preset='fast' is not allowed: one of seed, article"),
        (["compare", "--colour", "red"], "unrecognized arguments: --colour red"),
        (
            ["compare", "--batch-size", "0"],
            "--batch-size: batch_size='0' is not allowed: a whole number from 1",
        ),
        (["compare", "--model", "gpt2"], "--model: model='gpt2' is not allowed: one of vit_b_16"),
        (["compare", "--rounds", "0"], "--rounds: rounds='0' is not allowed: a whole number from 1 to 50"),
        (["compare", "--json", "/no/such/dir/r.json"], "--json: json='/no/such/dir/r.json' is not allowed"),
        (["compare", "--json", ""], "--json: json='' is not allowed: a file path (it is empty)"),
        (["compare", "--json", "/dev/full"], "a file this user can write (No space left on device)"),
        (
            ["compare", "--json", "/tmp/" + "x" * 300 + ".json"],
            "a file this user can write (File name too long)",
        ),
        (
            ["compare", "--json", "/proc/x.json"],
            "--json: json='/proc/x.json' is not allowed: a file this user",
        ),
        (
            ["compare", "--device", "cpu\n"],
            "--device: device='cpu\\n' is not allowed: one of auto, cpu, cuda",
        ),
        (["compare", "--device", "cuda:00"], "--device: device='cuda:00' is not allowed"),
        (["compare", "--device", "cuda:\u0663"], "--device: device='cuda:\u0663' is not allowed"),
        (["compare", "--device", "cuda:" + "9" * 20], "is not allowed: one of auto, cpu, cuda, cuda:N"),
        (["compare", "--model", "m" * 5000], "… (5,000 characters) is not allowed: one of vit_b_16"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (
            ["show", "../../etc/nothing-here"],
            "error: id: run='../../etc/nothing-here' is not allowed: an id from the history",
        ),
        (
            ["history", "--data-dir", "/proc/x"],
            "--data-dir: data_dir='/proc/x' is not allowed: a folder this",
        ),
        (["compare", "--data-dir", "/dev/null/x"], "--data-dir: data_dir='/dev/null/x' is not allowed"),
        (
            ["compare", "--preset", "balanced", "--cpu-work", "article"],
            "--cpu-fixed: cpu_fixed='duration' is not allowed: work when cpu_work='article'",
        ),
        (
            ["compare", "--until-stable", "--target-cv-pct", "0"],
            "--target-cv-pct: target_cv_pct='0' is not allowed: a number from 0.1 to 50",
        ),
        (
            ["compare", "--until-stable", "--rounds", "2"],
            "--rounds: rounds=2 is not allowed: with until_stable, a whole number from 4 to 50",
        ),
        (
            ["compare", "--variants", "readback", "--depth", "4"],
            "--depth: depth=4 is not allowed: 2 with variants=readback: only the pair takes a depth",
        ),
        (["ladder", "--depth", "3"], "--depth: depth=3 is not allowed: 2 with variants=ladder"),
        (["sweep", "--depth", "3"], "--depth: depth=3 is not allowed: 2 with variants=sweep"),
        (["compare", "--telemetry", "loud"], "--telemetry: telemetry='loud' is not allowed: one of process"),
        (["compare", "--preset", "p" * 5000], "… (5,000 characters) is not allowed: one of seed"),
        (["compare", "--rounds", "9" * 5000], "… (5,000 characters) is not allowed: a whole number"),
    ],
)
def test_bad_flags_get_one_line_and_exit_2(args, needle):
    r = cli(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]
    assert len(lines[0]) < 300  # a long value is shortened, not echoed whole
    assert "Traceback" not in r.stderr


def test_a_device_that_cannot_run_prints_only_its_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    r = cli("compare", "--device", "cuda:1")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "python -m engine: error: --device: device='cuda:1' is not allowed: cpu or auto: "
        "CUDA is not available on this machine"
    ]


def test_a_failed_run_leaves_no_result_file_behind(tmp_path):
    out = tmp_path / "r.json"
    r = cli("compare", "--device", "cpu", "--steps", "1", "--json", str(out))  # steps=1 is refused
    assert r.returncode == 2 and not out.exists()


def test_info_names_the_device_a_run_would_use():
    r = cli("info")
    assert r.returncode == 0
    assert "torch " in r.stdout and "cpu_cores_usable" in r.stdout
    assert "a run would use:" in r.stdout
    assert "seed" in r.stdout and "cpu-demo" in r.stdout


def test_help_says_which_cpu_work_is_which_and_why_both_exist():
    r = cli("compare", "--help")
    text = " ".join(r.stdout.split())
    assert r.returncode == 0
    assert "work: fixed work: a loop length chosen once" in text
    assert "duration: fixed duration: the loop runs until C has passed" in text
    assert "Both exist because real post-" in text  # argparse wraps after the hyphen
    assert "--until-stable" in text


@pytest.mark.quiet  # its blocks' schedule efficiency is read against the box's two cores
def test_compare_on_the_standin_prints_a_table_and_writes_json(tmp_path):
    # No --preset: without CUDA the CLI starts from cpu-demo, as `make cli` does.
    out = tmp_path / "r.json"
    r = cli(
        "compare",
        "--model",
        "mobilenet_v3_small",
        "--batch-size",
        "1",
        # 16 steps: in blocks of 8 with a 3.5 ms period, one 1 ms stall of the 2-core host moved a
        # block's schedule efficiency under 0.8
        "--steps",
        "16",
        "--rounds",
        "2",
        "--device",
        "cpu",
        "--json",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    for label in (
        "period (ms): wall / batches",
        "launch gap p50 (ms)",
        "limit",
        "end-to-end latency p50",
        "throughput (images/s)",
        "speedup",
        "ceiling",
        "efficiency",
        "per-block truth",
        "schedule eff",
        "verdict: serial: max(G, L) + C",
        "most help:",
    ):
        assert label in r.stdout
    assert "uncontended" in r.stdout or "· contended: " in r.stdout  # CI's box varies
    assert "round 2/2" in r.stderr and "done" in r.stderr  # progress went to stderr
    data = json.loads(out.read_text(), parse_constant=_not_json)  # standard JSON: no NaN
    assert list(data)[0] == "summary"
    assert data["workload"]["model"] == "mobilenet_v3_small" and data["workload"]["steps"] == 16
    assert (data["workload"]["cpu_work"], data["workload"]["cpu_fixed"]) == ("match_g", "duration")
    assert data["provenance"]["command"].startswith("python -m engine compare --model mobilenet_v3_small")
    assert data["provenance"]["started_at"] and data["provenance"]["host"]
    assert data["summary"]["cpu_iterations_per_batch"]["serial"] > 0  # fixed duration: as run
    assert all(0.8 < b["schedule_efficiency"] < 1.2 for b in data["summary"]["blocks"])
    assert len(data["runs"]) == 4 and len(data["runs"][0]["steps"]) == 16
    assert data["summary"]["speedup"] > 1.0
    run_id = r.stdout.split("saved as run ")[1][:8]
    shown = cli("show", run_id, "--json", str(tmp_path / "again.json"))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == r.stdout.splitlines()[0]  # the same table, from the store
    assert json.loads((tmp_path / "again.json").read_text(), parse_constant=_not_json)["runs"] == data["runs"]
    listed = cli("history")
    assert listed.stdout.splitlines()[2].startswith(run_id) and "mobilenet" in listed.stdout


def test_ctrl_c_ends_a_run_with_one_line_and_status_130(own_history):
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "compare", "--model", "mobilenet_v3_small", "--batch-size", "1"]
        + ["--steps", "400", "--rounds", "3", "--device", "cpu"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    seen = ""
    while "round 1/3" not in seen:
        line = proc.stderr.readline()
        assert line, f"the run ended before its first round: {seen}"
        seen += line
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole group: worker and sampler too
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out == ""
    assert err.strip().splitlines() == [
        "python -m engine: interrupted; the device and its lock were released"
    ]
    from engine.store.history import History

    assert History(own_history).count() == 0  # a stopped run is never stored


def test_history_lists_the_bundled_gpu_results_on_a_machine_without_one():
    r = cli("history")
    assert r.returncode == 0, r.stderr
    assert "example-h100-seed" in r.stdout and "NVIDIA H100 80GB HBM3" in r.stdout
    shown = cli("show", "example-h200-balanced")
    assert shown.returncode == 0 and "device: cuda:0 (NVIDIA H200" in shown.stdout


def test_no_save_keeps_the_history_as_it_was(own_history):
    r = cli("compare", "--preset", "cpu-demo", "--steps", "4", "--rounds", "1", "--no-save", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "saved as run" not in r.stdout
    assert "example-h100-ladder30" in cli("history").stdout.splitlines()[2]  # nothing stored above it


def test_show_of_a_result_file_prints_it_as_show_of_its_id_does_and_stores_nothing(own_history, tmp_path):
    """A teammate's `--json` (here: an example's, as the lab's download writes it) is read through
    the import's gate and printed as `show ID` prints a stored run, and the history is left alone."""
    before = cli("history").stdout
    by_id = cli("show", "example-h200-readback", "--json", str(tmp_path / "sent.json"))
    assert by_id.returncode == 0, by_id.stderr
    by_file = cli("show", str(tmp_path / "sent.json"))
    assert by_file.returncode == 0, by_file.stderr
    assert by_file.stdout == by_id.stdout.split("\nwrote ")[0] + "\n"
    assert "saved" not in by_file.stdout and cli("history").stdout == before
    (tmp_path / "other.json").write_text('{"x": 1}')
    refused = cli("show", str(tmp_path / "other.json"))
    assert refused.returncode == 1 and refused.stdout == ""
    assert "the file other.json is not an Overlap Lab result" in refused.stderr
    missing = cli("show", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "cannot read the result file" in missing.stderr


def test_show_of_a_run_not_stored_says_where_it_looked_and_exits_1(own_history):
    r = cli("show", "0123abcd")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == (
        f"python -m engine: error: run 0123abcd is not in this box's history ({own_history}/history.sqlite3)"
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["compare", "--variants", "everything"],
            "--variants: variants='everything' is not allowed: one of pair",
        ),
        (
            ["compare", "--variants", "graphs", "--device", "cpu"],
            "--variants: variants='graphs' is not allowed: one of pair, ladder, readback, depth, pool, "
            "threads, prefetch, diagnose, sweep: graphs needs a CUDA GPU",
        ),
        (["sweep", "--ratios", "1,x"], "--ratios: ratios='1,x' is not allowed: comma-separated numbers"),
        (["sweep", "--ratios", "0.01"], "--ratios: ratios='0.01' is not allowed"),
        (
            ["compare", "--trace", "/no/such/dir/t.json"],
            "--trace: trace='/no/such/dir/t.json' is not allowed",
        ),
    ],
)
def test_ladder_flags_refuse_what_cannot_run(args, needle):
    r = cli(*args, "--quiet") if args[0] != "sweep" else cli(*args)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_ladder_runs_on_the_standin_and_writes_a_trace(tmp_path):
    trace = tmp_path / "t.json"
    r = cli(
        "ladder",
        "--device",
        "cpu",
        "--steps",
        "4",
        "--rounds",
        "1",
        "--quiet",
        "--no-save",
        "--trace",
        str(trace),
    )
    assert r.returncode == 0, r.stderr
    pool = f"pool{box_workers(usable_cores(), on_gpu=False)}"  # a worker per core the box has left
    assert "variants against serial" in r.stdout and pool in r.stdout and "graphs" not in r.stdout
    assert "hidden syncs found" in r.stdout and "engine/measure/runners.py" in r.stdout
    assert f"wrote the trace to {trace}" in r.stdout
    names = {e.get("name", "") for e in json.loads(trace.read_text())["traceEvents"]}
    assert {"block serial", f"block {pool}", "launch 0", "read 0", "post 0"} <= names


def test_a_sweep_prints_each_point_and_writes_json(tmp_path):
    out = tmp_path / "sweep.json"
    r = cli(
        "sweep", "--ratios", "0.5,3", "--rounds", "1", "--steps", "5", "--device", "cpu", "--json", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert "point 1/2, (L + C)/G = 0.5" in r.stderr and "point 2/2, (L + C)/G = 3" in r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("G/C sweep, 2 points: ") and lines[1].startswith("device: cpu")
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["(L+C)/G", "aimed"])
    wrote = lines.index(f"wrote {out}")
    missed = lines[head + 3 : wrote]  # a line for each point that missed its aim, none otherwise
    assert all(line.startswith("The point aimed at") for line in missed)
    assert lines[wrote + 1].startswith("saved as sweep ") and len(lines) == wrote + 2  # one entry, 2 runs
    sweep_id = lines[wrote + 1].split()[3]
    assert "(2 points)" in lines[wrote + 1] and f"/lab?sweep={sweep_id}" in lines[wrote + 1]
    shown = cli("show", sweep_id)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:wrote] == lines[:wrote]  # the same text, read back from the history
    listed = cli("history").stdout
    assert sum(sweep_id in line and " sweep " in line for line in listed.splitlines()) == 1
    data = json.loads(out.read_text(), parse_constant=_not_json)
    assert [p["ratio"] for p in data["points"]] == [0.5, 3.0] and data["missed_aims"] == missed
    # Every point is held for a fixed duration at its ratio of host work to device work.
    assert [r["workload"]["cpu_g_ratio"] for r in data["results"]] == [0.5, 3.0]
    assert {r["workload"]["cpu_fixed"] for r in data["results"]} == {"duration"}
