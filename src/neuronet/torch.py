r"""Moving networks to and from PyTorch: :func:`to_torch` and :func:`from_torch`.

An :class:`~neuronet.MLP` is a chain of the same few pieces that a PyTorch
``nn.Sequential`` of ``nn.Linear`` layers and activation modules is made of, so a network
crosses over exactly, layer for layer and bit for bit:

- a :class:`~neuronet.Dense` layer's ``weights`` (in×out) and ``bias`` are an
  ``nn.Linear``'s ``weight`` (out×in, the transpose) and ``bias``;
- ``norm="batch"`` / ``norm="layer"`` is an ``nn.BatchNorm1d`` / ``nn.LayerNorm`` between the
  ``nn.Linear`` and the activation (scale, shift, running statistics);
- an activation is its module, PReLU's learned slopes in ``nn.PReLU.weight``;
- ``dropout=`` is an ``nn.Dropout`` after each hidden layer's activation.

A hidden or output layer with the identity activation has no module after its
``nn.Linear``. The activations map one to one: ``identity`` ↔ ``nn.Identity`` (or nothing),
``relu``, ``leaky_relu`` (``negative_slope``), ``prelu`` (one slope, or one per neuron:
``nn.PReLU(num_parameters=n)``), ``elu`` (``alpha``), ``selu``, ``gelu`` (``approximate``
``"none"`` or ``"tanh"``), ``silu``, ``sigmoid``, ``tanh``, ``softplus``, ``softsign``,
``mish`` and ``softmax`` (``nn.Softmax(dim=-1)``).

A ``Sequential`` holds no loss, so :func:`to_torch` ends the module with the output
activation (``nn.Softmax`` for a softmax classifier); ``logits=True`` leaves it off, for
PyTorch's ``nn.CrossEntropyLoss`` and ``nn.BCEWithLogitsLoss``, which take logits. The other
way, :func:`from_torch` reads the output activation from the last module and pairs it with
its canonical loss (``nn.Softmax`` → categorical cross-entropy, ``nn.Sigmoid`` → binary
cross-entropy, none → mean squared error) unless ``loss`` says otherwise.

PyTorch is an optional dependency, imported only inside these functions; the rest of
neuronet never imports this module.

Examples
--------
>>> import numpy as np
>>> import neuronet
>>> from neuronet.torch import from_torch, to_torch
>>> net = neuronet.MLP([4, 8, 3], activation="gelu", output="softmax", dtype="float64", seed=0)
>>> module = to_torch(net)
>>> module
Sequential(
  (0): Linear(in_features=4, out_features=8, bias=True)
  (1): GELU(approximate='none')
  (2): Linear(in_features=8, out_features=3, bias=True)
  (3): Softmax(dim=-1)
)
>>> back = from_torch(module)
>>> back.loss.name, bool(np.array_equal(back.parameters, net.parameters))
('categorical_cross_entropy', True)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import activations as _activations
from . import losses as _losses
from .activations import Activation
from .layers import BatchNorm, Dense, Dropout, LayerNorm
from .network import MLP

if TYPE_CHECKING:
    from torch import nn

    from .losses import Loss

__all__ = ["from_torch", "to_torch"]

#: What :func:`from_torch` reads, for its error messages.
SUPPORTED = (
    "nn.Linear; nn.BatchNorm1d or nn.LayerNorm right after an nn.Linear; the activations "
    "nn.Identity, nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU, "
    "nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Softsign, nn.Mish, nn.Softmax(dim=-1); nn.Dropout "
    "after a hidden layer's activation"
)

# PyTorch's defaults, which neuronet's normalisations inside an MLP use.
_NORM_EPS = 1e-5
_BATCH_NORM_MOMENTUM = 0.1
# torch's Softplus returns z itself above `threshold`, where log(1 + e^z) = z + log1p(e^-z):
# at 20 the difference is 2e-9 (1e-10 relative), below float32's rounding of z. A lower
# threshold changes the function visibly.
_SOFTPLUS_THRESHOLD = 20.0


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as err:
        raise ImportError(
            "neuronet.torch needs PyTorch: pip install torch (see https://pytorch.org for "
            "the build that suits your machine)."
        ) from err
    return torch


# --- neuronet → PyTorch ----------------------------------------------------------------------


def to_torch(net: MLP, *, logits: bool = False) -> nn.Sequential:
    r"""The network as a PyTorch ``nn.Sequential`` with the same weights and activations.

    Each :class:`~neuronet.Dense` layer becomes an ``nn.Linear`` (weight :math:`W^\top`, as
    PyTorch stores it out×in), followed by its ``nn.BatchNorm1d`` or ``nn.LayerNorm`` (scale,
    shift and running statistics), its activation module (``nn.PReLU`` with the layer's learned
    slopes) and, after a hidden layer, ``nn.Dropout``. The parameters are copies in the
    network's dtype, on the CPU.

    Parameters
    ----------
    net : MLP
    logits : bool, default=False
        Leave the output activation off, so that the module returns the output layer's
        :math:`z`: what ``nn.CrossEntropyLoss`` (softmax) and ``nn.BCEWithLogitsLoss``
        (sigmoid) expect. By default the module ends with the output activation (a
        ``Sequential`` has no loss to fuse it with), so it returns what ``net.forward`` does.

    Returns
    -------
    torch.nn.Sequential
        In evaluation mode (``module.eval()``): dropout off and batch norm using its running
        statistics, so ``module(x)`` equals ``net.forward(x)``. Call ``module.train()``
        before training it.

    Raises
    ------
    ImportError
        If PyTorch is not installed.
    ValueError
        If a layer's activation has no PyTorch module (one registered outside neuronet).

    Notes
    -----
    The outputs agree to rounding: PyTorch and NumPy sum the matrix products in different
    orders, and ``nn.Softplus`` returns :math:`z` itself above 20 where neuronet computes
    :math:`\log(1 + e^z)` (a difference of :math:`2 \cdot 10^{-9}`). :func:`from_torch` of
    the result gives back the network's parameters bit for bit.
    """
    torch = _import_torch()
    nn = torch.nn
    if not isinstance(net, MLP):
        raise TypeError(f"`net` must be a neuronet MLP, got {type(net).__name__}.")
    logits = _check_flag(logits, "logits")
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    for activation in [*net.hidden_activations, net.output_activation]:
        _check_exportable(activation)  # refuse before building anything
    modules: list[Any] = []
    with torch.no_grad():
        for layer in net.layers:
            if isinstance(layer, Dropout):
                modules.append(nn.Dropout(layer.rate))
                continue
            if not isinstance(layer, Dense):  # an MLP holds only these two kinds
                raise TypeError(f"to_torch cannot convert the layer {layer!r}.")
            tensors = layer.tensors()
            linear = nn.Linear(layer.n_in, layer.n_out, dtype=dtype)
            linear.weight.copy_(_tensor(torch, tensors["weights"].T))
            linear.bias.copy_(_tensor(torch, tensors["bias"]))
            modules.append(linear)
            if layer.norm is not None:
                modules.append(_norm_to_torch(nn, torch, layer, tensors, dtype))
            if logits and layer is net.output_layer:
                continue
            activation = _activation_to_torch(nn, torch, layer, dtype)
            if activation is not None:
                modules.append(activation)
    return nn.Sequential(*modules).eval()


def _tensor(torch: Any, array: NDArray[Any]) -> Any:
    """A tensor holding a copy of ``array`` (contiguous, so the bytes are the same)."""
    return torch.from_numpy(np.ascontiguousarray(array).copy())


def _check_exportable(activation: Activation) -> None:
    # The registered class itself: a subclass (registered or not) may compute something else.
    known = activation.name in _EXPORTABLE and type(activation) is type(
        _activations.get(activation.name)
    )
    if not known:
        raise ValueError(
            f"to_torch has no PyTorch module for the activation {activation!r}; it converts "
            f"{', '.join(sorted(_EXPORTABLE))}."
        )


_EXPORTABLE = frozenset(
    {
        "identity",
        "relu",
        "leaky_relu",
        "prelu",
        "elu",
        "selu",
        "gelu",
        "silu",
        "sigmoid",
        "tanh",
        "softplus",
        "softsign",
        "mish",
        "softmax",
    }
)


def _activation_to_torch(nn: Any, torch: Any, layer: Dense, dtype: Any) -> Any:
    """The module for ``layer``'s activation, or None for the identity."""
    act = layer.activation
    params = act.get_params()
    name = act.name
    if name == "identity":
        return None
    plain = {
        "relu": nn.ReLU,
        "selu": nn.SELU,
        "silu": nn.SiLU,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "softplus": nn.Softplus,  # beta=1, threshold=20: see _SOFTPLUS_THRESHOLD
        "softsign": nn.Softsign,
        "mish": nn.Mish,
    }
    if name in plain:
        return plain[name]()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=float(params["negative_slope"]))
    if name == "elu":
        return nn.ELU(alpha=float(params["alpha"]))
    if name == "gelu":
        return nn.GELU(approximate=str(params["approximate"]))
    if name == "softmax":
        return nn.Softmax(dim=-1)
    if name == "prelu":
        slopes = layer.tensors()["activation"]
        module = nn.PReLU(num_parameters=slopes.size, init=float(params["init"]), dtype=dtype)
        module.weight.copy_(_tensor(torch, slopes))
        return module
    raise ValueError(f"to_torch has no PyTorch module for the activation {act!r}.")


def _norm_to_torch(
    nn: Any, torch: Any, layer: Dense, tensors: dict[str, NDArray[Any]], dtype: Any
) -> Any:
    norm = layer.norm
    if isinstance(norm, BatchNorm):
        module = nn.BatchNorm1d(layer.n_out, eps=norm.eps, momentum=norm.momentum, dtype=dtype)
        module.running_mean.copy_(_tensor(torch, tensors["norm.running_mean"]))
        module.running_var.copy_(_tensor(torch, tensors["norm.running_var"]))
    elif isinstance(norm, LayerNorm):
        module = nn.LayerNorm(layer.n_out, eps=norm.eps, dtype=dtype)
    else:
        raise TypeError(f"to_torch cannot convert the normalisation {norm!r}.")
    module.weight.copy_(_tensor(torch, tensors["norm.scale"]))
    module.bias.copy_(_tensor(torch, tensors["norm.shift"]))
    return module


# --- PyTorch → neuronet ----------------------------------------------------------------------


@dataclass
class _Block:
    """One nn.Linear and what follows it: a dense layer of the network to build."""

    index: int
    linear: Any
    norm: Any = None
    activation: Activation | None = None
    slopes: NDArray[Any] | None = None
    dropout: float | None = None
    # The last stage seen (0 linear, 1 norm, 2 activation, 3 dropout) and where.
    stage: int = 0
    last: tuple[str, int] = ("", 0)

    @property
    def width(self) -> int:
        return int(self.linear.out_features)


def from_torch(
    module: nn.Sequential,
    *,
    loss: str | Loss | None = None,
    classes: Sequence[Any] | None = None,
    logits: bool = False,
    seed: int | None = None,
) -> MLP:
    r"""A neuronet network from a PyTorch ``nn.Sequential`` of ``nn.Linear`` layers.

    The module is read as dense layers, each an ``nn.Linear`` optionally followed, in this
    order, by an ``nn.BatchNorm1d`` or ``nn.LayerNorm``, an activation module and (for a
    hidden layer) an ``nn.Dropout``: the order in which :func:`to_torch` writes them. A layer
    with no activation module uses the identity. Weights, biases, PReLU slopes and the
    normalisations' scales, shifts and running statistics are copied bit for bit.

    Parameters
    ----------
    module : torch.nn.Sequential
    loss : str or Loss, optional
        The network's loss. By default, the canonical loss of the output activation read
        from the last module: ``nn.Softmax`` → categorical cross-entropy, ``nn.Sigmoid`` →
        binary cross-entropy, anything else (or no activation) → mean squared error.
    classes : sequence, optional
        Labels of a classifier's classes, in output order (see :class:`~neuronet.MLP`).
    logits : bool, default=False
        The module ends with the output layer's ``nn.Linear`` (a module trained with
        ``nn.CrossEntropyLoss`` or ``nn.BCEWithLogitsLoss``): the output activation is then
        the canonical one of ``loss``, which must be given.
    seed : int, optional
        Seeds the network's later random choices (shuffling, dropout) in ``fit``.

    Returns
    -------
    MLP
        In the dtype of the module's parameters (float32 or float64).

    Raises
    ------
    ImportError
        If PyTorch is not installed.
    TypeError
        If ``module`` is not an ``nn.Sequential``.
    ValueError
        If a module has no neuronet counterpart (named with its index, with the list of
        what is supported), a parameter has a value neuronet cannot represent, or the
        layers do not fit together; nothing is built.

    Notes
    -----
    neuronet's ``norm`` and ``dropout`` are one choice for the whole network, so every
    hidden layer must have the same kind of normalisation (or none) and the same dropout
    rate (or none), and the output layer neither. Normalisations use PyTorch's defaults
    ``eps=1e-5`` (and ``momentum=0.1`` for batch norm), as neuronet's do. An ``nn.Linear``
    without bias gets a bias of zeros; a normalisation without affine parameters a scale of
    ones and a shift of zeros.
    """
    torch = _import_torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        found = type(module).__module__ + "." + type(module).__qualname__
        raise TypeError(
            f"`module` must be a torch.nn.Sequential of nn.Linear layers and activations, got "
            f"{found}. Supported layers: {SUPPORTED}. A custom nn.Module can be converted "
            f"once its layers are put in an nn.Sequential in the order forward() calls them."
        )
    logits = _check_flag(logits, "logits")
    children = list(module)
    dtype = _dtype_of(torch, module)
    blocks = _read_blocks(nn, children)
    _check_structure(blocks, logits)
    hidden = blocks[:-1]
    # _check_structure made these the same for every hidden layer.
    norm_kind = _norm_kind(nn, hidden[0].norm) if hidden else None
    rate = (hidden[0].dropout or 0.0) if hidden else 0.0
    output: str | Activation
    if logits:
        if loss is None:
            raise ValueError(
                "from_torch(..., logits=True) needs `loss` to choose the output activation: "
                "e.g. loss='categorical_cross_entropy' (softmax) for a module trained with "
                "nn.CrossEntropyLoss, or 'binary_cross_entropy' (sigmoid) for "
                "nn.BCEWithLogitsLoss."
            )
        loss_obj = _losses.get(loss)
        output = loss_obj.canonical_output or "identity"
    else:
        last = blocks[-1].activation
        output = last if last is not None else "identity"
    net = MLP(
        [int(blocks[0].linear.in_features), *(b.width for b in blocks)],
        [b.activation or "identity" for b in hidden],
        output,
        loss=loss,
        dtype=dtype,
        seed=seed,
        classes=classes,
        dropout=rate,
        norm=norm_kind,
    )
    for layer, block in zip(net.dense_layers, blocks, strict=True):
        _copy_into(layer, block)
    return net


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be True or False, got {value!r}.")
    return bool(value)


def _dtype_of(torch: Any, module: Any) -> str:
    found = {t.dtype for t in [*module.parameters(), *module.buffers()] if t.is_floating_point()}
    if not found:
        raise ValueError(
            "`module` has no parameters: from_torch needs at least one nn.Linear. "
            f"Supported layers: {SUPPORTED}."
        )
    names = {torch.float32: "float32", torch.float64: "float64"}
    if len(found) > 1 or next(iter(found)) not in names:
        listed = ", ".join(sorted(str(d) for d in found))
        raise ValueError(
            f"`module`'s parameters must all be torch.float32 or all torch.float64, got "
            f"{listed}; convert it first, e.g. module.double() or module.float()."
        )
    return names[next(iter(found))]


def _read_blocks(nn: Any, children: list[Any]) -> list[_Block]:
    """Group the modules into dense layers, checking the order within each."""
    blocks: list[_Block] = []
    for i, child in enumerate(children):
        kind = _kind(nn, child)
        if kind is None:
            hint = ""
            if type(child) is nn.LogSoftmax:
                hint = (
                    " neuronet has no log-softmax output: convert the module without it, "
                    "from_torch(module[:-1], logits=True, loss='categorical_cross_entropy')."
                )
            raise ValueError(
                f"`module`[{i}] is {child!r}, which neuronet cannot represent.{hint} "
                f"Supported layers: {SUPPORTED}."
            )
        if kind == "linear":
            blocks.append(_Block(i, child, last=(repr(child), i)))
            continue
        if not blocks:
            raise ValueError(
                f"`module`[{i}] is {child!r}, before any nn.Linear; the module must start "
                f"with an nn.Linear. Supported layers: {SUPPORTED}."
            )
        block = blocks[-1]
        stage = {"norm": 1, "activation": 2, "dropout": 3}[kind]
        if stage <= block.stage:
            previous, at = block.last
            raise ValueError(
                f"`module`[{i}] is {child!r}, after {previous} at index {at}; neuronet's "
                f"layers are an nn.Linear followed by at most one normalisation "
                f"(nn.BatchNorm1d or nn.LayerNorm), then at most one activation, then at "
                f"most one nn.Dropout, in that order."
            )
        block.stage, block.last = stage, (repr(child), i)
        if kind == "norm":
            _check_norm(nn, child, i, block.width)
            block.norm = child
        elif kind == "activation":
            block.activation, block.slopes = _activation_from_torch(nn, child, i, block.width)
        else:
            block.dropout = float(child.p)
            if not 0.0 <= block.dropout < 1.0:
                raise ValueError(
                    f"`module`[{i}] is {child!r}; neuronet's dropout rate must be in [0, 1)."
                )
    if not blocks:
        raise ValueError(f"`module` has no nn.Linear. Supported layers: {SUPPORTED}.")
    return blocks


def _kind(nn: Any, child: Any) -> str | None:
    # Exact types: a subclass may compute something else in its forward().
    kind = type(child)
    if kind is nn.Linear:
        return "linear"
    if kind in (nn.BatchNorm1d, nn.LayerNorm):
        return "norm"
    if kind is nn.Dropout:
        return "dropout"
    if kind in _activation_readers(nn):
        return "activation"
    return None


def _check_structure(blocks: list[_Block], logits: bool) -> None:
    for previous, block in itertools.pairwise(blocks):
        if block.linear.in_features != previous.width:
            raise ValueError(
                f"`module`[{block.index}] is {block.linear!r}, but the layer before it "
                f"({previous.linear!r} at index {previous.index}) has {previous.width} outputs."
            )
    out = blocks[-1]
    if out.norm is not None or out.dropout is not None:
        what = out.norm if out.norm is not None else f"nn.Dropout(p={out.dropout})"
        raise ValueError(
            f"The output layer (`module`[{out.index}] on) has {what!r}; neuronet never "
            f"normalises or drops the outputs of the last layer."
        )
    if logits and out.activation is not None:
        raise ValueError(
            f"logits=True says the module ends with the output layer's nn.Linear, but it "
            f"ends with {out.last[0]} at index {out.last[1]}; use logits=False to read the "
            f"output activation from it."
        )
    hidden = blocks[:-1]
    for attribute, what, name in (("norm", "normalisation", "norm="), ("dropout", "dropout", "")):
        seen = [(b.index, getattr(b, attribute)) for b in hidden]
        described = {_describe(value) for _, value in seen}
        if len(described) > 1:
            listed = "; ".join(f"layer at index {i}: {_describe(v)}" for i, v in seen)
            raise ValueError(
                f"neuronet applies one {what} to every hidden layer ({name or 'dropout='}"
                f"), but this module's hidden layers differ: {listed}."
            )


def _describe(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"nn.Dropout(p={value})"
    return type(value).__name__


def _norm_kind(nn: Any, norm: Any) -> str | None:
    if norm is None:
        return None
    return "batch" if type(norm) is nn.BatchNorm1d else "layer"


def _check_norm(nn: Any, norm: Any, index: int, width: int) -> None:
    problem = ""
    if type(norm) is nn.BatchNorm1d:
        if norm.num_features != width:
            problem = f"it normalises {norm.num_features} features, the layer has {width}"
        elif not norm.track_running_stats or norm.running_mean is None:
            problem = "neuronet's batch norm predicts with running statistics"
        elif norm.momentum != _BATCH_NORM_MOMENTUM:
            problem = f"neuronet's batch norm uses momentum={_BATCH_NORM_MOMENTUM}"
    elif tuple(norm.normalized_shape) != (width,):
        problem = f"it must normalise the layer's {width} features, normalized_shape=({width},)"
    if not problem and norm.eps != _NORM_EPS:
        problem = f"neuronet's normalisations use eps={_NORM_EPS}"
    if problem:
        raise ValueError(
            f"`module`[{index}] is {norm!r}, which neuronet cannot represent: {problem}."
        )


def _activation_readers(nn: Any) -> dict[type, Any]:
    """Per supported activation module type, how to read it: (module, index, width) → ..."""
    plain = {
        nn.Identity: "identity",
        nn.ReLU: "relu",
        nn.SELU: "selu",
        nn.SiLU: "silu",
        nn.Sigmoid: "sigmoid",
        nn.Tanh: "tanh",
        nn.Softsign: "softsign",
        nn.Mish: "mish",
    }
    readers: dict[type, Any] = {kind: _plain_reader(name) for kind, name in plain.items()}
    readers[nn.LeakyReLU] = lambda m, i, w: (
        _get(m, i, "leaky_relu", negative_slope=float(m.negative_slope)),
        None,
    )
    readers[nn.ELU] = lambda m, i, w: (_get(m, i, "elu", alpha=float(m.alpha)), None)
    readers[nn.GELU] = lambda m, i, w: (_get(m, i, "gelu", approximate=m.approximate), None)
    readers[nn.Softplus] = _read_softplus
    readers[nn.Softmax] = _read_softmax
    readers[nn.PReLU] = _read_prelu
    return readers


def _plain_reader(name: str) -> Any:
    return lambda module, index, width: (_activations.get(name), None)


def _activation_from_torch(
    nn: Any, module: Any, index: int, width: int
) -> tuple[Activation, NDArray[Any] | None]:
    result: tuple[Activation, NDArray[Any] | None] = _activation_readers(nn)[type(module)](
        module, index, width
    )
    return result


def _get(module: Any, index: int, name: str, **params: Any) -> Activation:
    """The activation ``name``; a parameter it refuses is reported with the module's index."""
    try:
        return _activations.get(name, **params)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"`module`[{index}] is {module!r}, which neuronet cannot represent: {err}"
        ) from None


def _read_softplus(module: Any, index: int, width: int) -> tuple[Activation, None]:
    if module.beta != 1:
        raise ValueError(
            f"`module`[{index}] is {module!r}, which neuronet cannot represent: neuronet's "
            f"softplus is log(1 + e^z), beta=1 only."
        )
    if module.threshold < _SOFTPLUS_THRESHOLD:
        raise ValueError(
            f"`module`[{index}] is {module!r}, which neuronet cannot represent: PyTorch "
            f"returns z itself above the threshold, where neuronet computes log(1 + e^z) "
            f"exactly; the two agree to rounding only with threshold >= {_SOFTPLUS_THRESHOLD:g}."
        )
    return _activations.get("softplus"), None


def _read_softmax(module: Any, index: int, width: int) -> tuple[Activation, None]:
    if module.dim not in (-1, 1):
        raise ValueError(
            f"`module`[{index}] is {module!r}, which neuronet cannot represent: neuronet's "
            f"softmax normalises each sample's outputs, nn.Softmax(dim=-1) (or dim=1)."
        )
    return _activations.get("softmax"), None


def _read_prelu(module: Any, index: int, width: int) -> tuple[Activation, NDArray[Any]]:
    n = int(module.num_parameters)
    if n not in (1, width):
        raise ValueError(
            f"`module`[{index}] is {module!r}, which neuronet cannot represent: a PReLU has "
            f"one slope for the layer or one per neuron ({width}), not {n}."
        )
    activation = _get(
        module, index, "prelu", init=float(getattr(module, "init", 0.25)), per_neuron=n > 1
    )
    return activation, module.weight.detach().cpu().numpy()


def _copy_into(layer: Dense, block: _Block) -> None:
    """Write the block's parameters into ``layer``'s views (bit for bit: same dtype)."""
    tensors = layer.tensors()
    tensors["weights"][...] = _array(block.linear.weight).T
    bias = block.linear.bias
    tensors["bias"][...] = 0.0 if bias is None else _array(bias)
    if block.slopes is not None:
        tensors["activation"][...] = block.slopes
    norm = block.norm
    if norm is None:
        return
    weight = getattr(norm, "weight", None)
    shift = getattr(norm, "bias", None)
    tensors["norm.scale"][...] = 1.0 if weight is None else _array(weight)
    tensors["norm.shift"][...] = 0.0 if shift is None else _array(shift)
    if "norm.running_mean" in tensors:
        tensors["norm.running_mean"][...] = _array(norm.running_mean)
        tensors["norm.running_var"][...] = _array(norm.running_var)


def _array(tensor: Any) -> NDArray[Any]:
    return np.asarray(tensor.detach().cpu().numpy())
