"""hwgen explore: point choice, Pareto flags, and the sweep on Ray (local, a two-node cluster on
this machine, a worker killed mid-sweep) against a serial run of the same points.

Ray start-up costs seconds: the Ray tests share one two-node cluster per module (small: one CPU
and 80 MB of object store per node); one test starts the local default itself, before it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from hwgen.build import build, choose_folding
from hwgen.build.fold import apply_folding
from hwgen.build.lower import lower
from hwgen.errors import HwgenError
from hwgen.explore import SCHEMA, explore, pareto_flags, plan_foldings
from hwgen.report import collect
from hwgen.targets import get_target

MODEL = "example:tfc_w1a1"
POINTS = 3
STORE = 80 * 1024 * 1024


def _figures(doc: dict) -> list[dict]:
    """The points without their wall times (the only field that differs between runs)."""
    return [{k: v for k, v in p.items() if k != "seconds"} for p in doc["points"]]


@pytest.fixture(scope="module")
def tfc_hw():
    import hwgen
    from hwgen.build import resolve_model

    return lower(hwgen.load(resolve_model(MODEL)))


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: the same sweep, points run one after another in this process."""
    out = tmp_path_factory.mktemp("serial") / "ex"
    return out, explore(MODEL, out, points=POINTS, serial=True)


# ---------------------------------------------------------------- without Ray


def test_plan_spans_the_range(tfc_hw) -> None:
    tgt = get_target("pynq-z2")
    folds = plan_foldings(tfc_hw, tgt, 100.0, 5)
    cycles = [apply_folding(tfc_hw, f).max_cycles for f in folds]
    assert len({json.dumps(f, sort_keys=True) for f in folds}) == 5
    assert cycles == sorted(cycles)
    # fastest: what `hwgen build` picks by default (the DMA port's 98 words per frame)
    assert cycles[0] == choose_folding(tfc_hw, tgt, 100.0, None, None).max_cycles == 98
    # slowest: no folding may be slower than the fully folded 784 x 64 first layer
    assert cycles[-1] <= 784 * 64
    # a window inside the range: every point within it
    folds = plan_foldings(tfc_hw, tgt, 100.0, 4, fps_min=20_000, fps_max=200_000)
    fps = [100e6 / apply_folding(tfc_hw, f).max_cycles for f in folds]
    assert len(folds) == 4 and all(20_000 <= v <= 200_000 for v in fps)
    # faster than the DMA port buys nothing: the fastest point is the I/O bound's 98 cycles
    assert apply_folding(tfc_hw, plan_foldings(tfc_hw, tgt, 100.0, 2, fps_max=5e6)[0]) \
        .max_cycles == 98
    with pytest.raises(HwgenError, match="unreachable"):  # one cycle per frame: 100 M frames/s
        plan_foldings(tfc_hw, tgt, 100.0, 4, fps_max=2e8)
    for bad in (float("nan"), float("inf"), 0.0, -5.0):  # named, not a traceback
        for key in ("fps_min", "fps_max"):
            with pytest.raises(HwgenError, match=f"--{key.replace('_', '-')} must be a finite "
                               "positive number"):
                plan_foldings(tfc_hw, tgt, 100.0, 4, **{key: bad})


def test_ignore_io_bound_plans_and_rates_the_core(tfc_hw, tmp_path) -> None:
    """--ignore-io-bound: the fastest point is hwgen build --ignore-io-bound's default (faster
    than the 98-cycle DMA bound), --fps-max may pass the DMA bound, and a point's fps is the
    core's clock / max_cycles, not capped at the port's rate."""
    tgt = get_target("pynq-z2")
    core_default = choose_folding(tfc_hw, tgt, 100.0, None, None, None, False).max_cycles
    assert core_default < 98
    folds = plan_foldings(tfc_hw, tgt, 100.0, 3, io_bound=False)
    assert apply_folding(tfc_hw, folds[0]).max_cycles == core_default
    fast = plan_foldings(tfc_hw, tgt, 100.0, 2, fps_max=100e6 / 49, io_bound=False)
    assert apply_folding(tfc_hw, fast[0]).max_cycles == 49
    doc = explore(MODEL, tmp_path / "ex", points=2, fps_min=100e6 / 98, fps_max=100e6 / 49,
                  serial=True, io_bound=False)
    assert doc["io_bound"] is False
    assert [p["max_cycles"] for p in doc["points"]] == [49, 98]
    assert [p["fps"] for p in doc["points"]] == [pytest.approx(100e6 / 49),
                                                  pytest.approx(100e6 / 98)]
    # the same window rated with the DMA port: no point faster than the port's 98 cycles
    capped = explore(MODEL, tmp_path / "ex2", points=2, fps_min=100e6 / 98, serial=True)
    assert capped["io_bound"] is True
    assert max(p["fps"] for p in capped["points"]) == pytest.approx(100e6 / 98)


def test_headroom_bounds_the_fastest_point_and_fits(tfc_hw, tmp_path) -> None:
    """--max-utilization LUT=0.04 (2,128 of the PYNQ-Z2's 53,200 LUTs): the fastest point is
    hwgen build's default folding within that limit (slower than the 98-cycle I/O bound, whose
    estimate is above it), and ``fits`` compares every point with the limit, not the device."""
    from hwgen.targets import parse_max_utilization

    tgt = get_target("pynq-z2")
    lim = parse_max_utilization("LUT=0.04")
    within = choose_folding(tfc_hw, tgt, 100.0, None, None, lim).max_cycles
    assert within > 98
    folds = plan_foldings(tfc_hw, tgt, 100.0, 3, limits=lim)
    assert apply_folding(tfc_hw, folds[0]).max_cycles == within
    # --fps-max at the I/O bound: the fastest point is over the limit (but within the device)
    doc = explore(MODEL, tmp_path / "ex", points=2, fps_max=100e6 / 98, serial=True,
                  max_utilization="LUT=0.04")
    assert doc["max_utilization"] == {"LUT": 0.04, "FF": 0.85, "BRAM18": 0.9, "DSP": 0.9}
    budget = int(0.04 * 53200)
    luts = [p["estimate"]["LUT"] for p in doc["points"]]
    assert [p["fits"] for p in doc["points"]] == [lut <= budget for lut in luts]
    assert doc["points"][0]["max_cycles"] == 98 and not doc["points"][0]["fits"]
    assert luts[0] <= 53200 and any(p["fits"] for p in doc["points"])
    assert [p["utilization"]["LUT"] for p in doc["points"]] == [round(v / 53200, 4) for v in luts]
    html = (tmp_path / "ex" / "explore.html").read_text()
    assert f"limit 4 %: {budget:,} LUT" in html and "utilization limits LUT 4 %" in html


def test_max_utilization_option_errors(tmp_path, capsys) -> None:
    from hwgen.cli import main

    assert main(["explore", MODEL, "-o", str(tmp_path / "ex"), "--max-utilization",
                 "LUT=1.5"]) == 1
    assert ("--max-utilization: max_utilization of LUT must be a number in (0, 1], not 1.5"
            in capsys.readouterr().err)


def test_pareto_flags() -> None:
    def pt(fps: float, lut: int, bram: int) -> dict:
        return {"fps": fps, "synth": None,
                "estimate": {"LUT": lut, "FF": 0, "BRAM18": bram, "DSP": 0}}

    pts = [pt(100, 10, 1), pt(200, 20, 1), pt(150, 25, 1), pt(100, 10, 2), pt(50, 5, 3),
           pt(200, 20, 1)]
    # (150, 25) loses to (200, 20); (100, 10, 2) to (100, 10, 1); equal points do not
    # dominate each other
    assert pareto_flags(pts) == [True, True, False, False, True, True]


def test_serial_sweep_and_resume(serial, tfc_hw, tmp_path) -> None:
    out, doc = serial
    assert doc["schema"] == SCHEMA and doc["engine"]["name"] == "serial"
    pts = doc["points"]
    assert len(pts) == POINTS
    assert list(pts[0]) == ["id", "max_cycles", "fps", "folding", "estimate", "synth",
                            "utilization", "fits", "pareto", "sim", "seconds"]
    assert doc["max_utilization"] == {"LUT": 0.85, "FF": 0.85, "BRAM18": 0.9, "DSP": 0.9}
    for p in pts:
        assert (out / "points" / p["id"] / "folding.json").is_file()
        assert json.loads((out / "points" / p["id"] / "folding.json").read_text()) == p["folding"]
        assert p["max_cycles"] == apply_folding(tfc_hw, p["folding"]).max_cycles
        assert p["fps"] == pytest.approx(min(100e6 / p["max_cycles"], 100e6 / 98))
        assert p["synth"] is None and p["sim"] is None and p["fits"]
    assert pareto_flags(pts) == [p["pareto"] for p in pts]
    html = (out / "explore.html").read_text()
    assert html.count("<svg") == 2 and "device: 53,200 LUT" in html
    assert all(p["id"] in html for p in pts)
    # a rerun reuses every point (same wall times: nothing recomputed)
    said: list[str] = []
    again = explore(MODEL, out, points=POINTS, serial=True, progress=said.append)
    assert again["points"] == pts
    assert f"{POINTS} already in" in said[0]
    # a folder of something else is refused
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(HwgenError, match="not written by hwgen explore"):
        explore(MODEL, tmp_path, points=1, serial=True)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    # as are a file and a link to nothing
    with pytest.raises(HwgenError, match="is a file; hwgen never replaces a file"):
        explore(MODEL, tmp_path / "mine.txt", points=1, serial=True)
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(HwgenError, match="broken symbolic link"):
        explore(MODEL, tmp_path / "gone", points=1, serial=True)
    assert not (tmp_path / "nowhere").exists()


def test_rebuild_reproduces_point(serial, tmp_path) -> None:
    out, doc = serial
    p = doc["points"][1]
    res = build(MODEL, tmp_path / "b", folding_file=out / "points" / p["id"] / "folding.json")
    data = collect(tmp_path / "b")
    assert res.manifest["max_cycles"] == p["max_cycles"]
    assert res.manifest["fps"]["achieved"] == p["fps"]
    assert {k: data["estimate"]["total"][k] for k in p["estimate"]} == p["estimate"]


# ---------------------------------------------------------------- on Ray


def test_local_ray_equals_serial(serial, tmp_path, capsys) -> None:
    import ray

    from hwgen.cli import main

    if ray.is_initialized():  # the local default starts its own Ray
        ray.shutdown()
    assert main(["explore", MODEL, "-o", str(tmp_path / "ex"), "--points", str(POINTS)]) == 0
    assert not ray.is_initialized()  # shut down again: it started it
    doc = json.loads((tmp_path / "ex" / "explore.json").read_text())
    assert doc["engine"]["name"] == "ray" and doc["engine"]["address"] == "local"
    assert doc["engine"]["nodes"] == 1 and doc["engine"]["cpus"] == os.cpu_count()
    assert _figures(doc) == _figures(serial[1])
    err = capsys.readouterr().err
    assert f"[{POINTS}/{POINTS}]" in err


@pytest.fixture(scope="module")
def cluster():
    """Two Ray nodes on this machine, one CPU each."""
    import ray
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    c = Cluster(initialize_head=True, connect=False,
                head_node_args={"num_cpus": 1, "object_store_memory": STORE,
                                "include_dashboard": False})
    c.add_node(num_cpus=1, object_store_memory=STORE)
    c.wait_for_nodes()
    ray.init(address=c.address, logging_level="WARNING")
    yield c
    ray.shutdown()
    c.shutdown()


def test_two_node_cluster(cluster, serial, tmp_path) -> None:
    doc = explore(MODEL, tmp_path / "ex", points=POINTS, address=cluster.address)
    assert doc["engine"]["nodes"] == 2 and doc["engine"]["cpus"] == 2
    assert doc["engine"]["address"] == cluster.address
    assert _figures(doc) == _figures(serial[1])


def _point_workers() -> list[int]:
    """Pids of Ray workers now running a point (Ray titles them ``ray::run_point``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"ray::run_point"):
                pids.append(int(entry.name))
    return pids


def test_killed_worker_loses_no_point(cluster, serial, tmp_path) -> None:
    box: dict = {}

    def sweep() -> None:
        try:
            box["doc"] = explore(MODEL, tmp_path / "ex", points=POINTS, address=cluster.address)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    t = threading.Thread(target=sweep)
    t.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and t.is_alive() and time.monotonic() < deadline:
        pids = _point_workers()
        if pids:
            killed = pids[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.01)
    t.join(300)
    assert killed is not None, "no worker was caught running a point"
    assert "error" not in box, box.get("error")
    assert _figures(box["doc"]) == _figures(serial[1])


@pytest.mark.rtl
@pytest.mark.slow
def test_point_with_simulation(tmp_path) -> None:
    """--sim-frames: random frames through Verilator, RTL == golden, interval == analytic."""
    with pytest.raises(HwgenError, match="no folding runs between"):  # 98 cycles: 1.02 M
        explore(MODEL, tmp_path / "none", points=1, fps_min=1e6, fps_max=1e6, serial=True)
    doc = explore(MODEL, tmp_path / "ex", points=1, fps_min=9e5, fps_max=1.1e6, sim_frames=4,
                  serial=True)
    (p,) = doc["points"]
    assert p["max_cycles"] == 98
    assert p["sim"] == {"frames": 4, "mismatches": 0, "interval_cycles": 98}
