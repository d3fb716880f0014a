r"""Neurons and dense layers: the neuron equation, one at a time and a layer at a time.

A neuron weighs its inputs, adds a bias and passes the sum through an activation function:

.. math:: z = w \cdot x + b, \qquad a = f(z)

A :class:`Dense` layer is ``n_out`` neurons reading the same ``n_in`` inputs, so their weight
vectors stack into the columns of one matrix and a whole batch goes through in one product:

.. math:: Z = X W + b, \qquad A = f(Z), \qquad
          X \in \mathbb{R}^{n \times n_\text{in}},\
          W \in \mathbb{R}^{n_\text{in} \times n_\text{out}}

``layer.neurons[j]`` is a :class:`Neuron` *view* of column ``j``: reading it shows the layer's
numbers and editing it edits the layer.

Examples
--------
>>> import numpy as np
>>> from neuronet import Neuron
>>> neuron = Neuron(weights=[0.5, -0.25], bias=0.1, activation="relu")
>>> float(neuron.forward([1.0, 2.0]))   # relu(0.5·1 − 0.25·2 + 0.1) = relu(0.1)
0.1
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import activations as _activations
from . import init as _init
from .activations import Activation

__all__ = ["Dense", "Dropout", "Neuron"]

Array = NDArray[np.floating]


class Neuron:
    r"""One neuron: :math:`z = w \cdot x + b`, :math:`a = f(z)`.

    Parameters
    ----------
    weights : array_like of shape (n_in,)
        One weight per input.
    bias : float or 0-d array, default=0.0
    activation : str or Activation, default="identity"

    Shape
    -----
    - Input: ``(n_in,)`` for one sample or ``(n_samples, n_in)`` for a batch.
    - Output: a scalar (0-d array) for one sample, ``(n_samples,)`` for a batch.

    Notes
    -----
    When the weights and bias are arrays they are used as they are, not copied, which is how
    :attr:`Dense.neurons` share memory with their layer.
    """

    def __init__(
        self,
        weights: ArrayLike,
        bias: ArrayLike = 0.0,
        activation: str | Activation = "identity",
    ) -> None:
        w = weights if isinstance(weights, np.ndarray) else np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(
                f"`weights` must be a non-empty 1-D array (one weight per input), "
                f"got shape {np.shape(weights)}."
            )
        b = bias if isinstance(bias, np.ndarray) else np.asarray(bias, dtype=w.dtype)
        if b.ndim != 0:
            raise ValueError(f"`bias` must be a single number, got shape {b.shape}.")
        self._weights = w
        self._bias = b
        self.activation = _activations.get(activation)

    @property
    def weights(self) -> Array:
        """The weight vector ``w`` (assigning writes into it, keeping any shared memory)."""
        return self._weights

    @weights.setter
    def weights(self, value: ArrayLike) -> None:
        self._weights[...] = value

    @property
    def bias(self) -> Array:
        """The bias ``b`` as a 0-d array (assigning writes into it)."""
        return self._bias

    @bias.setter
    def bias(self, value: ArrayLike) -> None:
        self._bias[...] = value

    @property
    def n_in(self) -> int:
        return int(self._weights.shape[0])

    def pre_activation(self, x: ArrayLike) -> Array:
        """:math:`z = w \\cdot x + b` for one sample or a batch."""
        x = np.asarray(x, dtype=self._weights.dtype)
        if x.shape[-1:] != (self.n_in,) or x.ndim > 2:
            raise ValueError(
                f"Neuron(n_in={self.n_in}) got input of shape {x.shape}; "
                f"expected ({self.n_in},) or (n_samples, {self.n_in})."
            )
        return x @ self._weights + self._bias

    def forward(self, x: ArrayLike) -> Array:
        """:math:`a = f(w \\cdot x + b)` for one sample or a batch."""
        return self.activation.forward(self.pre_activation(x))

    __call__ = forward

    def __repr__(self) -> str:
        return (
            f"Neuron(weights={np.array2string(self._weights, precision=4, threshold=8)}, "
            f"bias={float(self._bias):.4g}, activation={self.activation!r})"
        )


class Dense:
    r"""A fully connected layer of ``n_out`` neurons: :math:`A = f(XW + b)`.

    Parameters
    ----------
    n_in : int
        Inputs per sample (the width of the previous layer).
    n_out : int
        Neurons in this layer.
    activation : str or Activation, default="identity"
    init : str, default="auto"
        Weight initialiser (see :mod:`neuronet.init`); "auto" uses the activation's
        recommendation. Biases start at zero.
    dtype : dtype, default="float32"
    rng : numpy.random.Generator, optional
        Source of the initial weights; a fresh unseeded one if omitted.

    Attributes
    ----------
    weights : ndarray of shape (n_in, n_out)
        Column ``j`` holds the weights of neuron ``j``.
    bias : ndarray of shape (n_out,)
    weight_grad, bias_grad : ndarray
        Gradients of the loss with respect to ``weights`` and ``bias``, written by backward.

    Shape
    -----
    - Input: ``(n_samples, n_in)``; output: ``(n_samples, n_out)``.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | Activation = "identity",
        *,
        init: str = "auto",
        dtype: DTypeLike = "float32",
        rng: np.random.Generator | None = None,
    ) -> None:
        for arg, value in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"`{arg}` must be a positive integer, got {value!r}.")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = _activations.get(activation)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"`dtype` must be float32 or float64, got {self.dtype}.")
        self.init = _init.choose(init, self.activation)
        rng = rng if rng is not None else np.random.default_rng()
        # A standalone layer owns one small flat buffer; an MLP later re-binds it to a slice
        # of the network's buffer (see bind), so both cases share the same code paths.
        params = np.empty(self.n_parameters, dtype=self.dtype)
        grads = np.zeros(self.n_parameters, dtype=self.dtype)
        k = self.n_in * self.n_out
        params[:k] = _init.initialise(
            self.init,
            self.n_in,
            self.n_out,
            rng=rng,
            negative_slope=self.activation.negative_slope,
            dtype=self.dtype,
        ).ravel()
        params[k : k + self.n_out] = 0.0
        params[k + self.n_out :] = self.activation.initial_parameters(self.n_out, self.dtype)
        self._attach(params, grads)

    @property
    def n_parameters(self) -> int:
        """Weights, biases and any parameters of the activation (a PReLU slope)."""
        return self.n_in * self.n_out + self.n_out + self.activation.n_parameters(self.n_out)

    def _attach(self, params: Array, grads: Array) -> None:
        k, n = self.n_in * self.n_out, self.n_out
        self.parameters, self.gradients = params, grads
        self.weights = params[:k].reshape(self.n_in, n)
        self.bias = params[k : k + n]
        self.weight_grad = grads[:k].reshape(self.n_in, n)
        self.bias_grad = grads[k : k + n]
        self.activation.bind(params[k + n :], grads[k + n :])

    def bind(self, params: Array, grads: Array) -> None:
        """Move this layer's numbers into ``params`` (and its gradients into ``grads``).

        Both are 1-D views of length :attr:`n_parameters`, usually slices of a network's flat
        buffers; the current values are copied in, then the layer reads and writes there.
        """
        if params.shape != (self.n_parameters,) or grads.shape != (self.n_parameters,):
            raise ValueError(
                f"bind() needs two 1-D arrays of length {self.n_parameters}, "
                f"got shapes {params.shape} and {grads.shape}."
            )
        params[...] = self.parameters
        grads[...] = self.gradients
        self._attach(params, grads)

    @property
    def neurons(self) -> list[Neuron]:
        """One :class:`Neuron` per output, each a view sharing memory with this layer."""
        return [
            Neuron(self.weights[:, j], self.bias[j, ...], self._neuron_activation(j))
            for j in range(self.n_out)
        ]

    def _neuron_activation(self, j: int) -> Activation:
        act = self.activation
        if act.n_parameters(self.n_out) <= 1:
            return act
        # One learned slope per neuron: give neuron j an activation that sees slope j only.
        params = dict(act.get_params(), per_neuron=False)
        single = _activations.get(act.name, **params)
        k = self.n_in * self.n_out + self.n_out
        single.bind(self.parameters[k + j : k + j + 1], self.gradients[k + j : k + j + 1])
        return single

    def _check_input(self, x: Array) -> None:
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(
                f"Dense(n_in={self.n_in}) got input of shape {x.shape}; "
                f"expected (n_samples, {self.n_in})."
            )

    def pre_activation(self, x: ArrayLike) -> Array:
        """:math:`Z = XW + b`."""
        x = np.asarray(x, dtype=self.dtype)
        self._check_input(x)
        return x @ self.weights + self.bias

    def forward(self, x: ArrayLike) -> Array:
        """:math:`A = f(XW + b)`."""
        return self.activation.forward(self.pre_activation(x))

    __call__ = forward

    def propagate(self, x: Array, z_out: Array | None = None) -> tuple[Array, Array]:
        """Forward pass keeping what backward needs: returns ``(z, a)``.

        ``x`` must already be a 2-D array of the layer's dtype; ``z_out`` is an optional
        preallocated ``(n_samples, n_out)`` array for ``z``.
        """
        z = np.matmul(x, self.weights, out=z_out)
        z += self.bias
        return z, self.activation.forward(z)

    def backpropagate(
        self,
        x: Array,
        z: Array,
        a: Array | None,
        grad: Array,
        *,
        grad_is_dz: bool = False,
        input_grad: Array | bool | None = True,
    ) -> Array | None:
        r"""Backward pass: write this layer's gradients and return :math:`\partial L/\partial X`.

        Parameters
        ----------
        x, z, a : ndarray
            What :meth:`propagate` saw and returned.
        grad : ndarray of shape (n_samples, n_out)
            :math:`\partial L/\partial A`, or :math:`\partial L/\partial Z` when
            ``grad_is_dz`` (the fused output/loss gradient). It may be overwritten.
        input_grad : ndarray, bool or None, default=True
            Whether to compute :math:`\partial L/\partial X = \partial L/\partial Z\, W^\top`
            (the first layer's caller does not need it): an ``(n_samples, n_in)`` array to
            write it into, True to allocate one, or None/False to skip it.
        """
        if grad_is_dz:
            dz = grad
        else:
            if a is None:
                raise ValueError("backpropagate() needs `a` unless `grad_is_dz` is True.")
            dz = self.activation.backward(z, a, grad, out=grad)
        # dL/dW = Xᵀ·dZ sums each weight's contribution over the batch; dL/db sums dZ.
        np.matmul(x.T, dz, out=self.weight_grad)
        np.sum(dz, axis=0, out=self.bias_grad)
        if input_grad is None or input_grad is False:
            return None
        return np.matmul(dz, self.weights.T, out=None if input_grad is True else input_grad)

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation!r})"


class Dropout:
    r"""Inverted dropout: during training, zero each unit with probability ``rate``.

    The survivors are scaled by :math:`1/(1 - \text{rate})` so that the expected activation is
    unchanged, which is why nothing needs rescaling at prediction time (dropout is then off).

    Parameters
    ----------
    rate : float, default=0.5
        Probability of dropping a unit, in [0, 1).

    References
    ----------
    Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
    JMLR 2014.
    """

    def __init__(self, rate: float = 0.5) -> None:
        if not (isinstance(rate, int | float) and 0.0 <= rate < 1.0):
            raise ValueError(f"`dropout` rate must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)

    def mask(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> Array:
        """Zeros and :math:`1/(1-\\text{rate})`, to multiply activations and gradients by."""
        keep = rng.random(shape, dtype=np.dtype(dtype).type) >= self.rate
        return keep.astype(dtype) * (1.0 / (1.0 - self.rate))

    def __repr__(self) -> str:
        return f"Dropout(rate={self.rate})"
