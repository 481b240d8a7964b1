"""`hwgen build example:tfc_w1a1 --target pynq-z2` writes the board, driver and deploy folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hwgen.board.tcl import achieved_clock_mhz
from hwgen.errors import TargetError
from hwgen.targets import get_target

EXPECTED = sorted([
    "board/board.json", "board/build_bitstream.sh", "board/create_project.tcl",
    "deploy/hwgen_accel.bit", "deploy/hwgen_accel.hwh", "deploy/validate.py",
    "driver/validate.py",
] + [f"{top}/hwgen_driver/{name}" for top in ("deploy", "driver") for name in (
    "__init__.py", "accel.py", "host.json", "host.py", "packing.py", "floatops.py", "idx.py")])


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for top in ("board", "driver", "deploy")
            for p in sorted((out / top).rglob("*")) if p.is_file()}


def test_cli_writes_board_files_deterministically(tmp_path: Path) -> None:
    trees = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "hwgen", "build", "example:tfc_w1a1", "--target",
                        "pynq-z2", "-o", str(out)], check=True, capture_output=True)
        trees.append(_tree(out))
    assert sorted(trees[0]) == EXPECTED
    assert trees[0] == trees[1]
    board = json.loads(trees[0]["board/board.json"])
    assert board["part"] == "xc7z020clg400-1" and board["clock"]["expected_mhz"] == 100.0
    assert b"vivado -mode batch" in trees[0]["board/build_bitstream.sh"]
    assert trees[0]["deploy/hwgen_accel.bit"].startswith(b"hwgen placeholder")


def test_placeholder_bitstream_is_refused(board_build, tmp_path: Path) -> None:
    out = board_build("pynq-z2")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from hwgen_driver import Accelerator\n"
            "Accelerator(sys.argv[1] + '/hwgen_accel.bit')\n")
    proc = subprocess.run([sys.executable, "-I", "-c", code, str(out / "deploy")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "is a placeholder: run OUT/board/build_bitstream.sh" in proc.stderr


@pytest.mark.parametrize(("mhz", "want"), [(100, 100.0), (142, 142.857143), (50, 50.0)])
def test_achieved_clock_is_pll_divided(mhz: float, want: float) -> None:
    assert achieved_clock_mhz(get_target("pynq-z2"), mhz)[0] == want


def test_unknown_target_lists_known() -> None:
    with pytest.raises(TargetError, match="known targets: pynq-z2, ultra96-v2, zcu104, kv260"):
        get_target("zedboard")
