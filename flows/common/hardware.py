"""The hardware half of every flow: ``hwgen build`` then ``hwgen sim`` on test images.

:func:`hardware_steps` builds the exported QONNX model into ``OUT/build`` (PYNQ-Z2, 100 MHz),
simulates the first ``sim_images`` test images through the Verilator model of the core and
returns the fields every flow puts under ``results["hardware"]``:

- ``estimate``: the resource totals of the build manifest (LUT, FF, BRAM18, DSP);
- ``fps``: the manifest's frames per second at the clock (core, I/O and achieved bounds);
- ``sim``: frames simulated, RTL-vs-golden ``mismatches`` (bit for bit at the hardware
  boundary), ``accuracy_rtl`` / ``accuracy_golden`` on those frames, measured and analytic
  interval in cycles;
- timings of both steps.

A failing build or simulation is recorded as ``{"error": ...}`` and logged, never hidden; the
flow's tests assert on these fields.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hwgen.errors import HwgenError

__all__ = ["QUICK_FPS", "hardware_for_args", "hardware_steps"]

# Folding target of --quick runs: a folded design compiles in Verilator several times faster
# than the default (as fast as the DMA port allows) and keeps CI inside its budget.
QUICK_FPS = 20_000.0


def hardware_steps(
    onnx_path: str | Path,
    out_dir: str | Path,
    x: np.ndarray,
    y: np.ndarray | None,
    *,
    sim_images: int,
    fps: float | None = None,
    target: str = "pynq-z2",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build ``onnx_path`` into ``out_dir/build`` and simulate ``x[:sim_images]``.

    ``x`` holds test images as the model takes them (raw pixels for UINT8-annotated inputs);
    each image is reshaped to the model's ONNX input shape (flat rows or N, C, H, W). ``fps`` is the
    folding target (``None``: hwgen's default, as fast as the I/O port allows).
    """
    import hwgen
    from hwgen.build import build
    from hwgen.simulate.job import run_job

    build_dir = Path(out_dir) / "build"
    t0 = time.perf_counter()
    try:
        result = build(onnx_path, build_dir, target=target, fps=fps)
    except HwgenError as err:
        log(f"hwgen build failed: {err}")
        return {"hardware": {"error": f"build: {err}"}}
    manifest = result.manifest
    build_s = time.perf_counter() - t0
    est = manifest["estimate"]["total"]
    fps_info = manifest["fps"]
    log(
        f"hwgen build: {len(manifest['layers'])} layers, estimate {est['LUT']:,} LUT "
        f"{est['FF']:,} FF {est['BRAM18']} BRAM18 {est['DSP']} DSP, "
        f"{fps_info['achieved']:,.0f} FPS at {manifest['clock_mhz']:g} MHz ({build_s:.1f} s)"
    )
    hardware: dict[str, Any] = {
        "target": manifest["target"],
        "clock_mhz": manifest["clock_mhz"],
        "fold_fps_target": fps,
        "estimate": est,
        "fps": fps_info,
        "max_cycles": manifest["max_cycles"],
        "layers": [
            {"name": layer["name"], "op": layer["op"], "PE": layer["PE"], "SIMD": layer["SIMD"]}
            for layer in manifest["layers"]
        ],
        "build_seconds": round(build_s, 1),
    }
    n = min(sim_images, len(x))
    shape = tuple(hwgen.load(onnx_path).onnx_input_shape[1:])
    xs = np.asarray(x[:n], dtype=np.float32).reshape((n, *shape))
    labels = None if y is None else np.asarray(y[:n], dtype=np.int64)
    log(f"hwgen sim: {n} test images through the Verilator model of the core ...")
    t1 = time.perf_counter()
    try:
        job = run_job(build_dir, xs, labels=labels, level="core", qonnx_check=0, progress=log)
    except HwgenError as err:
        log(f"hwgen sim failed: {err}")
        hardware["sim"] = {"error": str(err)}
        return {"hardware": hardware}
    r = job.results
    sim = {
        "frames": r["frames"],
        "mismatches": r["mismatches"],
        "interval_cycles": r["interval_cycles"],
        "analytic_interval_cycles": r["analytic_interval_cycles"],
        "latency_cycles": r["latency_cycles"],
        "seconds": round(time.perf_counter() - t1, 1),
    }
    for key in ("accuracy_rtl", "accuracy_golden"):
        if key in r:
            sim[key] = r[key]
    hardware["sim"] = sim
    acc = (
        f", RTL accuracy {100 * sim['accuracy_rtl']:.2f} % (golden "
        f"{100 * sim['accuracy_golden']:.2f} %)"
        if "accuracy_rtl" in sim
        else ""
    )
    log(
        f"hwgen sim: {sim['frames']} frames, {sim['mismatches']} RTL != golden{acc}, interval "
        f"{sim['interval_cycles']:g} cycles (analytic {sim['analytic_interval_cycles']}), "
        f"{sim['seconds']:.1f} s"
    )
    return {"hardware": hardware}


def hardware_for_args(args, onnx_path, out_dir, x_test, y_test, log=print) -> dict:
    """The hardware step as the flows' common options ask for it (``--no-hardware``,
    ``--sim-images``, ``--fold-fps`` where the flow has it, else ``--quick`` folds to
    QUICK_FPS): a dict to merge into the results."""
    from flows.common.report import NOT_YET_RUN

    if args.no_hardware:
        return {"hardware": NOT_YET_RUN}
    fps = getattr(args, "fold_fps", None)
    if fps is None:
        fps = QUICK_FPS if args.quick else None
    return hardware_steps(onnx_path, out_dir, x_test, y_test, sim_images=args.sim_images,
                          fps=fps, log=log)
