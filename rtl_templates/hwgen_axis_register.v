// hwgen_axis_register: AXI-Stream skid buffer (register slice), full throughput.
// s_axis_tready is a register output, so no combinational path runs from m_axis_tready
// to s_axis_tready. Latency: 1 cycle. Capacity: 2 beats.
`default_nettype none

module hwgen_axis_register #(
    parameter integer WIDTH = 8  // tdata width in bits
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
);

    generate
        if (WIDTH < 1) begin : g_check
            $fatal(1, "hwgen_axis_register: WIDTH must be >= 1");
        end
    endgenerate

    reg [WIDTH-1:0] out_data_reg;
    reg             out_valid_reg;
    reg [WIDTH-1:0] skid_data_reg;
    reg             skid_valid_reg;

    // ready while the skid register is empty
    assign s_axis_tready = !skid_valid_reg;
    assign m_axis_tdata  = out_data_reg;
    assign m_axis_tvalid = out_valid_reg;

    wire s_fire = s_axis_tvalid && !skid_valid_reg;
    wire out_free = !out_valid_reg || m_axis_tready;

    always @(posedge clk) begin
        if (out_free) begin
            if (skid_valid_reg) begin
                out_data_reg <= skid_data_reg;
            end else if (s_fire) begin
                out_data_reg <= s_axis_tdata;
            end
        end else if (s_fire) begin
            skid_data_reg <= s_axis_tdata;
        end
        if (rst) begin
            out_valid_reg  <= 1'b0;
            skid_valid_reg <= 1'b0;
        end else if (out_free) begin
            out_valid_reg  <= skid_valid_reg || s_fire;
            skid_valid_reg <= 1'b0;
        end else if (s_fire) begin
            skid_valid_reg <= 1'b1;
        end
    end

endmodule

`default_nettype wire
