"""``hwgen sim`` subcommand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from hwgen.errors import HwgenError

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sim", help="co-simulate a built design in Verilator against the golden model",
                       description="Stream inputs through the RTL of a build folder (Verilator), "
                       "compare every output bit for bit with the golden executor and with QONNX.")
    p.add_argument("out", help="build folder written by 'hwgen build'")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--inputs", help=".npy shaped like the model input, batch first")
    src.add_argument("--mnist", metavar="DIR", help="folder with the MNIST IDX files (test set)")
    src.add_argument("--dataset", metavar="example:NAME",
                     help="a data set bundled with hwgen: example:mnist (the first 1,000 MNIST "
                          "test images with labels)")
    p.add_argument("--count", type=int, default=1000,
                   help="images with --mnist or --dataset (default 1000)")
    p.add_argument("--labels", help=".npy of labels for --inputs (accuracy)")
    p.add_argument("--outputs", help="write the outputs (epilogue applied) to this .npy")
    p.add_argument("--backpressure", action="store_true",
                   help="random idle input cycles and output stalls (seeded)")
    p.add_argument("--seed", type=int, default=1, help="seed of the idle/stall pattern")
    p.add_argument("--waves", action="store_true", help="dump a VCD waveform to OUT/sim/<level>_run/dump.vcd")
    p.add_argument("--level", choices=("core", "accel"), default="core",
                   help="core: native-width pipeline; accel: the DMA-width top (I/O-bound)")
    p.add_argument("--qonnx-check", type=int, default=1000, metavar="N",
                   help="also run QONNX's execute_onnx on the first N frames (0: skip)")
    p.add_argument("--hls", action="store_true",
                   help="run the g++ C simulation of OUT/hls instead (build with --backend hls)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import hwgen
    from hwgen.outdir import require_build_folder
    from hwgen.simulate.job import mnist_inputs, qonnx_summary, run_job

    out = require_build_folder(args.out)
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    _check_options(args)
    labels, graph = None, None
    if args.mnist or args.dataset:
        graph = hwgen.load(out / "model.onnx")
        x, labels = mnist_inputs(graph, args.mnist or args.dataset, args.count)
    else:
        x = _load_npy(args.inputs, "--inputs", "inputs shaped like the model input, batch first")
        if x.ndim == 0 or len(x) == 0:
            raise HwgenError(f"--inputs {args.inputs} holds no frames (shape {x.shape})",
                             hint="give at least one frame, batch first")
        if args.labels:
            labels = _labels(args.labels, len(x))
    if args.hls:
        from hwgen.hls.csim import cli_run

        return cli_run(out, x, say, outputs=args.outputs, qonnx_check=args.qonnx_check)
    say(f"simulating {len(x)} frames through {out / 'rtl'} ({args.level} level) ...")
    job = run_job(out, x, labels=labels, level=args.level, backpressure=args.backpressure,
                  seed=args.seed, waves=args.waves, qonnx_check=args.qonnx_check, progress=say,
                  graph=graph)
    r = job.results
    if args.outputs:
        np.save(args.outputs, job.outputs)
    print(f"frames            {r['frames']}")
    print(f"mismatches        {r['mismatches']} (RTL vs golden executor, bit for bit)")
    for d in r["mismatch_details"]:
        print(f"  frame {d['frame']}: {d['output']} elements {d['elements']}: expected "
              f"{d['expected']} got {d['got']}")
    if "accuracy_rtl" in r:
        print(f"accuracy          RTL {100 * r['accuracy_rtl']:.2f} %, golden "
              f"{100 * r['accuracy_golden']:.2f} %")
    if "qonnx_frames" in r:
        print(qonnx_summary(r)[0])
    clock = r["clock_mhz"]
    print(f"latency           {r['latency_cycles']} cycles = {r['latency_us']:.2f} us at "
          f"{clock:g} MHz")
    if "measured_fps" in r:
        print(f"interval          {r['interval_cycles']:g} cycles/frame measured, "
              f"{r['analytic_interval_cycles']} analytic (ratio {r['interval_ratio']:.2f}) -> "
              f"{r['measured_fps']:,.0f} frames/s at {clock:g} MHz")
    if r.get("sim_cycles_per_s"):
        print(f"simulation speed  {r['sim_cycles_per_s']:,.0f} cycles/s "
              f"({r['simulated_cycles']:,} cycles in {r['sim_run_s']:.1f} s; Verilator "
              f"compile not counted)")
    print(f"results           {out / 'sim' / 'results.json'}")
    if args.waves:
        print(f"waveform          {out / 'sim' / f'{args.level}_run' / 'dump.vcd'}")
    if r["mismatches"] or not r["tlast_ok"]:
        print("hwgen: error: the RTL does not match the golden model", file=sys.stderr)
        return 1
    if "qonnx_frames" in r and qonnx_summary(r)[1]:
        print(qonnx_summary(r)[1], file=sys.stderr)
        return 1
    return 0


def _check_options(args: argparse.Namespace) -> None:
    """Option values argparse cannot check: one-line errors before any work."""
    if args.labels and not args.inputs:
        raise HwgenError("--labels goes with --inputs (--mnist reads its own labels)")
    if args.mnist and not Path(args.mnist).is_dir():
        raise HwgenError(f"--mnist folder {args.mnist} does not exist",
                         hint="--mnist takes the folder holding the MNIST test set IDX files "
                              "(t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])")
    if args.count < 1:
        raise HwgenError(f"--count must be at least 1, not {args.count}")
    if args.qonnx_check < 0:
        raise HwgenError(f"--qonnx-check must be 0 (skip) or a number of frames, not "
                         f"{args.qonnx_check}")
    if args.outputs:
        dest = Path(args.outputs)
        if dest.is_dir():
            raise HwgenError(f"--outputs {dest} is a folder; give a .npy file name")
        if not dest.parent.is_dir():
            raise HwgenError(f"--outputs {dest}: folder {dest.parent} does not exist")


def _load_npy(path: str, option: str, what: str) -> np.ndarray:
    """A numeric .npy array, or a one-line error naming the option and what it takes."""
    if not Path(path).is_file():
        raise HwgenError(f"{option} file {path} does not exist", hint=f"{option} takes a .npy of "
                         f"{what}")
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise HwgenError(f"cannot read {option} {path} as a .npy array: {exc}",
                         hint=f"{option} takes a .npy of {what}") from exc
    if not isinstance(x, np.ndarray) or not (np.issubdtype(x.dtype, np.number)
                                             or x.dtype == np.bool_):
        raise HwgenError(f"{option} {path} must hold numbers, not {getattr(x, 'dtype', type(x))}",
                         hint=f"{option} takes a .npy of {what}")
    return x


def _labels(path: str, frames: int) -> np.ndarray:
    """Integer class labels, one per input frame."""
    y = _load_npy(path, "--labels", f"{frames} integer class labels")
    y = y.reshape(-1)
    if len(y) != frames:
        raise HwgenError(f"--labels {path} holds {len(y)} labels for {frames} input frames",
                         hint="give one label per frame of --inputs")
    if not np.all(np.isfinite(y)) or not np.array_equal(y, np.round(y)):
        raise HwgenError(f"--labels {path} must hold integer class labels",
                         hint="give one label per frame of --inputs")
    return y.astype(np.int64)
