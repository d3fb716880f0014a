r"""Activation functions: the non-linearity a neuron applies to its weighted sum.

Every activation is one class that holds, side by side, its value ``forward``, its
derivative, the vector-Jacobian product ``backward`` used by back-propagation, the
properties a reader (or an initialiser) needs to know about it, and its documentation.
Decorating the class with :func:`register` adds it to the registry, so :func:`get`, the
docs and the parametrised tests pick it up without another list to keep in sync.

Conventions shared by every activation:

* ``z`` is the pre-activation (the weighted sum), ``a = forward(z)`` the activation.
* Element-wise activations accept any shape; :class:`Softmax` works over the last axis.
* The dtype is preserved: float32 in, float32 out (constants are Python floats, which
  NumPy treats as "weak" and so never upcast a float32 array).
* Inputs up to :math:`\pm 10^4` (and beyond) give finite values without overflow, invalid or
  divide-by-zero warnings; underflow to 0 is harmless and allowed.

Examples
--------
>>> import numpy as np
>>> from neuronet import activations
>>> act = activations.get("leaky-relu", negative_slope=0.1)
>>> act
LeakyReLU(negative_slope=0.1)
>>> act.forward(np.array([-2.0, 3.0]))
array([-0.2,  3. ])
>>> activations.get("swish")
SiLU()
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._lazy import special  # imported on first use: scipy.special is slow to import
from ._registry import Registry
from ._validation import check_bool, check_number

__all__ = [
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "Identity",
    "KnownIssue",
    "LeakyReLU",
    "Mish",
    "PReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "aliases",
    "get",
    "names",
    "register",
]

FloatArray = NDArray[np.floating[Any]]
Params = dict[str, float | bool | str]

#: Initialisers an activation may recommend (implemented in :mod:`neuronet.init`).
RECOMMENDED_INITS = ("glorot_uniform", "he_uniform", "lecun_normal")


@dataclass(frozen=True)
class KnownIssue:
    """A known pitfall of an activation, in plain words, with what to do about it.

    Parameters
    ----------
    name : str
        Short label, e.g. ``"vanishing gradient"`` or ``"dying ReLU"``.
    description : str
        What happens and why.
    remedy : str
        What to do about it.
    """

    name: str
    description: str
    remedy: str


@dataclass(frozen=True)
class Formulas:
    """One form of an activation's maths: plain text for terminals, LaTeX for documents.

    An activation's class attributes hold its default form; a parameter that changes the
    function (``GELU(approximate="tanh")``) lists the other forms in ``variants``.
    """

    label: str
    formula: str
    derivative_formula: str
    latex: str
    derivative_latex: str


# --------------------------------------------------------------------------------------
# The base class
# --------------------------------------------------------------------------------------


class Activation(abc.ABC):
    r"""Base class of every activation: value, derivative, backward rule and properties.

    A subclass sets the class attributes below, implements :meth:`forward` and
    :meth:`derivative`, and is decorated with :func:`register`. :meth:`backward` then
    works unchanged for any element-wise activation.

    Attributes
    ----------
    name : str
        Canonical registry name, set by :func:`register`.
    output_range : tuple of float
        ``(low, high)``, the infimum and supremum of the outputs; either may be
        ``±math.inf``. Whether the ends are attained does not matter.
    zero_centred : bool
        True when :math:`f(0) = 0` and the outputs take both signs, i.e. the output range
        straddles 0. Zero-centred outputs keep the next layer's weight updates from all
        sharing a sign.
    monotonic : bool
        True when :math:`f` is non-decreasing everywhere (for every parameter value a
        layer can reach while training).
    smooth : bool
        True when :math:`f` is continuously differentiable everywhere.
    elementwise : bool
        False only when an output depends on other inputs than its own (softmax).
    formula, derivative_formula : str
        Plain-text formulas of :math:`f` and :math:`f'`.
    latex, derivative_latex : str
        The same formulas in LaTeX. :func:`register` writes them into the class docstring,
        so the maths is written once, here.
    variants : tuple of Formulas
        Other forms selected by a constructor parameter (GELU's tanh approximation).
    issues : tuple of KnownIssue
        Known pitfalls, each with a remedy.
    recommended_init : str
        The weight initialiser that suits this activation: one of ``"glorot_uniform"``,
        ``"he_uniform"``, ``"lecun_normal"``.
    kinks : tuple of float
        Points where :math:`f'` jumps; tests keep finite differences away from them.
    description : str
        What the activation does and when to use it, in one or two sentences.
    kernel : str or None
        The name of the compiled kernels (:mod:`neuronet._kernels`, with numba installed)
        that fuse this activation with its layer's bias add (``bias_<kernel>``) and, where
        there is one, its derivative with the bias gradient (``backward_<kernel>``); None
        (most activations) uses :meth:`forward_with` and :meth:`backward_with`. A kernel is
        never inherited: a subclass (of :class:`ReLU`, say) that changes the function would
        otherwise be computed as its parent; it has one only if it names it itself.

    Notes
    -----
    ``output_range``, ``zero_centred``, ``monotonic``, ``smooth`` and ``kinks`` are class
    attributes that hold for the default parameters; an activation whose properties depend
    on its parameters (:class:`LeakyReLU`, :class:`ELU`, :class:`GELU`) refines them on the
    instance in ``__init__``. Parameters are read-only after construction, so the two
    cannot drift apart.
    """

    name: ClassVar[str]
    output_range: tuple[float, float]
    zero_centred: bool
    monotonic: bool
    smooth: bool
    elementwise: ClassVar[bool] = True
    formula: str
    derivative_formula: str
    latex: str
    derivative_latex: str
    variants: ClassVar[tuple[Formulas, ...]] = ()
    issues: ClassVar[tuple[KnownIssue, ...]] = ()
    recommended_init: ClassVar[str]
    kinks: tuple[float, ...] = ()
    description: ClassVar[str]
    kernel: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kernel" not in cls.__dict__:
            cls.kernel = None  # the parent's kernel computes the parent's function

    # -- the function and its derivative ------------------------------------------------

    @abc.abstractmethod
    def forward(self, z: FloatArray) -> FloatArray:
        """Return :math:`f(z)`, same shape and dtype as `z`."""

    @abc.abstractmethod
    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        """Return :math:`f'(z)` element-wise.

        Parameters
        ----------
        z : ndarray
            Pre-activation.
        a : ndarray, optional
            ``forward(z)`` when the caller already has it; activations whose derivative is
            cheaper in terms of the output (sigmoid, tanh, ELU) reuse it.
        """

    def backward(
        self,
        z: FloatArray,
        a: FloatArray,
        grad_a: FloatArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        r"""Return :math:`\partial L / \partial z` given :math:`\partial L / \partial a`.

        This is the vector-Jacobian product; for an element-wise activation it is
        ``grad_a * derivative(z, a)``.

        Parameters
        ----------
        z : ndarray
            Pre-activation.
        a : ndarray
            ``forward(z)``.
        grad_a : ndarray
            Gradient of the loss with respect to `a`, same shape as `a`.
        out : ndarray, optional
            Where to write the result; may be `grad_a` itself (the update is in place).

        Returns
        -------
        ndarray
            The gradient with respect to `z` (`out` when given).
        """
        return np.multiply(grad_a, self.derivative(z, a), out=out)

    def _use_formulas(self, form: Formulas) -> None:
        """Describe this instance with `form`, one of the class's :attr:`variants`."""
        self.formula, self.derivative_formula = form.formula, form.derivative_formula
        self.latex, self.derivative_latex = form.latex, form.derivative_latex

    # -- properties derived from the class attributes ---------------------------------

    @property
    def bounded(self) -> bool:
        """True when both ends of :attr:`output_range` are finite."""
        low, high = self.output_range
        return math.isfinite(low) and math.isfinite(high)

    @property
    def negative_slope(self) -> float:
        """Slope for negative inputs used by the He initialisation gain (0 for most)."""
        return 0.0

    # -- learned parameters (only PReLU has any) ---------------------------------------
    #
    # An activation *describes* its learned parameters; the layer that uses it owns them
    # (slices of the network's flat buffers) and passes them in. So one activation object
    # can serve any number of layers and networks: it holds no state that training changes.

    def n_parameters(self, n_units: int) -> int:
        """Number of learned parameters for a layer of `n_units` neurons."""
        return 0

    def initial_parameters(self, n_units: int, dtype: DTypeLike) -> FloatArray:
        """Initial values of the learned parameters, shape ``(n_parameters(n_units),)``."""
        return np.empty(0, dtype=dtype)

    def forward_with(self, z: FloatArray, params: FloatArray) -> FloatArray:
        """:math:`f(z)` with the layer's learned parameters `params` (empty for most).

        Parameters
        ----------
        z : ndarray
            Pre-activation, ``(*, n_units)``.
        params : ndarray of shape (n_parameters(n_units),)
            The learned parameters, owned by the layer.
        """
        return self.forward(z)

    def forward_into(self, z: FloatArray, params: FloatArray) -> FloatArray:
        """:meth:`forward_with`, written over `z` where the activation can: for prediction.

        `z` is scratch the caller owns; the result may be `z` itself (same values, bit for
        bit, as :meth:`forward_with`), which saves a new array per layer and call.
        """
        return self.forward_with(z, params)

    def backward_with(
        self,
        z: FloatArray,
        a: FloatArray,
        grad_a: FloatArray,
        params: FloatArray,
        params_grad: FloatArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        r""":meth:`backward` with learned parameters; also assigns their gradient.

        `params_grad` (shaped like `params`) receives the gradient of the loss with respect to
        the parameters, summed over the batch; the return value is
        :math:`\partial L/\partial z` as for :meth:`backward`.
        """
        return self.backward(z, a, grad_a, out=out)

    # -- identity: constructor parameters define an activation -------------------------

    def get_params(self) -> Params:
        """Constructor keyword arguments (JSON-able); ``{}`` when there are none."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation):
            return NotImplemented
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_params().items()))))


# --------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------

A = TypeVar("A", bound=Activation)

_REGISTRY: Registry[type[Activation]] = Registry("activation", "activation")

_REQUIRED_ATTRIBUTES = (
    "output_range",
    "zero_centred",
    "monotonic",
    "smooth",
    "formula",
    "derivative_formula",
    "latex",
    "derivative_latex",
    "recommended_init",
    "description",
)


def register(name: str, *aliases: str) -> Callable[[type[A]], type[A]]:
    """Class decorator: add an activation to the registry under `name` and `aliases`.

    Sets ``cls.name = name``. Names are matched whatever their case, spaces, ``-`` or ``_``
    (:mod:`neuronet._registry`): ``"Leaky-ReLU"`` finds ``"leaky_relu"``.

    Parameters
    ----------
    name : str
        Canonical name, e.g. ``"leaky_relu"``.
    *aliases : str
        Other names that :func:`get` accepts, e.g. ``"swish"`` for ``"silu"``.

    Raises
    ------
    ValueError
        If a name is already taken.
    TypeError
        If the class is not an :class:`Activation` or lacks required metadata.
    """

    def decorator(cls: type[A]) -> type[A]:
        if not (isinstance(cls, type) and issubclass(cls, Activation)):
            raise TypeError(f"`register` decorates Activation subclasses, got {cls!r}.")
        missing = [attr for attr in _REQUIRED_ATTRIBUTES if not hasattr(cls, attr)]
        if missing:
            raise TypeError(f"{cls.__name__} must define {', '.join(missing)} to be registered.")
        if cls.recommended_init not in RECOMMENDED_INITS:
            raise TypeError(
                f"{cls.__name__}.recommended_init must be one of {RECOMMENDED_INITS}, "
                f"got {cls.recommended_init!r}."
            )
        _REGISTRY.add(name, cls, *aliases)  # refuses a taken name, changing nothing
        cls.name = name
        cls.__doc__ = _document_maths(cls)
        return cls

    return decorator


def _math_block(latex: str, derivative_latex: str, indent: str) -> list[str]:
    return [f"{indent}.. math::", rf"{indent}    {latex}, \qquad {derivative_latex}", ""]


def _document_maths(cls: type[Activation]) -> str | None:
    """The class docstring with its formulas inserted after the summary line.

    The LaTeX attributes are the one written source of an activation's maths; the docstring
    (and so the documentation) shows them, and each variant under its label.
    """
    doc = cls.__doc__
    if not doc:
        return doc
    lines = doc.split("\n")
    body = [line for line in lines[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in body), default=0) * " "
    block = ["", *_math_block(cls.latex, cls.derivative_latex, indent)[:-1]]
    for form in cls.variants:
        block += ["", f"{indent}With ``{form.label}``:", ""]
        block += _math_block(form.latex, form.derivative_latex, indent)[:-1]
    return "\n".join([lines[0], *block, *lines[1:]])


def names() -> list[str]:
    """Canonical names of the registered activations, sorted (aliases excluded)."""
    return _REGISTRY.names()


def aliases() -> dict[str, str]:
    """Map each alias to its canonical name, e.g. ``{"swish": "silu", ...}``."""
    return _REGISTRY.aliases()


def get(
    activation: str | Activation | type[Activation] | None = None, **params: Any
) -> Activation:
    """Return an activation from a name, an alias, a class or an instance.

    Parameters
    ----------
    activation : str, Activation, Activation subclass or None, default=None
        A registered name or alias (whatever its case, spaces, ``-`` or ``_``); an
        instance, returned as is; a class, instantiated with `params`; or None for
        :class:`Identity`.
    **params
        Constructor arguments, e.g. ``negative_slope=0.1``.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        For an unknown name (the message suggests the closest one and lists all), or a
        parameter the constructor rejects.
    TypeError
        For an argument of the wrong type, or `params` given with an instance.

    Examples
    --------
    >>> get("ReLU")
    ReLU()
    >>> get("elu", alpha=0.5)
    ELU(alpha=0.5)
    >>> get(None)
    Identity()
    """
    if activation is None:
        activation = "identity"
    if isinstance(activation, Activation):
        if params:
            raise TypeError(
                f"Parameters {sorted(params)} cannot be applied to the existing instance "
                f"{activation!r}; pass a name or a class instead."
            )
        return activation
    if isinstance(activation, type) and issubclass(activation, Activation):
        if activation is Activation:
            raise TypeError("`activation` must be a concrete Activation subclass, not the base.")
        return activation(**params)
    if isinstance(activation, str):
        # Look the name up first and construct second, so that a constructor error
        # (a bad parameter) is reported as itself, never as "unknown activation".
        cls = _REGISTRY.lookup(activation)
        return cls(**params)
    raise TypeError(
        "`activation` must be a name, an Activation instance or subclass, or None; "
        f"got {type(activation).__name__}."
    )


_UNBOUNDED = KnownIssue(
    "unbounded output",
    "Positive inputs pass through unchanged, so nothing stops activations (and the "
    "gradients that depend on them) from growing large when weights or inputs are large.",
    "Standardise the inputs, keep init='auto' (the recommended initialiser) and a moderate "
    "learning rate; if the loss spikes, lower lr=, add schedule='plateau' to fit, or "
    "normalise with MLP(..., norm='batch') or norm='layer'.",
)


# --------------------------------------------------------------------------------------
# The activations, simplest first
# --------------------------------------------------------------------------------------


@register("identity", "linear")
class Identity(Activation):
    r"""Identity (linear) activation: passes the weighted sum through unchanged.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-\infty, \infty)`. The natural output activation for regression.
    :meth:`forward` returns a copy, so writing into the output never changes `z`.

    Examples
    --------
    >>> Identity().forward(np.array([-2.0, 0.5]))
    array([-2. ,  0.5])
    """

    output_range = (-math.inf, math.inf)
    zero_centred, monotonic, smooth = True, True, True
    formula = "f(z) = z"
    derivative_formula = "f'(z) = 1"
    latex = r"f(z) = z"
    derivative_latex = r"f'(z) = 1"
    recommended_init = "glorot_uniform"
    description = (
        "Returns its input unchanged. Use it in the output layer for regression; in hidden "
        "layers it adds nothing."
    )
    issues = (
        KnownIssue(
            "stays linear",
            "A composition of linear maps is linear, so a stack of layers with identity "
            "activations can only learn what a single linear layer can.",
            "Use a non-linear activation (e.g. activation='relu') in the hidden layers; keep "
            "output='identity' for the output layer of a regression network.",
        ),
        _UNBOUNDED,
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return z.copy()

    def forward_into(self, z: FloatArray, params: FloatArray) -> FloatArray:
        return z

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        return np.ones_like(z)

    def backward(
        self,
        z: FloatArray,
        a: FloatArray,
        grad_a: FloatArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        if out is None:
            return grad_a.copy()
        np.copyto(out, grad_a)
        return out


@register("sigmoid", "logistic")
class Sigmoid(Activation):
    r"""Logistic sigmoid: squashes any input into (0, 1).

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(0, 1)`; :math:`f'` is at most :math:`1/4` (at :math:`z = 0`).
    Computed with :func:`scipy.special.expit`, which never evaluates :math:`e^{-z}` for
    large negative :math:`z` and so cannot overflow; the derivative reuses the output.

    References
    ----------
    .. [1] LeCun, Y., Bottou, L., Orr, G. B. & Müller, K.-R. (1998). "Efficient BackProp".
       In *Neural Networks: Tricks of the Trade*, Springer.

    Examples
    --------
    >>> Sigmoid().forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([0.2689, 0.5   , 0.7311])
    """

    output_range = (0.0, 1.0)
    zero_centred, monotonic, smooth = False, True, True
    formula = "f(z) = 1 / (1 + exp(-z))"
    derivative_formula = "f'(z) = f(z) * (1 - f(z))"
    latex = r"f(z) = \frac{1}{1 + e^{-z}}"
    derivative_latex = r"f'(z) = f(z)\,(1 - f(z))"
    recommended_init = "glorot_uniform"
    description = (
        "Squashes the weighted sum into (0, 1), read as a probability. Use it in the output "
        "layer for binary or multi-label classification; prefer relu or tanh in hidden layers."
    )
    issues = (
        KnownIssue(
            "vanishing gradient",
            "For large |z| the curve is flat (saturated) and f'(z) is nearly 0; even at its "
            "peak f'(z) is only 1/4, so the gradient shrinks at every sigmoid layer it "
            "passes back through and early layers barely learn.",
            "Use activation='relu' (or leaky_relu, elu) in hidden layers; otherwise keep "
            "init='glorot_uniform', standardise inputs, or add MLP(..., norm='batch'). As an "
            "output, pair it with loss='binary_cross_entropy', whose fused gradient a - y does "
            "not saturate.",
        ),
        KnownIssue(
            "not zero-centred",
            "Outputs are always positive, so the gradients of all weights into the next "
            "neuron share one sign and updates zig-zag towards the optimum.",
            "Use activation='tanh' (zero-centred) in hidden layers, and standardise inputs.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return special.expit(z)

    def forward_into(self, z: FloatArray, params: FloatArray) -> FloatArray:
        return special.expit(z, out=z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        a = special.expit(z) if a is None else a
        return a * (1.0 - a)


@register("tanh")
class Tanh(Activation):
    r"""Hyperbolic tangent: a zero-centred sigmoid with range (-1, 1).

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-1, 1)`; :math:`\tanh z = 2\,\sigma(2z) - 1`. The derivative reuses the
    output, as scikit-learn does.

    References
    ----------
    .. [1] LeCun, Y., Bottou, L., Orr, G. B. & Müller, K.-R. (1998). "Efficient BackProp".
       In *Neural Networks: Tricks of the Trade*, Springer.

    Examples
    --------
    >>> Tanh().forward(np.array([0.0, 1.0])).round(4)
    array([0.    , 0.7616])
    """

    output_range = (-1.0, 1.0)
    zero_centred, monotonic, smooth = True, True, True
    formula = "f(z) = tanh(z)"
    derivative_formula = "f'(z) = 1 - f(z)^2"
    latex = r"f(z) = \tanh z"
    derivative_latex = r"f'(z) = 1 - f(z)^2"
    recommended_init = "glorot_uniform"
    description = (
        "Squashes the weighted sum into (-1, 1), centred on 0. A reasonable choice for small "
        "hidden layers; prefer the relu family for deep networks."
    )
    issues = (
        KnownIssue(
            "vanishing gradient",
            "For large |z| the curve is flat (saturated) and f'(z) is nearly 0, so little "
            "gradient flows back through saturated neurons and deep stacks learn slowly.",
            "Keep init='glorot_uniform' and standardise inputs so z stays near 0, add "
            "MLP(..., norm='batch'), or use activation='relu' (or its family) in deep "
            "networks.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return np.tanh(z)

    def forward_into(self, z: FloatArray, params: FloatArray) -> FloatArray:
        return np.tanh(z, out=z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        a = np.tanh(z) if a is None else a
        return 1.0 - a * a


@register("softsign")
class Softsign(Activation):
    r"""Softsign: like tanh, but approaching its bounds polynomially, not exponentially.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-1, 1)`. Continuously differentiable (:math:`f'(0) = 1` from both
    sides). The derivative squares :math:`1 / (1 + |z|)` rather than dividing by
    :math:`(1 + |z|)^2`, which would overflow for huge :math:`|z|`.

    References
    ----------
    .. [1] Glorot, X. & Bengio, Y. (2010). "Understanding the difficulty of training deep
       feedforward neural networks". AISTATS.

    Examples
    --------
    >>> Softsign().forward(np.array([-1.0, 0.0, 3.0]))
    array([-0.5 ,  0.  ,  0.75])
    """

    output_range = (-1.0, 1.0)
    zero_centred, monotonic, smooth = True, True, True
    formula = "f(z) = z / (1 + |z|)"
    derivative_formula = "f'(z) = 1 / (1 + |z|)^2"
    latex = r"f(z) = \frac{z}{1 + |z|}"
    derivative_latex = r"f'(z) = \frac{1}{(1 + |z|)^2}"
    recommended_init = "glorot_uniform"
    description = (
        "Squashes the weighted sum into (-1, 1) like tanh, but saturates more gently. An "
        "alternative to tanh in shallow networks."
    )
    issues = (
        KnownIssue(
            "vanishing gradient",
            "f'(z) decays like 1/z^2 for large |z|: more slowly than tanh's, but saturated "
            "neurons still pass back little gradient.",
            "Keep init='glorot_uniform' and standardise inputs, or use activation='relu' (or "
            "its family) in deep networks.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return z / (1.0 + np.abs(z))

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        inv = 1.0 / (1.0 + np.abs(z))
        return inv * inv


@register("relu")
class ReLU(Activation):
    r"""Rectified linear unit: keeps positive inputs, zeroes negative ones.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`[0, \infty)`. :math:`f` has a kink at 0 where no derivative exists; we
    use :math:`f'(0) = 0`, the convention of PyTorch, scikit-learn and micrograd. (Any value
    in [0, 1] is a valid subgradient; 0 keeps neurons that receive exactly 0 inactive.)

    References
    ----------
    .. [1] Glorot, X., Bordes, A. & Bengio, Y. (2011). "Deep Sparse Rectifier Neural
       Networks". AISTATS.

    Examples
    --------
    >>> ReLU().forward(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    >>> ReLU().derivative(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """

    output_range = (0.0, math.inf)
    zero_centred, monotonic, smooth = False, True, False
    kinks = (0.0,)
    formula = "f(z) = max(0, z)"
    derivative_formula = "f'(z) = 1 if z > 0 else 0"
    latex = r"f(z) = \max(0, z)"
    derivative_latex = r"f'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}"
    recommended_init = "he_uniform"
    kernel = "relu"
    description = (
        "Passes positive weighted sums through and zeroes negative ones. The default choice "
        "for hidden layers: cheap, and its gradient does not vanish for positive inputs."
    )
    issues = (
        KnownIssue(
            "dying ReLU",
            "A neuron whose weighted sum is negative for every input outputs 0 and gets a "
            "zero gradient, so it never recovers; a large learning rate or a big negative "
            "bias can kill many neurons at once.",
            "Use activation='leaky_relu', 'prelu' or 'elu'; lower lr= (or add a schedule); "
            "keep init='he_uniform'.",
        ),
        _UNBOUNDED,
        KnownIssue(
            "not zero-centred",
            "Outputs are never negative, so the gradients of all weights into the next "
            "neuron tend to share one sign.",
            "Usually harmless in practice; activation='elu' (or 'selu') saturates at a "
            "negative value and keeps the mean output near zero ('leaky_relu' barely moves "
            "it: its negative outputs are small).",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return np.maximum(z, 0)

    def forward_into(self, z: FloatArray, params: FloatArray) -> FloatArray:
        return np.maximum(z, 0, out=z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        # `z > 0` (not `z >= 0`) gives f'(0) = 0, the convention described above.
        return (z > 0).astype(z.dtype)

    def backward(
        self,
        z: FloatArray,
        a: FloatArray,
        grad_a: FloatArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        # Multiplying by the boolean mask directly saves building a float derivative array.
        return np.multiply(grad_a, z > 0, out=out)


@register("leaky_relu")
class LeakyReLU(Activation):
    r"""Leaky ReLU: like ReLU, but negative inputs keep a small slope.

    where :math:`\alpha` is `negative_slope`.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope :math:`\alpha` for negative inputs, in [0, 1).

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-\infty, \infty)` (:math:`[0, \infty)` when `negative_slope` is 0).
    Kink at 0, where we use :math:`f'(0) = \alpha`, as PyTorch does.
    Because :math:`0 \le \alpha < 1`, :math:`f(z) = \max(z, \alpha z)`.

    References
    ----------
    .. [1] Maas, A. L., Hannun, A. Y. & Ng, A. Y. (2013). "Rectifier Nonlinearities Improve
       Neural Network Acoustic Models". ICML Workshop on Deep Learning for Audio, Speech
       and Language Processing.

    Examples
    --------
    >>> LeakyReLU(negative_slope=0.1).forward(np.array([-2.0, 0.0, 3.0]))
    array([-0.2,  0. ,  3. ])
    """

    output_range = (-math.inf, math.inf)
    zero_centred, monotonic, smooth = True, True, False
    kinks = (0.0,)
    formula = "f(z) = z if z > 0 else negative_slope * z"
    derivative_formula = "f'(z) = 1 if z > 0 else negative_slope"
    latex = r"f(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}"
    derivative_latex = r"f'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}"
    recommended_init = "he_uniform"
    description = (
        "ReLU with a small slope for negative inputs, so no neuron's gradient is ever exactly "
        "0. Use it when many ReLU neurons die."
    )
    issues = (_UNBOUNDED,)

    def __init__(self, negative_slope: float = 0.01) -> None:
        slope = check_number(negative_slope, "negative_slope", "in [0, 1)")
        self._negative_slope = slope
        if slope == 0.0:  # exactly ReLU: the outputs never go negative
            self.output_range = (0.0, math.inf)
            self.zero_centred = False

    @property
    def negative_slope(self) -> float:
        """Slope for negative inputs."""
        return self._negative_slope

    def get_params(self) -> Params:
        return {"negative_slope": self._negative_slope}

    def forward(self, z: FloatArray) -> FloatArray:
        return np.where(z > 0, z, self._negative_slope * z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        return np.where(z > 0, 1.0, self._negative_slope).astype(z.dtype, copy=False)


@register("prelu")
class PReLU(Activation):
    r"""Parametric ReLU: a leaky ReLU whose negative slope is learned.

    Parameters
    ----------
    init : float, default=0.25
        Initial slope :math:`a` (He et al. use 0.25).
    per_neuron : bool, default=False
        Learn one slope per neuron instead of one shared by the layer.

    Shape
    -----
    - Input: ``(*, n)``, any shape; with ``per_neuron=True`` the last axis holds the
      ``n`` neurons.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-\infty, \infty)`. Kink at 0, where we use :math:`f'(0) = a`.

    ``monotonic`` is False: nothing keeps the learned slope non-negative, and with
    :math:`a < 0` the function decreases for negative inputs.

    The object holds no learned state. A :class:`~neuronet.Dense` layer owns the slope(s),
    ``n_parameters(n_units)`` of them in the network's flat buffer, and passes them to
    :meth:`forward_with` and :meth:`backward_with`; so one PReLU may be given to any number
    of layers and networks, each learning its own slopes. On its own, :meth:`forward`,
    :meth:`derivative` and :meth:`backward` use the initial slope ``init``.

    References
    ----------
    .. [1] He, K., Zhang, X., Ren, S. & Sun, J. (2015). "Delving Deep into Rectifiers:
       Surpassing Human-Level Performance on ImageNet Classification". ICCV.

    Examples
    --------
    >>> act = PReLU()
    >>> z = np.array([[-2.0, 3.0], [-1.0, 0.5]])
    >>> slope, slope_grad = np.array([0.5]), np.zeros(1)
    >>> a = act.forward_with(z, slope)
    >>> a
    array([[-1. ,  3. ],
           [-0.5,  0.5]])
    >>> act.backward_with(z, a, np.ones_like(z), slope, slope_grad)
    array([[0.5, 1. ],
           [0.5, 1. ]])
    >>> slope_grad  # sum of min(z, 0) * grad_a
    array([-3.])
    """

    output_range = (-math.inf, math.inf)
    zero_centred, monotonic, smooth = True, False, False
    kinks = (0.0,)
    formula = "f(z) = z if z > 0 else a * z  (slope a learned)"
    derivative_formula = "f'(z) = 1 if z > 0 else a;  df/da = min(z, 0)"
    latex = r"f(z) = \begin{cases} z & z > 0 \\ a z & z \le 0 \end{cases}"
    derivative_latex = (
        r"f'(z) = \begin{cases} 1 & z > 0 \\ a & z \le 0 \end{cases}, \quad "
        r"\frac{\partial f}{\partial a} = \min(z, 0)"
    )
    recommended_init = "he_uniform"
    description = (
        "A leaky ReLU that learns its negative slope, shared by the layer or one per neuron. "
        "Use it when a fixed leak is a guess you would rather let the data make."
    )
    issues = (
        _UNBOUNDED,
        KnownIssue(
            "slope decay",
            "Weight decay on the slope pulls it towards 0, turning the layer back into a "
            "ReLU with its dying-neuron problem; an unconstrained slope can also become "
            "negative, making the function non-monotonic.",
            "neuronet already leaves slopes out of weight decay (as He et al. do): l2= in fit "
            "and optimizer='adamw' decay only the weights. Watch the slope in each "
            "Dense layer's activation_parameters while training.",
        ),
    )

    def __init__(self, init: float = 0.25, per_neuron: bool = False) -> None:
        self._per_neuron = check_bool(per_neuron, "per_neuron")
        self._init = check_number(init, "init")

    @property
    def init(self) -> float:
        """Initial slope."""
        return self._init

    @property
    def per_neuron(self) -> bool:
        """Whether each neuron learns its own slope."""
        return self._per_neuron

    @property
    def negative_slope(self) -> float:
        """Initial slope, used by the He initialisation gain."""
        return self._init

    def get_params(self) -> Params:
        return {"init": self._init, "per_neuron": self._per_neuron}

    # -- learned parameters ---------------------------------------------------------------

    def n_parameters(self, n_units: int) -> int:
        if n_units < 1:
            raise ValueError(f"`n_units` must be at least 1, got {n_units!r}.")
        return n_units if self._per_neuron else 1

    def initial_parameters(self, n_units: int, dtype: DTypeLike) -> FloatArray:
        return np.full(self.n_parameters(n_units), self._init, dtype=dtype)

    def _slope(self, z: FloatArray, params: FloatArray | None) -> FloatArray | float:
        """The slope in `z`'s dtype, shaped to broadcast against `z`."""
        if params is None:
            return self._init  # a Python float: never upcasts a float32 `z`
        n_units = z.shape[-1] if z.ndim else 1
        if params.shape != (self.n_parameters(n_units),):
            raise ValueError(
                f"{self!r} needs {self.n_parameters(n_units)} slope(s) for input of shape "
                f"{z.shape}, got `params` of shape {params.shape}."
            )
        # Cast first: a float64 slope would upcast a float32 `z`. A shared slope becomes 0-d,
        # so that a 0-d `z` stays 0-d.
        slope = params.astype(z.dtype, copy=False)
        return slope if self._per_neuron else slope.reshape(())

    # -- the function ---------------------------------------------------------------------

    def forward(self, z: FloatArray) -> FloatArray:
        return self.forward_with(z, None)

    def forward_with(self, z: FloatArray, params: FloatArray | None) -> FloatArray:
        return np.where(z > 0, z, self._slope(z, params) * z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        return np.where(z > 0, 1.0, self._init).astype(z.dtype, copy=False)

    def backward_with(
        self,
        z: FloatArray,
        a: FloatArray,
        grad_a: FloatArray,
        params: FloatArray,
        params_grad: FloatArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        slope = self._slope(z, params)
        # The slope gradient must be taken before `out` is written: `out` may be `grad_a`.
        grad_slope = grad_a * np.minimum(z, 0)
        if self._per_neuron:
            params_grad[...] = grad_slope.sum(axis=tuple(range(grad_slope.ndim - 1)))
        else:
            params_grad[...] = grad_slope.sum()
        return np.multiply(grad_a, np.where(z > 0, 1.0, slope), out=out)


@register("elu")
class ELU(Activation):
    r"""Exponential linear unit: identity for positive inputs, a smooth exponential floor.

    Parameters
    ----------
    alpha : float, default=1.0
        Size of the negative saturation, :math:`f(-\infty) = -\alpha`; must be > 0.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-\alpha, \infty)`. With :math:`\alpha = 1` the derivative is continuous
    (both sides give 1 at 0), so ``smooth`` is True; otherwise :math:`f'` jumps at 0, where
    we use the left value :math:`f'(0) = \alpha`, as PyTorch does.
    The exponential is evaluated as ``expm1(minimum(z, 0))``: it never sees a positive
    argument, so it cannot overflow, and ``expm1`` stays accurate near 0.

    References
    ----------
    .. [1] Clevert, D.-A., Unterthiner, T. & Hochreiter, S. (2015). "Fast and Accurate Deep
       Network Learning by Exponential Linear Units (ELUs)". arXiv:1511.07289.

    Examples
    --------
    >>> ELU().forward(np.array([-1.0, 0.0, 2.0])).round(4)
    array([-0.6321,  0.    ,  2.    ])
    """

    output_range = (-1.0, math.inf)
    zero_centred, monotonic, smooth = True, True, True  # for the default alpha = 1
    formula = "f(z) = z if z > 0 else alpha * (exp(z) - 1)"
    derivative_formula = "f'(z) = 1 if z > 0 else alpha * exp(z)"
    latex = r"f(z) = \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}"
    derivative_latex = r"f'(z) = \begin{cases} 1 & z > 0 \\ \alpha e^{z} & z \le 0 \end{cases}"
    recommended_init = "he_uniform"
    description = (
        "Identity for positive inputs and a smooth exponential that saturates at -alpha for "
        "negative ones, pushing mean activations towards 0. A drop-in for relu that avoids "
        "dead neurons."
    )
    issues = (
        _UNBOUNDED,
        KnownIssue(
            "compute cost",
            "Each negative input costs an exponential, so it is slower than relu.",
            "Use activation='relu' or 'leaky_relu' when speed matters more than the small "
            "accuracy gain.",
        ),
    )

    def __init__(self, alpha: float = 1.0) -> None:
        value = check_number(alpha, "alpha", "> 0")
        self._alpha = value
        self.output_range = (-value, math.inf)
        if value != 1.0:  # the left derivative at 0 is alpha, the right one 1
            self.smooth = False
            self.kinks = (0.0,)

    @property
    def alpha(self) -> float:
        """Size of the negative saturation."""
        return self._alpha

    def get_params(self) -> Params:
        return {"alpha": self._alpha}

    def forward(self, z: FloatArray) -> FloatArray:
        return np.where(z > 0, z, self._alpha * np.expm1(np.minimum(z, 0)))

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        # alpha * e^z, not the cheaper f(z) + alpha: that sum cancels in the left tail and
        # loses all relative accuracy by z ≈ -37 (float64), where alpha * e^z stays exact.
        return np.where(z > 0, 1.0, self._alpha * np.exp(np.minimum(z, 0)))


#: SELU constants from Klambauer et al. (2017), to double precision.
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


@register("selu")
class SELU(Activation):
    r"""Scaled ELU: an ELU with fixed constants that make a network self-normalising.

    with :math:`\alpha \approx 1.6733` and :math:`\lambda \approx 1.0507`.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(-\lambda\alpha, \infty) \approx (-1.7581, \infty)`. The derivative jumps
    at 0 (from :math:`\lambda\alpha` to :math:`\lambda`); we use the left value
    :math:`f'(0) = \lambda\alpha`, as PyTorch does. The constants are chosen so that,
    with ``lecun_normal`` weights and standardised inputs, each layer's outputs keep mean 0
    and variance 1. ``expm1(minimum(z, 0))`` keeps the exponential from overflowing.

    References
    ----------
    .. [1] Klambauer, G., Unterthiner, T., Mayr, A. & Hochreiter, S. (2017).
       "Self-Normalizing Neural Networks". NeurIPS. arXiv:1706.02515.

    Examples
    --------
    >>> SELU().forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-1.1113,  0.    ,  1.0507])
    """

    output_range = (-SELU_SCALE * SELU_ALPHA, math.inf)
    zero_centred, monotonic, smooth = True, True, False
    kinks = (0.0,)
    formula = (
        "f(z) = scale * (z if z > 0 else alpha * (exp(z) - 1)), alpha ≈ 1.6733, scale ≈ 1.0507"
    )
    derivative_formula = "f'(z) = scale if z > 0 else scale * alpha * exp(z)"
    latex = r"f(z) = \lambda \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}"
    derivative_latex = (
        r"f'(z) = \begin{cases} \lambda & z > 0 \\ \lambda\alpha e^{z} & z \le 0 \end{cases}"
    )
    recommended_init = "lecun_normal"
    description = (
        "An ELU scaled so that activations keep zero mean and unit variance through the "
        "layers. Use it for deep fully-connected networks without batch normalisation."
    )
    issues = (
        KnownIssue(
            "needs matching initialisation",
            "Self-normalisation holds only when the weights are lecun_normal and the inputs "
            "standardised; otherwise activations drift, and ordinary dropout breaks it too.",
            "Keep init='lecun_normal' (what init='auto' picks) and standardise the inputs; "
            "leave MLP's dropout= at 0 and regularise with l2= in fit instead.",
        ),
        _UNBOUNDED,
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        # λα e^z directly; f(z) + λα would cancel in the left tail (see ELU.derivative).
        return np.where(z > 0, SELU_SCALE, (SELU_SCALE * SELU_ALPHA) * np.exp(np.minimum(z, 0)))


@register("softplus")
class Softplus(Activation):
    r"""Softplus: a smooth ReLU whose derivative is the sigmoid.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(0, \infty)`. Written as ``logaddexp(0, z)`` :math:`= \max(z, 0) +
    \log(1 + e^{-|z|})`, which never exponentiates a positive number: the naive formula
    overflows near :math:`z = 710` in float64 and :math:`z = 89` in float32.

    References
    ----------
    .. [1] Dugas, C., Bengio, Y., Bélisle, F., Nadeau, C. & Garcia, R. (2001).
       "Incorporating Second-Order Functional Knowledge for Better Option Pricing". NeurIPS.

    Examples
    --------
    >>> Softplus().forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([0.3133, 0.6931, 1.3133])
    """

    output_range = (0.0, math.inf)
    zero_centred, monotonic, smooth = False, True, True
    formula = "f(z) = log(1 + exp(z))"
    derivative_formula = "f'(z) = 1 / (1 + exp(-z))"
    latex = r"f(z) = \log(1 + e^{z})"
    derivative_latex = r"f'(z) = \frac{1}{1 + e^{-z}}"
    recommended_init = "glorot_uniform"
    description = (
        "A smooth version of relu that is always positive. Use it where an output must be "
        "positive (a scale or a rate) or a smooth hidden activation is wanted."
    )
    issues = (
        _UNBOUNDED,
        KnownIssue(
            "not zero-centred",
            "Outputs are always positive (f(0) = log 2), so the gradients of all weights "
            "into the next neuron tend to share one sign.",
            "Prefer activation='relu', 'elu' or 'tanh' in hidden layers; softplus suits "
            "positive outputs.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return np.logaddexp(0, z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        return special.expit(z)


#: Minima of the non-monotonic activations, from solving f'(z) = 0 to 20 digits (mpmath).
GELU_MINIMUM = -0.16997120747990366  # at z ≈ -0.7517915
GELU_TANH_MINIMUM = -0.17004075057125405  # at z ≈ -0.7524614
SILU_MINIMUM = -0.2784645427610738  # at z ≈ -1.2784645 (where z = -1 - e^z)
MISH_MINIMUM = -0.30884341301725043  # at z ≈ -1.1924312

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715
# Beyond these |z| the Gaussian density and the tanh saturate to exactly 0 and 1 in
# float64, so clipping there changes nothing but keeps z*z (and z**3) from overflowing.
_GELU_PDF_CLIP = 50.0
_GELU_TANH_CLIP = 100.0


@register("gelu")
class GELU(Activation):
    r"""Gaussian error linear unit: the input weighted by the probability it is positive.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default="none"
        ``"none"`` for the exact form, ``"tanh"`` for the approximation of Hendrycks &
        Gimpel (both as in PyTorch).

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    :math:`\Phi` and :math:`\varphi` are the standard normal CDF and density.
    Range :math:`(\approx -0.16997, \infty)`: not monotonic, it dips to its minimum
    :math:`-0.169971\ldots` at :math:`z \approx -0.7518` (:math:`-0.170041\ldots` for the
    tanh form) before rising back to 0. The exact form uses ``z * ndtr(z)``, which stays
    accurate for negative :math:`z` where :math:`1 + \operatorname{erf}` would cancel. The
    tanh form is evaluated as :math:`z\,\sigma(2u)` (since :math:`1 + \tanh u = 2\sigma(2u)`),
    and :math:`u` is computed from :math:`z` clipped to :math:`\pm 100`, past which the
    result saturates anyway, so :math:`z^3` cannot overflow.

    References
    ----------
    .. [1] Hendrycks, D. & Gimpel, K. (2016). "Gaussian Error Linear Units (GELUs)".
       arXiv:1606.08415.

    Examples
    --------
    >>> GELU().forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.1587,  0.    ,  0.8413])
    >>> GELU(approximate="tanh").forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.1588,  0.    ,  0.8412])
    """

    output_range = (GELU_MINIMUM, math.inf)
    zero_centred, monotonic, smooth = True, False, True
    formula = "f(z) = z * Phi(z) = 0.5 * z * (1 + erf(z / sqrt(2)))"
    derivative_formula = (
        "f'(z) = Phi(z) + z * phi(z), with Phi, phi the standard normal CDF and density"
    )
    latex = r"f(z) = z\,\Phi(z) = \tfrac{1}{2} z \left(1 + \operatorname{erf}(z/\sqrt{2})\right)"
    derivative_latex = r"f'(z) = \Phi(z) + z\,\varphi(z)"
    variants = (
        Formulas(
            'approximate="tanh"',
            "f(z) = 0.5 * z * (1 + tanh(u)),  u = sqrt(2/pi) * (z + 0.044715 z^3)",
            "f'(z) = 0.5 * (1 + tanh(u)) + 0.5 * z * (1 - tanh(u)^2) * du/dz,  "
            "du/dz = sqrt(2/pi) * (1 + 3 * 0.044715 z^2)",
            r"f(z) = \tfrac{1}{2} z \bigl(1 + \tanh u\bigr), \quad "
            r"u = \sqrt{2/\pi}\,(z + 0.044715 z^3)",
            r"f'(z) = \tfrac{1}{2}(1 + \tanh u) + \tfrac{1}{2} z\,(1 - \tanh^2 u)\,u'",
        ),
    )
    recommended_init = "he_uniform"
    description = (
        "Weights each input by the probability that a standard normal variable is below it: "
        "a smooth relu with a small negative dip. The usual choice in transformers."
    )
    issues = (
        KnownIssue(
            "compute cost",
            "Needs an error function (or a tanh) per element, several times the cost of relu.",
            "Use GELU(approximate='tanh'), or activation='relu' when speed matters.",
        ),
    )

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"`approximate` must be 'none' or 'tanh', got {approximate!r}.")
        self._approximate = approximate
        if approximate == "tanh":
            self.output_range = (GELU_TANH_MINIMUM, math.inf)
            self._use_formulas(self.variants[0])

    @property
    def approximate(self) -> str:
        """``"none"`` (exact) or ``"tanh"``."""
        return self._approximate

    def get_params(self) -> Params:
        return {"approximate": self._approximate}

    def _tanh_argument(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return u and du/dz of the tanh approximation, from z clipped to stay finite."""
        zc = np.clip(z, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
        u = _SQRT_2_OVER_PI * (zc + _GELU_CUBIC * zc**3)
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * zc * zc)
        return u, du

    def forward(self, z: FloatArray) -> FloatArray:
        if self._approximate == "tanh":
            u, _ = self._tanh_argument(z)
            return z * special.expit(2.0 * u)
        return z * special.ndtr(z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        if self._approximate == "tanh":
            u, du = self._tanh_argument(z)
            s, s_neg = special.expit(2.0 * u), special.expit(-2.0 * u)
            # (1 - tanh^2 u) / 2 = 2 s (1 - s); multiply by z last so 0 * z stays 0.
            return s + (2.0 * du * s * s_neg) * z
        zc = np.clip(z, -_GELU_PDF_CLIP, _GELU_PDF_CLIP)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * zc * zc)
        return special.ndtr(z) + z * pdf


@register("silu", "swish")
class SiLU(Activation):
    r"""Sigmoid linear unit (swish): the input weighted by its own sigmoid.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(\approx -0.27846, \infty)`: not monotonic, with minimum
    :math:`-0.278465\ldots` at :math:`z \approx -1.2785`. :math:`\sigma` is
    :func:`scipy.special.expit`, which cannot overflow; for large :math:`|z|` the products
    involve an exact 0 or 1, so they stay finite.

    References
    ----------
    .. [1] Ramachandran, P., Zoph, B. & Le, Q. V. (2017). "Searching for Activation
       Functions". arXiv:1710.05941.
    .. [2] Elfwing, S., Uchibe, E. & Doya, K. (2018). "Sigmoid-Weighted Linear Units for
       Neural Network Function Approximation in Reinforcement Learning". Neural Networks.

    Examples
    --------
    >>> SiLU().forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.2689,  0.    ,  0.7311])
    """

    output_range = (SILU_MINIMUM, math.inf)
    zero_centred, monotonic, smooth = True, False, True
    formula = "f(z) = z * sigmoid(z)"
    derivative_formula = "f'(z) = sigmoid(z) * (1 + z * (1 - sigmoid(z)))"
    latex = r"f(z) = z\,\sigma(z)"
    derivative_latex = r"f'(z) = \sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)"
    recommended_init = "he_uniform"
    description = (
        "Multiplies the input by its sigmoid: a smooth relu with a small negative dip. Often "
        "a little better than relu in deep networks, at the cost of a sigmoid per element."
    )
    issues = (
        KnownIssue(
            "compute cost",
            "Needs a sigmoid per element, several times the cost of relu.",
            "Use activation='relu' when speed matters more than the small accuracy gain.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return z * special.expit(z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        s = special.expit(z)
        return s * (1.0 + z * (1.0 - s))


@register("mish")
class Mish(Activation):
    r"""Mish: the input weighted by the tanh of its softplus.

    Shape
    -----
    - Input: ``(*, n)``, any shape.
    - Output: same shape.

    Notes
    -----
    Range :math:`(\approx -0.30884, \infty)`: not monotonic, with minimum
    :math:`-0.308843\ldots` at :math:`z \approx -1.1924`. The softplus is
    ``logaddexp(0, z)``, which cannot overflow, and its tanh saturates cleanly at 1.

    References
    ----------
    .. [1] Misra, D. (2019). "Mish: A Self Regularized Non-Monotonic Activation Function".
       arXiv:1908.08681.

    Examples
    --------
    >>> Mish().forward(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.3034,  0.    ,  0.8651])
    """

    output_range = (MISH_MINIMUM, math.inf)
    zero_centred, monotonic, smooth = True, False, True
    formula = "f(z) = z * tanh(softplus(z)),  softplus(z) = log(1 + exp(z))"
    derivative_formula = "f'(z) = tanh(softplus(z)) + z * sigmoid(z) * (1 - tanh(softplus(z))^2)"
    latex = r"f(z) = z \tanh\left(\log(1 + e^{z})\right)"
    derivative_latex = (
        r"f'(z) = \tanh(s) + z\,\sigma(z)\,(1 - \tanh^2 s), \quad s = \log(1 + e^{z})"
    )
    recommended_init = "he_uniform"
    description = (
        "Multiplies the input by the tanh of its softplus: a smooth relu with a small "
        "negative dip, similar to silu. Worth trying in deep networks when relu plateaus."
    )
    issues = (
        KnownIssue(
            "compute cost",
            "Needs an exponential, a logarithm and a tanh per element: the slowest here.",
            "Use activation='silu' or 'relu' when speed matters.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        return z * np.tanh(np.logaddexp(0, z))

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        t = np.tanh(np.logaddexp(0, z))
        return t + z * (1.0 - t * t) * special.expit(z)


@register("softmax")
class Softmax(Activation):
    r"""Softmax: turns a row of scores into a probability distribution over the last axis.

    Shape
    -----
    - Input: ``(*, k)``, normalised over the last axis (``k`` classes).
    - Output: same shape; each row sums to 1.

    Notes
    -----
    Range :math:`(0, 1)`. Not element-wise: every output depends on the whole row, so
    :meth:`derivative` raises and :meth:`backward` computes the vector-Jacobian product
    :math:`a \odot (g - \langle g, a \rangle)` directly, without building the
    :math:`k \times k` Jacobian. The forward pass subtracts the row maximum before
    exponentiating, so no exponential overflows (the operations of
    :func:`scipy.special.softmax`, in its order, without its array-API dispatch).

    References
    ----------
    .. [1] Bridle, J. S. (1990). "Probabilistic Interpretation of Feedforward Classification
       Network Outputs, with Relationships to Statistical Pattern Recognition".
       In *Neurocomputing*, Springer.

    Examples
    --------
    >>> Softmax().forward(np.array([[0.0, 0.0], [0.0, np.log(3.0)]]))
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """

    output_range = (0.0, 1.0)
    zero_centred, monotonic, smooth = False, False, True
    elementwise = False
    kernel = "softmax"
    formula = "f(z)_i = exp(z_i) / sum_j exp(z_j)  (over the last axis)"
    derivative_formula = "df_i/dz_j = f_i * (delta_ij - f_j)"
    latex = r"f(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}"
    derivative_latex = r"\frac{\partial f_i}{\partial z_j} = f_i\,(\delta_{ij} - f_j)"
    recommended_init = "glorot_uniform"
    description = (
        "Turns each row of scores into probabilities that sum to 1. Use it in the output "
        "layer for single-label multi-class classification, with cross-entropy loss."
    )
    issues = (
        KnownIssue(
            "output layer only",
            "Softmax couples the units of a layer (they compete to sum to 1) and saturates "
            "when one score dominates, so in a hidden layer it starves the network of "
            "gradient.",
            "Use it only in the output layer, output='softmax' with "
            "loss='categorical_cross_entropy': their fused gradient a - y is exact, cheap and "
            "never saturates.",
        ),
    )

    def forward(self, z: FloatArray) -> FloatArray:
        z = np.asarray(z)
        if not np.issubdtype(z.dtype, np.floating):
            return special.softmax(z, axis=-1)
        return self.forward_into(z.copy(), np.empty(0, z.dtype))

    def forward_into(self, z: FloatArray, params: FloatArray) -> FloatArray:
        # scipy.special.softmax's operations in its order, in place: its array-API dispatch
        # costs more than the arithmetic on a few rows.
        # (The methods, not np.max and np.sum: the same reductions, a microsecond less each.)
        np.subtract(z, z.max(axis=-1, keepdims=True), out=z)
        np.exp(z, out=z)
        return np.divide(z, z.sum(axis=-1, keepdims=True), out=z)

    def derivative(self, z: FloatArray, a: FloatArray | None = None) -> FloatArray:
        raise TypeError(
            "Softmax is not element-wise: each output depends on every input in its row, so "
            "it has a Jacobian, not an element-wise derivative. Use "
            "backward(z, a, grad_a) for the vector-Jacobian product."
        )

    def backward(
        self,
        z: FloatArray,
        a: FloatArray,
        grad_a: FloatArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        # J^T g with J = diag(a) - a a^T is a * (g - <g, a>): O(k) per row instead of O(k^2).
        # The dot product is taken before `out` is written, since `out` may be `grad_a`.
        dot = np.sum(grad_a * a, axis=-1, keepdims=True)
        result = np.subtract(grad_a, dot, out=out)
        return np.multiply(a, result, out=result)
