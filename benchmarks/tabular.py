"""Time to a fixed validation loss on a tabular task: neuronet, scikit-learn and PyTorch.

The number a data scientist cares about is not samples per second but how long it takes to
get a model that is good enough. This script trains the same binary classifier three ways on
a tabular data set of the kind users have, and reports how many seconds (and epochs) each
needs to bring the **validation loss** down to one fixed target.

The task: ``sklearn.datasets.make_classification`` with 100,000 samples × 50 features (15
informative, 10 redundant linear combinations of them, 25 noise; 3 clusters per class; 2 % of
the labels flipped), seeded; a stratified 80/20 train/validation split; features standardised
with the training set's mean and standard deviation; float32. The network: 50 -> 64 -> 64 -> 1,
ReLU, one sigmoid output with binary cross-entropy (what ``MLPClassifier`` builds for two
classes), Adam lr 1e-3, batch 128, no weight decay.

1. neuronet: ``net.fit(X, y, validation_data=(X_val, y_val), callbacks=[StopAtLoss(target)])``,
   a public :class:`neuronet.Callback` whose ``on_epoch_end`` returns True once
   ``logs["val_loss"]`` is at or below the target;
2. scikit-learn: ``MLPClassifier(solver="adam", alpha=0, shuffle=False).partial_fit`` once
   per epoch (its Adam state carries over between calls), then the validation loss from
   ``predict_proba``;
3. PyTorch: a plain loop over tensor slices, ``torch.optim.Adam``,
   ``binary_cross_entropy_with_logits``, the validation loss under ``torch.inference_mode``.

Every competitor starts from neuronet's initial weights (copied into ``torch.nn.Linear`` and
into ``MLPClassifier.coefs_``) and sees the same batches in the same order (the training set
is shuffled once; everyone trains with shuffle=False). **The validation loss is computed once
per epoch by every competitor and counted in everyone's time**: neuronet computes it inside
``fit``, where it cannot be taken out, so the others pay for theirs too. The report shows what
one such evaluation costs each, so it can be subtracted by eye.

The target: one untimed calibration run per competitor for ``--max-epochs`` epochs records
its validation loss after every epoch; the target is the **worst of the three best losses,
plus ``--margin``** (1 % by default), so that all three reach it, near the end of the useful
part of training. ``--target`` sets it directly instead.

The timed runs (best of ``--repeats``, interleaved across competitors in a new shuffled order
each repeat, a fresh model each time, built untimed) stop at the target. BLAS threads are set
with threadpoolctl and PyTorch's with ``torch.set_num_threads``, the same count for all.

Usage::

    python benchmarks/tabular.py                     # the full run: a few minutes on 2 cores
    python benchmarks/tabular.py --quick             # 10,000 samples, 1 repeat: seconds
    python benchmarks/tabular.py --repeats 5 --json tabular.json --markdown tabular.md
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _report import Report
from _report import environment as describe_environment
from run import OtherLoad, blas_threads, environment, import_neuronet, numpy_blas

N_FEATURES = 50
HIDDEN = (64, 64)
DTYPE = np.float32
# Idle time before each timed run, so that thread pools left spinning by the previous
# competitor have gone quiet (as in run.py).
SETTLE_S = 0.3

Params = list[tuple[np.ndarray, np.ndarray]]
# The validation loss and accuracy after one epoch.
Curve = tuple[float, float]


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def tabular_data(n_samples: int, seed: int) -> tuple[np.ndarray, ...]:
    """``X_train, y_train, X_val, y_val``: standardised float32 features, 0/1 labels.

    The training rows come out of ``train_test_split`` already shuffled (seeded); every
    competitor trains on them in that order.
    """
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=n_samples,
        n_features=N_FEATURES,
        n_informative=15,
        n_redundant=10,
        n_clusters_per_class=3,
        flip_y=0.02,
        random_state=seed,
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (
        np.ascontiguousarray((X_train - mean) / std, dtype=DTYPE),
        y_train.astype(np.int64),
        np.ascontiguousarray((X_val - mean) / std, dtype=DTYPE),
        y_val.astype(np.int64),
    )


def binary_log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities ``p`` of class 1; clipped as scikit-learn's
    ``log_loss`` clips (to float32's eps), so a saturated output gives a finite loss."""
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(np.where(y == 1, np.log(p), np.log1p(-p))))


# ---------------------------------------------------------------------------------------------
# Competitors: build from given weights (untimed), train epoch by epoch, evaluate
# ---------------------------------------------------------------------------------------------


class Competitor:
    """One implementation of the same training run.

    ``train(model, target, max_epochs)`` trains until the validation loss is at most
    ``target`` (never stops early when ``target`` is None) and returns the validation loss
    and accuracy after every epoch it ran.
    """

    key = ""
    label = ""

    def __init__(self, data: tuple[np.ndarray, ...], batch_size: int, lr: float) -> None:
        self.X, self.y, self.X_val, self.y_val = data
        self.batch_size, self.lr = batch_size, lr

    def build(self, params: Params) -> Any:
        raise NotImplementedError

    def train(self, model: Any, target: float | None, max_epochs: int) -> list[Curve]:
        raise NotImplementedError

    def evaluate(self, model: Any) -> tuple[float, float]:
        """Validation loss and accuracy: the per-epoch evaluation, on its own."""
        raise NotImplementedError


class Neuronet(Competitor):
    key, label = "neuronet", "neuronet"

    def __init__(self, neuronet: Any, *args: Any) -> None:
        super().__init__(*args)
        self.nn = neuronet

        class StopAtLoss(neuronet.Callback):
            """Stop once the validation loss is at or below `target` (None: never)."""

            def __init__(self, target: float | None) -> None:
                self.target = target

            def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
                return self.target is not None and logs["val_loss"] <= self.target

        self.stop_at_loss = StopAtLoss

    def build(self, params: Params) -> Any:
        sizes = [params[0][0].shape[0], *(w.shape[1] for w, _ in params)]
        net = self.nn.MLP(sizes, activation="relu", output="sigmoid", seed=0)
        for layer, (w, b) in zip(net.dense_layers, params, strict=True):
            layer.weights[...] = w
            layer.bias[...] = b
        return net

    def train(self, model, target, max_epochs):
        history = model.fit(
            self.X,
            self.y,
            epochs=max_epochs,
            batch_size=self.batch_size,
            optimizer="adam",
            lr=self.lr,
            shuffle=False,
            validation_data=(self.X_val, self.y_val),
            callbacks=[self.stop_at_loss(target)],
            verbose=0,
        )
        return list(zip(history["val_loss"], history["val_accuracy"], strict=True))

    def evaluate(self, model):
        # What fit does after each epoch: the validation set is prepared once, then evaluated.
        X_val, y_val = model.prepare(self.X_val, self.y_val)
        start = time.perf_counter()
        loss, correct = model.evaluate(X_val, y_val)
        self.eval_s = time.perf_counter() - start
        return loss, correct / len(X_val)


class Sklearn(Competitor):
    key, label = "sklearn", "scikit-learn"

    def build(self, params: Params) -> Any:
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(
            hidden_layer_sizes=HIDDEN,
            activation="relu",
            solver="adam",
            alpha=0.0,
            batch_size=self.batch_size,
            learning_rate_init=self.lr,
            shuffle=False,
            random_state=0,
        )
        # MLPClassifier cannot be given initial weights: one partial_fit on two dummy rows
        # creates coefs_ (float32, as the data), which are then overwritten in place, and its
        # Adam optimizer, which is dropped so that the next partial_fit starts a fresh one
        # over these very arrays.
        clf.partial_fit(np.zeros((2, N_FEATURES), DTYPE), np.array([0, 1]), classes=[0, 1])
        for coef, intercept, (w, b) in zip(clf.coefs_, clf.intercepts_, params, strict=True):
            coef[...] = w
            intercept[...] = b
        del clf._optimizer
        return clf

    def train(self, model, target, max_epochs):
        curve = []
        for _ in range(max_epochs):
            model.partial_fit(self.X, self.y)
            curve.append(self._evaluate(model))
            if target is not None and curve[-1][0] <= target:
                break
        return curve

    def _evaluate(self, model):
        p = model.predict_proba(self.X_val)[:, 1]
        return binary_log_loss(self.y_val, p), float(np.mean((p > 0.5) == self.y_val))

    def evaluate(self, model):
        start = time.perf_counter()
        result = self._evaluate(model)
        self.eval_s = time.perf_counter() - start
        return result


class Torch(Competitor):
    key, label = "torch", "PyTorch"

    def __init__(self, torch: Any, *args: Any) -> None:
        super().__init__(*args)
        self.torch = torch
        self.Xt, self.Xt_val = torch.from_numpy(self.X), torch.from_numpy(self.X_val)
        self.yt = torch.from_numpy(self.y.astype(DTYPE)).reshape(-1, 1)
        self.yt_val = torch.from_numpy(self.y_val.astype(DTYPE)).reshape(-1, 1)

    def build(self, params: Params) -> Any:
        nn = self.torch.nn
        layers: list[Any] = []
        for i, (w, b) in enumerate(params):
            linear = nn.Linear(*w.shape)
            with self.torch.no_grad():
                # torch.nn.Linear stores its weight as (out, in): the transpose of neuronet's.
                linear.weight.copy_(self.torch.from_numpy(w.T))
                linear.bias.copy_(self.torch.from_numpy(b))
            layers.append(linear)
            if i < len(params) - 1:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def train(self, model, target, max_epochs):
        loss_fn = self.torch.nn.functional.binary_cross_entropy_with_logits
        X, y, batch = self.Xt, self.yt, self.batch_size
        optimizer = self.torch.optim.Adam(model.parameters(), lr=self.lr)
        curve = []
        for _ in range(max_epochs):
            model.train()
            for start in range(0, len(X), batch):
                loss = loss_fn(model(X[start : start + batch]), y[start : start + batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            curve.append(self._evaluate(model))
            if target is not None and curve[-1][0] <= target:
                break
        return curve

    def _evaluate(self, model):
        model.eval()
        with self.torch.inference_mode():
            logits = model(self.Xt_val)
            loss = self.torch.nn.functional.binary_cross_entropy_with_logits(logits, self.yt_val)
            accuracy = ((logits > 0) == (self.yt_val > 0.5)).float().mean()
        return float(loss), float(accuracy)

    def evaluate(self, model):
        start = time.perf_counter()
        result = self._evaluate(model)
        self.eval_s = time.perf_counter() - start
        return result


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def calibrate(comps: list[Competitor], params: Params, max_epochs: int) -> dict[str, list]:
    """Each competitor's validation curve over `max_epochs` epochs, untimed."""
    curves = {}
    for comp in comps:
        log(f"  calibration: {comp.label}, {max_epochs} epochs")
        curves[comp.key] = comp.train(comp.build(params), None, max_epochs)
    return curves


def time_to_target(
    comps: list[Competitor], params: Params, target: float, max_epochs: int, repeats: int
) -> dict[str, Any]:
    """Seconds to reach `target`, epochs, final validation loss and accuracy; best of repeats.

    Repeats are interleaved across competitors in a new (seeded) order each time, so drifts of
    the machine hit all of them alike.
    """
    runs: dict[str, list[dict[str, Any]]] = {comp.key: [] for comp in comps}
    order_rng = np.random.default_rng(0)
    for r in range(repeats):
        order = order_rng.permutation(len(comps)) if r else range(len(comps))
        for comp in (comps[i] for i in order):
            model = comp.build(params)
            gc.collect()
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            curve = comp.train(model, target, max_epochs)
            seconds = time.perf_counter() - start
            eval_s = []
            for _ in range(5):
                comp.evaluate(model)
                eval_s.append(comp.eval_s)  # type: ignore[attr-defined]
            run = {
                "seconds": seconds,
                "epochs": len(curve),
                "reached": curve[-1][0] <= target,
                "val_loss": curve[-1][0],
                "val_accuracy": curve[-1][1],
                "eval_s": statistics.median(eval_s),
            }
            runs[comp.key].append(run)
            log(
                f"  repeat {r + 1}/{repeats}  {comp.label:13s} {seconds:7.2f} s  "
                f"{len(curve):3d} epochs  val loss {curve[-1][0]:.4f}"
            )
    results = {}
    for key, comp_runs in runs.items():
        best = min(comp_runs, key=lambda run: run["seconds"])
        results[key] = {**best, "all_seconds": [run["seconds"] for run in comp_runs]}
    return results


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> Report:
    out = Report()
    describe_environment(out, results)
    cfg = results["config"]
    labels = results["competitors"]
    if results.get("calibration"):
        best = {
            key: min(loss for loss, _ in curve) for key, curve in results["calibration"].items()
        }
        at = {
            key: 1 + min(range(len(curve)), key=lambda i: curve[i][0])
            for key, curve in results["calibration"].items()
        }
        parts = ", ".join(f"{labels[k]} {best[k]:.4f} (epoch {at[k]})" for k in best)
        out.line()
        out.line(
            f"Target validation loss {cfg['target']:.4f}: the worst of the three best losses "
            f"within {cfg['max_epochs']} epochs ({parts}), plus {cfg['margin']:.0%}."
        )
    else:
        out.line()
        out.line(f"Target validation loss {cfg['target']:.4f} (given with --target).")
    timing = results["timing"]
    nn = timing.get("neuronet")
    rows = []
    for key, res in timing.items():
        ratio = (
            "" if nn is None or key == "neuronet" else f" ({res['seconds'] / nn['seconds']:.2f}x)"
        )
        rows.append(
            [
                labels[key],
                (f"{res['seconds']:.2f} s" if res["reached"] else "not reached") + ratio,
                str(res["epochs"]),
                f"{res['seconds'] / res['epochs'] * 1e3:.0f} ms",
                f"{res['eval_s'] * 1e3:.1f} ms",
                f"{res['val_loss']:.4f}",
                f"{res['val_accuracy']:.2%}",
            ]
        )
    out.table(
        f"Time to validation loss {cfg['target']:.4f}: {cfg['n_train']:,} train / "
        f"{cfg['n_val']:,} validation samples x {N_FEATURES} features, "
        f"{' -> '.join(map(str, cfg['sizes']))}, Adam lr {cfg['lr']:g}, batch "
        f"{cfg['batch_size']}, float32; best of {cfg['repeats']}",
        [
            "library",
            "seconds to target",
            "epochs",
            "per epoch",
            "one validation pass",
            "val loss at stop",
            "val accuracy at stop",
        ],
        rows,
        "(k.kkx) = that time / neuronet's: above 1 neuronet is faster. Times include one "
        "validation pass per epoch for every library (neuronet's runs inside fit); "
        "'one validation pass' is its cost, measured apart.",
    )
    return out


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 samples, 1 repeat")
    parser.add_argument("--samples", type=int, help="samples before the 80/20 split (100000)")
    parser.add_argument("--batch-size", type=int, default=128, help="batch size (128)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (1e-3)")
    parser.add_argument("--max-epochs", type=int, help="calibration epochs, and the most (40)")
    parser.add_argument("--margin", type=float, default=0.01, help="target margin (0.01)")
    parser.add_argument("--target", type=float, help="the target loss: skip calibration")
    parser.add_argument("--repeats", type=int, help="timed runs each; best kept (3; quick 1)")
    parser.add_argument("--threads", type=int, help="BLAS and torch threads (BLAS default)")
    parser.add_argument(
        "--skip", nargs="+", default=[], choices=["torch", "sklearn"], help="leave out"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data and weights")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write Markdown")
    parser.add_argument("--from-json", type=Path, metavar="PATH", help="re-render a --json file")
    args = parser.parse_args(argv)
    args.samples = args.samples or (10_000 if args.quick else 100_000)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.max_epochs = args.max_epochs or (10 if args.quick else 40)
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
    blas = numpy_blas()  # before torch and scipy load BLAS libraries of their own
    neuronet = import_neuronet()
    if neuronet is None:
        raise SystemExit(1)
    import sklearn

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
    if torch is not None:
        torch.set_num_threads(threads)

    data = tabular_data(args.samples, args.seed)
    sizes = [N_FEATURES, *HIDDEN, 1]
    net = neuronet.MLP(sizes, activation="relu", output="sigmoid", seed=args.seed)
    params = [(layer.weights.copy(), layer.bias.copy()) for layer in net.dense_layers]

    settings = (data, args.batch_size, args.lr)
    comps: list[Competitor] = [Neuronet(neuronet, *settings)]
    if "sklearn" not in args.skip:
        comps.append(Sklearn(*settings))
    if torch is not None:
        comps.append(Torch(torch, *settings))

    results: dict[str, Any] = {
        "environment": environment(
            blas, threads, {"neuronet": neuronet, "torch": torch, "sklearn": sklearn}
        ),
        "sklearn_dtype": "float32",
        "competitors": {comp.key: comp.label for comp in comps},
        "config": {
            "n_train": len(data[0]),
            "n_val": len(data[2]),
            "sizes": sizes,
            "lr": args.lr,
            "batch_size": args.batch_size,
            "max_epochs": args.max_epochs,
            "margin": args.margin,
            "repeats": args.repeats,
            "seed": args.seed,
        },
    }
    if args.target is None:
        log(f"calibration: {args.max_epochs} epochs each")
        curves = calibrate(comps, params, args.max_epochs)
        results["calibration"] = curves
        worst_best = max(min(loss for loss, _ in curve) for curve in curves.values())
        target = worst_best * (1 + args.margin)
    else:
        target = args.target
    results["config"]["target"] = target
    log(f"time to validation loss {target:.4f}, {args.repeats} repeat(s)")
    with OtherLoad() as load:
        results["timing"] = time_to_target(comps, params, target, args.max_epochs, args.repeats)
    results["environment"]["other_load_during_training"] = load.share
    return results


if __name__ == "__main__":
    sys.exit(main())
