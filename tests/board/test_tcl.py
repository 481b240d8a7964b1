"""The generated Vivado TCL, run under tclsh against a stub Vivado (vivado_stub.tcl).

The stub knows the real IP VLNVs, pins, CONFIG keys and address segments and fails on any
other name; these tests then check the recorded block design: part and board part, instances,
every stream/AXI/clock/reset connection, CONFIG values, the address map and the bitstream step.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from hwgen.board import REPORTS
from hwgen.targets import get_target

STUB = Path(__file__).with_name("vivado_stub.tcl")
TCLSH = shutil.which("tclsh")
pytestmark = pytest.mark.skipif(TCLSH is None, reason="tclsh not installed")


def run_tcl(out: Path, *, boards: bool = True) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    log = out / "stub.log"
    runner = out / "run_stub.tcl"
    runner.write_text(
        f"set ::stub_log {{{log}}}\nset ::stub_no_boards {0 if boards else 1}\n"
        f"source {{{STUB}}}\nsource {{{out / 'board' / 'create_project.tcl'}}}\n")
    proc = subprocess.run([TCLSH, str(runner)], capture_output=True, text=True, timeout=60,
                          check=False)
    rows = [line.split("\t") for line in log.read_text().splitlines()] if log.exists() else []
    return proc, rows


def fresh(board_build, target: str, tmp_path: Path) -> Path:
    out = tmp_path / target
    shutil.copytree(board_build(target), out)
    return out


def check_design(rows: list[list[str]], target: str, load: bool = False) -> dict:
    """Assert the recorded block design is complete for ``target``; returns what it found.
    ``load``: with the weight-load DMA (UltraRAM weights) and nothing else added."""
    t = get_target(target)
    ps = t.ps_name
    assert not [r for r in rows if r[0] == "ERROR"], rows
    projects = [r for r in rows if r[0] == "PROJECT"]
    assert [p[3] for p in projects] == [t.part, t.part]
    assert ["PROPERTY", "board_part", t.board_part, "project:hwgen_vivado"] in rows
    cells = {r[1]: r[2] for r in rows if r[0] == "CELL"}
    assert cells[ps] == t.ps_ip
    assert cells["axi_dma_0"] == "xilinx.com:ip:axi_dma:7.1"
    assert cells["hwgen_accel_0"] == "hwgen.org:hwgen:hwgen_accel:1.0"
    assert ("axi_dma_1" in cells) == load
    if load:
        assert cells["axi_dma_1"] == "xilinx.com:ip:axi_dma:7.1"
    intf = {tuple(r[1:]) for r in rows if r[0] == "INTF"}
    load_intf = {("axi_dma_1/M_AXIS_MM2S", "hwgen_accel_0/s_axis_wl"),
                 ("ic_ctrl/M01_AXI", "axi_dma_1/S_AXI_LITE"),
                 ("axi_dma_1/M_AXI_MM2S", "ic_data/S02_AXI")} if load else set()
    assert intf - load_intf == {
        ("axi_dma_0/M_AXIS_MM2S", "hwgen_accel_0/s_axis"),
        ("hwgen_accel_0/m_axis", "axi_dma_0/S_AXIS_S2MM"),
        (f"{ps}/{t.ps_control_port}", "ic_ctrl/S00_AXI"),
        ("ic_ctrl/M00_AXI", "axi_dma_0/S_AXI_LITE"),
        ("axi_dma_0/M_AXI_MM2S", "ic_data/S00_AXI"),
        ("axi_dma_0/M_AXI_S2MM", "ic_data/S01_AXI"),
        ("ic_data/M00_AXI", f"{ps}/{t.ps_data_port}"),
    }
    assert load_intf <= intf
    nets: dict[str, str] = {}
    for r in rows:
        if r[0] == "NET":
            assert r[2] not in nets, f"{r[2]} driven twice"
            nets[r[2]] = r[1]
    clk, rstn = f"{ps}/{t.ps_clock}", "rst_0/peripheral_aresetn"
    clocked = ["hwgen_accel_0/ap_clk", "axi_dma_0/s_axi_lite_aclk", "axi_dma_0/m_axi_mm2s_aclk",
               "axi_dma_0/m_axi_s2mm_aclk", f"{ps}/{t.ps_master_clock_pin}",
               f"{ps}/{t.ps_slave_clock_pin}", "rst_0/slowest_sync_clk"]
    clocked += [f"{ic}/{p}" for ic, ports in (("ic_ctrl", ("", "S00_", "M00_")),
                                              ("ic_data", ("", "S00_", "S01_", "M00_")))
                for p in (f"{q}ACLK" for q in ports)]
    if load:
        clocked += ["axi_dma_1/s_axi_lite_aclk", "axi_dma_1/m_axi_mm2s_aclk", "ic_ctrl/M01_ACLK",
                    "ic_data/S02_ACLK"]
    assert not [p for p, src in nets.items() if src == clk and p not in clocked]
    for pin in clocked:
        assert nets.get(pin) == clk, f"{pin} not on the fabric clock"
    assert nets["rst_0/ext_reset_in"] == f"{ps}/{t.ps_reset}"
    reset = ["hwgen_accel_0/ap_rst_n", "axi_dma_0/axi_resetn", "ic_ctrl/S00_ARESETN",
             "ic_ctrl/M00_ARESETN", "ic_data/S00_ARESETN", "ic_data/S01_ARESETN",
             "ic_data/M00_ARESETN"]
    if load:
        reset += ["axi_dma_1/axi_resetn", "ic_ctrl/M01_ARESETN", "ic_data/S02_ARESETN"]
    assert sorted(p for p, src in nets.items() if src == rstn) == sorted(reset)
    for pin in ("ic_ctrl/ARESETN", "ic_data/ARESETN"):
        assert nets.get(pin) == "rst_0/interconnect_aresetn"
    config: dict[str, dict[str, str]] = {}
    for r in rows:
        if r[0] == "CONFIG":
            config.setdefault(r[1], {})[r[2]] = r[3]
    w = str(t.dma_bits)
    assert config[ps][t.ps_hp_enable] == "1"
    assert config[ps][t.ps_data_width_config] == w
    dma = config["axi_dma_0"]
    assert dma["c_include_sg"] == "0" and dma["c_sg_length_width"] == "26"
    for key in ("c_m_axis_mm2s_tdata_width", "c_s_axis_s2mm_tdata_width",
                "c_m_axi_mm2s_data_width", "c_m_axi_s2mm_data_width"):
        assert dma[key] == w, key
    assert config["ic_ctrl"] == {"NUM_SI": "1", "NUM_MI": "2" if load else "1"}
    assert config["ic_data"] == {"NUM_SI": "3" if load else "2", "NUM_MI": "1"}
    if load:  # MM2S only, at the stream DMA's widths
        wdma = config["axi_dma_1"]
        assert wdma["c_include_s2mm"] == "0" and wdma["c_include_mm2s"] == "1"
        assert wdma["c_m_axis_mm2s_tdata_width"] == wdma["c_m_axi_mm2s_data_width"] == w
        assert wdma["c_include_sg"] == "0"
    assert [r[1] for r in rows if r[0] == "AUTOMATION"] == [t.ps_automation_rule]
    addr = {(r[1], r[2]): (r[3], r[4]) for r in rows if r[0] == "ADDR"}
    expected = {
        (f"{ps}/{t.ps_addr_space}", "axi_dma_0/S_AXI_LITE/Reg"): (t.control_base, "0x00010000"),
        ("axi_dma_0/Data_MM2S", f"{ps}/{t.ps_hp_segment}"): ("auto", "auto"),
        ("axi_dma_0/Data_S2MM", f"{ps}/{t.ps_hp_segment}"): ("auto", "auto"),
    }
    if load:
        base = f"0x{int(t.control_base, 16) + 0x10000:08X}"
        expected[(f"{ps}/{t.ps_addr_space}", "axi_dma_1/S_AXI_LITE/Reg")] = (base, "0x00010000")
        expected[("axi_dma_1/Data_MM2S", f"{ps}/{t.ps_hp_segment}")] = ("auto", "auto")
    assert addr == expected
    kinds = [r[0] for r in rows]
    assert kinds.index("VALIDATE") > max(i for i, k in enumerate(kinds) if k in ("NET", "INTF", "ADDR"))
    assert ["RUN", "impl_1", "write_bitstream"] in rows
    assert kinds.index("WRAPPER") < kinds.index("RUN")
    return {"config": config, "rows": rows}


def test_pynq_z2_block_design(board_build, tmp_path: Path) -> None:
    out = fresh(board_build, "pynq-z2", tmp_path)
    proc, rows = run_tcl(out)
    assert proc.returncode == 0, proc.stderr
    found = check_design(rows, "pynq-z2")
    ps = found["config"]["processing_system7_0"]
    assert ps["PCW_FPGA0_PERIPHERAL_FREQMHZ"] == "100"
    assert ps["PCW_USE_M_AXI_GP0"] == "1"
    # packaged IP: the RTL and every .mem file as a memory initialization file
    added = {Path(r[2]).name for r in rows if r[0] == "ADD_FILE" and r[1] == "hwgen_ip"}
    rtl = set((out / "rtl" / "filelist.f").read_text().split())
    mems = {p.name for p in (out / "mem").glob("*.mem")}
    assert rtl | mems <= added
    assert any(r[:3] == ["PROPERTY", "file_type", "Memory Initialization Files"] for r in rows)
    assert ["IPX", "infer_bus_interface", "ap_rst_n", "xilinx.com:signal:reset_rtl:1.0"] in rows
    assert ["PROPERTY", "value", "ACTIVE_LOW", "param:busif:ap_rst_n:POLARITY"] in rows
    assert ["PROPERTY", "value", "100000000", "param:busif:ap_clk:FREQ_HZ"] in rows
    assert ["IPX", "associate_bus_interfaces", "-busif", "s_axis", "-clock", "ap_clk"] in rows
    # outputs: bitstream + hwh with one basename, in board/ and deploy/; reports; clock
    for folder in (out / "board", out / "deploy"):
        assert (folder / "hwgen_accel.bit").read_text().startswith("stub")
        assert (folder / "hwgen_accel.hwh").read_text().startswith("stub")
    for rel in REPORTS.values():
        assert (out / "board" / rel).is_file(), rel
    clock = dict(line.split() for line in (out / "board" / REPORTS["clock"]).read_text().splitlines())
    assert float(clock["achieved_mhz"]) == 100.0 and float(clock["expected_mhz"]) == 100.0


def test_ultra96_block_design(board_build, tmp_path: Path) -> None:
    out = fresh(board_build, "ultra96-v2", tmp_path)
    proc, rows = run_tcl(out)
    assert proc.returncode == 0, proc.stderr
    found = check_design(rows, "ultra96-v2")
    assert found["config"]["zynq_ultra_ps_e_0"]["PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"] == "100"


@pytest.mark.parametrize("target", ["zcu104", "kv260"])
def test_ultrascale_plus_block_designs(board_build, tmp_path: Path, target: str) -> None:
    out = fresh(board_build, target, tmp_path)
    proc, rows = run_tcl(out)
    assert proc.returncode == 0, proc.stderr
    found = check_design(rows, target)
    assert found["config"]["zynq_ultra_ps_e_0"]["PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"] == "100"
    assert found["config"]["zynq_ultra_ps_e_0"]["PSU__SAXIGP2__DATA_WIDTH"] == "128"


def test_missing_mem_file_fails(board_build, tmp_path: Path) -> None:
    out = fresh(board_build, "pynq-z2", tmp_path)
    victim = max((out / "mem").glob("*.mem"))
    victim.unlink()
    proc, rows = run_tcl(out)
    assert proc.returncode != 0
    assert f"memory file {victim} is missing" in proc.stderr
    assert not [r for r in rows if r[0] == "PROJECT"]


def test_missing_board_files_named(board_build, tmp_path: Path) -> None:
    out = fresh(board_build, "pynq-z2", tmp_path)
    proc, _ = run_tcl(out, boards=False)
    assert proc.returncode != 0
    assert "no board files for tul.com.tw:pynq-z2:part0:1.0" in proc.stderr


def test_checker_catches_broken_tcl(board_build, tmp_path: Path) -> None:
    """A dropped connection, a misspelt name or a syntax error each fail."""
    base = board_build("pynq-z2")
    text = (base / "board" / "create_project.tcl").read_text()
    line = "connect_bd_intf_net [get_bd_intf_pins hwgen_accel_0/m_axis] " \
           "[get_bd_intf_pins axi_dma_0/S_AXIS_S2MM]\n"
    assert line in text
    for i, broken in enumerate([text.replace(line, ""),
                                text.replace("c_sg_length_width", "c_sg_length_bits"),
                                text.replace("S_AXI_HP0/HP0_DDR_LOWOCM", "S_AXI_HP0/HP0_DDR"),
                                text.replace("validate_bd_design\n", "validate_bd_design {\n")]):
        out = fresh(board_build, "pynq-z2", tmp_path / str(i))
        (out / "board" / "create_project.tcl").write_text(broken)
        proc, rows = run_tcl(out)
        with pytest.raises(AssertionError):
            assert proc.returncode == 0
            check_design(rows, "pynq-z2")


def test_build_bitstream_script(board_build, tmp_path: Path) -> None:
    """build_bitstream.sh runs `vivado -mode batch -source create_project.tcl` (a fake vivado)."""
    out = fresh(board_build, "pynq-z2", tmp_path)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "vivado"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{tmp_path}/vivado_args"\n'
        "while [ $# -gt 0 ]; do [ \"$1\" = -source ] && src=\"$2\"; shift; done\n"
        f'printf "set ::stub_log {{{tmp_path}/stub.log}}\\nsource {{{STUB}}}\\nsource $src\\n"'
        f' > "{tmp_path}/run.tcl"\n'
        f'exec {TCLSH} "{tmp_path}/run.tcl"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run([str(out / "board" / "build_bitstream.sh")], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    args = (tmp_path / "vivado_args").read_text().split()
    assert args[:2] == ["-mode", "batch"] and "-source" in args
    assert args[args.index("-source") + 1] == "create_project.tcl"
    assert (out / "deploy" / "hwgen_accel.bit").read_text().startswith("stub")


@pytest.mark.parametrize("target", ["zcu104", "kv260"])
def test_ultra_weights_get_a_load_dma(zoo_export, tmp_path: Path, target: str) -> None:
    """Weights in UltraRAM: the script no longer stops; a second, MM2S-only DMA feeds the
    packaged core's s_axis_wl (clocked by ap_clk), on the control and data interconnects."""
    import json

    from hwgen.build import build

    folding = tmp_path / "folding.json"
    folding.write_text(json.dumps({"01_mvau": {"ram_style": "ultra"}}))
    out = build(zoo_export("tfc_w1a1"), tmp_path / target, target=target,
                folding_file=folding).out
    assert "hwgen_fail \"weights of" not in (out / "board" / "create_project.tcl").read_text()
    proc, rows = run_tcl(out)
    assert proc.returncode == 0, proc.stderr
    check_design(rows, target, load=True)
    assert ["IPX", "associate_bus_interfaces", "-busif", "s_axis_wl", "-clock", "ap_clk"] in rows
