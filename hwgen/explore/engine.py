"""Ray as the engine of sweeps: a local Ray by default, a running cluster with an address.

``RayEngine`` is a context manager. Entered, it connects to Ray: a Ray already initialised in
this process is reused as it is (tests share one session), otherwise ``ray.init`` starts a local
instance with one worker per core, or connects to ``address`` (``--address``; Ray itself reads
``RAY_ADDRESS`` when no address is given). ``map`` runs a module-level function once per
argument tuple as Ray tasks and calls back as each finishes; a task whose worker dies is retried
(``max_retries``), and an exception raised by the function itself is not (it is the caller's
error, re-raised in the driver). Leaving the context shuts down only a Ray it started.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hwgen.errors import HwgenError

__all__ = ["EngineInfo", "RayEngine", "add_engine_args"]

LOCAL_OBJECT_STORE_MB = 256  # sweeps move models and small results, not bulk data


@dataclass(frozen=True)
class EngineInfo:
    """What explore.json records under ``engine``."""

    name: str
    version: str
    address: str
    nodes: int
    cpus: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "address": self.address,
                "nodes": self.nodes, "cpus": self.cpus}


class RayEngine:
    """Runs tasks on Ray; see the module docstring."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None,
                 object_store_mb: int = LOCAL_OBJECT_STORE_MB) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.object_store_mb = object_store_mb
        self._owned = False

    def __enter__(self) -> RayEngine:
        try:
            import ray
        except ImportError as exc:  # a dependency; only a broken install lacks it
            raise HwgenError("Ray is not installed", hint="pip install ray") from exc
        if ray.is_initialized():
            return self
        kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                                  "log_to_driver": True}
        address = self.address or os.environ.get("RAY_ADDRESS") or None
        if address is None:
            kwargs["num_cpus"] = self.num_cpus or os.cpu_count() or 1
            kwargs["object_store_memory"] = self.object_store_mb * 1024 * 1024
        try:
            ray.init(address=address, **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise HwgenError(f"cannot start or reach Ray at {address or 'the local machine'}: "
                             f"{exc}", hint="check --address / RAY_ADDRESS, or leave it out "
                             "for a local Ray") from exc
        self._owned = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owned:
            import ray

            ray.shutdown()
            self._owned = False

    def info(self) -> EngineInfo:
        import ray

        nodes = [n for n in ray.nodes() if n.get("Alive")]
        address = self.address or os.environ.get("RAY_ADDRESS") or "local"
        return EngineInfo("ray", ray.__version__, address, len(nodes),
                          float(ray.cluster_resources().get("CPU", 0.0)))

    def put(self, value: Any) -> Any:
        """A shared reference to ``value`` (sent once, not once per task)."""
        import ray

        return ray.put(value)

    def map(self, fn: Callable[..., Any], calls: Sequence[tuple], *, max_retries: int = 3,
            num_cpus: float = 1) -> Iterator[tuple[int, Any]]:
        """Run ``fn(*calls[i])`` for every i as Ray tasks; yields ``(i, result)`` as each ends.

        ``fn`` must be a module-level function (workers import it by name)."""
        import ray

        remote = ray.remote(num_cpus=num_cpus, max_retries=max_retries,
                            retry_exceptions=False)(fn)
        pending = {remote.remote(*args): i for i, args in enumerate(calls)}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                ref = done[0]
                i = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    cause = exc.cause if isinstance(exc.cause, BaseException) else exc
                    if isinstance(cause, HwgenError):
                        raise HwgenError(str(cause)) from exc
                    raise HwgenError(f"task {i} of {fn.__name__} failed: "
                                     f"{type(cause).__name__}: {cause}") from exc
                except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                        ray.exceptions.ObjectLostError) as exc:
                    raise HwgenError(f"task {i} of {fn.__name__} was lost {max_retries + 1} "
                                     f"times (worker or node died): {exc}",
                                     hint="rerun: finished points are kept") from exc
                yield i, result
        finally:
            for ref in pending:  # interrupted: do not leave work running on the cluster
                ray.cancel(ref, force=True)


def add_engine_args(p: Any) -> None:
    """``--address``: the Ray cluster to run on (default: a local Ray, one worker per core)."""
    p.add_argument("--address", default=None,
                   help="Ray cluster address (default: RAY_ADDRESS, else a local Ray with one "
                        "worker per core)")
