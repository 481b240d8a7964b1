"""Host-side stream packing shared by the simulator and the board driver (numpy only)."""
