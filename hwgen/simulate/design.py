"""Simulate a built design (OUT/) on a batch of inputs and score it against the golden model.

``level="core"`` drives the pipeline at its native beat widths (measures the core interval);
``level="accel"`` drives the DMA-width top exactly as the board's DMA would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwgen.errors import SimulationError
from hwgen.runtime.packing import decode, encode, pack_words, unpack_words, words_to_hex
from hwgen.simulate.verilator import SimRun, build_sim, run_sim

__all__ = ["DesignRun", "simulate", "load_manifest"]


@dataclass(frozen=True)
class DesignRun:
    outputs: np.ndarray  # (frames, *out_shape) int64 values at the hardware boundary
    run: SimRun
    interval_cycles: float  # steady-state cycles per frame (median of later frames)
    latency_cycles: int  # first input word to last output word, first frame
    out_last_ok: bool  # tlast exactly on the last word of every frame


def load_manifest(out: Path) -> dict:
    path = Path(out) / "manifest.json"
    if not path.exists():
        raise SimulationError(f"{out} is not a hwgen build folder (no manifest.json)",
                              hint="run 'hwgen build MODEL -o OUT' first")
    return json.loads(path.read_text())


def pack_inputs(manifest: dict, values: np.ndarray, word_bits: int) -> list[str]:
    io = manifest["io"]["input"]
    codes = encode(values.reshape(values.shape[0], -1), io["kind"], io["elem_bits"])
    words = pack_words(codes, io["elem_bits"], word_bits)
    return words_to_hex(words.reshape(-1, words.shape[-1]), word_bits)


def simulate(out: str | Path, hw_inputs: np.ndarray, *, level: str = "core", idle_pct: int = 0,
             bp_pct: int = 0, seed: int = 1, waves: bool = False, progress=None) -> DesignRun:
    """Run integer hardware inputs (frames, *input_shape) through the RTL of build ``out``."""
    out = Path(out)
    m = load_manifest(out)
    io_in, io_out = m["io"]["input"], m["io"]["output"]
    frames = int(hw_inputs.shape[0])
    if level == "core":
        dut, in_w, out_w = m["core_top"], io_in["tdata_bits"], io_out["tdata_bits"]
    elif level == "accel":
        dut, in_w, out_w = m["top"], io_in["dma_bits"], io_out["dma_bits"]
    else:
        raise SimulationError(f"level must be 'core' or 'accel', not {level!r}")
    in_wpf = -(-io_in["elems"] * io_in["elem_bits"] // in_w)
    out_wpf = -(-io_out["elems"] * io_out["elem_bits"] // out_w)
    rtl = out / "rtl"
    sources = [rtl / name for name in (rtl / "filelist.f").read_text().split()]
    build = build_sim(sources, dut, out / "sim" / f"{level}_build", in_bits=in_w, out_bits=out_w,
                      in_words_per_frame=in_wpf, out_words_per_frame=out_wpf, waves=waves,
                      progress=progress)
    run = run_sim(build, out / "sim" / f"{level}_run", pack_inputs(m, hw_inputs, in_w), frames,
                  sorted((out / "mem").glob("*.mem")), idle_pct=idle_pct, bp_pct=bp_pct, seed=seed,
                  waves=waves, progress=progress)
    n_words = run.out_words.shape[0]
    if n_words != frames * out_wpf:
        raise SimulationError(f"got {n_words} output words, expected {frames * out_wpf}")
    codes = unpack_words(run.out_words.reshape(frames, out_wpf, -1), io_out["elem_bits"], out_w,
                         io_out["elems"])
    values = decode(codes, io_out["kind"], io_out["elem_bits"])
    shape = (frames,) + tuple(io_out["shape"])
    last_cycles = run.out_cycle.reshape(frames, out_wpf)[:, -1]
    diffs = np.diff(last_cycles)
    interval = float(np.median(diffs[len(diffs) // 2:])) if len(diffs) else float("nan")
    latency = int(last_cycles[0] - run.in_first[0])
    lasts = run.out_last.reshape(frames, out_wpf)
    last_ok = bool(lasts[:, -1].all() and not lasts[:, :-1].any())
    return DesignRun(values.reshape(shape).astype(np.int64), run, interval, latency, last_ok)
