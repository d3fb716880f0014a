"""Peak memory of ``fit`` against the budget of issue 9: data + 3 x parameters + 2 batches.

``net.fit(X, y)`` on 60,000 x 784 samples (784 -> 256 -> 128 -> 10, ReLU, softmax, Adam, the
defaults otherwise: shuffled, ``--epochs`` 2 epochs) should need little beyond the data: the
parameters with Adam's two moment buffers (3 x parameters) and the activations of about two
batches. This script measures it for batch 32, 128 and 512 in float32 and float64 (the data
made in the network's dtype, so that ``fit`` need not convert it), each configuration **in a
fresh subprocess** so that nothing one run allocated is counted in the next:

- ``RSS``: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` after ``fit`` minus the same figure
  after the imports, a warm-up ``fit`` on two batches (which loads everything ``fit`` imports
  lazily and compiles the optional numba kernels) and the creation of the data: what building
  the network and training it added to the peak resident memory, allocator slack included;
- ``tracemalloc``: the peak of the allocations NumPy and Python make while building the network
  and training it again, traced from zero (NumPy reports its buffers to tracemalloc): the
  memory ``fit`` asks for, exactly;
  the peak is split where the first epoch starts (a callback's ``on_train_begin`` reads it
  and calls ``tracemalloc.reset_peak``): **before training** (the network and ``fit``'s checks
  of the data) and **the training loop** (everything alive during the epochs, the network's
  own arrays included). The JSON also holds the tracemalloc peak of
  ``net.prepare(X, y, copy=False)`` alone (``input_check``), the check ``fit`` starts with.

The budget is computed exactly, in bytes:

- data = ``X.nbytes + y.nbytes`` (the labels are int64);
- parameters = ``net.n_parameters`` x itemsize (235,146 for this network);
- one batch of activations = batch x (784 + 256 + 128 + 10) x itemsize: the input batch and
  every layer's output, once;

and the data are already in the baseline, so the budget holds when the measured extra is at
most 3 x parameters + 2 batches of activations. The parent process imports nothing large, so
its own peak (which Linux carries over into a child's ``ru_maxrss``) stays below every child's
baseline.

Usage::

    python benchmarks/fit_memory.py                    # 6 configurations, about a minute
    python benchmarks/fit_memory.py --quick            # 6,000 samples
    python benchmarks/fit_memory.py --batches 128 --dtypes float32 --json memory.json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from _report import Report
from _report import environment as describe_environment
from run import blas_threads, environment, import_neuronet, numpy_blas

SIZES = [784, 256, 128, 10]
MB = 1e6


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The child: one configuration, measured in a fresh process
# ---------------------------------------------------------------------------------------------


def max_rss_bytes() -> int:
    """``getrusage``'s peak resident set of this process, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def status_bytes(field: str) -> int | None:
    """A figure from ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in bytes; None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``), if there.

    What the warm-up allocated and freed would otherwise stay resident, and ``fit`` would
    reuse it without raising the resident set: the RSS figure would then miss that memory.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def reset_high_water_mark() -> bool:
    """Reset ``VmHWM`` to the current resident set (Linux >= 4.0); whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def child(batch: int, dtype: str, samples: int, epochs: int, seed: int, threads: int | None):
    """Measure one configuration; print the results as one line of JSON."""
    neuronet = import_neuronet()
    if threads is not None:
        import threadpoolctl

        threadpoolctl.threadpool_limits(threads, user_api="blas")
    rng = np.random.default_rng(seed)

    def new_net() -> Any:
        return neuronet.MLP(SIZES, activation="relu", output="softmax", seed=seed, dtype=dtype)

    def train(net: Any, X: np.ndarray, y: np.ndarray, callbacks: Any = ()) -> None:
        net.fit(
            X, y, epochs=epochs, batch_size=batch, optimizer="adam", callbacks=callbacks, verbose=0
        )

    # Warm-up: lazy imports and compiled kernels load here, not during the measurement.
    X_warm = rng.standard_normal((2 * batch, SIZES[0])).astype(dtype)
    train(new_net(), X_warm, rng.integers(0, SIZES[-1], len(X_warm)))
    del X_warm
    gc.collect()
    release_free_memory()

    X = rng.standard_normal((samples, SIZES[0]), dtype=dtype)  # no temporary: made in place
    y = rng.integers(0, SIZES[-1], samples)
    gc.collect()
    release_free_memory()
    base_max_rss, base_rss = max_rss_bytes(), status_bytes("VmRSS")
    hwm_reset = reset_high_water_mark()

    net = new_net()
    train(net, X, y)
    peak_max_rss, peak_hwm = max_rss_bytes(), status_bytes("VmHWM")
    n_parameters = net.n_parameters
    del net
    gc.collect()

    class PeakProbe(neuronet.Callback):
        """Splits the traced peak at the start of the first epoch: what came before (the
        network, the input check) and the training loop itself."""

        def on_train_begin(self, net: Any) -> None:
            self.before = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()

    probe = PeakProbe()
    tracemalloc.start()
    net = new_net()
    train(net, X, y, [probe])
    loop_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    tracemalloc.start()
    net.prepare(X, y, copy=False)
    check_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    print(
        json.dumps(
            {
                "batch": batch,
                "dtype": dtype,
                "data_bytes": X.nbytes + y.nbytes,
                "n_parameters": n_parameters,
                "itemsize": X.itemsize,
                "rss_extra": peak_max_rss - base_max_rss,
                "baseline_max_rss": base_max_rss,
                "baseline_rss": base_rss,
                "hwm_extra": (
                    None
                    if not hwm_reset or peak_hwm is None or base_rss is None
                    else peak_hwm - base_rss
                ),
                "traced_extra": max(probe.before, loop_peak),
                "traced_before_training": probe.before,
                "traced_training_loop": loop_peak,
                "input_check": check_peak,
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# The parent: one child per configuration, then the table
# ---------------------------------------------------------------------------------------------


def budget(res: dict[str, Any]) -> dict[str, int]:
    """The issue's budget for one configuration, in bytes, and its parts."""
    params = res["n_parameters"] * res["itemsize"]
    activations = res["batch"] * sum(SIZES) * res["itemsize"]
    allowed = 3 * params + 2 * activations
    return {
        "parameters": params,
        "activations": activations,
        "allowed_extra": allowed,
        "total": res["data_bytes"] + allowed,
    }


def run_child(args: argparse.Namespace, batch: int, dtype: str) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(batch),
        dtype,
        "--samples",
        str(args.samples),
        "--epochs",
        str(args.epochs),
        "--seed",
        str(args.seed),
    ]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    # The child imports the neuronet this process imported.
    here = str(Path(import_neuronet().__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"batch {batch} {dtype} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render(results: dict[str, Any]) -> Report:
    out = Report()
    describe_environment(out, results)
    cfg = results["config"]
    rows, notes = [], []
    for res in results["runs"]:
        limit = budget(res)
        allowed = limit["allowed_extra"]
        measured = max(res["rss_extra"], res["traced_extra"])
        rows.append(
            [
                f"{res['batch']} {res['dtype']}",
                f"{res['data_bytes'] / MB:,.1f}",
                f"{allowed / MB:,.2f}",
                f"{res['rss_extra'] / MB:,.2f}",
                f"{res['traced_extra'] / MB:,.2f}",
                f"{res['traced_before_training'] / MB:,.2f}",
                f"{res['traced_training_loop'] / MB:,.2f}",
                f"{(res['data_bytes'] + measured) / MB:,.1f} / {limit['total'] / MB:,.1f}",
                " / ".join(
                    "yes" if extra <= allowed else "no"
                    for extra in (res["rss_extra"], res["traced_extra"])
                ),
                "yes" if res["traced_training_loop"] <= allowed else "no",
            ]
        )
        stale = res["baseline_max_rss"] - (res["baseline_rss"] or res["baseline_max_rss"])
        if stale > MB:
            notes.append(
                f"- {res['batch']} {res['dtype']}: the peak RSS before fit was {stale / MB:.1f} "
                f"MB above the resident set, so getrusage may under-count; the reset VmHWM "
                f"gives {res['hwm_extra'] / MB:.2f} MB."
            )
    first = results["runs"][0]
    out.table(
        f"Peak memory of fit: {cfg['samples']:,} x {SIZES[0]}, "
        f"{' -> '.join(map(str, SIZES))} ({first['n_parameters']:,} parameters), Adam, "
        f"{cfg['epochs']} epochs, shuffled; MB (10^6 bytes), one fresh process each",
        [
            "batch, dtype",
            "data",
            "allowed above data: 3P + 2A",
            "RSS above baseline",
            "tracemalloc: whole fit",
            "before training (network, input check)",
            "training loop",
            "data + larger / budget",
            "holds? RSS / tracemalloc",
            "holds? training loop",
        ],
        rows,
        "P = parameters x itemsize; A = one batch of activations = batch x (784 + 256 + 128 "
        "+ 10) x itemsize; data = X + int64 labels. RSS: getrusage max RSS after fit minus "
        "after imports, warm-up and data. tracemalloc: peak of NumPy/Python allocations while "
        "building the network and fitting, traced from zero, split at the first epoch's start "
        "(a callback's on_train_begin). 'data + larger': the data plus the larger of the "
        "whole-fit figures, against the budget data + 3P + 2A.",
    )
    for note in notes:
        out.line(note)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6,000 samples")
    parser.add_argument("--samples", type=int, help="training samples (60000; quick 6000)")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--epochs", type=int, default=2, help="epochs of each fit (2)")
    parser.add_argument("--threads", type=int, help="BLAS threads (BLAS default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write Markdown")
    parser.add_argument("--from-json", type=Path, metavar="PATH", help="re-render a --json file")
    parser.add_argument("--child", nargs=2, metavar=("BATCH", "DTYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.samples = args.samples or (6_000 if args.quick else 60_000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        batch, dtype = args.child
        child(int(batch), dtype, args.samples, args.epochs, args.seed, args.threads)
        return 0
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text())
    else:
        blas = numpy_blas()
        neuronet = import_neuronet()
        if neuronet is None:
            return 1
        if args.threads is not None:
            import threadpoolctl

            threadpoolctl.threadpool_limits(args.threads, user_api="blas")
        results = {
            "environment": environment(blas, blas_threads(blas), {"neuronet": neuronet}),
            "config": {"samples": args.samples, "epochs": args.epochs, "seed": args.seed},
            "runs": [],
        }
        for dtype in args.dtypes:
            for batch in args.batches:
                log(f"  batch {batch} {dtype}")
                results["runs"].append(run_child(args, batch, dtype))
    out = render(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.markdown is not None:
        args.markdown.write_text("\n".join(out.markdown).strip() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
