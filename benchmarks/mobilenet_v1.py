"""MobileNet-v1 (Brevitas' quant_mobilenet_v1, 4-bit, 224 x 224, random weights) built by hwgen:
width 1.0 for the ZCU104 and width 0.25 for the PYNQ-Z2, default folding (as fast as the DMA
port allows, folded down until the estimate fits the target's utilization limits).

Usage: python benchmarks/mobilenet_v1.py [--cache DIR] [--check] [--runs W:TARGET ...]
--check first compares hwgen's golden model with QONNX's execute_onnx on 2 random frames (the
contract check, layer by layer; about a minute at width 1.0). Prints per design: the analytic frames/s (binding bound), estimated LUT, FF, BRAM18, URAM and
DSP against the device, the weight memories used, and the build wall time. Exports are cached
in DIR (default: a temporary folder) since the width-1.0 export takes minutes.

The estimates come from hwgen's cost models (hwgen/estimate/cost.py, calibrated against Yosys
on smaller layers); nothing here is synthesised or placed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

RUNS = (("1.0", "zcu104"), ("0.25", "pynq-z2"))


def _check(path: Path) -> str:
    """Golden vs execute_onnx on 2 random UINT8 frames (tests/frontend/onnx_ref.py)."""
    import numpy as np

    import hwgen
    from hwgen.frontend import read
    from hwgen.frontend.lower import lower_with_paths
    from tests.frontend.onnx_ref import compare_layers, run_onnx

    model = read(path)
    graph, paths = lower_with_paths(model)
    x = np.random.default_rng(1).integers(0, 256, size=(2, 3, 224, 224)).astype(np.float32)
    t0 = time.perf_counter()
    ref = run_onnx(model, x)
    t_onnx = time.perf_counter() - t0
    gold = hwgen.execute(graph, x)
    diffs = compare_layers(graph, paths, model, x)  # asserts the contract
    flipped = {k: v for k, v in diffs.items() if v}
    return (f"  golden vs execute_onnx (2 frames, {t_onnx:.1f} s in execute_onnx): max |diff| "
            f"{np.abs(gold - ref).max():.2g} of {np.abs(ref).max():.2g}, top-1 "
            f"{gold.argmax(1).tolist()} vs {ref.argmax(1).tolist()}, contract ok; elements "
            f"within float rounding of a threshold: {flipped or 'none'}")


def _row(width: str, target: str, cache: Path, check: bool) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from hwgen.build import build
    from hwgen.targets import get_target
    from tests.zoo import export_mobilenet_v1

    path = cache / f"mobilenet_v1_w{float(width):g}.onnx"
    t0 = time.perf_counter()
    if not path.exists():
        export_mobilenet_v1(cache, float(width))
    t_export = time.perf_counter() - t0
    checked = _check(path) + "\n" if check else ""
    t0 = time.perf_counter()
    result = build(path, cache / f"build_w{width}_{target}", target=target)
    t_build = time.perf_counter() - t0
    m = result.manifest
    tot = m["estimate"]["total"]
    tgt = get_target(target)
    cap = tgt.capacity()
    fps = m["fps"]
    mems: dict[str, int] = {}
    for layer in m["layers"]:
        if layer.get("weight_memory"):
            mems[layer["weight_memory"]] = mems.get(layer["weight_memory"], 0) + 1

    def share(k: str) -> str:
        return f"{tot.get(k, 0):,}" + (f" ({100 * tot.get(k, 0) / cap[k]:.1f} %)" if cap.get(k)
                                       else "")

    macs = sum(layer.macs for layer in result.hw.layers if hasattr(layer, "macs"))
    return checked + (f"MobileNet-v1 w{width} on {target} ({tgt.part}) at {m['clock_mhz']:g} MHz: "
            f"{fps['achieved']:,.1f} frames/s ({fps['bound']}-bound; core {fps['core']:,.1f}, "
            f"I/O {fps['io']:,.0f}; {m['max_cycles']:,} cycles/frame), "
            f"{macs / 1e6:,.0f} M MAC/frame\n"
            f"  estimate: LUT {share('LUT')}, FF {share('FF')}, BRAM18 {share('BRAM18')}, "
            f"URAM {share('URAM')}, DSP {share('DSP')}; fits the limits: {m['estimate']['fits']}\n"
            f"  weight memories: {', '.join(f'{n} {k}' for k, n in sorted(mems.items()))}; "
            f"{len(result.hw.layers)} hardware layers; export {t_export:.0f} s, build "
            f"{t_build:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="folder for the exports and builds")
    ap.add_argument("--check", action="store_true", help="golden vs execute_onnx first")
    ap.add_argument("--runs", nargs="*", help="WIDTH:TARGET pairs (default 1.0:zcu104 0.25:pynq-z2)")
    args = ap.parse_args()
    runs = [tuple(r.split(":")) for r in args.runs] if args.runs else RUNS
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        for width, target in runs:
            print(_row(width, target, cache, args.check), flush=True)


if __name__ == "__main__":
    main()
