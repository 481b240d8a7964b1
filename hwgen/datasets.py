"""Data sets bundled with hwgen, named ``example:NAME`` like the bundled models.

``example:mnist``: the first 1,000 images of the MNIST test set (``t10k-images-idx3-ubyte``
and ``t10k-labels-idx1-ubyte`` of the original distribution by LeCun, Cortes and Burges, in
file order), stored as ``hwgen/data/datasets/mnist_test_1000.npz`` (160 KB) with ``images``
(1000, 28, 28) uint8 pixels and ``labels`` (1000,) uint8 digits. It lets ``hwgen sim OUT
--dataset example:mnist`` run on a fresh install with no download; the full test set (10,000
images) is read from a folder of the IDX files with ``--mnist DIR``.
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import HwgenError
from hwgen.tools import package_dir

__all__ = ["BUNDLED", "load_dataset"]

# name -> (file under hwgen/data/datasets, where it came from)
BUNDLED = {
    "mnist": ("mnist_test_1000.npz", "MNIST test set, first 1,000 images with labels"),
}


def load_dataset(spec: str) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of a bundled data set given as ``example:NAME``."""
    name = spec.split(":", 1)[1] if spec.startswith("example:") else None
    if name not in BUNDLED:
        known = ", ".join(f"example:{n}" for n in BUNDLED)
        raise HwgenError(f"no bundled data set {spec!r}; bundled: {known}",
                         hint="for a folder of MNIST IDX files use --mnist DIR, for your own "
                              "arrays --inputs X.npy (--labels Y.npy)")
    path = package_dir("data") / "datasets" / BUNDLED[name][0]
    with np.load(path) as z:
        return z["images"], z["labels"]
