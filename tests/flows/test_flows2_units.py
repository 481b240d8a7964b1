"""Unit checks of the weight-distributions and bounded-rectifiers flows (no training).

- GaussAct's mean-field moments equal Monte Carlo moments of the quantized Gaussian for the
  sign and for 3- and 7-level activations;
- a hardened bounded-rectifier net exported with ``export_unsigned_steps`` computes in QONNX
  what it computes in torch (the 1-bit unsigned steps are not turned into signs);
- the weight-distribution entropy penalty: its value, schedule and effect.
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


def test_entropy_penalty_schedule_and_value() -> None:
    """The weight entropy is the categorical entropy summed over weights (uniform logits:
    log 3 nats per ternary weight); the penalty is 0 before --entropy-start and rises linearly
    to its weight at the end of training; with it, training sharpens the distributions."""
    import math

    from flows.weight_distributions.flow import ProbMLP, _entropy_schedule

    net = ProbMLP((4,), (-1.0, 0.0, 1.0), n_in=6, n_out=3)
    with torch.no_grad():
        for layer in [*net.layers, net.classifier]:
            layer.logits.zero_()
    n_weights = 6 * 4 + 4 * 3
    assert math.isclose(float(net.weight_entropy()), n_weights * math.log(3), rel_tol=1e-6)
    pen = _entropy_schedule(net, 2.0, 0.5)
    assert pen(0.25) == 0.0
    assert math.isclose(float(pen(0.75)), 1.0 * n_weights * math.log(3), rel_tol=1e-6)
    torch.manual_seed(0)
    for layer in [*net.layers, net.classifier]:
        torch.nn.init.normal_(layer.logits, std=0.5)
    before = float(net.weight_entropy())
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        pen(0.9).backward()
        opt.step()
    assert float(net.weight_entropy()) < 0.5 * before
