"""Optional compiled kernels (numba): optimizer updates and the passes around each product.

An optimizer step in NumPy is a dozen passes over the flat parameter buffer (Adam: scale m,
add the gradient, scale v, square, add, square root, add eps, divide, add to p), each with its
own temporary traffic through memory. The kernels below do the same arithmetic in one pass:
on a 235k-parameter network Adam drops from about 200 µs to about 40 µs a step, which is a
third of a training step at batch size 32.

Each kernel performs *exactly* the operations of the NumPy code in :mod:`neuronet.optimizers`,
in the same order and in the parameters' dtype (scalars arrive already cast, as NumPy casts a
Python float to the array's dtype), with no fused multiply-add or reassociation: the results
are bit-identical to the NumPy path, which the tests check.

The layer kernels fuse the element-wise passes that surround each matrix product of a
training step into one pass each: the bias add and the ReLU forward (NumPy: ``z += b``, then
``np.maximum(z, 0)`` into a new array), the ReLU backward and the bias gradient (NumPy:
``grad *= z > 0``, then ``np.sum(grad, axis=0)``), and dropout's mask and product. They too
do exactly NumPy's arithmetic in NumPy's order (the column sums add the rows one after the
other, as NumPy's reduction over the first axis does), so training gives bit-identical weights
with and without them; ``tests/test_fast_paths.py`` checks every one against the NumPy path.

Prediction has kernels of its own that work in place on the product's array: bias + ReLU,
and bias + softmax (the shift by the row maximum and the normalisation compiled, the
exponential left to NumPy, whose SIMD ``exp`` can differ from the C library's in the last
bit; the row sums follow NumPy's pairwise order). Each also reports whether every ``z + b``
was finite, which lets the first layer check the caller's input through its product (see
:meth:`neuronet.layers.Layer.infer`); :func:`_all_finite` is ``np.isfinite(x).all()`` in one
pass. All are bit-identical to the NumPy path.

numba is an optional dependency (``pip install neuronet[fast]``). Loading it costs about
0.35 s once per process, so a process loads the kernels only when a buffer reaches
:data:`MIN_SIZE` (:data:`MIN_LAYER_SIZE` for the layer kernels; prediction waits for 256
rows), and a small job never pays for it. Once loaded, the kernels serve every size: a call
costs about 0.3 µs and a NumPy pass about 1 µs, so they are faster at every size.
:func:`set_enabled` switches them off, back on, or (``True``) loads them at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "MIN_LAYER_SIZE",
    "MIN_SIZE",
    "ROW_SUM_WIDTH",
    "enabled",
    "get",
    "if_loaded",
    "layer_kernel",
    "loaded",
    "set_enabled",
]

#: A parameter buffer this large loads the compiled kernels when numba is installed.
MIN_SIZE = 50_000

#: A batch of this many activations (samples × neurons) loads them for the layer kernels.
MIN_LAYER_SIZE = 2_048

_enabled: bool | None = None  # None: use numba if it is installed
_compiled: dict[str, Callable[..., Any]] = {}


def set_enabled(flag: bool | None) -> None:
    """Use the compiled kernels (True), never (False), or whenever numba is installed (None)."""
    global _enabled
    import importlib.util  # here, not at import: it costs more than this module

    if flag and importlib.util.find_spec("numba") is None:
        raise ImportError("The compiled kernels need numba: pip install 'neuronet[fast]'.")
    _enabled = flag
    if flag and not _compiled:
        _compile()  # now, so that every size uses them from here on


def enabled() -> bool:
    """Whether the compiled kernels will be used (for buffers of at least :data:`MIN_SIZE`)."""
    if _enabled is None:
        import importlib.util

        return importlib.util.find_spec("numba") is not None
    return _enabled


def get(name: str, size: int) -> Callable[..., None] | None:
    """The compiled kernel ``name`` for a buffer of ``size`` entries, or None to use NumPy."""
    return _kernel(name, size, MIN_SIZE)


def layer_kernel(name: str, size: int) -> Callable[..., Any] | None:
    """The compiled layer kernel ``name`` for ``size`` activations, or None to use NumPy.

    None also when there is no such kernel (an activation with a forward kernel only).
    """
    return _kernel(name, size, MIN_LAYER_SIZE)


def loaded() -> bool:
    """Whether this process has loaded the compiled kernels (they then serve every size)."""
    return bool(_compiled)


def if_loaded(name: str) -> Callable[..., Any] | None:
    """The compiled kernel ``name`` if the kernels are loaded and enabled; never loads them."""
    if _enabled is False:
        return None
    return _compiled.get(name)


def _kernel(name: str, size: int, minimum: int) -> Callable[..., Any] | None:
    if _enabled is False:
        return None
    if not _compiled:
        # Loading numba costs about 0.35 s once per process: a small job that would save less
        # runs on NumPy until something large enough loads the kernels. (Looking numba up
        # costs a file-system search too: done only until the kernels exist.)
        if size < minimum or not enabled():
            return None
        _compile()
    return _compiled.get(name)


def _compile() -> None:
    # Imported here: numba takes a noticeable time to import, and most uses never need it.
    import numba
    from numba.extending import register_jitable

    # error_model="numpy": division follows IEEE rules (as NumPy's does) instead of checking
    # for zero and raising, a branch that would stop LLVM from vectorising the loop (10x).
    # No fastmath: it would allow fused multiply-adds and reassociation, and the results would
    # no longer match the NumPy path bit for bit.
    for helper in (_row_argmax, _row_sum):
        register_jitable(helper)  # compiled into each kernel that calls it

    def compile_all(cache: bool) -> dict[str, Callable[..., None]]:
        jit = numba.njit(cache=cache, nogil=True, error_model="numpy")
        kernels: dict[str, Any] = {"sgd": _sgd, "rmsprop": _rmsprop, "adam": _adam}
        kernels.update(_LAYER_KERNELS)
        return {name: jit(kernel) for name, kernel in kernels.items()}

    try:
        # Cache the machine code on disk so that later processes skip the compilation.
        kernels = compile_all(cache=True)
    except RuntimeError:  # no writable cache location (a read-only install, no home)
        kernels = compile_all(cache=False)
    _compiled.update(kernels)
    _compiled["bias_softmax"] = _bias_softmax
    _compiled["infer_softmax"] = _infer_softmax
    _compiled["softmax_cross_entropy"] = _softmax_cross_entropy


# The kernels, as plain Python over 1-D arrays; numba compiles them on first use. Scalars arrive
# in the parameters' dtype, so float32 buffers are updated in float32 arithmetic throughout.


def _sgd(p: Any, d: Any, v: Any, momentum: Any, neg_lr: Any, neg_lr_mu: Any, mode: int) -> None:
    # mode 0: plain SGD;  1: momentum;  2: Nesterov momentum.
    for i in range(p.shape[0]):
        if mode == 0:
            p[i] = p[i] + d[i] * neg_lr
        else:
            vi = v[i] * momentum + d[i]
            v[i] = vi
            if mode == 1:
                p[i] = p[i] + vi * neg_lr
            else:
                p[i] = (p[i] + d[i] * neg_lr) + vi * neg_lr_mu


def _rmsprop(
    p: Any, d: Any, s: Any, b: Any, rho: Any, one_minus_rho: Any, eps: Any, momentum: Any,
    neg_lr: Any, use_momentum: bool,
) -> None:  # fmt: skip
    for i in range(p.shape[0]):
        di = d[i]
        si = s[i] * rho + (di * di) * one_minus_rho
        s[i] = si
        u = di / (np.sqrt(si) + eps)
        if use_momentum:
            bi = b[i] * momentum + u
            b[i] = bi
            p[i] = p[i] + bi * neg_lr
        else:
            p[i] = p[i] + u * neg_lr


def _adam(
    p: Any, d: Any, m: Any, v: Any, beta1: Any, one_minus_beta1: Any, beta2: Any,
    one_minus_beta2: Any, eps_term: Any, neg_step: Any,
) -> None:  # fmt: skip
    for i in range(p.shape[0]):
        di = d[i]
        mi = m[i] * beta1 + di * one_minus_beta1
        vi = v[i] * beta2 + (di * di) * one_minus_beta2
        m[i] = mi
        v[i] = vi
        p[i] = p[i] + (mi / (np.sqrt(vi) + eps_term)) * neg_step


# The layer kernels, over C-contiguous 2-D arrays of shape (n_samples, n_neurons); `b` and
# `col` are 1-D of length n_neurons. Each does NumPy's operations in NumPy's order.


def _bias_relu(z: Any, b: Any, a: Any) -> None:
    # z += b; a = np.maximum(z, 0). np.maximum passes NaN on and gives +0 for -0, as below.
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            zij = z[i, j] + b[j]
            z[i, j] = zij
            a[i, j] = zij if (zij > 0 or zij != zij) else 0


def _relu_backward_bias(g: Any, z: Any, col: Any, zero: Any) -> None:
    # g *= (z > 0), where NumPy casts the bool to 1 or 0 in g's dtype (`zero`): 0 * g keeps
    # g's sign and NaN stays NaN. Then col = g.sum(axis=0): NumPy reduces the first axis by
    # adding whole rows, in order.
    k = g.shape[1]
    for j in range(k):
        g0j = g[0, j]
        g0j = g0j if z[0, j] > 0 else g0j * zero
        g[0, j] = g0j
        col[j] = g0j
    for i in range(1, g.shape[0]):
        for j in range(k):
            gij = g[i, j]
            gij = gij if z[i, j] > 0 else gij * zero
            g[i, j] = gij
            col[j] = col[j] + gij


def _column_sums(g: Any, col: Any) -> None:
    # col = g.sum(axis=0), in NumPy's order (rows added one after the other).
    k = g.shape[1]
    for j in range(k):
        col[j] = g[0, j]
    for i in range(1, g.shape[0]):
        for j in range(k):
            col[j] = col[j] + g[i, j]


def _dropout(x: Any, u: Any, rate: Any, scale: Any, mask: Any, out: Any) -> None:
    # mask = (u >= rate).astype(dtype) * scale; out = x * mask. `rate` and `scale` arrive in
    # the arrays' dtype, as NumPy compares and multiplies a float32 array with a Python float.
    zero = scale - scale  # +0 in the arrays' dtype, as 0 * scale
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            m = scale if u[i, j] >= rate else zero
            mask[i, j] = m
            out[i, j] = x[i, j] * m


# Two helpers the row kernels share, compiled into each caller (numba's register_jitable, in
# _compile): a row's argmax as NumPy finds it, and a row's sum in NumPy's order.


def _row_argmax(z: Any, i: int) -> int:
    # z[i].argmax(): the first largest entry, or the first NaN (so z[i, argmax] is z[i].max()).
    top = z[i, 0]
    arg = 0
    for j in range(1, z.shape[1]):
        v = z[i, j]
        if v > top or (v != v and top == top):
            top = v
            arg = j
    return arg


def _row_sum(a: Any, i: int, zero: Any) -> Any:
    # a[i].sum() for a row of at most 128 entries, in NumPy's pairwise order (pairwise_sum in
    # numpy/_core/src/umath/loops_utils.h): a plain loop below 8 entries, else eight running
    # sums combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the rest in turn. `zero` is 0 in a's
    # dtype: a Python 0 would make the sum float64.
    n = a.shape[1]
    if n < 8:
        total = zero
        for j in range(n):
            total += a[i, j]
        return total
    end = n - n % 8
    r0, r1, r2, r3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
    r4, r5, r6, r7 = a[i, 4], a[i, 5], a[i, 6], a[i, 7]
    for j in range(8, end, 8):
        r0 += a[i, j]
        r1 += a[i, j + 1]
        r2 += a[i, j + 2]
        r3 += a[i, j + 3]
        r4 += a[i, j + 4]
        r5 += a[i, j + 5]
        r6 += a[i, j + 6]
        r7 += a[i, j + 7]
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(end, n):
        total += a[i, j]
    return total


def _bias_shift_rows(z: Any, b: Any, out: Any) -> bool:
    # z += b; out = z - z.max(axis=-1, keepdims=True); whether every z + b was finite. `out`
    # may be `z`. The maximum is exact whatever the order.
    bad = False
    k = z.shape[1]
    for i in range(z.shape[0]):
        for j in range(k):
            zij = z[i, j] + b[j]
            bad = bad | (not (abs(zij) < np.inf))
            z[i, j] = zij
        top = z[i, _row_argmax(z, i)]
        for j in range(k):
            out[i, j] = z[i, j] - top
    return not bad


def _all_finite(x: Any) -> bool:
    # np.isfinite(x).all() for a 1-D array, without the boolean temporary; no early exit,
    # so that the loop vectorises.
    bad = False
    for i in range(x.shape[0]):
        bad = bad | (not (abs(x[i]) < np.inf))
    return not bad


# Softmax + cross-entropy from the logits, for integer labels: neuronet.losses'
# CategoricalCrossEntropy.fused in four compiled passes around NumPy's own exp and log (the
# C library's, which numba would call, can differ in the last bit). The row sums follow
# NumPy's pairwise order, so rows of at most ROW_SUM_WIDTH classes only.


def _argmax_hits(z: Any, y: Any) -> int:
    # int((z.argmax(axis=1) == y).sum())
    hits = 0
    for i in range(z.shape[0]):
        if _row_argmax(z, i) == y[i]:
            hits += 1
    return hits


def _ce_shift(z: Any, y: Any, shifted: Any, zero: Any) -> bool:
    # m = z.max(axis=1) (0 where it is not finite); shifted = z - m. False, before anything
    # is written, if a label is not a column of z: the kernels index by the labels unchecked.
    k = z.shape[1]
    for i in range(z.shape[0]):
        if not (0 <= y[i] < k):
            return False
    for i in range(z.shape[0]):
        top = z[i, _row_argmax(z, i)]
        if not (abs(top) < np.inf):
            top = zero
        for j in range(z.shape[1]):
            shifted[i, j] = z[i, j] - top
    return True


def _ce_row_sums(e: Any, sums: Any, zero: Any) -> bool:
    # sums = e.sum(axis=1) in NumPy's order (rows of <= 128); whether one of them is 0.
    has_zero = False
    for i in range(e.shape[0]):
        total = _row_sum(e, i, zero)
        sums[i] = total
        has_zero = has_zero or total == 0
    return has_zero


def _ce_log_p(shifted: Any, log_sums: Any, y: Any, picked: Any) -> None:
    # log_p = shifted - log_sums[:, None] in place; picked = log_p[rows, y].
    for i in range(shifted.shape[0]):
        s = log_sums[i]
        for j in range(shifted.shape[1]):
            shifted[i, j] = shifted[i, j] - s
        picked[i] = shifted[i, y[i]]


def _ce_gradient(grad: Any, y: Any, one: Any, scale: Any) -> None:
    # grad[rows, y] -= 1; grad *= scale.
    for i in range(grad.shape[0]):
        grad[i, y[i]] = grad[i, y[i]] - one
        for j in range(grad.shape[1]):
            grad[i, j] = grad[i, j] * scale


def _softmax_cross_entropy(z: Any, y: Any, out: Any) -> tuple[float, Any] | None:
    """``CategoricalCrossEntropy.fused(z, y, out)`` for integer labels, bit for bit.

    ``z`` (n, k) with k <= 128, C-contiguous; ``y`` int64 of shape (n,); ``out`` may be ``z``.
    Returns the loss and the gradient (in ``out``), or None, having written nothing, if a
    label is not in [0, k): the NumPy path then says what is wrong (an IndexError).
    """
    n = len(z)
    zero = z.dtype.type(0)
    shifted = np.empty_like(z)
    if not _compiled["ce_shift"](z, y, shifted, zero):
        return None
    e = np.exp(shifted, out=out)  # z is no longer needed
    sums = np.empty(n, z.dtype)
    if _compiled["ce_row_sums"](e, sums, zero):
        with np.errstate(divide="ignore"):  # log(0) for a row of -inf, as NumPy's path allows
            np.log(sums, out=sums)
    else:
        np.log(sums, out=sums)
    picked = np.empty(n, z.dtype)
    _compiled["ce_log_p"](shifted, sums, y, picked)
    loss = -float(picked.sum() / n)
    grad = np.exp(shifted, out=out)
    _compiled["ce_gradient"](grad, y, z.dtype.type(1.0), z.dtype.type(1.0 / n))
    return loss, grad


# Prediction's kernels work in place on the product's own array (a second array, even the same
# one, makes LLVM guard against overlap and the loop runs 4x slower) and say whether every
# pre-activation z + b was finite: a NaN or infinity in the input makes its row of z non-finite,
# so the first layer checks the caller's input for free (see neuronet.layers.Layer.infer).


def _infer_relu(z: Any, b: Any) -> bool:
    # z += b; z = np.maximum(z, 0) (NaN passed on, +0 for -0), in place.
    bad = False
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            zij = z[i, j] + b[j]
            bad = bad | (not (abs(zij) < np.inf))
            z[i, j] = zij if not (zij <= 0) else 0
    return not bad


def _infer_softmax(z: Any, b: Any) -> bool:
    """z += b; z = softmax(z) by rows, in place; whether every z + b was finite."""
    return _bias_softmax(z, b, z)  # rows of a few classes: in place costs little


#: The widest rows whose sums the kernels compute (:func:`_row_sum`): up to 128 entries NumPy's
#: pairwise summation is one block of eight running sums; wider rows (a softmax over more
#: than 128 classes) are left to NumPy.
ROW_SUM_WIDTH = 128


def _normalise_rows(a: Any, zero: Any) -> None:
    # a /= a.sum(axis=-1, keepdims=True) for rows of at most 128 entries, in NumPy's order.
    for i in range(a.shape[0]):
        total = _row_sum(a, i, zero)
        for j in range(a.shape[1]):
            a[i, j] = a[i, j] / total


def _bias_softmax(z: Any, b: Any, out: Any) -> bool:
    """z += b; out = softmax(z) by rows; whether every z + b was finite. ``out`` may be ``z``.

    NumPy's operations in its order, in three calls: the exponential stays NumPy's own (its
    SIMD ``exp`` and the C library's, which numba would call, can differ in the last bit);
    the passes before and after it are compiled.
    """
    finite: bool = _compiled["bias_shift_rows"](z, b, out)
    np.exp(out, out=out)
    _normalise(out)
    return finite


def _normalise(a: Any) -> None:
    # a /= a.sum(axis=-1, keepdims=True)
    if a.shape[1] <= ROW_SUM_WIDTH:
        _compiled["normalise_rows"](a, a.dtype.type(0))
    else:
        np.divide(a, a.sum(axis=-1, keepdims=True), out=a)


_LAYER_KERNELS: dict[str, Callable[..., Any]] = {
    "bias_relu": _bias_relu,
    "backward_relu": _relu_backward_bias,
    "column_sums": _column_sums,
    "dropout": _dropout,
    "bias_shift_rows": _bias_shift_rows,
    "normalise_rows": _normalise_rows,
    "all_finite": _all_finite,
    "argmax_hits": _argmax_hits,
    "ce_shift": _ce_shift,
    "ce_row_sums": _ce_row_sums,
    "ce_log_p": _ce_log_p,
    "ce_gradient": _ce_gradient,
    "infer_relu": _infer_relu,
}
