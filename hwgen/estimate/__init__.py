"""Analytic cost models: cycles, LUT, FF, BRAM18, DSP per hardware layer and in total."""

from hwgen.estimate.cost import Cost, estimate_dwc, estimate_fifo, estimate_layer

__all__ = ["Cost", "estimate_dwc", "estimate_fifo", "estimate_layer"]
