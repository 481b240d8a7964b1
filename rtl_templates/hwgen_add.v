// hwgen_add: elementwise join of two streams, its activation fused as thresholds on the sum.
//     s = K0 * a + K1 * b              (a, b: lane codes, IN*_SIGNED two's complement)
//     out = OUT_BIAS + #{k : s >= T[c][k]}   (N_THRES > 0, hwgen_thresh_search), or
//     out = s as OUT_BITS two's complement   (N_THRES = 0: the raw sum)
// PE lanes per beat on both inputs and the output; channel group nf (of CHANNELS/PE) uses
// threshold word nf (layout as hwgen_thresholding). The unit fires only when both inputs hold a
// beat; inputs and output are skid-buffered. One beat per clock, CHANNELS/PE * pixels cycles
// per frame; latency clog2(N_THRES+1) + 4 clocks (N_THRES = 0: 3): input skid, sum, search,
// output register.
`default_nettype none

module hwgen_add #(
    parameter integer CHANNELS    = 8,      // channels per pixel
    parameter integer PE          = 1,      // channels per beat, CHANNELS % PE == 0
    parameter integer IN0_BITS    = 4,      // input 0 element width
    parameter integer IN0_SIGNED  = 0,      // 1: input 0 codes are two's complement
    parameter integer IN1_BITS    = 4,      // input 1 element width
    parameter integer IN1_SIGNED  = 0,      // 1: input 1 codes are two's complement
    parameter integer K0          = 1,      // coefficient of input 0 (>= 1)
    parameter integer K1          = 1,      // coefficient of input 1 (>= 1)
    parameter integer SUM_BITS    = 6,      // signed width holding every sum
    parameter integer N_THRES     = 1,      // thresholds per channel, 0..255 (0: raw sum out)
    parameter integer THR_BITS    = 6,      // threshold width (signed)
    parameter integer OUT_BITS    = 1,      // output element width
    parameter integer OUT_BIAS    = 0,      // added to the count
    parameter integer SHARED      = 0,      // 1: one threshold set for every channel
    parameter         THRESH_FILE = "thresholds.mem",  // $readmemh file, CHANNELS/PE words
    parameter         RAM_STYLE   = "auto"  // threshold memory style
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire [PE*IN0_BITS-1:0]    s0_axis_tdata,
    input  wire                      s0_axis_tvalid,
    output wire                      s0_axis_tready,
    input  wire [PE*IN1_BITS-1:0]    s1_axis_tdata,
    input  wire                      s1_axis_tvalid,
    output wire                      s1_axis_tready,
    output wire [PE*OUT_BITS-1:0]    m_axis_tdata,
    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready
);
    localparam integer NF = CHANNELS / PE;
    localparam integer DEPTH = (SHARED != 0) ? 1 : NF;
    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer NF_LAST = NF - 1;
    // modulo-2^SUM_BITS products equal the two's complement sums
    localparam [SUM_BITS-1:0] K0_W = K0[SUM_BITS-1:0];
    localparam [SUM_BITS-1:0] K1_W = K1[SUM_BITS-1:0];

    generate
        if (CHANNELS % PE != 0) begin : g_check_pe
            $fatal(1, "hwgen_add: CHANNELS %% PE must be 0");
        end
        if (K0 < 1 || K1 < 1) begin : g_check_k
            $fatal(1, "hwgen_add: K0 and K1 must be >= 1");
        end
        if (SUM_BITS <= IN0_BITS || SUM_BITS <= IN1_BITS || SUM_BITS > 32) begin : g_check_sum
            $fatal(1, "hwgen_add: SUM_BITS must exceed both input widths (and be <= 32)");
        end
        if (N_THRES == 0 && OUT_BITS != SUM_BITS) begin : g_check_raw
            $fatal(1, "hwgen_add: N_THRES = 0 needs OUT_BITS == SUM_BITS");
        end
    endgenerate

    wire [PE*IN0_BITS-1:0] a;
    wire [PE*IN1_BITS-1:0] b;
    wire va;
    wire vb;
    wire en;  // the pipeline advances while the output register has room
    wire fire = va && vb && en;

    hwgen_axis_register #(.WIDTH(PE*IN0_BITS)) u_in0 (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s0_axis_tdata), .s_axis_tvalid(s0_axis_tvalid),
        .s_axis_tready(s0_axis_tready),
        .m_axis_tdata(a), .m_axis_tvalid(va), .m_axis_tready(fire)
    );

    hwgen_axis_register #(.WIDTH(PE*IN1_BITS)) u_in1 (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s1_axis_tdata), .s_axis_tvalid(s1_axis_tvalid),
        .s_axis_tready(s1_axis_tready),
        .m_axis_tdata(b), .m_axis_tvalid(vb), .m_axis_tready(fire)
    );

    // each lane sign- or zero-extended to SUM_BITS, then the sums in one register stage
    wire [PE*SUM_BITS-1:0] sums;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            wire msb0 = (IN0_SIGNED != 0) && a[p*IN0_BITS + IN0_BITS - 1];
            wire msb1 = (IN1_SIGNED != 0) && b[p*IN1_BITS + IN1_BITS - 1];
            wire [SUM_BITS-1:0] ea = {{(SUM_BITS - IN0_BITS){msb0}}, a[p*IN0_BITS +: IN0_BITS]};
            wire [SUM_BITS-1:0] eb = {{(SUM_BITS - IN1_BITS){msb1}}, b[p*IN1_BITS +: IN1_BITS]};
            assign sums[p*SUM_BITS +: SUM_BITS] = K0_W * ea + K1_W * eb;
        end
    endgenerate

    reg [PE*SUM_BITS-1:0] sum_reg;
    reg                   sum_valid_reg;
    reg [AW-1:0]          addr_reg;
    reg [AW-1:0]          sum_addr_reg;
    always @(posedge clk) begin
        if (en) begin
            sum_reg <= sums;
            sum_addr_reg <= addr_reg;
        end
        if (rst) begin
            sum_valid_reg <= 1'b0;
            addr_reg <= {AW{1'b0}};
        end else if (en) begin
            sum_valid_reg <= va && vb;
            if (fire && DEPTH > 1) begin
                addr_reg <= (addr_reg == NF_LAST[AW-1:0]) ? {AW{1'b0}} : addr_reg + 1'b1;
            end
        end
    end

    wire out_valid;
    wire [PE*OUT_BITS-1:0] out_data;
    generate
        if (N_THRES > 0) begin : g_thr
            hwgen_thresh_search #(
                .LANES(PE), .DEPTH(DEPTH), .N_THRES(N_THRES), .THR_BITS(THR_BITS),
                .VAL_BITS(SUM_BITS), .OUT_BITS(OUT_BITS), .OUT_BIAS(OUT_BIAS), .SHARED(SHARED),
                .THRESH_FILE(THRESH_FILE), .RAM_STYLE(RAM_STYLE)
            ) u_search (
                .clk(clk), .rst(rst), .en(en), .in_valid(sum_valid_reg), .in_addr(sum_addr_reg),
                .in_data(sum_reg), .out_valid(out_valid), .out_data(out_data)
            );
        end else begin : g_raw
            assign out_valid = sum_valid_reg;
            assign out_data = sum_reg;
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_addr = ^sum_addr_reg;  // no threshold memory to address
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate

    hwgen_axis_register #(.WIDTH(PE*OUT_BITS)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(out_data), .s_axis_tvalid(out_valid), .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );
endmodule

`default_nettype wire
