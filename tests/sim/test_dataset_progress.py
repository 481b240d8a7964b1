"""The bundled MNIST subset (``--dataset example:mnist``) and the progress lines of slow steps."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hwgen.errors import HwgenError
from tests.zoo import mnist_dir

ROOT = Path(__file__).resolve().parents[2]
MNIST = mnist_dir()  # the IDX files, the independent reference (None: not found)


def _idx(path: Path) -> np.ndarray:
    raw = gzip.open(path).read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def test_bundled_mnist_is_the_first_1000_test_images() -> None:
    from hwgen.datasets import load_dataset

    path = ROOT / "hwgen" / "data" / "datasets" / "mnist_test_1000.npz"
    assert path.stat().st_size < 1_000_000
    images, labels = load_dataset("example:mnist")
    assert images.shape == (1000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (1000,) and set(labels.tolist()) == set(range(10))
    if MNIST is None:
        pytest.skip("MNIST IDX files not found; set HWGEN_MNIST_DIR")
    np.testing.assert_array_equal(images, _idx(MNIST / "t10k-images-idx3-ubyte.gz")[:1000])
    np.testing.assert_array_equal(labels, _idx(MNIST / "t10k-labels-idx1-ubyte.gz")[:1000])


def test_unknown_dataset_names_the_bundled_ones() -> None:
    from hwgen.datasets import load_dataset

    with pytest.raises(HwgenError, match=r"no bundled data set 'example:cifar'; bundled: "
                                         r"example:mnist"):
        load_dataset("example:cifar")


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hwgen.build import build

    out = tmp_path_factory.mktemp("ds") / "tfc"
    build("example:tfc_w1a1", out, folding_file=None)
    return out


def test_dataset_inputs_match_the_mnist_folder(example_build: Path) -> None:
    import hwgen
    from hwgen.simulate.job import mnist_inputs

    graph = hwgen.load(example_build / "model.onnx")
    x, labels = mnist_inputs(graph, "example:mnist", 1000)
    assert x.shape == (1000, *graph.onnx_input_shape[1:]) and labels.shape == (1000,)
    if MNIST is not None:
        x2, labels2 = mnist_inputs(graph, MNIST, 1000)
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(labels, labels2)
    with pytest.raises(HwgenError, match=r"--count must be in 1\.\.1000, not 1001"):
        mnist_inputs(graph, "example:mnist", 1001)


@pytest.mark.parametrize("args,message", [
    (["--dataset", "example:cifar"], "no bundled data set 'example:cifar'"),
    (["--dataset", "example:mnist", "--count", "0"], "--count must be at least 1, not 0"),
])
def test_sim_dataset_errors_are_one_line(example_build: Path, args, message) -> None:
    proc = subprocess.run([sys.executable, "-m", "hwgen", "sim", str(example_build), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_frame_watch_reports_frames_done(tmp_path: Path, monkeypatch) -> None:
    from hwgen.simulate import verilator

    out = tmp_path / "tb_out.txt"
    out.write_text("00 0 10\n" * 7)  # 7 output words, 2 words per frame: 3 whole frames
    monkeypatch.setattr(verilator, "PROGRESS_EVERY_S", 0.02)
    said: list[str] = []
    watch = verilator._FrameWatch(out, 10, 2, said.append)
    deadline = time.monotonic() + 10
    while not said and time.monotonic() < deadline:
        time.sleep(0.01)
    with out.open("a") as f:  # the testbench goes on writing: 11 words, 5 frames
        f.write("00 1 20\n" * 4)
    while not any(" 5 / 10 " in m for m in said) and time.monotonic() < deadline:
        time.sleep(0.01)
    watch.stop()
    assert said and said[0].startswith("  simulated 3 / 10 frames (")
    assert said[-1].startswith("  simulated 5 / 10 frames (")
    n = len(said)
    time.sleep(0.1)
    assert len(said) == n  # stopped
    verilator._FrameWatch(out, 10, 2, None).stop()  # no callback: no thread


def test_synth_progress_counts_instances(monkeypatch, tmp_path: Path) -> None:
    from hwgen.estimate import synth

    def fake(inst, *_args):
        return {"LUT": len(inst.name), "BRAM18": 0}

    monkeypatch.setattr(synth, "synth_instance", fake)
    insts = [synth.Instance(f"u_{i}", "hwgen_fifo", {}, "io", "io") for i in range(3)]
    said: list[str] = []
    job = synth.SynthJob(tmp_path, tmp_path, jobs=2, progress=said.append)
    result = job.run(insts + insts[:1])  # a duplicate is synthesized once
    assert sorted(result) == ["u_0", "u_1", "u_2"]
    assert sorted(m.split()[1] for m in said) == ["1/3", "2/3", "3/3"]
    assert all(m.endswith(" s elapsed)") and "hwgen_fifo" in m for m in said)
