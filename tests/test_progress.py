"""The progress throttle: phase changes pass at once, steps at most twice a second."""

from engine.lock import Waiting
from engine.progress import Progress, Throttle


def test_throttle_passes_phase_changes_and_at_most_two_steps_a_second():
    now = [0.0]
    seen = []
    throttle = Throttle(seen.append, 0.5, clock=lambda: now[0])
    for i in range(1, 11):  # ten serial steps, 0.1 s apart
        now[0] = i * 0.1
        throttle(Progress("serial", i, 30, 0, 1))
    throttle(Progress("overlap", 11, 30, 0, 1))  # a new phase passes at once
    throttle(Progress("overlap", 12, 30, 0, 1))
    throttle(Progress("done", 30, 30, 1, 1))
    assert [(p.phase, p.done_steps) for p in seen] == [
        ("serial", 1),
        ("serial", 6),
        ("overlap", 11),
        ("done", 30),
    ]


def test_waiting_messages_name_the_holder():
    other = Progress("waiting", 0, 10, waiting=Waiting(0, "another process (pid 42)"))
    assert other.message == "waiting for the device: held by another process (pid 42)"
    assert Progress("serial", 3, 10, 0, 2, note="x").message == "round 1/2: serial (3/10) · x"
