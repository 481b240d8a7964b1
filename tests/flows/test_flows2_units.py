"""Unit checks of the weight-distributions and bounded-rectifiers flows (no training).

- GaussAct's mean-field moments equal Monte Carlo moments of the quantized Gaussian for the
  sign and for 3- and 7-level activations;
- a hardened bounded-rectifier net exported with ``export_unsigned_steps`` computes in QONNX
  what it computes in torch (the 1-bit unsigned steps are not turned into signs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch


@pytest.mark.parametrize("levels", [2, 3, 7])
def test_gauss_act_moments_match_monte_carlo(levels: int) -> None:
    from flows.weight_distributions.flow import GaussAct

    act = GaussAct(levels, "meanfield", 2 / 3).eval()
    gen = torch.Generator().manual_seed(0)
    m = torch.tensor([[-1.7, -0.4, 0.0, 0.3, 2.2]])
    v = torch.tensor([[0.5, 2.0, 1.0, 0.1, 3.0]])
    mean, second = act(m, v)
    second = torch.ones_like(mean) if second is None else second
    a = m + v.sqrt() * torch.randn(200_000, 5, generator=gen)
    h = act.levels[torch.bucketize(a, act.thresholds, right=True)]
    assert torch.allclose(mean[0], h.mean(0), atol=0.02), (mean, h.mean(0))
    assert torch.allclose(second[0], (h * h).mean(0), atol=0.05 * levels)


def test_sampled_training_modes_give_values() -> None:
    """lrt and gumbel pass one value per unit (second moment = its square) while training."""
    from flows.weight_distributions.flow import ProbMLP

    x = torch.rand(8, 784) * 255
    for sampling in ("lrt", "gumbel"):
        net = ProbMLP((16,), (-1.0, 0.0, 1.0), act_levels=3, sampling=sampling).train()
        out = net(x)
        out.sum().backward()
        assert out.shape == (8, 10) and net.layers[0].logits.grad.abs().sum() > 0


def test_unsigned_steps_export_matches_torch(tmp_path: Path) -> None:
    from flows.bounded_rectifiers.flow import BRNet, export_unsigned_steps, harden
    from flows.common.data import load_digits_28
    from flows.common.export import run_qonnx
    from flows.common.train import predict
    from flows.weight_distributions.flow import reestimate_bn

    torch.manual_seed(0)
    data = load_digits_28()
    net = BRNet((32, 32), "all")
    harden(net)
    reestimate_bn(net, data.x_train[:500])  # real statistics: the steps fire both ways
    x = data.x_test[:40]
    path = export_unsigned_steps(net, tmp_path / "br.onnx")
    t_out, q_out = predict(net, x), run_qonnx(path, x.reshape(len(x), -1))
    assert np.allclose(q_out, t_out, atol=1e-4), np.abs(q_out - t_out).max()
    assert len(np.unique(t_out.argmax(1))) > 1
