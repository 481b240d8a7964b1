"""Shared pytest fixtures (keep generic): zoo models exported once per session, MNIST images."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Test designs are small and runs short: compile Verilator models at -O0 (C++ compile time
# dominates). Set HWGEN_VERILATOR_OPT to override.
os.environ.setdefault("HWGEN_VERILATOR_OPT", "-O0")


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


# DESIGN.md section 6: the incumbent's TFC folding (input thresholds PE 49; MVAUs (PE, SIMD)).
TFC_REFERENCE_FOLDING = {
    "00_thr": {"PE": 49},
    "01_mvau": {"PE": 16, "SIMD": 49},
    "02_mvau": {"PE": 8, "SIMD": 8},
    "03_mvau": {"PE": 8, "SIMD": 8},
    "04_mvau": {"PE": 10, "SIMD": 8},
}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, zoo_export):
    """``built(model_id, folding=None, fps=None) -> (out_dir, BuildResult)``, once per session.

    ``folding`` is a folding.json dict, or "full" for PE = SIMD = 1 everywhere; ``fps`` asks
    for automatic folding to that frame rate.
    """
    from hwgen.build import build

    root = tmp_path_factory.mktemp("builds")
    cache: dict[str, tuple[Path, object]] = {}

    def get(model_id: str, folding: dict | str | None = None, fps: float | None = None):
        key = model_id + json.dumps(folding, sort_keys=True) + repr(fps)
        if key not in cache:
            out = root / f"{model_id}_{len(cache)}"
            src = zoo_export(model_id)
            if folding == "full":
                probe = build(src, root / f"{model_id}_{len(cache)}_probe")
                folding = {name: {k: 1 for k, v in entry.items() if isinstance(v, int)}
                           for name, entry in json.loads(
                               (probe.out / "folding.json").read_text()).items()}
            ffile = None
            if folding is not None:
                ffile = root / f"{model_id}_{len(cache)}_folding.json"
                ffile.write_text(json.dumps(folding))
            cache[key] = (out, build(src, out, folding_file=ffile, fps=fps))
        return cache[key]

    return get
