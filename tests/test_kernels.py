"""The optional compiled kernels against the NumPy code they replace.

The update tests in test_optimizers.py already run under both paths; these compare them
directly. The layer kernels are compared with NumPy in test_fast_paths.py.
"""

import numpy as np
import pytest

from conftest import require
from neuronet import _kernels, optimizers
from neuronet.optimizers import SGD, Adam, AdamW, RMSprop


@pytest.mark.parametrize(
    "opt",
    [
        SGD(lr=0.1),
        SGD(lr=0.1, momentum=0.9),
        SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        RMSprop(),
        RMSprop(momentum=0.9, weight_decay=0.1),
        Adam(),
        Adam(weight_decay=0.1),
        AdamW(),
    ],
    ids=repr,
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_kernels_match_numpy_bit_for_bit(opt, dtype, monkeypatch):
    require("numba")
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal(1000).astype(dtype)
    grads = [rng.standard_normal(1000).astype(dtype) for _ in range(5)]
    mask = np.arange(1000) % 3 != 0
    results = []
    try:
        for compiled in (False, True):
            optimizers.use_numba(compiled)
            o, p = type(opt)(**opt.get_config()), p0.copy()
            o.prepare(p, decay_mask=mask)
            for g in grads:
                o.step(p, g)
            results.append(p)
    finally:
        optimizers.use_numba(None)  # never leak the choice into later tests
    np.testing.assert_array_equal(results[0], results[1])


def test_use_numba_without_numba_installed_is_a_clear_error(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"neuronet\[fast\]"):
        optimizers.use_numba(True)
    optimizers.use_numba(None)
    assert not _kernels.enabled()


def test_layer_kernels_follow_the_switch_and_the_size_threshold(monkeypatch):
    require("numba")
    big = _kernels.MIN_LAYER_SIZE
    monkeypatch.setattr(_kernels, "_compiled", {})  # as in a process that has not loaded them
    try:
        _kernels.set_enabled(False)
        assert _kernels.layer_kernel("bias_relu", big) is None
        _kernels.set_enabled(None)
        # Too small to be worth loading numba for...
        assert _kernels.layer_kernel("bias_relu", big - 1) is None
        assert not _kernels.loaded()
        assert callable(_kernels.layer_kernel("bias_relu", big))
        # ...but once loaded, the kernels serve every size.
        assert _kernels.loaded()
        assert callable(_kernels.layer_kernel("bias_relu", 1))
        assert callable(_kernels.get("adam", 1))
        assert _kernels.layer_kernel("backward_softmax", big) is None  # no such kernel
    finally:
        _kernels.set_enabled(None)


def test_use_numba_true_loads_the_kernels_for_every_size(monkeypatch):
    require("numba")
    monkeypatch.setattr(_kernels, "_compiled", {})
    try:
        optimizers.use_numba(True)
        assert _kernels.loaded()
        assert callable(_kernels.layer_kernel("infer_relu", 1))
    finally:
        optimizers.use_numba(None)


def test_predicting_a_few_rows_does_not_load_numba(monkeypatch, rng):
    # Loading numba costs about 0.35 s: a process that only predicts a few rows never pays it.
    require("numba")
    from neuronet import MLP

    monkeypatch.setattr(_kernels, "_compiled", {})
    net = MLP([4, 8, 3], output="softmax", seed=0)
    X = rng.standard_normal((5, 4))
    before = net.predict_proba(X)
    assert not _kernels.loaded()
    net.predict_proba(rng.standard_normal((300, 4)))  # many rows: worth loading
    assert _kernels.loaded()
    np.testing.assert_array_equal(net.predict_proba(X), before)  # the same numbers, compiled
