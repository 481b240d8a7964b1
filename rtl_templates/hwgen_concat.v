// hwgen_concat: channel concatenation of two NHWC streams (DESIGN.md 3b). For every pixel it
// emits C0/PE beats of input 0, then C1/PE beats of input 1 (PE elements per beat on all three
// streams; the codes of both inputs must mean the same values). Both inputs and the output are
// skid-buffered; one beat per clock, (C0 + C1)/PE cycles per pixel.
`default_nettype none

module hwgen_concat #(
    parameter integer C0   = 4,  // channels per pixel of input 0
    parameter integer C1   = 4,  // channels per pixel of input 1
    parameter integer PE   = 1,  // elements per beat, divides C0 and C1
    parameter integer BITS = 4   // element width
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire [PE*BITS-1:0]   s0_axis_tdata,
    input  wire                 s0_axis_tvalid,
    output wire                 s0_axis_tready,
    input  wire [PE*BITS-1:0]   s1_axis_tdata,
    input  wire                 s1_axis_tvalid,
    output wire                 s1_axis_tready,
    output wire [PE*BITS-1:0]   m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
);
    localparam integer W = PE * BITS;
    localparam integer B0 = C0 / PE;          // beats of input 0 per pixel
    localparam integer BT = (C0 + C1) / PE;   // beats out per pixel
    localparam integer CW = $clog2(BT + 1);
    localparam [CW-1:0] B0_W = B0[CW-1:0];
    localparam [CW-1:0] LAST_W = BT[CW-1:0] - 1'b1;

    generate
        if (C0 % PE != 0 || C1 % PE != 0 || PE < 1) begin : g_check
            $fatal(1, "hwgen_concat: PE must divide C0 and C1");
        end
    endgenerate

    wire [W-1:0] d0;
    wire [W-1:0] d1;
    wire v0;
    wire v1;
    wire out_ready;
    reg [CW-1:0] beat_reg;
    wire from1 = beat_reg >= B0_W;
    wire take0 = !from1 && v0 && out_ready;
    wire take1 = from1 && v1 && out_ready;
    wire fire = take0 || take1;

    always @(posedge clk) begin
        if (rst) begin
            beat_reg <= {CW{1'b0}};
        end else if (fire) begin
            beat_reg <= (beat_reg == LAST_W) ? {CW{1'b0}} : beat_reg + 1'b1;
        end
    end

    hwgen_axis_register #(.WIDTH(W)) u_in0 (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s0_axis_tdata), .s_axis_tvalid(s0_axis_tvalid),
        .s_axis_tready(s0_axis_tready),
        .m_axis_tdata(d0), .m_axis_tvalid(v0), .m_axis_tready(take0)
    );

    hwgen_axis_register #(.WIDTH(W)) u_in1 (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s1_axis_tdata), .s_axis_tvalid(s1_axis_tvalid),
        .s_axis_tready(s1_axis_tready),
        .m_axis_tdata(d1), .m_axis_tvalid(v1), .m_axis_tready(take1)
    );

    hwgen_axis_register #(.WIDTH(W)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(from1 ? d1 : d0), .s_axis_tvalid(fire), .s_axis_tready(out_ready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
