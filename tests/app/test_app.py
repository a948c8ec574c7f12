"""Every page through Streamlit's AppTest: no exceptions, widgets react, charts carry the right data."""

import pytest

from engine.read.document import card_text
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import History
from tests.kits.app import app, as_shown, charts, fields, has_cuda, marks, metrics, page
from tests.kits.ideal import ideal_compare
from ui.controls.run import Shown


@pytest.fixture(autouse=True)
def private_lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path))


def test_explainer_renders_and_reacts_to_its_sliders():
    at = app().run()
    assert not at.exception
    before = metrics(at)
    assert before["Serial period"] == "21.0 ms"  # G 11 + C 10: the launch hides under G
    assert before["Deque period"] == "16.0 ms"  # L 6 + C 10
    at.slider(key="ex_c").set_value(100.0).run()
    after = metrics(at)
    assert after["Serial period"] == "111.0 ms" and after["Deque period"] == "106.0 ms"
    assert after["Speedup (ceiling)"] == "1.05x"
    timeline, crossover = charts(at)  # the idealised timeline, then the recorded graphs crossover
    assert marks(timeline) == {"bar"} and {"batch", "ms", "series"} <= fields(crossover)
    assert {"start_ms", "end_ms", "row", "activity"} <= fields(timeline)
    # The step-through slider lives in the chart itself, so the browser applies it with no rerun.
    (param,) = timeline["params"]
    assert param["name"] == "batches" and param["bind"]["input"] == "range" and param["bind"]["step"] == 1
    assert {"filter": "datum.launched <= batches"} in timeline["transform"]
    assert timeline["encoding"]["x"]["scale"]["domain"][0] == 0  # one time axis at every step
    link = at.get("page_link")[0]
    # C = 100 ms against G = 11 ms is the article's host-heavy case: the link offers the seed preset.
    assert link.proto.page == "lab" and link.proto.query_string == "preset=seed"


@pytest.mark.skipif(has_cuda(), reason="the stand-in banner shows only without CUDA")
def test_lab_without_gpu_shows_the_standin_banner_and_cpu_demo():
    at = app()
    at.switch_page("pages/lab.py").run()
    assert not at.exception
    assert any("CPU stand-in" in i.value for i in at.info)
    assert at.session_state["preset"] == "cpu-demo"
    assert at.button[0].label == "Run" and not at.button[0].disabled


@pytest.mark.skipif(has_cuda(), reason="the redirect to cpu-demo happens only without CUDA")
def test_link_to_a_gpu_preset_opens_cpu_demo_on_the_standin():
    at = page("lab", preset="balanced")
    assert at.session_state["preset"] == "cpu-demo"
    assert any("The balanced preset is sized for a GPU" in c.value for c in at.caption)


def test_lab_rejects_a_run_that_would_take_too_long_on_the_standin():
    at = app()
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="preset").set_value("balanced").run()
    at.selectbox(key="w_device").set_value("cpu").run()
    assert any("On the CPU stand-in this would take about" in e.value for e in at.error)
    assert at.button[0].disabled
    at.number_input(key="w_batch_size").set_value(1).run()
    assert at.session_state["preset"] == "custom"


@pytest.mark.quiet  # its speedup needs both cores
def test_lab_runs_cpu_demo_for_real_stores_it_and_a_link_reopens_it():
    at = app()
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="preset").set_value("cpu-demo").run()
    at.selectbox(key="w_device").set_value("cpu").run()  # the stand-in, even on a GPU box
    at.slider(key="w_rounds").set_value(2).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error
    shown = at.session_state["result"]
    result: Comparison = shown.comparison
    assert result.device_kind == "standin" and result.rounds == 2
    m = metrics(at)
    assert m["Speedup"] == f"{result.speedup:.2f}x" and m["Limit"] == f"{result.limit:.2f}x"
    assert float(m["Speedup"][:-1]) > 1.1
    specs = charts(at)
    # paired, per-round, per-block, histogram and ECDF of two metrics, timeline, GPU idle, CPU telemetry
    assert len(specs) == 10
    paired = next(s for s in specs if "measure" in fields(s))
    assert {"bar", "text", "tick"} <= marks(paired)
    ecdfs = [s for s in specs if "share" in fields(s)]
    assert len(ecdfs) == 2 and all({"line", "rule"} == marks(s) for s in ecdfs)
    assert all(s["width"] == "container" for s in specs if "width" in s)  # nothing of a fixed width
    assert any({"start_ms", "end_ms", "row"} <= fields(s) for s in specs)
    assert any({"t_s", "value", "series"} <= fields(s) for s in specs)
    assert any({"round", "speedup", "counted"} <= fields(s) for s in specs)
    truth = next(s for s in specs if "schedule efficiency" in fields(s))
    assert {"bar", "rule"} <= marks(truth)
    texts = [m.value for m in at.markdown]
    assert f"## {card_text(result)}" in texts
    assert any("**Most help:**" in v for v in texts)
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == 10  # every chart, as an image for slides
    assert labels[-3:] == ["Result (JSON)", "Per-batch records (CSV)", "Summary image (PNG)"]
    # Stored at once, and the page's link now names it: a reload or a teammate opens the same run.
    assert at.query_params["run"] == shown.run_id
    stored = History().load(shown.run_id)
    assert stored.to_dict()["runs"] == result.to_dict()["runs"]
    teammate = app()
    teammate.query_params["run"] = shown.run_id
    teammate.switch_page("pages/lab.py").run()
    assert not teammate.exception
    assert any(c.value.startswith(f"Stored run {shown.run_id}, started ") for c in teammate.caption)
    assert f"## {card_text(result)}" in [m.value for m in teammate.markdown]
    # A widget change reruns the page; the result survives.
    at.slider(key="r_tl_first").set_value(0).run()
    assert at.session_state["result"] is shown and len(charts(at)) == 10


def test_lab_draws_a_recorded_h100_result_with_gpu_telemetry():
    at = page("lab", run="example-h100-seed")
    specs = charts(at)
    tele = [s for s in specs if "t_s" in fields(s)]
    assert {s["title"] for s in tele} == {
        "GPU utilisation (%)",
        "GPU memory used (MiB)",
        "GPU power (W)",
        "CPU utilisation per core (%)",
    }
    assert all("line" in marks(s) and {"value", "series", "mode"} <= fields(s) for s in tele)
    assert any("NVML utilisation" in c.value for c in at.caption)
    env = at.table[0].value
    assert "NVIDIA H100 80GB HBM3" in env.to_string()


@pytest.mark.skipif(has_cuda(), reason="the redirect to cpu-demo happens only without CUDA")
def test_link_to_the_seed_preset_on_the_standin_says_it_is_the_opposite_case():
    at = page("lab", preset="seed")
    note = next(c.value for c in at.caption if "seed preset is sized for a GPU" in c.value)
    assert "host-heavy case" in note and "opposite, balanced case" in note
    assert "plays the same case" not in note


def test_lab_explains_the_article_loops_and_a_gated_run():
    import dataclasses

    from engine.result.circumstances import Stability
    from engine.spec.workload import Workload

    c = ideal_compare(Workload(model="resnet18", steps=8, warmup_steps=0, cpu_work="article"), 6)
    c = dataclasses.replace(c, stability=Stability(0.03, 4, True, "stability target met"))
    at = app()
    at.switch_page("pages/lab.py")
    at.session_state["result"] = Shown(c, None, "run")
    at.run()
    assert not at.exception
    assert any("computes `batch_id * 31 + i` on every iteration" in i.value for i in at.info)
    assert any("headline counts rounds 3 to 6" in x.value for x in at.caption)
    rounds = next(s for s in charts(at) if "counted" in fields(s))
    assert rounds["layer"][0]["encoding"]["color"]["field"] == "counted"


@pytest.mark.parametrize("value", ["fast", "<script>alert(1)</script>", "../../etc/passwd", "x" * 5000])
def test_a_hostile_preset_link_gets_a_message_and_the_defaults(value):
    at = page("lab", preset=value)
    (warning,) = [as_shown(w.value) for w in at.warning if "This link's preset=" in w.value]
    assert "is not allowed: one of seed, article" in warning and "Defaults are kept for those." in warning
    assert len(warning) < 300
    assert at.session_state["preset"] in ("seed", "cpu-demo")


def test_lab_draws_a_recorded_h200_run_until_stable():
    at = page("lab", run="example-h200-balanced")
    texts = [m.value for m in at.markdown]
    assert (
        "## deque: 1.91x of its 1.92x limit (ceiling 1.96x) · throughput +91% · end-to-end latency +2% "
        "· stable" in texts
    )
    assert any("stopped by stability target met after 4 rounds" in c.value for c in at.caption)
    assert len(at.dataframe[0].value) == 8  # four rounds, two blocks each


@pytest.mark.skipif(has_cuda(), reason="the stand-in's estimate shows where there is no CUDA")
def test_the_lab_says_how_long_a_standin_run_takes_before_it_starts():
    at = page("lab")
    said = [
        c.value for c in at.caption if c.value.startswith("About ") and "s on the CPU stand-in." in c.value
    ]
    assert len(said) == 1
    assert 5 <= int(said[0].split()[1]) <= 60  # cpu-demo, 3 rounds: 12 to 23 s measured on 2-core machines
    busy = said[0].split("s on the CPU stand-in.")[1].strip()  # other work on the box is said, if any
    assert busy == "" or busy.startswith("The box's 1-minute load is ")


@pytest.mark.skipif(has_cuda(), reason="the stand-in's pool set; a GPU box has its own cores")
def test_the_lab_says_when_a_set_asks_for_more_workers_than_the_box_has_cores():
    from engine.spec.sets import SETS, crowded, usable_cores

    expected = crowded(SETS["pool"].variants(2, False, usable_cores()), usable_cores(), on_gpu=False)
    said = [c.value for c in page("lab", variants="pool").caption if "helper processes" in c.value]
    assert said == ([expected] if expected else [])
    assert not [c.value for c in page("lab").caption if "helper processes" in c.value]  # the pair


def test_a_run_whose_script_was_ended_under_it_is_said_to_be_stopped_and_never_started_again():
    """The request is taken when its run starts; a script ended under the run (the header's Stop, a
    click's rerun, a reload) leaves only the mark that it was running, which the next script run
    turns into a message. Nothing is measured again."""
    from ui.controls.run import ACTIVE_KEY, REQUEST_KEY, RunRequest

    at = app()
    at.switch_page("pages/lab.py").run()
    at.session_state[ACTIVE_KEY] = RunRequest(Workload(), RunSpec())
    at.run()
    assert REQUEST_KEY not in at.session_state or at.session_state[REQUEST_KEY] is None
    assert at.session_state[ACTIVE_KEY] is None
    assert any(w.value.startswith("Run stopped before it finished") for w in at.warning)
    assert [b.label for b in at.button if b.key == "run_stop"] == ["Run"]
    assert "result" not in at.session_state or at.session_state["result"] is None


def test_right_after_a_stop_the_box_panel_says_the_run_is_letting_go_not_in_use():
    """The stopped run unwinds in this server for a moment after Stop and still holds its lock; the
    panel says so instead of naming this server's user as someone using the device. Another run,
    or the same lock without a Stop, is shown in use."""

    from engine.host.lock import DeviceQueue
    from ui.controls.run import STOPPING_KEY

    command = "lab: preset cpu-demo, 3 rounds, telemetry process"
    with DeviceQueue("cpu", label="cpu").hold(what=command):
        at = app()
        at.switch_page("pages/lab.py").run()
        assert [m.value for m in at.info if m.value.startswith("**cpu** is in use by ")]
        at.session_state[STOPPING_KEY] = command
        at.run()
        assert not at.exception, at.exception
        assert not [m.value for m in at.info if "is in use by" in m.value]
        assert "cpu is being released by the run you stopped." in [c.value for c in at.caption]
        at.session_state[STOPPING_KEY] = "lab: preset seed, 1 round, telemetry off"
        at.run()
        assert [m.value for m in at.info if m.value.startswith("**cpu** is in use by ")]
        at.session_state[STOPPING_KEY] = None  # forgotten once the stopped run's lock went: in use again
        at.run()
        assert [m.value for m in at.info if m.value.startswith("**cpu** is in use by ")]
    at.session_state[STOPPING_KEY] = command
    at.run()  # the lock is gone: the stopped run is forgotten, so a later run is never mistaken for it
    assert at.session_state[STOPPING_KEY] is None
