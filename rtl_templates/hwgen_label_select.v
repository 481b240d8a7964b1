// hwgen_label_select: top-1 over C channels arriving PE per beat (C/PE beats per frame);
// outputs one beat per frame, the index of the largest value, ties to the lowest index.
// One beat per clock, C/PE cycles per frame; latency 2 clocks from the last input beat.
`default_nettype none

module hwgen_label_select #(
    parameter integer C         = 10,  // channels (labels) per frame
    parameter integer PE        = 1,   // channels per beat, C % PE == 0
    parameter integer IN_BITS   = 8,   // value width
    parameter integer IN_SIGNED = 1,   // 1: values are two's complement
    parameter integer OUT_BITS  = 8    // index width, 2^OUT_BITS >= C
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire [PE*IN_BITS-1:0] s_axis_tdata,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    output wire [OUT_BITS-1:0]   m_axis_tdata,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready
);

    localparam integer CF = C / PE;
    localparam integer CFW = (CF > 1) ? $clog2(CF) : 1;
    localparam integer CF_LAST = CF - 1;
    localparam integer PE_I = PE;

    generate
        if (C % PE != 0) begin : g_check_pe
            $fatal(1, "hwgen_label_select: C %% PE must be 0");
        end
        if ((1 << OUT_BITS) < C || OUT_BITS > 31) begin : g_check_out
            $fatal(1, "hwgen_label_select: OUT_BITS too small for C labels");
        end
    endgenerate

    wire en;
    wire fire = en && s_axis_tvalid;
    assign s_axis_tready = en;

    // best lane of this beat; values compared as offset binary (MSB flipped when signed)
    reg [IN_BITS-1:0] beat_v;
    reg [OUT_BITS-1:0] beat_i;
    reg [IN_BITS-1:0] lane;
    integer p;
    always @* begin
        beat_v = s_axis_tdata[IN_BITS-1:0] ^ {(IN_SIGNED != 0), {(IN_BITS-1){1'b0}}};
        beat_i = {OUT_BITS{1'b0}};
        for (p = 1; p < PE; p = p + 1) begin
            lane = s_axis_tdata[p*IN_BITS +: IN_BITS] ^ {(IN_SIGNED != 0), {(IN_BITS-1){1'b0}}};
            if (lane > beat_v) begin  // strict: the lower index wins ties
                beat_v = lane;
                beat_i = p[OUT_BITS-1:0];
            end
        end
    end

    reg [CFW-1:0] cf_reg;
    reg [OUT_BITS-1:0] base_reg;   // index of lane 0 in this beat
    reg [IN_BITS-1:0] run_v_reg;
    reg [OUT_BITS-1:0] run_i_reg;
    reg [OUT_BITS-1:0] res_reg;
    reg res_valid_reg;
    wire first = (cf_reg == {CFW{1'b0}});
    wire take = first || (beat_v > run_v_reg);
    wire [OUT_BITS-1:0] cand_i = base_reg + beat_i;
    wire [OUT_BITS-1:0] best_i = take ? cand_i : run_i_reg;

    always @(posedge clk) begin
        if (fire) begin
            if (take) begin
                run_v_reg <= beat_v;
            end
            run_i_reg <= best_i;
            res_reg <= best_i;
        end
        if (rst) begin
            cf_reg <= {CFW{1'b0}};
            base_reg <= {OUT_BITS{1'b0}};
            res_valid_reg <= 1'b0;
        end else if (en) begin
            res_valid_reg <= s_axis_tvalid && (cf_reg == CF_LAST[CFW-1:0]);
            if (s_axis_tvalid) begin
                if (cf_reg == CF_LAST[CFW-1:0]) begin
                    cf_reg <= {CFW{1'b0}};
                    base_reg <= {OUT_BITS{1'b0}};
                end else begin
                    cf_reg <= cf_reg + 1'b1;
                    base_reg <= base_reg + PE_I[OUT_BITS-1:0];
                end
            end
        end
    end

    hwgen_axis_register #(.WIDTH(OUT_BITS)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(res_reg), .s_axis_tvalid(res_valid_reg), .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
