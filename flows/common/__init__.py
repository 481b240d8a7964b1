"""Code shared by the flows: datasets, model builders, training, QONNX export, reporting."""

from flows.common.data import Dataset, load_digits_28, load_mnist
from flows.common.export import check_qonnx_agreement, export_qonnx_model, run_qonnx
from flows.common.models import build_fc
from flows.common.report import write_results
from flows.common.train import TrainResult, evaluate, seed_everything, train

__all__ = [
    "Dataset",
    "TrainResult",
    "build_fc",
    "check_qonnx_agreement",
    "evaluate",
    "export_qonnx_model",
    "load_digits_28",
    "load_mnist",
    "run_qonnx",
    "seed_everything",
    "train",
    "write_results",
]
