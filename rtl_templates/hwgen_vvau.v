// hwgen_vvau: vector-vector unit after a channel-fold-major sliding window (hwgen_swg with
// CFMAJOR = 1): per channel, a reduction over the KK window positions, PE channels per beat.
// Input order per output pixel: for cf in 0..C/PE-1, for k in 0..KK-1: one beat holding
// channels cf*PE .. cf*PE+PE-1 at window position k (lane p at bits [p*IN_BITS +: IN_BITS]).
// Window-parallel (SIMD > 1, needs PE = C): one beat holds SIMD window positions kb*SIMD + s
// of all C channels, lane s*PE + p (hwgen_swg_par's (kh, kw, c) order), KK/SIMD beats.
// MODE 0 (depthwise convolution): acc[p] = sum_k W[cf*PE+p][k] * x[p]; the weight word at
//   address cf*KK/SIMD + kb holds W[cf*PE+p][kb*SIMD+s] at bits [(p*SIMD+s)*W_BITS +: W_BITS]
//   (hwgen_mvau's layout with MW = KK).
// MODE 1 (average pool): acc[p] = sum_k x[p] (the division is in the thresholds).
// MODE 2 (max pool): acc[p] = max_k x[p].
// After the window's last beat the PE accumulators leave as one beat, in NHWC channel order;
// with N_THRES > 0 they pass through hwgen_thresholding (fused activation, OUT_BITS codes),
// else they leave as ACC_BITS two's complement (MODE 2: the IN_BITS codes). SHARED = 1: one
// threshold set for every channel (an average pool's re-quantisation), a single word that
// Yosys folds into constant compares instead of a C/PE-word ROM.
// One input beat per clock: PIXELS*C/PE*KK/SIMD cycles per frame, no bubbles.
`default_nettype none

module hwgen_vvau #(
    parameter integer C           = 8,    // channels
    parameter integer PE          = 1,    // channels per beat, C % PE == 0
    parameter integer SIMD        = 1,    // window positions per beat, KK % SIMD == 0
    parameter integer KK          = 9,    // window positions
    parameter integer MODE        = 0,    // 0 dot, 1 sum, 2 max
    parameter integer IN_BITS     = 4,
    parameter integer IN_SIGNED   = 0,
    parameter integer W_BITS      = 4,
    parameter integer W_SIGNED    = 1,
    parameter integer ACC_BITS    = 16,   // accumulator (two's complement)
    parameter integer N_THRES     = 0,    // fused thresholds per channel (0: none)
    parameter integer THR_BITS    = 16,
    parameter integer OUT_BITS    = 16,
    parameter integer OUT_BIAS    = 0,
    parameter integer SHARED      = 0,    // 1: one threshold set for all channels
    parameter         WEIGHT_FILE = "weights.mem",  // MODE 0: $readmemh file, C/PE*KK/SIMD words
    parameter         THRESH_FILE = "thresholds.mem"  // N_THRES > 0: C/PE words (SHARED: 1)
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [SIMD*PE*IN_BITS-1:0] s_axis_tdata,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    output wire [PE*OUT_BITS-1:0] m_axis_tdata,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready
);

    localparam integer CF = C / PE;
    localparam integer KB = KK / SIMD;      // beats per window
    localparam integer DEPTH = CF * KB;
    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer KW_ = (KB > 1) ? $clog2(KB) : 1;
    localparam integer KK_LAST = KB - 1;
    localparam integer DEPTH_LAST = DEPTH - 1;
    localparam integer RB = (MODE == 2) ? IN_BITS : ACC_BITS;   // result lane width

    generate
        if (C % PE != 0 || KK < 1 || MODE < 0 || MODE > 2 || (N_THRES == 0 && OUT_BITS != RB)
            || ACC_BITS < IN_BITS + 1 - IN_SIGNED || SIMD < 1 || KK % SIMD != 0
            || (SIMD > 1 && PE != C)) begin : g_check
            $fatal(1, "hwgen_vvau: need C %% PE == 0, KK %% SIMD == 0, PE = C when SIMD > 1, MODE in 0..2, OUT_BITS = the result width without thresholds, ACC_BITS >= the input");
        end
    endgenerate

    wire en;                        // the result register has room
    wire fire = en && s_axis_tvalid;
    assign s_axis_tready = en;

    reg [KW_-1:0] k_reg;
    reg [AW-1:0] addr_reg;          // cf*KK + k
    wire first = k_reg == {KW_{1'b0}};
    wire last = k_reg == KK_LAST[KW_-1:0];

    always @(posedge clk) begin
        if (rst) begin
            k_reg <= {KW_{1'b0}};
            addr_reg <= {AW{1'b0}};
        end else if (fire) begin
            k_reg <= last ? {KW_{1'b0}} : k_reg + 1'b1;
            addr_reg <= (addr_reg == DEPTH_LAST[AW-1:0]) ? {AW{1'b0}} : addr_reg + 1'b1;
        end
    end

    /* verilator lint_off UNUSEDSIGNAL */  // MODE 1, 2: no weights
    wire [PE*SIMD*W_BITS-1:0] wword;
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (MODE == 0) begin : g_rom
            // a small ROM in LUTs: Yosys maps it to logic only with logic_block (its LUTRAMs
            // need a write port), Vivado reads rom_style
`ifdef YOSYS
            (* logic_block *) reg [PE*SIMD*W_BITS-1:0] wmem [0:DEPTH-1];
`else
            (* rom_style = "distributed" *) reg [PE*SIMD*W_BITS-1:0] wmem [0:DEPTH-1];
`endif
            initial begin
                $readmemh(WEIGHT_FILE, wmem);
            end
            assign wword = wmem[addr_reg];
        end else begin : g_no_rom
            assign wword = {(PE*SIMD*W_BITS){1'b0}};
        end
    endgenerate

    reg [PE*RB-1:0] acc_reg;
    wire [PE*RB-1:0] nxt;
    genvar p, s;
    generate
        // SIMD = 1 keeps the single-position lane that the resource model was fitted to
        // (the chained form below maps to other LUT counts in Yosys)
        if (SIMD == 1) begin : g_one
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                wire [IN_BITS-1:0] xr = s_axis_tdata[p*IN_BITS +: IN_BITS];
                wire [RB-1:0] a = acc_reg[p*RB +: RB];
                if (MODE == 2) begin : g_max
                    // offset binary compare: flip the sign bit when signed
                    wire [IN_BITS-1:0] fl = {(IN_SIGNED != 0), {(IN_BITS-1){1'b0}}};
                    wire gt = (xr ^ fl) > (a ^ fl);
                    assign nxt[p*RB +: RB] = (first || gt) ? xr : a;
                end else begin : g_acc
                    wire signed [ACC_BITS-1:0] xv = (IN_SIGNED != 0)
                        ? {{(ACC_BITS-IN_BITS){xr[IN_BITS-1]}}, xr}
                        : {{(ACC_BITS-IN_BITS){1'b0}}, xr};
                    wire signed [ACC_BITS-1:0] term;
                    if (MODE == 0) begin : g_mul
                        wire [W_BITS-1:0] wr = wword[p*W_BITS +: W_BITS];
                        wire signed [W_BITS:0] wv = (W_SIGNED != 0) ? {wr[W_BITS-1], wr} : {1'b0, wr};
                        /* verilator lint_off UNUSEDSIGNAL */  // the sum fits ACC_BITS
                        wire signed [ACC_BITS+W_BITS:0] prod = xv * wv;
                        /* verilator lint_on UNUSEDSIGNAL */
                        assign term = prod[ACC_BITS-1:0];
                    end else begin : g_sum
                        assign term = xv;
                    end
                    assign nxt[p*RB +: RB] = first ? term : $signed(a) + term;
                end
            end
        end else begin : g_par
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                wire [RB-1:0] a = acc_reg[p*RB +: RB];
                // MODE 2: offset binary compares (flip the sign bit when signed)
                /* verilator lint_off UNUSEDSIGNAL */
                wire [IN_BITS-1:0] fl = {(IN_SIGNED != 0), {(IN_BITS-1){1'b0}}};
                /* verilator lint_on UNUSEDSIGNAL */
                // r[s]: the reduction of this beat's positions 0..s (a chain: SIMD is a window)
                wire [SIMD*RB-1:0] r;
                for (s = 0; s < SIMD; s = s + 1) begin : g_pos
                    wire [IN_BITS-1:0] xr = s_axis_tdata[(s*PE + p)*IN_BITS +: IN_BITS];
                    if (MODE == 2) begin : g_max
                        if (s == 0) begin : g_first
                            assign r[0 +: RB] = xr;
                        end else begin : g_next
                            wire [IN_BITS-1:0] b = r[(s-1)*RB +: RB];
                            assign r[s*RB +: RB] = ((xr ^ fl) > (b ^ fl)) ? xr : b;
                        end
                    end else begin : g_acc
                        wire signed [ACC_BITS-1:0] xv = (IN_SIGNED != 0)
                            ? {{(ACC_BITS-IN_BITS){xr[IN_BITS-1]}}, xr}
                            : {{(ACC_BITS-IN_BITS){1'b0}}, xr};
                        wire signed [ACC_BITS-1:0] term;
                        if (MODE == 0) begin : g_mul
                            wire [W_BITS-1:0] wr = wword[(p*SIMD + s)*W_BITS +: W_BITS];
                            wire signed [W_BITS:0] wv = (W_SIGNED != 0) ? {wr[W_BITS-1], wr}
                                                                        : {1'b0, wr};
                            /* verilator lint_off UNUSEDSIGNAL */  // the sum fits ACC_BITS
                            wire signed [ACC_BITS+W_BITS:0] prod = xv * wv;
                            /* verilator lint_on UNUSEDSIGNAL */
                            assign term = prod[ACC_BITS-1:0];
                        end else begin : g_sum
                            assign term = xv;
                        end
                        if (s == 0) begin : g_first
                            assign r[0 +: RB] = term;
                        end else begin : g_next
                            assign r[s*RB +: RB] = $signed(r[(s-1)*RB +: RB]) + term;
                        end
                    end
                end
                wire [RB-1:0] rb = r[(SIMD-1)*RB +: RB];
                if (MODE == 2) begin : g_max
                    wire gt = (rb ^ fl) > (a ^ fl);
                    assign nxt[p*RB +: RB] = (first || gt) ? rb : a;
                end else begin : g_acc
                    assign nxt[p*RB +: RB] = first ? rb : $signed(a) + $signed(rb);
                end
            end
        end
    endgenerate

    reg res_valid_reg;
    always @(posedge clk) begin
        if (fire) acc_reg <= nxt;
        if (rst) begin
            res_valid_reg <= 1'b0;
        end else if (en) begin
            res_valid_reg <= s_axis_tvalid && last;
        end
    end

    generate
        if (N_THRES > 0) begin : g_thr
            wire [PE*RB-1:0] r_tdata;
            wire r_tvalid, r_tready;
            hwgen_axis_register #(.WIDTH(PE*RB)) u_res (
                .clk(clk), .rst(rst),
                .s_axis_tdata(acc_reg), .s_axis_tvalid(res_valid_reg), .s_axis_tready(en),
                .m_axis_tdata(r_tdata), .m_axis_tvalid(r_tvalid), .m_axis_tready(r_tready)
            );
            hwgen_thresholding #(
                .CHANNELS(C), .PE(PE), .N_THRES(N_THRES), .IN_BITS(RB), .IN_SIGNED(1),
                .THR_BITS(THR_BITS), .OUT_BITS(OUT_BITS), .OUT_BIAS(OUT_BIAS), .SHARED(SHARED),
                .THRESH_FILE(THRESH_FILE)
            ) u_thr (
                .clk(clk), .rst(rst),
                .s_axis_tdata(r_tdata), .s_axis_tvalid(r_tvalid), .s_axis_tready(r_tready),
                .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid),
                .m_axis_tready(m_axis_tready)
            );
        end else begin : g_raw
            hwgen_axis_register #(.WIDTH(PE*RB)) u_res (
                .clk(clk), .rst(rst),
                .s_axis_tdata(acc_reg), .s_axis_tvalid(res_valid_reg), .s_axis_tready(en),
                .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid),
                .m_axis_tready(m_axis_tready)
            );
        end
    endgenerate

endmodule

`default_nettype wire
