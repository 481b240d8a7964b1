"""The BNN-baselines flow: train -> export QONNX -> check QONNX against torch -> report.

Writes into ``--out``: ``model.onnx`` (QONNX, input annotated UINT8), ``results.json`` and
``results.md``. The exported model is also run through hwgen's golden executor (accuracy and
top-1 agreement with torch on the whole test set), then built (``OUT/build``) and simulated in
RTL on the first ``--sim-images`` test images (:func:`flows.common.hardware.hardware_for_args`): resource estimate, FPS at
100 MHz, RTL accuracy and RTL-vs-golden mismatches go under ``"hardware"``.

``--quick`` trains on scikit-learn's digits made 28x28 (offline, seconds) instead of MNIST.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from flows.common.cli import run_main
from hwgen.errors import HwgenError

__all__ = ["build_parser", "golden_step", "main", "run"]

DEFAULT_DATA_DIR = "../shared/data/mnist"
QUICK_EPOCHS = 10
FULL_EPOCHS = 20
# How many test images the exported QONNX model is executed on (execute_onnx is slow per image).
QONNX_CHECK_SAMPLES = 500
# Test images streamed through the RTL simulation.
FULL_SIM_IMAGES = 1000
QUICK_SIM_IMAGES = 100


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m flows.bnn_baselines",
        description="Train a FINN-style quantized MLP on MNIST with Brevitas and export QONNX.",
    )
    p.add_argument(
        "--data-dir", default=DEFAULT_DATA_DIR, help="folder with the MNIST IDX .gz files"
    )
    p.add_argument("--out", required=True, help="output folder (model.onnx, results.json/.md)")
    p.add_argument("--model", default="tfc", choices=["tfc", "sfc", "lfc"])
    p.add_argument("--wbits", type=int, default=1, help="weight bits (1 = bipolar)")
    p.add_argument("--abits", type=int, default=1, help="activation bits (1 = bipolar)")
    p.add_argument(
        "--in-bits", type=int, default=None, help="input quantizer bits (default: abits)"
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"training epochs (default {FULL_EPOCHS}; {QUICK_EPOCHS} with --quick)",
    )
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (cosine decay)")
    p.add_argument(
        "--dropout", type=float, default=0.0, help="training dropout after every quantizer"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument(
        "--quick",
        action="store_true",
        help="train on sklearn digits (28x28, offline) for a fast smoke run",
    )
    p.add_argument(
        "--check-samples",
        type=int,
        default=QONNX_CHECK_SAMPLES,
        help="test images run through QONNX execute_onnx to compare with torch",
    )
    p.add_argument(
        "--sim-images",
        type=int,
        default=None,
        help=f"test images simulated in RTL (default {FULL_SIM_IMAGES}; {QUICK_SIM_IMAGES} with "
        "--quick)",
    )
    p.add_argument(
        "--fold-fps",
        type=float,
        default=None,
        help="folding target in frames/s for hwgen build (default: as fast as the I/O port "
        "allows; 20,000 with --quick, which keeps the Verilator build small)",
    )
    p.add_argument("--no-hardware", action="store_true", help="skip hwgen build and sim")
    return p


def golden_step(
    onnx_path: Path, x_test: np.ndarray, y_test: np.ndarray, torch_out: np.ndarray
) -> dict:
    """Golden (bit-exact IR executor) accuracy on the whole test set, and its top-1 agreement
    with torch. Images are reshaped to the model's ONNX input shape (flat rows or N, C, H, W).
    A model the frontend cannot lower is recorded with the error, not hidden."""
    import hwgen

    try:
        model = hwgen.load(onnx_path)
        shape = (len(x_test), *model.onnx_input_shape[1:])
        out = np.asarray(hwgen.execute(model, x_test.reshape(shape).astype(np.float32)))
    except HwgenError as err:
        return {"golden": {"error": str(err)}}
    out = out.reshape(len(x_test), -1)
    return {
        "golden": {
            "samples": len(x_test),
            "accuracy": float((out.argmax(1) == y_test).mean()),
            "top1_disagreements_vs_torch": int((out.argmax(1) != torch_out.argmax(1)).sum()),
        }
    }



def _versions() -> dict[str, str]:
    from importlib.metadata import version

    packages = ("torch", "brevitas", "qonnx", "onnx", "numpy")
    return {"python": platform.python_version(), **{p: version(p) for p in packages}}


def run(args: argparse.Namespace, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the flow described by parsed ``args``; returns the results dict (also written)."""
    import torch

    from flows.common.data import load_digits_28, load_mnist
    from flows.common.export import check_qonnx_agreement, export_qonnx_model
    from flows.common.hardware import hardware_for_args
    from flows.common.models import build_fc
    from flows.common.report import write_results
    from flows.common.train import log_line, predict, seed_everything, train

    log = log or log_line

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise HwgenError(f"device must be available, not {args.device!r}", hint="use --device cpu")
    torch.set_num_threads(args.threads)
    epochs = (
        args.epochs if args.epochs is not None else (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    )
    if args.sim_images is None:
        args.sim_images = QUICK_SIM_IMAGES if args.quick else FULL_SIM_IMAGES
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    data = load_digits_28(seed=args.seed) if args.quick else load_mnist(args.data_dir)
    tag = f"{args.model}-w{args.wbits}a{args.abits}"
    log(
        f"{tag}: {data.name}, {len(data.y_train)} train / {len(data.y_test)} test, "
        f"{epochs} epochs, device {args.device}, {args.threads} threads, seed {args.seed}"
    )

    seed_everything(args.seed)
    model = build_fc(args.model, args.wbits, args.abits, args.in_bits, dropout=args.dropout)
    result = train(
        model,
        data,
        epochs=epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        device=args.device,
        log=log,
    )

    onnx_path = export_qonnx_model(
        model, out_dir / "model.onnx", (1, int(np.prod(data.image_shape)))
    )
    n_check = min(args.check_samples, len(data.y_test))
    x_chk, y_chk = data.x_test[:n_check], data.y_test[:n_check]
    t0 = time.perf_counter()
    qonnx_check = check_qonnx_agreement(onnx_path, x_chk, predict(model, x_chk), y_chk)
    log(
        f"QONNX vs torch on {n_check} test images: {qonnx_check['top1_disagreements']} top-1 "
        f"disagreements, max |diff| {qonnx_check['max_abs_diff']:.3g} "
        f"({time.perf_counter() - t0:.1f} s)"
    )

    results: dict[str, Any] = {
        "flow": "bnn_baselines",
        "model": args.model,
        "wbits": args.wbits,
        "abits": args.abits,
        "in_bits": args.in_bits or args.abits,
        "dataset": data.name,
        "train_samples": len(data.y_train),
        "test_samples": len(data.y_test),
        "seed": args.seed,
        "epochs": epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "dropout": args.dropout,
        "device": args.device,
        "threads": args.threads,
        "torch_test_accuracy": result.test_accuracy,
        "torch_train_accuracy": result.train_accuracy,
        "train_seconds": round(result.train_seconds, 1),
        "onnx": onnx_path.name,
        "onnx_bytes": onnx_path.stat().st_size,
        "onnx_sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "qonnx_check": qonnx_check,
        "versions": _versions(),
        "history": result.history,
    }
    results.update(golden_step(onnx_path, data.x_test, data.y_test, predict(model, data.x_test)))
    golden = results["golden"]
    if "error" in golden:
        log(f"golden executor: {golden['error']}")
    else:
        log(
            f"golden accuracy {100 * golden['accuracy']:.2f} % on {golden['samples']} test "
            f"images, {golden['top1_disagreements_vs_torch']} top-1 disagreements with torch"
        )
    results.update(hardware_for_args(args, onnx_path, out_dir, data.x_test, data.y_test, log))
    write_results(out_dir, results, f"bnn_baselines: {tag} on {data.name}")
    log(
        f"torch test accuracy {100 * result.test_accuracy:.2f} % after {epochs} epochs "
        f"({result.train_seconds:.1f} s); wrote {out_dir}/results.json"
    )
    return results


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser(), run, argv)
