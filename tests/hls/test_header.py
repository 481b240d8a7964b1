"""Unit tests of hwgen's portable ap_int / stream header against Python integers.

One generated C++ program exercises arithmetic, slicing, shifts, comparisons and sign handling
on fixed odd widths (1, 7, 33, 65, 130 bits) and on random widths up to 2048; each result is
printed as its width and its bits (64-bit chunks via ``.range()``) and compared with a Python
model of the same (vendor) typing rules. Compiled once, at -O0, with g++.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from hwgen.hls import include_dir

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")

ODD_WIDTHS = (1, 7, 33, 65, 130)


@dataclass(frozen=True)
class T:
    """An ap type: width and signedness."""

    w: int
    s: bool

    @property
    def cpp(self) -> str:
        return f"ap_{'' if self.s else 'u'}int<{self.w}>"

    def wrap(self, v: int) -> int:
        v &= (1 << self.w) - 1
        if self.s and v >> (self.w - 1):
            v -= 1 << self.w
        return v


def _join(a: T, b: T) -> int:
    return max(a.w + (not a.s and b.s), b.w + (not b.s and a.s))


def _line(tag: str, t: T, v: int) -> str:
    bits = v & ((1 << t.w) - 1)
    chunks = [f"{(bits >> lo) & ((1 << 64) - 1):x}" for lo in range(0, t.w, 64)]
    return f"{tag} {t.w} {' '.join(chunks)}"


def _literal(name: str, t: T, v: int) -> list[str]:
    """C++ lines making ``name`` of type t hold v (through .range() of 64-bit chunks)."""
    bits = v & ((1 << t.w) - 1)
    lines = [f"    ap_uint<{t.w}> {name}_bits = 0;"]
    for lo in range(0, t.w, 64):
        hi = min(lo + 63, t.w - 1)
        lines.append(f"    {name}_bits.range({hi}, {lo}) = "
                     f"(unsigned long long){(bits >> lo) & ((1 << 64) - 1):#x}ULL;")
    lines.append(f"    const {t.cpp} {name} = {name}_bits;")
    return lines


def _case(k: int, ta: T, tb: T, a: int, b: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """C++ statements for one case and the lines they must print."""
    code = [f"  {{  // case {k}: {ta.cpp} {a} op {tb.cpp} {b}"]
    code += _literal("a", ta, a) + _literal("b", tb, b)
    exp: list[str] = []
    j = _join(ta, tb)

    def show(tag: str, expr: str, t: T, v: int) -> None:
        code.append(f"    show(\"{k} {tag}\", {expr});")
        exp.append(_line(f"{k} {tag}", t, t.wrap(v)))

    def flag(tag: str, expr: str, v: int) -> None:
        code.append(f"    std::printf(\"{k} {tag} %d\\n\", int({expr}));")
        exp.append(f"{k} {tag} {int(v)}")

    s = ta.s or tb.s
    show("add", "a + b", T(j + 1, s), a + b)
    show("sub", "a - b", T(j + 1, True), a - b)
    show("mul", "a * b", T(ta.w + tb.w, s), a * b)
    show("and", "a & b", T(j, s), a & b)
    show("or", "a | b", T(j, s), a | b)
    show("xor", "a ^ b", T(j, s), a ^ b)
    show("not", "~a", ta, ~a)
    show("neg", "-a", T(ta.w + 1, True), -a)
    imm = rng.randint(-(1 << 31), (1 << 31) - 1)
    show("addi", f"a + (long long)({imm}LL)", T(_join(ta, T(64, True)) + 1, True), a + imm)
    sh = rng.randint(0, ta.w + 3)
    show("shl", f"a << {sh}", ta, a << sh)
    show("shr", f"a >> {sh}", ta, a >> sh)
    lo = rng.randint(0, ta.w - 1)
    hi = rng.randint(lo, ta.w - 1)
    mask = (1 << (hi - lo + 1)) - 1
    show("range", f"{T(ta.w, False).cpp}(a.range({hi}, {lo}))", T(ta.w, False),
         ((a & ((1 << ta.w) - 1)) >> lo) & mask)
    code.append(f"    {ta.cpp} c = a; c.range({hi}, {lo}) = b;")
    cbits = (a & ((1 << ta.w) - 1) & ~(mask << lo)) | ((b & mask) << lo)
    show("setrange", "c", ta, cbits)
    bit = rng.randint(0, ta.w - 1)
    flag("bit", f"a[{bit}]", (a >> bit) & 1)
    flag("lt", "a < b", a < b)
    flag("eq", "a == b", a == b)
    flag("ge", "a >= b", a >= b)
    flag("eqself", "a == a", 1)
    show("conv", f"{tb.cpp}(a)", tb, a)
    code.append("    { auto d = a; d += b; show(\"" + f"{k} iadd" + "\", d); }")
    exp.append(_line(f"{k} iadd", ta, ta.wrap(a + b)))
    code.append("    { auto d = a; d *= b; show(\"" + f"{k} imul" + "\", d); }")
    exp.append(_line(f"{k} imul", ta, ta.wrap(a * b)))
    code.append(f"    std::printf(\"{k} i64 %lld\\n\", a.to_int64());")
    exp.append(f"{k} i64 {T(64, True).wrap(a)}")
    code.append("  }")
    return code, exp


def _values(t: T, rng: random.Random) -> list[int]:
    lo, hi = (-(1 << (t.w - 1)), (1 << (t.w - 1)) - 1) if t.s else (0, (1 << t.w) - 1)
    return [lo, hi, rng.randint(lo, hi), 0 if t.w == 1 or not t.s else -1]


def _program(rng: random.Random) -> tuple[str, list[str]]:
    cases: list[tuple[T, T, int, int]] = []
    for w in ODD_WIDTHS:
        other = ODD_WIDTHS[(ODD_WIDTHS.index(w) + 2) % len(ODD_WIDTHS)]
        for ta, tb in ((T(w, True), T(w, True)), (T(w, False), T(w, False)),
                       (T(w, True), T(other, False)), (T(w, False), T(other, True))):
            va, vb = _values(ta, rng), _values(tb, rng)
            for i in range(3):
                cases.append((ta, tb, va[i], vb[(i + 1) % len(vb)]))
    for _ in range(14):  # random widths up to 2048
        ta = T(rng.randint(1, 2048), rng.random() < 0.5)
        tb = T(rng.randint(1, 2048), rng.random() < 0.5)
        for _ in range(2):
            cases.append((ta, tb, rng.choice(_values(ta, rng)[2:] + _values(ta, rng)[:2]),
                          rng.choice(_values(tb, rng))))
    body: list[str] = []
    expected: list[str] = []
    for k, (ta, tb, a, b) in enumerate(cases):
        code, exp = _case(k, ta, tb, a, b, rng)
        body += code
        expected += exp
    src = "\n".join([
        "#define AP_INT_MAX_W 4200",
        '#include "hwgen_hls.h"',
        "#include <cstdio>",
        "template <typename X> void show(const char* tag, const X& x) {",
        "    std::printf(\"%s %d\", tag, x.length());",
        "    for (int lo = 0; lo < x.length(); lo += 64) {",
        "        const int hi = lo + 63 < x.length() ? lo + 63 : x.length() - 1;",
        "        std::printf(\" %llx\", (unsigned long long)x.range(hi, lo).to_uint64());",
        "    }",
        "    std::printf(\"\\n\");",
        "}",
        "int main() {",
        *body,
        "  return 0;",
        "}",
        "",
    ])
    return src, expected


@pytest.fixture(scope="module")
def header_run(tmp_path_factory: pytest.TempPathFactory):
    rng = random.Random(2024)
    src, expected = _program(rng)
    folder = tmp_path_factory.mktemp("aptest")
    (folder / "t.cpp").write_text(src)
    exe = folder / "t"
    subprocess.run(["g++", "-std=c++14", "-O0", "-DHWGEN_PORTABLE", f"-I{include_dir()}",
                    str(folder / "t.cpp"), "-o", str(exe)], check=True)
    got = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return expected, got.splitlines()


def test_header_matches_python_integers(header_run) -> None:
    expected, got = header_run
    assert len(got) == len(expected)
    bad = [(e, g) for e, g in zip(expected, got) if e != g]
    assert not bad, f"{len(bad)} of {len(expected)} results differ, first: {bad[:5]}"


def test_header_covers_odd_and_wide_widths(header_run) -> None:
    expected, _ = header_run
    widths = {int(line.split()[2]) for line in expected if line.split()[1] == "add"}
    assert max(widths) > 1024  # results wider than the vendor's default AP_INT_MAX_W
    for w in ODD_WIDTHS:
        assert any(line.split()[1] == "not" and int(line.split()[2]) == w for line in expected)


def test_vendor_headers_win_when_present(tmp_path) -> None:
    """With <ap_int.h>, <hls_stream.h>, <ap_axi_sdata.h> on the include path the header uses
    them (and defines none of its own types)."""
    for name in ("ap_int.h", "hls_stream.h", "ap_axi_sdata.h"):
        (tmp_path / name).write_text("#define FAKE_VENDOR_" + name.split(".")[0].upper() + " 1\n")
    (tmp_path / "t.cpp").write_text('#include "hwgen_hls.h"\n')

    def macros(*extra: str) -> str:
        return subprocess.run(["g++", "-std=c++14", "-E", "-dM", f"-I{include_dir()}",
                               f"-I{tmp_path}", *extra, str(tmp_path / "t.cpp")],
                              check=True, capture_output=True, text=True).stdout

    vendor = macros()
    assert "HWGEN_VENDOR_HEADERS" in vendor and "FAKE_VENDOR_AP_INT" in vendor
    portable = macros("-DHWGEN_PORTABLE")
    assert "HWGEN_VENDOR_HEADERS" not in portable and "FAKE_VENDOR_AP_INT" not in portable


def test_width_limit_is_a_compile_error(tmp_path) -> None:
    (tmp_path / "t.cpp").write_text('#define AP_INT_MAX_W 64\n#include "hwgen_hls.h"\n'
                                    "ap_uint<65> x;\nint main() { return 0; }\n")
    proc = subprocess.run(["g++", "-std=c++14", "-fsyntax-only", "-DHWGEN_PORTABLE",
                           f"-I{include_dir()}", str(tmp_path / "t.cpp")],
                          check=False, capture_output=True, text=True)
    assert proc.returncode != 0 and "AP_INT_MAX_W" in proc.stderr
