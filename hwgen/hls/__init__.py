"""HLS C++ back end: OUT/hls/ (Vitis HLS dataflow design) and its g++ C simulation.

``write_hls`` writes the per-layer functions, the dataflow top and ``run_hls.tcl``;
``run_csim`` compiles the testbench with hwgen's portable headers and checks it against the
golden executor bit for bit.
"""

from hwgen.hls.csim import compile_csim, run_csim
from hwgen.hls.writer import include_dir, write_hls

__all__ = ["compile_csim", "include_dir", "run_csim", "write_hls"]
