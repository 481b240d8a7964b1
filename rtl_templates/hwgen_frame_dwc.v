// hwgen_frame_dwc: frame-aware AXI-Stream width converter (any IN_W : OUT_W ratio).
//
// A frame is FRAME_BITS bits: ceil(FRAME_BITS / IN_W) input beats, the last one zero-padded, and
// ceil(FRAME_BITS / OUT_W) output beats, the last one zero-padded. Padding bits of the input are
// dropped and padding of the output is inserted (zeros), so frames of any size pass back to back
// with no bubble: at most one input and one output beat per clock. Bits travel LSB first (bit i
// of the frame is bit i mod W of beat i / W). Latency: one clock from the input beat that
// completes an output beat to that output beat. s_axis_tready and m_axis_tvalid are registers.
//
// Three structures, chosen from the parameters (the cheapest that fits):
// * split (IN_W > OUT_W, and IN_W a multiple of OUT_W or the frame one input beat): no output
//   beat straddles two input beats. A shift register of IN_W bits shifts down by OUT_W per
//   output beat (zeros in from the top: the padding), loaded from the input or from a one-beat
//   holding register that keeps the input ready a register.
// * gather (IN_W < OUT_W, and OUT_W a multiple of IN_W or the frame one output beat): each
//   input beat has a fixed slot of the output beat. Slots are written in place (per-slot write
//   enables, no multiplexer); the beat completing an output beat goes straight to the output
//   register with the slots before it, or (output stalled) into its slot, and the input stops.
// * whole (other ratios, frames of at most 2 * (IN_W + OUT_W) bits): gather the whole frame,
//   then send it from a shift register; latency one clock after the frame's last input beat.
// * general: a buffer of IN_L + OUT_L lanes of G = gcd(IN_W, OUT_W, last beat sizes) bits;
//   input lanes are written at the lane count, each output beat shifts the buffer down.
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

    localparam integer IN_LAST_IDX = IN_BEATS - 1;
    localparam integer OUT_LAST_IDX = OUT_BEATS - 1;
    localparam SPLIT = (IN_W > OUT_W) && (IN_W % OUT_W == 0 || IN_BEATS == 1);
    localparam GATHER = (IN_W < OUT_W) && (OUT_W % IN_W == 0 || OUT_BEATS == 1);
    localparam WHOLE = !SPLIT && !GATHER && (FRAME_BITS <= 2 * (IN_W + OUT_W));

    generate
        if (IN_W < 1 || OUT_W < 1 || FRAME_BITS < 1) begin : g_bad
            initial $fatal(1, "%m: hwgen_frame_dwc needs IN_W, OUT_W, FRAME_BITS >= 1");
        end
    endgenerate


    generate
    if (SPLIT) begin : g_split
        // Output beats per input beat (the frame's last input beat: NB_LAST); bits of the last
        // input beat from LAST_IN up to the end of its last output beat are zeroed (padding).
        localparam integer NB = (IN_W + OUT_W - 1) / OUT_W;
        localparam integer NB_LAST = (LAST_IN + OUT_W - 1) / OUT_W;
        localparam integer PAD_HI = (NB_LAST * OUT_W < IN_W) ? NB_LAST * OUT_W : IN_W;
        localparam integer BW = $clog2(NB + 1);
        reg [IN_W-1:0] d_reg;        // output shift register, beat 0 at the bottom
        reg [BW-1:0]   d_cnt;        // output beats left in d_reg
        reg [IN_W-1:0] h_reg;        // holding register (input taken while d_reg is busy)
        reg            h_valid, h_last;
        wire in_last;
        if (IN_BEATS > 1) begin : g_idx
            reg [ICW-1:0] in_idx_reg;
            assign in_last = (in_idx_reg == IN_LAST_IDX[ICW-1:0]);
            always @(posedge clk) begin
                if (rst) in_idx_reg <= 0;
                else if (s_axis_tvalid && !h_valid) in_idx_reg <= in_last ? 0 : in_idx_reg + 1'b1;
            end
        end else begin : g_one
            assign in_last = 1'b1;
        end
        reg [IN_W-1:0] in_data;      // the input beat, padding zeroed on the last beat
        integer k;
        always @(*) begin
            in_data = s_axis_tdata;
            for (k = LAST_IN; k < PAD_HI; k = k + 1)
                if (in_last) in_data[k] = 1'b0;
        end
        assign m_axis_tvalid = (d_cnt != 0);
        assign m_axis_tdata = d_reg[OUT_W-1:0];
        assign s_axis_tready = !h_valid;
        wire fire_in = s_axis_tvalid && !h_valid;
        wire fire_out = m_axis_tvalid && m_axis_tready;
        wire d_free = (d_cnt == 0) || (d_cnt == 1 && m_axis_tready);
        wire load_h = d_free && h_valid;
        wire load_in = d_free && fire_in;    // fire_in implies !h_valid
        wire to_h = fire_in && !d_free;
        always @(posedge clk) begin
            if (load_h) d_reg <= h_reg;
            else if (load_in) d_reg <= in_data;
            else if (fire_out) d_reg <= d_reg >> OUT_W;
            if (to_h) begin
                h_reg <= in_data;
                h_last <= in_last;
            end
            if (rst) begin
                d_cnt <= 0;
                h_valid <= 1'b0;
            end else begin
                if (load_h) d_cnt <= h_last ? NB_LAST[BW-1:0] : NB[BW-1:0];
                else if (load_in) d_cnt <= in_last ? NB_LAST[BW-1:0] : NB[BW-1:0];
                else if (fire_out) d_cnt <= d_cnt - 1'b1;
                h_valid <= h_valid ? !load_h : to_h;
            end
        end
    end else if (GATHER || WHOLE) begin : g_gather
        // Gather: input beats (slots) per output beat, and in the frame's last output beat.
        // Whole: the slots are a whole frame, sent as NB output beats from a shift register.
        localparam integer NB = WHOLE ? OUT_BEATS : 1;
        localparam integer SL = (WHOLE || OUT_BEATS == 1) ? IN_BEATS : OUT_W / IN_W;
        localparam integer SL_LAST = (WHOLE || OUT_BEATS == 1) ? IN_BEATS
                                                               : (LAST_OUT + IN_W - 1) / IN_W;
        localparam integer SW = (SL > 1) ? $clog2(SL) : 1;
        localparam integer BW = $clog2(NB + 1);
        localparam integer AB = SL * IN_W;   // slot bits (the last slot may reach past OUT_W)
        localparam integer DW = NB * OUT_W;
        localparam integer QB = (AB > DW) ? AB : DW;
        reg [AB-1:0]    a_reg;       // slots of the output beat being gathered
        reg [SW-1:0]    slot_reg;    // slot of the next input beat
        reg             a_full;      // a_reg holds a complete output beat (output stalled)
        reg [DW-1:0]    q_reg;       // output beat(s), shifted down by OUT_W per beat sent
        reg [BW-1:0]    q_cnt;       // output beats left in q_reg
        wire o_last;                 // the output beat being gathered is the frame's last
        wire [SW-1:0] top = o_last ? SL_LAST[SW-1:0] - 1'b1 : SL[SW-1:0] - 1'b1;
        wire completing = (slot_reg == top);   // this input beat completes an output beat
        wire fire_in = s_axis_tvalid && !a_full;
        if (OUT_BEATS > 1 && SL_LAST != SL) begin : g_idx
            reg [OCW-1:0] out_idx_reg;
            assign o_last = (out_idx_reg == OUT_LAST_IDX[OCW-1:0]);
            always @(posedge clk) begin
                if (rst) out_idx_reg <= 0;
                else if (fire_in && completing) out_idx_reg <= o_last ? 0 : out_idx_reg + 1'b1;
            end
        end else begin : g_same
            assign o_last = 1'b1;    // every output beat has SL slots
        end
        wire in_last = o_last && completing;
        reg [IN_W-1:0] in_data;
        integer k;
        always @(*) begin
            in_data = s_axis_tdata;
            for (k = LAST_IN; k < IN_W; k = k + 1)
                if (in_last) in_data[k] = 1'b0;
        end
        assign s_axis_tready = !a_full;
        assign m_axis_tvalid = (q_cnt != 0);
        assign m_axis_tdata = q_reg[OUT_W-1:0];
        wire q_free = (q_cnt == 0) || (q_cnt == 1 && m_axis_tready);
        wire bypass = fire_in && completing && q_free;   // complete beat straight to q_reg
        wire from_a = a_full && q_free;
        // q_reg's next value on a bypass: the slots gathered so far, the input in slot top
        wire [QB-1:0] a_ext = {{(QB-AB){1'b0}}, a_reg};
        /* verilator lint_off UNUSEDSIGNAL */
        reg  [QB-1:0] q_next;        // bits past DW: the last slot's part outside the beats
        /* verilator lint_on UNUSEDSIGNAL */
        integer j, w;
        always @(*) begin
            q_next = a_ext;
            for (j = 0; j < SL; j = j + 1)
                if (j == SL - 1 || j == SL_LAST - 1)
                    if ({{(32-SW){1'b0}}, top} == j) q_next[j*IN_W +: IN_W] = in_data;
        end
        always @(posedge clk) begin
            if (bypass) q_reg <= q_next[DW-1:0];
            else if (from_a) q_reg <= a_ext[DW-1:0];
            else if (NB > 1 && m_axis_tvalid && m_axis_tready) q_reg <= q_reg >> OUT_W;
            for (w = 0; w < SL; w = w + 1) begin
                if (fire_in && !bypass && {{(32-SW){1'b0}}, slot_reg} == w)
                    a_reg[w*IN_W +: IN_W] <= in_data;
                else if ((bypass || from_a) && w >= SL_LAST)
                    a_reg[w*IN_W +: IN_W] <= {IN_W{1'b0}};   // slots the last beat leaves empty
            end
            if (rst) begin
                slot_reg <= 0;
                a_full <= 1'b0;
                q_cnt <= 0;
            end else begin
                if (fire_in) slot_reg <= completing ? {SW{1'b0}} : slot_reg + 1'b1;
                if (bypass || from_a) q_cnt <= NB[BW-1:0];
                else if (m_axis_tvalid && m_axis_tready) q_cnt <= q_cnt - 1'b1;
                if (fire_in && completing && !q_free) a_full <= 1'b1;
                else if (from_a) a_full <= 1'b0;
            end
        end
    end else begin : g_general
        reg  [BUF_L*G-1:0] buf_reg;
        reg  [CW-1:0]      cnt_reg;      // valid lanes in buf_reg
        reg  [ICW-1:0]     in_idx_reg;   // input beat index within the frame
        reg  [OCW-1:0]     out_idx_reg;  // output beat index within the frame

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
    end
    endgenerate
endmodule

`default_nettype wire
