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
    "weight_words",
    "threshold_words",
    "write_mem",
    "write_weights",
    "write_thresholds",
    "pack_beat",
    "pack_beats",
    "unpack_beat",
    "unpack_beats",
]
