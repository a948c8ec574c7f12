"""History: every run kept on this box, from the lab or the CLI, and the recorded GPU results.

Open one to see the lab's charts, pick two to compare them side by side, import a JSON result, or
delete a run. The page's link names what it shows (?run=ID or ?compare=A,B), so it can be sent.
"""

import streamlit as st

from ui import shell
from ui.controls import links
from ui.shell import theme
from ui.shell.look import Look, look_for
from ui.shell.plain import plain
from ui.views import history_view, results, side_by_side, sweep_view

shell.require()
theme.follow("history")
PICK = "h_pick"

st.title("History: runs kept on this box")
store = history_view.open_store()
entries = {e.id: e for e in history_view.listed(store)}

query = st.query_params.to_dict()
if query != st.session_state.get("_history_link"):
    link = links.parse(
        {k: v for k, v in query.items() if k in ("run", "sweep", "compare", "present")}, "seed"
    )
    for problem in link.problems:
        st.warning(f"This link's {plain(problem)}.")  # a link's text is anyone's
    wanted = list(link.compare) or ([link.sweep] if link.sweep else [link.run] if link.run else [])
    missing = [i for i in wanted if i not in entries]
    if missing:
        st.warning(f"Run {', '.join(missing)} is not in this box's history.")
    st.session_state[PICK] = [i for i in wanted if i in entries]

examples = sum(e.source == "example" for e in entries.values())
st.caption(
    f"Stored in {store.path}, shared by every user of this box (set OVERLAP_LAB_DATA_DIR, or "
    f"`--data-dir` in the CLI, to keep runs elsewhere). The {examples} example runs were recorded on "
    "real GPUs and open on any machine."
)
with st.expander("Import a result file (JSON)"):
    upload = st.file_uploader("A file written by `--json` or the lab's download", type=["json"])
    if upload is None:
        st.session_state[history_view.NOTICE] = None
    if upload is not None and st.session_state.get("_imported") != upload.file_id:
        new_id = history_view.import_file(store, upload.getvalue(), upload.name)
        if new_id is not None:
            st.session_state["_imported"] = upload.file_id
            st.session_state[PICK] = [new_id]
            st.rerun()
    history_view.import_notice()


table = history_view.entries_frame(list(entries.values()))
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "speedup": st.column_config.NumberColumn(format="%.2fx", width="small"),
        "limit": st.column_config.NumberColumn(format="%.2fx", width="small"),
        "set": st.column_config.TextColumn(width="small"),
        "batch": st.column_config.NumberColumn(width="small"),
    },
)
st.session_state[PICK] = [i for i in st.session_state.get(PICK, []) if i in entries]
picked = history_view.pick(
    "Open one run, or pick two to compare side by side",
    list(entries),
    format_func=lambda i: entries[i].label,
    key=PICK,
)


def delete_confirmed(run_id: str, others: bool) -> None:
    st.session_state.h_confirm = None
    st.session_state[PICK] = []
    problem = history_view.delete(store, run_id, others)
    if problem:  # a teammate deleted it first, say
        st.session_state.h_problem = problem


if st.session_state.get("h_problem"):
    st.warning(st.session_state.pop("h_problem"))
present = shell.presenting()
if len(picked) == 1:
    run_id = picked[0]
    if entries[run_id].source != "example":
        if st.session_state.get("h_confirm") == run_id:
            others = history_view.others_of(store, run_id)
            whose = f" It is {plain(', '.join(others))}'s run, not this server's user's." if others else ""
            st.warning(f"Delete {plain(entries[run_id].label)}? It goes for every user of this box.{whose}")
            yes, no = st.columns(2)
            yes.button(
                f"Yes, delete {plain(', '.join(others))}'s run" if others else "Yes, delete it",
                type="primary",
                key="h_delete_yes",
                on_click=delete_confirmed,
                args=(run_id, bool(others)),
            )
            no.button("Keep it", key="h_delete_no", on_click=lambda: st.session_state.update(h_confirm=None))
        else:
            st.button(
                "Delete this run",
                icon=":material/delete:",
                key="h_delete",
                on_click=lambda: st.session_state.update(h_confirm=run_id),
            )
    is_sweep = entries[run_id].variant_set == "sweep"
    kind = "sweep" if is_sweep else "run"
    st.caption(f"Link to this {kind} in the lab: ?{kind}={run_id}")
    if is_sweep:
        shown = history_view.load_sweep(store, run_id)
        if shown is not None:
            sweep_view.render(*shown, Look(present, "h"))
    elif (c := history_view.load(store, run_id)) is not None:
        results.render(c, look_for(c, run_id, present, key="h"))
elif len(picked) == 2:
    pair = [(i, history_view.load(store, i)) for i in picked]
    opened = [(i, c) for i, c in pair if c is not None]
    if len(opened) == 2:
        side_by_side.render(opened, present)

written = (
    {("sweep" if entries[picked[0]].variant_set == "sweep" else "run"): picked[0]}
    if len(picked) == 1
    else {"compare": ",".join(picked)}
    if picked
    else {}
)
if present:
    written["present"] = "1"
if written != query:
    st.query_params.from_dict(written)
st.session_state["_history_link"] = written
