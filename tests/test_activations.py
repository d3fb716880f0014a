"""Tests for neuronet.activations.

Every registered activation is checked, without a hand-kept list, against an independent
reference, against float64 central differences, at extreme inputs, and against the
properties it declares (range, monotonicity, zero-centring, smoothness) on a dense grid.
"""

import json
import math

import numpy as np
import pytest

from neuronet import activations
from neuronet.activations import (
    ELU,
    GELU,
    Activation,
    Identity,
    KnownIssue,
    LeakyReLU,
    PReLU,
    ReLU,
    Softmax,
)
from numerics import central_differences

# The SELU constants as printed in Klambauer et al. (2017), written out independently.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

ALL_NAMES = (
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "softmax",
    "elu",
    "selu",
    "gelu",
    "silu",
    "softplus",
    "softsign",
    "mish",
)


# --------------------------------------------------------------------------------------
# Independent references: closed forms evaluated one element at a time with `math`.
# --------------------------------------------------------------------------------------


def _elementwise(fn):
    def reference(z, **params):
        values = [fn(float(x), **params) for x in np.ravel(z)]
        return np.array(values, dtype=np.float64).reshape(np.shape(z))

    return reference


def _softmax_rows(z):
    out = np.empty(np.shape(z), dtype=np.float64)
    for index in np.ndindex(np.shape(z)[:-1]):
        row = [float(x) for x in z[index]]
        top = max(row)
        exps = [math.exp(x - top) for x in row]
        total = math.fsum(exps)
        out[index] = [e / total for e in exps]
    return out


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        return 0.5 * x * (1.0 + math.tanh(inner))
    return 0.5 * x * math.erfc(-x / math.sqrt(2.0))


REFERENCES = {
    "identity": _elementwise(lambda x: x),
    "sigmoid": _elementwise(lambda x: 1.0 / (1.0 + math.exp(-x))),
    "tanh": _elementwise(math.tanh),
    "relu": _elementwise(lambda x: max(x, 0.0)),
    "leaky_relu": _elementwise(lambda x, negative_slope=0.01: x if x > 0 else negative_slope * x),
    "prelu": _elementwise(lambda x, init=0.25, per_neuron=False: x if x > 0 else init * x),
    "softmax": lambda z: _softmax_rows(z),
    "elu": _elementwise(lambda x, alpha=1.0: x if x > 0 else alpha * math.expm1(x)),
    "selu": _elementwise(
        lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * math.expm1(x)),
    ),
    "gelu": _elementwise(_gelu),
    "silu": _elementwise(lambda x: x / (1.0 + math.exp(-x))),
    "softplus": _elementwise(lambda x: math.log1p(math.exp(x))),
    "softsign": _elementwise(lambda x: x / (1.0 + abs(x))),
    "mish": _elementwise(lambda x: x * math.tanh(math.log1p(math.exp(x)))),
}

# Non-default parameters worth testing too; every case below runs through every check.
VARIANTS = {
    "leaky_relu": [{"negative_slope": 0.2}, {"negative_slope": 0.0}],
    "prelu": [{"init": -0.3}, {"per_neuron": True}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.0}],
    "gelu": [{"approximate": "tanh"}],
}
CASES = [(name, {}) for name in activations.names()] + [
    (name, params) for name, variants in VARIANTS.items() for params in variants
]


def _case_id(case):
    name, params = case
    return "-".join([name, *(f"{key}={value}" for key, value in params.items())])


def _instance(request):
    name, params = request.param
    return name, params, activations.get(name, **params)


@pytest.fixture(params=CASES, ids=_case_id)
def case(request):
    """(name, params, an instance)."""
    return _instance(request)


@pytest.fixture(
    params=[c for c in CASES if activations.get(c[0], **c[1]).elementwise], ids=_case_id
)
def elementwise_case(request):
    """The cases with an element-wise derivative (softmax's backward is checked instead)."""
    return _instance(request)


@pytest.fixture(
    params=[c for c in CASES if not activations.get(c[0], **c[1]).n_parameters(1)], ids=_case_id
)
def parameterless_case(request):
    """The cases without learned parameters (all but PReLU)."""
    return _instance(request)


def _away_from_kinks(act, rng, n_rows, low=-6.0, high=6.0):
    """Random float64 points, shape (n_rows, 4), none within 1e-3 of a kink."""
    z = rng.uniform(low, high, size=8 * n_rows)
    for kink in act.kinks:
        z = z[np.abs(z - kink) > 1e-3]
    return z[: 4 * n_rows].reshape(n_rows, 4)


# --------------------------------------------------------------------------------------
# Forward against the references
# --------------------------------------------------------------------------------------


def test_every_activation_has_a_reference():
    assert set(activations.names()) == set(REFERENCES)


def test_forward_matches_reference(case, rng):
    name, params, act = case
    z = np.concatenate([rng.uniform(-8.0, 8.0, size=(25, 4)), [[-1.0, 0.0, 1.0, 1e-3]]])
    a = act.forward(z)
    assert a.shape == z.shape
    assert a.dtype == np.float64
    np.testing.assert_allclose(a, REFERENCES[name](z, **params), rtol=1e-10, atol=1e-12)


def test_forward_float32_matches_reference(case, rng):
    name, params, act = case
    z = rng.uniform(-8.0, 8.0, size=(25, 4)).astype(np.float32)
    a = act.forward(z)
    assert a.dtype == np.float32
    expected = REFERENCES[name](z.astype(np.float64), **params)
    np.testing.assert_allclose(a, expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------
# Derivative and backward against float64 central differences
# --------------------------------------------------------------------------------------

STEP = 1e-6


def test_derivative_matches_finite_differences(elementwise_case, rng):
    _, _, act = elementwise_case
    z = _away_from_kinks(act, rng, n_rows=50)
    numerical = central_differences(lambda: act.forward(z), z, step=STEP)
    derivative = act.derivative(z)
    assert derivative.shape == z.shape
    assert derivative.dtype == np.float64
    np.testing.assert_allclose(derivative, numerical, rtol=1e-6, atol=1e-8)
    # Passing the output we already have must not change the answer.
    np.testing.assert_allclose(act.derivative(z, act.forward(z)), derivative, rtol=1e-12)


def test_backward_matches_finite_differences(case, rng):
    """dL/dz for L = sum(grad_a * f(z)), one input at a time (works for softmax too)."""
    _, _, act = case
    z = _away_from_kinks(act, rng, n_rows=10)
    grad_a = rng.normal(size=z.shape)
    numerical = central_differences(lambda: act.forward(z), z, step=STEP, weights=grad_a)
    grad_z = act.backward(z, act.forward(z), grad_a)
    assert grad_z.shape == z.shape
    np.testing.assert_allclose(grad_z, numerical, rtol=1e-6, atol=1e-8)


def test_backward_into_out_that_aliases_grad_a(case, rng):
    _, _, act = case
    z = rng.normal(scale=3.0, size=(6, 4))
    a = act.forward(z)
    grad_a = rng.normal(size=z.shape)
    expected = act.backward(z, a, grad_a.copy())

    separate = np.empty_like(z)
    assert act.backward(z, a, grad_a.copy(), out=separate) is separate
    np.testing.assert_array_equal(separate, expected)

    in_place = grad_a.copy()
    assert act.backward(z, a, in_place, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, expected)


KINK_DERIVATIVES = [
    # (name, params, f'(kink)): the documented conventions at the kink z = 0.
    ("relu", {}, 0.0),
    ("leaky_relu", {}, 0.01),
    ("leaky_relu", {"negative_slope": 0.2}, 0.2),
    ("prelu", {}, 0.25),
    ("prelu", {"init": -0.3}, -0.3),
    ("elu", {"alpha": 0.5}, 0.5),
    ("selu", {}, SELU_SCALE * SELU_ALPHA),
]


@pytest.mark.parametrize(("name", "params", "expected"), KINK_DERIVATIVES)
def test_derivative_convention_at_the_kink(name, params, expected):
    act = activations.get(name, **params)
    assert act.kinks == (0.0,)
    for dtype in (np.float32, np.float64):
        z = np.zeros((1, 3), dtype=dtype)
        d = act.derivative(z)
        assert d.dtype == dtype
        np.testing.assert_allclose(d, expected, rtol=1e-6)
        np.testing.assert_allclose(act.backward(z, act.forward(z), np.ones_like(z)), d)


def test_kink_derivative_is_a_one_sided_limit(case):
    """Whatever the convention, f'(kink) is the derivative from one side or the other."""
    _, _, act = case
    for kink in act.kinks:
        left, at, right = act.derivative(np.array([[kink - 1e-9, kink, kink + 1e-9]]))[0]
        assert math.isclose(at, left, rel_tol=1e-6) or math.isclose(at, right, rel_tol=1e-6)


# --------------------------------------------------------------------------------------
# Softmax
# --------------------------------------------------------------------------------------


def test_softmax_backward_matches_the_full_jacobian(rng):
    act = Softmax()
    z = rng.normal(scale=3.0, size=(4, 5))
    grad_a = rng.normal(size=z.shape)
    grad_z = act.backward(z, act.forward(z), grad_a)
    for row in range(z.shape[0]):
        # The closed form, built in full: jacobian[i, j] = d a_i / d z_j = a_i (δ_ij - a_j).
        a = np.exp(z[row]) / np.exp(z[row]).sum()
        jacobian = np.diag(a) - np.outer(a, a)
        np.testing.assert_allclose(grad_z[row], jacobian.T @ grad_a[row], rtol=1e-10, atol=1e-14)


def test_softmax_derivative_raises_and_points_to_backward():
    with pytest.raises(TypeError, match="backward"):
        Softmax().derivative(np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_rows_sum_to_one_at_extremes(dtype):
    z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = Softmax().forward(z)
    assert a.dtype == dtype
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a, [[0, 0, 1], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-6)


# --------------------------------------------------------------------------------------
# PReLU: the learned slope
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_neuron", [False, True], ids=["shared", "per_neuron"])
def test_prelu_slope_gradient_matches_finite_differences(per_neuron, rng):
    n_units = 4
    act = PReLU(per_neuron=per_neuron)
    slope = rng.uniform(-0.5, 0.5, size=act.n_parameters(n_units))
    slope_grad = np.zeros_like(slope)
    z = rng.normal(size=(3, 5, n_units))  # two leading (batch) axes to sum over
    grad_a = rng.normal(size=z.shape)
    act.backward_with(z, act.forward_with(z, slope), grad_a, slope, slope_grad)
    # L = sum(grad_a * f(z)) is linear in the slope, so central differences are exact up to
    # rounding; a larger step keeps that rounding small.
    numerical = central_differences(
        lambda: act.forward_with(z, slope), slope, step=1e-3, weights=grad_a
    )
    np.testing.assert_allclose(slope_grad, numerical, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("per_neuron", [False, True], ids=["shared", "per_neuron"])
def test_prelu_backward_assigns_rather_than_accumulates_the_slope_gradient(per_neuron, rng):
    act = PReLU(per_neuron=per_neuron)
    n_slopes = act.n_parameters(3)
    slope, slope_grad = np.full(n_slopes, 0.25), np.full(n_slopes, 99.0)  # stale values
    z = rng.normal(size=(8, 3))
    grad_a = rng.normal(size=z.shape)
    a = act.forward_with(z, slope)
    act.backward_with(z, a, grad_a, slope, slope_grad)
    once = slope_grad.copy()
    act.backward_with(z, a, grad_a, slope, slope_grad)
    np.testing.assert_array_equal(slope_grad, once)
    by_neuron = np.sum(grad_a * np.minimum(z, 0), axis=0)
    np.testing.assert_allclose(once, by_neuron if per_neuron else [by_neuron.sum()])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prelu_reads_and_writes_the_given_views(dtype):
    params, grads = np.zeros(6, dtype=dtype), np.zeros(6, dtype=dtype)
    act = PReLU(per_neuron=True)
    slope, slope_grad = params[2:5], grads[2:5]
    params[2:5] = [0.5, -0.25, 0.125]
    z = np.array([[-1.0, -1.0, -1.0], [2.0, -4.0, 1.0]], dtype=dtype)
    a = act.forward_with(z, slope)
    assert a.dtype == dtype
    np.testing.assert_array_equal(a, [[-0.5, 0.25, -0.125], [2.0, 1.0, 1.0]])

    grad_z = act.backward_with(z, a, np.ones_like(z), slope, slope_grad)
    assert grad_z.dtype == dtype
    np.testing.assert_array_equal(grad_z, [[0.5, -0.25, 0.125], [1.0, -0.25, 1.0]])
    np.testing.assert_array_equal(grads, [0, 0, -1, -5, -1, 0])
    np.testing.assert_array_equal(params, [0, 0, 0.5, -0.25, 0.125, 0])


def test_prelu_alone_uses_its_initial_slope_and_holds_no_state(rng):
    act = PReLU(init=0.1, per_neuron=True)
    z = rng.normal(size=(4, 3)).astype(np.float32)
    a = act.forward(z)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, np.where(z > 0, z, 0.1 * z), rtol=1e-6)
    np.testing.assert_allclose(act.derivative(z), np.where(z > 0, 1.0, 0.1), rtol=1e-6)
    before = dict(vars(act))
    act.backward_with(z, a, np.ones_like(z), np.full(3, 0.5), np.zeros(3))
    assert vars(act) == before  # nothing learned is kept on the activation


def test_prelu_parameters():
    shared, per_neuron = PReLU(init=0.1), PReLU(init=0.1, per_neuron=True)
    assert shared.n_parameters(5) == 1
    assert per_neuron.n_parameters(5) == 5
    initial = per_neuron.initial_parameters(5, np.float32)
    assert initial.dtype == np.float32
    np.testing.assert_array_equal(initial, np.full(5, 0.1, dtype=np.float32))
    assert shared.negative_slope == 0.1


@pytest.mark.parametrize(
    ("per_neuron", "params"),
    [
        (False, np.zeros(2)),  # a shared slope is one number
        (True, np.zeros(2)),  # one per neuron: 3 here
        (True, np.zeros((1, 3))),  # views are 1-D
    ],
)
def test_prelu_rejects_parameters_of_the_wrong_shape(per_neuron, params):
    with pytest.raises(ValueError, match="params"):
        PReLU(per_neuron=per_neuron).forward_with(np.zeros((2, 3)), params)


def test_activations_without_parameters(parameterless_case, rng):
    _, _, act = parameterless_case
    assert act.n_parameters(7) == 0
    empty = act.initial_parameters(7, np.float32)
    assert empty.shape == (0,)
    assert empty.dtype == np.float32
    # What a layer does for every activation: the same results as without parameters.
    z = rng.normal(size=(3, 7))
    a = act.forward_with(z, empty)
    np.testing.assert_array_equal(a, act.forward(z))
    grad = rng.normal(size=z.shape)
    np.testing.assert_array_equal(
        act.backward_with(z, a, grad, empty, empty), act.backward(z, a, grad)
    )


# --------------------------------------------------------------------------------------
# Extreme inputs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e4, 1e30])
def test_extremes_are_finite_keep_dtype_and_raise_no_warnings(case, dtype, scale):
    _, _, act = case
    row = [-scale, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, scale]
    z = np.array([row, row[::-1]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        results = [a, act.backward(z, a, np.ones_like(z))]
        if act.elementwise:
            results += [act.derivative(z), act.derivative(z, a)]
    for result in results:
        assert result.dtype == dtype
        assert result.shape == z.shape
        assert np.isfinite(result).all()


# (f(-1e4), f(1e4), f'(-1e4), f'(1e4)) worked out by hand for the default parameters.
SATURATION = {
    "identity": (-1e4, 1e4, 1.0, 1.0),
    "sigmoid": (0.0, 1.0, 0.0, 0.0),
    "tanh": (-1.0, 1.0, 0.0, 0.0),
    "relu": (0.0, 1e4, 0.0, 1.0),
    "leaky_relu": (-100.0, 1e4, 0.01, 1.0),
    "prelu": (-2500.0, 1e4, 0.25, 1.0),
    "softmax": (0.0, 1.0, None, None),  # the row [-1e4, 1e4]
    "elu": (-1.0, 1e4, 0.0, 1.0),
    "selu": (-SELU_SCALE * SELU_ALPHA, SELU_SCALE * 1e4, 0.0, SELU_SCALE),
    "gelu": (0.0, 1e4, 0.0, 1.0),
    "silu": (0.0, 1e4, 0.0, 1.0),
    "softplus": (0.0, 1e4, 0.0, 1.0),
    "softsign": (-1e4 / 10001, 1e4 / 10001, 1 / 10001**2, 1 / 10001**2),
    "mish": (0.0, 1e4, 0.0, 1.0),
}


def test_every_activation_has_saturation_values():
    assert set(activations.names()) == set(SATURATION)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", activations.names())
def test_saturation_values(name, dtype):
    act = activations.get(name)
    f_low, f_high, d_low, d_high = SATURATION[name]
    z = np.array([[-1e4, 1e4]], dtype=dtype)
    atol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(act.forward(z), [[f_low, f_high]], rtol=1e-6, atol=atol)
    if act.elementwise:
        np.testing.assert_allclose(act.derivative(z), [[d_low, d_high]], rtol=1e-6, atol=atol)


# --------------------------------------------------------------------------------------
# Declared properties against numerical evidence on a dense grid
# --------------------------------------------------------------------------------------

GRID = np.linspace(-20.0, 20.0, 200_001)
FAR = 1e6  # where bounded activations must have (nearly) reached their bounds


def _inputs(act, z):
    """A column of inputs; softmax gets rows [z, 0] so its outputs vary with z."""
    z = np.asarray(z, dtype=np.float64)[:, None]
    return z if act.elementwise else np.hstack([z, np.zeros_like(z)])


def _curve(act, z):
    """f along z, shape (len(z), outputs per input)."""
    return act.forward(_inputs(act, z))


def _slope_curve(act, z):
    """f' along z; for softmax, the Jacobian column of the first input."""
    inputs = _inputs(act, z)
    if act.elementwise:
        return act.derivative(inputs)
    first = np.zeros_like(inputs)
    first[:, 0] = 1.0
    return act.backward(inputs, act.forward(inputs), first)


def _reachable_states(act):
    """The activation as constructed and, for PReLU, with slopes training can reach.

    PReLU's slope is learned and may turn negative (which is why it is not monotonic) or
    positive whatever its initial value, so its declared properties cover both.
    """
    yield act
    if isinstance(act, PReLU):
        for slope in (0.5, -0.5):
            yield PReLU(init=slope, per_neuron=act.per_neuron)  # f with that slope


def test_output_range_holds_and_is_tight(case):
    _, _, act = case
    low, high = act.output_range
    assert low < high
    assert act.bounded == (math.isfinite(low) and math.isfinite(high))
    values = np.concatenate(
        [
            np.concatenate([_curve(state, GRID), _curve(state, [-FAR, FAR])]).ravel()
            for state in _reachable_states(act)
        ]
    )
    tol = 1e-12 * (1.0 + np.abs(values).max())
    assert values.min() >= low - tol
    assert values.max() <= high + tol
    # Tight: finite bounds are (nearly) reached, infinite ones are plainly exceeded.
    if math.isfinite(low):
        assert values.min() <= low + 1e-5 * (1.0 + abs(low))
    else:
        assert values.min() <= -1e3
    if math.isfinite(high):
        assert values.max() >= high - 1e-5 * (1.0 + abs(high))
    else:
        assert values.max() >= 1e3


def test_monotonic_matches_the_grid(case):
    _, _, act = case
    steps = np.concatenate(
        [np.diff(_curve(state, GRID), axis=0).ravel() for state in _reachable_states(act)]
    )
    if act.monotonic:
        assert steps.min() >= -1e-12
    else:
        assert steps.min() < -1e-9  # a clear decrease somewhere


def test_zero_centred_means_f0_is_0_and_outputs_take_both_signs(case):
    _, _, act = case
    at_zero = _curve(act, [0.0])
    values = np.concatenate([_curve(state, GRID).ravel() for state in _reachable_states(act)])
    evidence = bool(np.all(at_zero == 0.0) and values.min() < 0.0 < values.max())
    assert act.zero_centred == evidence
    low, high = act.output_range
    assert act.zero_centred == (low < 0.0 < high and np.all(at_zero == 0.0))


def test_smooth_matches_continuity_of_the_derivative(case):
    _, _, act = case
    assert act.smooth == (not act.kinks)
    # Every declared kink is a real jump in f'.
    for kink in act.kinks:
        left, right = _slope_curve(act, [kink - 1e-9, kink + 1e-9])
        assert np.abs(right - left).max() > 1e-3
    # Away from the kinks f' changes little between neighbouring grid points.
    jumps = np.abs(np.diff(_slope_curve(act, GRID), axis=0)).max(axis=1)
    straddles_kink = np.zeros(len(jumps), dtype=bool)
    for kink in act.kinks:
        straddles_kink |= (GRID[:-1] <= kink) & (kink <= GRID[1:])
    assert jumps[~straddles_kink].max() < 1e-2


# --------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------

EXPECTED_INIT = {
    "identity": "glorot_uniform",
    "sigmoid": "glorot_uniform",
    "tanh": "glorot_uniform",
    "softsign": "glorot_uniform",
    "softplus": "glorot_uniform",
    "softmax": "glorot_uniform",
    "relu": "he_uniform",
    "leaky_relu": "he_uniform",
    "prelu": "he_uniform",
    "elu": "he_uniform",
    "gelu": "he_uniform",
    "silu": "he_uniform",
    "mish": "he_uniform",
    "selu": "lecun_normal",
}


def test_metadata_is_complete(case):
    name, _, act = case
    assert act.name == name
    for attribute in ("formula", "derivative_formula", "latex", "derivative_latex"):
        assert getattr(act, attribute).strip(), attribute
    assert act.description.strip()
    assert act.recommended_init in {"glorot_uniform", "he_uniform", "lecun_normal"}
    if name in EXPECTED_INIT:
        assert act.recommended_init == EXPECTED_INIT[name]
    assert type(act).__doc__ and ".. math::" in type(act).__doc__
    assert isinstance(act.issues, tuple)
    for issue in act.issues:
        assert isinstance(issue, KnownIssue)
        assert issue.name.strip()
        assert issue.description.strip()
        assert issue.remedy.strip()
    assert all(isinstance(kink, float) for kink in act.kinks)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("identity", {"stays linear"}),
        ("sigmoid", {"vanishing gradient", "not zero-centred"}),
        ("tanh", {"vanishing gradient"}),
        ("relu", {"dying ReLU", "unbounded output"}),
        ("elu", {"unbounded output"}),
        ("softplus", {"unbounded output"}),
        ("selu", {"needs matching initialisation"}),
        ("softmax", {"output layer only"}),
    ],
)
def test_known_issues(name, expected):
    assert expected <= {issue.name for issue in activations.get(name).issues}


def test_repr_and_params_round_trip(case):
    _, _, act = case
    params = act.get_params()
    assert json.loads(json.dumps(params)) == params
    assert activations.get(act.name, **params) == act
    assert eval(repr(act), vars(activations)) == act


@pytest.mark.parametrize(
    ("act", "text"),
    [
        (ReLU(), "ReLU()"),
        (LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
        (ELU(alpha=0.5), "ELU(alpha=0.5)"),
        (GELU(approximate="tanh"), "GELU(approximate='tanh')"),
        (PReLU(), "PReLU(init=0.25, per_neuron=False)"),
    ],
)
def test_repr(act, text):
    assert repr(act) == text


def test_equality_and_hash_follow_type_and_params():
    assert LeakyReLU(0.1) == LeakyReLU(negative_slope=0.1)
    assert LeakyReLU(0.1) != LeakyReLU(0.2)
    assert LeakyReLU(0.0) != ReLU()
    assert ReLU() != "relu"
    assert len({ReLU(), ReLU(), LeakyReLU(0.1), LeakyReLU(0.1), ELU()}) == 3


def test_parameter_dependent_properties():
    assert ELU.smooth and ELU().smooth
    assert not ELU(alpha=0.5).smooth
    assert ELU(alpha=0.5).kinks == (0.0,)
    assert ELU(alpha=2.0).output_range == (-2.0, math.inf)
    assert GELU(approximate="tanh").output_range[0] < GELU().output_range[0]
    assert LeakyReLU(0.0).output_range == (0.0, math.inf)
    assert not LeakyReLU(0.0).zero_centred
    assert ReLU().negative_slope == 0.0
    assert LeakyReLU(0.2).negative_slope == 0.2
    assert activations.get("sigmoid").bounded
    assert not ReLU().bounded


@pytest.mark.parametrize(
    ("factory", "error", "match"),
    [
        (
            lambda: LeakyReLU(-0.1),
            ValueError,
            r"`negative_slope` must be a number in \[0, 1\), got -0\.1\.",
        ),
        (lambda: LeakyReLU(1.0), ValueError, "`negative_slope`"),
        (
            lambda: LeakyReLU("0.1"),
            TypeError,
            r"`negative_slope` must be a number in \[0, 1\), got '0\.1'",
        ),
        (lambda: ELU(alpha=0.0), ValueError, r"`alpha` must be a finite number > 0, got 0\.0\."),
        (
            lambda: ELU(alpha=math.inf),
            ValueError,
            r"`alpha` must be a finite number > 0, got inf\.",
        ),
        (lambda: GELU(approximate="erf"), ValueError, "`approximate`"),
        (lambda: PReLU(init=math.nan), ValueError, "`init`"),
        (lambda: PReLU(per_neuron="yes"), TypeError, "`per_neuron`"),
    ],
)
def test_constructors_reject_bad_parameters(factory, error, match):
    with pytest.raises(error, match=match):
        factory()


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


def test_names_are_the_canonical_ones_without_aliases():
    names = activations.names()
    assert names == sorted(names)
    assert set(ALL_NAMES) <= set(names)
    assert not set(names) & set(activations.aliases())
    assert activations.aliases() == {"linear": "identity", "logistic": "sigmoid", "swish": "silu"}


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("linear", Identity),
        ("logistic", activations.Sigmoid),
        ("swish", activations.SiLU),
        ("ReLU", ReLU),
        ("LEAKY-RELU", LeakyReLU),
        ("Leaky_ReLU", LeakyReLU),
        (" elu ", ELU),
    ],
)
def test_get_by_name_or_alias_is_case_insensitive(name, cls):
    assert type(activations.get(name)) is cls


def test_get_instance_class_and_none():
    act = LeakyReLU(0.3)
    assert activations.get(act) is act
    assert activations.get(ELU, alpha=2.0) == ELU(alpha=2.0)
    assert activations.get(None) == Identity()
    assert activations.get("leaky_relu", negative_slope=0.3) == act


def test_get_unknown_name_suggests_and_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown activation 'relu6'") as info:
        activations.get("relu6")
    message = str(info.value)
    assert "Did you mean 'relu'?" in message
    for name in ALL_NAMES:
        assert name in message


def test_get_reports_a_bad_parameter_as_itself():
    with pytest.raises(ValueError, match="`negative_slope`") as info:
        activations.get("leaky_relu", negative_slope=2)
    assert "Unknown" not in str(info.value)
    with pytest.raises(TypeError, match=r"ReLU\(\) takes no arguments"):
        activations.get("relu", alpha=1.0)


@pytest.mark.parametrize(
    ("argument", "params"),
    [(3, {}), (np.tanh, {}), (Activation, {}), (ReLU(), {"alpha": 1.0})],
)
def test_get_rejects_wrong_types(argument, params):
    with pytest.raises(TypeError):
        activations.get(argument, **params)


def test_register_refuses_a_taken_name_and_changes_nothing():
    before = (activations.names(), activations.aliases())

    class Clash(Identity):
        pass

    with pytest.raises(ValueError, match="'relu' is already taken"):
        activations.register("brand_new", "relu")(Clash)
    assert (activations.names(), activations.aliases()) == before
    with pytest.raises(ValueError, match="Unknown"):
        activations.get("brand_new")


def test_register_refuses_a_non_activation():
    with pytest.raises(TypeError, match="Activation"):
        activations.register("not_an_activation")(dict)


# --------------------------------------------------------------------------------------
# Accuracy in the tails, and the formulas written once
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "scale"), [("elu", 1.0), ("selu", SELU_SCALE * SELU_ALPHA)], ids=["elu", "selu"]
)
def test_left_tail_derivative_keeps_full_relative_accuracy(name, scale):
    # f'(z) = scale·e^z for z < 0. Computed as f(z) + scale it cancels and is off by ~100 %
    # at z = -37; the exact value is known in closed form.
    z = np.array([-5.0, -20.0, -37.0, -50.0, -700.0])
    expected = np.array([scale * math.exp(x) for x in z])
    np.testing.assert_allclose(activations.get(name).derivative(z), expected, rtol=1e-14)


def test_gelu_tanh_reports_its_own_formula():
    exact, approx = GELU(), GELU(approximate="tanh")
    assert "erf" in exact.formula and "tanh" not in exact.formula
    assert "tanh" in approx.formula and "erf" not in approx.formula
    assert "tanh" in approx.derivative_formula and "Phi" not in approx.derivative_formula
    assert r"\tanh" in approx.latex and r"\tanh" in approx.derivative_latex
    assert exact.latex == GELU.latex  # the class describes the default form


@pytest.mark.parametrize("name", ALL_NAMES)
def test_docstring_shows_the_formulas_from_the_latex_attributes(name):
    cls = type(activations.get(name))
    doc = cls.__doc__
    assert doc.count(".. math::") == 1 + len(cls.variants)
    assert cls.latex in doc and cls.derivative_latex in doc
    for form in cls.variants:
        assert form.label in doc and form.latex in doc
    # The formulas follow the one-line summary, before every section.
    assert doc.index(".. math::") < doc.index("Examples")


@pytest.mark.parametrize("spelling", [" LEAKY-RELU ", "Leaky ReLU", "leakyrelu", "leaky_relu"])
def test_names_match_whatever_their_case_spaces_dashes_or_underscores(spelling):
    assert isinstance(activations.get(spelling), LeakyReLU)
