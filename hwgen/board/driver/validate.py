"""Measure a hwgen design on the board: MNIST accuracy and throughput.

Run on the board, from the deploy folder (``sudo`` because PYNQ maps the DMA)::

    sudo python3 validate.py --mnist /path/to/mnist [--bit hwgen_accel.bit] [--batch 1000]

``--mnist`` is a folder holding t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz].
Images are reshaped to the model's ONNX input shape; a model with an integer input (UINT8
pixels) gets the raw pixels, any other model gets pixels / 255 as float32.
Python 3.8 syntax; numpy and (on the board) pynq only.
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def model_inputs(images, spec):
    """MNIST images (N, 28, 28) uint8 -> the model's ONNX input batch."""
    shape = tuple(spec["input"]["onnx_shape"][1:])
    x = images.reshape((len(images),) + shape)
    if spec["prologue"]["kind"] == "quant":
        return x.astype(np.float32) / np.float32(255)
    return x


def predictions(y):
    y = np.asarray(y)
    return y.reshape(len(y)) if y.size == len(y) else np.argmax(y.reshape(len(y), -1), axis=-1)


def main(argv=None):
    sys.path.insert(0, HERE)
    from hwgen_driver import Accelerator
    from hwgen_driver.idx import find_mnist_test

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mnist", required=True, help="folder with the MNIST test IDX files")
    p.add_argument("--bit", default=os.path.join(HERE, "hwgen_accel.bit"))
    p.add_argument("--batch", type=int, default=None, help="frames per DMA transfer")
    p.add_argument("--count", type=int, default=None, help="use only the first N images")
    args = p.parse_args(argv)

    try:
        images, labels = find_mnist_test(args.mnist)
    except (OSError, ValueError) as exc:
        raise SystemExit(str(exc)) from exc
    images, labels = images[:args.count], labels[:args.count]
    acc = Accelerator(args.bit)
    x = model_inputs(images, acc.spec)
    t0 = time.perf_counter()
    y = acc.execute(x, batch=args.batch)
    dt = time.perf_counter() - t0
    correct = int((predictions(y) == labels).sum())
    print(f"accuracy: {correct}/{len(labels)} = {100.0 * correct / len(labels):.2f} %")
    print(f"end to end (prologue, packing, DMA, epilogue): {len(x) / dt:,.0f} frames/s")
    fps = acc.throughput(x, batch=args.batch)
    print("hardware path (packing + DMA): {:,.0f} frames/s; design estimate {:,.0f} frames/s at "
          "{} MHz".format(fps, acc.spec.get("fps_estimate", 0.0), acc.spec["clock_mhz"]))
    acc.free()
    return 0


if __name__ == "__main__":
    sys.exit(main())
