"""Nothing finished is lost, and who may do what is enforced: a damaged store is said before a run
and a failed save writes the result to a file; a read-only store still lists and opens runs; a
delete is its owner's unless asked otherwise, and gives its space back."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import execute as execute_mod
from engine.errors import WorkloadError
from engine.host.shared_dir import SharedPathError, user_name
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.store import history as history_mod
from engine.store.errors import HistoryError, NotYours
from engine.store.history import History, load_example
from tests.kits.app import as_shown, page
from ui.controls.refusal import in_lab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seed() -> Comparison:
    return load_example("example-h100-seed")


def _by(c: Comparison, user: str, minute: int = 0) -> Comparison:
    """The same result as another user's run (another start time, so it is a run of its own)."""
    return dataclasses.replace(
        c,
        provenance=dataclasses.replace(
            c.provenance, user=user, started_at=f"2026-11-29T10:{minute:02d}:00+00:00"
        ),
    )


def _damage(path: Path) -> None:
    """Overwrite the middle of the file, where the runs' pages are, leaving its header sound."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = b"\xa5" * 8192
    path.write_bytes(bytes(data))


def cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args, "--data-dir", str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_damaged_store_is_found_when_opened_and_listed_with_a_warning(tmp_path, seed):
    store = History(tmp_path)
    for i in range(6):
        store.save(_by(seed, "alice", i), "cli")
    _damage(store.path)
    again = History(tmp_path)
    assert "failed its integrity check" in again.problem()
    with pytest.raises(HistoryError, match="the history is damaged"):
        again.save(seed, "cli")
    out = cli("history", data=tmp_path)
    assert "warning: the history is damaged" in out.stderr


def test_a_run_on_a_damaged_store_is_warned_before_and_written_to_a_file_after(tmp_path):
    (tmp_path / "history.sqlite3").write_bytes(b"this is not a database " * 400)
    out = cli(
        "compare",
        "--preset",
        "cpu-demo",
        "--rounds",
        "1",
        "--steps",
        "6",
        "--telemetry",
        "off",
        data=tmp_path,
    )
    lines = out.stderr.splitlines()
    assert lines[0].startswith("warning: the history is damaged") and "written to a file instead" in lines[0]
    assert out.returncode != 0
    last = lines[-1]
    assert "not stored in the history" in last and "the result was written to " in last
    rescued = Path(last.split("the result was written to ")[1])
    assert json.loads(rescued.read_text())["summary"]["speedup"] > 0  # the whole result, readable
    rescued.unlink()


def test_a_failed_save_writes_the_result_to_a_file_and_says_where(tmp_path, seed, monkeypatch):
    store = History(tmp_path)

    def full(*args, **kwargs):
        raise HistoryError("database or disk is full")

    monkeypatch.setattr(store, "save", full)
    run_id, why = execute_mod._keep(store, seed, "cli")
    assert run_id is None and why.startswith("database or disk is full; the result was written to ")
    rescued = Path(why.split("written to ")[1])
    assert History(tmp_path / "other").import_json(rescued.read_text(), "rescued.json")  # a result, whole
    rescued.unlink()


def test_a_store_this_user_cannot_write_still_lists_and_opens_runs(tmp_path, seed, monkeypatch):
    run_id = History(tmp_path).save(seed, "cli")

    def refused(path, what, env_var):
        raise SharedPathError(f"the history folder {path} is not writable by this user")

    monkeypatch.setattr(history_mod, "shared_folder", refused)
    store = History(tmp_path)
    assert "read-only for this user" in store.problem()
    assert run_id in [e.id for e in store.entries()]
    assert store.load(run_id).speedup == pytest.approx(seed.speedup)
    with pytest.raises(HistoryError, match="read-only for this user"):
        store.save(seed, "cli")


def test_a_delete_is_the_owners_unless_others_are_asked_for(tmp_path, seed):
    store = History(tmp_path)
    mine, theirs = store.save(_by(seed, user_name(), 1), "cli"), store.save(_by(seed, "bob", 2), "cli")
    with pytest.raises(NotYours, match=f"run {theirs} belongs to bob; only its owner deletes it"):
        store.delete(theirs, by=user_name())
    store.delete(mine, by=user_name())
    refused = cli("delete", theirs, data=tmp_path)
    assert refused.returncode == 2 and "belongs to bob" in refused.stderr and "--others" in refused.stderr
    assert store.count() == 1
    done = cli("delete", theirs, "--others", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert store.count() == 0


def test_deletes_give_their_space_back(tmp_path, seed):
    store = History(tmp_path)
    ids = [store.save(_by(seed, "alice", i), "cli") for i in range(8)]
    full = store.path.stat().st_size
    for run_id in ids[:7]:
        store.delete(run_id)
    assert store.path.stat().st_size < full / 3


def test_the_lab_asks_in_so_many_words_before_deleting_another_users_run(tmp_path, monkeypatch, seed):
    monkeypatch.setenv("OVERLAP_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path / "locks"))
    store = History()
    theirs = store.save(_by(seed, "bob", 3), "cli")
    at = page("history", run=theirs)
    at.button(key="h_delete").click().run()
    assert any("It is bob's run, not this server's user's." in w.value for w in at.warning)
    yes = at.button(key="h_delete_yes")
    assert yes.label == "Yes, delete bob's run"
    yes.click().run()
    assert store.count() == 0


def test_a_compare_link_with_more_than_two_runs_names_the_ones_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path / "locks"))
    at = page("history", compare="example-h100-seed,example-h200-balanced,example-h200-ladder,deadbeef")
    said = [w.value for w in at.warning]
    left_out = "compare lists 4 runs: the first two are compared, 'example-h200-ladder,deadbeef' left out"
    assert any(left_out in as_shown(s) for s in said), said


def test_the_history_page_on_a_damaged_store_says_so_and_still_lists_the_examples(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path / "locks"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "history.sqlite3").write_bytes(b"this is not a database " * 400)
    at = page("history")
    assert any("the history is damaged" in as_shown(w.value) for w in at.warning)
    assert any("The stored runs cannot be listed" in e.value for e in at.error)
    assert list(at.dataframe[0].value["id"])[:1] == ["example-h100-seed"]


def test_a_run_too_big_to_store_is_refused_before_it_starts(tmp_path):
    out = cli("compare", "--preset", "cpu-demo", "--steps", "30000", data=tmp_path)
    assert out.returncode == 2
    assert "minutes" not in out.stderr  # refused before the stand-in's estimate is said
    assert out.stderr.strip() == (
        "python -m engine: error: --steps: steps=30000 is not allowed: at most 50,000 batches in "
        "a run that is stored, and steps x variants x rounds is 180,000: fewer steps or rounds, or a run "
        "that is not stored"
    )
    assert History(tmp_path).count() == 0


def test_the_lab_says_a_run_too_big_to_store_by_its_control(seed):
    """On a GPU the lab's Run reaches execute(), which refuses it; the stand-in's own time limit
    refuses such a run earlier, so the message is checked as the lab words it."""
    workload = seed.workload.replace(steps=30000)
    with pytest.raises(WorkloadError) as info:
        execute_mod.check_storable(workload, RunSpec())
    said = in_lab(info.value)
    assert said.startswith(
        "Steps per block (batches): 30000 is not allowed: at most 50,000 batches in a run that is stored"
    )


def test_a_command_with_a_newline_is_stored_readable(tmp_path, seed):
    """A CLI argument may hold a newline; the run records it spelled out, so the gate that every
    read applies never refuses a run this product made."""
    from engine.measure.protocol import provenance

    p = provenance("python -m engine compare --json 'a\nb\x1b[2J'")
    assert p.command == "python -m engine compare --json 'a\\nb\\x1b[2J'"
    store = History(tmp_path)
    run_id = store.save(dataclasses.replace(seed, provenance=p), "cli")
    assert store.load(run_id).provenance.command == p.command


def test_a_result_the_gate_would_refuse_is_not_stored_but_rescued(tmp_path, seed):
    bad = dataclasses.replace(seed, provenance=dataclasses.replace(seed.provenance, user="a\nb"))
    store = History(tmp_path)
    run_id, why = execute_mod._keep(store, bad, "cli")
    assert run_id is None and "provenance.user" in why and "the result was written to " in why
    assert store.count() == 0
    Path(why.split("written to ")[1]).unlink()
