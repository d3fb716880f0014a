r"""Toy data sets that show what a hidden layer is for.

Each generator is pure NumPy, draws its randomness from one ``seed`` and returns
``(X, y)``:

* ``X`` — features, shape ``(n_samples, n_features)``, in ``dtype`` (float32 by default);
* ``y`` — int64 class labels ``0 .. n_classes - 1`` for classification, or float targets of
  shape ``(n_samples,)`` in ``X``'s dtype for regression (:func:`curve`).

Both arrays are freshly allocated and C-contiguous.

=========================  ==============  ======================================================
generator                  task            why it is worth learning on
=========================  ==============  ======================================================
:func:`xor`                2 classes       not linearly separable: needs a hidden layer
:func:`circles`            2 classes       a linear model can do no better than chance (~50 %)
:func:`moons`              2 classes       curved boundary, a few hidden units suffice
:func:`spiral`             k classes       interleaved arms need several hidden units
:func:`blobs`              k classes       linearly separable: the sanity check
:func:`curve`              regression      a smooth 1-D function to fit
=========================  ==============  ======================================================

Conventions shared by every generator:

* **Balanced classes.** Class ``k`` gets ``n_samples // n_classes`` samples, plus one more if
  ``k < n_samples % n_classes``: the remainder goes to the lowest labels.
* **Shuffled rows.** Classification rows come in random order, so any slice is a fair sample.
* **Noise rescales a fixed draw.** For a fixed ``seed`` only the size of the jitter depends on
  ``noise`` (the generator scales one standard-normal draw), so a noise slider moves the same
  points further from their clean positions instead of drawing new ones; ``noise=0`` gives the
  exact geometry.

:func:`load` and :func:`names` form a small registry (so a command line can say
``--data spiral``) and :func:`train_test_split` holds out a stratified test set.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._registry import Registry
from ._validation import check_bool, check_int, check_number

__all__ = [
    "REGRESSION",
    "blobs",
    "circles",
    "curve",
    "is_regression",
    "load",
    "moons",
    "names",
    "spiral",
    "train_test_split",
    "xor",
]

# A string annotation: evaluating np.random here would import numpy.random, a tenth of
# `import neuronet`, for a name that only type checkers read.
Seed = Union[int, "np.random.Generator", None]
Arrays = tuple[NDArray[Any], NDArray[Any]]


# ----------------------------------------------------------------------------- validation
def _check_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"`dtype` must be a NumPy floating-point dtype, got {dtype!r}.") from exc
    if not np.issubdtype(dt, np.floating):
        raise ValueError(
            f"`dtype` must be a floating-point dtype such as 'float32' or 'float64', "
            f"got {dt.name!r}."
        )
    return dt


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """Balanced class sizes; the remainder goes to the lowest labels."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def _finish(
    X: NDArray[np.float64], y: NDArray[np.int64], dtype: np.dtype[Any], rng: np.random.Generator
) -> Arrays:
    """Shuffle the rows together, cast ``X`` and return C-contiguous copies."""
    # Drawn after the noise, whose number of draws never depends on `noise`, so one seed
    # gives the same order at every noise level ("Noise rescales a fixed draw" above).
    order = rng.permutation(len(y))
    X_out = np.ascontiguousarray(X[order], dtype=dtype)
    y_out = np.ascontiguousarray(y[order], dtype=np.int64)
    return X_out, y_out


def _labels(sizes: list[int]) -> NDArray[np.int64]:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


# ----------------------------------------------------------------------------- generators
def xor(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> Arrays:
    r"""Four jittered clusters at the corners of a square, labelled by XOR.

    The points sit around the corners :math:`(\pm 1, \pm 1)`; a point's class is 1 when its
    corner's coordinates have different signs:

    .. math:: y = [\operatorname{sign} c_0 \ne \operatorname{sign} c_1],
              \qquad x = c + \sigma z, \quad z \sim \mathcal N(0, I_2)

    so class 0 is the diagonal :math:`(+1, +1), (-1, -1)` and class 1 the anti-diagonal.
    With ``noise=0`` this is the XOR truth table in the :math:`\pm 1` encoding.

    Why it teaches: no straight line puts both diagonals on one side, so a model without a
    hidden layer cannot fit it (Minsky & Papert's classic objection to the perceptron), while
    one hidden layer of two units can.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points, at least 2. Split evenly between the two classes and, within a
        class, between its two corners (any odd one out goes to the first class, and within
        a class to the corner with positive ``x0``).
    noise : float, default=0.1
        Standard deviation :math:`\sigma` of the Gaussian jitter added to each coordinate.
        The label is that of the corner a point was drawn from, so a large ``noise`` pushes
        points across the axes and makes the labels noisy near them.
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    dtype : dtype-like, default="float32"
        Floating-point dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Point coordinates, in ``dtype``.
    y : ndarray of shape (n_samples,), int64
        Class labels in ``{0, 1}``.

    References
    ----------
    M. Minsky and S. Papert, *Perceptrons*, MIT Press, 1969.

    Examples
    --------
    >>> X, y = xor(100, seed=0)
    >>> X.shape, X.dtype, np.bincount(y)
    ((100, 2), dtype('float32'), array([50, 50]))
    >>> X, y = xor(8, noise=0.0, seed=0)
    >>> bool(np.all((np.sign(X[:, 0]) != np.sign(X[:, 1])) == y))
    True
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2, why="one per class")
    noise = check_number(noise, "noise", ">= 0")
    dt = _check_dtype(dtype)
    rng = np.random.default_rng(seed)

    y = _labels(_class_sizes(n_samples, 2))
    # Alternate the two corners of each class: +x0 first, then -x0.
    within = np.concatenate([np.arange(size) for size in _class_sizes(n_samples, 2)])
    s0 = np.where(within % 2 == 0, 1.0, -1.0)
    s1 = np.where(y == 0, s0, -s0)
    X = np.column_stack([s0, s1]) + noise * rng.standard_normal((n_samples, 2))
    return _finish(X, y, dt, rng)


def circles(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    factor: float = 0.5,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> Arrays:
    r"""Two concentric circles: a small one (class 1) inside a large one (class 0).

    Each circle's points are evenly spaced in angle, as in scikit-learn's ``make_circles``:

    .. math:: x = \rho\,(\cos\theta_i, \sin\theta_i) + \sigma z, \qquad
              \theta_i = 2\pi i / m, \quad i = 0, \dots, m - 1

    with radius :math:`\rho = 1` for class 0 and :math:`\rho = \text{factor}` for class 1.

    Why it teaches: the classes share a centre, so every line through the plane cuts both
    circles in half and a linear model can do no better than chance (~50 %). A hidden layer
    of a few units bends the boundary into a closed curve around the inner ring.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points, at least 2, split evenly (the outer circle gets any odd one).
    noise : float, default=0.1
        Standard deviation :math:`\sigma` of the Gaussian jitter added to each coordinate.
    factor : float, default=0.5
        Radius of the inner circle relative to the outer one; must be in (0, 1).
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    dtype : dtype-like, default="float32"
        Floating-point dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Point coordinates, in ``dtype``.
    y : ndarray of shape (n_samples,), int64
        0 for the outer circle, 1 for the inner one.

    References
    ----------
    scikit-learn, ``sklearn.datasets.make_circles``.

    Examples
    --------
    >>> X, y = circles(100, seed=0)
    >>> X.shape, X.dtype, np.bincount(y)
    ((100, 2), dtype('float32'), array([50, 50]))
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2, why="one per class")
    noise = check_number(noise, "noise", ">= 0")
    factor = check_number(factor, "factor", "in (0, 1)")
    dt = _check_dtype(dtype)
    rng = np.random.default_rng(seed)

    sizes = _class_sizes(n_samples, 2)
    rings = []
    for radius, m in zip((1.0, factor), sizes, strict=True):
        # endpoint=False: 0 and 2π are the same point, so including both would double it.
        theta = np.linspace(0.0, 2.0 * np.pi, m, endpoint=False)
        rings.append(radius * np.column_stack([np.cos(theta), np.sin(theta)]))
    X = np.concatenate(rings) + noise * rng.standard_normal((n_samples, 2))
    return _finish(X, _labels(sizes), dt, rng)


def moons(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> Arrays:
    r"""Two interleaving half-moons, as in scikit-learn's ``make_moons``.

    Class 0 is the upper half of the unit circle; class 1 is the lower half of a unit circle
    centred at :math:`(1, 0.5)`, so each moon's tip reaches into the other's hollow:

    .. math:: x^{(0)}_i = (\cos t_i, \sin t_i), \qquad
              x^{(1)}_i = (1 - \cos t_i, \tfrac12 - \sin t_i), \qquad
              t_i \in [0, \pi] \text{ evenly spaced}

    plus Gaussian jitter of standard deviation :math:`\sigma` on each coordinate.

    Why it teaches: the boundary must curve around each tip. A linear model gets the bulk of
    each moon but misses the interleaved tips; a hidden layer of a handful of units fits
    it, and the moons are a good first look at how the boundary bends as units are added.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points, at least 2, split evenly (the upper moon gets any odd one).
    noise : float, default=0.1
        Standard deviation :math:`\sigma` of the Gaussian jitter added to each coordinate.
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    dtype : dtype-like, default="float32"
        Floating-point dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Point coordinates, in ``dtype``.
    y : ndarray of shape (n_samples,), int64
        0 for the upper moon, 1 for the lower one.

    References
    ----------
    scikit-learn, ``sklearn.datasets.make_moons``.

    Examples
    --------
    >>> X, y = moons(101, seed=0)
    >>> X.shape, X.dtype, np.bincount(y)
    ((101, 2), dtype('float32'), array([51, 50]))
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2, why="one per class")
    noise = check_number(noise, "noise", ">= 0")
    dt = _check_dtype(dtype)
    rng = np.random.default_rng(seed)

    sizes = _class_sizes(n_samples, 2)
    t_upper = np.linspace(0.0, np.pi, sizes[0])
    t_lower = np.linspace(0.0, np.pi, sizes[1])
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    return _finish(X, _labels(sizes), dt, rng)


def spiral(
    n_samples: int = 300,
    *,
    n_classes: int = 3,
    noise: float = 0.2,
    turns: float = 1.0,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> Arrays:
    r"""Interleaved spiral arms, one per class (the CS231n spiral, any number of arms).

    Arm :math:`k` of :math:`K` runs from the origin out to radius 1, its angle growing with
    the radius:

    .. math:: x = r\,(\cos\theta, \sin\theta), \qquad
              \theta = \frac{2\pi k}{K} + 2\pi\,\text{turns}\cdot r + \sigma z,
              \quad z \sim \mathcal N(0, 1)

    with radii :math:`r` evenly spaced in :math:`[0, 1]` along each arm. The arms start
    evenly spaced around the circle, so they never cross.

    Why it teaches: every arm wraps around the others, so no straight line and no single
    bend separates them; the network needs several hidden units (tens for ``turns >= 1``)
    to carve out the arms, which makes it a good problem for watching capacity matter.

    Parameters
    ----------
    n_samples : int, default=300
        Total number of points, at least ``n_classes``, split evenly between the arms.
    n_classes : int, default=3
        Number of arms (classes), at least 2.
    noise : float, default=0.2
        Standard deviation :math:`\sigma` of the Gaussian noise on the **angle**, in
        radians (as in CS231n): it smears the arms sideways, more so far from the centre,
        and leaves the radii exact.
    turns : float, default=1.0
        How many full turns each arm makes from the centre to radius 1; a finite number
        >= 0. ``turns=0`` gives straight rays; larger values are harder. CS231n's arms
        make about 0.64 turns (4 radians).
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    dtype : dtype-like, default="float32"
        Floating-point dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Point coordinates, in ``dtype``.
    y : ndarray of shape (n_samples,), int64
        The arm index, ``0 .. n_classes - 1``.

    Notes
    -----
    If ``n_samples`` is not a multiple of ``n_classes``, the first
    ``n_samples % n_classes`` arms get one extra point.

    References
    ----------
    A. Karpathy, *CS231n: Putting it together: minimal neural network case study*,
    https://cs231n.github.io/neural-networks-case-study/

    Examples
    --------
    >>> X, y = spiral(300, n_classes=4, seed=0)
    >>> X.shape, X.dtype, np.bincount(y)
    ((300, 2), dtype('float32'), array([75, 75, 75, 75]))
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    n_samples = check_int(
        n_samples, "n_samples", minimum=n_classes, why=f"`n_classes`={n_classes}, one per class"
    )
    noise = check_number(noise, "noise", ">= 0")
    turns = check_number(turns, "turns", ">= 0")
    dt = _check_dtype(dtype)
    rng = np.random.default_rng(seed)

    sizes = _class_sizes(n_samples, n_classes)
    y = _labels(sizes)
    r = np.concatenate([np.linspace(0.0, 1.0, m) for m in sizes])
    theta = 2.0 * np.pi * (y / n_classes + turns * r)
    theta = theta + noise * rng.standard_normal(n_samples)
    X = r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    return _finish(X, y, dt, rng)


def blobs(
    n_samples: int = 300,
    *,
    n_classes: int = 3,
    n_features: int = 2,
    noise: float = 1.0,
    spread: float = 10.0,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> Arrays:
    r"""Isotropic Gaussian clusters, one per class, like scikit-learn's ``make_blobs``.

    Each class :math:`k` has a centre :math:`\mu_k` drawn uniformly from the box
    :math:`[-\text{spread}, \text{spread}]^{d}`; its points are

    .. math:: x = \mu_k + \sigma z, \qquad z \sim \mathcal N(0, I_d)

    Why it teaches: with the default spread the clusters are usually far apart and linearly
    separable, so even a network with no hidden layer should reach ~100 %: the sanity check
    that the training loop works before trying a hard problem. Raising ``noise`` makes the
    clusters overlap, and then no model can be perfect.

    Parameters
    ----------
    n_samples : int, default=300
        Total number of points, at least ``n_classes``, split evenly between the clusters.
    n_classes : int, default=3
        Number of clusters (classes), at least 2.
    n_features : int, default=2
        Dimension :math:`d` of each point, at least 1.
    noise : float, default=1.0
        Standard deviation :math:`\sigma` of each cluster, per coordinate.
    spread : float, default=10.0
        Half-width of the box the centres are drawn from; a finite number > 0. The centres
        are random, so two of them can land close together.
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    dtype : dtype-like, default="float32"
        Floating-point dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Point coordinates, in ``dtype``.
    y : ndarray of shape (n_samples,), int64
        The cluster index, ``0 .. n_classes - 1``.

    Notes
    -----
    If ``n_samples`` is not a multiple of ``n_classes``, the first
    ``n_samples % n_classes`` clusters get one extra point.

    References
    ----------
    scikit-learn, ``sklearn.datasets.make_blobs``.

    Examples
    --------
    >>> X, y = blobs(10, n_classes=3, n_features=5, seed=0, dtype="float64")
    >>> X.shape, X.dtype, np.bincount(y)
    ((10, 5), dtype('float64'), array([4, 3, 3]))
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    n_samples = check_int(
        n_samples, "n_samples", minimum=n_classes, why=f"`n_classes`={n_classes}, one per class"
    )
    n_features = check_int(n_features, "n_features", minimum=1)
    noise = check_number(noise, "noise", ">= 0")
    spread = check_number(spread, "spread", "> 0")
    dt = _check_dtype(dtype)
    rng = np.random.default_rng(seed)

    centres = rng.uniform(-spread, spread, size=(n_classes, n_features))
    y = _labels(_class_sizes(n_samples, n_classes))
    X = centres[y] + noise * rng.standard_normal((n_samples, n_features))
    return _finish(X, y, dt, rng)


def curve(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    seed: Seed = None,
    dtype: DTypeLike = "float32",
) -> Arrays:
    r"""A noisy 1-D regression problem: a sine wave on a gentle slope.

    .. math:: y = \sin(2x) + 0.3\,x + \sigma z, \qquad
              x \sim \mathcal U[-3, 3], \quad z \sim \mathcal N(0, 1)

    Why it teaches: the curve has four turning points in :math:`[-3, 3]`, so a straight line
    (no hidden layer) fits only the slope, and each extra hidden unit adds one more piece
    (ReLU) or bend (tanh). With noise the best possible mean squared error is
    :math:`\sigma^2`, which makes overfitting easy to see: a training loss well below
    :math:`\sigma^2` is memorising the noise.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points, at least 1.
    noise : float, default=0.1
        Standard deviation :math:`\sigma` of the Gaussian noise added to the targets.
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    dtype : dtype-like, default="float32"
        Floating-point dtype of ``X`` and ``y``.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The inputs :math:`x`, in random (unsorted) order, in ``dtype``.
    y : ndarray of shape (n_samples,)
        The targets, in ``dtype``.

    Examples
    --------
    >>> X, y = curve(50, seed=0)
    >>> X.shape, y.shape, y.dtype
    ((50, 1), (50,), dtype('float32'))
    >>> X, y = curve(5, noise=0.0, seed=0, dtype="float64")
    >>> bool(np.allclose(y, np.sin(2 * X[:, 0]) + 0.3 * X[:, 0]))
    True
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    noise = check_number(noise, "noise", ">= 0")
    dt = _check_dtype(dtype)
    rng = np.random.default_rng(seed)

    x = rng.uniform(-3.0, 3.0, size=n_samples)
    y = np.sin(2.0 * x) + 0.3 * x + noise * rng.standard_normal(n_samples)
    # x is already in random order, so there is nothing to shuffle.
    return (
        np.ascontiguousarray(x[:, None], dtype=dt),
        np.ascontiguousarray(y, dtype=dt),
    )


# ----------------------------------------------------------------------------- splitting
def train_test_split(
    X: ArrayLike,
    y: ArrayLike,
    *,
    test_size: float = 0.25,
    seed: Seed = None,
    stratify: bool = True,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    r"""Hold out a random test set, keeping the class proportions by default.

    Every sample lands in exactly one of the two sets; rows of ``X`` stay paired with their
    labels, and both sets come back in random order.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
        Features; the first axis indexes samples.
    y : array_like of shape (n_samples, ...)
        Targets, with the same number of samples as ``X``.
    test_size : float or int, default=0.25
        A float in (0, 1) is the fraction of samples to hold out, rounded up:
        ``ceil(test_size * n_samples)``. An int is the number of test samples. Either way
        both sets must end up non-empty.
    seed : int, numpy.random.Generator or None, default=None
        Seed for ``numpy.random.default_rng``.
    stratify : bool, default=True
        Keep each class's share of the test set equal to its share of the data, as nearly
        as whole samples allow. Applies only when ``y`` is 1-D with integer (or bool)
        labels; regression targets and one-hot ``y`` are split without stratification.

    Returns
    -------
    X_train, X_test : ndarray
        The rows of ``X`` in each set, C-contiguous, in ``X``'s dtype.
    y_train, y_test : ndarray
        The matching entries of ``y``.

    Notes
    -----
    Stratification allocates the ``n_test`` test samples by the largest-remainder method:
    class :math:`c`, with :math:`n_c` samples, gets :math:`\lfloor q_c \rfloor` or
    :math:`\lceil q_c \rceil` test samples, where :math:`q_c = n_c\, n_\text{test} / n`,
    and the counts add up to exactly :math:`n_\text{test}`. Ties go to the lower label.

    Examples
    --------
    >>> X, y = spiral(300, seed=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    >>> X_train.shape, X_test.shape, np.bincount(y_test)
    ((240, 2), (60, 2), array([20, 20, 20]))
    """
    features = np.asarray(X)
    targets = np.asarray(y)
    if features.ndim == 0 or targets.ndim == 0:
        raise ValueError(
            f"`X` and `y` must be arrays with a samples axis, got shapes {features.shape} "
            f"and {targets.shape}."
        )
    n = features.shape[0]
    if targets.shape[0] != n:
        raise ValueError(
            f"`X` and `y` must have the same number of samples, got {n} and {targets.shape[0]}."
        )
    if n < 2:
        raise ValueError(f"Need at least 2 samples to split into two sets, got {n}.")
    stratify = check_bool(stratify, "stratify")

    n_test = _n_test(test_size, n)
    rng = np.random.default_rng(seed)

    # Only class labels can be stratified: not regression targets, not one-hot rows.
    is_labels = targets.ndim == 1 and (
        targets.dtype == np.bool_ or np.issubdtype(targets.dtype, np.integer)
    )
    if stratify and is_labels:
        _, inverse, counts = np.unique(targets, return_inverse=True, return_counts=True)
        quota = counts * (n_test / n)
        per_class = np.floor(quota).astype(np.int64)
        # Hand the leftover samples to the largest fractional parts; a stable sort makes
        # ties go to the lower label, so the result depends only on the seed.
        leftover = n_test - int(per_class.sum())
        per_class[np.argsort(-(quota - per_class), kind="stable")[:leftover]] += 1
        test_parts = []
        for c, k in enumerate(per_class):
            members = rng.permutation(np.flatnonzero(inverse == c))
            test_parts.append(members[:k])
        is_test = np.zeros(n, dtype=bool)
        is_test[np.concatenate(test_parts)] = True
        # Shuffle each set so it is not grouped by class.
        test_idx = rng.permutation(np.flatnonzero(is_test))
        train_idx = rng.permutation(np.flatnonzero(~is_test))
    else:
        order = rng.permutation(n)
        test_idx, train_idx = order[:n_test], order[n_test:]

    return (
        np.ascontiguousarray(features[train_idx]),
        np.ascontiguousarray(features[test_idx]),
        np.ascontiguousarray(targets[train_idx]),
        np.ascontiguousarray(targets[test_idx]),
    )


def _n_test(test_size: object, n: int) -> int:
    """Turn ``test_size`` into a number of test samples in [1, n - 1]."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"`test_size` must be a float in (0, 1) or an int, got {test_size!r} of type "
            f"{type(test_size).__name__}."
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(
                f"`test_size` as an int must be in [1, n_samples - 1] = [1, {n - 1}], "
                f"got {n_test}."
            )
        return n_test
    fraction = float(test_size)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"`test_size` as a float must be in (0, 1), got {fraction!r}.")
    # round() first so that e.g. 0.07 * 100 = 7.000000000000001 gives 7, not 8.
    n_test = math.ceil(round(fraction * n, 9))
    if n_test > n - 1:
        raise ValueError(
            f"`test_size`={fraction!r} leaves no training samples out of n_samples={n}; "
            f"use a smaller fraction."
        )
    return n_test


# ----------------------------------------------------------------------------- registry
_GENERATORS: Registry[Callable[..., Arrays]] = Registry("data set", "name")
for _generator in (blobs, circles, curve, moons, spiral, xor):
    _GENERATORS.add(_generator.__name__, _generator)
del _generator

#: Names of the regression data sets; every other data set is classification.
REGRESSION: frozenset[str] = frozenset({"curve"})


def names() -> list[str]:
    """Names of the built-in data sets, sorted.

    Examples
    --------
    >>> names()
    ['blobs', 'circles', 'curve', 'moons', 'spiral', 'xor']
    """
    return _GENERATORS.names()


def is_regression(name: str) -> bool:
    """Whether the data set called ``name`` is a regression (float targets) problem.

    Raises
    ------
    ValueError
        If ``name`` is not a known data set.

    Examples
    --------
    >>> is_regression("curve"), is_regression(" Spiral ")
    (True, False)
    """
    return _GENERATORS.canonical(name) in REGRESSION


def load(name: str, **kwargs: Any) -> Arrays:
    """Generate the built-in data set called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`names`, matched whatever the case, surrounding spaces, ``-`` or ``_``
        (``"Spiral"`` works).
    **kwargs
        Passed to the generator, e.g. ``n_samples``, ``noise``, ``seed``, ``dtype``.

    Returns
    -------
    X, y : ndarray
        As returned by the generator.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the valid names and a close match.
    TypeError
        If ``name`` is not a str.

    Examples
    --------
    >>> X, y = load("spiral", n_samples=90, seed=0)
    >>> X.shape, np.bincount(y)
    ((90, 2), array([30, 30, 30]))
    """
    # Look the name up before calling, so a bad keyword is never reported as a bad name.
    generator = _GENERATORS.lookup(name)
    return generator(**kwargs)
