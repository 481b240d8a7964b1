// hwgen_fifo: synchronous AXI-Stream FIFO, DEPTH entries of WIDTH bits, full throughput.
//
// Storage is a plain array (LUTRAM for small depths, BRAM when RAM_STYLE says so or Yosys
// infers it) read through an output register: first word out 2 clocks after it enters.
// DEPTH = 0 or 1 degenerates to a single-entry register stage.
`default_nettype none

module hwgen_fifo #(
    parameter integer WIDTH = 8,       // data width in bits
    parameter integer DEPTH = 16,      // entries (any value >= 2)
    /* verilator lint_off UNUSEDPARAM */
    parameter         RAM_STYLE = "auto"  // storage: auto, distributed, block (a synthesis attribute)
    /* verilator lint_on UNUSEDPARAM */
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
    localparam integer D = (DEPTH < 2) ? 2 : DEPTH;
    localparam integer AW = $clog2(D);
    localparam integer D_LAST = D - 1;

    (* ram_style = RAM_STYLE *) reg [WIDTH-1:0] mem [0:D-1];
    reg [AW-1:0] wr_reg, rd_reg;
    reg [AW:0] count_reg;          // words in mem
    reg [WIDTH-1:0] out_reg;
    reg out_valid_reg;

    wire empty = (count_reg == 0);
    wire full = (count_reg == D[AW:0]);
    wire out_take = !out_valid_reg || m_axis_tready;   // output register can load
    wire rd = out_take && !empty;
    wire wr = s_axis_tvalid && !full;

    assign s_axis_tready = !full;
    assign m_axis_tdata = out_reg;
    assign m_axis_tvalid = out_valid_reg;

    always @(posedge clk) begin
        if (wr) mem[wr_reg] <= s_axis_tdata;
        if (rd) out_reg <= mem[rd_reg];
        if (rst) begin
            wr_reg <= 0;
            rd_reg <= 0;
            count_reg <= 0;
            out_valid_reg <= 1'b0;
        end else begin
            if (wr) wr_reg <= (wr_reg == D_LAST[AW-1:0]) ? {AW{1'b0}} : wr_reg + 1'b1;
            if (rd) rd_reg <= (rd_reg == D_LAST[AW-1:0]) ? {AW{1'b0}} : rd_reg + 1'b1;
            count_reg <= count_reg + {{AW{1'b0}}, wr} - {{AW{1'b0}}, rd};
            if (out_take) out_valid_reg <= !empty;
        end
    end
endmodule

`default_nettype wire
