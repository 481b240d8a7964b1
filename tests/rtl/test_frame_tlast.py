"""hwgen_frame_tlast in a model pipeline (tests/rtl/tlast_bench.py): the last output beat of
each frame shows the tlast of its input frame's last beat, every other output beat none, with
tlast once per batch (a DMA) or on every frame, with idles, stalls and slow outputs that fill
the flag FIFO (the input then stops at a frame end)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import build

from hwgen.tools import verilator_runner

CASES = {  # name: (IN_BEATS, OUT_BEATS, DEPTH, idle, stall, backpressure, batch)
    "dma_98_2_fast": (98, 2, 32, 0.0, 0.0, 0.0, 7),
    "dma_3_1_full": (3, 1, 4, 0.2, 0.2, 0.8, 5),
    "every_1_1_full": (1, 1, 4, 0.3, 0.3, 0.7, 1),
    "batch_2_3_depth32": (2, 3, 32, 0.3, 0.1, 0.75, 9),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_frame_tlast(tmp_path: Path, name: str) -> None:
    from cocotb_tools.runner import get_results

    ib, ob, depth, idle, stall, bp, batch = CASES[name]
    rng = np.random.default_rng(ib * 100 + ob + depth)
    frames = 60
    # tlast on the last beat of every batch-th frame (batches of random size around ``batch``)
    frame_last = []
    left = batch
    for _ in range(frames):
        left -= 1
        frame_last.append(int(left == 0))
        if left == 0:
            left = int(rng.integers(1, 2 * batch + 1)) if batch > 1 else 1
    in_last = []
    for f in frame_last:
        in_last += [0] * (ib - 1) + [f]
    expected = []
    for f in frame_last:
        expected += [0] * (ob - 1) + [f]
    spec = {"seed": int(rng.integers(1 << 30)), "in_beats": ib, "out_beats": ob,
            "in_last": in_last, "idle": idle, "stall": stall, "backpressure": bp}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    folder = build("hwgen_frame_tlast", {"IN_BEATS": ib, "OUT_BEATS": ob, "DEPTH": depth})
    xml = verilator_runner().test(
        test_module="tlast_bench", hdl_toplevel="hwgen_frame_tlast", hdl_toplevel_lang="verilog",
        build_dir=folder, test_dir=tmp_path,
        extra_env={"HWGEN_TLAST_SPEC": str(tmp_path / "spec.json")},
        results_xml=str(tmp_path / "results.xml"))
    total, failed = get_results(xml)
    assert total > 0 and failed == 0, f"cocotb bench failed, see {tmp_path}"
    res = json.loads((tmp_path / "result.json").read_text())
    assert res["taken"] == len(in_last)
    assert res["out_last"] == expected
