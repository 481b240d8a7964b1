"""The PYNQ Overlay wrapper: pack a batch, move it through the AXI DMA, unpack the results.

One DMA transfer per batch (DESIGN.md section 3a): the DMA's MM2S channel sets tlast on the last
word of the batch only, the accelerator ends its output with tlast after the batch's last frame,
and the S2MM channel completes its receive at that tlast. Batches larger than the DMA length
register allows (2**length_width - 1 bytes) are split. ``pynq`` is imported only when no
overlay is passed in, i.e. on the board. Python 3.8 syntax, numpy only.

Designs with weights in UltraRAM (host.json ``weight_load``): UltraScale+ cannot initialise
UltraRAM from the bitstream, so the constructor streams the weight image (weights_image.bin,
next to this file) through the second DMA (``axi_dma_1``, MM2S only) before any frame:
``load_weights``. A complete image always lands at the same addresses (the accelerator counts
its words and wraps), so loading again later is safe between batches.
"""

from __future__ import annotations

import hashlib
import os
import time

import numpy as np

try:
    from . import packing
except ImportError:  # in the hwgen source tree the packing module lives in hwgen.runtime
    from hwgen.runtime import packing

from .host import Host, load_spec

__all__ = ["Accelerator", "DMAError"]

PLACEHOLDER = b"hwgen placeholder"


class DMAError(RuntimeError):
    """A transfer the DMA cannot do, or one that did not complete."""


def _check_bitfile(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"bitstream {path} not found")
    with open(path, "rb") as f:
        if f.read(len(PLACEHOLDER)) == PLACEHOLDER:
            raise RuntimeError(
                f"{path} is a placeholder: run OUT/board/build_bitstream.sh on a machine with Vivado, "
                "then copy OUT/deploy/ to the board again")


class Accelerator:
    """A hwgen design on the board.

    ``bitfile``: the .bit (its .hwh next to it, same basename). ``overlay``/``allocate``: pass a
    loaded pynq Overlay and pynq.allocate (or test doubles) instead. ``spec``: host.json contents.
    ``weights``: the weight image file (default: weights_image.bin next to this file), loaded by
    the constructor when the design keeps weights in UltraRAM.
    """

    def __init__(self, bitfile=None, overlay=None, allocate=None, spec=None, dma_name=None,
                 weights=None):
        self.spec = spec if spec is not None else load_spec()
        self.host = Host(self.spec)
        if overlay is None:
            if bitfile is None:
                raise ValueError("pass the bitstream path (or an overlay)")
            _check_bitfile(bitfile)
            from pynq import Overlay  # only on the board

            overlay = Overlay(bitfile)
        if allocate is None:
            from pynq import allocate  # only on the board
        self.overlay = overlay
        self.allocate = allocate
        self.dma = getattr(overlay, dma_name or self.spec["dma"]["name"])
        self.word_bits = self.spec["dma"]["bits"]
        self.word_bytes = -(-self.word_bits // 8)
        inp, out = self.spec["input"], self.spec["output"]
        self.in_words = packing.words_per_frame(inp["elems"], inp["elem_bits"], self.word_bits)
        self.out_words = packing.words_per_frame(out["elems"], out["elem_bits"], self.word_bits)
        limit = (1 << self.spec["dma"]["length_width"]) - 1
        per_frame = max(self.in_words, self.out_words) * self.word_bytes
        self.max_batch = limit // per_frame
        if self.max_batch < 1:
            raise DMAError(f"one frame ({per_frame} bytes) exceeds the DMA length register ({limit} bytes)"
                           )
        self._buffers = None
        self.weight_dma = None
        wl = self.spec.get("weight_load")
        if wl:
            self.weight_dma = getattr(overlay, wl["dma"])
            self.load_weights(weights)

    # -- weights ---------------------------------------------------------------------------
    def load_weights(self, path=None):
        """Stream the weight image into the UltraRAM weight memories (weight-load DMA).

        Checks the image against host.json (size, sha256) first; splits it at the DMA length
        register into whole words. Returns the number of bytes sent.
        """
        wl = self.spec.get("weight_load")
        if not wl:
            raise RuntimeError("this design has no UltraRAM weights to load")
        if path is None:
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), wl["file"])
        with open(path, "rb") as f:
            data = f.read()
        if len(data) != wl["bytes"] or hashlib.sha256(data).hexdigest() != wl["sha256"]:
            raise RuntimeError(f"weight image {path} is not the one this design was built with "
                               f"({len(data)} bytes, expected {wl['bytes']}, or another checksum)")
        word_bytes = wl["dma_bits"] // 8
        limit = (1 << self.spec["dma"]["length_width"]) - 1
        step = limit // word_bytes * word_bytes
        image = np.frombuffer(data, dtype=np.uint8)
        buf = self.allocate(shape=(min(step, len(image)),), dtype=np.uint8)
        try:
            for i in range(0, len(image), step):
                part = image[i:i + step]
                view = buf[:len(part)] if len(part) < len(buf) else buf
                view[:] = part
                if hasattr(buf, "flush"):
                    buf.flush()
                self.weight_dma.sendchannel.transfer(view)
                self.weight_dma.sendchannel.wait()
        finally:
            if hasattr(buf, "freebuffer"):
                buf.freebuffer()
        return len(image)

    # -- buffers ---------------------------------------------------------------------------
    def _get_buffers(self, frames):
        if self._buffers is not None and self._buffers[0] == frames:
            return self._buffers[1], self._buffers[2]
        self.free()
        ibuf = self.allocate(shape=(frames * self.in_words * self.word_bytes,), dtype=np.uint8)
        obuf = self.allocate(shape=(frames * self.out_words * self.word_bytes,), dtype=np.uint8)
        self._buffers = (frames, ibuf, obuf)
        return ibuf, obuf

    def free(self):
        """Release the DMA buffers."""
        if self._buffers is not None:
            for buf in self._buffers[1:]:
                if hasattr(buf, "freebuffer"):
                    buf.freebuffer()
            self._buffers = None

    # -- hardware boundary -----------------------------------------------------------------
    def pack(self, hw_in):
        """int (frames, *hw input shape) -> (frames, words, bytes) uint8 stream words."""
        inp = self.spec["input"]
        hw_in = np.asarray(hw_in).reshape(len(hw_in), -1)
        codes = packing.encode(hw_in, inp["kind"], inp["elem_bits"])
        return packing.pack_words(codes, inp["elem_bits"], self.word_bits)

    def unpack(self, words, frames):
        """(frames * words * bytes) uint8 -> int64 (frames, *hw output shape)."""
        out = self.spec["output"]
        w = np.asarray(words, dtype=np.uint8).reshape(frames, self.out_words, self.word_bytes)
        codes = packing.unpack_words(w, out["elem_bits"], self.word_bits, out["elems"])
        values = packing.decode(codes, out["kind"], out["elem_bits"])
        return values.reshape((frames,) + tuple(out["shape"])).astype(np.int64)

    def _transfer(self, words):
        frames = words.shape[0]
        ibuf, obuf = self._get_buffers(frames)
        ibuf[:] = words.reshape(-1)
        if hasattr(ibuf, "flush"):
            ibuf.flush()
        self.dma.recvchannel.transfer(obuf)
        self.dma.sendchannel.transfer(ibuf)
        self.dma.sendchannel.wait()
        self.dma.recvchannel.wait()
        if hasattr(obuf, "invalidate"):
            obuf.invalidate()
        return self.unpack(np.array(obuf), frames)

    def run_hw(self, hw_in, batch=None):
        """Integer hardware inputs -> int64 hardware outputs (``hwgen.execute(m, x, upto="hw")``).

        ``batch``: frames per DMA transfer (default: as many as the length register allows).
        """
        words = self.pack(hw_in)
        n = words.shape[0]
        step = min(batch or self.max_batch, self.max_batch)
        if n == 0:
            return np.zeros((0,) + tuple(self.spec["output"]["shape"]), np.int64)
        parts = [self._transfer(words[i:i + step]) for i in range(0, n, step)]
        return np.concatenate(parts)

    # -- ONNX boundary ---------------------------------------------------------------------
    def execute(self, x, batch=None):
        """ONNX-layout inputs -> ONNX outputs, the same as ``hwgen.execute(model, x)``."""
        return self.host.epilogue(self.run_hw(self.host.prologue(x), batch=batch))

    def throughput(self, x, batch=None, repeat=3):
        """Frames per second of the hardware path (packing and DMA included), best of ``repeat``."""
        hw_in = self.host.prologue(x)
        best = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            self.run_hw(hw_in, batch=batch)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        return len(hw_in) / best
