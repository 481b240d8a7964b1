// hwgen_frame_dwc: frame-aware AXI-Stream width converter (any IN_W : OUT_W ratio).
//
// A frame is FRAME_BITS bits: ceil(FRAME_BITS / IN_W) input beats, the last one zero-padded, and
// ceil(FRAME_BITS / OUT_W) output beats, the last one zero-padded. Padding bits of the input are
// dropped and padding of the output is inserted, so frames of any size pass back to back with
// no bubble: at most one input and one output beat per clock. Bits travel LSB first (bit i of the
// frame is bit i mod W of beat i / W). The buffer works in lanes of G = gcd(IN_W, OUT_W, last
// beat sizes) bits, so the write position is a lane index, not an arbitrary bit offset.
// Latency: one clock from the input beat that completes an output beat to that output beat.
`default_nettype none

module hwgen_frame_dwc #(
    parameter integer IN_W = 64,        // input beat width in bits
    parameter integer OUT_W = 392,      // output beat width in bits
    parameter integer FRAME_BITS = 6272 // payload bits per frame
) (
    input  wire              clk,
    input  wire              rst,
    input  wire [IN_W-1:0]   s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,
    output wire [OUT_W-1:0]  m_axis_tdata,
    output wire              m_axis_tvalid,
    input  wire              m_axis_tready
);
    function integer gcd(input integer a, input integer b);
        integer x, y, t;
        begin
            x = a; y = b;
            while (y != 0) begin t = x % y; x = y; y = t; end
            gcd = x;
        end
    endfunction
    localparam integer IN_BEATS = (FRAME_BITS + IN_W - 1) / IN_W;
    localparam integer OUT_BEATS = (FRAME_BITS + OUT_W - 1) / OUT_W;
    localparam integer LAST_IN = FRAME_BITS - (IN_BEATS - 1) * IN_W;    // valid bits, last input beat
    localparam integer LAST_OUT = FRAME_BITS - (OUT_BEATS - 1) * OUT_W; // payload bits, last output beat
    localparam integer G = gcd(gcd(IN_W, OUT_W), gcd(LAST_IN, LAST_OUT));
    localparam integer IN_L = IN_W / G;            // lanes per input beat
    localparam integer OUT_L = OUT_W / G;          // lanes per output beat
    localparam integer LAST_IN_L = LAST_IN / G;
    localparam integer LAST_OUT_L = LAST_OUT / G;
    localparam integer BUF_L = IN_L + OUT_L;       // enough to sustain one beat per clock each way
    localparam integer CW = $clog2(BUF_L + 1);
    localparam integer ICW = $clog2(IN_BEATS + 1);
    localparam integer OCW = $clog2(OUT_BEATS + 1);

    generate
        if (IN_W < 1 || OUT_W < 1 || FRAME_BITS < 1) begin : g_bad
            initial $fatal(1, "%m: hwgen_frame_dwc needs IN_W, OUT_W, FRAME_BITS >= 1");
        end
    endgenerate

    reg  [BUF_L*G-1:0] buf_reg;
    reg  [CW-1:0]      cnt_reg;      // valid lanes in buf_reg
    reg  [ICW-1:0]     in_idx_reg;   // input beat index within the frame
    reg  [OCW-1:0]     out_idx_reg;  // output beat index within the frame

    localparam integer IN_LAST_IDX = IN_BEATS - 1;
    localparam integer OUT_LAST_IDX = OUT_BEATS - 1;
    localparam integer ROOM = BUF_L - IN_L;        // accept while cnt_a <= ROOM
    wire last_in = (in_idx_reg == IN_LAST_IDX[ICW-1:0]);
    wire last_out = (out_idx_reg == OUT_LAST_IDX[OCW-1:0]);
    wire [CW-1:0] take = last_out ? LAST_OUT_L[CW-1:0] : OUT_L[CW-1:0];
    wire [CW-1:0] add = last_in ? LAST_IN_L[CW-1:0] : IN_L[CW-1:0];

    assign m_axis_tvalid = (cnt_reg >= take);
    wire fire_out = m_axis_tvalid && m_axis_tready;

    wire [CW-1:0] cnt_a = fire_out ? cnt_reg - take : cnt_reg;
    wire [BUF_L*G-1:0] buf_a = !fire_out ? buf_reg
                             : last_out ? (buf_reg >> LAST_OUT) : (buf_reg >> OUT_W);

    assign s_axis_tready = (cnt_a <= ROOM[CW-1:0]);
    wire fire_in = s_axis_tvalid && s_axis_tready;

    // Output: the last beat of a frame shows only its payload lanes, zeros above.
    wire [OUT_W-1:0] out_mask = last_out ? {{(OUT_W-LAST_OUT){1'b0}}, {LAST_OUT{1'b1}}}
                                         : {OUT_W{1'b1}};
    assign m_axis_tdata = buf_reg[OUT_W-1:0] & out_mask;

    // Write the input lanes at lane position cnt_a (lanes above cnt_a + add are don't-care).
    reg [BUF_L*G-1:0] buf_next;
    integer k, pos;
    always @(*) begin
        buf_next = buf_a;
        pos = {{(32-CW){1'b0}}, cnt_a};
        for (k = 0; k < BUF_L; k = k + 1) begin
            if (fire_in && k >= pos && k < pos + IN_L)
                buf_next[k*G +: G] = s_axis_tdata[(k - pos)*G +: G];
        end
    end

    always @(posedge clk) begin
        buf_reg <= buf_next;
        if (rst) begin
            cnt_reg <= 0;
            in_idx_reg <= 0;
            out_idx_reg <= 0;
        end else begin
            cnt_reg <= fire_in ? cnt_a + add : cnt_a;
            if (fire_in) in_idx_reg <= last_in ? 0 : in_idx_reg + 1'b1;
            if (fire_out) out_idx_reg <= last_out ? 0 : out_idx_reg + 1'b1;
        end
    end
endmodule

`default_nettype wire
