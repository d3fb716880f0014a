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
        return np.asarray(value)
    frame: Any = value  # a Series or a DataFrame: duck-typed, pandas is not imported
    missing = np.asarray(frame.isna())
    if missing.any():
        raise ValueError(
            f"`{name}` has {int(missing.sum())} missing value(s) (pandas NA or NaN) in "
            f"{missing.size} entries; drop those rows or impute the values first."
        )
    dtypes = [frame.dtype] if frame.ndim == 1 else list(frame.dtypes)
    if all(hasattr(dtype, "numpy_dtype") for dtype in dtypes):
        # Nullable columns (Int64, Float64, boolean) with no missing values: their own dtype.
        common = np.result_type(*(dtype.numpy_dtype for dtype in dtypes))
        return np.asarray(frame.to_numpy(dtype=common))
    return np.asarray(frame.to_numpy())


def categories(value: object) -> list[Any] | None:
    """The categories, in their declared order, of a pandas categorical column; else None."""
    if _is_pandas(value) and str(getattr(value, "dtype", "")) == "category":
        column: Any = value
        return list(column.cat.categories)
    return None
