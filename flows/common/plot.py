"""A tiny hand-written SVG line plot (no plotting library): axes, ticks, lines, legend."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

__all__ = ["line_plot"]

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def line_plot(
    path: str | Path,
    series: list[tuple[str, list[float], list[float]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    log2_x: bool = False,
    vlines: list[tuple[str, float, int]] | None = None,
    width: int = 640,
    height: int = 400,
) -> Path:
    """Write an SVG with one polyline per ``(label, xs, ys)``; ``vlines`` are dashed vertical
    markers ``(label, x, color index)``; ``log2_x`` puts x on a log2 axis."""
    left, right, top, bottom = 60, 170, 40, 50
    fx = (lambda v: math.log2(v)) if log2_x else (lambda v: float(v))
    xs_all = [fx(x) for _, xs, _ in series for x in xs] + [fx(x) for _, x, _ in vlines or []]
    ys_all = [y for _, _, ys in series for y in ys if y is not None]
    x0, x1 = min(xs_all), max(xs_all)
    y0, y1 = min(ys_all + [0.0]), max(ys_all)
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (fx(x) - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + pw / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>',
        f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">{escape(xlabel)}</text>',
        f'<text x="15" y="{top + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 15 {top + ph / 2})">{escape(ylabel)}</text>',
    ]
    xticks = sorted({x for _, xs, _ in series for x in xs})
    for x in xticks:
        out.append(f'<line x1="{px(x):.1f}" y1="{top + ph}" x2="{px(x):.1f}" y2="{top + ph + 5}" '
                   'stroke="black"/>')
        out.append(f'<text x="{px(x):.1f}" y="{top + ph + 18}" text-anchor="middle">{x:g}</text>')
    for i in range(6):
        y = y0 + (y1 - y0) * i / 5
        out.append(f'<line x1="{left - 5}" y1="{py(y):.1f}" x2="{left}" y2="{py(y):.1f}" '
                   'stroke="black"/>')
        out.append(f'<text x="{left - 8}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.3g}</text>')
    for label, x, color in vlines or []:
        c = COLORS[color % len(COLORS)]
        out.append(f'<line x1="{px(x):.1f}" y1="{top}" x2="{px(x):.1f}" y2="{top + ph}" '
                   f'stroke="{c}" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{px(x) + 3:.1f}" y="{top + 12}" fill="{c}">{escape(label)}</text>')
    for i, (label, xs, ys) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        pts = [(px(x), py(y)) for x, y in zip(xs, ys) if y is not None]
        out.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            c, " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)))
        out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{c}"/>' for a, b in pts]
        ly = top + 10 + 18 * i
        out.append(f'<line x1="{left + pw + 10}" y1="{ly}" x2="{left + pw + 30}" y2="{ly}" '
                   f'stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{left + pw + 35}" y="{ly + 4}">{escape(label)}</text>')
    out.append("</svg>")
    path = Path(path)
    path.write_text("\n".join(out) + "\n")
    return path
