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


def test_layer_kernels_follow_the_switch_and_the_size_threshold():
    require("numba")
    big = _kernels.MIN_LAYER_SIZE
    try:
        _kernels.set_enabled(False)
        assert _kernels.layer_kernel("bias_relu", big) is None
        _kernels.set_enabled(None)
        assert _kernels.layer_kernel("bias_relu", big - 1) is None  # too small to pay off
        assert callable(_kernels.layer_kernel("bias_relu", big))
    finally:
        _kernels.set_enabled(None)
