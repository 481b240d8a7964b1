"""A small, seeded training loop with one progress line per epoch.

Adam with a cosine learning-rate decay and cross-entropy. Data stays as uint8 arrays and is
turned into float pixel tensors (N, H*W) batch by batch; the model scales by 1/255 itself.
With the same seed, thread count and device the run is reproducible.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from flows.common.data import Dataset

__all__ = [
    "TrainResult",
    "evaluate",
    "log_line",
    "pixels",
    "predict",
    "seed_everything",
    "train",
]


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`: final accuracies, wall time and the per-epoch history.

    ``train_accuracy`` is the running accuracy over the last epoch's batches (train mode).
    """

    epochs: int
    train_accuracy: float
    test_accuracy: float
    train_seconds: float
    history: list[dict] = field(default_factory=list)


def log_line(line: str) -> None:
    """Print one progress line and flush it (progress shows up when stdout is a file)."""
    print(line, flush=True)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def pixels(x: np.ndarray) -> torch.Tensor:
    """uint8 images (N, ...) -> float32 tensor (N, prod(...)) holding the raw values 0..255."""
    return torch.from_numpy(np.ascontiguousarray(x).reshape(len(x), -1).astype(np.float32))


@torch.no_grad()
def predict(
    model: nn.Module, x: np.ndarray, device: str = "cpu", batch_size: int = 1000
) -> np.ndarray:
    """Model outputs (N, classes) as float32 numpy, in eval mode."""
    model.eval()
    out = [
        model(pixels(x[i : i + batch_size]).to(device)).cpu() for i in range(0, len(x), batch_size)
    ]
    return torch.cat(out).numpy()


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, device: str = "cpu") -> float:
    """Top-1 accuracy in [0, 1] (eval mode)."""
    return float((predict(model, x, device).argmax(1) == y).mean())


def train(
    model: nn.Module,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int = 256,
    lr: float = 1e-2,
    seed: int = 0,
    device: str = "cpu",
    log: Callable[[str], None] | None = None,
    regularizer: Callable[[float], torch.Tensor] | None = None,
) -> TrainResult:
    """Train ``model`` in place on ``data``; returns accuracies and timing.

    ``log`` receives one progress line per epoch (default: print, flushed). ``regularizer``,
    when given, is called every step with the training progress ``t`` in [0, 1) and its value
    is added to the cross-entropy (the loss in the log is the cross-entropy alone).
    """
    log = log or log_line
    model.to(device)
    generator = torch.Generator().manual_seed(seed)
    x_train = pixels(data.x_train)
    y_train = torch.from_numpy(data.y_train)
    n = len(y_train)
    steps_per_epoch = (n + batch_size - 1) // batch_size
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    history: list[dict] = []
    total_steps = epochs * steps_per_epoch
    step = 0
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(n, generator=generator)
        total_loss, correct = 0.0, 0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            xb, yb = x_train[idx].to(device), y_train[idx].to(device)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            objective = loss if regularizer is None else loss + regularizer(step / total_steps)
            step += 1
            optimizer.zero_grad(set_to_none=True)
            objective.backward()
            optimizer.step()
            schedule.step()
            total_loss += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        test_acc = evaluate(model, data.x_test, data.y_test, device)
        row = {
            "epoch": epoch,
            "loss": total_loss / n,
            "train_accuracy": correct / n,
            "test_accuracy": test_acc,
            "seconds": time.perf_counter() - start,
        }
        history.append(row)
        log(
            f"epoch {epoch:3d}/{epochs}  loss {row['loss']:.4f}  "
            f"train {100 * row['train_accuracy']:6.2f} %  test {100 * test_acc:6.2f} %  "
            f"{row['seconds']:7.1f} s"
        )
    seconds = time.perf_counter() - start
    last = history[-1] if history else {"train_accuracy": 0.0, "test_accuracy": 0.0}
    return TrainResult(epochs, last["train_accuracy"], last["test_accuracy"], seconds, history)
