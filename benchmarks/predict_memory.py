"""Does ``neuronet predict`` score a file larger than memory? Peak memory as the file grows.

``neuronet predict MODEL DATA -o OUT`` reads DATA in chunks of ``--chunk-rows`` rows, scores
each and appends it to OUT, so its memory should not depend on the size of DATA. This script
checks it: it trains a small model on a table with numeric and categorical columns and a
string label (in Python, as ``neuronet train`` would, preprocessing stored in the model file),
writes CSV files of about 10 MB, 100 MB and 1 GB of such rows to a temporary folder, and runs
``python -m neuronet predict`` on each **in a fresh subprocess**, reporting

- ``peak RSS``: the child's peak resident set size (``ru_maxrss`` of that one child, from
  ``os.wait4``), which includes the Python interpreter, NumPy, pandas and pyarrow themselves;
- ``time``: the wall-clock time of the run, and the rows scored per second.

The files are deleted afterwards. The 1 GB file takes a few minutes to write and to score on a
small machine.

Usage::

    python benchmarks/predict_memory.py                  # 10 MB, 100 MB and 1 GB
    python benchmarks/predict_memory.py --sizes 10,100   # quicker
    python benchmarks/predict_memory.py --dir /scratch --chunk-rows 16384 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def import_neuronet() -> Any:
    """neuronet from the environment, else from this checkout's ``src/``."""
    try:
        import neuronet
    except ImportError:
        sys.path.insert(0, str(REPO / "src"))
        import neuronet
    return neuronet


def cpu_model() -> str:
    """The CPU's model name (``lscpu``'s "Model name", from /proc/cpuinfo), else the platform's."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    import pandas as pd

    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, pandas {pd.__version__}"
    )


def rows(rng: np.random.Generator, n: int, start: int = 0) -> Any:
    """``n`` rows: an id, four numbers, two text categories, a boolean and a string label."""
    import pandas as pd

    x = rng.normal(size=(n, 4)).round(4)
    city = rng.choice(["paris", "lyon", "nantes", "lille", "nice"], n)
    plan = rng.choice(["free", "basic", "pro"], n)
    member = rng.random(n) < 0.4
    score = x[:, 0] - x[:, 1] + (plan == "pro") + 0.5 * member
    label = np.where(score > 1, "high", np.where(score > -0.5, "medium", "low"))
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "x4": x[:, 3],
            "city": city,
            "plan": plan,
            "member": member,
            "label": label,
        }
    )


def train(folder: Path) -> Path:
    """A small model trained on 5,000 rows, its preprocessing stored: what train would save."""
    neuronet = import_neuronet()
    from neuronet.cli.tabular import Preprocessor

    frame = rows(np.random.default_rng(0), 5_000).drop(columns=["id"])
    pre = Preprocessor.fit(frame, "label")
    net = neuronet.MLP(
        [pre.n_inputs, 32, 32, len(pre.classes)], "relu", "softmax", classes=pre.classes, seed=0
    )
    net.fit(pre.transform(frame), pre.encode_target(frame), epochs=5, verbose=0)
    path = folder / "model.safetensors"
    neuronet.io.save(net, path, sections={"preprocessing": pre.to_section()})
    return path


def write_csv(path: Path, megabytes: float, chunk: int = 200_000) -> int:
    """Append chunks of rows to ``path`` until it holds about ``megabytes`` MB; the row count."""
    rng = np.random.default_rng(1)
    target = megabytes * 1e6
    n = 0
    with path.open("w", newline="") as handle:
        while True:
            frame = rows(rng, chunk, n)
            text = frame.to_csv(index=False, header=n == 0)
            size = handle.tell()
            if size + len(text) > target:
                # The last chunk, cut to fit: ~ the requested size, whole rows.
                per_row = len(text) / chunk
                keep = max(1, int((target - size) / per_row))
                handle.write(frame.head(keep).to_csv(index=False, header=n == 0))
                return n + keep
            handle.write(text)
            n += chunk


def run_predict(model: Path, data: Path, out: Path, chunk_rows: int) -> dict[str, float]:
    """``python -m neuronet predict`` in a fresh process: its peak RSS (MB) and wall time."""
    command = [
        sys.executable,
        "-m",
        "neuronet",
        "predict",
        str(model),
        str(data),
        "-o",
        str(out),
        "--keep",
        "id",
        "--force",
        "--chunk-rows",
        str(chunk_rows),
    ]
    # The child imports the neuronet this script imported.
    here = str(Path(import_neuronet().__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        # os.wait4 gives this child's own resource usage (RUSAGE_CHILDREN would be the maximum
        # over every child waited for so far).
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            message = errors.read().decode().strip()
            raise SystemExit(f"neuronet predict failed on {data}: {message}")
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return {"peak_rss_mb": usage.ru_maxrss * scale / 1e6, "seconds": seconds}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="File sizes in MB, e.g. 10,100")
    parser.add_argument("--dir", default=None, help="Folder for the temporary files")
    parser.add_argument("--chunk-rows", type=int, default=65_536)
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here")
    args = parser.parse_args(argv)
    sizes = [float(size) for size in args.sizes.split(",")]

    results: dict[str, Any] = {"machine": machine(), "chunk_rows": args.chunk_rows, "runs": []}
    print(f"Machine: {results['machine']}")
    folder = Path(tempfile.mkdtemp(prefix="neuronet-predict-", dir=args.dir))
    try:
        model = train(folder)
        for megabytes in sizes:
            data = folder / f"data_{megabytes:g}MB.csv"
            n = write_csv(data, megabytes)
            size_mb = data.stat().st_size / 1e6
            measured = run_predict(model, data, folder / "scored.csv", args.chunk_rows)
            run = {
                "file_mb": size_mb,
                "rows": n,
                **measured,
                "rows_per_s": n / measured["seconds"],
            }
            results["runs"].append(run)
            print(
                f"{size_mb:8.1f} MB  {n:>12,} rows  peak RSS {run['peak_rss_mb']:7.1f} MB  "
                f"{run['seconds']:7.1f} s  {run['rows_per_s']:>10,.0f} rows/s",
                flush=True,
            )
            data.unlink()
            (folder / "scored.csv").unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print()
    print("| CSV file | rows | peak RSS | time | rows/s |")
    print("|---:|---:|---:|---:|---:|")
    for run in results["runs"]:
        print(
            f"| {run['file_mb']:,.0f} MB | {run['rows']:,} | {run['peak_rss_mb']:,.0f} MB "
            f"| {run['seconds']:,.1f} s | {run['rows_per_s']:,.0f} |"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
