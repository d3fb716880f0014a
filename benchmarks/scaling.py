"""Training throughput as the network grows wider and deeper: neuronet, PyTorch, the GEMM bound.

``run.py`` measures one network (784 -> 256 -> 128 -> 10). Whether neuronet stays ahead of
PyTorch on larger ones is a separate question: as the matrices grow, the matrix products
take a larger share of every step, per-call overheads a smaller one, and the speed of the two
libraries' BLAS decides. This script measures training samples/s for

- **width**: 784 -> w -> w -> 10 with w = 64, 128, 256, 512, 1024, 2048;
- **depth**: 784 -> 256 x d -> 10 with d = 1 ... 8 hidden layers;

at batch 128 and 32 (``--batches``), with the competitors of ``run.py``, imported from it so
the work is the same: neuronet's ``fit`` (Adam lr 1e-3, shuffle=False), PyTorch's plain
eager loop (``torch.optim.Adam``, ``F.cross_entropy``) from the same initial weights and in
the same batch order, and the **matrix-product bound** -- the forward and backward GEMMs of
each step alone, into preallocated outputs, with NumPy (``run.GemmBound``), the ceiling for
any implementation on NumPy's BLAS.

The data: ``--samples`` (20,000) rows of standard-normal float32 with random labels (10
classes); throughput does not depend on the values. ReLU, softmax + cross-entropy. Each
figure is the best of ``--repeats`` (3) epochs, the competitors interleaved in a new shuffled
order each repeat, a fresh model each time (built untimed), after a warm-up on two batches.
BLAS threads are set with threadpoolctl, PyTorch's with ``torch.set_num_threads``, the same
count for both.

Usage::

    python benchmarks/scaling.py                      # full run: several minutes on 2 cores
    python benchmarks/scaling.py --quick              # 3 widths, 3 depths, 2,048 samples
    python benchmarks/scaling.py --batches 128 --json scaling.json --markdown scaling.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from _report import Report
from _report import environment as describe_environment
from run import (
    Competitor,
    GemmBound,
    Neuronet,
    OtherLoad,
    Torch,
    blas_threads,
    environment,
    import_neuronet,
    initial_parameters,
    numpy_blas,
    time_fit,
)

N_IN, N_CLASSES = 784, 10
WIDTHS = [64, 128, 256, 512, 1024, 2048]
DEPTHS = [1, 2, 3, 4, 5, 6, 7, 8]
DEPTH_WIDTH = 256


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def random_data(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, N_IN), dtype=np.float32)
    return x, rng.integers(0, N_CLASSES, n_samples).astype(np.int64)


def shapes(widths: list[int], depths: list[int]) -> dict[str, dict[str, list[int]]]:
    """The layer sizes of every network measured, by table and row label."""
    return {
        "width": {str(w): [N_IN, w, w, N_CLASSES] for w in widths},
        "depth": {str(d): [N_IN, *[DEPTH_WIDTH] * d, N_CLASSES] for d in depths},
    }


def measure(
    comps: list[Competitor],
    params: Any,
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    repeats: int,
    order_rng: np.random.Generator,
) -> dict[str, float]:
    """Best samples/s of one epoch for each competitor, repeats interleaved."""
    n_warm = min(len(x), 2 * batch_size)
    for comp in comps:
        comp.fit(comp.build(params), x[:n_warm], y[:n_warm], batch_size, 1)
    best = {comp.key: float("inf") for comp in comps}
    for r in range(repeats):
        order = order_rng.permutation(len(comps)) if r else range(len(comps))
        for comp in (comps[i] for i in order):
            best[comp.key] = min(best[comp.key], time_fit(comp, params, x, y, batch_size))
    return {key: len(x) / seconds for key, seconds in best.items()}


def render(results: dict[str, Any]) -> Report:
    out = Report()
    describe_environment(out, results)
    cfg = results["config"]
    labels = results["competitors"]
    for batch, tables in results["scaling"].items():
        for kind, rows_by_label in tables.items():
            rows, crossings = [], []
            previous = None
            for label, res in rows_by_label.items():
                nn, pt, bound = res.get("neuronet"), res.get("torch"), res.get("bound")
                row = [label, f"{res['parameters']:,}"]
                row.append(f"{nn:,.0f}/s" if nn else "-")
                if pt:
                    row.append(f"{pt:,.0f}/s" + (f" ({nn / pt:.2f}x)" if nn else ""))
                if bound:
                    row.append(f"{bound:,.0f}/s")
                    row.append(f"{nn / bound:.0%}" if nn else "-")
                    if pt:
                        row.append(f"{pt / bound:.0%}")
                rows.append(row)
                if nn and pt:
                    ahead = nn >= pt
                    if previous is not None and ahead != previous:
                        crossings.append((label, ahead))
                    previous = ahead
            headers = [
                "hidden width" if kind == "width" else "hidden layers",
                "parameters",
                "neuronet",
            ]
            headers += [labels["torch"]] if "torch" in labels else []
            if "bound" in labels:
                headers += ["matmul bound", "neuronet / bound"]
                headers += ["PyTorch / bound"] if "torch" in labels else []
            what = (
                f"{N_IN} -> w -> w -> {N_CLASSES}"
                if kind == "width"
                else f"{N_IN} -> {DEPTH_WIDTH} x d -> {N_CLASSES}"
            )
            out.table(
                f"Scaling with {kind}: {what}, batch {batch}, {cfg['samples']:,} samples "
                f"float32, Adam lr 1e-3; training samples/s, best of {cfg['repeats']}",
                headers,
                rows,
                "(k.kkx) = neuronet speed / PyTorch speed: above 1 neuronet is faster. "
                "x / bound: share of the speed of the matrix products alone.",
            )
            if previous is not None:
                if not crossings:
                    who = "neuronet" if previous else "PyTorch"
                    out.line(f"- No crossover: {who} is faster at every {kind} (batch {batch}).")
                for label, ahead in crossings:
                    who = "neuronet" if ahead else "PyTorch"
                    out.line(
                        f"- Crossover at {kind} {label} (batch {batch}): {who} faster from there."
                    )
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 widths, 3 depths, 2,048 samples")
    parser.add_argument("--samples", type=int, help="training samples (20000; quick 2048)")
    parser.add_argument("--batches", type=int, nargs="+", default=[128, 32], help="(128 32)")
    parser.add_argument("--widths", type=int, nargs="+", help=f"hidden widths ({WIDTHS})")
    parser.add_argument("--depths", type=int, nargs="+", help=f"hidden layers ({DEPTHS})")
    parser.add_argument("--repeats", type=int, help="timed epochs per case (3; quick 1)")
    parser.add_argument("--threads", type=int, help="BLAS and torch threads (BLAS default)")
    parser.add_argument("--skip", nargs="+", default=[], choices=["torch", "bound"])
    parser.add_argument("--seed", type=int, default=0, help="seed of data and weights")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write Markdown")
    parser.add_argument("--from-json", type=Path, metavar="PATH", help="re-render a --json file")
    args = parser.parse_args(argv)
    args.samples = args.samples or (2048 if args.quick else 20_000)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.widths = args.widths or ([64, 256, 1024] if args.quick else WIDTHS)
    args.depths = args.depths or ([1, 4, 8] if args.quick else DEPTHS)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = json.loads(args.from_json.read_text()) if args.from_json else run(args)
    out = render(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.markdown is not None:
        args.markdown.write_text("\n".join(out.markdown).strip() + "\n")
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    blas = numpy_blas()  # before torch loads its own BLAS
    neuronet = import_neuronet()
    if neuronet is None:
        raise SystemExit(1)
    torch = None
    if "torch" not in args.skip:
        try:
            import torch
        except ImportError as exc:
            print(f"PyTorch not installed: pip install torch==2.13.0 ({exc})")
    if args.threads is not None:
        import threadpoolctl

        threadpoolctl.threadpool_limits(args.threads, user_api="blas")
    threads = blas_threads(blas)
    comps: list[Competitor] = [Neuronet(neuronet)]
    if torch is not None:
        torch.set_num_threads(threads)
        comps.append(Torch(torch))
    if "bound" not in args.skip:
        comps.append(GemmBound())

    x, y = random_data(args.samples, args.seed)
    results: dict[str, Any] = {
        "environment": environment(blas, threads, {"neuronet": neuronet, "torch": torch}),
        "competitors": {comp.key: comp.label for comp in comps},
        "config": {
            "samples": args.samples,
            "batches": args.batches,
            "repeats": args.repeats,
            "seed": args.seed,
        },
        "scaling": {},
    }
    order_rng = np.random.default_rng(args.seed)
    with OtherLoad() as load:
        for batch in args.batches:
            tables: dict[str, dict[str, Any]] = {}
            for kind, networks in shapes(args.widths, args.depths).items():
                tables[kind] = {}
                for label, sizes in networks.items():
                    params = initial_parameters(neuronet, sizes, args.seed)
                    speeds = measure(comps, params, x, y, batch, args.repeats, order_rng)
                    n_params = sum(w.size + b.size for w, b in params)
                    tables[kind][label] = {"parameters": n_params, **speeds}
                    log(
                        f"  batch {batch:4d}  {kind} {label:>5s}  "
                        + "  ".join(f"{k} {v:10,.0f}/s" for k, v in speeds.items())
                    )
            results["scaling"][str(batch)] = tables
    results["environment"]["other_load_during_training"] = load.share
    return results


if __name__ == "__main__":
    sys.exit(main())
