r"""Weight initialisers, and the choice of one for each activation.

A layer's weights start random so that its neurons differ; their *scale* decides whether the
signal keeps its size as it passes through many layers. Each scheme below picks the variance of
the weights from the layer's fan-in :math:`n_\text{in}` and fan-out :math:`n_\text{out}`:

=========================  ==========================================  ==========================
scheme                     variance of each weight                     made for
=========================  ==========================================  ==========================
``glorot_uniform/normal``  :math:`2 / (n_\text{in} + n_\text{out})`     sigmoid, tanh, softmax
``he_uniform/normal``      :math:`2 / ((1 + s^2)\, n_\text{in})`        ReLU family (slope ``s``)
``lecun_normal``           :math:`1 / n_\text{in}`                      SELU (self-normalising)
=========================  ==========================================  ==========================

Biases start at zero. ``"auto"`` asks the layer's activation for its ``recommended_init``.

References
----------
Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks",
AISTATS 2010. He et al., "Delving Deep into Rectifiers", ICCV 2015, arXiv:1502.01852.
LeCun et al., "Efficient BackProp", 1998. Klambauer et al., "Self-Normalizing Neural Networks",
NeurIPS 2017, arXiv:1706.02515.

Examples
--------
>>> import numpy as np
>>> from neuronet import init
>>> w = init.initialise("he_uniform", 512, 256, rng=np.random.default_rng(0))
>>> w.shape, w.dtype, round(float(w.var() * 512), 1)
((512, 256), dtype('float32'), 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._registry import Registry

__all__ = ["choose", "initialise", "names"]

# Each scheme maps (fan_in, fan_out, negative_slope) to the standard deviation it wants, and
# says whether it draws from a uniform or a normal distribution.
_Scale = Callable[[int, int, float], float]


def _glorot(fan_in: int, fan_out: int, slope: float) -> float:
    return math.sqrt(2.0 / (fan_in + fan_out))


def _he(fan_in: int, fan_out: int, slope: float) -> float:
    # A leaky/parametric ReLU lets a fraction slope² of the negative half's variance through,
    # so the gain that keeps the variance constant is 2 / (1 + slope²) instead of 2.
    return math.sqrt(2.0 / ((1.0 + slope * slope) * fan_in))


def _lecun(fan_in: int, fan_out: int, slope: float) -> float:
    return math.sqrt(1.0 / fan_in)


# "auto" is registered too, with no scheme, so that it is matched, suggested and listed like
# any other name; only :func:`choose` can resolve it, since it needs the layer's activation.
_SCHEMES: Registry[tuple[_Scale, str] | None] = Registry("initialiser", "init")
_SCHEMES.add("glorot_uniform", (_glorot, "uniform"), "xavier_uniform")
_SCHEMES.add("glorot_normal", (_glorot, "normal"), "xavier_normal")
_SCHEMES.add("he_uniform", (_he, "uniform"), "kaiming_uniform")
_SCHEMES.add("he_normal", (_he, "normal"), "kaiming_normal")
_SCHEMES.add("lecun_normal", (_lecun, "normal"))
_SCHEMES.add("auto", None)


def names() -> list[str]:
    """The canonical initialiser names (aliases ``xavier_*`` and ``kaiming_*`` also work).

    ``"auto"`` is not one: :func:`choose` turns it into one of these.

    >>> names()
    ['glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform', 'lecun_normal']
    """
    return [name for name in _SCHEMES.names() if name != "auto"]


def choose(init: str, activation: object) -> str:
    """The initialiser to use for a layer: ``init`` itself, or the activation's choice for "auto".

    Names are matched whatever the case, surrounding spaces, ``-`` or ``_``.

    >>> from neuronet import activations
    >>> choose(" Auto ", activations.get("selu")), choose("Xavier-Normal", None)
    ('lecun_normal', 'glorot_normal')
    """
    name = _SCHEMES.canonical(init)
    if name == "auto":
        return str(getattr(activation, "recommended_init", "glorot_uniform"))
    return name


def initialise(
    name: str,
    fan_in: int,
    fan_out: int,
    *,
    rng: np.random.Generator,
    negative_slope: float = 0.0,
    dtype: DTypeLike = np.float32,
) -> NDArray[np.floating]:
    """Draw a ``(fan_in, fan_out)`` weight matrix with the variance the scheme ``name`` asks for.

    Parameters
    ----------
    name : str
        One of :func:`names` or an alias, in any case, with or without ``-``, ``_``.
    fan_in, fan_out : int
        Inputs and outputs of the layer.
    rng : numpy.random.Generator
        The source of randomness, so that a seed reproduces the weights exactly.
    negative_slope : float, default=0.0
        The slope of a leaky or parametric ReLU for the negative half, used by the He schemes.
    dtype : dtype, default=float32
    """
    scheme = _SCHEMES.lookup(name)
    if scheme is None:
        raise ValueError(
            f"`name`={name!r} depends on the layer's activation: resolve it first with "
            f"init.choose({name!r}, activation)."
        )
    scale, distribution = scheme
    std = scale(fan_in, fan_out, negative_slope)
    if distribution == "uniform":
        # U(-l, l) has variance l²/3, so l = √3·std gives the variance we want.
        limit = math.sqrt(3.0) * std
        weights = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    else:
        weights = rng.normal(0.0, std, size=(fan_in, fan_out))
    return weights.astype(dtype, copy=False)
