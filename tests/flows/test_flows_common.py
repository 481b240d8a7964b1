"""Unit tests of flows.common: dataset loaders and model-builder argument checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flows.common.data import load_digits_28, load_mnist
from hwgen.errors import HwgenError

MNIST_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist"


def test_digits_are_mnist_shaped_uint8() -> None:
    data = load_digits_28(seed=0)
    assert data.x_train.shape[1:] == (28, 28) and data.x_train.dtype == np.uint8
    assert len(data.y_train) + len(data.y_test) == 1797
    assert data.x_train.max() == 255 and set(np.unique(data.y_train)) == set(range(10))
    # A 2-pixel zero border from the padding.
    assert not data.x_train[:, :2].any() and not data.x_train[:, :, -2:].any()
    again = load_digits_28(seed=0)
    assert np.array_equal(data.x_test, again.x_test)


def test_missing_mnist_names_the_files(tmp_path: Path) -> None:
    with pytest.raises(HwgenError, match="missing: train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason="MNIST not present")
def test_mnist_idx() -> None:
    data = load_mnist(MNIST_DIR)
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert data.y_test.dtype == np.int64 and data.y_test.max() == 9


def test_build_fc_rejects_bad_arguments() -> None:
    from flows.common.models import build_fc

    with pytest.raises(HwgenError, match="model must be one of tfc, sfc, lfc, not 'xfc'"):
        build_fc("xfc")
    with pytest.raises(HwgenError, match="wbits must be in 1..8, not 0"):
        build_fc("tfc", wbits=0)
    with pytest.raises(HwgenError, match=r"dropout must be in \[0, 1\), not 1.5"):
        build_fc("tfc", dropout=1.5)


def test_fc_quantizer_scales_are_constant_powers_of_two() -> None:
    """No learned quantizer scale: a learned power-of-two scale flips by factors of two during
    training and leaves BatchNorm's running statistics behind (the TFC W1A2 eval collapse)."""
    import torch
    from brevitas.nn import QuantIdentity, QuantLinear

    from flows.common.models import build_fc

    model = build_fc("tfc", wbits=2, abits=2)
    learned = [n for n, _ in model.named_parameters() if "scal" in n and "output_scale" not in n]
    assert learned == []
    model.train()
    model(torch.randint(0, 256, (8, 784)).float())
    acts = [m for m in model.modules() if isinstance(m, QuantIdentity)]
    # Input quantizer: [-0.5, 0.5) in 2 bits; hidden activations: [-2, 2) in 2 bits.
    assert [float(a.act_quant.scale()) for a in acts] == [0.25, 1.0, 1.0, 1.0]
    weights = [m.quant_weight() for m in model.modules() if isinstance(m, QuantLinear)]
    # 2-bit narrow weights with scale 1: ternary.
    assert all(float(w.scale) == 1.0 and set(w.int().unique().tolist()) <= {-1, 0, 1}
               for w in weights)
