"""The report page (issue 21): every slowest layer marked, "core-bound" only when the core is
strictly slower than the DMA port, the analytic-vs-measured latency line, a full-width page, and
the build summary's per-layer figures equal to the report's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hwgen.cli import main

MODEL = "example:tfc_w1a1"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The bundled example at its default folding (the core folded to exactly the DMA port's
    rate) and at 200,000 frames/s (slower than the port): (folder, build summary)."""
    import contextlib
    import io

    root = tmp_path_factory.mktemp("page")
    found = {}
    for key, extra in (("default", []), ("slow", ["--fps", "200000"])):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["build", MODEL, "-o", str(root / key), *extra]) == 0
        found[key] = (root / key, buf.getvalue())
    return found


def _report(folder: Path) -> tuple[dict, str, str]:
    r = folder / "report"
    return (json.loads((r / "report.json").read_text()), (r / "report.md").read_text(),
            (r / "report.html").read_text())


def test_every_slowest_layer_is_marked_and_a_tie_is_io_bound(builds) -> None:
    folder, _ = builds["default"]
    manifest = json.loads((folder / "manifest.json").read_text())
    cycles = {layer["name"]: layer["cycles"] for layer in manifest["layers"]}
    slowest = [n for n, c in cycles.items() if c == max(cycles.values())]
    assert len(slowest) >= 2  # this folding ties layers: the case the page got wrong
    data, md, html = _report(folder)
    assert data["bottlenecks"] == slowest
    assert [layer["name"] for layer in data["layers"] if layer["bottleneck"]] == slowest
    for name in slowest:
        assert f"| {name} (bottleneck) |" in md and f"<td>{name} (bottleneck)</td>" in html
    assert html.count("(bottleneck)</text>") == len(slowest)  # the cycles plot too
    # the core's rate equals the DMA port's: not "core-bound"
    assert manifest["max_cycles"] == manifest["io_cycles"]
    assert data["throughput"]["bound"] == "io" and data["throughput"]["balanced"]
    assert "(I/O-bound, the core exactly as fast;" in md and "core-bound" not in md


def test_core_bound_only_when_the_core_is_strictly_slower(builds) -> None:
    folder, summary = builds["slow"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["max_cycles"] > manifest["io_cycles"]
    data, md, _ = _report(folder)
    assert data["throughput"]["bound"] == "core" and not data["throughput"]["balanced"]
    assert "(core-bound;" in md and "(core-bound;" in summary


def test_latency_line_and_full_width_page(builds) -> None:
    data, md, html = _report(builds["default"][0])
    assert md.count("analytic latency: first DMA input word to last output word") == 1
    assert "table{border-collapse:collapse;width:100%}" in html
    svgs = re.findall(r"<svg [^>]*>", html)
    assert svgs and all('width="100%"' in s and "viewBox=" in s for s in svgs)


def test_build_summary_per_layer_figures_equal_the_report(builds) -> None:
    folder, summary = builds["default"]
    data, _, _ = _report(folder)
    rows = {}
    for line in summary.splitlines():
        m = re.match(r"^(\d\d_\w+|io)\b.*?\s([\d,]+)\s+(\d+)$", line)
        if m:
            rows[m.group(1)] = (int(m.group(2).replace(",", "")), int(m.group(3)))
    groups = data["estimate"]["layers"]
    assert set(rows) == set(groups)  # every layer and io
    for name, (lut, bram) in rows.items():
        assert (lut, bram) == (groups[name]["LUT"], groups[name]["BRAM18"]), name
    assert sum(lut for lut, _ in rows.values()) == data["estimate"]["total"]["LUT"]
