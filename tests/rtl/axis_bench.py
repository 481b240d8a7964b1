"""A generic AXI-Stream bench (cocotb side and pytest side) shared by every template test.

The pytest test computes the input beats and the expected output beats with a numpy reference
model, and saves them as a BenchSpec. The cocotb test (this module, run inside the simulator)
drives the beats, records every output beat with its clock cycle, in two variations chosen by
``@cocotb.parametrize``: no idle cycles / no backpressure (the cycle measurement), and random
idle cycles on the input with random backpressure on the output. ``check_results`` (pytest
side) compares the beats in order and returns the output cycle stamps.

Driving happens on the falling edge: all templates have registered handshake outputs (no
combinational path from s_axis_tvalid/m_axis_tready to s_axis_tready/m_axis_tvalid), so the
values seen there are the ones sampled at the next rising edge.

``BenchSpec.load_beats``: beats driven into a second stream, ``s_wl`` (hwgen_mvau's weight load
port), with the same random idles, after reset and before the first input beat.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

MODES = {"fast": (0.0, 0.0), "random": (0.3, 0.4)}  # (idle probability, backpressure prob.)


@dataclass
class BenchSpec:
    """Stimulus and expectation of one bench case (beats as Python ints)."""

    in_beats: list[int]
    out_beats: list[int]
    seed: int = 1
    max_cycles: int = 0  # 0: derived from the beat counts
    modes: list[str] = field(default_factory=lambda: ["fast", "random"])
    load_beats: list[int] = field(default_factory=list)  # s_wl beats before the inputs

    def save(self, path: Path) -> None:
        data = asdict(self)
        data["in_beats"] = [hex(b) for b in self.in_beats]
        data["out_beats"] = [hex(b) for b in self.out_beats]
        data["load_beats"] = [hex(b) for b in self.load_beats]
        Path(path).write_text(json.dumps(data))

    @classmethod
    def load(cls, path: Path) -> BenchSpec:
        data = json.loads(Path(path).read_text())
        data["in_beats"] = [int(b, 16) for b in data["in_beats"]]
        data["out_beats"] = [int(b, 16) for b in data["out_beats"]]
        data["load_beats"] = [int(b, 16) for b in data.get("load_beats", [])]
        return cls(**data)


def check_results(spec: BenchSpec, workdir: Path) -> dict[str, Any]:
    """Compare recorded beats with the expected ones; returns {mode: {"out_cycles": [...]}}."""
    results: dict[str, Any] = {}
    for mode in spec.modes:
        rec = json.loads((workdir / f"out_{mode}.json").read_text())
        got = [int(b, 16) for b in rec["beats"]]
        assert len(got) == len(spec.out_beats), f"{mode}: {len(got)} beats, expected {len(spec.out_beats)}"
        for i, (g, e) in enumerate(zip(got, spec.out_beats)):
            assert g == e, f"{mode}: beat {i} is {g:#x}, expected {e:#x}"
        assert rec["inputs_taken"] == len(spec.in_beats), f"{mode}: input beats left over"
        results[mode] = rec
    return results


@cocotb.test()
@cocotb.parametrize(mode=list(MODES))
async def run_case(dut, mode: str) -> None:
    spec = BenchSpec.load(Path(os.environ["HWGEN_BENCH_SPEC"]))
    if mode not in spec.modes:
        return
    idle, backpressure = MODES[mode]
    rng = random.Random(spec.seed * 7919 + len(mode))
    max_cycles = spec.max_cycles or 50 * (len(spec.in_beats) + len(spec.out_beats)) + 1000

    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.s_axis_tvalid.value = 0
    dut.s_axis_tdata.value = 0
    dut.m_axis_tready.value = 0
    for _ in range(4):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    if spec.load_beats:
        await _load(dut, spec.load_beats, rng, idle, max_cycles)

    ins, outs = spec.in_beats, spec.out_beats
    i = 0
    got: list[str] = []
    out_cycles: list[int] = []
    in_cycles: list[int] = []
    cycle = 0
    while len(got) < len(outs) or i < len(ins):  # inputs may outlast outputs (maxpool)
        await FallingEdge(dut.clk)
        cycle += 1
        if cycle > max_cycles:
            raise AssertionError(f"timeout: {len(got)} of {len(outs)} beats after {cycle} cycles")
        valid = i < len(ins) and rng.random() >= idle
        ready = rng.random() >= backpressure
        dut.s_axis_tvalid.value = int(valid)
        if valid:
            dut.s_axis_tdata.value = ins[i]
        dut.m_axis_tready.value = int(ready)
        if valid and dut.s_axis_tready.value:
            in_cycles.append(cycle)
            i += 1
        if ready and dut.m_axis_tvalid.value:
            got.append(hex(int(dut.m_axis_tdata.value)))
            out_cycles.append(cycle)
    dut.s_axis_tvalid.value = 0
    out = {"beats": got, "out_cycles": out_cycles, "in_cycles": in_cycles, "inputs_taken": i}
    Path(f"out_{mode}.json").write_text(json.dumps(out))


async def _load(dut, beats: list[int], rng: random.Random, idle: float, max_cycles: int) -> None:
    """Drive ``beats`` into s_wl (random idles), then idle for two clocks (the write lands)."""
    i = cycle = 0
    while i < len(beats):
        valid = rng.random() >= idle
        dut.s_wl_tvalid.value = int(valid)
        if valid:
            dut.s_wl_tdata.value = beats[i]
            if dut.s_wl_tready.value:  # constant 1 in hwgen_mvau "ultra": seen before the edge
                i += 1
        await FallingEdge(dut.clk)
        cycle += 1
        if cycle > max_cycles:
            raise AssertionError(f"timeout: {i} of {len(beats)} load beats after {cycle} cycles")
    dut.s_wl_tvalid.value = 0
    for _ in range(2):
        await FallingEdge(dut.clk)
