"""A BRAM18 budget below what the "auto" weight memories need (issue 18: never more BRAM than
the incumbent; a user keeping blocks free for other logic): hwgen.build.fit_memories moves
block-RAM weight ROMs into LUTs, those that cost the fewest LUTs per BRAM18 freed first, while
the LUT budget lasts; explicit ram_styles never move; the folding.json it writes rebuilds the
same design."""

from __future__ import annotations

import json

import pytest

from hwgen.build import build
from hwgen.build.emit import weight_memory
from hwgen.build.hwlayers import HwMVAU
from hwgen.estimate.cost import estimate_layer
from hwgen.targets import get_target

# TFC-W1A1 folded to one PE per MVAU: the weight ROMs of 01..03_mvau (512..1,024 words) are
# deep enough for "auto" to put them in block RAM
FOLDING = {"01_mvau": {"PE": 1, "SIMD": 49}, "02_mvau": {"PE": 1, "SIMD": 8},
           "03_mvau": {"PE": 1, "SIMD": 8}, "04_mvau": {"PE": 1, "SIMD": 8}}
# the incumbent's end-to-end folding (../shared/incumbent/tfc_w1a1_e2efold.json): ROMs of
# 16..64 words, which "auto" builds from LUTs
FOLDING_E2E = {"01_mvau": {"PE": 16, "SIMD": 49}, "02_mvau": {"PE": 8, "SIMD": 8},
               "03_mvau": {"PE": 8, "SIMD": 8}, "04_mvau": {"PE": 10, "SIMD": 8}}
PYNQ = get_target("pynq-z2")


@pytest.fixture(scope="module")
def base(zoo_export, tmp_path_factory):
    src = zoo_export("tfc_w1a1")
    folder = tmp_path_factory.mktemp("bram")
    ffile = folder / "folding.json"
    ffile.write_text(json.dumps(FOLDING))
    result = build(src, folder / "base", folding_file=ffile)
    return src, folder, result


def _moves(result) -> list[tuple[float, str, int, int]]:
    """(LUTs added per BRAM18 freed, layer, BRAM18 freed, LUTs added) of each block ROM, from
    the per-layer estimates, cheapest first."""
    out = []
    for layer in result.hw.layers:
        if isinstance(layer, HwMVAU) and weight_memory(layer) == "block":
            now, dist = estimate_layer(layer), estimate_layer(layer.folded(ram_style="distributed"))
            freed, extra = now.BRAM18 - dist.BRAM18, dist.LUT - now.LUT
            out.append((extra / freed, layer.name, freed, extra))
    return sorted(out)


def _build(base, name: str, bram: int, lut: int | None = None, folding: dict | None = None):
    src, folder, _ = base
    ffile = folder / f"{name}.json"
    ffile.write_text(json.dumps(folding or FOLDING))
    limits = {"BRAM18": bram / PYNQ.BRAM18} | ({"LUT": lut / PYNQ.LUT} if lut else {})
    return build(src, folder / name, folding_file=ffile, max_utilization=limits)


def _styles(result) -> dict[str, str]:
    return {layer.name: layer.ram_style for layer in result.hw.layers
            if isinstance(layer, HwMVAU)}


def test_cheapest_roms_move_first(base) -> None:
    _, _, result = base
    need = result.manifest["estimate"]["total"]["BRAM18"]
    moves = _moves(result)
    assert len(moves) >= 3 and all(s == "auto" for s in _styles(result).values())
    # one block short: the cheapest ROM per BRAM18 moves, nothing else
    one = _build(base, "one", need - 1)
    assert {n for n, s in _styles(one).items() if s == "distributed"} == {moves[0][1]}
    assert one.manifest["estimate"]["total"]["BRAM18"] == need - moves[0][2]
    assert one.manifest["estimate"]["total"]["LUT"] == \
        result.manifest["estimate"]["total"]["LUT"] + moves[0][3]
    # past what the cheapest frees: the two cheapest
    two = _build(base, "two", need - moves[0][2] - 1)
    assert {n for n, s in _styles(two).items() if s == "distributed"} == \
        {moves[0][1], moves[1][1]}
    assert two.manifest["estimate"]["total"]["BRAM18"] <= need - moves[0][2] - 1
    assert two.manifest["estimate"]["fits"]


def test_explicit_styles_and_the_lut_budget_hold(base) -> None:
    _, _, result = base
    need = result.manifest["estimate"]["total"]["BRAM18"]
    lut = result.manifest["estimate"]["total"]["LUT"]
    moves = _moves(result)
    # the cheapest pinned to block RAM by the user: the next one moves instead
    pinned = json.loads(json.dumps(FOLDING))
    pinned[moves[0][1]]["ram_style"] = "block"
    alt = _build(base, "pinned", need - 1, folding=pinned)
    assert _styles(alt)[moves[0][1]] == "block"
    assert {n for n, s in _styles(alt).items() if s == "distributed"} == {moves[1][1]}
    # a LUT budget every move would break: nothing moves, and the design is reported over
    tight = lut + min(extra for *_, extra in moves) - 1
    over = _build(base, "tight", need - 1, lut=tight)
    assert "distributed" not in _styles(over).values()
    assert over.manifest["estimate"]["total"]["LUT"] == lut <= tight
    assert not over.manifest["estimate"]["fits"]
    # room for the cheap moves but not the big one: as many blocks as the LUTs allow are freed
    some = _build(base, "some", 1, lut=lut + sum(e for _, n, _, e in moves[:2]))
    assert {n for n, s in _styles(some).items() if s == "distributed"} == \
        {moves[0][1], moves[1][1]}


def test_written_folding_rebuilds_the_same_design(base) -> None:
    src, folder, result = base
    need = result.manifest["estimate"]["total"]["BRAM18"]
    one = _build(base, "again", need - 1)
    written = json.loads((one.out / "folding.json").read_text())
    assert "distributed" in {v.get("ram_style") for v in written.values()}
    again = build(src, folder / "rebuilt", folding_file=one.out / "folding.json")
    assert _styles(again) == _styles(one)
    assert again.manifest["estimate"]["total"] == one.manifest["estimate"]["total"]


def _lut_roms(result) -> list[tuple[float, str, int, int]]:
    """(-LUTs saved per BRAM18 taken, layer, BRAM18 taken, LUTs saved) of each weight ROM in
    LUTs, most saving first, from the per-layer estimates."""
    out = []
    for layer in result.hw.layers:
        if isinstance(layer, HwMVAU) and weight_memory(layer) == "distributed" \
                and layer.nf * layer.sf > 1:
            now, block = estimate_layer(layer), estimate_layer(layer.folded(ram_style="block"))
            saved, blocks = now.LUT - block.LUT, block.BRAM18 - now.BRAM18
            if saved > 0:
                out.append((-saved / blocks, layer.name, blocks, saved))
    return sorted(out)


def test_prefer_bram_fills_the_budget_most_saving_first(base) -> None:
    """--prefer-bram: weight ROMs that "auto" builds from LUTs go to block RAM while the BRAM18
    budget lasts, those saving the most LUTs per BRAM18 first."""
    src, folder, _ = base
    plain = _build(base, "e2e", PYNQ.BRAM18, folding=FOLDING_E2E)
    roms = _lut_roms(plain)
    assert len(roms) >= 2, roms
    need = plain.manifest["estimate"]["total"]["BRAM18"]
    # room for the best one only
    ffile = folder / "e2e.json"
    room = need + roms[0][2]
    one = build(src, folder / "pref_one", folding_file=ffile, prefer_bram=True,
                max_utilization={"BRAM18": room / PYNQ.BRAM18})
    assert {n for n, s in _styles(one).items() if s == "block"} == {roms[0][1]}
    tot = one.manifest["estimate"]["total"]
    assert tot["BRAM18"] == room
    assert tot["LUT"] == plain.manifest["estimate"]["total"]["LUT"] - roms[0][3]
    assert one.manifest["max_cycles"] == plain.manifest["max_cycles"]
    # room for all: every ROM that saves LUTs moves
    every = build(src, folder / "pref_all", folding_file=ffile, prefer_bram=True)
    assert {n for n, s in _styles(every).items() if s == "block"} == {r[1] for r in roms}


def test_lut_short_moves_lut_roms_to_bram_until_they_fit(base) -> None:
    """LUTs over the budget with BRAM18s to spare: weight ROMs that "auto" builds from LUTs go
    to block RAM, most LUTs saved per BRAM18 first, and only until the LUTs fit."""
    plain = _build(base, "e2e_plain", PYNQ.BRAM18, folding=FOLDING_E2E)
    roms = _lut_roms(plain)
    lut = plain.manifest["estimate"]["total"]["LUT"]
    # one LUT short: the best move alone is enough
    short = _build(base, "e2e_short", PYNQ.BRAM18, lut=lut - 1, folding=FOLDING_E2E)
    assert {n for n, s in _styles(short).items() if s == "block"} == {roms[0][1]}
    assert short.manifest["estimate"]["total"]["LUT"] == lut - roms[0][3]
    assert short.manifest["estimate"]["fits"]


def test_prefer_bram_on_the_command_line(base) -> None:
    """`hwgen build --prefer-bram`: the written folding.json names the ROMs it put in BRAM."""
    from hwgen.cli import main

    src, folder, _ = base
    plain = _build(base, "cli_plain", PYNQ.BRAM18, folding=FOLDING_E2E)
    roms = {r[1] for r in _lut_roms(plain)}
    assert roms
    assert main(["build", str(src), "-o", str(folder / "cli"), "--folding",
                 str(folder / "cli_plain.json"), "--prefer-bram"]) == 0
    written = json.loads((folder / "cli" / "folding.json").read_text())
    assert {n for n, v in written.items() if v.get("ram_style") == "block"} == roms
