"""Analytic cost models: cycles, LUT, FF, BRAM18, DSP per hardware layer and in total."""

from hwgen.estimate.cost import estimate_layer, estimate_fifo, estimate_dwc, Cost

__all__ = ["estimate_layer", "estimate_fifo", "estimate_dwc", "Cost"]
