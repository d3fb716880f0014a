r"""The training loop: mini-batches, validation, early stopping, progress, history.

One epoch shuffles the training set once (one contiguous copy, so every batch is a cheap
slice), then for each batch runs forward and backward through the network and lets the optimizer
update the flat parameter buffer in one step. After each epoch it records the loss and
accuracy, checks the validation set, and asks the schedule, early stopping and callbacks
whether to change the learning rate or stop.

Nothing is lost when training goes wrong: if the loss becomes NaN or infinite the loop stops,
restores the weights of the last finite epoch and warns (:class:`DivergenceWarning`).

Examples
--------
>>> from neuronet import MLP, datasets
>>> X, y = datasets.xor(200, noise=0.1, seed=0)
>>> net = MLP([2, 8, 2], activation="tanh", output="softmax", seed=0)
>>> history = net.fit(X, y, epochs=60, batch_size=16, lr=0.02, verbose=0)
>>> history["accuracy"][-1] >= 0.95
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import optimizers as _optimizers
from . import schedules as _schedules
from ._validation import check_fraction, check_non_negative, check_positive_int, check_X
from .layers import Dropout

if TYPE_CHECKING:
    from .network import MLP

__all__ = ["Callback", "DivergenceWarning", "History", "fit"]


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""


class Callback:
    """Hooks into training; override the methods you need.

    ``on_epoch_end`` may return ``True`` to stop training after that epoch. A plain function
    ``f(epoch, logs)`` passed in ``callbacks`` is used as ``on_epoch_end``.
    """

    def on_train_begin(self, net: MLP) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        """Called after each epoch with its metrics (``loss``, ``accuracy``, ``val_*``, ``lr``)."""
        return None

    def on_train_end(self, net: MLP, history: History) -> None:
        """Called once when training ends, for whatever reason."""


class _FunctionCallback(Callback):
    def __init__(self, function: Callable[[int, dict[str, float]], bool | None]) -> None:
        self.function = function

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        return self.function(epoch, logs)


@dataclass
class History:
    """What :func:`fit` returns: the metrics of every epoch and why training stopped.

    ``history["loss"]`` (and ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"``, ``"lr"`` where
    they apply) are lists with one value per completed epoch.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epochs: int = 0
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False
    stop_reason: str = "completed all epochs"

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def record(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epochs += 1


def fit(
    net: MLP,
    X: ArrayLike,
    y: ArrayLike,
    *,
    epochs: int = 100,
    batch_size: int = 32,
    optimizer: str | _optimizers.Optimizer | _optimizers.LBFGS = "adam",
    lr: float | None = None,
    schedule: str | _schedules.Schedule | None = None,
    validation_split: float | None = None,
    validation_data: tuple[ArrayLike, ArrayLike] | None = None,
    shuffle: bool = True,
    early_stopping: bool = False,
    patience: int = 10,
    l2: float = 0.0,
    dropout: float = 0.0,
    callbacks: Sequence[Callback | Callable[[int, dict[str, float]], bool | None]] = (),
    verbose: int = 1,
) -> History:
    r"""Train ``net`` on ``(X, y)`` by backpropagation.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_inputs)
    y : array_like
        Targets that fit the loss: class labels 0..k-1 (or one-hot rows) for categorical
        cross-entropy, 0/1 for binary cross-entropy, values for regression.
    epochs : int, default=100
        Passes over the training data (iterations for L-BFGS).
    batch_size : int, default=32
        Samples per gradient step (L-BFGS always uses the whole set).
    optimizer : str or Optimizer, default="adam"
        See :mod:`neuronet.optimizers`: "sgd", "momentum", "nesterov", "rmsprop", "adam",
        "adamw", "lbfgs", or an instance.
    lr : float, optional
        Learning rate; the optimizer's default if omitted.
    schedule : str or Schedule, optional
        Learning-rate schedule applied after each epoch (:mod:`neuronet.schedules`).
    validation_split : float, optional
        Fraction of ``(X, y)`` held out (at random, seeded) to validate on after each epoch.
    validation_data : (X_val, y_val), optional
        An explicit validation set; excludes ``validation_split``.
    shuffle : bool, default=True
        Reshuffle the training set before each epoch.
    early_stopping : bool, default=False
        Stop when the monitored loss (validation loss if there is a validation set, else
        training loss) has not improved for ``patience`` epochs, and restore the best weights.
    patience : int, default=10
    l2 : float, default=0.0
        L2 penalty :math:`\tfrac{\lambda}{2}\sum W^2` on the weights (not on biases or PReLU
        slopes) added to the loss.
    dropout : float, default=0.0
        Inverted dropout rate on every hidden layer's output, during training only.
    callbacks : sequence of Callback or callable, default=()
    verbose : int, default=1
        0 silent, 1 a progress bar with the metrics, 2 also one line per epoch.

    Returns
    -------
    History
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    patience = check_positive_int(patience, "patience")
    l2 = check_non_negative(l2, "l2")
    drop = Dropout(dropout) if dropout else None
    if not isinstance(verbose, int | bool):
        raise TypeError(f"`verbose` must be an integer 0, 1 or 2, got {verbose!r}.")

    X_arr = check_X(X, net.n_inputs, net.dtype)
    y_arr = net.prepare_targets(y)
    if len(X_arr) != len(y_arr):
        raise ValueError(
            f"`X` and `y` must have the same number of samples, got {len(X_arr)} and {len(y_arr)}."
        )
    X_train, y_train, validation = _split_validation(
        net, X_arr, y_arr, validation_split, validation_data
    )
    opt = _optimizers.get(optimizer, lr=lr)
    sched = _schedules.get(schedule)
    hooks = [cb if isinstance(cb, Callback) else _FunctionCallback(cb) for cb in callbacks]
    for cb in callbacks:
        if not (isinstance(cb, Callback) or callable(cb)):
            raise TypeError(f"`callbacks` must hold Callback objects or functions, got {cb!r}.")

    loop = _Loop(net, X_train, y_train, validation, l2, drop, early_stopping, patience, hooks)
    with (
        _Progress(verbose, epochs) as progress,
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
    ):
        # Overflow inside a diverging step is caught by the finiteness checks below, which
        # stop with one clear warning instead of a stream of numpy RuntimeWarnings.
        for cb in hooks:
            cb.on_train_begin(net)
        if isinstance(opt, _optimizers.LBFGS):
            loop.run_lbfgs(opt, epochs, progress)
        else:
            loop.run(opt, sched, epochs, batch_size, shuffle, progress, verbose)
    loop.finish()
    for cb in hooks:
        cb.on_train_end(net, loop.history)
    return loop.history


def _split_validation(
    net: MLP,
    X: NDArray[Any],
    y: NDArray[Any],
    validation_split: float | None,
    validation_data: tuple[ArrayLike, ArrayLike] | None,
) -> tuple[NDArray[Any], NDArray[Any], tuple[NDArray[Any], NDArray[Any]] | None]:
    if validation_data is not None and validation_split is not None:
        raise ValueError("Give either `validation_data` or `validation_split`, not both.")
    if validation_data is not None:
        if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
            raise ValueError("`validation_data` must be a pair (X_val, y_val).")
        X_val = check_X(validation_data[0], net.n_inputs, net.dtype, name="validation X")
        y_val = net.prepare_targets(validation_data[1])
        if len(X_val) != len(y_val):
            raise ValueError("`validation_data` X and y must have the same number of samples.")
        return X, y, (X_val, y_val)
    if validation_split is None:
        return X, y, None
    fraction = check_fraction(validation_split, "validation_split")
    n_val = round(len(X) * fraction)
    if n_val < 1 or n_val >= len(X):
        raise ValueError(
            f"`validation_split`={fraction} of {len(X)} samples leaves an empty training or "
            f"validation set."
        )
    order = net.rng.permutation(len(X))
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], (X[val], y[val])


class _Loop:
    """The state of one call to :func:`fit`, so each step reads as a short method."""

    def __init__(
        self,
        net: MLP,
        X: NDArray[Any],
        y: NDArray[Any],
        validation: tuple[NDArray[Any], NDArray[Any]] | None,
        l2: float,
        dropout: Dropout | None,
        early_stopping: bool,
        patience: int,
        hooks: list[Callback],
    ) -> None:
        self.net, self.X, self.y, self.validation = net, X, y, validation
        self.l2, self.dropout = l2, dropout
        self.early_stopping, self.patience, self.hooks = early_stopping, patience, hooks
        self.history = History()
        self.last_finite = net.parameters.copy()
        self.best_params: NDArray[Any] | None = None
        self.best = math.inf
        self.wait = 0

    # One epoch of mini-batch training; returns the mean loss and the count of correct answers.
    def _epoch(
        self, opt: _optimizers.Optimizer, batch_size: int, shuffle: bool
    ) -> tuple[float, int]:
        net, n = self.net, len(self.X)
        if shuffle:
            order = net.rng.permutation(n)
            X, y = self.X[order], self.y[order]
        else:
            X, y = self.X, self.y
        total, correct = 0.0, 0
        params, grads = net.parameters, net.gradients
        for start in range(0, n, batch_size):
            xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            loss, right = net._train_step(xb, yb, l2=self.l2, dropout=self.dropout)
            if not math.isfinite(loss):
                return loss, correct
            opt.step(params, grads)
            total += loss * len(xb)
            correct += right
        return total / n, correct

    def run(
        self,
        opt: _optimizers.Optimizer,
        sched: _schedules.Schedule | None,
        epochs: int,
        batch_size: int,
        shuffle: bool,
        progress: _Progress,
        verbose: int,
    ) -> None:
        net = self.net
        opt.prepare(net.parameters, decay_mask=net.weight_mask)
        if sched is not None:
            sched.start(opt.lr)
        for epoch in range(epochs):
            loss, correct = self._epoch(opt, batch_size, shuffle)
            if not (math.isfinite(loss) and np.isfinite(net.parameters).all()):
                self._diverged(epoch, loss, opt.lr)
                break
            logs = self._logs(loss, correct, opt.lr)
            stop = self._end_epoch(epoch, logs, progress, verbose)
            if sched is not None:
                opt.lr = sched.step(epoch, self._monitored(logs))
            if stop:
                break

    def run_lbfgs(self, opt: _optimizers.LBFGS, epochs: int, progress: _Progress) -> None:
        net, params = self.net, self.net.parameters
        X, y = self.X, self.y

        def loss_and_grad(x: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            params[...] = x
            loss, _ = net._train_step(X, y, l2=self.l2, dropout=self.dropout)
            return loss, net.gradients.astype(np.float64)

        def after_iteration(x: NDArray[np.float64]) -> bool:
            params[...] = x
            loss = net._loss(X, y, self.l2)
            if not (math.isfinite(loss) and np.isfinite(params).all()):
                self._diverged(self.history.epochs, loss, math.nan)
                return True
            logs = self._logs(loss, self._correct(X, y), math.nan)
            logs.pop("lr")
            return self._end_epoch(self.history.epochs, logs, progress, 0)

        result = opt.minimize(loss_and_grad, params, max_iter=epochs, callback=after_iteration)
        if not self.history.diverged:
            params[...] = result.x
            if self.history.stop_reason == "completed all epochs" and not result.success:
                self.history.stop_reason = f"L-BFGS: {result.message}"

    def _correct(self, X: NDArray[Any], y: NDArray[Any]) -> int:
        return self.net._count_correct(self.net.forward(X), y, from_logits=False)

    def _logs(self, loss: float, correct: int, lr: float) -> dict[str, float]:
        logs = {"loss": loss}
        if self.net.is_classifier:
            logs["accuracy"] = correct / len(self.X)
        if self.validation is not None:
            X_val, y_val = self.validation
            logs["val_loss"] = self.net._loss(X_val, y_val, self.l2)
            if self.net.is_classifier:
                logs["val_accuracy"] = self._correct(X_val, y_val) / len(X_val)
        logs["lr"] = lr
        return logs

    def _monitored(self, logs: dict[str, float]) -> float:
        return logs["val_loss"] if "val_loss" in logs else logs["loss"]

    def _end_epoch(
        self, epoch: int, logs: dict[str, float], progress: _Progress, verbose: int
    ) -> bool:
        """Record the epoch; return True when training should stop."""
        self.history.record(logs)
        self.last_finite = self.net.parameters.copy()
        progress.update(epoch, logs)
        if verbose >= 2:
            progress.log(epoch, logs)
        stop = False
        monitored = self._monitored(logs)
        if monitored < self.best:
            self.best, self.wait = monitored, 0
            self.history.best_epoch = epoch
            if self.early_stopping:
                self.best_params = self.last_finite
        else:
            self.wait += 1
            if self.early_stopping and self.wait >= self.patience:
                self.history.stopped_early = True
                self.history.stop_reason = (
                    f"early stopping: no improvement for {self.patience} epochs"
                )
                stop = True
        for cb in self.hooks:
            if cb.on_epoch_end(epoch, dict(logs)):
                self.history.stop_reason = f"stopped by callback {type(cb).__name__}"
                stop = True
        return stop

    def _diverged(self, epoch: int, loss: float, lr: float) -> None:
        self.net.parameters[...] = self.last_finite
        self.history.diverged = True
        self.history.stop_reason = f"diverged in epoch {epoch + 1}"
        lr_text = f" (now {lr:g})" if math.isfinite(lr) else ""
        warnings.warn(
            f"Training stopped in epoch {epoch + 1}: the loss became {loss} (NaN or infinite). "
            f"The weights of the last finite epoch ({epoch}) were kept. Try a smaller learning "
            f"rate{lr_text}, standardising X, or a bounded output activation.",
            DivergenceWarning,
            stacklevel=4,
        )

    def finish(self) -> None:
        if self.early_stopping and self.best_params is not None:
            self.net.parameters[...] = self.best_params


# --- progress -------------------------------------------------------------------------------


def _format(logs: dict[str, float]) -> str:
    return "  ".join(
        f"{key} {value:.4g}" if key != "lr" else f"lr {value:.2g}"
        for key, value in logs.items()
        if math.isfinite(value)
    )


class _Progress:
    """A rich progress bar over epochs, or nothing at verbose=0 (rich is imported lazily)."""

    def __init__(self, verbose: int, epochs: int) -> None:
        self.enabled = verbose > 0
        self.epochs = epochs
        self._bar: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("epoch"),
                MofNCompleteColumn(),
                BarColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[metrics]}"),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("training", total=self.epochs, metrics="")
        return self

    def update(self, epoch: int, logs: dict[str, float]) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=epoch + 1, metrics=_format(logs))

    def log(self, epoch: int, logs: dict[str, float]) -> None:
        if self._bar is not None:
            self._bar.console.print(f"epoch {epoch + 1}/{self.epochs}  {_format(logs)}")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
