"""The one exception hierarchy of hwgen.

Every error a user can cause is a ``HwgenError``; its message names what was wrong (node, op,
expected vs found) and ends with a hint. The CLI prints ``str(err)`` on one line and exits 1.
"""

from __future__ import annotations

__all__ = [
    "HwgenError",
    "ModelError",
    "UnsupportedError",
    "VerifyError",
    "FoldingError",
    "TargetError",
    "ToolError",
    "SimulationError",
]


class HwgenError(Exception):
    """Base class of every error hwgen raises on purpose.

    ``node`` and ``op`` name where it happened (may be empty); ``hint`` says how to fix it.
    """

    def __init__(self, message: str, *, node: str = "", op: str = "", hint: str = "") -> None:
        self.node = node
        self.op = op
        self.hint = hint
        where = ""
        if node or op:
            where = f"node {node!r}" if node else ""
            if op:
                where = f"{where} ({op})" if where else f"op {op}"
            where += ": "
        text = f"{where}{message}"
        if hint:
            text += f" (hint: {hint})"
        super().__init__(text)


class ModelError(HwgenError):
    """The input model file is malformed or not a QONNX/ONNX model."""


class UnsupportedError(HwgenError):
    """The model uses an op or a form of an op that hwgen cannot lower."""


class VerifyError(HwgenError):
    """The IR broke an invariant (shapes, widths, threshold order)."""


class FoldingError(HwgenError):
    """A folding (PE/SIMD) request is illegal or cannot meet its target."""


class TargetError(HwgenError):
    """Unknown board target or a target-table problem."""


class ToolError(HwgenError):
    """An external tool (Verilator, Yosys, g++) is missing, too old or failed."""


class SimulationError(HwgenError):
    """A simulation could not run or its results could not be read."""
