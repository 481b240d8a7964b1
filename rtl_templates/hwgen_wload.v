// hwgen_wload: one weight memory's segment of the run-time weight-load stream.
// The load stream carries a fixed-order weight image of TOTAL beats of IN_W bits. Every
// hwgen_wload on the stream sees every beat and counts the stream's handshakes (s_fire) modulo
// TOTAL; beats START .. START+WORDS*BPW-1 belong to this instance, BPW = ceil(OUT_W/IN_W)
// beats per weight word, least significant IN_W bits first (the last beat's bits above OUT_W
// are padding and are dropped). It accepts (s_tready) only its own beats, and sends one word
// to m_* (an MVAU's s_wl_*) with the last beat of each word, combinationally. The generated
// top ORs the instances' s_tready into the stream's tready: the segments tile 0..TOTAL-1, so
// exactly one instance owns each beat. After TOTAL beats the count wraps (a second image
// overwrites the first); reset restarts at beat 0.
`default_nettype none

module hwgen_wload #(
    parameter integer IN_W  = 64,   // load-stream beat width (the DMA word)
    parameter integer OUT_W = 100,  // weight word width (the MVAU's PE*SIMD*W_BITS)
    parameter integer WORDS = 16,   // weight words of this memory (the MVAU's NF*SF)
    parameter integer START = 0,    // first beat of this segment in the image
    parameter integer TOTAL = 32    // beats per image, >= START + WORDS*BPW
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [IN_W-1:0]  s_tdata,
    input  wire             s_tvalid,
    output wire             s_tready,  // this instance takes the current beat
    input  wire             s_fire,    // the stream's handshake (any instance took a beat)
    output wire [OUT_W-1:0] m_tdata,
    output wire             m_tvalid,
    input  wire             m_tready
);

    localparam integer BPW = (OUT_W + IN_W - 1) / IN_W;
    localparam integer END = START + WORDS * BPW;      // first beat after the segment
    localparam integer CW = $clog2(TOTAL + 1);
    localparam integer PW = (BPW > 1) ? $clog2(BPW) : 1;
    localparam integer LAST = TOTAL - 1;

    generate
        if (WORDS < 1 || START < 0 || END > TOTAL) begin : g_check
            $fatal(1, "hwgen_wload: need WORDS >= 1 and 0 <= START, START + WORDS*BPW <= TOTAL");
        end
    endgenerate

    // beat index in the image and whether the next beat is ours
    reg [CW-1:0] count_reg;
    reg mine_reg;
    wire [CW-1:0] count_next = (count_reg == LAST[CW-1:0]) ? {CW{1'b0}} : count_reg + 1'b1;
    always @(posedge clk) begin
        if (rst) begin
            count_reg <= {CW{1'b0}};
            mine_reg <= (START == 0);
        end else if (s_fire) begin
            count_reg <= count_next;
            // a wrap to 0 leaves every segment but the first
            mine_reg <= (count_next == START[CW-1:0]) ||
                        (mine_reg && count_next != END[CW-1:0] && count_next != {CW{1'b0}});
        end
    end

    generate
        if (BPW == 1) begin : g_one
            assign m_tdata = s_tdata[OUT_W-1:0];
            assign m_tvalid = mine_reg && s_tvalid;
            assign s_tready = mine_reg && m_tready;
            if (IN_W > OUT_W) begin : g_pad
                wire unused_pad = ^s_tdata[IN_W-1:OUT_W];
            end
        end else begin : g_gather
            // the word's first BPW-1 beats wait in buf_reg; the last one completes it
            localparam integer PART_LAST = BPW - 1;
            reg [PW-1:0] part_reg;
            reg [(BPW-1)*IN_W-1:0] buf_reg;
            wire last_part = (part_reg == PART_LAST[PW-1:0]);
            wire take = mine_reg && s_tvalid && s_tready;
            wire [BPW*IN_W-1:0] word = {s_tdata, buf_reg};
            assign m_tdata = word[OUT_W-1:0];
            assign m_tvalid = mine_reg && s_tvalid && last_part;
            assign s_tready = mine_reg && (!last_part || m_tready);
            if (BPW * IN_W > OUT_W) begin : g_pad
                wire unused_pad = ^word[BPW*IN_W-1:OUT_W];
            end
            always @(posedge clk) begin
                if (rst) begin
                    part_reg <= {PW{1'b0}};
                end else if (take) begin
                    part_reg <= last_part ? {PW{1'b0}} : part_reg + 1'b1;
                end
                if (take && !last_part) buf_reg[part_reg*IN_W +: IN_W] <= s_tdata;
            end
        end
    endgenerate

endmodule

`default_nettype wire
