"""Optional compiled optimizer updates (numba), used only where they pay off.

An optimizer step in NumPy is a dozen passes over the flat parameter buffer (Adam: scale m,
add the gradient, scale v, square, add, square root, add eps, divide, add to p), each with its
own temporary traffic through memory. The kernels below do the same arithmetic in one pass:
on a 235k-parameter network Adam drops from about 200 µs to about 40 µs a step, which is a
third of a training step at batch size 32.

Each kernel performs *exactly* the operations of the NumPy code in :mod:`neuronet.optimizers`,
in the same order and in the parameters' dtype (scalars arrive already cast, as NumPy casts a
Python float to the array's dtype), with no fused multiply-add or reassociation: the results
are bit-identical to the NumPy path, which the tests check.

numba is an optional dependency (``pip install neuronet[fast]``). Without it, or for buffers
smaller than :data:`MIN_SIZE` (where compiling would cost more than it saves), the optimizers
use NumPy. :func:`set_enabled` switches the kernels off or back on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MIN_SIZE", "enabled", "get", "set_enabled"]

#: Parameter buffers at least this large use the compiled kernels when numba is installed.
MIN_SIZE = 50_000

_enabled: bool | None = None  # None: use numba if it is installed
_compiled: dict[str, Callable[..., None]] = {}


def set_enabled(flag: bool | None) -> None:
    """Use the compiled kernels (True), never (False), or whenever numba is installed (None)."""
    global _enabled
    import importlib.util  # here, not at import: it costs more than this module

    if flag and importlib.util.find_spec("numba") is None:
        raise ImportError("The compiled kernels need numba: pip install 'neuronet[fast]'.")
    _enabled = flag


def enabled() -> bool:
    """Whether the compiled kernels will be used (for buffers of at least :data:`MIN_SIZE`)."""
    if _enabled is None:
        import importlib.util

        return importlib.util.find_spec("numba") is not None
    return _enabled


def get(name: str, size: int) -> Callable[..., None] | None:
    """The compiled kernel ``name`` for a buffer of ``size`` entries, or None to use NumPy."""
    if size < MIN_SIZE or _enabled is False:
        return None
    if not _compiled:
        # Looking numba up costs a file-system search: do it until the kernels exist, not on
        # every optimizer step after that.
        if not enabled():
            return None
        _compile()
    return _compiled[name]


def _compile() -> None:
    # Imported here: numba takes a noticeable time to import, and most uses never need it.
    import numba

    # error_model="numpy": division follows IEEE rules (as NumPy's does) instead of checking
    # for zero and raising, a branch that would stop LLVM from vectorising the loop (10x).
    # No fastmath: it would allow fused multiply-adds and reassociation, and the results would
    # no longer match the NumPy path bit for bit.
    def compile_all(cache: bool) -> dict[str, Callable[..., None]]:
        jit = numba.njit(cache=cache, nogil=True, error_model="numpy")
        return {"sgd": jit(_sgd), "rmsprop": jit(_rmsprop), "adam": jit(_adam)}

    try:
        # Cache the machine code on disk so that later processes skip the compilation.
        kernels = compile_all(cache=True)
    except RuntimeError:  # no writable cache location (a read-only install, no home)
        kernels = compile_all(cache=False)
    _compiled.update(kernels)


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
