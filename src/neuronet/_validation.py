"""Input checks shared by the network, training and saving: clear errors, early."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["check_X", "check_fraction", "check_non_negative", "check_positive_int"]


def check_X(X: object, n_features: int, dtype: np.dtype[Any], name: str = "X") -> NDArray[Any]:
    """``X`` as a C-contiguous 2-D array of ``dtype``, or a ValueError saying what is wrong."""
    if isinstance(X, np.ndarray) and X.dtype == dtype and X.ndim == 2 and X.flags.c_contiguous:
        arr = X  # the common fast case: nothing to convert
    else:
        try:
            raw = np.asarray(X)
        except (TypeError, ValueError) as err:
            raise ValueError(f"`{name}` could not be read as an array of numbers: {err}") from None
        if raw.dtype == object or not (
            np.issubdtype(raw.dtype, np.number) or np.issubdtype(raw.dtype, np.bool_)
        ):
            raise ValueError(
                f"`{name}` must be numeric, got an array of dtype {raw.dtype}; convert or "
                f"encode non-numeric columns first."
            )
        if np.iscomplexobj(raw):
            raise ValueError(f"`{name}` must be real-valued, got complex numbers.")
        if raw.ndim != 2:
            hint = (
                f" For one sample use {name}.reshape(1, -1); for one feature "
                f"{name}.reshape(-1, 1)."
                if raw.ndim == 1
                else ""
            )
            raise ValueError(
                f"`{name}` must be 2-D (n_samples, n_features), got {raw.ndim}-D array of "
                f"shape {raw.shape}.{hint}"
            )
        arr = np.ascontiguousarray(raw, dtype=dtype)
    if arr.shape[0] == 0:
        raise ValueError(f"`{name}` has no samples (shape {arr.shape}).")
    if arr.shape[1] != n_features:
        raise ValueError(
            f"`{name}` has {arr.shape[1]} features per sample but the network expects "
            f"{n_features} (shape (n_samples, {n_features})), got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(
            f"`{name}` contains NaN or infinite values ({bad} of {arr.size} entries); remove "
            f"or impute them first. Values too large for {dtype} become infinite too."
        )
    return arr


def check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    return int(value)


def check_non_negative(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.floating | np.integer)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")
    return float(value)


def check_fraction(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.floating)
        or not 0.0 < value < 1.0
    ):
        raise ValueError(f"`{name}` must be a number strictly between 0 and 1, got {value!r}.")
    return float(value)
