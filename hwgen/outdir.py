"""Build folders: which folder hwgen may replace, how it replaces one, and how later commands
find one.

``hwgen build -o PATH`` replaces PATH only when nothing of the user's can be lost there: PATH
does not exist, is an empty folder, or is a build folder an earlier hwgen run wrote (its
``manifest.json`` is hwgen's and every entry in it is one hwgen writes). Anything else is
refused, and a file at PATH is never replaced. The model may not lie inside PATH (or be PATH).
The new folder is filled under a hidden name beside PATH (``.NAME.tmp-*``) and renamed into
place only when complete, so nothing half-written ever looks like a finished build. Folders are
created with ``os.mkdir`` and so get the user's normal permissions (umask), not the 0700 of
``tempfile.mkdtemp``.

``hwgen sim`` and ``hwgen report`` write into subfolders of a build folder (``sim/``,
``report/``); :func:`require_build_folder` checks the folder is one before they touch it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from hwgen.errors import HwgenError

__all__ = ["BUILD_ENTRIES", "Earlier", "check_output", "move_into_place", "new_temp_folder",
           "refuse_broken_link", "require_build_folder"]

# Every top-level entry a build folder can hold: written by ``hwgen build`` (all backends),
# ``hwgen sim`` (sim/), ``hwgen report`` (report/) and the Vivado script (board/, deploy/).
BUILD_ENTRIES = frozenset({
    "manifest.json", "model.onnx", "folding.json", "fifo_depths.json", "rtl", "mem", "report",
    "board", "driver", "deploy", "hls", "sim",
})
# The first bytes of the stand-in deploy/hwgen_accel.bit a build writes (no Vivado run yet).
_PLACEHOLDER = b"hwgen placeholder"


@dataclass(frozen=True)
class Earlier:
    """An earlier hwgen build found at the output path, and the results replacing it loses."""

    path: Path
    lost: tuple[str, ...]  # e.g. ("sim/", "report/"): results of later commands

    def message(self, shown: str) -> str:
        if not self.lost:
            return f"replacing the earlier build in {shown}"
        items = list(self.lost)
        listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
        return f"replacing the earlier build in {shown} (its {listed} results)"


def _manifest_problem(folder: Path) -> str | None:
    """Why ``folder/manifest.json`` is not a hwgen manifest, or None when it is one."""
    path = folder / "manifest.json"
    if not path.is_file():
        return "it has no manifest.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "its manifest.json is not JSON"
    if not (isinstance(data, dict) and isinstance(data.get("hwgen_version"), str)
            and isinstance(data.get("layers"), list) and data.get("top") == "hwgen_accel"):
        return "its manifest.json was not written by hwgen"
    return None


def _lost_results(folder: Path, backend: str) -> tuple[str, ...]:
    """The results of later commands (sim, report --synth, Vivado, an HLS build) in ``folder``
    that a new build does not write again."""
    lost = []
    if (folder / "sim").is_dir() and any((folder / "sim").iterdir()):
        lost.append("sim/")
    try:
        report = json.loads((folder / "report" / "report.json").read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        report = {}
    if isinstance(report, dict) and (report.get("synth") or report.get("measured")
                                     or report.get("vivado")):
        lost.append("report/")
    if (folder / "hls").is_dir() and backend == "rtl":
        lost.append("hls/")
    if (folder / "board" / "reports").is_dir():
        lost.append("board/ (Vivado)")
    bit = folder / "deploy" / "hwgen_accel.bit"
    try:
        if bit.is_file() and not bit.read_bytes()[:len(_PLACEHOLDER)] == _PLACEHOLDER:
            lost.append("deploy/ (bitstream)")
    except OSError:
        pass
    return tuple(lost)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_broken_link(path: Path) -> None:
    """Refuse an output path that is a symbolic link to nothing (writing through it would
    create a folder somewhere the user did not name)."""
    if path.is_symlink() and not path.exists():
        raise HwgenError(f"output {path} is a broken symbolic link",
                         hint="remove the link or choose another -o folder")


def check_output(out: str | Path, model: str | Path | None = None,
                 backend: str = "rtl") -> Earlier | None:
    """Refuse an output path hwgen may not replace (a ``HwgenError`` naming it).

    Returns the earlier build found there (with what replacing it loses), or None when the
    path does not exist or is an empty folder.
    """
    shown = str(out)
    path = Path(out)
    refuse_broken_link(path)
    real = path.resolve()
    if model is not None and Path(model).resolve() == real:
        raise HwgenError(f"output {shown} is the model file itself; hwgen never replaces a file",
                         hint="choose another -o folder")
    if model is not None and _inside(Path(model).resolve(), real):
        raise HwgenError(f"the model {model} is inside the output folder {shown}; building would "
                         "replace it", hint="copy the model elsewhere or choose another -o folder")
    if _inside(Path.cwd().resolve(), real):
        raise HwgenError(f"output folder {shown} is (or holds) the current folder",
                         hint="run hwgen from outside it or choose another -o folder")
    if not real.exists():
        return None
    if not real.is_dir():
        raise HwgenError(f"output {shown} is a file, not a folder; hwgen never replaces a file",
                         hint="choose another -o folder")
    try:
        entries = sorted(p.name for p in real.iterdir())
    except OSError as exc:
        raise HwgenError(f"cannot read the output folder {shown}: {exc.strerror}",
                         hint="choose another -o folder") from exc
    if not entries:
        return None
    problem = _manifest_problem(real)
    if problem is not None:
        raise HwgenError(f"output folder {shown} is not empty and not an earlier hwgen build "
                         f"({problem}); hwgen replaces only those",
                         hint="choose a new or empty -o folder")
    foreign = [n for n in entries if n not in BUILD_ENTRIES]
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise HwgenError(f"output folder {shown} is an earlier hwgen build but also holds "
                         f"{', '.join(foreign[:3])}{more}, which hwgen did not write",
                         hint="move those away or choose another -o folder")
    return Earlier(real, _lost_results(real, backend))


def new_temp_folder(out: str | Path) -> Path:
    """A fresh hidden folder beside ``out`` (same file system, so the final rename is atomic),
    created with the user's umask."""
    real = Path(out).resolve()
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        while True:
            tmp = real.parent / f".{real.name}.tmp-{secrets.token_hex(4)}"
            try:
                os.mkdir(tmp)
                return tmp
            except FileExistsError:
                continue
    except OSError as exc:
        raise HwgenError(f"cannot write the output folder {out}: {exc.strerror}",
                         hint="choose a writable -o folder") from exc


def move_into_place(tmp: Path, out: str | Path) -> None:
    """Rename the finished folder ``tmp`` to ``out``, replacing what ``check_output`` allowed
    there (call it again just before: the folder may have changed during the build)."""
    real = Path(out).resolve()
    if not real.exists():
        os.rename(tmp, real)  # fails rather than replace anything that appeared meanwhile
        return
    old = real.parent / f".{real.name}.old-{secrets.token_hex(4)}"
    os.rename(real, old)
    try:
        os.rename(tmp, real)
    except BaseException:
        os.rename(old, real)
        raise
    shutil.rmtree(old, ignore_errors=True)


def require_build_folder(out: str | Path) -> Path:
    """``out`` as a build folder written by ``hwgen build``, or a ``HwgenError`` saying what
    was expected (for ``hwgen sim`` and ``hwgen report``)."""
    path = Path(out)
    if not path.exists():
        raise HwgenError(f"build folder {out} does not exist; run `hwgen build MODEL -o {out}` "
                         "first")
    if not path.is_dir():
        raise HwgenError(f"{out} is a file, not a build folder; give the folder written by "
                         "`hwgen build MODEL -o FOLDER`")
    problem = _manifest_problem(path)
    if problem is not None:
        raise HwgenError(f"{out} is not a hwgen build folder ({problem}); run "
                         f"`hwgen build MODEL -o {out}` first")
    for sub in ("sim", "report"):
        if (path / sub).exists() and not (path / sub).is_dir():
            raise HwgenError(f"{path / sub} is a file; hwgen writes its results in a folder there",
                             hint="move that file away")
    return path
