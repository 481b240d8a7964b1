"""explore.html: the Pareto front (resources vs frames/s, device capacity marked) and the table
of points, from the explore.json document; inline SVG in the style of hwgen/report/render.py."""

from __future__ import annotations

import html
import math

from hwgen.report.render import fmt

__all__ = ["render_html", "svg_front"]

_W, _H, _L, _B, _T, _R = 560, 300, 70, 44, 30, 20  # plot size and margins


def _log_ticks(lo: float, hi: float) -> list[float]:
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10.0**e
            if lo <= v <= hi:
                ticks.append(v)
    return ticks


def svg_front(doc: dict, res: str) -> str:
    """Scatter of ``res`` (LUT, BRAM18, ...) against frames/s, both axes logarithmic: Pareto
    points filled and joined, the others hollow, points over the utilization limit in red; the
    device's capacity a dashed line, the limit (capacity x max_utilization) a dotted one."""
    fig = doc["figures"]
    pts = doc["points"]
    xs = [p["fps"] for p in pts]
    ys = [(p[fig] or p["estimate"])[res] for p in pts]
    cap = doc["capacity"][res]
    share = (doc.get("max_utilization") or {}).get(res, 1.0)
    limit = math.floor(cap * share + 1e-9)
    x_lo, x_hi = min(xs) / 1.3, max(xs) * 1.3
    # log axes: the points span decades and the device is often far above them
    y_lo = min([y for y in ys if y > 0] + [cap or 1]) / 1.5
    y_hi = max(ys + [cap, 1]) * 1.5
    title = f"{res} ({'Yosys' if fig == 'synth' else 'estimate'}) vs frames/s on {doc['target']}"

    def sx(v: float) -> float:
        return _L + (math.log(v) - math.log(x_lo)) / (math.log(x_hi) - math.log(x_lo)) * _W

    def sy(v: float) -> float:  # zero sits on the bottom axis
        v = max(v, y_lo)
        return _T + _H - (math.log(v) - math.log(y_lo)) / (math.log(y_hi) - math.log(y_lo)) * _H

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_L + _W + _R}" '
           f'height="{_T + _H + _B}" role="img" aria-label="{html.escape(title)}">',
           f'<text x="4" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>',
           f'<rect x="{_L}" y="{_T}" width="{_W}" height="{_H}" fill="none" stroke="#999"/>']
    for t in _log_ticks(x_lo, x_hi):
        out.append(f'<line x1="{sx(t):.1f}" y1="{_T + _H}" x2="{sx(t):.1f}" y2="{_T + _H + 4}" '
                   f'stroke="#000"/><text x="{sx(t):.1f}" y="{_T + _H + 16}" font-size="10" '
                   f'text-anchor="middle">{fmt(t)}</text>')
    for t in _log_ticks(y_lo, y_hi):
        out.append(f'<line x1="{_L - 4}" y1="{sy(t):.1f}" x2="{_L}" y2="{sy(t):.1f}" '
                   f'stroke="#000"/><text x="{_L - 6}" y="{sy(t) + 3:.1f}" font-size="10" '
                   f'text-anchor="end">{fmt(int(t))}</text>')
    out.append(f'<text x="14" y="{_T + _H / 2}" font-size="11" text-anchor="middle" '
               f'transform="rotate(-90 14 {_T + _H / 2})">{res} (log scale)</text>')
    out.append(f'<text x="{_L + _W / 2}" y="{_T + _H + 34}" font-size="11" '
               'text-anchor="middle">frames/s (log scale)</text>')
    out.append(f'<line x1="{_L}" y1="{sy(cap):.1f}" x2="{_L + _W}" y2="{sy(cap):.1f}" '
               f'stroke="#b00" stroke-dasharray="6 4"/><text x="{_L + _W - 4}" '
               f'y="{sy(cap) - 4:.1f}" font-size="10" text-anchor="end" fill="#b00">device: '
               f'{fmt(cap)} {res}</text>')
    if limit < cap:
        out.append(f'<line x1="{_L}" y1="{sy(limit):.1f}" x2="{_L + _W}" y2="{sy(limit):.1f}" '
                   f'stroke="#b60" stroke-dasharray="2 3"/><text x="{_L + 4}" '
                   f'y="{sy(limit) + 12:.1f}" font-size="10" fill="#b60">limit {share * 100:g} %: '
                   f'{fmt(limit)} {res}</text>')
    front = sorted((x, y) for x, y, p in zip(xs, ys, pts) if p["pareto"])
    if len(front) > 1:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in front)
        out.append(f'<polyline points="{path}" fill="none" stroke="#4a7ebb" stroke-width="1.5"/>')
    for x, y, p in zip(xs, ys, pts):
        colour = "#4a7ebb" if p["fits"] else "#c0392b"
        fill = colour if p["pareto"] else "white"
        tip = (f"{p['id']}: {fmt(p['fps'])} frames/s, {fmt(y)} {res}, "
               f"{'Pareto' if p['pareto'] else 'dominated'}, "
               f"{'within' if p['fits'] else 'over'} the {share * 100:g} % limit")
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4.5" fill="{fill}" '
                   f'stroke="{colour}" stroke-width="1.5"><title>{html.escape(tip)}</title>'
                   '</circle>')
    out.append("</svg>")
    return "".join(out)


def _rows(doc: dict) -> list[list[str]]:
    head = ["id", "max cycles", "frames/s"] + [f"{k} est" for k in ("LUT", "FF", "BRAM18", "DSP")]
    synth = doc["figures"] == "synth"
    if synth:
        head += [f"{k} Yosys" for k in ("LUT", "FF", "BRAM18", "DSP")]
    head += ["LUT % of device", "fits (limits)", "Pareto", "sim (frames / mismatches / interval)", "seconds", "folding"]
    rows = [head]
    for p in doc["points"]:
        row = [p["id"], fmt(p["max_cycles"]), fmt(p["fps"])]
        row += [fmt(p["estimate"][k]) for k in ("LUT", "FF", "BRAM18", "DSP")]
        if synth:
            row += [fmt(p["synth"][k]) for k in ("LUT", "FF", "BRAM18", "DSP")]
        s = p["sim"]
        util = (p.get("utilization") or {}).get("LUT")
        row += ["-" if util is None else f"{100 * util:.1f}", fmt(p["fits"]), fmt(p["pareto"]),
                f"{s['frames']} / {s['mismatches']} / {fmt(s['interval_cycles'])}" if s else "-",
                f"{p['seconds']:.1f}",
                " ".join(f"{name}:" + "x".join(str(e[k]) for k in ("PE", "SIMD") if k in e)
                         for name, e in p["folding"].items())]
        rows.append(row)
    return rows


def render_html(doc: dict) -> str:
    title = f"hwgen explore: {doc['model']} on {doc['target']}"
    eng = doc["engine"]
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>",
             ("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
              "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
              "td:first-child,th:first-child,td:last-child{text-align:left}"
              "tr.front td{background:#eef4fb}</style></head><body>"),
             f"<h1>{html.escape(title)}</h1><ul>",
             f"<li><b>target</b>: {html.escape(doc['target'])} ({html.escape(doc['part'])}) at "
             f"{fmt(doc['clock_mhz'])} MHz; capacity " + ", ".join(
                 f"{fmt(v)} {k}" for k, v in doc["capacity"].items()) + "; utilization limits "
             + ", ".join(f"{k} {100 * v:g} %" for k, v in (doc.get("max_utilization") or {}).items())
             + "</li>",
             f"<li><b>points</b>: {len(doc['points'])}, "
             f"{sum(p['pareto'] for p in doc['points'])} on the Pareto front, "
             f"{sum(p['fits'] for p in doc['points'])} within the utilization limits; figures: "
             f"{'Yosys synthesis' if doc['figures'] == 'synth' else 'analytic estimate'}</li>",
             "<li><b>engine</b>: " + (
                 "serial (in one process, without Ray)" if eng["name"] == "serial" else
                 f"{html.escape(str(eng['name']))} {html.escape(str(eng['version']))} at "
                 f"{html.escape(str(eng['address']))}, {eng['nodes']} node(s), "
                 f"{fmt(eng['cpus'])} CPU(s)") + "</li>",
             "<li>Filled points are on the Pareto front (no other point is as fast with no more "
             "of any resource); red points exceed a utilization limit (dotted line; the dashed "
             "line is the whole device). Rebuild a point with "
             "<code>hwgen build MODEL --folding points/ID/folding.json</code>.</li></ul>",
             "<h2>Pareto front</h2>"]
    shown = ["LUT", "BRAM18"] + [k for k in ("DSP",) if any(
        (p[doc["figures"]] or p["estimate"])[k] for p in doc["points"])]
    for res in shown:
        parts.append(f'<figure id="front_{res}">{svg_front(doc, res)}</figure>')
    parts.append("<h2>Points</h2><table>")
    rows = _rows(doc)
    parts.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in rows[0]) + "</tr>")
    for p, r in zip(doc["points"], rows[1:]):
        cls = ' class="front"' if p["pareto"] else ""
        parts.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"
