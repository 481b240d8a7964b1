"""Wall time of a 16-point ``--synth`` sweep of TFC-W1A1 (``hwgen explore``) on a local Ray with
one worker and with two (goal on 2 cores: a speed-up of at least 1.6x).

Usage: python benchmarks/explore_speed.py [--points 16] [--workers 1,2] [--model MODEL]
                                          [--keep DIR]

Each run gets a fresh, empty Yosys cache (so both do the same synthesis work; the compiled
Yosys in YOWASP_CACHE_DIR is kept) and its own Ray instance started with that many CPUs; the
sweep's wall time excludes Ray's start-up, which is printed apart. Prints one line per worker
count and the speed-up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def sweep(model: str, points: int, workers: int, tmp: Path) -> tuple[float, float, int]:
    """(Ray start-up seconds, sweep seconds, points) with ``workers`` CPUs and a cold cache."""
    import ray

    from hwgen.explore import explore

    tmp.mkdir(parents=True, exist_ok=True)
    out = tmp / f"explore_{workers}"
    shutil.rmtree(out, ignore_errors=True)  # a kept earlier sweep would be resumed, not rerun
    cache = Path(tempfile.mkdtemp(prefix=f"synth_cache_{workers}_", dir=tmp))
    os.environ["HWGEN_CACHE_DIR"] = str(cache)  # workers inherit it; empty: a cold cache
    t0 = time.perf_counter()
    ray.init(num_cpus=workers, object_store_memory=200 * 1024 * 1024, include_dashboard=False,
             logging_level="WARNING")
    t1 = time.perf_counter()
    try:
        doc = explore(model, out, points=points, synth=True,
                      progress=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    finally:
        ray.shutdown()
    return t1 - t0, time.perf_counter() - t1, len(doc["points"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="example:tfc_w1a1")
    p.add_argument("--points", type=int, default=16)
    p.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    p.add_argument("--keep", help="write the sweeps (DIR/explore_<workers>) here and keep them")
    args = p.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    counts = [int(w) for w in args.workers.split(",")]
    walls = {}
    with tempfile.TemporaryDirectory(prefix="explore_speed_") as tmp:
        for w in counts:
            start, wall, n = sweep(args.model, args.points, w, Path(args.keep or tmp))
            walls[w] = wall
            print(f"hwgen explore {args.model} --synth: {n} points, {w} worker(s): "
                  f"{wall:.1f} s wall (Ray start-up {start:.1f} s apart)", flush=True)
    if len(counts) > 1:
        base = walls[counts[0]]
        for w in counts[1:]:
            print(f"speed-up {counts[0]} -> {w} workers: {base / walls[w]:.2f}x "
                  f"(cores on this machine: {os.cpu_count()})")


if __name__ == "__main__":
    main()
