// hwgen_tb: Verilog-side stimulus and capture for whole-design simulation (no Python per cycle).
//
// Reads input words (hex, one per line) from "tb_in.hex", drives them into the design under
// test with tlast on the last word of every frame, optionally idles the input and back-pressures
// the output from seeded LFSRs, and writes every output word with its tlast and cycle stamp to
// "tb_out.txt", and each input frame's first and last beat cycles to "tb_in_events.txt".
// Every output beat is counted, also beyond the expected number: the run ends (`done`) only when
// neither an input nor an output beat has moved for +stall=N cycles (after the last expected
// word that is the drain that catches extra beats; before it, the design has stalled), or as
// soon as more than one frame of extra words came out. On a stall, "tb_stall.txt" gets the
// state of the ports and, with HWGEN_PROBES defined, of every stream inside the pipeline
// (hwgen_probes.vh, generated per design: beats, tvalid, tready per stream).
// With HWGEN_WLOAD defined (designs with UltraRAM weights) the DUT's weight-load stream
// s_axis_wl gets the +wl_beats=N words of "tb_wl.hex" first (same random idles, tlast on the
// last word); the frames start 4 cycles after the last of them. +wl_beats=0: no load.
// cocotb drives clk/rst and waits on done.
// The DUT module is `HWGEN_DUT (define it on the simulator command line). Run-time settings are
// plusargs, so one Verilator build serves every run: +frames=N +idle=PCT +bp=PCT +seed=S +stall=N.
`timescale 1ns / 1ps
`default_nettype none
`ifndef HWGEN_DUT
`define HWGEN_DUT hwgen_accel
`endif

module hwgen_tb #(
    parameter integer IN_W = 64,                // input word width of the DUT
    parameter integer OUT_W = 64,               // output word width of the DUT
    parameter integer IN_WORDS_PER_FRAME = 1,   // input words per frame
    parameter integer OUT_WORDS_PER_FRAME = 1,  // output words per frame
    parameter integer WL_W = 64                 // weight-load word width (HWGEN_WLOAD)
) (
    // the only signals cocotb touches: public for VPI (the build turns --public-flat-rw off)
    input  wire clk /*verilator public_flat_rw*/,
    input  wire rst /*verilator public_flat_rw*/,
    output reg  done /*verilator public_flat_rw*/
);
    integer frames, idle_pct, bp_pct, seed, in_words, out_words;
    reg [63:0] stall_cycles;

    reg  [IN_W-1:0]  s_tdata;
    reg              s_tvalid;
    reg              s_tlast;
    wire             s_tready;
    wire [OUT_W-1:0] m_tdata;
    wire             m_tvalid;
    wire             m_tlast;
    reg              m_tready;
    // weight load
    integer          wl_beats, wl_count, wl_gap, fwl;
    reg  [WL_W-1:0]  wl_tdata, wl_word;
    reg              wl_tvalid;
    wire             wl_tready;
    wire             frames_go = (wl_count == wl_beats) && (wl_gap == 0);

    `HWGEN_DUT dut (
        .ap_clk(clk), .ap_rst_n(!rst),
        .s_axis_tdata(s_tdata), .s_axis_tvalid(s_tvalid), .s_axis_tready(s_tready),
        .s_axis_tlast(s_tlast),
        .m_axis_tdata(m_tdata), .m_axis_tvalid(m_tvalid), .m_axis_tready(m_tready),
        .m_axis_tlast(m_tlast)
`ifdef HWGEN_WLOAD
        ,
        .s_axis_wl_tdata(wl_tdata), .s_axis_wl_tvalid(wl_tvalid), .s_axis_wl_tready(wl_tready),
        .s_axis_wl_tlast(wl_count == wl_beats - 1)
`endif
    );
`ifndef HWGEN_WLOAD
    assign wl_tready = 1'b0;
`endif

    // 32-bit Galois LFSRs, one for input idles and one for output stalls.
    reg [31:0] lfsr_in, lfsr_out;
    function [31:0] lfsr_step(input [31:0] s);
        lfsr_step = s[0] ? ((s >> 1) ^ 32'hA3000000) : (s >> 1);
    endfunction

    integer fin, fout, fev, rc;
    integer in_count, out_count, in_idx;
    reg [63:0] cycle;
    reg [IN_W-1:0] word;
    reg have_word;
    reg [63:0] frame_start;
    reg [63:0] quiet;  // cycles since the last input or output beat
    integer fst;

`ifdef HWGEN_PROBES
`include "hwgen_probes.vh"
`else
    task dump_probes;
        begin
        end
    endtask
`endif

    task report_stall;
        begin
            fst = $fopen("tb_stall.txt", "w");
            $fwrite(fst, "cycles %0d\n", stall_cycles);
            $fwrite(fst, "input %0d %0d %0d %0d\n", in_count, in_words, s_tvalid, s_tready);
            $fwrite(fst, "output %0d %0d %0d %0d\n", out_count, out_words, m_tvalid, m_tready);
            $fwrite(fst, "load %0d %0d %0d %0d\n", wl_count, wl_beats, wl_tvalid, wl_tready);
            dump_probes();
            $fclose(fst);
        end
    endtask

    initial begin
        if (!$value$plusargs("frames=%d", frames)) frames = 1;
        if (!$value$plusargs("idle=%d", idle_pct)) idle_pct = 0;
        if (!$value$plusargs("bp=%d", bp_pct)) bp_pct = 0;
        if (!$value$plusargs("seed=%d", seed)) seed = 1;
        if (!$value$plusargs("stall=%d", stall_cycles)) stall_cycles = 10000;
        if (!$value$plusargs("wl_beats=%d", wl_beats)) wl_beats = 0;
`ifndef HWGEN_WLOAD
        wl_beats = 0;
`endif
        fwl = 0;
        if (wl_beats > 0) begin
            fwl = $fopen("tb_wl.hex", "r");
            if (fwl == 0) begin
                $display("hwgen_tb: cannot open tb_wl.hex");
                $fatal(1);
            end
        end
        in_words = IN_WORDS_PER_FRAME * frames;
        out_words = OUT_WORDS_PER_FRAME * frames;
        fin = $fopen("tb_in.hex", "r");
        fout = $fopen("tb_out.txt", "w");
        fev = $fopen("tb_in_events.txt", "w");
        if (fin == 0) begin
            $display("hwgen_tb: cannot open tb_in.hex");
            $fatal(1);
        end
    end

    task read_word;
        begin
            rc = $fscanf(fin, "%h\n", word);
            have_word = (rc == 1);
            if (!have_word) begin
                $display("hwgen_tb: tb_in.hex ended after %0d words, expected %0d", in_count, in_words);
                $fatal(1);
            end
        end
    endtask

    task read_wl_word;
        begin
            rc = $fscanf(fwl, "%h\n", wl_word);
            if (rc != 1) begin
                $display("hwgen_tb: tb_wl.hex ended after %0d words, expected %0d", wl_count, wl_beats);
                $fatal(1);
            end
        end
    endtask

    always @(posedge clk) begin
        if (rst) begin
            wl_tvalid <= 1'b0;
            wl_count <= 0;
            wl_gap <= (wl_beats > 0) ? 4 : 0;
            s_tvalid <= 1'b0;
            s_tlast <= 1'b0;
            m_tready <= 1'b0;
            done <= 1'b0;
            cycle <= 0;
            in_count <= 0;
            out_count <= 0;
            in_idx <= 0;
            lfsr_in <= seed[31:0] | 32'h1;
            lfsr_out <= (seed[31:0] * 32'h9E3779B9) | 32'h1;
            frame_start <= 0;
            quiet <= 0;
        end else begin
            cycle <= cycle + 1;
            quiet <= ((s_tvalid && s_tready) || (m_tvalid && m_tready) || (wl_tvalid && wl_tready))
                     ? 0 : quiet + 1;
            if (!done && (quiet >= stall_cycles || out_count > out_words + OUT_WORDS_PER_FRAME)) begin
                if (out_count < out_words) report_stall();
                $fflush(fout);
                $fflush(fev);
                done <= 1'b1;
            end
            lfsr_in <= lfsr_step(lfsr_in);
            lfsr_out <= lfsr_step(lfsr_out);
            // weight load, then a gap of wl_gap cycles (the last words land in the memories)
            if (wl_tvalid && wl_tready) wl_count <= wl_count + 1;
            if (!wl_tvalid || wl_tready) begin
                if ((wl_count + (wl_tvalid ? 1 : 0)) < wl_beats && ((lfsr_in % 100) >= idle_pct)) begin
                    read_wl_word();
                    wl_tdata <= wl_word;
                    wl_tvalid <= 1'b1;
                end else begin
                    wl_tvalid <= 1'b0;
                end
            end
            if (wl_count == wl_beats && wl_gap > 0) wl_gap <= wl_gap - 1;
            // input side
            if (s_tvalid && s_tready) begin
                if (in_idx == 0) frame_start <= cycle;
                if (in_idx == IN_WORDS_PER_FRAME - 1) begin
                    $fwrite(fev, "%0d %0d\n", (in_idx == 0) ? cycle : frame_start, cycle);
                    in_idx <= 0;
                end else begin
                    in_idx <= in_idx + 1;
                end
                in_count <= in_count + 1;
            end
            if (!s_tvalid || s_tready) begin
                if (frames_go && (in_count + (s_tvalid ? 1 : 0)) < in_words &&
                    ((lfsr_in % 100) >= idle_pct)) begin
                    read_word();
                    s_tdata <= word;
                    s_tvalid <= 1'b1;
                    s_tlast <= (((in_count + (s_tvalid ? 1 : 0)) % IN_WORDS_PER_FRAME)
                                == IN_WORDS_PER_FRAME - 1);
                end else begin
                    s_tvalid <= 1'b0;
                end
            end
            // output side
            m_tready <= ((lfsr_out % 100) >= bp_pct);
            if (m_tvalid && m_tready) begin
                $fwrite(fout, "%h %0d %0d\n", m_tdata, m_tlast, cycle);
                out_count <= out_count + 1;
            end
        end
    end
endmodule

`default_nettype wire
