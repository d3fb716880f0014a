r"""scikit-learn estimators over :class:`~neuronet.MLP`: a classifier and a regressor.

Both are thin layers over the network and the one training loop, :func:`neuronet.training.fit`:
they check the data and the parameters the scikit-learn way, build an :class:`~neuronet.MLP`
(kept as ``model_``), translate scikit-learn's parameter names into ``fit``'s and record what
scikit-learn users expect to find afterwards (``classes_``, ``loss_curve_``, ``n_iter_`` ...).
They work wherever a scikit-learn estimator does: ``Pipeline``, ``GridSearchCV``,
``cross_val_score``, ``clone``, and pass ``sklearn.utils.estimator_checks.check_estimator``.
They take sparse ``X`` (such as a ``OneHotEncoder``'s), densified a batch of rows at a time.

The parameters are named as in :class:`sklearn.neural_network.MLPClassifier` and mean the same;
``alpha`` in particular is scikit-learn's L2 penalty, which scikit-learn divides by the batch
size, so it becomes ``l2 = alpha / batch_size`` in ``fit``'s terms. neuronet adds its own
activations, optimizers, learning-rate schedules, dropout and normalisation.

:func:`from_sklearn` turns a fitted :class:`~sklearn.neural_network.MLPClassifier` or
:class:`~sklearn.neural_network.MLPRegressor` into a neuronet network (to look inside it with
:func:`neuronet.diagnose`, or train it further), and :func:`to_sklearn` a network into one of
them, where scikit-learn has the network's activations.

scikit-learn is an extra (``pip install 'neuronet[sklearn]'``); the rest of neuronet never
imports this module.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from neuronet.sklearn import NeuronetClassifier
>>> X, y = load_iris(return_X_y=True)
>>> model = make_pipeline(
...     StandardScaler(),
...     NeuronetClassifier(
...         (16,), activation="tanh", learning_rate_init=0.01, max_iter=300, random_state=0
...     ),
... )
>>> model.fit(X, y).score(X, y) > 0.95
True
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.special import expit, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
)
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from . import activations as _activations
from . import losses as _losses
from . import optimizers as _optimizers
from . import schedules as _schedules
from .network import MLP
from .training import Callback, History
from .training import fit as _fit

__all__ = ["NeuronetClassifier", "NeuronetRegressor", "from_sklearn", "to_sklearn"]

# Rows of a sparse X densified at a time in predict: bounded memory, whatever n_samples.
_CHUNK_ROWS = 4096


# --- parameter checks ------------------------------------------------------------------------


def _check_real(
    value: object,
    name: str,
    low: float,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = True,
) -> float:
    """``value`` as a float in the interval, or a ValueError naming the parameter."""
    ok = False
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        v = float(value)
        ok = math.isfinite(v) and (v > low if low_open else v >= low)
        ok = ok and (high is None or (v < high if high_open else v <= high))
    if not ok:
        left = "(" if low_open else "["
        right = "inf)" if high is None else (f"{high:g})" if high_open else f"{high:g}]")
        raise ValueError(f"`{name}` must be a number in {left}{low:g}, {right}, got {value!r}.")
    return float(value)  # type: ignore[arg-type]


def _check_int(value: object, name: str, minimum: int = 1) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"`{name}` must be True or False, got {value!r}.")
    return bool(value)


def _named(name: str, lookup: Any, value: Any) -> Any:
    """``lookup(value)``, with the parameter's name put in front of any error it raises."""
    try:
        return lookup(value)
    except (ValueError, TypeError) as err:
        raise type(err)(f"`{name}`: {err}") from None


def _hidden_sizes(value: object) -> list[int]:
    sizes = [value] if isinstance(value, numbers.Integral) else value
    try:
        sizes = list(sizes)  # type: ignore[call-overload]
    except TypeError:
        sizes = None
    if sizes is None or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and int(s) >= 1 for s in sizes
    ):
        raise ValueError(
            f"`hidden_layer_sizes` must be a positive integer or a sequence of them such as "
            f"(100,) or (64, 32), got {value!r}."
        )
    return [int(s) for s in sizes]


class _StopWhenStalled(Callback):
    """scikit-learn's stopping rule for the stochastic solvers, as a neuronet callback.

    Without a validation set: stop once the training loss has not fallen by ``tol`` below
    the best so far for more than ``n_iter_no_change`` epochs in a row. With one (when
    ``early_stopping``): the same on the validation *score* (accuracy or R², which must rise
    by ``tol``), recording each score, and put back the best epoch's weights at the end.
    """

    def __init__(
        self,
        estimator: _NeuronetBase,
        tol: float,
        n_iter_no_change: int,
        validation: tuple[NDArray[Any], Any] | None,
    ) -> None:
        self.estimator, self.tol, self.n_iter_no_change = estimator, tol, n_iter_no_change
        self.validation = validation
        self.count = 0
        self.scores: list[float] = []
        self.best = np.inf if validation is None else -np.inf
        self.best_parameters: NDArray[Any] | None = None
        self.stopped = False
        self.net: MLP | None = None

    def on_train_begin(self, net: MLP) -> None:
        self.net = net

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        assert self.net is not None  # set by on_train_begin
        if self.validation is None:
            loss = logs["loss"]
            self.count = self.count + 1 if loss > self.best - self.tol else 0
            self.best = min(self.best, loss)
        else:
            X_val, y_val = self.validation
            score = self.estimator._score_network(self.net, X_val, y_val)
            self.scores.append(score)
            self.count = self.count + 1 if score < self.best + self.tol else 0
            if score > self.best:
                self.best = score
                self.best_parameters = self.net.parameters.copy()
        self.stopped = self.count > self.n_iter_no_change
        return self.stopped

    def on_train_end(self, net: MLP, history: History) -> None:
        if self.best_parameters is not None:
            net.parameters[...] = self.best_parameters


# --- the shared estimator -------------------------------------------------------------------


class _NeuronetBase(BaseEstimator):
    """What the classifier and the regressor share; see :class:`NeuronetClassifier`."""

    _is_classifier = False

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str | Any = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        output_activation: str | None = None,
        loss: str | None = None,
        dropout: float = 0.0,
        norm: str | None = None,
        schedule: str | Any = None,
        dtype: str = "float32",
        init: str = "sklearn",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.output_activation = output_activation
        self.loss = loss
        self.dropout = dropout
        self.norm = norm
        self.schedule = schedule
        self.dtype = dtype
        self.init = init

    # -- checks ------------------------------------------------------------------------------

    def _check_params(self) -> None:
        """Every parameter checked at fit (scikit-learn's convention), errors naming it."""
        self._hidden_sizes = _hidden_sizes(self.hidden_layer_sizes)
        act = self.activation
        if isinstance(act, str | _activations.Activation):
            _named("activation", _activations.get, act)
        else:
            try:
                acts = list(act)
            except TypeError:
                raise ValueError(
                    f"`activation` must be a name such as 'relu' or a list with one per hidden "
                    f"layer, got {act!r}."
                ) from None
            if len(acts) != len(self._hidden_sizes):
                raise ValueError(
                    f"`activation` lists {len(acts)} activations for "
                    f"{len(self._hidden_sizes)} hidden layers; give one per hidden layer or a "
                    f"single name."
                )
            for a in acts:
                _named("activation", _activations.get, a)
        if self.output_activation is not None:
            _named("output_activation", _activations.get, self.output_activation)
        if self.loss is not None:
            _named("loss", _losses.get, self.loss)
        solver = self.solver
        if isinstance(solver, _optimizers.Optimizer | _optimizers.LBFGS):
            self._solver_is_lbfgs = isinstance(solver, _optimizers.LBFGS)
        else:
            self._solver_is_lbfgs = isinstance(
                _named("solver", _optimizers.get, solver), _optimizers.LBFGS
            )
        _named("schedule", _schedules.get, self.schedule)
        _check_real(self.alpha, "alpha", 0.0, None)
        _check_real(self.learning_rate_init, "learning_rate_init", 0.0, None, low_open=True)
        _check_real(self.tol, "tol", 0.0, None)
        _check_real(self.validation_fraction, "validation_fraction", 0.0, 1.0, low_open=True)
        _check_real(self.dropout, "dropout", 0.0, 1.0)
        _check_int(self.max_iter, "max_iter")
        _check_int(self.n_iter_no_change, "n_iter_no_change")
        if self.batch_size != "auto":
            _check_int(self.batch_size, "batch_size")
        for name in ("shuffle", "warm_start", "early_stopping"):
            _check_bool(getattr(self, name), name)
        if not (isinstance(self.verbose, numbers.Integral) and 0 <= self.verbose <= 2):
            raise ValueError(f"`verbose` must be False, True, 0, 1 or 2, got {self.verbose!r}.")
        if self.norm not in (None, "batch", "layer"):
            raise ValueError(f"`norm` must be None, 'batch' or 'layer', got {self.norm!r}.")
        if self.dtype not in ("float32", "float64", np.float32, np.float64):
            raise ValueError(f"`dtype` must be 'float32' or 'float64', got {self.dtype!r}.")
        if self.early_stopping and self._solver_is_lbfgs:
            raise ValueError(
                "`early_stopping`=True needs a mini-batch solver such as 'adam'; L-BFGS "
                "(solver='lbfgs') trains on the whole set and stops by `tol` instead."
            )

    def _seed(self) -> int:
        """The network's seed: ``random_state`` itself when it is an int, else drawn from it."""
        if isinstance(self.random_state, numbers.Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _optimizer(self) -> Any:
        """A fresh optimizer for a new network: a copy of an instance given as ``solver``."""
        if isinstance(self.solver, _optimizers.Optimizer | _optimizers.LBFGS):
            opt = copy.deepcopy(self.solver)
            if isinstance(opt, _optimizers.Optimizer):
                opt.reset()
            return opt
        if self._solver_is_lbfgs:
            return _optimizers.LBFGS(tol=self.tol)
        # scikit-learn's "sgd" has Nesterov momentum 0.9 by default; neuronet's plain SGD
        # under that name would be another optimizer (and far slower to converge).
        name = "nesterov" if isinstance(self.solver, str) and _is_sgd(self.solver) else self.solver
        return _optimizers.get(name, lr=self.learning_rate_init)

    def _batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(int(self.batch_size), n_samples)

    # -- the network -------------------------------------------------------------------------

    def _build(
        self,
        n_features: int,
        n_outputs: int,
        output: str | None,
        loss: str | None,
        classes: list[Any] | None,
    ) -> MLP:
        act = (
            self.activation
            if isinstance(self.activation, str | _activations.Activation)
            else list(self.activation)
        )
        like_sklearn = self.init == "sklearn"
        net = MLP(
            [n_features, *self._hidden_sizes, n_outputs],
            act,
            self.output_activation if self.output_activation is not None else output,
            loss=self.loss if self.loss is not None else loss,
            dtype=self.dtype,
            seed=self._seed(),
            classes=classes,
            dropout=self.dropout,
            norm=self.norm,
            init="glorot_uniform" if like_sklearn else self.init,
        )
        if like_sklearn:
            _sklearn_initialisation(net)
        return net

    def _train(
        self,
        X: NDArray[Any],
        Y: NDArray[Any],
        sample_weight: NDArray[Any] | None,
        *,
        incremental: bool,
        stratify: NDArray[Any] | None = None,
    ) -> None:
        """Run :func:`neuronet.training.fit` once (one epoch for ``partial_fit``); record it."""
        net = self.model_
        n = X.shape[0]  # len() refuses a sparse matrix
        validation = None
        rows: NDArray[np.intp] | None = None  # the training rows, when some are held out
        if self.early_stopping and not incremental:
            # Split the row numbers, not the data: only the held-out rows are copied, so a
            # memmap's training rows are still read batch by batch.
            rows, held_out = train_test_split(
                np.arange(n),
                test_size=self.validation_fraction,
                random_state=self._seed(),
                stratify=stratify,
            )
            validation = (_dense(X[held_out]), self._validation_targets(Y[held_out]))
            n = len(rows)
        batch_size = self._batch_size(n)
        # scikit-learn divides alpha by the batch's total sample weight (the whole set's for
        # L-BFGS); fit's l2 is one number, so a mini-batch gets the average batch's weight.
        mean_weight = 1.0 if sample_weight is None else float(np.mean(sample_weight))
        per = n if self._solver_is_lbfgs else batch_size
        l2 = float(self.alpha) / (per * mean_weight)
        common: dict[str, Any] = {
            "optimizer": self.optimizer_,
            "schedule": copy.deepcopy(self.schedule),
            "l2": l2,
            "verbose": int(self.verbose),
        }
        if incremental:
            # One epoch, as batches from an iterable: a partial_fit batch may hold only some
            # of the classes, which fit() refuses or warns about for arrays.
            batches = _RowBatches(X, Y, sample_weight, None, batch_size, self.shuffle, net)
            history = _fit(net, batches, epochs=1, **common)
            stopper = None
        else:
            stopper = None
            callbacks = []
            if not self._solver_is_lbfgs:
                stopper = _StopWhenStalled(self, self.tol, self.n_iter_no_change, validation)
                callbacks.append(stopper)
            if rows is not None and self._solver_is_lbfgs:
                # L-BFGS holds the whole training set anyway.
                X, Y = X[rows], Y[rows]
                sample_weight = None if sample_weight is None else sample_weight[rows]
                rows = None
            if self._solver_is_lbfgs:
                X = _dense(X)  # it evaluates the whole set at every step: dense once
            if rows is None and not sp.issparse(X):
                history = _fit(
                    net,
                    X,
                    Y,
                    epochs=self.max_iter,
                    batch_size=batch_size,
                    shuffle=self.shuffle,
                    sample_weight=sample_weight,
                    callbacks=callbacks,
                    **common,
                )
            else:
                # The training rows, gathered (and a sparse X densified) a batch at a time:
                # the same rows in the same order as fitting on a dense copy of them.
                batches = _RowBatches(X, Y, sample_weight, rows, batch_size, self.shuffle, net)
                history = _fit(net, batches, epochs=self.max_iter, callbacks=callbacks, **common)
        self.history_ = history
        self.loss_curve_.extend(history.history.get("loss", []))
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        self.n_iter_ += history.epochs
        self.t_ += n * history.epochs
        if self.early_stopping and not incremental:
            self.best_loss_ = None
            scores = [] if stopper is None else stopper.scores
            self.validation_scores_: list[float] | None = scores
            self.best_validation_score_ = max(scores, default=-np.inf)
        else:
            self.best_loss_ = min(self.loss_curve_, default=np.inf)
        if incremental or history.diverged:
            return
        if history.stop_reason == "completed all epochs":
            solver = "L-BFGS" if self._solver_is_lbfgs else "Stochastic Optimizer"
            warnings.warn(
                f"{solver}: Maximum iterations ({self.max_iter}) reached and the optimization "
                f"hasn't converged yet. Raise `max_iter`, or `tol` to stop sooner.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _fit(
        self, X: Any, y: Any, sample_weight: Any, *, incremental: bool, classes: Any = None
    ) -> Any:
        self._check_params()
        if incremental and self._solver_is_lbfgs:  # partial_fit is hidden then; for safety
            raise AttributeError("partial_fit needs a mini-batch solver, not L-BFGS.")
        fitted = hasattr(self, "model_")
        reset = not fitted or (not incremental and not self.warm_start)
        if fitted and not reset and not incremental:
            self._check_network_unchanged()
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=not self._is_classifier,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        weight = _sample_weight(sample_weight, X.shape[0])
        Y, weight, stratify = self._targets(
            y, weight, reset=reset, incremental=incremental, classes=classes
        )
        if reset:
            self.model_ = self._new_network(X.shape[1])
            self._network_params = self._network_defining_params()
            self.loss_curve_: list[float] = []
            self.n_iter_ = 0
            self.t_ = 0
        if reset or not incremental:
            # As scikit-learn: every fit, warm or not, starts a fresh optimizer from the
            # current parameters (learning_rate_init, solver ...); partial_fit goes on with
            # the one it has.
            self.optimizer_ = self._optimizer()
        self.validation_scores_ = None
        self._train(X, Y, weight, incremental=incremental, stratify=stratify)
        return self

    def _network_defining_params(self) -> dict[str, tuple[str, Any]]:
        """Each parameter that defines the network itself (which warm_start cannot change):
        its value as given, and a key that compares equal exactly when two values build the
        same network ("relu" and ``ReLU()`` alike)."""

        def key(value: Any, lookup: Any) -> Any:
            if value is None:
                return None
            found = lookup(value)
            return (type(found).__name__, found.name, repr(found.get_params()))

        act = self.activation
        acts = (
            [act] * len(self._hidden_sizes)
            if isinstance(act, str | _activations.Activation)
            else act
        )
        # None means what the data called for, which is what the fitted network has: compare
        # with that, so that naming it ("identity" for a regressor) is no change.
        fitted = getattr(self, "model_", None)
        output, loss = self.output_activation, self.loss
        if fitted is not None:
            output = fitted.output_activation if output is None else output
            loss = fitted.loss if loss is None else loss
        keys: dict[str, Any] = {
            "hidden_layer_sizes": tuple(self._hidden_sizes),
            "activation": tuple(key(a, _activations.get) for a in acts),
            "output_activation": key(output, _activations.get),
            "loss": key(loss, _losses.get),
            "dtype": np.dtype(self.dtype).name,
            "norm": self.norm,
            "dropout": float(self.dropout),
        }
        keys.update(self._more_network_params())
        return {name: (repr(getattr(self, name)), value) for name, value in keys.items()}

    def _more_network_params(self) -> dict[str, Any]:
        return {}

    def _check_network_unchanged(self) -> None:
        """A warm-start fit goes on with the fitted network: refuse parameters it lacks."""
        built = getattr(self, "_network_params", None)
        if built is None:  # an estimator pickled before this was recorded
            return
        now = self._network_defining_params()
        for name, (fitted_repr, fitted_key) in built.items():
            new_repr, new_key = now[name]
            if new_key != fitted_key:
                raise ValueError(
                    f"`{name}` is {new_repr} but the fitted network was built with "
                    f"{name}={fitted_repr}; warm_start=True goes on training that network, "
                    f"which cannot change its {name}. Set warm_start=False to train a new "
                    f"network (or set {name} back to {fitted_repr})."
                )

    def _new_network(self, n_features: int) -> MLP:
        raise NotImplementedError

    def _targets(
        self, y: Any, weight: Any, *, reset: bool, incremental: bool, classes: Any
    ) -> tuple[NDArray[Any], NDArray[Any] | None, Any]:
        raise NotImplementedError

    def _validation_targets(self, Y: NDArray[Any]) -> Any:
        raise NotImplementedError

    def _score_network(self, net: MLP, X: NDArray[Any], y: Any) -> float:
        raise NotImplementedError

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags


class _RowBatches:
    """An epoch's batches of some rows of ``(X, Y[, w])``, gathered one batch at a time.

    Iterating again starts a new epoch, shuffled with the network's generator as
    ``MLP.fit`` shuffles arrays, so a memmap is never copied whole.
    """

    def __init__(
        self,
        X: NDArray[Any],
        Y: NDArray[Any],
        weight: NDArray[Any] | None,
        rows: NDArray[np.intp] | None,
        batch_size: int,
        shuffle: bool,
        net: MLP,
    ) -> None:
        self.X, self.Y, self.weight, self.batch_size, self.shuffle = (
            X,
            Y,
            weight,
            batch_size,
            shuffle,
        )
        self.rows = np.arange(X.shape[0]) if rows is None else rows
        self.net = net

    def __iter__(self) -> Any:
        rows = self.rows
        if self.shuffle:
            rows = rows[self.net.rng.permutation(len(rows))]
        for start in range(0, len(rows), self.batch_size):
            part = rows[start : start + self.batch_size]
            extra = [] if self.weight is None else [self.weight[part]]
            yield (_dense(self.X[part]), self.Y[part], *extra)


def _dense(X: Any) -> Any:
    """``X`` as a dense array if it is a sparse matrix, else as it is."""
    return X.toarray() if sp.issparse(X) else X


def _in_chunks(function: Callable[[NDArray[Any]], NDArray[Any]], X: Any) -> NDArray[Any]:
    """``function(X)``, a sparse ``X`` densified ``_CHUNK_ROWS`` rows at a time."""
    if not sp.issparse(X):
        return function(X)
    parts = [
        function(X[start : start + _CHUNK_ROWS].toarray())
        for start in range(0, X.shape[0], _CHUNK_ROWS)
    ]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _sample_weight(sample_weight: Any, n: int) -> NDArray[np.float64] | None:
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        return np.full(n, float(sample_weight))  # type: ignore[arg-type]
    w = check_array(sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight")
    if w.shape != (n,):
        raise ValueError(f"`sample_weight` must have shape ({n},), got {w.shape}.")
    if (w < 0).any():
        raise ValueError("`sample_weight` must be non-negative.")
    if not w.any():
        raise ValueError("`sample_weight` must hold a non-zero weight; every weight is zero.")
    return w


_PARAMETERS_DOC = r"""
    hidden_layer_sizes : int or sequence of int, default=(100,)
        The widths of the hidden layers: ``(64, 32)`` is two hidden layers.
    activation : str or list of str, default="relu"
        The hidden layers' activation: any name of :func:`neuronet.activations.names`
        (scikit-learn's "logistic" is "sigmoid"), or a list with one per hidden layer.
    solver : str or optimizer, default="adam"
        Any name of :func:`neuronet.optimizers.names` ("adam", "sgd", "momentum",
        "nesterov", "rmsprop", "adamw", "lbfgs") or an optimizer instance (copied at fit).
        "sgd" means what it means to scikit-learn's MLPs: SGD with Nesterov momentum 0.9
        (their defaults ``momentum=0.9, nesterovs_momentum=True``), the same as "nesterov";
        plain SGD is ``neuronet.optimizers.SGD(lr)``.
    alpha : float, default=0.0001
        L2 penalty on the weights, as scikit-learn defines it: divided by the batch size,
        ``fit(l2=alpha / batch_size)`` (by the number of samples for L-BFGS).
    batch_size : int or "auto", default="auto"
        Samples per gradient step; "auto" is ``min(200, n_samples)``, and a larger value is
        clipped to ``n_samples``.
    learning_rate_init : float, default=0.001
        The optimizer's learning rate (ignored by L-BFGS).
    max_iter : int, default=200
        The most epochs (iterations for L-BFGS) per ``fit``.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights, the shuffling, dropout and the validation split. An int is
        the network's seed; None draws a fresh one from NumPy's global generator.
    tol : float, default=1e-4
        Training stops when the training loss (the validation score with
        ``early_stopping``) has not improved by ``tol`` for more than ``n_iter_no_change``
        epochs in a row. L-BFGS uses it as the gradient tolerance.
    verbose : bool or int, default=False
        0 silent, 1 a progress bar, 2 also a line per epoch.
    warm_start : bool, default=False
        A new ``fit`` goes on training the fitted network, with a fresh optimizer built from
        the current parameters (``solver``, ``learning_rate_init`` ...), as scikit-learn
        does. The parameters that define the network (``hidden_layer_sizes``,
        ``activation``, ``output_activation``, ``loss``, ``dtype``, ``norm``, ``dropout``,
        and the regressor's ``scale_target``) cannot change then: ``fit`` raises a
        ValueError.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for a classifier)
        and stop when its score stops improving; the best epoch's weights are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    output_activation : str, optional
        The output layer's activation; by default the one that suits the task.
    loss : str, optional
        A loss of :func:`neuronet.losses.names`; by default the one that suits the task.
    dropout : float, default=0.0
        Dropout rate after every hidden layer, while training.
    norm : {"batch", "layer"}, optional
        Normalise every hidden layer's pre-activations.
    schedule : str or Schedule, optional
        A learning-rate schedule of :mod:`neuronet.schedules`.
    dtype : {"float32", "float64"}, default="float32"
        The network's floating-point type.
    init : str, default="sklearn"
        How the weights start. "sklearn" draws the weights and the biases as scikit-learn's
        MLPs do (uniform in :math:`\\pm\\sqrt{6/(n_{in}+n_{out})}`, 2 instead of 6 for a
        logistic hidden activation), so that the two start alike; any name of
        :mod:`neuronet.init` starts the biases at 0, and "auto" takes each activation's
        recommended initialiser (He for the ReLU family), which suits deep networks better
        than shallow ones."""

_ATTRIBUTES_DOC = r"""
    model_ : MLP
        The trained network.
    optimizer_ : optimizer
        The optimizer, whose state ``partial_fit`` goes on from; every ``fit`` makes a new
        one.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        The columns' names, when ``X`` was a DataFrame with string column names.
    n_outputs_ : int
        Width of the output layer.
    loss_ : float
        The training loss of the last epoch.
    loss_curve_ : list of float
        The training loss of every epoch, over every ``fit`` and ``partial_fit``.
    best_loss_ : float or None
        The lowest training loss; None with ``early_stopping``.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation score of every epoch of the last ``fit``.
    best_validation_score_ : float
        With ``early_stopping``, the best of them.
    n_iter_ : int
        Epochs trained, over every ``fit`` and ``partial_fit``.
    t_ : int
        Training samples seen.
    history_ : History
        What :func:`neuronet.training.fit` returned for the last training run."""


class NeuronetClassifier(ClassifierMixin, _NeuronetBase):
    r"""A multilayer perceptron classifier: neuronet's MLP behind scikit-learn's interface.

    Two classes train one sigmoid output with binary cross-entropy, more classes a softmax
    output with categorical cross-entropy, and a 2-D 0/1 ``y`` (multilabel) one sigmoid
    output per label with binary cross-entropy. Labels may be of any kind (strings, numbers,
    booleans); ``predict`` returns them.

    Parameters
    ----------
    %(parameters)s
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: ``{label: weight}``, or
        "balanced" for ``n_samples / (n_classes * count)``. Not for multilabel targets.

    Attributes
    ----------
    classes_ : ndarray
        The class labels (the label indices 0..k-1 for multilabel targets).
    %(attributes)s

    Examples
    --------
    >>> from neuronet.sklearn import NeuronetClassifier
    >>> X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 25
    >>> y = ["no", "yes", "yes", "no"] * 25               # XOR, with string labels
    >>> clf = NeuronetClassifier((8,), activation="tanh", learning_rate_init=0.05,
    ...                          max_iter=300, random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict([[0.0, 1.0], [1.0, 1.0]]).tolist()
    (['no', 'yes'], ['yes', 'no'])
    >>> clf.predict_proba([[0.0, 1.0]]).shape
    (1, 2)
    """

    _is_classifier = True
    classes_: NDArray[Any]

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str | Any = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        output_activation: str | None = None,
        loss: str | None = None,
        dropout: float = 0.0,
        norm: str | None = None,
        schedule: str | Any = None,
        dtype: str = "float32",
        init: str = "sklearn",
        class_weight: dict[Any, float] | str | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            output_activation=output_activation,
            loss=loss,
            dropout=dropout,
            norm=norm,
            schedule=schedule,
            dtype=dtype,
            init=init,
        )
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuronetClassifier:
        """Train a new network on ``(X, y)`` (go on training the last one with ``warm_start``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A sparse matrix (CSR; other formats are converted to it) is densified one batch
            of rows at a time, never whole, except by ``solver="lbfgs"``, which evaluates
            the whole set at every step and so densifies it once.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel classification.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each sample.

        Returns
        -------
        self : NeuronetClassifier
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda self: not _is_lbfgs(self.solver))
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> NeuronetClassifier:
        """One epoch over ``(X, y)``, going on from the network and optimizer state.

        The first call builds the network and needs ``classes``, every label that any call
        will see; later ones refuse labels outside them and a different number of features.
        Not available with ``solver="lbfgs"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), optional
        classes : array-like of shape (n_classes,), optional
            Required on the first call: ``np.unique(y_all)``.

        Returns
        -------
        self : NeuronetClassifier
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _targets(
        self, y: Any, weight: Any, *, reset: bool, incremental: bool, classes: Any
    ) -> tuple[NDArray[Any], NDArray[Any] | None, Any]:
        check_classification_targets(y)
        kind = type_of_target(y)
        if incremental:
            first = _check_partial_fit_first_call(self, classes)
            if first:
                self._kind = (
                    "multilabel"
                    if kind == "multilabel-indicator"
                    else ("binary" if len(self.classes_) <= 2 else "multiclass")
                )
                if len(self.classes_) < 2:
                    raise ValueError(
                        f"`classes` must hold at least two labels, got {self.classes_.tolist()}."
                    )
        elif reset:
            if kind == "multilabel-indicator":
                self.classes_ = np.arange(y.shape[1])
                self._kind = "multilabel"
            else:
                self.classes_ = np.unique(y)
                if len(self.classes_) < 2:
                    raise ValueError(
                        f"A classifier needs samples of at least two classes; `y` holds one "
                        f"class, {self.classes_[0]!r}."
                    )
                self._kind = "binary" if len(self.classes_) == 2 else "multiclass"
        elif kind == "multilabel-indicator" or self._kind == "multilabel":
            pass
        elif np.setdiff1d(np.unique(y), self.classes_).size:
            raise ValueError(
                f"warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit: `y` has {np.unique(y).tolist()}, classes_ is "
                f"{self.classes_.tolist()}."
            )
        multilabel = kind == "multilabel-indicator"
        if multilabel != (self._kind == "multilabel"):
            raise ValueError(
                f"`y` is {kind} but the classifier was set up for "
                f"{self._kind} targets with classes {self.classes_.tolist()}."
            )
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"`y` has {y.shape[1]} labels but the classifier has {len(self.classes_)}."
                )
            if self.class_weight is not None:
                raise ValueError(
                    f"`class_weight`={self.class_weight!r} is not supported for multilabel "
                    f"targets; pass `sample_weight` instead."
                )
            return y.astype(np.float64), weight, None
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if unseen.any():
            raise ValueError(
                f"`y` has labels {np.unique(y[unseen]).tolist()[:5]} that are not among the "
                f"classes {self.classes_.tolist()}."
            )
        if self.class_weight is not None:
            if incremental and isinstance(self.class_weight, str):
                raise ValueError(
                    f"`class_weight`={self.class_weight!r} needs every sample at once, which "
                    f"partial_fit never sees; give a dict of weights per class."
                )
            if not (isinstance(self.class_weight, dict) or self.class_weight == "balanced"):
                raise ValueError(
                    f"`class_weight` must be None, 'balanced' or a dict, got "
                    f"{self.class_weight!r}."
                )
            present = np.unique(index)
            per_class = np.ones(len(self.classes_))
            if isinstance(self.class_weight, dict):
                per_class[present] = [
                    self.class_weight.get(c, 1.0) for c in self.classes_[present]
                ]
            else:
                per_class[present] = compute_class_weight(
                    "balanced", classes=self.classes_[present], y=y
                )
            weight = per_class[index] if weight is None else weight * per_class[index]
        if self._two_columns():
            Y = np.eye(len(self.classes_))[index]
        else:
            Y = index.astype(np.float64).reshape(-1, 1)
        return Y, weight, y

    def _two_columns(self) -> bool:
        """One output per class (softmax), not a single sigmoid for two classes."""
        if self._kind != "binary":
            return self._kind == "multiclass"
        loss = self.loss if self.loss is not None else None
        if loss is None and self.output_activation is not None:
            out = _activations.get(self.output_activation)
            return not out.elementwise  # softmax over two units
        return loss is not None and isinstance(_losses.get(loss), _losses.CategoricalCrossEntropy)

    def _new_network(self, n_features: int) -> MLP:
        if self._kind == "multilabel":
            n_out, output, loss, classes = len(self.classes_), "sigmoid", "bce", None
        elif self._two_columns():
            n_out, output, loss = len(self.classes_), "softmax", "categorical_cross_entropy"
            classes = self.classes_.tolist()
        else:
            n_out, output, loss, classes = 1, "sigmoid", "bce", self.classes_.tolist()
        if self.loss is not None:
            chosen = _losses.get(self.loss)
            if not chosen.classification:
                raise ValueError(
                    f"`loss`={self.loss!r} is a regression loss; a classifier needs "
                    f"'binary_cross_entropy' or 'categorical_cross_entropy'."
                )
            if self._kind == "multiclass" and not isinstance(
                chosen, _losses.CategoricalCrossEntropy
            ):
                raise ValueError(
                    f"`loss`={self.loss!r} does not fit {len(self.classes_)} exclusive classes; "
                    f"use 'categorical_cross_entropy' (the default)."
                )
            if self._kind == "multilabel" and not isinstance(chosen, _losses.BinaryCrossEntropy):
                raise ValueError(
                    f"`loss`={self.loss!r} does not fit multilabel targets; use "
                    f"'binary_cross_entropy' (the default)."
                )
        net = self._build(n_features, n_out, output, loss, classes)
        self.n_outputs_ = n_out
        self.out_activation_ = net.output_activation.name
        return net

    def _validation_targets(self, Y: NDArray[Any]) -> Any:
        return Y

    def _score_network(self, net: MLP, X: NDArray[Any], Y: NDArray[Any]) -> float:
        return float(accuracy_score(self._decode(Y), self._decode(net.forward(X))))

    def _decode(self, out: NDArray[Any]) -> NDArray[Any]:
        """Labels for network outputs (or encoded targets) ``out`` of shape (n, n_outputs)."""
        if self._kind == "multilabel":
            return (out >= 0.5).astype(np.int64)
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] >= 0.5).astype(np.int64)]
        return self.classes_[out.argmax(axis=1)]

    def predict(self, X: Any) -> NDArray[Any]:
        """The predicted class of each sample (a 0/1 row per sample for multilabel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=(np.float64, np.float32)
        )
        return _in_chunks(lambda part: self._decode(self.model_.forward(part)), X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """The probability of each class (of each label, for multilabel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1 except for multilabel, whose columns are independent.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=(np.float64, np.float32)
        )
        return _in_chunks(self._proba, X)

    def _proba(self, X: NDArray[Any]) -> NDArray[np.float64]:
        net = self.model_
        output = net.output_activation.name
        if output in ("sigmoid", "softmax") and net.head.fused:
            # From the logits in float64: a float32 sigmoid rounds to exactly 0 or 1 beyond
            # |z| ≈ 17 (log 0 in predict_log_proba); float64 keeps them inside (0, 1).
            z = net.layer_outputs(X)[-1][0].astype(np.float64)
            if output == "softmax":
                proba = np.exp(z - logsumexp(z, axis=1, keepdims=True))
            else:
                proba = expit(z)
                if self._kind != "multilabel":
                    proba = np.hstack([expit(-z), proba])
        else:
            proba = net.predict_proba(X).astype(np.float64)
        if self._kind != "multilabel":
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_log_proba(self, X: Any) -> NDArray[np.float64]:
        """The natural logarithm of :meth:`predict_proba` (``-inf`` for a probability of 0).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NeuronetRegressor(RegressorMixin, _NeuronetBase):
    r"""A multilayer perceptron regressor: neuronet's MLP behind scikit-learn's interface.

    An identity output with mean squared error by default, one output per target column.
    ``scale_target`` standardises ``y`` for training, so raw targets in the hundreds (such as
    the diabetes data's) train with the default learning rate; predictions are in ``y``'s
    units.

    Parameters
    ----------
    %(parameters)s
    scale_target : bool, default=True
        Train on ``(y - mean) / std`` (per column, weighted by ``sample_weight``) and undo it
        in :meth:`predict`. ``loss_curve_`` is then in standardised units. Set False to train
        on ``y`` as it is.

    Attributes
    ----------
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        The standardisation of ``y`` (0 and 1 when ``scale_target`` is False).
    %(attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> from neuronet.sklearn import NeuronetRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(400, 1))
    >>> y = 300 + 100 * np.sin(X[:, 0])                # far from unit scale
    >>> reg = NeuronetRegressor((32,), activation="tanh", learning_rate_init=0.01,
    ...                         max_iter=300, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.98
    True
    """

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str | Any = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        output_activation: str | None = None,
        loss: str | None = None,
        dropout: float = 0.0,
        norm: str | None = None,
        schedule: str | Any = None,
        dtype: str = "float32",
        init: str = "sklearn",
        scale_target: bool = True,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            output_activation=output_activation,
            loss=loss,
            dropout=dropout,
            norm=norm,
            schedule=schedule,
            dtype=dtype,
            init=init,
        )
        self.scale_target = scale_target

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuronetRegressor:
        """Train a new network on ``(X, y)`` (go on training the last one with ``warm_start``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A sparse matrix (CSR; other formats are converted to it) is densified one batch
            of rows at a time, never whole, except by ``solver="lbfgs"``, which evaluates
            the whole set at every step and so densifies it once.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each sample.

        Returns
        -------
        self : NeuronetRegressor
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda self: not _is_lbfgs(self.solver))
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuronetRegressor:
        """One epoch over ``(X, y)``, going on from the network and optimizer state.

        The first call builds the network (and, with ``scale_target``, fixes the target's
        standardisation from this first batch). Not available with ``solver="lbfgs"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : NeuronetRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(
        self, y: Any, weight: Any, *, reset: bool, incremental: bool, classes: Any
    ) -> tuple[NDArray[Any], NDArray[Any] | None, Any]:
        _check_bool(self.scale_target, "scale_target")
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(len(Y), -1)
        if reset:
            self._y_ndim = np.ndim(y)
            if self.scale_target:
                # Divided first by a power of two near the largest |y| (exact, so the result
                # is the plain formula's wherever that one does not overflow): squaring a |y|
                # above ~1e154 would overflow float64.
                peak = np.ldexp(1.0, np.frexp(np.abs(Y).max(axis=0))[1])
                unit = Y / peak
                mean = np.average(unit, axis=0, weights=weight)
                std = np.sqrt(np.average((unit - mean) ** 2, axis=0, weights=weight))
                self.y_mean_ = mean * peak
                self.y_scale_ = np.where(std > 0, std * peak, 1.0)
            else:
                self.y_mean_, self.y_scale_ = np.zeros(Y.shape[1]), np.ones(Y.shape[1])
        elif Y.shape[1] != len(self.y_mean_):
            raise ValueError(
                f"`y` has {Y.shape[1]} output(s) but the regressor was fitted with "
                f"{len(self.y_mean_)}."
            )
        return (Y - self.y_mean_) / self.y_scale_, weight, None

    def _new_network(self, n_features: int) -> MLP:
        if self.loss is not None and _losses.get(self.loss).classification:
            raise ValueError(
                f"`loss`={self.loss!r} is a classification loss; a regressor needs one such "
                f"as 'mse', 'mae' or 'huber'."
            )
        n_out = len(self.y_mean_)
        net = self._build(n_features, n_out, "identity" if self.loss is None else None, None, None)
        self.n_outputs_ = n_out
        self.out_activation_ = net.output_activation.name
        return net

    def _more_network_params(self) -> dict[str, Any]:
        return {"scale_target": bool(self.scale_target)}

    def _validation_targets(self, Y: NDArray[Any]) -> Any:
        return Y * self.y_scale_ + self.y_mean_

    def _unscale(self, out: NDArray[Any], dtype: Any) -> NDArray[Any]:
        pred = (out.astype(np.float64) * self.y_scale_ + self.y_mean_).astype(dtype)
        return pred[:, 0] if pred.shape[1] == 1 else pred

    def _score_network(self, net: MLP, X: NDArray[Any], y: NDArray[Any]) -> float:
        return float(r2_score(y, self._unscale(net.forward(X), np.float64).reshape(y.shape)))

    def predict(self, X: Any) -> NDArray[Any]:
        """The predicted target of each sample, in the units of ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            float32 for a float32 network and ``X``, else float64: the common type of
            ``X`` and the weights, as scikit-learn's MLPRegressor predicts.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=(np.float64, np.float32)
        )
        dtype = np.result_type(X.dtype, self.model_.dtype)
        return _in_chunks(lambda part: self._unscale(self.model_.forward(part), dtype), X)


def _sklearn_initialisation(net: MLP) -> None:
    """Weights and biases drawn as scikit-learn's MLPs draw them (``_init_coef``).

    Uniform in :math:`\\pm\\sqrt{6 / (n_{in} + n_{out})}`, or :math:`\\pm\\sqrt{2 / (n_{in} +
    n_{out})}` when the hidden activation is the logistic function, biases included (neuronet's
    own initialisers start the biases at 0), from the network's seeded generator.
    """
    hidden = net.hidden_activations
    factor = 2.0 if hidden and all(act.name == "sigmoid" for act in hidden) else 6.0
    for layer in net.dense_layers:
        bound = math.sqrt(factor / (layer.n_in + layer.n_out))
        layer.weights[...] = net.rng.uniform(-bound, bound, layer.weights.shape)
        layer.bias[...] = net.rng.uniform(-bound, bound, layer.bias.shape)


def _is_sgd(name: str) -> bool:
    """Whether ``name`` is neuronet's plain "sgd" (its spellings: "SGD", " sgd " ...)."""
    try:
        found = _optimizers.get(name)
    except ValueError:
        return False
    return type(found) is _optimizers.SGD and found.get_config() == _optimizers.SGD().get_config()


def _is_lbfgs(solver: object) -> bool:
    if isinstance(solver, _optimizers.LBFGS):
        return True
    try:
        return isinstance(solver, str) and isinstance(_optimizers.get(solver), _optimizers.LBFGS)
    except ValueError:
        return False


for _cls in (NeuronetClassifier, NeuronetRegressor):
    _cls.__doc__ = (_cls.__doc__ or "") % {
        "parameters": _PARAMETERS_DOC.strip(),
        "attributes": _ATTRIBUTES_DOC.strip(),
    }


# --- networks to and from scikit-learn's own MLPs ----------------------------------------------

# scikit-learn's hidden activations and neuronet's names for them.
_SKLEARN_ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
}
_NEURONET_ACTIVATIONS = {ours: theirs for theirs, ours in _SKLEARN_ACTIVATIONS.items()}
# scikit-learn's output activation → neuronet's output and the loss scikit-learn trains it with.
_SKLEARN_OUTPUTS = {
    "identity": ("identity", "mse"),
    "logistic": ("sigmoid", "binary_cross_entropy"),
    "softmax": ("softmax", "categorical_cross_entropy"),
}


def from_sklearn(estimator: Any, *, seed: int | None = None) -> MLP:
    r"""A neuronet network from a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor``.

    The network has the estimator's layers, weights (``coefs_``, ``intercepts_``, copied bit
    for bit in their dtype), hidden activation and output: ``out_activation_`` with the loss
    scikit-learn trains it with (softmax with categorical cross-entropy for several classes;
    one sigmoid with binary cross-entropy for two classes; one sigmoid per label for
    multilabel targets; the identity with mean squared error for regression). A classifier's
    ``classes_`` become :attr:`MLP.classes`, so ``net.predict`` returns the same labels as
    ``estimator.predict`` and ``net.predict_proba`` the same probabilities. The network can
    then be looked inside with :func:`neuronet.diagnose` or ``net.trace``, and trained
    further with ``net.fit``.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Fitted.
    seed : int, optional
        Seeds the network's later random choices (shuffling, dropout) in ``fit``.

    Returns
    -------
    MLP

    Raises
    ------
    TypeError
        If ``estimator`` is not a scikit-learn MLP.
    sklearn.exceptions.NotFittedError
        If it is not fitted (a ValueError).
    ValueError
        If it uses what neuronet lacks: ``loss="poisson"`` (an exponential output).

    Notes
    -----
    scikit-learn's squared error is :math:`\tfrac{1}{2n}\sum (a - y)^2`, as neuronet's
    ``mse``; its log losses are neuronet's cross-entropies. Its L2 penalty ``alpha`` is not
    part of the network: pass ``l2=alpha / batch_size`` to ``net.fit`` to keep it. A multilabel
    classifier's outputs are returned by ``net.predict`` as 0/1 columns, as scikit-learn
    returns them, so the network keeps no ``classes``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from neuronet.sklearn import from_sklearn
    >>> X, y = load_iris(return_X_y=True)
    >>> est = MLPClassifier((8,), max_iter=2000, random_state=0).fit(X, y)
    >>> net = from_sklearn(est)
    >>> net
    MLP([4, 8, 3], activation=ReLU(), output=Softmax(), loss=CategoricalCrossEntropy())
    >>> bool((net.predict(X) == est.predict(X)).all())
    True
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    kind = type(estimator).__name__
    if isinstance(estimator, _NeuronetBase):
        raise TypeError(
            f"`estimator` is a {kind}, which is neuronet already: its network is "
            f"`estimator.model_`."
        )
    if not isinstance(estimator, MLPClassifier | MLPRegressor):
        raise TypeError(
            f"`estimator` must be a fitted scikit-learn MLPClassifier or MLPRegressor, got {kind}."
        )
    if not hasattr(estimator, "coefs_"):
        raise NotFittedError(
            f"`estimator` is a {kind} that is not fitted yet: call estimator.fit(X, y) before "
            f"from_sklearn."
        )
    if estimator.activation not in _SKLEARN_ACTIVATIONS:
        raise ValueError(
            f"`estimator` has activation={estimator.activation!r}; from_sklearn knows "
            f"{', '.join(_SKLEARN_ACTIVATIONS)}."
        )
    out = estimator.out_activation_
    if out not in _SKLEARN_OUTPUTS:
        raise ValueError(
            f"`estimator` has out_activation_={out!r} (loss={getattr(estimator, 'loss', '?')!r})"
            f"; neuronet has no such output: it offers identity with squared error, logistic "
            f"and softmax with log loss."
        )
    output, loss = _SKLEARN_OUTPUTS[out]
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    dtype = np.dtype(coefs[0].dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"`estimator`'s coefs_ must be float32 or float64, got {dtype}.")
    multilabel = out == "logistic" and estimator.n_outputs_ > 1
    classes = estimator.classes_.tolist() if _is_classifier(estimator) and not multilabel else None
    net = MLP(
        [int(coefs[0].shape[0]), *(int(c.shape[1]) for c in coefs)],
        _SKLEARN_ACTIVATIONS[estimator.activation],
        output,
        loss=loss,
        dtype=dtype,
        seed=seed,
        classes=classes,
    )
    for layer, coef, intercept in zip(net.dense_layers, coefs, intercepts, strict=True):
        tensors = layer.tensors()
        tensors["weights"][...] = coef
        tensors["bias"][...] = intercept
    return net


def _is_classifier(estimator: Any) -> bool:
    from sklearn.base import is_classifier

    return bool(is_classifier(estimator))


def to_sklearn(net: MLP) -> Any:
    r"""A fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor`` computing what ``net`` does.

    The estimator gets the network's weights as ``coefs_`` and ``intercepts_`` (copies, in its
    dtype) and everything its ``predict`` and ``predict_proba`` read: ``n_layers_``,
    ``n_outputs_``, ``out_activation_``, ``n_features_in_`` and, for a classifier,
    ``classes_`` and its label binarizer. Its parameters ``hidden_layer_sizes`` and
    ``activation`` describe the network; the others are scikit-learn's defaults.

    Parameters
    ----------
    net : MLP
        Its hidden layers must share one activation scikit-learn has (identity, sigmoid as
        ``"logistic"``, tanh, relu), without normalisation, and its output and loss must be a
        pair scikit-learn trains: identity with ``mse`` (an ``MLPRegressor``), sigmoid with
        binary cross-entropy (a binary classifier with one output, multilabel with several)
        or softmax with categorical cross-entropy (a multiclass classifier).

    Returns
    -------
    MLPClassifier or MLPRegressor
        Fitted: ``predict`` and ``predict_proba`` agree with the network's to rounding.

    Raises
    ------
    TypeError
        If ``net`` is not an :class:`~neuronet.MLP`.
    ValueError
        If the network uses what scikit-learn's MLPs lack: the message names it (an
        activation such as gelu, a normalisation, different hidden activations, another
        output/loss pair).

    Notes
    -----
    scikit-learn keeps ``classes_`` sorted, so the output units of a classifier whose
    ``classes`` are in another order are put in sorted order (a single sigmoid unit is
    negated: :math:`\sigma(-z) = 1 - \sigma(z)`), and a two-class softmax becomes the one
    logistic unit scikit-learn uses for two classes,
    :math:`\sigma(z_1 - z_0) = \operatorname{softmax}(z)_1`. Dropout, which acts only while
    training, is not carried over. The estimator predicts; calling its ``fit`` trains a new
    network from scratch (it is built with ``warm_start=False``): to train the converted
    network further, use ``net.fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronet import MLP
    >>> from neuronet.sklearn import to_sklearn
    >>> net = MLP([4, 8, 3], activation="tanh", output="softmax", dtype="float64", seed=0)
    >>> est = to_sklearn(net)
    >>> est
    MLPClassifier(activation='tanh', hidden_layer_sizes=(8,))
    >>> X = np.random.default_rng(0).normal(size=(5, 4))
    >>> bool(np.allclose(est.predict_proba(X), net.predict_proba(X)))
    True
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import LabelBinarizer

    if not isinstance(net, MLP):
        raise TypeError(f"`net` must be a neuronet MLP, got {type(net).__name__}.")
    activation = _sklearn_activation(net)
    if net.norm is not None:
        raise ValueError(
            f"scikit-learn's MLPs have no normalisation; this network has norm={net.norm!r}."
        )
    weights = [layer.weights.copy() for layer in net.dense_layers]
    biases = [layer.bias.copy() for layer in net.dense_layers]
    output, loss = net.output_activation.name, net.loss.name
    hidden_sizes = tuple(net.sizes[1:-1])
    # The registered class itself: a subclass may compute something else under the name.
    pair = (output, loss) if type(net.output_activation) is type(_activations.get(output)) else ()
    estimator: Any
    if pair == ("identity", "mse"):
        estimator = MLPRegressor(hidden_layer_sizes=hidden_sizes, activation=activation)
        out_activation = "identity"
    elif pair in (("sigmoid", "binary_cross_entropy"), ("softmax", "categorical_cross_entropy")):
        estimator = MLPClassifier(hidden_layer_sizes=hidden_sizes, activation=activation)
        binarizer = LabelBinarizer()
        if output == "sigmoid" and net.n_outputs > 1:  # multilabel: one 0/1 column per label
            classes = np.arange(net.n_outputs)
            binarizer.fit(np.eye(net.n_outputs, dtype=np.int64))
            out_activation = "logistic"
        else:
            classes, order = _sorted_classes(net)
            last_w, last_b = weights[-1], biases[-1]
            if len(classes) == 2:
                # One logistic unit for P(second class), as scikit-learn keeps two classes.
                if output == "softmax":
                    last_w = last_w[:, [order[1]]] - last_w[:, [order[0]]]
                    last_b = last_b[[order[1]]] - last_b[[order[0]]]
                elif order[0] == 1:  # the sigmoid gave P(classes[1]), now sorted first
                    last_w, last_b = -last_w, -last_b
                out_activation = "logistic"
            else:
                last_w, last_b = last_w[:, order], last_b[order]
                out_activation = "softmax"
            weights[-1], biases[-1] = np.ascontiguousarray(last_w), np.ascontiguousarray(last_b)
            binarizer.fit(classes)
        estimator.classes_ = classes
        estimator._label_binarizer = binarizer
    else:
        raise ValueError(
            f"scikit-learn's MLPs pair identity with squared error (MLPRegressor), logistic "
            f"with log loss or softmax with log loss (MLPClassifier); this network has a "
            f"{net.output_activation!r} output with loss {loss!r}."
        )
    estimator.coefs_ = weights
    estimator.intercepts_ = biases
    estimator.n_layers_ = len(net.sizes)
    estimator.n_outputs_ = int(weights[-1].shape[1])
    estimator.out_activation_ = out_activation
    estimator.n_features_in_ = net.n_inputs
    return estimator


def _sklearn_activation(net: MLP) -> str:
    """scikit-learn's name for the one activation of every hidden layer."""
    hidden = net.hidden_activations
    for i, act in enumerate(hidden, start=1):
        known = act.name in _NEURONET_ACTIVATIONS and type(act) is type(_activations.get(act.name))
        if not known:
            raise ValueError(
                f"scikit-learn's MLPs have no {act.name} activation (hidden layer {i} uses "
                f"{act!r}); they offer identity, logistic, tanh and relu."
            )
    names = [act.name for act in hidden]
    if len(set(names)) > 1:
        raise ValueError(
            f"scikit-learn's MLPs use one activation for every hidden layer; this network "
            f"has {names}."
        )
    return _NEURONET_ACTIVATIONS[names[0]] if names else "relu"


def _sorted_classes(net: MLP) -> tuple[NDArray[Any], list[int]]:
    """The classes in scikit-learn's (sorted) order, and the output unit of each."""
    labels = net.classes if net.classes is not None else list(range(net.n_classes or 0))
    try:
        order = sorted(range(len(labels)), key=lambda i: labels[i])
    except TypeError:
        raise ValueError(
            f"scikit-learn keeps a classifier's classes sorted, and this network's classes "
            f"{labels} cannot be sorted (e.g. numbers mixed with strings)."
        ) from None
    classes = np.asarray([labels[i] for i in order])
    if len(np.unique(classes)) != len(labels):
        raise ValueError(f"The network's classes {labels} repeat a label; scikit-learn's cannot.")
    return classes, order
