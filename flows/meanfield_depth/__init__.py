"""Mean-field depth sweep: N-level staircase activations, depth x N on MNIST MLPs, vs theory.

Run ``python -m flows.meanfield_depth --help``. See :func:`flows.meanfield_depth.flow.run`.
"""

from flows.meanfield_depth.flow import main, run

__all__ = ["main", "run"]
