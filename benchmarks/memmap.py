"""Training on a memmap larger than you would like to copy: how much memory does ``fit`` take?

``net.fit(memmap, y, epochs=1, batch_size=256)`` promises to read a NumPy memmap batch by batch
and never copy it whole. This script checks the promise: it writes a float32 memmap of
``--rows`` × ``--features`` (1,000,000 × 512 = 2 GB by default; fewer rows when the disk is
short) to a temporary ``.npy`` file, then trains a small MLP on it for one epoch **in a fresh
subprocess**, so nothing the parent did (writing the file) is counted, and reports what the
training took above the model:

- ``numpy + Python peak``: the peak of every allocation NumPy and Python make during ``fit``
  (``tracemalloc``, which NumPy reports its buffers to): the copies ``fit`` makes, exactly;
- ``anonymous RSS peak``: the process's private resident memory (``RssAnon`` in
  ``/proc/self/status``, Linux only), sampled every few milliseconds during ``fit``, minus
  what it was before: the same, seen by the operating system, allocator slack included;
- ``peak RSS``: the peak resident set (``VmHWM``; ``ru_maxrss`` off Linux, where it is not
  inherited across ``exec`` as Linux's is). It also counts the
  memmap's file pages, which the kernel maps in as they are read and can drop at any time
  (they are clean page cache, not memory the process owns), so it grows with the file; it is
  shown for completeness, not as the measure.

The target is a peak under 300 MB above the model. The file is deleted afterwards.

Usage::

    python benchmarks/memmap.py                     # 1,000,000 x 512 float32 (2 GB)
    python benchmarks/memmap.py --rows 200000       # 410 MB, quicker
    python benchmarks/memmap.py --dir /scratch --batch-size 1024
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TARGET_MB = 300.0
HIDDEN, CLASSES = 64, 10


def import_neuronet() -> Any:
    """neuronet from the environment, else from this checkout's ``src/``."""
    try:
        import neuronet
    except ImportError:
        sys.path.insert(0, str(REPO / "src"))
        import neuronet
    return neuronet


def machine() -> str:
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"
    )


def fitting_rows(rows: int, features: int, directory: str) -> int:
    """``rows``, or fewer so that the file takes at most half the free disk space."""
    free = shutil.disk_usage(directory).free
    most = int(free // 2 // (features * 4 + 8))
    return max(1, min(rows, most))


def write_data(path: Path, rows: int, features: int, seed: int = 0) -> Path:
    """A float32 .npy memmap of standard-normal rows, and int64 labels from a linear teacher.

    Written in chunks, so the parent never holds more than one chunk either.
    """
    rng = np.random.default_rng(seed)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, features))
    teacher = rng.normal(size=(features, CLASSES)).astype(np.float32)
    y = np.empty(rows, dtype=np.int64)
    chunk = 50_000
    for start in range(0, rows, chunk):
        block = rng.standard_normal((min(chunk, rows - start), features), dtype=np.float32)
        X[start : start + len(block)] = block
        y[start : start + len(block)] = (block @ teacher).argmax(axis=1)
    X.flush()
    del X
    labels = path.with_suffix(".labels.npy")
    np.save(labels, y)
    return labels


def status_kb(field: str) -> int | None:
    """A memory figure from ``/proc/self/status`` in kB (Linux), else None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_anon_kb() -> int | None:
    """The process's private resident memory in kB (Linux), else None."""
    return status_kb("RssAnon")


def peak_rss_kb() -> int:
    """The peak resident set of this process image in kB.

    ``VmHWM`` where Linux has it: ``getrusage``'s ``ru_maxrss`` survives ``exec`` on Linux, so
    in a subprocess it would start at the parent's peak (which wrote the whole file).
    """
    hwm = status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class PeakSampler:
    """Samples ``RssAnon`` every ``interval`` seconds in a thread; ``peak`` is the highest."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval, self.peak = interval, rss_anon_kb() or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_anon_kb() or 0)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_anon_kb() or 0)


def child(data: str, labels: str, batch_size: int) -> dict[str, Any]:
    """Train one epoch on the memmap in this (fresh) process; return the measurements."""
    neuronet = import_neuronet()
    X = np.load(data, mmap_mode="r")
    y = np.load(labels)
    net = neuronet.MLP([X.shape[1], HIDDEN, CLASSES], output="softmax", seed=0)
    # A first fit on a few in-memory rows, unmeasured: what a process pays once (imports,
    # and numba's loading and compiling, about 40 MB of code and tables, if it is installed)
    # is not something fit copies from the data.
    warm = neuronet.MLP([X.shape[1], HIDDEN, CLASSES], output="softmax", seed=0)
    warm.fit(np.array(X[: 2 * batch_size]), y[: 2 * batch_size], batch_size=batch_size, verbose=0)
    del warm
    # Everything the model is, and y, are in memory now: the baseline.
    maxrss_before = peak_rss_kb()
    anon_before = rss_anon_kb() or 0
    tracemalloc.start()
    start = time.perf_counter()
    with PeakSampler() as sampler:
        history = net.fit(X, y, epochs=1, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_after = peak_rss_kb()
    return {
        "rows": int(X.shape[0]),
        "features": int(X.shape[1]),
        "file_mb": os.path.getsize(data) / 1e6,
        "model_mb": (net.parameters.nbytes + net.gradients.nbytes) / 1e6,
        "labels_mb": y.nbytes / 1e6,
        "traced_peak_mb": traced_peak / 1e6,
        "anon_before_mb": anon_before / 1e3,
        "anon_peak_above_mb": (sampler.peak - anon_before) / 1e3,
        "maxrss_before_mb": maxrss_before / 1e3,
        "maxrss_after_mb": maxrss_after / 1e3,
        "seconds": seconds,
        "loss": history["loss"][-1],
        "accuracy": history["accuracy"][-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the file goes")
    parser.add_argument("--json", help="also write the measurements here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, batch_size=args.batch_size)))
        return

    rows = fitting_rows(args.rows, args.features, args.dir)
    if rows < args.rows:
        print(f"Not enough free disk in {args.dir}: {rows:,} rows instead of {args.rows:,}.")
    workdir = Path(tempfile.mkdtemp(prefix="neuronet-memmap-", dir=args.dir))
    try:
        data = workdir / "X.npy"
        start = time.perf_counter()
        labels = write_data(data, rows, args.features)
        written = time.perf_counter() - start
        command = [sys.executable, __file__, "--batch-size", str(args.batch_size)]
        out = subprocess.run(
            [*command, "--child", str(data), str(labels)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    peak = max(result["traced_peak_mb"], result["anon_peak_above_mb"])
    print(f"machine: {machine()}")
    print(
        f"data: {result['rows']:,} x {result['features']} float32 memmap, "
        f"{result['file_mb']:,.0f} MB on disk (written in {written:.1f} s); labels "
        f"{result['labels_mb']:.1f} MB in memory"
    )
    print(
        f"model: MLP [{result['features']}, {HIDDEN}, {CLASSES}], parameters + gradients "
        f"{result['model_mb']:.2f} MB; one epoch, batch size {args.batch_size}, "
        f"{result['seconds']:.1f} s, loss {result['loss']:.4f}, accuracy "
        f"{result['accuracy']:.3f}"
    )
    print(f"numpy + Python peak during fit:   {result['traced_peak_mb']:8.1f} MB")
    print(f"anonymous RSS peak above before:  {result['anon_peak_above_mb']:8.1f} MB")
    print(
        f"peak RSS (VmHWM) before / after:  {result['maxrss_before_mb']:8.1f} / "
        f"{result['maxrss_after_mb']:.1f} MB (counts the memmap's file pages)"
    )
    verdict = "under" if peak < TARGET_MB else "OVER"
    print(f"peak above the model: {peak:.1f} MB, {verdict} the {TARGET_MB:g} MB target")
    if args.json:
        Path(args.json).write_text(json.dumps({**result, "machine": machine()}, indent=2))
    if peak >= TARGET_MB:
        sys.exit(1)


if __name__ == "__main__":
    main()
