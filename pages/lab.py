"""The lab: pick a workload, run serial vs overlap on the real device, read the result."""

import streamlit as st

from ui import controls, results, run, shell

shell.require()

st.title("Lab: serial vs overlap, measured")
env = run.environment()
on_gpu = env.device.startswith("cuda")
if not on_gpu:
    st.info(
        "No CUDA GPU here, so runs use the **CPU stand-in**: a worker process on its own core runs real "
        "forward passes of the model and plays the GPU, while this process post-processes. The overlap "
        "is real; the absolute times are a CPU's, not a GPU's. Choose the cpu-demo preset for a run "
        "that takes seconds."
    )
    if env.cpu_cores_usable < controls.STANDIN_CORES_WITH_BROWSER:
        st.warning(
            f"This machine has {env.cpu_cores_usable} cores: the stand-in needs one for the model and "
            "one for the post-processing, so a browser on this machine competes with both. The lab "
            "redraws at most twice a second, but for numbers to quote, run the CLI "
            "(`python -m engine compare`) with the browser closed."
        )
note, problem = controls.init_state("seed" if on_gpu else controls.STANDIN_PRESET, on_gpu)
if note:
    st.caption(note)
if problem:
    st.warning(problem)
running = run.is_running()
workload, rounds = controls.render(disabled=running, devices=run.device_choices(env), on_gpu=on_gpu)

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
        args=(
            workload,
            rounds,
            controls.telemetry_mode(),
            controls.stability_gate(),
            st.session_state.preset,
        ),
        icon=":material/play_arrow:",
        key="run_stop",
    )
status = st.container()
if running:
    run.run_pending(status)
if st.session_state.get(run.ERROR_KEY):
    st.error(st.session_state[run.ERROR_KEY])
if st.session_state.get(run.NOTICE_KEY):
    st.warning(st.session_state[run.NOTICE_KEY])

result = run.result()
if result is not None:
    st.divider()
    results.render(result)
