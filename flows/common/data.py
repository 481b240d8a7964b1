"""Datasets as uint8 pixel arrays: MNIST from IDX .gz files, scikit-learn digits for quick runs.

Every dataset is returned as ``uint8`` images of shape (N, 28, 28) and ``int64`` labels, so that
the same models (which take raw pixels 0..255 and scale by 1/255 inside the graph) fit both.
Nothing is ever downloaded: MNIST must be present in ``data_dir``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwgen.errors import HwgenError

__all__ = ["MNIST_FILES", "Dataset", "load_digits_28", "load_mnist"]

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049


@dataclass(frozen=True)
class Dataset:
    """Train/test split of uint8 images (N, H, W) and int64 labels (N,)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def subset(self, n_train: int, n_test: int) -> Dataset:
        """The first ``n_train`` / ``n_test`` samples (deterministic)."""
        return Dataset(
            f"{self.name}[:{n_train}/{n_test}]",
            self.x_train[:n_train],
            self.y_train[:n_train],
            self.x_test[:n_test],
            self.y_test[:n_test],
        )


def _read_idx(path: Path, magic: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found = int.from_bytes(raw[0:4], "big")
    if found != magic:
        raise HwgenError(
            f"{path} must be an IDX file with magic {magic}, not {found}",
            hint="pass the folder holding the original MNIST .gz files",
        )
    if magic == _IDX_IMAGES_MAGIC:
        n, rows, cols = (int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(3))
        data = np.frombuffer(raw, dtype=np.uint8, offset=16)
        shape: tuple[int, ...] = (n, rows, cols)
    else:
        n = int.from_bytes(raw[4:8], "big")
        data = np.frombuffer(raw, dtype=np.uint8, offset=8)
        shape = (n,)
    if data.size != int(np.prod(shape)):
        raise HwgenError(
            f"{path} must hold {int(np.prod(shape))} values, not {data.size}",
            hint="the file is truncated; copy it again",
        )
    return data.reshape(shape)


def load_mnist(data_dir: str | Path) -> Dataset:
    """MNIST from the four IDX .gz files in ``data_dir`` (60,000 train, 10,000 test)."""
    data_dir = Path(data_dir)
    missing = [name for name in MNIST_FILES.values() if not (data_dir / name).is_file()]
    if missing:
        raise HwgenError(
            f"MNIST folder {str(data_dir)!r} must hold {', '.join(MNIST_FILES.values())}; "
            f"missing: {', '.join(missing)}",
            hint="pass --data-dir pointing at a copy of the MNIST IDX files (e.g. ../shared/data/mnist)",
        )
    arrays = {
        key: _read_idx(data_dir / name, _IDX_IMAGES_MAGIC if "images" in key else _IDX_LABELS_MAGIC)
        for key, name in MNIST_FILES.items()
    }
    return Dataset(
        "mnist",
        arrays["train_images"],
        arrays["train_labels"].astype(np.int64),
        arrays["test_images"],
        arrays["test_labels"].astype(np.int64),
    )


def load_digits_28(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 8x8 digits (offline, 1,797 images) made MNIST-shaped.

    Pixels 0..16 are rescaled to 0..255, each pixel is repeated 3x3 (24x24) and the image is
    zero-padded by 2 on every side to 28x28, so MNIST models and their exported graphs apply
    unchanged. The split is a seeded permutation.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    images = images.repeat(3, axis=1).repeat(3, axis=2)
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = round(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits28", images[train], labels[train], images[test], labels[test])
