"""The compile cache for Verilator's run-time objects (hwgen/simulate/objcache.py).

A stand-in compiler counts its runs, so the test sees which compiles the cache served."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hwgen.simulate import objcache

FAKE_CXX = """#!/bin/sh
# writes the source's bytes to the -o file, its dependencies (the source and every .h
# named in it, as -MMD would) to the .d file, and counts its runs
echo run >> "{log}"
out=""; src=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift ;;
    *.cpp) src="$1" ;;
  esac
  shift
done
cat "$src" > "$out"
echo "$out: $src $(grep -o '[^ ]*[.]h' "$src" | tr '\n' ' ')" > "${{out%.o}}.d"
"""


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    log = tmp_path / "runs.log"
    cxx = tmp_path / "fakecxx"
    cxx.write_text(FAKE_CXX.format(log=log))
    cxx.chmod(cxx.stat().st_mode | stat.S_IEXEC)
    lib = tmp_path / "pkg" / "include"
    lib.mkdir(parents=True)
    (lib / "rt.h").write_text("// header\n")
    (lib / "rt.cpp").write_text(f"// {lib / 'rt.h'}\nint rt() {{ return 1; }}\n")
    (lib / "main.cpp").write_text("// Vtop.h\nint main() { return 0; }\n")
    builds = [tmp_path / "b1", tmp_path / "b2"]
    for b in builds:
        b.mkdir()
        (b / "model.cpp").write_text("int model() { return 2; }\n")
        (b / "Vtop.h").write_text(f"// the model of {b.name}\n")
    return cxx, log, lib, builds


def _compile(build: Path, cxx: Path, lib: Path, src: str, monkeypatch) -> int:
    monkeypatch.chdir(build)
    out = Path(src).with_suffix(".o").name
    return objcache.main([str(cxx), "-O1", f"-I{lib}", "-c", "-o", out, src])


def _runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_runtime_object_compiled_once_across_builds(setup, monkeypatch) -> None:
    cxx, log, lib, (b1, b2) = setup
    assert _compile(b1, cxx, lib, str(lib / "rt.cpp"), monkeypatch) == 0
    assert _compile(b2, cxx, lib, str(lib / "rt.cpp"), monkeypatch) == 0
    assert _runs(log) == 1  # the second build's object came from the cache
    assert (b2 / "rt.o").read_text() == (lib / "rt.cpp").read_text()


def test_model_sources_are_never_cached(setup, monkeypatch) -> None:
    cxx, log, lib, (b1, _) = setup
    for _ in range(2):
        assert _compile(b1, cxx, lib, "model.cpp", monkeypatch) == 0
    assert _runs(log) == 2


def test_object_depending_on_the_build_folder_is_never_shared(setup, monkeypatch) -> None:
    """cocotb's verilator.cpp includes the model's own Vtop.h: its object differs per design."""
    cxx, log, lib, (b1, b2) = setup
    assert _compile(b1, cxx, lib, str(lib / "main.cpp"), monkeypatch) == 0
    assert _compile(b2, cxx, lib, str(lib / "main.cpp"), monkeypatch) == 0
    assert _runs(log) == 2
    assert not list(objcache.cache_dir().rglob("*.o"))


def test_changed_source_header_or_flags_recompile(setup, monkeypatch) -> None:
    cxx, log, lib, (b1, b2) = setup
    _compile(b1, cxx, lib, str(lib / "rt.cpp"), monkeypatch)
    (lib / "rt.cpp").write_text("int rt() { return 3; }\n")
    _compile(b2, cxx, lib, str(lib / "rt.cpp"), monkeypatch)
    assert _runs(log) == 2
    assert (b2 / "rt.o").read_text() == "int rt() { return 3; }\n"
    (lib / "rt.h").write_text("// header, longer now\n")
    _compile(b1, cxx, lib, str(lib / "rt.cpp"), monkeypatch)
    assert _runs(log) == 3
    monkeypatch.chdir(b2)
    objcache.main([str(cxx), "-O2", f"-I{lib}", "-c", "-o", "rt.o", str(lib / "rt.cpp")])
    assert _runs(log) == 4


def test_failed_compile_is_not_cached(setup, monkeypatch, tmp_path: Path) -> None:
    _, log, lib, (b1, b2) = setup
    bad = tmp_path / "badcxx"
    bad.write_text(f'#!/bin/sh\necho run >> "{log}"\nexit 1\n')
    bad.chmod(bad.stat().st_mode | stat.S_IEXEC)
    assert _compile(b1, bad, lib, str(lib / "rt.cpp"), monkeypatch) == 1
    assert _compile(b2, bad, lib, str(lib / "rt.cpp"), monkeypatch) == 1
    assert _runs(log) == 2
    assert not list(objcache.cache_dir().rglob("*.o"))
