"""Board targets, read from the data table ``targets.toml`` shipped with the package."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from hwgen.errors import TargetError

__all__ = ["Target", "get_target", "all_targets"]


@dataclass(frozen=True)
class Target:
    """One board: FPGA part, capacities, DMA port width, default clock and PS wiring names."""

    name: str
    description: str
    part: str
    board_part: str
    yosys_family: str
    clock_mhz: float
    dma_bits: int
    LUT: int
    FF: int
    BRAM18: int
    DSP: int
    ps_ip: str
    ps_name: str
    ps_data_port: str
    ps_control_port: str
    ps_clock: str
    ps_reset: str
    ps_hp_enable: str
    ps_clock_config: str
    ps_data_width_config: str
    ps_master_clock_pin: str
    ps_slave_clock_pin: str
    # Block-design wiring (hwgen.board): names as the Vivado IP catalog spells them.
    ps_automation_rule: str = ""
    ps_automation_config: str = ""
    ps_clock_actual_config: str = ""  # read-only CONFIG holding the PLL-divided clock (MHz)
    ps_pll_mhz: float = 1000.0  # PLL the fabric clock is divided from (two 6-bit dividers)
    ps_addr_space: str = "Data"
    ps_hp_segment: str = ""  # the DDR segment of the data port, as seen by the DMA
    ps_config: dict = field(default_factory=dict)  # further PS CONFIG values
    control_base: str = "0x40400000"  # DMA register base in the PS address map
    dma_vlnv: str = "xilinx.com:ip:axi_dma:7.1"
    dma_length_width: int = 26  # DMA length register width: a transfer is < 2**this bytes
    dma_addr_width: int = 32
    interconnect_vlnv: str = "xilinx.com:ip:axi_interconnect:2.1"
    reset_vlnv: str = "xilinx.com:ip:proc_sys_reset:5.0"
    URAM: int = 0  # UltraRAM blocks (UltraScale+); capacity only, see targets.toml

    def capacity(self) -> dict[str, int]:
        return {"LUT": self.LUT, "FF": self.FF, "BRAM18": self.BRAM18, "DSP": self.DSP}


@cache
def all_targets() -> dict[str, Target]:
    """Every target in the table, by name, in table order."""
    text = (resources.files("hwgen") / "targets.toml").read_text()
    table = tomllib.loads(text)
    return {name: Target(name=name, **row) for name, row in table.items()}


def get_target(name: str) -> Target:
    """The target called ``name``; the error lists the known ones."""
    targets = all_targets()
    if name not in targets:
        known = ", ".join(targets)
        raise TargetError(
            f"unknown target {name!r}; known targets: {known}",
            hint="run 'hwgen targets' to list them",
        )
    return targets[name]
