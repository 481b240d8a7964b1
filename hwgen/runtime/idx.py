"""Reading MNIST-style IDX files (optionally gzipped): numpy only, Python 3.8 syntax.

Shared by ``hwgen sim --mnist`` and the board driver's validate script.
"""

import gzip
import os

import numpy as np

__all__ = ["read_idx", "find_mnist_test"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """The array stored in an IDX file (``.gz`` or plain)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=_DTYPES[raw[2]], offset=4 + 4 * ndim)
    count = int(np.prod(dims)) if dims else 0
    if data.size != count:
        raise ValueError(f"{path} holds {data.size} values, expected {count} (truncated?)")
    return data.reshape(dims)


def find_mnist_test(folder):
    """(images (N, 28, 28) uint8, labels (N,)) of the MNIST test set in ``folder``."""
    names = {}
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        for candidate in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                names[stem] = path
                break
        else:
            raise FileNotFoundError(
                f"{folder} has no {stem}[.gz]: pass the folder holding the MNIST IDX files")
    return read_idx(names["t10k-images-idx3-ubyte"]), read_idx(names["t10k-labels-idx1-ubyte"])
