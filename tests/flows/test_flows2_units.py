"""Unit checks of the weight-distributions and bounded-rectifiers flows (no training).

- GaussAct's mean-field moments equal Monte Carlo moments of the quantized Gaussian for the
  sign and for 3- and 7-level activations;
- the conv net's pieces: ProbConv2d's pre-activation mean and variance equal Monte Carlo
  moments over sampled weights and inputs, GaussActPool's pooled moments equal those of
  max-pooled quantized Gaussian samples, GaussBatchNorm normalises per channel of a feature
  map, and the sampled training modes run through ProbCNV;
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


@pytest.mark.parametrize("bipolar", [True, False])
def test_prob_conv_moments_match_monte_carlo(bipolar: bool) -> None:
    """Mean and variance of conv(h, w) over independent categorical weights and independent
    inputs (bipolar, or 3-level {-1, 0, 1} with a given second moment)."""
    from flows.weight_distributions.flow import ProbConv2d

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    conv = ProbConv2d(3, 2, 3, (-1.0, 0.0, 1.0))
    with torch.no_grad():
        conv.logits.mul_(3.0)  # far from uniform: unequal weight moments
    shape = (1, 3, 5, 5)
    if bipolar:
        mean = torch.rand(shape) * 1.8 - 0.9
        p = torch.stack([(1 - mean) / 2, torch.zeros_like(mean), (1 + mean) / 2], -1)
    else:
        p = torch.softmax(2.0 * torch.randn(*shape, 3), -1)  # P(-1), P(0), P(+1)
    levels = torch.tensor([-1.0, 0.0, 1.0])
    a, a2 = p @ levels, p @ levels**2
    m, v = conv(a, None if bipolar else a2)
    n = 40_000
    h = levels[torch.multinomial(p.reshape(-1, 3), n, replacement=True, generator=gen)]
    h = h.t().reshape(n, 3, 5, 5)
    pw = torch.softmax(conv.logits.detach(), -1).reshape(-1, 3)
    w = conv.values[torch.multinomial(pw, n, replacement=True, generator=gen)]
    w = w.t().reshape(n, 2, 27)  # one weight draw per sample
    cols = torch.nn.functional.unfold(h, 3)  # (n, 27, 9): im2col in (c, kh, kw) order
    out = torch.einsum("nok,nkl->nol", w, cols).reshape(n, 2, 3, 3)
    mc_m, mc_v = out.mean(0), out.var(0)
    assert torch.allclose(m[0].detach(), mc_m, atol=0.06), (m[0], mc_m)
    assert torch.allclose(v[0].detach(), mc_v, rtol=0.05, atol=0.05), (v[0], mc_v)


@pytest.mark.parametrize("levels", [2, 3, 7])
def test_act_pool_moments_match_monte_carlo(levels: int) -> None:
    """Mean-field max pool after the activation vs max-pooled samples of the quantized
    Gaussian (2x2, stride 2, 5x5 map: the last row and column are dropped)."""
    from flows.weight_distributions.flow import GaussAct, GaussActPool

    pool = GaussActPool(GaussAct(levels, "meanfield", 2 / 3), 2).eval()
    gen = torch.Generator().manual_seed(0)
    m = torch.randn(1, 2, 5, 5, generator=gen) * (levels - 1) / 2
    v = torch.rand(1, 2, 5, 5, generator=gen) * 2 + 0.1
    mean, second = pool(m, v)
    second = torch.ones_like(mean) if second is None else second
    assert mean.shape == (1, 2, 2, 2)
    a = m + v.sqrt() * torch.randn(100_000, 2, 5, 5, generator=gen)
    act = pool.act
    h = torch.nn.functional.max_pool2d(act.levels[torch.bucketize(a, act.thresholds, right=True)], 2)
    assert torch.allclose(mean[0], h.mean(0), atol=0.02 * levels), (mean[0], h.mean(0))
    assert torch.allclose(second[0], (h * h).mean(0), atol=0.03 * levels**2)


def test_gauss_batchnorm_per_channel_of_feature_map() -> None:
    from flows.weight_distributions.flow import GaussBatchNorm

    bn = GaussBatchNorm(3).train()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(torch.tensor([0.0, -1.0, 3.0]))
    m = torch.randn(16, 3, 4, 4) * torch.tensor([1.0, 5.0, 0.2]).view(1, 3, 1, 1) + 7.0
    v = torch.rand(16, 3, 4, 4)
    mo, vo = bn(m, v)
    dims = (0, 2, 3)
    assert torch.allclose(mo.mean(dims), bn.bias, atol=1e-4)
    total = mo.var(dims, unbiased=False) + vo.mean(dims)  # Var_batch(m) + mean(v)
    assert torch.allclose(total, bn.weight**2, rtol=1e-3)


def test_prob_cnv_sampled_modes_and_deterministic_net() -> None:
    """lrt and gumbel pass values through the conv net; the deterministic Brevitas CNV takes
    flat rows and (N, 1, 28, 28) images alike and holds the most probable weights."""
    from brevitas.nn import QuantConv2d

    from flows.weight_distributions.flow import ProbCNV, to_deterministic

    x = torch.rand(4, 784) * 255
    for sampling in ("lrt", "gumbel"):
        net = ProbCNV((4, 8), (16,), (-1.0, 0.0, 1.0), act_levels=3, sampling=sampling).train()
        out = net(x)
        out.sum().backward()
        assert out.shape == (4, 10) and net.convs[0].logits.grad.abs().sum() > 0
    net = ProbCNV((4, 8), (16,), (-1.0, 0.0, 1.0)).eval()
    det = to_deterministic(net, "ternary").eval()
    conv0 = next(m for m in det.modules() if isinstance(m, QuantConv2d))
    assert torch.equal(conv0.weight, net.convs[0].most_probable())
    with torch.no_grad():
        assert torch.equal(det(x), det(x.reshape(4, 1, 28, 28)))


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
    assert math.isclose(net.weight_entropy().item(), n_weights * math.log(3), rel_tol=1e-6)
    pen = _entropy_schedule(net, 2.0, 0.5)
    assert pen(0.25) == 0.0
    assert math.isclose(pen(0.75).item(), 1.0 * n_weights * math.log(3), rel_tol=1e-6)
    torch.manual_seed(0)
    for layer in [*net.layers, net.classifier]:
        torch.nn.init.normal_(layer.logits, std=0.5)
    before = net.weight_entropy().item()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        pen(0.9).backward()
        opt.step()
    assert net.weight_entropy().item() < 0.5 * before


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


def test_channels_need_conv_arch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.weight_distributions.flow import main

    assert main(["--out", str(tmp_path), "--channels", "4,8", "--no-hardware"]) == 1
    assert "--channels needs --arch conv" in capsys.readouterr().err
