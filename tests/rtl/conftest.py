"""Shared fixtures of the RTL benches: a Verilator build cache and a one-call runner.

A build is keyed by (top module, Verilog parameters, template sources): cases that differ only
in test data (memory files, stimulus) share one build. Builds live in a kept cache folder
(``HWGEN_RTL_CACHE`` or ~/.cache/hwgen-rtl-tests) so repeated runs do not recompile.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from hwgen.tools import verilator_runner

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parent.parent / "rtl_templates"
if str(HERE) not in sys.path:  # the cocotb bench module must be importable by the simulator
    sys.path.insert(0, str(HERE))

from axis_bench import BenchSpec, check_results  # noqa: E402 (after the sys.path set-up above)
from multi_bench import MultiSpec, check_multi  # noqa: E402

CACHE = Path(os.environ.get("HWGEN_RTL_CACHE", Path.home() / ".cache" / "hwgen-rtl-tests"))
BUILD_ARGS = ["--x-assign", "fast", "--x-initial", "fast", "-CFLAGS", "-O0"]
# the templates of this library (rtl_templates/ may hold other, generated-top helpers)
MODULES = [
    "hwgen_adder_tree", "hwgen_axis_register", "hwgen_dwc", "hwgen_fifo", "hwgen_label_select",
    "hwgen_frame_dwc", "hwgen_frame_tlast",
    "hwgen_maxpool", "hwgen_mvau", "hwgen_popcount", "hwgen_rom", "hwgen_swg", "hwgen_swg_par", "hwgen_thresh_search", "hwgen_thresholding",
    # graphs: fork and joins
    "hwgen_dup", "hwgen_add", "hwgen_concat",
    "hwgen_vvau",
    # host link of the open-flow boards
    "hwgen_uart_rx", "hwgen_uart_tx",
    # run-time weight load of UltraRAM weight memories
    "hwgen_wload",
]


def _sources() -> list[Path]:
    # the templates, and test-only tops that wire several of them (tests/rtl/benches)
    return [TEMPLATES / f"{m}.v" for m in MODULES if (TEMPLATES / f"{m}.v").exists()] + \
        sorted((HERE / "benches").glob("*.v"))


def _key(top: str, params: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(top.encode())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(" ".join(BUILD_ARGS).encode())
    for src in _sources():
        h.update(src.read_bytes())
    return h.hexdigest()[:16]


def build(top: str, params: dict[str, Any]) -> Path:
    """Build ``top`` with ``params`` once; returns the build folder."""
    folder = CACHE / f"{top}-{_key(top, params)}"
    if (folder / "done").exists():
        return folder
    tmp = folder.with_name(folder.name + f".tmp{uuid.uuid4().hex[:6]}")
    runner = verilator_runner()
    runner.build(
        sources=_sources(), hdl_toplevel=top, parameters=params, build_dir=tmp,
        build_args=BUILD_ARGS, always=True,
    )
    (tmp / "done").write_text("ok\n")
    try:
        tmp.rename(folder)
    except OSError:  # another worker won the race
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def run_bench(top: str, params: dict[str, Any], spec: BenchSpec | MultiSpec, workdir: Path,
              files: dict[str, str] | None = None) -> dict[str, Any]:
    """Build (cached), write ``files`` and the spec into ``workdir``, run the cocotb bench,
    check every beat, and return the recorded results (see axis_bench.run_case)."""
    from cocotb_tools.runner import get_results

    folder = build(top, params)
    workdir.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (workdir / name).write_text(text)
    spec.save(workdir / "spec.json")
    multi = isinstance(spec, MultiSpec)
    runner = verilator_runner()
    xml = runner.test(
        test_module="multi_bench" if multi else "axis_bench", hdl_toplevel=top, hdl_toplevel_lang="verilog", build_dir=folder, test_dir=workdir,
        extra_env={"HWGEN_BENCH_SPEC": str(workdir / "spec.json")},
        results_xml=str(workdir / "results.xml"),
    )
    total, failed = get_results(xml)
    assert total > 0 and failed == 0, f"cocotb bench failed, see {workdir}"
    return check_multi(spec, workdir) if multi else check_results(spec, workdir)


@pytest.fixture
def bench(tmp_path: Path):
    """``bench(top, params, spec, files)`` runs one bench case in a fresh folder."""
    def _run(top: str, params: dict[str, Any], spec: BenchSpec | MultiSpec,
             files: dict[str, str] | None = None) -> dict[str, Any]:
        return run_bench(top, params, spec, tmp_path, files)
    return _run
