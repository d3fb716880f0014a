r"""ONNX export and import: run a neuronet network anywhere ONNX runs, and bring MLPs back.

:func:`export` writes an :class:`~neuronet.MLP` (or a fitted
:class:`~neuronet.sklearn.NeuronetClassifier` or :class:`~neuronet.sklearn.NeuronetRegressor`)
as an ONNX graph: per dense layer one ``Gemm``
(:math:`Z = XW + b`), the layer's normalisation (``BatchNormalization`` with the running
statistics, or ``LayerNormalization``) and its activation. Every activation that ONNX has an
operator for is written as that operator (``Relu``, ``LeakyRelu``, ``PRelu`` with the learned
slopes, ``Elu``, ``Selu``, ``Sigmoid``, ``Tanh``, ``Softplus``, ``Softsign``, ``Gelu``,
``Mish``, ``Softmax``); SiLU, which has none before opset 24, is the exact composition
:math:`z\,\sigma(z)`. Dropout is the identity at prediction time and adds nothing. The file
declares the lowest opset that holds every operator used, a dynamic batch dimension, and
neuronet's configuration (and a classifier's class labels) in its metadata. With
``labels=True`` a classifier outputs ``label`` and ``probabilities``, as skl2onnx does.

:func:`load` reads a file back into an :class:`~neuronet.MLP`: neuronet's own files, and MLP
graphs made by other tools (``torch.onnx.export`` of an ``nn.Sequential`` of ``Linear`` and
supported activations; skl2onnx's ``MLPClassifier``, multilabel ones included, and
``MLPRegressor``), which can then be
inspected, explained and trained further. Anything else is refused with
:class:`ONNXConversionError`, naming the first node neuronet cannot represent; no partial
network is ever returned.

Requires the ``onnx`` package (``pip install neuronet[onnx]``); running the exported file
needs a runtime such as ``onnxruntime``.

Notes
-----
float64 networks: onnxruntime (1.32) implements ``LeakyRelu``, ``PRelu``, ``Elu``, ``Selu``,
``Softplus``, ``Softsign`` and ``Erf`` (inside ``Gelu``) for float32 only. A float64 network
therefore writes those activations as exact compositions of operators it implements in
float64 (ELU as :math:`\max(z, 0) + \alpha(e^{\min(z, 0)} - 1)`, GELU's :math:`\Phi` from a
Chebyshev expansion of erfc accurate to float64 rounding), so the file runs there and agrees
with neuronet to about 1e-15.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from neuronet import MLP
>>> import neuronet.onnx
>>> net = MLP([4, 8, 3], activation="gelu", output="softmax", seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
>>> written = neuronet.onnx.export(net, path)
>>> written.opset, written.inputs, written.outputs
(20, {'input': ['batch', 4]}, {'output': ['batch', 3]})
>>> again = neuronet.onnx.load(path)
>>> x = np.ones((2, 4), dtype=np.float32)
>>> bool(np.array_equal(again.forward(x), net.forward(x)))
True
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import activations as _activations
from . import losses as _losses
from .activations import SELU_ALPHA, SELU_SCALE, Activation
from .layers import BatchNorm, Dense, LayerNorm

if TYPE_CHECKING:
    import onnx

    from .network import MLP

__all__ = ["FORMAT", "ExportInfo", "ONNXConversionError", "export", "from_onnx", "load", "to_onnx"]

#: The value of the ``neuronet.format`` metadata entry of the files :func:`export` writes.
FORMAT = "neuronet-onnx-1"

#: The oldest opset written. onnxruntime runs opset 7 and later; ``Gemm`` broadcasts its bias
#: from opset 7 on.
MIN_OPSET = 7

#: For each operator :func:`export` may write, the first opset that defines it in the form used
#: (an operator keeps its meaning in later opsets; a later version only adds types).
OP_SINCE = {
    "Abs": 6,
    "Add": 7,
    "ArgMax": 1,
    "BatchNormalization": 9,
    "Cast": 6,
    "Concat": 4,
    "Div": 7,
    "Elu": 6,
    "Exp": 6,
    "Gather": 1,
    "Gelu": 20,
    "Gemm": 7,
    "GreaterOrEqual": 12,
    "LayerNormalization": 17,
    "LeakyRelu": 6,
    "Less": 7,
    "Log": 6,
    "Max": 8,
    "Min": 8,
    "Mish": 18,
    "Mul": 7,
    "Neg": 6,
    "PRelu": 9,
    "Relu": 6,
    "Reshape": 5,
    "Selu": 6,
    "Sigmoid": 6,
    # axis=1 of a 2-D tensor: the same under the flattening definition of opsets 1-12 and the
    # per-axis one of opset 13 on.
    "Softmax": 1,
    "Softplus": 1,
    "Softsign": 1,
    "Sub": 7,
    "Tanh": 6,
    "Where": 9,
}

_INPUT = "input"
_OUTPUT = "output"
#: The metadata entry of a file whose output is a regressor's, rescaled after a non-identity
#: output activation: an MLP cannot hold that, so :func:`load` refuses such a file.
_TARGET_SCALING = "neuronet.target_scaling"

Array = NDArray[Any]


class ONNXConversionError(ValueError):
    """A network or an ONNX file that cannot be converted: the message says what and why.

    Raised by :func:`load` for a file that is not ONNX (or is truncated) and for a graph that
    is not an MLP neuronet can represent (naming the first such node and what is supported);
    by :func:`export` for what ONNX cannot hold (class labels of mixed types). A ValueError,
    so ``except ValueError`` catches it.
    """


@dataclass(frozen=True)
class ExportInfo:
    """What :func:`export` wrote.

    Attributes
    ----------
    path : pathlib.Path
        The file written.
    opset : int
        The default-domain opset the graph declares: the lowest that holds every operator.
    inputs, outputs : dict of str to list
        Each graph input's and output's name -> its shape, ``"batch"`` for the dynamic batch
        dimension.
    """

    path: Path
    opset: int
    inputs: dict[str, list[int | str]]
    outputs: dict[str, list[int | str]]

    def as_dict(self) -> dict[str, Any]:
        """The same as plain JSON-able values."""
        return {
            "path": str(self.path),
            "opset": self.opset,
            "inputs": self.inputs,
            "outputs": self.outputs,
        }


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "neuronet.onnx needs the 'onnx' package: pip install 'neuronet[onnx]' "
            "(or pip install onnx)."
        ) from None
    return onnx


# =============================================================================================
# Export
# =============================================================================================


class _Graph:
    """The nodes and initializers of the graph being written, and the operators they use."""

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.onnx = _onnx()
        self.dtype = dtype
        self.elem_type = self.onnx.helper.np_dtype_to_tensor_dtype(dtype)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.ops: set[str] = set()
        # The public names, reserved: only _rename_output gives them to a tensor.
        self._names: set[str] = {_INPUT, _OUTPUT, "label", "probabilities"}
        self._constants: dict[tuple[str, bytes], str] = {}

    def _fresh(self, stem: str) -> str:
        name, i = stem, 1
        while name in self._names:
            i += 1
            name = f"{stem}_{i}"
        self._names.add(name)
        return name

    def tensor(self, name: str, value: Any, dtype: Any = None) -> str:
        """Add an initializer named ``name`` holding ``value`` (the graph's dtype by default)."""
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        name = self._fresh(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def constant(self, value: float) -> str:
        """A scalar of the graph's dtype, shared by every node that uses the same number."""
        array = np.asarray(value, dtype=self.dtype)
        key = (str(array.dtype), array.tobytes())
        if key not in self._constants:
            self._constants[key] = self.tensor(f"const.{value:.6g}", array)
        return self._constants[key]

    def node(self, op: str, inputs: Sequence[str], stem: str, **attrs: Any) -> str:
        """Add one node; return the name of its (single) output."""
        out = self._fresh(stem)
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [out], name=out, **attrs))
        self.ops.add(op)
        return out

    def opset(self) -> int:
        return max([MIN_OPSET, *(OP_SINCE[op] for op in self.ops)])


# One converter per activation: (graph, input, activation, learned parameters, stem) -> output.
Converter = Callable[[_Graph, str, Activation, Array, str], str]
_CONVERTERS: dict[str, Converter] = {}


def _converter(*names: str) -> Callable[[Converter], Converter]:
    def register(function: Converter) -> Converter:
        for name in names:
            _CONVERTERS[name] = function
        return function

    return register


def _f64(g: _Graph) -> bool:
    # See the module's Notes: operators onnxruntime implements in float32 only.
    return bool(g.dtype == np.float64)


@_converter("identity")
def _identity(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    return x


@_converter("relu", "sigmoid", "tanh", "mish")
def _native(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    op = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "mish": "Mish"}[act.name]
    return g.node(op, [x], stem)


@_converter("softmax")
def _softmax(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    return g.node("Softmax", [x], stem, axis=1)


@_converter("leaky_relu")
def _leaky_relu(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    slope = act.negative_slope
    if not _f64(g):
        return g.node("LeakyRelu", [x], stem, alpha=slope)
    # max(z, a z) = leaky_relu(z) for 0 <= a < 1, the only slopes LeakyReLU accepts.
    return g.node("Max", [x, g.node("Mul", [x, g.constant(slope)], stem)], stem)


@_converter("prelu")
def _prelu(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    slopes = g.tensor(f"{stem}.activation", params)
    if not _f64(g):
        return g.node("PRelu", [x, slopes], stem)
    # relu(z) + a min(z, 0): z for z > 0 (z + a·0), a z otherwise (0 + a z), for any a.
    negative = g.node("Mul", [slopes, g.node("Min", [x, g.constant(0.0)], stem)], stem)
    return g.node("Add", [g.node("Relu", [x], stem), negative], stem)


def _elu_composed(g: _Graph, x: str, alpha: float, stem: str) -> str:
    # relu(z) + alpha (exp(min(z, 0)) - 1): z for z > 0 (the second term is exactly 0).
    exp = g.node("Exp", [g.node("Min", [x, g.constant(0.0)], stem)], stem)
    expm1 = g.node("Sub", [exp, g.constant(1.0)], stem)
    scaled = g.node("Mul", [expm1, g.constant(alpha)], stem)
    return g.node("Add", [g.node("Relu", [x], stem), scaled], stem)


@_converter("elu")
def _elu(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    alpha = float(act.get_params()["alpha"])
    if not _f64(g):
        return g.node("Elu", [x], stem, alpha=alpha)
    return _elu_composed(g, x, alpha, stem)


@_converter("selu")
def _selu(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    if not _f64(g):
        return g.node("Selu", [x], stem, alpha=SELU_ALPHA, gamma=SELU_SCALE)
    return g.node("Mul", [_elu_composed(g, x, SELU_ALPHA, stem), g.constant(SELU_SCALE)], stem)


@_converter("softplus")
def _softplus(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    if not _f64(g):
        return g.node("Softplus", [x], stem)
    # max(z, 0) + log(1 + exp(-|z|)): no exponential of a positive number, so no overflow.
    tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [x], stem)], stem)], stem)
    log1p = g.node("Log", [g.node("Add", [tail, g.constant(1.0)], stem)], stem)
    return g.node("Add", [g.node("Relu", [x], stem), log1p], stem)


@_converter("softsign")
def _softsign(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    if not _f64(g):
        return g.node("Softsign", [x], stem)
    denominator = g.node("Add", [g.node("Abs", [x], stem), g.constant(1.0)], stem)
    return g.node("Div", [x, denominator], stem)


@_converter("gelu")
def _gelu(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    approximate = act.get_params()["approximate"]
    if not _f64(g):
        return g.node("Gelu", [x], stem, approximate=str(approximate))
    if approximate == "tanh":
        # z σ(2u), u = √(2/π) (z + 0.044715 z³): neuronet's own form of z (1 + tanh u) / 2.
        cube = g.node("Mul", [x, g.node("Mul", [x, x], stem)], stem)
        inner = g.node("Add", [x, g.node("Mul", [cube, g.constant(0.044715)], stem)], stem)
        two_u = g.node("Mul", [inner, g.constant(2.0 * math.sqrt(2.0 / math.pi))], stem)
        return g.node("Mul", [x, g.node("Sigmoid", [two_u], stem)], stem)
    # z Φ(z), Φ from a float64 erfc (onnxruntime has no float64 Erf): with
    # e = erfc(|z|/√2), Φ(z) = e/2 for z < 0 and 1 - e/2 otherwise, no cancellation in the tail.
    scaled = g.node("Mul", [g.node("Abs", [x], stem), g.constant(math.sqrt(0.5))], stem)
    e = _erfc_nonnegative(g, scaled, stem)
    half = g.node("Mul", [e, g.constant(0.5)], stem)
    negative = g.node("Less", [x, g.constant(0.0)], stem)
    cdf = g.node("Where", [negative, half, g.node("Sub", [g.constant(1.0), half], stem)], stem)
    return g.node("Mul", [x, cdf], stem)


#: Chebyshev coefficients of erfc on [0, ∞) (Press et al., *Numerical Recipes*, 3rd ed.,
#: §6.2.2, ``Erf::erfccheb``): relative error about 1e-16 where exp(-a²) is exact.
_ERFC_CHEBYSHEV = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12,
    -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15,
    -9.4e-17, 1.21e-16, -2.8e-17,
)  # fmt: skip


def _erfc_nonnegative(g: _Graph, a: str, stem: str) -> str:
    r"""erfc(a) for a ≥ 0: :math:`t\,e^{-a^2 + (c_0 + y d)/2 - d'}`, with :math:`t = 2/(2 + a)`,
    :math:`y = 4t - 2` and :math:`d, d'` from Clenshaw's recurrence over the coefficients."""
    cof = _ERFC_CHEBYSHEV
    t = g.node("Div", [g.constant(2.0), g.node("Add", [a, g.constant(2.0)], stem)], stem)
    y = g.node("Sub", [g.node("Mul", [t, g.constant(4.0)], stem), g.constant(2.0)], stem)
    # Clenshaw: d <- y d - d' + c_j, d' <- d, for j = n-1 .. 1; the first two steps folded.
    d = g.node("Add", [g.node("Mul", [y, g.constant(cof[-1])], stem), g.constant(cof[-2])], stem)
    dd = g.constant(cof[-1])
    for c in reversed(cof[1:-2]):
        step = g.node("Sub", [g.node("Mul", [y, d], stem), dd], stem)
        d, dd = g.node("Add", [step, g.constant(c)], stem), d
    total = g.node("Add", [g.node("Mul", [y, d], stem), g.constant(cof[0])], stem)
    half = g.node("Mul", [total, g.constant(0.5)], stem)
    exponent = g.node("Sub", [g.node("Sub", [half, g.node("Mul", [a, a], stem)], stem), dd], stem)
    return g.node("Mul", [t, g.node("Exp", [exponent], stem)], stem)


@_converter("silu")
def _silu(g: _Graph, x: str, act: Activation, params: Array, stem: str) -> str:
    # ONNX has no SiLU before opset 24's Swish; z σ(z) is its definition.
    return g.node("Mul", [x, g.node("Sigmoid", [x], stem)], stem)


def _dense(g: _Graph, x: str, layer: Dense, stem: str) -> str:
    """``Gemm``, the normalisation, the activation: one dense layer at prediction time."""
    weights = g.tensor(f"{stem}.weights", layer.weights)
    bias = g.tensor(f"{stem}.bias", layer.bias)
    z = g.node("Gemm", [x, weights, bias], stem)
    norm = layer.norm
    if isinstance(norm, BatchNorm):
        # Prediction normalises with the running statistics: an affine map per feature.
        inputs = [
            g.tensor(f"{stem}.norm.{key}", value) for key, value in norm.tensors().items()
        ]  # scale, shift, running_mean, running_var: BatchNormalization's order
        z = g.node("BatchNormalization", [z, *inputs], stem, epsilon=norm.eps)
    elif isinstance(norm, LayerNorm):
        scale = g.tensor(f"{stem}.norm.scale", norm.scale)
        shift = g.tensor(f"{stem}.norm.shift", norm.shift)
        z = g.node("LayerNormalization", [z, scale, shift], stem, axis=-1, epsilon=norm.eps)
    elif norm is not None:
        raise ONNXConversionError(f"{stem}: no ONNX export for normalisation {norm!r}.")
    act = layer.activation
    converter = _CONVERTERS.get(act.name)
    if converter is None:
        raise ONNXConversionError(
            f"{stem}: no ONNX converter for activation {act!r}; supported: "
            f"{', '.join(sorted(_CONVERTERS))}."
        )
    return converter(g, z, act, np.asarray(layer.activation_parameters), stem)


def _label_values(classes: list[Any] | None) -> tuple[Array | None, Any]:
    """The classes as an array for ``Gather`` (None for 0..k-1) and the label tensor type."""
    if classes is None:
        return None, np.int64
    if all(isinstance(c, str) for c in classes):
        return np.array(classes, dtype=object), object
    if all(isinstance(c, bool | np.bool_) for c in classes):
        return np.array(classes, dtype=bool), bool
    if not any(isinstance(c, bool | np.bool_) for c in classes):
        if all(isinstance(c, numbers.Integral) for c in classes):
            return np.array(classes, dtype=np.int64), np.int64
        if all(isinstance(c, numbers.Real) for c in classes):
            return np.array(classes, dtype=np.float64), np.float64
    kinds = {type(c) for c in classes}
    raise ONNXConversionError(
        f"The network's classes {classes!r} mix types {sorted(k.__name__ for k in kinds)}; an "
        f"ONNX label output holds one type (strings, integers, floats or booleans). Export "
        f"with labels=False, or give the network classes of one type."
    )


def _label_head(g: _Graph, net: MLP, a: str) -> tuple[str, str]:
    """``label`` and ``probabilities`` from the output layer's activations ``a``."""
    classes, label_type = _label_values(net.classes)
    if isinstance(net.loss, _losses.CategoricalCrossEntropy):
        index = g.node("ArgMax", [a], "label", axis=1, keepdims=0)  # first maximum, as NumPy
        probabilities = a
    else:
        # Independent yes/no outputs: a >= 0.5, one column per output (squeezed for one).
        positive = g.node("GreaterOrEqual", [a, g.constant(0.5)], "label")
        index = g.node("Cast", [positive], "label", to=g.onnx.TensorProto.INT64)
        if net.n_outputs == 1:
            flat = g.tensor("label.shape", [-1], dtype=np.int64)
            index = g.node("Reshape", [index, flat], "label")
            negative = g.node("Sub", [g.constant(1.0), a], "probabilities")
            probabilities = g.node("Concat", [negative, a], "probabilities", axis=1)
        else:
            probabilities = a
    label = index
    if classes is not None:
        label = g.node("Gather", [g.tensor("classes", classes, dtype=label_type), index], "label")
    return label, probabilities


def _rename_output(g: _Graph, old: str, new: str) -> str:
    """Make the node that produces ``old`` write ``new`` instead (an output's public name)."""
    if old == new:
        return new
    for node in g.nodes:
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
    g._names.add(new)
    return new


def _ir_version(onnx: Any, opset: int) -> int:
    """The IR version of the first ONNX release with ``opset``, and at least 4.

    An old IR version lets older runtimes read the file; IR 4 is the first in which
    initializers need not also be listed as graph inputs.
    """
    for _release, ir_version, ai_onnx, *_ in onnx.helper.VERSION_TABLE:
        if ai_onnx >= opset:
            return max(int(ir_version), 4)
    return int(onnx.IR_VERSION)


def _network_to_write(net: Any) -> tuple[MLP, tuple[Array, Array] | None]:
    """The network ``net`` is, and the target scaling to apply after its output, if any.

    A fitted NeuronetClassifier is its ``model_``. A NeuronetRegressor predicts
    ``model_.forward(X) * y_scale_ + y_mean_``: with an identity output that affine map is
    folded into a copy of the output layer (:math:`W s`, :math:`b s + m`); after any other
    output it is returned, to be written as ``Mul`` and ``Add``.
    """
    from .network import MLP

    if isinstance(net, MLP):
        return net, None
    # Only an estimator's own module can have made one: never import scikit-learn here.
    estimators = sys.modules.get("neuronet.sklearn")
    if estimators is None or not isinstance(
        net, estimators.NeuronetClassifier | estimators.NeuronetRegressor
    ):
        raise TypeError(
            f"`net` must be a neuronet MLP or a fitted NeuronetClassifier or "
            f"NeuronetRegressor, got {type(net).__name__}."
        )
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(net)
    model: MLP = net.model_
    if not isinstance(net, estimators.NeuronetRegressor):
        return model, None
    scale = np.asarray(net.y_scale_, dtype=np.float64)
    mean = np.asarray(net.y_mean_, dtype=np.float64)
    if np.all(scale == 1.0) and np.all(mean == 0.0):
        return model, None
    if not isinstance(model.output_activation, _activations.Identity):
        return model, (scale, mean)
    folded = copy.deepcopy(model)
    last = folded.dense_layers[-1]
    last.weights[...] = last.weights.astype(np.float64) * scale
    last.bias[...] = last.bias.astype(np.float64) * scale + mean
    return folded, None


def to_onnx(net: MLP | Any, *, labels: bool = False, opset: int | None = None) -> onnx.ModelProto:
    r"""The network as an in-memory ONNX model (what :func:`export` writes).

    Parameters
    ----------
    net : MLP, NeuronetClassifier or NeuronetRegressor
        The network, in prediction mode: batch norm with its running statistics, no dropout.
        A fitted estimator of :mod:`neuronet.sklearn` is written as its ``predict`` computes:
        a regressor's output in ``y``'s units (its target scaling ``y_scale_``, ``y_mean_``
        folded into the last ``Gemm`` after an identity output, else a ``Mul`` and an
        ``Add`` after the output), of shape ``(batch, n_outputs)``.
    labels : bool, default=False
        For a classifier whose outputs are probabilities: output ``label`` (shape
        ``(batch,)``, the network's classes or 0..k-1; ``(batch, k)`` for several independent
        sigmoid outputs) and ``probabilities`` (what ``predict_proba`` returns: two columns
        for one sigmoid output) instead of ``output`` (what ``forward`` returns).
    opset : int, optional
        The opset to declare; by default the lowest that holds every operator used, which is
        also the least it may be.

    Returns
    -------
    onnx.ModelProto
        Input ``input`` of shape ``(batch, n_inputs)`` and the network's dtype.

    Raises
    ------
    TypeError
        If ``net`` is neither an MLP nor a neuronet estimator.
    sklearn.exceptions.NotFittedError
        For an estimator that is not fitted.
    ValueError
        For ``labels=True`` on a network without probabilities, or an ``opset`` too low.
    ONNXConversionError
        For classes of mixed types with ``labels=True``.
    """
    onnx = _onnx()
    net, target = _network_to_write(net)
    if not isinstance(labels, bool | np.bool_):
        raise TypeError(f"`labels` must be True or False, got {labels!r}.")
    if labels:
        try:
            net.head.probabilities(np.zeros((1, net.n_outputs), dtype=net.dtype))
        except TypeError as err:
            raise ValueError(f"`labels=True` outputs class probabilities, but {err}") from None
    g = _Graph(net.dtype)
    a = _INPUT
    for i, layer in enumerate(net.dense_layers):
        a = _dense(g, a, layer, f"layers.{i}")
    if target is not None:  # a regressor's target scaling, after a non-identity output
        scale, mean = target
        a = g.node("Mul", [a, g.tensor("target.scale", scale.astype(net.dtype))], "target")
        a = g.node("Add", [a, g.tensor("target.mean", mean.astype(net.dtype))], "target")
    if labels:
        label, probabilities = _label_head(g, net, a)
        label = _rename_output(g, label, "label")
        probabilities = _rename_output(g, probabilities, "probabilities")
        label_type = _label_values(net.classes)[1]
        one_label = net.n_outputs == 1 or isinstance(net.loss, _losses.CategoricalCrossEntropy)
        label_shape: list[Any] = ["batch"] if one_label else ["batch", net.n_outputs]
        n_columns = max(net.n_outputs, 2)
        outputs = [
            onnx.helper.make_tensor_value_info(
                label, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(label_type)), label_shape
            ),
            onnx.helper.make_tensor_value_info(probabilities, g.elem_type, ["batch", n_columns]),
        ]
    else:
        a = _rename_output(g, a, _OUTPUT)  # the last node: there is always a Gemm
        outputs = [onnx.helper.make_tensor_value_info(a, g.elem_type, ["batch", net.n_outputs])]
    needed, newest = g.opset(), int(onnx.defs.onnx_opset_version())
    if opset is None:
        opset = needed
    elif isinstance(opset, bool) or not isinstance(opset, int) or not needed <= opset <= newest:
        uses = ", ".join(sorted(op for op in g.ops if OP_SINCE[op] == needed))
        raise ValueError(
            f"`opset` must be an integer from {needed} (this network uses {uses}, defined from "
            f"opset {needed} on) to {newest} (the newest this onnx {onnx.__version__} knows), "
            f"got {opset!r}."
        )
    graph = onnx.helper.make_graph(
        g.nodes,
        "neuronet_mlp",
        [onnx.helper.make_tensor_value_info(_INPUT, g.elem_type, ["batch", net.n_inputs])],
        outputs,
        g.initializers,
        doc_string=net.summary(),
    )
    model = onnx.helper.make_model(
        graph,
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="neuronet",
        producer_version=_version(),
        doc_string=f"neuronet {net!r}",
    )
    model.ir_version = _ir_version(onnx, opset)
    metadata = {
        "neuronet.format": FORMAT,
        "neuronet.version": _version(),
        "neuronet.config": json.dumps(net.get_config()),
    }
    if net.classes is not None:
        metadata["classes"] = json.dumps(net.classes)
    if target is not None:
        metadata[_TARGET_SCALING] = json.dumps(
            {"scale": target[0].tolist(), "mean": target[1].tolist()}
        )
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def _version() -> str:
    from . import __version__

    return __version__


def _shapes(values: Sequence[Any]) -> dict[str, list[int | str]]:
    return {
        value.name: [
            dim.dim_param if dim.HasField("dim_param") else int(dim.dim_value)
            for dim in value.type.tensor_type.shape.dim
        ]
        for value in values
    }


def export(
    net: MLP | Any,
    path: str | os.PathLike[str],
    *,
    labels: bool = False,
    opset: int | None = None,
) -> ExportInfo:
    r"""Write ``net`` to ``path`` as an ONNX file, atomically.

    The graph is, per dense layer, ``Gemm`` (:math:`Z = XW + b`), the normalisation
    (``BatchNormalization`` or ``LayerNormalization``) and the activation's own ONNX operator
    (SiLU as :math:`z\,\sigma(z)`); see the module documentation. The file passes
    ``onnx.checker.check_model(full_check=True)`` and runs in onnxruntime.

    Parameters
    ----------
    net : MLP, NeuronetClassifier or NeuronetRegressor
        A network, or a fitted estimator of :mod:`neuronet.sklearn`, written as its
        ``predict`` computes; see :func:`to_onnx`.
    path : str or os.PathLike
        The ``.onnx`` file to write; an existing file is replaced, in one rename, once the new
        bytes are on disk (as :func:`neuronet.io.save`).
    labels : bool, default=False
        Output ``label`` and ``probabilities`` instead of ``output``; see :func:`to_onnx`.
    opset : int, optional
        By default the lowest opset that holds every operator used.

    Returns
    -------
    ExportInfo
        The path, the opset, and the inputs' and outputs' names and shapes.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    TypeError, ValueError, ONNXConversionError
        As :func:`to_onnx`.

    Examples
    --------
    >>> import os, tempfile
    >>> from neuronet import MLP
    >>> net = MLP([2, 3, 1], output="sigmoid", classes=["no", "yes"], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> export(net, path, labels=True).outputs
    {'label': ['batch'], 'probabilities': ['batch', 2]}
    """
    path = Path(path)
    model = to_onnx(net, labels=labels, opset=opset)
    from .io import atomic_file

    with atomic_file(path, what="ONNX model", example="model.onnx") as handle:
        handle.write(model.SerializeToString())
    graph = model.graph
    return ExportInfo(
        path, int(model.opset_import[0].version), _shapes(graph.input), _shapes(graph.output)
    )


# =============================================================================================
# Import
# =============================================================================================

#: Operators :func:`load` reads as the activation of the layer before, and the activation.
_ACTIVATION_OPS = {
    "Relu": "relu",
    "LeakyRelu": "leaky_relu",
    "PRelu": "prelu",
    "Elu": "elu",
    "Selu": "selu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softplus": "softplus",
    "Softsign": "softsign",
    "Gelu": "gelu",
    "Mish": "mish",
    "Softmax": "softmax",
}
#: What a graph may do after the network's output to turn it into labels (skl2onnx's head).
_LABEL_OPS = {
    "ArgMax",
    "ArrayFeatureExtractor",
    "Binarizer",
    "Cast",
    "Flatten",
    "Gather",
    "Greater",
    "GreaterOrEqual",
    "Identity",
    "Reshape",
    "Squeeze",
    "ZipMap",
}
_SUPPORTED = (
    "Gemm, MatMul (+ Add), BatchNormalization, LayerNormalization, "
    + ", ".join(_ACTIVATION_OPS)
    + ", x·Sigmoid(x) (SiLU), x·Tanh(Softplus(x)) (mish), Identity, Dropout and Cast of the input"
)


@dataclass
class _Layer:
    """One dense layer found in a graph: weights (n_in, n_out), bias, norm, activation."""

    weights: Array
    bias: Array
    norm: tuple[str, dict[str, Array], float] | None = None
    activation: Activation | None = None
    activation_parameters: Array | None = None


class _Reader:
    """Walks an ONNX graph from its input along the chain of nodes an MLP is made of."""

    def __init__(self, model: Any) -> None:
        self.onnx = _onnx()
        self.model = model
        graph = model.graph
        self.graph = graph
        self.constants: dict[str, Array] = {
            init.name: self.onnx.numpy_helper.to_array(init) for init in graph.initializer
        }
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                attr = {a.name: a for a in node.attribute}
                if "value" in attr:
                    value = self.onnx.numpy_helper.to_array(attr["value"].t)
                    self.constants[node.output[0]] = value
        # An Identity of a constant is that constant: PyTorch's TorchScript exporter writes
        # one where two parameters hold the same values (an untrained BatchNorm's running
        # variance and its scale, both ones).
        folded = True
        while folded:
            folded = False
            for node in graph.node:
                if (
                    node.op_type == "Identity"
                    and node.input[0] in self.constants
                    and node.output[0] not in self.constants
                ):
                    self.constants[node.output[0]] = self.constants[node.input[0]]
                    folded = True
        self.nodes = [
            n
            for n in graph.node
            if n.op_type != "Constant"
            and not (n.op_type == "Identity" and n.input[0] in self.constants)
        ]
        self.outputs = {value.name for value in graph.output}
        self.visited: set[int] = set()

    def describe(self, node: Any) -> str:
        index = list(self.graph.node).index(node)
        name = f" {node.name!r}" if node.name else ""
        domain = f" (domain {node.domain})" if node.domain not in ("", "ai.onnx") else ""
        return f"node {index}{name}, a {node.op_type}{domain}"

    def refuse(self, node: Any, why: str) -> ONNXConversionError:
        return ONNXConversionError(
            f"The ONNX graph is not an MLP neuronet can represent: {self.describe(node)}, "
            f"{why.rstrip('.')}. Supported: {_SUPPORTED}."
        )

    def consumers(self, tensor: str) -> list[Any]:
        return [n for n in self.nodes if tensor in n.input]

    def data_input(self) -> str:
        inputs = [v for v in self.graph.input if v.name not in self.constants]
        if len(inputs) != 1:
            raise ONNXConversionError(
                f"The ONNX graph has {len(inputs)} inputs ({[v.name for v in inputs]}); a "
                f"neuronet MLP has one, of shape (batch, n_inputs)."
            )
        value = inputs[0]
        tensor_type = value.type.tensor_type
        dims = tensor_type.shape.dim
        if value.type.HasField("tensor_type") and tensor_type.HasField("shape") and len(dims) != 2:
            raise ONNXConversionError(
                f"The ONNX graph's input {value.name!r} has {len(dims)} dimensions; a neuronet "
                f"MLP reads (batch, n_inputs)."
            )
        return str(value.name)

    def attrs(self, node: Any) -> dict[str, Any]:
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}

    def const(self, node: Any, index: int, what: str) -> Array:
        if index >= len(node.input) or node.input[index] not in self.constants:
            raise self.refuse(node, f"its {what} is not a constant")
        return np.asarray(self.constants[node.input[index]])

    def sole_data_input(self, node: Any, tensor: str) -> None:
        others = [t for t in node.input if t and t != tensor and t not in self.constants]
        if others:
            raise self.refuse(
                node, f"it joins two branches ({tensor!r} and {others[0]!r}); an MLP is a chain"
            )

    def read(self) -> tuple[list[_Layer], list[Any] | None, bool, bool]:
        """The layers, the classes (from skl2onnx's label head), whether the graph's
        output is one sigmoid unit written as two probability columns, and whether its labels
        are each output thresholded at 0.5 (skl2onnx's multilabel head)."""
        current = self.data_input()
        layers: list[_Layer] = []
        two_columns = False
        first = True
        while True:
            users = self.consumers(current)
            if not users:
                if current not in self.outputs:
                    raise ONNXConversionError(
                        f"The ONNX graph's chain of layers ends in {current!r}, which is not "
                        f"one of its outputs {sorted(self.outputs)}: it is not an MLP neuronet "
                        f"can represent."
                    )
                break
            if self._only_labels_after(current):
                break  # what follows turns the network's output into labels (skl2onnx)
            ops = sorted(n.op_type for n in users)
            if ops in (
                ["Mul", "Sigmoid"],
                ["Abs", "Div"],
                ["Greater", "Softplus", "Where"],
                ["Mul", "Softplus"],
            ):
                current = self._composition(users, current, layers)
                continue
            if len(users) == 2 and ops == ["Concat", "Sub"]:
                current = self._two_columns(users, current)
                two_columns = True
                continue
            if ops == ["Binarizer", "Concat", "Sub"]:
                # skl2onnx's head for two labels (a multilabel MLPClassifier): the labels, and
                # Concat(1 - p, p) as if for one sigmoid unit. The network ends here.
                self._two_columns([n for n in users if n.op_type != "Binarizer"], current)
                break
            if len(users) > 1:
                names = ", ".join(self.describe(n) for n in users)
                raise ONNXConversionError(
                    f"The ONNX graph is not an MLP neuronet can represent: tensor {current!r} "
                    f"branches into {len(users)} nodes ({names}); an MLP is one chain of "
                    f"layers. Supported: {_SUPPORTED}."
                )
            node = users[0]
            self.sole_data_input(node, current)
            self.visited.add(id(node))
            current = self._step(node, current, layers, first)
            first = False
        for node in self.nodes:
            if id(node) not in self.visited and node.op_type not in _LABEL_OPS:
                raise self.refuse(node, "a node off the chain of layers (a branch)")
        if not layers:
            raise ONNXConversionError(
                "The ONNX graph has no Gemm or MatMul: there is no dense layer to read."
            )
        return layers, self._classes(), two_columns, self._thresholded()

    def _thresholded(self) -> bool:
        """Whether the labels are ``Binarizer(threshold=0.5)`` of the outputs (multilabel).

        Another threshold is refused: the network's ``predict`` thresholds at 0.5.
        """
        found = False
        for node in self.nodes:
            if node.op_type == "Binarizer":
                threshold = float(self.attrs(node).get("threshold", 0.0))  # ONNX's default
                if threshold != 0.5:
                    raise self.refuse(
                        node,
                        f"labels thresholded at {threshold:g}; a neuronet network's predict "
                        f"thresholds each output at 0.5",
                    )
                found = True
        return found

    def _only_labels_after(self, tensor: str) -> bool:
        """Whether every node computed from ``tensor`` is one of skl2onnx's label operators."""
        seen: set[int] = set()
        frontier = [tensor]
        while frontier:
            for node in self.consumers(frontier.pop()):
                if node.op_type not in _LABEL_OPS:
                    return False
                if id(node) not in seen:
                    seen.add(id(node))
                    frontier.extend(node.output)
        return True

    def _step(self, node: Any, current: str, layers: list[_Layer], first: bool) -> str:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise self.refuse(node, "an operator outside the standard ONNX domain")
        out = str(node.output[0])
        if op == "Cast" and first and not layers:
            if self.attrs(node).get("to") not in (1, 11):  # float, double
                raise self.refuse(node, "a cast of the input to a type other than float")
            return out
        if op in ("Identity", "Dropout"):
            return out
        if op == "Gemm":
            if node.input[0] != current:
                raise self.refuse(node, "not a product of the batch with a weight matrix")
            layers.append(self._gemm(node))
            return out
        if op == "MatMul":
            weights = self.const(node, 1, "weight matrix")
            if node.input[0] != current or weights.ndim != 2:
                raise self.refuse(node, "not a product of the batch with a weight matrix")
            bias = np.zeros(weights.shape[1], dtype=weights.dtype)
            users = self.consumers(out)
            if len(users) == 1 and users[0].op_type == "Add" and out not in self.outputs:
                add = users[0]
                other = [t for t in add.input if t != out]
                if len(other) == 1 and other[0] in self.constants:
                    bias = self._bias(add, self.constants[other[0]], weights.shape[1])
                    out = str(add.output[0])
                    self.visited.add(id(add))
            layers.append(_Layer(weights, bias))
            return out
        if op in ("BatchNormalization", "LayerNormalization"):
            layer = self._last_bare(node, layers, "a normalisation")
            if layer.norm is not None:
                raise self.refuse(node, "a second normalisation of the same layer")
            layer.norm = self._norm(node)
            return out
        if op in _ACTIVATION_OPS:
            layer = self._last_bare(node, layers, "an activation")
            layer.activation, layer.activation_parameters = self._activation(node)
            return out
        raise self.refuse(node, "an operator neuronet has no layer for")

    def _last_bare(self, node: Any, layers: list[_Layer], what: str) -> _Layer:
        if not layers:
            raise self.refuse(node, f"{what} before any Gemm or MatMul")
        if layers[-1].activation is not None:
            raise self.refuse(
                node,
                f"{what} after the activation {layers[-1].activation.name!r}: neuronet applies "
                f"one activation per layer, after its normalisation",
            )
        return layers[-1]

    def _bias(self, node: Any, value: Array, n_out: int) -> Array:
        value = np.asarray(value)
        if value.size == 1:
            return np.full(n_out, value.reshape(()), dtype=value.dtype)
        if value.size != n_out or value.ndim > 2 or (value.ndim == 2 and value.shape[0] != 1):
            raise self.refuse(node, f"its bias of shape {value.shape} is not one per neuron")
        return value.reshape(n_out)

    def _gemm(self, node: Any) -> _Layer:
        attrs = self.attrs(node)
        if attrs.get("transA", 0):
            raise self.refuse(node, "it transposes the batch (transA=1)")
        weights = self.const(node, 1, "weight matrix")
        if weights.ndim != 2:
            raise self.refuse(node, f"its weights have shape {weights.shape}, not a matrix")
        if attrs.get("transB", 0):
            weights = weights.T
        weights = weights * attrs.get("alpha", 1.0) if attrs.get("alpha", 1.0) != 1.0 else weights
        n_out = weights.shape[1]
        if len(node.input) > 2 and node.input[2]:
            bias = self._bias(node, self.const(node, 2, "bias"), n_out)
            beta = attrs.get("beta", 1.0)
            bias = bias * beta if beta != 1.0 else bias
        else:
            bias = np.zeros(n_out, dtype=weights.dtype)
        return _Layer(np.ascontiguousarray(weights), bias)

    def _norm(self, node: Any) -> tuple[str, dict[str, Array], float]:
        attrs = self.attrs(node)
        eps = float(attrs.get("epsilon", 1e-5))
        if node.op_type == "BatchNormalization":
            if attrs.get("training_mode", 0) or (len(node.output) > 1 and any(node.output[1:])):
                raise self.refuse(node, "batch normalisation in training mode")
            names = ("scale", "shift", "running_mean", "running_var")
            arrays = {k: self.const(node, i + 1, k).reshape(-1) for i, k in enumerate(names)}
            return "batch", arrays, eps
        if attrs.get("axis", -1) not in (-1, 1):
            raise self.refuse(node, f"layer normalisation over axis {attrs['axis']}, not -1")
        scale = self.const(node, 1, "scale").reshape(-1)
        shift = (
            self.const(node, 2, "bias").reshape(-1)
            if len(node.input) > 2 and node.input[2]
            else np.zeros_like(scale)
        )
        return "layer", {"scale": scale, "shift": shift}, eps

    def _activation(self, node: Any) -> tuple[Activation, Array | None]:
        attrs = self.attrs(node)
        name = _ACTIVATION_OPS[node.op_type]
        try:
            if name == "leaky_relu":
                slope = _attribute_float(attrs.get("alpha", 0.01))
                return _activations.get(name, negative_slope=slope), None
            if name == "elu":
                return _activations.get(
                    name, alpha=_attribute_float(attrs.get("alpha", 1.0))
                ), None
            if name == "selu":
                alpha = float(attrs.get("alpha", SELU_ALPHA))
                gamma = float(attrs.get("gamma", SELU_SCALE))
                if not (
                    math.isclose(alpha, SELU_ALPHA, rel_tol=1e-6)
                    and math.isclose(gamma, SELU_SCALE, rel_tol=1e-6)
                ):
                    raise self.refuse(
                        node,
                        f"a SELU with alpha={alpha}, gamma={gamma}; neuronet's SELU has "
                        f"alpha={SELU_ALPHA}, gamma={SELU_SCALE}",
                    )
                return _activations.get(name), None
            if name == "gelu":
                approximate = attrs.get("approximate", b"none")
                if isinstance(approximate, bytes):
                    approximate = approximate.decode()
                return _activations.get(name, approximate=approximate), None
            if name == "softmax":
                axis = attrs.get("axis", -1 if _opset(self.model) >= 13 else 1)
                if axis not in (-1, 1):
                    raise self.refuse(node, f"a softmax over axis {axis}, not the last")
                return _activations.get(name), None
            if name == "prelu":
                slopes = self.const(node, 1, "slope").reshape(-1)
                act = _activations.get(name, per_neuron=slopes.size > 1)
                return act, slopes
            return _activations.get(name), None
        except ValueError as err:
            if isinstance(err, ONNXConversionError):
                raise
            raise self.refuse(node, f"whose parameters neuronet refuses: {err}") from None

    def _composition(self, users: list[Any], current: str, layers: list[_Layer]) -> str:
        r"""An activation written as several nodes reading ``x``, as exporters write them.

        ``x·Sigmoid(x)`` (SiLU); ``x / (1 + |x|)`` (softsign, PyTorch); ``x·Tanh(Softplus(x))``
        (mish, PyTorch's TorchScript exporter); and PyTorch's softplus
        ``Where(x > 20, x, Softplus(x))``, which differs from the exact softplus by less than
        :math:`e^{-20} = 2 \cdot 10^{-9}`.
        """
        by_op = {n.op_type: n for n in users}
        last = by_op.get("Mul") or by_op.get("Div") or by_op["Where"]
        inner = [n for n in users if n is not last]
        name, why = "silu", "a product that is not x·Sigmoid(x)"
        if "Sigmoid" in by_op:
            ok = sorted(last.input) == sorted([current, by_op["Sigmoid"].output[0]])
        elif "Abs" in by_op:
            name, why = "softsign", "a quotient that is not x / (1 + |x|)"
            ok = list(last.input[:1]) == [current] and self._is_one_plus(
                last.input[1], by_op["Abs"]
            )
            inner += [n for n in self.nodes if n.output and n.output[0] == last.input[1]]
        elif "Mul" in by_op:
            name, why = "mish", "a product that is not x·Tanh(Softplus(x))"
            softplus = by_op["Softplus"]
            tanh = next(
                (
                    n
                    for n in self.nodes
                    if n.op_type == "Tanh" and list(n.input) == [softplus.output[0]]
                ),
                None,
            )
            ok = (
                tanh is not None
                and list(softplus.input) == [current]
                and sorted(last.input) == sorted([current, tanh.output[0]])
            )
            inner += [] if tanh is None else [tanh]
        else:
            name, why = "softplus", "a selection that is not Where(x > t, x, Softplus(x))"
            greater = by_op["Greater"]
            threshold = self.constants.get(greater.input[1])
            ok = (
                list(greater.input[:1]) == [current]
                and threshold is not None
                and np.size(threshold) == 1
                and float(np.asarray(threshold).reshape(())) >= 20.0
                and list(last.input) == [greater.output[0], current, by_op["Softplus"].output[0]]
            )
        if not ok:
            raise self.refuse(last, why)
        members = {id(node) for node in [*inner, last]}
        for node in inner:
            users = [user for out in node.output if out for user in self.consumers(out)]
            if any(id(user) not in members for user in users):
                raise self.refuse(node, "part of an activation that also feeds other nodes")
        layer = self._last_bare(last, layers, "an activation")
        layer.activation = _activations.get(name)
        self.visited.update(id(node) for node in [*inner, last])
        return str(last.output[0])

    def _is_one_plus(self, tensor: str, abs_node: Any) -> bool:
        """Whether ``tensor`` is ``Add(Abs(x), 1)`` (either order)."""
        add = next((n for n in self.nodes if n.output and n.output[0] == tensor), None)
        if add is None or add.op_type != "Add":
            return False
        others = [t for t in add.input if t != abs_node.output[0]]
        if len(others) != 1 or others[0] not in self.constants:
            return False
        return bool(np.all(np.asarray(self.constants[others[0]]) == 1))

    def _two_columns(self, users: list[Any], current: str) -> str:
        """skl2onnx's ``Concat(1 - p, p)`` after one sigmoid output: predict_proba's columns."""
        sub = next(n for n in users if n.op_type == "Sub")
        concat = next(n for n in users if n.op_type == "Concat")
        one = self.constants.get(sub.input[0])
        if (
            one is None
            or not np.all(np.asarray(one) == 1)
            or sub.input[1] != current
            or list(concat.input) != [sub.output[0], current]
        ):
            raise self.refuse(concat, "not the two columns 1 - p and p of a sigmoid output")
        self.visited.update((id(sub), id(concat)))
        return str(concat.output[0])

    def _classes(self) -> list[Any] | None:
        """Class labels from skl2onnx's label head (ArrayFeatureExtractor or ZipMap)."""
        for node in self.nodes:
            if node.op_type == "ArrayFeatureExtractor" and node.input[0] in self.constants:
                return _plain(self.constants[node.input[0]])
        for node in self.nodes:
            if node.op_type == "ZipMap":
                attrs = self.attrs(node)
                for key in ("classlabels_strings", "classlabels_int64s"):
                    if attrs.get(key):
                        return _plain(np.asarray(attrs[key]))
        return None


def _attribute_float(value: float) -> float:
    """An ONNX float attribute (stored as float32) as the decimal it was written from: 0.2,
    not 0.20000000298023224."""
    return float(str(np.float32(value)))


def _plain(values: Array) -> list[Any]:
    return [v.decode() if isinstance(v, bytes) else v for v in np.asarray(values).tolist()]


def _opset(model: Any) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return 1


def _metadata(model: Any) -> dict[str, str]:
    return {prop.key: prop.value for prop in model.metadata_props}


def _from_neuronet(model: Any, config: dict[str, Any]) -> MLP:
    """A file :func:`export` wrote: its configuration and its named initializers."""
    from .network import MLP

    onnx = _onnx()
    try:
        with warnings.catch_warnings():
            # Whatever the architecture warned about, it did so when it was first built.
            warnings.simplefilter("ignore", UserWarning)
            net = MLP.from_config(config)
    except (KeyError, TypeError, ValueError) as err:
        raise ONNXConversionError(f"The file's neuronet configuration is invalid: {err}") from None
    arrays = {init.name: onnx.numpy_helper.to_array(init) for init in model.graph.initializer}
    for i, layer in enumerate(net.dense_layers):
        for key, view in layer.tensors().items():
            name = f"layers.{i}.{key}"
            if name not in arrays or arrays[name].shape != view.shape:
                found = arrays[name].shape if name in arrays else "nothing"
                raise ONNXConversionError(
                    f"The file says it was written by neuronet, but its tensor {name!r} is "
                    f"{found}; its configuration needs shape {view.shape}."
                )
            view[...] = arrays[name]
    return net


def _build(
    layers: list[_Layer], classes: list[Any] | None, two_columns: bool, thresholded: bool
) -> MLP:
    """An :class:`~neuronet.MLP` holding the layers read from a foreign graph."""
    from .network import MLP

    for before, after in itertools.pairwise(layers):
        if before.weights.shape[1] != after.weights.shape[0]:
            raise ONNXConversionError(
                f"Consecutive layers do not fit: {before.weights.shape[1]} outputs feed a "
                f"layer of {after.weights.shape[0]} inputs."
            )
    dtype = layers[0].weights.dtype
    if dtype not in (np.float32, np.float64):
        raise ONNXConversionError(
            f"The ONNX graph's weights are {dtype}; neuronet computes in float32 or float64."
        )
    kinds = {None if layer.norm is None else layer.norm[0] for layer in layers[:-1]}
    if layers[-1].norm is not None or len(kinds) > 1:
        raise ONNXConversionError(
            "The ONNX graph normalises "
            + (
                "its output layer"
                if layers[-1].norm is not None
                else "some hidden layers and not others (or with different kinds)"
            )
            + "; neuronet normalises every hidden layer alike and never the output layer."
        )
    norm = kinds.pop() if kinds else None
    identity = _activations.get("identity")
    hidden = [layer.activation or identity for layer in layers[:-1]]
    output = layers[-1].activation or identity
    sizes = [int(layers[0].weights.shape[0]), *(int(layer.weights.shape[1]) for layer in layers)]
    loss: str | None = None
    if classes is not None:
        if output.name == "sigmoid" and sizes[-1] == 1 and len(classes) == 2:
            loss = "binary_cross_entropy"
        elif output.name == "softmax" and len(classes) == sizes[-1]:
            loss = "categorical_cross_entropy"
        else:
            classes = None  # labels neuronet cannot attach to these outputs
    elif two_columns:
        loss = "binary_cross_entropy"
    if output.name == "sigmoid" and thresholded:
        # skl2onnx's multilabel MLPClassifier: one sigmoid per label, no class names (as
        # from_sklearn builds it), predict giving 0/1 columns.
        loss, classes = "binary_cross_entropy", None
    with warnings.catch_warnings():
        # A softmax hidden layer or linear hidden layers: the graph is what it is.
        warnings.simplefilter("ignore", UserWarning)
        net = MLP(
            sizes, hidden, output, loss=loss, dtype=dtype, seed=0, classes=classes, norm=norm
        )
    for i, (layer, dense) in enumerate(zip(layers, net.dense_layers, strict=True), start=1):
        dense.weights[...] = layer.weights
        dense.bias[...] = layer.bias
        named: dict[str, tuple[Array, Array]] = {}
        if layer.activation_parameters is not None:
            named["PReLU slopes"] = (dense.activation_parameters, layer.activation_parameters)
        if layer.norm is not None and dense.norm is not None:
            _kind, arrays, eps = layer.norm
            dense.norm.eps = eps
            named.update({key: (getattr(dense.norm, key), value) for key, value in arrays.items()})
        for what, (target, value) in named.items():
            if value.size != target.size:
                raise ONNXConversionError(
                    f"Layer {i} of the ONNX graph has {value.size} {what} for its "
                    f"{dense.n_out} neurons; neuronet needs {target.size}."
                )
            target[...] = value.reshape(target.shape)
    return net


def from_onnx(model: onnx.ModelProto) -> MLP:
    """The :class:`~neuronet.MLP` an in-memory ONNX model describes; see :func:`load`."""
    onnx = _onnx()
    if not isinstance(model, onnx.ModelProto):
        raise TypeError(f"`model` must be an onnx.ModelProto, got {type(model).__name__}.")
    metadata = _metadata(model)
    if metadata.get("neuronet.format") == FORMAT and _TARGET_SCALING in metadata:
        raise ONNXConversionError(
            "The file is a NeuronetRegressor's, whose output is rescaled to the target's units "
            "after its non-identity output activation; a neuronet MLP cannot hold that "
            "rescaling. Run the file in an ONNX runtime, or export the estimator's model_."
        )
    if metadata.get("neuronet.format") == FORMAT and "neuronet.config" in metadata:
        try:
            config = json.loads(metadata["neuronet.config"])
        except json.JSONDecodeError as err:
            raise ONNXConversionError(
                f"The file's neuronet configuration is not JSON: {err}"
            ) from None
        return _from_neuronet(model, config)
    reader = _Reader(model)
    return _build(*reader.read())


def load(path: str | os.PathLike[str]) -> MLP:
    """Read an ONNX file into a neuronet :class:`~neuronet.MLP`.

    A file :func:`export` wrote comes back whole (configuration, loss, classes, weights). A
    graph made by another tool is read node by node from its input: ``Gemm``, or ``MatMul``
    and ``Add``, with constant weights; optionally ``BatchNormalization`` or
    ``LayerNormalization``; then an activation with an ONNX operator neuronet has (``Relu``,
    ``LeakyRelu``, ``PRelu``, ``Elu``, ``Selu``, ``Sigmoid``, ``Tanh``, ``Softplus``,
    ``Softsign``, ``Gelu``, ``Mish``, ``Softmax``), :math:`x\\,\\sigma(x)` (SiLU) or
    :math:`x \\tanh(\\operatorname{softplus}(x))` (mish, as PyTorch's older exporter writes it).
    ``Identity``, ``Dropout`` and a ``Cast`` of the input are skipped, and skl2onnx's label
    head (its classes become the network's). A softmax output makes a classifier with
    categorical cross-entropy, a sigmoid one labelled with two classes binary cross-entropy,
    sigmoid outputs whose labels are each thresholded at 0.5 (skl2onnx's ``Binarizer`` for a
    multilabel classifier) a multilabel classifier with binary cross-entropy; anything else a
    regressor with mean squared error.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    MLP

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ONNXConversionError
        If the file is not ONNX (or is truncated), or its graph is not an MLP neuronet can
        represent: the message names the first node that is not, and what is supported.

    Examples
    --------
    >>> import os, tempfile
    >>> from neuronet import MLP
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> _ = export(MLP([3, 5, 2], activation="prelu", output="softmax", seed=0), path)
    >>> load(path)
    MLP([3, 5, 2], activation=PReLU(init=0.25, per_neuron=False), output=Softmax(), \
loss=CategoricalCrossEntropy())
    """
    onnx = _onnx()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No ONNX file at {str(path)!r}.")
    try:
        # onnx.load also reads weights stored beside the file (PyTorch writes them so).
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as err:  # protobuf's DecodeError, the checker's ValidationError
        what = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ONNXConversionError(
            f"Cannot read {str(path)!r} as ONNX (truncated, corrupted, or not an ONNX file?): "
            f"{what}"
        ) from None
    if not model.graph.node:
        raise ONNXConversionError(f"{str(path)!r} holds an empty ONNX graph.")
    try:
        return from_onnx(model)
    except ONNXConversionError as err:
        raise ONNXConversionError(f"Cannot load {str(path)!r}: {err}") from None
