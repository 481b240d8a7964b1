"""hwgen: compile trained discrete-activation neural networks into streaming FPGA hardware.

Public API::

    model = hwgen.load("model.onnx")          # QONNX file -> IR
    y = hwgen.execute(model, x)               # ONNX-equivalent output (golden executor)
    h = hwgen.execute(model, x, upto="hw")    # int64 output at the hardware boundary
    t = hwgen.execute(model, x, trace=True)   # {layer name: integer tensor}
"""

from __future__ import annotations

from typing import Any

from hwgen.errors import HwgenError

__all__ = ["HwgenError", "load", "execute", "__version__"]
__version__ = "0.1.0"


def load(path: Any) -> Any:
    """Read a QONNX file and lower it to hwgen's IR (see ``hwgen.frontend``)."""
    from hwgen.frontend import load as _load

    return _load(path)


def execute(model: Any, x: Any, *, upto: str = "output", trace: bool = False) -> Any:
    """Run the bit-exact golden executor (see ``hwgen.golden``)."""
    from hwgen.golden import execute as _execute

    return _execute(model, x, upto=upto, trace=trace)
