"""Bounded rectifiers: clip(slope * x, 0, 1) units whose slope grows until they are steps.

Run ``python -m flows.bounded_rectifiers --help``. See :func:`flows.bounded_rectifiers.flow.run`.
"""

from flows.bounded_rectifiers.flow import main, run

__all__ = ["main", "run"]
