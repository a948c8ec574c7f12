"""The explainer: why overlap helps, when it cannot, and an idealised timeline to play with."""

import streamlit as st

from ui import shell
from ui.shell import theme
from ui.shell.look import Look
from ui.views import crossover_view, playground

shell.require()
theme.follow("")

st.title("Overlap Lab: keep the GPU and the CPU busy at the same time")
st.markdown(
    "An inference loop usually does two kinds of work per batch: the **GPU** runs the model's forward "
    "pass, and the **CPU** turns the output into something useful (decoding, filtering, logging). Run "
    "one after the other, each side idles while the other works. This page shows how to let them work "
    "at once, how much that can gain, and why the gain is often smaller than hoped. The **Lab** page "
    "then measures it on real hardware."
)

st.header("A kitchen with two cooks")
st.markdown(
    "Think of a restaurant kitchen. The grill cook (the GPU) is fast and can only cook what has been "
    "put on the grill. The plating cook (the CPU) puts orders on the grill and plates finished dishes. "
    "In a badly run kitchen the plating cook puts order N on the grill, stands watching until it is "
    "done, plates it, and only then puts order N+1 on. The grill sits cold while dishes are plated. "
    "In a well run kitchen the plating cook puts order N+1 on the grill first and plates dish N while "
    "N+1 cooks: both cooks are busy, and dishes come out faster."
)

st.header("Launching is not waiting")
st.markdown(
    "- **Dispatch is asynchronous.** Calling a model on CUDA tensors only queues kernels on a stream; "
    "the call returns once they are queued, usually long before the GPU has finished them. The host "
    "time this takes is **L**, the launch cost, and for a ViT-B/16 it is several milliseconds of "
    "Python and C++ per batch.\n"
    "- **Some calls wait.** A device-wide `synchronize()`, `tensor.item()`, `tensor.cpu()` and printing "
    "a CUDA tensor all block the host until the GPU has caught up. Each is a *sync point*, and the "
    "host does nothing useful while it waits.\n"
    "- **The overlap trick:** launch batch N, then post-process batch N-1 (finished already), then "
    "wait for N. A queue of two batches (double buffering) is enough to keep both sides busy.\n"
    "- **Drain at the end.** When the loop ends one batch is still waiting to be post-processed. It "
    "must be, and a fair timer includes it: the Lab's *wall* time runs to the last post-processing."
)

st.header("The timeline, idealised")
st.markdown(
    "Move the sliders: **G** is the GPU time of one batch, **L** the host time to launch it, **C** the "
    "host time to post-process it. The chart runs the Lab's own loop code against a device with exactly "
    "these costs, so this is the schedule the Lab measures, minus the noise."
)


playground.render()

st.header("Why the article's 1.5x does not show up on an H100")
st.markdown(
    "The article this tool grew from reports 0.26 s per iteration serially and 0.17 s overlapped for "
    "ViT-B/16 at batch 10 with a 500,000-iteration Python loop as post-processing. On an H100, G is "
    "about 11 ms while that loop takes 70 to 150 ms: the host side dominates, and hiding 11 ms "
    "of GPU work under about 100 ms of CPU work gains 5 to 10% at most. The ceiling, not the trick, "
    "sets the gain. The gain is largest when the two sides are balanced (L + C = G), where it reaches "
    "2 - L/G: a large launch cost eats into it, which is why the balanced preset uses a large batch."
)

st.header("Past 2x: the technique ladder")
st.markdown(
    "One host thread that launches and post-processes can never beat max(G, L + C): the deque hides "
    "the GPU's work under the host's, not the host's under anything. Serving systems go further. "
    "**Read the output the right way** (a pinned, non_blocking copy and an event per batch), or the "
    "overlap is silently lost. **Hand the post-processing to k processes**, and the period falls to "
    "max(G, L, C / k). **Replay the forward as a CUDA Graph**, and L shrinks from milliseconds to a "
    "fraction of one. The Lab's Compare control measures every rung against the same serial baseline, "
    "each with its ceiling, the synchronisations hidden in its loop, and where the GPU sat idle. The "
    "top rung also **runs the model in bf16**, with a pool sized to the box, and every rung is set "
    "against what the box allows at all: the cheapest G, L, C / k and copy the run measured. "
    "**Inputs** travel too: a pageable `.to(device)` waits for the stream and makes the loop serial "
    "again, while a pinned copy on a side stream runs under the batch before."
)
LADDER_LINKS = (
    ("Open a ladder recorded on an H200", ":material/stairs:", {"run": "example-h200-ladder"}),
    ("Run the ladder in the Lab", ":material/science:", {"variants": "ladder"}),
    ("The ladder up to bf16, against the box (H200)", ":material/speed:", {"run": "example-h200-ladder-box"}),
    (
        "Input uploads: pageable, pinned, side stream (H200)",
        ":material/upload:",
        {"run": "example-h200-uploads"},
    ),
)
for col, (label, icon, params) in zip(st.columns(2) + st.columns(2), LADDER_LINKS, strict=True):
    with col:
        st.page_link("pages/lab.py", label=label, icon=icon, query_params=params)

st.header("Where CUDA Graphs stop paying")
st.markdown(
    "A graph replay cuts one thing, the host's launch cost L, and that only helps while the loop waits "
    "on launching. L stays put as the batch grows and the device's work G grows with it, so past some "
    "batch G covers L and a replay gains nothing. Where that batch lies depends on the model, the "
    "precision and the card: bf16 shrinks G, so graphs keep paying to larger batches."
)
crossover_view.render(Look(shell.presenting()).style)

st.header("Pitfalls")
st.markdown(
    "- **Reading the newest output by accident.** `out.cpu()` on the batch just launched waits for it, "
    "and the overlap is gone. Only touch outputs of earlier batches.\n"
    "- **A readback that waits for too much.** A stream runs in order, so `prev.cpu()` issued after "
    "launching batch N waits for N as well. Copy into pinned memory with `non_blocking=True`, record "
    "an event, and wait on that event. The Lab's readback comparison shows both, and its traps panel "
    "names the line that synchronised.\n"
    "- **Forgetting the drain.** Without a final wait and the last post-processing, the timer stops "
    "early and the gain looks bigger than it is.\n"
    "- **Threads instead of processes.** Python-level post-processing holds the GIL; a thread cannot run "
    "it alongside a Python-driven forward pass without both slowing down.\n"
    "- **A deeper queue is not a faster one.** Beyond two batches the steady period does not improve; "
    "memory use and latency grow. A third slot only smooths out jitter, when the host is on average "
    "faster than the GPU but sometimes stalls.\n"
    "- **Two scripts, two workloads.** The article's overlap script computes `batch_id * 31 + i` "
    "inside its post-processing loop; its serial script does not. The extra arithmetic makes each "
    "overlap batch's C about 16% longer, and where the whole possible gain is 5 to 10% (an H100), "
    "that alone can turn the overlap into a slowdown. The Lab's `article` preset runs each script's "
    "own loop and says by how much they differ; every other preset runs one loop in both.\n"
    "- **A noisy host moves C, not the schedule.** A pure-Python loop of fixed length can take 70 ms "
    "one moment and 120 ms the next on a shared box. The Lab can hold C for a fixed *duration* "
    "instead (`seed-steady`, `balanced`), and it judges every block against the period its own G, "
    "L and C predict, so a drifting host shows up as drift, not as a broken loop.\n"
    "- **Utilisation is not a stopwatch.** NVML's GPU utilisation is the share of a 1/6 s to 1 s window "
    "in which any kernel ran. Use the Lab's recorded spans to see what happens per batch."
)
