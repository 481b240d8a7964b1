"""cocotb bench: the generated hwgen_uart_accel behind a pseudo-terminal, so the real pyserial
driver (running in the pytest process) talks to the Verilator model as to a board.

Bytes the driver writes to the pty's slave side come out of the master here and are driven
onto ``uart_rxd`` as 8N1 frames (``HWGEN_CLKS`` clocks per bit, with random idle gaps between
bytes); ``uart_txd`` is decoded mid-bit and its bytes are written back into the master. The
slave's path goes to ``pty.txt`` in ``HWGEN_PTY_DIR``; the bench stops when the driver side
creates ``done`` there (or at ``HWGEN_MAX_CYCLES``) and writes ``flags.json``.

``break_resets`` (no pty): half a word of garbage, a line break, then the frame bytes of
``HWGEN_FRAME_HEX``; the bytes sent back go to ``break.json``.
"""

from __future__ import annotations

import json
import os
import random
import tty
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge


async def _start(dut) -> None:
    """Clock, an idle (high) receive line and four cycles of reset."""
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.uart_rxd.value = 1
    dut.rst.value = 1
    for _ in range(4):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


async def _read_byte(dut, clks: int) -> tuple[int, bool] | None:
    """The next 8N1 byte on ``uart_txd`` sampled mid-bit, with whether its stop bit was high;
    None for a glitch (the line was high again at the start bit's middle)."""
    await FallingEdge(dut.uart_txd)
    await ClockCycles(dut.clk, clks // 2)
    if int(dut.uart_txd.value) != 0:
        return None
    byte = 0
    for i in range(8):
        await ClockCycles(dut.clk, clks)
        byte |= int(dut.uart_txd.value) << i
    await ClockCycles(dut.clk, clks)
    return byte, int(dut.uart_txd.value) == 1


async def _send(dut, clks: int, data: bytes) -> None:
    """``data`` onto ``uart_rxd`` as 8N1 frames, back to back."""
    for byte in data:
        for bit in [0] + [(byte >> i) & 1 for i in range(8)] + [1]:
            dut.uart_rxd.value = bit
            await ClockCycles(dut.clk, clks)


@cocotb.test()
async def serve(dut) -> None:
    clks = int(os.environ["HWGEN_CLKS"])
    folder = Path(os.environ["HWGEN_PTY_DIR"])
    max_cycles = int(os.environ.get("HWGEN_MAX_CYCLES", "5000000"))
    rng = random.Random(7)
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    tmp = folder / "pty.txt.tmp"
    tmp.write_text(os.ttyname(slave))
    tmp.rename(folder / "pty.txt")

    await _start(dut)
    stats = {"to_fpga": 0, "from_fpga": 0, "bad_stop": 0}

    async def receive() -> None:
        while True:
            got = await _read_byte(dut, clks)
            if got is None:
                continue  # a glitch, not a start bit
            stats["bad_stop"] += not got[1]
            os.write(master, bytes([got[0]]))
            stats["from_fpga"] += 1

    cocotb.start_soon(receive())
    cycles = 0
    while not (folder / "done").exists() and cycles < max_cycles:
        try:
            data = os.read(master, 4096)
        except BlockingIOError:
            data = b""
        if not data:
            await ClockCycles(dut.clk, 10 * clks)
            cycles += 10 * clks
            continue
        for byte in data:
            if rng.random() < 0.2:  # an idle gap of up to three bit times
                await ClockCycles(dut.clk, rng.randrange(1, 3 * clks))
            await _send(dut, clks, bytes([byte]))
            cycles += 10 * clks
            stats["to_fpga"] += 1
    stats.update(cycles=cycles, overflow=int(dut.overflow.value),
                 framing_error=int(dut.framing_error.value))
    (folder / "flags.json").write_text(json.dumps(stats))
    os.close(master)
    os.close(slave)


@cocotb.test()
async def break_resets(dut) -> None:
    clks = int(os.environ["HWGEN_CLKS"])
    frame = bytes.fromhex(os.environ["HWGEN_FRAME_HEX"])
    want = int(os.environ["HWGEN_OUT_BYTES"])
    await _start(dut)
    got: list[int] = []

    async def receive() -> None:
        while True:
            byte = await _read_byte(dut, clks)
            if byte is not None:
                got.append(byte[0])

    cocotb.start_soon(receive())
    await _send(dut, clks, frame[:2])            # half a word: the bridge waits for more
    dut.uart_rxd.value = 0                        # line break: 25 bit times low
    await ClockCycles(dut.clk, 12 * clks)
    flags_in_break = int(dut.framing_error.value)  # a 0 byte without stop bit so far
    await ClockCycles(dut.clk, 13 * clks)
    dut.uart_rxd.value = 1
    await ClockCycles(dut.clk, 4 * clks)
    await _send(dut, clks, frame)
    for _ in range(200):
        if len(got) >= want:
            break
        await ClockCycles(dut.clk, 10 * clks)
    await ClockCycles(dut.clk, 20 * clks)         # nothing more may follow
    Path("break.json").write_text(json.dumps({
        "got": got, "framing_error": int(dut.framing_error.value),
        "overflow": int(dut.overflow.value), "framing_in_break": flags_in_break}))
