"""`hwgen sim` cannot lie: memory files, template parameter checks, beat counting and stalls,
and DESIGN.md section 2's golden-vs-QONNX contract all fail loudly (issue 15, item 2).

Faults are injected into copies of a session-built design: memory files deleted, truncated or
malformed; an illegal template parameter; a fault-injection stage spliced into one stream of the
generated pipeline (one Verilator build serves pass-through, dropped beats, a duplicated beat
and a deadlock, chosen by a plusarg); a testbench that never accepts output; a doctored golden.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.errors import SimulationError
from hwgen.golden import prologue
from hwgen.simulate.design import load_manifest, mem_files, simulate
from tests.zoo import inputs_for

pytestmark = pytest.mark.slow

MODEL = "ternary_sign"  # 784 -> 48 (ternary) -> 10: small
FRAMES = 3
WORDS = 10  # output words per frame at core level (10 logits, one per beat)
# The fault tests count beats on 01_mvau's output, so they pin its folding: all 48 neurons in
# one beat per frame (PE = 48), and 02_mvau reads that beat as 8 beats of SIMD = 6.
FAULT_FOLDING = {"00_thr": {"PE": 8}, "01_mvau": {"PE": 48, "SIMD": 98},
                 "02_mvau": {"PE": 1, "SIMD": 6}}

# A stage spliced between 01_mvau's output and its consumer. +fault=0 passes beats through,
# 1 drops every second beat, 2 sends the first beat twice, 3 never moves (deadlock).
FAULT_V = """`default_nettype none
module hwgen_fault_inject #(parameter integer W = 8) (
    input  wire clk, input wire rst,
    input  wire [W-1:0] s_tdata, input wire s_tvalid, output wire s_tready,
    output wire [W-1:0] m_tdata, output wire m_tvalid, input wire m_tready
);
    integer mode;
    initial if (!$value$plusargs("fault=%d", mode)) mode = 0;
    reg odd, sent_once, dup_done;
    always @(posedge clk) begin
        if (rst) begin
            odd <= 1'b0; sent_once <= 1'b0; dup_done <= 1'b0;
        end else begin
            if (s_tvalid && s_tready) odd <= !odd;
            if (mode == 2 && m_tvalid && m_tready && !dup_done) begin
                if (sent_once) dup_done <= 1'b1; else sent_once <= 1'b1;
            end
        end
    end
    assign m_tdata = s_tdata;
    assign m_tvalid = (mode == 3) ? 1'b0 : (mode == 1) ? (s_tvalid && !odd) : s_tvalid;
    assign s_tready = (mode == 3) ? 1'b0 : (mode == 1) ? (odd || m_tready)
                    : (mode == 2) ? (m_tready && (dup_done || sent_once)) : m_tready;
endmodule
`default_nettype wire
"""


def _copy(out: Path, dest: Path) -> Path:
    shutil.copytree(out, dest, ignore=shutil.ignore_patterns("sim"))
    return dest


def _x(n: int = FRAMES) -> np.ndarray:
    images = np.random.default_rng(5).integers(0, 256, size=(n, 1, 28, 28)).astype(np.uint8)
    return inputs_for(MODEL, images)


def _hw(out: Path, x: np.ndarray) -> np.ndarray:
    return prologue(hwgen.load(out / "model.onnx"), x)


def _sim_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hwgen", "sim", *args], capture_output=True,
                          text=True)


def test_mem_files_missing_short_or_malformed_fail_naming_the_file(built, tmp_path: Path) -> None:
    out, _ = built(MODEL)
    m = load_manifest(out)
    assert m["rtl"]["mem_files"]["02_mvau_weights.mem"] == {"words": 80, "hex_digits": 3}
    assert [p.name for p in mem_files(out, m)] == sorted(m["rtl"]["mem_files"])
    bad = _copy(out, tmp_path / "bad")
    mem = bad / "mem" / "02_mvau_weights.mem"
    lines = mem.read_text().split()
    mem.write_text("\n".join(lines[:40]) + "\n")
    with pytest.raises(SimulationError, match=re.escape(f"memory file {mem} has 40 words, "
                                                        "expected 80")):
        mem_files(bad, m)
    mem.write_text("\n".join(lines[:2] + ["zz"] + lines[3:]) + "\n")
    with pytest.raises(SimulationError, match=re.escape(
            f"memory file {mem} line 3: expected a 3-digit hex word, found 'zz'")):
        mem_files(bad, m)
    # the bug: stale copies of the memory files in OUT/sim made the run pass
    run_dir = bad / "sim" / "core_run"
    run_dir.mkdir(parents=True)
    for src in (out / "mem").glob("*.mem"):
        shutil.copyfile(src, run_dir / src.name)
    mem.unlink()
    np.save(tmp_path / "x.npy", _x())
    proc = _sim_cli(str(bad), "--inputs", str(tmp_path / "x.npy"))
    assert proc.returncode == 1
    err = [ln for ln in proc.stderr.splitlines() if ln.startswith("hwgen: error")]
    assert len(err) == 1 and "Traceback" not in proc.stderr
    assert f"memory file {mem} is missing (listed in the manifest)" in err[0]


def test_illegal_template_parameter_stops_the_simulation(built, tmp_path: Path) -> None:
    """A template's $fatal parameter check fails the Verilator build with its own message."""
    out, _ = built(MODEL)
    bad = _copy(out, tmp_path / "bad")
    top = bad / "rtl" / "hwgen_accel_pipeline.v"
    text = top.read_text()
    assert text.count(".IN_TYPE(2)") == 2
    top.write_text(text.replace(".IN_TYPE(2)", ".IN_TYPE(7)", 1))
    with pytest.raises(SimulationError) as exc:
        simulate(bad, _hw(bad, _x(1)))
    # the message names the template's line of the $fatal (found in the template itself)
    line = next(n for n, t in enumerate((bad / "rtl" / "hwgen_mvau.v").read_text().splitlines(), 1)
                if "IN_TYPE must be 0..2" in t)
    assert (f"Verilator build of hwgen_accel_core failed: hwgen_mvau.v:{line}: hwgen_mvau: "
            "IN_TYPE must be 0..2 and W_TYPE 0..3 (instance hwgen_tb.dut.u_pipeline.u_01_mvau)"
            ) in str(exc.value)


@pytest.fixture(scope="module")
def faulty(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the design with hwgen_fault_inject between 01_mvau and its consumer."""
    out, _ = built(MODEL, folding=FAULT_FOLDING)
    assert load_manifest(out)["io"]["output"]["elems"] == WORDS
    bad = _copy(out, tmp_path_factory.mktemp("faulty") / "design")
    rtl = bad / "rtl"
    (rtl / "hwgen_fault_inject.v").write_text(FAULT_V)
    (rtl / "filelist.f").write_text((rtl / "filelist.f").read_text() + "hwgen_fault_inject.v\n")
    top = rtl / "hwgen_accel_pipeline.v"
    text = top.read_text()
    width = int(re.search(r"wire \[(\d+):0\] w_01_mvau_out_tdata;", text).group(1)) + 1
    for sig in ("tdata", "tvalid", "tready"):
        old = f".s_axis_{sig}(w_01_mvau_out_{sig})"
        assert text.count(old) == 1
        text = text.replace(old, f".s_axis_{sig}(f_{sig})")
    decl = (f"    wire [{width - 1}:0] f_tdata;\n    wire f_tvalid;\n    wire f_tready;\n"
            f"    hwgen_fault_inject #(.W({width})) u_fault (.clk(clk), .rst(rst),\n"
            "        .s_tdata(w_01_mvau_out_tdata), .s_tvalid(w_01_mvau_out_tvalid),\n"
            "        .s_tready(w_01_mvau_out_tready), .m_tdata(f_tdata), .m_tvalid(f_tvalid),\n"
            "        .m_tready(f_tready));\n")
    i = text.index("    wire ")
    top.write_text(text[:i] + decl + text[i:])
    return bad


def test_fault_injection_pass_through_is_exact(faulty: Path) -> None:
    """Control: the spliced stage in pass-through leaves the design bit-exact."""
    x = _x()
    run = simulate(faulty, _hw(faulty, x), plusargs=("+fault=0",))
    expected = hwgen.execute(hwgen.load(faulty / "model.onnx"), x, upto="hw")
    np.testing.assert_array_equal(run.outputs, expected)
    assert run.out_last_ok and run.run.stall is None


def test_dropped_beats_fail_as_too_few_words(faulty: Path) -> None:
    with pytest.raises(SimulationError) as exc:
        simulate(faulty, _hw(faulty, _x()), plusargs=("+fault=1",))
    msg = str(exc.value)
    assert msg.startswith(f"the design emitted only {2 * WORDS} of {FRAMES * WORDS} output words "
                          f"({FRAMES} frames x {WORDS}) and stalled: no input or output beat for ")
    assert f"{FRAMES * 98} of {FRAMES * 98} input words accepted" in msg
    assert "no stream holds data: the pipeline waits for input it will not get" in msg
    assert "01_mvau_out 3, 02_mvau_dwc 16" in msg  # three beats in, two passed on (x 8)


def test_extra_beats_fail(faulty: Path) -> None:
    with pytest.raises(SimulationError) as exc:
        simulate(faulty, _hw(faulty, _x()), plusargs=("+fault=2",))
    assert str(exc.value).startswith(
        f"the design emitted {WORDS} output words more than the {FRAMES * WORDS} expected "
        f"({FRAMES} frames x {WORDS})")


def test_deadlock_names_the_stalled_stream(faulty: Path) -> None:
    with pytest.raises(SimulationError) as exc:
        simulate(faulty, _hw(faulty, _x()), plusargs=("+fault=3",))
    msg = str(exc.value)
    assert msg.startswith(f"the design emitted no output word ({FRAMES} frames x {WORDS}) and "
                          "stalled: no input or output beat for ")
    assert ("stream 01_mvau_out holds valid data without ready after 0 beats (its consumer "
            "stopped accepting)") in msg


def test_output_never_accepted_is_named(faulty: Path) -> None:
    with pytest.raises(SimulationError) as exc:
        simulate(faulty, _hw(faulty, _x(1)), bp_pct=100, plusargs=("+fault=0",))
    assert "the output has valid data but the testbench never asserts ready" in str(exc.value)


def test_qonnx_contract_is_enforced(built, tmp_path: Path, monkeypatch) -> None:
    """Golden vs execute_onnx beyond DESIGN.md 2 (a golden doctored in-process): exit 1."""
    import dataclasses
    import importlib

    from hwgen.cli import _parser
    from hwgen.simulate import cli

    out, _ = built(MODEL)
    np.save(tmp_path / "x.npy", _x())
    args = _parser().parse_args(["sim", str(out), "--inputs", str(tmp_path / "x.npy"),
                                 "--qonnx-check", str(FRAMES)])
    assert cli.run(args) == 0
    r = json.loads((out / "sim" / "results.json").read_text())
    assert r["qonnx_violations"] == [] and r["qonnx_power_of_two"] is False
    lower_mod = importlib.import_module("hwgen.frontend.lower")  # the package exports lower()
    real = lower_mod.lower_with_paths

    def doctored(model):  # golden's first matrix product negated
        graph, paths = real(model)
        layers = tuple(dataclasses.replace(layer, weights=-layer.weights)
                       if layer.name == "01_mm" else layer for layer in graph.layers)
        return dataclasses.replace(graph, layers=layers), paths

    monkeypatch.setattr(lower_mod, "lower_with_paths", doctored)
    assert cli.run(args) == 1
    r = json.loads((out / "sim" / "results.json").read_text())
    assert r["mismatches"] == 0  # the RTL still equals the (undoctored) golden of OUT/model.onnx
    assert len(r["qonnx_violations"]) == 1
    assert re.fullmatch(r"layer 02_thr \(ONNX node .*\): \d+ elements differ; at \d+ of them "
                        r"ONNX's accumulator is more than 4 float32 ulp from the exact one",
                        r["qonnx_violations"][0])


def test_contract_power_of_two_must_be_exact(zoo_export) -> None:
    from hwgen.frontend.lower import lower_with_paths, read
    from hwgen.frontend.reference import contract_check, power_of_two_scales

    model = read(zoo_export("mlp_pow2"))
    assert power_of_two_scales(model)
    assert not power_of_two_scales(read(zoo_export(MODEL)))
    graph, paths = lower_with_paths(model)
    x = inputs_for("mlp_pow2", np.random.default_rng(2).integers(0, 256, (4, 1, 28, 28),
                                                                   dtype=np.uint8))
    gold = hwgen.execute(graph, x)
    ok = contract_check(model, graph, paths, x, gold)
    assert ok.ok and ok.pow2 and not any(ok.layer_diffs.values())
    doctored = gold.copy()
    doctored[2, 1] = np.nextafter(doctored[2, 1], np.float32(np.inf))
    bad = contract_check(model, graph, paths, x, doctored)
    assert bad.violations == ["outputs differ on 1 of 4 frames (first: frame 2), but every "
                              "scale is a power of two (must be exact)"]
