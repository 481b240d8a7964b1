// hwgen_adder_tree: pipelined binary adder tree (internal helper of hwgen_mvau).
// Level l holds ceil(N / 2^l) partial sums of IN_BITS + l bits; a register follows every
// REG_EVERY levels and always the last level, so the latency is LATENCY = ceil(D / REG_EVERY)
// cycles with D = clog2(N) levels (1 cycle when N = 1). Registers advance only while en = 1.
`default_nettype none

module hwgen_adder_tree #(
    parameter integer N         = 4,  // number of terms
    parameter integer IN_BITS   = 1,  // width of one term
    parameter integer SIGNED    = 0,  // 1: terms are two's complement, 0: unsigned
    parameter integer REG_EVERY = 3   // adder levels between pipeline registers
) (
    input  wire                                 clk,
    input  wire                                 en,
    input  wire [N*IN_BITS-1:0]                 in_data,
    output wire [IN_BITS+$clog2(N)-1:0]         out_sum
);

    localparam integer D = $clog2(N);

    generate
        if (N < 1 || IN_BITS < 1 || REG_EVERY < 1) begin : g_check
            $fatal(1, "hwgen_adder_tree: N, IN_BITS and REG_EVERY must be >= 1");
        end
    endgenerate

    function integer lvl_count(input integer lvl);
        lvl_count = (N + (1 << lvl) - 1) >> lvl;
    endfunction

    genvar l, j;
    generate
        if (D == 0) begin : g_single
            reg [IN_BITS-1:0] out_reg;
            always @(posedge clk) if (en) out_reg <= in_data;
            assign out_sum = out_reg;
            wire unused_signed = SIGNED[0];
        end else begin : g_tree
            for (l = 0; l <= D; l = l + 1) begin : g_lvl
                localparam integer CNT = lvl_count(l);
                localparam integer W = IN_BITS + l;
                wire [CNT*W-1:0] sums;  // the CNT partial sums of this level
                if (l == 0) begin : g_in
                    assign sums = in_data;
                end else begin : g_add
                    localparam integer PCNT = lvl_count(l - 1);
                    for (j = 0; j < CNT; j = j + 1) begin : g_node
                        wire [W-2:0] a = g_lvl[l-1].sums[(2*j)*(W-1) +: W-1];
                        wire [W-1:0] sum;
                        if (2*j + 1 < PCNT) begin : g_pair
                            wire [W-2:0] b = g_lvl[l-1].sums[(2*j+1)*(W-1) +: W-1];
                            if (SIGNED != 0) begin : g_s
                                assign sum = {a[W-2], a} + {b[W-2], b};
                            end else begin : g_u
                                assign sum = {1'b0, a} + {1'b0, b};
                            end
                        end else begin : g_pass
                            if (SIGNED != 0) begin : g_s
                                assign sum = {a[W-2], a};
                            end else begin : g_u
                                assign sum = {1'b0, a};
                            end
                        end
                        if ((l % REG_EVERY) == 0 || l == D) begin : g_reg
                            reg [W-1:0] sum_reg;
                            always @(posedge clk) if (en) sum_reg <= sum;
                            assign sums[j*W +: W] = sum_reg;
                        end else begin : g_comb
                            assign sums[j*W +: W] = sum;
                        end
                    end
                end
            end
            assign out_sum = g_lvl[D].sums;
        end
    endgenerate

endmodule

`default_nettype wire
