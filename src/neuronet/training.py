r"""The training loop: mini-batches, validation, early stopping, progress, history.

One epoch shuffles the training set once (one contiguous copy, so every batch is a cheap
slice), then for each batch runs forward and backward through the network and lets the optimizer
update the flat parameter buffer in one step. After each epoch it records the loss and
accuracy, checks the validation set, and asks the schedule, early stopping and callbacks
whether to change the learning rate or stop.

Nothing is lost when training goes wrong: if the loss becomes NaN or infinite, or runs away,
the loop stops, restores the last good weights and warns (:class:`DivergenceWarning`). Ctrl-C
stops at the end of the current batch and ``fit`` returns (``history.interrupted``); a
:class:`~neuronet.checkpoints.Checkpoint` saves the run's whole state, from which
``fit(..., resume_from=path)`` goes on exactly where it was.

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

import abc
import hashlib
import itertools
import math
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import optimizers as _optimizers
from . import schedules as _schedules
from ._validation import (
    check_bool,
    check_fraction,
    check_non_negative,
    check_number,
    check_positive_int,
    check_sample_weight,
)
from ._warnings import warn_user
from .layers import Dropout
from .progress import ProgressReport, check_verbose

if TYPE_CHECKING:
    from .network import MLP

__all__ = ["Callback", "DivergenceWarning", "FullBatchData", "History", "TrainingState", "fit"]


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite, or ran away."""


class Callback:
    """Hooks into training; override the methods you need.

    ``on_epoch_end`` may return ``True`` to stop training after that epoch; the History's
    ``stop_reason`` is then the callback's :attr:`stop_reason` if it set one, else "stopped
    by callback" and its class name. A plain function ``f(epoch, logs)`` passed in
    ``callbacks`` is used as ``on_epoch_end``. While :func:`fit` runs, :meth:`training_state`
    returns a snapshot of the run (what a :class:`~neuronet.checkpoints.Checkpoint` saves).
    """

    #: Why this callback stopped training, in words, for ``History.stop_reason``.
    stop_reason: str | None = None

    # Set by fit() for the length of the run: the loop's snapshot method.
    _snapshot: Callable[[], TrainingState] | None = None

    def training_state(self) -> TrainingState:
        """A snapshot of the run in progress: optimizer, schedule, RNG, history, counters.

        Call it from a hook (``on_train_begin``, ``on_epoch_end``) during :func:`fit`; the
        arrays in it are copies, so it stays as it was while training goes on.

        Raises
        ------
        RuntimeError
            Outside :func:`fit`.
        """
        if self._snapshot is None:
            raise RuntimeError(
                f"{type(self).__name__}.training_state() is only available while fit() runs, "
                f"from a callback's hooks."
            )
        return self._snapshot()

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
        name = getattr(function, "__qualname__", type(function).__name__)
        self.stop_reason = f"stopped by callback {name}"

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        return self.function(epoch, logs)


@dataclass(repr=False)
class History:
    """What :func:`fit` returns: the metrics of every epoch and why training stopped.

    ``history["loss"]`` (and ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"``, ``"lr"`` where
    they apply) are lists with one value per completed epoch; ``history.history`` is the whole
    dict. ``repr`` is one short line (what Jupyter shows after every ``fit``).
    ``stopped_early``, ``diverged`` and ``interrupted`` (Ctrl-C) say why training ended
    before its last epoch, and ``stop_reason`` says it in words.

    >>> h = History()
    >>> for loss in (0.9, 0.5, 0.25):
    ...     h.record({"loss": loss, "lr": 0.01})
    >>> h
    History(epochs=3, loss=0.25, lr=0.01, stop_reason='completed all epochs')
    >>> h["loss"]
    [0.9, 0.5, 0.25]
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epochs: int = 0
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False
    stop_reason: str = "completed all epochs"
    interrupted: bool = False

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def record(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epochs += 1

    def _repr_html_(self) -> str:
        """A table of the final metrics, with a small curve of each, for Jupyter."""
        from html import escape

        rows = []
        for key, values in self.history.items():
            if "/" in key or not values:
                continue
            rows.append(
                f"<tr><td>{escape(key)}</td><td style='text-align:right'>{values[-1]:.4g}</td>"
                f"<td>{_sparkline(values)}</td></tr>"
            )
        return (
            f"<div><b>History</b>: {self.epochs} epochs, {escape(self.stop_reason)}"
            + (" (diverged)" if self.diverged else "")
            + "<table><thead><tr><th>metric</th><th>final</th><th>over the epochs</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table></div>"
        )

    def __repr__(self) -> str:
        # Per-layer records ("layer1/dead", from a Monitor) stay out of the one-line summary.
        final = ", ".join(
            f"{key}={values[-1]:.4g}"
            for key, values in self.history.items()
            if "/" not in key and values
        )
        parts = [f"epochs={self.epochs}", *([final] if final else [])]
        if self.diverged:
            parts.append("diverged=True")
        if self.interrupted:
            parts.append("interrupted=True")
        parts.append(f"stop_reason={self.stop_reason!r}")
        return f"History({', '.join(parts)})"


@dataclass(repr=False)
class TrainingState:
    """Everything :func:`fit` needs, besides the weights, to go on exactly where a run is.

    A :class:`~neuronet.checkpoints.Checkpoint` writes it beside the network;
    ``fit(..., resume_from=path)`` reads both back and continues, so that the result is bit
    for bit that of a run never stopped. Callbacks get one from
    :meth:`Callback.training_state`. The epochs completed are ``history.epochs``.

    Attributes
    ----------
    epochs : int
        The epochs the run was asked for.
    history : History
        The metrics so far, and why the run stopped if it did.
    optimizer : dict
        :meth:`Optimizer.state_dict` (moments and step count) or :meth:`LBFGS.state_dict`.
    schedule : dict or None
        :meth:`Schedule.state_dict`, taken before the schedule's step for the last epoch.
    rng, rng_start : dict
        The network's random generator's ``bit_generator.state`` now and when ``fit``
        began (from which the validation split is drawn again).
    settings : dict
        The arguments of ``fit`` that a resumed run must share (``batch_size``, ``l2``...)
        and the sizes of the training and validation sets.
    best, wait, best_params
        Early stopping: the best monitored loss, the epochs since, that epoch's weights.
    initial_loss, rising
        Divergence detection: the loss at the start, epochs of rising loss in a row.
    """

    epochs: int
    history: History
    optimizer: dict[str, Any]
    schedule: dict[str, Any] | None
    rng: dict[str, Any]
    rng_start: dict[str, Any]
    settings: dict[str, Any]
    best: float
    wait: int
    best_params: NDArray[Any]
    initial_loss: float
    rising: int

    def __repr__(self) -> str:
        return (
            f"TrainingState(epoch={self.history.epochs}/{self.epochs}, "
            f"optimizer={self.optimizer['class']}, "
            f"schedule={None if self.schedule is None else self.schedule['class']})"
        )


class FullBatchData(abc.ABC):
    """A training set that only full-batch optimizers (L-BFGS) can use, wherever it lives.

    ``fit(net, data, optimizer="lbfgs")`` trains on it with the one training loop: every time
    L-BFGS needs the loss and gradient at ``net.parameters``, the loop calls
    :meth:`loss_and_gradient`, which may compute them anywhere (``neuronet.dask`` sums them
    over a cluster's blocks), then adds the L2 penalty once and records, checks and reports
    the iteration as for arrays.
    """

    @property
    @abc.abstractmethod
    def n_samples(self) -> int:
        """How many samples the loss averages over."""

    @abc.abstractmethod
    def loss_and_gradient(self, net: MLP) -> tuple[float, int]:
        """The mean loss over every sample at ``net.parameters`` and how many a classifier got
        right; the mean gradient written into ``net.gradients``. Without any L2 term."""


def _sparkline(values: Sequence[float], width: int = 120, height: int = 24) -> str:
    """An inline SVG polyline of ``values`` (finite ones), scaled to fit the box."""
    finite = [(i, v) for i, v in enumerate(values) if math.isfinite(v)]
    if len(finite) < 2:
        return ""
    low, high = min(v for _, v in finite), max(v for _, v in finite)
    span, last = (high - low) or 1.0, max(len(values) - 1, 1)
    points = " ".join(
        f"{width * i / last:.1f},{height - 2 - (height - 4) * (v - low) / span:.1f}"
        for i, v in finite
    )
    return (
        f"<svg width='{width}' height='{height}'><polyline points='{points}' fill='none' "
        f"stroke='#0072B2' stroke-width='1.5'/></svg>"
    )


def fit(
    net: MLP,
    X: ArrayLike | Iterable[tuple[Any, ...]] | FullBatchData,
    y: ArrayLike | None = None,
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
    sample_weight: ArrayLike | None = None,
    steps_per_epoch: int | None = None,
    callbacks: Sequence[Callback | Callable[[int, dict[str, float]], bool | None]] | None = (),
    verbose: int = 1,
    resume_from: str | os.PathLike[str] | None = None,
) -> History:
    r"""Train the network on ``(X, y)`` by backpropagation; return its :class:`History`.

    ``net.fit(X, y, ...)`` and ``neuronet.training.fit(net, X, y, ...)`` are the same call:
    this is the one training loop, which everything else (the command line, the estimators)
    calls. Each epoch shuffles the data, then for each mini-batch runs
    :meth:`MLP.train_step` (forward and backward) and lets the optimizer update
    ``net.parameters`` in place. After each epoch it records the metrics, validates, and asks
    the schedule, early stopping and the callbacks whether to change the learning rate or
    stop. Dropout is part of the network (``MLP(..., dropout=0.2)``), active here only.

    Ctrl-C (SIGINT, in the main thread) stops training at the end of the batch in progress,
    never in the middle of an update: ``fit`` returns the History with ``interrupted=True``
    and the weights after that batch (the best epoch's, with ``early_stopping``); a second
    Ctrl-C aborts at once with KeyboardInterrupt. An interrupted epoch is not recorded.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_inputs), an iterable of batches, or FullBatchData
        The inputs. A NumPy memmap is read batch by batch, never copied whole. Without ``y``,
        an iterable (a generator, a list, a reader of Parquet row groups...) of
        ``(X_batch, y_batch)`` or ``(X_batch, y_batch, sample_weight_batch)`` tuples: each
        epoch takes ``steps_per_epoch`` batches from it, or one full pass when that is None
        (a re-iterable is then started again every epoch). ``batch_size``, ``shuffle``,
        ``validation_split`` and L-BFGS do not apply to batches. A :class:`FullBatchData`
        (data held elsewhere, such as a Dask cluster's blocks) trains with L-BFGS.
    y : array_like, optional
        Targets that fit the loss. A classifier takes one label per sample, shape (n,) or
        (n, 1): the network's ``classes`` if it has them, else 0..k-1 (0/1 for one sigmoid
        output), or labels of any kind (strings, booleans, a pandas category), from which
        the first ``fit`` takes ``classes``; categorical cross-entropy also takes one-hot
        rows. A regressor takes values, shape (n,) or (n, n_outputs). pandas nullable
        columns are read as numbers; a missing value is an error.
    epochs : int, default=100
        Passes over the training data (the most iterations, for L-BFGS).
    batch_size : int, default=32
        Samples per gradient step (L-BFGS always uses the whole set).
    optimizer : str or Optimizer, default="adam"
        See :mod:`neuronet.optimizers`: "sgd", "momentum", "nesterov", "rmsprop", "adam",
        "adamw", "lbfgs", or an instance. An instance is used as it is, unless ``lr`` is also
        given: then a copy with that learning rate is trained, and yours is left unchanged.
    lr : float, optional
        Learning rate; the optimizer's own if omitted. L-BFGS has none and ignores it.
    schedule : str or Schedule, optional
        Learning-rate schedule applied after each epoch (:mod:`neuronet.schedules`).
        Not with L-BFGS, whose line search chooses every step.
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
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weight of each sample: each batch's loss is the weighted average of its
        samples' losses (scikit-learn's convention). Validation stays unweighted.
    steps_per_epoch : int, optional
        Batches per epoch when ``X`` is an iterable of batches.
    callbacks : sequence of Callback or callable, default=()
        Each is called after every epoch; see :class:`Callback`. None means none.
    verbose : {0, 1, 2}, default=1
        0 silent, 1 a progress bar with the metrics, 2 also one line per epoch.
    resume_from : str or os.PathLike, optional
        A file written by :class:`~neuronet.checkpoints.Checkpoint`: its weights, optimizer
        and schedule state, random generator, history and early-stopping counters replace
        the network's and the run goes on from the epoch after it up to ``epochs``, bit for
        bit as if it had never stopped, given the same data and the same other arguments
        (those that change the result are checked). L-BFGS goes on from the saved weights
        but rebuilds its curvature history (see :meth:`LBFGS.state_dict`). An iterable of
        batches starts again from what it yields now.

    Returns
    -------
    History
        The metrics of every epoch, ``best_epoch``, ``stop_reason``, ``diverged`` and
        ``interrupted``; with ``resume_from``, the checkpoint's epochs and those after it.

    Raises
    ------
    ValueError
        With ``resume_from``: a file without training state, or one written for another
        architecture, optimizer, schedule or set of arguments (the message names the file
        and what differs).

    Warns
    -----
    DivergenceWarning
        When the loss becomes NaN or infinite, or runs away (more than
        ``RUNAWAY_FACTOR`` times the loss at the start, or rising for
        ``RUNAWAY_EPOCHS`` epochs in a row while above it). Training stops, the weights
        of the best epoch (NaN: the last finite epoch) are kept and ``history.diverged`` is
        True.

    Examples
    --------
    >>> from neuronet import MLP, datasets
    >>> X, y = datasets.moons(200, noise=0.1, seed=0)
    >>> net = MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    >>> history = net.fit(X, y, epochs=20, lr=0.05, verbose=0)
    >>> history.epochs, history.stop_reason
    (20, 'completed all epochs')
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    patience = check_positive_int(patience, "patience")
    l2 = check_non_negative(l2, "l2")
    verbose = check_verbose(verbose)
    check_bool(shuffle, "shuffle")
    check_bool(early_stopping, "early_stopping")
    if callbacks is None:
        callbacks = ()
    if (
        isinstance(callbacks, Callback)
        or callable(callbacks)
        or not isinstance(callbacks, Iterable)
    ):
        raise TypeError(
            f"`callbacks` must be a list of Callback objects or functions, got {callbacks!r}; "
            f"for one, pass callbacks=[...]."
        )
    callbacks = list(callbacks)
    for cb in callbacks:
        if not (isinstance(cb, Callback) or callable(cb)):
            raise TypeError(f"`callbacks` must hold Callback objects or functions, got {cb!r}.")
    hooks = [cb if isinstance(cb, Callback) else _FunctionCallback(cb) for cb in callbacks]
    opt = _optimizer(optimizer, lr)
    sched = _schedules.get(schedule)
    if isinstance(opt, _optimizers.LBFGS):
        _check_lbfgs(net, sched)
    undo = (dict(net.rng.bit_generator.state), net.classes)
    if resume_from is not None:
        from . import checkpoints  # imported here: it brings io, which most runs never need

        saved, resumed = checkpoints.read(resume_from)
        checkpoints.check_network(resume_from, net, saved.net)
        net.classes = saved.net.classes  # the same, or this network had none yet
        # The validation split is drawn from the generator as it was when the run began.
        net.rng.bit_generator.state = resumed.rng_start
    rng_start = dict(net.rng.bit_generator.state)
    try:
        data, validation = _data(
            net, X, y, opt, sample_weight, steps_per_epoch, validation_split, validation_data
        )
        loop = _Loop(net, data, validation, l2, early_stopping, patience, hooks)
        settings = _settings(
            data,
            validation,
            batch_size=batch_size,
            shuffle=shuffle,
            l2=l2,
            validation_split=validation_split,
            early_stopping=early_stopping,
            patience=patience,
        )
        loop.begin(opt, sched, epochs, settings, rng_start)
        if resume_from is not None:
            loop.check(resumed, os.fspath(resume_from))
            started = started_lr(resumed.optimizer, resumed.schedule)
            if lr is not None and started is not None and float(lr) != started:
                warn_user(
                    f"`lr`={lr!r} is not used when resuming from {os.fspath(resume_from)!r}: "
                    f"the run began with {started!r} and goes on from the checkpoint's "
                    f"optimizer and schedule state, as the uninterrupted run would have.",
                    UserWarning,
                )
    except BaseException:
        # Refused (or bad data): the network is as it was.
        net.rng.bit_generator.state, net.classes = undo
        raise
    if resume_from is not None:
        checkpoints.copy_weights(saved.net, net)
        loop.restore(resumed)
    for cb in hooks:
        cb._snapshot = loop.snapshot
    try:
        with (
            _CtrlC() as ctrl_c,
            ProgressReport(verbose, epochs) as progress,
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        ):
            # Overflow inside a diverging step is caught by the checks in _end_epoch, which
            # stop with one clear warning instead of a stream of numpy RuntimeWarnings.
            loop.ctrl_c = ctrl_c
            for cb in hooks:
                cb.on_train_begin(net)
            if loop.finished():
                pass  # a checkpoint of a run that had ended: nothing is left to do
            elif isinstance(opt, _optimizers.LBFGS):
                loop.run_lbfgs(opt, epochs, progress)
            else:
                loop.run(opt, sched, epochs, batch_size, shuffle, progress)
        loop.finish()
        for cb in hooks:
            cb.on_train_end(net, loop.history)
    finally:
        for cb in hooks:
            cb._snapshot = None
    return loop.history


def _data(
    net: MLP,
    X: ArrayLike | Iterable[tuple[Any, ...]] | FullBatchData,
    y: ArrayLike | None,
    opt: _optimizers.Optimizer | _optimizers.LBFGS,
    sample_weight: ArrayLike | None,
    steps_per_epoch: int | None,
    validation_split: float | None,
    validation_data: tuple[ArrayLike, ArrayLike] | None,
) -> tuple[_Arrays | _Stream | FullBatchData, tuple[NDArray[Any], NDArray[Any]] | None]:
    """The training data in the form the loop reads, and the validation set, prepared."""
    data: _Arrays | _Stream | FullBatchData
    if isinstance(X, FullBatchData):
        if not isinstance(opt, _optimizers.LBFGS) or y is not None:
            raise ValueError(
                "A FullBatchData set trains with optimizer='lbfgs' and no `y`; got "
                f"optimizer={opt!r}."
            )
        data = X
        validation = None if validation_data is None else net.prepare(*validation_data)
    elif y is None:
        data = _Stream(net, X, steps_per_epoch, sample_weight, validation_split, opt)
        validation = None if validation_data is None else net.prepare(*validation_data)
    else:
        if steps_per_epoch is not None:
            raise ValueError(
                "`steps_per_epoch` is for an iterable of (X, y) batches given without `y`; "
                f"with arrays every epoch is one pass over them, got {steps_per_epoch!r}."
            )
        X_arr, y_arr = net.prepare(cast(ArrayLike, X), y, infer_classes=True, copy=False)
        _check_scale(X_arr)
        if not net.is_classifier:
            _check_scale(y_arr, "y")
        weight = check_sample_weight(sample_weight, len(X_arr))
        rows, validation = _split_validation(net, X_arr, y_arr, validation_split, validation_data)
        net.head.check_training_targets(y_arr)
        data = _Arrays(net, X_arr, y_arr, weight, rows)
    return data, validation


def _settings(
    data: _Arrays | _Stream | FullBatchData,
    validation: tuple[NDArray[Any], NDArray[Any]] | None,
    **arguments: Any,
) -> dict[str, Any]:
    """What a resumed run must share with the one that wrote the checkpoint: the arguments
    of fit that change the result, and the sizes of the training and validation sets."""
    return {
        **arguments,
        "n_train": (
            len(data)
            if isinstance(data, _Arrays)
            else data.n_samples
            if isinstance(data, FullBatchData)
            else None  # batches: as many as the iterable gives
        ),
        "n_validation": None if validation is None else len(validation[0]),
        # The weights themselves change the result: a short digest of them, None for none.
        "sample_weight": (
            hashlib.blake2b(np.ascontiguousarray(data.weight).tobytes(), digest_size=8).hexdigest()
            if isinstance(data, _Arrays) and data.weight is not None
            else None
        ),
    }


#: A loss above this many times the loss at the start (the network's on its first samples,
#: or an uninformed guess's if that is higher: a trained network starts near 0) has run away.
RUNAWAY_FACTOR = 100.0
#: The loss at the start is measured on at least this many samples.
BASELINE_SAMPLES = 32
#: A loss above the one at the start that rose this many epochs in a row has run away.
RUNAWAY_EPOCHS = 5


def started_lr(optimizer: Any, schedule: Any) -> float | None:
    """The learning rate a run began with, from its optimizer's and schedule's state dicts.

    A schedule's first rate (``lr0``), else the optimizer's (constant without a schedule);
    None for neither (L-BFGS) or anything malformed. :func:`neuronet.checkpoints.started_lr`
    reads them from a checkpoint file.
    """

    def part(state: Any, key: str) -> Mapping[str, Any]:
        value = state.get(key) if isinstance(state, Mapping) else None
        return value if isinstance(value, Mapping) else {}

    lr = part(schedule, "state").get("lr0")
    if lr is None:
        lr = part(optimizer, "config").get("lr")
    return float(lr) if isinstance(lr, int | float) and not isinstance(lr, bool) else None


def _copied(batch: Batch) -> Batch:
    xb, yb, wb = batch
    return xb.copy(), yb.copy(), None if wb is None else wb.copy()


def _kwargs(config: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in config.items())


def _optimizer(
    optimizer: str | _optimizers.Optimizer | _optimizers.LBFGS, lr: float | None
) -> _optimizers.Optimizer | _optimizers.LBFGS:
    if isinstance(optimizer, _optimizers.Optimizer) and lr is not None:
        # A twin with the new rate: the caller's object must not change under them.
        config = {**optimizer.get_config(), "lr": check_number(lr, "lr", "> 0")}
        return type(optimizer).from_config(config)
    return _optimizers.get(optimizer, lr=lr)


def _check_lbfgs(net: MLP, sched: _schedules.Schedule | None) -> None:
    if sched is not None:
        raise ValueError(
            f"`schedule` does not apply to L-BFGS, whose line search chooses every step "
            f"itself; got schedule={sched!r}. Remove it, or use a mini-batch optimizer "
            f"such as 'adam'."
        )
    if any(isinstance(layer, Dropout) for layer in net.layers):
        raise ValueError(
            f"L-BFGS needs the same loss every time it evaluates the same weights, but this "
            f"network has dropout (rate {net.dropout}), which makes the loss random. Use a "
            f"mini-batch optimizer such as 'adam', or build the network with dropout=0."
        )


def _split_validation(
    net: MLP,
    X: NDArray[Any],
    y: NDArray[Any],
    validation_split: float | None,
    validation_data: tuple[ArrayLike, ArrayLike] | None,
) -> tuple[NDArray[np.intp] | None, tuple[NDArray[Any], NDArray[Any]] | None]:
    """The training rows (None: all) and the validation set, prepared."""
    if validation_data is not None and validation_split is not None:
        raise ValueError("Give either `validation_data` or `validation_split`, not both.")
    if validation_data is not None:
        if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
            raise ValueError("`validation_data` must be a pair (X_val, y_val).")
        return None, net.prepare(*validation_data)
    if validation_split is None:
        return None, None
    fraction = check_fraction(validation_split, "validation_split")
    n_val = round(len(X) * fraction)
    if n_val < 1 or n_val >= len(X):
        raise ValueError(
            f"`validation_split`={fraction} of {len(X)} samples leaves an empty training or "
            f"validation set."
        )
    order = net.rng.permutation(len(X))
    val, train = order[:n_val], order[n_val:]
    if net.is_classifier and y.ndim == 1:
        _check_split_classes(net, y[train], y[val])
    # Only the validation rows are copied (and converted); training reads its rows by index.
    X_val = np.ascontiguousarray(X[val], dtype=net.dtype)
    return train, (X_val, y[val])


def _check_split_classes(net: MLP, y_train: NDArray[Any], y_val: NDArray[Any]) -> None:
    """Warn when the random split left classes with validation samples but no training ones."""
    unseen = np.setdiff1d(np.unique(y_val), np.unique(y_train))
    if unseen.size == 0:
        return
    names = [net.classes[i] if net.classes is not None else int(i) for i in unseen[:5]]
    more = f" and {unseen.size - 5} more" if unseen.size > 5 else ""
    warn_user(
        f"`validation_split` left {unseen.size} class(es) with validation samples but no "
        f"training sample ({', '.join(map(repr, names))}{more}): the validation loss and "
        f"accuracy measure classes the network never sees. Pass validation_data=(X_val, "
        f"y_val) chosen per class, or give more samples per class.",
        UserWarning,
    )


#: A feature whose mean or standard deviation exceeds this is far from unit scale. Raw
#: scikit-learn data sets such as breast cancer (a column of mean 881) and wine (proline,
#: mean 747) are, and train to the majority class with SGD unscaled.
SCALE_LIMIT = 500.0
#: The same for a regression target, which the output layer must reach from unit-scale
#: activations: the diabetes target (mean 152) leaves SGD predicting its mean.
TARGET_SCALE_LIMIT = 100.0


def _check_scale(X: NDArray[Any], name: str = "X") -> None:
    """Warn, naming the columns, when features (or regression targets) are far from unit scale.

    Weights start at the scale of 1/√n_inputs, so a feature in the thousands saturates or
    swamps every unit from the first step: SGD diverges or settles on one class, and Adam or
    L-BFGS quietly reach probabilities of exactly 0 and 1 with a huge loss. A regression
    target in the hundreds leaves SGD predicting its mean. Every row up to 4,096 (an evenly
    strided sample beyond) is enough to see it, and costs nothing next to an epoch.
    """
    limit = TARGET_SCALE_LIMIT if name == "y" else SCALE_LIMIT
    step = max(1, len(X) // 4096)
    # |mean| and std never exceed max |x|: two reductions over the rows as they are (no copy)
    # usually settle it, at a tenth of the float64 statistics' cost (a few % of an epoch).
    if X.size and max(abs(float(X[::step].max())), abs(float(X[::step].min()))) < limit:
        return
    sample = np.array(X[::step], dtype=np.float64)  # a copy, divided in place below
    # Each column divided by its largest |x| first, in place: squares near 1e300 overflow.
    peak = np.maximum(sample.max(axis=0), -sample.min(axis=0))
    peak[peak == 0] = 1.0
    sample /= peak
    mean, std = sample.mean(axis=0) * peak, sample.std(axis=0) * peak
    big = np.flatnonzero((np.abs(mean) > limit) | (std > limit))
    if big.size == 0:
        return
    j = int(big[np.argmax(np.maximum(np.abs(mean[big]), std[big]))])
    columns = ", ".join(map(str, big[:8].tolist())) + (" ..." if big.size > 8 else "")
    if name == "y":
        advice = (
            "Networks fit unscaled targets poorly: standardise y first and undo it on the "
            "predictions (scikit-learn's TransformedTargetRegressor does both; "
            "NeuronetRegressor and `neuronet train` do it for you)."
        )
    else:
        advice = (
            "Networks learn poorly from unscaled features: standardise X first (subtract "
            "each column's mean and divide by its standard deviation, as scikit-learn's "
            "StandardScaler does; `neuronet train` does it for data files)."
        )
    warn_user(
        f"`{name}` has {big.size} column(s) far from unit scale (column(s) {columns}; column "
        f"{j} has mean {mean[j]:.3g} and standard deviation {std[j]:.3g}). {advice}",
        UserWarning,
    )


Batch = tuple[NDArray[Any], NDArray[Any], NDArray[Any] | None]


class _Arrays:
    """Training data held as arrays, a memmap included: each batch is gathered by its rows.

    Gathering per batch copies one batch at a time, never the whole set, so a memmap larger
    than memory trains in bounded memory; the rows and their order are those of shuffling
    the whole set once per epoch, so results do not depend on how the data are held.
    """

    def __init__(
        self,
        net: MLP,
        X: NDArray[Any],
        y: NDArray[Any],
        weight: NDArray[Any] | None,
        rows: NDArray[np.intp] | None,
    ) -> None:
        self.net, self.X, self.y, self.weight, self.rows = net, X, y, weight, rows

    def __len__(self) -> int:
        return len(self.X) if self.rows is None else len(self.rows)

    def batches(self, batch_size: int, shuffle: bool) -> Iterator[Batch]:
        n, rows = len(self), self.rows
        if shuffle:
            order = self.net.rng.permutation(n)
            rows = order if rows is None else rows[order]
        for start in range(0, n, batch_size):
            stop = start + batch_size
            yield self._take(slice(start, stop) if rows is None else rows[start:stop])

    def _take(self, part: slice | NDArray[np.intp]) -> Batch:
        xb = np.ascontiguousarray(self.X[part], dtype=self.net.dtype)
        return xb, self.y[part], None if self.weight is None else self.weight[part]

    def full(self) -> Batch:
        """All the training rows at once (for L-BFGS, which needs the whole set)."""
        return self._take(slice(None) if self.rows is None else self.rows)


class _Stream:
    """Training data as an iterable of ``(X, y)`` or ``(X, y, sample_weight)`` batches."""

    def __init__(
        self,
        net: MLP,
        source: object,
        steps_per_epoch: int | None,
        sample_weight: object,
        validation_split: float | None,
        opt: object,
    ) -> None:
        if isinstance(source, np.ndarray) or not isinstance(source, Iterable):
            raise ValueError(
                "`y` is missing: give fit(X, y), or an iterable of (X, y) batches as X."
            )
        for name, value, why in (
            ("sample_weight", sample_weight, "put each batch's weights in its tuple"),
            ("validation_split", validation_split, "give validation_data instead"),
        ):
            if value is not None:
                raise ValueError(f"`{name}` does not apply to batches: {why}.")
        if isinstance(opt, _optimizers.LBFGS):
            raise ValueError(
                "L-BFGS needs the whole training set at every step; it cannot train on "
                "batches. Use a mini-batch optimizer such as 'adam'."
            )
        self.net, self.source = net, source
        self.steps = (
            None
            if steps_per_epoch is None
            else check_positive_int(steps_per_epoch, "steps_per_epoch")
        )
        self._iterator: Iterator[Any] | None = None

    def batches(self, batch_size: int, shuffle: bool) -> Iterator[Batch]:
        if self.steps is None:
            items: Iterator[Any] = iter(self.source)  # one full pass
        else:
            if self._iterator is None:
                self._iterator = iter(self.source)
            items = itertools.islice(self._iterator, self.steps)
        count = 0
        for item in items:
            count += 1
            yield self._prepare(item)
        if count == 0:
            raise ValueError(
                "The iterable of batches gave no batch for this epoch: an iterator runs out "
                "after one pass; give a re-iterable (a list, or an object whose __iter__ "
                "starts again), or a generator that never ends with `steps_per_epoch`."
            )

    def _prepare(self, item: object) -> Batch:
        if not (isinstance(item, tuple | list) and len(item) in (2, 3)):
            raise ValueError(
                f"Each batch must be a tuple (X, y) or (X, y, sample_weight), got "
                f"{type(item).__name__}."
            )
        X, y = self.net.prepare(item[0], item[1], infer_classes=True)
        weight = check_sample_weight(item[2] if len(item) == 3 else None, len(X))
        return X, y, weight


class _CtrlC:
    """While ``fit`` runs, the first Ctrl-C asks the loop to stop after the batch in progress.

    Python's own handler raises KeyboardInterrupt wherever the main thread happens to be,
    which may be half-way through an optimizer's in-place update. This one only records the
    request; the loop looks at it after every batch. A second Ctrl-C hands over to the
    handler that was there before (a KeyboardInterrupt, usually) for an immediate abort.
    Signals belong to the main thread: elsewhere (a worker thread, a Dask task) nothing is
    installed and Ctrl-C behaves as it always does.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is not threading.main_thread():
            return self
        previous = signal.getsignal(signal.SIGINT)
        if previous is signal.SIG_IGN or previous is None:
            return self  # Ctrl-C is ignored (nohup, a background job) or not Python's to handle
        try:
            signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main interpreter
            return self
        self._previous, self._installed = previous, True
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if not self.requested:
            self.requested = True
            return
        self._restore()
        if callable(self._previous):
            self._previous(signum, frame)
        else:  # SIG_DFL: what Python's default handler would have done
            raise KeyboardInterrupt

    def _restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def __exit__(self, *exc: object) -> None:
        self._restore()


class _Loop:
    """The state of one call to :func:`fit`, so each step reads as a short method."""

    def __init__(
        self,
        net: MLP,
        data: _Arrays | _Stream | FullBatchData,
        validation: tuple[NDArray[Any], NDArray[Any]] | None,
        l2: float,
        early_stopping: bool,
        patience: int,
        hooks: list[Callback],
    ) -> None:
        self.net, self.data, self.validation = net, data, validation
        self.l2 = l2
        self.early_stopping, self.patience, self.hooks = early_stopping, patience, hooks
        self.history = History()
        # One copy while they agree; best_params is never written to, only replaced, and
        # last_finite is overwritten in place only when it is not the best weights too.
        self.last_finite = net.parameters.copy()
        self.best_params = self.last_finite
        self.best = math.inf
        self.wait = 0
        # What the network scores at the start, the yardstick for a loss that runs away: the
        # loss of the first batch, which train_step computes before any update anyway (a pass
        # over the data would cost a third of an epoch), or, for batches smaller than
        # BASELINE_SAMPLES, of the first batches making up that many samples (_baseline).
        self.initial_loss = math.nan
        self.rising = 0
        self.ctrl_c = _CtrlC()  # replaced by the installed one while the run goes on
        self.resumed = False

    def begin(
        self,
        opt: _optimizers.Optimizer | _optimizers.LBFGS,
        sched: _schedules.Schedule | None,
        epochs: int,
        settings: dict[str, Any],
        rng_start: dict[str, Any],
    ) -> None:
        """What a snapshot needs besides the loop's own counters."""
        self.opt, self.sched, self.epochs = opt, sched, epochs
        self.settings, self.rng_start = settings, rng_start

    # --- checkpoints ---------------------------------------------------------------------

    def snapshot(self) -> TrainingState:
        history = self.history
        return TrainingState(
            epochs=self.epochs,
            history=replace(history, history={k: list(v) for k, v in history.history.items()}),
            optimizer=self.opt.state_dict(),
            schedule=None if self.sched is None else self.sched.state_dict(),
            rng=dict(self.net.rng.bit_generator.state),
            rng_start=self.rng_start,
            settings=dict(self.settings),
            best=self.best,
            wait=self.wait,
            best_params=self.best_params.copy(),
            initial_loss=self.initial_loss,
            rising=self.rising,
        )

    def check(self, state: TrainingState, source: str) -> None:
        """Raise unless this run can go on from a checkpoint's state; change nothing."""
        opt, sched = self.opt, self.sched
        where = f"Cannot resume from {source!r}"
        saved_opt = state.optimizer
        if saved_opt.get("class") != type(opt).__name__:
            raise ValueError(
                f"{where}: it holds the state of {saved_opt.get('class')}, but fit was "
                f"given {opt!r}. Resume with the optimizer of the run that wrote it."
            )
        mine = {k: v for k, v in opt.get_config().items() if k != "lr"}
        theirs = {k: v for k, v in saved_opt.get("config", {}).items() if k != "lr"}
        if mine != theirs:
            raise ValueError(
                f"{where}: its optimizer was {saved_opt['class']}({_kwargs(theirs)}), but fit "
                f"was given {type(opt).__name__}({_kwargs(mine)}) (the learning rate may "
                f"differ: the saved one is used)."
            )
        saved_sched = state.schedule
        if (saved_sched is None) != (sched is None) or (
            sched is not None
            and saved_sched is not None
            and (
                saved_sched.get("class") != type(sched).__name__
                or saved_sched.get("config") != sched.get_config()
            )
        ):
            theirs_s = (
                "no schedule"
                if saved_sched is None
                else f"{saved_sched.get('class')}({_kwargs(saved_sched.get('config', {}))})"
            )
            raise ValueError(
                f"{where}: the run that wrote it had {theirs_s}, but fit was given "
                f"schedule={sched!r}."
            )
        differ = [
            f"{key}={state.settings.get(key)!r} there, {value!r} here"
            for key, value in self.settings.items()
            if state.settings.get(key) != value
        ]
        if differ:
            raise ValueError(
                f"{where}: it was written by a fit with other arguments or data "
                f"({'; '.join(differ)}). Resume with the same ones, or start a new run from "
                f"its weights: net = neuronet.load(path); net.fit(...)."
            )
        params = self.net.parameters
        shape, dtype = saved_opt.get("shape"), saved_opt.get("dtype")
        if state.best_params.shape != params.shape or (
            shape is not None and (tuple(shape) != params.shape or dtype != str(params.dtype))
        ):
            raise ValueError(
                f"{where}: its optimizer state is for parameters of shape {shape} and dtype "
                f"{dtype}; this network has {params.shape} of {params.dtype}."
            )
        try:  # loaded into twins, so that a bad state changes nothing
            type(opt)().load_state_dict(state.optimizer)
            if sched is not None and state.schedule is not None:
                type(sched)().load_state_dict(state.schedule)
            np.random.default_rng().bit_generator.state = state.rng
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{where}: its training state is invalid: {err}") from None

    def restore(self, state: TrainingState) -> None:
        """Take over a checkpoint's state (checked by :meth:`check`) and the network's weights."""
        self.opt.load_state_dict(state.optimizer)
        if self.sched is not None and state.schedule is not None:
            self.sched.load_state_dict(state.schedule)
        self.net.rng.bit_generator.state = state.rng
        self.history = replace(
            state.history, history={k: list(v) for k, v in state.history.history.items()}
        )
        self.best, self.wait = state.best, state.wait
        self.best_params = state.best_params.astype(self.net.dtype, copy=True)
        self.initial_loss, self.rising = state.initial_loss, state.rising
        self.last_finite = self.net.parameters.copy()
        self.resumed = True

    def finished(self) -> bool:
        """Whether the run (resumed from a checkpoint) has nothing left to do."""
        history = self.history
        return history.epochs >= self.epochs or history.stopped_early or history.diverged

    # --- the loop --------------------------------------------------------------------------

    # One epoch of mini-batch training: the mean loss, the correct answers, the samples seen,
    # and, if Ctrl-C stopped it part-way, the number of batches it completed.
    def _epoch(
        self, opt: _optimizers.Optimizer, batch_size: int, shuffle: bool
    ) -> tuple[float, int, int, int | None]:
        net, data = self.net, self.data
        if isinstance(data, FullBatchData):  # refused in fit() already; for the checker
            raise TypeError("Mini-batch optimizers need arrays or batches.")
        total, weight_total, correct, seen = 0.0, 0.0, 0, 0
        params, grads = net.parameters, net.gradients
        batches = data.batches(batch_size, shuffle)
        if math.isnan(self.initial_loss):
            batches = self._baseline(batches)
        for done, (xb, yb, wb) in enumerate(batches, start=1):
            loss, right = net.train_step(xb, yb, l2=self.l2, sample_weight=wb)
            if math.isnan(self.initial_loss):
                self._set_baseline(loss, [(yb, wb)])
            if not math.isfinite(loss):
                return loss, correct, max(seen, 1), None
            opt.step(params, grads)
            # Each batch's loss is an average over its samples (weighted ones, with weights):
            # the epoch's is the average of those, weighted the same way.
            share = float(len(xb) if wb is None else wb.sum())
            total += loss * share
            weight_total += share
            correct += right
            seen += len(xb)
            if self.ctrl_c.requested:
                return total / weight_total, correct, seen, done
        return total / weight_total, correct, seen, None

    def _set_baseline(
        self, loss: float, targets: list[tuple[NDArray[Any], NDArray[Any] | None]]
    ) -> None:
        """The starting loss, but never below an uninformed guess's on the same targets.

        A network trained before starts near 0 (a second fit, a loaded model): 100 times
        that is an ordinary loss, not a runaway. A constant guess (the class frequencies,
        the mean target) is what a network that learned nothing scores.
        """
        if not math.isfinite(loss):
            self.initial_loss = loss
            return
        ys = [y for y, _ in targets]
        weights = [w for _, w in targets if w is not None]
        y = ys[0] if len(ys) == 1 else np.concatenate(ys)
        w = np.concatenate(weights) if len(weights) == len(ys) else None
        self.initial_loss = max(loss, self.net.head.constant_guess_loss(y, w))

    def _baseline(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        """Set the starting loss over the first BASELINE_SAMPLES samples; return the batches.

        One small batch is not enough: with ``batch_size=1`` on a trained network, one
        sample it gets right would make an ordinary epoch look like a runaway. The first
        batches are read ahead (copied: a source may reuse its arrays), evaluated with the
        starting weights, and trained on as they come. A first batch of that many samples
        needs nothing: its training step's loss comes before any update.
        """
        first = next(batches, None)
        if first is None or len(first[0]) >= BASELINE_SAMPLES:
            return batches if first is None else itertools.chain([first], batches)
        ahead = [_copied(first)]
        seen = len(first[0])
        while seen < BASELINE_SAMPLES:
            batch = next(batches, None)
            if batch is None:
                break
            ahead.append(_copied(batch))
            seen += len(batch[0])
        total = weight = 0.0
        for xb, yb, wb in ahead:
            loss, _ = self.net.evaluate(xb, yb, l2=self.l2, sample_weight=wb)
            share = float(len(xb) if wb is None else wb.sum())
            total, weight = total + loss * share, weight + share
        if weight > 0 and math.isfinite(total):  # else the first step's loss decides
            self._set_baseline(total / weight, [(yb, wb) for _, yb, wb in ahead])
        return itertools.chain(ahead, batches)

    def run(
        self,
        opt: _optimizers.Optimizer,
        sched: _schedules.Schedule | None,
        epochs: int,
        batch_size: int,
        shuffle: bool,
        progress: ProgressReport,
    ) -> None:
        net = self.net
        # The same optimizer object goes on from its state (a second fit, partial_fit, or
        # the state a checkpoint restored).
        opt.prepare(net.parameters, decay_mask=net.weight_mask, reset=False)
        start = self.history.epochs
        if sched is not None:
            if not self.resumed:
                sched.start(opt.lr, epochs=epochs)
            elif start:
                # The checkpoint was taken before the schedule's step for its last epoch.
                opt.lr = sched.step(start - 1, self._monitored(self.history.history))
        for epoch in range(start, epochs):
            loss, correct, seen, partial = self._epoch(opt, batch_size, shuffle)
            if partial is not None:
                # Not recorded: its metrics would be those of part of the data.
                self._interrupted()
                break
            stop = self._end_epoch(epoch, loss, correct, seen, opt.lr, progress)
            if stop:
                break
            if self.ctrl_c.requested:
                self._interrupted()
                break
            if sched is not None:
                opt.lr = sched.step(epoch, self._monitored(self.history.history))

    def _interrupted(self) -> None:
        # One word that code can test for; how far it got is the History's epoch count.
        self.history.interrupted = True
        self.history.stop_reason = "interrupted"

    def run_lbfgs(self, opt: _optimizers.LBFGS, epochs: int, progress: ProgressReport) -> None:
        net, params = self.net, self.net.parameters
        data = self.data
        if isinstance(data, _Stream):  # refused when the stream was made; for the checker
            raise TypeError("L-BFGS needs the whole training set, not batches.")
        if isinstance(data, FullBatchData):
            n = data.n_samples

            def evaluate(gradient: bool) -> tuple[float, int]:
                loss, correct = data.loss_and_gradient(net)
                # The penalty belongs to the whole set: added once, here.
                return loss + net.l2_penalty(self.l2, add_gradient=True), correct
        else:
            X, y, weight = data.full()
            n = len(X)

            def evaluate(gradient: bool) -> tuple[float, int]:
                if gradient:
                    return net.train_step(X, y, l2=self.l2, sample_weight=weight)
                return net.evaluate(X, y, l2=self.l2, sample_weight=weight)

        # The line search's last evaluation is usually at the point L-BFGS accepts; data that
        # are costly to reach (a cluster's) reuse it for the epoch's record.
        last: list[Any] = [None, math.nan, 0]

        def loss_and_grad(x: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            params[...] = x
            loss, correct = evaluate(gradient=True)
            last[:] = [x.copy(), loss, correct]
            if math.isnan(self.initial_loss):
                if isinstance(data, FullBatchData):  # its targets are elsewhere
                    self.initial_loss = loss
                else:
                    self._set_baseline(loss, [(y, weight)])
            return loss, net.gradients.astype(np.float64)

        def after_iteration(x: NDArray[np.float64]) -> bool:
            params[...] = x
            if isinstance(data, FullBatchData) and np.array_equal(last[0], x):
                loss, correct = last[1], last[2]
            else:
                loss, correct = evaluate(gradient=False)
            epoch = self.history.epochs
            stop = self._end_epoch(epoch, loss, correct, n, math.nan, progress)
            if not stop and self.ctrl_c.requested:
                self._interrupted()
                stop = True
            return stop

        # Resumed, it goes on for the iterations left (from the saved weights: see
        # LBFGS.state_dict for why its curvature history starts afresh).
        start = self.history.epochs
        result = opt.minimize(
            loss_and_grad, params, max_iter=epochs - start, callback=after_iteration
        )
        history = self.history
        if history.diverged or history.stop_reason != "completed all epochs":
            return  # diverged, stopped early or by a callback: _end_epoch said why
        params[...] = result.x
        if history.epochs < epochs:
            # SciPy ended the run before the last epoch: converged, or could not go on.
            word = "converged" if result.success else "stopped"
            iterations = start + result.nit
            history.stop_reason = f"L-BFGS {word} after {iterations} iterations: {result.message}"

    def _logs(self, loss: float, correct: int, seen: int, lr: float) -> dict[str, float]:
        net = self.net
        logs = {"loss": loss}
        if net.is_classifier:
            logs["accuracy"] = correct / seen
        if self.validation is not None:
            X_val, y_val = self.validation
            val_loss, val_correct = net.evaluate(X_val, y_val, l2=self.l2)
            logs["val_loss"] = val_loss
            if net.is_classifier:
                logs["val_accuracy"] = val_correct / len(X_val)
        if math.isfinite(lr):  # L-BFGS has no learning rate
            logs["lr"] = lr
        return logs

    @staticmethod
    def _monitored(history: dict[str, list[float]]) -> float:
        return history["val_loss"][-1] if "val_loss" in history else history["loss"][-1]

    def _end_epoch(
        self,
        epoch: int,
        loss: float,
        correct: int,
        seen: int,
        lr: float,
        progress: ProgressReport,
    ) -> bool:
        """Check, record and report the epoch; return True when training should stop."""
        if not (math.isfinite(loss) and np.isfinite(self.net.parameters).all()):
            self._diverged(epoch, f"the loss became {loss} (NaN or infinite)", lr, nan=True)
            return True
        previous = self.history["loss"][-1] if "loss" in self.history else math.inf
        self.rising = self.rising + 1 if loss > previous else 0
        if loss > RUNAWAY_FACTOR * self.initial_loss:
            self._diverged(
                epoch,
                f"the loss ran away to {loss:.4g}, over {RUNAWAY_FACTOR:g} times the loss at "
                f"the start ({self.initial_loss:.4g})",
                lr,
            )
            return True
        if self.rising >= RUNAWAY_EPOCHS and loss > self.initial_loss:
            self._diverged(
                epoch,
                f"the loss rose {self.rising} epochs in a row to {loss:.4g}, above the loss "
                f"at the start ({self.initial_loss:.4g})",
                lr,
            )
            return True
        logs = self._logs(loss, correct, seen, lr)
        self.history.record(logs)
        if self.last_finite is self.best_params:  # still needed as the best weights
            self.last_finite = self.net.parameters.copy()
        else:
            self.last_finite[...] = self.net.parameters
        progress.epoch_end(epoch, logs)
        stop = False
        monitored = self._monitored(self.history.history)
        if monitored < self.best:
            self.best, self.wait = monitored, 0
            self.history.best_epoch = epoch
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
                self.history.stop_reason = (
                    cb.stop_reason or f"stopped by callback {type(cb).__name__}"
                )
                stop = True
        return stop

    def _diverged(self, epoch: int, what: str, lr: float, *, nan: bool = False) -> None:
        history = self.history
        # NaN: the last finite epoch; a runaway loss: the best epoch (the initial weights if
        # none was better), since the last epochs were already running away.
        kept = self.last_finite if nan else self.best_params
        self.net.parameters[...] = kept
        history.diverged = True
        history.stop_reason = f"diverged in epoch {epoch + 1}: {what}"
        if nan and epoch:
            which = f"the weights of the last finite epoch ({epoch})"
        elif not nan and history.best_epoch is not None:
            which = f"the weights of the best epoch ({history.best_epoch + 1})"
        else:
            which = "the initial weights"
        lr_text = f" (it is {lr:g})" if math.isfinite(lr) else ""
        warn_user(
            f"Training stopped in epoch {epoch + 1}: {what}. {which.capitalize()} were "
            f"kept. Lower the learning rate{lr_text}; standardising X or a bounded output "
            f"activation can also help.",
            DivergenceWarning,
        )

    def finish(self) -> None:
        if self.early_stopping and not self.history.diverged and self.history.epochs:
            self.net.parameters[...] = self.best_params
