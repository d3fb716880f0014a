"""Tests for neuronet.optimizers: every update recomputed by hand, dtype and in-place
guarantees, weight-decay masks, L-BFGS through SciPy, and the registry."""

import json
import math
import re

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der

from conftest import require
from neuronet import _kernels, optimizers
from neuronet.optimizers import LBFGS, SGD, Adam, AdamW, Optimizer, RMSprop

# A tiny parameter vector and three gradients, chosen so the arithmetic below is easy to follow.
# The gradients are given directly (they do not depend on p), which is all an optimizer sees.
P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([-0.25, 0.5, 1.0])
G3 = np.array([1.0, 1.0, -1.0])
EPS = 1e-8


@pytest.fixture(params=["numpy", "numba"])
def kernels(request, monkeypatch):
    """Run a test twice: with the NumPy updates and with the compiled one-pass kernels."""
    if request.param == "numba":
        require("numba")
        monkeypatch.setattr(_kernels, "MIN_SIZE", 0)  # even the tiny vectors of these tests
    optimizers.use_numba(request.param == "numba")
    yield request.param
    optimizers.use_numba(None)


# Only the tests whose updates reach a kernel run under both paths; the registry, repr,
# validation and L-BFGS tests would only run the same code twice.
both_paths = pytest.mark.usefixtures("kernels")


def run(opt, grads, p0=P0, decay_mask=None):
    """The parameters after each step of ``opt`` from ``p0`` with these gradients."""
    p = p0.copy()
    if decay_mask is not None:
        opt.prepare(p, decay_mask=decay_mask)
    history = []
    for g in grads:
        opt.step(p, g)
        history.append(p.copy())
    return history


# Every optimizer configuration the generic tests run on.
CONFIGS = [
    SGD(lr=0.1),
    SGD(lr=0.1, momentum=0.9),
    SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    RMSprop(lr=0.01),
    RMSprop(lr=0.01, momentum=0.5, weight_decay=0.01),
    Adam(lr=0.01),
    Adam(lr=0.01, weight_decay=0.01),
    AdamW(lr=0.01),
]
CONFIG_IDS = [repr(opt) for opt in CONFIGS]


def fresh(opt: Optimizer) -> Optimizer:
    return type(opt)(**opt.get_config())


# --- updates recomputed by hand ------------------------------------------------------------


@both_paths
def test_sgd_by_hand():
    p1, p2 = run(SGD(lr=0.1), [G1, G2])
    # p1 = p0 - 0.1 g1 = [1 - 0.05, -2 + 0.1, 0.5 - 0.2]
    np.testing.assert_allclose(p1, [0.95, -1.9, 0.3], rtol=0, atol=1e-15)
    # p2 = p1 - 0.1 g2 = [0.95 + 0.025, -1.9 - 0.05, 0.3 - 0.1]
    np.testing.assert_allclose(p2, [0.975, -1.95, 0.2], rtol=0, atol=1e-15)


@both_paths
def test_sgd_momentum_by_hand():
    p1, p2, p3 = run(SGD(lr=0.1, momentum=0.9), [G1, G2, G3])
    # v1 = g1 = [0.5, -1, 2];                         p1 = p0 - 0.1 v1
    np.testing.assert_allclose(p1, [0.95, -1.9, 0.3], atol=1e-15)
    # v2 = 0.9 v1 + g2 = [0.45 - 0.25, -0.9 + 0.5, 1.8 + 1] = [0.2, -0.4, 2.8]
    # p2 = p1 - 0.1 v2 = [0.95 - 0.02, -1.9 + 0.04, 0.3 - 0.28]
    np.testing.assert_allclose(p2, [0.93, -1.86, 0.02], atol=1e-15)
    # v3 = 0.9 v2 + g3 = [0.18 + 1, -0.36 + 1, 2.52 - 1] = [1.18, 0.64, 1.52]
    # p3 = p2 - 0.1 v3 = [0.93 - 0.118, -1.86 - 0.064, 0.02 - 0.152]
    np.testing.assert_allclose(p3, [0.812, -1.924, -0.132], atol=1e-15)


@both_paths
def test_sgd_nesterov_by_hand():
    p1, p2 = run(SGD(lr=0.1, momentum=0.9, nesterov=True), [G1, G2])
    # v1 = g1;  p1 = p0 - 0.1 (g1 + 0.9 v1) = p0 - 0.19 g1 = [1 - 0.095, -2 + 0.19, 0.5 - 0.38]
    np.testing.assert_allclose(p1, [0.905, -1.81, 0.12], atol=1e-15)
    # v2 = 0.9 v1 + g2 = [0.2, -0.4, 2.8];  g2 + 0.9 v2 = [-0.25 + 0.18, 0.5 - 0.36, 1 + 2.52]
    # p2 = p1 - 0.1 [-0.07, 0.14, 3.52] = [0.905 + 0.007, -1.81 - 0.014, 0.12 - 0.352]
    np.testing.assert_allclose(p2, [0.912, -1.824, -0.232], atol=1e-15)


@both_paths
def test_sgd_weight_decay_respects_mask_by_hand():
    mask = np.array([True, True, False])  # the third entry is a bias: no decay
    p1, p2 = run(SGD(lr=0.1, weight_decay=0.1), [G1, G2], decay_mask=mask)
    # d1 = g1 + 0.1 p0 · mask = [0.5 + 0.1, -1 - 0.2, 2 + 0] = [0.6, -1.2, 2]
    # p1 = p0 - 0.1 d1 = [1 - 0.06, -2 + 0.12, 0.5 - 0.2]
    np.testing.assert_allclose(p1, [0.94, -1.88, 0.3], atol=1e-15)
    # d2 = g2 + 0.1 p1 · mask = [-0.25 + 0.094, 0.5 - 0.188, 1] = [-0.156, 0.312, 1]
    # p2 = p1 - 0.1 d2 = [0.94 + 0.0156, -1.88 - 0.0312, 0.3 - 0.1]
    np.testing.assert_allclose(p2, [0.9556, -1.9112, 0.2], atol=1e-15)


@both_paths
def test_rmsprop_by_hand():
    p1, p2, p3 = run(RMSprop(lr=0.01, rho=0.9), [G1, G2, G3])
    # s1 = 0.1 g1² = [0.025, 0.1, 0.4], so g1 / √s1 = sign(g1) √10: the first step has the same
    # size, 0.01 √10, for every entry whatever its gradient.
    s1 = np.array([0.025, 0.1, 0.4])
    expected1 = P0 - 0.01 * G1 / (np.sqrt(s1) + EPS)
    np.testing.assert_allclose(expected1, P0 - 0.01 * math.sqrt(10) * np.sign(G1), rtol=1e-7)
    np.testing.assert_allclose(p1, expected1, rtol=1e-13)
    # s2 = 0.9 s1 + 0.1 g2² = [0.0225 + 0.00625, 0.09 + 0.025, 0.36 + 0.1]
    s2 = np.array([0.02875, 0.115, 0.46])
    expected2 = expected1 - 0.01 * G2 / (np.sqrt(s2) + EPS)
    np.testing.assert_allclose(p2, expected2, rtol=1e-13)
    # s3 = 0.9 s2 + 0.1 g3² = [0.025875 + 0.1, 0.1035 + 0.1, 0.414 + 0.1]
    s3 = np.array([0.125875, 0.2035, 0.514])
    np.testing.assert_allclose(p3, expected2 - 0.01 * G3 / (np.sqrt(s3) + EPS), rtol=1e-13)


@both_paths
def test_rmsprop_momentum_by_hand():
    p1, p2 = run(RMSprop(lr=0.01, rho=0.9, momentum=0.5), [G1, G2])
    # The normalised gradients u = g / (√s + eps), with s as in test_rmsprop_by_hand.
    u1 = G1 / (np.sqrt([0.025, 0.1, 0.4]) + EPS)
    u2 = G2 / (np.sqrt([0.02875, 0.115, 0.46]) + EPS)
    # b1 = u1;  p1 = p0 - 0.01 b1
    np.testing.assert_allclose(p1, P0 - 0.01 * u1, rtol=1e-13)
    # b2 = 0.5 b1 + u2;  p2 = p1 - 0.01 b2
    np.testing.assert_allclose(p2, P0 - 0.01 * u1 - 0.01 * (0.5 * u1 + u2), rtol=1e-13)


def adam_steps_by_hand():
    """Adam's updates η m̂ / (√v̂ + eps) for g1, g2, g3 with lr=0.1, betas (0.9, 0.999)."""
    # t = 1: m = 0.1 g1, v = 0.001 g1²; m̂ = m / 0.1 = g1, v̂ = v / 0.001 = g1²:
    #        the first update is 0.1 g1 / (|g1| + eps) ≈ 0.1 sign(g1), whatever |g1| is.
    u1 = 0.1 * G1 / (np.abs(G1) + EPS)
    # t = 2: m = 0.9 [0.05, -0.1, 0.2] + 0.1 g2 = [0.045 - 0.025, -0.09 + 0.05, 0.18 + 0.1]
    #        v = 0.999 [0.00025, 0.001, 0.004] + 0.001 g2²
    #          = [0.00024975 + 0.0000625, 0.000999 + 0.00025, 0.003996 + 0.001]
    #        bias corrections 1 - 0.9² = 0.19 and 1 - 0.999² = 0.001999
    m2 = np.array([0.02, -0.04, 0.28])
    v2 = np.array([0.00031225, 0.001249, 0.004996])
    u2 = 0.1 * (m2 / 0.19) / (np.sqrt(v2 / 0.001999) + EPS)
    # t = 3: m = 0.9 m2 + 0.1 g3 = [0.018 + 0.1, -0.036 + 0.1, 0.252 - 0.1]
    #        v = 0.999 v2 + 0.001 g3² = [0.00031193775, 0.001247751, 0.004991004] + 0.001
    #        bias corrections 1 - 0.9³ = 0.271 and 1 - 0.999³ = 0.002997001
    m3 = np.array([0.118, 0.064, 0.152])
    v3 = np.array([0.00131193775, 0.002247751, 0.005991004])
    u3 = 0.1 * (m3 / 0.271) / (np.sqrt(v3 / 0.002997001) + EPS)
    return u1, u2, u3


@both_paths
def test_adam_bias_correction_by_hand():
    u1, u2, u3 = adam_steps_by_hand()
    p1, p2, p3 = run(Adam(lr=0.1), [G1, G2, G3])
    np.testing.assert_allclose(p1, [0.9, -1.9, 0.4], atol=1e-8)  # p0 - 0.1 sign(g1)
    np.testing.assert_allclose(p1, P0 - u1, rtol=1e-13)
    np.testing.assert_allclose(p2, P0 - u1 - u2, rtol=1e-12)
    np.testing.assert_allclose(p3, P0 - u1 - u2 - u3, rtol=1e-12)


@both_paths
def test_adam_coupled_l2_by_hand():
    mask = np.array([True, True, False])
    (p1,) = run(Adam(lr=0.1, weight_decay=0.1), [G1], decay_mask=mask)
    # d1 = g1 + 0.1 p0 · mask = [0.6, -1.2, 2.0]; Adam's first update is 0.1 d / (|d| + eps):
    # the L2 term goes through the normalisation, so it hardly changes the step.
    d1 = np.array([0.6, -1.2, 2.0])
    np.testing.assert_allclose(p1, P0 - 0.1 * d1 / (np.abs(d1) + EPS), rtol=1e-13)


@both_paths
def test_adamw_decoupled_decay_by_hand():
    mask = np.array([True, True, False])
    u1, u2, _ = adam_steps_by_hand()
    p1, p2 = run(AdamW(lr=0.1, weight_decay=0.1), [G1, G2], decay_mask=mask)
    # First shrink the weights by lr · wd = 1 %: [0.99, -1.98, 0.5]; then Adam's step on g1.
    np.testing.assert_allclose(p1, np.array([0.99, -1.98, 0.5]) - u1, rtol=1e-13)
    np.testing.assert_allclose(p1, [0.89, -1.88, 0.4], atol=1e-8)
    # Shrink p1 by 1 % where masked, then Adam's second step (moments of the raw gradients).
    expected2 = (np.array([0.99, -1.98, 0.5]) - u1) * [0.99, 0.99, 1.0] - u2
    np.testing.assert_allclose(p2, expected2, rtol=1e-13)


@both_paths
def test_adam_l2_and_adamw_differ():
    # Coupled L2 through Adam's normalisation vs decoupled decay: not the same update.
    (coupled,) = run(Adam(lr=0.1, weight_decay=0.1), [G1])
    (decoupled,) = run(AdamW(lr=0.1, weight_decay=0.1), [G1])
    assert not np.allclose(coupled, decoupled)


@both_paths
@pytest.mark.parametrize(
    "opt",
    [
        SGD(lr=0.1, weight_decay=0.5),
        SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.5),
        RMSprop(lr=0.1, weight_decay=0.5),
        Adam(lr=0.1, weight_decay=0.5),
        AdamW(lr=0.1, weight_decay=0.5),
    ],
    ids=repr,
)
def test_decay_mask_leaves_unmasked_entries_alone(opt):
    # With zero gradients only the weight decay moves anything.
    p0 = np.array([1.0, -2.0, 3.0, -4.0])
    zeros = [np.zeros(4)] * 3
    mask = np.array([True, False, True, False])
    *_, masked = run(opt, zeros, p0=p0, decay_mask=mask)
    np.testing.assert_array_equal(masked[~mask], p0[~mask])
    assert np.all(np.abs(masked[mask]) < np.abs(p0[mask]))
    # No mask: everything decays; a 0/1 mask is the same as a boolean one.
    *_, everywhere = run(fresh(opt), zeros, p0=p0)
    assert np.all(np.abs(everywhere) < np.abs(p0))
    *_, numeric = run(fresh(opt), zeros, p0=p0, decay_mask=mask.astype(int))
    np.testing.assert_array_equal(numeric, masked)


@pytest.mark.parametrize("mask", [np.ones(2, bool), np.array([0, 1, 2])])
def test_bad_decay_mask(mask):
    with pytest.raises(ValueError, match="decay_mask"):
        SGD(weight_decay=0.1).prepare(np.zeros(3), decay_mask=mask)


# --- PyTorch cross-check (optional) ---------------------------------------------------------


@both_paths
@pytest.mark.parametrize(
    ("ours", "torch_name", "torch_kwargs"),
    [
        (SGD(lr=0.1, momentum=0.9, weight_decay=0.01), "SGD", {"momentum": 0.9}),
        (SGD(lr=0.1, momentum=0.9, nesterov=True), "SGD", {"momentum": 0.9, "nesterov": True}),
        (RMSprop(lr=0.01, rho=0.9, momentum=0.5), "RMSprop", {"alpha": 0.9, "momentum": 0.5}),
        (Adam(lr=0.01, weight_decay=0.1), "Adam", {}),
        (AdamW(lr=0.01, weight_decay=0.1), "AdamW", {}),
    ],
    ids=["sgd", "nesterov", "rmsprop", "adam", "adamw"],
)
def test_matches_pytorch(ours, torch_name, torch_kwargs, rng):
    torch = require("torch")
    ours = fresh(ours)  # the parametrised instance is shared by both backends' runs
    p = rng.normal(size=20)
    grads = [rng.normal(size=20) for _ in range(5)]
    theirs = torch.tensor(p.copy(), requires_grad=True)
    kwargs = {"lr": ours.lr, "weight_decay": ours.weight_decay, **torch_kwargs}
    torch_opt = getattr(torch.optim, torch_name)([theirs], **kwargs)
    for g in grads:
        theirs.grad = torch.tensor(g)
        torch_opt.step()
        ours.step(p, g)
    np.testing.assert_allclose(p, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_rmsprop_defaults_are_as_documented():
    # lr is Keras's 0.001; rho (PyTorch's alpha) and eps are PyTorch's.
    opt = RMSprop()
    assert (opt.lr, opt.rho, opt.eps, opt.momentum, opt.weight_decay) == (0.001, 0.99, 1e-8, 0, 0)
    torch = require("torch")
    defaults = torch.optim.RMSprop([torch.zeros(1, requires_grad=True)]).defaults
    assert (defaults["lr"], defaults["alpha"], defaults["eps"]) == (0.01, opt.rho, opt.eps)


# --- dtype, in place, state -----------------------------------------------------------------


@both_paths
@pytest.mark.parametrize("opt", CONFIGS, ids=CONFIG_IDS)
def test_float32_stays_float32_in_place(opt, rng):
    opt = fresh(opt)
    p64 = rng.normal(size=50)
    grads64 = [rng.normal(size=50) for _ in range(3)]
    p = p64.astype(np.float32)
    alias = p.view()
    for g in grads64:
        g32 = g.astype(np.float32)
        before = g32.copy()
        opt.step(p, g32)
        np.testing.assert_array_equal(g32, before)  # the gradient is not modified
    assert p.dtype == np.float32
    assert np.shares_memory(alias, p)
    assert all(state.dtype == np.float32 for state in opt.state.values())
    # The float32 run follows the float64 one (a silent upcast or lost update would not).
    *_, reference = run(fresh(opt), grads64, p0=p64)
    np.testing.assert_allclose(p, reference, rtol=1e-4, atol=1e-5)
    assert not np.allclose(p, p64)


@both_paths
@pytest.mark.parametrize("opt", CONFIGS, ids=CONFIG_IDS)
def test_strided_params_and_mixed_dtypes_give_the_same_update(opt, rng):
    # BLAS only takes contiguous buffers of one dtype; anything else goes through ufuncs.
    p0 = rng.normal(size=30)
    grads = [rng.normal(size=30) for _ in range(3)]
    *_, expected = run(fresh(opt), grads, p0=p0)
    buffer = np.zeros(60)
    strided = buffer[::2]
    strided[:] = p0
    strided_opt = fresh(opt)
    for g in grads:
        strided_opt.step(strided, g)
    np.testing.assert_allclose(buffer[::2], expected, rtol=1e-13)
    np.testing.assert_array_equal(buffer[1::2], 0.0)
    p32 = p0.astype(np.float32)
    mixed_opt = fresh(opt)
    for g in grads:
        mixed_opt.step(p32, g)  # float64 gradients into float32 parameters
    assert p32.dtype == np.float32
    np.testing.assert_allclose(p32, expected, rtol=1e-4, atol=1e-5)


@both_paths
def test_state_is_prepared_lazily_and_reset():
    opt = Adam(lr=0.1)
    assert opt.state == {}
    p = P0.copy()
    opt.step(p, G1)
    assert set(opt.state) == {"m", "v"} and opt.t == 1
    np.testing.assert_allclose(opt.state["m"], 0.1 * G1)  # (1 - beta1) g1
    opt.reset()
    assert opt.state == {} and opt.t == 0
    # After reset the next step is a first step again: p - 0.1 sign(g) for any g.
    opt.step(p, G2)
    np.testing.assert_allclose(p, P0 - 0.1 * np.sign(G1) - 0.1 * np.sign(G2), atol=1e-7)


@both_paths
def test_prepare_zeroes_state_and_dtype_change_reprepares():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.prepare(P0)
    np.testing.assert_array_equal(opt.state["velocity"], np.zeros(3))
    opt.step(P0.copy(), G1)
    p32 = P0.astype(np.float32)
    opt.step(p32, G1.astype(np.float32))  # a new dtype: fresh float32 state, v = g1
    assert opt.state["velocity"].dtype == np.float32
    np.testing.assert_allclose(p32, P0 - 0.1 * G1, rtol=1e-6)


def test_mask_no_longer_matching_params_is_an_error():
    opt = AdamW()
    opt.prepare(np.zeros(3), decay_mask=np.array([True, False, True]))
    with pytest.raises(ValueError, match=r"call prepare\(params, decay_mask=...\) again"):
        opt.step(np.zeros(4), np.zeros(4))


def test_step_checks_shapes_and_types():
    with pytest.raises(ValueError, match="`grads` must have the shape of `params` "):
        SGD().step(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="`params` must be a floating-point numpy array"):
        SGD().step(np.zeros(3, dtype=int), np.zeros(3))
    with pytest.raises(TypeError, match="`params` must be a floating-point numpy array"):
        SGD().step([0.0, 1.0], np.zeros(2))


# --- configuration and validation -----------------------------------------------------------


# --- state_dict: what a checkpoint saves ---------------------------------------------------------


@both_paths
@pytest.mark.parametrize("opt", CONFIGS, ids=CONFIG_IDS)
def test_state_dict_round_trip_continues_bit_for_bit(opt, rng):
    opt = fresh(opt)
    p = rng.normal(size=40).astype(np.float32)
    grads = [rng.normal(size=40).astype(np.float32) for _ in range(6)]
    opt.prepare(p, decay_mask=np.arange(40) % 3 > 0)
    for g in grads[:3]:
        opt.step(p, g)
    opt.lr *= 0.5  # as a schedule would: the rate reached is part of the state
    state = opt.state_dict()
    # Plain JSON besides the arrays, which are copies in the parameters' dtype.
    meta = {key: value for key, value in state.items() if key != "state"}
    assert json.loads(json.dumps(meta)) == meta
    assert meta["class"] == type(opt).__name__ and meta["t"] == 3 and meta["dtype"] == "float32"
    assert sorted(state["state"]) == sorted(opt.state)
    for key, array in state["state"].items():
        assert array.dtype == np.float32 and not np.shares_memory(array, opt.state[key])
        np.testing.assert_array_equal(array, opt.state[key])

    twin = type(opt)()  # default hyperparameters: the state's replace them
    twin.load_state_dict({**meta, "state": state["state"]})
    twin.prepare(p, decay_mask=np.arange(40) % 3 > 0, reset=False)  # what fit does
    assert twin.get_config() == opt.get_config() and twin.t == 3
    q = p.copy()
    for g in grads[3:]:
        opt.step(p, g)
        twin.step(q, g)
    np.testing.assert_array_equal(p, q)
    assert twin.t == opt.t == 6


def test_state_dict_holds_copies_and_loading_copies_too():
    opt = Adam(lr=0.1)
    p = P0.copy()
    opt.step(p, G1)
    state = opt.state_dict()
    m = state["state"]["m"].copy()
    opt.step(p, G2)
    np.testing.assert_array_equal(state["state"]["m"], m)  # the later step left it alone
    twin = Adam()
    twin.load_state_dict(state)
    twin.step(P0.copy(), G3)
    np.testing.assert_array_equal(state["state"]["m"], m)  # and so did the twin's


def test_state_dict_before_any_step_and_without_buffers():
    assert Adam().state_dict() == {
        "class": "Adam",
        "config": Adam().get_config(),
        "t": 0,
        "shape": None,
        "dtype": None,
        "state": {},
    }
    sgd = SGD(lr=0.1)
    p = P0.copy()
    for g in (G1, G2):
        sgd.step(p, g)
    twin = SGD()
    twin.load_state_dict(sgd.state_dict())
    # Plain SGD has no buffers, but it still counts its steps, and a step does not reset them.
    twin.step(p.copy(), G3)
    assert twin.t == 3 and twin.lr == 0.1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"class": "SGD"}, r"holds the state of SGD; it cannot be loaded into Adam"),
        ({"state": {"m": np.zeros(3)}}, r"must hold the arrays \['m', 'v'\], got \['m'\]"),
        ({"shape": [4]}, r"array 'm' has shape \(3,\) and dtype float64; the state says \[4\]"),
        ({"dtype": "float32"}, r"the state says \[3\] float32"),
        ({"config": {"lr": -1.0}}, r"`lr` must be a finite number > 0, got -1.0"),
        ({"t": -1}, r"`t` must be an integer >= 0"),
    ],
)
def test_load_state_dict_refuses_a_state_that_does_not_fit(change, message):
    source = Adam(lr=0.1)
    source.step(P0.copy(), G1)
    state = {**source.state_dict(), **change}
    target = Adam(lr=0.5)
    with pytest.raises((TypeError, ValueError), match=message):
        target.load_state_dict(state)
    assert target.lr == 0.5 and target.t == 0  # unchanged


def test_lbfgs_state_dict_is_its_hyperparameters():
    state = LBFGS(tol=1e-5, history=4).state_dict()
    assert json.loads(json.dumps(state)) == state and state["state"] == {}
    twin = LBFGS()
    twin.load_state_dict(state)
    assert twin.get_config() == LBFGS(tol=1e-5, history=4).get_config()
    with pytest.raises(
        ValueError, match="holds the state of Adam; it cannot be loaded into LBFGS"
    ):
        twin.load_state_dict(Adam().state_dict())


@pytest.mark.parametrize("opt", [*CONFIGS, LBFGS(max_iter=20, tol=1e-6)], ids=repr)
def test_config_round_trip(opt):
    config = opt.get_config()
    twin = type(opt).from_config(json.loads(json.dumps(config)))
    assert twin.get_config() == config
    assert repr(twin) == repr(opt)


def test_repr():
    assert repr(Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0)"
    assert repr(LBFGS()) == "LBFGS(max_iter=None, tol=1e-07, max_fun=15000, history=10)"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: SGD(lr=-1), ValueError, "`lr` must be a finite number > 0, got -1.0."),
        (lambda: Adam(lr=0), ValueError, "`lr` must be a finite number > 0, got 0.0."),
        (lambda: Adam(lr=math.inf), ValueError, "`lr` must be a finite number > 0, got inf."),
        (
            lambda: SGD(lr="0.1"),
            TypeError,
            "`lr` must be a finite number > 0, got '0.1' of type str.",
        ),
        (lambda: SGD(momentum=1.0), ValueError, "`momentum` must be a number in [0, 1), got 1.0"),
        (lambda: SGD(momentum=True), TypeError, "`momentum` must be a number in [0, 1), got True"),
        (lambda: SGD(nesterov=True), ValueError, "`nesterov=True` needs `momentum` > 0"),
        (lambda: SGD(momentum=0.9, nesterov=1), TypeError, "`nesterov` must be True or False"),
        (lambda: SGD(weight_decay=-0.1), ValueError, "`weight_decay` must be a finite number"),
        (lambda: RMSprop(rho=1.0), ValueError, "`rho` must be a number in [0, 1), got 1.0."),
        (lambda: RMSprop(eps=0.0), ValueError, "`eps` must be a finite number > 0, got 0.0."),
        (lambda: RMSprop(momentum=-0.5), ValueError, "`momentum` must be a number in [0, 1)"),
        (lambda: Adam(beta1=-0.1), ValueError, "`beta1` must be a number in [0, 1), got -0.1."),
        (lambda: Adam(beta2=1), ValueError, "`beta2` must be a number in [0, 1), got 1.0."),
        (lambda: AdamW(weight_decay=math.nan), ValueError, "`weight_decay` must be a finite"),
        (lambda: LBFGS(max_iter=0), ValueError, "`max_iter` must be a positive integer, got 0."),
        (
            lambda: LBFGS(max_fun=1.5),
            TypeError,
            "`max_fun` must be a positive integer, got 1.5 of type float.",
        ),
        (lambda: LBFGS(history=0), ValueError, "`history` must be a positive integer, got 0."),
        (lambda: LBFGS(tol=-1), ValueError, "`tol` must be a finite number >= 0, got -1.0."),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


# --- L-BFGS ---------------------------------------------------------------------------------


def rosenbrock(x):
    return rosen(x), rosen_der(x)


def test_lbfgs_minimises_rosenbrock():
    result = LBFGS().minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=200)
    assert result.success
    assert result.x.dtype == np.float64
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-4)  # the known minimum
    assert result.fun < 1e-8
    assert 0 < result.nit <= 200


def test_lbfgs_minimises_a_quadratic_from_float32(rng):
    # ½ xᵀAx - bᵀx with A symmetric positive definite has its minimum at A⁻¹ b.
    m = rng.normal(size=(6, 6))
    a, b = m @ m.T + 6 * np.eye(6), rng.normal(size=6)

    def quadratic(x):
        assert x.dtype == np.float64
        return 0.5 * x @ a @ x - b @ x, (a @ x - b).astype(np.float32)  # a float32 gradient

    x0 = np.zeros(6, dtype=np.float32)
    result = LBFGS(tol=1e-10).minimize(quadratic, x0, max_iter=100)
    np.testing.assert_allclose(result.x, np.linalg.solve(a, b), atol=1e-5)
    np.testing.assert_array_equal(x0, 0.0)  # x0 is not modified


def test_lbfgs_callback_stops_early():
    seen = []

    def callback(x):
        seen.append(x)
        return len(seen) == 3

    result = LBFGS().minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=200, callback=callback)
    assert len(seen) == 3 and result.nit == 3
    assert "callback" in result.message
    np.testing.assert_array_equal(result.x, seen[-1])
    assert all(x.dtype == np.float64 for x in seen)
    assert not np.array_equal(seen[0], seen[1])  # each call gets its own copy


def test_lbfgs_callback_returning_none_does_not_stop():
    calls = []
    result = LBFGS().minimize(
        rosenbrock, np.array([-1.2, 1.0]), max_iter=200, callback=lambda x: calls.append(1)
    )
    assert result.success and len(calls) == result.nit


def test_lbfgs_max_iter():
    # The constructor's max_iter wins over the one minimize() is given (the loop's epochs).
    result = LBFGS(max_iter=5).minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=200)
    assert result.nit == 5 and not result.success
    result = LBFGS().minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=4)
    assert result.nit == 4
    with pytest.raises(ValueError, match="`max_iter` must be given"):
        LBFGS().minimize(rosenbrock, np.zeros(2))


def test_full_batch_flags():
    assert LBFGS.is_full_batch
    assert not any(opt.is_full_batch for opt in CONFIGS)


# --- registry -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cls", "config"),
    [
        ("sgd", SGD, {"momentum": 0.0, "nesterov": False}),
        ("momentum", SGD, {"momentum": 0.9, "nesterov": False}),
        ("nesterov", SGD, {"momentum": 0.9, "nesterov": True}),
        ("rmsprop", RMSprop, {"rho": 0.99, "eps": 1e-8}),
        ("adam", Adam, {"lr": 0.001, "weight_decay": 0.0}),
        ("adamw", AdamW, {"weight_decay": 0.01}),
        ("lbfgs", LBFGS, {"max_iter": None}),
        ("l-bfgs", LBFGS, {}),  # once an alias, now matched by normalisation
        ("l_bfgs", LBFGS, {}),
        ("L-BFGS", LBFGS, {}),
        ("AdamW", AdamW, {}),
        ("adam-w", AdamW, {}),
        (" SGD ", SGD, {}),
    ],
)
def test_get_by_name(name, cls, config):
    opt = optimizers.get(name)
    assert type(opt) is cls
    assert config.items() <= opt.get_config().items()


def test_names_all_resolve():
    assert optimizers.names() == sorted(optimizers.names())
    assert {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "lbfgs"} == set(
        optimizers.names()
    )
    for name in optimizers.names():
        assert isinstance(optimizers.get(name), Optimizer | LBFGS)


def test_get_lr_override():
    assert optimizers.get("adam", lr=0.01).lr == 0.01
    opt = optimizers.get("nesterov", lr=0.5)
    assert (opt.lr, opt.momentum, opt.nesterov) == (0.5, 0.9, True)
    assert optimizers.get("rmsprop").lr == 0.001  # lr=None keeps the default


def test_get_instance():
    opt = Adam(lr=0.1)
    assert optimizers.get(opt) is opt and opt.lr == 0.1
    assert optimizers.get(opt, lr=0.02) is opt and opt.lr == 0.02  # sets the instance's lr
    lbfgs = LBFGS()
    assert optimizers.get(lbfgs, lr=0.5) is lbfgs  # no learning rate: ignored
    assert isinstance(optimizers.get("lbfgs", lr=0.5), LBFGS)


def test_get_unknown_name():
    with pytest.raises(ValueError) as info:
        optimizers.get("adma")
    message = str(info.value)
    assert "Unknown optimizer 'adma'. Did you mean 'adam'?" in message
    assert message.endswith("Valid names: adam, adamw, lbfgs, momentum, nesterov, rmsprop, sgd.")


@pytest.mark.parametrize("bad", [3, None, ["adam"], Adam])
def test_get_wrong_type(bad):
    with pytest.raises(TypeError, match="`optimizer` must be a name"):
        optimizers.get(bad)


def test_get_bad_lr():
    with pytest.raises(ValueError, match=re.escape("`lr` must be a finite number > 0, got -1.0.")):
        optimizers.get("adam", lr=-1)
    with pytest.raises(ValueError, match=re.escape("`lr` must be a finite number > 0, got 0.0.")):
        optimizers.get(SGD(), lr=0)
