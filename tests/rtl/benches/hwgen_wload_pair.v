// Test-only top (tests/rtl/test_wload.py): two hwgen_wload segments on one load stream, as a
// generated top wires them (tready ORed, s_fire the stream's handshake), each word into an
// output skid so that every handshake output of this top is a register (the bench samples
// them on the falling edge). Segment A takes words 0..WORDS_A-1, B the rest: B is the
// image's last segment.
`default_nettype none

module hwgen_wload_pair #(
    parameter integer IN_W    = 16,
    parameter integer OUT_W   = 40,
    parameter integer WORDS_A = 3,
    parameter integer WORDS_B = 2
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [IN_W-1:0]  s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    output wire [OUT_W-1:0] a_axis_tdata,
    output wire             a_axis_tvalid,
    input  wire             a_axis_tready,
    output wire [OUT_W-1:0] b_axis_tdata,
    output wire             b_axis_tvalid,
    input  wire             b_axis_tready
);
    localparam integer BPW = (OUT_W + IN_W - 1) / IN_W;
    localparam integer TOTAL = (WORDS_A + WORDS_B) * BPW;

    wire ready_a, ready_b, valid_a, valid_b, skid_a, skid_b;
    wire [OUT_W-1:0] data_a, data_b;
    assign s_axis_tready = ready_a | ready_b;
    wire fire = s_axis_tvalid && s_axis_tready;

    hwgen_wload #(.IN_W(IN_W), .OUT_W(OUT_W), .WORDS(WORDS_A), .START(0), .TOTAL(TOTAL)) u_a (
        .clk(clk), .rst(rst), .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid),
        .s_tready(ready_a), .s_fire(fire), .m_tdata(data_a), .m_tvalid(valid_a),
        .m_tready(skid_a)
    );
    hwgen_wload #(.IN_W(IN_W), .OUT_W(OUT_W), .WORDS(WORDS_B), .START(WORDS_A * BPW),
                  .TOTAL(TOTAL)) u_b (
        .clk(clk), .rst(rst), .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid),
        .s_tready(ready_b), .s_fire(fire), .m_tdata(data_b), .m_tvalid(valid_b),
        .m_tready(skid_b)
    );
    hwgen_axis_register #(.WIDTH(OUT_W)) u_skid_a (
        .clk(clk), .rst(rst), .s_axis_tdata(data_a), .s_axis_tvalid(valid_a),
        .s_axis_tready(skid_a), .m_axis_tdata(a_axis_tdata), .m_axis_tvalid(a_axis_tvalid),
        .m_axis_tready(a_axis_tready)
    );
    hwgen_axis_register #(.WIDTH(OUT_W)) u_skid_b (
        .clk(clk), .rst(rst), .s_axis_tdata(data_b), .s_axis_tvalid(valid_b),
        .s_axis_tready(skid_b), .m_axis_tdata(b_axis_tdata), .m_axis_tvalid(b_axis_tvalid),
        .m_axis_tready(b_axis_tready)
    );
endmodule

`default_nettype wire
