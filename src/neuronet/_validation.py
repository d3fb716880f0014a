"""Argument checks shared by every module: clear errors, raised early.

Each message names the argument, the rule and the value received, in one form everywhere:
``"`momentum` must be a number in [0, 1), got 1.0."``. A value of the wrong type (a
string, ``None``, or a bool where a number is wanted) raises ``TypeError``; a number outside
the rule raises ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from . import _kernels

__all__ = [
    "check_X",
    "check_bool",
    "check_fraction",
    "check_int",
    "check_non_negative",
    "check_number",
    "check_positive_int",
    "check_real",
    "check_sample_weight",
    "unknown_name",
]

Rule = Literal["", "> 0", ">= 0", "in (0, 1)", "in [0, 1)", "in (0, 1]"]

# Each rule as it reads in the message, and the test it stands for: the text shown is the text
# checked, so the two cannot drift apart.
_RULES: dict[str, Callable[[float], bool]] = {
    "": lambda x: True,
    "> 0": lambda x: x > 0.0,
    ">= 0": lambda x: x >= 0.0,
    "in (0, 1)": lambda x: 0.0 < x < 1.0,
    "in [0, 1)": lambda x: 0.0 <= x < 1.0,
    "in (0, 1]": lambda x: 0.0 < x <= 1.0,
}


def check_X(
    X: object,
    n_features: int,
    dtype: np.dtype[Any],
    name: str = "X",
    *,
    convert: bool = True,
    finite: bool = True,
) -> NDArray[Any]:
    """``X`` as a C-contiguous 2-D array of ``dtype``, or a ValueError saying what is wrong.

    With ``convert=False`` an array of real numbers is checked but returned as it is (a
    memmap stays a memmap, of its own dtype), so that it can be read a batch at a time.
    ``finite=False`` leaves out the search for NaN and infinity: the caller must then call
    :func:`check_finite` (prediction does, through the first layer's product; see
    :meth:`neuronet.layers.Layer.infer`).
    """
    if isinstance(X, np.ndarray) and X.dtype == dtype and X.ndim == 2 and X.flags.c_contiguous:
        arr = X  # the common fast case: nothing to convert
    elif (
        not convert
        and isinstance(X, np.ndarray)
        and X.ndim == 2
        and (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer))
    ):
        arr = X
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
        # A value beyond the dtype's range becomes inf here; the finite check below says so
        # in words, so NumPy's own overflow warning would only come first and confuse.
        with np.errstate(over="ignore"):
            arr = np.ascontiguousarray(raw, dtype=dtype)
    if arr.shape[0] == 0:
        raise ValueError(f"`{name}` has no samples (shape {arr.shape}).")
    if arr.shape[1] != n_features:
        raise ValueError(
            f"`{name}` has {arr.shape[1]} features per sample but the network expects "
            f"{n_features} (shape (n_samples, {n_features})), got shape {arr.shape}."
        )
    if finite:
        check_finite(arr, dtype, name)
    return arr


# dtype -> whether matrix products turn every NaN or infinity of X into a non-finite row
_PROPAGATES: dict[np.dtype[Any], bool] = {}


def products_show_nonfinite(dtype: np.dtype[Any]) -> bool:
    """Whether this NumPy's matrix products make a row non-finite wherever X's row is.

    IEEE arithmetic says they must (NaN × 0 and ∞ × 0 are NaN), and NumPy's own loops and
    OpenBLAS comply; the reference BLAS skips zero multipliers, so a NaN facing a row of zero
    weights would vanish. Tried once per dtype, on a row-vector and a matrix product.
    """
    dtype = np.dtype(dtype)
    known = _PROPAGATES.get(dtype)
    if known is None:
        known = True
        with np.errstate(invalid="ignore", over="ignore"):
            for rows in (1, 64):
                x = np.ones((rows, 64), dtype)
                x[0, 3], x[-1, 5] = np.nan, np.inf
                w = np.ones((64, 48), dtype)
                w[3], w[5] = 0, 0
                z = x @ w
                known = known and bool(np.isnan(z[0]).all() and np.isnan(z[-1]).all())
        _PROPAGATES[dtype] = known
    return known


def check_finite(arr: NDArray[Any], dtype: np.dtype[Any], name: str = "X") -> None:
    """Raise a ValueError, counting them, if ``arr`` has NaN or infinite entries as ``dtype``."""
    if not _all_finite(arr, np.dtype(dtype)):
        with np.errstate(over="ignore"):  # counting what the cast makes infinite
            bad = sum(
                int(np.count_nonzero(~np.isfinite(arr[i : i + 65536].astype(dtype, copy=False))))
                for i in range(0, len(arr), 65536)
            )
        raise ValueError(
            f"`{name}` contains NaN or infinite values ({bad} of {arr.size} entries); remove "
            f"or impute them first. Values too large for {dtype} become infinite too."
        )


def _all_finite(arr: NDArray[Any], dtype: np.dtype[Any] | None = None, rows: int = 65536) -> bool:
    """Whether every entry is finite (and within ``dtype``'s range), a block of rows at a time.

    One pass of ``np.isfinite`` over a memmap of gigabytes would build a boolean array a
    quarter of its size; blocks keep the memory bounded and cost the same time. An array kept
    in a wider type than the network's (float64 data read batch by batch into a float32
    network) must also fit the narrower one, or its batches would turn to inf in training.
    """
    # dtype.kind, not np.issubdtype: the same test, without its microsecond on every predict.
    if arr.dtype.kind != "f":
        return True
    limit = None
    if dtype is not None and dtype.kind == "f" and dtype.itemsize < arr.itemsize:
        limit = float(np.finfo(dtype).max)
    elif len(arr) <= rows:  # the common case, a single sample to predict among them
        return all_finite(arr)

    def ok(block: NDArray[Any]) -> bool:
        # all_finite, max and min make no temporary the size of the block (isfinite and abs
        # would: a boolean or a float copy of 65,536 rows).
        if not all_finite(block):
            return False
        if limit is None:
            return True
        return max(float(block.max(initial=0.0)), -float(block.min(initial=0.0))) <= limit

    if len(arr) <= rows:  # one block: the common case, and a single sample to predict
        return ok(arr)
    return all(ok(arr[i : i + rows]) for i in range(0, len(arr), rows))


_KERNEL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def all_finite(block: NDArray[Any]) -> bool:
    """Whether every entry of a floating-point array is finite; exact, fast when it is.

    On large arrays, a sum of squares (one BLAS dot product: no boolean temporary, half the
    time of ``isfinite(...).all()`` on 60,000 x 784 values) is finite only if every entry
    is, since inf and NaN propagate; when it is not (a NaN, or squares that overflow, which
    is why the overflow flag is silenced), ``np.isfinite`` decides. Once the compiled
    kernels are loaded, one compiled pass does it at every size.
    """
    if block.flags.c_contiguous:
        flat = block.reshape(-1)
        # The kernel takes float32 and float64 in this machine's byte order (fit keeps the
        # caller's X as it is: float16 or big-endian data go to NumPy).
        kernel = _kernels.if_loaded("all_finite") if block.dtype in _KERNEL_FLOATS else None
        if kernel is not None:
            return bool(kernel(flat))
        if block.size >= 65_536:
            with np.errstate(over="ignore"):
                total = flat.dot(flat)
            if math.isfinite(total):
                return True
    return bool(np.isfinite(block).all())


def _wrong_type(name: str, expected: str, value: object) -> TypeError:
    return TypeError(f"`{name}` must be {expected}, got {value!r} of type {type(value).__name__}.")


def _as_float(value: object, name: str, expected: str) -> float:
    # bool is an int to Python, but `momentum=True` is a mistake, not 1.0.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _wrong_type(name, expected, value)
    return float(value)


def check_real(value: object, name: str) -> float:
    """``value`` as a Python float; NaN and infinities are allowed (a diverged loss is one).

    >>> check_real(float("nan"), "metric")
    nan
    >>> check_real("low", "metric")
    Traceback (most recent call last):
    TypeError: `metric` must be a real number, got 'low' of type str.
    """
    return _as_float(value, name, "a real number")


def check_number(value: object, name: str, rule: Rule = "") -> float:
    """``value`` as a finite Python float that obeys ``rule`` (``""``: any finite number).

    A Python float keeps later arithmetic on float32 arrays in float32 (NEP 50) and prints
    cleanly in messages.

    >>> check_number(0.9, "momentum", "in [0, 1)")
    0.9
    >>> check_number(1, "momentum", "in [0, 1)")
    Traceback (most recent call last):
    ValueError: `momentum` must be a number in [0, 1), got 1.0.
    >>> check_number(True, "lr", "> 0")
    Traceback (most recent call last):
    TypeError: `lr` must be a finite number > 0, got True of type bool.
    """
    # An interval already rules out infinities; "finite" is said only where it adds something.
    expected = f"a number {rule}" if rule.startswith("in ") else f"a finite number {rule}".rstrip()
    x = _as_float(value, name, expected)
    if not (math.isfinite(x) and _RULES[rule](x)):
        raise ValueError(f"`{name}` must be {expected}, got {x!r}.")
    return x


def check_int(value: object, name: str, *, minimum: int, why: str = "") -> int:
    """``value`` as a Python int >= ``minimum``; ``why``, if given, explains the minimum.

    >>> check_int(3, "n_classes", minimum=2)
    3
    >>> check_int(1, "n_samples", minimum=2, why="one per class")
    Traceback (most recent call last):
    ValueError: `n_samples` must be an integer >= 2 (one per class), got 1.
    >>> check_int(10.0, "epochs", minimum=1)
    Traceback (most recent call last):
    TypeError: `epochs` must be a positive integer, got 10.0 of type float.
    """
    expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if why:
        expected += f" ({why})"
    # bool again: `epochs=True` is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _wrong_type(name, expected, value)
    if value < minimum:
        raise ValueError(f"`{name}` must be {expected}, got {int(value)!r}.")
    return int(value)


def check_positive_int(value: object, name: str) -> int:
    """Shorthand for ``check_int(value, name, minimum=1)``."""
    return check_int(value, name, minimum=1)


def check_non_negative(value: object, name: str) -> float:
    """Shorthand for ``check_number(value, name, ">= 0")``."""
    return check_number(value, name, ">= 0")


def check_fraction(value: object, name: str) -> float:
    """Shorthand for ``check_number(value, name, "in (0, 1)")``."""
    return check_number(value, name, "in (0, 1)")


def check_bool(value: object, name: str) -> bool:
    """``value`` as a Python bool; NumPy's ``np.True_`` counts, 0 and 1 do not.

    >>> check_bool(1, "nesterov")
    Traceback (most recent call last):
    TypeError: `nesterov` must be True or False, got 1 of type int.
    """
    if not isinstance(value, bool | np.bool_):
        raise _wrong_type(name, "True or False", value)
    return bool(value)


def unknown_name(
    kind: str,
    name: str,
    valid: Iterable[str],
    *,
    key: str | None = None,
    aliases: Mapping[str, str] | None = None,
    normalise: Callable[[str], str] | None = None,
) -> ValueError:
    """The error for a name missing from a registry, with a did-you-mean and the valid names.

    Returned rather than raised, so that callers write ``raise unknown_name(...)`` and the
    traceback ends at the lookup that failed.

    Parameters
    ----------
    kind : str
        What the name names, e.g. ``"optimizer"``.
    name : str
        The name as the user wrote it; the message quotes it.
    valid : iterable of str
        The names to list, in any order (they are sorted).
    key : str, optional
        ``name`` as the registry normalised it (lower case, say); the close match is sought
        for it. Default: ``name``.
    aliases : mapping of str to str, optional
        Alias -> canonical name: also offered as close matches, and listed after the valid
        names as ``alias (canonical)``.
    normalise : callable, optional
        How the registry turned names into keys: if given, the close match is sought among
        the normalised valid names and aliases, and shown in their own spelling (so ``key``
        ``"leakyrelu"`` can suggest ``'leaky_relu'``). Default: compare the names as written.

    Examples
    --------
    >>> raise unknown_name("optimizer", "adma", ["sgd", "adam"])
    Traceback (most recent call last):
    ValueError: Unknown optimizer 'adma'. Did you mean 'adam'? Valid names: adam, sgd.
    """
    import difflib  # only when a name is wrong: not worth its import time up front

    listed = sorted(valid)
    candidates = [*listed, *(aliases or ())]
    to_key = normalise or (lambda spelling: spelling)
    # Key -> spelling; the first spelling of a key wins, so canonical names before aliases.
    spelled: dict[str, str] = {}
    for spelling in candidates:
        spelled.setdefault(to_key(spelling), spelling)
    close = difflib.get_close_matches(name if key is None else key, list(spelled), n=1)
    hint = f" Did you mean {spelled[close[0]]!r}?" if close else ""
    text = ", ".join(listed)
    if aliases:
        text += "; aliases: " + ", ".join(f"{a} ({c})" for a, c in sorted(aliases.items()))
    return ValueError(f"Unknown {kind} {name!r}.{hint} Valid names: {text}.")


def check_sample_weight(sample_weight: object, n_samples: int) -> NDArray[np.float64] | None:
    """``sample_weight`` as a float64 array of shape (n_samples,), or None.

    >>> check_sample_weight([1, 2, 0], 3)
    array([1., 2., 0.])
    >>> check_sample_weight([1.0, -1.0], 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: `sample_weight` must be non-negative and finite, got 1 negative ...
    """
    if sample_weight is None:
        return None
    try:
        weight = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"`sample_weight` must be an array of numbers, got {type(sample_weight).__name__}."
        ) from None
    if weight.ndim == 0:
        weight = np.full(n_samples, float(weight))
    if weight.shape != (n_samples,):
        raise ValueError(
            f"`sample_weight` must have shape ({n_samples},), one weight per sample, got "
            f"shape {weight.shape}."
        )
    bad = int((~np.isfinite(weight) | (weight < 0)).sum())
    if bad:
        raise ValueError(
            f"`sample_weight` must be non-negative and finite, got {bad} negative or "
            f"non-finite value(s)."
        )
    if not weight.any():
        raise ValueError(
            "`sample_weight` is zero for every sample: there is nothing to learn from."
        )
    return weight
