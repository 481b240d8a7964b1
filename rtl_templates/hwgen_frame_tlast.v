// hwgen_frame_tlast: carries AXI-Stream tlast across a pipeline that does not transport it.
//
// The pipeline moves frames of IN_BEATS input beats and OUT_BEATS output beats. At the last
// input beat of each frame the tlast seen there is pushed into a small flag FIFO; the last
// output beat of the matching frame shows it on out_tlast and pops it. So an output frame ends
// with tlast exactly when its input frame did (a DMA sets tlast once per batch, a simulator on
// every frame). When DEPTH frames are in flight, the input stalls at its next frame end.
`default_nettype none

module hwgen_frame_tlast #(
    parameter integer IN_BEATS = 1,   // input beats per frame
    parameter integer OUT_BEATS = 1,  // output beats per frame
    parameter integer DEPTH = 32      // frames in flight tracked (power of two)
) (
    input  wire clk,
    input  wire rst,
    input  wire in_valid,      // input stream tvalid
    input  wire in_last,       // input stream tlast
    input  wire core_ready,    // tready of the pipeline input
    output wire in_ready,      // tready presented to the outside
    input  wire out_fire,      // output beat accepted (tvalid && tready)
    output wire out_last       // tlast for the current output beat
);
    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer ICW = $clog2(IN_BEATS + 1);
    localparam integer OCW = $clog2(OUT_BEATS + 1);
    localparam integer IN_LAST_IDX = IN_BEATS - 1;
    localparam integer OUT_LAST_IDX = OUT_BEATS - 1;

    generate
        if ((1 << AW) != DEPTH || DEPTH < 2) begin : g_bad
            initial $fatal(1, "%m: hwgen_frame_tlast DEPTH must be a power of two >= 2");
        end
    endgenerate

    // The flags are a shift register (newest at bit 0) read at the oldest entry, so synthesis
    // maps them to shift-register LUTs (one SRLC32E per 32 frames) instead of flip-flops with
    // a write decoder and a read multiplexer. old_reg = entries - 1 (all ones when empty).
    reg [DEPTH-1:0] flags_reg;
    reg [AW:0]      old_reg;
    reg [ICW-1:0]   in_idx_reg;
    reg [OCW-1:0]   out_idx_reg;

    wire in_at_last = (in_idx_reg == IN_LAST_IDX[ICW-1:0]);
    wire out_at_last = (out_idx_reg == OUT_LAST_IDX[OCW-1:0]);
    wire empty = old_reg[AW];
    localparam integer FULL_IDX = DEPTH - 1;
    wire full = (old_reg == FULL_IDX[AW:0]);

    assign in_ready = core_ready && !(in_at_last && full);
    assign out_last = out_at_last && !empty && flags_reg[old_reg[AW-1:0]];
    wire in_fire = in_valid && in_ready;
    wire push = in_fire && in_at_last;
    wire pop = out_fire && out_at_last && !empty;

    always @(posedge clk) begin
        if (push) flags_reg <= {flags_reg[DEPTH-2:0], in_last};
        if (rst) begin
            old_reg <= {(AW+1){1'b1}};
            in_idx_reg <= 0;
            out_idx_reg <= 0;
        end else begin
            if (in_fire) in_idx_reg <= in_at_last ? {ICW{1'b0}} : in_idx_reg + 1'b1;
            if (out_fire) out_idx_reg <= out_at_last ? {OCW{1'b0}} : out_idx_reg + 1'b1;
            if (push && !pop) old_reg <= old_reg + 1'b1;
            else if (pop && !push) old_reg <= old_reg - 1'b1;
        end
    end
endmodule

`default_nettype wire
