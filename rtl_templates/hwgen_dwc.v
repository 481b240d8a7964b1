// hwgen_dwc: AXI-Stream data width converter for any IN_WIDTH / OUT_WIDTH ratio (not
// frame-aware). Bits flow LSB first: input beat bits are appended above the bits already
// held, and each output beat takes the lowest OUT_WIDTH bits, so lane order is kept.
// Holds up to IN_WIDTH + OUT_WIDTH + min(IN_WIDTH, OUT_WIDTH) bits, which gives full
// throughput on the narrower side with handshake outputs that are functions of the bit
// count register only (no combinational ready path). Latency 1.
`default_nettype none

module hwgen_dwc #(
    parameter integer IN_WIDTH  = 32,  // input tdata width
    parameter integer OUT_WIDTH = 8    // output tdata width
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire [IN_WIDTH-1:0]  s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    output wire [OUT_WIDTH-1:0] m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
);

    localparam integer CAP = IN_WIDTH + OUT_WIDTH + ((IN_WIDTH < OUT_WIDTH) ? IN_WIDTH : OUT_WIDTH);
    localparam integer ROOM = CAP - IN_WIDTH;    // accept input while count <= ROOM
    localparam integer NW = $clog2(CAP + 1);
    localparam [NW-1:0] OUT_N = OUT_WIDTH[NW-1:0];
    localparam [NW-1:0] IN_N = IN_WIDTH[NW-1:0];
    localparam [NW-1:0] ROOM_N = ROOM[NW-1:0];

    generate
        if (IN_WIDTH < 1 || OUT_WIDTH < 1) begin : g_check
            $fatal(1, "hwgen_dwc: IN_WIDTH and OUT_WIDTH must be >= 1");
        end
    endgenerate

    reg [CAP-1:0] data_reg;
    reg [NW-1:0] count_reg;      // valid bits in data_reg, from bit 0

    assign s_axis_tready = (count_reg <= ROOM_N);
    assign m_axis_tvalid = (count_reg >= OUT_N);
    assign m_axis_tdata = data_reg[OUT_WIDTH-1:0];

    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire out_fire = m_axis_tvalid && m_axis_tready;
    wire [NW-1:0] kept = out_fire ? count_reg - OUT_N : count_reg;
    wire [CAP-1:0] shifted = out_fire ? (data_reg >> OUT_WIDTH) : data_reg;
    wire [CAP-1:0] keep_mask = ~({CAP{1'b1}} << kept);
    wire [CAP-1:0] in_ext = {{ROOM{1'b0}}, s_axis_tdata};

    always @(posedge clk) begin
        if (in_fire) begin
            data_reg <= (shifted & keep_mask) | (in_ext << kept);
        end else begin
            data_reg <= shifted;
        end
        if (rst) begin
            count_reg <= {NW{1'b0}};
        end else begin
            count_reg <= kept + (in_fire ? IN_N : {NW{1'b0}});
        end
    end

endmodule

`default_nettype wire
