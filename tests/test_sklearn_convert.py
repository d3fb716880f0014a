"""neuronet.sklearn.from_sklearn / to_sklearn: scikit-learn's MLPs to networks and back."""

import warnings

import numpy as np
import pytest

import neuronet
from conftest import require
from neuronet import MLP, activations, losses
from neuronet.activations import Tanh

require("sklearn")

from sklearn.datasets import make_multilabel_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from neuronet.sklearn import NeuronetClassifier, from_sklearn, to_sklearn  # noqa: E402

SK_ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def fitted(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs are enough here
        return estimator.fit(X, y)


def convert(estimator):
    with warnings.catch_warnings():
        # An identity-activation MLP is linear, and MLP says so; true, and beside the point.
        warnings.filterwarnings("ignore", ".*network is linear", UserWarning)
        return from_sklearn(estimator, seed=0)


def data(task, rng, n=120, dtype=np.float64):
    if task == "multilabel":
        X, y = make_multilabel_classification(n, n_features=5, n_classes=3, random_state=0)
        return X.astype(dtype), y
    X = rng.normal(size=(n, 5)).astype(dtype)
    if task == "regression":
        return X, X @ rng.normal(size=5) + 0.1 * rng.normal(size=n)
    if task == "multi-output":
        return X, X @ rng.normal(size=(5, 2))
    classes = {"binary": ["no", "yes"], "multiclass": ["cat", "dog", "emu"]}[task]
    return X, np.asarray(classes)[rng.integers(0, len(classes), n)]


def estimator_for(task, activation, hidden=(7, 4)):
    cls = MLPRegressor if task in ("regression", "multi-output") else MLPClassifier
    return cls(hidden_layer_sizes=hidden, activation=activation, max_iter=30, random_state=0)


# --- from scikit-learn -----------------------------------------------------------------------


@pytest.mark.parametrize("activation", SK_ACTIVATIONS)
@pytest.mark.parametrize(
    "task", ["binary", "multiclass", "multilabel", "regression", "multi-output"]
)
def test_from_sklearn_predicts_the_same(task, activation, rng):
    X, y = data(task, rng)
    est = fitted(estimator_for(task, activation), X, y)
    net = convert(est)
    expected_output = {
        "multiclass": "softmax",
        "regression": "identity",
        "multi-output": "identity",
    }
    assert net.output_activation.name == expected_output.get(task, "sigmoid")
    assert net.hidden_activations == [activations.get(activation)] * 2
    assert net.dtype == np.float64
    for layer, coef, intercept in zip(net.dense_layers, est.coefs_, est.intercepts_, strict=True):
        assert np.array_equal(layer.weights, coef) and np.array_equal(layer.bias, intercept)
    X_new = rng.normal(0.0, 2.0, (50, 5))
    np.testing.assert_array_equal(net.predict(X_new), est.predict(X_new))
    if task in ("regression", "multi-output"):
        np.testing.assert_allclose(net.predict(X_new), est.predict(X_new), rtol=1e-6, atol=1e-6)
        assert not net.is_classifier
    else:
        np.testing.assert_allclose(
            net.predict_proba(X_new), est.predict_proba(X_new), rtol=1e-6, atol=1e-6
        )
        expected_classes = None if task == "multilabel" else est.classes_.tolist()
        assert net.classes == expected_classes


def test_from_sklearn_losses_are_scikit_learns(rng):
    # scikit-learn's loss_ (without its L2 term, alpha=0) is neuronet's loss on the same data.
    for task in ("binary", "multiclass", "multilabel", "regression"):
        X, y = data(task, rng)
        est = estimator_for(task, "tanh")
        est.set_params(alpha=0.0, solver="lbfgs", max_iter=5)
        fitted(est, X, y)
        assert convert(est).compute_loss(X, y) == pytest.approx(est.loss_, rel=1e-9), task


def test_from_sklearn_without_hidden_layers(rng):
    X, y = data("multiclass", rng)
    est = fitted(MLPClassifier((), max_iter=30, random_state=0), X, y)
    net = from_sklearn(est)
    assert net.sizes == [5, 3]
    np.testing.assert_allclose(net.predict_proba(X), est.predict_proba(X), atol=1e-12)


def test_from_sklearn_keeps_float32(rng):
    X, y = data("binary", rng, dtype=np.float32)
    est = fitted(estimator_for("binary", "relu"), X, y)
    assert est.coefs_[0].dtype == np.float32
    net = from_sklearn(est)
    assert net.dtype == np.float32
    np.testing.assert_allclose(net.predict_proba(X), est.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_converted_network_is_diagnosed_and_trained_further(rng):
    X = rng.normal(size=(300, 5))
    y = np.digitize(X[:, 0] + 0.3 * X[:, 1], [-0.5, 0.5])  # classes 0, 1, 2
    est = fitted(estimator_for("multiclass", "relu"), X, y)
    net = from_sklearn(est, seed=0)
    # Integer labels: neuronet.diagnose(net, X, y) fails for string classes (reported).
    diagnosis = neuronet.diagnose(net, X, y)
    assert len(diagnosis.layers) == 3 and diagnosis.gradient_ratio is not None
    before = net.compute_loss(X, y)
    net.fit(X, y, epochs=30, batch_size=32, lr=0.01, verbose=0)
    assert net.compute_loss(X, y) < before
    assert float((net.predict(X) == y).mean()) > float((est.predict(X) == y).mean())


# --- to scikit-learn -------------------------------------------------------------------------


def randomised(net, rng):
    for layer in net.dense_layers:
        for view in layer.tensors().values():
            view[...] = rng.normal(0.0, 0.8, view.shape)
    return net


@pytest.mark.parametrize("activation", SK_ACTIVATIONS)
@pytest.mark.parametrize(
    ("output", "n_out", "classes"),
    [
        ("identity", 1, None),
        ("identity", 3, None),
        ("sigmoid", 1, None),
        ("sigmoid", 1, ["yes", "no"]),  # not sorted: the unit is negated
        ("sigmoid", 4, None),  # multilabel
        ("softmax", 2, ["b", "a"]),  # two classes: one logistic unit
        ("softmax", 2, None),
        ("softmax", 3, None),
        ("softmax", 4, ["d", "b", "a", "c"]),  # columns put in sorted order
    ],
)
def test_to_sklearn_predicts_the_same(output, n_out, classes, activation, rng):
    name = {"logistic": "sigmoid"}.get(activation, activation)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*network is linear", UserWarning)
        net = MLP([5, 6, 4, n_out], name, output, dtype="float64", classes=classes, seed=0)
    randomised(net, rng)
    est = to_sklearn(net)
    X = rng.normal(0.0, 2.0, (80, 5))
    assert est.activation == activation and est.hidden_layer_sizes == (6, 4)
    assert est.n_features_in_ == 5
    if output == "identity":
        assert isinstance(est, MLPRegressor)
        np.testing.assert_allclose(est.predict(X), net.predict(X), rtol=1e-12, atol=1e-12)
        return
    assert isinstance(est, MLPClassifier)
    np.testing.assert_array_equal(est.predict(X), net.predict(X))
    if output == "sigmoid" and n_out > 1:
        order = np.arange(n_out)
    else:
        labels = classes if classes is not None else list(range(n_out if n_out > 1 else 2))
        order = np.argsort(labels)  # scikit-learn's columns are its sorted classes_
        assert est.classes_.tolist() == sorted(labels)
    np.testing.assert_allclose(
        est.predict_proba(X), net.predict_proba(X)[:, order], rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "regression"])
def test_round_trip_through_neuronet_keeps_every_weight(task, rng):
    X, y = data(task, rng)
    est = fitted(estimator_for(task, "tanh"), X, y)
    back = to_sklearn(from_sklearn(est))
    for ours, theirs in zip(
        back.coefs_ + back.intercepts_, est.coefs_ + est.intercepts_, strict=True
    ):
        assert np.array_equal(ours, theirs)
    assert back.out_activation_ == est.out_activation_ and back.n_outputs_ == est.n_outputs_
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    if task != "regression":
        np.testing.assert_array_equal(back.classes_, est.classes_)
        np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def test_estimator_from_to_sklearn_refits_afresh(rng):
    X, y = data("binary", rng)
    est = to_sklearn(randomised(MLP([5, 4, 1], "relu", "sigmoid", dtype="float64"), rng))
    fitted(est, X, y)  # an ordinary fit, from scratch
    assert est.predict(X).dtype.kind == "U"


@pytest.mark.parametrize("activation", activations.names())
def test_every_hidden_activation(activation, rng):
    supported = {"identity", "sigmoid", "tanh", "relu"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # softmax / identity hidden-layer advice
        net = MLP([3, 4, 2], activation, "softmax", seed=0)
    if activation in supported:
        assert isinstance(to_sklearn(net), MLPClassifier)
        return
    with pytest.raises(ValueError, match=f"no {activation} activation") as info:
        to_sklearn(net)
    assert "identity, logistic, tanh and relu" in str(info.value)


@pytest.mark.parametrize("loss", losses.names())
def test_every_output_loss_pair(loss):
    output = losses.get(loss).canonical_output or "identity"
    net = MLP([3, 4, 3], "relu", output, loss=loss, seed=0)
    if loss in ("mse", "binary_cross_entropy", "categorical_cross_entropy"):
        est = to_sklearn(net)
        assert est.out_activation_ == {"identity": "identity", "sigmoid": "logistic"}.get(
            output, output
        )
        return
    with pytest.raises(ValueError, match=f"output with loss '{loss}'"):
        to_sklearn(net)


def test_to_sklearn_refuses_what_scikit_learn_lacks(rng):
    with pytest.raises(ValueError, match="one activation for every hidden layer"):
        to_sklearn(MLP([3, 4, 4, 1], ["relu", "tanh"], seed=0))
    with pytest.raises(ValueError, match="no normalisation; this network has norm='batch'"):
        to_sklearn(MLP([3, 4, 1], "relu", norm="batch", seed=0))
    with pytest.warns(losses.PairingWarning):
        mismatched = MLP([3, 4, 1], "relu", "sigmoid", loss="mse", seed=0)
    with pytest.raises(ValueError, match="Sigmoid\\(\\) output with loss 'mse'"):
        to_sklearn(mismatched)
    with pytest.raises(ValueError, match="cannot be sorted"):
        to_sklearn(MLP([3, 4, 3], output="softmax", classes=[1, "a", 2.0], seed=0))
    with pytest.raises(TypeError, match="`net` must be a neuronet MLP"):
        to_sklearn(MLPClassifier())

    class ScaledTanh(Tanh):
        def forward(self, z):
            return 2.0 * np.tanh(z)

    with pytest.raises(ValueError, match="no tanh activation"):
        to_sklearn(MLP([3, 4, 1], ScaledTanh(), seed=0))


def test_dropout_is_left_behind(rng):
    net = randomised(MLP([5, 6, 3], "relu", "softmax", dropout=0.3, dtype="float64"), rng)
    X = rng.normal(size=(30, 5))
    np.testing.assert_allclose(to_sklearn(net).predict_proba(X), net.predict_proba(X), atol=1e-12)


# --- what from_sklearn refuses -----------------------------------------------------------------


def test_from_sklearn_refuses_clearly(rng):
    with pytest.raises(NotFittedError, match="MLPClassifier that is not fitted yet"):
        from_sklearn(MLPClassifier())
    with pytest.raises(ValueError, match="not fitted yet"):  # NotFittedError is a ValueError
        from_sklearn(MLPRegressor())
    X, y = data("binary", rng)
    with pytest.raises(TypeError, match="got LogisticRegression"):
        from_sklearn(LogisticRegression().fit(X, y))
    with pytest.raises(TypeError, match="model_"):
        from_sklearn(NeuronetClassifier())
    X, y = data("regression", rng)
    poisson = fitted(
        MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=5, random_state=0),
        X,
        abs(y),
    )
    with pytest.raises(ValueError, match="out_activation_='exp' \\(loss='poisson'\\)"):
        from_sklearn(poisson)
