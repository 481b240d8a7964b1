"""The discrete-levels flow: how many activation levels does a network need?

Units emit a fixed, deterministic set of N levels (N = 2^b, b = 1..8), the same at training and
test time (Brevitas quantized activations, straight-through gradient):

- ``tanh``-like: bounded, signed uniform levels on [-1, 1) (``QuantIdentity``, b bits, constant
  scale 2^(1-b), :func:`flows.common.models.signed_act`; N = 2 is the sign);
- ``relu``-like: ``QuantReLU`` (Uint8ActPerTensorFixedPoint, b bits: levels 0..N-1 times a
  learned power-of-two scale);

compared with float ``tanh`` and ``relu`` on four small tasks (float weights everywhere, so
only the activation differs):

- ``mnist``: classification, 784-H-H-10 MLP with BatchNorm; metric test accuracy;
- ``regression``: y = sin(3 x0) cos(2 x1) + x2^2 / 2 + 0.3 x3 x4 on 8-d Gaussian inputs;
  metric test R^2;
- ``memorization``: random labels (10 classes) on random 32-d inputs; metric train accuracy;
- ``autoencoder``: MNIST 784-128-K-128-784 with the discrete units only in the K-unit
  bottleneck (K * log2 N bits per image); metric test reconstruction PSNR (dB).

The 8-bit network (255 thresholds per unit) also goes through hardware: FC MLP from
:mod:`flows.common.models` with 4-bit weights and 8-bit activations (input and hidden), built
and simulated with hwgen; its resources are reported. Writes OUT/results.json, results.md and
one SVG per task (metric vs N). The sweep's grid points (task x unit x N) run as Ray tasks:
a local Ray by default, a cluster with ``--address`` (:mod:`flows.common.sweep`).
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

from flows.common.cli import int_list, run_main
from flows.common.sweep import run_grid
from hwgen.errors import HwgenError
from hwgen.explore.engine import add_engine_args

__all__ = ["TASKS", "build_parser", "grid_point", "main", "make_act", "run"]

DEFAULT_DATA_DIR = "../shared/data/mnist"
TASKS = ("mnist", "regression", "memorization", "autoencoder")
ALL_LEVELS = (2, 4, 8, 16, 32, 64, 128, 256)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m flows.discrete_levels",
        description="Metric vs number of activation levels N on four tasks, vs float tanh/relu.",
    )
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="folder with MNIST IDX .gz files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--levels", type=int_list, default=None, help="N values (powers of two)")
    p.add_argument("--tasks", default=",".join(TASKS), help="comma-separated subset of tasks")
    p.add_argument("--epochs", type=int, default=None, help="epoch multiplier (default 1)")
    p.add_argument("--train-samples", type=int, default=10000, help="MNIST training subset")
    p.add_argument("--test-samples", type=int, default=2000, help="MNIST test subset")
    p.add_argument("--sim-images", type=int, default=None, help="test images simulated in RTL")
    p.add_argument("--no-hardware", action="store_true", help="skip hwgen build and sim")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--quick", action="store_true",
                   help="sklearn digits, N in {4, 256}, tiny nets (CI smoke run)")
    add_engine_args(p)  # the grid points run as Ray tasks
    return p


def make_act(kind: str, n: int | None) -> nn.Module:
    """The unit: float ``tanh``/``relu`` when ``n`` is None, else its N-level version."""
    from brevitas.nn import QuantReLU
    from brevitas.quant import Uint8ActPerTensorFixedPoint

    from flows.common.models import signed_act

    if n is None:
        return nn.Tanh() if kind == "tanh" else nn.ReLU()
    bits = int(math.log2(n))
    if 2**bits != n or not 1 <= bits <= 8:
        raise HwgenError(f"levels must be a power of two in 2..256, not {n}")
    if kind == "tanh":
        # Bounded like tanh: N uniform levels on [-1, 1) with the constant scale 2^(1-b). A
        # learned power-of-two scale flips by 2x under Adam and leaves BatchNorm's running
        # statistics behind (see bnn_baselines/results.md); it collapsed several runs.
        return signed_act(bits, 1.0)
    return QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=bits)


def _mlp(dims: list[int], kind: str, n: int | None, bn: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(dims[:-2], dims[1:-1]):
        layers += [nn.Linear(a, b), *([nn.BatchNorm1d(b)] if bn else []), make_act(kind, n)]
    layers.append(nn.Linear(dims[-2], dims[-1]))
    return nn.Sequential(*layers)


def _fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn, epochs: int, lr: float,
         batch: int, seed: int) -> None:
    """Adam with cosine decay, seeded shuffling."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * math.ceil(len(x) / batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()


def _pixels(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / 255.0)


def task_mnist(data, kind: str, n: int | None, cfg: dict) -> float:
    model = _mlp([784, cfg["hidden"], cfg["hidden"], 10], kind, n)
    x, y = _pixels(data.x_train) - 0.5, torch.from_numpy(data.y_train)
    _fit(model, x, y, nn.CrossEntropyLoss(), cfg["epochs"], 1e-2, 128, cfg["seed"])
    with torch.no_grad():
        pred = model(_pixels(data.x_test) - 0.5).argmax(1).numpy()
    return float((pred == data.y_test).mean())


def _regression_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = torch.sin(3 * x[:, 0]) * torch.cos(2 * x[:, 1]) + x[:, 2] ** 2 / 2 + 0.3 * x[:, 3] * x[:, 4]
    return x, y[:, None]


def task_regression(_data, kind: str, n: int | None, cfg: dict) -> float:
    x, y = _regression_data(cfg["reg_train"], 1)
    xt, yt = _regression_data(2000, 2)
    model = _mlp([8, 64, 64, 1], kind, n)
    _fit(model, x, y, nn.MSELoss(), cfg["reg_epochs"], 3e-3, 64, cfg["seed"])
    with torch.no_grad():
        mse = float(((model(xt) - yt) ** 2).mean())
    return 1.0 - mse / float(yt.var())


def task_memorization(_data, kind: str, n: int | None, cfg: dict) -> float:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(cfg["mem_samples"], 32, generator=g)
    y = torch.randint(0, 10, (cfg["mem_samples"],), generator=g)
    model = _mlp([32, 128, 128, 10], kind, n)
    _fit(model, x, y, nn.CrossEntropyLoss(), cfg["mem_epochs"], 3e-3, 64, cfg["seed"])
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def task_autoencoder(data, kind: str, n: int | None, cfg: dict) -> float:
    k = cfg["bottleneck"]
    act_f = nn.Tanh if kind == "tanh" else nn.ReLU
    model = nn.Sequential(nn.Linear(784, 128), act_f(), nn.Linear(128, k), nn.BatchNorm1d(k),
                          make_act(kind, n), nn.Linear(k, 128), act_f(), nn.Linear(128, 784))
    x = _pixels(data.x_train)
    _fit(model, x, x, nn.MSELoss(), cfg["epochs"] * 3, 3e-3, 128, cfg["seed"])
    with torch.no_grad():
        xt = _pixels(data.x_test)
        mse = float(((model(xt).clamp(0, 1) - xt) ** 2).mean())
    return 10 * math.log10(1.0 / mse)


RUNNERS = {"mnist": task_mnist, "regression": task_regression,
           "memorization": task_memorization, "autoencoder": task_autoencoder}
METRICS = {"mnist": "test accuracy", "regression": "test R^2",
           "memorization": "train accuracy (random labels)", "autoencoder": "test PSNR (dB)"}


def _defaults(args: argparse.Namespace) -> dict:
    args.levels = args.levels or ([4, 256] if args.quick else list(ALL_LEVELS))
    args.sim_images = args.sim_images or (100 if args.quick else 500)
    epochs = args.epochs or (1 if args.quick else 2)
    return {"epochs": epochs, "seed": args.seed, "hidden": 32 if args.quick else 64,
            "reg_train": 256 if args.quick else 2000, "reg_epochs": 5 if args.quick else 20 * epochs,
            "mem_samples": 64 if args.quick else 512, "mem_epochs": 20 if args.quick else 60 * epochs,
            "bottleneck": 8 if args.quick else 16}


def hardware_net(data, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Train the 8-bit FC net (4-bit weights, 8-bit input and hidden activations: 255
    thresholds per unit), export it, check the golden executor and run the hardware steps."""
    from flows.bnn_baselines.flow import golden_step
    from flows.common.export import export_qonnx_model
    from flows.common.hardware import QUICK_FPS, hardware_steps
    from flows.common.models import FC
    from flows.common.train import predict, seed_everything, train

    seed_everything(args.seed)
    hidden = (32,) if args.quick else (64, 64)
    model = FC(hidden, wbits=4, abits=8, in_bits=8)
    res = train(model, data, epochs=4 if args.quick else 3, batch_size=128, lr=1e-2,
                seed=args.seed, device=args.device, log=log)
    onnx_path = export_qonnx_model(model, Path(args.out) / "model_8bit.onnx", (1, 784))
    out: dict[str, Any] = {"hw_net": f"784-{'-'.join(map(str, hidden))}-10, W4 A8 (255 thresholds)",
                           "hw_torch_test_accuracy": res.test_accuracy,
                           "hw_train_seconds": round(res.train_seconds, 1)}
    out.update(golden_step(onnx_path, data.x_test, data.y_test, predict(model, data.x_test)))
    if args.no_hardware:
        out["hardware"] = "not run (--no-hardware)"
        return out
    out.update(hardware_steps(onnx_path, args.out, data.x_test, data.y_test,
                              sim_images=args.sim_images, fps=QUICK_FPS if args.quick else None,
                              log=log))
    return out


def grid_point(data, task: str, kind: str, n: int | None, cfg: dict,
               seed: int) -> tuple[float, float]:
    """One sweep point (a Ray task, one torch thread): (metric, seconds)."""
    from flows.common.train import seed_everything

    torch.set_num_threads(1)
    seed_everything(seed)
    t1 = time.perf_counter()
    metric = RUNNERS[task](data, kind, n, cfg)
    return metric, round(time.perf_counter() - t1, 1)


def run(args: argparse.Namespace, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    from flows.common.data import load_digits_28, load_mnist
    from flows.common.plot import line_plot
    from flows.common.report import write_results
    from flows.common.train import log_line

    log = log or log_line
    if args.device != "cpu":
        log("note: the level sweep runs on the CPU (small nets); --device applies to nothing else")
    torch.set_num_threads(args.threads)
    cfg = _defaults(args)
    tasks = [t for t in args.tasks.split(",") if t]
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise HwgenError(f"tasks must be among {', '.join(TASKS)}, not {', '.join(unknown)}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_digits_28(seed=args.seed) if args.quick else \
        load_mnist(args.data_dir).subset(args.train_samples, args.test_samples)
    log(f"discrete_levels on {data.name}: tasks {', '.join(tasks)}; N in {args.levels}")

    t0 = time.perf_counter()
    grid = [(task, kind, n, cfg, args.seed) for task in tasks for kind in ("tanh", "relu")
            for n in [None, *args.levels]]

    def describe(call: tuple, res: tuple[float, float]) -> str:
        task, kind, n = call[:3]
        return (f"{task:12s} {kind:4s} N={n or 'float'!s:>5s}: {METRICS[task]} {res[0]:.4f} "
                f"({res[1]:.1f} s)")

    done, engine = run_grid(grid_point, data, grid, args.address, log, describe)
    table: list[dict[str, Any]] = [
        {"task": task, "unit": kind, "N": n or "float", "metric": metric, "seconds": seconds}
        for (task, kind, n, _, _), (metric, seconds) in zip(grid, done)]
    results: dict[str, Any] = {
        "flow": "discrete_levels", "dataset": data.name, "train_samples": len(data.y_train),
        "test_samples": len(data.y_test), "levels": args.levels, "config": cfg,
        "table": table, "sweep_seconds": round(time.perf_counter() - t0, 1), "engine": engine,
    }
    results.update(hardware_net(data, args, log))
    for task in tasks:
        series = []
        for kind in ("tanh", "relu"):
            rows = [r for r in table if r["task"] == task and r["unit"] == kind]
            series.append((f"{kind} N levels", [r["N"] for r in rows[1:]],
                           [r["metric"] for r in rows[1:]]))
            series.append((f"float {kind}", [args.levels[0], args.levels[-1]],
                           [rows[0]["metric"]] * 2))
        line_plot(out_dir / f"{task}.svg", series, log2_x=True, title=f"{task}: metric vs N",
                  xlabel="activation levels N", ylabel=METRICS[task])
    write_results(out_dir, results, f"discrete_levels on {data.name}")
    _append_table(out_dir / "results.md", results, tasks)
    log(f"wrote {out_dir}/results.json, results.md and {len(tasks)} SVG plots")
    return results


def _append_table(md: Path, r: dict, tasks: list[str]) -> None:
    cols = ["float", *r["levels"]]
    lines = ["", "## Metric vs activation levels N", "",
             "| task (metric) | unit | " + " | ".join(str(c) for c in cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for task in tasks:
        for kind in ("tanh", "relu"):
            vals = {row["N"]: row["metric"] for row in r["table"]
                    if row["task"] == task and row["unit"] == kind}
            lines.append(f"| {task} ({METRICS[task]}) | {kind} | " +
                         " | ".join(f"{vals[c]:.4f}" for c in cols) + " |")
    lines += [""] + [f"![{t}]({t}.svg)" for t in tasks]
    md.write_text(md.read_text() + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser(), run, argv)
