"""What a classifier's `fit` accepts as labels, and the traps a new user falls into.

Each test reproduces a report from issue 14 ("The first hour"): labels that are class names,
class labels given to a regressor, one-class data, pandas columns, linear networks.
"""

import warnings

import numpy as np
import pytest

from conftest import require
from neuronet import MLP, datasets, load


@pytest.fixture(scope="module")
def blobs():
    X, y = datasets.blobs(150, n_classes=3, seed=0)
    return X, y


def fit_quietly(net, X, y, **kwargs):
    return net.fit(X, y, **{"epochs": 30, "lr": 0.05, "verbose": 0, **kwargs})


def test_string_labels_are_mapped_through_the_given_classes(blobs):
    X, y = blobs
    names = np.array(["ant", "bee", "cat"])
    net = MLP([2, 8, 3], output="softmax", classes=["ant", "bee", "cat"], seed=0)
    fit_quietly(net, X, names[y])
    assert float((net.predict(X) == names[y]).mean()) > 0.9


def test_numeric_labels_are_mapped_through_the_given_classes(blobs):
    # Labels 3/7/9 with classes=[3, 7, 9] once failed with "labels must be in [0, 3)".
    X, y = blobs
    codes = np.array([3, 7, 9])[y]
    net = MLP([2, 8, 3], output="softmax", classes=[3, 7, 9], seed=0)
    fit_quietly(net, X, codes)
    assert set(net.predict(X)) <= {3, 7, 9}
    assert float((net.predict(X) == codes).mean()) > 0.9
    with pytest.raises(ValueError, match=r"labels \[4\] that are not among"):
        net.fit(X, np.where(codes == 3, 4, codes), verbose=0)


def test_classes_are_inferred_from_string_labels_and_saved(blobs, tmp_path):
    X, y = blobs
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    net = MLP([2, 8, 3], output="softmax", seed=0)
    fit_quietly(net, X, labels)
    assert net.classes == ["setosa", "versicolor", "virginica"]
    net.save(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(load(tmp_path / "m.safetensors").predict(X), net.predict(X))


def test_boolean_labels_give_boolean_predictions():
    X, y = datasets.moons(120, noise=0.1, seed=0)
    net = MLP([2, 8, 1], output="sigmoid", seed=0)
    fit_quietly(net, X, y.astype(bool))
    assert net.classes == [False, True]
    assert net.predict(X).dtype == bool


def test_a_label_column_of_shape_n_by_1_is_accepted(blobs):
    X, y = blobs
    net = MLP([2, 8, 3], output="softmax", seed=0)
    history = fit_quietly(net, X, y[:, None])
    assert history["accuracy"][-1] > 0.9


def test_too_many_or_too_few_inferred_classes_say_what_to_do(blobs):
    X, y = blobs
    letters = np.array(["a", "b", "c"])[y]
    with pytest.raises(ValueError, match=r"3 classes .* 2 unit\(s\)"):
        MLP([2, 8, 2], output="softmax", seed=0).fit(X, letters, verbose=0)


def test_labels_that_leave_outputs_unused_warn(blobs):
    # Labels 3/7/9 on a 10-output softmax once trained "fine" with 7 outputs never used.
    X, y = blobs
    net = MLP([2, 8, 10], output="softmax", seed=0)
    with pytest.warns(UserWarning, match=r"3 of the 10 classes.*classes=\[\.\.\.\]"):
        fit_quietly(net, X, np.array([3, 7, 9])[y], epochs=1)


def test_a_single_class_is_refused(blobs):
    X, _ = blobs
    net = MLP([2, 8, 2], output="softmax", seed=0)
    with pytest.raises(ValueError, match="single class"):
        net.fit(X, np.ones(len(X), dtype=int), verbose=0)


def test_class_labels_given_to_a_regressor_say_how_to_classify(blobs):
    X, y = blobs
    net = MLP([2, 8, 3], seed=0)  # identity + MSE by default
    with pytest.raises(ValueError, match=r"pass output='softmax'"):
        net.fit(X, y, verbose=0)
    with pytest.raises(ValueError, match=r"pass output='softmax'"):
        net.fit(X, np.array(["a", "b", "c"])[y], verbose=0)


def test_a_one_unit_softmax_is_refused_at_construction():
    with pytest.raises(ValueError, match="output='sigmoid' with one output unit"):
        MLP([2, 8, 1], output="softmax")


def test_an_all_identity_network_warns_that_it_is_linear():
    with pytest.warns(UserWarning, match=r"linear however deep.*activation='relu'"):
        MLP([2, 8, 8, 1], activation="identity")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLP([2, 1])  # no hidden layer: a linear model on purpose, no warning
        MLP([2, 8, 8, 1], activation=["identity", "relu"])


def test_a_nan_label_says_nan(blobs):
    X, y = blobs
    labels = y.astype(float)
    labels[3] = np.nan
    with pytest.raises(ValueError, match="NaN in 1 of 150"):
        MLP([2, 8, 3], output="softmax").fit(X, labels, verbose=0)


# --- pandas ----------------------------------------------------------------------------------


@pytest.fixture
def pd():
    return require("pandas")  # in the dev extra: CI must never skip these


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean"])
def test_pandas_nullable_columns_without_missing_values_are_accepted(pd, dtype):
    X, y = datasets.moons(80, noise=0.1, seed=0)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1]}).astype("Float64")
    target = pd.Series(y.astype(bool) if dtype == "boolean" else y, dtype=dtype)
    net = MLP([2, 8, 1], output="sigmoid", seed=0)
    history = fit_quietly(net, frame, target)
    assert history.epochs == 30
    assert net.predict(frame).shape == (80,)


def test_pandas_missing_values_are_named(pd):
    X, y = datasets.moons(20, seed=0)
    target = pd.Series(y, dtype="Int64")
    target[4] = pd.NA
    with pytest.raises(ValueError, match=r"`y` has 1 missing value\(s\) \(pandas NA"):
        MLP([2, 4, 1], output="sigmoid").fit(X, target, verbose=0)
    frame = pd.DataFrame(X, dtype="Float64")
    frame.iloc[2, 1] = pd.NA
    with pytest.raises(ValueError, match=r"`X` has 1 missing value\(s\)"):
        MLP([2, 4, 1], output="sigmoid").fit(frame, y, verbose=0)


def test_a_pandas_category_gives_its_categories_in_order(pd, blobs):
    X, y = blobs
    order = ["low", "mid", "high"]  # declared order, not alphabetical
    target = pd.Series(pd.Categorical(np.array(order)[y], categories=order))
    net = MLP([2, 8, 3], output="softmax", seed=0)
    fit_quietly(net, X, target)
    assert net.classes == order
    assert float((net.predict(X) == np.array(order)[y]).mean()) > 0.9


def test_classes_can_be_assigned_and_are_checked():
    net = MLP([2, 4, 3], output="softmax", seed=0)
    net.classes = ["x", "y", "z"]
    assert set(net.predict(np.zeros((2, 2)))) <= {"x", "y", "z"}
    with pytest.raises(ValueError, match="one label per class"):
        net.classes = ["x", "y"]


def test_several_sigmoid_outputs_predict_the_indicator_matrix_even_with_classes(rng):
    # Independent yes/no labels: `classes` names the columns; predict gives 0/1 per column,
    # as scikit-learn's multilabel MLPClassifier does.
    X = rng.normal(size=(5, 2)).astype(np.float32)
    net = MLP([2, 3], output="sigmoid", seed=0, classes=["x", "y", "z"])
    expected = (net.forward(X) >= 0.5).astype(np.int64)
    np.testing.assert_array_equal(net.predict(X), expected)


def test_a_pandas_category_of_numbers_maps_through_its_categories(pd, blobs):
    X, y = blobs
    codes = np.array([30, 7, 12])  # numbers that are not 0..k-1, declared in this order
    target = pd.Series(pd.Categorical(codes[y], categories=[30, 7, 12]))
    net = MLP([2, 8, 3], output="softmax", seed=0)
    fit_quietly(net, X, target)
    assert net.classes == [30, 7, 12]
    assert float((net.predict(X) == codes[y]).mean()) > 0.9


@pytest.mark.parametrize("kind", ["strings", "booleans"])
def test_one_sigmoid_output_takes_a_column_of_labels_as_it_takes_a_vector(kind, blobs):
    X, y = blobs
    keep = y < 2
    X, y = X[keep], y[keep]
    labels = np.array(["no", "yes"])[y] if kind == "strings" else y.astype(bool)
    vector, column = (MLP([2, 4, 1], output="sigmoid", seed=0) for _ in range(2))
    fit_quietly(vector, X, labels)
    fit_quietly(column, X, labels.reshape(-1, 1))
    assert column.classes == vector.classes == sorted(set(labels.tolist()))
    np.testing.assert_array_equal(column.predict(X), vector.predict(X))
    assert column.predict(X).dtype == labels.dtype


def test_numpy_classes_are_kept_as_python_values_and_saved(blobs, tmp_path):
    X, y = blobs
    codes = np.array([10, 20, 30])
    net = MLP([2, 4, 3], output="softmax", classes=np.unique(codes), seed=0)
    assert net.classes == [10, 20, 30] and type(net.classes[0]) is int
    fit_quietly(net, X, codes[y])
    net.save(tmp_path / "codes.safetensors")
    assert load(tmp_path / "codes.safetensors").classes == [10, 20, 30]
    flags = MLP([2, 4, 1], output="sigmoid", classes=np.array([False, True]))
    assert flags.classes == [False, True] and type(flags.classes[1]) is bool


def test_repeated_classes_are_refused():
    with pytest.raises(ValueError, match=r"`classes` must name each class once, got 'spam' 2"):
        MLP([2, 4, 3], output="softmax", classes=["spam", "ham", "spam"])


@pytest.mark.parametrize(
    "columns",
    [
        {"a": "float64", "b": "bool"},
        {"a": "float64", "b": "Int64"},
        {"a": "float32", "b": "boolean"},
        {"a": "int64", "b": "Float64"},
    ],
    ids=repr,
)
def test_a_frame_of_numbers_of_mixed_kinds_is_numeric(pd, columns):
    X, y = datasets.moons(40, noise=0.1, seed=0)
    values = {"a": X[:, 0] * 10, "b": X[:, 1] > 0}
    frame = pd.DataFrame(
        {name: pd.Series(values[name]).astype(dtype) for name, dtype in columns.items()}
    )
    net = MLP([2, 4, 1], output="sigmoid", seed=0)
    fit_quietly(net, frame, y, epochs=2)
    expected = frame.to_numpy(dtype=np.float64)
    np.testing.assert_array_equal(net.predict_proba(frame), net.predict_proba(expected))
    target = pd.DataFrame({"u": pd.Series(X[:, 0], dtype="Float64"), "v": X[:, 1]})
    regressor = MLP([2, 4, 2], seed=0)
    fit_quietly(regressor, frame, target, epochs=2)


def test_ragged_rows_name_the_argument():
    net = MLP([2, 4, 1], output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"`X` cannot be read as an array: .*inhomogeneous"):
        net.predict([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"`X` cannot be read as an array"):
        net.fit([[1.0, 2.0], [3.0]], [0, 1], verbose=0)


def test_targets_beyond_float32_are_refused_not_made_infinite():
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = np.full(20, 1e39)
    with pytest.raises(ValueError, match=r"`y` has values too large for float32 \(largest"):
        MLP([2, 4, 1], seed=0).fit(X, y, verbose=0)
    history = MLP([2, 4, 1], seed=0, dtype="float64").fit(X, y / 1e39, epochs=2, verbose=0)
    assert history.epochs == 2
