// hwgen_mvau: folded matrix-vector-activation unit, y = act(W x), W is MH x MW.
// SIMD input lanes x PE output lanes per clock; SF = MW/SIMD, NF = MH/PE; one fold step per
// clock, NF*SF cycles per vector, no bubbles unless starved or back-pressured.
// Input beat schedule per vector: SF beats (SIMD lanes each) accepted one per clock during the
// first neuron fold (nf = 0), buffered, then s_axis_tready stays low for (NF-1)*SF cycles
// while the buffered vector is reused. Output: NF beats per vector (PE lanes each), one per
// neuron fold. Implementation by operand types: bipolar x bipolar -> XNOR-popcount; one bipolar
// operand -> add/subtract the other; ternary weights -> add/subtract/skip; otherwise multiply.
// Add/subtract and ternary modes negate as -v = ~v + 1: each lane puts v or ~v (an XOR with
// the sign, no wider than v) into the adder tree and its "+1" on the carry chain of one tree
// adder (hwgen_adder_tree CARRY_IN), the last one on the accumulator's: no negation adders.
// Weight load (RAM_STYLE "ultra" only): UltraScale+ cannot initialise UltraRAM from the
// bitstream, so an "ultra" weight memory is written at run time through s_wl_*: one weight word
// per beat, to addresses 0, 1, .., NF*SF-1 in WEIGHT_FILE's word order, then wrapping to 0 (a
// second load overwrites the first). It always accepts (s_wl_tready = 1) and writes one clock
// after the beat; load while no vector is in flight. The memory powers up as zeros (as the
// UltraRAM does) and never reads WEIGHT_FILE. Other styles ignore s_wl_* (s_wl_tready = 0).
// Latency and memory layouts: rtl_templates/README.md.
`default_nettype none

module hwgen_mvau #(
    parameter integer MW          = 64,          // matrix width (input vector length)
    parameter integer MH          = 32,          // matrix height (output vector length)
    parameter integer SIMD        = 8,           // input lanes per beat, MW % SIMD == 0
    parameter integer PE          = 4,           // output lanes per beat, MH % PE == 0
    parameter integer IN_BITS     = 1,           // input value width
    parameter integer IN_TYPE     = 2,           // 0 UINT, 1 INT, 2 BIPOLAR
    parameter integer W_BITS      = 1,           // weight width
    parameter integer W_TYPE      = 2,           // 0 UINT, 1 INT, 2 BIPOLAR, 3 TERNARY (INT2 code)
    parameter integer ACC_BITS    = 16,          // accumulator / raw output width (signed)
    parameter integer N_THRES     = 0,           // thresholds per channel, 0 = raw output
    parameter integer THR_BITS    = 16,          // threshold width (signed)
    parameter integer OUT_BITS    = 1,           // output width per lane when N_THRES > 0
    parameter integer OUT_BIAS    = 0,           // added to the threshold count
    parameter         WEIGHT_FILE = "weights.mem",  // $readmemh file, NF*SF words
    parameter         THRESH_FILE = "thresh.mem",   // $readmemh file, NF words
    parameter         RAM_STYLE   = "auto",      // weight memory: auto, distributed, block, ultra
    parameter         THR_STYLE   = "distributed",  // threshold memory: distributed or block
    parameter integer REG_EVERY   = 3            // adder-tree levels between pipeline registers
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire [SIMD*IN_BITS-1:0]  s_axis_tdata,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,
    output wire [PE*O_LANE-1:0]     m_axis_tdata,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready,
    // weight load, RAM_STYLE "ultra" only: one weight word (PE*SIMD*W_BITS bits) per beat
    input  wire [PE*SIMD*W_BITS-1:0] s_wl_tdata,
    input  wire                     s_wl_tvalid,
    output wire                     s_wl_tready
);

    localparam integer SF = MW / SIMD;
    localparam integer NF = MH / PE;
    localparam integer IN_W = SIMD * IN_BITS;
    localparam integer WW = PE * SIMD * W_BITS;
    localparam integer O_LANE = (N_THRES > 0) ? OUT_BITS : ACC_BITS;
    // operation mode
    localparam integer M_XNOR = 0, M_SIGN = 1, M_TERN = 2, M_MUL = 3;
    localparam integer MODE = (IN_TYPE == 2 && W_TYPE == 2) ? M_XNOR :
                              (IN_TYPE == 2 || W_TYPE == 2) ? M_SIGN :
                              (W_TYPE == 3) ? M_TERN : M_MUL;
    // signed views: UINT gains a zero sign bit, INT/TERNARY keep their width
    localparam integer XV = (IN_TYPE == 0) ? IN_BITS + 1 : IN_BITS;
    localparam integer WV = (W_TYPE == 0) ? W_BITS + 1 : W_BITS;
    // width of one product (add/subtract and ternary: the term before its carry-in) and
    // signedness of the tree
    localparam integer PW = (MODE == M_XNOR) ? 1 :
                            (MODE == M_SIGN) ? ((IN_TYPE == 2) ? WV : XV) :
                            (MODE == M_TERN) ? XV :
                            (IN_TYPE == 0 && W_TYPE == 0) ? IN_BITS + W_BITS : XV + WV;
    // 1: the tree sums terms plus one carry-in bit per lane (negation as ~v + 1)
    localparam integer CI = (MODE == M_SIGN || MODE == M_TERN) ? 1 : 0;
    localparam integer T_SIGNED = (MODE == M_XNOR || (MODE == M_MUL && IN_TYPE == 0 && W_TYPE == 0)) ? 0 : 1;
    localparam integer TW = PW + $clog2(SIMD);
    localparam integer PCW = $clog2(MW + 1);            // popcount width (XNOR)
    localparam integer ACCW = (MODE == M_XNOR) ? PCW : ACC_BITS;
    localparam integer VAL_BITS = (MODE == M_XNOR) ? PCW + 1 : ACC_BITS;
    localparam integer PROD_REG = (MODE == M_MUL) ? 1 : 0;
    // XNOR mode sums with hwgen_popcount (3:2 and 9:4 LUT stages, then a tree over G2 terms)
    localparam integer G2 = (((SIMD + 2) / 3) + 2) / 3;
    localparam integer PCO = 4 + $clog2(G2);
    localparam integer SW = (MODE == M_XNOR) ? PCO : TW;  // width of one PE's fold-step sum
    localparam integer TREE_LAT = (MODE == M_XNOR) ?
        1 + (($clog2(G2) == 0) ? 1 : ($clog2(G2) + REG_EVERY - 1) / REG_EVERY) :
        (($clog2(SIMD) == 0) ? 1 : ($clog2(SIMD) + REG_EVERY - 1) / REG_EVERY);
    localparam integer PL = PROD_REG + TREE_LAT;         // stage-1 to tree output
    localparam integer SFW = (SF > 1) ? $clog2(SF) : 1;
    localparam integer NFW = (NF > 1) ? $clog2(NF) : 1;
    localparam integer WAW = (NF * SF > 1) ? $clog2(NF * SF) : 1;

    // RAM_STYLE widened so that string compares have one width
    /* verilator lint_off WIDTHEXPAND */
    localparam [8*16-1:0] STYLE = RAM_STYLE;
    /* verilator lint_on WIDTHEXPAND */

    generate
        if (MW % SIMD != 0 || MH % PE != 0) begin : g_check_fold
            $fatal(1, "hwgen_mvau: MW %% SIMD and MH %% PE must be 0");
        end
        if (IN_TYPE < 0 || IN_TYPE > 2 || W_TYPE < 0 || W_TYPE > 3) begin : g_check_type
            $fatal(1, "hwgen_mvau: IN_TYPE must be 0..2 and W_TYPE 0..3");
        end
        if ((IN_TYPE == 2 && IN_BITS != 1) || (W_TYPE == 2 && W_BITS != 1) || (W_TYPE == 3 && W_BITS != 2)) begin : g_check_bits
            $fatal(1, "hwgen_mvau: BIPOLAR needs 1 bit and TERNARY 2 bits");
        end
        if (MODE == M_XNOR && ACC_BITS < PCW + 1) begin : g_check_acc
            $fatal(1, "hwgen_mvau: ACC_BITS must be >= clog2(MW+1)+1 in XNOR mode");
        end
        if (N_THRES < 0 || N_THRES > 255) begin : g_check_thr
            $fatal(1, "hwgen_mvau: N_THRES must be in 0..255");
        end
    endgenerate

    // ---------------------------------------------------------------- issue stage
    wire en;  // whole pipeline advances; = output register has room
    localparam integer SF_LAST = SF - 1;
    localparam integer NF_LAST = NF - 1;
    localparam integer WA_LAST = NF * SF - 1;
    reg [SFW-1:0] sf_reg;
    reg [NFW-1:0] nf_reg;
    reg [WAW-1:0] waddr_reg;
    wire first_fold = (nf_reg == {NFW{1'b0}});
    wire fire = en && (!first_fold || s_axis_tvalid);
    assign s_axis_tready = en && first_fold;

    always @(posedge clk) begin
        if (rst) begin
            sf_reg <= {SFW{1'b0}};
            nf_reg <= {NFW{1'b0}};
            waddr_reg <= {WAW{1'b0}};
        end else if (fire) begin
            if (sf_reg == SF_LAST[SFW-1:0]) begin
                sf_reg <= {SFW{1'b0}};
                nf_reg <= (nf_reg == NF_LAST[NFW-1:0]) ? {NFW{1'b0}} : nf_reg + 1'b1;
            end else begin
                sf_reg <= sf_reg + 1'b1;
            end
            waddr_reg <= (waddr_reg == WA_LAST[WAW-1:0]) ? {WAW{1'b0}} : waddr_reg + 1'b1;
        end
    end

    // ---------------------------------------------------------------- stage 1: operands
    reg [WW-1:0] w_reg;
    reg [IN_W-1:0] x_in_reg;
    reg v1_reg;
    reg first1_reg, last1_reg;
    reg [NFW-1:0] nf1_reg;
    wire [IN_W-1:0] x1;

    generate
        if (STYLE == "auto") begin : g_wmem_auto
            reg [WW-1:0] wmem [0:NF*SF-1];
            initial $readmemh(WEIGHT_FILE, wmem);
            always @(posedge clk) if (en) w_reg <= wmem[waddr_reg];
        end else if (STYLE == "distributed" && NF * SF > 32) begin : g_wmem_rom
            // a deep ROM in LUTs: its own hierarchy level (hwgen_rom), which Yosys maps at
            // the ideal LUT6 + MUXF7/F8 tree (3-4x fewer LUTs than flattened into the unit)
            wire [WW-1:0] w_rom;
            hwgen_rom #(.DEPTH(NF * SF), .WIDTH(WW), .AW(WAW), .INIT_FILE(WEIGHT_FILE)) u_wrom (
                .clk(clk), .en(en), .addr(waddr_reg), .q(w_rom)
            );
            always @(*) w_reg = w_rom;
        end else if (STYLE == "distributed") begin : g_wmem_lut
            // a shallow ROM (<= 32 words) flattened into the unit: one LUT per bit, or none
            // where ABC merges it into the first popcount stage (XNOR, <= 8 words). Yosys maps
            // a ROM to LUT logic only with logic_block (its LUTRAMs need a write port),
            // Vivado reads rom_style
`ifdef YOSYS
            (* logic_block *) reg [WW-1:0] wmem [0:NF*SF-1];
`else
            (* rom_style = "distributed" *) reg [WW-1:0] wmem [0:NF*SF-1];
`endif
            initial $readmemh(WEIGHT_FILE, wmem);
            always @(posedge clk) if (en) w_reg <= wmem[waddr_reg];
        end else if (STYLE == "ultra") begin : g_wmem_uram
            // UltraRAM (UltraScale+): 4K x 72 blocks, the read register inside the block.
            // UltraScale+ cannot load UltraRAM from the bitstream (UG901: no INIT): the
            // weights arrive through s_wl_* (registered once, then written in order, wrapping)
            (* ram_style = "ultra" *) reg [WW-1:0] wmem [0:NF*SF-1];
            reg [WAW-1:0] wl_addr_reg;
            reg [WW-1:0] wl_data_reg;
            reg wl_we_reg;
`ifndef SYNTHESIS
            // simulation: the UltraRAM power-up state (all zeros) instead of undefined words
            integer i;
            initial for (i = 0; i < NF * SF; i = i + 1) wmem[i] = {WW{1'b0}};
`endif
            assign s_wl_tready = 1'b1;
            always @(posedge clk) begin
                wl_data_reg <= s_wl_tdata;
                if (rst) begin
                    wl_we_reg <= 1'b0;
                    wl_addr_reg <= {WAW{1'b0}};
                end else begin
                    wl_we_reg <= s_wl_tvalid;
                    if (wl_we_reg) begin
                        wl_addr_reg <= (wl_addr_reg == WA_LAST[WAW-1:0]) ? {WAW{1'b0}}
                                                                         : wl_addr_reg + 1'b1;
                    end
                end
            end
            always @(posedge clk) begin
                if (wl_we_reg) wmem[wl_addr_reg] <= wl_data_reg;
                if (en) w_reg <= wmem[waddr_reg];
            end
        end else begin : g_wmem_style
            (* ram_style = RAM_STYLE, rom_style = RAM_STYLE *) reg [WW-1:0] wmem [0:NF*SF-1];
            initial $readmemh(WEIGHT_FILE, wmem);
            always @(posedge clk) if (en) w_reg <= wmem[waddr_reg];
        end
        if (STYLE != "ultra") begin : g_no_wl
            // weights from WEIGHT_FILE: no load port
            assign s_wl_tready = 1'b0;
            wire unused_wl = ^{s_wl_tdata, s_wl_tvalid};
        end
        if (NF > 1) begin : g_ibuf
            // LUTRAM with an asynchronous read: the operand register sits after the select,
            // so each XNOR/product sees plain register outputs
            (* ram_style = "distributed" *) reg [IN_W-1:0] ibuf [0:SF-1];
            always @(posedge clk) begin
                if (fire && first_fold) ibuf[sf_reg] <= s_axis_tdata;
                if (en) x_in_reg <= first_fold ? s_axis_tdata : ibuf[sf_reg];
            end
        end else begin : g_nobuf
            always @(posedge clk) if (en) x_in_reg <= s_axis_tdata;
        end
        assign x1 = x_in_reg;
    endgenerate

    always @(posedge clk) begin
        if (en) begin
            first1_reg <= (sf_reg == {SFW{1'b0}});
            last1_reg  <= (sf_reg == SF_LAST[SFW-1:0]);
            nf1_reg    <= nf_reg;
        end
        if (rst) begin
            v1_reg <= 1'b0;
        end else if (en) begin
            v1_reg <= fire;
        end
    end

    // ---------------------------------------------------------------- products and trees
    wire [PE*SW-1:0] tree_out;
    wire [PE-1:0] tree_ci;  // lane 0's carry-in per PE, for the accumulator (CI = 1)
    genvar p, s;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            wire [SIMD*PW-1:0] prod;
            wire [SIMD-1:0] cin;  // carry-ins: 1 where the lane's term is ~v (v negated)
            // XNOR mode: one vector XNOR per PE; SIMD generate blocks per PE (the loop below)
            // take Yosys' frontend quadratic time in PE*SIMD (an hour at PE*SIMD = 6272)
            if (MODE == M_XNOR) begin : g_xnor_vec
                assign prod = ~(x1 ^ w_reg[p*SIMD +: SIMD]);
                assign cin = {SIMD{1'b0}};
                wire unused_cin = ^cin;
            end
            for (s = 0; s < ((MODE == M_XNOR) ? 0 : SIMD); s = s + 1) begin : g_simd
                wire [IN_BITS-1:0] xr = x1[s*IN_BITS +: IN_BITS];
                wire [W_BITS-1:0] wr = w_reg[(p*SIMD + s)*W_BITS +: W_BITS];
                wire [PW-1:0] pr;
                wire ci;
                // signed views (unused for bipolar operands)
                wire [XV-1:0] xv;
                wire [WV-1:0] wv;
                if (IN_TYPE == 0) begin : g_xu
                    assign xv = {1'b0, xr};
                end else begin : g_xs
                    assign xv = xr;
                end
                if (W_TYPE == 0) begin : g_wu
                    assign wv = {1'b0, wr};
                end else begin : g_ws
                    assign wv = wr;
                end
                // add/subtract and ternary: term + ci = the product (~v + 1 = -v, and ~v
                // has v's width, so -v needs no wider term)
                if (MODE == M_SIGN && IN_TYPE == 2) begin : g_sign_x
                    assign pr = wv ^ {PW{~xr[0]}};
                    assign ci = ~xr[0];
                    wire unused_v = ^xv;
                end else if (MODE == M_SIGN) begin : g_sign_w
                    assign pr = xv ^ {PW{~wr[0]}};
                    assign ci = ~wr[0];
                    wire unused_v = ^wv;
                end else if (MODE == M_TERN) begin : g_tern
                    // INT2 code: 01 = +1, 11 = -1, 00 = 0 (10 is not a ternary code: the
                    // build never writes it; it would add +1)
                    assign pr = wr[0] ? (xv ^ {PW{wr[1]}}) : {PW{1'b0}};
                    assign ci = wr[1];
                    wire unused_v = ^wv;
                end else if (T_SIGNED == 0) begin : g_mul_u
                    wire [PW-1:0] xe = {{W_BITS{1'b0}}, xr};
                    wire [PW-1:0] we = {{IN_BITS{1'b0}}, wr};
                    assign pr = xe * we;
                    assign ci = 1'b0;
                    wire unused_v = ^{xv, wv};
                end else begin : g_mul_s
                    wire signed [PW-1:0] xe = {{WV{xv[XV-1]}}, xv};
                    wire signed [PW-1:0] we = {{XV{wv[WV-1]}}, wv};
                    assign pr = xe * we;
                    assign ci = 1'b0;
                end
                assign cin[s] = ci;
                if (PROD_REG != 0) begin : g_preg
                    reg [PW-1:0] pr_reg;
                    always @(posedge clk) if (en) pr_reg <= pr;
                    assign prod[s*PW +: PW] = pr_reg;
                end else begin : g_pcomb
                    assign prod[s*PW +: PW] = pr;
                end
            end
            if (MODE == M_XNOR) begin : g_pop
                hwgen_popcount #(.N(SIMD), .REG_EVERY(REG_EVERY)) u_pop (
                    .clk(clk), .en(en), .in_bits(prod), .out_count(tree_out[p*SW +: SW])
                );
                assign tree_ci[p] = 1'b0;
            end else begin : g_tree
                hwgen_adder_tree #(
                    .N(SIMD), .IN_BITS(PW), .SIGNED(T_SIGNED), .CARRY_IN(CI),
                    .REG_EVERY(REG_EVERY)
                ) u_tree (
                    .clk(clk), .en(en), .in_data(prod), .in_ci(cin),
                    .out_sum(tree_out[p*SW +: SW]), .out_ci(tree_ci[p])
                );
            end
        end
    endgenerate

    // control flags travel alongside the products: {valid, first, last, nf}
    localparam integer FW = 3 + NFW;
    reg [PL*FW-1:0] flags_reg;
    generate
        if (PL == 1) begin : g_fl1
            always @(posedge clk) begin
                if (rst) begin
                    flags_reg <= {FW{1'b0}};
                end else if (en) begin
                    flags_reg <= {v1_reg, first1_reg, last1_reg, nf1_reg};
                end
            end
        end else begin : g_fln
            always @(posedge clk) begin
                if (rst) begin
                    flags_reg <= {(PL*FW){1'b0}};
                end else if (en) begin
                    flags_reg <= {flags_reg[(PL-1)*FW-1:0], v1_reg, first1_reg, last1_reg, nf1_reg};
                end
            end
        end
    endgenerate
    wire [FW-1:0] flags_t = flags_reg[(PL-1)*FW +: FW];
    wire vt = flags_t[FW-1];
    wire first_t = flags_t[FW-2];
    wire last_t = flags_t[FW-3];
    wire [NFW-1:0] nf_t = flags_t[NFW-1:0];

    // ---------------------------------------------------------------- accumulators
    reg [PE*ACCW-1:0] acc_reg;
    reg acc_valid_reg;
    reg [NFW-1:0] acc_nf_reg;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_acc
            wire [SW-1:0] t = tree_out[p*SW +: SW];
            wire [ACCW-1:0] te;
            if (SW >= ACCW) begin : g_trunc
                assign te = t[ACCW-1:0];
                if (SW > ACCW) begin : g_unused
                    wire unused_hi = ^t[SW-1:ACCW];
                end
            end else if (T_SIGNED != 0) begin : g_sext
                assign te = {{(ACCW-SW){t[SW-1]}}, t};
            end else begin : g_zext
                assign te = {{(ACCW-SW){1'b0}}, t};
            end
            if (CI != 0) begin : g_acc_ci
                // the tree's leftover carry-in on the accumulator's carry chain; the first
                // step of a fold adds to 0 instead of the held sum
                wire [ACCW-1:0] held = first_t ? {ACCW{1'b0}} : acc_reg[p*ACCW +: ACCW];
                always @(posedge clk) begin
                    if (en && vt) begin
                        acc_reg[p*ACCW +: ACCW] <= te + held + {{(ACCW-1){1'b0}}, tree_ci[p]};
                    end
                end
            end else begin : g_acc_plain
                wire unused_ci = tree_ci[p];
                always @(posedge clk) begin
                    if (en && vt) begin
                        acc_reg[p*ACCW +: ACCW] <= first_t ? te : acc_reg[p*ACCW +: ACCW] + te;
                    end
                end
            end
        end
    endgenerate
    always @(posedge clk) begin
        if (en) acc_nf_reg <= nf_t;
        if (rst) begin
            acc_valid_reg <= 1'b0;
        end else if (en) begin
            acc_valid_reg <= vt && last_t;
        end
    end

    // ---------------------------------------------------------------- activation
    wire [PE*O_LANE-1:0] act_data;
    wire act_valid;
    generate
        if (N_THRES == 0) begin : g_raw
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                if (MODE == M_XNOR) begin : g_pm
                    // dot = 2*popcount - MW
                    wire [ACC_BITS-1:0] pc = {{(ACC_BITS-PCW){1'b0}}, acc_reg[p*ACCW +: ACCW]};
                    localparam [ACC_BITS-1:0] MW_V = MW[ACC_BITS-1:0];
                    assign act_data[p*O_LANE +: O_LANE] = (pc << 1) - MW_V;
                end else begin : g_acc
                    assign act_data[p*O_LANE +: O_LANE] = acc_reg[p*ACCW +: ACCW];
                end
            end
            assign act_valid = acc_valid_reg;
            wire unused_nf = ^acc_nf_reg;
        end else begin : g_thr
            wire [PE*VAL_BITS-1:0] vals;
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                if (MODE == M_XNOR) begin : g_pc
                    assign vals[p*VAL_BITS +: VAL_BITS] = {1'b0, acc_reg[p*ACCW +: ACCW]};
                end else begin : g_acc
                    assign vals[p*VAL_BITS +: VAL_BITS] = acc_reg[p*ACCW +: ACCW];
                end
            end
            hwgen_thresh_search #(
                .LANES(PE), .DEPTH(NF), .N_THRES(N_THRES), .THR_BITS(THR_BITS),
                .VAL_BITS(VAL_BITS), .OUT_BITS(OUT_BITS), .OUT_BIAS(OUT_BIAS), .SHARED(0),
                .THRESH_FILE(THRESH_FILE), .RAM_STYLE(THR_STYLE)
            ) u_thr (
                .clk(clk), .rst(rst), .en(en), .in_valid(acc_valid_reg), .in_addr(acc_nf_reg),
                .in_data(vals), .out_valid(act_valid), .out_data(act_data)
            );
        end
    endgenerate

    // ---------------------------------------------------------------- output register
    hwgen_axis_register #(.WIDTH(PE*O_LANE)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(act_data), .s_axis_tvalid(act_valid), .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
