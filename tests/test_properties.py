"""Property-based tests (hypothesis): what must hold for *any* shape, dtype, magnitude, network.

* Every activation's ``backward`` is exactly ``derivative(z) * grad`` (element-wise ones, PReLU
  with its slopes too), and softmax's is the vector-Jacobian product of its full Jacobian.
* Both match float64 central differences away from the kinks.
* Any network (depth 1-5, mixed hidden activations, every output/loss pair) passes the
  whole-network gradient check on the flat parameter vector in float64.
* save -> load is bit for bit, for any network and any sections, whatever the bits.
* ``predict`` on a batch equals ``predict`` row by row, to a few rounding errors: not exactly,
  because BLAS computes a batch with a matrix-matrix product (GEMM, blocked, with its own
  summation order) and one row with a matrix-vector one; on OpenBLAS float32 rows differ by up
  to ~10 ulp (measured 8.5e-7 relative), float64 by ~10 ulp (2e-15).

The ``ci`` profile (tests/conftest.py: 100 derandomized examples each) keeps the file to a few
seconds; ``pytest --hypothesis-profile=thorough tests/test_properties.py`` draws 1000 each.
"""

import warnings

import numpy as np

from conftest import require
from neuronet import MLP, activations, losses
from neuronet.io import Section, read, save
from numerics import central_differences

hypothesis = require("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

DTYPES = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)
MAGNITUDES = st.sampled_from([1e-3, 1e-1, 1.0, 10.0, 1e2, 1e4])
SEEDS = st.integers(0, 2**32 - 1)
ELEMENTWISE = [name for name in activations.names() if activations.get(name).elementwise]


@st.composite
def elementwise_activations(draw):
    """Any element-wise activation, with drawn parameters where it takes some."""
    name = draw(st.sampled_from(ELEMENTWISE))
    params = {}
    if name == "leaky_relu":
        params["negative_slope"] = draw(st.floats(0.0, 0.99))
    elif name == "prelu":
        params["init"] = draw(st.floats(-2.0, 2.0))
        params["per_neuron"] = draw(st.booleans())
    elif name == "elu":
        params["alpha"] = draw(st.floats(0.05, 5.0))
    elif name == "gelu":
        params["approximate"] = draw(st.sampled_from(["none", "tanh"]))
    return activations.get(name, **params)


def _backward(act, z, a, grad):
    """``backward``, through ``backward_with`` and the layer's initial slopes for PReLU."""
    params = act.initial_parameters(z.shape[-1], z.dtype)
    params_grad = np.zeros_like(params)
    return act.backward_with(z, a, grad, params, params_grad), params, params_grad


# --- activations -----------------------------------------------------------------------------


@given(act=elementwise_activations(), dtype=DTYPES, shape=SHAPES, data=st.data())
def test_elementwise_backward_is_exactly_derivative_times_gradient(act, dtype, shape, data):
    width = 32 if dtype == np.float32 else 64
    values = st.floats(-1e4, 1e4, width=width)  # hypothesis favours 0, ±1e4, subnormals...
    z = data.draw(hnp.arrays(dtype, shape, elements=values))
    grad = data.draw(hnp.arrays(dtype, shape, elements=values))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        a = act.forward(z)
        got, _, _ = _backward(act, z, a, grad)
        expected = grad * act.derivative(z, a)
    assert got.dtype == dtype and got.shape == shape
    np.testing.assert_array_equal(got, expected)


def _away_from_kinks(act, z, margin):
    for kink in act.kinks:
        near = np.abs(z - kink) < margin
        z[near] = kink + np.where(z[near] < kink, -margin, margin)
    return z


@given(act=elementwise_activations(), shape=SHAPES, scale=MAGNITUDES, seed=SEEDS)
def test_elementwise_derivative_matches_central_differences(act, shape, scale, seed):
    rng = np.random.default_rng(seed)
    scale = min(scale, 100.0)  # central differences lose digits as |f(z)|/step grows
    z = _away_from_kinks(act, rng.normal(size=shape) * scale, margin=1e-4)
    numeric = central_differences(lambda: act.forward(z), z)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-6, atol=1e-7)


@given(shape=SHAPES, scale=MAGNITUDES, seed=SEEDS, per_neuron=st.booleans())
def test_prelu_slope_gradient_matches_central_differences(shape, scale, seed, per_neuron):
    rng = np.random.default_rng(seed)
    act = activations.get("prelu", per_neuron=per_neuron)
    z = _away_from_kinks(act, rng.normal(size=shape) * min(scale, 100.0), margin=1e-4)
    grad = rng.normal(size=shape)
    slopes = rng.uniform(-1, 1, size=act.n_parameters(shape[-1]))
    slopes_grad = np.zeros_like(slopes)
    act.backward_with(z, act.forward_with(z, slopes), grad, slopes, slopes_grad)
    numeric = central_differences(lambda: act.forward_with(z, slopes), slopes, weights=grad)
    np.testing.assert_allclose(slopes_grad, numeric, rtol=1e-6, atol=1e-7 * scale)


def _softmax_jacobian_vjp(a, grad):
    """J^T g with the k x k Jacobian J = diag(a) - a a^T built explicitly for every row."""
    jacobian = np.einsum("...i,ij->...ij", a, np.eye(a.shape[-1])) - np.einsum(
        "...i,...j->...ij", a, a
    )
    return np.einsum("...ij,...i->...j", jacobian, grad)


@given(dtype=DTYPES, shape=SHAPES, scale=MAGNITUDES, seed=SEEDS)
def test_softmax_backward_is_its_jacobian_vector_product(dtype, shape, scale, seed):
    rng = np.random.default_rng(seed)
    softmax = activations.get("softmax")
    z = (rng.normal(size=shape) * scale).astype(dtype)
    grad = rng.normal(size=shape).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        a = softmax.forward(z)
        got = softmax.backward(z, a, grad.copy())
    assert got.dtype == dtype
    eps = np.finfo(dtype).eps
    expected = _softmax_jacobian_vjp(a.astype(np.float64), grad.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=16 * eps, atol=16 * eps * np.abs(grad).max())


@given(shape=SHAPES, scale=MAGNITUDES, seed=SEEDS)
def test_softmax_backward_matches_central_differences(shape, scale, seed):
    rng = np.random.default_rng(seed)
    softmax = activations.get("softmax")
    z = rng.normal(size=shape) * min(scale, 100.0)
    grad = rng.normal(size=shape)
    numeric = central_differences(lambda: softmax.forward(z), z, weights=grad)
    got = softmax.backward(z, softmax.forward(z), grad.copy())
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


# --- whole networks ----------------------------------------------------------------------------

CLASSIFICATION = {"binary_cross_entropy", "categorical_cross_entropy"}


@st.composite
def networks(draw, dtype=None, norms=(None, "layer"), finite=True):
    """Any MLP: depth 1-5, widths 1-5, mixed hidden activations, any output/loss pair.

    Cross-entropies get an output in [0, 1] (sigmoid or softmax), as their definition needs;
    the regression losses get any output. Every parameter, PReLU slopes included, is random.
    """
    depth = draw(st.integers(1, 5))
    loss = draw(st.sampled_from(losses.names()))
    if loss in CLASSIFICATION:
        output = draw(st.sampled_from(["sigmoid", "softmax"]))
    else:
        output = draw(st.sampled_from(activations.names()))
    n_out = draw(st.integers(2 if output == "softmax" else 1, 4))
    sizes = [draw(st.integers(1, 5)) for _ in range(depth)] + [n_out]
    hidden = [draw(elementwise_activations() | st.just("softmax")) for _ in range(depth - 1)]
    with warnings.catch_warnings():
        # Softmax in a hidden layer, an all-identity network and mismatched pairs warn, as
        # they should; here they are what is being tested.
        warnings.simplefilter("ignore", UserWarning)
        net = MLP(
            sizes,
            activation=hidden if hidden else "relu",
            output=output,
            loss=loss,
            dtype=draw(DTYPES) if dtype is None else dtype,
            norm=draw(st.sampled_from(norms)),
            seed=draw(SEEDS),
        )
    rng = np.random.default_rng(draw(SEEDS))
    if finite:
        net.parameters[...] = rng.normal(size=net.n_parameters) * draw(st.sampled_from([0.5, 1]))
    return net


def _targets(net, rng, n):
    k = net.n_outputs
    if net.loss.name == "categorical_cross_entropy":
        return rng.integers(0, k, n)
    if net.loss.name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


@given(net=networks(dtype=np.float64), seed=SEEDS, n=st.integers(1, 6))
def test_any_network_passes_the_whole_network_gradient_check(net, seed, n):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.n_inputs))
    y = _targets(net, rng, n)
    loss, analytic = net.loss_and_gradient(X, y)
    step = 1e-6
    numeric = central_differences(lambda: net.compute_loss(X, y), net.parameters, step=step)
    # tests/test_network.py's rule (relative error below 1e-5, with a floor of 1e-4 for entries
    # near 0), plus the rounding noise of central differences themselves, about
    # eps * loss / step: for a loss of 20 that is 4e-9, enough to fail a 1e-5 relative test on
    # an entry of 3e-4 (hypothesis found one).
    noise = 100 * np.finfo(np.float64).eps * max(1.0, abs(loss)) / step
    scale = np.maximum(np.maximum(abs(analytic), abs(numeric)), 1e-4)
    excess = np.abs(analytic - numeric) - (1e-5 * scale + noise)
    assert excess.max() < 0, f"error beyond tolerance by {excess.max():.2e} at {excess.argmax()}"


# --- save -> load -----------------------------------------------------------------------------

SECTION_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
ARRAY_NAMES = st.from_regex(r"[A-Za-z0-9_.]{1,8}", fullmatch=True)
ARRAY_DTYPES = st.sampled_from(
    ["bool", "int8", "uint8", "int16", "uint16", "float16", "int32", "float32", "int64", "float64"]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ARRAY_NAMES, inner, max_size=3),
    max_leaves=10,
)


@st.composite
def sections(draw):
    """Up to three sections of JSON and arrays of every dtype a section may hold."""
    arrays = ARRAY_DTYPES.flatmap(
        lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0))
    )
    out = {}
    for name in draw(st.lists(SECTION_NAMES, max_size=3, unique=True)):
        metadata = draw(st.dictionaries(st.text(max_size=6), JSON, max_size=3))
        out[name] = Section(metadata, draw(st.dictionaries(ARRAY_NAMES, arrays, max_size=3)))
    return out


def _bits(array):
    return array.view(f"u{array.dtype.itemsize}") if array.dtype.kind == "f" else array


@given(
    net=networks(norms=(None, "layer", "batch"), finite=False),
    extra=sections(),
    seed=SEEDS,
    raw_bits=st.booleans(),
)
def test_save_then_load_is_bit_identical_for_any_network_and_sections(
    tmp_path_factory, net, extra, seed, raw_bits
):
    rng = np.random.default_rng(seed)
    if raw_bits:  # any bit pattern: NaNs with payloads, infinities, subnormals, -0.0
        bits = net.parameters.view(f"u{net.dtype.itemsize}")
        bits[...] = rng.integers(0, np.iinfo(bits.dtype).max, size=bits.size, dtype=bits.dtype)
    else:
        net.parameters[...] = rng.normal(size=net.n_parameters)
    for layer in net.dense_layers:  # batch norm's running statistics too (variances > 0)
        for view in layer.tensors().values():
            if not np.shares_memory(view, net.parameters):
                view[...] = rng.uniform(0.5, 2.0, size=view.shape)
    path = tmp_path_factory.mktemp("save") / "net.safetensors"
    save(net, path, sections=extra)
    saved = read(path)
    again = saved.net
    assert again.get_config() == net.get_config()
    for before, after in zip(net.dense_layers, again.dense_layers, strict=True):
        for name, array in before.tensors().items():
            loaded = after.tensors()[name]
            assert loaded.dtype == array.dtype and loaded.shape == array.shape
            np.testing.assert_array_equal(_bits(loaded), _bits(array))
    assert set(saved.sections) == set(extra)
    for name, section in extra.items():
        assert saved.sections[name].metadata == section.metadata
        assert set(saved.sections[name].arrays) == set(section.arrays)
        for key, array in section.arrays.items():
            loaded = saved.sections[name].arrays[key]
            assert loaded.dtype == array.dtype and loaded.shape == array.shape
            np.testing.assert_array_equal(_bits(loaded), _bits(array))
    if not raw_bits:
        X = rng.normal(size=(3, net.n_inputs))
        np.testing.assert_array_equal(again.forward(X), net.forward(X))


# --- a batch and its rows -----------------------------------------------------------------------


@given(net=networks(norms=(None, "layer", "batch")), seed=SEEDS, n=st.integers(2, 40))
def test_predict_on_a_batch_equals_predict_row_by_row(net, seed, n):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.n_inputs)).astype(net.dtype)
    batch = net.forward(X)
    rows = np.vstack([net.forward(X[i : i + 1]) for i in range(n)])
    # Not bit for bit (GEMM and GEMV sum in different orders, see the module docstring):
    # a few hundred ulp of the largest output, which allows for the layers amplifying them.
    tolerance = 256 * np.finfo(net.dtype).eps * max(1.0, float(np.abs(batch).max()))
    np.testing.assert_allclose(rows, batch, rtol=0, atol=tolerance)
    labels = net.predict(X)
    row_labels = np.concatenate([net.predict(X[i : i + 1]) for i in range(n)])
    if not net.is_classifier:
        np.testing.assert_allclose(row_labels, labels, rtol=0, atol=tolerance)
        return
    # Labels agree except where the decision is a tie to within that rounding: two largest
    # outputs for categorical cross-entropy (argmax), an output at 0.5 otherwise (threshold).
    if net.loss.name == "categorical_cross_entropy":
        top = np.sort(np.hstack([batch, np.full((n, 1), -np.inf)]), axis=1)  # one output: clear
        clear = top[:, -1] - top[:, -2] > 2 * tolerance
    else:
        clear = (np.abs(batch - 0.5) > 2 * tolerance).all(axis=1)
    np.testing.assert_array_equal(row_labels[clear], labels[clear])
