"""Parsers for Vivado's text reports (``report_utilization``, ``report_timing_summary``).

Only the figures the hwgen report shows: LUT, FF, BRAM18 (RAMB tiles x 2), DSP, and the
design timing summary (WNS, TNS, WHS, THS in ns). Missing rows come back as None.
"""

from __future__ import annotations

import re

__all__ = ["parse_timing", "parse_utilization"]


def _row(text: str, label: str) -> float | None:
    # | Slice LUTs                 | 1234 |     0 |     53200 |  2.32 |
    m = re.search(r"^\|\s*" + re.escape(label) + r"\*?\s*\|\s*([0-9.]+)\s*\|", text, re.MULTILINE)
    return float(m.group(1)) if m else None


def parse_utilization(text: str) -> dict[str, float | None]:
    """LUT, FF, BRAM18, DSP used, from a ``report_utilization`` text report."""
    lut = _row(text, "Slice LUTs") or _row(text, "CLB LUTs")
    ff = _row(text, "Slice Registers") or _row(text, "CLB Registers")
    tiles = _row(text, "Block RAM Tile")
    dsp = _row(text, "DSPs")
    return {
        "LUT": lut,
        "FF": ff,
        "BRAM18": None if tiles is None else tiles * 2,
        "DSP": dsp,
    }


def parse_timing(text: str) -> dict[str, float | None]:
    """WNS/TNS/WHS/THS (ns) from the 'Design Timing Summary' of ``report_timing_summary``."""
    keys = ("WNS", "TNS", "WHS", "THS")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "WNS(ns)" in line and "TNS(ns)" in line:
            heads = re.split(r"\s{2,}", line.strip())
            for values in lines[i + 1:i + 4]:
                nums = re.split(r"\s{2,}", values.strip())
                if nums and not set(values.strip()) <= {"-", " "}:
                    try:
                        row = dict(zip(heads, (float(n) for n in nums)))
                    except ValueError:
                        break
                    return {k: row.get(f"{k}(ns)") for k in keys}
    return dict.fromkeys(keys)
