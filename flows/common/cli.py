"""Command-line helpers shared by the flows: list arguments and the one-line error exit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from hwgen.errors import HwgenError

__all__ = ["add_run_args", "int_list", "run_main"]


def int_list(text: str) -> list[int]:
    """``"2,4,8"`` -> ``[2, 4, 8]`` (an argparse ``type``)."""
    return [int(v) for v in text.split(",") if v]


def run_main(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], object],
             argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the flow; a HwgenError prints as one line and returns 1."""
    args = parser.parse_args(argv)
    try:
        run(args)
    except HwgenError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def add_run_args(p: argparse.ArgumentParser, quick_help: str) -> None:
    """The options every flow shares: hardware step, seed, device, threads, --quick."""
    p.add_argument("--sim-images", type=int, default=None, help="test images simulated in RTL")
    p.add_argument("--no-hardware", action="store_true", help="skip hwgen build and sim")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--quick", action="store_true", help=quick_help)
