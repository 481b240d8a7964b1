"""Discrete levels: N-level (2..256) tanh-like and ReLU-like units vs float, on four tasks.

Run ``python -m flows.discrete_levels --help``. See :func:`flows.discrete_levels.flow.run`.
"""

from flows.discrete_levels.flow import main, run

__all__ = ["main", "run"]
