"""Unit checks of the weight-distributions and bounded-rectifiers flows (no training).

- GaussAct's mean-field moments equal Monte Carlo moments of the quantized Gaussian for the
  sign and for 3- and 7-level activations;
- a hardened bounded-rectifier net exported with ``export_unsigned_steps`` computes in QONNX
  what it computes in torch (the 1-bit unsigned steps are not turned into signs);
- the weight-distribution entropy penalty: its value, schedule and effect;
- bounded rectifiers: the surrogate gradient, penalty and slope-cap schedules, and the
  conversion to steps.
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


def test_surrogate_gradient_of_a_steep_ramp() -> None:
    """Forward: the steep ramp either way. d/dx: zero outside the 1/slope window without a
    surrogate; with ``surrogate_width=w``, 1/w on the window of width w around the ramp's
    centre 1/(2 slope), zero outside it. The slope keeps the steep ramp's gradient."""
    from flows.bounded_rectifiers.flow import BoundedStep

    x = torch.linspace(-1.0, 1.0, 401) + 0.00123  # no point on a kink of either ramp
    slope = 1000.0
    outs, grads = [], []
    for width in (0.0, 0.5):
        unit = BoundedStep(surrogate_width=width)
        with torch.no_grad():
            unit.log_slope.fill_(np.log(slope))
        xx = x.clone().requires_grad_(True)
        y = unit(xx)
        y.sum().backward()
        outs.append(y.detach())
        grads.append(xx.grad)
    assert torch.equal(outs[0], outs[1])
    assert torch.allclose(outs[0], torch.clamp(slope * x, 0.0, 1.0), atol=1e-5)
    inside = (x - 0.5 / slope).abs() < 0.25 - 1e-6
    outside = (x - 0.5 / slope).abs() > 0.25 + 1e-6
    assert grads[0][inside & ((x < 0) | (x > 1 / slope))].abs().max() == 0  # exact: none
    assert torch.allclose(grads[1][inside], torch.full_like(x[inside], 2.0))
    assert grads[1][outside].abs().max() == 0
    # A wide ramp (1/slope > w) keeps its exact gradient.
    unit = BoundedStep(surrogate_width=0.5)
    xx = x.clone().requires_grad_(True)
    unit(xx).sum().backward()
    assert torch.equal(xx.grad, ((x > 0) & (x < 1)).float())
    assert unit.log_slope.grad is not None and unit.log_slope.grad != 0


def test_penalty_and_slope_cap_schedules() -> None:
    from flows.bounded_rectifiers.flow import penalty_weight, slope_cap

    assert slope_cap(0.3, 100.0) == 100.0
    assert slope_cap(0.0, 100.0, "geometric") == 1.0
    assert slope_cap(0.5, 100.0, "geometric") == pytest.approx(10.0)
    assert slope_cap(1.0, 100.0, "geometric") == pytest.approx(100.0)

    assert penalty_weight(0.0, 2.0) == 0.0 and penalty_weight(1.0, 2.0) == 2.0
    assert penalty_weight(0.5, 2.0) == 0.5
    assert penalty_weight(0.4, 2.0, start=0.5) == 0.0
    assert penalty_weight(0.75, 2.0, start=0.5) == 0.5
    assert penalty_weight(1.0, 2.0, start=0.5) == 2.0


def test_harden_is_the_step_at_the_ramp_centre() -> None:
    """After :func:`harden`, each unit outputs ``s * [slope * y >= 1/2]`` (``y``: the BatchNorm
    output before hardening, ``s``: the 1-bit quantizer's scale), for any slope."""
    from flows.bounded_rectifiers.flow import BRNet, harden

    torch.manual_seed(0)
    net = BRNet((16, 16), "all").eval()
    bn, unit = net.features[3], net.features[4]
    with torch.no_grad():
        unit.log_slope.fill_(np.log(7.0))
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
    h = torch.randn(256, 16)
    y = bn(h)
    harden(net)
    out = unit(bn(h))
    s = out.max()
    assert s > 0
    z = 7.0 * y
    clear = (z - 0.5).abs() > 1e-4  # no ties within float rounding
    assert torch.equal(out[clear] / s, (z[clear] >= 0.5).float())
    assert 0 < (out > 0).float().mean() < 1


def test_slope_cap_respected() -> None:
    """A large penalty drives the slopes up; ``slope_max`` stops them exactly there."""
    import argparse

    from flows.bounded_rectifiers.flow import BRNet, _fit
    from flows.common.data import load_digits_28

    data = load_digits_28()
    torch.manual_seed(0)
    net = BRNet((16, 16), "all")
    args = argparse.Namespace(seed=0, lr=1e-2, slope_lr=0.2, batch_size=128, epochs=8,
                              penalty=100.0, penalty_start=0.0, slope_max=5.0,
                              slope_cap_schedule="constant")
    fit = _fit(net, data, args, lambda line: None, "cap")
    slopes = [float(m.slope) for m in net.steps()]
    assert max(slopes) <= 5.0 * (1 + 1e-6) and min(slopes) > 4.9, slopes
    assert fit["history"][-1]["slopes"] == [round(v, 2) for v in slopes]


def test_harden_keeps_the_output_of_units_outside_their_ramp() -> None:
    """With every unit's input outside its ramp, the hardened net (1-bit outputs {0, s}) gives
    the same logits as the bounded rectifiers (outputs {0, 1}): no BatchNorm re-estimation."""
    from flows.bounded_rectifiers.flow import BRNet, harden, ramp_fractions
    from flows.common.data import load_digits_28
    from flows.common.train import predict
    from flows.weight_distributions.flow import reestimate_bn

    torch.manual_seed(0)
    data = load_digits_28()
    net = BRNet((32, 32), "all")
    reestimate_bn(net, data.x_train[:500])
    with torch.no_grad():
        for unit in net.steps():
            unit.log_slope.fill_(np.log(1e6))
    x = data.x_test[:100]
    assert ramp_fractions(net, x) == [0.0, 0.0]
    before = predict(net, x)
    harden(net)
    after = predict(net, x)
    assert np.allclose(after, before, rtol=1e-4, atol=1e-4), np.abs(after - before).max()
