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
        if key != "history":
            lines.append(f"| {key} | {_fmt(results[key])} |")
    history = results.get("history") or []
    if history:
        cols = list(history[0])
        lines += ["", "## Training history", "", "| " + " | ".join(cols) + " |"]
        lines.append("|" + "---|" * len(cols))
        lines += ["| " + " | ".join(_fmt(row[c]) for c in cols) + " |" for row in history]
    md_path = out_dir / "results.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
