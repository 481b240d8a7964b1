"""cocotb bench of hwgen_frame_tlast: a model pipeline around it (pytest side: test_frame_tlast).

Input beats carry the tlast pattern from the spec; the model core takes a beat when it is
ready (random) and, once an input frame is complete, owes OUT_BEATS output beats, fired on
random cycles. Every fired output beat records out_last. Signals are set on the falling edge and
the outputs (combinational in core_ready) read 1 ns later, before the next rising edge.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer


@cocotb.test()
async def run_tlast(dut) -> None:
    spec = json.loads(Path(os.environ["HWGEN_TLAST_SPEC"]).read_text())
    rng = random.Random(spec["seed"])
    in_beats, out_beats = spec["in_beats"], spec["out_beats"]
    lasts = spec["in_last"]  # tlast per input beat
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.in_valid.value = 0
    dut.in_last.value = 0
    dut.core_ready.value = 0
    dut.out_fire.value = 0
    for _ in range(3):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    i = 0
    owed = 0  # output beats the model core can still send
    got: list[int] = []
    total_out = len(lasts) // in_beats * out_beats
    for _ in range(100 * (len(lasts) + total_out) + 100):
        if len(got) == total_out:
            break
        await FallingEdge(dut.clk)
        valid = i < len(lasts) and rng.random() >= spec["idle"]
        fire_out = owed > 0 and rng.random() >= spec["backpressure"]
        dut.in_valid.value = int(valid)
        dut.in_last.value = lasts[i] if valid else 0
        dut.core_ready.value = int(rng.random() >= spec["stall"])
        dut.out_fire.value = int(fire_out)
        await Timer(1, unit="ns")
        if fire_out:
            got.append(int(dut.out_last.value))
            owed -= 1
        if valid and int(dut.in_ready.value):
            i += 1
            if i % in_beats == 0:
                owed += out_beats
    Path("result.json").write_text(json.dumps({"out_last": got, "taken": i}))
