"""Every fast path against the path it replaces, bit for bit.

The compiled layer kernels (numba, ``neuronet[fast]``) fuse the element-wise passes around each
matrix product; prediction has its own lean forward pass; the softmax and log-softmax mirror
SciPy's without its dispatch. Each must give exactly the numbers of the plain NumPy path, so
that training with and without numba, or predicting one way or the other, cannot drift apart.
"""

import warnings

import numpy as np
import pytest

from conftest import require
from neuronet import MLP, Dense, Dropout, _kernels, activations, optimizers
from neuronet.losses import _log_softmax

ELEMENTWISE = [name for name in activations.names() if activations.get(name).elementwise]
linear_on_purpose = pytest.mark.filterwarnings("ignore:Every hidden layer uses the identity")


@pytest.fixture
def kernels_everywhere(monkeypatch):
    """The compiled kernels on, for arrays of any size; switched back afterwards."""
    require("numba")
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    monkeypatch.setattr(_kernels, "MIN_LAYER_SIZE", 0)
    yield
    _kernels.set_enabled(None)


def _train(kernels: bool, dtype: str, **options):
    _kernels.set_enabled(kernels)
    net = MLP(**options, dtype=dtype, seed=4)
    rng = np.random.default_rng(9)
    X = rng.standard_normal((100, net.n_inputs))
    if net.is_classifier:
        y = rng.integers(0, max(net.n_outputs, 2), 100)
    else:
        y = rng.standard_normal((100, net.n_outputs))
    net.fit(X, y, epochs=2, batch_size=16, verbose=0)
    return net


@linear_on_purpose
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_training_with_kernels_is_bit_identical(activation, dtype, kernels_everywhere):
    # Hidden widths of 1 and 7 too: a one-column bias gradient takes NumPy's pairwise sum.
    options = {"sizes": [5, 7, 1, 6, 3], "activation": activation, "output": "softmax"}
    plain, fast = _train(False, dtype, **options), _train(True, dtype, **options)
    np.testing.assert_array_equal(plain.parameters, fast.parameters)


@pytest.mark.parametrize(
    "options",
    [
        {"sizes": [4, 9, 3], "output": "softmax", "dropout": 0.3},
        {"sizes": [4, 9, 9, 1], "output": "sigmoid", "dropout": 0.7},
        {"sizes": [4, 9, 2], "activation": "relu", "output": "identity"},
        {"sizes": [4, 9, 1], "activation": "relu", "output": "relu", "loss": "mse"},
        {"sizes": [4, 9, 9, 3], "output": "softmax", "norm": "batch"},
        {"sizes": [4, 9, 3], "output": "softmax", "norm": "layer", "dropout": 0.5},
    ],
    ids=repr,
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_with_kernels_is_bit_identical_for_other_layers(
    options, dtype, kernels_everywhere
):
    plain, fast = _train(False, dtype, **options), _train(True, dtype, **options)
    np.testing.assert_array_equal(plain.parameters, fast.parameters)


def _awkward(rng, shape, dtype):
    """Standard normal values with a NaN, infinities, signed zeros and a tiny number."""
    z = rng.standard_normal(shape).astype(dtype)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40], dtype=dtype)
    z.flat[: min(z.size, specials.size)] = specials[: z.size]
    return z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 6), (3, 8), (33, 17), (200, 2), (9, 1)])
def test_relu_kernels_match_numpy(shape, dtype, rng, kernels_everywhere):
    z0, b = _awkward(rng, shape, dtype), rng.standard_normal(shape[1]).astype(dtype)
    grad0 = _awkward(rng, shape, dtype)[::-1].copy()
    with np.errstate(invalid="ignore"):  # inf - inf and 0 * inf are part of the test
        z_ref = z0 + b
        a_ref = np.maximum(z_ref, 0)
        dz_ref = grad0 * (z_ref > 0)
        db_ref = dz_ref.sum(axis=0)
        z, a = z0.copy(), np.empty_like(z0)
        _kernels.layer_kernel("bias_relu", 0)(z, b, a)
        grad, db = grad0.copy(), np.empty(shape[1], dtype)
        _kernels.layer_kernel("backward_relu", 0)(grad, z, db, dtype(0))
    for got, want in ((z, z_ref), (a, a_ref), (grad, dz_ref)):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))  # -0 stays -0
    if shape[1] > 1:  # a one-column array NumPy sums pairwise: Dense never fuses that one
        np.testing.assert_array_equal(db, db_ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 5), (64, 3), (1000, 10), (513, 256)])
def test_column_sums_kernel_matches_numpy_sum(shape, dtype, rng, kernels_everywhere):
    g = (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 6, shape)).astype(dtype)
    out = np.empty(shape[1], dtype)
    _kernels.layer_kernel("column_sums", 0)(g, out)
    np.testing.assert_array_equal(out, g.sum(axis=0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.7])
def test_dropout_kernel_draws_the_same_mask(rate, dtype, rng, kernels_everywhere):
    x = rng.standard_normal((50, 40)).astype(dtype)
    layer = Dropout(rate, width=40)
    expected_mask = layer.mask(x.shape, np.random.default_rng(5), dtype)
    # A draw exactly at the rate, where comparing in float32 and in float64 disagree.
    out = layer.propagate(x, training=True, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(layer._mask, expected_mask)
    np.testing.assert_array_equal(out, x * expected_mask)
    u = np.full((2, 3), rate, dtype=dtype)
    mask, product = np.empty_like(u), np.empty_like(u)
    f = np.dtype(dtype).type
    _kernels.layer_kernel("dropout", 0)(u, u, f(rate), f(1.0 / (1.0 - rate)), mask, product)
    keep = (u >= rate).astype(dtype) * (1.0 / (1.0 - rate))
    np.testing.assert_array_equal(mask, keep)


@linear_on_purpose
@pytest.mark.parametrize("rows", [11, 300])  # 300 x 8: the fused kernels, if numba is there
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ELEMENTWISE)
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity", "tanh"])
def test_prediction_path_matches_the_layers_forward(activation, output, dtype, rows, rng):
    loss = "mse" if output == "tanh" else None
    net = MLP([6, 8, 5, 3], activation=activation, output=output, loss=loss, dtype=dtype, seed=1)
    for layer in net.dense_layers:
        layer.bias[...] = rng.standard_normal(layer.n_out)
        layer.activation_parameters[...] = rng.uniform(0.05, 0.5, layer.activation_parameters.size)
    X = rng.standard_normal((rows, 6)).astype(dtype)
    X_before = X.copy()
    expected = X
    for layer in net.dense_layers:
        expected = layer.forward(expected)
    got = net.forward(X)
    assert got.dtype == net.dtype
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(X, X_before)  # the input is never written to
    assert not np.shares_memory(got, net.forward(X))  # each call returns a new array


def test_prediction_path_with_norms_and_dropout(rng):
    for norm in ("batch", "layer"):
        net = MLP([5, 7, 7, 3], output="softmax", norm=norm, dropout=0.5, seed=2)
        X = rng.standard_normal((13, 5)).astype(np.float32)
        net.fit(X, rng.integers(0, 3, 13), epochs=2, batch_size=4, verbose=0)
        expected = X
        for layer in net.layers:
            expected = layer.forward(expected)
        np.testing.assert_array_equal(net.forward(X), expected)
        np.testing.assert_array_equal(net.predict_proba(X), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 10), (64, 10), (4, 1), (2, 3, 5), (7,)])
def test_softmax_and_log_softmax_match_scipy_bit_for_bit(shape, dtype, rng):
    special = require("scipy.special")
    z = (rng.standard_normal(shape) * 40).astype(dtype)
    np.testing.assert_array_equal(activations.Softmax().forward(z), special.softmax(z, axis=-1))
    if z.ndim == 2:
        z[0, 0] = np.inf
        z[-1, :] = -np.inf
        with np.errstate(all="ignore"):  # exp overflows where the row maximum is infinite
            np.testing.assert_array_equal(_log_softmax(z), special.log_softmax(z, axis=1))


def test_softmax_of_integers_is_a_float_distribution():
    a = activations.Softmax().forward(np.array([[1, 2, 3]]))
    assert a.dtype == np.float64
    np.testing.assert_allclose(a.sum(), 1.0)


def test_standalone_dense_trains_the_same_with_kernels(rng, kernels_everywhere):
    X = rng.standard_normal((40, 6)).astype(np.float32)
    grad = rng.standard_normal((40, 9)).astype(np.float32)
    results = []
    for flag in (False, True):
        _kernels.set_enabled(flag)
        layer = Dense(6, 9, "relu", rng=np.random.default_rng(0))
        a = layer.propagate(X, training=True).copy()
        dx = layer.backpropagate(grad.copy())
        results.append((a, dx.copy(), layer.gradients.copy()))
    for plain, fast in zip(*results, strict=True):
        np.testing.assert_array_equal(plain, fast)


@pytest.fixture(params=[False, True], ids=["numpy", "kernels"])
def kernels(request):
    """Prediction on the NumPy path, or with the compiled kernels loaded (every size)."""
    if request.param:
        require("numba")
    _kernels.set_enabled(request.param)
    yield request.param
    _kernels.set_enabled(None)


@pytest.mark.parametrize("rows", [1, 50, 9000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("first", [{}, {"activation": "tanh"}, {"norm": "layer"}], ids=repr)
def test_input_check_is_exact_at_every_size(rows, dtype, first, kernels, rng):
    # Prediction searches X for NaN and infinity only when the first layer's product is not
    # finite. Huge but finite values (whose products overflow) must pass without a warning,
    # and one NaN or inf anywhere must fail, -inf too, which a ReLU would turn into 0.
    net = MLP([8, 3, 2], output="softmax", dtype=dtype, seed=0, **first)
    if "norm" not in first:  # a layer norm of such values overflows, and says so
        X = np.full((rows, 8), np.finfo(dtype).max / 2, dtype=dtype)
        assert net.predict_proba(X).shape == (rows, 2)
    for bad in (np.nan, np.inf, -np.inf):
        X_bad = rng.standard_normal((rows, 8)).astype(dtype)
        X_bad[rows // 2, 5] = bad
        with pytest.raises(ValueError, match=r"`X` contains NaN or infinite values \(1 of"):
            net.predict_proba(X_bad)
    # A finite input whose product is not finite because a weight is NaN: no error about X.
    net.dense_layers[0].weights[5, 0] = np.nan
    assert np.isnan(net.predict_proba(rng.standard_normal((rows, 8)).astype(dtype))).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [1, 2, 7, 8, 9, 10, 16, 31, 100, 128, 129, 1000])
@pytest.mark.parametrize("rows", [1, 5])
def test_softmax_kernels_match_numpy_bit_for_bit(width, rows, dtype, rng, kernels_everywhere):
    softmax = activations.get("softmax")
    z0 = (rng.standard_normal((rows, width)) * 10.0 ** rng.integers(-3, 3)).astype(dtype)
    b = rng.standard_normal(width).astype(dtype)
    z_ref = z0 + b
    a_ref = softmax.forward_into(z_ref.copy(), np.empty(0, dtype))
    z, a = z0.copy(), np.empty_like(z0)
    _kernels.layer_kernel("bias_softmax", 0)(z, b, a)  # training: z and a apart
    np.testing.assert_array_equal(z, z_ref)
    np.testing.assert_array_equal(a, a_ref)
    z = z0.copy()
    assert _kernels.layer_kernel("infer_softmax", 0)(z, b) is True  # prediction: in place
    np.testing.assert_array_equal(z, a_ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 6), (3, 8), (33, 17), (9, 1)])
@pytest.mark.parametrize("name", ["infer_relu", "infer_softmax"])
def test_prediction_kernels_say_whether_z_was_finite(name, shape, dtype, rng, kernels_everywhere):
    kernel = _kernels.layer_kernel(name, 0)
    b = rng.standard_normal(shape[1]).astype(dtype)
    z0 = rng.standard_normal(shape).astype(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        for special in (None, np.nan, np.inf, -np.inf):
            z = z0.copy()
            if special is not None:
                z[-1, -1] = special
            reference = activations.get(name.split("_")[1]).forward(z + b)
            assert kernel(z, b) is (special is None)
            np.testing.assert_array_equal(z, reference)
            np.testing.assert_array_equal(np.signbit(z), np.signbit(reference))


# --- memory: what a training step keeps beyond the parameters --------------------------------


def _traced_peak(function):
    """The peak of the memory NumPy allocates while ``function`` runs, in bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimizers.Adam(),
        lambda: optimizers.RMSprop(),
        lambda: optimizers.RMSprop(momentum=0.9),
        lambda: optimizers.SGD(momentum=0.9),
    ],
    ids=["adam", "rmsprop", "rmsprop-momentum", "sgd-momentum"],
)
def test_compiled_optimizer_steps_allocate_no_parameter_sized_buffer(make, rng):
    require("numba")
    params = rng.standard_normal(200_000).astype(np.float32)
    grads = rng.standard_normal(200_000).astype(np.float32)
    mask = np.arange(params.size) % 3 > 0  # as a network's weights and biases
    make().step(params.copy(), grads)  # compiles the kernel, outside the traces

    def prepare_and_step(opt):
        def run():
            opt.prepare(params, decay_mask=mask)
            opt.step(params, grads)
            opt.step(params, grads)

        return _traced_peak(run)

    # Beyond its state (momentum, moments), the NumPy path needs a scratch buffer and weight
    # decay a 0/1 copy of the mask, each as large as the parameters; the compiled kernels
    # without weight decay need neither.
    opt = make()
    state = params.nbytes * len(opt._state_names())
    assert prepare_and_step(opt) < state + params.nbytes // 20
    _kernels.set_enabled(False)
    try:
        assert prepare_and_step(make()) >= state + params.nbytes
    finally:
        _kernels.set_enabled(None)


def test_weight_decay_still_masks_after_the_mask_is_made_lazily():
    params = np.ones(6, dtype=np.float32)
    opt = optimizers.AdamW(lr=0.1, weight_decay=0.5)
    opt.prepare(params, decay_mask=np.array([1, 1, 1, 0, 0, 0], dtype=bool))
    opt.step(params, np.zeros(6, dtype=np.float32))
    np.testing.assert_array_equal(params, np.float32([0.95, 0.95, 0.95, 1, 1, 1]))
    assert params.dtype == np.float32


@pytest.mark.parametrize("kernels", [False, True])
def test_a_training_step_keeps_one_batch_of_buffers(kernels, rng):
    if kernels:
        require("numba")
    _kernels.set_enabled(kernels)
    try:
        net = MLP([600, 64, 32, 4], activation="relu", output="softmax", seed=0)
        X, y = net.prepare(rng.standard_normal((700, 600)), rng.integers(0, 4, 700))
        net.train_step(X[:128], y[:128])  # allocates each layer's buffers for 128 rows
        # A shorter batch (an epoch's last) reuses the first rows of those buffers.
        short = _traced_peak(lambda: net.train_step(X[128:228], y[128:228]))
        # Everything a step keeps and reuses: z and a for each layer, dL/dX for each layer
        # but the first; dL/dX of the first layer (128 x 600) is never made.
        fresh = MLP([600, 64, 32, 4], activation="relu", output="softmax", seed=0)
        first = _traced_peak(lambda: fresh.train_step(X[:128], y[:128]))
    finally:
        _kernels.set_enabled(None)
    itemsize = X.itemsize
    kept = 128 * (2 * (64 + 32 + 4) + 64 + 32) * itemsize
    assert first < kept + 128 * 600 * itemsize // 2
    assert short < 128 * 600 * itemsize // 4
    np.testing.assert_array_equal(net.parameters, fresh.parameters)  # train_step changes none


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 7, 16, 1000, 70_000])
def test_finiteness_kernel_matches_numpy(size, dtype, rng, kernels):
    from neuronet._validation import all_finite

    x = rng.uniform(-1, 1, size).astype(dtype) * np.finfo(dtype).max / 2  # huge, finite
    assert all_finite(x.reshape(1, -1)) is True
    for special in (np.nan, np.inf, -np.inf):
        for where in (0, size // 2, size - 1):
            bad = x.copy()
            bad[where] = special
            assert all_finite(bad.reshape(1, -1)) is False
            assert all_finite(bad.reshape(-1, 1)) is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("classes", [2, 3, 8, 10, 17, 128])
@pytest.mark.parametrize("rows", [1, 5, 200])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_cross_entropy_kernels_match_numpy_bit_for_bit(rows, classes, scale, dtype, rng, kernels):
    from neuronet.losses import CategoricalCrossEntropy

    z = (rng.standard_normal((rows, classes)) * scale).astype(dtype)
    if rows > 3:  # a row of -inf, an inf logit, a NaN logit and a tie
        z[1], z[2, 0], z[3, 1] = -np.inf, np.inf, np.nan
        z[4, :2] = z[4].max() + 1
    y = rng.integers(0, classes, rows)
    loss_function = CategoricalCrossEntropy()
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grad = loss_function.fused(z.copy(), y)
        _kernels.set_enabled(False)
        expected_loss, expected_grad = loss_function.fused(z.copy(), y)
    np.testing.assert_array_equal(grad, expected_grad)
    assert grad.dtype == dtype
    assert loss == expected_loss or (np.isnan(loss) and np.isnan(expected_loss))
    _kernels.set_enabled(kernels)
    net = MLP([3, classes], output="softmax", seed=0)
    hits = net.head.count_correct(z, y)
    assert hits == int((z.argmax(axis=1) == y).sum())


def test_numpys_products_show_every_nonfinite_input_row():
    # What prediction's input check through the first product relies on, tried on this NumPy.
    from neuronet._validation import products_show_nonfinite

    assert products_show_nonfinite(np.float32) and products_show_nonfinite(np.float64)


def test_prediction_scans_X_itself_where_products_would_hide_a_nan(monkeypatch, rng):
    # With a BLAS that skips zero multipliers (the reference BLAS does), a NaN facing a row of
    # zero weights would vanish from the product: prediction then searches X itself.
    from neuronet import _validation

    net = MLP([8, 3, 2], output="softmax", seed=0)
    net.dense_layers[0].weights[5] = 0.0
    X = rng.standard_normal((9000, 8)).astype(np.float32)
    X[4000, 5] = np.nan
    scanned = []
    real_check = _validation.check_finite
    monkeypatch.setattr(
        "neuronet.network.check_finite", lambda *a: scanned.append(1) or real_check(*a)
    )
    monkeypatch.setitem(_validation._PROPAGATES, np.dtype(np.float32), False)
    with pytest.raises(ValueError, match=r"`X` contains NaN or infinite values \(1 of"):
        net.predict_proba(X)
    assert scanned


def test_cross_entropy_leaves_the_logits_alone_without_out(rng, kernels):
    from neuronet.losses import CategoricalCrossEntropy

    z = rng.standard_normal((6, 4)).astype(np.float32)
    before = z.copy()
    CategoricalCrossEntropy().fused(z, rng.integers(0, 4, 6))
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("dtype", ["float16", ">f4", ">f8"])
def test_fit_keeps_unusual_float_data_off_the_kernels(dtype, rng, kernels):
    # fit keeps X in its own dtype; the compiled finiteness check takes native float32/64.
    from neuronet._validation import all_finite

    X = rng.standard_normal((60, 3)).astype(dtype)
    assert all_finite(X) is True
    X[7, 1] = np.inf
    assert all_finite(X) is False
    X[7, 1] = 0.5
    y = (X[:, 0] > 0).astype(int)
    for net_dtype in ("float32", "float64"):
        net = MLP([3, 4, 2], output="softmax", seed=0, dtype=net_dtype)
        net.fit(X, y, epochs=2, verbose=0)
        assert np.isfinite(net.parameters).all()


@pytest.mark.parametrize("label", [3, 7, -4])
def test_cross_entropy_refuses_labels_beyond_its_classes_as_numpy_does(label, rng, kernels):
    # The kernels index by the labels: one outside [0, k) must not read or write past the rows.
    from neuronet.losses import CategoricalCrossEntropy

    z = rng.standard_normal((4, 3)).astype(np.float32)
    out = np.full_like(z, 5.0)
    y = np.array([0, 2, label, 1])
    with pytest.raises(IndexError, match="out of bounds"):
        CategoricalCrossEntropy().fused(z, y, out=out)
    net = MLP([3, 4, 3], output="softmax", seed=0)
    with pytest.raises(IndexError, match="out of bounds"):
        net.train_step(z, y)  # takes y from prepare(): the loss finds the label
    with pytest.raises(ValueError, match=r"holds labels 0\.\.2, got labels from"):
        net.evaluate(z, y)


def _overflowing_softmax_net(dtype):
    # Finite inputs, and an output layer whose z + b overflows in its bias add.
    net = MLP([3, 4, 3], output="softmax", seed=0, dtype=dtype)
    big = np.finfo(dtype).max
    last = net.dense_layers[-1]
    last.weights[...] = 0
    last.weights[:, 0] = big / 6
    last.bias[0] = big * 0.9
    net.dense_layers[0].weights[...] = 1.0 / 3
    net.dense_layers[0].bias[...] = 0
    return net


def _warnings_of(function, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args)
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("rows", [2, 300, 2000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overflow_in_prediction_warns_as_numpy_does_on_every_path(rows, dtype, rng, monkeypatch):
    # The compiled passes raise no floating-point flags; when z + b is not finite the layer is
    # computed again the NumPy way, so the warnings are NumPy's with or without them, and the
    # same whether or not X is checked through the first product (from 4,096 values).
    from neuronet import network

    def predictions(net, X):
        _kernels.set_enabled(False)
        plain = _warnings_of(net.predict_proba, X)
        _kernels.set_enabled(True)
        fast = _warnings_of(net.predict_proba, X)
        with monkeypatch.context() as patch:
            patch.setattr(network, "_PRODUCT_CHECK_SIZE", X.size + 1)  # X searched first
            unchecked = _warnings_of(net.predict_proba, X)
        _kernels.set_enabled(None)
        np.testing.assert_array_equal(plain[0], fast[0])
        assert plain[1] == fast[1] == unchecked[1], (plain[1], fast[1], unchecked[1])
        return plain[1]

    require("numba")
    X = np.ones((rows, 3), dtype)
    assert "overflow encountered in add" in predictions(_overflowing_softmax_net(dtype), X)
    # A finite X whose first product overflows.
    X = rng.standard_normal((rows, 4)).astype(dtype)
    X[:, 1] = np.finfo(dtype).max
    warned = predictions(MLP([4, 8, 8, 3], output="softmax", seed=0, dtype=dtype), X)
    assert "overflow encountered in matmul" in warned


class _HalfSoftmax(activations.Softmax):
    """softmax(z / 2): a subclass that changes the function its parent computes."""

    name = "half_softmax_for_tests"

    def forward_into(self, z, params):
        z *= 0.5
        return super().forward_into(z, params)


class _ShiftedReLU(activations.ReLU):
    """max(z, 0) + 1."""

    name = "shifted_relu_for_tests"

    def forward(self, z):
        return super().forward(z) + 1

    def forward_into(self, z, params):
        return self.forward(z)

    def forward_with(self, z, params):
        return self.forward(z)


def test_subclasses_do_not_inherit_their_parents_kernels(rng, kernels):
    assert _HalfSoftmax.kernel is None and _ShiftedReLU.kernel is None
    assert activations.Softmax.kernel == "softmax" and activations.ReLU.kernel == "relu"
    net = MLP([3, 8, 3], activation=_ShiftedReLU(), output=_HalfSoftmax(), loss="mse", seed=0)
    X = rng.standard_normal((300, 3)).astype(np.float32)
    hidden = np.maximum(X @ net.dense_layers[0].weights + net.dense_layers[0].bias, 0) + 1
    z = (hidden @ net.dense_layers[1].weights + net.dense_layers[1].bias) / 2
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_finiteness_check_of_large_data_makes_no_block_sized_copy(dtype, rng, kernels):
    # fit checks a memmap block by block; a boolean isfinite or an abs() of a 65,536-row
    # block would be megabytes each time (float64 data for a float32 network needs a range
    # check too).
    import tracemalloc

    from neuronet._validation import _all_finite

    X = rng.standard_normal((200_000, 32)).astype(dtype)
    _all_finite(X[:10], np.dtype(np.float32))  # imports and compiled kernels, before measuring
    tracemalloc.start()
    try:
        assert _all_finite(X, np.dtype(np.float32)) is True
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 65_536 * 32 // 4, f"{peak / 1e6:.1f} MB"  # a quarter of a boolean block
    X[150_000, 3] = np.inf
    assert _all_finite(X, np.dtype(np.float32)) is False
    if dtype == np.float64:
        X[150_000, 3] = 1e39  # finite, but not as float32
        assert _all_finite(X, np.dtype(np.float32)) is False
