"""Folding: PE/SIMD per hardware layer, from a folding.json, a frames/s target, or the default.

folding.json (DESIGN.md 3a): an object keyed by hardware layer name in pipeline order, entries
``{"PE": 16, "SIMD": 49, "ram_style": "auto|distributed|block|ultra", "res_type": "lut|dsp"}``
where they apply to the op; unknown layers or keys are errors. "ultra" (UltraRAM) needs a target
with URAM (``check_ram_styles``). An MVAU with thresholds may also name ``"thr_style":
"auto|distributed|block"``, its threshold memory (a build writes it only when it moved one).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hwgen.build.hwlayers import (
    GRAPH_INPUT,
    HwAdd,
    HwConcat,
    HwDup,
    HwGraph,
    HwLayer,
    HwMaxPool,
    HwMVAU,
    HwSWG,
    HwThreshold,
    HwVVAU,
    divisors,
)
from hwgen.errors import FoldingError

__all__ = ["apply_folding", "auto_fold", "check_ram_styles", "read_folding", "folding_dict",
           "divisors", "match_streams"]

_RAM_STYLES = ("auto", "distributed", "block", "ultra")
_RES_TYPES = ("lut", "dsp")
_THR_STYLES = ("auto", "distributed", "block")


def _lanes(layer: HwLayer) -> dict[str, int]:
    """The extent each folding key divides (PE | MH, SIMD | MW, ...)."""
    if isinstance(layer, HwMVAU):
        return {"PE": layer.mh, "SIMD": layer.mw}
    if isinstance(layer, HwThreshold):
        return {"PE": layer.channels}
    if isinstance(layer, HwSWG):
        return {"SIMD": layer.kernel[0] * layer.kernel[1] * layer.in_hwc[2]}
    if isinstance(layer, HwMaxPool):
        return {"PE": layer.in_hwc[2]}
    if isinstance(layer, (HwVVAU, HwAdd)):
        return {"PE": layer.channels}
    if isinstance(layer, HwConcat):
        return {"PE": math.gcd(layer.c0, layer.c1)}
    if isinstance(layer, HwDup):
        return {}  # its beat is its producer's (``match_streams``)
    return {"PE": getattr(layer, "channels", 1)}


def _choices(layer: HwLayer, key: str) -> list[int]:
    """Legal values of a PE/SIMD key: the divisors of its extent (a sliding window: SIMD | C
    or SIMD = M*C with M | K*K; a window unit after a square window likewise its PE)."""
    if isinstance(layer, HwSWG) and key == "SIMD":
        return layer.simd_choices
    if isinstance(layer, HwVVAU) and key == "PE":
        return layer.pe_choices
    return divisors(_lanes(layer)[key])


def read_folding(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise FoldingError(f"folding file {path} does not exist",
                           hint="--folding takes a JSON file like OUT/folding.json") from exc
    except OSError as exc:
        raise FoldingError(f"cannot read folding file {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FoldingError(f"folding file {path} is not valid JSON: {exc}",
                           hint="take the form from OUT/folding.json of a previous build") from exc
    if not isinstance(data, dict):
        raise FoldingError(f"folding file {path} must hold an object keyed by layer name, not "
                           f"a JSON {type(data).__name__}",
                           hint="take the form from OUT/folding.json of a previous build")
    return data


def apply_folding(hw: HwGraph, folding: dict[str, dict[str, object]]) -> HwGraph:
    """Set PE/SIMD/ram_style/res_type from ``folding``; every error names the layer."""
    names = [layer.name for layer in hw.layers]
    unknown = [k for k in folding if k not in names]
    if unknown:
        raise FoldingError(
            f"unknown layer {unknown[0]!r} in folding; layers are: {', '.join(names)}",
            hint="take the names from OUT/folding.json of a previous build",
        )
    out = []
    for layer in hw.layers:
        entry = folding.get(layer.name, {})
        if not isinstance(entry, dict):
            raise FoldingError(f"folding entry must be an object like {{\"PE\": 2}}, not "
                               f"{entry!r}", node=layer.name, op=layer.op,
                               hint="take the form from OUT/folding.json of a previous build")
        entry = dict(entry)
        allowed = set(layer.folding_keys) | ({"ram_style", "res_type", "thr_style"} if isinstance(layer, HwMVAU) else set())
        bad = [k for k in entry if k not in allowed]
        if bad:
            raise FoldingError(
                f"unknown folding key {bad[0]!r}; {layer.op} takes {', '.join(sorted(allowed))}",
                node=layer.name, op=layer.op,
            )
        lanes = _lanes(layer)
        for key in ("PE", "SIMD"):
            if key in entry:
                value = entry[key]
                legal = _choices(layer, key)
                if isinstance(value, bool) or not isinstance(value, int) or value not in legal:
                    what = (f"a divisor of C = {layer.in_hwc[2]} or a multiple of it dividing "
                            f"{lanes[key]}" if isinstance(layer, HwSWG)
                            else f"a positive divisor of {lanes[key]}")
                    raise FoldingError(
                        f"{key} must be {what}, not {value!r}", node=layer.name, op=layer.op,
                        hint=f"legal values: {', '.join(map(str, legal))}",
                    )
        if entry.get("ram_style", "auto") not in _RAM_STYLES:
            raise FoldingError(f"ram_style must be one of {_RAM_STYLES}, not {entry['ram_style']!r}",
                               node=layer.name, op=layer.op)
        if entry.get("thr_style", "auto") not in _THR_STYLES:
            raise FoldingError(f"thr_style must be one of {_THR_STYLES}, not {entry['thr_style']!r}",
                               node=layer.name, op=layer.op)
        if entry.get("res_type", "lut") not in _RES_TYPES:
            raise FoldingError(f"res_type must be one of {_RES_TYPES}, not {entry['res_type']!r}",
                               node=layer.name, op=layer.op)
        out.append(layer.folded(**entry))
    return match_streams(hw.replace_layers(tuple(out)))


def check_ram_styles(hw: HwGraph, target_name: str, uram_blocks: int) -> None:
    """ram_style "ultra" only on a target with UltraRAM (``uram_blocks`` > 0)."""
    if uram_blocks:
        return
    for layer in hw.layers:
        if layer.ram_style == "ultra":
            raise FoldingError(
                f"ram_style \"ultra\" needs UltraRAM, and target {target_name} has none",
                node=layer.name, op=layer.op,
                hint="use \"block\", \"distributed\" or \"auto\", or a target with URAM "
                     "(zcu104, kv260)")


def _swg_simd(swg: HwSWG, mvau_simd: int) -> int:
    """The SWG SIMD that feeds an MVAU of SIMD ``mvau_simd``: the same when legal (SIMD | C or
    a multiple of C: no width converter in between), else gcd(SIMD, C) and a converter."""
    return mvau_simd if mvau_simd in swg.simd_choices else math.gcd(mvau_simd, swg.in_hwc[2])


def match_streams(hw: HwGraph) -> HwGraph:
    """A sliding window feeds its MVAU at the MVAU's SIMD (see ``_swg_simd``), and a window
    unit (hwgen_vvau: depthwise, pools) at its PE exactly (channel-fold-major beats); a fork
    passes its producer's beats on (at the graph input: its first reader's beats). Other
    width differences (a join's inputs at another PE) get width converters in the netlist."""
    layers = list(hw.layers)
    index = {x.name: i for i, x in enumerate(layers)}
    for i, layer in enumerate(layers):
        users = hw.consumers(layer.name)
        nxt = layers[index[users[0][0]]] if len(users) == 1 else None
        if isinstance(layer, HwSWG) and isinstance(nxt, HwMVAU):
            layers[i] = layer.folded(SIMD=_swg_simd(layer, nxt.SIMD))
        if isinstance(layer, HwSWG) and isinstance(nxt, HwVVAU):
            layers[i] = layer.folded(SIMD=nxt.PE)
    for i, layer in enumerate(layers):  # in order: a cascade of forks follows its producer
        if isinstance(layer, HwDup):
            src = hw.producers(i)[0]
            if src == GRAPH_INPUT:
                user, _ = hw.consumers(layer.name)[0]
                beat = layers[index[user]].in_beat_elems
            else:
                beat = layers[index[src]].out_beat_elems
            layers[i] = layer.folded(PE=beat)
    return hw.replace_layers(tuple(layers))


def folding_dict(hw: HwGraph) -> dict[str, dict[str, object]]:
    return {layer.name: layer.folding() for layer in hw.layers}


def _fastest(layer: HwLayer) -> HwLayer:
    lanes = _lanes(layer)
    return layer.folded(**{k: max(_choices(layer, k)) for k in layer.folding_keys if k in lanes})


def auto_fold(hw: HwGraph, target_cycles: int, cost) -> HwGraph:
    """Cheapest folding per layer with cycles <= ``target_cycles`` (``cost(layer) -> LUT``).

    An MVAU fed by a sliding window is chosen together with the window's matched SIMD (both
    must reach the target; their costs add). Layers that cannot reach the target even fully
    parallel raise FoldingError naming the best achievable cycles.
    """
    out = []
    for i, layer in enumerate(hw.layers):
        if isinstance(layer, HwDup):  # no folding of its own (``match_streams``)
            out.append(layer)
            continue
        lanes = _lanes(layer)
        keys = [k for k in layer.folding_keys if k in lanes]
        src = hw.producers(i)[0]
        feeder = hw.layer(src) if src != GRAPH_INPUT else None
        feeder = feeder if isinstance(feeder, HwSWG) else None
        best = None
        options: list[dict[str, int]] = [{}]
        for key in keys:
            options = [dict(o, **{key: d}) for o in options for d in _choices(layer, key)]
        for opt in options:
            cand = layer.folded(**opt)
            cycles, lut = cand.cycles, cost(cand)
            if feeder is not None and isinstance(cand, (HwMVAU, HwVVAU)):
                simd = cand.PE if isinstance(cand, HwVVAU) else _swg_simd(feeder, cand.SIMD)
                swg = feeder.folded(SIMD=simd)
                cycles, lut = max(cycles, swg.cycles), lut + cost(swg)
            if cycles > target_cycles:
                continue
            score = (lut, cand.cycles)
            if best is None or score < best[0]:
                best = (score, cand)
        if best is None:
            fastest = _fastest(layer)
            raise FoldingError(
                f"cannot reach {target_cycles} cycles per frame; fully parallel it needs "
                f"{fastest.cycles}", node=layer.name, op=layer.op,
            )
        out.append(best[1])
    return match_streams(hw.replace_layers(tuple(out)))
