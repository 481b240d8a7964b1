"""Shared pytest fixtures (keep generic): zoo models exported once per session, MNIST images."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def zoo_export(tmp_path_factory: pytest.TempPathFactory):
    """``zoo_export(id, dynamo=False) -> Path``: each zoo model exported once per session."""
    from tests.zoo import export

    folder = tmp_path_factory.mktemp("zoo")
    cache: dict[tuple[str, bool], Path] = {}

    def get(id: str, dynamo: bool = False) -> Path:
        if (id, dynamo) not in cache:
            cache[(id, dynamo)] = export(id, folder, dynamo=dynamo)
        return cache[(id, dynamo)]

    return get


@pytest.fixture(scope="session")
def mnist():
    """(images (N, 1, 28, 28) uint8, labels) of the MNIST test set; skips loudly when absent."""
    from tests.zoo import mnist_dir, mnist_images

    data = mnist_images()
    if data is None:
        pytest.skip(f"MNIST IDX files not found (looked in {mnist_dir()!r}); set HWGEN_MNIST_DIR")
    return data
