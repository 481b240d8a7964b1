"""hwgen_uart_rx / hwgen_uart_tx: 8N1 framing, byte order in the word, tlast per frame, line
timing, idles and backpressure, and the sticky overflow / framing-error flags.

The reference model is here in Python: bytes group into little-endian words (first byte in
bits [7:0]), every FRAME_WORDS-th word has tlast; a transmitted word is BYTES bytes from bits
[7:0] up, each byte start bit, 8 data bits LSB first, stop bit, every bit CLKS_PER_BIT clocks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import build

from hwgen.tools import verilator_runner


def run_uart(tmp_path: Path, top: str, params: dict, spec: dict) -> dict:
    from cocotb_tools.runner import get_results

    folder = build(top, params)
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    xml = verilator_runner().test(
        test_module="uart_bench", hdl_toplevel=top, hdl_toplevel_lang="verilog",
        build_dir=folder, test_dir=tmp_path,
        extra_env={"HWGEN_UART_SPEC": str(tmp_path / "spec.json")},
        results_xml=str(tmp_path / "results.xml"))
    total, failed = get_results(xml)
    assert total > 0 and failed == 0, f"cocotb bench failed, see {tmp_path}"
    return json.loads((tmp_path / "result.json").read_text())


def ref_words(data: list[int], nbytes: int, frame_words: int) -> list[list[int]]:
    words = [int.from_bytes(bytes(data[i:i + nbytes]), "little")
             for i in range(0, len(data), nbytes)]
    return [[w, int((k + 1) % frame_words == 0)] for k, w in enumerate(words)]


def ref_line(word: int, nbytes: int, clks: int) -> str:
    bits = []
    for b in word.to_bytes(nbytes, "little"):
        bits += [0] + [(b >> i) & 1 for i in range(8)] + [1]
    return "".join(str(b) * clks for b in bits)


# Two builds per template (each Verilator build costs ~25 s): the smallest divider and word,
# and the board's own settings (17 clocks per bit at 50 MHz for 3 Mbaud, 32-bit words).
RX_CASES = {  # name: (CLKS_PER_BIT, BYTES, FRAME_WORDS, idle, backpressure)
    "c4_b1_f3_fast": (4, 1, 3, False, 0.0),
    "c4_b1_f3_idle_bp": (4, 1, 3, True, 0.6),
    "c17_b4_f2_idle_bp": (17, 4, 2, True, 0.7),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(RX_CASES))
def test_uart_rx(tmp_path: Path, name: str) -> None:
    clks, nbytes, frame_words, idle, bp = RX_CASES[name]
    rng = np.random.default_rng(clks * 10 + nbytes)
    data = [int(v) for v in rng.integers(0, 256, size=nbytes * frame_words * 6)]
    spec = {"top": "rx", "clks": clks, "bytes": nbytes, "data": data, "idle": idle,
            "backpressure": bp, "seed": clks}
    res = run_uart(tmp_path, "hwgen_uart_rx",
                   {"CLKS_PER_BIT": clks, "BYTES": nbytes, "FRAME_WORDS": frame_words}, spec)
    assert res["words"] == ref_words(data, nbytes, frame_words)
    assert res["overflow"] == 0 and res["framing_error"] == 0


@pytest.mark.rtl
def test_uart_rx_overflow_and_framing(tmp_path: Path) -> None:
    """With m_axis_tready held low, the second word is dropped and flagged; the first waits.
    A 0 stop bit sets framing_error."""
    data = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x11, 0x22, 0x33, 0x44]
    spec = {"top": "rx", "clks": 17, "bytes": 4, "data": data, "idle": False,
            "backpressure": 0.0, "ready_off": True, "bad_stop": [9], "seed": 3}
    res = run_uart(tmp_path, "hwgen_uart_rx", {"CLKS_PER_BIT": 17, "BYTES": 4, "FRAME_WORDS": 2},
                   spec)
    assert res["words"] == ref_words(data[:4], 4, 2)
    assert res["overflow"] == 1 and res["framing_error"] == 1


TX_CASES = {  # name: (CLKS_PER_BIT, BYTES, idle)
    "c4_b1_fast": (4, 1, False),
    "c17_b4_fast": (17, 4, False),
    "c17_b4_idle": (17, 4, True),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(TX_CASES))
def test_uart_tx(tmp_path: Path, name: str) -> None:
    clks, nbytes, idle = TX_CASES[name]
    rng = np.random.default_rng(clks * 100 + nbytes)
    words = [int(v) for v in rng.integers(0, 1 << (8 * nbytes), size=12, dtype=np.uint64)]
    spec = {"top": "tx", "clks": clks, "bytes": nbytes, "data": words, "idle": idle, "seed": 5}
    res = run_uart(tmp_path, "hwgen_uart_tx", {"CLKS_PER_BIT": clks, "BYTES": nbytes}, spec)
    line, k, i = res["line"], 0, 0
    span = 10 * nbytes * clks
    starts = []
    while i < len(line):
        if line[i] == "1":
            i += 1
            continue
        assert k < len(words), f"unexpected start bit at cycle {i}"
        assert line[i:i + span] == ref_line(words[k], nbytes, clks), f"word {k} at cycle {i}"
        starts.append(i)
        i += span
        k += 1
    assert k == len(words)
    if not idle:  # back to back: one word per 10 * BYTES bit times plus one clock
        assert all(b - a == span + 1 for a, b in zip(starts, starts[1:]))
