"""Turn the results of ``run.py`` into tables: on the terminal and, optionally, as Markdown.

Everything here reads only the results dictionary (the same one ``--json`` writes), so a
saved run can be re-rendered with ``run.py --from-json PATH [--markdown PATH]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Report:
    """Prints lines and tables, and keeps a Markdown copy of everything printed."""

    def __init__(self) -> None:
        self.markdown: list[str] = []

    def line(self, text: str = "") -> None:
        print(text)
        self.markdown.append(text)

    def table(self, title: str, headers: list[str], rows: list[list[str]], caption: str = ""):
        """A table with rich if it is installed, else plain aligned text."""
        print(f"\n{title}")
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            cols = zip(headers, *rows, strict=True)
            widths = [max(len(str(c)) for c in col) for col in cols]
            for row in [headers, ["-" * w for w in widths], *rows]:
                print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))
        else:
            table = Table()
            for i, header in enumerate(headers):
                table.add_column(header, justify="left" if i == 0 else "right")
            for row in rows:
                table.add_row(*row)
            Console(width=200).print(table)
        if caption:
            print(caption)

        self.markdown += ["", f"**{title}**", ""]
        self.markdown.append("| " + " | ".join(headers) + " |")
        self.markdown.append("|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|")
        self.markdown += ["| " + " | ".join(row) + " |" for row in rows]
        if caption:
            self.markdown += ["", caption]


def report(results: dict[str, Any]) -> Report:
    """Print every section present in `results`; return the Report (with its Markdown)."""
    out = Report()
    labels: dict[str, str] = results["competitors"]
    environment(out, results)
    training(out, results, labels)
    for key in results:
        if key.startswith("training_"):
            training(out, results, labels, key)
    if any(results.get("agreement", {}).values()):
        agreement(out, results, labels)
    if results.get("predict_latency"):
        latency(out, results["predict_latency"], labels)
    if results.get("import"):
        imports(out, results["import"])
    if results.get("accuracy"):
        accuracy(out, results["accuracy"], labels)
    targets(out, results)
    return out


def environment(out: Report, results: dict[str, Any]) -> None:
    env = results["environment"]
    blas = env["numpy_blas"] or {}
    out.line()
    out.line(
        f"neuronet benchmark: {env['cpu']} ({env['cpu_count']} cores), Python {env['python']}"
    )
    out.line()
    out.line(
        f"- NumPy {env['numpy']}: BLAS {blas.get('internal_api', '?')} "
        f"{blas.get('version', '')}, kernel {blas.get('architecture', '?')}, "
        f"{blas.get('threading_layer', '?')}, {env['blas_threads']} thread(s)"
    )
    if env["openblas_env"]:
        settings = " ".join(f"{k}={v}" for k, v in env["openblas_env"].items())
        out.line(
            f"- Note: {settings} is set; this can select slower OpenBLAS kernels (README.md)."
        )
    pools = [i for i in env.get("all_threadpools", []) if i["user_api"] == "blas"]
    if len(pools) > 1:
        names = ", ".join(f"{Path(i['filepath']).name} ({i['num_threads']})" for i in pools)
        out.line(
            f"- Note: {len(pools)} BLAS libraries are loaded, each with its own thread pool "
            f"(threads): {names}. Pools that spin-wait can slow each other down on few cores."
        )
    for key, other in env.items():
        if key.startswith("other_load_during_training") and other is not None and other > 0.05:
            what = key.removeprefix("other_load_during_training").lstrip("_") or "float32"
            out.line(
                f"- Note: other processes used {other:.0%} of the CPUs while training ({what}) "
                f"was timed: the numbers are noisy; rerun on an idle machine."
            )
    probe = env.get("neuronet_threadpools")
    if probe:
        pools = ", ".join(
            f"{Path(p['filepath']).name} ({p['num_threads']})" for p in probe["pools"]
        )
        out.line(
            f"- Thread pools after neuronet trains and predicts in a fresh interpreter: {pools}. "
            f"CPU time of NumPy's BLAS worker threads {probe['numpy_pool_cpu_s']:.2f} s, of the "
            f"{probe['scipy_pool_threads']} thread(s) SciPy's OpenBLAS started (numba loads it) "
            f"{probe['scipy_pool_cpu_s']:.2f} s; main thread {probe['main_cpu_s']:.2f} s."
        )
    if env.get("neuronet"):
        out.line(f"- neuronet {env['neuronet']}")
    if env.get("torch"):
        out.line(
            f"- PyTorch {env['torch']}: {env['torch_threads']} thread(s), "
            f"CPU capability {env['torch_cpu_capability']}"
        )
    if env.get("sklearn"):
        out.line(
            f"- scikit-learn {env['sklearn']}: MLPClassifier ran in {results['sklearn_dtype']}"
        )


def training(
    out: Report, results: dict[str, Any], labels: dict[str, str], section: str = "training"
) -> None:
    cfg = results["config"]
    dtype = section.removeprefix("training").lstrip("_") or cfg["dtype"]
    keys = [k for k in labels if k in next(iter(results[section].values()))]
    has_nn = "neuronet" in keys
    with_bound = has_nn and "bound" in keys
    headers = ["batch", *(labels[k] for k in keys)] + (["neuronet / bound"] if with_bound else [])
    rows = []
    for batch, res in results[section].items():
        row = [batch]
        for key in keys:
            speed = res[key]["samples_per_s"]
            cell = f"{speed:,.0f}/s"
            if has_nn and key != "neuronet":
                cell += f" ({res['neuronet']['samples_per_s'] / speed:.2f}x)"
            row.append(cell)
        if with_bound:
            row.append(f"{res['neuronet']['samples_per_s'] / res['bound']['samples_per_s']:.0%}")
        rows.append(row)
    sizes = " -> ".join(map(str, cfg["sizes"]))
    caption = (
        "(k.kkx) = neuronet speed / that speed: above 1 neuronet is faster. "
        "neuronet / bound: share of the speed of the matrix products alone."
    )
    step = results.get("optimizer_step_s", {}).get(dtype)
    if step and with_bound:
        # The bound leaves out the optimizer, which every implementation must run per batch.
        ceilings = []
        for batch, res in results[section].items():
            bound_s = cfg["samples"] / res["bound"]["samples_per_s"]
            steps = -(-cfg["samples"] // int(batch))
            ceilings.append(f"{bound_s / (bound_s + steps * step):.0%} at {batch}")
        caption += (
            f" Adam's step alone takes {step * 1e6:.0f} µs per batch here (neuronet's compiled "
            f"kernel), so the bound plus it caps the share at {', '.join(ceilings)}."
        )
    out.table(
        f"Training: one epoch, {cfg['samples']:,} x {cfg['features']} {dtype}, {sizes}, "
        f"Adam lr {cfg['lr']:g}; samples/s, best of {cfg['repeats']}",
        headers,
        rows,
        caption,
    )


def agreement(out: Report, results: dict[str, Any], labels: dict[str, str]) -> None:
    others = [k for k in labels if k not in ("neuronet", "bound")]
    rows = [
        [batch, f"{agree['update']:.3g}", *(f"{agree[k]:.2g}" for k in others)]
        for batch, agree in results["agreement"].items()
    ]
    out.table(
        "Same maths? Largest |weight difference| from neuronet after the first "
        f"{results['config']['agree_batches']} batches",
        ["batch", "neuronet's largest update", *(labels[k] for k in others)],
        rows,
        "Differences far below the update mean the same training up to float32 rounding. "
        "scikit-learn's Adam adds eps before the bias correction, so it differs a little more.",
    )


def latency(out: Report, latency: dict[str, dict[str, float]], labels: dict[str, str]) -> None:
    keys = [k for k in labels if k in next(iter(latency.values()))]
    rows = []
    for n, res in latency.items():
        row = [n]
        for key in keys:
            cell = fmt_time(res[key])
            if "neuronet" in res and key != "neuronet":
                cell += f" ({res[key] / res['neuronet']:.2f}x)"
            row.append(cell)
        rows.append(row)
    out.table(
        "predict_proba latency (median)",
        ["samples", *(labels[k] for k in keys)],
        rows,
        "(k.kkx) = that time / neuronet's time: above 1 neuronet is faster. matmul bound: "
        "the three matrix products alone, into preallocated outputs.",
    )


def imports(out: Report, imports: dict[str, dict[str, float]]) -> None:
    rows = [
        [
            "(bare interpreter)" if module == "python" else f"import {module}",
            f"{res['seconds'] * 1e3:.0f} ms",
            f"{res['process_s'] * 1e3:.0f} ms (+{res.get('extra_process_s', 0) * 1e3:.0f})",
            f"{res['maxrss_kib'] / 1024:.0f} MiB (+{res.get('extra_rss_kib', 0) / 1024:.0f})",
        ]
        for module, res in imports.items()
    ]
    out.table(
        "Import cost, a fresh interpreter each (median)",
        ["statement", "import time", "whole process (+ over bare)", "peak RSS (+ over bare)"],
        rows,
    )


def accuracy(out: Report, acc: dict[str, Any], labels: dict[str, str]) -> None:
    sizes = " -> ".join(map(str, acc["sizes"]))
    out.table(
        f"Held-out accuracy: digits ({acc['n_train']} train / {acc['n_test']} test), {sizes}, "
        f"{acc['epochs']} epochs, batch {acc['batch_size']}, same initial weights and order",
        [labels[k] for k in acc["accuracy"]],
        [[f"{a:.2%}" for a in acc["accuracy"].values()]],
    )


def targets(out: Report, results: dict[str, Any]) -> None:
    """Issue 9's targets, each against this run's own measurements."""
    rows: list[list[str]] = []

    def add(what: str, value: str, ok: bool) -> None:
        rows.append([what, value, "yes" if ok else "**no**"])

    for section in [k for k in results if k == "training" or k.startswith("training_")]:
        dtype = section.removeprefix("training").lstrip("_") or results["config"]["dtype"]
        for batch, res in results[section].items():
            if "neuronet" not in res:
                continue
            speed = res["neuronet"]["samples_per_s"]
            if "bound" in res:
                share = speed / res["bound"]["samples_per_s"]
                need = 0.65 if int(batch) < 128 else 0.85
                add(f"{dtype} batch {batch}: share of the bound >= {need:.0%}", f"{share:.0%}",
                    share >= need)  # fmt: skip
            if "torch" in res:
                ratio = speed / res["torch"]["samples_per_s"]
                add(f"{dtype} batch {batch}: >= 1.5x PyTorch", f"{ratio:.2f}x", ratio >= 1.5)
            if "numpy" in res:
                ratio = speed / res["numpy"]["samples_per_s"]
                add(f"{dtype} batch {batch}: >= 1.3x plain NumPy", f"{ratio:.2f}x", ratio >= 1.3)
    lat = results.get("predict_latency", {})
    one, big = lat.get("1", {}), lat.get("1024", {})
    if "neuronet" in one and "numpy" in one:
        ratio = one["neuronet"] / one["numpy"]
        add("predict_proba 1 sample <= 1.1x plain NumPy's time", f"{ratio:.2f}x", ratio <= 1.1)
    if "neuronet" in one and "torch" in one:
        ratio = one["torch"] / one["neuronet"]
        add("predict_proba 1 sample >= 2x faster than PyTorch", f"{ratio:.2f}x", ratio >= 2)
    if "neuronet" in big and "bound" in big:
        ratio = big["neuronet"] / big["bound"]
        add("predict_proba 1024 samples <= 1.05x the products alone", f"{ratio:.2f}x",
            ratio <= 1.05)  # fmt: skip
    if rows:
        out.table("Targets of issue 9, from this run", ["target", "measured", "met?"], rows)


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"
