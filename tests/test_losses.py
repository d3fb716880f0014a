import numpy as np
import pytest
from scipy import special

from neuronet import activations, losses
from numerics import central_differences

# Independent references: each loss written out in the test from its textbook definition.
REFERENCES = {
    "mse": lambda a, y: 0.5 * ((a - y) ** 2).sum() / len(a),
    "mae": lambda a, y: np.abs(a - y).sum() / len(a),
    "huber": lambda a, y: (
        np.where(np.abs(a - y) <= 1.0, 0.5 * (a - y) ** 2, np.abs(a - y) - 0.5).sum() / len(a)
    ),
    "binary_cross_entropy": lambda a, y: -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum() / len(a),
    "categorical_cross_entropy": lambda a, y: -np.log(a[np.arange(len(a)), y]).sum() / len(a),
}


def _targets(name, rng, n=6, k=3):
    if name == "categorical_cross_entropy":
        return rng.integers(0, k, n)
    if name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


def _outputs(name, rng, n=6, k=3):
    z = rng.normal(size=(n, k))
    if name == "categorical_cross_entropy":
        return special.softmax(z, axis=1)
    if name == "binary_cross_entropy":
        return special.expit(z)
    return z


def test_every_loss_has_a_reference():
    assert set(REFERENCES) == set(losses.names())


@pytest.mark.parametrize("name", losses.names())
def test_value_matches_reference(name, rng):
    loss = losses.get(name)
    a, y = _outputs(name, rng), _targets(name, rng)
    assert loss.value(a, y) == pytest.approx(REFERENCES[name](a, y), rel=1e-12)


@pytest.mark.parametrize("name", losses.names())
def test_gradient_matches_central_differences(name, rng):
    loss = losses.get(name)
    a, y = _outputs(name, rng), _targets(name, rng)
    grad = loss.gradient(a, y)
    numeric = central_differences(lambda: loss.value(a, y), a)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", [n for n in losses.names() if losses.get(n).canonical_output])
def test_fused_gradient_is_a_minus_y_over_n_and_matches_chain_rule(name, rng):
    loss = losses.get(name)
    output = activations.get(loss.canonical_output)
    z, y = rng.normal(size=(5, 3)), _targets(name, rng, n=5)
    value, grad = loss.fused(z.copy(), y)
    a = output.forward(z)
    assert value == pytest.approx(loss.value(a, y), rel=1e-10)
    y_dense = np.eye(3)[y] if y.ndim == 1 else y
    np.testing.assert_allclose(grad, (a - y_dense) / len(z), rtol=1e-10, atol=1e-15)
    # The same gradient by the chain rule through the activation's backward.
    chain = output.backward(z, a, loss.gradient(a, y))
    np.testing.assert_allclose(grad, chain, rtol=1e-6, atol=1e-12)


def test_fused_can_write_in_place(rng):
    z = rng.normal(size=(4, 3))
    y = np.array([0, 2, 1, 1])
    expected = losses.get("cce").fused(z.copy(), y)[1]
    buffer = z.copy()
    _, grad = losses.get("cce").fused(buffer, y, out=buffer)
    assert grad is buffer
    np.testing.assert_allclose(buffer, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_finite_for_extreme_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = losses.get("cce").fused(z.copy(), np.array([1, 2]))
        assert np.isfinite(loss) and np.isfinite(grad).all()
        # Sample 1's true logit lies 2e4 below the largest: 2e4 nats; sample 2 is a
        # three-way tie: log 3 nats.
        assert loss == pytest.approx((2e4 + np.log(3)) / 2, rel=1e-6)
        assert grad.dtype == dtype
        bce_loss, bce_grad = losses.get("bce").fused(
            z[:, :1].copy(), np.array([[0.0], [1.0]], dtype=dtype)
        )
        assert bce_loss == pytest.approx(1e4, rel=1e-6)
        assert np.isfinite(bce_grad).all() and bce_grad.dtype == dtype


def test_categorical_accepts_one_hot_and_labels_alike(rng):
    loss = losses.get("categorical_cross_entropy")
    z = rng.normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    one_hot = np.eye(4)[labels]
    v1, g1 = loss.fused(z.copy(), labels)
    v2, g2 = loss.fused(z.copy(), one_hot)
    assert v1 == pytest.approx(v2)
    np.testing.assert_allclose(g1, g2)


def test_huber_is_quadratic_inside_delta_and_linear_outside():
    h = losses.Huber(delta=2.0)
    a = np.array([[0.5], [5.0]])
    y = np.zeros((2, 1))
    # 0.5·0.5² = 0.125 and 2·(5 − 1) = 8, averaged over 2 samples.
    assert h.value(a, y) == pytest.approx((0.125 + 8.0) / 2)
    np.testing.assert_allclose(h.gradient(a, y), [[0.25], [1.0]])


@pytest.mark.parametrize(
    ("output", "loss", "phrase"),
    [
        ("softmax", "mse", "categorical_cross_entropy"),
        ("sigmoid", "mse", "binary_cross_entropy"),
        ("sigmoid", "categorical_cross_entropy", "output='softmax'"),
        ("identity", "categorical_cross_entropy", "output='softmax'"),
        ("relu", "binary_cross_entropy", "output='sigmoid'"),
        ("tanh", "binary_cross_entropy", "not probabilities"),
    ],
)
def test_mismatched_pairs_warn_with_the_right_pairing(output, loss, phrase):
    with pytest.warns(losses.PairingWarning, match=phrase):
        losses.check_pairing(activations.get(output), losses.get(loss))


@pytest.mark.parametrize(
    ("output", "loss"),
    [("identity", "mse"), ("sigmoid", "bce"), ("softmax", "cce"), ("tanh", "huber")],
)
def test_good_pairs_do_not_warn(output, loss):
    losses.check_pairing(activations.get(output), losses.get(loss))


def test_default_loss_for_output():
    assert losses.default_for_output("softmax") == losses.CategoricalCrossEntropy()
    assert losses.default_for_output("sigmoid") == losses.BinaryCrossEntropy()
    assert losses.default_for_output("identity") == losses.MeanSquaredError()
    assert losses.default_for_output("tanh") == losses.MeanSquaredError()


def test_registry_and_errors():
    assert losses.get("BCE") == losses.BinaryCrossEntropy()
    assert losses.get("huber", delta=0.5).delta == 0.5
    with pytest.raises(ValueError, match="Did you mean 'mse'"):
        losses.get("mes")
    with pytest.raises(TypeError, match="`loss`"):
        losses.get(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`delta`"):
        losses.Huber(delta=-1)


@pytest.mark.parametrize(
    ("loss", "y", "n_outputs", "message"),
    [
        ("cce", [0, 1, 3], 3, r"labels must be in \[0, 3\).*from 0 to 3"),
        ("cce", [0.5, 1], 3, "whole-number class labels"),
        ("cce", [[0.5, 0.2, 0.1]], 3, "sum to 1"),
        ("bce", [0, 2, 1], 1, r"only 0 and 1.*\[2\]"),
        ("mse", [[1.0, 2.0]], 3, r"shape \(n_samples, 3\).*got shape \(1, 2\)"),
        ("mse", [1.0, np.nan], 1, "NaN in 1 of 2 entries"),
        ("mse", ["a", "b"], 1, "numeric"),
    ],
)
def test_bad_targets_are_named(loss, y, n_outputs, message):
    with pytest.raises(ValueError, match=message):
        losses.get(loss).prepare_targets(y, n_outputs, np.dtype(np.float64))


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        (" mse ", "mse"),
        ("Mean-Squared Error", "mse"),
        ("Categorical Cross-Entropy", "categorical_cross_entropy"),
        ("BCE", "binary_cross_entropy"),
    ],
)
def test_loss_names_match_whatever_their_case_spaces_dashes_or_underscores(spelling, name):
    assert losses.get(spelling).name == name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huber_is_finite_and_quiet_for_residuals_whose_squares_overflow(dtype):
    huge = np.finfo(dtype).max ** 0.5 * 8  # its square overflows; the linear branch does not
    a = np.array([[0.0], [0.5], [huge], [-3.0]], dtype)
    y = np.zeros_like(a)
    loss = losses.get("huber")  # delta 1
    with np.errstate(all="raise"):
        value = loss.value(a, y)
    r = [abs(float(v)) for v in a[:, 0]]  # Python floats: only the branch that applies
    expected = sum(0.5 * v * v if v <= 1 else v - 0.5 for v in r) / len(r)
    assert value == pytest.approx(expected, rel=1e-6)
