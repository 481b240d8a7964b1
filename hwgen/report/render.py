"""report.md and report.html (with plain inline SVG plots) from the report JSON document.

Every number printed comes from the JSON, formatted by ``fmt`` (integers with thousands
separators), so the files agree with report.json.
"""

from __future__ import annotations

import html

__all__ = ["bound_text", "fmt", "layer_rows", "pnr_rows", "render_html", "render_markdown",
           "svg_bars"]

RES = ("LUT", "FF", "BRAM18", "DSP")


def _est_res(data: dict) -> tuple[str, ...]:
    """The estimated resources shown: RES, and URAM on a device that has UltraRAM."""
    return RES + (("URAM",) if data.get("capacity", {}).get("URAM") else ())


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def _weights(layer: dict) -> str:
    """The weight memory chosen ("block", "distributed"), marked "(auto)" when resolved."""
    chosen = layer.get("weight_memory")
    if not chosen:
        return "-"
    return f"{chosen} (auto)" if layer.get("ram_style") == "auto" else chosen


def layer_rows(data: dict) -> list[list[str]]:
    """The per-layer table: header row first, then one row per layer, then io and total."""
    syn = data.get("synth")
    est_res = _est_res(data)
    head = ["layer", "op", "PE", "SIMD", "cycles", "weights"] + [f"{k} est" for k in est_res]
    if syn:
        head += ["LUT syn", "FF syn", "CARRY syn", "BRAM18 syn", "DSP syn", "levels",
                 "fmax est MHz"]
    rows = [head]
    by_name = {layer["name"]: layer for layer in data["layers"]}
    for name in list(by_name) + ["io", "total"]:
        layer = by_name.get(name, {})
        cycles = layer.get("cycles")
        mark = " (bottleneck)" if layer.get("bottleneck") else ""
        est = data["estimate"]["total"] if name == "total" else data["estimate"]["layers"][name]
        row = [name + mark, layer.get("op", ""), fmt(layer.get("PE")), fmt(layer.get("SIMD")),
               fmt(cycles), _weights(layer)] + [fmt(est.get(k, 0)) for k in est_res]
        if syn:
            s = syn["total"] if name == "total" else syn["layers"][name]
            row += [fmt(s[k]) for k in ("LUT", "FF", "CARRY", "BRAM18", "DSP")]
            if name == "total":
                row += [fmt(syn["logic_depth"]["levels"]), fmt(syn["logic_depth"]["fmax_mhz_est"])]
            else:
                flag = "" if s["clock_ok"] else " (!)"
                row += [fmt(s["levels"]), fmt(s["fmax_mhz_est"]) + flag]
        rows.append(row)
    return rows


def bound_text(data: dict) -> str:
    """ "core-bound" only when the core is strictly slower than the DMA port; a tie is I/O-bound
    (the design is folded to match the port), said so."""
    thr = data["throughput"]
    if thr["bound"] == "core":
        return "core-bound"
    if thr.get("balanced"):
        return "I/O-bound, the core exactly as fast"
    return "I/O-bound"


def _summary(data: dict) -> list[tuple[str, str]]:
    thr = data["throughput"]
    slowest = data.get("bottlenecks") or [data["bottleneck"]]
    items = [
        ("target", f"{data['target']} ({data['part']}) at {fmt(data['clock_mhz'])} MHz"),
        ("max cycles per frame", f"{fmt(data['max_cycles'])} ({', '.join(slowest)})"),
        ("throughput", (f"{fmt(data['fps'])} frames/s ({bound_text(data)}; core "
                       f"{fmt(thr['core_fps'])}, I/O {fmt(thr['io_fps'])})")),
        ("latency (analytic)", (f"{fmt(data['latency_cycles'])} cycles = "
                               f"{fmt(data['latency_us'])} us")),
    ]
    if data.get("latency_note"):
        items.append(("analytic vs measured latency", data["latency_note"]))
    link = data.get("link")
    if link:
        items.append(("host link", (f"UART {fmt(link['baud'])} baud 8N1 ({fmt(link['clks_per_bit'])} "
                      f"clocks per bit: {fmt(link['actual_baud'])} baud): about "
                      f"{fmt(link['link_fps'])} frames/s over the link, whatever the fabric does")))
    lim = data.get("max_utilization") or {}

    def against_limit(util: dict) -> str:
        return ", ".join(f"{k} {100 * util[k]:.1f} %" + (
            f" (limit {100 * lim[k]:g} %{', OVER' if util[k] > lim[k] else ''})"
            if k in lim else "") for k in _est_res(data) if k in util)

    items.append(("utilization (estimate)", against_limit(data["estimate"]["utilization"])))
    if data.get("synth"):
        items.append(("utilization (Yosys)", against_limit(data["synth"]["utilization"])))
        ld = data["synth"]["logic_depth"]
        flagged = ", ".join(ld["flagged"]) or "none"
        items.append(("logic depth (estimate)", (f"{fmt(ld['levels'])} LUT levels -> about "
                      f"{fmt(ld['fmax_mhz_est'])} MHz; above the clock: {flagged}")))
    m = data.get("measured")
    if m:
        level = f", {m['level']} level" if m.get("level") else ""
        items.append((f"measured (hwgen sim{level})", (f"interval {fmt(m.get('interval_cycles'))} cycles "
                      f"(analytic {fmt(m.get('analytic_interval_cycles'))}), latency "
                      f"{fmt(m.get('latency_cycles'))} cycles, {fmt(m.get('frames'))} frames, "
                      f"{fmt(m.get('mismatches'))} mismatches")))
    v = data.get("vivado")
    if v:
        u, t = v.get("utilization") or {}, v.get("timing") or {}
        items.append(("Vivado", ", ".join(f"{k} {fmt(u.get(k))}" for k in RES) +
                      f"; WNS {fmt(t.get('WNS'))} ns"))
    p = data.get("pnr")
    if p:
        met = {True: "met", False: "NOT met", None: "-"}[p.get("met")]
        items.append(("routed (nextpnr)", (f"Fmax {fmt(p.get('fmax_mhz'))} MHz at a "
                      f"{fmt(p.get('constraint_mhz'))} MHz constraint ({met}); "
                      + ", ".join(f"{k} {fmt(p.get(k))}" for k in PNR_RES))))
    return items


PNR_RES = ("LUT4", "FF", "DP16KD", "MULT18")


def pnr_rows(data: dict) -> list[list[str]]:
    """The routed-design table (whole board design: bridge, FIFO, accelerator): header, row."""
    p = data["pnr"]
    head = ["design", "Fmax MHz", "clock MHz", "met"] + list(PNR_RES) + ["tool"]
    avail = p.get("available") or {}
    cells = [f"{fmt(p.get(k))} / {fmt(avail.get(k))}" for k in PNR_RES]
    return [head, ["routed board design", fmt(p.get("fmax_mhz")), fmt(p.get("constraint_mhz")),
                   fmt(p.get("met"))] + cells + [p.get("tool", "")]]


def render_markdown(data: dict) -> str:
    lines = [f"# hwgen report: {data.get('design') or data.get('source')}", ""]
    lines += [f"- **{k}**: {v}" for k, v in _summary(data)]
    lines += ["", ("## Per layer (layer + its input FIFO and width converter; io = DMA-side "
              "converters)"), ""]
    rows = layer_rows(data)
    lines.append("| " + " | ".join(rows[0]) + " |")
    lines.append("|" + "|".join("---" for _ in rows[0]) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    if data.get("pnr"):
        prow = pnr_rows(data)
        lines += ["", "## Routed (nextpnr): used / available", "",
                  "| " + " | ".join(prow[0]) + " |", "|" + "|".join("---" for _ in prow[0]) + "|",
                  "| " + " | ".join(prow[1]) + " |"]
    lines += ["", "## How the numbers are made", "",
              f"- Counting rules: {data['counting_rules']}",
              f"- Estimates: {data['calibration']['note']}",
              f"- Calibration designs: {', '.join(data['calibration']['designs'])}"]
    if data["calibration"].get("ram_style_auto"):
        lines.append(f"- Weight memories: {data['calibration']['ram_style_auto']}")
    if data.get("synth"):
        lines.append(f"- Synthesis: {data['synth']['tool']}")
        lines.append(f"- Logic depth: {data['synth']['logic_depth']['note']}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- SVG


def svg_bars(title: str, labels: list[str], series: list[tuple[str, str, list[float]]],
             unit: str = "", limit: float | None = None, marks: set[int] | None = None,
             limit_label: str = "") -> str:
    """Horizontal grouped bar chart: ``series`` = (name, colour, values per label)."""
    marks = marks or set()
    n, k = len(labels), max(1, len(series))
    bar_h, gap, left, width = 12, 10, 170, 420
    top = 38
    height = top + n * (k * bar_h + gap) + 30
    vmax = max([v for _, _, vals in series for v in vals] + [limit or 0, 1e-9])
    scale = width / vmax
    full = left + width + 110  # drawn in these units, scaled to the page width
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
            f'aria-label="{html.escape(title)}">'),
           f'<text x="4" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for j, (name, colour, _vals) in enumerate(series):
        x = left + j * 150
        out.append(f'<rect x="{x}" y="24" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="33" font-size="11">{html.escape(name)}</text>')
    for i, label in enumerate(labels):
        y0 = top + i * (k * bar_h + gap)
        weight = ' font-weight="bold" fill="#b00"' if i in marks else ""
        tag = " (bottleneck)" if i in marks else ""
        out.append(f'<text x="{left - 6}" y="{y0 + k * bar_h / 2 + 4}" font-size="11" '
                   f'text-anchor="end"{weight}>{html.escape(label + tag)}</text>')
        for j, (_name, colour, vals) in enumerate(series):
            v = vals[i]
            fill = "#c0392b" if i in marks else colour
            w = max(1.0, v * scale) if v > 0 else 0.0
            y = y0 + j * bar_h
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                       f'fill="{fill}"><title>{html.escape(label)}: {fmt(v)}{unit}</title></rect>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" font-size="10">'
                       f'{fmt(v)}{unit}</text>')
    if limit is not None:
        x = left + limit * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 22}" '
                   'stroke="#000" stroke-dasharray="4 3"/>'
                   f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
                   f'{html.escape(limit_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def plots(data: dict) -> dict[str, str]:
    """The SVG plots by name: utilization, cycles, and (with synthesis) estimate vs Yosys."""
    result = {}
    est_u = data["estimate"]["utilization"]
    series = [("estimate", "#4a7ebb", [100 * est_u[k] for k in RES])]
    if data.get("synth"):
        syn_u = data["synth"]["utilization"]
        series.append(("Yosys", "#e08a1e", [100 * syn_u[k] for k in RES]))
    result["utilization"] = svg_bars(f"Utilization of {data['part']} (% of the device)",
                                     list(RES), series, " %", limit=100.0,
                                     limit_label="device")
    names = [layer["name"] for layer in data["layers"]]
    cycles = [float(layer["cycles"]) for layer in data["layers"]]
    marks = {i for i, layer in enumerate(data["layers"]) if layer["bottleneck"]}
    io = data.get("io_cycles") or None
    result["cycles"] = svg_bars("Cycles per frame per layer", names,
                                [("cycles", "#4a7ebb", cycles)], limit=io, marks=marks,
                                limit_label="I/O bound" if io else "")
    if data.get("synth"):
        groups = names + ["io"]
        result["estimate_vs_synth"] = svg_bars(
            "LUT per layer: estimate vs Yosys", groups,
            [("estimate", "#4a7ebb", [float(data["estimate"]["layers"][g]["LUT"]) for g in groups]),
             ("Yosys", "#e08a1e", [float(data["synth"]["layers"][g]["LUT"]) for g in groups])])
    return result


def render_html(data: dict) -> str:
    title = f"hwgen report: {data.get('design') or data.get('source')}"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>",
             ('<meta name="viewport" content="width=device-width, initial-scale=1">'
              "<style>body{font-family:sans-serif;margin:1em;max-width:none}"
              "table{border-collapse:collapse;width:100%}"
              "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
              "td:first-child,th:first-child{text-align:left}"
              "figure{margin:1em 0;width:100%}</style></head><body>"),
             f"<h1>{html.escape(title)}</h1>", "<ul>"]
    parts += [f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in _summary(data)]
    parts.append("</ul><h2>Per layer</h2><table>")
    rows = layer_rows(data)
    parts.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in rows[0]) + "</tr>")
    for r in rows[1:]:
        parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
    parts.append("</table>")
    if data.get("pnr"):
        prow = pnr_rows(data)
        parts.append("<h2>Routed (nextpnr): used / available</h2><table>")
        parts.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in prow[0]) + "</tr>")
        parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in prow[1]) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Plots</h2>")
    for name, svg in plots(data).items():
        parts.append(f'<figure id="{name}">{svg}</figure>')
    parts += ["<h2>How the numbers are made</h2><ul>",
              f"<li>Counting rules: {html.escape(data['counting_rules'])}</li>",
              f"<li>Estimates: {html.escape(data['calibration']['note'])}</li>",
              (f"<li>Calibration designs: {html.escape(', '.join(data['calibration']['designs']))}"
              "</li>")]
    if data["calibration"].get("ram_style_auto"):
        parts.append(f"<li>Weight memories: {html.escape(data['calibration']['ram_style_auto'])}"
                     "</li>")
    if data.get("synth"):
        parts.append(f"<li>Synthesis: {html.escape(data['synth']['tool'])}</li>")
        parts.append(f"<li>Logic depth: {html.escape(data['synth']['logic_depth']['note'])}</li>")
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"
