// hwgen_swg_par: window-parallel sliding window generator (im2col as a stream) for a KxK
// convolution with stride STRIDE and zero padding PAD on every side, over an H x W x C image
// (NHWC). Same output order as hwgen_swg, (kh, kw, c) with c innermost, but SIMD = M*C
// elements per beat: M whole window pixels per beat, M | K*K (SIMD = K*K*C: one window per
// beat). Input: one pixel (C elements) per beat.
//
// Storage: the circular buffer of NB = 2^clog2(K + STRIDE) rows of hwgen_swg, banked so that a
// whole K x K window is read in one clock: bank (s, b) holds the pixels of row slot s whose
// column is = b (mod K), at address column / K. A window's K rows sit in K distinct slots and
// its K columns in K distinct column banks; each bank reads one word, then a rotation picks
// lane (kh, kw) from bank ((row slot of kh), (col0 + kw) mod K) and piece j (lanes j*M..j*M+M-1)
// goes out. Reader: one beat per clock once the window's rows are complete; the writer runs
// up to NB rows ahead, as in hwgen_swg. Cycles per frame, back to back, no back-pressure:
// max(OH*OW*K*K/M + R*W, H*W), R = the held rows of the next frame (see README).
`default_nettype none

module hwgen_swg_par #(
    parameter integer H      = 8,  // input height
    parameter integer W      = 8,  // input width
    parameter integer C      = 2,  // channels
    parameter integer SIMD   = 6,  // elements per output beat, M*C with M | K*K
    parameter integer K      = 3,  // kernel size
    parameter integer STRIDE = 1,  // stride
    parameter integer PAD    = 0,  // zero padding on each side, PAD < K
    parameter integer BITS   = 8   // element width
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire [C*BITS-1:0]    s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    output wire [SIMD*BITS-1:0] m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
);

    localparam integer M = SIMD / C;                     // window pixels per beat
    localparam integer WF = (K * K) / M;                 // beats per window
    localparam integer PW = C * BITS;                    // one pixel
    localparam integer DW = SIMD * BITS;
    localparam integer OH = (H + 2 * PAD - K) / STRIDE + 1;
    localparam integer OW = (W + 2 * PAD - K) / STRIDE + 1;
    localparam integer LB = $clog2(K + STRIDE);          // log2 of buffered rows
    localparam integer NB = 1 << LB;
    localparam integer QD = (W + K - 1) / K;             // words per bank (columns / K)
    localparam integer QW = (QD > 1) ? $clog2(QD) : 1;
    // signed coordinate and global-row widths
    localparam integer RB = $clog2(((H > W) ? H : W) + 2 * PAD + K + STRIDE + 2) + 2;
    localparam integer GB = $clog2(2 * (H + NB + K + STRIDE) + 4) + 2;
    localparam integer KB = $clog2(K + 1);
    localparam integer OB = $clog2(((OH > OW) ? OH : OW) + 1);
    localparam integer JB = (WF > 1) ? $clog2(WF) : 1;
    localparam integer K_LAST = K - 1, OW_LAST = OW - 1, OH_LAST = OH - 1, WF_LAST = WF - 1;
    localparam integer NPAD = -PAD, HM1 = H - 1;
    // col0 = cq*K + cr with 0 <= cr < K; STRIDE = SQ*K + SR
    localparam integer SQ = STRIDE / K, SR = STRIDE % K;
    localparam integer CQ0 = (PAD > 0) ? -1 : 0, CR0 = (PAD > 0) ? K - PAD : 0;
    localparam [RB-1:0] NEG_PAD = NPAD[RB-1:0];
    localparam [RB-1:0] STRIDE_R = STRIDE[RB-1:0];
    localparam [RB-1:0] H_R = H[RB-1:0];
    localparam [RB-1:0] W_R = W[RB-1:0];
    localparam [RB-1:0] KM1_R = K_LAST[RB-1:0];
    localparam [RB-1:0] HM1_R = HM1[RB-1:0];
    localparam [RB-1:0] QD_R = QD[RB-1:0];
    localparam [RB-1:0] SQ_R = SQ[RB-1:0];
    localparam [RB-1:0] CQ0_R = CQ0[RB-1:0];
    localparam [KB-1:0] K_K = K[KB-1:0];
    localparam [KB-1:0] SR_K = SR[KB-1:0];
    localparam [KB-1:0] CR0_K = CR0[KB-1:0];
    localparam [LB+KB+1:0] K_X = K[LB+KB+1:0];
    localparam [GB-1:0] H_G = H[GB-1:0];
    localparam [GB-1:0] NB_G = NB[GB-1:0];

    generate
        if (C < 1 || SIMD % C != 0 || (K * K) % (SIMD / C) != 0 || K < 1 || STRIDE < 1
            || PAD < 0 || PAD >= K || H + 2 * PAD < K || W + 2 * PAD < K) begin : g_check
            $fatal(1, "hwgen_swg_par: need SIMD = M*C with M | K*K, 0 <= PAD < K, K <= H + 2*PAD and W + 2*PAD");
        end
    endgenerate

    // ------------------------------------------------------------------ writer
    reg [QW-1:0] wr_q_reg;         // column / K of the pixel being written
    reg [KB-1:0] wr_b_reg;         // column mod K
    reg [RB-1:0] wr_col_reg;
    reg [GB-1:0] wr_g_reg;         // global index of the row being written
    wire [GB-1:0] low_g;           // lowest global row the reader still needs
    wire [GB-1:0] ahead = wr_g_reg - low_g;
    assign s_axis_tready = $signed(ahead) < $signed(NB_G);
    wire wr_fire = s_axis_tvalid && s_axis_tready;
    wire [LB-1:0] wr_slot = wr_g_reg[LB-1:0];

    always @(posedge clk) begin
        if (rst) begin
            wr_q_reg <= {QW{1'b0}};
            wr_b_reg <= {KB{1'b0}};
            wr_col_reg <= {RB{1'b0}};
            wr_g_reg <= {GB{1'b0}};
        end else if (wr_fire) begin
            if (wr_col_reg == W_R - 1'b1) begin
                wr_q_reg <= {QW{1'b0}};
                wr_b_reg <= {KB{1'b0}};
                wr_col_reg <= {RB{1'b0}};
                wr_g_reg <= wr_g_reg + 1'b1;
            end else begin
                wr_col_reg <= wr_col_reg + 1'b1;
                if (wr_b_reg == K_K - 1'b1) begin
                    wr_b_reg <= {KB{1'b0}};
                    wr_q_reg <= wr_q_reg + 1'b1;
                end else begin
                    wr_b_reg <= wr_b_reg + 1'b1;
                end
            end
        end
    end

    // ------------------------------------------------------------------ reader
    wire en;                        // output register has room
    reg [GB-1:0] fb_reg;            // global row of this frame's row 0
    reg [RB-1:0] row0_reg, col0_reg;  // oh*STRIDE - PAD, ow*STRIDE - PAD
    reg [RB-1:0] cq_reg;            // col0 = cq*K + cr (cq signed)
    reg [KB-1:0] cr_reg;
    reg [OB-1:0] oh_reg, ow_reg;
    reg [JB-1:0] j_reg;             // piece of the window

    wire [RB-1:0] hi_raw = row0_reg + KM1_R;
    wire [RB-1:0] need_hi = ($signed(hi_raw) > $signed(HM1_R)) ? HM1_R : hi_raw;
    wire [RB-1:0] low_r = $signed(row0_reg) > 0 ? row0_reg : {RB{1'b0}};
    wire [GB-1:0] need_g = fb_reg + {{(GB-RB){need_hi[RB-1]}}, need_hi};
    assign low_g = fb_reg + {{(GB-RB){1'b0}}, low_r};
    wire [GB-1:0] avail = wr_g_reg - need_g;
    wire rd_ok = $signed(avail) > 0;
    wire rd_fire = en && rd_ok;

    // padding: window row kh / column kw outside the image
    wire [K-1:0] row_pad, col_pad;
    // bank read address per column bank b: the window column = b (mod K) is col0 + (b - cr) mod K
    wire [K*QW-1:0] rd_q;
    genvar gi, gs;
    generate
        for (gi = 0; gi < K; gi = gi + 1) begin : g_col
            localparam [RB-1:0] I_R = gi;
            localparam [KB-1:0] I_K = gi;
            wire [RB-1:0] r = row0_reg + I_R;
            wire [RB-1:0] c = col0_reg + I_R;
            assign row_pad[gi] = $signed(r) < 0 || $signed(r) >= $signed(H_R);
            assign col_pad[gi] = $signed(c) < 0 || $signed(c) >= $signed(W_R);
            wire [RB-1:0] q = cq_reg + {{(RB-1){1'b0}}, (I_K < cr_reg)};
            wire q_ok = $signed(q) >= 0 && $signed(q) < $signed(QD_R);   // else padding
            wire [RB+QW-1:0] q_x = {{QW{1'b0}}, q};
            wire unused_q = ^q_x[RB+QW-1:QW];
            assign rd_q[gi*QW +: QW] = q_ok ? q_x[QW-1:0] : {QW{1'b0}};
        end
    endgenerate

    // stage 1: bank reads plus what the rotation needs
    reg [LB-1:0] slot1_reg;         // row slot of window row 0
    reg [KB-1:0] cr1_reg;
    reg [JB-1:0] j1_reg;
    reg [K*K-1:0] pad1_reg;
    reg v1_reg;
    wire [NB*K*PW-1:0] q_flat;

    generate
        for (gs = 0; gs < NB; gs = gs + 1) begin : g_slot
            localparam [LB-1:0] S_L = gs;
            for (gi = 0; gi < K; gi = gi + 1) begin : g_bank
                localparam [KB-1:0] B_K = gi;
                (* ram_style = "auto" *) reg [PW-1:0] mem [0:QD-1];
                reg [PW-1:0] q_reg;
                always @(posedge clk) begin
                    if (wr_fire && wr_slot == S_L && wr_b_reg == B_K) mem[wr_q_reg] <= s_axis_tdata;
                    if (en) q_reg <= mem[rd_q[gi*QW +: QW]];
                end
                assign q_flat[(gs*K + gi)*PW +: PW] = q_reg;
            end
        end
    endgenerate

    genvar gh, gw;
    generate
        for (gh = 0; gh < K; gh = gh + 1) begin : g_pad_r
            for (gw = 0; gw < K; gw = gw + 1) begin : g_pad_c
                always @(posedge clk) if (en) pad1_reg[gh*K + gw] <= row_pad[gh] || col_pad[gw];
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (en) begin
            slot1_reg <= fb_reg[LB-1:0] + row0_reg[LB-1:0];   // (frame base + row0) mod NB
            cr1_reg <= cr_reg;
            j1_reg <= j_reg;
        end
        if (rst) begin
            v1_reg <= 1'b0;
        end else if (en) begin
            v1_reg <= rd_ok;
        end
    end

    // rotation: lane (kh, kw) from bank (slot1 + kh, (cr1 + kw) mod K); padding lanes are 0
    wire [K*K*PW-1:0] window;
    generate
        for (gh = 0; gh < K; gh = gh + 1) begin : g_win_r
            localparam [LB-1:0] H_L = gh;
            wire [LB-1:0] s = slot1_reg + H_L;
            for (gw = 0; gw < K; gw = gw + 1) begin : g_win_c
                localparam [KB:0] W_K = gw;
                wire [KB:0] bsum = {1'b0, cr1_reg} + W_K;
                wire [KB:0] b = (bsum >= {1'b0, K_K}) ? bsum - {1'b0, K_K} : bsum;
                wire [LB+KB+1:0] idx = {{(KB+2){1'b0}}, s} * K_X + {{LB{1'b0}}, 1'b0, b};
                assign window[(gh*K + gw)*PW +: PW] =
                    pad1_reg[gh*K + gw] ? {PW{1'b0}} : q_flat[idx*PW +: PW];
            end
        end
    endgenerate

    wire [DW-1:0] piece = window[j1_reg*DW +: DW];

    wire [KB:0] cr_sum = {1'b0, cr_reg} + {1'b0, SR_K};
    wire cr_carry = cr_sum >= {1'b0, K_K};

    always @(posedge clk) begin
        if (rst) begin
            fb_reg <= {GB{1'b0}};
            row0_reg <= NEG_PAD;
            col0_reg <= NEG_PAD;
            cq_reg <= CQ0_R;
            cr_reg <= CR0_K;
            oh_reg <= {OB{1'b0}};
            ow_reg <= {OB{1'b0}};
            j_reg <= {JB{1'b0}};
        end else if (rd_fire) begin
            if (j_reg != WF_LAST[JB-1:0]) begin
                j_reg <= j_reg + 1'b1;
            end else begin
                j_reg <= {JB{1'b0}};
                if (ow_reg != OW_LAST[OB-1:0]) begin
                    ow_reg <= ow_reg + 1'b1;
                    col0_reg <= col0_reg + STRIDE_R;
                    if (cr_carry) begin
                        cr_reg <= cr_sum[KB-1:0] - K_K;
                        cq_reg <= cq_reg + SQ_R + 1'b1;
                    end else begin
                        cr_reg <= cr_sum[KB-1:0];
                        cq_reg <= cq_reg + SQ_R;
                    end
                end else begin
                    ow_reg <= {OB{1'b0}};
                    col0_reg <= NEG_PAD;
                    cq_reg <= CQ0_R;
                    cr_reg <= CR0_K;
                    if (oh_reg != OH_LAST[OB-1:0]) begin
                        oh_reg <= oh_reg + 1'b1;
                        row0_reg <= row0_reg + STRIDE_R;
                    end else begin
                        oh_reg <= {OB{1'b0}};
                        row0_reg <= NEG_PAD;
                        fb_reg <= fb_reg + H_G;
                    end
                end
            end
        end
    end

    hwgen_axis_register #(.WIDTH(DW)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(piece), .s_axis_tvalid(v1_reg),
        .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
