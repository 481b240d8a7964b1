"""Bounded rectifiers: learnable-slope ``clip(slope * x, 0, 1)`` units annealed into 1-bit steps.

MLP 784-H-H-10: 8-bit signed input quantizer, ``QuantLinear`` with INT4 weights and a
power-of-two per-tensor scale (``Int8WeightPerTensorFixedPoint``, bit_width 4), BatchNorm,
then per hidden layer either

- ``relu``: 4-bit unsigned activation (``QuantReLU``, ``Uint8ActPerTensorFixedPoint``
  bit_width 4), or
- a bounded rectifier ``clip(slope * x, 0, 1)`` with one learnable slope per layer
  (``slope = exp(log_slope)``). A penalty ``lambda(t) * sum_l 1 / slope_l`` with ``lambda``
  growing quadratically over training (``--penalty``; from ``--penalty-start``) pushes the
  slopes up until the unit is a step.

Surrogate gradient (default ``--surrogate-width 1``; this changes the method): the exact
gradient of ``clip(slope * x, 0, 1)`` w.r.t. ``x`` is non-zero only in a window of width
``1 / slope``, so once the slopes reach the hundreds almost no unit passes gradient and
accuracy falls while the units become steps (MNIST, both hidden layers binarized, 10 epochs:
90.5 % with the exact gradient, 98.2 % with the surrogate; ReLU-4bit 98.4 %).
With ``--surrogate-width w`` the forward pass is still the steep ramp, but ``x`` gets the
gradient of a ramp of width ``max(1 / slope, w)`` with the same centre ``1 / (2 slope)``: the
exact gradient while the ramp is wider than ``w``, the straight-through estimator of binarized
networks (Hubara et al.: sign forward, hardtanh gradient) once it is narrower. The slope keeps
its exact gradient. ``w`` is in units of the BatchNorm output, whose scale ``|gamma|`` stays
near 1, so ``w = 1`` is about one standard deviation of the pre-activation. ``--surrogate-width
0`` is the exact-gradient method; with it a cap on the slope (``--slope-max``, optionally
growing geometrically over training: ``--slope-cap-schedule geometric``) helps a little, but
a cap large enough for a genuine step leaves too narrow a window (results.md).

Three variants: ``relu`` (all hidden layers ReLU-4bit), ``last`` (only the last hidden layer
binarized) and ``all`` (every hidden layer binarized). After training each bounded rectifier
becomes its limit, the step ``[slope * x >= 1/2]`` (the centre of the ramp), exported as a 1-bit
unsigned activation (``QuantIdentity`` with a constant-scale 1-bit unsigned quantizer: one
threshold); the slope and the quantizer scale are folded into the preceding BatchNorm and
the step's output scale into what follows (:func:`harden`), so a unit whose input is outside
its ramp computes exactly what it did before; BatchNorm is then re-estimated. The per-epoch
log reports the fraction of unit inputs still inside the ramp (:func:`ramp_fractions`). The
``all`` network goes through the golden executor, ``hwgen build`` and ``hwgen sim``.
``--modes`` trains a subset of the variants (hardware only with ``all``).

Export: Brevitas' QONNX exporter writes every 1-bit quantizer as ``BipolarQuant`` (sign at 0,
outputs +-s) whatever its signedness, so the unsigned step ``{0, s}`` with its threshold at
``s / 2`` came out as a sign at 0: golden and QONNX agreed with each other but not with torch
(87 % vs 95 % in the quick run). :func:`export_unsigned_steps` exports and then rewrites those
nodes as the ``Quant`` (bit width 1, unsigned) that the torch model computes.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from flows.common.cli import add_run_args, int_list, run_main
from hwgen.errors import HwgenError

__all__ = ["BoundedStep", "BRNet", "build_parser", "export_unsigned_steps", "harden", "main",
           "penalty_weight", "ramp_fractions", "run", "slope_cap",
           "table_markdown"]

DEFAULT_DATA_DIR = "../shared/data/mnist"
MODES = ("relu", "last", "all")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m flows.bounded_rectifiers",
        description="Bounded rectifiers annealed into 1-bit steps vs ReLU (INT4 weights).",
    )
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="folder with MNIST IDX .gz files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--hidden", type=int_list, default=None,
                   help="hidden widths, at least two (default 256,256; --quick 64,64)")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default 15; --quick 20)")
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--slope-lr", type=float, default=0.05, help="Adam lr of the log-slopes")
    p.add_argument("--penalty", type=float, default=1.0, help="final weight of the 1/slope penalty")
    p.add_argument("--penalty-start", type=float, default=0.0,
                   help="fraction of training before the penalty starts; it then grows "
                        "quadratically from 0 to --penalty at the end (0: from the first step)")
    p.add_argument("--slope-max", type=float, default=None,
                   help="cap on every slope (log-slope clamped after each step; default: none)")
    p.add_argument("--slope-cap-schedule", choices=("constant", "geometric"), default="constant",
                   help="constant: the cap is --slope-max throughout; geometric: the cap grows "
                        "from 1 to --slope-max over training (--slope-max ** t, t in [0, 1])")
    p.add_argument("--surrogate-width", type=float, default=1.0,
                   help="backward pass of each unit: gradient of a ramp of this width (in units "
                        "of the BatchNorm output, about one standard deviation) wherever the true "
                        "ramp is narrower, a straight-through surrogate; the forward pass keeps "
                        "the steep ramp (0: the exact gradient, the method before issue 8 part 2)")
    p.add_argument("--modes", default=",".join(MODES),
                   help=f"variants to train, comma-separated from {','.join(MODES)}; hardware "
                        "runs on 'all' when it is among them")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--fold-fps", type=float, default=None,
                   help="folding target in frames/s (default: hwgen's; --quick 20 k)")
    add_run_args(p, quick_help="sklearn digits, 784-64-64-10 (CI smoke)")
    return p


def _uint1_quant():
    from brevitas.inject.enum import ScalingImplType
    from brevitas.quant import Uint8ActPerTensorFixedPoint

    class Uint1ActConst(Uint8ActPerTensorFixedPoint):
        """1-bit unsigned activation with a constant (power-of-two) scale: one threshold."""

        bit_width = 1
        scaling_impl_type = ScalingImplType.CONST
        scaling_const = 1.0
        max_val = 1.0
        min_val = 0.0

    return Uint1ActConst


class BoundedStep(nn.Module):
    """``clip(slope * x, 0, 1)`` while training; after :func:`harden`, a 1-bit activation."""

    def __init__(self, surrogate_width: float = 0.0) -> None:
        super().__init__()
        from brevitas.nn import QuantIdentity

        self.log_slope = nn.Parameter(torch.zeros(()))
        self.quant = QuantIdentity(act_quant=_uint1_quant())
        self.surrogate_width = surrogate_width
        self.hard = False

    @property
    def slope(self) -> torch.Tensor:
        return self.log_slope.exp()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hard:
            return self.quant(x)
        s = self.slope
        if self.surrogate_width <= 0:
            return torch.clamp(s * x, 0.0, 1.0)
        # Forward: the steep ramp. Gradient w.r.t. x: a ramp of width max(1/s, w) with the same
        # centre 1/(2s), so it never shrinks below w; w.r.t. the slope: the steep ramp's own.
        inv = 1.0 / s.detach()
        wide = torch.clamp((x - 0.5 * inv) / torch.clamp(inv, min=self.surrogate_width) + 0.5,
                           0.0, 1.0)
        return wide - wide.detach() + torch.clamp(s * x.detach(), 0.0, 1.0)


class BRNet(nn.Module):
    def __init__(self, hidden: tuple[int, ...], mode: str, n_in: int = 784, n_out: int = 10,
                 surrogate_width: float = 0.0):
        super().__init__()
        from brevitas.nn import QuantIdentity, QuantLinear, QuantReLU
        from brevitas.quant import (
            Int8ActPerTensorFixedPoint,
            Int8WeightPerTensorFixedPoint,
            Uint8ActPerTensorFixedPoint,
        )

        from flows.common.models import OutputScale, PixelScale

        wq = {"weight_quant": Int8WeightPerTensorFixedPoint, "weight_bit_width": 4}
        layers: list[nn.Module] = [PixelScale(), QuantIdentity(
            act_quant=Int8ActPerTensorFixedPoint, bit_width=8)]
        width = n_in
        for i, h in enumerate(hidden):
            binarize = mode == "all" or (mode == "last" and i == len(hidden) - 1)
            act = BoundedStep(surrogate_width) if binarize else QuantReLU(
                act_quant=Uint8ActPerTensorFixedPoint, bit_width=4)
            layers += [QuantLinear(width, h, bias=False, **wq), nn.BatchNorm1d(h), act]
            width = h
        self.features = nn.Sequential(*layers)
        self.classifier = QuantLinear(width, n_out, bias=False, **wq)
        self.output_scale = OutputScale(1.0 / math.sqrt(width))

    def steps(self) -> list[BoundedStep]:
        return [m for m in self.features if isinstance(m, BoundedStep)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_scale(self.classifier(self.features(x)))


@torch.no_grad()
def harden(model: BRNet) -> None:
    """Replace every bounded rectifier by its step ``[slope * y >= 1/2]`` (``y`` = BatchNorm
    output): BatchNorm scaled by ``slope * s`` (``s`` = the 1-bit quantizer's scale, whose
    threshold is ``s / 2``), then the 1-bit quantizer, whose output ``s * step`` is handed over
    to what follows by scaling the next BatchNorm's running statistics (mean by ``s``, variance
    by ``s**2``) or, after the last hidden layer, dividing the output scale by ``s``. A unit
    whose input lies outside its ramp therefore computes exactly what it computed before (up to
    BatchNorm's eps); only the units inside the ramp change."""
    mods = list(model.features)
    for i, m in enumerate(mods):
        if isinstance(m, BoundedStep) and not m.hard:
            bn = mods[i - 1]
            assert isinstance(bn, nn.BatchNorm1d)
            m.quant.eval()
            s = float(m.quant(torch.tensor([[100.0]])).reshape(-1)[0])
            k = float(m.slope) * s
            bn.weight.mul_(k)
            bn.bias.mul_(k)
            m.hard = True
            following = [b for b in mods[i + 1 :] if isinstance(b, nn.BatchNorm1d)]
            if following:
                following[0].running_mean.mul_(s)
                following[0].running_var.mul_(s * s)
            else:
                model.output_scale.scale.div_(s)


def export_unsigned_steps(model: BRNet, path: Path) -> Path:
    """QONNX export of a hardened net; every ``BipolarQuant`` (Brevitas' export of any 1-bit
    quantizer) becomes ``Quant(x, s, 0, 1)`` with ``signed=0, narrow=0``: ``s * [x >= s/2]``
    (round half to even at the tie, as in torch), the unit's real function."""
    import onnx
    from onnx import helper, numpy_helper

    from flows.common.export import export_qonnx_model

    export_qonnx_model(model, path, (1, 784))
    graph_model = onnx.load(str(path))
    graph = graph_model.graph
    inits = {t.name: t for t in graph.initializer}
    found = 0
    for i, node in enumerate(graph.node):
        if node.op_type != "BipolarQuant":
            continue
        x, scale = node.input
        zero, bits = f"{node.name}_zero_point", f"{node.name}_bit_width"
        dtype = numpy_helper.to_array(inits[scale]).dtype
        graph.initializer.extend([numpy_helper.from_array(np.zeros((), dtype), zero),
                                  numpy_helper.from_array(np.ones((), dtype), bits)])
        quant = helper.make_node("Quant", [x, scale, zero, bits], list(node.output),
                                 name=node.name.replace("BipolarQuant", "Quant_step"),
                                 domain=node.domain, signed=0, narrow=0, rounding_mode="ROUND")
        graph.node.remove(node)
        graph.node.insert(i, quant)
        found += 1
    steps = len([m for m in model.steps() if m.hard])
    if found != steps:
        raise HwgenError(f"export of {path.name} must hold {steps} 1-bit steps, not {found}",
                         hint="only the hardened bounded rectifiers may be 1-bit quantizers")
    onnx.save(graph_model, str(path))
    return path


def penalty_weight(t: float, penalty: float, start: float = 0.0) -> float:
    """``lambda(t)`` at training progress ``t`` in [0, 1]: zero until ``start``, then growing
    quadratically to ``penalty`` at ``t = 1`` (``start = 0``: ``penalty * t**2``)."""
    if t <= start:
        return 0.0
    return penalty * min((t - start) / (1.0 - start), 1.0) ** 2


def slope_cap(t: float, slope_max: float, schedule: str = "constant") -> float:
    """The cap on the slopes at training progress ``t`` in [0, 1]: ``slope_max`` throughout
    (``constant``) or ``slope_max ** t`` (``geometric``: 1 at the start, ``slope_max`` at the end)."""
    return slope_max if schedule == "constant" else slope_max ** min(max(t, 0.0), 1.0)


def _bn_before_steps(model: BRNet) -> list[nn.BatchNorm1d]:
    mods = list(model.features)
    return [mods[i - 1] for i, m in enumerate(mods) if isinstance(m, BoundedStep)]


@torch.no_grad()
def ramp_fractions(model: BRNet, x: np.ndarray) -> list[float]:
    """Per bounded-rectifier layer, the fraction of units on ``x`` (eval mode) whose input
    lies inside the ramp, ``0 < slope * y < 1``: the outputs that are not yet 0 or 1."""
    from flows.common.train import predict

    counts: list[float] = []

    def hook(m: BoundedStep, inp: tuple[torch.Tensor]) -> None:
        z = m.slope * inp[0]
        counts.append(float(((z > 0) & (z < 1)).float().mean()))

    handles = [m.register_forward_pre_hook(hook) for m in model.steps() if not m.hard]
    try:
        predict(model, x, batch_size=len(x))
    finally:
        for h in handles:
            h.remove()
    return counts


def _fit(model: BRNet, data, args, log: Callable[[str], None], tag: str) -> dict[str, Any]:
    from flows.common.train import evaluate, pixels

    gen = torch.Generator().manual_seed(args.seed)
    x, y = pixels(data.x_train), torch.from_numpy(data.y_train)
    slopes = [m.log_slope for m in model.steps()]
    other = [p for p in model.parameters() if all(p is not q for q in slopes)]
    groups = [{"params": other, "lr": args.lr}]
    if slopes:
        groups.append({"params": slopes, "lr": args.slope_lr})
    opt = torch.optim.Adam(groups)
    per_epoch = math.ceil(len(x) / args.batch_size)
    total = args.epochs * per_epoch
    cosine = lambda t: 0.5 * (1 + math.cos(math.pi * min(t, total) / total))  # noqa: E731
    sched = torch.optim.lr_scheduler.LambdaLR(opt, [cosine, lambda t: 1.0][: len(groups)])
    history, t0, step = [], time.perf_counter(), 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        tot = 0.0
        for i in range(0, len(x), args.batch_size):
            idx = order[i : i + args.batch_size]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            lam = penalty_weight(step / total, args.penalty, args.penalty_start)
            if slopes and lam > 0:
                loss = loss + lam * sum(torch.exp(-s) for s in slopes)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if args.slope_max is not None:
                cap = slope_cap(step / total, args.slope_max, args.slope_cap_schedule)
                with torch.no_grad():
                    for s in slopes:
                        s.clamp_(max=math.log(cap))
            step += 1
            tot += loss.item() * len(idx)
        acc = evaluate(model, data.x_test, data.y_test)
        sl = [round(m.slope.item(), 2) for m in model.steps()]
        ramp = [round(f, 4) for f in ramp_fractions(model, data.x_test[:2000])]
        gam = [round(float(m.weight.abs().mean()), 3) for m in _bn_before_steps(model)]
        sec = round(time.perf_counter() - t0, 1)
        history.append({"epoch": epoch, "loss": tot / len(x), "test_accuracy": acc, "slopes": sl,
                        "ramp_fraction": ramp, "bn_abs_gamma": gam, "seconds": sec})
        log(f"[{tag}] epoch {epoch:3d}/{args.epochs} loss {tot / len(x):.4f} test "
            f"{100 * acc:6.2f} % slopes {sl} in ramp {ramp} |gamma| {gam} {sec:6.1f} s")
    return {"history": history, "train_seconds": round(time.perf_counter() - t0, 1)}


def table_markdown(table: list[dict[str, Any]]) -> list[str]:
    """The variants side by side, then test accuracy per epoch (markdown lines)."""
    names = {"relu": "all ReLU 4-bit", "last": "last layer 1-bit step", "all": "all 1-bit steps"}
    pct = lambda v: f"{100 * v:.2f} %"  # noqa: E731
    lines = ["", "## Binarized layers vs ReLU-4bit", "",
             "| hidden activations | bounded rectifier acc | as 1-bit steps | + BatchNorm "
             "re-estimated | final slopes | units in ramp | train s |", "|---|---|---|---|---|---|---|"]
    for r in table:
        lines.append(f"| {names[r['mode']]} | {pct(r['soft_test_accuracy'])} | "
                     f"{pct(r['test_accuracy_before_bn_reestimate'])} | {pct(r['test_accuracy'])} | "
                     f"{r['final_slopes']} | {r['final_ramp_fraction']} | {r['train_seconds']} |")
    lines += ["", "## Test accuracy per epoch (bounded rectifiers; slopes; cumulative seconds)", "",
              "| epoch | " + " | ".join(names[r["mode"]] for r in table) + " |",
              "|---|" + "---|" * len(table)]
    for i, h in enumerate(table[0]["history"]):
        cells = [" ".join([pct(r["history"][i]["test_accuracy"]),
                           *([str(r["history"][i]["slopes"])] if r["history"][i]["slopes"] else []),
                           f"{r['history'][i]['seconds']} s"]) for r in table]
        lines.append(f"| {h['epoch']} | " + " | ".join(cells) + " |")
    return lines


def run(args: argparse.Namespace, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    from flows.bnn_baselines.flow import golden_step
    from flows.common.data import load_digits_28, load_mnist
    from flows.common.hardware import hardware_for_args
    from flows.common.report import write_results
    from flows.common.train import evaluate, log_line, predict, seed_everything
    from flows.weight_distributions.flow import reestimate_bn

    log = log or log_line
    torch.set_num_threads(args.threads)
    args.hidden = args.hidden or ([64, 64] if args.quick else [256, 256])
    if len(args.hidden) < 2:
        raise HwgenError("--hidden needs at least two layers (last vs all binarized)")
    args.epochs = args.epochs or (20 if args.quick else 15)
    modes = [m for m in args.modes.split(",") if m]
    if not modes or any(m not in MODES for m in modes):
        raise HwgenError(f"--modes must be a comma-separated subset of {','.join(MODES)}, "
                         f"not {args.modes!r}")
    if args.slope_max is not None and args.slope_max < 1:
        raise HwgenError(f"--slope-max must be >= 1 (the initial slope), not {args.slope_max}")
    if not 0 <= args.penalty_start < 1:
        raise HwgenError(f"--penalty-start must be in [0, 1), not {args.penalty_start}")
    if args.surrogate_width < 0:
        raise HwgenError(f"--surrogate-width must be >= 0, not {args.surrogate_width}")
    args.sim_images = args.sim_images or (100 if args.quick else 500)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_digits_28(seed=args.seed) if args.quick else load_mnist(args.data_dir)
    log(f"bounded_rectifiers on {data.name}: 784-{'-'.join(map(str, args.hidden))}-10, W4")
    t0 = time.perf_counter()
    table, hw_model = [], None
    for mode in modes:
        seed_everything(args.seed)
        model = BRNet(tuple(args.hidden), mode, surrogate_width=args.surrogate_width)
        fit = _fit(model, data, args, log, mode)
        soft = evaluate(model, data.x_test, data.y_test)
        harden(model)
        hard_raw = evaluate(model, data.x_test, data.y_test)
        if mode != "relu":
            # The layers after a converted one saw ramps, not steps: re-estimate BatchNorm.
            reestimate_bn(model, data.x_train)
        hard = evaluate(model, data.x_test, data.y_test)
        row = {"mode": mode, "soft_test_accuracy": soft, "test_accuracy": hard,
               "test_accuracy_before_bn_reestimate": hard_raw,
               "final_slopes": fit["history"][-1]["slopes"],
               "final_ramp_fraction": fit["history"][-1]["ramp_fraction"],
               "train_seconds": fit["train_seconds"], "history": fit["history"]}
        table.append(row)
        log(f"[{mode}] test accuracy: bounded rectifiers {100 * soft:.2f} %, after conversion to "
            f"1-bit steps {100 * hard_raw:.2f} %, BatchNorm re-estimated {100 * hard:.2f} %")
        if mode == "all":
            hw_model = model
    results: dict[str, Any] = {
        "flow": "bounded_rectifiers", "dataset": data.name,
        "train_samples": len(data.y_train), "test_samples": len(data.y_test),
        "net": f"784-{'-'.join(map(str, args.hidden))}-10, INT4 weights, 8-bit input",
        "epochs": args.epochs, "penalty": args.penalty, "penalty_start": args.penalty_start,
        "slope_max": args.slope_max, "slope_cap_schedule": args.slope_cap_schedule,
        "surrogate_width": args.surrogate_width, "table": table,
    }
    if hw_model is not None:
        onnx_path = export_unsigned_steps(hw_model, out_dir / "model_all_binarized.onnx")
        results.update(golden_step(onnx_path, data.x_test, data.y_test,
                                   predict(hw_model, data.x_test)))
        results.update(hardware_for_args(args, onnx_path, out_dir, data.x_test, data.y_test,
                                         log))
    results["total_seconds"] = round(time.perf_counter() - t0, 1)
    write_results(out_dir, results, f"bounded_rectifiers on {data.name}")
    lines = table_markdown(table)
    md = out_dir / "results.md"
    md.write_text(md.read_text() + "\n".join(lines) + "\n")
    log(f"wrote {out_dir}/results.json and results.md")
    return results


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser(), run, argv)
