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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import activations as _activations
from . import losses as _losses
from ._validation import check_X
from .activations import Activation
from .layers import Dense, Dropout
from .losses import Loss

if TYPE_CHECKING:
    from os import PathLike

    from .optimizers import LBFGS, Optimizer
    from .schedules import Schedule
    from .training import Callback, History

__all__ = ["MLP", "LayerTrace", "Trace"]

Array = NDArray[np.floating]


class MLP:
    r"""A multilayer perceptron of any depth.

    Parameters
    ----------
    sizes : sequence of int
        ``[n_inputs, hidden_1, ..., hidden_m, n_outputs]``: at least two entries.
    activation : str, Activation or sequence of them, default="relu"
        The hidden layers' activation: one for all, or a list with one per hidden layer.
    output : str or Activation, optional
        The output layer's activation. Defaults to the one that suits ``loss``: ``softmax``
        for categorical cross-entropy, ``sigmoid`` for binary cross-entropy, else ``identity``.
    loss : str or Loss, optional
        Defaults to the canonical loss of ``output``: categorical cross-entropy for softmax,
        binary cross-entropy for sigmoid, mean squared error otherwise. A mismatched pair
        warns (:class:`~neuronet.losses.PairingWarning`).
    init : str, default="auto"
        Weight initialiser for every layer; "auto" lets each layer's activation choose
        (He for the ReLU family, LeCun for SELU, Glorot otherwise).
    dtype : {"float32", "float64"}, default="float32"
    seed : int, optional
        Seeds the initial weights and every later random choice (shuffling, dropout), so the
        same seed and data give bit-identical weights after training.
    classes : sequence, optional
        Labels that :meth:`predict` returns for a classifier instead of 0..k-1.

    Attributes
    ----------
    layers : list of Dense
    parameters : ndarray of shape (n_parameters,)
        Every weight, bias and activation parameter, contiguous; the layers hold views.
    gradients : ndarray of shape (n_parameters,)
        The gradient of the loss with respect to ``parameters`` after a backward pass.
    loss : Loss
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
    ) -> None:
        self.sizes = _check_sizes(sizes)
        n_hidden = len(self.sizes) - 2
        hidden = _hidden_activations(activation, n_hidden)
        self.loss, output_act = _pair_output_and_loss(output, loss)
        _losses.check_pairing(output_act, self.loss)
        for i, act in enumerate(hidden, start=1):
            if not act.elementwise:
                warnings.warn(
                    f"Hidden layer {i} uses {act.name}, which couples its neurons and squeezes "
                    f"them into a probability distribution; it is meant for the output layer. "
                    f"Use an element-wise activation such as 'relu' in hidden layers.",
                    UserWarning,
                    stacklevel=2,
                )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"`dtype` must be 'float32' or 'float64', got {dtype!r}.")
        self.init = init
        self.seed = seed
        self._workspaces: dict[int, dict[str, list[Any]]] = {}
        self.rng = np.random.default_rng(seed)
        acts = [*hidden, output_act]
        self.layers = [
            Dense(n_in, n_out, act, init=init, dtype=self.dtype, rng=self.rng)
            for n_in, n_out, act in zip(self.sizes[:-1], self.sizes[1:], acts, strict=True)
        ]
        # One buffer for all parameters and one for all gradients; each layer re-binds to its
        # slice, so an optimizer step is a handful of vectorised operations on two arrays.
        total = sum(layer.n_parameters for layer in self.layers)
        self.parameters: Array = np.empty(total, dtype=self.dtype)
        self.gradients: Array = np.zeros(total, dtype=self.dtype)
        self._weight_mask = np.zeros(total, dtype=bool)
        start = 0
        for layer in self.layers:
            stop = start + layer.n_parameters
            layer.bind(self.parameters[start:stop], self.gradients[start:stop])
            self._weight_mask[start : start + layer.n_in * layer.n_out] = True
            start = stop
        self.classes = None if classes is None else list(classes)
        if self.classes is not None and len(self.classes) != self.n_classes:
            raise ValueError(
                f"`classes` must have one label per class ({self.n_classes}), "
                f"got {len(self.classes)}."
            )

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
    def output_activation(self) -> Activation:
        return self.layers[-1].activation

    @property
    def hidden_activations(self) -> list[Activation]:
        return [layer.activation for layer in self.layers[:-1]]

    @property
    def is_classifier(self) -> bool:
        return self.loss.classification

    @property
    def n_classes(self) -> int | None:
        """Number of classes of a classifier (2 for a single sigmoid output), else None."""
        if not self.is_classifier:
            return None
        if self.output_activation.name == "sigmoid" and self.n_outputs == 1:
            return 2
        return self.n_outputs

    @property
    def weight_mask(self) -> NDArray[np.bool_]:
        """True where :attr:`parameters` holds a weight: L2 decay applies there only."""
        return self._weight_mask

    @property
    def _fused(self) -> bool:
        return self.loss.canonical_output == self.output_activation.name

    # --- forward --------------------------------------------------------------------------

    def forward(self, X: ArrayLike) -> Array:
        """The output layer's activations for a batch ``X`` of shape (n_samples, n_inputs)."""
        a = check_X(X, self.n_inputs, self.dtype)
        for layer in self.layers:
            z = np.matmul(a, layer.weights)
            z += layer.bias  # in place: one temporary fewer per layer
            a = layer.activation.forward(z)
        return a

    def predict_proba(self, X: ArrayLike) -> Array:
        """Class probabilities, shape (n_samples, n_classes), for sigmoid or softmax outputs.

        A single sigmoid output gives two columns, :math:`1 - p` and :math:`p`, as scikit-learn
        does; several sigmoid outputs (independent labels) give one column each.
        """
        name = self.output_activation.name
        if name not in ("sigmoid", "softmax"):
            raise TypeError(
                f"predict_proba needs a sigmoid or softmax output layer; this network's output "
                f"is {name!r} (regression). Use predict()."
            )
        proba = self.forward(X)
        if name == "sigmoid" and self.n_outputs == 1:
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Class labels for a classifier, output values (squeezed to 1-D for one output) else."""
        out = self.forward(X)
        name = self.output_activation.name
        if name == "softmax":
            labels: NDArray[Any] = out.argmax(axis=1)
        elif name == "sigmoid" and self.is_classifier:
            labels = (out >= 0.5).astype(np.int64)
            if self.n_outputs == 1:
                labels = labels[:, 0]
        else:
            return out[:, 0] if self.n_outputs == 1 else out
        if self.classes is not None:
            return np.asarray(self.classes)[labels]
        return labels

    def _propagate(
        self, X: Array, z_buffers: list[Array], dropout: Dropout | None = None
    ) -> tuple[list[Array], list[Array], list[Array | None], list[Array]]:
        """Training forward pass.

        Each layer's z is written into ``z_buffers`` (from :meth:`_workspace`). Returns each
        layer's input, z and a (None for a fused output layer, whose loss works from z), and
        the dropout mask applied to each hidden layer's output.
        """
        inputs: list[Array] = []
        zs: list[Array] = []
        acts: list[Array | None] = []
        masks: list[Array] = []
        a = X
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            inputs.append(a)
            if i == last and self._fused:
                # The fused loss works from the logits: no need to compute softmax/sigmoid here.
                z = np.matmul(a, layer.weights, out=z_buffers[i])
                z += layer.bias
                zs.append(z)
                acts.append(None)
                break
            z, a = layer.propagate(a, z_out=z_buffers[i])
            zs.append(z)
            acts.append(a)
            if dropout is not None and i < last:
                mask = dropout.mask(a.shape, self.rng, self.dtype)
                masks.append(mask)
                a = a * mask
        return inputs, zs, acts, masks

    # --- backward -------------------------------------------------------------------------

    def _train_step(
        self,
        X: Array,
        y: NDArray[Any],
        *,
        l2: float = 0.0,
        dropout: Dropout | None = None,
    ) -> tuple[float, int]:
        """Forward and backward on one batch: fill :attr:`gradients`.

        Returns the loss and, for a classifier, how many samples it got right (0 otherwise).
        ``X`` and ``y`` must already be checked and prepared (see :meth:`prepare_targets`).
        """
        workspace = self._workspace(len(X))
        inputs, zs, acts, masks = self._propagate(X, workspace["z"], dropout)
        input_grads = workspace["input_grad"]
        out_layer = self.layers[-1]
        a_out = acts[-1]
        # Count before the fused loss overwrites the logits with the gradient.
        correct = self._count_correct(zs[-1] if a_out is None else a_out, y, a_out is None)
        if a_out is None:
            loss, grad = self.loss.fused(zs[-1], y, out=zs[-1])
        else:
            loss = self.loss.value(a_out, y)
            grad = self.loss.gradient(a_out, y)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            grad_in = layer.backpropagate(
                inputs[i],
                zs[i],
                acts[i],
                grad,
                grad_is_dz=layer is out_layer and a_out is None,
                input_grad=input_grads[i],
            )
            if grad_in is not None:  # every layer but the first passes dL/dX back
                grad = grad_in
                if masks:
                    # Layer i read a ⊙ mask, so dL/da = dL/d(a ⊙ mask) ⊙ mask.
                    grad *= masks[i - 1]
        if l2:
            loss += self._add_l2(l2)
        return loss, correct

    def _workspace(self, n_samples: int) -> dict[str, list[Any]]:
        """Arrays for each layer's z and input gradient at this batch size, reused every step.

        Reusing them spares an allocation per layer and step; a training run sees at most two
        batch sizes (full batches and the last, shorter one), so both are kept.
        """
        cache = self._workspaces
        if n_samples not in cache:
            if len(cache) >= 2:
                cache.pop(next(iter(cache)))
            cache[n_samples] = {
                "z": [np.empty((n_samples, lay.n_out), self.dtype) for lay in self.layers],
                "input_grad": [None]
                + [np.empty((n_samples, lay.n_in), self.dtype) for lay in self.layers[1:]],
            }
        return cache[n_samples]

    def _count_correct(self, out: Array, y: NDArray[Any], from_logits: bool) -> int:
        """Correct answers of a classifier for outputs (or logits) ``out``; 0 for regression."""
        if not self.is_classifier:
            return 0
        if isinstance(self.loss, _losses.CategoricalCrossEntropy):
            labels = y if y.ndim == 1 else y.argmax(axis=1)
            return int((out.argmax(axis=1) == labels).sum())
        # Independent yes/no outputs; σ(z) ≥ ½ exactly when z ≥ 0.
        predicted = out >= (0.0 if from_logits else 0.5)
        return int((predicted == (y >= 0.5)).all(axis=1).sum())

    def _add_l2(self, l2: float) -> float:
        """Add the L2 penalty's gradient l2·W to the weights' gradients; return ½·l2·ΣW²."""
        penalty = 0.0
        for layer in self.layers:
            penalty += float(np.vdot(layer.weights, layer.weights))
            layer.weight_grad += l2 * layer.weights
        return 0.5 * l2 * penalty

    def prepare_targets(self, y: object) -> NDArray[Any]:
        """Check ``y`` against the loss and the output layer; return the array training uses."""
        return self.loss.prepare_targets(y, self.n_outputs, self.dtype)

    def loss_and_gradient(
        self, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0
    ) -> tuple[float, Array]:
        r"""The loss on ``(X, y)`` and its gradient with respect to :attr:`parameters`.

        Returns a copy of the flat gradient, in the same order as :attr:`parameters`, so it can
        be compared with finite differences of the loss.
        """
        X_arr = check_X(X, self.n_inputs, self.dtype)
        y_arr = self.prepare_targets(y)
        _check_same_length(X_arr, y_arr)
        loss, _ = self._train_step(X_arr, y_arr, l2=l2)
        return loss, self.gradients.copy()

    def compute_loss(self, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> float:
        """The loss on ``(X, y)`` (plus the L2 penalty ½·l2·ΣW² when ``l2`` > 0)."""
        X_arr = check_X(X, self.n_inputs, self.dtype)
        y_arr = self.prepare_targets(y)
        _check_same_length(X_arr, y_arr)
        return self._loss(X_arr, y_arr, l2)

    def _loss(self, X: Array, y: NDArray[Any], l2: float = 0.0) -> float:
        a = X
        for layer in self.layers[:-1]:
            a = layer.activation.forward(np.matmul(a, layer.weights) + layer.bias)
        z = np.matmul(a, self.layers[-1].weights) + self.layers[-1].bias
        if self._fused:
            loss, _ = self.loss.fused(z, y, out=z)
        else:
            loss = self.loss.value(self.output_activation.forward(z), y)
        if l2:
            loss += 0.5 * l2 * sum(float(np.vdot(lay.weights, lay.weights)) for lay in self.layers)
        return loss

    # --- training -------------------------------------------------------------------------

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
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
        dropout: float = 0.0,
        callbacks: Sequence[Callback | Any] = (),
        verbose: int = 1,
    ) -> History:
        """Train with mini-batch backpropagation; see :func:`neuronet.training.fit`."""
        from .training import fit

        return fit(
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
            dropout=dropout,
            callbacks=callbacks,
            verbose=verbose,
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
        a = check_X(arr[None, :], self.n_inputs, self.dtype)[0]
        steps = []
        for i, layer in enumerate(self.layers, start=1):
            z = a @ layer.weights + layer.bias
            out = layer.activation.forward(z)
            steps.append(
                LayerTrace(
                    i, layer.activation, a.copy(), layer.weights.copy(), layer.bias.copy(), z, out
                )
            )
            a = out
        return Trace(steps)

    def summary(self) -> str:
        """A table of the layers: shape, activation and parameter count.

        >>> print(MLP([2, 8, 3], activation="tanh", output="softmax", seed=0).summary())
        MLP 2 → 8 → 3, loss categorical_cross_entropy, float32
        layer  neurons  activation  parameters
            1        8  tanh                24
            2        3  softmax             27
        total                               51 (204 bytes)
        """
        arrows = " → ".join(map(str, self.sizes))
        lines = [
            f"MLP {arrows}, loss {self.loss.name}, {self.dtype}",
            f"{'layer':<5}  {'neurons':>7}  {'activation':<10}  {'parameters':>10}",
        ]
        for i, layer in enumerate(self.layers, start=1):
            act = layer.activation.name
            lines.append(f"{i:>5}  {layer.n_out:>7}  {act:<10}  {layer.n_parameters:>10,}")
        nbytes = self.parameters.nbytes
        lines.append(f"{'total':<26}  {self.n_parameters:>10,} ({nbytes:,} bytes)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        hidden = self.hidden_activations
        if hidden and all(act == hidden[0] for act in hidden):
            act_repr = repr(hidden[0])
        else:
            act_repr = repr(hidden)
        return (
            f"MLP({self.sizes}, activation={act_repr}, output={self.output_activation!r}, "
            f"loss={self.loss!r})"
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
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"`sizes` must contain positive integers, got {values}.")
    return [int(v) for v in values]


def _hidden_activations(
    activation: str | Activation | Sequence[str | Activation], n_hidden: int
) -> list[Activation]:
    if isinstance(activation, str | Activation | type) or activation is None:
        _activations.get(activation)  # an unknown name is an error even with no hidden layer
        spec: list[Any] = [activation] * n_hidden
    else:
        spec = list(activation)
        if len(spec) != n_hidden:
            raise ValueError(
                f"`activation` lists {len(spec)} activations but the network has {n_hidden} "
                f"hidden layers; give one per hidden layer or a single one for all."
            )
    acts: list[Activation] = []
    for item in spec:
        act = _activations.get(item)
        if act.n_parameters(1) and sum(a is act for a in acts):
            # An activation with learned parameters must not be shared between layers.
            act = _activations.get(act.name, **act.get_params())
        acts.append(act)
    return acts


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

    def lines(self, max_terms: int = 4) -> list[str]:
        n_in, n_out = self.weights.shape
        head = f"Layer {self.index}: {n_in} → {n_out}, activation {self.activation.name}"
        out = [head]
        for j in range(n_out):
            terms = [
                f"{_num(self.weights[i, j])}·{_num(self.inputs[i])}"
                for i in range(min(n_in, max_terms))
            ]
            if n_in > max_terms:
                terms.append(f"… ({n_in - max_terms} more)")
            equation = " + ".join(terms) + f" + {_num(self.bias[j])}"
            out.append(
                f"  neuron {j + 1}: z = {equation} = {_num(self.z[j])};"
                f"  a = {self.activation.name}(z) = {_num(self.a[j])}"
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
