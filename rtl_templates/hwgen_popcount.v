// hwgen_popcount: LUT-friendly pipelined population count (internal helper of hwgen_mvau's
// XNOR mode). Written as plain logic so that synthesis packs it into 6-input LUTs (together
// with the XNORs in front of it) instead of small carry chains:
//   stage A: groups of 3 bits -> 2-bit counts (2 LUTs per 3 bits, XNOR pairs included);
//   stage B: groups of 3 two-bit counts -> 4-bit counts (<= 9), then a register;
//   then hwgen_adder_tree over the G2 = ceil(ceil(N/3)/3) 4-bit counts.
// Output width 4 + clog2(G2); latency 1 + max(1, ceil(clog2(G2)/REG_EVERY)) while en = 1.
`default_nettype none

module hwgen_popcount #(
    parameter integer N         = 49,  // number of input bits
    parameter integer REG_EVERY = 3    // adder-tree levels between pipeline registers
) (
    input  wire                                    clk,
    input  wire                                    en,
    input  wire [N-1:0]                            in_bits,
    output wire [4+$clog2((((N+2)/3)+2)/3)-1:0]    out_count
);

    localparam integer G1 = (N + 2) / 3;
    localparam integer G2 = (G1 + 2) / 3;

    generate
        if (N < 1) begin : g_check
            $fatal(1, "hwgen_popcount: N must be >= 1");
        end
    endgenerate

    wire [3*G1-1:0] bits_pad = {{(3*G1-N){1'b0}}, in_bits};
    wire [6*G2-1:0] c2;                 // 2-bit counts, padded to whole groups of 3
    wire [4*G2-1:0] c4;
    reg  [4*G2-1:0] c4_reg;

    genvar g;
    generate
        for (g = 0; g < 3 * G2; g = g + 1) begin : g_a
            if (g < G1) begin : g_cnt
                wire b0 = bits_pad[3*g], b1 = bits_pad[3*g+1], b2 = bits_pad[3*g+2];
                assign c2[2*g]   = b0 ^ b1 ^ b2;
                assign c2[2*g+1] = (b0 & b1) | (b0 & b2) | (b1 & b2);
            end else begin : g_zero
                assign c2[2*g +: 2] = 2'b00;
            end
        end
        for (g = 0; g < G2; g = g + 1) begin : g_b
            wire [1:0] a = c2[6*g +: 2], b = c2[6*g+2 +: 2], c = c2[6*g+4 +: 2];
            wire k0 = (a[0] & b[0]) | (a[0] & c[0]) | (b[0] & c[0]);   // weight 2
            wire t = a[1] ^ b[1] ^ c[1];                                 // weight 2
            wire m = (a[1] & b[1]) | (a[1] & c[1]) | (b[1] & c[1]);     // weight 4
            wire k1 = t & k0;                                            // weight 4
            assign c4[4*g]   = a[0] ^ b[0] ^ c[0];
            assign c4[4*g+1] = t ^ k0;
            assign c4[4*g+2] = m ^ k1;
            assign c4[4*g+3] = m & k1;
        end
    endgenerate

    always @(posedge clk) if (en) c4_reg <= c4;

    wire unused_ci;
    hwgen_adder_tree #(.N(G2), .IN_BITS(4), .SIGNED(0), .CARRY_IN(0), .REG_EVERY(REG_EVERY)) u_tree (
        .clk(clk), .en(en), .in_data(c4_reg), .in_ci({G2{1'b0}}), .out_sum(out_count),
        .out_ci(unused_ci)
    );

endmodule

`default_nettype wire
