"""Workers sharing the Yosys cache never synthesize one instance twice at once (claims).

No Yosys here: ``run_yosys`` is replaced by a stand-in that writes the two files a real run
leaves (stat.json, netlist.json) and counts its calls."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hwgen.estimate import synth
from hwgen.estimate.synth import Instance, SynthJob, synth_instance

RTL = Path(__file__).resolve().parents[2] / "rtl_templates"


@pytest.fixture
def fake_yosys(monkeypatch):
    calls: list[str] = []

    def run(script: str, work: Path) -> None:
        calls.append(script)
        time.sleep(0.2)
        (work / "stat.json").write_text(json.dumps(
            {"design": {"num_cells_by_type": {"LUT6": 3, "FDRE": 2}}}))
        (work / "netlist.json").write_text(json.dumps({"modules": {"m": {"cells": {}}}}))

    monkeypatch.setattr(synth, "run_yosys", run)
    monkeypatch.setattr(synth, "_CLAIM_POLL_S", 0.05)
    return calls


def _inst(width: int) -> Instance:
    return Instance(f"u_fifo_{width}", "hwgen_fifo", {"WIDTH": width, "DEPTH": 4}, "g", "fifo")


def _folder(inst: Instance, cache: Path) -> Path:
    return synth._job(inst, RTL, cache, "xc7", False, cache)[4]


def test_a_claimed_instance_is_not_synthesized_again(tmp_path, fake_yosys) -> None:
    inst = _inst(8)
    folder = _folder(inst, tmp_path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    claim = synth._claim_file(folder)
    claim.write_text(f"{socket.gethostname()} {os.getpid()}\n")  # a live owner
    assert synth_instance(inst, RTL, tmp_path, cache=tmp_path, wait=False) is None
    assert fake_yosys == []

    # the owner finishes: a waiting caller gets its result and runs nothing
    def owner() -> None:
        time.sleep(0.3)
        folder.mkdir()
        (folder / "result.json").write_text(json.dumps({"LUT": 41}))
        claim.unlink()

    t = threading.Thread(target=owner)
    t.start()
    assert synth_instance(inst, RTL, tmp_path, cache=tmp_path)["LUT"] == 41
    t.join()
    assert fake_yosys == []


def test_a_dead_owners_claim_is_taken_over(tmp_path, fake_yosys) -> None:
    inst = _inst(8)
    folder = _folder(inst, tmp_path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    synth._claim_file(folder).write_text(f"{socket.gethostname()} {gone.stdout.strip()}\n")
    r = synth_instance(inst, RTL, tmp_path, cache=tmp_path, wait=False)
    assert r is not None and r["LUT"] == 3 and len(fake_yosys) == 1
    assert not synth._claim_file(folder).exists()  # released after the run


def test_parallel_jobs_share_instances(tmp_path, fake_yosys) -> None:
    """Two jobs over overlapping instance lists, at once: each instance runs once, both get
    every result, and a job does its unclaimed instances before waiting on the others'."""
    a = [_inst(w) for w in (1, 2, 3, 4)]
    b = [_inst(w) for w in (4, 3, 2, 1, 5)]
    out: dict[str, dict] = {}

    def run(name: str, insts: list[Instance]) -> None:
        out[name] = SynthJob(RTL, tmp_path, jobs=1, cache=tmp_path).run(insts)

    ts = [threading.Thread(target=run, args=(n, i)) for n, i in (("a", a), ("b", b))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(fake_yosys) == 5
    assert list(out["a"]) == [i.name for i in a] and list(out["b"]) == [i.name for i in b]
    assert all(r["LUT"] == 3 for r in (*out["a"].values(), *out["b"].values()))
    assert not list(tmp_path.glob("*.claim"))
