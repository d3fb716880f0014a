"""Tests for neuronet.datasets: geometry recomputed here, balance, determinism, errors."""

import re

import numpy as np
import pytest

from neuronet import datasets
from neuronet.datasets import (
    REGRESSION,
    blobs,
    circles,
    curve,
    is_regression,
    load,
    moons,
    names,
    spiral,
    train_test_split,
    xor,
)

CLASSIFICATION = [name for name in names() if not is_regression(name)]
# Generators whose noise is Gaussian jitter on the coordinates (spiral jitters the angle).
COORDINATE_NOISE = ["blobs", "circles", "moons", "xor"]


def expected_sizes(n_samples: int, n_classes: int) -> list[int]:
    """The documented balance rule, written out independently: remainder to low labels."""
    sizes = [0] * n_classes
    for i in range(n_samples):
        sizes[i % n_classes] += 1
    return sizes


def n_classes_of(name: str, kwargs: dict) -> int:
    return kwargs.get("n_classes", 3) if name in ("spiral", "blobs") else 2


# ----------------------------------------------------------------------------- registry
def test_names_are_the_sorted_generators():
    assert names() == ["blobs", "circles", "curve", "moons", "spiral", "xor"]
    assert frozenset({"curve"}) == REGRESSION
    assert [is_regression(n) for n in names()] == [False, False, True, False, False, False]


@pytest.mark.parametrize("name", names())
def test_load_dispatches_to_the_generator(name):
    X, y = load(name, n_samples=40, seed=3, dtype="float64")
    X_direct, y_direct = getattr(datasets, name)(40, seed=3, dtype="float64")
    np.testing.assert_array_equal(X, X_direct)
    np.testing.assert_array_equal(y, y_direct)


def test_unknown_name_suggests_a_close_match_and_lists_all():
    expected = (
        "Unknown data set 'spirl'. Did you mean 'spiral'? "
        "Valid names: blobs, circles, curve, moons, spiral, xor."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        load("spirl")
    with pytest.raises(ValueError, match="Did you mean 'circles'"):
        is_regression("circle")


def test_unknown_name_without_a_close_match_has_no_suggestion():
    with pytest.raises(ValueError, match="Unknown data set 'zzzz'") as info:
        load("zzzz")
    assert "Did you mean" not in str(info.value)
    assert "blobs, circles, curve, moons, spiral, xor" in str(info.value)


def test_name_must_be_a_string():
    with pytest.raises(
        TypeError, match=re.escape("`name` must be a data set name (a str), got 3 of type int.")
    ):
        load(3)


def test_bad_keyword_is_reported_as_such_not_as_a_bad_name():
    with pytest.raises(TypeError, match="factor"):
        load("spiral", factor=0.5)


# ----------------------------------------------------------------------------- shape, dtype
@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("dtype", [None, "float32", np.float64, "float16"])
def test_shapes_dtypes_and_layout(name, dtype):
    kwargs = {} if dtype is None else {"dtype": dtype}
    X, y = load(name, n_samples=37, seed=0, **kwargs)
    expected_dtype = np.dtype("float32" if dtype is None else dtype)
    n_features = 1 if name == "curve" else 2
    assert X.shape == (37, n_features)
    assert y.shape == (37,)
    assert X.dtype == expected_dtype
    assert y.dtype == (expected_dtype if is_regression(name) else np.int64)
    assert X.flags.c_contiguous and y.flags.c_contiguous
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


def test_blobs_n_features():
    X, _ = blobs(20, n_features=7, seed=0)
    assert X.shape == (20, 7)


# ----------------------------------------------------------------------------- balance
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("xor", {"n_samples": 2}),
        ("xor", {"n_samples": 101}),
        ("circles", {"n_samples": 7}),
        ("moons", {"n_samples": 200}),
        ("moons", {"n_samples": 3}),
        ("spiral", {"n_samples": 10, "n_classes": 4}),
        ("spiral", {"n_samples": 301}),
        ("spiral", {"n_samples": 2, "n_classes": 2}),
        ("blobs", {"n_samples": 11, "n_classes": 5}),
        ("blobs", {"n_samples": np.int64(30)}),
    ],
)
def test_classes_are_balanced_with_remainder_to_low_labels(name, kwargs):
    _, y = load(name, seed=1, **kwargs)
    k = n_classes_of(name, kwargs)
    assert np.bincount(y, minlength=k).tolist() == expected_sizes(int(kwargs["n_samples"]), k)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_rows_are_shuffled(name):
    _, y = load(name, n_samples=200, seed=0)
    # Sorted (grouped-by-class) labels by chance has probability ~1e-58 here.
    assert np.any(np.diff(y) < 0)


# ----------------------------------------------------------------------------- randomness
@pytest.mark.parametrize("name", names())
def test_same_seed_same_data_different_seed_different_data(name):
    X1, y1 = load(name, n_samples=50, seed=7)
    X2, y2 = load(name, n_samples=50, seed=7)
    X3, _ = load(name, n_samples=50, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", names())
def test_a_generator_can_be_passed_as_seed(name):
    X1, y1 = load(name, n_samples=30, seed=np.random.default_rng(5))
    X2, y2 = load(name, n_samples=30, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", COORDINATE_NOISE)
def test_noise_is_the_std_of_a_rescaled_fixed_draw(name):
    def make(noise):
        return load(name, n_samples=4000, noise=noise, seed=11, dtype="float64")

    X0, y0 = make(0.0)
    X1, y1 = make(0.1)
    X3, y3 = make(0.3)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(y0, y3)
    z = (X1 - X0) / 0.1
    np.testing.assert_allclose((X3 - X0) / 0.3, z, atol=1e-9)
    assert abs(z.mean()) < 0.05
    assert abs(z.std() - 1.0) < 0.05


def test_curve_noise_is_the_std_of_the_target_noise():
    X, y = curve(4000, noise=0.2, seed=2, dtype="float64")
    x = X[:, 0]
    residual = y - (np.sin(2 * x) + 0.3 * x)
    assert abs(residual.mean()) < 0.02
    assert abs(residual.std() - 0.2) < 0.01


def test_spiral_noise_moves_the_angle_only():
    X, y = spiral(3000, n_classes=3, noise=0.2, turns=0.5, seed=4, dtype="float64")
    r = np.hypot(X[:, 0], X[:, 1])
    for k in range(3):
        np.testing.assert_allclose(np.sort(r[y == k]), np.linspace(0, 1, 1000), atol=1e-12)
    far = r > 0.1  # the angle is ill-defined near the origin
    clean = 2 * np.pi * (y[far] / 3 + 0.5 * r[far])
    actual = np.arctan2(X[far, 1], X[far, 0])
    deviation = np.angle(np.exp(1j * (actual - clean)))  # wrapped into (-π, π]
    assert abs(deviation.mean()) < 0.02
    assert abs(deviation.std() - 0.2) < 0.02


# ----------------------------------------------------------------------------- exact geometry
def test_xor_without_noise_is_the_truth_table():
    X, y = xor(100, noise=0.0, seed=0, dtype="float64")
    np.testing.assert_array_equal(np.abs(X), 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    corners, counts = np.unique(X, axis=0, return_counts=True)
    assert corners.tolist() == [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    assert counts.tolist() == [25, 25, 25, 25]


def test_xor_labels_follow_the_signs_with_default_noise():
    X, y = xor(1000, seed=0)
    np.testing.assert_array_equal(y, np.sign(X[:, 0]) != np.sign(X[:, 1]))


@pytest.mark.parametrize("factor", [0.1, 0.5, 0.9])
def test_circles_without_noise_lie_on_two_radii_evenly_spaced(factor):
    X, y = circles(61, noise=0.0, factor=factor, seed=0, dtype="float64")
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(radius[y == 1], factor, atol=1e-12)
    for label, m in ((0, 31), (1, 30)):
        theta = np.sort(np.mod(np.arctan2(X[y == label, 1], X[y == label, 0]), 2 * np.pi))
        expected = 2 * np.pi * np.arange(m) / m
        np.testing.assert_allclose(theta, expected, atol=1e-9)


def test_moons_without_noise_lie_on_unit_semicircles():
    X, y = moons(81, noise=0.0, seed=0, dtype="float64")
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    # Each moon is the full half-circle, sampled evenly in angle from 0 to π.
    np.testing.assert_allclose(
        np.sort(upper[:, 0]), np.sort(np.cos(np.linspace(0, np.pi, 41))), atol=1e-12
    )
    np.testing.assert_allclose(
        np.sort(lower[:, 0]), np.sort(1 - np.cos(np.linspace(0, np.pi, 40))), atol=1e-12
    )


@pytest.mark.parametrize(("n_classes", "turns"), [(2, 0.0), (3, 1.0), (5, 1.5), (7, 0.3)])
def test_spiral_without_noise_follows_the_arms(n_classes, turns):
    n_samples = 20 * n_classes + 1
    X, y = spiral(n_samples, n_classes=n_classes, noise=0.0, turns=turns, seed=0, dtype="float64")
    sizes = expected_sizes(n_samples, n_classes)
    r = np.hypot(X[:, 0], X[:, 1])
    for k, m in enumerate(sizes):
        np.testing.assert_allclose(np.sort(r[y == k]), np.linspace(0, 1, m), atol=1e-12)
    theta = 2 * np.pi * (y / n_classes + turns * r)
    expected = r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    np.testing.assert_allclose(X, expected, atol=1e-12)


def test_blobs_without_noise_collapse_onto_distinct_centres_in_the_box():
    X, y = blobs(40, n_classes=4, n_features=3, noise=0.0, spread=2.5, seed=0, dtype="float64")
    centres = np.array([X[y == k][0] for k in range(4)])
    for k in range(4):
        np.testing.assert_array_equal(X[y == k], np.broadcast_to(centres[k], (10, 3)))
    assert np.all(np.abs(centres) <= 2.5)
    assert len(np.unique(centres, axis=0)) == 4


def test_blobs_clusters_have_std_noise():
    X, y = blobs(6000, n_classes=2, noise=0.5, seed=3, dtype="float64")
    for k in range(2):
        assert abs(X[y == k].std(axis=0) - 0.5).max() < 0.03


def test_curve_without_noise_is_the_documented_function():
    X, y = curve(500, noise=0.0, seed=0, dtype="float64")
    x = X[:, 0]
    np.testing.assert_allclose(y, np.sin(2 * x) + 0.3 * x, atol=1e-12)
    assert x.min() >= -3 and x.max() <= 3
    assert x.min() < -2.9 and x.max() > 2.9  # covers the interval


@pytest.mark.parametrize("name", ["xor", "circles"])
def test_a_linear_model_is_at_chance(name):
    # The docstrings' teaching claim: the best least-squares line scores ~50 %.
    X, y = load(name, n_samples=2000, seed=0, dtype="float64")
    A = np.column_stack([X, np.ones(len(X))])
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)
    accuracy = np.mean((A @ w > 0) == (y == 1))
    assert accuracy < 0.6


# ----------------------------------------------------------------------------- split
def indexed(n, labels):
    """Features that record each row's original index, so a split can be traced back."""
    X = np.column_stack([np.arange(n), -np.arange(n)]).astype(np.float64)
    return X, np.asarray(labels)


def assert_partition(X_train, X_test, y_train, y_test, y):
    train_idx = X_train[:, 0].astype(int)
    test_idx = X_test[:, 0].astype(int)
    both = np.concatenate([train_idx, test_idx])
    np.testing.assert_array_equal(np.sort(both), np.arange(len(y)))  # none lost or doubled
    np.testing.assert_array_equal(y_train, y[train_idx])  # rows stay paired with labels
    np.testing.assert_array_equal(y_test, y[test_idx])


def test_stratified_split_keeps_exact_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X, y = indexed(100, y)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    assert_partition(X_train, X_test, y_train, y_test, y)
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    assert np.bincount(y_train).tolist() == [48, 24, 8]


@pytest.mark.parametrize("seed", range(5))
def test_stratified_split_rounds_each_class_to_floor_or_ceil(rng, seed):
    counts = rng.integers(1, 30, size=4)
    y = np.repeat(np.array([5, -2, 9, 0]), counts)  # arbitrary integer labels
    n = len(y)
    test_size = float(rng.uniform(0.1, 0.9))
    X, y = indexed(n, y)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=seed)
    assert_partition(X_train, X_test, y_train, y_test, y)
    n_test = int(np.ceil(test_size * n))
    assert len(y_test) == n_test
    for label, c in zip([5, -2, 9, 0], counts, strict=True):
        quota = c * n_test / n
        assert np.sum(y_test == label) in (np.floor(quota), np.ceil(quota))


def test_split_sizes_from_float_and_int():
    X, y = indexed(10, np.arange(10) % 2)
    assert len(train_test_split(X, y, test_size=0.3, seed=0)[1]) == 3
    assert len(train_test_split(X, y, test_size=0.25, seed=0)[1]) == 3  # ceil(2.5)
    assert len(train_test_split(X, y, test_size=7, seed=0)[1]) == 7
    assert len(train_test_split(X, y, test_size=np.int64(1), seed=0)[1]) == 1
    # 0.07 * 100 is 7.000000000000001 in floating point; it must still mean 7, not 8.
    X, y = indexed(100, np.arange(100) % 2)
    assert len(train_test_split(X, y, test_size=0.07, seed=0)[1]) == 7


@pytest.mark.parametrize("stratify", [True, False])
def test_split_sets_are_shuffled_and_deterministic(stratify):
    X, y = indexed(300, np.repeat([0, 1, 2], 100))
    a = train_test_split(X, y, seed=1, stratify=stratify)
    b = train_test_split(X, y, seed=1, stratify=stratify)
    c = train_test_split(X, y, seed=2, stratify=stratify)
    assert_partition(*a, y)
    for part_a, part_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(part_a, part_b)
    assert not np.array_equal(a[1], c[1])
    assert np.any(np.diff(a[3]) < 0) and np.any(np.diff(a[2]) < 0)  # not grouped by class


def test_unstratified_split_has_the_right_size():
    X, y = indexed(40, np.repeat([0, 1], [36, 4]))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=10, seed=0, stratify=False)
    assert_partition(X_train, X_test, y_train, y_test, y)
    assert len(y_test) == 10


@pytest.mark.parametrize(
    "y",
    [
        np.linspace(-1, 1, 20),  # regression targets: not stratified
        np.eye(2)[np.arange(20) % 2],  # one-hot: not stratified
        np.arange(20) % 2 == 0,  # bool labels: stratified
    ],
    ids=["float", "one-hot", "bool"],
)
def test_split_accepts_other_targets(y):
    X, _ = indexed(20, np.zeros(20))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, seed=0)
    assert len(y_test) == 10 and y_test.shape[1:] == y.shape[1:]
    np.testing.assert_array_equal(y_test, y[X_test[:, 0].astype(int)])
    np.testing.assert_array_equal(y_train, y[X_train[:, 0].astype(int)])


def test_split_preserves_dtype_and_returns_contiguous_arrays():
    X = np.asfortranarray(np.arange(40, dtype=np.float32).reshape(20, 2))
    y = np.arange(20) % 2
    for part in train_test_split(X, y, seed=0):
        assert part.flags.c_contiguous
    X_train, X_test, _, _ = train_test_split(X, y, seed=0)
    assert X_train.dtype == X_test.dtype == np.float32


def test_split_of_generated_data_keeps_balance():
    X, y = spiral(300, seed=0)
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    assert np.bincount(y_test).tolist() == [20, 20, 20]
    assert np.bincount(y_train).tolist() == [80, 80, 80]


# ----------------------------------------------------------------------------- bad arguments
def message(text):
    return f"^{re.escape(text)}$"


FLOAT_DTYPE = "`dtype` must be a floating-point dtype such as 'float32' or 'float64', got "

# One row per rule: (generator, arguments, exception, the whole message).
# fmt: off
BAD_GENERATOR_ARGUMENTS = [
    (xor, {"n_samples": 1}, ValueError,
     "`n_samples` must be an integer >= 2 (one per class), got 1."),
    (circles, {"n_samples": 0}, ValueError,
     "`n_samples` must be an integer >= 2 (one per class), got 0."),
    (moons, {"n_samples": -5}, ValueError,
     "`n_samples` must be an integer >= 2 (one per class), got -5."),
    (curve, {"n_samples": 0}, ValueError, "`n_samples` must be a positive integer, got 0."),
    (spiral, {"n_samples": 2}, ValueError,
     "`n_samples` must be an integer >= 3 (`n_classes`=3, one per class), got 2."),
    (blobs, {"n_samples": 4, "n_classes": 5}, ValueError,
     "`n_samples` must be an integer >= 5 (`n_classes`=5, one per class), got 4."),
    (xor, {"n_samples": 10.0}, TypeError,
     "`n_samples` must be an integer >= 2 (one per class), got 10.0 of type float."),
    (curve, {"n_samples": True}, TypeError,
     "`n_samples` must be a positive integer, got True of type bool."),
    (moons, {"noise": -1.0}, ValueError, "`noise` must be a finite number >= 0, got -1.0."),
    (xor, {"noise": -1}, ValueError, "`noise` must be a finite number >= 0, got -1.0."),
    (circles, {"noise": float("nan")}, ValueError,
     "`noise` must be a finite number >= 0, got nan."),
    (curve, {"noise": float("inf")}, ValueError,
     "`noise` must be a finite number >= 0, got inf."),
    (blobs, {"noise": "1"}, TypeError,
     "`noise` must be a finite number >= 0, got '1' of type str."),
    (circles, {"factor": 1.0}, ValueError, "`factor` must be a number in (0, 1), got 1.0."),
    (circles, {"factor": 0}, ValueError, "`factor` must be a number in (0, 1), got 0.0."),
    (circles, {"factor": float("nan")}, ValueError,
     "`factor` must be a number in (0, 1), got nan."),
    (circles, {"factor": None}, TypeError,
     "`factor` must be a number in (0, 1), got None of type NoneType."),
    (spiral, {"n_classes": 1}, ValueError, "`n_classes` must be an integer >= 2, got 1."),
    (blobs, {"n_classes": 2.5}, TypeError,
     "`n_classes` must be an integer >= 2, got 2.5 of type float."),
    (spiral, {"turns": -0.5}, ValueError, "`turns` must be a finite number >= 0, got -0.5."),
    (blobs, {"n_features": 0}, ValueError, "`n_features` must be a positive integer, got 0."),
    (blobs, {"spread": 0.0}, ValueError, "`spread` must be a finite number > 0, got 0.0."),
    (blobs, {"spread": float("inf")}, ValueError,
     "`spread` must be a finite number > 0, got inf."),
    (xor, {"dtype": "int32"}, ValueError, FLOAT_DTYPE + "'int32'."),
    (curve, {"dtype": complex}, ValueError, FLOAT_DTYPE + "'complex128'."),
    (spiral, {"dtype": "nonsense"}, TypeError,
     "`dtype` must be a NumPy floating-point dtype, got 'nonsense'."),
]
# fmt: on


@pytest.mark.parametrize(("call", "kwargs", "error", "text"), BAD_GENERATOR_ARGUMENTS)
def test_bad_generator_arguments(call, kwargs, error, text):
    with pytest.raises(error, match=message(text)):
        call(**kwargs)


X10, Y10 = np.zeros((10, 2)), np.arange(10) % 2
FLOAT_SIZE = "`test_size` as a float must be in (0, 1), got "
INT_SIZE = "`test_size` as an int must be in [1, n_samples - 1] = [1, 9], got "
SIZE_TYPE = "`test_size` must be a float in (0, 1) or an int, got "

# fmt: off
BAD_SPLIT_ARGUMENTS = [
    ((X10, Y10), {"test_size": 0.0}, ValueError, FLOAT_SIZE + "0.0."),
    ((X10, Y10), {"test_size": 1.0}, ValueError, FLOAT_SIZE + "1.0."),
    ((X10, Y10), {"test_size": float("nan")}, ValueError, FLOAT_SIZE + "nan."),
    ((X10, Y10), {"test_size": 0.95}, ValueError,
     "`test_size`=0.95 leaves no training samples out of n_samples=10; "
     "use a smaller fraction."),
    ((X10, Y10), {"test_size": 0}, ValueError, INT_SIZE + "0."),
    ((X10, Y10), {"test_size": 10}, ValueError, INT_SIZE + "10."),
    ((X10, Y10), {"test_size": True}, TypeError, SIZE_TYPE + "True of type bool."),
    ((X10, Y10), {"test_size": "0.2"}, TypeError, SIZE_TYPE + "'0.2' of type str."),
    ((X10, Y10), {"stratify": "yes"}, TypeError,
     "`stratify` must be True or False, got 'yes' of type str."),
    ((X10, Y10[:9]), {}, ValueError,
     "`X` and `y` must have the same number of samples, got 10 and 9."),
    ((np.float64(1.0), Y10), {}, ValueError,
     "`X` and `y` must be arrays with a samples axis, got shapes () and (10,)."),
    ((X10[:1], Y10[:1]), {}, ValueError,
     "Need at least 2 samples to split into two sets, got 1."),
]
# fmt: on


@pytest.mark.parametrize(("args", "kwargs", "error", "text"), BAD_SPLIT_ARGUMENTS)
def test_bad_split_arguments(args, kwargs, error, text):
    with pytest.raises(error, match=message(text)):
        train_test_split(*args, **kwargs)
