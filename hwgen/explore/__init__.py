"""Design-space exploration: the throughput / resources trade-off of a model, point by point.

``explore(model, out, target=...)`` chooses foldings spread over the throughput range (by
default from the fully folded design to the fastest folding the target allows), and for each
point, as one task on the engine (:mod:`hwgen.explore.engine`, Ray): builds the design in a
scratch folder, estimates it, optionally synthesizes every template instance with Yosys (the
content-addressed per-instance cache, shared by all workers of a machine) and co-simulates K
random frames in Verilator. The driver writes, as each point ends:

- ``OUT/points/ID/folding.json``: the point's folding (``hwgen build --folding`` takes it);
- ``OUT/points/ID/point.json``: the point's figures and the options they were made with (a
  rerun with the same options reuses them: an interrupted sweep resumes);

and at the end ``OUT/explore.json`` (schema ``hwgen-explore/1``, README "Design-space
exploration") and ``OUT/explore.html`` (Pareto plots and the table of points).

How points are chosen: cycle targets on a geometric ladder between the fastest and the slowest
cycles per frame; each target gets the cheapest folding whose layers all reach it
(``auto_fold``, the same as ``hwgen build --fps``); targets that give a folding already seen
are replaced by midpoints of the widest remaining gaps until N distinct foldings are found or
none is left. Point ids are ``<max cycles, 6 digits>-<hash of the folding>``: they sort by
speed and stay the same across runs.

Pareto: a point is on the front when no other point is at least as fast and uses no more of
every resource (LUT, FF, BRAM18, DSP; Yosys figures with ``--synth``, else the estimate), and
better in one of them. ``fits`` compares the same figures with the utilization limits
(``max_utilization``: the target's table, 85 % of LUT and FF and 90 % of BRAM18 and DSP by
default, or ``--max-utilization``), the same limits the default folding (the fastest point,
without ``--fps-max``) is chosen within; ``utilization`` gives each figure as a share of the
device.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hwgen.errors import FoldingError, HwgenError

__all__ = ["SCHEMA", "explore", "pareto_flags", "plan_foldings", "run_point"]

SCHEMA = "hwgen-explore/1"
RES = ("LUT", "FF", "BRAM18", "DSP")
_POINT_FILE = "point.json"


# ---------------------------------------------------------------- choosing the points


def plan_foldings(hw, target, clock_mhz: float, points: int, fps_min: float | None = None,
                  fps_max: float | None = None,
                  limits: dict[str, float] | None = None,
                  io_bound: bool = True) -> list[dict[str, dict[str, object]]]:
    """Up to ``points`` distinct foldings (folding.json dicts), fastest first. Without
    ``fps_max`` the fastest is hwgen build's default folding, within the utilization limits
    (the target's, ``limits`` overriding them). ``io_bound`` False plans the core alone, as
    ``hwgen build --ignore-io-bound``: points may be faster than the DMA port feeds them."""
    from hwgen.build import (
        _fastest_cycles,
        _slowest_cycles,
        choose_folding,
        cycles_for_fps,
        fit_memories,
        io_cycles,
    )
    from hwgen.build.fold import auto_fold, folding_dict
    from hwgen.estimate.cost import estimate_layer

    if points < 1:
        raise HwgenError(f"--points must be at least 1, not {points}")
    clock = clock_mhz * 1e6
    fastest, slowest = _fastest_cycles(hw), _slowest_cycles(hw)
    io = max(io_cycles(hw, target.dma_bits))
    if fps_max is None:
        lo = choose_folding(hw, target, clock_mhz, None, None, limits, io_bound).max_cycles
    else:
        if not (math.isfinite(fps_max) and fps_max > 0):
            raise HwgenError(f"--fps-max must be a finite positive number of frames/s, "
                             f"not {fps_max}")
        lo = cycles_for_fps(clock, fps_max)
        if clock / fps_max < fastest:
            raise FoldingError(f"--fps-max {fps_max:,.0f} frames/s is unreachable; fully "
                               f"parallel the design runs {clock / fastest:,.0f} frames/s",
                               hint="lower --fps-max")
        if io_bound:
            lo = max(lo, min(io, slowest))  # faster than the DMA port buys nothing
    hi = slowest
    if fps_min is not None:
        if not (math.isfinite(fps_min) and fps_min > 0):
            raise HwgenError(f"--fps-min must be a finite positive number of frames/s, "
                             f"not {fps_min}")
        hi = min(hi, cycles_for_fps(clock, fps_min))
    if hi < lo:
        raise HwgenError(f"no folding between {clock / max(hi, 1):,.0f} and {clock / lo:,.0f} "
                         "frames/s", hint="widen --fps-min / --fps-max")
    cost = lambda layer: estimate_layer(layer).LUT  # noqa: E731
    tried: dict[int, str] = {}  # cycle target -> folding key
    found: dict[str, tuple[int, dict]] = {}  # folding key -> (max cycles, folding)

    def attempt(c: int) -> None:
        if c in tried:
            return
        hw_c = fit_memories(auto_fold(hw, c, cost), target, limits)
        fold = folding_dict(hw_c)
        key = json.dumps(fold, sort_keys=True)
        tried[c] = key
        if hw_c.max_cycles >= lo:  # the cheapest folding for c may be faster than --fps-max
            found.setdefault(key, (hw_c.max_cycles, fold))

    n0 = points if hi > lo else 1
    for i in range(n0):
        attempt(lo if n0 == 1 else round(lo * (hi / lo) ** (i / (n0 - 1))))
    for _ in range(20 * points):
        if len(found) >= points:
            break
        cs = sorted(tried)
        gaps = [(math.log(b / a), a, b) for a, b in zip(cs, cs[1:])
                if b - a > 1 and tried[a] != tried[b]]
        if not gaps:
            break
        _, a, b = max(gaps)
        attempt(round(math.sqrt(a * b)) if round(math.sqrt(a * b)) not in (a, b) else (a + b) // 2)
    if not found:
        nearest = auto_fold(hw, hi, cost).max_cycles
        raise HwgenError(f"no folding runs between {clock / hi:,.0f} and {clock / lo:,.0f} "
                         f"frames/s; the cheapest folding in reach runs {clock / nearest:,.0f}",
                         hint="widen --fps-min / --fps-max")
    chosen = sorted(found.values(), key=lambda t: (t[0], json.dumps(t[1], sort_keys=True)))
    return [fold for _, fold in chosen[:points]]


def point_id(folding: dict, max_cycles: int) -> str:
    digest = hashlib.sha256(json.dumps(folding, sort_keys=True).encode()).hexdigest()[:8]
    return f"{max_cycles:06d}-{digest}"


# ---------------------------------------------------------------- one point (a task)


def _random_inputs(graph, frames: int, seed: int = 0):
    """``frames`` random inputs in the ONNX input layout: integers of the input datatype when
    the input is annotated, else standard normal floats (quantized on the host)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (frames, *graph.onnx_input_shape[1:])
    if graph.prologue.kind == "quant":
        return rng.standard_normal(shape).astype(np.float32)
    dt = graph.input_dtype
    return rng.integers(dt.min, dt.max + 1, size=shape).astype(np.float32)


def run_point(model: bytes, model_name: str, target: str, clock_mhz: float,
              folding: dict, synth: bool, sim_frames: int,
              io_bound: bool = True) -> dict[str, Any]:
    """Build, estimate (and synthesize, simulate) one folding; returns its figures. ``fps``
    is the achieved rate (the slower of core and DMA port), or with ``io_bound`` False the
    core's.

    Runs in a scratch folder of the worker, so a cluster needs no shared file system; only
    the Yosys cache (``~/.cache/hwgen/synth``) is shared, by the workers of one machine."""
    from hwgen.build import build
    from hwgen.report import collect

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hwgen-explore-") as tmp:
        src = Path(tmp) / model_name
        src.write_bytes(model)
        ffile = Path(tmp) / "folding.json"
        ffile.write_text(json.dumps(folding))
        out = Path(tmp) / "build"
        result = build(src, out, target=target, clock_mhz=clock_mhz, folding_file=ffile)
        data = collect(out, synth=synth, jobs=1)
        sim = None
        if sim_frames:
            import hwgen
            from hwgen.simulate.job import run_job

            graph = hwgen.load(src)
            job = run_job(out, _random_inputs(graph, sim_frames), qonnx_check=0)
            r = job.results
            sim = {"frames": r["frames"], "mismatches": r["mismatches"],
                   "interval_cycles": r["interval_cycles"]}
    m = result.manifest
    return {
        "max_cycles": m["max_cycles"],
        "fps": m["fps"]["achieved"] if io_bound else m["fps"]["core"],
        "folding": json.loads(json.dumps(folding)),
        "estimate": {k: int(data["estimate"]["total"][k]) for k in RES},
        "synth": {k: int(data["synth"]["total"][k]) for k in RES} if synth else None,
        "sim": sim,
        "seconds": round(time.perf_counter() - t0, 2),
    }


# ---------------------------------------------------------------- the sweep


def pareto_flags(points: list[dict]) -> list[bool]:
    """True for points no other point dominates (faster or as fast, no more of any resource,
    strictly better somewhere)."""

    def figs(p: dict) -> tuple[float, ...]:
        res = p["synth"] or p["estimate"]
        return (-p["fps"], *(res[k] for k in RES))

    vals = [figs(p) for p in points]
    return [not any(all(o <= v for o, v in zip(other, mine)) and other != mine
                    for other in vals) for mine in vals]


def _check_out(out: Path) -> None:
    """Refuse a non-empty folder that is not an explore folder (nothing of the user's is
    overwritten); an explore folder is resumed."""
    from hwgen.outdir import refuse_broken_link

    refuse_broken_link(out)
    if out.is_file():
        raise HwgenError(f"output {out} is a file; hwgen never replaces a file",
                         hint="give a folder for -o")
    if out.is_dir() and any(out.iterdir()) and not (
            (out / "explore.json").is_file() or (out / "points").is_dir()):
        raise HwgenError(f"output folder {out} is not empty and was not written by hwgen "
                         "explore", hint="choose a new or empty folder for -o")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _load_point(folder: Path, key: dict) -> dict | None:
    try:
        saved = json.loads((folder / _POINT_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return saved["point"] if saved.get("key") == key else None


def explore(model: str | Path, out: str | Path, *, target: str = "pynq-z2", points: int = 8,
            fps_min: float | None = None, fps_max: float | None = None, synth: bool = False,
            sim_frames: int = 0, clock_mhz: float | None = None, address: str | None = None,
            serial: bool = False, max_retries: int = 3,
            max_utilization: str | float | dict | None = None, io_bound: bool = True,
            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the sweep (see the module docstring); returns the explore.json document.

    ``serial``: run the points one after another in this process, without Ray (a reference
    for tests and a debug aid); explore.json's engine is then ``{"name": "serial"}``.
    ``max_utilization`` overrides the target's utilization limits (as in ``hwgen build``:
    0.9, or "LUT=0.8,BRAM18=0.95"); they bound the fastest point and decide ``fits``.
    ``io_bound`` False: plan and rate the core alone (``--ignore-io-bound``)."""
    import hwgen
    from hwgen.build import resolve_model
    from hwgen.build.fold import apply_folding
    from hwgen.build.lower import lower
    from hwgen.explore.engine import RayEngine
    from hwgen.targets import get_target, parse_max_utilization

    say = progress or (lambda _m: None)
    if sim_frames < 0:
        raise HwgenError(f"--sim-frames must be 0 or more, not {sim_frames}")
    out = Path(out)
    _check_out(out)
    src = resolve_model(model)
    tgt = get_target(target)
    limits = parse_max_utilization(max_utilization)
    clock = float(clock_mhz or tgt.clock_mhz)
    model_bytes = src.read_bytes()
    hw = lower(hwgen.load(src))
    foldings = plan_foldings(hw, tgt, clock, points, fps_min, fps_max, limits, io_bound)
    ids = [point_id(f, apply_folding(hw, f).max_cycles) for f in foldings]
    key_base = {"model_sha256": hashlib.sha256(model_bytes).hexdigest(), "target": tgt.name,
                "clock_mhz": clock, "synth": synth, "sim_frames": sim_frames}
    if not io_bound:  # points rated differently: not interchangeable with I/O-bound ones
        key_base["io_bound"] = False
    (out / "points").mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    todo = []
    for pid, fold in zip(ids, foldings):
        folder = out / "points" / pid
        folder.mkdir(exist_ok=True)
        _atomic_write(folder / "folding.json", json.dumps(fold, indent=2) + "\n")
        saved = _load_point(folder, dict(key_base, folding=fold))
        if saved is not None:
            results[pid] = saved
        else:
            todo.append((pid, fold))
    say(f"explore {src.name} on {tgt.name} at {clock:g} MHz: {len(ids)} points "
        f"({len(results)} already in {out}), {len(todo)} to run"
        + (" with Yosys" if synth else "") + (f", {sim_frames} frames simulated" if sim_frames
                                              else ""))
    t0 = time.perf_counter()

    def finished(pid: str, fold: dict, point: dict) -> None:
        point = {"id": pid, **point}
        results[pid] = point
        folder = out / "points" / pid
        _atomic_write(folder / _POINT_FILE, json.dumps(
            {"key": dict(key_base, folding=fold), "point": point}, indent=1) + "\n")
        figs = point["synth"] or point["estimate"]
        say(f"[{len(results)}/{len(ids)}] {pid}: {point['max_cycles']:,} cycles, "
            f"{point['fps']:,.0f} frames/s, {figs['LUT']:,} LUT, {figs['BRAM18']} BRAM18 "
            f"({'Yosys' if point['synth'] else 'estimate'}; {point['seconds']:.1f} s; "
            f"{time.perf_counter() - t0:.0f} s elapsed)")

    calls = [(model_bytes, src.name, tgt.name, clock, fold, synth, sim_frames, io_bound)
             for _, fold in todo]
    if serial:
        engine_info: dict[str, Any] = {"name": "serial", "version": None, "address": None,
                                       "nodes": 1, "cpus": 1}
        for (pid, fold), args in zip(todo, calls):
            finished(pid, fold, run_point(*args))
    else:
        with RayEngine(address) as engine:
            info = engine.info()
            engine_info = info.as_dict()
            say(f"engine: Ray {info.version} at {info.address}, {info.nodes} node(s), "
                f"{info.cpus:g} CPU(s)")
            if todo:
                ref = engine.put(model_bytes)
                calls = [(ref, *c[1:]) for c in calls]
                for i, point in engine.map(run_point, calls, max_retries=max_retries):
                    finished(todo[i][0], todo[i][1], point)
    ordered = [results[pid] for pid in ids]
    cap, budget = tgt.capacity(), tgt.budget(limits)
    for p, front in zip(ordered, pareto_flags(ordered)):
        figs = p["synth"] or p["estimate"]
        p["fits"] = all(figs[k] <= budget[k] for k in RES)
        p["utilization"] = {k: round(figs[k] / cap[k], 4) if cap[k] else None for k in RES}
        p["pareto"] = front
    doc = {
        "schema": SCHEMA,
        "model": src.name,
        "target": tgt.name,
        "part": tgt.part,
        "clock_mhz": clock,
        "capacity": cap,
        "max_utilization": {k: v for k, v in tgt.limits(limits).items() if k in cap},
        "figures": "synth" if synth else "estimate",
        "io_bound": io_bound,
        "engine": engine_info,
        "points": [_ordered_point(p) for p in ordered],
    }
    _atomic_write(out / "explore.json", json.dumps(doc, indent=1) + "\n")
    from hwgen.explore.render import render_html

    _atomic_write(out / "explore.html", render_html(doc))
    return doc


_KEYS = ("id", "max_cycles", "fps", "folding", "estimate", "synth", "utilization", "fits",
         "pareto", "sim", "seconds")


def _ordered_point(p: dict) -> dict:
    return {k: p[k] for k in _KEYS}

