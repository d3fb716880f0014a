r"""Optimizers: how a gradient becomes a change of the parameters.

Every parameter of a network lives in one flat buffer ``params`` and its gradient in a second
flat buffer ``grads`` of the same shape and dtype, so an optimizer updates the whole network in
one vectorised step, in place. The classes below are ordered from the simplest to the most
complex:

- :class:`SGD`: :math:`p \leftarrow p - \eta g`, optionally with (Nesterov) momentum;
- :class:`RMSprop`: :math:`p \leftarrow p - \eta g / (\sqrt{s} + \epsilon)`, with :math:`s` a
  running mean of :math:`g^2`;
- :class:`Adam`: :math:`p \leftarrow p - \eta \hat m / (\sqrt{\hat v} + \epsilon)`, with
  bias-corrected running means of :math:`g` and :math:`g^2`;
- :class:`AdamW`: Adam with the weight decay taken out of the gradient;
- :class:`LBFGS`: a quasi-Newton method on the full batch, through SciPy.

The first four are :class:`Optimizer` subclasses that take one mini-batch step at a time;
:class:`LBFGS` is different in kind (``is_full_batch = True``): it needs the loss and gradient
of the whole training set and drives the iterations itself through :meth:`LBFGS.minimize`.

Conventions follow PyTorch's ``torch.optim`` so results can be compared number for number:
momentum accumulates the raw gradient (no dampening), Adam's ``weight_decay`` is an L2 term
added to the gradient, AdamW's is decoupled. Weight decay only touches the entries where the
``decay_mask`` given to :meth:`Optimizer.prepare` is true (weights, not biases or PReLU slopes).

Why in place: a 784-256-128-10 network has about 235 000 parameters and a step runs thousands
of times a second, so every update below writes through ``out=`` into state and scratch
buffers allocated once in :meth:`Optimizer.prepare`, and multiplies by Python floats so that a
float32 buffer is never upcast to float64.

Examples
--------
>>> import numpy as np
>>> from neuronet import optimizers
>>> params = np.array([1.0, -2.0], dtype=np.float32)
>>> opt = optimizers.get("adam", lr=0.1)
>>> opt.step(params, grads=np.array([0.5, -0.5], dtype=np.float32))
>>> params.round(4), params.dtype  # Adam's first step moves every entry by about lr
(array([ 0.9, -1.9], dtype=float32), dtype('float32'))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from . import _kernels
from ._config import Configurable
from ._registry import Registry
from ._validation import check_bool, check_int, check_number

if TYPE_CHECKING:
    import scipy.optimize

__all__ = [
    "LBFGS",
    "SGD",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "get",
    "names",
    "use_numba",
]

Array = NDArray[np.floating[Any]]


# --- mini-batch optimizers -------------------------------------------------------------------


class Optimizer(Configurable):
    r"""Base class of the mini-batch optimizers: state handling around one in-place update.

    A subclass names its state buffers in :meth:`_state_names` and implements :meth:`_update`;
    the base class allocates the buffers, checks shapes, counts steps and applies the weight
    decay mask.

    Attributes
    ----------
    lr : float
        The current learning rate. A learning-rate schedule changes it between epochs.
    t : int
        The number of steps taken since the last :meth:`prepare` or :meth:`reset`.
    state : dict of str to ndarray
        The per-parameter state (momentum buffers, moment estimates), shaped like ``params``
        and of its dtype; empty until the first :meth:`prepare` or :meth:`step`.
    """

    name: ClassVar[str] = ""
    is_full_batch: ClassVar[bool] = False
    _config_keys: ClassVar[tuple[str, ...]] = ("lr",)

    lr: float
    weight_decay: float

    def __init__(self) -> None:
        self.t = 0
        self.state: dict[str, Array] = {}
        self._decay_mask_given: NDArray[np.bool_] | None = None
        # Made on first use (see the properties below): training with the compiled kernels and
        # no weight decay needs neither, and each is as large as the parameters.
        self._decay_mask_values: Array | None = None
        self._scratch_buffer: Array = np.empty(0)
        self._l2: Array = np.empty(0)
        self._shape: tuple[int, ...] | None = None
        self._dtype: np.dtype[Any] | None = None

    # -- public interface --

    def prepare(
        self, params: Array, *, decay_mask: NDArray[Any] | None = None, reset: bool = True
    ) -> None:
        """Allocate zeroed state for parameters of this shape and dtype.

        The training loop calls it once before the first step; :meth:`step` calls it itself if
        it was not called or if the parameters' shape or dtype changed (keeping the mask).

        Parameters
        ----------
        params : ndarray of float
            The flat parameter buffer (float32 or float64).
        decay_mask : ndarray of bool or 0/1, optional
            Shaped like ``params``: true where weight decay applies (the weights, not biases or
            PReLU slopes). ``None`` applies it everywhere.
        reset : bool, default=True
            False keeps the state (moments, step count) when it already fits parameters of
            this shape and dtype: how training goes on where an earlier ``fit`` (or
            ``partial_fit``) with the same optimizer object stopped, as Keras does.
        """
        params = _check_params(params)
        mask = None if decay_mask is None else _check_mask(decay_mask, params.shape)
        self._decay_mask_given = mask
        self._decay_mask_values = None
        if not reset and self._shape == params.shape and self._dtype == params.dtype:
            return
        self._shape, self._dtype = params.shape, params.dtype
        self.state = {key: np.zeros_like(params) for key in self._state_names()}
        # The L2 term gets its own buffer so the update can still use the scratch buffer.
        self._l2 = np.empty_like(params) if self._coupled_decay() else np.empty(0, params.dtype)
        self.t = 0

    def step(self, params: Array, grads: Array) -> None:
        """Update ``params`` in place from ``grads`` (same shape; the dtype of ``params`` is kept).

        Parameters
        ----------
        params : ndarray of float
            The flat parameter buffer, overwritten with the new values.
        grads : ndarray of float
            The gradient of the loss with respect to ``params``; not modified.
        """
        if (
            not isinstance(params, np.ndarray)
            or params.shape != self._shape
            or params.dtype != self._dtype
        ):
            params = _check_params(params)
            mask = self._decay_mask_given
            if mask is not None and mask.shape != params.shape:
                raise ValueError(
                    f"The decay mask given to prepare() has shape {mask.shape} but params now "
                    f"have shape {params.shape}; call prepare(params, decay_mask=...) again."
                )
            self.prepare(params, decay_mask=mask)
        if grads.shape != params.shape:
            raise ValueError(
                f"`grads` must have the shape of `params` {params.shape}, got {grads.shape}."
            )
        self.t += 1
        self._update(params, grads)

    def reset(self) -> None:
        """Forget the state (momentum, moment estimates, step count); keep the decay mask."""
        self.state = {}
        self._shape = self._dtype = None
        self.t = 0

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to go on exactly where this optimizer is: what a checkpoint saves.

        The names are PyTorch's (``torch.optim.Optimizer.state_dict``), and so is the
        meaning: the hyperparameters as they are now (``lr`` after any schedule) and the
        per-parameter state. Only ``"state"`` holds arrays (copies); the rest is plain JSON.

        Returns
        -------
        dict
            ``"class"`` (the class name), ``"config"`` (:meth:`get_config`), ``"t"`` (steps
            taken), ``"shape"`` and ``"dtype"`` of the parameters the state belongs to (None
            before the first :meth:`prepare`), and ``"state"``, a dict of arrays.

        Examples
        --------
        >>> import numpy as np
        >>> p = np.zeros(3, dtype=np.float32)
        >>> opt = Adam(lr=0.1)
        >>> opt.step(p, np.ones(3, dtype=np.float32))
        >>> state = opt.state_dict()
        >>> state["class"], state["t"], sorted(state["state"]), state["dtype"]
        ('Adam', 1, ['m', 'v'], 'float32')
        >>> twin = Adam()
        >>> twin.load_state_dict(state)
        >>> q = p.copy()
        >>> opt.step(p, np.ones(3, dtype=np.float32)); twin.step(q, np.ones(3, dtype=np.float32))
        >>> bool((p == q).all()), twin.lr, twin.t
        (True, 0.1, 2)
        """
        return {
            "class": type(self).__name__,
            "config": self.get_config(),
            "t": self.t,
            "shape": None if self._shape is None else list(self._shape),
            "dtype": None if self._dtype is None else str(self._dtype),
            "state": {key: value.copy() for key, value in self.state.items()},
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over the state :meth:`state_dict` returned (by this class, not another).

        As in PyTorch, the hyperparameters saved replace this optimizer's own (the learning
        rate a schedule had reached included); the arrays are copied. The decay mask is not
        part of the state: the training loop gives it to :meth:`prepare`, which keeps the
        loaded state when the parameters have its shape and dtype.

        Raises
        ------
        ValueError
            When the state is another class's, or its arrays do not fit its hyperparameters
            (missing or extra buffers, shapes or dtypes other than those recorded).
        """
        name = type(self).__name__
        saved = state_dict.get("class")
        if saved != name:
            raise ValueError(
                f"`state_dict` holds the state of {saved}; it cannot be loaded into {name}."
            )
        twin = type(self).from_config(dict(state_dict["config"]))  # checks every value
        arrays = dict(state_dict.get("state", {}))
        shape, dtype = state_dict.get("shape"), state_dict.get("dtype")
        if set(arrays) != set(twin._state_names()):
            raise ValueError(
                f"`state_dict` of {twin!r} must hold the arrays {sorted(twin._state_names())}, "
                f"got {sorted(arrays)}."
            )
        for key, array in arrays.items():
            if shape is None or list(np.shape(array)) != list(shape) or str(array.dtype) != dtype:
                raise ValueError(
                    f"`state_dict` array {key!r} has shape {np.shape(array)} and dtype "
                    f"{getattr(array, 'dtype', None)}; the state says {shape} {dtype}."
                )
        t = check_int(state_dict.get("t"), "t", minimum=0)
        for key in self._config_keys:
            setattr(self, key, getattr(twin, key))
        if shape is None:
            self.reset()
            self.t = t
            return
        params = np.empty(tuple(shape), dtype=np.dtype(dtype))
        self._shape, self._dtype = params.shape, params.dtype
        self.state = {key: np.array(arrays[key], copy=True) for key in twin._state_names()}
        self._l2 = np.empty_like(params) if self._coupled_decay() else np.empty(0, params.dtype)
        self.t = t

    # -- for subclasses --

    @property
    def _decay_mask(self) -> Array | None:
        """The decay mask as 0/1 in the parameters' dtype, made when weight decay first needs it.

        A multiply is faster than boolean indexing and keeps the update a fixed sequence of
        ufuncs.
        """
        mask = self._decay_mask_given
        if mask is None:
            return None
        values = self._decay_mask_values
        if values is None or values.dtype != self._dtype:
            values = self._decay_mask_values = mask.astype(self._dtype)
        return values

    @property
    def _scratch(self) -> Array:
        """A parameter-sized buffer for the NumPy update's temporaries, made on first use."""
        buffer = self._scratch_buffer
        if buffer.shape != self._shape or buffer.dtype != self._dtype:
            assert self._shape is not None  # prepare() ran: step() calls it first
            buffer = self._scratch_buffer = np.empty(self._shape, self._dtype)
        return buffer

    def _state_names(self) -> tuple[str, ...]:
        return ()

    def _coupled_decay(self) -> bool:
        """Whether weight decay is an L2 term added to the gradient (see :meth:`_with_l2`)."""
        return self.weight_decay > 0.0

    def _update(self, params: Array, grads: Array) -> None:
        raise NotImplementedError

    def _with_l2(self, params: Array, grads: Array) -> Array:
        r"""The gradient of loss + :math:`\tfrac{\lambda}{2}\lVert m \odot p\rVert^2`: g + λ m p.

        Returns ``grads`` itself when there is no decay, so the caller must never write to it.
        """
        if not self._coupled_decay():
            return grads
        if self._l2.shape != params.shape:  # weight_decay was raised from 0 after prepare()
            self._l2 = np.empty_like(params)
        out = self._l2
        np.multiply(params, self.weight_decay, out=out)
        if self._decay_mask is not None:
            out *= self._decay_mask
        out += grads
        return out

    def _kernel(self, name: str, params: Array, d: Array) -> Callable[..., None] | None:
        """The compiled one-pass update for this step, or None to run the NumPy ufuncs."""
        if not (params.ndim == 1 and params.flags.c_contiguous and d.flags.c_contiguous):
            return None
        return _kernels.get(name, params.size)

    def _axpy(self, a: float, x: Array, y: Array) -> None:
        """y += a * x in place (``x`` may be the scratch buffer)."""
        # Deliberately NumPy, not scipy.linalg.blas.?axpy: SciPy ships its own OpenBLAS with
        # its own thread pool, and alternating between the two pools every step left each
        # pool's spinning threads fighting the other's for the cores (a 30x slowdown with 2
        # threads on 2 cores).
        np.multiply(x, a, out=self._scratch)
        y += self._scratch


def _check_params(params: object) -> Array:
    if not isinstance(params, np.ndarray) or not np.issubdtype(params.dtype, np.floating):
        got = params.dtype if isinstance(params, np.ndarray) else type(params).__name__
        raise TypeError(f"`params` must be a floating-point numpy array, got {got}.")
    return params


def _check_mask(decay_mask: object, shape: tuple[int, ...]) -> NDArray[np.bool_]:
    mask = np.asarray(decay_mask)
    if mask.shape != shape:
        raise ValueError(
            f"`decay_mask` must have the shape of `params` {shape}, got {mask.shape}."
        )
    if mask.dtype != np.bool_:
        if not np.isin(mask, (0, 1)).all():
            raise ValueError("`decay_mask` must be boolean or contain only 0 and 1.")
        mask = mask.astype(np.bool_)
    return mask


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay.

    With :math:`d = g + \lambda\, m \odot p` (:math:`\lambda` = ``weight_decay``, :math:`m` the
    decay mask) and :math:`\mu` = ``momentum``:

    .. math::

        v \leftarrow \mu v + d, \qquad
        p \leftarrow p - \eta\, v \quad\text{or, Nesterov,}\quad
        p \leftarrow p - \eta\,(d + \mu v)

    With :math:`\mu = 0` this is plain :math:`p \leftarrow p - \eta d`.

    Parameters
    ----------
    lr : float, default=0.01
        Learning rate :math:`\eta`.
    momentum : float, default=0.0
        Momentum :math:`\mu` in [0, 1).
    nesterov : bool, default=False
        Look ahead along the velocity (needs ``momentum > 0``).
    weight_decay : float, default=0.0
        L2 coefficient :math:`\lambda`, added to the gradient where the decay mask is true.

    Notes
    -----
    This is PyTorch's convention (``torch.optim.SGD`` with ``dampening=0``): the velocity sums
    raw gradients, so with momentum the effective step is about :math:`\eta / (1 - \mu)`.
    Keras and the original heavy-ball formulation put :math:`\eta` inside :math:`v` instead;
    the two agree while :math:`\eta` is constant.

    References
    ----------
    Sutskever et al., "On the importance of initialization and momentum in deep learning",
    ICML 2013.

    Examples
    --------
    >>> import numpy as np
    >>> p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    >>> opt = SGD(lr=0.1, momentum=0.9)
    >>> opt.step(p, g); p            # v = g:        p - 0.1 * g
    array([0.95, 2.1 ])
    >>> opt.step(p, g); p            # v = 0.9g + g: p - 0.1 * 1.9g
    array([0.855, 2.29 ])
    """

    name = "sgd"
    _config_keys = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(
        self,
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = check_number(lr, "lr", "> 0")
        self.momentum = check_number(momentum, "momentum", "in [0, 1)")
        self.nesterov = check_bool(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("`nesterov=True` needs `momentum` > 0, got momentum=0.0.")
        self.weight_decay = check_number(weight_decay, "weight_decay", ">= 0")

    def _state_names(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum > 0.0 else ()

    def _update(self, params: Array, grads: Array) -> None:
        d = self._with_l2(params, grads)
        kernel = self._kernel("sgd", params, d)
        if kernel is not None:
            mode = 0 if self.momentum == 0.0 else 2 if self.nesterov else 1
            v = self.state.get("velocity", params)  # unused when mode == 0
            f = params.dtype.type
            kernel(params, d, v, f(self.momentum), f(-self.lr), f(-self.lr * self.momentum), mode)
            return
        if self.momentum == 0.0:
            self._axpy(-self.lr, d, params)
            return
        v = self.state["velocity"]
        v *= self.momentum
        self._axpy(1.0, d, v)
        if self.nesterov:
            # p - lr (d + mu v) as two scaled additions: no buffer for the sum is needed.
            self._axpy(-self.lr, d, params)
            self._axpy(-self.lr * self.momentum, v, params)
        else:
            self._axpy(-self.lr, v, params)


class RMSprop(Optimizer):
    r"""RMSprop: divide the step by a running root mean square of the gradient.

    With :math:`d = g + \lambda\, m \odot p` and :math:`\rho` = ``rho``:

    .. math::

        s \leftarrow \rho s + (1 - \rho)\, d^2, \qquad
        u = \frac{d}{\sqrt{s} + \epsilon}, \qquad
        p \leftarrow p - \eta u
        \quad\text{or, with momentum,}\quad
        b \leftarrow \mu b + u,\; p \leftarrow p - \eta b

    Parameters
    ----------
    lr : float, default=0.001
        Learning rate :math:`\eta`: Keras's default; PyTorch's is 0.01 (see Notes).
    rho : float, default=0.99
        Decay :math:`\rho` in [0, 1) of the running mean of squared gradients (PyTorch's
        ``alpha``; Keras calls it ``rho`` and uses 0.9).
    eps : float, default=1e-8
        Added to the root mean square so that the division is safe, > 0.
    momentum : float, default=0.0
        Momentum :math:`\mu` in [0, 1) applied to the normalised step.
    weight_decay : float, default=0.0
        L2 coefficient :math:`\lambda`, added to the gradient where the decay mask is true.

    Notes
    -----
    Each parameter gets its own step size :math:`\eta / \sqrt{s}`: large for parameters with
    small, steady gradients and small for ones with large or noisy gradients.

    The update, the placement of :math:`\epsilon` outside the square root, and the defaults of
    ``rho`` (0.99) and ``eps`` (1e-8) are PyTorch's (``torch.optim.RMSprop``,
    ``centered=False``). The default learning rate is not: it is Keras's 0.001, ten times
    smaller than PyTorch's 0.01, because :math:`s` starts at zero, so the first steps are
    about :math:`\eta / \sqrt{1 - \rho} = 10\,\eta` per parameter. Pass ``lr=0.01`` to get
    PyTorch's defaults exactly.

    References
    ----------
    Tieleman & Hinton, "Lecture 6.5 — RMSprop", COURSERA: Neural Networks for Machine
    Learning, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([1.0, 1.0])
    >>> opt = RMSprop(lr=0.01)
    >>> opt.step(p, np.array([1.0, 100.0])); p.round(4)    # the same step whatever |g| is
    array([0.9, 0.9])
    """

    name = "rmsprop"
    _config_keys = ("lr", "rho", "eps", "momentum", "weight_decay")

    def __init__(
        self,
        lr: float = 0.001,
        rho: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = check_number(lr, "lr", "> 0")
        self.rho = check_number(rho, "rho", "in [0, 1)")
        self.eps = check_number(eps, "eps", "> 0")
        self.momentum = check_number(momentum, "momentum", "in [0, 1)")
        self.weight_decay = check_number(weight_decay, "weight_decay", ">= 0")

    def _state_names(self) -> tuple[str, ...]:
        return ("square_avg", "momentum_buffer") if self.momentum > 0.0 else ("square_avg",)

    def _update(self, params: Array, grads: Array) -> None:
        d = self._with_l2(params, grads)
        s = self.state["square_avg"]
        kernel = self._kernel("rmsprop", params, d)
        if kernel is not None:
            b = self.state.get("momentum_buffer", s)  # unused without momentum
            f = params.dtype.type
            kernel(
                params,
                d,
                s,
                b,
                f(self.rho),
                f(1.0 - self.rho),
                f(self.eps),
                f(self.momentum),
                f(-self.lr),
                self.momentum > 0.0,
            )
            return
        u = self._scratch
        s *= self.rho
        np.multiply(d, d, out=u)
        self._axpy(1.0 - self.rho, u, s)
        np.sqrt(s, out=u)
        u += self.eps
        np.divide(d, u, out=u)
        if self.momentum == 0.0:
            self._axpy(-self.lr, u, params)
            return
        b = self.state["momentum_buffer"]
        b *= self.momentum
        self._axpy(1.0, u, b)
        self._axpy(-self.lr, b, params)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient, divided by a running root mean square, bias-corrected.

    With :math:`d = g + \lambda\, m \odot p` and the step count :math:`t = 1, 2, \dots`:

    .. math::

        m_1 \leftarrow \beta_1 m_1 + (1 - \beta_1)\, d, \qquad
        m_2 \leftarrow \beta_2 m_2 + (1 - \beta_2)\, d^2,

        \hat m = \frac{m_1}{1 - \beta_1^t}, \qquad
        \hat v = \frac{m_2}{1 - \beta_2^t}, \qquad
        p \leftarrow p - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    Parameters
    ----------
    lr : float, default=0.001
        Learning rate :math:`\eta`.
    beta1 : float, default=0.9
        Decay :math:`\beta_1` in [0, 1) of the running mean of the gradient.
    beta2 : float, default=0.999
        Decay :math:`\beta_2` in [0, 1) of the running mean of the squared gradient.
    eps : float, default=1e-8
        Added to :math:`\sqrt{\hat v}` so that the division is safe, > 0.
    weight_decay : float, default=0.0
        L2 coefficient :math:`\lambda` added to the gradient where the decay mask is true (as
        ``torch.optim.Adam``). Prefer :class:`AdamW`: here the decay is divided by
        :math:`\sqrt{\hat v}` like the gradient, so weights with large gradients hardly decay.

    Attributes
    ----------
    state : dict
        ``"m"`` and ``"v"``: the running means :math:`m_1` and :math:`m_2` (not bias-corrected).

    Notes
    -----
    Both running means start at zero, so early on they underestimate; dividing by
    :math:`1 - \beta^t` removes that bias, and the first step moves every parameter by about
    :math:`\eta` whatever the size of its gradient.

    References
    ----------
    Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv:1412.6980.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([0.0, 0.0])
    >>> opt = Adam(lr=0.01)
    >>> for _ in range(3):
    ...     opt.step(p, np.array([0.001, 1000.0]))
    >>> p.round(6)                    # three steps of about lr each, for both gradients
    array([-0.03, -0.03])
    """

    name = "adam"
    _config_keys = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.lr = check_number(lr, "lr", "> 0")
        self.beta1 = check_number(beta1, "beta1", "in [0, 1)")
        self.beta2 = check_number(beta2, "beta2", "in [0, 1)")
        self.eps = check_number(eps, "eps", "> 0")
        self.weight_decay = check_number(weight_decay, "weight_decay", ">= 0")

    def _state_names(self) -> tuple[str, ...]:
        return ("m", "v")

    def _update(self, params: Array, grads: Array) -> None:
        d = self._with_l2(params, grads)
        m, v = self.state["m"], self.state["v"]
        # m̂ / (√v̂ + eps) = (√c2 / c1) · m / (√v + eps √c2) with c = 1 - beta^t: the bias
        # corrections become two scalars and the update costs one pass fewer.
        c1 = 1.0 - self.beta1**self.t
        sqrt_c2 = math.sqrt(1.0 - self.beta2**self.t)
        kernel = self._kernel("adam", params, d)
        if kernel is not None:
            f = params.dtype.type
            kernel(
                params,
                d,
                m,
                v,
                f(self.beta1),
                f(1.0 - self.beta1),
                f(self.beta2),
                f(1.0 - self.beta2),
                f(self.eps * sqrt_c2),
                f(-self.lr * sqrt_c2 / c1),
            )
            return
        # Not the in-place lerp v = beta (v - y) + y: with beta2 = 0.999 and v << y it cancels
        # catastrophically in float32.
        u = self._scratch
        m *= self.beta1
        self._axpy(1.0 - self.beta1, d, m)
        v *= self.beta2
        np.multiply(d, d, out=u)
        self._axpy(1.0 - self.beta2, u, v)
        np.sqrt(v, out=u)
        u += self.eps * sqrt_c2
        np.divide(m, u, out=u)
        self._axpy(-self.lr * sqrt_c2 / c1, u, params)


class AdamW(Adam):
    r"""Adam with decoupled weight decay: shrink the weights, then take the Adam step.

    .. math::

        p \leftarrow p - \eta \lambda\, m \odot p, \qquad
        p \leftarrow p - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    where :math:`\hat m, \hat v` are Adam's bias-corrected moments of the *raw* gradient
    :math:`g` and :math:`m` is the decay mask.

    Parameters
    ----------
    lr, beta1, beta2, eps
        As :class:`Adam`.
    weight_decay : float, default=0.01
        Decoupled decay coefficient :math:`\lambda` >= 0 (multiplied by ``lr``, as
        ``torch.optim.AdamW``).

    Notes
    -----
    In :class:`Adam` an L2 term goes through the adaptive scaling, so a weight with a large
    gradient history is barely decayed. Decoupling makes every masked weight shrink by the same
    factor :math:`1 - \eta\lambda` per step, which regularises as intended and lets the
    learning rate and the decay be tuned separately.

    References
    ----------
    Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
    arXiv:1711.05101.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([1.0, 1.0])
    >>> opt = AdamW(lr=0.1, weight_decay=0.5)
    >>> opt.prepare(p, decay_mask=np.array([True, False]))   # a weight and a bias
    >>> opt.step(p, np.zeros(2)); p     # zero gradient: only the weight decays, by lr·λ = 5 %
    array([0.95, 1.  ])
    """

    name = "adamw"

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)

    def _coupled_decay(self) -> bool:
        return False

    def _update(self, params: Array, grads: Array) -> None:
        if self.weight_decay > 0.0:
            shrink = self.lr * self.weight_decay
            if self._decay_mask is None:
                params *= 1.0 - shrink
            else:
                np.multiply(params, self._decay_mask, out=self._scratch)
                self._axpy(-shrink, self._scratch, params)
        super()._update(params, grads)


# --- full-batch optimizer -------------------------------------------------------------------


class LBFGS(Configurable):
    r"""Limited-memory BFGS on the full training set, through SciPy's L-BFGS-B.

    A quasi-Newton method: from the last ``history`` parameter and gradient differences it
    builds an approximation :math:`H_k` of the inverse Hessian and steps along
    :math:`-H_k \nabla L` with a line search, so it needs no learning rate. It is the
    ``'lbfgs'`` solver of scikit-learn's MLP: on small data sets it often converges in far
    fewer passes than SGD or Adam, but every iteration needs the exact loss and gradient of the
    whole training set, and memory grows as ``history × n_params``.

    Parameters
    ----------
    max_iter : int, optional
        The most iterations. ``None`` (default) uses the ``max_iter`` given to
        :meth:`minimize`, which the training loop sets to its ``epochs``.
    tol : float, default=1e-7
        Stop when the largest entry of the projected gradient is at most ``tol`` (SciPy's
        ``gtol``), >= 0.
    max_fun : int, default=15000
        The most evaluations of the loss and gradient (line searches take several per
        iteration).
    history : int, default=10
        The number of correction pairs kept (SciPy's ``maxcor``).

    References
    ----------
    Liu & Nocedal, "On the limited memory BFGS method for large scale optimization",
    Mathematical Programming 45, 1989. Byrd, Lu, Nocedal & Zhu, "A limited memory algorithm
    for bound constrained optimization", SIAM J. Sci. Comput. 16, 1995.

    Examples
    --------
    >>> import numpy as np
    >>> def quadratic(x):                      # (x - 3)², minimum at x = 3
    ...     return float(((x - 3.0) ** 2).sum()), 2.0 * (x - 3.0)
    >>> result = LBFGS().minimize(quadratic, np.zeros(2), max_iter=50)
    >>> result.x.round(6), result.success
    (array([3., 3.]), True)
    """

    name: ClassVar[str] = "lbfgs"
    is_full_batch: ClassVar[bool] = True
    _config_keys: ClassVar[tuple[str, ...]] = ("max_iter", "tol", "max_fun", "history")

    def __init__(
        self,
        max_iter: int | None = None,
        tol: float = 1e-7,
        max_fun: int = 15000,
        history: int = 10,
    ) -> None:
        self.max_iter = None if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
        self.tol = check_number(tol, "tol", ">= 0")
        self.max_fun = check_int(max_fun, "max_fun", minimum=1)
        self.history = check_int(history, "history", minimum=1)

    def state_dict(self) -> dict[str, Any]:
        """The hyperparameters, as :meth:`Optimizer.state_dict` shapes them; no arrays.

        SciPy's L-BFGS-B keeps its correction pairs inside one ``minimize`` call and offers no
        way to read them out or put them back, so a checkpoint of an L-BFGS run holds the
        weights but not the curvature history: resuming starts a fresh ``minimize`` from the
        saved weights, which rebuilds the history within ``history`` iterations. Such a run
        continues, but not bit for bit as if it had never stopped.

        >>> LBFGS(tol=1e-5).state_dict()["config"]["tol"]
        1e-05
        """
        return {"class": type(self).__name__, "config": self.get_config(), "state": {}}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over the hyperparameters :meth:`state_dict` returned (by an LBFGS)."""
        saved = state_dict.get("class")
        if saved != type(self).__name__:
            raise ValueError(
                f"`state_dict` holds the state of {saved}; it cannot be loaded into "
                f"{type(self).__name__}."
            )
        twin = type(self).from_config(dict(state_dict["config"]))
        for key in self._config_keys:
            setattr(self, key, getattr(twin, key))

    def minimize(
        self,
        fun: Callable[[NDArray[np.float64]], tuple[float, NDArray[Any]]],
        x0: NDArray[Any],
        *,
        max_iter: int | None = None,
        callback: Callable[[NDArray[np.float64]], bool | None] | None = None,
    ) -> scipy.optimize.OptimizeResult:
        """Minimise ``fun`` from ``x0``.

        Parameters
        ----------
        fun : callable
            ``fun(x) -> (loss, grad)`` for a float64 vector ``x``; ``grad`` is cast to float64.
        x0 : ndarray of float
            The starting parameters, of any float dtype; flattened. Not modified.
        max_iter : int, optional
            The most iterations, used when the constructor's ``max_iter`` is ``None``.
        callback : callable, optional
            ``callback(x)`` is called after every iteration with (a copy of) the current
            float64 parameters; returning ``True`` stops the optimisation there (early
            stopping).

        Returns
        -------
        scipy.optimize.OptimizeResult
            With ``x`` (float64), ``fun``, ``nit``, ``nfev``, ``message`` and ``success``
            (``False`` when stopped by ``max_iter``, ``max_fun`` or the callback).
        """
        limit = self.max_iter if self.max_iter is not None else max_iter
        if limit is None:
            raise ValueError("`max_iter` must be given, to LBFGS() or to minimize(), got None.")
        limit = check_int(limit, "max_iter", minimum=1)
        x = np.asarray(x0, dtype=np.float64).ravel()

        def fun64(x: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            loss, grad = fun(x)
            return float(loss), np.asarray(grad, dtype=np.float64).ravel()

        stopped = False

        # SciPy >= 1.11 passes an OptimizeResult to a callback whose parameter is named
        # `intermediate_result`, and ends the run cleanly when the callback raises
        # StopIteration (returning the last iterate).
        def scipy_callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
            nonlocal stopped
            if callback is not None and callback(np.array(intermediate_result.x)) is True:
                stopped = True
                raise StopIteration

        import scipy.optimize  # imported here: it is slow to import and only L-BFGS needs it

        result = scipy.optimize.minimize(
            fun64,
            x,
            jac=True,
            method="L-BFGS-B",
            callback=scipy_callback if callback is not None else None,
            options={
                "maxiter": limit,
                "maxfun": self.max_fun,
                "gtol": self.tol,
                "maxcor": self.history,
            },
        )
        if stopped:
            result.message = "Stopped early: `callback` returned True."
        return result


# --- registry --------------------------------------------------------------------------------

# name -> (class, preset keyword arguments). Presets are separate names because "momentum" and
# "nesterov" are what people type, not SGD(momentum=0.9, nesterov=True). No aliases are needed
# for "l-bfgs" or "L_BFGS": names are matched whatever their case, spaces, "-" or "_".
_REGISTRY: Registry[tuple[type[Optimizer] | type[LBFGS], dict[str, Any]]] = Registry(
    "optimizer", "optimizer"
)
_REGISTRY.add("sgd", (SGD, {}))
_REGISTRY.add("momentum", (SGD, {"momentum": 0.9}))
_REGISTRY.add("nesterov", (SGD, {"momentum": 0.9, "nesterov": True}))
_REGISTRY.add("rmsprop", (RMSprop, {}))
_REGISTRY.add("adam", (Adam, {}))
_REGISTRY.add("adamw", (AdamW, {}))
_REGISTRY.add("lbfgs", (LBFGS, {}))


def use_numba(enabled: bool | None = None) -> None:
    """Choose how the mini-batch optimizers update large parameter buffers.

    ``None`` (the default) uses compiled one-pass kernels when numba is installed
    (``pip install 'neuronet[fast]'``), ``True`` requires them, ``False`` always uses NumPy.
    Both give bit-identical results; the kernels are about 3x faster for Adam on 235,000
    parameters. The same switch governs the kernels of the layers (training and prediction).

    With ``None``, a process loads numba (about 0.35 s, once) only when a job is large enough
    to gain from it: :data:`neuronet._kernels.MIN_SIZE` parameters, or a batch of
    :data:`neuronet._kernels.MIN_LAYER_SIZE` activations; from then on the kernels serve
    every size. ``True`` loads them at once, for a process that will predict a row at a time.
    """
    _kernels.set_enabled(enabled)


def names() -> list[str]:
    """The optimizer names :func:`get` accepts, in any case and with or without ``-``, ``_``.

    >>> names()
    ['adam', 'adamw', 'lbfgs', 'momentum', 'nesterov', 'rmsprop', 'sgd']
    """
    return _REGISTRY.names()


def get(optimizer: str | Optimizer | LBFGS, *, lr: float | None = None) -> Optimizer | LBFGS:
    """An optimizer from a name, or the optimizer given.

    Parameters
    ----------
    optimizer : str, Optimizer or LBFGS
        A name from :func:`names`: ``"sgd"``, ``"momentum"`` (SGD with momentum 0.9),
        ``"nesterov"`` (the same with Nesterov momentum), ``"rmsprop"``, ``"adam"``,
        ``"adamw"`` or ``"lbfgs"``, matched whatever the case, surrounding spaces, ``-`` or
        ``_`` (``"Adam-W"``, ``"L-BFGS"``); or an instance, returned as is.
    lr : float, optional
        The learning rate; ``None`` keeps the optimizer's default (or the instance's own).
        Given with an instance, it **sets that instance's** ``lr``. Ignored by :class:`LBFGS`,
        which has no learning rate, so that a training loop can pass its ``lr`` whatever the
        optimizer.

    Raises
    ------
    ValueError
        For an unknown name (with the valid ones and a did-you-mean) or a bad ``lr``.
    TypeError
        For anything other than a string or an optimizer instance.

    Examples
    --------
    >>> get(" Adam-W ", lr=0.01)
    AdamW(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01)
    >>> get("Adam", lr=0.01)
    Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0)
    >>> get("nesterov")
    SGD(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.0)
    """
    if isinstance(optimizer, LBFGS):
        return optimizer
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            optimizer.lr = check_number(lr, "lr", "> 0")
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer | LBFGS):
        raise TypeError(
            f"`optimizer` must be a name or an instance, got the class {optimizer.__name__}; "
            f"write {optimizer.__name__}() instead."
        )
    if not isinstance(optimizer, str):
        raise TypeError(
            f"`optimizer` must be a name such as 'adam' or an Optimizer instance, "
            f"got {optimizer!r}."
        )
    # Look the name up first and construct second, so a bad `lr` is reported as such.
    cls, preset = _REGISTRY.lookup(optimizer)
    if cls is LBFGS:
        return LBFGS(**preset)
    kwargs = dict(preset) if lr is None else {**preset, "lr": lr}
    return cls(**kwargs)
