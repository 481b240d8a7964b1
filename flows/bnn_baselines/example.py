"""Regenerate hwgen's bundled example, ``hwgen/data/examples/tfc_w1a1.{onnx,json}``.

    python -m flows.bnn_baselines.example [--data-dir ../shared/data/mnist]

Runs the BNN-baselines flow with fixed settings (TFC-W1A1, seed 0, 20 epochs, 2 CPU threads),
copies the QONNX export next to hwgen's package data and records how it was made, its torch
accuracy and the QONNX-vs-torch check. Same settings and versions give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from flows.bnn_baselines.flow import DEFAULT_DATA_DIR, build_parser, run

__all__ = ["EXAMPLE_ARGS", "main"]

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "hwgen" / "data" / "examples"
NAME = "tfc_w1a1"
EXAMPLE_ARGS = [
    "--model",
    "tfc",
    "--wbits",
    "1",
    "--abits",
    "1",
    "--epochs",
    "20",
    "--seed",
    "0",
    "--device",
    "cpu",
    "--threads",
    "2",
    "--batch-size",
    "256",
    "--lr",
    "0.01",
    "--check-samples",
    "500",
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flows.bnn_baselines.example", description=__doc__)
    p.add_argument(
        "--data-dir", default=DEFAULT_DATA_DIR, help="folder with the MNIST IDX .gz files"
    )
    p.add_argument("--dest", default=str(EXAMPLES_DIR), help="where tfc_w1a1.onnx/.json go")
    ns = p.parse_args(argv)
    from qonnx.core.modelwrapper import ModelWrapper

    with tempfile.TemporaryDirectory() as work:
        args = build_parser().parse_args([*EXAMPLE_ARGS, "--data-dir", ns.data_dir, "--out", work])
        results = run(args)
        dest = Path(ns.dest)
        dest.mkdir(parents=True, exist_ok=True)
        onnx_path = dest / f"{NAME}.onnx"
        shutil.copyfile(Path(work) / "model.onnx", onnx_path)
    wrapper = ModelWrapper(str(onnx_path))
    iname = wrapper.graph.input[0].name
    record = {
        "name": NAME,
        "description": "TFC-W1A1 (784-64-64-64-10, bipolar weights and activations) on MNIST; "
        "input: raw UINT8 pixels, Mul(1/255) and Add(-0.5) in the graph, then a sign quantizer",
        "command": "python -m flows.bnn_baselines.example --data-dir <mnist folder>",
        "flow_args": EXAMPLE_ARGS,
        "seed": results["seed"],
        "epochs": results["epochs"],
        "dataset": results["dataset"],
        "torch_test_accuracy": results["torch_test_accuracy"],
        "torch_train_accuracy": results["torch_train_accuracy"],
        "train_seconds": results["train_seconds"],
        "train_seconds_note": "wall time of this run on a shared 2-core CPU; it varies with "
        "load, the .onnx bytes do not",
        "qonnx_check": results["qonnx_check"],
        "golden": results["golden"],
        "onnx_bytes": results["onnx_bytes"],
        "onnx_sha256": results["onnx_sha256"],
        "input": {
            "name": iname,
            "shape": wrapper.get_tensor_shape(iname),
            "datatype": wrapper.get_tensor_datatype(iname).name,
        },
        "nodes": [n.op_type for n in wrapper.graph.node],
        "versions": results["versions"],
        "hardware": results["hardware"],
    }
    (dest / f"{NAME}.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {onnx_path} ({record['onnx_bytes']} bytes) and {NAME}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
