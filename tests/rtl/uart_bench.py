"""cocotb bench of hwgen_uart_rx / hwgen_uart_tx: a cycle-level line driver and monitor.

The case comes from the JSON file named by ``HWGEN_UART_SPEC`` (written by test_uart.py):
``top`` ("rx" or "tx"), ``clks`` (CLKS_PER_BIT), ``bytes`` (BYTES), ``data`` (the bytes to send
over the line for rx, the words to stream in for tx), ``idle`` (random idle between bytes /
words), ``backpressure`` (share of cycles with m_axis_tready low, rx), ``ready_off`` (rx: hold
m_axis_tready low for the whole line activity), ``bad_stop`` (rx: byte indices sent with a 0
stop bit). Results go to ``result.json`` in the test folder; test_uart.py scores them against
its own reference model.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge


def line_wave(data: list[int], clks: int, rng: random.Random, idle: bool,
              bad_stop: list[int]) -> list[int]:
    """Line level per clock for ``data`` bytes, 8N1, with random idle between bytes."""
    wave: list[int] = [1] * (3 * clks)
    for k, byte in enumerate(data):
        if idle:
            wave += [1] * rng.randrange(0, 3 * clks)
        bits = [0] + [(byte >> i) & 1 for i in range(8)] + [0 if k in bad_stop else 1]
        for b in bits:
            wave += [b] * clks
    return wave + [1] * (4 * clks)


async def _reset(dut) -> None:
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    for _ in range(4):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def run_case(dut) -> None:
    spec = json.loads(Path(os.environ["HWGEN_UART_SPEC"]).read_text())
    rng = random.Random(spec.get("seed", 1))
    clks, nbytes = spec["clks"], spec["bytes"]
    if spec["top"] == "rx":
        dut.rxd.value = 1
        dut.m_axis_tready.value = 0
        await _reset(dut)
        wave = line_wave(spec["data"], clks, rng, spec["idle"], spec.get("bad_stop", []))
        words, cycles = [], []
        tail = 0
        cycle = 0
        while cycle < len(wave) or tail < 20:
            await FallingEdge(dut.clk)
            dut.rxd.value = wave[cycle] if cycle < len(wave) else 1
            off = spec.get("ready_off") and cycle < len(wave)
            ready = not off and rng.random() >= spec["backpressure"]
            dut.m_axis_tready.value = int(ready)
            if ready and dut.m_axis_tvalid.value:
                words.append([int(dut.m_axis_tdata.value), int(dut.m_axis_tlast.value)])
                cycles.append(cycle)
            if cycle >= len(wave):
                tail += 1
            cycle += 1
        result = {"words": words, "cycles": cycles, "overflow": int(dut.overflow.value),
                  "framing_error": int(dut.framing_error.value)}
    else:
        dut.s_axis_tvalid.value = 0
        dut.s_axis_tdata.value = 0
        await _reset(dut)
        words = spec["data"]
        i, cycle, quiet = 0, 0, 0
        line, taken = [], []
        limit = (len(words) + 2) * (10 * nbytes * clks + 4) * (4 if spec["idle"] else 1) + 100
        while (i < len(words) or quiet < 2 * clks) and cycle < limit:
            await FallingEdge(dut.clk)
            valid = i < len(words) and (not spec["idle"] or rng.random() < 0.3)
            dut.s_axis_tvalid.value = int(valid)
            if valid:
                dut.s_axis_tdata.value = words[i]
            line.append(int(dut.txd.value))
            if valid and dut.s_axis_tready.value:
                taken.append(cycle)
                i += 1
            done = i == len(words) and int(dut.s_axis_tready.value) == 1  # idle again
            quiet = quiet + 1 if done else 0
            cycle += 1
        dut.s_axis_tvalid.value = 0
        result = {"line": "".join(map(str, line)), "taken": taken}
    Path("result.json").write_text(json.dumps(result))
