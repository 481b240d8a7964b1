"""Memory-file and stream-packing layouts (pure Python, no simulator)."""

from __future__ import annotations

import numpy as np
import pytest

from hwgen.backend.memfiles import encode, threshold_words, weight_image, weight_words, write_mem
from hwgen.backend.streams import pack_beat, pack_beats, unpack_beats


def test_weight_word_layout() -> None:
    rng = np.random.default_rng(0)
    mh, mw, simd, pe, bits = 6, 8, 4, 3, 3
    w = rng.integers(-4, 4, size=(mh, mw))
    words = weight_words(w, simd, pe, bits, "int")
    sf, nf = mw // simd, mh // pe
    assert len(words) == nf * sf
    for nfi in range(nf):
        for sfi in range(sf):
            word = words[nfi * sf + sfi]
            for p in range(pe):
                for s in range(simd):
                    code = (word >> ((p * simd + s) * bits)) & 7
                    assert code == w[nfi * pe + p, sfi * simd + s] & 7


def test_threshold_word_layout_and_shared() -> None:
    t = np.array([[-3, 0, 0], [1, 2, 5], [4, 4, 4], [-8, 7, 7]])
    words = threshold_words(t, 2, 4)
    assert len(words) == 2
    for g in range(2):
        for p in range(2):
            for k in range(3):
                assert (words[g] >> ((p * 3 + k) * 4)) & 15 == t[g * 2 + p, k] & 15
    assert threshold_words(np.array([1, 2]), 4, 4) == [0x21]


def test_codes_and_errors(tmp_path) -> None:
    assert list(encode(np.array([-1, 1]), 1, "bipolar")) == [0, 1]
    assert list(encode(np.array([-1, 0, 1]), 2, "ternary")) == [3, 0, 1]
    with pytest.raises(ValueError, match="int4 values must lie in"):
        encode(np.array([8]), 4, "int")
    with pytest.raises(ValueError, match="ascending"):
        threshold_words(np.array([[3, 1]]), 1, 4)
    path = write_mem(tmp_path / "a.mem", [0x1, 0xABC], 12)
    assert path.read_text() == "001\nabc\n"


def test_pack_roundtrip() -> None:
    vals = np.array([-3, 2, 1, -1, 0, 3])
    beats = pack_beats(vals, 3, 3)
    assert beats[0] == pack_beat([-3, 2, 1], 3)
    assert (unpack_beats(beats, 3, 3, signed=True) == vals).all()


def test_weight_image_layout() -> None:
    """Memories in order; a word as whole DMA words, least significant first, zero-padded."""
    wide = (1 << 99) | (0xABC << 60) | 0x5  # 100 bits: two 64-bit DMA words
    image = weight_image([([wide, 1], 100), ([0x3, 0x2, 0x1], 2)], 64)
    words = [int.from_bytes(image[i:i + 8], "little") for i in range(0, len(image), 8)]
    assert words == [wide & (2**64 - 1), wide >> 64, 1, 0, 3, 2, 1]
    assert weight_image([], 128) == b""
    with pytest.raises(ValueError, match="does not fit in 2 bits"):
        weight_image([([4], 2)], 64)
    with pytest.raises(ValueError, match="multiple of 8"):
        weight_image([([1], 2)], 20)
