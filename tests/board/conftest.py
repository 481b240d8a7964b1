"""Fixtures for board tests: the bundled example built for each board target (fast, no RTL sim)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def board_build(tmp_path_factory: pytest.TempPathFactory):
    """``board_build(target) -> OUT``: example:tfc_w1a1 built for ``target``, once per session."""
    from hwgen.build import build

    root = tmp_path_factory.mktemp("board_builds")
    cache: dict[str, Path] = {}

    def get(target: str) -> Path:
        if target not in cache:
            out = root / target
            build("example:tfc_w1a1", out, target=target)
            cache[target] = out
        return cache[target]

    return get
