"""neuronet's own prediction next to onnxruntime running the exported ONNX file.

One process builds the benchmark network of ``run.py`` (784 -> 256 -> 128 -> 10, ReLU, softmax,
float32), exports it with ``neuronet.onnx.export`` and times, at batch sizes 1, 32 and 1024,
side by side and interleaved:

1. ``net.predict_proba(X)``: neuronet (NumPy's BLAS), with its compiled kernels loaded
   (``neuronet.optimizers.use_numba(True)``, when numba is installed: what a serving process
   does; a process that has not loaded them predicts small batches on NumPy alone);
2. ``session.run(None, {"input": X})``: onnxruntime's CPU provider on the exported file, which
   returns the same probabilities (checked to 1e-5 before timing), with as many intra-op
   threads as NumPy's BLAS uses.

Each figure is the best of ``--repeats`` rounds (as ``run.py``: on a shared machine the
fastest round is the one least disturbed by other work), each a timed loop over enough calls
to last about 50 ms, after a 0.3 s pause that lets the other library's spinning threads go to
sleep; the ratio is neuronet's time over onnxruntime's (``2.0x``: onnxruntime
is twice as fast). Results depend on the machine, which the report names.

Usage::

    python benchmarks/onnx_predict.py
    python benchmarks/onnx_predict.py --batches 1 32 1024 --repeats 7 --markdown onnx.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _report import Report
from run import SETTLE_S, OtherLoad, blas_threads, cpu_model, import_neuronet, numpy_blas

SIZES = [784, 256, 128, 10]
TARGET_S = 0.05


def seconds_per_call(function: Any, X: np.ndarray, repeats: int) -> list[float]:
    """Seconds per call, one figure per round; each round loops for about TARGET_S."""
    function(X)  # warm up: first-call allocations, thread pools
    start = time.perf_counter()
    function(X)
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(TARGET_S / once))
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function(X)
        rounds.append((time.perf_counter() - start) / calls)
    return rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32, 1024])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Write the results here.")
    parser.add_argument("--markdown", type=Path, help="Write the report as Markdown here.")
    args = parser.parse_args(argv)

    blas = numpy_blas()  # before onnxruntime loads its own thread pool
    neuronet = import_neuronet()
    if neuronet is None:
        return 1
    try:
        import onnxruntime as ort

        import neuronet.onnx
    except ImportError as exc:
        print(f"onnx/onnxruntime not installed: pip install onnx onnxruntime ({exc})")
        return 1
    threads = blas_threads(blas)
    kernels = importlib.util.find_spec("numba") is not None
    if kernels:
        neuronet.optimizers.use_numba(True)
    net = neuronet.MLP(SIZES, activation="relu", output="softmax", seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.onnx")
        written = neuronet.onnx.export(net, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def onnxruntime_predict(X: np.ndarray) -> Any:
        return session.run(None, {"input": X})[0]

    rng = np.random.default_rng(0)
    results: dict[str, Any] = {
        "environment": {
            "cpu": cpu_model(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "blas": None if blas is None else f"{blas.get('internal_api')} {blas.get('version')}",
            "threads": threads,
            "onnxruntime": ort.__version__,
            "neuronet": neuronet.__version__,
            "opset": written.opset,
            "neuronet_kernels": kernels,
        },
        "batches": {},
    }
    for batch in args.batches:
        X = rng.standard_normal((batch, SIZES[0]), dtype=np.float32)
        np.testing.assert_allclose(onnxruntime_predict(X), net.predict_proba(X), atol=1e-5)
        own, other = [], []
        with OtherLoad() as load:
            for _ in range(args.repeats):  # interleaved, so drifts of the machine hit both
                time.sleep(SETTLE_S)
                own += seconds_per_call(net.predict_proba, X, 1)
                time.sleep(SETTLE_S)
                other += seconds_per_call(onnxruntime_predict, X, 1)
        results["batches"][batch] = {
            "neuronet_s": min(own),
            "onnxruntime_s": min(other),
            "neuronet_median_s": statistics.median(own),
            "onnxruntime_median_s": statistics.median(other),
            "other_load": load.share,
        }

    report = Report()
    env = results["environment"]
    report.line(
        f"neuronet predict_proba vs onnxruntime: {env['cpu']} ({env['cpu_count']} cores), "
        f"Python {env['python']}, NumPy {env['numpy']} ({env['blas']}), "
        f"onnxruntime {env['onnxruntime']}, {threads} thread(s) each; neuronet's compiled "
        f"kernels {'loaded' if env['neuronet_kernels'] else 'not installed (NumPy only)'}"
    )
    busy = [t["other_load"] for t in results["batches"].values() if t["other_load"] is not None]
    if busy and max(busy) > 0.1:
        report.line(
            f"Warning: other processes used up to {max(busy):.0%} of the CPUs while this ran; "
            f"the timings are unreliable. Rerun on a quiet machine."
        )
    rows = []
    for batch, times in results["batches"].items():
        own, other = times["neuronet_s"], times["onnxruntime_s"]
        rows.append(
            [
                str(batch),
                f"{own * 1e6:,.1f}",
                f"{other * 1e6:,.1f}",
                f"{own / other:.2f}x",
                f"{batch / own:,.0f}",
                f"{batch / other:,.0f}",
                "?" if times["other_load"] is None else f"{times['other_load']:.0%}",
            ]
        )
    report.table(
        f"Prediction, MLP {' -> '.join(map(str, SIZES))} float32 (ONNX opset {written.opset})",
        [
            "batch",
            "neuronet µs",
            "onnxruntime µs",
            "ratio",
            "neuronet samples/s",
            "onnxruntime samples/s",
            "other load",
        ],
        rows,
        caption="Best µs per call of the rounds; ratio = neuronet time / onnxruntime time; "
        "other load: the share of the CPUs other processes used meanwhile.",
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.markdown:
        args.markdown.write_text("\n".join(report.markdown) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
