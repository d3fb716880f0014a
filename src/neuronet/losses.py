r"""Losses, and how each pairs with an output activation.

A loss measures how far the network's outputs :math:`a = f(z)` are from the targets
:math:`y`. Every loss here is a *sum over the outputs of a sample, averaged over the samples*,
so that its gradient with respect to one sample's output is already divided by the batch size
:math:`n`.

Three output/loss pairs are canonical, because their gradient with respect to the *logits*
:math:`z` (the output layer's pre-activations) collapses to the same simple form

.. math:: \frac{\partial L}{\partial z} = \frac{a - y}{n}

========================  ================================  ======================================
output activation         loss                              used for
========================  ================================  ======================================
identity                  :class:`MeanSquaredError`         regression
sigmoid                   :class:`BinaryCrossEntropy`       two classes, or several yes/no labels
softmax                   :class:`CategoricalCrossEntropy`  one of several classes
========================  ================================  ======================================

For these pairs the network never forms :math:`a` and :math:`\partial L/\partial a` separately:
:meth:`Loss.fused` computes loss and gradient straight from the logits with ``log_expit`` and
``logsumexp``, so both stay finite for logits of ±1e4 where :math:`\log a` would be
:math:`\log 0`. Any other pair works through the chain rule and warns when it is a mistake
(:func:`check_pairing`).

Examples
--------
>>> import numpy as np
>>> from neuronet import losses
>>> cce = losses.get("categorical_cross_entropy")
>>> z = np.array([[1e4, 0.0, -1e4]])          # logits far beyond where exp() overflows
>>> loss, grad = cce.fused(z, np.array([1]))  # the true class has logit 0
>>> loss, grad.round(3).tolist()
(10000.0, [[1.0, -1.0, 0.0]])
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from . import _kernels
from ._arrays import as_array, categories
from ._lazy import special  # imported on first use: scipy.special is slow to import
from ._registry import Registry
from ._validation import check_number
from ._warnings import warn_user

if TYPE_CHECKING:
    from .activations import Activation

__all__ = [
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Head",
    "Huber",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "PairingWarning",
    "check_pairing",
    "default_for_output",
    "get",
    "names",
]

Array = NDArray[np.floating]
#: Per-sample weights of shape (n,), normalised to mean 1, or None for equal weights.
Weight = NDArray[np.floating] | None


def _mean(elements: NDArray[Any], weight: Weight) -> float:
    """``elements`` (one row, or one value, per sample) summed per sample, then averaged.

    With ``weight`` (mean 1) each sample's sum counts ``weight[i]`` times.
    """
    n = len(elements)
    if weight is None:
        return float(elements.sum() / n)
    per_sample = elements.reshape(n, -1).sum(axis=1)
    return float(np.dot(per_sample, weight) / n)


def _normalised(sample_weight: NDArray[Any] | None) -> Weight:
    """Sample weights scaled to mean 1 (None stays None; all zero is refused upstream)."""
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=np.float64)
    total = weight.sum()
    # A batch whose samples all weigh 0 contributes nothing (a whole set of zeros is refused
    # by check_sample_weight).
    return weight * (len(weight) / total) if total > 0 else weight


def _log_softmax(z: Array) -> Array:
    """``scipy.special.log_softmax(z, axis=1)``: its operations in its order, bit for bit.

    Without SciPy's array-API dispatch, which costs more than the arithmetic on a batch.
    """
    z_max = z.max(axis=1, keepdims=True)
    if not np.isfinite(z_max).all():
        z_max[~np.isfinite(z_max)] = 0
    shifted = z - z_max
    with np.errstate(divide="ignore"):  # log(0) when a whole row is -inf, as SciPy allows
        log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.subtract(shifted, log_sum, out=shifted)


def _rows(grad: Array, weight: Weight) -> Array:
    """Scale each sample's row of a gradient by its weight, in place."""
    if weight is not None:
        grad *= weight.reshape(-1, 1).astype(grad.dtype, copy=False)
    return grad


# Keeps log() and division away from 0 when a cross-entropy is used *without* its canonical
# output (the fused path never needs it). float32 cannot represent 1 - 1e-12, hence per dtype.
_PROBABILITY_EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-12}


class PairingWarning(UserWarning):
    """An output activation and a loss that do not belong together."""


class Loss:
    """Base class: a loss :math:`L(a, y)` summed over outputs and averaged over samples.

    Subclasses define :meth:`value` and :meth:`gradient` on activated outputs ``a``; those with
    a canonical output activation also define :meth:`fused` on the logits ``z``.
    """

    name: ClassVar[str] = ""
    canonical_output: ClassVar[str | None] = None
    """Name of the output activation whose fused gradient is ``(a - y) / n``."""
    classification: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def value(self, a: Array, y: NDArray[Any], weight: Weight = None) -> float:
        """The loss for outputs ``a`` of shape (n, k) and prepared targets ``y``.

        ``weight``, shape (n,), weighs each sample's term; it is normalised to mean 1 by the
        caller (:class:`Head`), so the loss is the weighted average over samples.
        """
        raise NotImplementedError

    def gradient(self, a: Array, y: NDArray[Any], weight: Weight = None) -> Array:
        """:math:`\\partial L / \\partial a`, shape (n, k), already divided by ``n``."""
        raise NotImplementedError

    def fused(
        self, z: Array, y: NDArray[Any], out: Array | None = None, weight: Weight = None
    ) -> tuple[float, Array]:
        """Loss and :math:`\\partial L/\\partial z = (a - y)/n` from the logits ``z``.

        Only for the canonical output activation; ``out`` may be ``z`` itself (in place).
        """
        raise TypeError(f"{type(self).__name__} has no fused gradient.")

    def prepare_targets(self, y: object, n_outputs: int, dtype: np.dtype[Any]) -> NDArray[Any]:
        """Check ``y`` against this loss and the network's ``n_outputs``; return it as 2-D.

        Raises ``ValueError`` naming ``y``, what was expected and what was received.
        """
        arr = _as_numeric(y, self)
        if arr.ndim == 1 and n_outputs == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != n_outputs:
            expected = (
                "(n_samples,) or (n_samples, 1)" if n_outputs == 1 else f"(n_samples, {n_outputs})"
            )
            hint = f" {_classification_hint(self)}" if arr.ndim == 1 else ""
            raise ValueError(
                f"`y` must have shape {expected} for a network with {n_outputs} output(s), "
                f"got shape {arr.shape}.{hint}"
            )
        _check_finite(arr)
        return _cast(arr, dtype)

    def get_params(self) -> dict[str, float]:
        """Constructor arguments, for saving and ``repr``."""
        return {}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_params().items()))))


def _cast(arr: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
    """Finite targets in ``dtype``; an error, not infinity, for values beyond its range."""
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(arr, dtype=dtype)
    if out.dtype != arr.dtype and arr.dtype.kind == "f" and not np.isfinite(out).all():
        raise ValueError(
            f"`y` has values too large for {np.dtype(dtype)} (largest |y| "
            f"{float(np.abs(arr).max()):.3g}); rescale y, or build the network with "
            f"dtype='float64'."
        )
    return out


def _as_numeric(y: object, loss: Loss) -> NDArray[Any]:
    arr = as_array(y, "y")
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        hint = "" if loss.classification else f" {_classification_hint(loss)}"
        raise ValueError(f"`y` must be numeric, got an array of dtype {arr.dtype}.{hint}")
    return arr


def _classification_hint(loss: Loss) -> str:
    if loss.classification:
        return ""
    return (
        f"If `y` holds class labels: this network is a regressor (loss {loss.name!r}); for "
        f"classification pass output='softmax' (or loss='categorical_cross_entropy'), or "
        f"output='sigmoid' for two classes."
    )


def _check_finite(arr: NDArray[Any]) -> None:
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        nan = int(np.isnan(arr).sum())
        what = f"NaN in {nan} of {arr.size} entries" if nan else "infinite values"
        raise ValueError(f"`y` contains {what}; drop those samples or impute them first.")


# --- regression -------------------------------------------------------------------------------


class MeanSquaredError(Loss):
    r"""Half the squared error, summed over outputs and averaged over samples.

    .. math:: L = \frac{1}{n}\sum_i \tfrac12 \lVert a_i - y_i \rVert^2, \qquad
              \frac{\partial L}{\partial a_i} = \frac{a_i - y_i}{n}

    The ½ makes the gradient exactly :math:`(a - y)/n`, as for the other canonical pairs; the
    minimiser is the same as for the plain mean squared error. Canonical output: ``identity``.
    """

    name = "mse"
    canonical_output = "identity"
    description = "Regression: penalises large errors heavily; the default for identity outputs."

    def value(self, a: Array, y: NDArray[Any], weight: Weight = None) -> float:
        diff = a - y
        if weight is None:
            return float(0.5 * np.vdot(diff, diff) / len(a))
        return 0.5 * _mean(diff * diff, weight)

    def gradient(self, a: Array, y: NDArray[Any], weight: Weight = None) -> Array:
        return _rows((a - y) / len(a), weight)

    def fused(
        self, z: Array, y: NDArray[Any], out: Array | None = None, weight: Weight = None
    ) -> tuple[float, Array]:
        diff = np.subtract(z, y, out=out)
        if weight is None:
            loss = float(0.5 * np.vdot(diff, diff) / len(z))
        else:
            loss = 0.5 * _mean(diff * diff, weight)
        diff *= 1.0 / len(z)
        return loss, _rows(diff, weight)


class MeanAbsoluteError(Loss):
    r"""Absolute error, summed over outputs and averaged over samples.

    .. math:: L = \frac{1}{n}\sum_i \lVert a_i - y_i \rVert_1, \qquad
              \frac{\partial L}{\partial a_i} = \frac{\operatorname{sign}(a_i - y_i)}{n}

    Robust to outliers; its gradient does not shrink near the optimum (sign(0) = 0 there).
    """

    name = "mae"
    description = "Regression robust to outliers; constant-size gradient."

    def value(self, a: Array, y: NDArray[Any], weight: Weight = None) -> float:
        return _mean(np.abs(a - y), weight)

    def gradient(self, a: Array, y: NDArray[Any], weight: Weight = None) -> Array:
        return _rows(np.sign(a - y) / len(a), weight)


class Huber(Loss):
    r"""Squared error for small residuals, absolute error for large ones.

    .. math:: \ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
              \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases}, \qquad
              \ell'(r) = \operatorname{clip}(r, -\delta, \delta)

    summed over outputs and averaged over samples, with :math:`r = a - y`.

    Parameters
    ----------
    delta : float, default=1.0
        Where the quadratic part hands over to the linear part; must be > 0.
    """

    name = "huber"
    description = "Regression: MSE near the target, MAE far from it (robust, smooth)."

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_number(delta, "delta", "> 0")

    def value(self, a: Array, y: NDArray[Any], weight: Weight = None) -> float:
        r = np.abs(a - y)
        d = self.delta
        # ½ min(r, δ)² + δ (r − min(r, δ)): the two branches without squaring a large residual
        # (which would overflow where the linear branch is finite).
        m = np.minimum(r, d)
        per_element = 0.5 * m * m + d * (r - m)
        return _mean(per_element, weight)

    def gradient(self, a: Array, y: NDArray[Any], weight: Weight = None) -> Array:
        return _rows(np.clip(a - y, -self.delta, self.delta) / len(a), weight)

    def get_params(self) -> dict[str, float]:
        return {"delta": self.delta}


# --- classification ---------------------------------------------------------------------------


class BinaryCrossEntropy(Loss):
    r"""Cross-entropy of independent yes/no outputs with targets 0 or 1.

    .. math:: L = -\frac{1}{n}\sum_i\sum_j \big[y_{ij}\log a_{ij} + (1-y_{ij})\log(1-a_{ij})\big]

    With a sigmoid output, :math:`\log a = \operatorname{log\_expit}(z)` and
    :math:`\log(1-a) = \operatorname{log\_expit}(-z)` are computed from the logits, and
    :math:`\partial L/\partial z = (\sigma(z) - y)/n`: finite for any logit.
    Canonical output: ``sigmoid``.
    """

    name = "binary_cross_entropy"
    canonical_output = "sigmoid"
    classification = True
    description = "Two classes (or several independent yes/no labels); pair with sigmoid."

    def value(self, a: Array, y: NDArray[Any], weight: Weight = None) -> float:
        eps = _PROBABILITY_EPS.get(a.dtype, 1e-12)
        p = np.clip(a, eps, 1.0 - eps)
        return -_mean(y * np.log(p) + (1.0 - y) * np.log1p(-p), weight)

    def gradient(self, a: Array, y: NDArray[Any], weight: Weight = None) -> Array:
        eps = _PROBABILITY_EPS.get(a.dtype, 1e-12)
        p = np.clip(a, eps, 1.0 - eps)
        return _rows((p - y) / (p * (1.0 - p)) / len(a), weight)

    def fused(
        self, z: Array, y: NDArray[Any], out: Array | None = None, weight: Weight = None
    ) -> tuple[float, Array]:
        # y·log σ(z) + (1-y)·log σ(-z), with log σ evaluated stably by scipy.
        log_likelihood = y * special.log_expit(z) + (1.0 - y) * special.log_expit(-z)
        loss = -_mean(log_likelihood, weight)
        grad = special.expit(z, out=out)
        grad -= y
        grad *= 1.0 / len(z)
        return loss, _rows(grad, weight)

    def prepare_targets(self, y: object, n_outputs: int, dtype: np.dtype[Any]) -> NDArray[Any]:
        arr = _as_numeric(y, self)
        _check_finite(arr)
        if not np.all((arr == 0) | (arr == 1)):
            bad = np.unique(arr[(arr != 0) & (arr != 1)])[:5]
            raise ValueError(
                f"`y` must contain only 0 and 1 for binary cross-entropy, got values such as "
                f"{bad.tolist()}."
            )
        return super().prepare_targets(arr, n_outputs, dtype)


class CategoricalCrossEntropy(Loss):
    r"""Cross-entropy of one class out of ``k``, with integer labels or one-hot rows.

    .. math:: L = -\frac{1}{n}\sum_i \log a_{i, y_i}

    With a softmax output, :math:`\log a_{ic} = z_{ic} - \operatorname{logsumexp}_j z_{ij}` and
    :math:`\partial L/\partial z = (\operatorname{softmax}(z) - \operatorname{onehot}(y))/n`:
    finite for any logit. Canonical output: ``softmax``.

    Targets may be integer labels of shape (n,) in ``[0, k)`` or rows of shape (n, k) that are
    non-negative and sum to 1 (one-hot, or soft labels).
    """

    name = "categorical_cross_entropy"
    canonical_output = "softmax"
    classification = True
    description = "One class out of several; pair with softmax."

    def value(self, a: Array, y: NDArray[Any], weight: Weight = None) -> float:
        eps = _PROBABILITY_EPS.get(a.dtype, 1e-12)
        log_p = np.log(np.clip(a, eps, 1.0))
        if y.ndim == 1:
            return -_mean(log_p[np.arange(len(a)), y], weight)
        return -_mean(y * log_p, weight)

    def gradient(self, a: Array, y: NDArray[Any], weight: Weight = None) -> Array:
        eps = _PROBABILITY_EPS.get(a.dtype, 1e-12)
        grad = np.zeros_like(a)
        if y.ndim == 1:
            rows = np.arange(len(a))
            grad[rows, y] = -1.0 / np.clip(a[rows, y], eps, 1.0)
        else:
            grad = -y / np.clip(a, eps, 1.0)
        return _rows(grad / len(a), weight)

    def fused(
        self, z: Array, y: NDArray[Any], out: Array | None = None, weight: Weight = None
    ) -> tuple[float, Array]:
        n = len(z)
        if y.ndim == 1 and weight is None and z.shape[1] <= _kernels.ROW_SUM_WIDTH:
            kernel = _kernels.if_loaded("softmax_cross_entropy")
            if kernel is not None and z.flags.c_contiguous and y.dtype == np.int64:
                # The same operations in the same order, in fewer passes (numba).
                # Like the NumPy path, never write to z unless it is `out`.
                result = kernel(z, y, np.empty_like(z) if out is None else out)
                if result is not None:  # None: a label out of range, for NumPy to report
                    loss, grad = result
                    return loss, grad
        # log softmax(z) = z - logsumexp(z): one stable pass gives both the loss and, through
        # exp, the probabilities the gradient needs.
        log_p = _log_softmax(z)
        grad = np.exp(log_p, out=out)
        if y.ndim == 1:
            rows = np.arange(n)
            loss = -_mean(log_p[rows, y], weight)
            grad[rows, y] -= 1.0
        else:
            loss = -_mean(y * log_p, weight)
            grad -= y
        grad *= 1.0 / n
        return loss, _rows(grad, weight)

    def prepare_targets(self, y: object, n_outputs: int, dtype: np.dtype[Any]) -> NDArray[Any]:
        arr = _as_numeric(y, self)
        _check_finite(arr)
        if arr.ndim == 2 and arr.shape[1] == 1 and n_outputs > 1:
            arr = arr[:, 0]  # a column of labels
        if arr.ndim == 2 and arr.shape[1] == n_outputs:
            # One-hot or soft labels: each row a probability distribution over the classes.
            if not np.all(np.isfinite(arr)) or (arr < 0).any():
                raise ValueError("`y` given as rows must be non-negative and finite.")
            if not np.allclose(arr.sum(axis=1), 1.0, atol=1e-4):
                raise ValueError(
                    "`y` given as rows of shape (n_samples, n_classes) must sum to 1 in each row "
                    "(one-hot or probabilities)."
                )
            return np.ascontiguousarray(arr, dtype=dtype)
        if arr.ndim != 1:
            raise ValueError(
                f"`y` must be integer class labels of shape (n_samples,) or one-hot rows of "
                f"shape (n_samples, {n_outputs}), got shape {arr.shape}."
            )
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(
                "`y` must contain whole-number class labels 0, 1, 2, ... (or any labels, "
                "named by `classes=`)."
            )
        labels = arr.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= n_outputs):
            raise ValueError(
                f"`y` labels must be in [0, {n_outputs}) for a network with {n_outputs} outputs, "
                f"got labels from {labels.min()} to {labels.max()}. If these are class names, "
                f"pass them as classes=[...] (one per output)."
            )
        return labels


# --- the output layer and the loss as one object -----------------------------------------------


class Head:
    r"""The output activation and the loss, as one object: everything that depends on the pair.

    A network's last layer and its loss decide together whether the loss works from the
    logits (the fused gradient), what the targets must look like, what :meth:`decode`
    (``predict``) and :meth:`probabilities` (``predict_proba``) return and how correct answers
    are counted. Whether the network is a classifier is the loss's call: a classification loss
    makes labels, any other loss makes values, whatever the output activation.

    Parameters
    ----------
    output : Activation
        The output layer's activation.
    loss : Loss
    n_outputs : int
        Width of the output layer.
    classes : sequence, optional
        Labels of a classifier's classes, in output order; 0..k-1 if omitted.

    Attributes
    ----------
    fused : bool
        True for the canonical pairs (identity + MSE, sigmoid + binary cross-entropy,
        softmax + categorical cross-entropy): the loss and its gradient
        :math:`(a - y)/n` come straight from the logits, so the network passes this head
        the output layer's :math:`z`, not :math:`a`.
    is_classifier : bool
    n_classes : int or None
        Classes of a classifier (2 for one sigmoid output), else None.

    Examples
    --------
    >>> from neuronet import activations
    >>> head = Head(activations.get("softmax"), get("mse"), 3)   # softmax, regression loss
    >>> head.is_classifier, head.fused
    (False, False)
    """

    def __init__(
        self,
        output: Activation,
        loss: Loss,
        n_outputs: int,
        classes: Any = None,
    ) -> None:
        self.output, self.loss, self.n_outputs = output, loss, n_outputs
        self.fused = loss.canonical_output == output.name
        self.is_classifier = loss.classification
        # Whether prepared targets may be integer labels of shape (n,) (else rows, (n, k)).
        self.labels_as_integers = isinstance(loss, CategoricalCrossEntropy)
        if not self.is_classifier:
            self.n_classes: int | None = None
        elif isinstance(loss, BinaryCrossEntropy) and n_outputs == 1:
            self.n_classes = 2
        else:
            self.n_classes = n_outputs
        self.classes = self.check_classes(classes)

    def check_classes(self, classes: Any) -> list[Any] | None:
        """``classes`` as a list with one label per class, or None; errors say what is wrong."""
        if classes is None:
            return None
        if not self.is_classifier:
            raise ValueError(
                f"`classes` names the classes of a classifier, but this network's loss "
                f"{self.loss.name!r} is a regression loss; for classification use "
                f"loss='categorical_cross_entropy' (softmax output) or "
                f"'binary_cross_entropy' (sigmoid output)."
            )
        try:
            # NumPy scalars (np.unique(y) gives them) as Python values: JSON can save those.
            labels = [c.item() if isinstance(c, np.generic) else c for c in classes]
        except TypeError:
            raise TypeError(f"`classes` must be a sequence of labels, got {classes!r}.") from None
        if len(labels) != self.n_classes:
            raise ValueError(
                f"`classes` must have one label per class ({self.n_classes}), got {len(labels)}."
            )
        try:
            seen = Counter(labels)
        except TypeError:
            raise TypeError(
                f"`classes` must hold hashable labels (numbers, strings, booleans), got "
                f"{labels!r}."
            ) from None
        repeated = [label for label, count in seen.items() if count > 1]
        if repeated:
            raise ValueError(
                f"`classes` must name each class once, got {repeated[0]!r} "
                f"{seen[repeated[0]]} times in {labels!r}."
            )
        return labels

    # -- training ---------------------------------------------------------------------------

    def prepare_targets(
        self, y: object, dtype: np.dtype[Any], *, infer_classes: bool = False
    ) -> NDArray[Any]:
        """Check ``y`` against the loss and the output layer; return the array training uses.

        A classifier's labels are mapped through :attr:`classes` to 0..k-1 (so ``y`` may hold
        the class names themselves, strings or booleans, or a column of shape (n, 1)). With
        ``infer_classes`` (what ``fit`` does) a classifier without ``classes`` takes them from
        ``y`` when its labels are not numbers: a pandas category's categories in their order,
        else the sorted distinct labels.
        """
        arr = as_array(y, "y")
        if self.is_classifier and self._holds_labels(arr):
            arr = self._encode(arr.reshape(len(arr)), categories(y), infer_classes)
        return self.loss.prepare_targets(arr, self.n_outputs, dtype)

    def _holds_labels(self, arr: NDArray[Any]) -> bool:
        """One label per sample: a 1-D array, or a column where the network has more outputs."""
        if arr.ndim == 1:
            return True
        # One sigmoid output takes a column of 0/1 values too; anything but numbers is labels.
        return (
            arr.ndim == 2
            and arr.shape[1] == 1
            and (self.n_outputs > 1 or not np.issubdtype(arr.dtype, np.number))
        )

    def _encode(
        self, labels: NDArray[Any], declared: list[Any] | None, infer: bool
    ) -> NDArray[Any]:
        numeric = np.issubdtype(labels.dtype, np.number) and labels.dtype != object
        if self.classes is None:
            if numeric and not (infer and declared is not None):
                return labels  # already 0..k-1; the loss checks the range
            if labels.dtype == np.bool_ and not infer:
                return labels.astype(np.int64)
            missing = [label for label in labels[:1000] if label is None]
            if missing:
                raise ValueError("`y` has missing labels (None); drop those samples first.")
            if not infer:
                raise ValueError(
                    f"`y` holds labels such as {labels[0]!r}, but this network has no "
                    f"`classes` to map them to outputs: fit it on them first, or pass "
                    f"classes=[...] to MLP."
                )
            self.classes = self._infer_classes(labels, declared)
        index = {label: i for i, label in enumerate(self.classes)}
        distinct, inverse = np.unique(labels, return_inverse=True)
        unknown = [label for label in distinct.tolist() if label not in index]
        if unknown:
            raise ValueError(
                f"`y` has labels {unknown[:5]} that are not among the network's classes "
                f"{self.classes}."
            )
        return np.array([index[label] for label in distinct.tolist()], dtype=np.int64)[inverse]

    def _infer_classes(self, labels: NDArray[Any], declared: list[Any] | None) -> list[Any]:
        try:
            found = declared if declared is not None else np.unique(labels).tolist()
        except TypeError:
            raise TypeError(
                "`y` mixes labels that cannot be sorted (e.g. numbers and strings); pass "
                "classes=[...] to MLP to give their order."
            ) from None
        if len(found) != self.n_classes:
            raise ValueError(
                f"`y` has {len(found)} classes {found[:10]} but the network's output layer "
                f"has {self.n_outputs} unit(s), for {self.n_classes} classes; build it with "
                f"one output per class (sigmoid with one output for two classes), or name "
                f"every output with classes=[...]."
            )
        return found

    def check_training_targets(self, y: NDArray[Any]) -> None:
        """Refuse a classifier's training labels of one class; warn about unused outputs.

        ``y`` is prepared (:meth:`prepare_targets`). Only single-label classification is
        checked: independent yes/no outputs may well be all 0 in one column.
        """
        if not self.is_classifier or (y.ndim == 2 and y.shape[1] > 1 and not self.fused):
            return
        if isinstance(self.loss, CategoricalCrossEntropy):
            labels = y if y.ndim == 1 else y.argmax(axis=1)
        elif self.n_outputs == 1:
            labels = (y[:, 0] >= 0.5).astype(np.int64)
        else:
            return
        present = np.unique(labels)
        named = self.classes if self.classes is not None else list(range(self.n_classes or 0))
        if len(present) == 1:
            raise ValueError(
                f"`y` holds a single class ({named[int(present[0])]!r}); a classifier needs "
                f"examples of at least two."
            )
        if self.n_classes is not None and len(present) < self.n_classes:
            unused = sorted(set(range(self.n_classes)) - set(present.tolist()))
            warn_user(
                f"`y` has examples of {len(present)} of the {self.n_classes} classes; outputs "
                f"{unused[:10]} never see a positive example and will learn to stay low. If "
                f"the labels are class names rather than 0..{self.n_classes - 1}, pass "
                f"classes=[...] and build one output per class.",
                UserWarning,
            )

    def loss_and_gradient(
        self, out: Array, y: NDArray[Any], sample_weight: NDArray[Any] | None = None
    ) -> tuple[float, Array]:
        r"""The loss and its gradient with respect to ``out``, written over ``out``.

        ``out`` is the logits :math:`z` when :attr:`fused` (the gradient is then
        :math:`\partial L/\partial z`), else the outputs :math:`a`. With ``sample_weight``
        (shape (n,), non-negative) the loss is the weighted average
        :math:`\sum_i w_i \ell_i / \sum_i w_i`.
        """
        weight = _normalised(sample_weight)
        if self.fused:
            return self.loss.fused(out, y, out=out, weight=weight)
        return self.loss.value(out, y, weight), self.loss.gradient(out, y, weight)

    def loss_value(
        self, out: Array, y: NDArray[Any], sample_weight: NDArray[Any] | None = None
    ) -> float:
        """The loss for ``out`` (logits when :attr:`fused`), which may be overwritten."""
        weight = _normalised(sample_weight)
        if self.fused:
            return self.loss.fused(out, y, out=out, weight=weight)[0]
        return self.loss.value(out, y, weight)

    def constant_guess_loss(
        self, y: NDArray[Any], sample_weight: NDArray[Any] | None = None
    ) -> float:
        """The loss of an uninformed guess: one output for every sample, the targets' mean.

        For prepared targets ``y``: a classifier guesses the class frequencies (its loss is
        their entropy, at most :math:`\\log k`), a regressor the mean target (MSE: half the
        targets' variance). Training uses it as a floor for the loss a run starts from.
        """
        weight = _normalised(sample_weight)
        if y.ndim == 1:  # integer labels
            counts = np.bincount(y, weights=weight, minlength=self.n_outputs)[: self.n_outputs]
            total = counts.sum()
            guess = np.broadcast_to(counts / (total if total > 0 else 1.0), (len(y), len(counts)))
        else:
            guess = np.broadcast_to(np.average(y, axis=0, weights=weight), y.shape)
        dtype = y.dtype if y.dtype.kind == "f" else np.dtype(np.float64)
        with np.errstate(all="ignore"):
            return float(self.loss.value(np.array(guess, dtype=dtype), y, weight))

    def count_correct(self, out: Array, y: NDArray[Any]) -> int:
        """Correct answers of a classifier for ``out`` (logits when fused); 0 for regression."""
        if not self.is_classifier:
            return 0
        if isinstance(self.loss, CategoricalCrossEntropy):
            # softmax is increasing in each logit, so the largest logit is the largest a.
            labels = y if y.ndim == 1 else y.argmax(axis=1)
            kernel = _kernels.if_loaded("argmax_hits")
            if kernel is not None and out.ndim == 2 and labels.dtype == np.int64:
                return int(kernel(out, labels))
            return int((out.argmax(axis=1) == labels).sum())
        # Independent yes/no outputs; σ(z) ≥ ½ exactly when z ≥ 0.
        predicted = out >= (0.0 if self.fused else 0.5)
        return int((predicted == (y >= 0.5)).all(axis=1).sum())

    # -- prediction -------------------------------------------------------------------------

    def decode(self, a: Array) -> NDArray[Any]:
        """What ``predict`` returns for outputs ``a``: labels for a classifier, else values.

        Values are squeezed to 1-D for a single output; labels are ``classes`` when given.
        Several sigmoid outputs (independent yes/no labels) give the 0/1 indicator matrix, as
        scikit-learn does: ``classes`` then names its columns.
        """
        if not self.is_classifier:
            return a[:, 0] if self.n_outputs == 1 else a
        if isinstance(self.loss, CategoricalCrossEntropy):
            labels: NDArray[Any] = a.argmax(axis=1)
        else:
            labels = (a >= 0.5).astype(np.int64)
            if self.n_outputs > 1:
                return labels
            labels = labels[:, 0]
        if self.classes is not None:
            return np.asarray(self.classes)[labels]
        return labels

    def probabilities(self, a: Array) -> Array:
        """What ``predict_proba`` returns for outputs ``a``; TypeError where there are none.

        A single sigmoid output gives two columns, :math:`1 - p` and :math:`p`, as
        scikit-learn does; several sigmoid outputs (independent labels) give one column each.
        """
        name = self.output.name
        if not self.is_classifier:
            raise TypeError(
                f"predict_proba needs a classifier; this network's loss {self.loss.name!r} "
                f"is a regression loss (output {name!r}). Use predict()."
            )
        low, high = self.output.output_range
        is_distribution = isinstance(self.loss, BinaryCrossEntropy) or self.fused
        if not (is_distribution and low >= 0.0 and high <= 1.0):
            raise TypeError(
                f"predict_proba needs outputs that are probabilities; {name!r} outputs with "
                f"{self.loss.name!r} are not. Use output="
                f"{'softmax' if isinstance(self.loss, CategoricalCrossEntropy) else 'sigmoid'!r}."
            )
        if self.n_outputs == 1:
            return np.hstack([1.0 - a, a])
        return a

    def __repr__(self) -> str:
        return f"Head(output={self.output!r}, loss={self.loss!r}, n_outputs={self.n_outputs})"


# --- registry ---------------------------------------------------------------------------------

_LOSSES: Registry[type[Loss]] = Registry("loss", "loss")
for _cls, _aliases in (
    (MeanSquaredError, ("mean_squared_error", "squared_error")),
    (MeanAbsoluteError, ("mean_absolute_error",)),
    (Huber, ()),
    (BinaryCrossEntropy, ("bce", "log_loss")),
    (CategoricalCrossEntropy, ("cross_entropy", "cce")),
):
    _LOSSES.add(_cls.name, _cls, *_aliases)


def names() -> list[str]:
    """Canonical loss names."""
    return _LOSSES.names()


def get(loss: str | Loss, **params: float) -> Loss:
    """A :class:`Loss` from its name (or alias), or ``loss`` itself if it already is one.

    >>> get("bce"), get("huber", delta=0.5)
    (BinaryCrossEntropy(), Huber(delta=0.5))
    """
    if isinstance(loss, Loss):
        if params:
            raise TypeError("Parameters cannot be given together with a Loss instance.")
        return loss
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss(**params)
    if not isinstance(loss, str):
        raise TypeError(f"`loss` must be a name or a Loss, got {type(loss).__name__}.")
    # Look the name up first and construct second, so a bad parameter is reported as such.
    return _LOSSES.lookup(loss)(**params)


def default_for_output(output_name: str) -> Loss:
    """The canonical loss for an output activation: MSE unless it is sigmoid or softmax."""
    for cls in map(_LOSSES.lookup, _LOSSES):
        if cls.canonical_output == output_name and cls.canonical_output != "identity":
            return cls()
    return MeanSquaredError()


def check_pairing(output: Any, loss: Loss) -> None:
    """Warn (:class:`PairingWarning`) when the output activation does not suit the loss.

    ``output`` is an :class:`~neuronet.activations.Activation`.
    """
    name = output.name
    if isinstance(loss, CategoricalCrossEntropy) and name != "softmax":
        why = "it expects one probability distribution per sample; " + (
            "sigmoid outputs are independent and do not sum to 1"
            if name == "sigmoid"
            else f"{name} outputs are not probabilities"
        )
        _warn(name, loss, f"use output='softmax' with categorical_cross_entropy: {why}.")
    elif isinstance(loss, BinaryCrossEntropy) and name != "sigmoid":
        low, high = output.output_range
        if not (low >= 0.0 and high <= 1.0):
            _warn(
                name,
                loss,
                f"{name} outputs range over [{low}, {high}], not probabilities in [0, 1]; "
                "use output='sigmoid' with binary_cross_entropy.",
            )
        else:
            _warn(name, loss, "use output='sigmoid' with binary_cross_entropy.")
    elif not loss.classification and name in ("softmax", "sigmoid"):
        right = "categorical_cross_entropy" if name == "softmax" else "binary_cross_entropy"
        _warn(
            name,
            loss,
            f"a {name} output with a regression loss learns slowly when it saturates (its "
            f"gradient vanishes); use loss='{right}', whose gradient (a - y)/n does not.",
        )


def _warn(output_name: str, loss: Loss, advice: str) -> None:
    warn_user(
        f"Output activation {output_name!r} with loss {loss.name!r} is a mismatched pair: "
        f"{advice}",
        PairingWarning,
    )
