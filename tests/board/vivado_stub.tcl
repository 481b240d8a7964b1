# Stub Vivado for tests: every Vivado command hwgen's board TCL may use, recording each call.
#
# It knows the IP catalog names hwgen relies on (VLNVs, interface pins, pins, CONFIG keys,
# address spaces and segments, as in public PYNQ / Vivado block-design scripts) and errors on
# any other name, so a typo in the generated TCL fails the test. Usage (tclsh):
#   set ::stub_log LOGFILE ; source vivado_stub.tcl ; source create_project.tcl
# Log lines are tab-separated: KIND fields...

set ::stub_fh [open $::stub_log w]
proc rec {args} { puts $::stub_fh [join $args "\t"]; flush $::stub_fh }
proc fail {msg} { rec ERROR $msg; error "stub: $msg" }

# name -> dict(intf pins, pins, configs, addr spaces, segments)
set ::catalog [dict create \
    xilinx.com:ip:processing_system7:5.5 [dict create \
        intf {M_AXI_GP0 M_AXI_GP1 S_AXI_HP0 S_AXI_HP1 S_AXI_HP2 S_AXI_HP3 DDR FIXED_IO} \
        pins {FCLK_CLK0 FCLK_CLK1 FCLK_RESET0_N M_AXI_GP0_ACLK S_AXI_HP0_ACLK} \
        config {PCW_USE_S_AXI_HP0 PCW_S_AXI_HP0_DATA_WIDTH PCW_FPGA0_PERIPHERAL_FREQMHZ
                PCW_ACT_FPGA0_PERIPHERAL_FREQMHZ PCW_USE_M_AXI_GP0 PCW_EN_CLK0_PORT
                PCW_EN_RST0_PORT} \
        spaces {Data} segs {S_AXI_HP0/HP0_DDR_LOWOCM} \
        rule xilinx.com:bd_rule:processing_system7 \
        clock_cfg PCW_FPGA0_PERIPHERAL_FREQMHZ act_cfg PCW_ACT_FPGA0_PERIPHERAL_FREQMHZ] \
    xilinx.com:ip:zynq_ultra_ps_e:3.3 [dict create \
        intf {M_AXI_HPM0_FPD M_AXI_HPM1_FPD M_AXI_HPM0_LPD S_AXI_HP0_FPD S_AXI_HP1_FPD} \
        pins {pl_clk0 pl_resetn0 maxihpm0_fpd_aclk maxihpm1_fpd_aclk saxihp0_fpd_aclk} \
        config {PSU__USE__S_AXI_GP2 PSU__SAXIGP2__DATA_WIDTH PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ
                PSU__CRL_APB__PL0_REF_CTRL__ACT_FREQMHZ PSU__USE__M_AXI_GP0 PSU__USE__M_AXI_GP1
                PSU__USE__M_AXI_GP2 PSU__MAXIGP0__DATA_WIDTH PSU__FPGA_PL0_ENABLE} \
        spaces {Data} segs {SAXIGP2/HP0_DDR_LOW} \
        rule xilinx.com:bd_rule:zynq_ultra_ps_e \
        clock_cfg PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ act_cfg PSU__CRL_APB__PL0_REF_CTRL__ACT_FREQMHZ] \
    xilinx.com:ip:axi_dma:7.1 [dict create \
        intf {S_AXI_LITE M_AXI_MM2S M_AXI_S2MM M_AXI_SG M_AXIS_MM2S S_AXIS_S2MM} \
        pins {s_axi_lite_aclk m_axi_mm2s_aclk m_axi_s2mm_aclk axi_resetn mm2s_introut s2mm_introut} \
        config {c_include_sg c_sg_length_width c_sg_include_stscntrl_strm c_micro_dma c_addr_width
                c_include_mm2s c_m_axi_mm2s_data_width c_m_axis_mm2s_tdata_width c_mm2s_burst_size
                c_include_s2mm c_m_axi_s2mm_data_width c_s_axis_s2mm_tdata_width c_s2mm_burst_size
                c_include_mm2s_dre c_include_s2mm_dre} \
        spaces {Data_MM2S Data_S2MM Data_SG} segs {S_AXI_LITE/Reg}] \
    xilinx.com:ip:axi_interconnect:2.1 [dict create \
        intf {S00_AXI S01_AXI S02_AXI M00_AXI M01_AXI} \
        pins {ACLK ARESETN S00_ACLK S00_ARESETN S01_ACLK S01_ARESETN S02_ACLK S02_ARESETN
              M00_ACLK M00_ARESETN M01_ACLK M01_ARESETN} \
        config {NUM_SI NUM_MI} spaces {} segs {}] \
    xilinx.com:ip:proc_sys_reset:5.0 [dict create \
        intf {} \
        pins {slowest_sync_clk ext_reset_in aux_reset_in mb_debug_sys_rst dcm_locked
              peripheral_aresetn interconnect_aresetn peripheral_reset mb_reset bus_struct_reset} \
        config {C_EXT_RST_WIDTH C_AUX_RST_WIDTH} spaces {} segs {}] \
]

set ::cells [dict create]     ;# instance -> vlnv
set ::config [dict create]    ;# instance -> dict(key value)
set ::project ""
set ::project_dir ""
set ::bd_open 0
set ::board_parts {tul.com.tw:pynq-z2:part0:1.0 avnet.com:ultra96v2:part0:1.2 xilinx.com:zcu104:part0:1.1 xilinx.com:kv260_som:part0:1.4}
if {[info exists ::stub_no_boards] && $::stub_no_boards} { set ::board_parts {} }
set ::ip_packaged {}
set ::ip_rtl {}  ;# RTL files added to the IP project (the packaged ports come from hwgen_accel.v)

proc info_of {cell} {
    if {![dict exists $::cells $cell]} { fail "no cell $cell" }
    return [dict get $::catalog [dict get $::cells $cell]]
}
proc split_path {path} {
    set i [string first / $path]
    if {$i < 0} { fail "bad object path $path" }
    return [list [string range $path 0 [expr {$i - 1}]] [string range $path [expr {$i + 1}] end]]
}
proc cfg_key {cell key} {
    if {[lsearch -exact [dict get [info_of $cell] config] $key] < 0} {
        fail "unknown CONFIG.$key on [dict get $::cells $cell] ($cell)"
    }
}

# --- project and sources --------------------------------------------------------------------
proc version {args} { return 2022.2 }
proc get_board_parts {args} {
    set pat [lindex $args end]
    return [lsearch -all -inline -exact $::board_parts $pat]
}
proc create_project {args} {
    set pos {}
    set part ""
    for {set i 0} {$i < [llength $args]} {incr i} {
        set a [lindex $args $i]
        if {$a eq "-part"} { incr i; set part [lindex $args $i] } elseif {$a eq "-force"} {} else { lappend pos $a }
    }
    lassign $pos name dir
    set ::project $name
    set ::project_dir $dir
    rec PROJECT $name $dir $part
    return $name
}
proc close_project {args} { rec CLOSE_PROJECT $::project }
proc current_project {args} { return "project:$::project" }
proc current_fileset {args} { return "fileset:sources_1" }
proc add_files {args} {
    foreach f [lindex $args end] {
        if {![file exists $f]} { fail "add_files: $f does not exist" }
        rec ADD_FILE $::project $f
        if {[file extension $f] eq ".v"} { lappend ::ip_rtl $f }
    }
    return [lindex $args end]
}
proc get_files {args} { return [list files: [lindex $args end]] }
proc update_compile_order {args} {}
proc update_ip_catalog {args} { rec UPDATE_IP_CATALOG }
proc set_property {args} {
    if {[lindex $args 0] eq "-dict"} {
        set values [lindex $args 1]
        set obj [lindex $args 2]
    } else {
        set values [list [lindex $args 0] [lindex $args 1]]
        set obj [lindex $args 2]
    }
    foreach {k v} $values {
        if {[string match cell:* $obj]} {
            set cell [string range $obj 5 end]
            if {![string match CONFIG.* $k]} { fail "cell property $k is not CONFIG.*" }
            cfg_key $cell [string range $k 7 end]
            dict set ::config $cell [string range $k 7 end] $v
            rec CONFIG $cell [string range $k 7 end] $v
        } else {
            rec PROPERTY $k $v $obj
        }
    }
}
proc get_property {name obj} {
    if {[string match cell:* $obj]} {
        set cell [string range $obj 5 end]
        set key [string range $name 7 end]
        cfg_key $cell $key
        set info [info_of $cell]
        if {[dict exists $info act_cfg] && $key eq [dict get $info act_cfg]} {
            return [format %.6f [dict get $::config $cell [dict get $info clock_cfg]]]
        }
        return [dict get $::config $cell $key]
    }
    if {$name eq "PROGRESS"} { return "100%" }
    fail "get_property $name $obj"
}

# --- IP packaging ---------------------------------------------------------------------------
namespace eval ipx {}
proc ipx::package_project {args} {
    set i [lsearch $args -vendor]; set vendor [lindex $args [expr {$i + 1}]]
    set i [lsearch $args -library]; set lib [lindex $args [expr {$i + 1}]]
    rec IPX package_project $vendor $lib
    return core
}
proc ipx::current_core {args} { return core }
proc ipx::infer_bus_interfaces {vlnv core} {
    if {$vlnv ne "xilinx.com:interface:axis_rtl:1.0"} { fail "infer_bus_interfaces $vlnv" }
    rec IPX infer_bus_interfaces $vlnv
}
proc ipx::infer_bus_interface {port vlnv core} {
    set ok {ap_clk xilinx.com:signal:clock_rtl:1.0 ap_rst_n xilinx.com:signal:reset_rtl:1.0}
    if {![dict exists $ok $port] || [dict get $ok $port] ne $vlnv} { fail "infer_bus_interface $port $vlnv" }
    rec IPX infer_bus_interface $port $vlnv
}
proc ipx::associate_bus_interfaces {args} { rec IPX associate_bus_interfaces {*}[lrange $args 0 end-1] }
proc ipx::get_bus_interfaces {name args} {
    if {$name ni {ap_clk ap_rst_n s_axis m_axis}} { fail "no bus interface $name" }
    return "busif:$name"
}
proc ipx::add_bus_parameter {name busif} { return "param:$busif:$name" }
proc ipx::get_bus_parameters {name args} { return "param:[lindex $args end]:$name" }
proc ipx::create_xgui_files {core} {}
proc ipx::update_checksums {core} {}
proc ipx::check_integrity {core} {}
proc ipx::save_core {core} {
    # The packaged core's name and version are set with set_property (recorded above).
    # AXI-Stream interfaces as infer_bus_interfaces finds them: s_axis, m_axis, and s_axis_wl
    # where hwgen_accel.v has the weight-load port
    lappend ::ip_packaged hwgen.org:hwgen:hwgen_accel:1.0
    set intf {s_axis m_axis}
    foreach f $::ip_rtl {
        if {[file tail $f] ne "hwgen_accel.v"} continue
        set fh [open $f r]; set text [read $fh]; close $fh
        if {[string match "*s_axis_wl_tdata*" $text]} { lappend intf s_axis_wl }
    }
    dict set ::catalog hwgen.org:hwgen:hwgen_accel:1.0 [dict create \
        intf $intf pins {ap_clk ap_rst_n} config {} spaces {} segs {}]
    rec IPX save_core
}

# --- block design ---------------------------------------------------------------------------
proc create_bd_design {name} { set ::bd_open 1; rec BD $name }
proc create_bd_cell {args} {
    set i [lsearch $args -vlnv]
    set vlnv [lindex $args [expr {$i + 1}]]
    set name [lindex $args end]
    if {[lindex $args [expr {[lsearch $args -type] + 1}]] ne "ip"} { fail "create_bd_cell: only -type ip" }
    if {![dict exists $::catalog $vlnv]} { fail "unknown IP VLNV $vlnv" }
    if {[dict exists $::cells $name]} { fail "cell $name exists" }
    dict set ::cells $name $vlnv
    dict set ::config $name [dict create]
    rec CELL $name $vlnv
    return "cell:$name"
}
proc get_bd_cells {args} {
    set name [lindex $args end]
    if {![dict exists $::cells $name]} { fail "get_bd_cells: no cell $name" }
    return "cell:$name"
}
proc get_bd_intf_pins {path} {
    lassign [split_path $path] cell pin
    if {[lsearch -exact [dict get [info_of $cell] intf] $pin] < 0} { fail "no interface pin $path" }
    return "intf:$path"
}
proc get_bd_pins {path} {
    lassign [split_path $path] cell pin
    if {[lsearch -exact [dict get [info_of $cell] pins] $pin] < 0} { fail "no pin $path" }
    return "pin:$path"
}
proc connect_bd_intf_net {a b} {
    if {![string match intf:* $a] || ![string match intf:* $b]} { fail "connect_bd_intf_net $a $b" }
    rec INTF [string range $a 5 end] [string range $b 5 end]
}
proc connect_bd_net {args} {
    set src [lindex $args 0]
    foreach dst [lrange $args 1 end] {
        if {![string match pin:* $src] || ![string match pin:* $dst]} { fail "connect_bd_net $src $dst" }
        rec NET [string range $src 4 end] [string range $dst 4 end]
    }
}
proc apply_bd_automation {args} {
    set rule [lindex $args [expr {[lsearch $args -rule] + 1}]]
    set cfg [lindex $args [expr {[lsearch $args -config] + 1}]]
    set obj [lindex $args end]
    set cell [string range $obj 5 end]
    set info [info_of $cell]
    if {![dict exists $info rule] || [dict get $info rule] ne $rule} { fail "rule $rule on $cell" }
    if {[dict get $cfg apply_board_preset] ne "1"} { fail "board preset not applied" }
    rec AUTOMATION $rule $cell $cfg
}
proc get_bd_addr_spaces {path} {
    lassign [split_path $path] cell space
    if {[lsearch -exact [dict get [info_of $cell] spaces] $space] < 0} { fail "no address space $path" }
    return "space:$path"
}
proc get_bd_addr_segs {path} {
    lassign [split_path $path] cell seg
    if {[lsearch -exact [dict get [info_of $cell] segs] $seg] < 0} { fail "no address segment $path" }
    return "seg:$path"
}
proc assign_bd_address {args} {
    set offset auto; set range auto
    if {[set i [lsearch $args -offset]] >= 0} { set offset [lindex $args [expr {$i + 1}]] }
    if {[set i [lsearch $args -range]] >= 0} { set range [lindex $args [expr {$i + 1}]] }
    set space [lindex $args [expr {[lsearch $args -target_address_space] + 1}]]
    set seg [lsearch -inline -glob $args seg:*]
    if {![string match space:* $space] || $seg eq ""} { fail "assign_bd_address $args" }
    rec ADDR [string range $space 6 end] [string range $seg 4 end] $offset $range
}
proc validate_bd_design {args} { rec VALIDATE }
proc save_bd_design {args} { rec SAVE_BD }
proc generate_target {args} { rec GENERATE_TARGET }
proc make_wrapper {args} {
    set path [file join $::project_dir wrapper hwgen_bd_wrapper.v]
    file mkdir [file dirname $path]
    set fh [open $path w]; puts $fh "// stub wrapper"; close $fh
    rec WRAPPER $path
    return $path
}
proc get_runs {name} { return "run:$name" }
proc launch_runs {args} {
    set run [lindex $args 0]
    set step ""
    if {[set i [lsearch $args -to_step]] >= 0} { set step [lindex $args [expr {$i + 1}]] }
    rec RUN $run $step
    if {$run eq "impl_1" && $step eq "write_bitstream"} {
        # What Vivado leaves behind: the bitstream and the block design's hardware handoff.
        set bit [file join $::project_dir $::project.runs impl_1 hwgen_bd_wrapper.bit]
        set hwh [file join $::project_dir $::project.gen sources_1 bd hwgen_bd hw_handoff hwgen_bd.hwh]
        foreach f [list $bit $hwh] {
            file mkdir [file dirname $f]
            set fh [open $f w]; puts $fh "stub [file tail $f]"; close $fh
        }
    }
}
proc wait_on_run {run} { rec WAIT $run }
proc open_run {run} { rec OPEN_RUN $run }
proc report_utilization {args} {
    set f [lindex $args [expr {[lsearch $args -file] + 1}]]
    set fh [open $f w]; puts $fh "stub utilization"; close $fh
    rec REPORT utilization $f
}
proc report_timing_summary {args} {
    set f [lindex $args [expr {[lsearch $args -file] + 1}]]
    set fh [open $f w]; puts $fh "stub timing"; close $fh
    rec REPORT timing_summary $f
}
