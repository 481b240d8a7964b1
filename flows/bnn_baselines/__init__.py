"""BNN baselines: FINN-style TFC/SFC/LFC MLPs on MNIST, trained with Brevitas, exported to QONNX.

Run ``python -m flows.bnn_baselines --help``. See :func:`flows.bnn_baselines.flow.run`.
"""

from flows.bnn_baselines.flow import main, run

__all__ = ["main", "run"]
