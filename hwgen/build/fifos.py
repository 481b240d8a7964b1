"""FIFO depths from each layer's per-frame beat schedule (no simulation loop).

An MVAU reads a pixel's SF input beats one per clock during its first neuron fold and then
computes (NF-1)*SF more clocks without reading. While it computes, its producer keeps emitting
at the producer's own pace; the FIFO in front must absorb what arrives in that window so the
producer never stalls the slowest layer. Per consumer:

* MVAU: for one vector per frame, the whole input vector (SF beats, one frame of its input);
  for conv (many pixels), two vectors (2*SF beats) so the next pixel is ready when the current
  one finishes;
* SWG: it cannot take the next frame's first ``held_rows`` input rows until it has finished
  the current frame (its row buffer is full); the FIFO holds them so the producer does not
  stall (a stalled producer at the same pace would lose those cycles every frame), plus 2;
* other layers read at one beat per clock whenever they can: 2 beats (a skid).
Plus 2 beats for the producer's output register and the converter latency.

Joins (add, concat; DESIGN.md 3b). A fork sends every beat down both branches at once; the
join fires only when both inputs hold a beat, so the FIFO on each join input must hold what
its branch delivered before the other branch caught up, or the fork stalls (and a branch
starved of input deadlocks the design, or the interval grows). ``schedule`` computes, with
no backpressure and the graph input paced at the analytic interval, the cycle at which every
output beat of every layer leaves it over a few frames: a beat leaves when the input elements
it depends on have arrived (a sliding window starts a row of windows once their last input
row is in; an MVAU's first neuron fold needs the whole vector) plus the unit's fill latency, and no earlier than one beat
time after the layer's previous beat (an MVAU: SF cycles per neuron fold, a window unit: K*K
per channel fold). A join input's depth is the largest number of its beats that have arrived
and are not yet taken (cumulative arrival curve minus cumulative fire curve), less what the
FIFOs of the units between the fork and the join on that branch already hold (scaled by the
branch's elements per frame), plus 4. Not modelled: skid registers and the row buffers of
sliding windows on the branch (they hold more: the depth errs on the large side there).
"""

from __future__ import annotations

import numpy as np

from hwgen.build.hwlayers import (
    GRAPH_INPUT,
    HwAdd,
    HwConcat,
    HwDup,
    HwGraph,
    HwLabelSelect,
    HwLayer,
    HwMaxPool,
    HwMVAU,
    HwSWG,
    HwVVAU,
)

__all__ = ["fifo_depths", "schedule", "join_paths"]

FRAMES = 3  # frames scheduled: the first fills the pipeline, the later ones are steady state
MARGIN = 4  # beats on top of the largest occupancy: the FIFO's output register and skids
FIFO_LATENCY = 2  # hwgen_fifo: first word out 2 clocks after it enters


def _latency(layer: HwLayer) -> int:
    """Cycles from the last input element an output beat depends on to that beat leaving the
    unit (skid registers, adder tree, threshold search; hwgen.estimate.latency)."""
    from hwgen.build.emit import layer_params, template
    from hwgen.estimate.latency import stage_delays

    if isinstance(layer, HwDup):
        return 1
    if isinstance(layer, HwConcat):
        return 2
    if isinstance(layer, HwAdd):
        return (max(0, (layer.n_thresholds).bit_length()) + 4) if layer.n_thresholds else 3
    files = {"weights": "w.mem", "thresholds": "t.mem"}
    first, _tail, _busy = stage_delays(template(layer), layer_params(layer, files))
    if isinstance(layer, HwMVAU):
        return first - layer.sf
    if isinstance(layer, HwVVAU):
        return first - layer.window // layer.simd
    if isinstance(layer, (HwSWG, HwMaxPool, HwLabelSelect)):
        return 3
    return first


def _edge_latency(src_bits: int, dst_bits: int) -> int:
    """The FIFO in front of a layer, and a width converter where the beat widths differ."""
    if src_bits == dst_bits:
        return FIFO_LATENCY
    return FIFO_LATENCY + max(1, -(-dst_bits // src_bits)) + 1


def _chain_need(layer: HwLayer, first: bool) -> int:
    if first:
        return 2
    if isinstance(layer, HwMVAU):
        need = layer.sf if layer.pixels == 1 else 2 * layer.sf
    elif isinstance(layer, HwSWG):
        need = layer.held_rows * layer.in_beats // layer.in_hwc[0] + 2
    else:
        need = 2
    return need + 2


def fifo_depths(hw: HwGraph) -> dict[str, int | list[int]]:
    """Depth (beats at the consumer's input width) of the FIFO in front of each layer; a join
    gets a list, one depth per input, from the beat schedules (``join_paths``)."""
    depths: dict[str, int | list[int]] = {}
    joins = {j["join"]: j for j in join_paths(hw)} if not hw.is_chain else {}
    for i, layer in enumerate(hw.layers):
        if layer.name in joins:
            depths[layer.name] = [p["depth"] for p in joins[layer.name]["inputs"]]
        else:
            depths[layer.name] = _chain_need(layer, i == 0)
    return depths


def _dep_elems(layer: HwLayer, port: int) -> np.ndarray:
    """Per output beat of one frame: how many elements of input ``port`` (in stream order)
    must have arrived before the beat can be computed (0: none of this port)."""
    nb = layer.out_beats
    j = np.arange(nb)
    if isinstance(layer, HwConcat):
        bt = (layer.c0 + layer.c1) // layer.PE
        b0 = layer.c0 // layer.PE
        pix, b = j // bt, j % bt
        if port == 0:
            return np.where(b < b0, pix * layer.c0 + (b + 1) * layer.PE, (pix + 1) * layer.c0)
        return np.where(b < b0, pix * layer.c1, pix * layer.c1 + (b - b0 + 1) * layer.PE)
    if isinstance(layer, HwMVAU):
        return (j // layer.nf + 1) * layer.mw
    if isinstance(layer, HwSWG):
        h, w, c = layer.in_hwc
        oh, ow = layer.out_hw
        per_pix = nb // (oh * ow)
        q = j // per_pix
        r, col = q // ow, q % ow
        ekh, ekw = layer.eff_kernel
        # hwgen_swg(_par) writes whole rows: a window row's beats start once the last input
        # row the windows of that row read is in (rtl_templates/README.md)
        row = np.minimum(r * layer.stride[0] - layer.pad[0] + ekh - 1, h - 1)
        return (row + 1) * w * c + 0 * col
    if isinstance(layer, HwMaxPool):
        h, w, c = layer.in_hwc
        k = layer.kernel[0]
        ow = w // k
        per_pix = c // layer.PE
        q, g = j // per_pix, j % per_pix
        r, col = q // ow, q % ow
        return ((r * k + k - 1) * w + col * k + k - 1) * c + (g + 1) * layer.PE
    if isinstance(layer, HwVVAU):
        return (j + 1) * layer.window * layer.lanes  # channel-fold-major windows
    if isinstance(layer, HwLabelSelect):
        return np.full(nb, layer.in_elems)
    # elementwise: threshold, add, fork
    return (j + 1) * layer.out_beat_elems * layer.in_elems // layer.out_elems


def _pace(layer: HwLayer) -> int:
    """Cycles between two output beats of ``layer`` at full speed."""
    if isinstance(layer, HwMVAU):
        return layer.sf
    if isinstance(layer, HwVVAU):
        return layer.window // layer.simd
    return max(1, layer.cycles // max(1, layer.out_beats))


def schedule(hw: HwGraph, frames: int = FRAMES) -> dict[str, np.ndarray]:
    """Cycle at which each output beat of each layer leaves it (``frames`` frames, no
    backpressure, the graph input one frame per analytic interval); key GRAPH_INPUT: the
    input beats."""
    interval = max(hw.max_cycles, 1)
    first = hw.layers[0]
    n_in = first.in_beats
    beats = np.arange(frames * n_in)
    times: dict[str, np.ndarray] = {
        GRAPH_INPUT: (beats // n_in) * interval + ((beats % n_in) + 1) * interval // n_in}
    elems = {GRAPH_INPUT: first.in_beat_elems}  # elements per beat of each stream
    bits = {GRAPH_INPUT: first.in_beat_elems * first.in_bits}
    for i, layer in enumerate(hw.layers):
        ready = np.zeros(frames * layer.out_beats, dtype=np.int64)
        for port, src in enumerate(hw.producers(i)):
            per_frame = layer.port_elems(port)
            dep = _dep_elems(layer, port)
            dep = np.concatenate([dep + f * per_frame for f in range(frames)])
            arrive = times[src] + _edge_latency(bits[src],
                                                layer.in_beat_elems * layer.port_bits(port))
            idx = np.clip(-(-dep // elems[src]) - 1, 0, len(arrive) - 1)
            ready = np.maximum(ready, np.where(dep > 0, arrive[idx], 0))
        out = np.empty_like(ready)
        pace, t, lat = _pace(layer), -(1 << 40), _latency(layer)
        for k in range(len(ready)):
            # the unit works on beat k once its inputs are in and it is done with beat k - 1
            # (an MVAU's first neuron fold of a pixel ends after the vector's last element)
            t = max(int(ready[k]), t + pace)
            out[k] = t + lat
        times[layer.name] = out
        elems[layer.name] = layer.out_beat_elems
        bits[layer.name] = layer.out_beat_elems * layer.out_bits
    return times


def _branch_fifo_elems(hw: HwGraph, src: str, per_frame: int) -> int:
    """Elements (of a stream of ``per_frame`` elements per frame) the input FIFOs of the
    single-input units from the fork (or graph input, or another join) up to ``src`` hold."""
    total = 0.0
    while src != GRAPH_INPUT:
        layer = hw.layer(src)
        if isinstance(layer, HwDup) or layer.n_inputs > 1:
            break
        first = hw.producers(layer)[0] == GRAPH_INPUT and layer is hw.layers[0]
        total += _chain_need(layer, first) * layer.in_beat_elems * per_frame / layer.in_elems
        src = hw.producers(layer)[0]
    return int(total)


def join_paths(hw: HwGraph) -> list[dict]:
    """Per join: for each input, its producer, the largest number of its beats waiting at the
    join (arrived, not yet taken) in the beat schedule, the FIFO depth and bits."""
    times = schedule(hw)
    out = []
    for i, layer in enumerate(hw.layers):
        if layer.n_inputs < 2:
            continue
        fire = times[layer.name] - _latency(layer)  # the cycle the join takes its inputs
        entry = {"join": layer.name, "inputs": []}
        for port, src in enumerate(hw.producers(i)):
            per_frame = layer.port_elems(port)
            dep = _dep_elems(layer, port)
            dep = np.concatenate([dep + f * per_frame for f in range(FRAMES)])
            # join-port beat b (PE elements) is taken by the first output beat needing it
            beat = layer.in_beat_elems
            n = FRAMES * per_frame // beat
            last = np.arange(1, n + 1) * beat
            taker = np.searchsorted(dep, last)  # first out beat with dep >= last element
            taken = fire[np.clip(taker, 0, len(fire) - 1)]
            src_elems = (hw.layers[0].in_beat_elems if src == GRAPH_INPUT
                         else hw.layer(src).out_beat_elems)
            # arrival at the FIFO's input: the producer's beat (after any width converter)
            arrive = times[src][np.clip(-(-last // src_elems) - 1, 0, len(times[src]) - 1)]
            waiting = np.arange(1, n + 1) - np.searchsorted(np.sort(taken), arrive, side="left")
            occ = int(waiting.max()) if n else 0
            held = _branch_fifo_elems(hw, src, per_frame) // beat
            width = beat * layer.port_bits(port)
            depth = max(occ - held + MARGIN, _chain_need(layer, False))
            entry["inputs"].append({"port": port, "from": src, "waiting_beats": occ,
                                    "branch_fifo_beats": held, "depth": depth,
                                    "bits": depth * width})
        out.append(entry)
    return out
