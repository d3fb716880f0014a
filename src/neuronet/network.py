r"""The multilayer perceptron: layers of neurons, one flat parameter buffer, backpropagation.

An :class:`MLP` with ``sizes=[n_in, h_1, ..., h_m, n_out]`` is a chain of :class:`~neuronet.Dense`
layers. The forward pass computes, layer by layer,

.. math:: Z^{(l)} = A^{(l-1)} W^{(l)} + b^{(l)}, \qquad A^{(l)} = f_l(Z^{(l)}),
          \qquad A^{(0)} = X,

and backpropagation runs the chain rule the other way:

.. math:: \frac{\partial L}{\partial Z^{(l)}} = \frac{\partial L}{\partial A^{(l)}} \odot
          f_l'(Z^{(l)}), \quad
          \frac{\partial L}{\partial W^{(l)}} = A^{(l-1)\top} \frac{\partial L}{\partial Z^{(l)}},
          \quad \frac{\partial L}{\partial A^{(l-1)}} =
          \frac{\partial L}{\partial Z^{(l)}} W^{(l)\top}.

Every weight, bias and PReLU slope of the network lives in one contiguous 1-D array,
:attr:`MLP.parameters`, and their gradients in a second, :attr:`MLP.gradients`; each layer holds
views into them. An optimizer therefore updates the whole network in one vectorised step
instead of looping over a list of small arrays.

Examples
--------
>>> import numpy as np
>>> from neuronet import MLP
>>> net = MLP([2, 3, 1], activation="tanh", output="sigmoid", seed=0)
>>> net.parameters.shape, net.layers[0].weights.shape
((13,), (2, 3))
>>> np.shares_memory(net.parameters, net.layers[1].bias)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import activations as _activations
from . import losses as _losses
from . import training as _training
from ._arrays import as_array
from ._validation import check_finite, check_number, check_X, products_show_nonfinite
from ._warnings import warn_user
from .activations import Activation
from .layers import BatchNorm, Dense, Dropout, Layer
from .losses import Loss

if TYPE_CHECKING:
    from os import PathLike

    from .optimizers import LBFGS, Optimizer
    from .schedules import Schedule
    from .training import Callback, History

F = TypeVar("F", bound=Callable[..., Any])

# From this many input values, prediction lets the first layer check X for NaN and infinity
# through its product (see Layer.infer); below it, scanning X costs less than the np.errstate
# that the product then needs (about 1 µs).
_PRODUCT_CHECK_SIZE = 4096


def _shares_doc(source: Callable[..., Any]) -> Callable[[F], F]:
    """Give the decorated function ``source``'s docstring: the parameters are written once."""

    def decorate(function: F) -> F:
        function.__doc__ = source.__doc__
        return function

    return decorate


__all__ = ["MLP", "LayerTrace", "Trace"]

Array = NDArray[np.floating]


class MLP:
    r"""A multilayer perceptron of any depth.

    Parameters
    ----------
    sizes : sequence of int
        ``[n_inputs, hidden_1, ..., hidden_m, n_outputs]``: at least two entries.
    activation : str, Activation or sequence of them, default="relu"
        The hidden layers' activation: one for all, or a list with one per hidden layer. An
        activation object holds no learned state, so one PReLU may serve every layer: each
        layer learns its own slopes.
    output : str or Activation, optional
        The output layer's activation. Defaults to the one that suits ``loss``: ``softmax``
        for categorical cross-entropy, ``sigmoid`` for binary cross-entropy, else ``identity``.
    loss : str or Loss, optional
        Defaults to the canonical loss of ``output``: categorical cross-entropy for softmax,
        binary cross-entropy for sigmoid, mean squared error otherwise. A mismatched pair
        warns (:class:`~neuronet.losses.PairingWarning`). The loss decides whether the network
        is a classifier (:attr:`head`).
    init : str, default="auto"
        Weight initialiser for every layer; "auto" lets each layer's activation choose
        (He for the ReLU family, LeCun for SELU, Glorot otherwise).
    dtype : {"float32", "float64"}, default="float32"
    seed : int, optional
        Seeds the initial weights and every later random choice (shuffling, dropout), so the
        same seed and data give bit-identical weights after training.
    classes : sequence, optional
        Labels that :meth:`predict` returns for a classifier instead of 0..k-1.
    dropout : float, default=0.0
        Rate of a :class:`~neuronet.Dropout` layer after every hidden layer, in [0, 1);
        active while training only.
    norm : {"batch", "layer"}, optional
        Normalise every hidden layer's :math:`z` before its activation:
        :class:`~neuronet.BatchNorm` (over the batch, with running statistics for prediction)
        or :class:`~neuronet.LayerNorm` (over each sample's neurons). Each adds a learned scale
        and shift per neuron.

    Attributes
    ----------
    layers : list of Layer
        The layers in order: :class:`~neuronet.Dense` layers, with a
        :class:`~neuronet.Dropout` after each hidden one when ``dropout`` > 0.
    dense_layers : list of Dense
    parameters : ndarray of shape (n_parameters,)
        Every weight, bias and activation parameter, contiguous; the layers hold views.
    gradients : ndarray of shape (n_parameters,)
        The gradient of the loss with respect to ``parameters`` after a backward pass.
    head : Head
        The output activation and the loss as one object: fused gradients, targets, what
        :meth:`predict` and :meth:`predict_proba` return.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Activation | Sequence[str | Activation] = "relu",
        output: str | Activation | None = None,
        *,
        loss: str | Loss | None = None,
        init: str = "auto",
        dtype: DTypeLike = "float32",
        seed: int | None = None,
        classes: Sequence[Any] | None = None,
        dropout: float = 0.0,
        norm: str | None = None,
    ) -> None:
        self.sizes = _check_sizes(sizes)
        n_hidden = len(self.sizes) - 2
        hidden = _hidden_activations(activation, n_hidden)
        loss_obj, output_act = _pair_output_and_loss(output, loss)
        _losses.check_pairing(output_act, loss_obj)
        for i, act in enumerate(hidden, start=1):
            if not act.elementwise:
                warn_user(
                    f"Hidden layer {i} uses {act.name}, which couples its neurons and squeezes "
                    f"them into a probability distribution; it is meant for the output layer. "
                    f"Use an element-wise activation such as 'relu' in hidden layers.",
                    UserWarning,
                )
        if not output_act.elementwise and self.sizes[-1] == 1:
            raise ValueError(
                f"A {output_act.name} output over one unit always outputs 1, so it cannot "
                f"learn anything. For two classes use output='sigmoid' with one output unit "
                f"(or {output_act.name} with two)."
            )
        if hidden and all(isinstance(act, _activations.Identity) for act in hidden):
            warn_user(
                f"Every hidden layer uses the identity activation, so the network is linear "
                f"however deep it is: {len(hidden)} hidden layer(s) can learn only what a "
                f"single linear layer can. Use a non-linear activation such as "
                f"activation='relu'.",
                UserWarning,
            )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"`dtype` must be 'float32' or 'float64', got {dtype!r}.")
        self.dropout = check_number(dropout, "dropout", "in [0, 1)")
        if norm is not None and norm not in ("batch", "layer"):
            raise ValueError(f"`norm` must be 'batch', 'layer' or None, got {norm!r}.")
        self.norm = norm
        self.init = init
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
        ):
            raise ValueError(f"`seed` must be a non-negative integer or None, got {seed!r}.")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        acts = [*hidden, output_act]
        self.layers: list[Layer] = []
        for i, (n_in, n_out, act) in enumerate(
            zip(self.sizes[:-1], self.sizes[1:], acts, strict=True)
        ):
            layer_norm = norm if i < n_hidden else None  # the output layer is never normalised
            self.layers.append(
                Dense(n_in, n_out, act, init=init, dtype=self.dtype, rng=self.rng, norm=layer_norm)
            )
            if self.dropout and i < n_hidden:
                self.layers.append(Dropout(self.dropout, width=n_out))
        self.dense_layers = [layer for layer in self.layers if isinstance(layer, Dense)]
        # One buffer for all parameters and one for all gradients; each layer re-binds to its
        # slice, so an optimizer step is a handful of vectorised operations on two arrays.
        total = sum(layer.n_parameters for layer in self.layers)
        self.parameters: Array = np.empty(total, dtype=self.dtype)
        self.gradients: Array = np.zeros(total, dtype=self.dtype)
        self._weight_mask = np.zeros(total, dtype=bool)
        self._bind_layers()
        self.head = _losses.Head(output_act, loss_obj, self.n_outputs, classes)

    def _bind_layers(self) -> None:
        """Point every layer at its slice of :attr:`parameters` and :attr:`gradients`."""
        start = 0
        for layer in self.layers:
            stop = start + layer.n_parameters
            layer.bind(self.parameters[start:stop], self.gradients[start:stop])
            self._weight_mask[start:stop] = layer.decay_mask()
            start = stop

    def __setstate__(self, state: dict[str, Any]) -> None:
        # pickle and copy.deepcopy give each layer's views arrays of their own; bind them to
        # the (copied) flat buffers again, or training the copy would not reach its layers.
        # (neuronet's own model files never use pickle: see neuronet.io.)
        self.__dict__.update(state)
        # Arrays may come back read-only (joblib unpickles into read-only memmaps): the
        # network's state must be its own, writable.
        self.parameters = np.array(self.parameters)
        self.gradients = np.array(self.gradients)
        self._weight_mask = np.array(self._weight_mask)
        self._bind_layers()
        for layer in self.dense_layers:
            if isinstance(layer.norm, BatchNorm):
                layer.norm.running_mean = np.array(layer.norm.running_mean)
                layer.norm.running_var = np.array(layer.norm.running_var)

    # --- shape of the network -------------------------------------------------------------

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def n_parameters(self) -> int:
        return int(self.parameters.size)

    @property
    def loss(self) -> Loss:
        return self.head.loss

    @property
    def classes(self) -> list[Any] | None:
        """The labels :meth:`predict` returns for a classifier, or None for 0..k-1.

        ``fit`` takes them from ``y`` when the labels are not numbers; assigning checks them.
        """
        return self.head.classes

    @classes.setter
    def classes(self, classes: Sequence[Any] | None) -> None:
        self.head.classes = self.head.check_classes(classes)

    @property
    def output_layer(self) -> Dense:
        return self.dense_layers[-1]

    @property
    def output_activation(self) -> Activation:
        return self.output_layer.activation

    @property
    def hidden_activations(self) -> list[Activation]:
        return [layer.activation for layer in self.dense_layers[:-1]]

    @property
    def is_classifier(self) -> bool:
        return self.head.is_classifier

    @property
    def n_classes(self) -> int | None:
        """Number of classes of a classifier (2 for a single sigmoid output), else None."""
        return self.head.n_classes

    @property
    def weight_mask(self) -> NDArray[np.bool_]:
        """True where :attr:`parameters` holds a weight: L2 decay applies there only."""
        return self._weight_mask

    # --- the one forward path ---------------------------------------------------------------

    def _forward(
        self, X: Array, *, training: bool, logits: bool = False, deterministic: bool = False
    ) -> Array:
        """Every layer in turn; the output layer's ``z`` instead of ``a`` when ``logits``.

        Prediction, evaluation and training all run through here; ``training`` makes each
        layer keep what :meth:`train_step`'s backward pass needs, turns dropout on and has
        batch norm use (and update) batch statistics. ``deterministic`` passes the layers no
        random generator: dropout then drops nothing and batch norm updates nothing.
        """
        a = X
        rng = None if deterministic else self.rng
        for layer in self.layers[:-1]:
            a = layer.propagate(a, training=training, rng=rng)
        return self.output_layer.propagate(a, training=training, activate=not logits)

    def layer_outputs(self, X: ArrayLike) -> list[tuple[Array, Array]]:
        """Each dense layer's pre-activations ``z`` and activations ``a`` for a batch ``X``.

        Prediction mode (dropout off); one ``(z, a)`` pair per entry of :attr:`dense_layers`,
        each of shape (n_samples, layer width). What diagnostics and experiments read.

        >>> net = MLP([2, 3, 1], activation="relu", seed=0)
        >>> [(z.shape, a.shape) for z, a in net.layer_outputs([[1.0, -1.0]])]
        [((1, 3), (1, 3)), ((1, 1), (1, 1))]
        """
        a = check_X(as_array(X, "X"), self.n_inputs, self.dtype)
        outputs = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                z = layer.pre_activation(a)
                a = layer.activate(z)
                outputs.append((z, a))
            else:
                a = layer.propagate(a)
        return outputs

    def forward(self, X: ArrayLike) -> Array:
        """The output layer's activations for a batch ``X`` of shape (n_samples, n_inputs)."""
        # Prediction's own path: each layer's bias and activation go in place into the
        # product's new array (bit-identical to the training-mode forward pass, less work).
        # (An ndarray is never a pandas object: as_array would only look and pass it on.)
        a = check_X(
            X if type(X) is np.ndarray else as_array(X, "X"),
            self.n_inputs,
            self.dtype,
            finite=False,
        )
        first, *others = self.layers
        if a.size < _PRODUCT_CHECK_SIZE or not products_show_nonfinite(self.dtype):
            check_finite(a, self.dtype, "X")
            a = first.infer(a)
        else:
            # The first layer searches X for NaN and infinity only if its product has any (a
            # finite product proves a finite input): one pass over X fewer.
            a = first.infer(a, check="X")
        for layer in others:
            a = layer.infer(a)
        return a

    def predict_proba(self, X: ArrayLike) -> Array:
        """Class probabilities, shape (n_samples, n_classes), for a classifier.

        A single sigmoid output gives two columns, :math:`1 - p` and :math:`p`, as scikit-learn
        does; several sigmoid outputs (independent labels) give one column each.
        """
        return self.head.probabilities(self.forward(X))

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Class labels for a classifier, output values (squeezed to 1-D for one output) else."""
        return self.head.decode(self.forward(X))

    # --- training: one step forward and back -----------------------------------------------

    def prepare_targets(self, y: object, *, infer_classes: bool = False) -> NDArray[Any]:
        """Check ``y`` against the loss and the output layer; return the array training uses.

        A classifier's labels are mapped through :attr:`classes`; see
        :meth:`~neuronet.losses.Head.prepare_targets`.
        """
        return self.head.prepare_targets(y, self.dtype, infer_classes=infer_classes)

    def prepare(
        self, X: ArrayLike, y: object, *, infer_classes: bool = False, copy: bool = True
    ) -> tuple[Array, NDArray[Any]]:
        """``X`` and ``y`` checked and converted once for :meth:`train_step` and :meth:`evaluate`.

        Returns ``X`` as a C-contiguous array of the network's dtype and ``y`` as the loss
        needs it (:meth:`prepare_targets`); raises ValueError naming what is wrong. With
        ``copy=False`` a memmap (or any array of real numbers) is checked but kept as it is,
        for ``fit`` to read batch by batch.
        """
        X_arr = check_X(as_array(X, "X"), self.n_inputs, self.dtype, convert=copy)
        y_arr = self.prepare_targets(y, infer_classes=infer_classes)
        _check_same_length(X_arr, y_arr)
        return X_arr, y_arr

    def train_step(
        self,
        X: Array,
        y: NDArray[Any],
        *,
        l2: float = 0.0,
        deterministic: bool = False,
        sample_weight: NDArray[Any] | None = None,
    ) -> tuple[float, int]:
        r"""Forward and backward on one batch: fill :attr:`gradients`; change no parameter.

        ``X`` and ``y`` come from :meth:`prepare` (or are slices of what it returned).
        Returns the loss (with the L2 penalty :math:`\tfrac{\lambda}{2}\sum W^2` when ``l2``
        > 0) and how many samples a classifier got right (0 for regression). An optimizer's
        ``step(net.parameters, net.gradients)`` then updates the network.
        ``deterministic=True`` changes no state and draws nothing: no dropout, and batch norm
        normalises with the batch's statistics without updating its running ones.
        ``sample_weight`` (shape (n,), checked as ``fit`` checks it) makes the loss the
        weighted average of the samples' losses.
        """
        self._check_prepared(X, y)
        head = self.head
        out = self._forward(X, training=True, logits=head.fused, deterministic=deterministic)
        correct = head.count_correct(out, y)  # before the loss overwrites `out`
        loss, grad_out = head.loss_and_gradient(out, y, sample_weight)
        first = self.layers[0]
        # Each layer but the first passes dL/dX back to the one before: never None below.
        grad = self.output_layer.backpropagate(
            grad_out, input_grad=self.output_layer is not first, grad_is_dz=head.fused
        )
        for layer in reversed(self.layers[:-1]):
            grad = layer.backpropagate(cast(Array, grad), input_grad=layer is not first)
        if l2:
            loss += self.l2_penalty(l2, add_gradient=True)
        return loss, correct

    def evaluate(
        self,
        X: Array,
        y: NDArray[Any],
        *,
        l2: float = 0.0,
        sample_weight: NDArray[Any] | None = None,
    ) -> tuple[float, int]:
        """The loss and the count of correct answers on prepared ``(X, y)``, without training.

        Dropout is off and no gradient is computed; see :meth:`prepare`.
        """
        self._check_prepared(X, y)
        if y.ndim == 1 and len(y) and not (y.min() >= 0 and y.max() < self.n_outputs):
            # (train_step leaves this to the loss, which fails on such a label.)
            raise ValueError(
                f"`y` as net.prepare(X, y) returns it holds labels 0..{self.n_outputs - 1}, got "
                f"labels from {int(y.min())} to {int(y.max())}. compute_loss(X, y) takes the "
                f"labels as they are."
            )
        out = self._forward(X, training=False, logits=self.head.fused)
        correct = self.head.count_correct(out, y)  # before the loss overwrites `out`
        loss = self.head.loss_value(out, y, sample_weight)
        if l2:
            loss += self.l2_penalty(l2, add_gradient=False)
        return loss, correct

    def l2_penalty(self, l2: float, *, add_gradient: bool) -> float:
        r"""The penalty :math:`\tfrac{\lambda}{2}\sum W^2` on the weights (not biases or slopes).

        With ``add_gradient`` its gradient :math:`\lambda W` is added to the weights'
        gradients too: the one place the L2 term is computed, for training and evaluation.
        """
        total = 0.0
        for layer in self.dense_layers:
            total += float(np.vdot(layer.weights, layer.weights))
            if add_gradient:
                layer.weight_grad += l2 * layer.weights
        return 0.5 * l2 * total

    def _check_prepared(self, X: object, y: object) -> None:
        # Cheap checks only: this runs every step. The thorough ones are in prepare().
        if not (
            isinstance(X, np.ndarray)
            and X.dtype == self.dtype
            and X.ndim == 2
            and X.shape[1] == self.n_inputs
            and isinstance(y, np.ndarray)
            and len(y) == len(X)
            # labels (categorical cross-entropy), or rows of one value per output
            and (
                (y.ndim == 1 and y.dtype == np.int64 and self.head.labels_as_integers)
                or (y.ndim == 2 and y.shape[1] == self.n_outputs and y.dtype == self.dtype)
            )
        ):
            rows = f"{self.dtype} rows of shape (n_samples, {self.n_outputs})"
            expected_y = f"int64 labels of shape (n_samples,) or {rows}"
            raise ValueError(
                "train_step() and evaluate() take `X` and `y` as returned by net.prepare(X, y) "
                f"(X of dtype {self.dtype} and shape (n_samples, {self.n_inputs}), y "
                f"{expected_y if self.head.labels_as_integers else rows}, as many as X); got X "
                f"of {_described(X)} and y of {_described(y)}. compute_loss(X, y) takes them "
                f"as they are."
            )

    def loss_and_gradient(
        self, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0
    ) -> tuple[float, Array]:
        r"""The loss on ``(X, y)`` and its gradient with respect to :attr:`parameters`.

        Returns a copy of the flat gradient, in the same order as :attr:`parameters`, so it can
        be compared with finite differences of :meth:`compute_loss` (dropout off in both;
        with batch norm, this one normalises with the batch's statistics and
        :meth:`compute_loss` with the running ones); each dense layer's ``weight_grad`` and
        ``bias_grad`` hold their parts of it. Nothing but :attr:`gradients` changes.
        """
        loss, _ = self.train_step(*self.prepare(X, y), l2=l2, deterministic=True)
        return loss, self.gradients.copy()

    def compute_loss(self, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> float:
        """The loss on ``(X, y)`` (plus the L2 penalty ½·l2·ΣW² when ``l2`` > 0)."""
        return self.evaluate(*self.prepare(X, y), l2=l2)[0]

    # --- training -------------------------------------------------------------------------

    @_shares_doc(_training.fit)
    def fit(
        self,
        X: ArrayLike | Iterable[tuple[Any, ...]],
        y: ArrayLike | None = None,
        *,
        epochs: int = 100,
        batch_size: int = 32,
        optimizer: str | Optimizer | LBFGS = "adam",
        lr: float | None = None,
        schedule: str | Schedule | None = None,
        validation_split: float | None = None,
        validation_data: tuple[ArrayLike, ArrayLike] | None = None,
        shuffle: bool = True,
        early_stopping: bool = False,
        patience: int = 10,
        l2: float = 0.0,
        sample_weight: ArrayLike | None = None,
        steps_per_epoch: int | None = None,
        callbacks: Sequence[Callback | Any] | None = (),
        verbose: int = 1,
        resume_from: str | PathLike[str] | None = None,
    ) -> History:
        return _training.fit(
            self,
            X,
            y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            lr=lr,
            schedule=schedule,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            early_stopping=early_stopping,
            patience=patience,
            l2=l2,
            sample_weight=sample_weight,
            steps_per_epoch=steps_per_epoch,
            callbacks=callbacks,
            verbose=verbose,
            resume_from=resume_from,
        )

    # --- seeing inside ----------------------------------------------------------------------

    def trace(self, x: ArrayLike) -> Trace:
        """Every neuron's z and a for one input, layer by layer.

        ``print(net.trace(x))`` writes out the arithmetic of each neuron's equation.

        >>> net = MLP([2, 2, 1], activation="relu", seed=0)
        >>> t = net.trace([1.0, -1.0])
        >>> len(t.layers), t.layers[0].z.shape, t.output.shape
        (2, (2,), (1,))
        """
        arr = np.asarray(x)
        if arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 1:
            raise ValueError(
                f"trace() takes one sample of shape ({self.n_inputs},), got shape {arr.shape}."
            )
        X = check_X(arr[None, :], self.n_inputs, self.dtype)
        outputs = self.layer_outputs(X)
        inputs = [X[0], *(a[0] for _, a in outputs[:-1])]
        return Trace(
            [
                LayerTrace(
                    i,
                    layer.activation,
                    x,
                    layer.weights.copy(),
                    layer.bias.copy(),
                    z[0],
                    a[0],
                    None if layer.norm is None else layer.norm.kind,
                    layer.activation_parameters.copy(),
                )
                for i, (layer, x, (z, a)) in enumerate(
                    zip(self.dense_layers, inputs, outputs, strict=True), start=1
                )
            ]
        )

    def summary(self) -> str:
        """A table of the layers: shape, activation and parameter count.

        >>> print(MLP([2, 8, 3], activation="tanh", output="softmax", seed=0).summary())
        MLP 2 → 8 → 3, loss categorical_cross_entropy, float32
        layer  neurons  activation  parameters
            1        8  tanh                24
            2        3  softmax             27
        total                               51 (204 bytes)
        >>> print(MLP([2, 8, 3], output="softmax", dropout=0.2, seed=0).summary())
        MLP 2 → 8 → 3, loss categorical_cross_entropy, float32
        layer  neurons  activation  parameters
            1        8  relu                24
               dropout 0.2 (training only)
            2        3  softmax             27
        total                               51 (204 bytes)
        """
        arrows = " → ".join(map(str, self.sizes))
        lines = [
            f"MLP {arrows}, loss {self.loss.name}, {self.dtype}",
            f"{'layer':<5}  {'neurons':>7}  {'activation':<10}  {'parameters':>10}",
        ]
        i = 0
        for layer in self.layers:
            if isinstance(layer, Dense):
                i += 1
                act, n = layer.activation.name, layer.n_parameters
                lines.append(f"{i:>5}  {layer.n_out:>7}  {act:<10}  {n:>10,}")
                if layer.norm is not None:
                    lines.append(f"{'':>5}  {layer.norm.kind} norm before the activation")
            elif isinstance(layer, Dropout):
                lines.append(f"{'':>5}  dropout {layer.rate:g} (training only)")
        nbytes = self.parameters.nbytes
        lines.append(f"{'total':<26}  {self.n_parameters:>10,} ({nbytes:,} bytes)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The :meth:`summary` as an HTML table, for Jupyter."""
        from html import escape

        rows = []
        i = 0
        for layer in self.layers:
            if isinstance(layer, Dense):
                i += 1
                norm = f" ({layer.norm.kind} norm)" if layer.norm is not None else ""
                rows.append(
                    f"<tr><td>{i}</td><td>{layer.n_out}</td>"
                    f"<td>{escape(layer.activation.name)}{norm}</td>"
                    f"<td style='text-align:right'>{layer.n_parameters:,}</td></tr>"
                )
            elif isinstance(layer, Dropout):
                rows.append(f"<tr><td></td><td colspan='3'>dropout {layer.rate:g}</td></tr>")
        arrows = " → ".join(map(str, self.sizes))
        classes = "" if self.classes is None else f", classes {escape(str(self.classes))}"
        return (
            f"<div><b>MLP {arrows}</b>, loss {escape(self.loss.name)}, {self.dtype}{classes}"
            "<table><thead><tr><th>layer</th><th>neurons</th><th>activation</th>"
            "<th>parameters</th></tr></thead><tbody>"
            + "".join(rows)
            + f"<tr><td colspan='3'><b>total</b></td><td style='text-align:right'>"
            f"<b>{self.n_parameters:,}</b></td></tr></tbody></table></div>"
        )

    def __repr__(self) -> str:
        hidden = self.hidden_activations
        if hidden and all(act == hidden[0] for act in hidden):
            act_repr = repr(hidden[0])
        else:
            act_repr = repr(hidden)
        dropout = f", dropout={self.dropout}" if self.dropout else ""
        norm = f", norm={self.norm!r}" if self.norm else ""
        return (
            f"MLP({self.sizes}, activation={act_repr}, output={self.output_activation!r}, "
            f"loss={self.loss!r}{dropout}{norm})"
        )

    # --- saving -----------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """A JSON-able description of the architecture (no weights)."""
        return {
            "sizes": list(self.sizes),
            "activations": [_activation_config(act) for act in self.hidden_activations],
            "output": _activation_config(self.output_activation),
            "loss": {"name": self.loss.name, "params": self.loss.get_params()},
            "init": self.init,
            "dtype": str(self.dtype),
            "classes": self.classes,
            "dropout": self.dropout,
            "norm": self.norm,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], *, seed: int | None = None) -> MLP:
        """Build an untrained network from :meth:`get_config`'s description."""
        hidden = [_activations.get(a["name"], **a["params"]) for a in config["activations"]]
        output = _activations.get(config["output"]["name"], **config["output"]["params"])
        loss = _losses.get(config["loss"]["name"], **config["loss"]["params"])
        with warnings.catch_warnings():
            # A pairing the user chose on purpose already warned when it was first built.
            warnings.simplefilter("ignore", _losses.PairingWarning)
            return cls(
                config["sizes"],
                hidden if hidden else "relu",
                output,
                loss=loss,
                init=config["init"],
                dtype=config["dtype"],
                seed=seed,
                classes=config.get("classes"),
                dropout=config.get("dropout", 0.0),  # absent from format-1 files
                norm=config.get("norm"),
            )

    def save(self, path: str | PathLike[str]) -> None:
        """Write the network to one ``.safetensors`` file (atomically; see :mod:`neuronet.io`)."""
        from .io import save

        save(self, path)


def _activation_config(act: Activation) -> dict[str, Any]:
    return {"name": act.name, "params": act.get_params()}


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    try:
        values = list(sizes)
    except TypeError:
        raise TypeError(
            f"`sizes` must be a list of layer widths such as [2, 16, 1], got {sizes!r}."
        ) from None
    if len(values) < 2:
        raise ValueError(
            f"`sizes` needs at least an input and an output width, e.g. [2, 16, 1]; got {values}."
        )
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"`sizes` must contain positive integers, got {values}.")
        if v < 1:
            raise ValueError(f"`sizes` must contain positive integers, got {values}.")
    return [int(v) for v in values]


def _described(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"dtype {value.dtype} and shape {value.shape}"
    return f"type {type(value).__name__}"


def _hidden_activations(
    activation: str | Activation | Sequence[str | Activation], n_hidden: int
) -> list[Activation]:
    if isinstance(activation, str | Activation | type) or activation is None:
        _activations.get(activation)  # an unknown name is an error even with no hidden layer
        spec: list[Any] = [activation] * n_hidden
    else:
        try:
            spec = list(activation)
        except TypeError:  # np.tanh, a lambda: a function is not an Activation
            raise TypeError(
                f"`activation` must be an activation's name (one of "
                f"{', '.join(_activations.names())}), an Activation, or a list of them, got "
                f"{activation!r}."
            ) from None
        if len(spec) != n_hidden:
            raise ValueError(
                f"`activation` lists {len(spec)} activations but the network has {n_hidden} "
                f"hidden layers; give one per hidden layer or a single one for all."
            )
    # Activations hold no learned state (each layer owns its PReLU slopes), so one instance
    # may serve every layer.
    return [_activations.get(item) for item in spec]


def _pair_output_and_loss(
    output: str | Activation | None, loss: str | Loss | None
) -> tuple[Loss, Activation]:
    if loss is None:
        out = _activations.get(output if output is not None else "identity")
        return _losses.default_for_output(out.name), out
    loss_obj = _losses.get(loss)
    if output is None:
        output = loss_obj.canonical_output or "identity"
    return loss_obj, _activations.get(output)


def _check_same_length(X: Array, y: NDArray[Any]) -> None:
    if len(X) != len(y):
        raise ValueError(
            f"`X` and `y` must have the same number of samples, got {len(X)} and {len(y)}."
        )


# --- trace ------------------------------------------------------------------------------------


@dataclass
class LayerTrace:
    """One layer's part of :meth:`MLP.trace`: its inputs, parameters, z and a."""

    index: int
    activation: Activation
    inputs: Array
    weights: Array
    bias: Array
    z: Array
    a: Array
    norm: str | None = None  # "batch" or "layer": normalised between z and f
    #: The activation's learned parameters (PReLU's slopes: one, or one per neuron).
    activation_parameters: Array | None = None

    def lines(self, max_terms: int = 4) -> list[str]:
        n_in, n_out = self.weights.shape
        head = f"Layer {self.index}: {n_in} → {n_out}, activation {self.activation.name}"
        out = [head]
        inner = "z" if self.norm is None else f"{self.norm}_norm(z)"
        slopes = self.activation_parameters
        for j in range(n_out):
            if not self.activation.elementwise:
                # Not f of this neuron's z alone: say what it is made of.
                f = f"exp({inner}) / Σ exp({inner} of this layer's {n_out} neurons)"
            elif slopes is not None and slopes.size:
                slope = slopes[j] if slopes.size == n_out else slopes[0]
                f = f"{self.activation.name}({inner}; slope {_num(slope)})"
            else:
                f = f"{self.activation.name}({inner})"
            terms = [
                f"{_num(self.weights[i, j])}·{_num(self.inputs[i])}"
                for i in range(min(n_in, max_terms))
            ]
            if n_in > max_terms:
                terms.append(f"… ({n_in - max_terms} more)")
            equation = " + ".join(terms) + f" + {_num(self.bias[j])}"
            out.append(
                f"  neuron {j + 1}: z = {equation} = {_num(self.z[j])};"
                f"  a = {f} = {_num(self.a[j])}"
            )
        return out


def _num(value: float) -> str:
    text = f"{float(value):.4g}"
    return f"({text})" if text.startswith("-") else text


@dataclass
class Trace:
    """What :meth:`MLP.trace` returns: one :class:`LayerTrace` per layer."""

    layers: list[LayerTrace]

    @property
    def output(self) -> Array:
        return self.layers[-1].a

    def __str__(self) -> str:
        return "\n".join(line for layer in self.layers for line in layer.lines())
