// hwgen_adder_tree: pipelined binary adder tree (internal helper of hwgen_mvau).
// Level l holds ceil(N / 2^l) partial sums of IN_BITS + l bits; a register follows every
// REG_EVERY levels and always the last level, so the latency is LATENCY = ceil(D / REG_EVERY)
// cycles with D = clog2(N) levels (1 cycle when N = 1). Registers advance only while en = 1.
// CARRY_IN = 1: each term t carries a one-bit carry-in in_ci[t] and out_sum + out_ci is
// sum(in_data) + popcount(in_ci). The adder that joins two subtrees takes the carry-in of the
// first term of its right subtree on its carry chain (a + b + ci is one carry chain, no extra
// LUTs), so terms 1..N-1 are absorbed; term 0's carry-in comes out as out_ci, aligned with
// out_sum, for the consumer's own adder. CARRY_IN = 0: in_ci is ignored and out_ci is 0.
`default_nettype none

module hwgen_adder_tree #(
    parameter integer N         = 4,  // number of terms
    parameter integer IN_BITS   = 1,  // width of one term
    parameter integer SIGNED    = 0,  // 1: terms are two's complement, 0: unsigned
    parameter integer CARRY_IN  = 0,  // 1: add one carry-in bit per term (in_ci)
    parameter integer REG_EVERY = 3   // adder levels between pipeline registers
) (
    input  wire                                 clk,
    input  wire                                 en,
    input  wire [N*IN_BITS-1:0]                 in_data,
    input  wire [N-1:0]                         in_ci,
    output wire [IN_BITS+$clog2(N)-1:0]         out_sum,
    output wire                                 out_ci
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
            reg ci_reg;
            always @(posedge clk) if (en) out_reg <= in_data;
            always @(posedge clk) if (en) ci_reg <= (CARRY_IN != 0) && in_ci[0];
            assign out_sum = out_reg;
            assign out_ci = ci_reg;
            wire unused_signed = SIGNED[0];
        end else begin : g_tree
            for (l = 0; l <= D; l = l + 1) begin : g_lvl
                localparam integer CNT = lvl_count(l);
                localparam integer W = IN_BITS + l;
                wire [CNT*W-1:0] sums;  // the CNT partial sums of this level
                wire [CNT-1:0] cis;     // carry-in of each node's first term, still pending
                if (l == 0) begin : g_in
                    assign sums = in_data;
                    assign cis = (CARRY_IN != 0) ? in_ci : {N{1'b0}};
                end else begin : g_add
                    localparam integer PCNT = lvl_count(l - 1);
                    for (j = 0; j < CNT; j = j + 1) begin : g_node
                        wire [W-2:0] a = g_lvl[l-1].sums[(2*j)*(W-1) +: W-1];
                        wire ci_a = g_lvl[l-1].cis[2*j];
                        wire [W-1:0] sum;
                        if (2*j + 1 < PCNT) begin : g_pair
                            wire [W-2:0] b = g_lvl[l-1].sums[(2*j+1)*(W-1) +: W-1];
                            wire ci_b = g_lvl[l-1].cis[2*j+1];
                            if (CARRY_IN == 0) begin : g_plain
                                wire unused_ci = ci_b;
                                if (SIGNED != 0) begin : g_s
                                    assign sum = {a[W-2], a} + {b[W-2], b};
                                end else begin : g_u
                                    assign sum = {1'b0, a} + {1'b0, b};
                                end
                            end else begin : g_ci
                                // the right subtree's pending carry-in enters this carry chain
                                if (SIGNED != 0) begin : g_s
                                    assign sum = {a[W-2], a} + {b[W-2], b} + {{(W-1){1'b0}}, ci_b};
                                end else begin : g_u
                                    assign sum = {1'b0, a} + {1'b0, b} + {{(W-1){1'b0}}, ci_b};
                                end
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
                            reg ci_reg;
                            always @(posedge clk) if (en) sum_reg <= sum;
                            always @(posedge clk) if (en) ci_reg <= ci_a;
                            assign sums[j*W +: W] = sum_reg;
                            assign cis[j] = ci_reg;
                        end else begin : g_comb
                            assign sums[j*W +: W] = sum;
                            assign cis[j] = ci_a;
                        end
                    end
                end
            end
            assign out_sum = g_lvl[D].sums;
            assign out_ci = g_lvl[D].cis[0];
        end
    endgenerate

endmodule

`default_nettype wire
