"""User data as NumPy arrays: pandas columns with nullable or categorical dtypes included.

pandas is never imported here unless the value already is a pandas object, so neuronet does
not depend on it. NumPy alone turns a nullable column (``Int64``, ``Float64``, ``boolean``)
into an array of objects on older pandas, and a missing value (``pd.NA``) into an error
about dtype object; converting through the column's own NumPy dtype avoids both, and a
missing value is reported as what it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["as_array", "categories"]


def _is_pandas(value: object) -> bool:
    return type(value).__module__.partition(".")[0] == "pandas"


def as_array(value: object, name: str) -> NDArray[Any]:
    """``value`` as a NumPy array; pandas missing values raise a ValueError naming ``name``.

    >>> as_array([1, 2], "y")
    array([1, 2])
    """
    if not _is_pandas(value):
        try:
            return np.asarray(value)
        except ValueError as error:  # rows of different lengths, say
            raise ValueError(f"`{name}` cannot be read as an array: {error}") from None
    frame: Any = value  # a Series or a DataFrame: duck-typed, pandas is not imported
    missing = np.asarray(frame.isna())
    if missing.any():
        raise ValueError(
            f"`{name}` has {int(missing.sum())} missing value(s) (pandas NA or NaN) in "
            f"{missing.size} entries; drop those rows or impute the values first."
        )
    dtypes = [frame.dtype] if frame.ndim == 1 else list(frame.dtypes)
    numeric = [_numeric_dtype(dtype) for dtype in dtypes]
    if dtypes and all(dtype is not None for dtype in numeric):
        # Numbers and booleans, nullable (Int64, Float64, boolean) with no missing values or
        # not, in any mix: their common NumPy type (pandas alone would give objects).
        return np.asarray(frame.to_numpy(dtype=np.result_type(*numeric)))
    return np.asarray(frame.to_numpy())


def _numeric_dtype(dtype: Any) -> np.dtype[Any] | None:
    """A pandas column's NumPy dtype if it holds numbers or booleans, else None."""
    dtype = getattr(dtype, "numpy_dtype", dtype)  # a nullable dtype's NumPy counterpart
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return dtype
    return None


def categories(value: object) -> list[Any] | None:
    """The categories, in their declared order, of a pandas categorical column; else None."""
    if _is_pandas(value) and str(getattr(value, "dtype", "")) == "category":
        column: Any = value
        return list(column.cat.categories)
    return None
