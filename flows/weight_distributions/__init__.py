"""Weight distributions: ternary/binary weights trained as per-weight categorical distributions.

Run ``python -m flows.weight_distributions --help``. See :func:`flows.weight_distributions.flow.run`.
"""

from flows.weight_distributions.flow import main, run

__all__ = ["main", "run"]
