"""The flows' grid sweeps on Ray: every grid point a task (hwgen.explore.engine.RayEngine).

A local Ray with one worker per core by default, a running cluster with ``--address`` (or
``RAY_ADDRESS``). Each point runs with one torch thread (one CPU per task); results come back
in grid order whatever order the points finish in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hwgen.explore.engine import RayEngine

__all__ = ["run_grid"]


def run_grid(fn: Callable[..., Any], shared: Any, calls: Sequence[tuple],
             address: str | None = None, log: Callable[[str], None] = lambda _m: None,
             describe: Callable[[tuple, Any], str] | None = None) -> tuple[list[Any], dict]:
    """``[fn(shared, *calls[i]) for i]`` as Ray tasks (``shared`` is sent once); returns the
    results in order and the engine record (name, version, address, nodes, cpus)."""
    results: list[Any] = [None] * len(calls)
    with RayEngine(address) as engine:
        info = engine.info()
        log(f"sweep: {len(calls)} grid points on Ray {info.version} at {info.address} "
            f"({info.nodes} node(s), {info.cpus:g} CPU(s))")
        ref = engine.put(shared)
        for i, result in engine.map(fn, [(ref, *c) for c in calls]):
            results[i] = result
            if describe is not None:
                log(describe(calls[i], result))
    return results, info.as_dict()
