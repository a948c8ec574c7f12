"""A loop a user brings: a folder that is a package, a factory that names its own batch, and an
error in the user's code told with the user's own file and line, not torch's or ours."""

from __future__ import annotations

import argparse
import sys
import textwrap
import traceback
from pathlib import Path

import pytest
import torch

from engine.cli_args import workload
from engine.devices.loops import factory_of, registry
from engine.host.loop_files import LOOPS_ENV, listed, own_batch
from engine.spec.loop import APART, LoopError, UserPost, told

HELPER = """
import torch

def rows(x):
    return torch.nn.Linear(2, 2)(x)  # torch raises inside torch.nn; the cause is this line
"""

LOOP = '''
"""A loop of the user's own, in a package, with a helper beside it."""

from . import _helpers
from .shared import double


def post(out):
    return _helpers.rows(out)


def mine(device: str, batch_size: int = 3):
    """A package loop that names its batch."""
    from engine.spec.loop import Loop
    import torch

    batch = torch.ones(batch_size, 4)
    return Loop(model=double, make_batch=lambda: batch, post=post)


LOOPS = {"pkg-mine": mine}
'''


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with an __init__.py, a private helper, a shared module without a LOOPS table, and
    one loop file: what a user who keeps their loops as a package has."""
    root = tmp_path / f"myloops_{tmp_path.name.replace('-', '_')}"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "_helpers.py").write_text(HELPER)
    (root / "shared.py").write_text("def double(x):\n    return x * 2\n")
    (root / "mine.py").write_text(textwrap.dedent(LOOP))
    monkeypatch.setenv(LOOPS_ENV, str(root))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return root


def test_a_package_folder_registers_its_loops_and_keeps_the_shipped_ones(package: Path) -> None:
    found = registry()
    assert "pkg-mine" in found and "classify-fp32" in found
    assert found["pkg-mine"].where == str(package / "mine.py")
    assert set(listed()) == set(found)  # the lab's syntax-only list agrees with what runs
    loop = factory_of("pkg-mine")("cpu", 2)
    assert loop.model(torch.ones(2)).tolist() == [2.0, 2.0]  # the relative import worked


def test_a_loop_names_its_own_batch_and_the_flag_overrides_it(package: Path) -> None:
    assert own_batch("pkg-mine") == 3
    assert own_batch("tests.data.owner_loops:mine") is None  # no default: the preset's batch
    assert own_batch("classify-fp32") is None
    args = argparse.Namespace(preset="cpu-demo", command="compare", loop_name="pkg-mine")
    for name in ("batch_size", "model", "steps", "warmup_steps", "precision", "cpu_work", "cpu_fixed"):
        setattr(args, name, None)
    for name in ("cpu_iterations", "cpu_ms", "cpu_g_ratio", "pre_ms", "device", "loop"):
        setattr(args, name, None)
    assert workload(args, on_gpu=False).batch_size == 3
    args.batch_size = "5"
    assert workload(args, on_gpu=False).batch_size == 5


def test_a_post_that_raises_inside_torch_names_the_users_line(package: Path) -> None:
    loop = factory_of("pkg-mine")("cpu", 2)
    with pytest.raises(LoopError) as caught:
        UserPost(loop.post, "pkg-mine")(0, torch.ones(3))
    said = str(caught.value)
    assert said.startswith("loop pkg-mine: its post raised ")
    assert said.endswith(f"at {package / '_helpers.py'}:5"), said
    assert "\n" not in said and APART not in said


def test_on_the_standin_a_post_error_says_the_model_ran_elsewhere() -> None:
    def post(out: object) -> None:
        raise AttributeError("'Wrapper' object has no attribute 'last'")

    with pytest.raises(LoopError) as caught:
        UserPost(post, "mine", apart=True)(0, None)
    assert str(caught.value).endswith(APART)
    assert "test_brought_loop.py" in str(caught.value)


def test_told_passes_over_library_frames() -> None:
    try:
        torch.nn.Linear(2, 2)(torch.ones(3))  # raises two frames down, inside torch.nn
    except RuntimeError as exc:
        assert any("site-packages" in f.filename for f in traceback.extract_tb(exc.__traceback__))
        said = told(exc)
    line = _line_of("torch.nn.Linear(2, 2)(torch.ones(3))  # raises two frames down, inside torch.nn")
    assert said.startswith("RuntimeError: ") and said.endswith(f"{__file__}:{line}")


def _line_of(text: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == text)


def test_a_helper_file_without_a_table_is_passed_over_but_a_bad_table_is_refused(package: Path) -> None:
    (package / "broken.py").write_text("LOOPS = ['not', 'a', 'dict']\n")
    with pytest.raises(LoopError, match="broken.py: has no LOOPS = {name: factory} table"):
        registry()


STASHING = '''
"""A model wrapper that keeps its last output for post to read: shared state between the two."""

import torch

from engine.spec.loop import Loop


class Keeps(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.last = None

    def forward(self, x):
        self.last = x * 2
        return self.last


class Reads:
    def __init__(self, model):
        self.model = model

    def __call__(self, out):
        return self.model.last.sum()  # None where the model ran in another process


def stashing(device: str, batch_size: int = 3):
    """A wrapper that stashes its last output for post."""
    model = Keeps()
    batch = torch.ones(batch_size, 4)
    return Loop(model=model, make_batch=lambda: batch, post=Reads(model))


def plain(device: str, batch_size: int = 3):
    """The same model with a post that reads only its argument."""
    batch = torch.ones(batch_size, 4)
    return Loop(model=Keeps(), make_batch=lambda: batch, post=torch.sum)


LOOPS = {"pkg-stashing": stashing, "pkg-plain": plain}
'''


def test_a_package_loop_runs_on_the_standin_at_its_own_batch_and_shared_state_is_named(
    package: Path,
) -> None:
    from engine.errors import WorkloadError
    from engine.execute import execute
    from engine.spec.run_spec import RunSpec
    from engine.spec.workload import Workload

    (package / "stash.py").write_text(STASHING)
    spec = RunSpec(variants="ladder", rounds=1, telemetry="off", save=False)
    own = own_batch("pkg-plain") or 1
    w = Workload(loop="pkg-plain", batch_size=own, steps=3, warmup_steps=1, device="cpu")
    c = execute(w, spec).result
    assert c.workload.batch_size == 3 and c.variant_names[:3] == ["serial", "naive", "pinned"]
    # The pair's deque leaves each output on the device, so a loop's post would get nothing.
    with pytest.raises(
        WorkloadError, match="^variants='pair' .*reads the output back.*: ladder, pool, threads, diagnose"
    ):
        execute(w, spec.replace(variants="pair"))
    with pytest.raises(LoopError) as caught:
        execute(w.replace(loop="pkg-stashing"), spec)
    said = str(caught.value)
    assert "its post raised AttributeError" in said and f"{package / 'stash.py'}:" in said
    assert said.endswith(APART) and "\n" not in said


def test_the_loops_command_names_a_loops_own_batch(package: Path) -> None:
    import os
    import subprocess

    env = {**os.environ, LOOPS_ENV: str(package)}
    out = subprocess.run(
        [sys.executable, "-m", "engine", "loops"], capture_output=True, text=True, env=env, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("pkg-mine"))
    assert line.endswith(f"({package / 'mine.py'}; batch 3 (its own))"), line
