"""An AXI-Stream bench for templates with several input or output streams (forks, joins).

Like axis_bench, but each input port (``s_axis``, ``s0_axis``, ...) is driven from its own beat
list with its own random idle cycles, and each output port (``m_axis``, ``m0_axis``, ...) has its
own random backpressure and beat record. A run that stops making progress fails naming the
streams that still wait (instead of running into the cycle limit silently).
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

MODES = {"fast": (0.0, 0.0), "random": (0.3, 0.4)}  # (idle probability, backpressure prob.)
STALL = 200  # cycles without any handshake that count as "no progress"


@dataclass
class MultiSpec:
    """Beats per port (Python ints), e.g. ins={"s0_axis": [...], "s1_axis": [...]}."""

    ins: dict[str, list[int]]
    outs: dict[str, list[int]]
    seed: int = 1

    def save(self, path: Path) -> None:
        data = asdict(self)
        for k in ("ins", "outs"):
            data[k] = {p: [hex(b) for b in beats] for p, beats in data[k].items()}
        Path(path).write_text(json.dumps(data))

    @classmethod
    def load(cls, path: Path) -> MultiSpec:
        data = json.loads(Path(path).read_text())
        for k in ("ins", "outs"):
            data[k] = {p: [int(b, 16) for b in beats] for p, beats in data[k].items()}
        return cls(**data)


def check_multi(spec: MultiSpec, workdir: Path) -> dict[str, Any]:
    """Compare every output port's beats in order; returns {mode: record}."""
    results: dict[str, Any] = {}
    for mode in MODES:
        rec = json.loads((workdir / f"out_{mode}.json").read_text())
        for port, want in spec.outs.items():
            got = [int(b, 16) for b in rec["beats"][port]]
            assert len(got) == len(want), f"{mode} {port}: {len(got)} beats, expected {len(want)}"
            for i, (g, e) in enumerate(zip(got, want)):
                assert g == e, f"{mode} {port}: beat {i} is {g:#x}, expected {e:#x}"
        results[mode] = rec
    return results


@cocotb.test()
@cocotb.parametrize(mode=list(MODES))
async def run_multi(dut, mode: str) -> None:
    spec = MultiSpec.load(Path(os.environ["HWGEN_BENCH_SPEC"]))
    idle, backpressure = MODES[mode]
    rng = random.Random(spec.seed * 7919 + len(mode))
    port = {name: {s: getattr(dut, f"{name}_{s}") for s in ("tdata", "tvalid", "tready")}
            for name in [*spec.ins, *spec.outs]}
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    for name in spec.ins:
        port[name]["tvalid"].value = 0
        port[name]["tdata"].value = 0
    for name in spec.outs:
        port[name]["tready"].value = 0
    for _ in range(4):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0

    sent = dict.fromkeys(spec.ins, 0)
    got: dict[str, list[str]] = {name: [] for name in spec.outs}
    cycles: dict[str, list[int]] = {name: [] for name in [*spec.ins, *spec.outs]}
    cycle = last_progress = 0
    while any(len(got[p]) < len(b) for p, b in spec.outs.items()) or \
            any(sent[p] < len(b) for p, b in spec.ins.items()):
        await FallingEdge(dut.clk)
        cycle += 1
        if cycle - last_progress > STALL:
            waiting = [f"{p} ({len(got[p])} of {len(b)} beats out)" for p, b in spec.outs.items()
                       if len(got[p]) < len(b)]
            pending = [f"{p} ({sent[p]} of {len(b)} beats in)" for p, b in spec.ins.items()
                       if sent[p] < len(b)]
            raise AssertionError(f"no progress for {STALL} cycles at cycle {cycle}: waiting on "
                                 f"{', '.join(waiting + pending)}")
        for name, beats in spec.ins.items():
            valid = sent[name] < len(beats) and rng.random() >= idle
            port[name]["tvalid"].value = int(valid)
            if valid:
                port[name]["tdata"].value = beats[sent[name]]
            if valid and port[name]["tready"].value:
                sent[name] += 1
                cycles[name].append(cycle)
                last_progress = cycle
        for name in spec.outs:
            ready = rng.random() >= backpressure
            port[name]["tready"].value = int(ready)
            if ready and port[name]["tvalid"].value:
                got[name].append(hex(int(port[name]["tdata"].value)))
                cycles[name].append(cycle)
                last_progress = cycle
    for name in spec.ins:
        port[name]["tvalid"].value = 0
    Path(f"out_{mode}.json").write_text(json.dumps({"beats": got, "cycles": cycles}))
