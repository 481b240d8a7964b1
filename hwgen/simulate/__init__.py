"""Whole-design simulation in Verilator through cocotb (see sim/hwgen_tb.v)."""
