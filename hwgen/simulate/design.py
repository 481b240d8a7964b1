"""Simulate a built design (OUT/) on a batch of inputs and score it against the golden model.

``level="core"`` drives the pipeline at its native beat widths (measures the core interval);
``level="accel"`` drives the DMA-width top exactly as the board's DMA would.
A design with UltraRAM weights (manifest ``weight_load``) gets its weight image
(OUT/mem/weights_image.bin) through the weight-load port first, as the board driver does; the
UltraRAM memories start zeroed, so without that load the outputs are wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwgen.errors import SimulationError
from hwgen.runtime.packing import decode, encode, pack_words, unpack_words, words_to_hex
from hwgen.simulate.verilator import SimRun, build_sim, run_sim

__all__ = ["DesignRun", "simulate", "load_manifest", "mem_files", "stall_cycles",
           "weight_image_hex"]


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


def mem_files(out: Path, manifest: dict) -> list[Path]:
    """The memory files of build ``out``, each checked against the manifest before simulating.

    A missing file, a line that is not a hex word of the written width, or a file with fewer or
    more words than the build wrote is a ``SimulationError`` naming the file: Verilator's
    ``$readmemh`` only warns on a missing file and silently leaves the words past a short
    file's end undefined, so the simulation could otherwise pass on something that was never
    built. (Older manifests without ``rtl.mem_files``: presence only.)
    """
    mem_dir = Path(out) / manifest.get("rtl", {}).get("mem_dir", "mem")
    shapes = manifest.get("rtl", {}).get("mem_files")
    if shapes is None:
        shapes = {name: None for layer in manifest["layers"] for name in layer["files"].values()}
    paths = []
    hint = "rebuild the design with 'hwgen build' (memory files are written by the build)"
    for name, shape in sorted(shapes.items()):
        path = mem_dir / name
        if not path.is_file():
            raise SimulationError(f"memory file {path} is missing (listed in the manifest)",
                                  hint=hint)
        paths.append(path)
        if shape is None:
            continue
        try:
            lines = path.read_text().split()
        except (OSError, UnicodeDecodeError) as exc:
            raise SimulationError(f"cannot read memory file {path}: {exc}", hint=hint) from exc
        digits = shape["hex_digits"]
        for i, line in enumerate(lines):
            if len(line) != digits or any(ch not in "0123456789abcdefABCDEF" for ch in line):
                raise SimulationError(
                    f"memory file {path} line {i + 1}: expected a {digits}-digit hex word, "
                    f"found {line[:40]!r}", hint=hint)
        if len(lines) != shape["words"]:
            raise SimulationError(f"memory file {path} has {len(lines)} words, expected "
                                  f"{shape['words']}", hint=hint)
    return paths


def weight_image_hex(out: Path, manifest: dict) -> list[str]:
    """The weight image of build ``out`` as hex words of the load port (``[]``: none), checked
    against the manifest's size and checksum."""
    wl = manifest.get("weight_load")
    if not wl:
        return []
    path = Path(out) / manifest.get("rtl", {}).get("mem_dir", "mem") / wl["file"]
    hint = "rebuild the design with 'hwgen build' (it writes the weight image)"
    if not path.is_file():
        raise SimulationError(f"weight image {path} is missing (listed in the manifest)",
                              hint=hint)
    data = path.read_bytes()
    if len(data) != wl["bytes"] or hashlib.sha256(data).hexdigest() != wl["sha256"]:
        raise SimulationError(f"weight image {path} is not the one the build wrote ({len(data)} "
                              f"bytes, expected {wl['bytes']}, or another checksum)", hint=hint)
    words = np.frombuffer(data, dtype=np.uint8).reshape(wl["beats"], -1)
    return words_to_hex(words, wl["dma_bits"])


def stall_cycles(manifest: dict, idle_pct: int = 0, bp_pct: int = 0) -> int:
    """Cycles without any input or output beat after which a run counts as stalled.

    Far beyond what a working design can go quiet: the sum of every layer's cycles per frame
    (an upper bound on the fill latency of a chain) and the I/O interval, times 4, scaled up
    for random idles and stalls (at most 10x), plus 1000.
    """
    work = sum(int(layer["cycles"]) for layer in manifest["layers"])
    work += int(manifest.get("interval_cycles", 0))
    slow = min(10.0, 100 / max(1, 100 - max(idle_pct, bp_pct)))
    return 1000 + int(4 * work * slow)


def pack_inputs(manifest: dict, values: np.ndarray, word_bits: int) -> list[str]:
    io = manifest["io"]["input"]
    codes = encode(values.reshape(values.shape[0], -1), io["kind"], io["elem_bits"])
    words = pack_words(codes, io["elem_bits"], word_bits)
    return words_to_hex(words.reshape(-1, words.shape[-1]), word_bits)


def simulate(out: str | Path, hw_inputs: np.ndarray, *, level: str = "core", idle_pct: int = 0,
             bp_pct: int = 0, seed: int = 1, waves: bool = False, progress=None,
             plusargs: tuple[str, ...] = (), load_weights: bool = True) -> DesignRun:
    """Run integer hardware inputs (frames, *input_shape) through the RTL of build ``out``.

    ``plusargs``: extra simulator plusargs (for instance a fault-injection mode in a test).
    ``load_weights``: stream the weight image first (designs with UltraRAM weights; False
    runs them with the memories as they power up, zeroed: a test of the loader).
    """
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
    mems = mem_files(out, m)  # before the (slow) Verilator build
    wl_hex = weight_image_hex(out, m)
    wl_bits = m["weight_load"]["dma_bits"] if wl_hex else 0
    rtl = out / "rtl"
    sources = [rtl / name for name in (rtl / "filelist.f").read_text().split()]
    probes = re.findall(r"wire\s+(?:\[[^]]*\]\s*)?w_(\w+)_tvalid;",
                        (rtl / "hwgen_accel_pipeline.v").read_text())
    build = build_sim(sources, dut, out / "sim" / f"{level}_build", in_bits=in_w, out_bits=out_w,
                      in_words_per_frame=in_wpf, out_words_per_frame=out_wpf, waves=waves,
                      probes=probes, progress=progress, wl_bits=wl_bits)
    in_hex = pack_inputs(m, hw_inputs, in_w)
    stall = stall_cycles(m, idle_pct, bp_pct)
    # the backstop: the run_sim default plus the frames at the design's interval (slow designs:
    # tens of thousands of cycles per frame) with the idles and stalls, and the weight load
    slow = min(10.0, 100 / max(1, 100 - max(idle_pct, bp_pct)))
    timeout = (100_000 + stall + 10 * len(wl_hex) + 200 * len(in_hex) * out_wpf
               + int(2 * slow * frames * int(m.get("interval_cycles", 0))))
    run = run_sim(build, out / "sim" / f"{level}_run", in_hex, frames,
                  mems, idle_pct=idle_pct, bp_pct=bp_pct, seed=seed, timeout_cycles=timeout,
                  stall_cycles=stall, waves=waves,
                  plusargs=plusargs, progress=progress,
                  wl_hex=wl_hex if load_weights else None)
    n_words, expected = run.out_words.shape[0], frames * out_wpf
    hint = f"the RTL in {rtl} is wrong or was edited; rebuild it with 'hwgen build'"
    if any(layer["op"] == "dup" for layer in m["layers"]):
        hint = (f"the RTL in {rtl} is wrong or was edited, or a FIFO from --fifo-depths is too "
                "shallow (a join FIFO that cannot hold the other branch's lookahead stalls the "
                "fork: deadlock); rebuild it with 'hwgen build' and its computed FIFO depths")
    if n_words < expected:
        what = "no output word" if n_words == 0 else f"only {n_words} of {expected} output words"
        raise SimulationError(f"the design emitted {what} ({frames} frames x {out_wpf}) and "
                              f"stalled: {run.stall}", hint=hint)
    if n_words > expected:
        raise SimulationError(
            f"the design emitted {n_words - expected} output words more than the {expected} "
            f"expected ({frames} frames x {out_wpf})"
            + (" (counting stopped after one extra frame)" if n_words > expected + out_wpf
               else ""), hint=hint)
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
