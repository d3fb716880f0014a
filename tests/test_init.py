import numpy as np
import pytest

from neuronet import activations, init


@pytest.mark.parametrize(
    ("name", "variance", "distribution"),
    [
        ("glorot_uniform", 2 / (300 + 500), "uniform"),
        ("glorot_normal", 2 / (300 + 500), "normal"),
        ("he_uniform", 2 / 300, "uniform"),
        ("he_normal", 2 / 300, "normal"),
        ("lecun_normal", 1 / 300, "normal"),
    ],
)
def test_variance_and_distribution(name, variance, distribution, rng):
    w = init.initialise(name, 300, 500, rng=rng, dtype=np.float64)
    assert w.shape == (300, 500) and w.dtype == np.float64
    assert w.var() == pytest.approx(variance, rel=0.02)
    assert abs(w.mean()) < 0.01 * np.sqrt(variance) * 10
    limit = np.sqrt(3 * variance)
    if distribution == "uniform":
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.99 * limit
    else:
        assert np.abs(w).max() > 1.2 * limit  # normal tails reach past the uniform limit


def test_he_gain_includes_the_negative_slope(rng):
    w = init.initialise("he_normal", 400, 400, rng=rng, negative_slope=0.5, dtype=np.float64)
    assert w.var() == pytest.approx(2 / ((1 + 0.25) * 400), rel=0.02)


def test_auto_choice_per_activation():
    expected = {
        "relu": "he_uniform",
        "selu": "lecun_normal",
        "tanh": "glorot_uniform",
        "leaky_relu": "he_uniform",
        "sigmoid": "glorot_uniform",
    }
    for name, scheme in expected.items():
        assert init.choose("auto", activations.get(name)) == scheme
    for name in activations.names():
        assert activations.get(name).recommended_init in init.names()


def test_aliases_seed_and_errors(rng):
    a = init.initialise("kaiming_uniform", 3, 4, rng=np.random.default_rng(0))
    b = init.initialise("he_uniform", 3, 4, rng=np.random.default_rng(0))
    assert np.array_equal(a, b) and a.dtype == np.float32
    with pytest.raises(ValueError, match="Did you mean 'he_normal'"):
        init.choose("he_norml", None)
    with pytest.raises(TypeError, match="`init`"):
        init.choose(3, None)  # type: ignore[arg-type]
