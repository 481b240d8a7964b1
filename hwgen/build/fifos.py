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
"""

from __future__ import annotations

from hwgen.build.hwlayers import HwGraph, HwMVAU, HwSWG

__all__ = ["fifo_depths"]


def fifo_depths(hw: HwGraph) -> dict[str, int]:
    """Depth (beats at the consumer's input width) of the FIFO in front of each layer."""
    depths: dict[str, int] = {}
    for i, layer in enumerate(hw.layers):
        if i == 0:
            depths[layer.name] = 2
            continue
        if isinstance(layer, HwMVAU):
            need = layer.sf if layer.pixels == 1 else 2 * layer.sf
        elif isinstance(layer, HwSWG):
            need = layer.held_rows * layer.in_beats // layer.in_hwc[0] + 2
        else:
            need = 2
        depths[layer.name] = need + 2
    return depths
