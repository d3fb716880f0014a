"""The one finite-difference helper every gradient test uses."""

from collections.abc import Callable

import numpy as np


def central_differences(
    f: Callable[[], object],
    x: np.ndarray,
    *,
    step: float = 1e-6,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """∂/∂x of ``sum(weights * f())`` by central differences, one entry of ``x`` at a time.

    ``f`` takes no arguments and reads ``x``, which is perturbed in place and restored. The
    two evaluations are subtracted element by element *before* summing, so outputs that do
    not depend on the perturbed entry cancel exactly and add no rounding error: for an
    element-wise ``f`` the result is ``f'`` itself, for a scalar ``f`` its gradient.
    """
    grad = np.empty(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + step
        up = np.asarray(f(), dtype=np.float64)
        x[index] = saved - step
        down = np.asarray(f(), dtype=np.float64)
        x[index] = saved
        change = up - down
        grad[index] = np.sum(change if weights is None else weights * change) / (2 * step)
    return grad
