"""Static checks of every template: Verilator -Wall lint, Yosys proc/check, $fatal guards."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import MODULES, TEMPLATES

from hwgen.errors import ToolError
from hwgen.tools import run_yosys, verilator_env

# (top, parameters, memory files {name: words}) -- a spread of modes per template
CONFIGS = [
    ("hwgen_axis_register", {}, {}),
    ("hwgen_fifo", {"DEPTH": 5}, {}),
    ("hwgen_adder_tree", {"N": 49}, {}),
    ("hwgen_adder_tree", {"N": 1, "SIGNED": 1}, {}),
    ("hwgen_adder_tree", {"N": 49, "IN_BITS": 2, "SIGNED": 1, "CARRY_IN": 1}, {}),
    ("hwgen_adder_tree", {"N": 1, "CARRY_IN": 1}, {}),
    ("hwgen_mvau", {"IN_TYPE": 2, "IN_BITS": 1, "W_TYPE": 1, "W_BITS": 3, "SIMD": 1},
     {"weights.mem": 256}),
    ("hwgen_popcount", {"N": 49}, {}),
    ("hwgen_popcount", {"N": 9}, {}),
    ("hwgen_popcount", {"N": 1}, {}),
    ("hwgen_thresh_search", {"LANES": 2, "DEPTH": 3, "N_THRES": 15, "OUT_BITS": 4},
     {"thresh.mem": 3}),
    ("hwgen_thresh_search", {"LANES": 2, "DEPTH": 40, "N_THRES": 3, "OUT_BITS": 2,
                             "RAM_STYLE": "distributed"}, {"thresh.mem": 40}),  # hwgen_rom
    ("hwgen_thresh_search", {"DEPTH": 512, "N_THRES": 7, "OUT_BITS": 3, "RAM_STYLE": "block"},
     {"thresh.mem": 512}),
    ("hwgen_mvau", {}, {"weights.mem": 32}),
    ("hwgen_mvau", {"MW": 784, "MH": 64, "SIMD": 49, "PE": 16, "N_THRES": 1},
     {"weights.mem": 64, "thresh.mem": 4}),
    ("hwgen_mvau", {"IN_TYPE": 0, "IN_BITS": 4, "W_TYPE": 1, "W_BITS": 4, "SIMD": 1, "PE": 1,
                    "N_THRES": 15, "OUT_BITS": 4, "OUT_BIAS": -8}, {"weights.mem": 2048, "thresh.mem": 32}),
    ("hwgen_mvau", {"IN_TYPE": 1, "IN_BITS": 3, "W_TYPE": 3, "W_BITS": 2}, {"weights.mem": 64}),
    ("hwgen_mvau", {"IN_TYPE": 0, "IN_BITS": 2, "W_TYPE": 2, "W_BITS": 1, "RAM_STYLE": "distributed"},
     {"weights.mem": 64}),
    ("hwgen_mvau", {"MW": 64, "MH": 16, "SIMD": 4, "PE": 2, "RAM_STYLE": "distributed"},
     {"weights.mem": 128}),  # a deep LUT ROM: hwgen_rom
    ("hwgen_rom", {"DEPTH": 100, "WIDTH": 12, "AW": 7}, {"rom.mem": 100}),
    ("hwgen_mvau", {"IN_TYPE": 0, "IN_BITS": 2, "W_TYPE": 3, "W_BITS": 2, "MH": 512, "PE": 1,
                    "N_THRES": 3, "OUT_BITS": 2, "THR_STYLE": "block"},
     {"weights.mem": 4096, "thresh.mem": 512}),  # a block-RAM threshold memory
    ("hwgen_mvau", {"IN_TYPE": 1, "IN_BITS": 4, "W_TYPE": 1, "W_BITS": 4, "RAM_STYLE": "ultra"},
     {"weights.mem": 64}),
    ("hwgen_thresholding", {"CHANNELS": 784, "PE": 49, "N_THRES": 1}, {"thresholds.mem": 16}),
    ("hwgen_thresholding", {"N_THRES": 255, "OUT_BITS": 8, "SHARED": 1, "IN_SIGNED": 1},
     {"thresholds.mem": 1}),
    ("hwgen_label_select", {"PE": 5}, {}),
    ("hwgen_maxpool", {"H": 5, "W": 7, "K": 3, "SIGNED": 1}, {}),
    ("hwgen_swg", {}, {}),
    ("hwgen_swg", {"K": 1, "STRIDE": 2, "PAD": 0, "C": 4, "SIMD": 2}, {}),
    ("hwgen_swg", {"K": 3, "PAD": 0, "C": 4, "SIMD": 2, "ROWS_LOG2": 3}, {}),  # 8 rows
    ("hwgen_swg_par", {}, {}),
    ("hwgen_swg_par", {"H": 12, "W": 12, "C": 1, "SIMD": 9, "PAD": 1}, {}),
    ("hwgen_swg_par", {"K": 2, "STRIDE": 5, "C": 3, "SIMD": 12, "W": 7}, {}),
    ("hwgen_dwc", {"IN_WIDTH": 24, "OUT_WIDTH": 16}, {}),
    ("hwgen_dup", {"WIDTH": 12}, {}),
    ("hwgen_concat", {"C0": 4, "C1": 6, "PE": 2, "BITS": 3}, {}),
    ("hwgen_add", {}, {"thresholds.mem": 8}),
    ("hwgen_add", {"PE": 2, "IN0_SIGNED": 1, "K0": 2, "N_THRES": 0, "OUT_BITS": 6}, {}),
    ("hwgen_add", {"PE": 4, "N_THRES": 15, "THR_BITS": 7, "OUT_BITS": 4, "SHARED": 1},
     {"thresholds.mem": 1}),
    ("hwgen_swg", {"KH": 1, "KW": 4, "SH": 1, "SW": 2, "PT": 0, "PL": 2, "PB": 0, "PR": 1,
                   "H": 1, "W": 17, "DIL_W": 3, "CFMAJOR": 1, "PAD_CODE": 5, "BITS": 3}, {}),
    ("hwgen_vvau", {"MODE": 0, "C": 4, "PE": 2, "KK": 9, "ACC_BITS": 10, "N_THRES": 15,
                    "THR_BITS": 10, "OUT_BITS": 4}, {"weights.mem": 18, "thresholds.mem": 2}),
    ("hwgen_vvau", {"MODE": 1, "C": 6, "PE": 3, "KK": 4, "IN_SIGNED": 1, "ACC_BITS": 7,
                    "OUT_BITS": 7}, {}),
    ("hwgen_vvau", {"MODE": 2, "C": 4, "PE": 1, "KK": 3, "ACC_BITS": 5, "OUT_BITS": 4}, {}),
    ("hwgen_vvau", {"MODE": 1, "C": 8, "PE": 2, "KK": 4, "ACC_BITS": 7, "N_THRES": 15,
                    "THR_BITS": 7, "OUT_BITS": 4, "SHARED": 1}, {"thresholds.mem": 1}),
    ("hwgen_vvau", {"MODE": 0, "C": 4, "PE": 4, "SIMD": 3, "KK": 9, "ACC_BITS": 10,
                    "N_THRES": 15, "THR_BITS": 10, "OUT_BITS": 4}, {"weights.mem": 3, "thresholds.mem": 1}),
    ("hwgen_vvau", {"MODE": 2, "C": 2, "PE": 2, "SIMD": 9, "KK": 9, "IN_SIGNED": 1,
                    "ACC_BITS": 5, "OUT_BITS": 4}, {}),
    ("hwgen_frame_dwc", {"IN_W": 80, "OUT_W": 64, "FRAME_BITS": 80}, {}),       # split
    ("hwgen_frame_dwc", {"IN_W": 64, "OUT_W": 16, "FRAME_BITS": 200}, {}),      # split, padding
    ("hwgen_frame_dwc", {"IN_W": 8, "OUT_W": 64, "FRAME_BITS": 80}, {}),        # gather
    ("hwgen_frame_dwc", {"IN_W": 3, "OUT_W": 64, "FRAME_BITS": 64}, {}),        # gather
    ("hwgen_frame_dwc", {"IN_W": 10, "OUT_W": 64, "FRAME_BITS": 100}, {}),      # whole
    ("hwgen_frame_dwc", {"IN_W": 64, "OUT_W": 392, "FRAME_BITS": 6272}, {}),    # general
    ("hwgen_frame_dwc", {"IN_W": 24, "OUT_W": 16, "FRAME_BITS": 96}, {}),       # general
    ("hwgen_frame_tlast", {"IN_BEATS": 98, "OUT_BEATS": 2, "DEPTH": 32}, {}),
    ("hwgen_frame_tlast", {"IN_BEATS": 1, "OUT_BEATS": 1, "DEPTH": 4}, {}),
    ("hwgen_uart_rx", {}, {}),
    ("hwgen_uart_rx", {"CLKS_PER_BIT": 4, "BYTES": 1, "FRAME_WORDS": 3}, {}),
    ("hwgen_uart_tx", {}, {}),
    ("hwgen_uart_tx", {"CLKS_PER_BIT": 25, "BYTES": 1}, {}),
    ("hwgen_wload", {}, {}),                                                    # 2 beats/word
    ("hwgen_wload", {"IN_W": 128, "OUT_W": 64, "START": 7, "TOTAL": 30}, {}),  # padded beats
    ("hwgen_wload", {"IN_W": 64, "OUT_W": 64, "WORDS": 1, "TOTAL": 1}, {}),    # one beat
]
CONFIGS = [cfg for cfg in CONFIGS if (TEMPLATES / f"{cfg[0]}.v").exists()]


def _gparam(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _yparam(value: object) -> str:
    """A Yosys chparam value: negative integers as 32-bit signed hex constants."""
    if isinstance(value, int) and value < 0:
        return f"32'sh{value & 0xFFFFFFFF:08x}"
    return _gparam(value)


def test_every_module_has_a_config() -> None:
    present = {p.stem for p in TEMPLATES.glob("hwgen_*.v")} & set(MODULES)
    assert present <= {cfg[0] for cfg in CONFIGS}


@pytest.mark.rtl
@pytest.mark.parametrize("top,params,mems", CONFIGS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_verilator_lint(top: str, params: dict, mems: dict) -> None:
    args = [f"-G{k}={_gparam(v)}" for k, v in params.items()]
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", f"-I{TEMPLATES}", "--top-module", top,
         str(TEMPLATES / f"{top}.v"), *args],
        env=verilator_env(), capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr


def _yosys_workdir(tmp: Path, mems: dict) -> list[str]:
    names = []
    for m in MODULES:
        src = TEMPLATES / f"{m}.v"
        if src.exists():
            shutil.copy(src, tmp / src.name)
            names.append(src.name)
    for name, words in mems.items():
        (tmp / name).write_text("0\n" * words)
    return names


@pytest.mark.synth
def test_yosys_check(tmp_path: Path) -> None:
    """All configs in one Yosys run: hierarchy, proc, check -assert."""
    mems: dict[str, int] = {}
    for _, _, m in CONFIGS:
        for name, words in m.items():
            mems[name] = max(mems.get(name, 0), words)
    # read_verilog elaborates the default parameters too: their files must exist
    names = _yosys_workdir(tmp_path, {"weights.mem": 64, "thresh.mem": 1, "thresholds.mem": 8,
                                      "rom.mem": 16})
    lines = [f"read_verilog -sv {' '.join(names)}", "design -save lib"]
    for i, (top, params, m) in enumerate(CONFIGS):
        params = dict(params)
        for name, words in m.items():  # exact sizes for this config
            (tmp_path / f"c{i}_{name}").write_text("0\n" * words)
            key = {"weights.mem": "WEIGHT_FILE", "thresh.mem": "THRESH_FILE",
                   "thresholds.mem": "THRESH_FILE", "rom.mem": "INIT_FILE"}[name]
            params[key] = f"c{i}_{name}"
        chp = " ".join(f"-set {k} {_yparam(v)}" for k, v in params.items())
        lines += ["design -load lib"] + ([f"chparam {chp} {top}"] if params else [])
        lines += [f"hierarchy -check -top {top}", "proc", "check -assert"]
    run_yosys("\n".join(lines) + "\n", tmp_path)


FATAL_CASES = [
    ("hwgen_mvau", {"MW": 63}),                       # MW % SIMD != 0
    ("hwgen_mvau", {"IN_TYPE": 2, "IN_BITS": 2}),     # bipolar needs 1 bit
    ("hwgen_thresholding", {"N_THRES": 256, "OUT_BITS": 9}),
    ("hwgen_swg", {"PAD": 3}),                        # PAD >= K
    ("hwgen_swg_par", {"SIMD": 4}),                   # M = 2 does not divide K*K = 9
    ("hwgen_concat", {"C0": 3, "PE": 2}),             # PE does not divide C0
    ("hwgen_add", {"SUM_BITS": 4}),                   # the sum needs more bits than an input
]


@pytest.mark.rtl
@pytest.mark.parametrize("top,params", FATAL_CASES)
def test_illegal_parameters_stop_verilator(top: str, params: dict) -> None:
    args = [f"-G{k}={v}" for k, v in params.items()]
    proc = subprocess.run(
        ["verilator", "--lint-only", f"-I{TEMPLATES}", "--top-module", top,
         str(TEMPLATES / f"{top}.v"), *args],
        env=verilator_env(), capture_output=True, text=True, check=False,
    )
    assert proc.returncode != 0 and "hwgen_" in proc.stderr, proc.stderr


@pytest.mark.synth
def test_illegal_parameters_stop_yosys(tmp_path: Path) -> None:
    names = _yosys_workdir(tmp_path, {"weights.mem": 64, "thresh.mem": 1, "thresholds.mem": 8,
                                      "rom.mem": 16})
    with pytest.raises(ToolError):
        run_yosys(f"read_verilog -sv {' '.join(names)}\n"
                  "chparam -set MW 63 hwgen_mvau\nhierarchy -check -top hwgen_mvau\n", tmp_path)
