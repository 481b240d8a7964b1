"""``hwgen build``: QONNX model -> self-contained streaming design in a build folder.

The pipeline, in order (each step a pure function of the previous result, timed and reported):
load (frontend) -> verify IR -> lower -> verify -> fold -> FIFO depths -> write files.
Files go to a temporary folder next to OUT and are moved into place only when complete.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hwgen.build.emit import (
    TLAST_DEPTH,
    boundary,
    edge_depth,
    emit_accel,
    emit_core,
    emit_pipeline,
    fifo_memory,
    load_layout,
    weight_memory,
)
from hwgen.build.fifos import fifo_depths, join_paths
from hwgen.build.fold import (
    apply_folding,
    auto_fold,
    check_ram_styles,
    folding_dict,
    read_folding,
)
from hwgen.build.hwlayers import (
    GRAPH_INPUT,
    HwAdd,
    HwDup,
    HwGraph,
    HwLayer,
    HwMVAU,
    HwThreshold,
    HwVVAU,
)
from hwgen.build.lower import lower, verify_hw
from hwgen.errors import FoldingError, HwgenError, ModelError
from hwgen.estimate.cost import Cost, estimate_dwc, estimate_instance, estimate_layer
from hwgen.outdir import Earlier, check_output, move_into_place, new_temp_folder
from hwgen.targets import Target, get_target, parse_max_utilization
from hwgen.tools import package_dir

__all__ = ["build", "BuildResult", "CLOCK_RANGE_MHZ", "check_clock", "fit_memories", "resolve_model",
           "utilization_text"]
BACKENDS = ("rtl", "hls", "both")
FIT_BY = ("estimate", "synth")
# Fabric clocks a streaming design can plausibly run at, per device family (MHz): the global
# clock buffers of 7-series parts top out near 460-630 MHz, UltraScale+ near 775 MHz; the ECP5
# PLL (EHXPLLL) makes 3.125 to 400 MHz.
CLOCK_RANGE_MHZ = {"xc7": (1.0, 500.0), "xcup": (1.0, 800.0), "ecp5": (3.125, 400.0)}
DEFAULT_CLOCK_RANGE_MHZ = (1.0, 1000.0)
# The most entries a FIFO may be given in --fifo-depths (2^20 words: far beyond any BRAM).
MAX_FIFO_DEPTH = 1 << 20


@dataclass(frozen=True)
class BuildResult:
    out: Path
    hw: HwGraph
    manifest: dict
    steps: list[tuple[str, float]] = field(default_factory=list)
    replaced: Earlier | None = None  # the earlier build that was at ``out``, if any


def resolve_model(spec: str | Path) -> Path:
    """A model path, or ``example:NAME`` for a model bundled with hwgen."""
    text = str(spec)
    if text.startswith("example:"):
        name = text.split(":", 1)[1]
        path = package_dir("data") / "examples" / f"{name}.onnx"
        if not path.exists():
            known = sorted(p.stem for p in (package_dir("data") / "examples").glob("*.onnx"))
            raise ModelError(f"no bundled example {name!r}; bundled: {', '.join(known) or 'none'}")
        return path
    path = Path(text)
    if path.is_dir():
        raise ModelError(f"model path {text!r} is a folder, not a file",
                         hint="give a QONNX .onnx file or example:tfc_w1a1")
    if not path.is_file():
        raise ModelError(f"model file {text} does not exist",
                         hint="give a QONNX .onnx file or example:tfc_w1a1")
    return path


def _finite(value: object) -> bool:
    """A finite real number (not a bool, not NaN or infinite)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _num(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def check_clock(clock_mhz: float | None, tgt: Target) -> float:
    """The fabric clock in MHz: ``clock_mhz`` if given (finite and within the plausible range
    of the target's device family), else the target's default."""
    if clock_mhz is None:
        return float(tgt.clock_mhz)
    lo, hi = CLOCK_RANGE_MHZ.get(tgt.yosys_family, DEFAULT_CLOCK_RANGE_MHZ)
    if not (_finite(clock_mhz) and lo <= clock_mhz <= hi):
        raise HwgenError(f"--clock-mhz must be a number from {lo:g} to {hi:g} MHz for "
                         f"{tgt.name} ({tgt.part}), not {_num(clock_mhz)}",
                         hint=f"the target's default is {tgt.clock_mhz:g} MHz")
    return float(clock_mhz)


def check_fps(fps: float | None) -> float | None:
    """``fps`` unless it is not a finite positive number."""
    if fps is not None and not (_finite(fps) and fps > 0):
        raise FoldingError(f"--fps must be a finite positive number of frames/s, not {_num(fps)}",
                           hint="leave --fps out for the default folding (the fastest that fits)")
    return fps


def cycles_for_fps(clock_hz: float, fps: float) -> int:
    """The most cycles per frame that still reach ``fps`` at ``clock_hz``: the floor of their
    ratio, where a ratio within float rounding of an integer counts as that integer (an --fps
    computed as clock / cycles, e.g. the printed I/O bound, gets those cycles, not one fewer)."""
    ratio = clock_hz / fps
    return max(1, math.floor(ratio + 1e-9 * ratio))


def _design_cost(hw: HwGraph, depths: dict, dma_bits: int) -> tuple[dict, Cost]:
    per_layer = {}
    total = Cost()
    segments = load_layout(hw, dma_bits)  # UltraRAM weights: a hwgen_wload per memory
    load_beats = segments[-1].start + segments[-1].beats if segments else 0
    loaders = {seg.layer: seg for seg in segments}
    for i, layer in enumerate(hw.layers):
        c = estimate_layer(layer)
        extra = Cost()
        if layer.name in loaders:
            seg = loaders[layer.name]
            extra = extra + estimate_instance("hwgen_wload", {
                "IN_W": dma_bits, "OUT_W": seg.word_bits, "WORDS": seg.words,
                "START": seg.start, "TOTAL": load_beats})
        for port, src in enumerate(hw.producers(i)):
            lw = layer.in_beat_elems * layer.port_bits(port)
            depth = edge_depth(depths, layer, port)
            if depth:
                extra = extra + estimate_instance(
                    "hwgen_fifo", {"WIDTH": lw, "DEPTH": depth,
                                   "RAM_STYLE": fifo_memory(depth, lw)})
            if src != GRAPH_INPUT:
                prev = hw.layer(src)
                prev_w = prev.out_beat_elems * prev.out_bits
                if prev_w != lw:
                    extra = extra + estimate_dwc(prev_w, lw,
                                                 layer.port_elems(port) * layer.port_bits(port))
        per_layer[layer.name] = (c, extra)
        total = total + c + extra
    core_in, core_out, frame_in, frame_out = boundary(hw)
    # The accelerator top around the pipeline: the tlast tracker, and width converters to and
    # from the DMA port where the widths differ.
    total = total + estimate_instance("hwgen_frame_tlast", {
        "IN_BEATS": -(-frame_in // dma_bits), "OUT_BEATS": -(-frame_out // dma_bits),
        "DEPTH": TLAST_DEPTH})  # as emit.py instantiates it
    if core_in != dma_bits:
        total = total + estimate_dwc(dma_bits, core_in, frame_in)
    if core_out != dma_bits:
        total = total + estimate_dwc(core_out, dma_bits, frame_out)
    return per_layer, total


def io_cycles(hw: HwGraph, dma_bits: int) -> tuple[int, int]:
    """DMA words per frame in and out (the I/O bound on cycles per frame)."""
    _, _, fin, fout = boundary(hw)
    return math.ceil(fin / dma_bits), math.ceil(fout / dma_bits)


def _fits(total: Cost, target: Target, limits: dict[str, float] | None = None) -> bool:
    """Whether ``total`` stays within the target's utilization limits (``Target.budget``:
    capacity x max_utilization per resource, ``limits`` overriding the table's shares)."""
    budget = target.budget(limits)
    return all(getattr(total, k) <= budget[k] for k in budget)


def utilization_text(total: Cost | dict, target: Target, limits: dict[str, float] | None = None,
                     keys: tuple[str, ...] = ("LUT", "FF", "BRAM18", "DSP", "URAM")) -> str:
    """'LUT 41,230 = 77.5 % of 53,200 (limit 85 %), ...' for the resources in ``keys``."""
    values = total.as_dict() if isinstance(total, Cost) else total
    cap, lim = target.capacity(), target.limits(limits)
    parts = []
    for k in keys:
        if cap.get(k):
            v = values.get(k, 0)
            share = 100 * v / cap[k]
            over = " OVER" if v > target.budget(limits)[k] else ""
            parts.append(f"{k} {v:,} = {share:.1f} % of {cap[k]:,} "
                         f"(limit {100 * lim[k]:g} %{over})")
    return ", ".join(parts)


def choose_folding(hw: HwGraph, target: Target, clock_mhz: float, fps: float | None,
                   folding: dict | None, limits: dict[str, float] | None = None,
                   io_bound: bool = True, prefer_bram: bool = False) -> HwGraph:
    """PE/SIMD per layer: ``folding`` as given; else the cheapest folding reaching ``fps``
    (an error if its estimate exceeds the utilization limits); else the default: the I/O
    bound, folded down until the estimate is within the limits (``_fold_to_fit``).

    ``io_bound`` False plans the core alone (a core fed on chip, or by a wider port than the
    target's DMA): ``fps`` may exceed the DMA port's I/O bound, and the default is the
    fastest folding whose estimate is within the limits."""
    if folding is not None:
        folded = apply_folding(hw, folding)
        check_ram_styles(folded, target.name, target.URAM)
        return fit_memories(folded, target, limits, prefer_bram)
    io_in, io_out = io_cycles(hw, target.dma_bits)
    if fps is None:
        # Default: as fast as the DMA port can feed it, and no faster (core level: as fast
        # as the layers allow).
        target_cycles = max(io_in, io_out, 1) if io_bound else _fastest_cycles(hw)
    else:
        check_fps(fps)
        target_cycles = cycles_for_fps(clock_mhz * 1e6, fps)
        io_fps = clock_mhz * 1e6 / max(io_in, io_out)
        if io_bound and target_cycles < max(io_in, io_out):
            raise FoldingError(
                f"{fps:,.0f} frames/s is above the I/O bound of {io_fps:,.0f} frames/s "
                f"({max(io_in, io_out)} DMA words per frame at {clock_mhz:g} MHz)",
                hint="lower --fps or raise --clock-mhz",
            )
    try:
        folded = auto_fold(hw, max(1, target_cycles), lambda l: estimate_layer(l).LUT)
    except FoldingError as exc:
        if fps is None:  # default: fall back to the fastest the layers allow
            folded = auto_fold(hw, _fastest_cycles(hw), lambda l: estimate_layer(l).LUT)
        else:
            best = clock_mhz * 1e6 / _fastest_cycles(hw)
            raise FoldingError(f"{fps:,.0f} frames/s is unreachable: {exc}; the best "
                               f"achievable is {best:,.0f} frames/s") from exc
    folded = fit_memories(folded, target, limits, prefer_bram)
    _, total = _design_cost(folded, fifo_depths(folded), target.dma_bits)
    if not _fits(total, target, limits):
        if fps is None:
            return _fold_to_fit(hw, target, max(1, target_cycles), folded, limits, prefer_bram)
        budget = target.budget(limits)
        over = [k for k in budget if getattr(total, k) > budget[k]]
        raise FoldingError(
            f"{fps:,.0f} frames/s needs about {utilization_text(total, target, limits, tuple(over))}"
            f" on {target.name}",
            hint="lower --fps, or raise --max-utilization",
        )
    return folded


def fit_memories(hw: HwGraph, target: Target, limits: dict[str, float] | None,
                 prefer_bram: bool = False) -> HwGraph:
    """Weight memories that "auto" put in block RAM, moved out of it while the estimate needs
    more BRAM18 than the budget (capacity x max_utilization): first to UltraRAM on a target
    that has it, those freeing the most BRAM18 per URAM block first, while the URAM budget
    lasts; then into LUTs, those costing the fewest LUTs per BRAM18 freed first, while the
    LUT budget lasts. (The "auto" rule itself trades at ``BRAM18_LUTS`` per block; a BRAM18
    budget below the design's need, such as ``--max-utilization BRAM18=0.5`` to keep blocks
    free for other logic, buys them back at whatever the LUTs cost.) The other way when the
    estimate needs more LUTs than the budget: weight ROMs that "auto" put in LUTs go to block
    RAM, those saving the most LUTs per BRAM18 first, while the BRAM18 budget lasts, until the
    LUTs fit; with ``prefer_bram`` (``hwgen build --prefer-bram``) until the BRAM18 budget is
    used up. Layers with an explicit ram_style are never moved."""
    if target.URAM:
        hw = _move_roms(hw, target, limits, "block", "ultra", "BRAM18", "URAM")
    hw = _move_roms(hw, target, limits, "block", "distributed", "BRAM18", "LUT")
    hw = _move_roms(hw, target, limits, "distributed", "block", "LUT", "BRAM18",
                    fill=prefer_bram)
    return _move_thresholds(hw, target, limits, fill=prefer_bram)


def _move_thresholds(hw: HwGraph, target: Target, limits: dict[str, float] | None,
                     fill: bool = False) -> HwGraph:
    """MVAU threshold memories ("auto": LUTs) moved to block RAM while the estimate needs
    more LUTs than the budget (with ``fill``: as long as the BRAM18 budget lasts), those
    saving the most LUTs per BRAM18 first, never past the BRAM18 budget. Runs after the weight
    moves, so thresholds only take the blocks the weights left (a weight ROM moved back to
    LUTs to make room would cost more than the thresholds save on every CNV layer)."""
    def move(layer: HwLayer) -> HwLayer | None:
        if isinstance(layer, HwMVAU) and layer.thresholds is not None \
                and layer.thr_style == "auto":
            return layer.folded(thr_style="block")
        return None

    return _move_memories(hw, target, limits, move, "LUT", "BRAM18", fill)


def _move_roms(hw: HwGraph, target: Target, limits: dict[str, float] | None, src: str,
               dst: str, short: str, spend: str, fill: bool = False) -> HwGraph:
    """MVAU weight ROMs that "auto" resolved to ``src`` moved to ram_style ``dst`` while the
    estimate needs more of resource ``short`` than its budget (with ``fill``: as long as
    ``spend`` lasts), those spending the least of ``spend`` per ``short`` freed first, never
    past ``spend``'s budget; only moves that free some of ``short``."""
    def move(layer: HwLayer) -> HwLayer | None:
        if isinstance(layer, HwMVAU) and layer.ram_style == "auto" and layer.nf * layer.sf > 1 \
                and weight_memory(layer) == src:
            return layer.folded(ram_style=dst)
        return None

    return _move_memories(hw, target, limits, move, short, spend, fill)


def _move_memories(hw: HwGraph, target: Target, limits: dict[str, float] | None,
                   move: Callable[[HwLayer], HwLayer | None], short: str, spend: str,
                   fill: bool) -> HwGraph:
    """Layers replaced by ``move(layer)`` (None: not movable) while the estimate needs more of
    resource ``short`` than its budget (with ``fill``: as long as ``spend`` lasts), those
    spending the least of ``spend`` per ``short`` freed first, never past ``spend``'s budget;
    only moves that free some of ``short``."""
    budget = target.budget(limits)
    total = _design_cost(hw, fifo_depths(hw), target.dma_bits)[1]
    have = {short: getattr(total, short), spend: getattr(total, spend)}
    if not fill and have[short] <= budget[short]:
        return hw
    moves = []
    for i, layer in enumerate(hw.layers):
        moved = move(layer)
        if moved is not None:
            now, new = estimate_layer(layer), estimate_layer(moved)
            freed = getattr(now, short) - getattr(new, short)
            cost = getattr(new, spend) - getattr(now, spend)
            if freed > 0:
                moves.append((cost / freed, i, freed, cost, moved))
    layers = list(hw.layers)
    for _, i, freed, cost, moved in sorted(moves, key=lambda m: m[:2]):
        if not fill and have[short] <= budget[short]:
            break
        if have[spend] + cost <= budget[spend]:
            layers[i] = moved
            have[short] -= freed
            have[spend] += cost
    return hw.replace_layers(tuple(layers))


def _fold_to_fit(hw: HwGraph, target: Target, cycles: int, fastest: HwGraph,
                 limits: dict[str, float] | None = None, prefer_bram: bool = False) -> HwGraph:
    """Default folding when the I/O-bound one exceeds the utilization limits: the fastest
    folding (fewest cycles per frame) whose estimate is within them. If even the fully folded
    design is not, the fully folded design (the summary shows the estimate against the limits).

    Fitting is not monotone in the cycle target (which weight memories become block RAM, and
    how many banks they take, changes with PE and SIMD: a 784-1200-1200-10 ternary MLP fits
    at 1,000 cycles but not at 1,176), so plain bisection can settle on a slower folding than
    needed. The targets are scanned on a geometric ladder (ratio 2^(1/8)) from the I/O bound
    up to the first that fits, then bisected between it and the ladder step below."""
    cost = lambda l: estimate_layer(l).LUT

    def fitting(c: int) -> HwGraph | None:
        cand = fit_memories(auto_fold(hw, c, cost), target, limits, prefer_bram)
        total = _design_cost(cand, fifo_depths(cand), target.dma_bits)[1]
        return cand if _fits(total, target, limits) else None

    slowest = _slowest_cycles(hw)
    cycles = max(cycles, _fastest_cycles(hw))  # below that auto_fold has no folding at all
    lo, hi, best, step = cycles, cycles, None, 0
    while best is None and hi < slowest:
        lo, step = hi, step + 1
        hi = min(max(math.ceil(cycles * 2 ** (step / 8)), hi + 1), slowest)
        best = fitting(hi)
    if best is None:
        return auto_fold(hw, slowest, cost) if slowest > cycles else fastest
    while hi - lo > 1:  # lo does not fit, hi does
        mid = (lo + hi) // 2
        cand = fitting(mid)
        if cand is None:
            lo = mid
        else:
            hi, best = mid, cand
    return best


def _slowest_cycles(hw: HwGraph) -> int:
    return max(layer.folded(**{k: 1 for k in ("PE", "SIMD") if k in layer.folding_keys}).cycles
               for layer in hw.layers if not isinstance(layer, HwDup))


def _fastest_cycles(hw: HwGraph) -> int:
    from hwgen.build.fold import _fastest

    return max(_fastest(layer).cycles for layer in hw.layers if not isinstance(layer, HwDup))


def _write_mem(hw: HwGraph, mem_dir: Path) -> dict[str, dict[str, str]]:
    from hwgen.backend.memfiles import write_thresholds, write_weights

    files: dict[str, dict[str, str]] = {}
    for layer in hw.layers:
        entry: dict[str, str] = {}
        if isinstance(layer, HwMVAU):
            name = f"{layer.name}_weights.mem"
            write_weights(mem_dir / name, layer.weights, layer.SIMD, layer.PE,
                          layer.w_dtype.code_bits, _kind(layer.w_dtype))
            entry["weights"] = name
        if isinstance(layer, HwVVAU) and layer.mode == "dot":
            # word cf*KK/SIMD + kb holds W[cf*PE + p][kb*SIMD + s] at lane p*SIMD + s:
            # hwgen_mvau's layout with MW = KK (template PE = lanes, SIMD = window positions)
            name = f"{layer.name}_weights.mem"
            write_weights(mem_dir / name, layer.weights, layer.simd, layer.lanes,
                          layer.w_dtype.code_bits, _kind(layer.w_dtype))
            entry["weights"] = name
        if isinstance(layer, (HwMVAU, HwThreshold, HwVVAU, HwAdd)) and \
                layer.thresholds is not None:
            name = f"{layer.name}_thresholds.mem"
            t = layer.thresholds
            pe = layer.lanes if isinstance(layer, HwVVAU) else layer.PE
            if isinstance(layer, (HwThreshold, HwAdd)) and t.shape[0] == 1:
                t = t[0]
            if isinstance(layer, HwVVAU) and layer.shared_thresholds:
                t = t[0]  # one set for every channel (SHARED = 1)
            write_thresholds(mem_dir / name, t, pe, layer.thr_dtype.bits)
            entry["thresholds"] = name
        files[layer.name] = entry
    return files


WEIGHT_IMAGE = "weights_image.bin"


def _write_weight_image(hw: HwGraph, mem_dir: Path, dma_bits: int) -> dict | None:
    """OUT/mem/weights_image.bin, the run-time load of the "ultra" (UltraRAM) weight memories
    (hwgen.build.emit.load_layout, hwgen.backend.memfiles.weight_image), and its manifest
    entry; None when no weights are in UltraRAM (no load port)."""
    from hwgen.backend.memfiles import weight_image, weight_words

    segments = load_layout(hw, dma_bits)
    if not segments:
        return None
    memories = []
    for seg in segments:
        layer = hw.layer(seg.layer)
        memories.append((weight_words(layer.weights, layer.SIMD, layer.PE,
                                      layer.w_dtype.code_bits, _kind(layer.w_dtype)),
                         seg.word_bits))
    image = weight_image(memories, dma_bits)
    (mem_dir / WEIGHT_IMAGE).write_bytes(image)
    beats = segments[-1].start + segments[-1].beats
    return {
        "file": WEIGHT_IMAGE, "port": "s_axis_wl", "dma_bits": dma_bits, "beats": beats,
        "bytes": len(image), "sha256": hashlib.sha256(image).hexdigest(),
        "layout": "the segments in order; each weight word (the layer's .mem file order) as "
                  "beats_per_word little-endian DMA words, least significant first, the last "
                  "zero-padded; load once after reset, before the first frame",
        "segments": [{"layer": seg.layer, "start": seg.start, "beats": seg.beats,
                      "words": seg.words, "word_bits": seg.word_bits,
                      "beats_per_word": seg.beats_per_word} for seg in segments],
    }


def _kind(dtype) -> str:
    return {"UINT": "uint", "BINARY": "uint", "INT": "int", "BIPOLAR": "bipolar",
            "TERNARY": "ternary"}[dtype.kind]


# A module instantiation in a Verilog file: the module name first on its line, then "#(" or
# the instance name and "(". Templates are one module per file, file name = module name.
_INSTANTIATION = re.compile(r"^\s*(hwgen_\w+)\s*(?:#|\w+\s*\()", re.MULTILINE)


def _template_sources(generated: dict[str, str]) -> list[str]:
    """The template files the generated Verilog (file name -> text) instantiates, directly or
    through other templates (an MVAU needs its adder tree, popcount and threshold search)."""
    src = package_dir("rtl_templates")
    own = {Path(name).stem for name in generated}
    seen: set[str] = set()
    todo = [m for text in generated.values() for m in _INSTANTIATION.findall(text)]
    while todo:
        mod = todo.pop()
        if mod in seen or mod in own:
            continue
        path = src / f"{mod}.v"
        if not path.is_file():
            raise HwgenError(f"the generated Verilog instantiates {mod}, which no template "
                             "defines", hint="report this as a hwgen bug")
        seen.add(mod)
        todo.extend(_INSTANTIATION.findall(path.read_text()))
    return sorted(f"{m}.v" for m in seen)


def build(model: str | Path, out: str | Path, *, target: str = "pynq-z2",
          clock_mhz: float | None = None, fps: float | None = None,
          folding_file: str | Path | None = None, fifo_depths_file: str | Path | None = None,
          verify: bool = False, progress: Callable[[str], None] | None = None,
          backend: str = "rtl", max_utilization: str | float | dict | None = None,
          fit_by: str = "estimate", synth_jobs: int = 1, io_bound: bool = True,
          prefer_bram: bool = False) -> BuildResult:
    """Build ``model`` into ``out``; returns the result with the hardware graph and manifest.

    ``backend``: "rtl" (default), "hls" or "both". OUT/rtl, OUT/mem and the estimate report
    are always written (the report is computed from the RTL netlist); "hls" and "both" add the
    HLS C++ in OUT/hls; the board files (a Vivado project around the Verilog top) are written
    for "rtl" and "both". ``max_utilization`` overrides the target's utilization limits for
    automatic folding (``hwgen.targets.parse_max_utilization``: 0.9, or "LUT=0.8,BRAM18=0.95").
    ``fit_by`` "synth" (automatic folding only; minutes on large designs) checks the chosen
    folding with Yosys, every template instance (``hwgen.estimate.synth``, cached, ``synth_jobs``
    at a time), and steps down the folding ladder until the Yosys figures are within the
    limits too (``_fit_by_synth``); the manifest's ``fit_by`` records every rung tried.
    ``io_bound`` False: automatic folding plans the core alone, past the DMA port's I/O bound
    (``choose_folding``); the summary still names the I/O bound of the DMA-width top.
    ``prefer_bram``: weight ROMs that "auto" would build from LUTs go to block RAM while the
    BRAM18 budget lasts, those saving the most LUTs first (``fit_memories``).
    """
    import hwgen
    from hwgen.ir.verify import verify as verify_ir

    if backend not in BACKENDS:
        raise HwgenError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if fit_by not in FIT_BY:
        raise HwgenError(f"--fit-by must be one of {', '.join(FIT_BY)}, not {fit_by!r}")
    if fit_by == "synth" and folding_file:
        raise HwgenError("--fit-by synth chooses the folding; it cannot be combined with "
                         "--folding", hint="check a given folding with 'hwgen report OUT --synth'")
    say = progress or (lambda _msg: None)
    steps: list[tuple[str, float]] = []
    tgt = get_target(target)
    limits = parse_max_utilization(max_utilization)
    clock = check_clock(clock_mhz, tgt)
    check_fps(fps)
    path = resolve_model(model)
    out = Path(out)
    check_output(out, path, backend)  # fail before the work; checked again before the move

    def step(name: str, fn, *args):
        t0 = time.perf_counter()
        say(f"[{len(steps) + 1}] {name} ...")
        result = fn(*args)
        steps.append((name, time.perf_counter() - t0))
        return result

    graph = step("load QONNX and lower to integer IR", hwgen.load, path)
    if verify:
        step("verify IR", verify_ir, graph)
    hw = step("lower to hardware layers", lower, graph)
    step("verify hardware graph", verify_hw, hw)
    folding = read_folding(Path(folding_file)) if folding_file else None
    unfolded = hw
    hw = step("fold (PE/SIMD)", choose_folding, hw, tgt, clock, fps, folding, limits, io_bound,
              prefer_bram)
    fit_record = None
    if fit_by == "synth":
        hw, fit_record = step("fit by Yosys synthesis", _fit_by_synth, unfolded, hw, path,
                              graph, tgt, clock, fps, limits, say, synth_jobs, prefer_bram)
    step("verify folded graph", verify_hw, hw)
    depths = fifo_depths(hw)
    if fifo_depths_file:
        depths = _read_fifo_depths(Path(fifo_depths_file), hw, depths)
    manifest, earlier = step("write design files", _write_design, path, out, hw, graph, tgt,
                             clock, depths, backend, say, limits, fit_record)
    return BuildResult(out=out, hw=hw, manifest=manifest, steps=steps, replaced=earlier)


def _synth_total(hw: HwGraph, src: Path, graph, tgt: Target, clock: float,
                 limits: dict[str, float] | None, jobs: int) -> dict[str, int]:
    """Yosys totals (LUT, FF, BRAM18, DSP) of ``hw`` as built: every template instance of the
    design synthesized alone (hwgen.estimate.synth, cached by content), summed."""
    import tempfile

    from hwgen.estimate.synth import design_instances, synth_instances

    with tempfile.TemporaryDirectory(prefix="hwgen-fit-") as scratch:
        folder = Path(scratch)
        _fill(folder, src, hw, graph, tgt, clock, fifo_depths(hw), "rtl", limits)
        insts = design_instances(folder, [layer.name for layer in hw.layers])
        res = synth_instances(folder, insts, tgt.yosys_family, jobs)
    return {k: sum(r[k] for r in res.values()) for k in ("LUT", "FF", "BRAM18", "DSP")}


def _fit_by_synth(hw: HwGraph, folded: HwGraph, src: Path, graph, tgt: Target, clock: float,
                  fps: float | None, limits: dict[str, float] | None,
                  say: Callable[[str], None], jobs: int = 1,
                  prefer_bram: bool = False) -> tuple[HwGraph, dict]:
    """``folded`` (the estimate's choice) if Yosys finds it within the utilization limits, else
    the next slower rungs of the folding ladder (cycle targets x 2^(1/8), the cheapest folding
    of each, as ``_fold_to_fit``) until one is; with ``fps`` no slower folding is allowed (an
    error). Returns the folding and the record of the rungs tried for the manifest."""
    budget = tgt.budget(limits)
    cost = lambda l: estimate_layer(l).LUT  # noqa: E731
    slowest = _slowest_cycles(hw)
    tried = []
    cand = folded
    while True:
        total = _synth_total(cand, src, graph, tgt, clock, limits, jobs)
        fits = all(total[k] <= budget[k] for k in budget)
        tried.append({"max_cycles": cand.max_cycles, "folding": folding_dict(cand),
                      "yosys": total, "fits": fits})
        say(f"  Yosys at {cand.max_cycles:,} cycles/frame: "
            f"{utilization_text(total, tgt, limits)}")
        if fits:
            return cand, {"method": "synth", "yosys_total": total, "tried": tried}
        over = tuple(k for k in budget if total[k] > budget[k])
        if fps is not None:
            raise FoldingError(
                f"{fps:,.0f} frames/s needs, by Yosys, "
                f"{utilization_text(total, tgt, limits, over)} on {tgt.name}",
                hint="lower --fps, or raise --max-utilization")
        nxt, c = None, cand.max_cycles
        while nxt is None and c < slowest:
            c = min(max(math.ceil(c * 2 ** (1 / 8)), c + 1), slowest)
            g = fit_memories(auto_fold(hw, c, cost), tgt, limits, prefer_bram)
            if g.max_cycles > cand.max_cycles:
                nxt = g
        if nxt is None:
            raise FoldingError(
                f"even the slowest folding ({cand.max_cycles:,} cycles/frame) needs, by Yosys, "
                f"{utilization_text(total, tgt, limits, over)} on {tgt.name}",
                hint="raise --max-utilization, or choose a larger target")
        cand = nxt


def _read_fifo_depths(path: Path, hw: HwGraph, depths: dict[str, int]) -> dict[str, int]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise FoldingError(f"FIFO depths file {path} does not exist",
                           hint="--fifo-depths takes a JSON file like OUT/fifo_depths.json") from exc
    except OSError as exc:
        raise FoldingError(f"cannot read FIFO depths file {path}: {exc.strerror}",
                           hint="--fifo-depths takes a JSON file like OUT/fifo_depths.json") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FoldingError(f"FIFO depths file {path} is not valid JSON: {exc}",
                           hint="--fifo-depths takes a JSON file like OUT/fifo_depths.json") from exc
    names = [layer.name for layer in hw.layers]
    if not isinstance(data, dict):
        raise FoldingError(f"FIFO depths file {path} must hold an object {{layer: depth}}, not "
                           f"a JSON {type(data).__name__}", hint="see OUT/fifo_depths.json")
    out = dict(depths)

    def ok(v: object) -> bool:
        return not isinstance(v, bool) and isinstance(v, int) and 0 <= v <= MAX_FIFO_DEPTH

    for key, value in data.items():
        if key not in names:
            raise FoldingError(f"unknown layer {key!r} in {path}; layers are: {', '.join(names)}")
        n = hw.layer(key).n_inputs
        if n > 1:  # a join: one depth per input
            if not (isinstance(value, list) and len(value) == n and all(map(ok, value))):
                raise FoldingError(f"a join's FIFO depths must be a list of {n} integers from 0 "
                                   f"to {MAX_FIFO_DEPTH} (one per input), not {value!r}",
                                   node=key, hint=f"fix {path}")
        elif not ok(value):
            raise FoldingError(f"FIFO depth must be an integer from 0 to {MAX_FIFO_DEPTH}, not "
                               f"{value!r}", node=key, hint=f"fix {path}")
        out[key] = value
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_design(src: Path, out: Path, hw: HwGraph, graph, tgt: Target, clock: float,
                  depths: dict[str, int], backend: str = "rtl",
                  say: Callable[[str], None] = lambda _m: None,
                  limits: dict[str, float] | None = None,
                  fit_record: dict | None = None) -> tuple[dict, Earlier | None]:
    tmp = new_temp_folder(out)
    try:
        manifest = _fill(tmp, src, hw, graph, tgt, clock, depths, backend, limits, fit_record)
        earlier = check_output(out, src, backend)  # again: it may have changed meanwhile
        if earlier is not None:
            say(earlier.message(str(out)))
        try:
            move_into_place(tmp, out)
        except OSError as exc:
            raise HwgenError(f"cannot move the finished build into {out}: {exc.strerror}",
                             hint="something changed the folder during the build; run again") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest, earlier


def _fill(tmp: Path, src: Path, hw: HwGraph, graph, tgt: Target, clock: float,
          depths: dict[str, int], backend: str = "rtl",
          limits: dict[str, float] | None = None, fit_record: dict | None = None) -> dict:
    rtl, mem = tmp / "rtl", tmp / "mem"
    rtl.mkdir()
    mem.mkdir()
    shutil.copyfile(src, tmp / "model.onnx")
    source = src.name
    files = _write_mem(hw, mem)
    weight_load = _write_weight_image(hw, mem, tgt.dma_bits)
    generated = {"hwgen_accel_pipeline.v": emit_pipeline(hw, depths, files, source,
                                                         load_bits=tgt.dma_bits),
                 "hwgen_accel_core.v": emit_core(hw, source, load_bits=tgt.dma_bits),
                 "hwgen_accel.v": emit_accel(hw, tgt.dma_bits, source)}
    tdir = package_dir("rtl_templates")
    templates = _template_sources(generated)
    for name in templates:
        shutil.copyfile(tdir / name, rtl / name)
    for name, text in generated.items():
        (rtl / name).write_text(text)
    (rtl / "filelist.f").write_text("".join(f"{n}\n" for n in templates + list(generated)))
    folding = folding_dict(hw)
    (tmp / "folding.json").write_text(json.dumps(folding, indent=2) + "\n")
    (tmp / "fifo_depths.json").write_text(json.dumps(depths, indent=2) + "\n")
    manifest = make_manifest(src, hw, graph, tgt, clock, depths, files, limits)
    manifest["fit_by"] = fit_record or {"method": "estimate"}
    manifest["weight_load"] = weight_load
    # what `hwgen sim` checks each memory file against (a missing or short file is an error)
    manifest["rtl"]["mem_files"] = {
        path.name: {"words": len(lines), "hex_digits": len(lines[0]) if lines else 0}
        for path in sorted(mem.glob("*.mem")) for lines in [path.read_text().split()]}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if backend != "hls":  # the Vivado project packages the Verilog top
        _write_board(tmp, manifest, graph, tgt)
    from hwgen.report import write_estimate_report  # OUT/report/: estimate-only report

    write_estimate_report(tmp)
    if backend in ("hls", "both"):  # OUT/hls: HLS C++ (hwgen.hls)
        from hwgen.hls import write_hls

        write_hls(tmp / "hls", hw, depths, dma_bits=tgt.dma_bits, part=tgt.part,
                  clock_mhz=clock, source=source)
    return manifest


def _write_board(tmp: Path, manifest: dict, graph, tgt: Target) -> None:
    """OUT/board, OUT/driver, OUT/deploy (hwgen.board); any failure is a clear HwgenError."""
    from hwgen.board import write_board

    try:
        write_board(tmp, manifest, graph, tgt)
    except HwgenError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise HwgenError(f"cannot write the board files for target {tgt.name}: {exc}",
                         hint="report this as a hwgen bug") from exc


def make_manifest(src: Path, hw: HwGraph, graph, tgt: Target, clock: float,
                  depths: dict[str, int], files: dict,
                  limits: dict[str, float] | None = None) -> dict:
    core_in, core_out, fin, fout = boundary(hw)
    io_in, io_out = io_cycles(hw, tgt.dma_bits)
    per_layer, total = _design_cost(hw, depths, tgt.dma_bits)
    max_cycles = hw.max_cycles
    core_fps = clock * 1e6 / max_cycles
    io_fps = clock * 1e6 / max(io_in, io_out)
    first, last = hw.layers[0], hw.layers[-1]

    def stream(dtype, elems, beat_elems, shape, onnx_shape, dma_words):
        return {
            "onnx_shape": list(onnx_shape), "shape": list(shape), "layout": "NHWC" if len(shape) == 3 else "C",
            "dtype": dtype.name, "kind": dtype.kind, "elem_bits": dtype.code_bits, "elems": elems,
            "elems_per_beat": beat_elems, "beats_per_frame": elems // beat_elems,
            "tdata_bits": beat_elems * dtype.code_bits,
            "dma_bits": tgt.dma_bits, "dma_words_per_frame": dma_words,
        }

    layers = []
    for layer in hw.layers:
        c, extra = per_layer[layer.name]
        entry = {"name": layer.name, "onnx_name": layer.onnx_name, "op": layer.op,
                 "PE": layer.PE, "SIMD": layer.SIMD if layer.op in ("mvau", "swg") else None,
                 "cycles": layer.cycles, "in_dtype": layer.in_dtype.name,
                 "out_dtype": layer.out_dtype.name, "fifo_depth": depths.get(layer.name, 0),
                 "files": files.get(layer.name, {}), "estimate": c.as_dict(),
                 "estimate_streams": extra.as_dict()}
        if isinstance(layer, HwMVAU):
            entry.update({"MW": layer.mw, "MH": layer.mh, "pixels": layer.pixels,
                          "xnor": layer.xnor, "thresholds": layer.n_thresholds,
                          "acc_bits": layer.acc_dtype.bits, "w_dtype": layer.w_dtype.name,
                          "ram_style": layer.ram_style, "weight_memory": weight_memory(layer)})
        layers.append(entry)
    return {
        "hwgen_version": __import__("hwgen").__version__,
        "design": graph.name,
        "source": src.name,
        "source_sha256": _sha256(src),
        "target": tgt.name,
        "part": tgt.part,
        "clock_mhz": clock,
        "top": "hwgen_accel",
        "core_top": "hwgen_accel_core",
        "layers": layers,
        "max_cycles": max_cycles,
        "io_cycles": max(io_in, io_out),
        "interval_cycles": max(max_cycles, io_in, io_out),
        "fps": {"core": core_fps, "io": io_fps, "achieved": min(core_fps, io_fps),
                "bound": "core" if core_fps < io_fps else "io"},  # a tie: the DMA port
        "io": {
            "input": stream(hw.in_dtype, hw.in_elems, first.in_beat_elems, graph.input_shape,
                            graph.onnx_input_shape, io_in),
            "output": stream(hw.out_dtype, hw.out_elems, last.out_beat_elems, graph.output_shape,
                             graph.onnx_output_shape, io_out),
        },
        "estimate": {"total": total.as_dict(), "fits": _fits(total, tgt, limits)},
        "max_utilization": {k: v for k, v in tgt.limits(limits).items() if k in tgt.capacity()},
        "fifo_bits": sum(edge_depth(depths, layer, p) * layer.in_beat_elems * layer.port_bits(p)
                         for layer in hw.layers for p in range(layer.n_inputs)),
        "fifo_paths": fifo_paths(hw, depths),
        "rtl": {"filelist": "rtl/filelist.f", "mem_dir": "mem"},
    }


def fifo_paths(hw: HwGraph, depths: dict) -> list[dict]:
    """Per join (reconvergent paths): each input's producer, the analytic depth and beats
    waiting (``hwgen.build.fifos.join_paths``), and the depth, bits and memory built."""
    if hw.is_chain:
        return []
    out = []
    for join in join_paths(hw):
        layer = hw.layer(join["join"])
        inputs = []
        for p in join["inputs"]:
            depth = edge_depth(depths, layer, p["port"])
            width = layer.in_beat_elems * layer.port_bits(p["port"])
            inputs.append({"port": p["port"], "from": p["from"],
                           "waiting_beats": p["waiting_beats"], "analytic_depth": p["depth"],
                           "depth": depth, "bits": depth * width,
                           "ram_style": fifo_memory(depth, width)})
        out.append({"join": join["join"], "inputs": inputs})
    return out
