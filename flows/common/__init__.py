"""Code shared by the flows: datasets, model builders, training, QONNX export, reporting."""

from flows.common.data import Dataset, load_digits_28, load_mnist
from flows.common.export import check_qonnx_agreement, export_qonnx_model, run_qonnx
from flows.common.models import build_fc
from flows.common.report import write_results
from flows.common.train import TrainResult, evaluate, seed_everything, train

__all__ = [
    "Dataset",
    "load_mnist",
    "load_digits_28",
    "build_fc",
    "seed_everything",
    "train",
    "evaluate",
    "TrainResult",
    "export_qonnx_model",
    "run_qonnx",
    "check_qonnx_agreement",
    "write_results",
]
