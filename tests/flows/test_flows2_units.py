"""Unit checks of the weight-distributions and bounded-rectifiers flows (no training).

- GaussAct's mean-field moments equal Monte Carlo moments of the quantized Gaussian for the
  sign and for 3- and 7-level activations;
- the conv net's pieces: ProbConv2d's pre-activation mean and variance equal Monte Carlo
  moments over sampled weights and inputs, GaussActPool's pooled moments equal those of
  max-pooled quantized Gaussian samples, GaussBatchNorm normalises per channel of a feature
  map, and the sampled training modes run through ProbCNV;
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


def test_channels_need_conv_arch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.weight_distributions.flow import main

    assert main(["--out", str(tmp_path), "--channels", "4,8", "--no-hardware"]) == 1
    assert "--channels needs --arch conv" in capsys.readouterr().err
