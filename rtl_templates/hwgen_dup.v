// hwgen_dup: stream fork. Every input beat goes to both outputs (each with its own skid
// register); a beat is taken when both output registers have room, so one stalled consumer
// stalls the fork after two beats (the FIFO behind each output absorbs branch skew).
// One beat per clock; latency 1 cycle.
`default_nettype none

module hwgen_dup #(
    parameter integer WIDTH = 8  // tdata width in bits
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    output wire [WIDTH-1:0] m0_axis_tdata,
    output wire             m0_axis_tvalid,
    input  wire             m0_axis_tready,
    output wire [WIDTH-1:0] m1_axis_tdata,
    output wire             m1_axis_tvalid,
    input  wire             m1_axis_tready
);

    generate
        if (WIDTH < 1) begin : g_check
            $fatal(1, "hwgen_dup: WIDTH must be >= 1");
        end
    endgenerate

    wire ready0;
    wire ready1;
    // both ready signals are register outputs: no combinational path from m*_axis_tready
    assign s_axis_tready = ready0 && ready1;
    wire fire = s_axis_tvalid && ready0 && ready1;

    hwgen_axis_register #(.WIDTH(WIDTH)) u_out0 (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(fire), .s_axis_tready(ready0),
        .m_axis_tdata(m0_axis_tdata), .m_axis_tvalid(m0_axis_tvalid),
        .m_axis_tready(m0_axis_tready)
    );

    hwgen_axis_register #(.WIDTH(WIDTH)) u_out1 (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(fire), .s_axis_tready(ready1),
        .m_axis_tdata(m1_axis_tdata), .m_axis_tvalid(m1_axis_tvalid),
        .m_axis_tready(m1_axis_tready)
    );

endmodule

`default_nettype wire
