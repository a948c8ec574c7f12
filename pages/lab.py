"""The lab: pick a workload and what to compare, run it on the real device, read the result."""

import streamlit as st

from ui import controls, shell
from ui.controls import links, run
from ui.shell import box, theme
from ui.shell.look import Look, look_for
from ui.shell.plain import plain
from ui.views import results, sweep_view

shell.require()

st.title("Lab: overlap, measured")
env = run.environment()
on_gpu = env.device.startswith("cuda")
default = controls.GPU_PRESET if on_gpu else controls.STANDIN_PRESET
if not on_gpu and shell.presenting():
    st.caption("CPU stand-in: a worker process plays the GPU; the times are a CPU's.")
elif not on_gpu:
    st.info(
        "No CUDA GPU here, so runs use the **CPU stand-in**: a worker process on its own core runs real "
        "forward passes of the model and plays the GPU, while this process post-processes. The overlap "
        "is real; the absolute times are a CPU's, not a GPU's. The cpu-demo preset (the default here) "
        "runs in seconds; a recorded GPU run opens from the History page."
    )
    if env.cpu_cores_usable < controls.STANDIN_CORES_WITH_BROWSER:
        st.warning(
            f"This machine has {env.cpu_cores_usable} cores: the stand-in needs one for the model and "
            "one for the post-processing, so a browser on this machine competes with both. The lab "
            "redraws at most twice a second, but for numbers to quote, run the CLI "
            "(`python -m engine compare`) with the browser closed."
        )
# A link sets the page up once; after that the page writes the link, and only a changed link applies.
query = st.query_params.to_dict()
fresh = query != st.session_state.get("_link_written")
link = links.parse(query, default) if fresh else None
note, problem = controls.init_state(default, on_gpu, link)
if link is not None and link.sweep:
    run.open_sweep(link.sweep)
elif link is not None and link.run:
    run.open_stored(link.run)
if note:
    st.caption(note)
if problem:
    st.warning(plain(problem))  # it quotes the link, which anyone can write
run.settle_interrupted()
running = run.is_running()
if not running:  # a theme switch reruns the page, which would stop a run
    theme.follow("lab")
workload = controls.render(disabled=running, devices=run.device_choices(env), on_gpu=on_gpu)
if not running:  # while this session runs, its progress says it all, and no timer reruns the page
    box.in_use(run.stopping, run.released)
    if trouble := run.store_problem():
        st.warning(
            f"Runs are not being stored in the history: {plain(trouble)}. A finished run is still shown, "
            "and written to a file whose path is given."
        )

# Run and Stop share one key, so the browser swaps one button for the other instead of keeping the
# idle Run on screen (stale) beside Stop for as long as the run lasts.
if running:
    st.button("Stop", type="primary", on_click=run.request_stop, icon=":material/stop:", key="run_stop")
else:
    st.button(
        "Run",
        type="primary",
        disabled=workload is None,
        on_click=run.request_run,
        args=(controls.request,),
        icon=":material/play_arrow:",
        key="run_stop",
    )
    if estimate := controls.standin_estimate(workload):
        st.caption(estimate)
    if crowded := controls.crowding(workload):
        st.caption(crowded)
status = st.container()
shown = run.shown()
if st.session_state.get(run.ERROR_KEY):
    st.error(plain(st.session_state[run.ERROR_KEY]))  # it may quote a link's or a stored run's text
if st.session_state.get(run.NOTICE_KEY):
    st.warning(plain(st.session_state[run.NOTICE_KEY]))

sweep = run.shown_sweep()
if sweep is not None:
    st.divider()
    sweep_view.render(sweep.points, sweep.run_ids, Look(shell.presenting()))
    if sweep.sweep_id:
        st.caption(f"Stored as sweep {sweep.sweep_id}. This page's link opens it: ?sweep={sweep.sweep_id}")
elif shown is not None:
    st.divider()
    st.caption(run.origin_line(shown, earlier=running or bool(st.session_state.get(run.STOPPED_KEY))))
    look = look_for(shown.comparison, shown.run_id, shell.presenting(), either_theme=running)
    results.render(shown.comparison, look)
if shown is not None and (trace := run.trace_of(shown)) is not None:
    st.download_button(
        "Profiler trace (Chrome/Perfetto JSON)",
        trace,
        f"overlap-lab-trace-{shown.run_id or 'unsaved'}.json",
        "application/json",
        on_click="ignore",
        icon=":material/timeline:",
        help="Open it in https://ui.perfetto.dev or chrome://tracing; launch, wait, read and post "
        "are named ranges.",
    )
written = links.encode(
    *controls.link_state(),
    shell.presenting(),
    shown.run_id if shown else None,
    default,
    sweep.sweep_id if sweep is not None else None,
)
if written != query:
    st.query_params.from_dict(written)
st.session_state["_link_written"] = written
# Last: the earlier result is drawn first, labelled as such, and the run's progress goes into the
# status area above it. Run before it, the run kept the previous script run's drawing on screen,
# which still called it "Stored run" for as long as the run lasted.
if running:
    run.run_pending(status)
