"""Vivado TCL for a board target: package the accelerator as IP, build the block design, run
synthesis and implementation to a bitstream with its .hwh, and write the reports.

Every name (IP VLNVs, PS pins, CONFIG keys, address segments) comes from the target table
(hwgen/targets.toml); nothing here branches on a board. The script is plain Tcl that runs as
``vivado -mode batch -source create_project.tcl`` from any working directory: paths are taken
relative to the script's own folder (OUT/board/).

Block design (names are stable; tests and the PYNQ driver rely on them)::

    PS --control port--> ic_ctrl --> axi_dma_0/S_AXI_LITE
    axi_dma_0/M_AXIS_MM2S --> hwgen_accel_0/s_axis ; hwgen_accel_0/m_axis --> axi_dma_0/S_AXIS_S2MM
    axi_dma_0/M_AXI_MM2S, M_AXI_S2MM --> ic_data --> PS data port
    PS fabric clock -> every clock pin; PS reset -> rst_0 -> every reset pin

With weights in UltraRAM (manifest ``weight_load``), which UltraScale+ cannot initialise from
the bitstream, a second, MM2S-only DMA writes them at run time (the driver's load_weights)::

    PS --control port--> ic_ctrl/M01_AXI --> axi_dma_1/S_AXI_LITE (control base + 64 KiB)
    axi_dma_1/M_AXIS_MM2S --> hwgen_accel_0/s_axis_wl ; axi_dma_1/M_AXI_MM2S --> ic_data/S02_AXI
"""

from __future__ import annotations

from hwgen.targets import Target

__all__ = ["BD_NAME", "IP_VLNV", "REPORTS", "WEIGHT_DMA", "achieved_clock_mhz", "weight_dma_base",
           "write_tcl"]

BD_NAME = "hwgen_bd"
IP_VLNV = "hwgen.org:hwgen:hwgen_accel:1.0"
PROJECT = "hwgen_vivado"
WEIGHT_DMA = "axi_dma_1"  # the weight-load DMA (designs with UltraRAM weights)
# Report files, relative to OUT/board/ (read back by `hwgen report`).
REPORTS = {
    "utilization": "reports/utilization.rpt",
    "utilization_hier": "reports/utilization_hier.rpt",
    "timing_summary": "reports/timing_summary.rpt",
    "clock": "reports/clock.txt",
}


def achieved_clock_mhz(target: Target, requested_mhz: float) -> tuple[float, int, int]:
    """The fabric clock the PS can make: PLL / (d0 * d1), d0, d1 in 1..63, closest to the request.

    Ties go to the lower frequency (never faster than asked). Returns (MHz, d0, d1).
    """
    best = None
    for d0 in range(1, 64):
        for d1 in range(1, 64):
            f = target.ps_pll_mhz / (d0 * d1)
            key = (abs(f - requested_mhz), f)
            if best is None or key < best[0]:
                best = (key, f, d0, d1)
    _, f, d0, d1 = best
    return round(f, 6), d0, d1


def _tcl_list(items: list[str]) -> str:
    return " ".join("{" + item + "}" for item in items)


def _config(values: dict[str, str]) -> str:
    return "[list " + " ".join(f"CONFIG.{k} {{{v}}}" for k, v in values.items()) + "]"


def weight_dma_base(target: Target) -> str:
    """The weight-load DMA's register base: the 64 KiB after the stream DMA's."""
    return f"0x{int(target.control_base, 16) + 0x10000:08X}"


def _weight_dma(target: Target, w: int, burst: int) -> str:
    """Block-design lines of the weight-load DMA (MM2S only) and its connections."""
    t, ps, d = target, target.ps_name, WEIGHT_DMA
    config = {"c_include_sg": "0", "c_sg_length_width": str(t.dma_length_width),
              "c_sg_include_stscntrl_strm": "0", "c_micro_dma": "0",
              "c_addr_width": str(t.dma_addr_width), "c_include_mm2s": "1",
              "c_m_axi_mm2s_data_width": str(w), "c_m_axis_mm2s_tdata_width": str(w),
              "c_mm2s_burst_size": str(burst), "c_include_s2mm": "0"}
    return f"""
# Weight load (UltraRAM weights, written at run time): a second DMA, MM2S only.
create_bd_cell -type ip -vlnv {t.dma_vlnv} {d}
set_property -dict {_config(config)} [get_bd_cells {d}]
connect_bd_intf_net [get_bd_intf_pins {d}/M_AXIS_MM2S] [get_bd_intf_pins hwgen_accel_0/s_axis_wl]
connect_bd_intf_net [get_bd_intf_pins ic_ctrl/M01_AXI] [get_bd_intf_pins {d}/S_AXI_LITE]
connect_bd_intf_net [get_bd_intf_pins {d}/M_AXI_MM2S] [get_bd_intf_pins ic_data/S02_AXI]
assign_bd_address -offset {weight_dma_base(t)} -range 0x00010000 \\
    -target_address_space [get_bd_addr_spaces {ps}/{t.ps_addr_space}] \\
    [get_bd_addr_segs {d}/S_AXI_LITE/Reg] -force
assign_bd_address -target_address_space [get_bd_addr_spaces {d}/Data_MM2S] \\
    [get_bd_addr_segs {ps}/{t.ps_hp_segment}] -force
"""


def write_tcl(target: Target, manifest: dict, mem_files: list[str]) -> str:
    """The create_project.tcl text for ``manifest`` built for ``target``."""
    t = target
    ps = t.ps_name
    clock = float(manifest["clock_mhz"])
    w = t.dma_bits
    burst = 16 if w >= 128 else 64
    clock_pins = [f"{ps}/{t.ps_master_clock_pin}", f"{ps}/{t.ps_slave_clock_pin}",
                  "axi_dma_0/s_axi_lite_aclk", "axi_dma_0/m_axi_mm2s_aclk",
                  "axi_dma_0/m_axi_s2mm_aclk", "hwgen_accel_0/ap_clk", "rst_0/slowest_sync_clk",
                  "ic_ctrl/ACLK", "ic_ctrl/S00_ACLK", "ic_ctrl/M00_ACLK",
                  "ic_data/ACLK", "ic_data/S00_ACLK", "ic_data/S01_ACLK", "ic_data/M00_ACLK"]
    periph_resets = ["axi_dma_0/axi_resetn", "hwgen_accel_0/ap_rst_n",
                     "ic_ctrl/S00_ARESETN", "ic_ctrl/M00_ARESETN",
                     "ic_data/S00_ARESETN", "ic_data/S01_ARESETN", "ic_data/M00_ARESETN"]
    load = bool(manifest.get("weight_load"))
    if load:
        clock_pins += [f"{WEIGHT_DMA}/s_axi_lite_aclk", f"{WEIGHT_DMA}/m_axi_mm2s_aclk",
                       "ic_ctrl/M01_ACLK", "ic_data/S02_ACLK"]
        periph_resets += [f"{WEIGHT_DMA}/axi_resetn", "ic_ctrl/M01_ARESETN",
                          "ic_data/S02_ARESETN"]
    ps_config = {t.ps_hp_enable: "1", t.ps_data_width_config: str(w),
                 t.ps_clock_config: f"{clock:g}", **t.ps_config}
    dma_config = {
        "c_include_sg": "0", "c_sg_length_width": str(t.dma_length_width),
        "c_sg_include_stscntrl_strm": "0", "c_micro_dma": "0",
        "c_addr_width": str(t.dma_addr_width),
        "c_include_mm2s": "1", "c_m_axi_mm2s_data_width": str(w),
        "c_m_axis_mm2s_tdata_width": str(w), "c_mm2s_burst_size": str(burst),
        "c_include_s2mm": "1", "c_m_axi_s2mm_data_width": str(w),
        "c_s_axis_s2mm_tdata_width": str(w), "c_s2mm_burst_size": str(burst),
    }
    achieved, _, _ = achieved_clock_mhz(t, clock)
    return f"""# Generated by hwgen {manifest.get("hwgen_version", "")} for design {manifest["design"]!r} \
(source {manifest["source"]}, sha256 {manifest["source_sha256"][:16]}...).
# Target {t.name}: {t.description}. Run from anywhere:
#   vivado -mode batch -source create_project.tcl [-tclargs JOBS]
# Writes {PROJECT}/ (the Vivado project), hwgen_accel.bit + hwgen_accel.hwh (same basename, for
# PYNQ), reports/utilization.rpt, reports/timing_summary.rpt, reports/clock.txt, and copies the
# bitstream pair into ../deploy/.

set hwgen_dir [file normalize [file dirname [info script]]]
set out_dir [file normalize [file join $hwgen_dir ..]]
set part {{{t.part}}}
set board_part {{{t.board_part}}}
set clock_mhz {clock:g}
set expected_clock_mhz {achieved:g}
set jobs 2
if {{[info exists argv] && [llength $argv] > 0}} {{ set jobs [lindex $argv 0] }}

proc hwgen_fail {{msg}} {{
    puts stderr "hwgen: ERROR: $msg"
    error "hwgen: $msg"
}}

# --- 1. Sources: the RTL file list and every memory file (Vivado only warns on a missing
# .mem and builds zero weights, so check them all here and stop).
set rtl_files {{}}
set fl [open [file join $out_dir rtl filelist.f] r]
foreach name [split [read $fl] "\\n"] {{
    set name [string trim $name]
    if {{$name eq ""}} continue
    set path [file join $out_dir rtl $name]
    if {{![file exists $path]}} {{ hwgen_fail "RTL file $path is missing (named in rtl/filelist.f)" }}
    lappend rtl_files $path
}}
close $fl
set mem_files {{}}
foreach name [list {_tcl_list(mem_files)}] {{
    set path [file join $out_dir mem $name]
    if {{![file exists $path]}} {{
        hwgen_fail "memory file $path is missing: the design would build with zero weights \\
(rebuild with hwgen build)"
    }}
    lappend mem_files $path
}}

# --- 2. Board files.
if {{[llength [get_board_parts -quiet $board_part]] == 0}} {{
    hwgen_fail "Vivado has no board files for $board_part ({t.name}): install them into\\
 <Vivado>/data/boards/board_files (or set_param board.repoPaths) and run again"
}}

# --- 3. Package hwgen_accel as IP (interfaces, clock association, reset polarity, FREQ_HZ).
set ip_dir [file join $hwgen_dir ip]
create_project -force hwgen_ip [file join $hwgen_dir {PROJECT}_ip] -part $part
add_files -norecurse $rtl_files
add_files -norecurse $mem_files
set_property file_type {{Memory Initialization Files}} [get_files $mem_files]
set_property top hwgen_accel [current_fileset]
update_compile_order -fileset sources_1
ipx::package_project -root_dir $ip_dir -vendor hwgen.org -library hwgen -taxonomy /UserIP \\
    -import_files -set_current true -force
set core [ipx::current_core]
set_property name hwgen_accel $core
set_property version 1.0 $core
ipx::infer_bus_interfaces xilinx.com:interface:axis_rtl:1.0 $core
ipx::infer_bus_interface ap_clk xilinx.com:signal:clock_rtl:1.0 $core
ipx::infer_bus_interface ap_rst_n xilinx.com:signal:reset_rtl:1.0 $core
ipx::associate_bus_interfaces -busif s_axis -clock ap_clk $core
ipx::associate_bus_interfaces -busif m_axis -clock ap_clk $core
{"ipx::associate_bus_interfaces -busif s_axis_wl -clock ap_clk $core" + chr(10) if load else ""}ipx::associate_bus_interfaces -clock ap_clk -reset ap_rst_n $core
set rst_if [ipx::get_bus_interfaces ap_rst_n -of_objects $core]
set pol [ipx::add_bus_parameter POLARITY $rst_if]
set_property value ACTIVE_LOW $pol
set clk_if [ipx::get_bus_interfaces ap_clk -of_objects $core]
set freq [ipx::add_bus_parameter FREQ_HZ $clk_if]
set_property value {round(achieved * 1e6)} $freq
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity $core
ipx::save_core $core
close_project

# --- 4. The board project and block design.
create_project -force {PROJECT} [file join $hwgen_dir {PROJECT}] -part $part
set_property board_part $board_part [current_project]
set_property ip_repo_paths [list $ip_dir] [current_project]
update_ip_catalog
create_bd_design {BD_NAME}

create_bd_cell -type ip -vlnv {t.ps_ip} {ps}
apply_bd_automation -rule {t.ps_automation_rule} -config {{{t.ps_automation_config}}} \\
    [get_bd_cells {ps}]
set_property -dict {_config(ps_config)} [get_bd_cells {ps}]

create_bd_cell -type ip -vlnv {t.dma_vlnv} axi_dma_0
set_property -dict {_config(dma_config)} [get_bd_cells axi_dma_0]
create_bd_cell -type ip -vlnv {IP_VLNV} hwgen_accel_0
create_bd_cell -type ip -vlnv {t.interconnect_vlnv} ic_ctrl
set_property -dict {_config({"NUM_SI": "1", "NUM_MI": "2" if load else "1"})} [get_bd_cells ic_ctrl]
create_bd_cell -type ip -vlnv {t.interconnect_vlnv} ic_data
set_property -dict {_config({"NUM_SI": "3" if load else "2", "NUM_MI": "1"})} [get_bd_cells ic_data]
create_bd_cell -type ip -vlnv {t.reset_vlnv} rst_0

# Streams: DMA MM2S -> accelerator -> DMA S2MM ({w}-bit, tlast once per batch).
connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXIS_MM2S] [get_bd_intf_pins hwgen_accel_0/s_axis]
connect_bd_intf_net [get_bd_intf_pins hwgen_accel_0/m_axis] [get_bd_intf_pins axi_dma_0/S_AXIS_S2MM]
# Control: PS {t.ps_control_port} -> ic_ctrl -> DMA registers.
connect_bd_intf_net [get_bd_intf_pins {ps}/{t.ps_control_port}] [get_bd_intf_pins ic_ctrl/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins ic_ctrl/M00_AXI] [get_bd_intf_pins axi_dma_0/S_AXI_LITE]
# Data: DMA memory ports -> ic_data -> PS {t.ps_data_port}.
connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXI_MM2S] [get_bd_intf_pins ic_data/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXI_S2MM] [get_bd_intf_pins ic_data/S01_AXI]
connect_bd_intf_net [get_bd_intf_pins ic_data/M00_AXI] [get_bd_intf_pins {ps}/{t.ps_data_port}]
{_weight_dma(t, w, burst) if load else ""}# One fabric clock ({clock:g} MHz requested) and one reset for everything.
connect_bd_net [get_bd_pins {ps}/{t.ps_clock}] {" ".join(f"[get_bd_pins {p}]" for p in clock_pins)}
connect_bd_net [get_bd_pins {ps}/{t.ps_reset}] [get_bd_pins rst_0/ext_reset_in]
connect_bd_net [get_bd_pins rst_0/peripheral_aresetn] {" ".join(f"[get_bd_pins {p}]" for p in periph_resets)}
connect_bd_net [get_bd_pins rst_0/interconnect_aresetn] [get_bd_pins ic_ctrl/ARESETN] [get_bd_pins ic_data/ARESETN]

# Address map: DMA registers at {t.control_base} (64 KiB); the DMA sees the PS memory.
assign_bd_address -offset {t.control_base} -range 0x00010000 \\
    -target_address_space [get_bd_addr_spaces {ps}/{t.ps_addr_space}] \\
    [get_bd_addr_segs axi_dma_0/S_AXI_LITE/Reg] -force
assign_bd_address -target_address_space [get_bd_addr_spaces axi_dma_0/Data_MM2S] \\
    [get_bd_addr_segs {ps}/{t.ps_hp_segment}] -force
assign_bd_address -target_address_space [get_bd_addr_spaces axi_dma_0/Data_S2MM] \\
    [get_bd_addr_segs {ps}/{t.ps_hp_segment}] -force

validate_bd_design
save_bd_design

# The fabric clock the PS actually makes (PLL-divided); hwgen expected $expected_clock_mhz MHz.
set achieved_mhz [get_property CONFIG.{t.ps_clock_actual_config} [get_bd_cells {ps}]]
file mkdir [file join $hwgen_dir reports]
set fh [open [file join $hwgen_dir {REPORTS["clock"]}] w]
puts $fh "requested_mhz $clock_mhz"
puts $fh "expected_mhz $expected_clock_mhz"
puts $fh "achieved_mhz $achieved_mhz"
close $fh
puts "hwgen: fabric clock $achieved_mhz MHz (requested $clock_mhz MHz)"

# --- 5. Wrapper, synthesis, implementation, bitstream.
set bd_file [get_files {BD_NAME}.bd]
generate_target all $bd_file
set wrapper [make_wrapper -files $bd_file -top]
add_files -norecurse $wrapper
set_property top {BD_NAME}_wrapper [current_fileset]
update_compile_order -fileset sources_1
launch_runs synth_1 -jobs $jobs
wait_on_run synth_1
if {{[get_property PROGRESS [get_runs synth_1]] ne "100%"}} {{ hwgen_fail "synthesis failed (see the synth_1 log)" }}
launch_runs impl_1 -to_step write_bitstream -jobs $jobs
wait_on_run impl_1
if {{[get_property PROGRESS [get_runs impl_1]] ne "100%"}} {{ hwgen_fail "implementation failed (see the impl_1 log)" }}

open_run impl_1
report_utilization -file [file join $hwgen_dir {REPORTS["utilization"]}]
report_utilization -hierarchical -file [file join $hwgen_dir {REPORTS["utilization_hier"]}]
report_timing_summary -file [file join $hwgen_dir {REPORTS["timing_summary"]}]

set proj_dir [file join $hwgen_dir {PROJECT}]
set bit [file join $proj_dir {PROJECT}.runs impl_1 {BD_NAME}_wrapper.bit]
set hwh {{}}
foreach cand [list \\
        [file join $proj_dir {PROJECT}.gen sources_1 bd {BD_NAME} hw_handoff {BD_NAME}.hwh] \\
        [file join $proj_dir {PROJECT}.srcs sources_1 bd {BD_NAME} hw_handoff {BD_NAME}.hwh]] {{
    if {{[file exists $cand]}} {{ set hwh $cand; break }}
}}
if {{![file exists $bit]}} {{ hwgen_fail "no bitstream at $bit" }}
if {{$hwh eq ""}} {{ hwgen_fail "no hardware handoff (.hwh) for {BD_NAME}" }}
file copy -force $bit [file join $hwgen_dir hwgen_accel.bit]
file copy -force $hwh [file join $hwgen_dir hwgen_accel.hwh]
file mkdir [file join $out_dir deploy]
file copy -force $bit [file join $out_dir deploy hwgen_accel.bit]
file copy -force $hwh [file join $out_dir deploy hwgen_accel.hwh]
puts "hwgen: wrote [file join $hwgen_dir hwgen_accel.bit] and .hwh; copied to $out_dir/deploy"
"""
