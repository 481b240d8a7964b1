"""The mean-field depth flow: theory table -> depth x N sweep -> one net through hardware.

1. Theory: for each N, the optimal step spacing and the correlation depth scale xi(N) of
   Blumenfeld, Gilboa, Soudry (2019), solved numerically (:func:`hwgen.inspect.
   quantized_depth_scale`); predicted maximal trainable depth L_max = 6 xi(N) and the fitted
   exponent of L_max ~ N^a (the paper: a = 1.82).
2. Sweep: staircase MLPs (:mod:`flows.meanfield_depth.model`, mean-field initialization, no
   BatchNorm) of every depth in ``--depths`` and every N in ``--levels`` trained on MNIST (or
   sklearn digits with ``--quick``); a net counts as trained when its test accuracy is above
   the midpoint between chance (10 %) and the best accuracy of that N. Each grid point is a
   Ray task: a local Ray by default, a cluster with ``--address`` (:mod:`flows.common.sweep`).
3. Hardware: the ``--hw-levels`` / ``--hw-depth`` net is exported as MatMul + MultiThreshold
   QONNX (written with onnx.helper), checked against torch with hwgen's golden executor,
   built and simulated (:mod:`flows.common.hardware`).
4. ``hwgen inspect``'s depth warning is exercised on a net deeper than 6 xi(2).

Writes OUT/results.json, OUT/results.md, OUT/accuracy_vs_depth.svg and OUT/model.onnx.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from flows.common.cli import int_list, run_main
from flows.common.sweep import run_grid
from hwgen.errors import HwgenError
from hwgen.explore.engine import add_engine_args

__all__ = ["build_parser", "grid_point", "main", "run", "theory_table"]

DEFAULT_DATA_DIR = "../shared/data/mnist"
CHANCE = 0.1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m flows.meanfield_depth",
        description="Depth x quantization-levels sweep of staircase MLPs vs mean-field theory.",
    )
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="folder with MNIST IDX .gz files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--levels", type=int_list, default=None, help="N values (default 2,4,8)")
    p.add_argument("--depths", type=int_list, default=None, help="hidden-layer counts to sweep")
    p.add_argument("--width", type=int, default=None, help="hidden width (default 64)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per sweep point")
    p.add_argument("--train-samples", type=int, default=10000, help="MNIST training subset")
    p.add_argument("--test-samples", type=int, default=2000, help="MNIST test subset")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None,
                   help="Adam learning rate, cosine decay (default 5e-3; 1e-2 with --quick)")
    p.add_argument("--hw-levels", type=int, default=4, help="N of the net sent to hardware")
    p.add_argument("--hw-depth", type=int, default=None, help="depth of the hardware net")
    p.add_argument("--sim-images", type=int, default=None, help="test images simulated in RTL")
    p.add_argument("--no-hardware", action="store_true", help="skip hwgen build and sim")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--quick", action="store_true",
                   help="sklearn digits, a 2 x 2 sweep and a tiny hardware net (CI smoke run)")
    add_engine_args(p)  # the depth x N grid points run as Ray tasks
    return p


def theory_table(levels: list[int]) -> list[dict[str, float]]:
    """xi(N), the optimal spacing and L_max = 6 xi(N) for each N."""
    from hwgen.inspect import DEPTH_SCALES, quantized_depth_scale

    rows = []
    for n in levels:
        xi, spacing = quantized_depth_scale(n)
        rows.append({"N": n, "spacing": spacing, "xi": xi, "L_max": DEPTH_SCALES * xi})
    return rows


def _fit_exponent(rows: list[dict[str, float]]) -> float:
    """Least-squares slope of log L_max against log N."""
    x = np.log([r["N"] for r in rows])
    y = np.log([r["L_max"] for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def _defaults(args: argparse.Namespace) -> None:
    quick = args.quick
    args.levels = args.levels or ([2, 4] if quick else [2, 4, 8])
    args.depths = args.depths or ([2, 16] if quick else [2, 4, 8, 12, 16, 24, 32, 48, 64])
    args.width = args.width or (32 if quick else 64)
    args.epochs = args.epochs or (4 if quick else 2)
    args.lr = args.lr or (1e-2 if quick else 5e-3)
    args.hw_depth = args.hw_depth or (2 if quick else 3)
    args.sim_images = args.sim_images or (100 if quick else 500)


def grid_point(data, n: int, depth: int, width: int, moment: float, epochs: int,
               batch_size: int, lr: float, seed: int, device: str) -> dict[str, Any]:
    """One sweep point (a Ray task, one torch thread): a trained staircase MLP's accuracies."""
    import torch

    from flows.common.train import seed_everything, train
    from flows.meanfield_depth.model import StaircaseMLP

    torch.set_num_threads(1)
    seed_everything(seed)
    model = StaircaseMLP(depth, width, n, moment)
    res = train(model, data, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                device=device, log=lambda _line: None)
    return {"N": n, "depth": depth, "test_accuracy": res.test_accuracy,
            "train_accuracy": res.train_accuracy, "seconds": round(res.train_seconds, 1)}


def run(args: argparse.Namespace, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    import torch

    from flows.common.data import load_digits_28, load_mnist
    from flows.common.hardware import QUICK_FPS, hardware_steps
    from flows.common.plot import line_plot
    from flows.common.report import write_results
    from flows.common.train import log_line, predict, seed_everything, train
    from flows.meanfield_depth.model import StaircaseMLP, export_onnx

    log = log or log_line
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise HwgenError(f"device must be available, not {args.device!r}", hint="use --device cpu")
    torch.set_num_threads(args.threads)
    _defaults(args)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_digits_28(seed=args.seed) if args.quick else \
        load_mnist(args.data_dir).subset(args.train_samples, args.test_samples)
    moment = float(np.mean((data.x_train.astype(np.float64)) ** 2))

    theory = theory_table(sorted(set(args.levels) | {args.hw_levels}))
    big = theory_table([16, 32, 64, 128, 256])
    exponent = _fit_exponent(big)
    for r in theory:
        log(f"theory N={r['N']:3d}: spacing {r['spacing']:.4f} sigma, xi {r['xi']:.2f}, "
            f"L_max = 6 xi = {r['L_max']:.1f} layers")
    log(f"theory: L_max ~ N^{exponent:.2f} (fit over N = 16..256; the paper: N^1.82)")

    t_start = time.perf_counter()
    grid = [(n, depth, args.width, moment, args.epochs, args.batch_size, args.lr, args.seed,
             args.device) for n in args.levels for depth in args.depths]

    def describe(call: tuple, r: dict) -> str:
        return (f"sweep N={r['N']:3d} depth {r['depth']:3d} width {args.width}: test "
                f"{100 * r['test_accuracy']:6.2f} %  train {100 * r['train_accuracy']:6.2f} %  "
                f"({r['seconds']:.1f} s)")

    sweep, engine = run_grid(grid_point, data, grid, args.address, log, describe)
    observed = []
    for n in args.levels:
        rows = [r for r in sweep if r["N"] == n]
        best = max(r["test_accuracy"] for r in rows)
        bar = CHANCE + 0.5 * (best - CHANCE)
        ok = [r["depth"] for r in rows if r["test_accuracy"] >= bar]
        failed = [r["depth"] for r in rows if r["test_accuracy"] < bar]
        pred = next(r["L_max"] for r in theory if r["N"] == n)
        observed.append({"N": n, "accuracy_bar": bar, "deepest_trained": max(ok),
                         "shallowest_failed": min(failed) if failed else None,
                         "predicted_L_max": pred})
    sweep_seconds = time.perf_counter() - t_start

    # The hardware net.
    seed_everything(args.seed)
    hw_model = StaircaseMLP(args.hw_depth, args.width, args.hw_levels, moment)
    log(f"hardware net: N={args.hw_levels}, depth {args.hw_depth}, width {args.width}")
    res = train(hw_model, data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                seed=args.seed, device=args.device, log=log)
    onnx_path = export_onnx(hw_model, out_dir / "model.onnx")
    golden = _golden(onnx_path, data.x_test, data.y_test, predict(hw_model, data.x_test))
    log(f"golden accuracy {100 * golden['accuracy']:.2f} %, "
        f"{golden['output_mismatches_vs_torch']} outputs differ from torch")
    results: dict[str, Any] = {
        "flow": "meanfield_depth",
        "dataset": data.name,
        "train_samples": len(data.y_train),
        "test_samples": len(data.y_test),
        "width": args.width,
        "epochs": args.epochs,
        "lr": args.lr,
        "seed": args.seed,
        "theory": theory,
        "theory_large_N": big,
        "fitted_exponent": exponent,
        "sweep": sweep,
        "observed_vs_predicted": observed,
        "sweep_seconds": round(sweep_seconds, 1),
        "engine": engine,
        "hw_levels": args.hw_levels,
        "hw_depth": args.hw_depth,
        "torch_test_accuracy": res.test_accuracy,
        "train_seconds": round(res.train_seconds, 1),
        "golden": golden,
        "inspect_warning": _inspect_warning(out_dir, moment),
    }
    if args.no_hardware:
        results["hardware"] = "not run (--no-hardware)"
    else:
        results.update(hardware_steps(onnx_path, out_dir, data.x_test, data.y_test,
                                      sim_images=args.sim_images,
                                      fps=QUICK_FPS if args.quick else None, log=log))
    series = [(f"N = {n}", [r["depth"] for r in sweep if r["N"] == n],
               [r["test_accuracy"] for r in sweep if r["N"] == n]) for n in args.levels]
    vlines = [(f"6xi({r['N']})", r["L_max"], i) for i, r in enumerate(theory)
              if r["N"] in args.levels and r["L_max"] <= 2 * max(args.depths)]
    line_plot(out_dir / "accuracy_vs_depth.svg", series, vlines=vlines, log2_x=True,
              title=f"{data.name}: test accuracy vs depth (width {args.width}, "
                    f"{args.epochs} epochs)", xlabel="hidden layers", ylabel="test accuracy")
    write_results(out_dir, results, f"meanfield_depth on {data.name}")
    _append_tables(out_dir / "results.md", results)
    log(f"wrote {out_dir}/results.json, results.md, accuracy_vs_depth.svg")
    return results


def _golden(onnx_path: Path, x: np.ndarray, y: np.ndarray, torch_out: np.ndarray) -> dict:
    import hwgen

    g = hwgen.load(onnx_path)
    out = np.asarray(hwgen.execute(g, x.reshape(len(x), -1).astype(np.float32)))
    out = out.reshape(len(x), -1)
    return {
        "samples": len(x),
        "accuracy": float((out.argmax(1) == y).mean()),
        "top1_disagreements_vs_torch": int((out.argmax(1) != torch_out.argmax(1)).sum()),
        "output_mismatches_vs_torch": int((np.abs(out - torch_out) > 1e-4 *
                                           np.abs(torch_out).max()).any(1).sum()),
    }


def _inspect_warning(out_dir: Path, moment: float) -> str | None:
    """``hwgen inspect``'s warning on an (untrained) N=2 net deeper than 6 xi(2) = 13.3."""
    import hwgen
    from flows.meanfield_depth.model import StaircaseMLP, export_onnx
    from hwgen.inspect import format_inspect

    path = export_onnx(StaircaseMLP(16, 16, 2, moment), out_dir / "deep_n2_d16.onnx")
    lines = [line for line in format_inspect(hwgen.load(path)).splitlines()
             if line.startswith("warning:")]
    path.unlink()
    return lines[0] if lines else None


def _append_tables(md: Path, r: dict) -> None:
    lines = ["", "## Theory (mean field, Blumenfeld et al. 2019)", "",
             "| N | optimal spacing (sigma) | xi(N) | L_max = 6 xi |", "|---|---|---|---|"]
    lines += [f"| {t['N']} | {t['spacing']:.4f} | {t['xi']:.2f} | {t['L_max']:.1f} |"
              for t in r["theory"] + r["theory_large_N"]]
    lines += ["", f"Fitted L_max ~ N^{r['fitted_exponent']:.2f} over N = 16..256 "
              "(paper: N^1.82).", "", "## Sweep: test accuracy by depth", ""]
    depths = sorted({s["depth"] for s in r["sweep"]})
    levels = sorted({s["N"] for s in r["sweep"]})
    lines += ["| N \\ depth | " + " | ".join(str(d) for d in depths) + " |",
              "|---|" + "---|" * len(depths)]
    acc = {(s["N"], s["depth"]): s["test_accuracy"] for s in r["sweep"]}
    lines += [f"| {n} | " + " | ".join(f"{100 * acc[(n, d)]:.1f} %" for d in depths) + " |"
              for n in levels]
    lines += ["", "## Observed vs predicted trainable depth", "",
              "| N | accuracy bar | deepest trained | shallowest failed | predicted 6 xi(N) |",
              "|---|---|---|---|---|"]
    lines += [f"| {o['N']} | {100 * o['accuracy_bar']:.1f} % | {o['deepest_trained']} | "
              f"{o['shallowest_failed'] if o['shallowest_failed'] is not None else '-'} | "
              f"{o['predicted_L_max']:.1f} |" for o in r["observed_vs_predicted"]]
    lines += ["", "![accuracy vs depth](accuracy_vs_depth.svg)", "",
              f"hwgen inspect on an N=2, 16-layer net: `{r['inspect_warning']}`"]
    md.write_text(md.read_text() + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser(), run, argv)
