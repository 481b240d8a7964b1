"""The ``hwgen sim`` job: RTL vs golden (bit for bit at the hardware boundary) vs QONNX.

Reads OUT/model.onnx for the references (never OUT/mem, so a corrupted memory file shows up as
mismatches), streams the inputs through the Verilator model of OUT/rtl, and writes
OUT/sim/results.json.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwgen.errors import HwgenError
from hwgen.simulate.design import load_manifest, simulate

__all__ = ["SimJob", "mnist_inputs", "qonnx_results", "qonnx_summary", "run_job"]

MAX_SHOWN = 5


@dataclass(frozen=True)
class SimJob:
    results: dict
    outputs: np.ndarray  # epilogue applied, like hwgen.execute(model, x)


def mnist_inputs(graph, folder: str | Path, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` MNIST test images shaped like the model input, and their labels.

    ``folder``: a folder of the MNIST IDX files, or ``example:mnist`` for the 1,000 bundled
    test images (hwgen.datasets). Raw pixels 0..255 when the model's input is an integer
    (UINT8-annotated) input, else pixels / 255 as float32.
    """
    from hwgen.runtime.idx import find_mnist_test

    if str(folder).startswith("example:"):
        from hwgen.datasets import load_dataset

        images, labels = load_dataset(str(folder))
    else:
        try:
            images, labels = find_mnist_test(str(folder))
        except (FileNotFoundError, ValueError) as exc:
            raise HwgenError(str(exc),
                             hint="--mnist takes the folder of the MNIST IDX files") from exc
    if count < 1 or count > len(images):
        raise HwgenError(f"--count must be in 1..{len(images)}, not {count}")
    shape = tuple(graph.onnx_input_shape[1:])
    if int(np.prod(shape)) != 784:
        raise HwgenError(f"--mnist needs a model with 784 input values, not shape {shape}",
                         hint="pass --inputs X.npy shaped like the model input")
    x = images[:count].reshape((count,) + shape).astype(np.float32)
    if graph.prologue.kind != "identity":
        x = x / np.float32(255.0)
    return x, labels[:count].astype(np.int64)


def run_job(out: str | Path, x: np.ndarray, *, labels: np.ndarray | None = None,
            level: str = "core", backpressure: bool = False, seed: int = 1,
            waves: bool = False, qonnx_check: int = 1000,
            progress=lambda _msg: None, graph=None) -> SimJob:
    """Simulate ``x`` through build ``out`` and score it; ``graph``: ``hwgen.load`` of
    OUT/model.onnx when the caller already has it (loaded here otherwise)."""
    import hwgen
    from hwgen.golden import epilogue, prologue

    out = Path(out)
    m = load_manifest(out)
    model_path = out / "model.onnx"
    if graph is None:
        graph = hwgen.load(model_path)
    t0 = time.perf_counter()
    hw_in = prologue(graph, x)
    expected = hwgen.execute(graph, x, upto="hw")
    progress(f"golden model: {len(x)} frames in {time.perf_counter() - t0:.2f} s")
    idle, bp = (25, 35) if backpressure else (0, 0)
    t1 = time.perf_counter()
    run = simulate(out, hw_in, level=level, idle_pct=idle, bp_pct=bp, seed=seed, waves=waves,
                   progress=progress)
    wall = time.perf_counter() - t1
    got = run.outputs.reshape(expected.shape)
    bad_frames = np.flatnonzero((got != expected).reshape(len(x), -1).any(axis=1))
    shown = []
    for f in bad_frames[:MAX_SHOWN]:
        e, g = expected[f].reshape(-1), got[f].reshape(-1)
        idx = np.flatnonzero(e != g)
        shown.append({"frame": int(f), "output": m["layers"][-1]["name"],
                      "elements": idx[:8].tolist(), "expected": e[idx[:8]].tolist(),
                      "got": g[idx[:8]].tolist()})
    y = epilogue(graph, got)
    results: dict = {
        "frames": int(len(x)),
        "mismatches": int(len(bad_frames)),
        "mismatch_details": shown,
        "level": level,
        "backpressure": backpressure,
        "seed": seed,
        "interval_cycles": run.interval_cycles,
        "analytic_interval_cycles": m["max_cycles"] if level == "core" else m["interval_cycles"],
        "latency_cycles": run.latency_cycles,
        "clock_mhz": m["clock_mhz"],
        "tlast_ok": run.out_last_ok,
        "simulated_cycles": run.run.cycles,
        "sim_wall_s": wall,  # Verilator compile (when not cached) + run
        "sim_run_s": run.run.wall_s,  # the run alone (simulator start-up included)
        "sim_cycles_per_s": run.run.cycles / run.run.wall_s if run.run.wall_s else None,
    }
    analytic = results["analytic_interval_cycles"]
    if np.isfinite(run.interval_cycles) and run.interval_cycles > 0:
        results["interval_ratio"] = run.interval_cycles / analytic
        results["measured_fps"] = m["clock_mhz"] * 1e6 / run.interval_cycles
    results["latency_us"] = run.latency_cycles / m["clock_mhz"]
    if labels is not None:
        top1 = _top1(graph, y)
        results["accuracy_rtl"] = float((top1 == labels).mean())
        # hwgen.execute(graph, x) is the epilogue of the hardware-boundary output
        results["accuracy_golden"] = float(
            (_top1(graph, epilogue(graph, expected)) == labels).mean())
    if qonnx_check:
        results.update(qonnx_results(model_path, graph, x, y, qonnx_check, progress))
    sim_dir = out / "sim"
    sim_dir.mkdir(exist_ok=True)
    (sim_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return SimJob(results, y)


def qonnx_results(model_path: Path, graph, x: np.ndarray, y: np.ndarray, count: int,
                  progress=lambda _msg: None) -> dict:
    """QONNX's ``execute_onnx`` on the first ``count`` frames against the golden model, per
    DESIGN.md section 2 (``qonnx_violations`` lists what breaks the contract; the CLI exits 1),
    and against the simulated outputs ``y`` (epilogue applied): top-1 agreement, max |diff|."""
    import hwgen
    from hwgen.frontend.lower import lower_with_paths, read
    from hwgen.frontend.reference import contract_check

    n = min(count, len(x))
    progress(f"QONNX execute_onnx on {n} frames (DESIGN.md 2 contract, layer by layer) ...")
    model = read(model_path)
    ref_graph, paths = lower_with_paths(model)
    check = contract_check(model, ref_graph, paths, x[:n], hwgen.execute(ref_graph, x[:n]))
    ref = check.outputs
    return {
        "qonnx_frames": n,
        "qonnx_max_abs_diff": float(np.max(np.abs(ref.astype(np.float64)
                                                  - y[:n].astype(np.float64)))),
        "qonnx_top1_agree": float((_top1(graph, ref) == _top1(graph, y[:n])).mean()),
        "qonnx_power_of_two": check.pow2,
        "qonnx_layer_diffs": check.layer_diffs,
        "qonnx_violations": check.violations,
    }


def qonnx_summary(r: dict) -> tuple[str, str | None]:
    """The ``QONNX check`` line of ``hwgen sim`` and the error line when the contract is broken."""
    diffs = sum(r["qonnx_layer_diffs"].values())
    verdict = "VIOLATED" if r["qonnx_violations"] else (
        "exact" if not diffs else f"ok ({diffs} elements within 4 ulp of a threshold)")
    line = (f"QONNX check       {r['qonnx_frames']} frames: top-1 agreement "
            f"{100 * r['qonnx_top1_agree']:.2f} %, max |diff| {r['qonnx_max_abs_diff']:.3g}, "
            f"contract {verdict}")
    err = None
    if r["qonnx_violations"]:
        err = ("hwgen: error: golden model and QONNX execute_onnx disagree beyond DESIGN.md "
               f"section 2's contract: {'; '.join(r['qonnx_violations'])}")
    return line, err


def _top1(graph, y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    if graph.epilogue.top1 != "none":
        return y.reshape(len(y))
    return y.reshape(len(y), -1).argmax(axis=1)
