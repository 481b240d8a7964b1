"""hwgen_wload: two segments of one weight-load stream (tests/rtl/benches/hwgen_wload_pair.v),
words of several beats, two images back to back, with random idles and backpressure. Each
segment must take exactly its own beats of every image, assemble them LSB first and drop the
padding bits of a word's last beat; after the last segment the count wraps, so the second
image goes to the same segments (the last segment must leave the stream at the wrap)."""

from __future__ import annotations

import numpy as np
import pytest
from multi_bench import MultiSpec

CASES = {  # IN_W, OUT_W, WORDS_A, WORDS_B
    "3beats": (16, 40, 3, 2),   # 40-bit words in 3 beats of 16 (8 padding bits)
    "1beat": (64, 40, 2, 3),    # a word per beat (24 padding bits)
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_wload_segments_and_second_image(bench, name: str) -> None:
    in_w, out_w, words_a, words_b = CASES[name]
    rng = np.random.default_rng(len(name) * 31 + in_w)
    bpw = -(-out_w // in_w)
    beats, want = [], {"a_axis": [], "b_axis": []}
    for _image in range(2):
        for j in range(words_a + words_b):
            word = int(rng.integers(0, 1 << 62)) << 2 | int(rng.integers(0, 4))
            word &= (1 << out_w) - 1
            junk = int(rng.integers(0, 1 << 62)) << (out_w % 64)  # padding bits: dropped
            raw = word | (junk & (((1 << (bpw * in_w)) - 1) ^ ((1 << out_w) - 1)))
            beats += [(raw >> (k * in_w)) & ((1 << in_w) - 1) for k in range(bpw)]
            want["a_axis" if j < words_a else "b_axis"].append(word)
    params = {"IN_W": in_w, "OUT_W": out_w, "WORDS_A": words_a, "WORDS_B": words_b}
    bench("hwgen_wload_pair", params, MultiSpec(ins={"s_axis": beats}, outs=want, seed=in_w))
