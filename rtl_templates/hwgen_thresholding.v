// hwgen_thresholding: standalone multi-threshold unit on a stream of CHANNELS-channel pixels.
//
// PE channels per beat; each lane outputs OUT_BIAS + #{k : x >= T[c][k]} as OUT_BITS bits.
// Thresholds per channel (word nf holds channels nf*PE .. nf*PE+PE-1) or one shared set
// (SHARED = 1); layout in hwgen_thresh_search and hwgen/backend/memfiles.py. Implemented as
// the pipelined binary search of hwgen_thresh_search (clog2(N_THRES+1) compare stages), the
// whole pipeline stalling while the output register is full: one beat per clock otherwise,
// CHANNELS/PE * pixels cycles per frame, latency clog2(N_THRES+1) + 2 clocks.
`default_nettype none

module hwgen_thresholding #(
    parameter integer CHANNELS    = 8,      // channels per pixel
    parameter integer PE          = 1,      // channels per beat, CHANNELS % PE == 0
    parameter integer N_THRES     = 1,      // thresholds per channel, 1..255
    parameter integer IN_BITS     = 8,      // input element width
    parameter integer IN_SIGNED   = 0,      // 1: inputs are two's complement
    parameter integer THR_BITS    = 9,      // threshold width (signed)
    parameter integer OUT_BITS    = 1,      // output element width
    parameter integer OUT_BIAS    = 0,      // added to the count (two's complement out)
    parameter integer SHARED      = 0,      // 1: one threshold set for every channel
    parameter         THRESH_FILE = "thresholds.mem",  // $readmemh file, CHANNELS/PE words
    parameter         RAM_STYLE   = "auto"  // threshold memory style
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire [PE*IN_BITS-1:0]    s_axis_tdata,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,
    output wire [PE*OUT_BITS-1:0]   m_axis_tdata,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready
);
    localparam integer NF = CHANNELS / PE;
    localparam integer DEPTH = (SHARED != 0) ? 1 : NF;
    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer VAL_BITS = (IN_SIGNED != 0) ? IN_BITS : IN_BITS + 1;
    localparam integer NF_LAST = NF - 1;

    generate
        if (CHANNELS % PE != 0) begin : g_check_pe
            $fatal(1, "hwgen_thresholding: CHANNELS %% PE must be 0");
        end
    endgenerate

    // the whole pipeline advances while the output register has room (a registered ready)
    wire en;
    assign s_axis_tready = en;

    reg [AW-1:0] addr_reg;
    always @(posedge clk) begin
        if (rst) begin
            addr_reg <= {AW{1'b0}};
        end else if (en && s_axis_tvalid && DEPTH > 1) begin
            addr_reg <= (addr_reg == NF_LAST[AW-1:0]) ? {AW{1'b0}} : addr_reg + 1'b1;
        end
    end

    // widen each lane to a signed value
    wire [PE*VAL_BITS-1:0] vals;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            if (IN_SIGNED != 0) begin : g_s
                assign vals[p*VAL_BITS +: VAL_BITS] = s_axis_tdata[p*IN_BITS +: IN_BITS];
            end else begin : g_u
                assign vals[p*VAL_BITS +: VAL_BITS] = {1'b0, s_axis_tdata[p*IN_BITS +: IN_BITS]};
            end
        end
    endgenerate

    wire out_valid;
    wire [PE*OUT_BITS-1:0] out_data;
    hwgen_thresh_search #(
        .LANES(PE), .DEPTH(DEPTH), .N_THRES(N_THRES), .THR_BITS(THR_BITS),
        .VAL_BITS(VAL_BITS), .OUT_BITS(OUT_BITS), .OUT_BIAS(OUT_BIAS), .SHARED(SHARED),
        .THRESH_FILE(THRESH_FILE), .RAM_STYLE(RAM_STYLE)
    ) u_search (
        .clk(clk), .rst(rst), .en(en), .in_valid(s_axis_tvalid), .in_addr(addr_reg),
        .in_data(vals), .out_valid(out_valid), .out_data(out_data)
    );

    hwgen_axis_register #(.WIDTH(PE*OUT_BITS)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(out_data), .s_axis_tvalid(out_valid), .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );
endmodule

`default_nettype wire
