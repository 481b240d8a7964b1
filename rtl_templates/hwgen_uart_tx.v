// hwgen_uart_tx: AXI-Stream of BYTES-byte words to a UART transmitter (8N1).
//
// Each word is sent as BYTES bytes, bits [7:0] first (the little-endian stream-word layout of
// DESIGN.md 3a); each byte is a start bit (0), 8 data bits LSB first and a stop bit (1), each
// CLKS_PER_BIT clocks long (baud = clock / CLKS_PER_BIT). s_axis_tready is high while the
// transmitter is idle (a registered signal), so a word is taken one clock after the previous
// word's last stop bit ends and back-to-back words leave no gap but that clock.
`default_nettype none

module hwgen_uart_tx #(
    parameter integer CLKS_PER_BIT = 17,  // clock cycles per bit (clock / baud, rounded)
    parameter integer BYTES = 4           // bytes per input word
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [8*BYTES-1:0] s_axis_tdata,
    input  wire               s_axis_tvalid,
    output wire               s_axis_tready,
    output wire               txd
);
    localparam integer NBITS = 10 * BYTES;        // line bits per word
    localparam integer CW = $clog2(CLKS_PER_BIT + 1);
    localparam integer NW = $clog2(NBITS + 1);
    localparam integer FULL_I = CLKS_PER_BIT - 1;
    localparam integer LAST_I = NBITS - 1;
    localparam [CW-1:0] FULL_BIT = FULL_I[CW-1:0];
    localparam [NW-1:0] LAST_BIT = LAST_I[NW-1:0];

    generate
        if (CLKS_PER_BIT < 2 || BYTES < 1) begin : g_check
            $fatal(1, "hwgen_uart_tx: need CLKS_PER_BIT >= 2 and BYTES >= 1");
        end
    endgenerate

    reg busy_reg;
    reg [CW-1:0] tick_reg;          // clocks left in the current bit
    reg [NW-1:0] bit_reg;           // line bit index within the word
    reg [NBITS-1:0] shift_reg;      // line bits still to send, next one in bit 0
    reg txd_reg;
    reg [NBITS-1:0] line_bits;      // the word as line bits: per byte {stop, data, start}

    integer b;
    always @* begin
        for (b = 0; b < BYTES; b = b + 1) begin
            line_bits[10*b +: 10] = {1'b1, s_axis_tdata[8*b +: 8], 1'b0};
        end
    end

    wire load = s_axis_tvalid && !busy_reg;
    assign s_axis_tready = !busy_reg;
    assign txd = txd_reg;

    always @(posedge clk) begin
        if (load) begin
            shift_reg <= line_bits >> 1;
        end else if (busy_reg && tick_reg == 0) begin
            shift_reg <= shift_reg >> 1;
        end
        if (rst) begin
            busy_reg <= 1'b0;
            tick_reg <= 0;
            bit_reg <= 0;
            txd_reg <= 1'b1;
        end else if (load) begin
            busy_reg <= 1'b1;
            tick_reg <= FULL_BIT;
            bit_reg <= 0;
            txd_reg <= 1'b0;                // start bit of byte 0
        end else if (busy_reg) begin
            if (tick_reg != 0) begin
                tick_reg <= tick_reg - 1'b1;
            end else if (bit_reg == LAST_BIT) begin
                busy_reg <= 1'b0;
                txd_reg <= 1'b1;
            end else begin
                tick_reg <= FULL_BIT;
                bit_reg <= bit_reg + 1'b1;
                txd_reg <= shift_reg[0];
            end
        end
    end
endmodule

`default_nettype wire
