// hwgen_swg: sliding window generator (im2col as a stream) for a KH x KW window with strides
// (SH, SW), dilations (DIL_H, DIL_W) and padding PT/PL/PB/PR (top, left, bottom, right) over
// an H x W x C image (NHWC), SIMD channels per beat. K/STRIDE/PAD set the square defaults.
// For each output pixel (oh, ow) in raster order it emits KH*KW*C/SIMD beats in (kh, kw, c)
// order, c innermost: the input vector of an MVAU whose weights are O x (kh, kw, c).
// CFMAJOR = 1 (depthwise and pooling units, hwgen_vvau): channel-fold-major order instead,
// for each group of SIMD channels the KH*KW window positions, (cf, kh, kw) with kw innermost.
// Padding elements carry the code PAD_CODE (0; a max pool pads with the smallest code).
//
// Storage: a circular buffer of NB = 2^max(ROWS_LOG2, clog2(EKH + SH)) rows of W*C/SIMD
// beats, EKH = (KH-1)*DIL_H + 1 the window's height in input rows. A writer
// stores input rows while a reader emits windows from complete rows; the writer may run up
// to NB rows ahead of the lowest row still needed (so it fills the next output row's rows,
// and the next frame's first rows, while the reader works). Reader: one beat per clock once
// its rows are complete. Cycles per frame, back to back, no back-pressure:
// max(OH*OW*KH*KW*CF + R*W*CF, H*W*CF), R = the held rows of the next frame (see README).
`default_nettype none

module hwgen_swg #(
    parameter integer H      = 8,  // input height
    parameter integer W      = 8,  // input width
    parameter integer C      = 2,  // channels
    parameter integer SIMD   = 1,  // channels per beat, C % SIMD == 0
    /* verilator lint_off UNUSEDPARAM */  // only defaults when every general parameter is set
    parameter integer K      = 3,  // kernel size (square default)
    parameter integer STRIDE = 1,  // stride (default of SH, SW)
    parameter integer PAD    = 0,  // padding on each side (default of PT, PL, PB, PR)
    /* verilator lint_on UNUSEDPARAM */
    parameter integer BITS   = 8,  // element width
    parameter integer KH     = K,  // window height and width
    parameter integer KW     = K,
    parameter integer SH     = STRIDE,  // strides
    parameter integer SW     = STRIDE,
    parameter integer PT     = PAD,  // padding: top, left, bottom, right (each < the window)
    parameter integer PL     = PAD,
    parameter integer PB     = PAD,
    parameter integer PR     = PAD,
    parameter integer DIL_H  = 1,  // dilations
    parameter integer DIL_W  = 1,
    parameter integer CFMAJOR = 0,  // 1: (cf, kh, kw) order
    parameter integer PAD_CODE = 0,  // code of a padding element
    parameter integer ROWS_LOG2 = 0  // log2 of the buffered rows, at least clog2(EKH + SH)
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire [SIMD*BITS-1:0] s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    output wire [SIMD*BITS-1:0] m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
);

    localparam integer CF = C / SIMD;
    localparam integer ROWLEN = W * CF;
    localparam integer EKH = (KH - 1) * DIL_H + 1;       // window extent in input rows/columns
    localparam integer EKW = (KW - 1) * DIL_W + 1;
    localparam integer OH = (H + PT + PB - EKH) / SH + 1;
    localparam integer OW = (W + PL + PR - EKW) / SW + 1;
    localparam integer LB0 = $clog2(EKH + SH);           // the fewest rows that work
    localparam integer LB = (ROWS_LOG2 > LB0) ? ROWS_LOG2 : LB0;  // log2 of buffered rows
    localparam integer NB = 1 << LB;
    localparam integer DEPTH = NB * ROWLEN;
    localparam integer AW = $clog2(DEPTH);
    localparam integer DW = SIMD * BITS;
    // signed coordinate and global-row widths
    localparam integer RB = $clog2(((H > W) ? H : W) + PT + PB + PL + PR + EKH + EKW + SH + SW + 2) + 2;
    localparam integer GB0 = $clog2(2 * (H + NB + EKH + SH) + 4) + 2;
    localparam integer GB = (GB0 > RB) ? GB0 : RB + 1;
    localparam integer CW = (ROWLEN > 1) ? $clog2(ROWLEN) : 1;
    localparam integer FW = (CF > 1) ? $clog2(CF) : 1;
    localparam integer KB = $clog2(((KH > KW) ? KH : KW) + 1);
    localparam integer OB = $clog2(((OH > OW) ? OH : OW) + 1);
    localparam integer CF_LAST = CF - 1, KH_LAST = KH - 1, KW_LAST = KW - 1;
    localparam integer OW_LAST = OW - 1, OH_LAST = OH - 1;
    localparam integer ROW_LAST = ROWLEN - 1;
    localparam integer NPT = -PT, NPL = -PL, HM1 = H - 1, EKH_LAST = EKH - 1;
    localparam [RB-1:0] NEG_PT = NPT[RB-1:0];
    localparam [RB-1:0] NEG_PL = NPL[RB-1:0];
    localparam [RB-1:0] SH_R = SH[RB-1:0];
    localparam [RB-1:0] SW_R = SW[RB-1:0];
    localparam [RB-1:0] DH_R = DIL_H[RB-1:0];
    localparam [RB-1:0] DW_R = DIL_W[RB-1:0];
    localparam [RB-1:0] H_R = H[RB-1:0];
    localparam [RB-1:0] W_R = W[RB-1:0];
    localparam [RB-1:0] KM1_R = EKH_LAST[RB-1:0];
    localparam [RB-1:0] HM1_R = HM1[RB-1:0];
    localparam [GB-1:0] H_G = H[GB-1:0];
    localparam [GB-1:0] NB_G = NB[GB-1:0];
    localparam [AW-1:0] ROWLEN_A = ROWLEN[AW-1:0];
    localparam [AW-1:0] CF_A = CF[AW-1:0];

    generate
        if (C % SIMD != 0 || KH < 1 || KW < 1 || SH < 1 || SW < 1 || DIL_H < 1 || DIL_W < 1
            || PT < 0 || PB < 0 || PL < 0 || PR < 0 || PT >= EKH || PB >= EKH || PL >= EKW
            || PR >= EKW || H + PT + PB < EKH || W + PL + PR < EKW) begin : g_check
            $fatal(1, "hwgen_swg: need C %% SIMD == 0, 0 <= pads < the dilated window, window <= padded image");
        end
    endgenerate

    (* ram_style = "auto" *) reg [DW-1:0] mem [0:DEPTH-1];

    // ------------------------------------------------------------------ writer
    reg [CW-1:0] wr_col_reg;
    reg [GB-1:0] wr_g_reg;         // global index of the row being written
    wire [GB-1:0] low_g;           // lowest global row the reader still needs
    wire [GB-1:0] ahead = wr_g_reg - low_g;
    assign s_axis_tready = $signed(ahead) < $signed(NB_G);
    wire wr_fire = s_axis_tvalid && s_axis_tready;
    wire [AW-1:0] wr_addr = {{(AW-LB){1'b0}}, wr_g_reg[LB-1:0]} * ROWLEN_A + {{(AW-CW){1'b0}}, wr_col_reg};

    always @(posedge clk) begin
        if (wr_fire) mem[wr_addr] <= s_axis_tdata;
        if (rst) begin
            wr_col_reg <= {CW{1'b0}};
            wr_g_reg <= {GB{1'b0}};
        end else if (wr_fire) begin
            if (wr_col_reg == ROW_LAST[CW-1:0]) begin
                wr_col_reg <= {CW{1'b0}};
                wr_g_reg <= wr_g_reg + 1'b1;
            end else begin
                wr_col_reg <= wr_col_reg + 1'b1;
            end
        end
    end

    // ------------------------------------------------------------------ reader
    wire en;                        // output register has room
    reg [GB-1:0] fb_reg;            // global row of this frame's row 0
    reg [RB-1:0] row0_reg, col0_reg;  // oh*SH - PT, ow*SW - PL
    reg [OB-1:0] oh_reg, ow_reg;
    reg [KB-1:0] kh_reg, kw_reg;
    reg [RB-1:0] kho_reg, kwo_reg;    // kh*DIL_H, kw*DIL_W
    reg [FW-1:0] cf_reg;

    wire [RB-1:0] r = row0_reg + kho_reg;
    wire [RB-1:0] c = col0_reg + kwo_reg;
    wire [RB-1:0] hi_raw = row0_reg + KM1_R;
    // the clamps and pad tests below only where that side is padded (without bottom padding
    // no window reaches past row H-1, without top padding none starts above row 0, ...):
    // Yosys cannot tell from the counters, and each costs a comparator
    wire [RB-1:0] need_hi = (PB > 0 && $signed(hi_raw) > $signed(HM1_R)) ? HM1_R : hi_raw;
    wire [RB-1:0] low_r = (PT == 0 || $signed(row0_reg) > 0) ? row0_reg : {RB{1'b0}};
    wire [GB-1:0] need_g = fb_reg + {{(GB-RB){need_hi[RB-1]}}, need_hi};
    assign low_g = fb_reg + {{(GB-RB){1'b0}}, low_r};
    wire [GB-1:0] avail = wr_g_reg - need_g;
    wire rd_ok = $signed(avail) > 0;
    wire rd_fire = en && rd_ok;
    wire pad = (PT > 0 && $signed(r) < 0) || (PB > 0 && $signed(r) >= $signed(H_R))
            || (PL > 0 && $signed(c) < 0) || (PR > 0 && $signed(c) >= $signed(W_R));
    wire [LB-1:0] slot = fb_reg[LB-1:0] + r[LB-1:0];   // (frame base + r) mod NB
    wire [AW+RB-1:0] c_x = {{AW{1'b0}}, c};
    wire unused_c = ^c_x[AW+RB-1:AW];                  // c < W whenever it is used
    wire [AW-1:0] rd_addr = {{(AW-LB){1'b0}}, slot} * ROWLEN_A
                          + c_x[AW-1:0] * CF_A + {{(AW-FW){1'b0}}, cf_reg};

    reg [DW-1:0] rdata_reg;
    reg pad1_reg, v1_reg;
    always @(posedge clk) begin
        if (en) begin
            rdata_reg <= mem[rd_addr];
            pad1_reg <= pad;
        end
        if (rst) begin
            v1_reg <= 1'b0;
        end else if (en) begin
            v1_reg <= rd_ok;
        end
    end

    // window stepping: (kh, kw, cf) with cf innermost, or (cf, kh, kw) when CFMAJOR
    wire last_cf = cf_reg == CF_LAST[FW-1:0];
    wire last_kw = kw_reg == KW_LAST[KB-1:0];
    wire last_kh = kh_reg == KH_LAST[KB-1:0];
    wire step_kw = (CFMAJOR != 0) ? 1'b1 : last_cf;
    wire step_kh = step_kw && last_kw;
    wire step_cf = (CFMAJOR != 0) ? (last_kh && last_kw) : 1'b1;
    wire win_done = last_cf && last_kw && last_kh;

    always @(posedge clk) begin
        if (rst) begin
            fb_reg <= {GB{1'b0}};
            row0_reg <= NEG_PT;
            col0_reg <= NEG_PL;
            oh_reg <= {OB{1'b0}};
            ow_reg <= {OB{1'b0}};
            kh_reg <= {KB{1'b0}};
            kw_reg <= {KB{1'b0}};
            kho_reg <= {RB{1'b0}};
            kwo_reg <= {RB{1'b0}};
            cf_reg <= {FW{1'b0}};
        end else if (rd_fire) begin
            if (step_cf) cf_reg <= last_cf ? {FW{1'b0}} : cf_reg + 1'b1;
            if (step_kw) begin
                kw_reg <= last_kw ? {KB{1'b0}} : kw_reg + 1'b1;
                kwo_reg <= last_kw ? {RB{1'b0}} : kwo_reg + DW_R;
            end
            if (step_kh) begin
                kh_reg <= last_kh ? {KB{1'b0}} : kh_reg + 1'b1;
                kho_reg <= last_kh ? {RB{1'b0}} : kho_reg + DH_R;
            end
            if (win_done) begin
                if (ow_reg != OW_LAST[OB-1:0]) begin
                    ow_reg <= ow_reg + 1'b1;
                    col0_reg <= col0_reg + SW_R;
                end else begin
                    ow_reg <= {OB{1'b0}};
                    col0_reg <= NEG_PL;
                    if (oh_reg != OH_LAST[OB-1:0]) begin
                        oh_reg <= oh_reg + 1'b1;
                        row0_reg <= row0_reg + SH_R;
                    end else begin
                        oh_reg <= {OB{1'b0}};
                        row0_reg <= NEG_PT;
                        fb_reg <= fb_reg + H_G;
                    end
                end
            end
        end
    end

    localparam [BITS-1:0] PADC = PAD_CODE[BITS-1:0];
    hwgen_axis_register #(.WIDTH(DW)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata((PT + PB + PL + PR > 0 && pad1_reg) ? {SIMD{PADC}} : rdata_reg),
        .s_axis_tvalid(v1_reg),
        .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
