"""Writing a flow's results: ``results.json`` (machine-readable) and ``results.md`` (a table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["NOT_YET_RUN", "write_results"]

# Marker for steps a flow knows about but cannot run yet (e.g. hardware build/simulation).
NOT_YET_RUN = "not yet run"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _hardware_lines(hw: Any) -> list[str]:
    """A readable summary of ``flows.common.hardware`` fields (empty if not run)."""
    if not isinstance(hw, dict) or "estimate" not in hw:
        return []
    est, fps = hw["estimate"], hw["fps"]
    lines = [
        "",
        "## Hardware (hwgen build + sim)",
        "",
        "| target | clock | LUT | FF | BRAM18 | DSP | max cycles/frame | FPS (achieved, bound) |",
        "|---|---|---|---|---|---|---|---|",
        f"| {hw['target']} | {hw['clock_mhz']:g} MHz | {est['LUT']:,} | {est['FF']:,} | "
        f"{est['BRAM18']} | {est['DSP']} | {hw['max_cycles']} | "
        f"{fps['achieved']:,.0f} ({fps['bound']}) |",
    ]
    sim = hw.get("sim") or {}
    if "frames" in sim:
        acc = (
            f"{100 * sim['accuracy_rtl']:.2f} % / {100 * sim['accuracy_golden']:.2f} %"
            if "accuracy_rtl" in sim
            else "n/a"
        )
        lines += [
            "",
            "| simulated frames | RTL != golden | RTL / golden accuracy | interval (measured / "
            "analytic) |",
            "|---|---|---|---|",
            f"| {sim['frames']} | {sim['mismatches']} | {acc} | {sim['interval_cycles']:g} / "
            f"{sim['analytic_interval_cycles']} |",
        ]
    elif "error" in sim:
        lines += ["", f"Simulation failed: {sim['error']}"]
    return lines


def write_results(out_dir: str | Path, results: dict[str, Any], title: str) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.md`` into ``out_dir``; returns both paths.

    Top-level scalar entries become table rows; a ``history`` list becomes a per-epoch table.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    lines = [f"# {title}", "", "| key | value |", "|---|---|"]
    for key in sorted(results):
        value = results[key]
        if key not in ("history", "hardware") and not (isinstance(value, list) and value and isinstance(value[0], dict)):
            lines.append(f"| {key} | {_fmt(results[key])} |")
    lines += _hardware_lines(results.get("hardware"))
    history = results.get("history") or []
    if history:
        cols = list(history[0])
        lines += ["", "## Training history", "", "| " + " | ".join(cols) + " |"]
        lines.append("|" + "---|" * len(cols))
        lines += ["| " + " | ".join(_fmt(row[c]) for c in cols) + " |" for row in history]
    md_path = out_dir / "results.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
