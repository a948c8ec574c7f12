"""The history store: runs last across restarts, a killed writer leaves nothing half-written, many
writers lose nothing, and anything that is not a result is refused with a message, storing nothing."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.errors import WorkloadError
from engine.read.document import document
from engine.result.comparison import Comparison
from engine.result.schema import upgrade
from engine.spec.sets import SETS, set_for
from engine.store.errors import AlreadyStored, HistoryError, MissingRun
from engine.store.history import EXAMPLES, EXAMPLES_DIR, History, data_dir, load_example
from engine.store.history import RUN_ID as RUN_ID_PATTERN

REPO = Path(__file__).resolve().parents[2]
SCHEMA_V1 = """CREATE TABLE runs (id TEXT PRIMARY KEY, saved_at TEXT NOT NULL, started_at TEXT NOT NULL,
    user TEXT NOT NULL, host TEXT NOT NULL, source TEXT NOT NULL, preset TEXT NOT NULL, model TEXT NOT NULL,
    batch_size INTEGER NOT NULL, precision TEXT NOT NULL, depth INTEGER NOT NULL, device TEXT NOT NULL,
    card TEXT NOT NULL, speedup REAL, ceiling REAL, efficiency REAL, stability TEXT NOT NULL,
    schema_version INTEGER NOT NULL, result_json TEXT NOT NULL)"""
SEED = EXAMPLES_DIR / "h100_seed.json"


@pytest.fixture
def store(tmp_path) -> History:
    return History(tmp_path / "data")


@pytest.fixture(scope="module")
def seed() -> Comparison:
    return load_example("example-h100-seed")


def test_numbers_listed_by_an_older_reading_are_read_again_once(store, seed):
    """A row whose listed speedup and efficiency an older version wrote (another estimator, another
    limit) is read again from its result when the store opens: the list says what the run shows."""
    run_id = store.save(seed, "cli")
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE runs SET speedup = 9.99, efficiency = 0.5, numbers = 0 WHERE id = ?", (run_id,))
    row = History(store.folder).entries()[0]
    assert (row.speedup, row.block_limit, row.efficiency) == pytest.approx(
        (seed.speedup, seed.limit, seed.efficiency)
    )
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT numbers FROM runs").fetchall() == [(1,)]


def test_a_saved_run_loads_with_the_same_numbers_and_a_row_to_scan(store, seed):
    run_id = store.save(seed, "cli")
    back = store.load(run_id)
    assert back.to_dict()["runs"] == seed.to_dict()["runs"]
    assert back.speedup == seed.speedup and back.ceiling == seed.ceiling
    row = store.entries()[0]
    assert (row.id, row.source, row.preset, row.batch_size, row.card) == (
        run_id,
        "cli",
        "seed",
        10,
        "NVIDIA H100 80GB HBM3",
    )
    assert row.speedup == pytest.approx(seed.speedup)


def test_the_bundled_gpu_results_are_listed_and_open_anywhere(store):
    entries = store.entries()
    assert sorted(e.id for e in entries) == sorted(EXAMPLES)  # an empty store still has the recorded runs
    starts = [e.started_at for e in entries]  # by when they ran, newest first; the untimed one last
    assert starts == sorted(starts, reverse=True) and starts[-1] == ""
    cards = {e.id: e.card for e in store.entries()}
    assert cards == {
        "example-h100-seed": "NVIDIA H100 80GB HBM3",
        "example-h200-balanced": "NVIDIA H200",
        "example-h200-ladder": "NVIDIA H200",
        "example-h200-readback": "NVIDIA H200",
        "example-h200-ladder-box": "NVIDIA H200",
        "example-h200-uploads": "NVIDIA H200",
        "example-h100-ladder30": "NVIDIA H100 80GB HBM3",
    }
    assert store.load("example-h200-balanced").workload.batch_size == 128


def test_a_store_survives_a_restart_of_the_process(tmp_path, seed):
    folder = tmp_path / "data"
    run_id = History(folder).save(seed, "lab")
    code = (
        f"from engine.store.history import History; print(History({str(folder)!r}).load({run_id!r}).speedup)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert float(out.stdout) == pytest.approx(seed.speedup)


def test_a_writer_killed_inside_its_transaction_leaves_no_partial_run(tmp_path, seed):
    folder = tmp_path / "data"
    store = History(folder)
    kept = store.save(seed, "cli")
    # The child stops inside the transaction, after its insert, and waits on stdin until killed.
    code = textwrap.dedent(
        f"""
        import sys
        from engine.store.history import History, load_example
        def hold():
            print("inside", flush=True)
            sys.stdin.readline()
        History({str(folder)!r}).save(load_example("example-h100-seed"), "cli", before_commit=hold)
        print("committed", flush=True)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "inside"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    after = History(folder)
    assert after.count() == 1 and [e.id for e in after.entries()][0] == kept
    with sqlite3.connect(after.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert after.save(seed, "cli") != kept  # the killed writer's lock did not outlive it


def _write_many(folder: str, n: int) -> list[str]:
    store = History(folder)
    c = load_example("example-h100-seed")
    return [store.save(c, "cli") for _ in range(n)]


def test_concurrent_writers_in_several_processes_lose_nothing(tmp_path):
    folder = str(tmp_path / "data")
    History(folder)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        ids = [i for chunk in pool.starmap(_write_many, [(folder, 8)] * 4) for i in chunk]
    assert len(ids) == 32 and len(set(ids)) == 32
    stored = {e.id for e in History(folder).entries()} - set(EXAMPLES)
    assert stored == set(ids)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json at all", "is not JSON"),
        ("[1, 2, 3]", "not an Overlap Lab result"),
        ('{"workload": {}, "runs": [], "schema_version": 99}', "schema_version=99 is not allowed"),
        (
            json.dumps({**json.loads(SEED.read_text()), "workload": {"batch_size": -4}}),
            "batch_size=-4 is not allowed",
        ),
        ('{"workload": {}, "runs": [{}], "schema_version": 2}', "not a readable result"),
    ],
)
def test_an_import_that_is_not_a_result_is_refused_and_stores_nothing(store, text, says):
    with pytest.raises(HistoryError, match=says):
        store.import_json(text, "upload.json")
    assert store.count() == 0


def test_an_imported_file_becomes_a_run_of_its_own(store):
    run_id = store.import_json(SEED.read_bytes(), "h100_seed.json")
    assert store.entries()[0].source == "import" and store.load(run_id).workload.steps == 50


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "1; DROP TABLE runs", "ABCDEF12", "x" * 5000])
def test_a_hostile_run_id_is_refused_by_name(store, bad):
    with pytest.raises(WorkloadError, match=r"^run=.* is not allowed: an id from the history") as err:
        store.load(bad)
    assert len(str(err.value)) < 200


def test_a_missing_run_says_where_it_looked(store):
    with pytest.raises(MissingRun, match="^run 0123abcd is not in this box's history$") as err:
        store.load("0123abcd")
    assert err.value.where == store.path  # for the CLI; a link's visitor is not shown the path


def test_delete_removes_one_run_and_refuses_examples(store, seed):
    a, b = store.save(seed, "cli"), store.save(seed, "lab")
    store.delete(a)
    assert [e.id for e in store.entries() if e.source != "example"] == [b]
    with pytest.raises(HistoryError, match="bundled example"):
        store.delete("example-h100-seed")
    with pytest.raises(MissingRun):
        store.delete(a)


def test_the_data_folder_is_shared_by_every_user_of_the_box(tmp_path, monkeypatch):
    store = History(tmp_path / "shared")
    assert oct(store.folder.stat().st_mode & 0o7777) == "0o1777"
    assert oct(store.path.stat().st_mode & 0o777) == "0o666"
    monkeypatch.setenv("OVERLAP_LAB_DATA_DIR", str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env" and data_dir("/x") == Path("/x")


def test_a_version_1_result_is_upgraded_step_by_step():
    old = json.loads(SEED.read_text())
    assert old["schema_version"] == 1
    new = upgrade(old)
    assert new["schema_version"] == 7 and new["workload"]["cpu_fixed"] == "work"
    assert [v["name"] for v in new["variants"]] == ["serial", "deque"]
    assert [v["depth"] for v in new["variants"]] == [1, old["workload"].get("depth", 2)]
    assert "depth" not in new["workload"] and new["variant_set"] == "pair"
    assert all(r["step_fields"][-1] == "post_iterations" for r in new["runs"])
    assert all(len(s) == len(r["step_fields"]) and s[-1] == -1 for r in new["runs"] for s in r["steps"])
    assert old["schema_version"] == 1  # the input is left as it was
    assert Comparison.from_dict(new).to_dict()["runs"] == Comparison.from_dict(old).to_dict()["runs"]
    c = Comparison.from_dict(old)
    # Loaded through the new variants, the old pair reports what it always did.
    assert c.variant_names == ["serial", "deque"] and c.headline.name == "deque"
    assert all(s.read_start_ns == -1 for r in c.runs for s in r.steps) and not c.syncs_checked
    assert c.round_speedups == [x for _, x in c.all_round_speedups_of("deque")]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_shipped_result_loads_with_its_set_named(name):
    data = json.loads((EXAMPLES_DIR / EXAMPLES[name][0]).read_text())
    c = Comparison.from_dict(data)
    # Named by the rule a custom set is named by: a ladder stored before its pool was sized to the
    # box, or before its bf16 rung, is still the ladder.
    assert c.variant_set in SETS and set_for(c.variants) == c.variant_set
    assert "depth" not in c.workload.to_dict()


def test_a_version_3_workload_depth_gives_way_to_the_variants_own():
    # Version 3 stored the workload's depth even where only the pair used it: a depth-4 workload
    # run with the readback set ran every variant at depth 2. The variants say what ran.
    c = load_example("example-h200-readback")
    data = json.loads((EXAMPLES_DIR / "h200_readback.json").read_text())
    assert data["schema_version"] == 3
    data["workload"]["depth"] = 4
    back = Comparison.from_dict(data)
    assert back.variant_set == "readback" and [v.depth for v in back.variants] == [1, 2, 2, 2]
    assert back.runs == c.runs and back.speedup == c.speedup


def test_version_4_names_give_way_to_one_name_per_loop():
    # Version 4 called the ladder's naive rung and the pair's deque both "overlap", and the readback
    # set's plain deque "none". Every record that names a loop takes the loop's one name.
    for run_id, names in (
        ("example-h200-ladder", ["serial", "naive", "pinned", "pool8", "graphs"]),
        ("example-h200-readback", ["serial", "deque", "naive", "pinned"]),
        ("example-h200-balanced", ["serial", "deque"]),
    ):
        c = load_example(run_id)
        assert c.variant_names == names
        assert {r.mode for r in c.runs} == set(names)
        assert {f.variant for f in c.syncs} <= set(names)
    ladder = load_example("example-h200-ladder")
    assert any(f.variant == "naive" for f in ladder.syncs)


def test_an_import_keeps_its_id_where_free_and_the_same_result_twice_is_named(tmp_path):
    sender, receiver = History(tmp_path / "a"), History(tmp_path / "b")
    run_id = sender.import_json(SEED.read_bytes(), "h100_seed.json")
    with pytest.raises(AlreadyStored, match=f"^this result is already stored as run {run_id}$") as err:
        sender.import_json(SEED.read_bytes(), "h100_seed.json")
    assert err.value.run_id == run_id and sender.count() == 1
    sent = json.dumps(document(sender.load(run_id), run_id))  # the lab's download, the CLI's --json
    assert receiver.import_json(sent, "shared.json") == run_id  # the sender's ?run= link works here
    with pytest.raises(AlreadyStored):
        receiver.import_json(sent, "shared.json")
    other = History(tmp_path / "c")
    taken = other.save(load_example("example-h200-balanced"), "lab", run_id=run_id)
    assert taken == run_id
    kept = other.import_json(sent, "shared.json")  # the id is taken by another result: a new one
    assert kept != run_id and other.load(kept).speedup == sender.load(run_id).speedup


def test_a_store_from_before_sets_and_sweeps_gains_them_and_keeps_its_runs(tmp_path):
    folder = tmp_path / "old"
    History(folder)  # the folder and file as the store makes them
    path = folder / "history.sqlite3"
    old_schema = SCHEMA_V1  # the table as the first release made it
    db = sqlite3.connect(path)
    db.execute("DROP TABLE runs")
    db.execute(old_schema)
    text = (EXAMPLES_DIR / "h200_ladder.json").read_text()
    db.execute(
        "INSERT INTO runs VALUES ('0123abcd', '2026-11-27', '2026-11-27', 'u', 'h', 'cli', 'seed', "
        "'vit_b_16', 10, 'fp32', 2, 'cuda:0', 'NVIDIA H200', 6.0, 8.8, 0.6, 'unstable', 3, ?)",
        (text,),
    )
    db.commit()
    db.close()
    store = History(folder)
    (entry,) = [e for e in store.entries() if e.source != "example"]
    assert entry.id == "0123abcd" and entry.variant_set == "ladder"
    assert store.load("0123abcd").variant_names == ["serial", "naive", "pinned", "pool8", "graphs"]
    with pytest.raises(AlreadyStored, match="0123abcd"):
        store.import_json(text, "h200_ladder.json")


def test_a_sweeps_points_are_one_entry_and_one_delete(store):
    point = load_example("example-h200-balanced")
    sweep = store.new_sweep()
    for ratio in (2.0, 0.5, 1.0):
        c = dataclasses.replace(point, workload=point.workload.at_ratio(ratio))
        store.save(c, "lab", sweep=sweep)
    single = store.save(point, "lab")
    stored = [e for e in store.entries() if e.source != "example"]
    assert [e.id for e in stored] == [single, sweep]
    assert stored[1].variant_set == "sweep" and stored[1].stability == "3 points"
    assert store.is_sweep(sweep) and not store.is_sweep(single)
    assert [c.workload.cpu_g_ratio for _, c in store.load_sweep(sweep)] == [0.5, 1.0, 2.0]
    store.delete(sweep)
    assert store.count() == 1 and not store.is_sweep(sweep)
    with pytest.raises(MissingRun):
        store.load_sweep(sweep)


def test_an_import_never_takes_a_sweeps_id_and_a_delete_removes_exactly_what_its_id_names(store, seed):
    point = load_example("example-h200-balanced")
    sweep = store.new_sweep()
    for ratio in (0.5, 1.0):
        store.save(dataclasses.replace(point, workload=point.workload.at_ratio(ratio)), "lab", sweep=sweep)
    # a file that was stored under the id this box's sweep has
    sent = json.loads(json.dumps(document(seed, sweep)))
    assert sent["run_id"] == sweep
    imported = store.import_json(json.dumps(sent), "sent.json")
    assert imported != sweep and RUN_ID_PATTERN.match(imported)
    ids = [e.id for e in store.entries() if e.source != "example"]
    assert ids.count(sweep) == 1 and imported in ids
    store.delete(imported)  # the import alone
    assert store.is_sweep(sweep) and len(store.load_sweep(sweep)) == 2
    store.delete(sweep)  # the sweep's points alone
    assert store.count() == 0


def test_runs_are_listed_by_when_they_ran_not_when_they_arrived(store):
    """A teammate's run from last week, imported today, sorts among last week's runs."""
    point = load_example("example-h200-balanced")

    def at(when: str) -> Comparison:
        return dataclasses.replace(point, provenance=dataclasses.replace(point.provenance, started_at=when))

    today = store.save(at("2026-12-07T10:00:00+00:00"), "lab")
    last_week = store.import_json(json.dumps(document(at("2026-11-30T10:00:00+00:00"))), "old.json")
    yesterday = store.save(at("2026-12-06T10:00:00+00:00"), "cli")
    stored = [e.id for e in store.entries() if e.source != "example"]
    assert stored == [today, yesterday, last_week]
    examples = [e.started_at for e in store.entries() if e.source == "example"]
    assert examples == sorted(examples, key=lambda s: s or "", reverse=True)
