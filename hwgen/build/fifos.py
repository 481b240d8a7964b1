"""FIFO depths from each layer's per-frame beat schedule (no simulation loop).

An MVAU reads a pixel's SF input beats one per clock during its first neuron fold and then
computes (NF-1)*SF more clocks without reading. While it computes, its producer keeps emitting
at the producer's own pace; the FIFO in front must absorb what arrives in that window so the
producer never stalls the slowest layer. Per consumer:

* MVAU: fed by a sliding window of its beat width, none (the window unit holds the vector
  and emits it through its output skid as the MVAU reads), unless the MVAU lacks the time to
  wait out the window's gap between frames: then the beats it reads in that gap; else, for
  one vector per frame, the whole input vector (SF beats, one frame of its input), or fed by an MVAU with time to
  spare, the part of it that keeps the interval (``_vector_need``); for many pixels, two
  vectors (2*SF beats) so the next pixel is ready when the current one finishes;
* SWG: it cannot take the next frame's first ``held_rows`` input rows until it has finished
  the current frame (its row buffer is full); the FIFO holds them so the producer does not
  stall (a stalled producer at the same pace would lose those cycles every frame), plus 2;
* a max pool fed by an MVAU, and a first thresholding unit: none (they take a beat every
  clock they can emit one; the producer's output skid holds two);
* other layers read at one beat per clock whenever they can: 2 beats (a skid).
Plus 2 beats for the producer's output register and the converter latency (not where there
is no FIFO).

Joins (add, concat; DESIGN.md 3b). A fork sends every beat down both branches at once; the
join fires only when both inputs hold a beat, so the FIFO on each join input must hold what
its branch delivered before the other branch caught up, or the fork stalls (and a branch
starved of input deadlocks the design, or the interval grows). ``schedule`` computes, with
no backpressure and the graph input paced at the analytic interval, the cycle at which every
output beat of every layer leaves it over a few frames: a beat leaves when the input elements
it depends on have arrived (a sliding window starts a row of windows once their last input
row is in; an MVAU's first neuron fold needs the whole vector) plus the unit's fill latency,
and no earlier than one beat time after the layer's previous beat (an MVAU: SF cycles per
neuron fold, a window unit: K*K per channel fold). ``latest`` runs the same model backwards
from the last layer: the latest cycle each beat may leave without delaying the output.

A join input's depth comes from the schedule with every fork held back to its latest cycles
(a fork faster than the join need not run ahead: its producers wait instead, at no cost to
the interval), in which the join takes its beats; the branch delivers them as late as it can
without blocking the fork (``_forced``: the FIFOs of the units on the branch full, output
registers included, an MVAU holding its last two output beats, any other unit taking input
only once every output it can compute without it has left, a sliding window filling its row
buffer). The depth is ``need``, the largest number of beats that have arrived and are not yet
taken, plus ``MARGIN`` (a branch with none waiting: ``FIFO_MIN``). Measured against the
smallest depth that keeps the interval, found by bisection in Verilator
(benchmarks/fifo_sizing.py): resnet_small 07_add 126 vs 122, 15_add 53 vs 45, concat_small
07_cat 14 vs 12; the long branches' FIFOs 2 vs 2, 2 and 1 (a one-word cap, which hwgen_fifo
never builds: DEPTH < 2 is 2 words).

Why the depth is safe. Deadlock: the fork blocks only when a branch is full. In the schedule
the join takes beat j only after the long branch delivered it, which needs every fork beat
up to the last that beat depends on (the long branch's lookahead, plus its latency at the
analytic rate); ``need`` counts the skip branch's beats sent by then and not yet taken, less
what the skip branch's own FIFOs and units hold. Idles and backpressure change when beats
move, not which fork beats the long branch needs before it can emit the join's next beat, so
the skip branch never has to hold more than ``need`` beats at the join FIFO: a starved long
branch with a blocked fork cannot arise. Interval: the schedule keeps the analytic interval
with the fork at its latest cycles; ``MARGIN`` covers what a beat-level schedule leaves
out, the registered handshakes: a slot freed when the join takes a beat reaches the fork
only through the registered ready of each stage between them (the join's input skid
register, the FIFO's count, a width converter, the fork's output register), up to four
clocks in which the join takes up to four more beats. The join's input skid and the join
FIFO's output register (3 beats) and the fork's output register (2 beats) are not subtracted
from the depth either: they are the rest of the slack.
"""

from __future__ import annotations

import math

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
    HwThreshold,
    HwVVAU,
)

__all__ = ["fifo_depths", "schedule", "join_paths"]

FRAMES = 3  # frames scheduled: the first fills the pipeline, the later ones are steady state
MARGIN = 4  # beats on top of the largest occupancy: the registered-ready lag between the
            # join and the fork (module docstring)
FIFO_LATENCY = 2  # hwgen_fifo: first word out 2 clocks after it enters
FIFO_MIN = 2  # hwgen_fifo's smallest depth (DEPTH < 2 builds 2 words): full throughput
VECTOR_MARGIN = 4  # beats on top of ``_vector_need``'s rate bound


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


def _vector_need(layer: HwMVAU, src: HwLayer | None, interval: int) -> int:
    """Beats of the FIFO in front of an MVAU that takes one vector per frame (SF beats; it
    reads them in its first neuron fold, then computes (NF - 1) * SF clocks without reading).

    The whole vector (SF) lets the producer never stall. Fed by an MVAU that emits the
    vector evenly over its c_P cycles per frame, fewer keep the interval T: with D beats
    buffered, the producer makes the other SF - D beats after the consumer is free again, so a
    period takes c_P * (1 - D / SF) + (NF - 1) * SF <= T; D = SF * (1 - (T - (NF - 1) * SF) /
    c_P), plus ``VECTOR_MARGIN`` beats for the producer's pipeline and output registers.
    CNV-W2A2 at the incumbent's folding (T 115,200): the FIFOs in front of 14_mvau, 15_mvau
    and 16_mvau go from 130, 258 and 514 words to 48, 67 and 6."""
    sf = layer.sf
    if not isinstance(src, HwMVAU) or src.cycles <= 0:
        return sf
    free = interval - (layer.cycles - sf)  # the clocks of a period the consumer can read in
    d = math.ceil(sf * max(0.0, 1.0 - free / src.cycles)) + VECTOR_MARGIN
    return min(sf, d)


def _chain_need(layer: HwLayer, first: bool, src: HwLayer | None, interval: int) -> int:
    if first:
        # a first thresholding unit takes a beat every clock it can emit one, straight from
        # the DMA-side width converter's output register: no FIFO (TFC's 392-bit 2-deep one
        # was 272 LUT); other first units keep a small one
        return 0 if isinstance(layer, HwThreshold) else 2
    if isinstance(layer, HwMaxPool) and isinstance(src, HwMVAU):
        # a max pool takes a beat every clock it can emit one, and the MVAU's output skid
        # holds two: no FIFO (CNV-W2A2 at the incumbent's folding, 4-deep ones were 37 and
        # 25 LUT, co-simulated at the analytic interval without them)
        return 0
    if isinstance(layer, HwMVAU) and isinstance(src, HwSWG) \
            and src.out_beat_elems * src.out_bits == layer.in_beat_elems * layer.in_bits:
        # a sliding window of the same beat width holds the window itself and emits it one
        # beat per clock as the MVAU reads it, through its own output skid. Between frames it
        # emits nothing while it stores the next frame's held rows (``held_rows`` x W beats,
        # one per clock): an MVAU with that much time to spare gets no FIFO (CNV-W2A2 at the
        # incumbent's folding co-simulated at the analytic interval without them; 4-deep ones
        # were 25-37 LUT each); one without needs the beats it reads in the gap, one per NF
        # clocks on average (CNV-W1A1's default, 01_mvau at the 5,400-cycle interval behind a
        # 64-clock gap: 5,453 measured with the former 4-deep FIFO, 5,400 with this one)
        slack = interval - layer.cycles
        if src.held_beats <= slack:
            return 0
        need = math.ceil((src.held_beats - slack) / layer.nf) + 2
    elif isinstance(layer, HwMVAU):
        need = _vector_need(layer, src, interval) if layer.pixels == 1 else 2 * layer.sf
    elif isinstance(layer, HwSWG):
        need = layer.held_beats + 2
    else:
        need = 2
    return need + 2


def _producer(hw: HwGraph, i: int) -> HwLayer | None:
    """The layer feeding layer ``i``'s first input (None: the graph input)."""
    src = hw.producers(i)[0]
    return None if src == GRAPH_INPUT else hw.layer(src)


def fifo_depths(hw: HwGraph) -> dict[str, int | list[int]]:
    """Depth (beats at the consumer's input width) of the FIFO in front of each layer; a join
    gets a list, one depth per input, from the beat schedules (``join_paths``)."""
    depths: dict[str, int | list[int]] = {}
    joins = {j["join"]: j for j in join_paths(hw)} if not hw.is_chain else {}
    for i, layer in enumerate(hw.layers):
        if layer.name in joins:
            depths[layer.name] = [p["depth"] for p in joins[layer.name]["inputs"]]
        else:
            depths[layer.name] = _chain_need(layer, i == 0, _producer(hw, i), hw.max_cycles)
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


def _last_beat(layer: HwLayer, port: int, src_elems: int, frames: int) -> np.ndarray:
    """Per output beat of ``frames`` frames: the index of the last beat of input ``port``
    (``src_elems`` elements per beat) it waits for, or -1 (none of this port)."""
    per_frame = layer.port_elems(port)
    dep = np.concatenate([_dep_elems(layer, port) + f * per_frame for f in range(frames)])
    return np.where(dep > 0, -(-dep // src_elems) - 1, -1)


def schedule(hw: HwGraph, frames: int = FRAMES,
             hold: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Cycle at which each output beat of each layer leaves it (``frames`` frames, no
    backpressure, the graph input one frame per analytic interval); key GRAPH_INPUT: the
    input beats. ``hold``: layers whose beats leave no earlier than the given cycles."""
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
            arrive = times[src] + _edge_latency(bits[src],
                                                layer.in_beat_elems * layer.port_bits(port))
            idx = _last_beat(layer, port, elems[src], frames)
            ready = np.maximum(ready, np.where(idx >= 0, arrive[np.clip(idx, 0, len(arrive) - 1)],
                                               0))
        out = np.empty_like(ready)
        pace, t, lat = _pace(layer), -(1 << 40), _latency(layer)
        for k in range(len(ready)):
            # the unit works on beat k once its inputs are in and it is done with beat k - 1
            # (an MVAU's first neuron fold of a pixel ends after the vector's last element)
            t = max(int(ready[k]), t + pace)
            out[k] = t + lat
        if hold is not None and layer.name in hold:
            out = np.maximum(out, hold[layer.name])
        times[layer.name] = out
        elems[layer.name] = layer.out_beat_elems
        bits[layer.name] = layer.out_beat_elems * layer.out_bits
    return times


def latest(hw: HwGraph, times: dict[str, np.ndarray], frames: int = FRAMES
           ) -> dict[str, np.ndarray]:
    """The latest cycle each output beat of each layer may leave without delaying any beat of
    the last layer in ``times`` (the schedule's model run backwards: a beat's inputs must be
    in ``_latency`` plus the edge latency before it leaves, one beat per ``_pace``)."""
    never = np.int64(1 << 50)
    last = hw.layers[-1]
    late: dict[str, np.ndarray] = {last.name: times[last.name].copy()}
    first = hw.layers[0]
    for i in range(len(hw.layers) - 1, -1, -1):
        layer = hw.layers[i]
        out = late.get(layer.name)
        if out is None:  # feeds nothing that waits for it
            out = np.full(len(times[layer.name]), never)
        start = out - _latency(layer)  # the cycle beat k is worked on, at the latest
        pace = _pace(layer)
        for k in range(len(start) - 2, -1, -1):
            start[k] = min(start[k], start[k + 1] - pace)
        for port, src in enumerate(hw.producers(i)):
            if src == GRAPH_INPUT:
                src_elems, src_bits = first.in_beat_elems, first.in_beat_elems * first.in_bits
            else:
                s = hw.layer(src)
                src_elems, src_bits = s.out_beat_elems, s.out_beat_elems * s.out_bits
            edge = _edge_latency(src_bits, layer.in_beat_elems * layer.port_bits(port))
            idx = _last_beat(layer, port, src_elems, frames)
            n_src = len(times[src])
            # source beat m is due by the first beat k waiting for beat m or a later one
            k0 = np.searchsorted(np.maximum.accumulate(idx), np.arange(n_src), side="left")
            due = np.where(k0 < len(start), start[np.clip(k0, 0, len(start) - 1)] - edge, never)
            late[src] = np.minimum(late[src], due) if src in late else due
    return late


NEVER = np.int64(1 << 50)
_HELD_OUT = 2  # output beats an MVAU may still hold when it takes the input of the next one


def _waiting(hw: HwGraph, times: dict[str, np.ndarray], i: int, port: int,
             src_times: np.ndarray) -> int:
    """The largest number of beats of input ``port`` of layer ``i`` that have arrived at its
    FIFO and are not yet taken, when its producer's beats arrive at ``src_times`` and the
    layer works as in the beat schedule ``times``."""
    layer = hw.layers[i]
    src = hw.producers(i)[port]
    fire = times[layer.name] - _latency(layer)  # the cycle the unit takes its inputs
    per_frame = layer.port_elems(port)
    dep = np.concatenate([_dep_elems(layer, port) + f * per_frame for f in range(FRAMES)])
    # input beat b (in_beat_elems elements) is taken by the first output beat needing it
    beat = layer.in_beat_elems
    n = FRAMES * per_frame // beat
    if not n:
        return 0
    last = np.arange(1, n + 1) * beat
    taker = np.searchsorted(dep, last)  # first out beat with dep >= last element
    taken = fire[np.clip(taker, 0, len(fire) - 1)]
    src_elems = (hw.layers[0].in_beat_elems if src == GRAPH_INPUT
                 else hw.layer(src).out_beat_elems)
    # arrival at the FIFO's input: the producer's beat (after any width converter)
    arrive = src_times[np.clip(-(-last // src_elems) - 1, 0, len(src_times) - 1)]
    waiting = np.arange(1, n + 1) - np.searchsorted(np.sort(taken), arrive, side="left")
    return int(waiting.max())


def _forced(hw: HwGraph, times: dict[str, np.ndarray], name: str) -> np.ndarray:
    """The latest cycle each output beat of ``name`` may leave without blocking the fork (or
    join, or graph input) its branch starts at, which sends as in ``times``.

    Each storage element on the branch holds what its RTL holds, no more:
    * the FIFO in front of a unit: its ``_chain_need`` words plus its output register
      (hwgen_fifo accepts while fewer than DEPTH words are in its memory; the output register
      holds one more): input beat b must be taken by the unit when beat b + DEPTH + 1 arrives;
    * an MVAU (``_HELD_OUT``): it takes the input of output beat k + 1 while beats k and k - 1
      may still be inside it (one in the pipeline register behind the issue stage, one in its
      output register: the pipeline advances while the output skid is empty), so beat k must
      have left when the unit takes the first input beat that beat k + 2 does not need; the
      rest of its pipeline (several more beats) is not counted;
    * any other unit takes its next input beat only once every output beat computable without
      it has left (its output register not counted);
    * a sliding window takes input rows up to NB = 2^clog2(K + STRIDE) ahead of the lowest row
      its current window row reads (hwgen_swg, hwgen_swg_par).
    Not counted (they hold more, so the depth errs on the large side): the fork's output
    register, width converters, pipeline registers beyond the above."""
    if name == GRAPH_INPUT:
        return times[name]
    i = hw.layers.index(hw.layer(name))
    layer = hw.layers[i]
    if isinstance(layer, HwDup) or layer.n_inputs > 1:
        return times[name]
    src = hw.producers(i)[0]
    src_times = _forced(hw, times, src)
    src_elems = (hw.layers[0].in_beat_elems if src == GRAPH_INPUT
                 else hw.layer(src).out_beat_elems)
    elems = layer.in_beat_elems
    n_in = FRAMES * layer.in_beats
    arrive = src_times[np.clip(-(-(np.arange(1, n_in + 1) * elems) // src_elems) - 1, 0,
                               len(src_times) - 1)]
    full = _chain_need(layer, i == 0, _producer(hw, i), hw.max_cycles) + 1  # FIFO words, output register
    taken_by = np.concatenate([arrive[full:], np.full(min(full, n_in), NEVER)])
    n_out = FRAMES * layer.out_beats
    k = np.arange(n_out)
    if isinstance(layer, HwSWG):
        h = layer.in_hwc[0]
        nb = layer.buffer_rows
        per_row = layer.out_beats // layer.out_hw[0]
        frame, r = k // layer.out_beats, (k % layer.out_beats) // per_row
        low = np.maximum(0, r * layer.stride[0] - layer.pad[0])
        first = (frame * h + low + nb) * (layer.in_beats // h)  # first beat of row low + NB
    else:
        dep = np.concatenate([_dep_elems(layer, 0) + f * layer.in_elems for f in range(FRAMES)])
        first = -(-dep // elems)  # the first input beat not needed by out beat k
        held = _HELD_OUT if isinstance(layer, HwMVAU) else 0
        if held:  # out beat k may stay inside until an input beat beat k + held does not need
            first = np.concatenate([first[held:], np.full(min(held, n_out), n_in)])
    out = np.where(first < n_in, taken_by[np.clip(first, 0, n_in - 1)], NEVER)
    pace = _pace(layer)
    for j in range(n_out - 2, -1, -1):
        out[j] = min(out[j], out[j + 1] - pace)
    # never before the schedule: where the FIFOs sized for the chain stall the fork briefly
    # (a burst faster than the unit), they do so whatever the join FIFO
    return np.maximum(out, times[name])


def join_paths(hw: HwGraph) -> list[dict]:
    """Per join: for each input, its producer, the largest number of its beats waiting at the
    join (arrived, not yet taken) when its branch delivers as scheduled (``waiting_beats``)
    and as late as it can (the depth, less the margin), what the branch holds of the
    difference (``branch_held_beats``), the FIFO depth and bits."""
    asap = schedule(hw)
    late = latest(hw, asap)
    # a fork sends a beat no earlier than the branch that needs it first must have it: with
    # the fork held back, a join input's FIFO holds the skew of the branches, not the run-ahead
    # of a fork that is faster than the join
    forks = {x.name: np.maximum(asap[x.name], late[x.name]) for x in hw.layers
             if isinstance(x, HwDup)}
    times = schedule(hw, hold=forks)
    out = []
    for i, layer in enumerate(hw.layers):
        if layer.n_inputs < 2:
            continue
        entry = {"join": layer.name, "inputs": []}
        for port, src in enumerate(hw.producers(i)):
            # the beats waiting at the join when the branch delivers as in the schedule, and
            # when it delivers as late as it can without blocking the fork: the FIFO needs
            # the latter (the branch's own units and FIFOs hold the rest)
            occ = _waiting(hw, times, i, port, times[src])
            need = _waiting(hw, times, i, port, _forced(hw, times, src))
            beat = layer.in_beat_elems
            width = beat * layer.port_bits(port)
            # a branch with no beat waiting even when it delivers as late as it can is never
            # ahead of the join: its FIFO only has to pass one beat per clock (hwgen_fifo's
            # 2 words, with its output register and the join's input skid behind them); the
            # margin is for a branch that may block the fork
            depth = need + MARGIN if need else FIFO_MIN
            entry["inputs"].append({"port": port, "from": src, "waiting_beats": occ,
                                    "branch_held_beats": occ - need, "depth": depth,
                                    "bits": depth * width})
        out.append(entry)
    return out
