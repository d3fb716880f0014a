"""Training on data nobody planned for: each case trains sensibly or stops with a clear message.

The cases and what happens are tabled in docs/robustness.md.

``pyproject.toml`` turns every warning into an error, so a case that asserts no
``pytest.warns`` also asserts that no warning at all was raised.
"""

import warnings

import numpy as np
import pytest

from neuronet import MLP
from neuronet.training import DivergenceWarning


def two_blobs(rng, n=200, n_features=4):
    """A two-class problem a small network learns to over 90% in 30 epochs."""
    X = rng.normal(size=(n, n_features))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def accuracy(net, X, y):
    return float(np.mean(net.predict(X) == y))


# --- features of scale 1e6 -----------------------------------------------------------------------


def test_features_of_scale_1e6_with_sgd_stop_with_advice_to_standardise(rng):
    X, y = two_blobs(rng)
    net = MLP([4, 16, 2], output="softmax", seed=0)
    before = net.parameters.copy()
    with (
        pytest.warns(UserWarning, match="standardise X first"),
        pytest.warns(DivergenceWarning, match=r"(?s)epoch 1.*standardising X"),
    ):
        history = net.fit(X * 1e6, y, epochs=30, optimizer="sgd", verbose=0)
    assert history.diverged and history.epochs == 0
    np.testing.assert_array_equal(net.parameters, before)  # the initial weights are kept
    assert np.isfinite(net.parameters).all()


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_features_of_scale_1e6_warn_that_they_need_standardising(rng, optimizer):
    X, y = two_blobs(rng)
    net = MLP([4, 16, 2], output="softmax", seed=0)
    with pytest.warns(UserWarning, match="(?i)standardi[sz]"):
        net.fit(X * 1e6, y, epochs=30, optimizer=optimizer, verbose=0)


def test_features_of_scale_1e6_train_sensibly_once_standardised(rng):
    # What the advice leads to: the same data, standardised, train as the unit-scale data.
    X, y = two_blobs(rng)
    big = X * 1e6 + 3e6
    scaled = (big - big.mean(axis=0)) / big.std(axis=0)
    net = MLP([4, 16, 2], output="softmax", seed=0)
    history = net.fit(scaled, y, epochs=30, verbose=0)
    assert history["loss"][-1] < 0.3 and accuracy(net, scaled, y) > 0.9


# --- constant columns ----------------------------------------------------------------------------


@pytest.mark.parametrize("norm", [None, "batch"])
def test_constant_columns_train_sensibly_and_a_zero_column_is_ignored(rng, norm):
    X, y = two_blobs(rng)
    X = np.hstack([X, np.full((len(X), 1), 3.0), np.zeros((len(X), 1))])
    net = MLP([6, 16, 2], output="softmax", seed=0, norm=norm)
    zero_column = net.dense_layers[0].weights[5].copy()
    history = net.fit(X, y, epochs=30, verbose=0)  # no warning: pytest would raise it
    assert history["loss"][-1] < 0.3 and accuracy(net, X, y) > 0.9
    # A column of zeros has a zero gradient: Adam leaves its weights exactly where they were.
    np.testing.assert_array_equal(net.dense_layers[0].weights[5], zero_column)


# --- duplicated rows -----------------------------------------------------------------------------


def test_duplicated_rows_train_as_the_rows_once(rng):
    # Every row 8 times: the mean loss and its gradient are those of the rows once, so full-batch
    # gradient descent follows the same path (to rounding), and no warning is raised.
    X, y = two_blobs(rng, n=50)
    once = MLP([4, 8, 2], output="softmax", seed=0, dtype="float64")
    eight = MLP([4, 8, 2], output="softmax", seed=0, dtype="float64")
    options = {"epochs": 40, "optimizer": "sgd", "lr": 0.5, "shuffle": False, "verbose": 0}
    once.fit(X, y, batch_size=50, **options)
    eight.fit(np.tile(X, (8, 1)), np.tile(y, 8), batch_size=400, **options)
    np.testing.assert_allclose(eight.parameters, once.parameters, rtol=1e-9, atol=1e-12)
    assert accuracy(once, X, y) > 0.9


# --- 1,000 classes -------------------------------------------------------------------------------


def test_a_thousand_classes_train_sensibly(rng):
    k, n_features = 1000, 16
    centres = rng.normal(size=(k, n_features))
    y = np.repeat(np.arange(k), 2)
    X = centres[y] + 0.05 * rng.normal(size=(2 * k, n_features))
    net = MLP([n_features, 32, k], output="softmax", seed=0)
    history = net.fit(X, y, epochs=12, batch_size=256, lr=0.02, verbose=0)
    # The untrained network starts near log(k), as a uniform guess does; training gets it down.
    assert abs(history["loss"][0] - np.log(k)) < 0.5
    assert history["loss"][-1] < 0.05 and accuracy(net, X, y) > 0.99
    X_new = centres[y] + 0.05 * rng.normal(size=X.shape)
    assert accuracy(net, X_new, y) > 0.95  # new samples of the same classes
    proba = net.predict_proba(X_new)
    assert proba.shape == (2 * k, k) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


# --- one sample per class ------------------------------------------------------------------------


def test_one_sample_per_class_is_memorised(rng):
    k = 50
    X = rng.normal(size=(k, 20))
    net = MLP([20, 32, k], output="softmax", seed=0)
    history = net.fit(X, np.arange(k), epochs=200, verbose=0)
    assert history["loss"][-1] < 0.5 and accuracy(net, X, np.arange(k)) == 1.0


def test_one_sample_per_class_with_validation_split_says_the_split_is_impossible(rng):
    k = 50
    X = rng.normal(size=(k, 20))
    net = MLP([20, 32, k], output="softmax", seed=0)
    with pytest.warns(UserWarning, match="validation"):
        net.fit(X, np.arange(k), epochs=5, validation_split=0.2, verbose=0)


# --- float64 data into a float32 network ---------------------------------------------------------


def test_float64_data_into_a_float32_network_trains_as_float32_data(rng):
    X, y = two_blobs(rng)
    as64, as32 = (
        MLP([4, 16, 2], output="softmax", seed=0),
        MLP([4, 16, 2], output="softmax", seed=0),
    )
    as64.fit(X.astype(np.float64), y, epochs=10, verbose=0)
    as32.fit(X.astype(np.float32), y, epochs=10, verbose=0)
    assert as64.parameters.dtype == np.float32  # the network's dtype is kept
    np.testing.assert_array_equal(as64.parameters, as32.parameters)  # bit for bit
    assert as64.predict_proba(X).dtype == np.float32


def test_float64_values_beyond_float32_are_refused_by_predict_without_a_numpy_warning(rng):
    net = MLP([4, 16, 2], output="softmax", seed=0)
    with pytest.raises(ValueError, match="Values too large for float32 become infinite"):
        net.predict(np.full((2, 4), 1e39))


def test_float64_values_beyond_float32_are_refused_by_fit_naming_the_cause(rng):
    X, y = two_blobs(rng)
    X[0, 0] = 1e39
    net = MLP([4, 16, 2], output="softmax", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the misleading DivergenceWarning fails the test
        with pytest.raises(ValueError, match="Values too large for float32"):
            net.fit(X, y, epochs=2, verbose=0)
