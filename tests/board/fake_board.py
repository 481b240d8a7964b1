"""Run the generated PYNQ driver against a fake overlay, with only numpy importable.

Started by tests/board/test_driver.py as ``python -I fake_board.py ARGS.json``. The fake AXI DMA
behaves like the real one in simple mode: a transfer longer than its length register allows is
refused, the MM2S channel sets tlast on the last word of each send, and the S2MM channel
completes a receive at the first tlast (failing if the buffer fills first). The "hardware" runs
in the parent test process: for each send this script writes the words to a file, prints
``REQ <file>`` on stdout and waits for ``OK <file>`` on stdin naming the output words and their
tlast flags. A design with UltraRAM weights also gets the weight-load DMA (``axi_dma_1``,
MM2S only): each of its sends is written to a file announced as ``WREQ <file>``, answered by
``OK``.
"""

import importlib.abc
import json
import sys

BLOCKED = ("pynq", "hwgen", "onnx", "onnxruntime", "qonnx", "torch", "brevitas", "tests")


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError("blocked for the driver test: " + name)


sys.meta_path.insert(0, Blocker())

import numpy as np  # noqa: E402 (after the sys.path set-up above)


class Channel:
    def __init__(self, dma, limit):
        self.dma = dma
        self.limit = limit
        self.buf = None

    def transfer(self, buf):
        if buf.nbytes > self.limit:
            raise RuntimeError(f"fake DMA: transfer of {buf.nbytes} bytes exceeds the length register "
                               f"({self.limit} bytes)")
        self.buf = buf


class SendChannel(Channel):
    def wait(self):
        req = f"{self.dma.folder}/{self.dma.tag}req_{self.dma.transfers}.npy"
        np.save(req, np.asarray(self.buf, dtype=np.uint8))
        self.dma.transfers += 1
        print(self.dma.tag.upper() + "REQ " + req, flush=True)
        reply = sys.stdin.readline().split()
        if reply[:1] != ["OK"]:
            raise RuntimeError("fake DMA: hardware model failed: " + " ".join(reply))
        self.buf = None
        if self.dma.tag:  # the weight-load DMA has no receive side
            return
        data = np.load(reply[1])
        self.dma.pending.extend(zip(list(data["words"]), list(data["last"])))


class RecvChannel(Channel):
    def wait(self):
        wb = self.dma.word_bytes
        nwords = self.buf.nbytes // wb
        out = np.asarray(self.buf).reshape(nwords, wb)
        for i in range(nwords):
            if not self.dma.pending:
                raise RuntimeError("fake DMA: S2MM hangs: stream ended without tlast")
            word, last = self.dma.pending.pop(0)
            out[i] = word
            if last:
                self.dma.received.append(i + 1)
                return
        raise RuntimeError(f"fake DMA: S2MM buffer ({nwords} words) full before tlast")


class FakeDMA:
    def __init__(self, folder, length_width, word_bytes, tag=""):
        limit = (1 << length_width) - 1
        self.tag = tag  # "" the stream DMA, "w" the weight-load DMA
        self.folder = folder
        self.word_bytes = word_bytes
        self.transfers = 0
        self.pending = []
        self.received = []
        self.sendchannel = SendChannel(self, limit)
        self.recvchannel = RecvChannel(self, limit)


class FakeOverlay:
    def __init__(self, dma, weight_dma=None):
        self.axi_dma_0 = dma
        if weight_dma is not None:
            self.axi_dma_1 = weight_dma


def allocate(shape, dtype):
    return np.zeros(shape, dtype=dtype)


def main():
    with open(sys.argv[1]) as f:
        args = json.load(f)
    sys.path.insert(0, args["driver_dir"])
    import hwgen_driver

    spec = hwgen_driver.load_spec()
    if args.get("spec_length_width"):
        spec["dma"]["length_width"] = args["spec_length_width"]
    dma = FakeDMA(args["folder"], args["length_width"], -(-spec["dma"]["bits"] // 8))
    wdma = None
    if spec.get("weight_load"):
        wdma = FakeDMA(args["folder"], args["length_width"], spec["weight_load"]["dma_bits"] // 8,
                       tag="w")
    acc = hwgen_driver.Accelerator(overlay=FakeOverlay(dma, wdma), allocate=allocate, spec=spec)
    x = np.load(args["input"])
    y = acc.execute(x, batch=args.get("batch"))
    h = acc.run_hw(acc.host.prologue(x), batch=args.get("batch"))
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    np.savez(args["output"], y=y, h=h, received=np.array(dma.received),
             leftover=np.array(len(dma.pending)), transfers=np.array(dma.transfers),
             weight_transfers=np.array(wdma.transfers if wdma else 0))
    print("DONE " + json.dumps(leaked), flush=True)


if __name__ == "__main__":
    main()
