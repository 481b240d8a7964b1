"""The ``hwgen`` command line: one subcommand per job.

Errors: a ``HwgenError`` prints as one line on stderr and exits 1; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from hwgen.errors import HwgenError

__all__ = ["main"]


def _cmd_inspect(args: argparse.Namespace) -> int:
    import hwgen
    from hwgen.build import resolve_model
    from hwgen.inspect import format_inspect

    print(format_inspect(hwgen.load(resolve_model(args.model))), end="")
    return 0


def _cmd_targets(args: argparse.Namespace) -> int:
    from hwgen.targets import all_targets

    rows = [("name", "part", "family", "LUT", "BRAM18", "DSP", "DMA bits", "clock MHz")]
    for t in all_targets().values():
        rows.append((t.name, t.part, t.yosys_family, str(t.LUT), str(t.BRAM18), str(t.DSP),
                     str(t.dma_bits), f"{t.clock_mhz:g}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0


def _version() -> str:
    import hwgen

    return hwgen.__version__


class _Parser(argparse.ArgumentParser):
    """argparse with hwgen's error format: one line on stderr, exit status 1 (not usage + 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"hwgen: error: {self.prog}: {message} (hint: see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="hwgen",
        description="Compile trained discrete neural networks (QONNX) into streaming FPGA hardware.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.add_argument("--version", action="version", version=f"hwgen {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sp = sub.add_parser("inspect", help="print the lowered layers of a QONNX model")
    sp.add_argument("model", help="QONNX .onnx file, or example:tfc_w1a1 for the bundled model")
    sp.set_defaults(func=_cmd_inspect)

    sp = sub.add_parser("targets", help="list the board targets")
    sp.set_defaults(func=_cmd_targets)

    for register in _extra_commands():
        register(sub)
    return p


# Subcommands that live next to their implementation (build, sim, report) register themselves.
_EXTRA_MODULES = ("hwgen.build.cli", "hwgen.simulate.cli", "hwgen.report.cli", "hwgen.cache",
                  "hwgen.explore.cli")


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    import importlib

    # every module is part of hwgen: an import error is a broken install, never a hidden command
    return [importlib.import_module(mod).register for mod in _EXTRA_MODULES]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HwgenError as err:
        if args.debug:
            raise
        print(f"hwgen: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hwgen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
