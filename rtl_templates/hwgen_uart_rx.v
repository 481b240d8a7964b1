// hwgen_uart_rx: UART receiver (8N1) to an AXI-Stream of BYTES-byte words with tlast.
//
// The line idles high; a byte is a start bit (0), 8 data bits LSB first and a stop bit (1),
// each CLKS_PER_BIT clocks long (baud = clock / CLKS_PER_BIT, >= 4 clocks per bit). The input
// passes a two-flop synchronizer; each bit is sampled once, in its middle. Bytes fill a word
// LSB first: the first byte received lands in bits [7:0], byte k in bits [8k+7:8k] (the
// little-endian stream-word layout of DESIGN.md 3a). Every FRAME_WORDS-th word carries
// m_axis_tlast. A UART cannot be stopped, so the word waits in one output register: if it has
// not been taken when the next word completes, the new word is dropped and `overflow` is set
// (sticky until reset); a missing stop bit sets `framing_error` (sticky) and the byte is kept.
// The host keeps a bounded number of bytes in flight, so neither happens in use.
`default_nettype none

module hwgen_uart_rx #(
    parameter integer CLKS_PER_BIT = 17,  // clock cycles per bit (clock / baud, rounded)
    parameter integer BYTES = 4,          // bytes per output word
    parameter integer FRAME_WORDS = 1     // words per frame (tlast on the last)
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               rxd,
    output wire [8*BYTES-1:0] m_axis_tdata,
    output wire               m_axis_tvalid,
    input  wire               m_axis_tready,
    output wire               m_axis_tlast,
    output wire               overflow,
    output wire               framing_error
);
    localparam integer CW = $clog2(CLKS_PER_BIT + 1);
    localparam integer BW = (BYTES > 1) ? $clog2(BYTES) : 1;
    localparam integer FW = (FRAME_WORDS > 1) ? $clog2(FRAME_WORDS) : 1;
    localparam integer FULL_I = CLKS_PER_BIT - 1;
    localparam integer HALF_I = CLKS_PER_BIT / 2 - 1;
    localparam integer LAST_BYTE_I = BYTES - 1;
    localparam integer LAST_WORD_I = FRAME_WORDS - 1;
    localparam [CW-1:0] FULL_BIT = FULL_I[CW-1:0];
    localparam [CW-1:0] HALF_BIT = HALF_I[CW-1:0];
    localparam [BW-1:0] LAST_BYTE = LAST_BYTE_I[BW-1:0];
    localparam [FW-1:0] LAST_WORD = LAST_WORD_I[FW-1:0];

    generate
        if (CLKS_PER_BIT < 4 || BYTES < 1 || FRAME_WORDS < 1) begin : g_check
            $fatal(1, "hwgen_uart_rx: need CLKS_PER_BIT >= 4, BYTES >= 1, FRAME_WORDS >= 1");
        end
    endgenerate

    reg [1:0] sync_reg;             // two-flop synchronizer, idles high
    reg busy_reg;                   // inside a byte (start bit seen)
    reg [CW-1:0] tick_reg;          // clocks left until the next sample
    reg [3:0] bit_reg;              // 0 start, 1..8 data, 9 stop
    reg [7:0] shift_reg;
    reg [BW-1:0] byte_reg;          // byte index within the word
    /* verilator lint_off UNUSEDSIGNAL */
    reg [8*BYTES-1:0] word_reg;     // bytes received so far, the newest on top (bits [7:0] unused)
    /* verilator lint_on UNUSEDSIGNAL */
    reg [8*BYTES-1:0] out_reg;
    reg out_valid_reg, out_last_reg;
    reg [FW-1:0] word_cnt_reg;      // word index within the frame
    reg overflow_reg, framing_reg;

    wire line = sync_reg[1];
    wire sample = busy_reg && (tick_reg == 0);
    wire byte_done = sample && (bit_reg == 4'd9);
    wire word_done = byte_done && (byte_reg == LAST_BYTE);
    wire take = out_valid_reg && m_axis_tready;
    wire [8*BYTES-1:0] word_full;

    generate
        if (BYTES > 1) begin : g_word
            assign word_full = {shift_reg, word_reg[8*BYTES-1:8]};
        end else begin : g_byte
            assign word_full = shift_reg;
        end
    endgenerate

    assign m_axis_tdata = out_reg;
    assign m_axis_tvalid = out_valid_reg;
    assign m_axis_tlast = out_last_reg;
    assign overflow = overflow_reg;
    assign framing_error = framing_reg;

    always @(posedge clk) begin
        sync_reg <= {sync_reg[0], rxd};
        if (sample && bit_reg >= 4'd1 && bit_reg <= 4'd8) begin
            shift_reg <= {line, shift_reg[7:1]};
        end
        // bytes enter at the top and shift down: after BYTES bytes the first is in [7:0]
        if (byte_done) word_reg <= word_full;
        if (word_done && !(out_valid_reg && !take)) begin
            out_reg <= word_full;
            out_last_reg <= (word_cnt_reg == LAST_WORD);
        end
        if (rst) begin
            sync_reg <= 2'b11;
            busy_reg <= 1'b0;
            tick_reg <= 0;
            bit_reg <= 4'd0;
            byte_reg <= 0;
            word_cnt_reg <= 0;
            out_valid_reg <= 1'b0;
            overflow_reg <= 1'b0;
            framing_reg <= 1'b0;
        end else begin
            if (!busy_reg) begin
                if (!line) begin            // start bit edge: sample its middle first
                    busy_reg <= 1'b1;
                    tick_reg <= HALF_BIT;
                    bit_reg <= 4'd0;
                end
            end else if (tick_reg != 0) begin
                tick_reg <= tick_reg - 1'b1;
            end else begin
                tick_reg <= FULL_BIT;
                bit_reg <= bit_reg + 1'b1;
                if (bit_reg == 4'd0 && line) busy_reg <= 1'b0;   // a glitch, not a start bit
                if (bit_reg == 4'd9) begin
                    busy_reg <= 1'b0;       // back to idle in the middle of the stop bit
                    if (!line) framing_reg <= 1'b1;
                    byte_reg <= (byte_reg == LAST_BYTE) ? {BW{1'b0}} : byte_reg + 1'b1;
                end
            end
            if (word_done) begin
                if (out_valid_reg && !take) begin
                    overflow_reg <= 1'b1;
                end else begin
                    out_valid_reg <= 1'b1;
                    word_cnt_reg <= (word_cnt_reg == LAST_WORD) ? {FW{1'b0}} : word_cnt_reg + 1'b1;
                end
            end else if (take) begin
                out_valid_reg <= 1'b0;
            end
        end
    end
endmodule

`default_nettype wire
