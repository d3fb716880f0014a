"""What a diagnostics Monitor costs: training with and without it, in one process.

The workload is the one ``run.py`` uses: a 784 → 256 → 128 → 10 ReLU network with softmax and
cross-entropy, Adam lr 1e-3, float32, on synthetic standard-normal data labelled by a random
linear teacher. Each repeat trains two fresh networks from the same seed for a few epochs, one
with ``callbacks=[Monitor(X, y)]`` at its default settings (every epoch, 256 samples, gradients
included) and one without, in alternating order, so drifts in the machine's speed (turbo, other
load) hit both alike. The report gives the median time of each, the median of the per-repeat
ratios, the Monitor's cost per measured epoch, and the machine. That cost is fixed (three passes
over 256 rows), so its share of the training time shrinks as the epoch grows.

It also checks what the Monitor promises: the two networks end with bit-identical weights.

Usage::

    python benchmarks/monitor.py                       # 10,000 samples, 3 epochs, 5 repeats
    python benchmarks/monitor.py --samples 60000 --epochs 2 --repeats 3 --batch-size 128
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SIZES = [784, 256, 128, 10]


def import_neuronet() -> Any:
    """neuronet from the environment, else from this checkout's ``src/``."""
    try:
        import neuronet
    except ImportError:
        sys.path.insert(0, str(REPO / "src"))
        import neuronet
    return neuronet


def machine() -> list[str]:
    """Platform, CPU, core count and NumPy's BLAS, one fact a line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        f"platform  {platform.platform()}, Python {platform.python_version()}",
        f"cpu       {cpu}, {os.cpu_count()} logical cores",
    ]
    try:
        import threadpoolctl

        pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        blas = ", ".join(
            f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)" for p in pools
        )
    except ImportError:
        try:
            config = np.show_config(mode="dicts")  # NumPy >= 1.26
            info = config["Build Dependencies"]["blas"]  # type: ignore[index]
            blas = f"{info['name']} {info.get('version', '')} (threadpoolctl not installed)"
        except Exception:  # older NumPy: no dict form
            blas = "unknown (pip install threadpoolctl)"
    lines.append(f"numpy     {np.__version__}, BLAS {blas}")
    return lines


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, SIZES[0]), dtype=np.float32)
    teacher = rng.standard_normal((SIZES[0], SIZES[-1]), dtype=np.float32)
    return X, np.argmax(X @ teacher, axis=1)


def train(
    neuronet: Any, X: np.ndarray, y: np.ndarray, args: argparse.Namespace, monitor: bool
) -> tuple[float, np.ndarray]:
    """Seconds to train a fresh network, and its final weights."""
    net = neuronet.MLP(SIZES, activation="relu", output="softmax", seed=0)
    callbacks = [neuronet.diagnostics.Monitor(X, y)] if monitor else []
    gc.collect()
    start = time.perf_counter()
    net.fit(
        X,
        y,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer="adam",
        lr=1e-3,
        callbacks=callbacks,
        verbose=0,
    )
    return time.perf_counter() - start, net.parameters.copy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    neuronet = import_neuronet()
    X, y = data(args.samples)
    # One untimed epoch of each first: BLAS thread pools, page faults, imports.
    warm_up = argparse.Namespace(**{**vars(args), "epochs": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", neuronet.diagnostics.DiagnosticWarning)
        train(neuronet, X, y, warm_up, True)
        train(neuronet, X, y, warm_up, False)

    plain, monitored, ratios = [], [], []
    identical = True
    with warnings.catch_warnings():
        # A random-data network may well trip a finding; the timing is what matters here.
        warnings.simplefilter("ignore", neuronet.diagnostics.DiagnosticWarning)
        for repeat in range(args.repeats):
            order = (False, True) if repeat % 2 == 0 else (True, False)
            times: dict[bool, float] = {}
            weights: dict[bool, np.ndarray] = {}
            for monitor in order:
                times[monitor], weights[monitor] = train(neuronet, X, y, args, monitor)
            plain.append(times[False])
            monitored.append(times[True])
            ratios.append(times[True] / times[False])
            identical &= bool(np.array_equal(weights[False], weights[True]))

    overhead = statistics.median(ratios) - 1.0
    differences = [with_ - without for with_, without in zip(monitored, plain, strict=True)]
    per_epoch_ms = 1e3 * statistics.median(differences) / args.epochs
    print("Monitor overhead (neuronet.diagnostics.Monitor at its defaults)")
    print("\n".join(machine()))
    print(
        f"workload  MLP {' → '.join(map(str, SIZES))}, relu, adam, float32; {args.samples:,} "
        f"samples, batch {args.batch_size}, {args.epochs} epochs; {args.repeats} interleaved "
        f"repeats"
    )
    print(f"without   {statistics.median(plain):.3f} s (median; all: {_list(plain)})")
    print(f"with      {statistics.median(monitored):.3f} s (median; all: {_list(monitored)})")
    print(
        f"ratio     {statistics.median(ratios):.4f} (median of per-repeat ratios; "
        f"all: {', '.join(f'{r:.3f}' for r in ratios)})"
    )
    print(
        f"overhead  {100 * overhead:+.1f} % of training time; {per_epoch_ms:.1f} ms per measured "
        f"epoch (median of per-repeat differences), a fixed cost: a smaller epoch pays a larger "
        f"share, so measure every=k epochs there"
    )
    print(f"weights   {'bit-identical' if identical else 'DIFFERENT'} with and without")
    if not identical:
        sys.exit(1)


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    main()
