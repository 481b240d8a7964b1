"""Build tests share the session fixtures of tests/conftest.py (one cached build per model and
folding); the reference folding is defined there too."""

from tests.conftest import TFC_REFERENCE_FOLDING

__all__ = ["TFC_REFERENCE_FOLDING"]
