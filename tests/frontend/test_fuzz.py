"""Fuzz: malformed and unusual models and options through ``hwgen build`` (issue 15, item 7).

A seeded generator (plain numpy + onnx.helper) makes small random chains (dense and conv), breaks
about half of them with one of many malformations, mutates a valid zoo export (mlp_pow2) at
random, and varies the build options. Every case runs ``hwgen.cli.main(["build", ...])``
in-process and must either

- build (exit 0), and then golden == execute_onnx on a few random inputs per the exactness
  contract (DESIGN.md section 2: equal, or every differing element explained layer by layer by
  float32 accumulator rounding), or
- refuse (exit 1) with exactly one line ``hwgen: error: ...`` on stderr, no traceback, and no
  output folder left behind.

Any other exception escaping ``main`` is a failure (main catches only HwgenError). No Verilator.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import hwgen
from hwgen.cli import main
from hwgen.errors import ModelError
from tests.frontend.handmade import QDOMAIN, Builder

N_CHAIN = 110
N_ZOO = 50
N_OPTIONS = 30
SEED = 20261204


# -- random valid chains --------------------------------------------------------------------------


def _pow2(rng: np.random.Generator, lo: int = -4, hi: int = 1) -> float:
    return float(2.0 ** int(rng.integers(lo, hi + 1)))


def _activation(rng: np.random.Generator, b: Builder, channels: int, rank: int) -> None:
    kind = rng.choice(["quant", "quant", "relu_quant", "bipolar", "multithreshold", "bn_quant"])
    if kind == "bipolar":
        b.node("BipolarQuant", [b.const(_pow2(rng))], domain=QDOMAIN)
        return
    if kind == "multithreshold":
        steps = int(rng.integers(1, 4))
        rows = 1 if rng.random() < 0.5 else channels
        t = np.sort(rng.integers(-8, 9, (rows, steps)).astype(np.float32), axis=1)
        b.node("MultiThreshold", [b.const(t)], domain=QDOMAIN, out_dtype="UINT4")
        return
    if kind == "relu_quant":
        b.node("Relu")
    if kind == "bn_quant":
        shape = (channels,)
        b.node("BatchNormalization", [b.const(rng.uniform(0.5, 2, shape)),
                                      b.const(rng.uniform(-1, 1, shape)),
                                      b.const(rng.uniform(-1, 1, shape)),
                                      b.const(rng.uniform(0.5, 2, shape))], epsilon=1e-5)
    signed = int(kind != "relu_quant" and rng.random() < 0.6)
    b.quant(_pow2(rng, -2, 1), int(rng.integers(1 + signed, 7)), signed, int(rng.random() < 0.2))


def _dense(rng: np.random.Generator, b: Builder, fin: int, last: bool) -> int:
    fout = int(rng.integers(1, 9))
    bits = int(rng.integers(2, 6))
    w = rng.integers(-(2 ** (bits - 1)) + 1, 2 ** (bits - 1), (fin, fout)).astype(np.float32)
    b.node("MatMul", [b.weight_quant(w, _pow2(rng, -3, 0), bits)])
    if rng.random() < 0.3:
        b.node("Add", [b.const(rng.integers(-4, 5, fout).astype(np.float32) * 0.5)])
    if not last or rng.random() < 0.5:
        _activation(rng, b, fout, 2)
    return fout


def _chain(rng: np.random.Generator) -> Builder:
    if rng.random() < 0.35:  # conv front end
        c, h = int(rng.integers(1, 4)), int(rng.integers(3, 7))
        b = Builder((1, c, h, h), dtype=str(rng.choice(["UINT4", "INT4", "UINT2"])))
        k = int(rng.integers(1, min(h, 3) + 1))
        o = int(rng.integers(1, 5))
        w = rng.integers(-1, 2, (o, c, k, k)).astype(np.float32)
        pad = int(rng.integers(0, 2))
        stride = int(rng.integers(1, 3))
        b.node("Conv", [b.weight_quant(w, _pow2(rng, -2, 0), 2)], kernel_shape=[k, k],
               pads=[pad] * 4, strides=[stride] * 2)
        side = (h + 2 * pad - k) // stride + 1
        b.quant(1.0, int(rng.integers(1, 4)), 0)
        if side >= 2 and rng.random() < 0.5:
            b.node("MaxPool", kernel_shape=[2, 2], strides=[2, 2])
            side //= 2
        b.node("Flatten", axis=1)
        fin = o * side * side
    else:
        fin = int(rng.integers(1, 9))
        dtype = rng.choice(["INT4", "UINT8", "INT8", "BIPOLAR", "none"])
        b = Builder((1, fin), dtype=None if dtype == "none" else str(dtype))
        if dtype == "none":
            b.quant(_pow2(rng, -3, 0), int(rng.integers(2, 9)), 1)
    for _ in range(int(rng.integers(1, 4))):
        fin = _dense(rng, b, fin, last=False)
    _dense(rng, b, fin, last=True)
    if rng.random() < 0.3:
        b.node("ArgMax", axis=1, keepdims=1)
    return b


def _proto(b: Builder, path: Path) -> onnx.ModelProto:
    b.save(path)
    return onnx.load(str(path))


# -- malformations (on the proto) -----------------------------------------------------------------


def _float_inits(m: onnx.ModelProto) -> list:
    return [i for i in m.graph.initializer if i.data_type == TensorProto.FLOAT]


def _set_init(m: onnx.ModelProto, init, arr: np.ndarray) -> None:
    init.CopyFrom(numpy_helper.from_array(np.asarray(arr, np.float32), init.name))


def _m_nonfinite(rng, m) -> None:
    init = rng.choice(_float_inits(m))
    a = numpy_helper.to_array(init).astype(np.float32).copy()
    a.reshape(-1)[int(rng.integers(a.size))] = rng.choice([np.nan, np.inf, -np.inf])
    _set_init(m, init, a)


def _m_wrong_length(rng, m) -> None:
    init = rng.choice(_float_inits(m))
    a = numpy_helper.to_array(init).astype(np.float32).reshape(-1)
    _set_init(m, init, np.concatenate([a, a[:1] + 1]) if rng.random() < 0.5 or a.size < 2
              else a[:-1])


def _m_scale(rng, m) -> None:
    quants = [n for n in m.graph.node if n.op_type == "Quant"]
    if not quants:
        return _m_nonfinite(rng, m)
    n = rng.choice(quants)
    k = int(rng.integers(1, 4))  # scale, zero point or bit width
    value = {1: [0.0, -0.5, 3e-39, 1e30], 2: [1.0, -1.0, 0.5], 3: [0.0, 17.0, 2.5, -1.0, 64.0]}[k]
    init = next(i for i in m.graph.initializer if i.name == n.input[k])
    _set_init(m, init, np.float32(rng.choice(value)))


def _m_attr(rng, m) -> None:
    n = rng.choice(list(m.graph.node))
    choices = {
        "Conv": [("strides", [0, 1]), ("strides", [-1, -1]), ("pads", [-1, 0, 0, 0]),
                 ("kernel_shape", [0, 0]), ("group", 3), ("dilations", [2, 2]),
                 ("auto_pad", "SAME_UPPER"), ("kernel_shape", [9, 9])],
        "MaxPool": [("kernel_shape", [0, 0]), ("strides", [0, 0]), ("kernel_shape", [9, 9]),
                    ("pads", [1, 1, 1, 1]), ("ceil_mode", 1), ("kernel_shape", [3, 3])],
        "Quant": [("rounding_mode", "BOGUS"), ("signed", 5), ("narrow", 1), ("rounding_mode",
                                                                             "FLOOR")],
        "MultiThreshold": [("data_layout", "NHWC"), ("data_layout", "NCW"), ("out_scale", 0.5),
                           ("out_bias", -1.5), ("out_scale", 2.0)],
        "ArgMax": [("axis", 0), ("select_last_index", 1), ("keepdims", 0)],
        "BatchNormalization": [("epsilon", -10.0), ("epsilon", 0.0)],
        "Flatten": [("axis", 2), ("axis", 0)],
    }.get(n.op_type, [("bogus_attr", 1)])
    key, value = choices[int(rng.integers(len(choices)))]
    for a in list(n.attribute):
        if a.name == key:
            n.attribute.remove(a)
    n.attribute.append(helper.make_attribute(key, value))


def _m_dims(rng, m) -> None:
    shape = m.graph.input[0].type.tensor_type.shape
    d = shape.dim[int(rng.integers(len(shape.dim)))]
    value = rng.choice(["sym", "zero", "huge", "neg", "batch"])
    d.Clear()
    if value == "sym":
        d.dim_param = "N"
    elif value == "batch":
        shape.dim[0].Clear()
        shape.dim[0].dim_param = "batch"
    else:
        d.dim_value = {"zero": 0, "huge": 10 ** 9, "neg": -3}[str(value)]


def _m_op(rng, m) -> None:
    n = rng.choice(list(m.graph.node))
    n.op_type = str(rng.choice(["Softmax", "Transpose", "Sigmoid", "Bogus", "Relu", "Identity",
                                "Quant", "MaxPool"]))
    if n.op_type == "Quant":
        n.domain = QDOMAIN


def _m_remove_node(rng, m) -> None:
    nodes = list(m.graph.node)
    n = rng.choice(nodes)
    m.graph.node.remove(n)
    for other in m.graph.node:
        for i, t in enumerate(other.input):
            if t == n.output[0] and n.input:
                other.input[i] = n.input[0]
    for o in m.graph.output:
        if o.name == n.output[0] and n.input:
            o.name = n.input[0]


def _m_drop_init(rng, m) -> None:
    m.graph.initializer.remove(rng.choice(list(m.graph.initializer)))


def _m_extra_output(rng, m) -> None:
    n = rng.choice(list(m.graph.node))
    m.graph.output.append(helper.make_tensor_value_info(n.output[0], TensorProto.FLOAT, None))


def _m_huge_constant(rng, m) -> None:
    n = int(rng.choice([100000, 30000]))
    shp = helper.make_tensor("hw_shape", TensorProto.INT64, [2], [n, n])
    m.graph.initializer.append(shp)
    m.graph.node.insert(0, helper.make_node(
        "ConstantOfShape", ["hw_shape"], ["hw_big"],
        value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])))
    m.graph.output.append(helper.make_tensor_value_info("hw_big", TensorProto.FLOAT, [n, n]))


def _m_dup_names(rng, m) -> None:
    for n in m.graph.node:
        n.name = "same"


def _m_batchnorm_var(rng, m) -> None:
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    if not bns:
        return _m_wrong_length(rng, m)
    init = next(i for i in m.graph.initializer if i.name == bns[0].input[4])
    a = numpy_helper.to_array(init).astype(np.float32).copy()
    a[int(rng.integers(a.size))] = rng.choice([-1.0, 0.0, -1e-5])
    _set_init(m, init, a)


def _m_input_dtype(rng, m) -> None:
    m.graph.input[0].type.tensor_type.elem_type = int(rng.choice(
        [TensorProto.INT64, TensorProto.DOUBLE, TensorProto.STRING, TensorProto.UINT8]))


MUTATIONS: list[Callable] = [
    _m_nonfinite, _m_nonfinite, _m_wrong_length, _m_scale, _m_scale, _m_attr, _m_attr, _m_attr,
    _m_dims, _m_dims, _m_op, _m_remove_node, _m_drop_init, _m_extra_output, _m_huge_constant,
    _m_dup_names, _m_batchnorm_var, _m_input_dtype,
]


def _file_case(rng, path: Path) -> Path:
    kind = rng.choice(["empty", "garbage", "truncated", "folder", "missing", "text"])
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(rng.bytes(200))
    elif kind == "truncated":
        b = _chain(rng)
        b.save(path)
        data = path.read_bytes()
        path.write_bytes(data[: int(rng.integers(1, len(data)))])
    elif kind == "text":
        path.write_text("ir_version: 8\ngraph { }\n")
    return path


# -- the oracle -----------------------------------------------------------------------------------


def _inputs(model, graph, rng: np.random.Generator) -> np.ndarray:
    from hwgen.frontend.lower import _dtype_from_qonnx

    shape = (3, *graph.onnx_input_shape[1:])
    dt = _dtype_from_qonnx(model.get_tensor_datatype(model.graph.input[0].name))
    if dt is None:
        return rng.uniform(-3, 3, shape).astype(np.float32)
    if str(dt) == "BIPOLAR":
        return rng.choice([-1.0, 1.0], shape).astype(np.float32)
    return rng.integers(dt.min, dt.max + 1, shape).astype(np.float32)


def _check_golden(path: Path, rng: np.random.Generator) -> str:
    """'' when golden agrees with execute_onnx per the contract, else what is wrong."""
    from hwgen.frontend import read
    from hwgen.frontend.lower import lower_with_paths
    from tests.frontend.onnx_ref import compare_layers, run_onnx

    model = read(path)
    graph, paths = lower_with_paths(model)
    x = _inputs(model, graph, rng)
    gold = hwgen.execute(graph, x)
    ref = run_onnx(model, x)
    if np.array_equal(np.asarray(gold).reshape(-1), np.asarray(ref).reshape(-1)):
        return ""
    if graph.epilogue.top1 != "none":
        return f"top-1 differs: golden {gold.reshape(-1)}, ONNX {ref.reshape(-1)}"
    try:  # float scales: every difference must be explained layer by layer
        compare_layers(graph, paths, model, x)
    except AssertionError as exc:
        return f"golden != execute_onnx beyond the contract: {exc}"
    return ""


def _run_case(case: str, path: Path, opts: list[str], tmp: Path, capsys, rng) -> str:
    """Run one build; return '' when it behaved, else a description of the failure."""
    out = tmp / "out"
    before = sorted(p.name for p in tmp.iterdir())
    capsys.readouterr()
    try:
        rc = main(["build", str(path), "-o", str(out), *opts])
    except SystemExit as exc:  # argparse: a bad option value is one line and exit status 1
        rc = int(exc.code or 0)
    except BaseException as exc:  # noqa: BLE001 - anything else escaping main is the bug
        return f"{case}: {type(exc).__name__}: {exc}".splitlines()[0]
    err = capsys.readouterr().err
    if rc == 1:
        # progress lines ("[1] load ...") may come first; the error is one line, the last one
        lines = [x for x in err.strip().splitlines() if not re.match(r"\[\d+\] ", x)]
        if len(lines) != 1 or not lines[0].startswith("hwgen: error: ") or "Traceback" in err:
            return f"{case}: exit 1 but stderr is {err!r}"
        if out.exists():
            return f"{case}: refused ({lines[0]}) but left {out}"
        if sorted(p.name for p in tmp.iterdir()) != before:
            return f"{case}: refused but left files behind"
        return ""
    if rc != 0:
        return f"{case}: exit {rc}, stderr {err!r}"
    if not (out / "manifest.json").is_file():
        return f"{case}: exit 0 without a manifest"
    import shutil

    shutil.rmtree(out)
    (tmp / "built").touch()  # a marker for the statistics
    try:
        problem = _check_golden(path, rng)
    except Exception as exc:  # noqa: BLE001 - a model hwgen built must run in execute_onnx
        problem = f"the reference fails on it: {type(exc).__name__}: {exc}".splitlines()[0]
    return f"{case}: built, but {problem}" if problem else ""


def _cases(zoo_proto: onnx.ModelProto):
    """(name, kind, rng) for every case; deterministic."""
    for i in range(N_CHAIN):
        yield f"chain{i}", "chain", np.random.default_rng([SEED, 1, i])
    for i in range(N_ZOO):
        yield f"zoo{i}", "zoo", np.random.default_rng([SEED, 2, i])
    for i in range(N_OPTIONS):
        yield f"opts{i}", "opts", np.random.default_rng([SEED, 3, i])


_OPTIONS = [
    ["--clock-mhz", "100"], ["--clock-mhz", "250"], ["--fps", "1000"], ["--fps", "-1"],
    ["--fps", "1e15"], ["--target", "nosuch"], ["--target", "ultra96-v2"], ["--verify"],
    ["--backend", "hls"], ["--backend", "both"], ["--folding", "@bad_json"],
    ["--folding", "@list"], ["--folding", "@unknown_layer"], ["--folding", "@missing"],
    ["--fifo-depths", "@bad_json"], ["--fps", "abc"], ["--backend", "vhdl"],
    ["--fps", "nan"], ["--fps", "inf"], ["--fps", "0"], ["--clock-mhz", "0"],
    ["--clock-mhz", "nan"], ["--clock-mhz", "-100"], ["--clock-mhz", "1e12"],
    ["--fifo-depths", "@list"], ["--fifo-depths", "@unknown_layer"],
]


def _option_files(tmp: Path, opts: list[str]) -> list[str]:
    out = []
    for o in opts:
        if o.startswith("@"):
            p = tmp / f"{o[1:]}.json"
            text = {"bad_json": "{not json", "list": "[1, 2]",
                    "unknown_layer": json.dumps({"99_nope": {"PE": 1}}), "missing": None}[o[1:]]
            if text is not None:
                p.write_text(text)
            out.append(str(p))
        else:
            out.append(o)
    return out


def test_fuzz_build(tmp_path: Path, zoo_export, capsys, monkeypatch) -> None:
    zoo = onnx.load(str(zoo_export("mlp_pow2")))
    monkeypatch.chdir(tmp_path)  # nothing may be written to the working directory either
    start = time.perf_counter()
    failures: list[str] = []
    counts = {"built": 0, "refused": 0}
    n = 0
    for name, kind, rng in _cases(zoo):
        n += 1
        case_dir = tmp_path / name
        case_dir.mkdir()
        path = case_dir / "m.onnx"
        opts: list[str] = []
        if kind == "chain":
            if rng.random() < 0.08:
                _file_case(rng, path)
            else:
                m = _proto(_chain(rng), path)
                if rng.random() < 0.55:
                    MUTATIONS[int(rng.integers(len(MUTATIONS)))](rng, m)
                    onnx.save(m, str(path))
        elif kind == "zoo":
            m = onnx.ModelProto()
            m.CopyFrom(zoo)
            for _ in range(int(rng.integers(1, 3))):
                MUTATIONS[int(rng.integers(len(MUTATIONS)))](rng, m)
            onnx.save(m, str(path))
        else:
            _proto(_chain(rng), path)
            opts = _option_files(case_dir, _OPTIONS[int(rng.integers(len(_OPTIONS)))])
        files_before = sorted(p.name for p in tmp_path.iterdir())
        problem = _run_case(name, path, opts, case_dir, capsys, rng)
        if problem:
            failures.append(problem)
        elif (case_dir / "out").exists():
            failures.append(f"{name}: output folder left behind")
        if sorted(p.name for p in tmp_path.iterdir()) != files_before:
            failures.append(f"{name}: wrote into the working directory")
        counts["built" if (tmp_path / name / "built").exists() else "refused"] += 1
    elapsed = time.perf_counter() - start
    print(f"fuzz: {n} cases in {elapsed:.1f} s: {counts['built']} built, "
          f"{counts['refused']} refused")
    assert n >= 150
    assert not failures, f"{len(failures)} of {n} cases misbehaved:\n" + "\n".join(failures)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is a folder, not a file"):
        main(["--debug", "build", str(tmp_path), "-o", str(tmp_path / "out")])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    r = subprocess.run([sys.executable, "-m", "hwgen", "--debug", "inspect", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert "Traceback (most recent call last)" in r.stderr
    assert "hwgen.errors.ModelError: model path" in r.stderr
    r = subprocess.run([sys.executable, "-m", "hwgen", "inspect", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"hwgen: error: model path {str(tmp_path)!r} is a folder, not a file (hint: give a QONNX "
        ".onnx file or example:tfc_w1a1)"]
