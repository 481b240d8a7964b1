"""C simulation of OUT/hls/ with plain g++ (no vendor tool), checked against the golden executor.

``compile_csim`` builds the testbench with hwgen's portable headers (``-DHWGEN_PORTABLE``) and
caches the binary by the SHA-256 of the sources and flags; ``run_csim`` streams packed frames
through it and compares the decoded outputs bit for bit with ``hwgen.execute(..., upto="hw")``,
writing OUT/sim/hls_results.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hwgen.errors import HwgenError, ToolError
from hwgen.tools import cache_root

__all__ = ["CXXFLAGS", "cache_dir", "cli_run", "compile_csim", "run_csim"]

CXXFLAGS = ("-std=c++14", "-O1", "-DHWGEN_PORTABLE", "-Wno-unknown-pragmas")
SOURCES = ("tb_hwgen.cpp", "hwgen_top.cpp")
MAX_SHOWN = 8


def cache_dir() -> Path:
    """Where compiled testbenches are kept (by source hash)."""
    return cache_root() / "hwgen" / "hls"


def _cxx() -> str:
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        raise ToolError("no C++ compiler (g++) found for the HLS C simulation",
                        hint="install g++ (e.g. apt-get install g++)")
    return cxx


def compile_csim(hls_dir: str | Path, cache: str | Path | None = None) -> Path:
    """The compiled testbench of ``hls_dir`` (compiled once per source hash)."""
    hls_dir = Path(hls_dir)
    if not (hls_dir / "hwgen_top.cpp").is_file():
        raise HwgenError(f"{hls_dir} holds no HLS code (hwgen_top.cpp)",
                         hint="build with 'hwgen build ... --backend hls' (or both)")
    h = hashlib.sha256(" ".join(CXXFLAGS).encode())
    for path in sorted(hls_dir.iterdir()):
        if path.suffix in (".h", ".cpp"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    folder = Path(cache) if cache is not None else cache_dir()
    binary = folder / f"tb_{h.hexdigest()[:24]}"
    if binary.is_file():
        return binary
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tb-", dir=folder))
    try:
        cmd = [_cxx(), *CXXFLAGS, f"-I{hls_dir}", *(str(hls_dir / s) for s in SOURCES),
               "-o", str(tmp / "tb")]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if proc.returncode:
            raise ToolError(f"g++ failed on {hls_dir}:\n{proc.stderr[-4000:]}",
                            hint="report this as a hwgen bug (generated code must compile)")
        os.replace(tmp / "tb", binary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return binary


def run_csim(out: str | Path, x: np.ndarray, *, cache: str | Path | None = None,
             progress=lambda _msg: None) -> dict:
    """Run the C simulation of build folder ``out`` on ONNX-layout inputs ``x``; results dict."""
    import hwgen
    from hwgen.golden import prologue
    from hwgen.runtime.packing import decode, encode, pack_words, unpack_words

    out = Path(out)
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise HwgenError(f"cannot read {out / 'manifest.json'}: {exc}",
                         hint="give a folder written by 'hwgen build'") from exc
    graph = hwgen.load(out / "model.onnx")
    t0 = time.perf_counter()
    hw_in = prologue(graph, x)
    expected = hwgen.execute(graph, x, upto="hw")
    n = len(hw_in)
    io_in, io_out = manifest["io"]["input"], manifest["io"]["output"]
    dma = int(io_in["dma_bits"])
    progress(f"golden model: {n} frames in {time.perf_counter() - t0:.2f} s")
    t1 = time.perf_counter()
    binary = compile_csim(out / "hls", cache)
    progress(f"g++ testbench ready in {time.perf_counter() - t1:.1f} s ({binary.name})")
    codes = encode(hw_in.reshape(n, -1), io_in["kind"], io_in["elem_bits"])
    words = pack_words(codes, io_in["elem_bits"], dma)
    with tempfile.TemporaryDirectory(prefix="hwgen-csim-") as tmp:
        fin, fout = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        fin.write_bytes(words.tobytes())
        t2 = time.perf_counter()
        proc = subprocess.run([str(binary), str(fin), str(fout)], check=False,
                              capture_output=True, text=True)
        wall = time.perf_counter() - t2
        if proc.returncode:
            raise HwgenError(f"the HLS C simulation failed: {proc.stderr.strip()[-2000:]}",
                             hint="the generated C++ does not follow the stream contract")
        raw = np.frombuffer(fout.read_bytes(), dtype=np.uint8)
    nbytes = dma // 8
    per_frame = int(io_out["dma_words_per_frame"]) * nbytes
    if raw.size != n * per_frame:
        raise HwgenError(f"the HLS C simulation returned {raw.size} bytes, expected "
                         f"{n * per_frame} ({n} frames)")
    out_codes = unpack_words(raw.reshape(n, -1, nbytes), io_out["elem_bits"], dma,
                             io_out["elems"])
    got = decode(out_codes, io_out["kind"], io_out["elem_bits"]).reshape(expected.shape)
    bad = np.flatnonzero((got != expected).reshape(n, -1).any(axis=1))
    shown = []
    for f in bad[:MAX_SHOWN]:
        e, g = expected[f].reshape(-1), got[f].reshape(-1)
        idx = np.flatnonzero(e != g)
        shown.append({"frame": int(f), "elements": idx[:8].tolist(),
                      "expected": e[idx[:8]].tolist(), "got": g[idx[:8]].tolist()})
    results = {"frames": int(n), "mismatches": len(bad), "mismatch_details": shown,
               "csim_wall_s": wall, "compiler": " ".join([Path(_cxx()).name, *CXXFLAGS]),
               "binary": binary.name}
    sim_dir = out / "sim"
    sim_dir.mkdir(exist_ok=True)
    (sim_dir / "hls_results.json").write_text(json.dumps(results, indent=2) + "\n")
    results["outputs"] = got
    return results


def cli_run(out: str | Path, x: np.ndarray, say=lambda _msg: None,
            outputs: str | Path | None = None, qonnx_check: int = 0) -> int:
    """``hwgen sim OUT --hls``: run, print a summary, exit status 1 on any mismatch.

    ``outputs``: write the C simulation's outputs, epilogue applied (like ``hwgen.execute``),
    to this .npy. ``qonnx_check``: golden vs QONNX (DESIGN.md 2) on that many frames, as for
    the RTL; a broken contract exits 1.
    """
    import hwgen
    from hwgen.golden import epilogue

    out = Path(out)
    say(f"C simulation of {len(x)} frames through {out / 'hls'} (g++) ...")
    r = run_csim(out, x, progress=say)
    graph = hwgen.load(out / "model.onnx")
    y = epilogue(graph, r["outputs"])
    if outputs is not None:
        np.save(outputs, y)
    qerr = None
    if qonnx_check:
        from hwgen.simulate.job import qonnx_results, qonnx_summary

        q = qonnx_results(out / "model.onnx", graph, x, y, qonnx_check, say)
        line, qerr = qonnx_summary(q)
        print(line)
    print(f"frames            {r['frames']}")
    print(f"mismatches        {r['mismatches']} (HLS C simulation vs golden executor, bit for bit)")
    for d in r["mismatch_details"]:
        print(f"  frame {d['frame']}: elements {d['elements']}: expected {d['expected']} "
              f"got {d['got']}")
    print(f"results           {out / 'sim' / 'hls_results.json'}")
    if r["mismatches"]:
        print("hwgen: error: the HLS C simulation does not match the golden model", file=sys.stderr)
        return 1
    if qerr:
        print(qerr, file=sys.stderr)
        return 1
    return 0
