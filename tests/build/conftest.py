"""Fixtures for build tests: one cached build per (model, folding), shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    """``built(model_id, folding=None) -> (out_dir, BuildResult)``, built once per session."""
    from hwgen.build import build

    root = tmp_path_factory.mktemp("builds")
    cache: dict[str, tuple[Path, object]] = {}

    def get(model_id: str, folding: dict | None = None):
        key = model_id + json.dumps(folding, sort_keys=True)
        if key not in cache:
            out = root / f"{model_id}_{len(cache)}"
            ffile = None
            if folding is not None:
                ffile = root / f"{model_id}_{len(cache)}_folding.json"
                ffile.write_text(json.dumps(folding))
            cache[key] = (out, build(zoo_export(model_id), out, folding_file=ffile))
        return cache[key]

    return get
