"""The command line's option checks and consistency (issue 15 item 4, issue 21): every bad
option value is one line on stderr and exit status 1, pinned here; ``example:`` models, hardware
layer names in ``inspect``, ``--version``, the default target in ``--help``, the templates in
OUT/rtl. Everything runs in-process through ``hwgen.cli.main``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.build import build, check_clock
from hwgen.cli import main
from hwgen.targets import get_target

MODEL = "example:tfc_w1a1"


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "tfc"
    build(MODEL, out)
    return out


def _error(capsys, argv: list[str]) -> str:
    """The one error line of ``hwgen argv`` (which must exit 1 and print nothing else)."""
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc == 1, cap
    lines = cap.err.splitlines()
    assert lines[-1].startswith("hwgen: error: "), cap.err
    assert "Traceback" not in cap.err
    return lines[-1][len("hwgen: error: "):]


CLOCK_MSG = ("--clock-mhz must be a number from 1 to 500 MHz for pynq-z2 (xc7z020clg400-1), not "
             "{} (hint: the target's default is 100 MHz)")


@pytest.mark.parametrize("value,shown", [("0", "0"), ("-100", "-100"), ("nan", "nan"),
                                         ("inf", "inf"), ("1e12", "1e+12"), ("600", "600")])
def test_clock_out_of_range(capsys, tmp_path: Path, value: str, shown: str) -> None:
    out = tmp_path / "o"
    assert _error(capsys, ["build", MODEL, "-o", str(out), f"--clock-mhz={value}"]) == \
        CLOCK_MSG.format(shown)
    assert not out.exists()


def test_clock_range_follows_the_device_family() -> None:
    assert check_clock(None, get_target("pynq-z2")) == 100.0
    assert check_clock(250, get_target("pynq-z2")) == 250.0
    assert check_clock(600, get_target("ultra96-v2")) == 600.0  # UltraScale+: up to 800


@pytest.mark.parametrize("value,shown", [("0", "0"), ("-5", "-5"), ("nan", "nan"),
                                         ("inf", "inf")])
def test_fps_not_finite_positive(capsys, tmp_path: Path, value: str, shown: str) -> None:
    assert _error(capsys, ["build", MODEL, "-o", str(tmp_path / "o"), f"--fps={value}"]) == \
        (f"--fps must be a finite positive number of frames/s, not {shown} (hint: leave --fps "
         "out for the default folding (the fastest that fits))")


FOLD_HINT = "(hint: take the form from OUT/folding.json of a previous build)"


@pytest.mark.parametrize("text,message", [
    ("{not json", r"folding file \S+ is not valid JSON: Expecting property name enclosed in "
                  r"double quotes: line 1 column 2 \(char 1\) " + re.escape(FOLD_HINT)),
    ("[1, 2]", r"folding file \S+ must hold an object keyed by layer name, not a JSON list "
               + re.escape(FOLD_HINT)),
    ('{"01_mvau": 4}', r"node '01_mvau' \(mvau\): folding entry must be an object like "
                       r'\{"PE": 2\}, not 4 ' + re.escape(FOLD_HINT)),
    ('{"01_mvau": {"PE": "4"}}', r"node '01_mvau' \(mvau\): PE must be a positive divisor of "
                                 r"64, not '4' \(hint: legal values: 1, 2, 4, 8, 16, 32, 64\)"),
    ('{"01_mvau": {"PE": true}}', r"node '01_mvau' \(mvau\): PE must be a positive divisor of "
                                  r"64, not True"),
    ('{"01_mvau": {"PE": 0}}', r"PE must be a positive divisor of 64, not 0"),
    ('{"01_mvau": {"SIMD": -8}}', r"SIMD must be a positive divisor of 784, not -8"),
    ('{"01_mvau": {"PE": 2.0}}', r"PE must be a positive divisor of 64, not 2.0"),
    ('{"09_mvau": {"PE": 1}}', r"unknown layer '09_mvau' in folding; layers are: 00_thr, "
                               r"01_mvau, 02_mvau, 03_mvau, 04_mvau"),
    ('{"01_mvau": {"pe": 1}}', r"node '01_mvau' \(mvau\): unknown folding key 'pe'; mvau takes "
                               r"PE, SIMD, ram_style, res_type"),
    ('{"01_mvau": {"ram_style": 3}}', r"ram_style must be one of"),
])
def test_folding_file_of_the_wrong_structure(capsys, tmp_path: Path, text: str,
                                             message: str) -> None:
    f = tmp_path / "folding.json"
    f.write_text(text)
    msg = _error(capsys, ["build", MODEL, "-o", str(tmp_path / "o"), "--folding", str(f)])
    assert re.fullmatch(message, msg) or re.search(message, msg), msg
    assert not (tmp_path / "o").exists()


def test_missing_folding_and_fifo_files(capsys, tmp_path: Path) -> None:
    assert _error(capsys, ["build", MODEL, "-o", str(tmp_path / "o"), "--folding", "nf.json"]) \
        == "folding file nf.json does not exist (hint: --folding takes a JSON file like " \
           "OUT/folding.json)"
    assert _error(capsys, ["build", MODEL, "-o", str(tmp_path / "o"), "--fifo-depths",
                           "nd.json"]) == \
        "FIFO depths file nd.json does not exist (hint: --fifo-depths takes a JSON file like " \
        "OUT/fifo_depths.json)"


FIFO_LIMIT = "FIFO depth must be an integer from 0 to 1048576, not {}"


@pytest.mark.parametrize("text,message", [
    ("nope", r"FIFO depths file \S+ is not valid JSON: Expecting value: line 1 column 1 "
             r"\(char 0\) \(hint: --fifo-depths takes a JSON file like OUT/fifo_depths.json\)"),
    ("[32]", r"FIFO depths file \S+ must hold an object \{layer: depth\}, not a JSON list "
             r"\(hint: see OUT/fifo_depths.json\)"),
    ('{"01_mvau": "32"}', r"node '01_mvau': " + re.escape(FIFO_LIMIT.format("'32'"))),
    ('{"01_mvau": -1}', r"node '01_mvau': " + re.escape(FIFO_LIMIT.format("-1"))),
    ('{"01_mvau": true}', r"node '01_mvau': " + re.escape(FIFO_LIMIT.format("True"))),
    ('{"01_mvau": 16.5}', r"node '01_mvau': " + re.escape(FIFO_LIMIT.format("16.5"))),
    ('{"01_mvau": 1073741824}', r"node '01_mvau': " + re.escape(FIFO_LIMIT.format("1073741824"))),
    ('{"xx": 4}', r"unknown layer 'xx' in \S+; layers are: 00_thr, 01_mvau, 02_mvau, 03_mvau, "
                  r"04_mvau"),
])
def test_fifo_depth_file_of_the_wrong_structure(capsys, tmp_path: Path, text: str,
                                                message: str) -> None:
    f = tmp_path / "fifo.json"
    f.write_text(text)
    msg = _error(capsys, ["build", MODEL, "-o", str(tmp_path / "o"), "--fifo-depths", str(f)])
    assert re.match(message, msg), msg


def test_sim_option_errors(capsys, example_build: Path, tmp_path: Path) -> None:
    out = str(example_build)
    x = np.zeros((3, 784), np.float32)  # the model's ONNX input is (batch, 784)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "empty.npy", x[:0])
    np.save(tmp_path / "l2.npy", np.arange(2))
    np.save(tmp_path / "lf.npy", np.array([0.5, 1, 2]))
    (tmp_path / "bad.npy").write_text("not numpy")
    xs, ls = str(tmp_path / "x.npy"), str(tmp_path / "l2.npy")
    cases = [
        (["--inputs", str(tmp_path / "empty.npy")],
         f"--inputs {tmp_path / 'empty.npy'} holds no frames (shape (0, 784)) (hint: give at "
         "least one frame, batch first)"),
        (["--inputs", "nox.npy"], "--inputs file nox.npy does not exist (hint: --inputs takes a "
         ".npy of inputs shaped like the model input, batch first)"),
        (["--inputs", str(tmp_path / "bad.npy")], f"cannot read --inputs {tmp_path / 'bad.npy'} "
         "as a .npy array"),
        (["--inputs", xs, "--labels", "nol.npy"], "--labels file nol.npy does not exist (hint: "
         "--labels takes a .npy of 3 integer class labels)"),
        (["--inputs", xs, "--labels", ls], f"--labels {ls} holds 2 labels for 3 input frames "
         "(hint: give one label per frame of --inputs)"),
        (["--inputs", xs, "--labels", str(tmp_path / "lf.npy")],
         f"--labels {tmp_path / 'lf.npy'} must hold integer class labels"),
        (["--mnist", str(tmp_path), "--labels", ls],
         "--labels goes with --inputs (--mnist reads its own labels)"),
        (["--mnist", str(tmp_path), "--count", "0"], "--count must be at least 1, not 0"),
        (["--mnist", "nodir"], "--mnist folder nodir does not exist (hint: --mnist takes the "
         "folder holding the MNIST test set IDX files (t10k-images-idx3-ubyte[.gz], "
         "t10k-labels-idx1-ubyte[.gz]))"),
        (["--inputs", xs, "--qonnx-check", "-1"],
         "--qonnx-check must be 0 (skip) or a number of frames, not -1"),
        (["--inputs", xs, "--outputs", str(tmp_path)],
         f"--outputs {tmp_path} is a folder; give a .npy file name"),
    ]
    for args, message in cases:
        msg = _error(capsys, ["sim", out, *args])
        assert msg.startswith(message), (args, msg)
    assert not (example_build / "sim").exists()  # nothing ran


def test_report_jobs(capsys, example_build: Path) -> None:
    assert _error(capsys, ["report", str(example_build), "--jobs", "0"]) == \
        "--jobs must be at least 1, not 0"


def test_inspect_takes_example_models_and_shows_hardware_names(capsys, example_build) -> None:
    assert main(["inspect", MODEL]) == 0
    text = capsys.readouterr().out
    folding = json.loads((example_build / "folding.json").read_text())
    rows = [line.split() for line in text.splitlines() if re.match(r"\d\d_", line)]
    shown = {r[1] for r in rows}
    assert set(folding) <= shown  # every folding.json name appears
    ir = hwgen.load(example_build / "model.onnx")
    assert [r[0] for r in rows] == [layer.name for layer in ir.layers]
    # a Threshold after a MatMul is fused into that MatMul's MVAU
    assert rows[1][:2] == ["01_mm", "01_mvau"] and rows[2][:3] == ["02_thr", "01_mvau", "(fused)"]
    assert "hardware: the layer names hwgen build, folding.json and the report use" in text
    assert _error(capsys, ["inspect", "example:nosuch"]) == \
        "no bundled example 'nosuch'; bundled: tfc_w1a1"
    assert _error(capsys, ["inspect", "nosuch.onnx"]) == \
        "model file nosuch.onnx does not exist (hint: give a QONNX .onnx file or example:tfc_w1a1)"
    assert _error(capsys, ["inspect", str(example_build)]) == \
        (f"model path {str(example_build)!r} is a folder, not a file (hint: give a QONNX .onnx "
         "file or example:tfc_w1a1)")


def test_version_and_build_help(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"hwgen {hwgen.__version__}\n"
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "board target (default: pynq-z2; 'hwgen targets' lists them)" in text


def test_rtl_folder_holds_exactly_the_instantiated_templates(example_build: Path) -> None:
    """Every file in filelist.f is a top or instantiated by another listed file, and every
    instantiated hwgen_ module is listed (Verilator and Yosys then find all modules: the build
    and sim tests elaborate these folders)."""
    rtl = example_build / "rtl"
    listed = (rtl / "filelist.f").read_text().split()
    assert sorted(p.name for p in rtl.glob("*.v")) == sorted(listed)
    inst = re.compile(r"^\s*(hwgen_\w+)\s*(?:#|\w+\s*\()", re.MULTILINE)
    used = {m for name in listed for m in inst.findall((rtl / name).read_text())}
    modules = {Path(name).stem for name in listed}
    assert used <= modules
    assert modules - used == {"hwgen_accel", "hwgen_accel_core"}  # the two tops
    # TFC has thresholding and MVAUs only: no window, pool or label templates
    assert not modules & {"hwgen_swg", "hwgen_swg_par", "hwgen_maxpool", "hwgen_label_select"}
    assert {"hwgen_adder_tree", "hwgen_popcount", "hwgen_thresh_search"} <= modules  # via mvau


@pytest.mark.parametrize("argv", [
    ["build", "example:tfc_w1a1", "--clock-mhz", "abc"],
    ["build", "example:tfc_w1a1", "--backend", "vhdl"],
    ["sim"],
    ["nosuch-command"],
])
def test_unparsable_options_are_one_line(capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hwgen: error: hwgen") and "--help" in err[0]
