"""Back ends: memory init files and stream packing for the RTL templates in rtl_templates/."""

from hwgen.backend.memfiles import (
    encode,
    threshold_words,
    weight_words,
    write_mem,
    write_thresholds,
    write_weights,
)
from hwgen.backend.streams import pack_beat, pack_beats, unpack_beat, unpack_beats

__all__ = [
    "encode",
    "pack_beat",
    "pack_beats",
    "threshold_words",
    "unpack_beat",
    "unpack_beats",
    "weight_words",
    "write_mem",
    "write_thresholds",
    "write_weights",
]
