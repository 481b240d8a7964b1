"""cocotb entry for whole-design simulation: clock, reset, wait for the Verilog testbench.

Stimulus and capture live in hwgen_tb.v (files in the run folder); Python only starts the clock,
resets, and waits for ``done`` with one timer as a guard, so no Python runs per clock cycle.
Settings come from the environment: HWGEN_TIMEOUT_CYCLES.
"""

import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, First, RisingEdge, Timer

PERIOD_NS = 10


@cocotb.test()
async def run_frames(dut):
    """Stream every frame of tb_in.hex through the design and wait for all outputs."""
    # impl="gpi": the clock toggles in cocotb's C++ layer, so no Python runs per clock edge
    Clock(dut.clk, PERIOD_NS, unit="ns", impl="gpi").start()
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    timeout = int(os.environ.get("HWGEN_TIMEOUT_CYCLES", "1000000"))
    result = await First(RisingEdge(dut.done), Timer(timeout * PERIOD_NS, unit="ns"))
    if not int(dut.done.value):
        raise AssertionError(
            f"design produced too few output words within {timeout} cycles (see tb_out.txt)"
        )
    del result
