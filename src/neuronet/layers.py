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

import abc
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _kernels
from . import activations as _activations
from . import init as _init
from ._validation import all_finite, check_finite, check_int, check_number
from .activations import Activation

__all__ = ["BatchNorm", "Dense", "Dropout", "Layer", "LayerNorm", "Neuron"]

Array = NDArray[np.floating]


class Neuron:
    r"""One neuron: :math:`z = w \cdot x + b`, :math:`a = f(z)`.

    Parameters
    ----------
    weights : array_like of shape (n_in,)
        One weight per input. Integers are stored as float64, so that ``0.5 * 3`` stays 1.5.
    bias : float or 0-d array, default=0.0
    activation : str or Activation, default="identity"
    activation_parameters : array_like, optional
        The activation's learned parameters (a PReLU slope); its initial values if omitted.

    Shape
    -----
    - Input: ``(n_in,)`` for one sample or ``(n_samples, n_in)`` for a batch.
    - Output: a scalar (0-d array) for one sample, ``(n_samples,)`` for a batch.

    Notes
    -----
    When the weights and bias are floating-point arrays they are used as they are, not
    copied, which is how :attr:`Dense.neurons` share memory with their layer.
    """

    def __init__(
        self,
        weights: ArrayLike,
        bias: ArrayLike = 0.0,
        activation: str | Activation = "identity",
        *,
        activation_parameters: ArrayLike | None = None,
    ) -> None:
        w = _as_float_array(weights)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(
                f"`weights` must be a non-empty 1-D array (one weight per input), "
                f"got shape {np.shape(weights)}."
            )
        b = cast(Array, bias) if _is_float_array(bias) else np.asarray(bias, dtype=w.dtype)
        if b.ndim != 0:
            raise ValueError(f"`bias` must be a single number, got shape {b.shape}.")
        self._weights = w
        self._bias = b
        self.activation = _activations.get(activation)
        if not self.activation.elementwise:
            raise ValueError(
                f"A neuron computes a = f(z) from its own z, but {self.activation.name} "
                f"depends on every neuron of its layer (a single neuron's softmax is always "
                f"1): use it in a Dense layer of two or more neurons."
            )
        expected = self.activation.n_parameters(1)
        if activation_parameters is None:
            params = self.activation.initial_parameters(1, w.dtype)
        else:
            params = _as_float_array(activation_parameters)
        if params.shape != (expected,):
            raise ValueError(
                f"`activation_parameters` must have shape ({expected},) for "
                f"{self.activation!r}, got shape {params.shape}."
            )
        self.activation_parameters = params

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
        z = self.pre_activation(x)
        # As the one column of a layer: an activation's parameters (PReLU's learned slope)
        # belong to the last axis, which must be the neuron's, not the samples'.
        a = self.activation.forward_with(z.reshape(-1, 1), self.activation_parameters)
        return a.reshape(z.shape)

    __call__ = forward

    def __repr__(self) -> str:
        return (
            f"Neuron(weights={np.array2string(self._weights, precision=4, threshold=8)}, "
            f"bias={float(self._bias):.4g}, activation={self.activation!r})"
        )


def _is_float_array(value: object) -> bool:
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


def _as_float_array(value: ArrayLike) -> Array:
    """``value`` itself if it is a floating-point array (a view stays a view), else float64."""
    if _is_float_array(value):
        return cast(Array, value)
    return np.asarray(value, dtype=np.float64)


# --- layers --------------------------------------------------------------------------------


class Layer(abc.ABC):
    r"""What an :class:`~neuronet.MLP` chains together: ``n_in`` numbers in, ``n_out`` out.

    A layer may own learned parameters; the network hands it 1-D views of its flat parameter
    and gradient buffers through :meth:`bind`. Training runs :meth:`propagate` forward
    through every layer, keeping what the backward pass needs, then :meth:`backpropagate`
    in reverse order.

    Attributes
    ----------
    n_in, n_out : int
        Inputs and outputs per sample.
    """

    n_in: int
    n_out: int

    @property
    def n_parameters(self) -> int:
        """Learned numbers this layer keeps in the network's flat buffer (0 for most)."""
        return 0

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

    def decay_mask(self) -> NDArray[np.bool_]:
        """True for the parameters an L2 penalty applies to: weights, not biases or slopes."""
        return np.zeros(self.n_parameters, dtype=bool)

    @abc.abstractmethod
    def forward(self, x: ArrayLike) -> Array:
        """The layer's output for a batch ``x`` of shape (n_samples, n_in), for prediction."""

    def infer(self, x: Array, *, check: str | None = None) -> Array:
        """The prediction-mode forward pass on a checked 2-D array of the layer's dtype.

        ``check`` names the caller's input (``"X"``) when it has not yet been searched for NaN
        and infinity: the layer then raises :func:`~neuronet._validation.check_X`'s ValueError
        for them. A :class:`Dense` layer does it through its product, at no cost when the
        input is finite (see :meth:`Dense.infer`).
        """
        if check is not None:
            check_finite(x, x.dtype, check)
        return self.propagate(x)

    @abc.abstractmethod
    def propagate(
        self, x: Array, *, training: bool = False, rng: np.random.Generator | None = None
    ) -> Array:
        """Forward pass on a prepared 2-D array; with ``training``, keep what backward needs.

        The result may live in a buffer the layer reuses at the next training step.
        """

    @abc.abstractmethod
    def backpropagate(self, grad: Array, *, input_grad: bool = True) -> Array | None:
        r"""Backward pass after a training :meth:`propagate`.

        Writes the gradients of this layer's parameters and returns
        :math:`\partial L/\partial X` (None when ``input_grad`` is False: the first layer's
        caller does not need it). ``grad`` is :math:`\partial L/\partial` output and may be
        overwritten.
        """


class Dense(Layer):
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
    activation_parameters : ndarray
        The activation's learned parameters (PReLU's slope or slopes), owned by the layer;
        empty for most activations.
    weight_grad, bias_grad, activation_gradients : ndarray
        Gradients of the loss with respect to the three, written by :meth:`backpropagate`.

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
        norm: str | None = None,
    ) -> None:
        self.n_in = check_int(n_in, "n_in", minimum=1)
        self.n_out = check_int(n_out, "n_out", minimum=1)
        self.activation = _activations.get(activation)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"`dtype` must be float32 or float64, got {self.dtype}.")
        self.norm = make_norm(norm, self.n_out, self.dtype)
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
        m = k + self.n_out + self._n_norm
        if self.norm is not None:
            params[k + self.n_out : m] = self.norm.parameters
        params[m:] = self.activation.initial_parameters(self.n_out, self.dtype)
        self._attach(params, grads)
        # The arrays for z, a (fused kernels only) and the input gradient of the largest batch
        # seen, reused every step; a shorter batch (an epoch's last) uses their first rows.
        self._workspace_arrays: tuple[Array, Array] | None = None
        self._input_grad_array: Array | None = None
        self._saved: tuple[Array, Array, Array | None] | None = None

    @property
    def _n_norm(self) -> int:
        return 0 if self.norm is None else self.norm.n_parameters

    @property
    def n_parameters(self) -> int:
        """Weights, biases, a normalisation's scale and shift, the activation's parameters."""
        n_activation = self.activation.n_parameters(self.n_out)
        return self.n_in * self.n_out + self.n_out + self._n_norm + n_activation

    def _attach(self, params: Array, grads: Array) -> None:
        k, n = self.n_in * self.n_out, self.n_out
        m = k + n + self._n_norm
        self.parameters, self.gradients = params, grads
        self.weights = params[:k].reshape(self.n_in, n)
        self.bias = params[k : k + n]
        self.activation_parameters = params[m:]
        self.weight_grad = grads[:k].reshape(self.n_in, n)
        self.bias_grad = grads[k : k + n]
        self.activation_gradients = grads[m:]
        if self.norm is not None:
            self.norm.bind(params[k + n : m], grads[k + n : m])

    def tensors(self) -> dict[str, Array]:
        """Everything a model file keeps of this layer, by name: views, so loading writes here.

        ``weights``, ``bias``, ``activation`` (learned activation parameters, if any) and the
        normalisation's ``norm.scale``, ``norm.shift`` (and batch norm's running statistics).
        """
        named = {"weights": self.weights, "bias": self.bias}
        if self.activation_parameters.size:
            named["activation"] = self.activation_parameters
        if self.norm is not None:
            named.update({f"norm.{key}": value for key, value in self.norm.tensors().items()})
        return named

    def bind(self, params: Array, grads: Array) -> None:
        super().bind(params, grads)
        params[...] = self.parameters
        grads[...] = self.gradients
        self._attach(params, grads)

    def decay_mask(self) -> NDArray[np.bool_]:
        mask = np.zeros(self.n_parameters, dtype=bool)
        mask[: self.n_in * self.n_out] = True
        return mask

    @property
    def neurons(self) -> list[Neuron]:
        """One :class:`Neuron` per output, each a view sharing memory with this layer."""
        if not self.activation.elementwise:
            raise TypeError(
                f"The neurons of a {self.activation.name} layer are not independent equations "
                f"z = w·x + b, a = f(z): each a depends on every z of the layer. Read the "
                f"layer's weights and bias, or net.trace(x), instead."
            )
        if self.norm is not None:
            raise TypeError(
                f"The neurons of a layer with {type(self.norm).__name__} are not independent "
                f"equations z = w·x + b, a = f(z): the normalisation between z and f mixes "
                f"{'samples' if isinstance(self.norm, BatchNorm) else 'the neurons'}. Read "
                f"the layer's weights, bias and norm instead."
            )
        per_neuron = self.activation_parameters.size == self.n_out > 1
        return [
            Neuron(
                self.weights[:, j],
                self.bias[j, ...],
                self.activation,
                # One learned slope per neuron: neuron j sees slope j only.
                activation_parameters=self.activation_parameters[j : j + 1]
                if per_neuron
                else self.activation_parameters,
            )
            for j in range(self.n_out)
        ]

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
        """:math:`A = f(XW + b)` (with the normalisation between, in prediction mode)."""
        return self.activate(self.pre_activation(x))

    def activate(self, z: Array) -> Array:
        """:math:`f` of the pre-activations ``z``, normalised first if the layer has a norm."""
        if self.norm is not None:
            z = self.norm.propagate(z)
        return self.activation.forward_with(z, self.activation_parameters)

    __call__ = forward

    def __getstate__(self) -> dict[str, Any]:
        # The per-batch buffers and the last step's arrays are scratch, not state.
        return {
            **self.__dict__,
            "_workspace_arrays": None,
            "_input_grad_array": None,
            "_saved": None,
        }

    def _workspace(self, n_samples: int) -> tuple[Array, Array]:
        """The arrays for z and a (fused kernels only) of a training batch of ``n_samples``."""
        arrays = self._workspace_arrays
        if arrays is None or n_samples > len(arrays[0]):
            shape = (n_samples, self.n_out)
            arrays = self._workspace_arrays = (
                np.empty(shape, self.dtype),
                np.empty(shape, self.dtype),
            )
        return _first_rows(arrays[0], n_samples), _first_rows(arrays[1], n_samples)

    def _input_grad_buffer(self, n_samples: int) -> Array:
        """The array for dL/dX, made only when asked for (never for the first layer)."""
        buffer = self._input_grad_array
        if buffer is None or n_samples > len(buffer):
            buffer = self._input_grad_array = np.empty((n_samples, self.n_in), self.dtype)
        return _first_rows(buffer, n_samples)

    def _fused(self, name: str, n_samples: int) -> Any:
        """The compiled kernel fusing this layer's activation with the bias, or None."""
        kernel = self.activation.kernel
        if kernel is None or self.norm is not None:
            return None
        return _kernels.layer_kernel(f"{name}_{kernel}", n_samples * self.n_out)

    def infer(self, x: Array, *, check: str | None = None) -> Array:
        """:math:`f(XW + b)` for prediction, on a checked 2-D array of the layer's dtype.

        The same numbers as :meth:`forward`, bit for bit, with less per call: no conversion,
        the bias and the activation applied in place to the product's array (with numba, in
        one compiled pass). With ``check`` (see :meth:`Layer.infer`) the input is searched
        for NaN and infinity only if :math:`XW + b` has any: a NaN or an infinity in a row of
        ``x`` makes that row of the product non-finite, so a finite product proves a finite
        input, and the product is smaller than ``x`` and already in cache. Whenever
        :math:`XW + b` is not finite the layer is computed again the plain NumPy way, so that
        NumPy's warnings (an overflow, say) are the same on every path.
        """
        if check is None:
            z: Array = x @ self.weights
        else:
            # A NaN or an infinity in x would make NumPy warn about the product before the
            # error; a finite x whose product overflows gets its warning in _reference.
            with np.errstate(over="ignore", invalid="ignore"):
                z = x @ self.weights
        if len(x) >= _INFER_KERNEL_ROWS or _kernels.loaded():
            kernel = self._fused("infer", len(x))
            if kernel is not None:
                # z += b and f(z), in place, in one pass; False if some z + b was not finite.
                return z if kernel(z, self.bias) else self._reference(x, check)
        if check is not None and not all_finite(z):
            return self._reference(x, check)
        return self._activate(z)

    def _reference(self, x: Array, check: str | None) -> Array:
        """:meth:`infer` the plain NumPy way, with NumPy's warnings, once something was not finite.

        Raises check_X's ValueError if ``check`` names an input with NaN or infinity.
        """
        if check is not None:
            check_finite(x, self.dtype, check)
            z: Array = x @ self.weights  # finite, so NumPy warns only of what the product does
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                z = x @ self.weights  # its warnings were given the first time
        return self._activate(z)

    def _activate(self, z: Array) -> Array:
        """:math:`f(z + b)` for prediction, in place in the product ``z`` (NumPy's passes)."""
        z += self.bias
        if self.norm is not None:
            z = self.norm.propagate(z)
        return self.activation.forward_into(z, self.activation_parameters)

    def propagate(
        self,
        x: Array,
        *,
        training: bool = False,
        rng: np.random.Generator | None = None,
        activate: bool = True,
    ) -> Array:
        """Forward pass keeping what backward needs; returns ``a`` (``z`` if not ``activate``).

        ``activate=False`` serves an output layer whose loss works from the logits (the fused
        output/loss gradient), which then never forms ``a`` at all.
        """
        if not training:
            z: Array = x @ self.weights
            z += self.bias
            if self.norm is not None:
                z = self.norm.propagate(z)
            return self.activation.forward_with(z, self.activation_parameters) if activate else z
        z_buffer, a_buffer = self._workspace(len(x))
        z = np.matmul(x, self.weights, out=z_buffer)
        kernel = self._fused("bias", len(x)) if activate else None
        if kernel is not None:
            # One pass: z += b and a = f(z), into the layer's own buffer.
            kernel(z, self.bias, a_buffer)
            a: Array | None = a_buffer
        else:
            z += self.bias  # in place: one temporary fewer per layer
            if self.norm is not None:
                z = self.norm.propagate(z, training=training, rng=rng)
            a = self.activation.forward_with(z, self.activation_parameters) if activate else None
        self._saved = (x, z, a)
        return z if a is None else a

    def backpropagate(
        self, grad: Array, *, input_grad: bool = True, grad_is_dz: bool = False
    ) -> Array | None:
        r"""Write this layer's gradients; return :math:`\partial L/\partial X`; see :class:`Layer`.

        ``grad_is_dz`` says ``grad`` is already :math:`\partial L/\partial Z`: the fused
        output/loss gradient after ``propagate(..., activate=False)``.
        """
        if self._saved is None:
            raise RuntimeError("backpropagate() needs a training propagate() first.")
        x, z, a = self._saved
        # Used once: keeping x would hold the caller's batch (L-BFGS's: the whole training
        # set) for as long as the network lives.
        self._saved = None
        # NumPy sums a one-column array pairwise, not row after row as the kernel does.
        fuse = self.n_out > 1 and grad.flags.c_contiguous and not grad_is_dz
        kernel = self._fused("backward", len(x)) if fuse else None
        if grad_is_dz:
            dz = grad
        elif a is None:
            raise ValueError("backpropagate() got dL/dA but propagate() did not activate.")
        elif kernel is not None:
            # One pass: dZ = dA ⊙ f'(z) in place, and its column sums, dL/db.
            kernel(grad, z, self.bias_grad, self.dtype.type(0))
            dz = grad
        else:
            dz = self.activation.backward_with(
                z, a, grad, self.activation_parameters, self.activation_gradients, out=grad
            )
        if kernel is None:
            if self.norm is not None:
                # The gradient with respect to XW + b, through the normalisation.
                dz = cast(Array, self.norm.backpropagate(dz))
            _column_sums(dz, self.bias_grad)  # dL/db sums dZ over the batch
        # dL/dW = Xᵀ·dZ sums each weight's contribution over the batch.
        np.matmul(x.T, dz, out=self.weight_grad)
        if not input_grad:
            return None
        return np.matmul(dz, self.weights.T, out=self._input_grad_buffer(len(x)))

    def __repr__(self) -> str:
        norm = f", norm={self.norm.kind!r}" if self.norm is not None else ""
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation!r}{norm})"


def _first_rows(array: Array, n: int) -> Array:
    """``array[:n]``, or ``array`` itself when it has ``n`` rows (C-contiguous either way)."""
    return array if len(array) == n else array[:n]


# Prediction loads the fused kernels from this many rows: below it, the NumPy passes cost less
# than loading numba would in a process that has not loaded it (by training, or use_numba(True)).
# Once loaded, they serve every size: a call costs about 0.3 µs, a NumPy pass about 1 µs.
_INFER_KERNEL_ROWS = 256


def _column_sums(g: Array, out: Array) -> None:
    """``out[...] = g.sum(axis=0)``: dL/db, the bias gradient summed over the batch."""
    # NumPy sums a one-column array pairwise, not row after row as the kernel does.
    kernel = None if g.shape[1] == 1 else _kernels.layer_kernel("column_sums", g.size)
    if kernel is None or not g.flags.c_contiguous:
        np.sum(g, axis=0, out=out)
    else:
        kernel(g, out)


class Dropout(Layer):
    r"""Inverted dropout: during training, zero each unit with probability ``rate``.

    The survivors are scaled by :math:`1/(1 - \text{rate})` so that the expected activation is
    unchanged, which is why nothing needs rescaling at prediction time (dropout is then off).

    Parameters
    ----------
    rate : float, default=0.5
        Probability of dropping a unit, in [0, 1).
    width : int, optional
        Units per sample; an :class:`~neuronet.MLP` sets it to the width of the layer before.

    References
    ----------
    Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
    JMLR 2014.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dropout(0.5, width=4)
    >>> x = np.ones((2, 4), dtype=np.float32)
    >>> layer.forward(x)                       # prediction: dropout is off
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    >>> sorted(set(layer.propagate(x, training=True, rng=np.random.default_rng(0)).ravel()))
    [np.float32(0.0), np.float32(2.0)]
    """

    def __init__(self, rate: float = 0.5, width: int | None = None) -> None:
        self.rate = check_number(rate, "rate", "in [0, 1)")
        self.n_in = self.n_out = 0 if width is None else check_int(width, "width", minimum=1)
        self._mask: Array | None = None

    def mask(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> Array:
        """Zeros and :math:`1/(1-\\text{rate})`, to multiply activations and gradients by."""
        keep = rng.random(shape, dtype=np.dtype(dtype).type) >= self.rate
        return keep.astype(dtype) * (1.0 / (1.0 - self.rate))

    def forward(self, x: ArrayLike) -> Array:
        return np.asarray(x)

    def propagate(
        self, x: Array, *, training: bool = False, rng: np.random.Generator | None = None
    ) -> Array:
        if not training or rng is None:
            # Prediction, or a training pass asked to be deterministic: nothing is dropped.
            self._mask = None
            return x
        kernel = _kernels.layer_kernel("dropout", x.size) if x.ndim == 2 else None
        if kernel is None or not x.flags.c_contiguous:
            self._mask = self.mask(x.shape, rng, x.dtype)
            return x * self._mask
        # The same draws as mask(), then the mask and the product in one pass.
        f = x.dtype.type
        u = rng.random(x.shape, dtype=f)
        self._mask, out = np.empty_like(x), np.empty_like(x)
        kernel(x, u, f(self.rate), f(1.0 / (1.0 - self.rate)), self._mask, out)
        return out

    def backpropagate(self, grad: Array, *, input_grad: bool = True) -> Array | None:
        if not input_grad:
            return None
        if self._mask is not None:
            # The layer passed x ⊙ mask on, so dL/dx = dL/d(x ⊙ mask) ⊙ mask.
            grad *= self._mask
        return grad

    def __repr__(self) -> str:
        return f"Dropout(rate={self.rate})"


# --- normalisation ----------------------------------------------------------------------------


class _Norm(Layer):
    r"""Shared by the normalisations: :math:`y = \gamma \hat{x} + \beta`, learned per feature.

    :math:`\hat{x}` is the input centred and scaled to unit variance over an axis (the batch
    for :class:`BatchNorm`, the features for :class:`LayerNorm`). The learned ``scale``
    :math:`\gamma` (from 1) and ``shift`` :math:`\beta` (from 0) live in the network's flat
    parameter buffer and take no weight decay.
    """

    kind: str = ""
    axis: int = 0

    def __init__(self, width: int, *, eps: float = 1e-5, dtype: DTypeLike = "float32") -> None:
        self.n_in = self.n_out = check_int(width, "width", minimum=1)
        self.eps = check_number(eps, "eps", "> 0")
        self.dtype = np.dtype(dtype)
        params = np.concatenate([np.ones(width), np.zeros(width)]).astype(self.dtype)
        self._attach(params, np.zeros_like(params))
        self._saved: tuple[Array, Array] | None = None

    @property
    def n_parameters(self) -> int:
        return 2 * self.n_out

    def _attach(self, params: Array, grads: Array) -> None:
        w = self.n_out
        self.parameters, self.gradients = params, grads
        self.scale, self.shift = params[:w], params[w:]
        self.scale_grad, self.shift_grad = grads[:w], grads[w:]

    def bind(self, params: Array, grads: Array) -> None:
        super().bind(params, grads)
        params[...] = self.parameters
        grads[...] = self.gradients
        self._attach(params, grads)

    def tensors(self) -> dict[str, Array]:
        """What a model file keeps: ``scale`` and ``shift`` (views)."""
        return {"scale": self.scale, "shift": self.shift}

    def forward(self, x: ArrayLike) -> Array:
        return self.propagate(np.asarray(x, dtype=self.dtype))

    def _statistics(
        self, x: Array, training: bool, rng: np.random.Generator | None
    ) -> tuple[Array, Array]:
        """The mean and variance to normalise ``x`` with."""
        raise NotImplementedError

    def propagate(
        self, x: Array, *, training: bool = False, rng: np.random.Generator | None = None
    ) -> Array:
        mean, var = self._statistics(x, training, rng)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        if training:
            self._saved = (x_hat, inv_std)
        return x_hat * self.scale + self.shift

    def backpropagate(self, grad: Array, *, input_grad: bool = True) -> Array | None:
        r"""Write the gradients of ``scale`` and ``shift``; return :math:`\partial L/\partial x`.

        With :math:`g = \gamma\,\partial L/\partial y` and :math:`m` values per statistic,
        :math:`\partial L/\partial x = \frac{\sigma^{-1}}{m}\bigl(m g - \sum g -
        \hat{x} \sum g \hat{x}\bigr)`, the sums over the normalised axis.
        """
        if self._saved is None:
            raise RuntimeError("backpropagate() needs a training propagate() first.")
        x_hat, inv_std = self._saved
        self._saved = None  # used once
        np.sum(grad * x_hat, axis=0, out=self.scale_grad)
        np.sum(grad, axis=0, out=self.shift_grad)
        if not input_grad:
            return None
        g = grad * self.scale
        m = x_hat.shape[self.axis]
        total = g.sum(axis=self.axis, keepdims=True)
        projected = (g * x_hat).sum(axis=self.axis, keepdims=True)
        return (inv_std / m) * (m * g - total - x_hat * projected)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.n_out}, eps={self.eps})"


class BatchNorm(_Norm):
    r"""Batch normalisation: each feature centred and scaled over the batch, then a learned affine.

    .. math:: y = \gamma\,\frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta

    with :math:`\mu_B, \sigma_B^2` the mean and (biased) variance of the batch while training,
    and running averages of them for prediction, updated as PyTorch's ``BatchNorm1d`` does:
    :math:`r \leftarrow (1 - m)\,r + m\,s` with the unbiased batch variance.

    Parameters
    ----------
    width : int
        Features (neurons of the layer before).
    momentum : float, default=0.1
        Weight :math:`m` of the newest batch in the running statistics, in (0, 1].
    eps : float, default=1e-5
        Added to the variance, > 0.
    dtype : dtype, default="float32"

    Attributes
    ----------
    scale, shift : ndarray of shape (width,)
        :math:`\gamma` and :math:`\beta`, learned.
    running_mean, running_var : ndarray of shape (width,)
        The statistics used for prediction; not learned by gradient, saved in model files.

    Notes
    -----
    Inside an :class:`~neuronet.MLP` (``norm="batch"``) it sits between each hidden layer's
    :math:`z = xW + b` and its activation, so the activation sees inputs of controlled scale:
    saturating activations stay out of their flat tails. A training pass given no random
    generator (``MLP.loss_and_gradient``, diagnostics) normalises with the batch statistics
    but leaves the running ones alone.

    References
    ----------
    Ioffe, S. & Szegedy, C. (2015). "Batch Normalization: Accelerating Deep Network Training
    by Reducing Internal Covariate Shift". ICML. arXiv:1502.03167.

    Examples
    --------
    >>> norm = BatchNorm(2, dtype="float64")
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> norm.propagate(x, training=True, rng=np.random.default_rng(0)).round(3)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> norm.running_mean
    array([0.2, 2. ])
    """

    kind = "batch"
    axis = 0

    def __init__(
        self, width: int, *, momentum: float = 0.1, eps: float = 1e-5, dtype: DTypeLike = "float32"
    ) -> None:
        super().__init__(width, eps=eps, dtype=dtype)
        self.momentum = check_number(momentum, "momentum", "in (0, 1]")
        self.running_mean = np.zeros(self.n_out, dtype=self.dtype)
        self.running_var = np.ones(self.n_out, dtype=self.dtype)

    def tensors(self) -> dict[str, Array]:
        return {
            **super().tensors(),
            "running_mean": self.running_mean,
            "running_var": self.running_var,
        }

    def _statistics(
        self, x: Array, training: bool, rng: np.random.Generator | None
    ) -> tuple[Array, Array]:
        if not training:
            return self.running_mean, self.running_var
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = len(x)
        if rng is not None and n > 1:  # rng None: a deterministic pass changes no state
            m = self.momentum
            self.running_mean *= 1.0 - m
            self.running_mean += m * mean
            self.running_var *= 1.0 - m
            self.running_var += (m * n / (n - 1)) * var
        return mean, var

    def __repr__(self) -> str:
        return f"BatchNorm({self.n_out}, momentum={self.momentum}, eps={self.eps})"


class LayerNorm(_Norm):
    r"""Layer normalisation: each sample's features centred and scaled, then a learned affine.

    .. math:: y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

    with :math:`\mu, \sigma^2` the mean and variance over one sample's features: the same in
    training and prediction, independent of the batch (so it also works for batches of one),
    as PyTorch's ``LayerNorm(width)``.

    Parameters
    ----------
    width : int
        Features (neurons of the layer before).
    eps : float, default=1e-5
    dtype : dtype, default="float32"

    References
    ----------
    Ba, J. L., Kiros, J. R. & Hinton, G. E. (2016). "Layer Normalization". arXiv:1607.06450.

    Examples
    --------
    >>> LayerNorm(3, dtype="float64").forward([[1.0, 2.0, 3.0]]).round(4)
    array([[-1.2247,  0.    ,  1.2247]])
    """

    kind = "layer"
    axis = 1

    def _statistics(
        self, x: Array, training: bool, rng: np.random.Generator | None
    ) -> tuple[Array, Array]:
        return x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)


_NORMS: dict[str, type[_Norm]] = {"batch": BatchNorm, "layer": LayerNorm}


def make_norm(norm: object, width: int, dtype: DTypeLike) -> _Norm | None:
    """The normalisation ``norm`` names ("batch" or "layer") for ``width`` features, or None."""
    if norm is None:
        return None
    if not isinstance(norm, str) or norm not in _NORMS:
        raise ValueError(f"`norm` must be 'batch', 'layer' or None, got {norm!r}.")
    return _NORMS[norm](width, dtype=dtype)
