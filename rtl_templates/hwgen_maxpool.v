// hwgen_maxpool: streaming KxK max pool with stride K (floor mode: trailing rows/columns that
// do not fill a window are dropped) over an H x W x C image (NHWC), PE channels per beat.
// One input beat per clock: H*W*C/PE cycles per frame exactly; OH*OW*C/PE output beats per
// frame (OH = H/K, OW = W/K), each 2 clocks after the input beat that completes its window.
`default_nettype none

module hwgen_maxpool #(
    parameter integer H       = 4,   // input height
    parameter integer W       = 4,   // input width
    parameter integer C       = 2,   // channels
    parameter integer PE      = 1,   // channels per beat, C % PE == 0
    parameter integer K       = 2,   // window size = stride
    parameter integer BITS    = 8,   // element width
    parameter integer SIGNED  = 0    // 1: elements are two's complement
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [PE*BITS-1:0] s_axis_tdata,
    input  wire               s_axis_tvalid,
    output wire               s_axis_tready,
    output wire [PE*BITS-1:0] m_axis_tdata,
    output wire               m_axis_tvalid,
    input  wire               m_axis_tready
);

    localparam integer CF = C / PE;
    localparam integer OW = W / K;
    localparam integer OH = H / K;
    localparam integer BUF = OW * CF;           // partial maxima of one output row
    localparam integer BW = (BUF > 1) ? $clog2(BUF) : 1;
    localparam integer CFW = (CF > 1) ? $clog2(CF) : 1;
    localparam integer XW = $clog2(W + 1);
    localparam integer YW = $clog2(H + 1);
    localparam integer KW = $clog2(K + 1);
    localparam integer CF_LAST = CF - 1, W_LAST = W - 1, H_LAST = H - 1, K_LAST = K - 1;
    localparam integer CF_I = CF;
    localparam integer OHK = OH * K;

    generate
        if (C % PE != 0 || K < 1 || OW < 1 || OH < 1) begin : g_check
            $fatal(1, "hwgen_maxpool: need C %% PE == 0, K >= 1, H >= K and W >= K");
        end
    endgenerate

    wire en;
    wire fire = en && s_axis_tvalid;
    assign s_axis_tready = en;

    reg [CFW-1:0] cf_reg;
    reg [XW-1:0] x_reg;
    reg [YW-1:0] y_reg;
    reg [KW-1:0] kx_reg, ky_reg;
    reg [XW-1:0] ox_reg;
    reg [BW-1:0] base_reg;      // ox*CF
    wire in_window = (ox_reg < OW[XW-1:0]) && (y_reg < OHK[YW-1:0]);
    wire first = (kx_reg == {KW{1'b0}}) && (ky_reg == {KW{1'b0}});
    wire emit = in_window && (kx_reg == K_LAST[KW-1:0]) && (ky_reg == K_LAST[KW-1:0]);
    wire [BW-1:0] idx = base_reg + {{(BW-CFW){1'b0}}, cf_reg};

    (* ram_style = "distributed" *) reg [PE*BITS-1:0] buf_mem [0:BUF-1];
    wire [PE*BITS-1:0] cur = buf_mem[idx];
    wire [PE*BITS-1:0] nxt;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_lane
            wire [BITS-1:0] a = s_axis_tdata[p*BITS +: BITS];
            wire [BITS-1:0] b = cur[p*BITS +: BITS];
            // offset binary compare: flip the sign bit when signed
            wire a_gt = (a ^ {(SIGNED != 0), {(BITS-1){1'b0}}}) > (b ^ {(SIGNED != 0), {(BITS-1){1'b0}}});
            assign nxt[p*BITS +: BITS] = (first || a_gt) ? a : b;
        end
    endgenerate

    reg [PE*BITS-1:0] out_reg;
    reg out_valid_reg;
    always @(posedge clk) begin
        if (fire && in_window) buf_mem[idx] <= nxt;
        if (en) out_reg <= nxt;
        if (rst) begin
            out_valid_reg <= 1'b0;
        end else if (en) begin
            out_valid_reg <= s_axis_tvalid && emit;
        end
    end

    // position counters: cf innermost, then x (with kx/ox), then y (with ky)
    always @(posedge clk) begin
        if (rst) begin
            cf_reg <= {CFW{1'b0}};
            x_reg <= {XW{1'b0}};
            y_reg <= {YW{1'b0}};
            kx_reg <= {KW{1'b0}};
            ky_reg <= {KW{1'b0}};
            ox_reg <= {XW{1'b0}};
            base_reg <= {BW{1'b0}};
        end else if (fire) begin
            if (cf_reg != CF_LAST[CFW-1:0]) begin
                cf_reg <= cf_reg + 1'b1;
            end else begin
                cf_reg <= {CFW{1'b0}};
                if (x_reg != W_LAST[XW-1:0]) begin
                    x_reg <= x_reg + 1'b1;
                    if (kx_reg == K_LAST[KW-1:0]) begin
                        kx_reg <= {KW{1'b0}};
                        ox_reg <= ox_reg + 1'b1;
                        base_reg <= base_reg + CF_I[BW-1:0];
                    end else begin
                        kx_reg <= kx_reg + 1'b1;
                    end
                end else begin
                    x_reg <= {XW{1'b0}};
                    kx_reg <= {KW{1'b0}};
                    ox_reg <= {XW{1'b0}};
                    base_reg <= {BW{1'b0}};
                    if (y_reg != H_LAST[YW-1:0]) begin
                        y_reg <= y_reg + 1'b1;
                        ky_reg <= (ky_reg == K_LAST[KW-1:0]) ? {KW{1'b0}} : ky_reg + 1'b1;
                    end else begin
                        y_reg <= {YW{1'b0}};
                        ky_reg <= {KW{1'b0}};
                    end
                end
            end
        end
    end

    hwgen_axis_register #(.WIDTH(PE*BITS)) u_out (
        .clk(clk), .rst(rst),
        .s_axis_tdata(out_reg), .s_axis_tvalid(out_valid_reg), .s_axis_tready(en),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
