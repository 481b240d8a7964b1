"""Skip-FIFO sizing evidence (issue 16): for each join input of the zoo's graph designs, the
smallest FIFO depth that keeps the analytic interval, found by bisection in Verilator, next to
hwgen's analytic depth (the build's ``fifo_paths``) and their ratio (goal: 1 <= ratio <= 1.25).

Not part of ``hwgen build``: one design build with every join FIFO a whole frame deep (two
frames of beats), then one Verilator model whose FIFOs take a run-time capacity cap
(``+fifo_cap.<instance>=N``, a simulation-only variant of hwgen_fifo written into this
script's copy of the design), so each bisection step is a run, not a rebuild. The other join
FIFOs stay uncapped while one is bisected. A depth passes when the outputs equal the golden
model bit for bit, the design does not stall, and the measured interval equals the analytic
one (back to back, 20 frames).

    python benchmarks/fifo_sizing.py [resnet_small concat_small] [--frames 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hwgen  # noqa: E402
from hwgen.build import build  # noqa: E402
from hwgen.errors import SimulationError  # noqa: E402
from hwgen.golden import prologue  # noqa: E402
from hwgen.simulate.design import simulate  # noqa: E402
from tests.zoo import export, inputs_for, mnist_images  # noqa: E402

FULL = "    wire full = (count_reg == D[AW:0]);"
CAPPED = """    // benchmarks/fifo_sizing.py: a run-time capacity (simulation only)
    reg [AW:0] cap_reg;
    reg [8*200-1:0] cap_fmt;
    integer cap_n;
    initial begin  // unnamed: %m is the instance
        cap_reg = D[AW:0];
        $sformat(cap_fmt, "fifo_cap.%m=%%d");
        if ($value$plusargs(cap_fmt, cap_n)) cap_reg = (cap_n < D) ? cap_n[AW:0] : D[AW:0];
    end
    wire full = (count_reg >= cap_reg);"""


def _instance(join: str, port: int) -> str:
    return f"hwgen_tb.dut.u_pipeline.u_{join}_fifo{port}"


def _passes(out: Path, graph, x, expected, interval: int, caps: dict[str, int]) -> bool:
    plus = tuple(f"+fifo_cap.{k}={v}" for k, v in caps.items())
    try:
        run = simulate(out, prologue(graph, x), level="core", plusargs=plus)
    except SimulationError:
        return False  # stalled (deadlock)
    got = run.outputs.reshape(expected.shape)
    if not np.array_equal(got, expected):
        raise AssertionError(f"outputs differ from the golden model at caps {caps}")
    return run.interval_cycles == interval


def size(model_id: str, root: Path, frames: int) -> list[dict]:
    src = export(model_id, root)
    probe = build(src, root / f"{model_id}_analytic")
    m = probe.manifest
    interval = m["max_cycles"]
    big = {}
    for join in m["fifo_paths"]:
        layer = probe.hw.layer(join["join"])
        big[join["join"]] = [2 * layer.port_elems(p["port"]) // layer.in_beat_elems
                             for p in join["inputs"]]
    ffile = root / f"{model_id}_big.json"
    ffile.write_text(json.dumps(big))
    out = root / f"{model_id}_big"
    build(src, out, fifo_depths_file=ffile)
    fifo = out / "rtl" / "hwgen_fifo.v"
    text = fifo.read_text()
    if FULL not in text:
        raise SystemExit("hwgen_fifo.v changed: update benchmarks/fifo_sizing.py")
    fifo.write_text(text.replace(FULL, CAPPED))
    graph = hwgen.load(out / "model.onnx")
    images = mnist_images(frames)
    if images is None:
        raise SystemExit("MNIST not found: set HWGEN_MNIST_DIR")
    x = inputs_for(model_id, images[0])
    expected = hwgen.execute(graph, x, upto="hw")
    if not _passes(out, graph, x, expected, interval, {}):
        raise SystemExit(f"{model_id}: even frame-deep join FIFOs miss the analytic interval")
    rows = []
    for join in m["fifo_paths"]:
        for p in join["inputs"]:
            inst = _instance(join["join"], p["port"])
            lo, hi = 0, big[join["join"]][p["port"]]  # lo fails (or is 0), hi passes
            steps = 0
            while hi - lo > 1:
                mid = (lo + hi) // 2
                steps += 1
                if _passes(out, graph, x, expected, interval, {inst: mid}):
                    hi = mid
                else:
                    lo = mid
            rows.append({"design": model_id, "join": join["join"], "port": p["port"],
                         "from": p["from"], "analytic": p["depth"], "min": hi,
                         "ratio": p["depth"] / hi, "steps": steps})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=["resnet_small", "concat_small"])
    ap.add_argument("--frames", type=int, default=20)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hwgen_fifo_sizing_") as tmp:
        for model_id in args.models:
            rows += size(model_id, Path(tmp), args.frames)
    print(f"{'design':14} {'join':8} {'in':>2} {'from':8} {'analytic':>8} {'min (sim)':>9} "
          f"{'ratio':>6}")
    for r in rows:
        flag = "" if 1 <= r["ratio"] <= 1.25 else ("  BELOW MIN" if r["ratio"] < 1 else "  > 1.25")
        print(f"{r['design']:14} {r['join']:8} {r['port']:>2} {r['from']:8} {r['analytic']:>8} "
              f"{r['min']:>9} {r['ratio']:>6.2f}{flag}")
    print(f"({len(rows)} join inputs, {time.perf_counter() - t0:.0f} s; depths in beats at the "
          "join's input width; min = smallest depth with the analytic interval, 20 frames)")


if __name__ == "__main__":
    main()
