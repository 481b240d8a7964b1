// hwgen_rom: a read-only memory in LUTs, DEPTH words of WIDTH bits from INIT_FILE, read
// through an output register (q follows addr one enabled clock later).
//
// Its own module, kept as a hierarchy level in synthesis (keep_hierarchy): flattened into a
// unit whose address is a counter, Yosys/ABC maps each ROM bit of a deep ROM at 4..5 LUTs
// instead of the ideal LUT6 + MUXF7 pair per 128 words (measured on a 128 x 80 ROM: 731 LUT
// flattened, 160 LUT6 + 80 MUXF7 on its own). hwgen_mvau uses it for weight ROMs deeper than
// 32 words; shallower ones stay flattened, where ABC can merge them into the popcount.
`default_nettype none

(* keep_hierarchy *)
module hwgen_rom #(
    parameter integer DEPTH     = 16,           // words
    parameter integer WIDTH     = 8,            // bits per word
    parameter integer AW        = 4,            // address width, >= clog2(DEPTH), >= 1
    parameter         INIT_FILE = "rom.mem"     // $readmemh file, DEPTH words
) (
    input  wire             clk,
    input  wire             en,
    input  wire [AW-1:0]    addr,
    output reg  [WIDTH-1:0] q
);
    // Yosys maps a ROM to LUT logic only with logic_block (its LUTRAMs need a write port);
    // Vivado reads rom_style
`ifdef YOSYS
    (* logic_block *) reg [WIDTH-1:0] mem [0:DEPTH-1];
`else
    (* rom_style = "distributed" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
`endif
    initial $readmemh(INIT_FILE, mem);
    always @(posedge clk) if (en) q <= mem[addr];
endmodule

`default_nettype wire
