// hwgen_thresh_search: pipelined binary threshold search (internal helper of hwgen_mvau and
// hwgen_thresholding). For each of LANES signed values v it computes
//     out = OUT_BIAS + #{k : v >= T[k]}   (T ascending per channel, duplicates allowed)
// with S = clog2(N_THRES + 1) compare stages (one comparator per lane per stage).
// Threshold memory: word a (a = in_addr) holds, for lane p and threshold k, T at bits
// [(p*N_THRES + k)*THR_BITS +: THR_BITS] (SHARED = 1: one lane, used by all lanes).
// Latency: S + 1 cycles from in_* to out_*; registers advance only while en = 1.
`default_nettype none

module hwgen_thresh_search #(
    parameter integer LANES       = 1,        // values per beat
    parameter integer DEPTH       = 1,        // threshold words (channel groups)
    parameter integer N_THRES     = 1,        // thresholds per channel, 1..255
    parameter integer THR_BITS    = 8,        // threshold width (signed)
    parameter integer VAL_BITS    = 8,        // input value width (signed)
    parameter integer OUT_BITS    = 1,        // output width per lane
    parameter integer OUT_BIAS    = 0,        // added to the count
    parameter integer SHARED      = 0,        // 1: one threshold set for all lanes
    parameter         THRESH_FILE = "thresh.mem",  // $readmemh file, DEPTH words
    parameter         RAM_STYLE   = "auto"    // ram_style of the threshold memory
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire                      en,
    input  wire                      in_valid,
    input  wire [AW-1:0]             in_addr,
    input  wire [LANES*VAL_BITS-1:0] in_data,
    output wire                      out_valid,
    output wire [LANES*OUT_BITS-1:0] out_data
);

    localparam integer S = $clog2(N_THRES + 1);
    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer TLANES = (SHARED != 0) ? 1 : LANES;
    localparam integer WORD_W = TLANES * N_THRES * THR_BITS;
    localparam integer CW = (VAL_BITS > THR_BITS) ? VAL_BITS : THR_BITS;

    // RAM_STYLE widened so that string compares have one width
    /* verilator lint_off WIDTHEXPAND */
    localparam [8*16-1:0] STYLE = RAM_STYLE;
    /* verilator lint_on WIDTHEXPAND */

    generate
        if (N_THRES < 1 || N_THRES > 255) begin : g_check_n
            $fatal(1, "hwgen_thresh_search: N_THRES must be in 1..255");
        end
        if ((1 << OUT_BITS) < N_THRES + 1) begin : g_check_out
            $fatal(1, "hwgen_thresh_search: OUT_BITS too small for N_THRES + 1 levels");
        end
    endgenerate

    // pipeline registers of stage s (s = 0..S): values, partial count, valid
    reg [LANES*VAL_BITS-1:0] val_reg  [0:S];
    reg [LANES*S-1:0]        idx_reg  [0:S];
    reg [S:0]                valid_reg;

    // threshold memory: one registered read port at in_addr (thr_word[0]); stage s reads
    // the same word one enabled clock later than stage s - 1 (its address is in_addr delayed
    // by s stages), so thr_word[s] is thr_word[s - 1] registered and one port serves all
    // stages. Yosys drops the register bits that no later stage compares against.
    wire [S*WORD_W-1:0] thr_word;  // stage s: bits [s*WORD_W +: WORD_W]
    genvar s, p;
    generate
        if (STYLE == "auto") begin : g_mem_auto
            reg [WORD_W-1:0] thr_mem [0:DEPTH-1];
            initial $readmemh(THRESH_FILE, thr_mem);
            reg [WORD_W-1:0] q_reg;
            always @(posedge clk) if (en) q_reg <= thr_mem[in_addr];
            assign thr_word[WORD_W-1:0] = q_reg;
        end else if (STYLE == "distributed" && DEPTH > 32) begin : g_mem_rom
            // a deep ROM in LUTs: its own hierarchy level (hwgen_rom), mapped by Yosys at the
            // ideal LUT6 + MUXF7/F8 tree
            hwgen_rom #(.DEPTH(DEPTH), .WIDTH(WORD_W), .AW(AW), .INIT_FILE(THRESH_FILE)) u_trom (
                .clk(clk), .en(en), .addr(in_addr), .q(thr_word[WORD_W-1:0])
            );
        end else if (STYLE == "distributed") begin : g_mem_lut
            // a shallow ROM: Yosys maps it to LUT logic only with logic_block, Vivado reads
            // rom_style
`ifdef YOSYS
            (* logic_block *) reg [WORD_W-1:0] thr_mem [0:DEPTH-1];
`else
            (* rom_style = "distributed" *) reg [WORD_W-1:0] thr_mem [0:DEPTH-1];
`endif
            initial $readmemh(THRESH_FILE, thr_mem);
            reg [WORD_W-1:0] q_reg;
            always @(posedge clk) if (en) q_reg <= thr_mem[in_addr];
            assign thr_word[WORD_W-1:0] = q_reg;
        end else begin : g_mem_style
            (* ram_style = RAM_STYLE, rom_style = RAM_STYLE *) reg [WORD_W-1:0] thr_mem [0:DEPTH-1];
            initial $readmemh(THRESH_FILE, thr_mem);
            reg [WORD_W-1:0] q_reg;
            always @(posedge clk) if (en) q_reg <= thr_mem[in_addr];
            assign thr_word[WORD_W-1:0] = q_reg;
        end
        for (s = 1; s < S; s = s + 1) begin : g_thr_delay
            reg [WORD_W-1:0] d_reg;
            always @(posedge clk) if (en) d_reg <= thr_word[(s-1)*WORD_W +: WORD_W];
            assign thr_word[s*WORD_W +: WORD_W] = d_reg;
        end
    endgenerate

    always @(posedge clk) begin
        if (en) begin
            val_reg[0]   <= in_data;
            idx_reg[0]   <= {(LANES*S){1'b0}};
        end
        if (rst) begin
            valid_reg[0] <= 1'b0;
        end else if (en) begin
            valid_reg[0] <= in_valid;
        end
    end

    generate
        for (s = 0; s < S; s = s + 1) begin : g_stage
            localparam integer STEP = 1 << (S - 1 - s);  // probe bit of this stage
            wire [LANES*S-1:0] idx_next;
            for (p = 0; p < LANES; p = p + 1) begin : g_lane
                localparam integer TL = (SHARED != 0) ? 0 : p;
                wire [S-1:0] idx = idx_reg[s][p*S +: S];
                wire signed [VAL_BITS-1:0] v = val_reg[s][p*VAL_BITS +: VAL_BITS];
                reg signed [THR_BITS-1:0] t;
                reg present;
                integer c;
                // candidate probe positions: idx | STEP (1-based), present if <= N_THRES
                always @* begin
                    t = {THR_BITS{1'b0}};
                    present = 1'b0;
                    for (c = STEP; c <= N_THRES; c = c + 2*STEP) begin
                        if ({{(32-S){1'b0}}, idx} == c - STEP) begin
                            t = thr_word[s*WORD_W + (TL*N_THRES + c - 1)*THR_BITS +: THR_BITS];
                            present = 1'b1;
                        end
                    end
                end
                // compare at a common width
                reg signed [CW-1:0] ve, te;
                always @* begin
                    ve = {CW{v[VAL_BITS-1]}};
                    ve[VAL_BITS-1:0] = v;
                    te = {CW{t[THR_BITS-1]}};
                    te[THR_BITS-1:0] = t;
                end
                wire hit = present && (ve >= te);
                assign idx_next[p*S +: S] = hit ? (idx | STEP[S-1:0]) : idx;
            end
            always @(posedge clk) begin
                if (en) begin
                    val_reg[s+1]   <= val_reg[s];
                    idx_reg[s+1]   <= idx_next;
                end
                if (rst) begin
                    valid_reg[s+1] <= 1'b0;
                end else if (en) begin
                    valid_reg[s+1] <= valid_reg[s];
                end
            end
        end
        for (p = 0; p < LANES; p = p + 1) begin : g_out
            localparam [OUT_BITS-1:0] BIAS = OUT_BIAS[OUT_BITS-1:0];
            reg [OUT_BITS-1:0] cnt;
            always @* begin
                cnt = {OUT_BITS{1'b0}};
                cnt[S-1:0] = idx_reg[S][p*S +: S];
            end
            assign out_data[p*OUT_BITS +: OUT_BITS] = BIAS + cnt;
        end
    endgenerate

    assign out_valid = valid_reg[S];

endmodule

`default_nettype wire
