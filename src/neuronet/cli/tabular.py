r"""Tables for the command line: data files in and out, and the preprocessing a model keeps.

``neuronet train``, ``predict`` and ``evaluate`` read a user's own table from a CSV, TSV,
Parquet or JSON Lines file (:func:`read_table`, or :func:`iter_tables` chunk by chunk in
constant memory) and write predictions the same ways (:func:`write_table`,
:class:`TableWriter`, atomically). :class:`Preprocessor` turns the table's columns into the
network's inputs, learning what it needs on the training rows, and is stored inside the model
file as a :class:`neuronet.io.Section` (plain JSON plus float arrays, no pickle), so that
``predict`` needs nothing but the model file.

pandas and pyarrow (the extra ``neuronet[data]``) are imported inside the functions that
need them; without them every function raises :class:`DataError` saying how to install them.

The preprocessing
-----------------
Column kinds
    A column of numbers (integers or floats) is *numeric*; a column of text, booleans or a
    pandas ``category`` is *categorical*. Integers are numeric even with few distinct values:
    whether ``children = 0..5`` is a count or a code cannot be read from the values, a count
    keeps its order as a number, and a rule on the number of distinct values would make the
    same column numeric in one file and categorical in another. ``categorical=[...]`` makes
    numbers categorical on request. A text column whose values are mostly numbers (more than
    half) is a numeric column with a typo: it is refused, naming the row and the value. Dates
    are refused (convert them to numbers first).
Numeric features
    Standardised: :math:`x' = (x - \mu) / \sigma`, with the mean :math:`\mu` and the
    population standard deviation :math:`\sigma` (``ddof=0``) of the training rows, as
    scikit-learn's ``StandardScaler``. A constant column gets :math:`\sigma = 1` (so it maps
    to 0), and :attr:`Preprocessor.notes` says so.
Categorical features
    One-hot encoded: one input per category seen in the training rows, sorted, as
    scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``: a category not seen in training
    becomes a row of zeros at prediction time. Categories are matched by their text, so
    ``True`` read from Parquet and ``"True"`` read from CSV are the same category; from CSV
    and TSV files a categorical column is read as the text it holds
    (:meth:`Preprocessor.text_columns`), so ``"007"`` stays ``"007"`` in every chunk. A column
    of more than :data:`MAX_CATEGORIES` categories is refused: it is most likely an
    identifier or free text.
Missing values
    An empty cell, ``NA``, ``null`` or NaN is an error naming the column, the first row and
    how many there are, unless ``impute`` is given: ``"mean"``, ``"median"`` or
    ``"most_frequent"`` value of the training rows (the smallest of equally frequent ones,
    as scikit-learn's ``SimpleImputer``), applied before standardising. A categorical column
    is always imputed with its most frequent category. The learned values are stored, so
    prediction fills missing values the same way.
The target
    Text, booleans and categories make a classification; numbers make a regression, except
    whole numbers with at most :data:`MAX_INFERRED_CLASSES` distinct values (labels such as
    0/1 or 1..5), which make a classification (a note says so, and ``task`` overrides it).
    Class labels are kept as they are in the file (sorted), so predictions come back in the
    user's own labels; a regression target is standardised for training and
    :meth:`Preprocessor.decode_target` returns predictions in the user's units. A target
    with missing values or a single class is refused.

Rows are counted from 1 at the first data row, in every message: the header line of a CSV
file is not counted, so row 7 is line 8 of the file.

Examples
--------
>>> import pandas as pd
>>> train = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "colour": ["red", "blue", "red", "red"],
...                       "label": ["no", "yes", "no", "yes"]})
>>> pre = Preprocessor.fit(train, "label")
>>> pre.task, pre.features, pre.classes, pre.n_inputs
('classification', ['size', 'colour'], ['no', 'yes'], 3)
>>> pre.transform(pd.DataFrame({"size": [2.5], "colour": ["green"]})).round(3)
array([[0., 0., 0.]], dtype=float32)
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from ..io import ModelFileError, Section, atomic_file, read

if TYPE_CHECKING:
    import pandas

    from ..network import MLP

__all__ = [
    "MAX_CATEGORIES",
    "MAX_INFERRED_CLASSES",
    "NEEDS_PANDAS",
    "SUFFIXES",
    "DataError",
    "Preprocessor",
    "TableWriter",
    "check_destination",
    "file_format",
    "iter_tables",
    "read_model",
    "read_table",
    "separator_hint",
    "suggest",
    "write_table",
]

#: File name suffix (lower case) -> format name.
SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
#: The message when pandas or pyarrow is missing.
NEEDS_PANDAS = "reading data files needs pandas and pyarrow: pip install 'neuronet[data]'"
#: More categories than this in one column are refused: an identifier or free text.
MAX_CATEGORIES = 1000
#: Whole-number targets with at most this many distinct values are inferred as classes.
MAX_INFERRED_CLASSES = 20
#: The version of the stored preprocessing's layout; :meth:`Preprocessor.from_section` checks it.
SECTION_VERSION = 1

_TASKS = ("classification", "regression")
_IMPUTE = ("mean", "median", "most_frequent")


class DataError(ValueError):
    """A data file that cannot be used, as one line naming the file, column, row and value.

    Rows are counted from 1 at the first data row (the header not counted).
    """


def _pandas() -> Any:
    try:
        import pandas as pd
        import pyarrow  # noqa: F401  (Parquet, and the check that the extra is whole)
    except ImportError:
        raise DataError(NEEDS_PANDAS) from None
    return pd


def suggest(name: str, choices: Sequence[str]) -> str:
    """``" Did you mean 'x'?"`` for the choice closest to ``name``, or ``""`` if none is close.

    Examples
    --------
    >>> suggest("prise", ["price", "rooms"])
    " Did you mean 'price'?"
    >>> suggest("zzz", ["price", "rooms"])
    ''
    """
    close = difflib.get_close_matches(name, [str(choice) for choice in choices], n=1)
    if not close:
        lowered = {str(choice).lower(): str(choice) for choice in choices}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f" Did you mean {close[0]!r}?" if close else ""


def _list(names: Sequence[Any], limit: int = 20) -> str:
    shown = ", ".join(str(name) for name in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _supported() -> str:
    return ", ".join(SUFFIXES)


# --- reading ---------------------------------------------------------------------------------


def file_format(path: Path) -> str:
    """The format of ``path`` from its suffix: ``"csv"``, ``"tsv"``, ``"parquet"``, ``"jsonl"``.

    Raises
    ------
    DataError
        For any other suffix, listing the supported ones.

    Examples
    --------
    >>> file_format(Path("scores.PQ"))
    'parquet'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        kind = f"file type {suffix!r}" if suffix else "file type (no suffix)"
        raise DataError(f"{path}: unknown {kind}; supported: {_supported()}.")
    return SUFFIXES[suffix]


def _check_readable(path: Path) -> str:
    fmt = file_format(path)
    try:
        with path.open("rb") as handle:
            first = handle.read(1)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a data file.") from None
    except PermissionError:
        raise DataError(f"{path}: cannot read it (permission denied).") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read it ({err.strerror or err}).") from None
    if not first:
        raise DataError(f"{path}: the file is empty (no header, no rows).")
    return fmt


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _chunks(
    pd: Any, path: Path, fmt: str, chunk_rows: int | None, text: Sequence[str] = ()
) -> Iterator[Any]:
    """The file's rows as frames of at most ``chunk_rows`` rows (None: one frame).

    The ``text`` columns of a CSV or TSV file are read as the text they hold: pandas would
    otherwise guess each chunk's types from that chunk alone, so that a category ``"007"``
    became the number 7 in a chunk without letters, and matched no stored category.
    """
    if fmt in ("csv", "tsv"):
        options: dict[str, Any] = {"sep": "," if fmt == "csv" else "\t", "low_memory": False}
        if text:
            options["dtype"] = dict.fromkeys(text, str)
        if chunk_rows is None:
            yield pd.read_csv(path, **options)
        else:
            with pd.read_csv(path, chunksize=chunk_rows, **options) as reader:
                yield from reader
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        if chunk_rows is None:
            yield parquet.read().to_pandas()
        else:
            empty = True
            for batch in parquet.iter_batches(batch_size=chunk_rows):
                empty = False
                yield batch.to_pandas()
            if empty:
                yield parquet.schema_arrow.empty_table().to_pandas()
    else:
        yield from _jsonl_chunks(pd, path, chunk_rows)


def _jsonl_chunks(pd: Any, path: Path, chunk_rows: int | None) -> Iterator[Any]:
    # Parsed line by line rather than with pandas.read_json, to name the line of a mistake
    # and to keep every chunk's columns: a key absent from a whole chunk is a missing value
    # there, not a missing column.
    columns: dict[str, None] = {}
    records: list[dict[str, Any]] = []

    def frame() -> Any:
        chunk = pd.DataFrame.from_records(records)
        columns.update(dict.fromkeys(chunk.columns))
        return chunk.reindex(columns=list(columns))

    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}: line {number} is not valid JSON ({err.msg}).") from None
            if not isinstance(record, dict):
                raise DataError(
                    f"{path}: line {number} is a JSON {type(record).__name__}, not an object; "
                    f'JSON Lines data holds one object per line, such as {{"x": 1, "y": "a"}}.'
                )
            records.append(record)
            if chunk_rows is not None and len(records) == chunk_rows:
                yield frame()
                records = []
    if records or not columns:
        yield frame()


def iter_tables(
    path: Path, *, chunk_rows: int = 65_536, text_columns: Sequence[str] = ()
) -> Iterator[pandas.DataFrame]:
    """The rows of a data file as DataFrames of at most ``chunk_rows`` rows, in file order.

    Memory stays constant however large the file: CSV and TSV are read with pandas'
    ``chunksize``, Parquet a batch at a time with pyarrow's ``iter_batches``, JSON Lines
    line by line. Each frame's index continues from the previous one (0-based), so
    ``frame.index[0] + 1`` is the row number of its first row.

    Parameters
    ----------
    path : pathlib.Path
        A ``.csv``, ``.tsv``, ``.parquet``/``.pq`` or ``.jsonl``/``.ndjson`` file.
    chunk_rows : int, default=65536
        The largest number of rows in one frame.
    text_columns : sequence of str, default=()
        Columns of a CSV or TSV file to read as text, whatever they look like in a chunk
        (:meth:`Preprocessor.text_columns`: the categories a model matches by their text).

    Raises
    ------
    DataError
        If the file is missing, a folder, unreadable, empty, has no data rows, is not
        valid in its format, or its type is unknown; or if pandas is not installed.
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"`chunk_rows` must be an integer >= 1, got {chunk_rows!r}.")
    yield from _frames(Path(path), chunk_rows, text_columns)


def read_table(path: Path, *, text_columns: Sequence[str] = ()) -> pandas.DataFrame:
    """A whole data file as one DataFrame; see :func:`iter_tables` for formats and errors.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = path.write_text("x,label\\n0.5,a\\n1.5,b\\n")
    >>> read_table(path)
         x label
    0  0.5     a
    1  1.5     b
    """
    return next(_frames(Path(path), None, text_columns))


def _frames(path: Path, chunk_rows: int | None, text: Sequence[str] = ()) -> Iterator[Any]:
    fmt = _check_readable(path)
    pd = _pandas()
    rows = 0
    names: list[str] = []
    try:
        for chunk in _chunks(pd, path, fmt, chunk_rows, text):
            chunk.columns = [str(name) for name in chunk.columns]
            names = list(chunk.columns)
            _refuse_duplicates(path, names)
            if len(chunk) == 0:
                continue
            chunk.index = pd.RangeIndex(rows, rows + len(chunk))
            rows += len(chunk)
            yield chunk
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty (no header, no rows).") from None
    except UnicodeDecodeError:
        # The error's offset is within the block the decoder was given, not the file.
        line, offset = _first_bad_utf8(path)
        raise DataError(
            f"{path}: not UTF-8 text (line {line}, byte {offset:,} of the file); save it as "
            f"UTF-8 and try again."
        ) from None
    except (ValueError, OSError, pd.errors.ParserError) as err:
        # pyarrow's ArrowInvalid is a ValueError; pandas' ParserError too.
        raise DataError(f"{path}: cannot read it as {fmt.upper()}: {_one_line(err)}") from None
    if rows == 0:
        if names:
            raise DataError(f"{path}: has a header ({_list(names, 8)}) but no data rows.")
        raise DataError(f"{path}: the file is empty (no rows).")


def _refuse_duplicates(path: Path, names: list[str]) -> None:
    """Two columns of one name (possible in Parquet) would make every lookup ambiguous."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(
                f"{path}: the column name {name!r} appears {names.count(name)} times; give "
                f"each column its own name."
            )
        seen.add(name)


def _first_bad_utf8(path: Path) -> tuple[int, int]:
    """The line (from 1) and the byte offset (from 0) of the first byte that is not UTF-8."""
    offset = 0
    with path.open("rb") as handle:
        # A newline byte is never part of a multi-byte UTF-8 character, so lines decode alone.
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                return number, offset + err.start
            offset += len(line)
    return 0, offset  # not reached for a file that failed to decode


# --- writing ---------------------------------------------------------------------------------


class _Discarded(Exception):
    """Thrown into the atomic writer of a :class:`TableWriter` that is discarded."""


class TableWriter:
    """Write frames one after another to a data file, atomically.

    The rows go to a temporary file in the destination's folder; :meth:`commit` flushes it to
    disk and renames it over the destination in one step, so a failure (or :meth:`discard`)
    leaves no half-written file and any previous file intact. As a context manager it commits
    on success and discards on an exception.

    Parameters
    ----------
    path : pathlib.Path
        The destination; its suffix chooses the format (see :data:`SUFFIXES`).
    force : bool
        Replace ``path`` if it exists; otherwise an existing file is an error.

    Raises
    ------
    DataError
        If the suffix is unknown.
    FileExistsError
        If ``path`` exists and ``force`` is False.
    IsADirectoryError, FileNotFoundError, PermissionError
        If ``path`` is a folder, its folder does not exist or cannot be written.
    """

    def __init__(self, path: Path, *, force: bool) -> None:
        self.path = Path(path)
        self.format = file_format(self.path)
        self._pd = _pandas()
        check_destination(self.path, force=force)
        # The library's one atomic writer holds the temporary file; this class only keeps it
        # open across the chunks, committing or discarding it when asked.
        self._file = contextlib.ExitStack()
        self._binary: BinaryIO = self._file.enter_context(
            atomic_file(self.path, what="data file", example=f"predictions{self.path.suffix}")
        )
        self._handle: io.TextIOWrapper | None = None
        self._parquet: Any = None
        self._schema: Any = None
        self.rows = 0
        if self.format != "parquet":
            self._handle = io.TextIOWrapper(self._binary, encoding="utf-8", newline="")

    def write(self, frame: pandas.DataFrame) -> None:
        """Append the rows of ``frame`` (its index is not written).

        Raises
        ------
        OSError
            If the rows cannot be written (no space left, ...): as :meth:`commit`'s, naming
            the file, the reason and what to do; the temporary file is removed then.
        """
        try:
            self._write(frame)
        except OSError as err:
            self._abort(err)
            raise
        self.rows += len(frame)

    def _write(self, frame: pandas.DataFrame) -> None:
        if self.format in ("csv", "tsv"):
            frame.to_csv(
                self._text(),
                sep="," if self.format == "csv" else "\t",
                index=False,
                header=self.rows == 0,
            )
        elif self.format == "jsonl":
            # 15 decimal places, pandas' most (its default of 10 would round a probability
            # of 1e-12 to 0); missing values are written as null.
            text = frame.to_json(
                orient="records", lines=True, force_ascii=False, double_precision=15
            )
            self._text().write(text if text.endswith("\n") else text + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
                raise DataError(
                    f"{self.path}: cannot write these rows to Parquet: {_one_line(err)}"
                ) from None
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self._binary, table.schema)
            self._parquet.write_table(table)

    def _text(self) -> IO[str]:
        if self._handle is None or self._handle.closed:
            raise ValueError(f"the writer of {str(self.path)!r} is already closed.")
        return self._handle

    def commit(self) -> None:
        """Flush the file to disk and move it to :attr:`path`.

        Raises
        ------
        OSError
            If the file cannot be written (no space left, ...): the message names it, the
            reason and what to do; the destination is left as it was.
        """
        try:
            self._release()
        except OSError as err:
            self._abort(err)
            raise
        except BaseException:
            self.discard()
            raise
        self._file.close()  # atomic_file: flush to disk, then one rename

    def _abort(self, err: OSError) -> None:
        """Hand ``err`` to atomic_file, which removes the temporary file and raises it
        re-worded: the file, the reason, what to do. The writer is finished."""
        with contextlib.suppress(Exception):
            self._release()
        self._file.__exit__(type(err), err, err.__traceback__)

    def discard(self) -> None:
        """Delete the temporary file; the destination is left as it was."""
        # Already failing (or discarded on purpose): the file is removed anyway, even when
        # closing it fails again (a full disk refuses the buffered bytes a second time).
        with contextlib.suppress(Exception):
            self._release()
        with contextlib.suppress(OSError):
            self._file.__exit__(_Discarded, _Discarded(), None)

    def _release(self) -> None:
        """Finish the text or Parquet layer over the binary file, leaving that file open."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            handle.flush()
            handle.detach()  # closing the wrapper would close the file atomic_file renames
        if self._parquet is not None:
            writer, self._parquet = self._parquet, None
            writer.close()  # pyarrow leaves a file object it was given open

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def check_destination(path: Path, *, force: bool) -> None:
    """Refuse a data file destination that exists (without ``force``) or cannot be written.

    Raises
    ------
    FileExistsError, IsADirectoryError, FileNotFoundError, PermissionError
        Each with a one-line message naming ``path``.
    """
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; give a file name.")
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {str(folder)!r} does not exist; create it first.")
    if path.exists() and not force:
        raise FileExistsError(f"{str(path)!r} already exists; pass --force to overwrite it.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write to folder {str(folder)!r} (permission denied).")


def write_table(frame: pandas.DataFrame, path: Path, *, force: bool) -> None:
    """Write ``frame`` to ``path`` in the format its suffix names, atomically.

    Raises as :class:`TableWriter`.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "out.jsonl"
    >>> write_table(pd.DataFrame({"id": [1, 2], "prediction": ["a", "b"]}), path, force=False)
    >>> print(path.read_text(), end="")
    {"id":1,"prediction":"a"}
    {"id":2,"prediction":"b"}
    """
    with TableWriter(path, force=force) as writer:
        writer.write(frame)


# --- column helpers --------------------------------------------------------------------------


def _missing_message(
    source: str, name: str, missing: NDArray[np.bool_], first_row: int, remedy: str
) -> str:
    count = int(missing.sum())
    row = first_row + int(np.argmax(missing))
    values = "a missing value" if count == 1 else f"{count} missing values"
    return (
        f"{source}: column {name!r} has {values} (empty, NA or NaN), the first in row {row}; "
        f"{remedy}"
    )


def _numbers(pd: Any, column: Any, name: str, source: str, first_row: int) -> NDArray[np.float64]:
    """A column as float64 with NaN where missing; a value that is not a number is an error."""
    api = pd.api.types
    if api.is_bool_dtype(column.dtype):
        return np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan))
    if api.is_numeric_dtype(column.dtype) and not api.is_complex_dtype(column.dtype):
        values = np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        objects = column.astype(object)
        if any(isinstance(value, bool | list | dict) for value in objects.head(1000)):
            objects = objects.map(lambda v: None if isinstance(v, bool | list | dict) else v)
        converted = pd.to_numeric(objects, errors="coerce")
        bad = np.asarray(converted.isna() & column.notna())
        if bad.any():
            at = int(np.argmax(bad))
            count = int(bad.sum())
            more = "" if count == 1 else f" ({count} values in this column are not numbers)"
            raise DataError(
                f"{source}: column {name!r}, row {first_row + at}: "
                f"{_show(column.iloc[at])} is not a number{more}."
            )
        values = np.asarray(converted.to_numpy(dtype=np.float64, na_value=np.nan))
    infinite = np.isinf(values)
    if infinite.any():
        at = int(np.argmax(infinite))
        raise DataError(
            f"{source}: column {name!r}, row {first_row + at}: {_show(values[at])} is not a "
            f"finite number."
        )
    return values


def _mean_std(values: NDArray[np.float64]) -> tuple[float, float]:
    """The mean and the population standard deviation, without overflow.

    NumPy's would overflow for values beyond about 1e154 (their squares) or 1e308 (their
    sum). Scaled first by the power of two nearest the largest magnitude, which is exact, the
    result is bit for bit NumPy's wherever NumPy's is finite.
    """
    if values.size == 0:
        return math.nan, math.nan
    largest = float(np.max(np.abs(values)))
    if largest == 0.0:
        return 0.0, 0.0
    exponent = int(np.frexp(largest)[1])
    scaled = np.ldexp(values, -exponent)
    return (
        float(np.ldexp(scaled.mean(), exponent)),
        float(np.ldexp(scaled.std(), exponent)),
    )


def _median(values: NDArray[np.float64]) -> float:
    """The median, halving before adding the middle two (np.median adds first: overflow)."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float(ordered[middle - 1] / 2 + ordered[middle] / 2)


def _standardise(values: NDArray[np.float64], mean: float, std: float) -> NDArray[np.float64]:
    """:math:`(x - \\mu) / \\sigma` in float64; infinite (no warning) beyond float64's range."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (values - mean) / std
        far = np.isinf(scaled)
        if far.any():
            # x - mean beyond float64 (opposite signs near the limit): halve both first.
            halves = np.ldexp(values[far], -1) - np.ldexp(mean, -1)
            scaled[far] = np.ldexp(halves / std, 1)
    return np.asarray(scaled, dtype=np.float64)


#: The largest magnitude a network input (float32) can hold.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_representable(
    scaled: NDArray[np.float64], column: Any, spec: _Feature, source: str, first_row: int
) -> None:
    """Refuse, naming the row and the value, a scaled value that float32 cannot hold."""
    beyond = ~(np.abs(scaled) <= _FLOAT32_MAX)
    if not beyond.any():
        return
    at = int(np.argmax(beyond))
    raise DataError(
        f"{source}: column {spec.name!r}, row {first_row + at}: {_show(column.iloc[at])} is "
        f"too large for the model: after scaling (mean {spec.mean:.4g}, std {spec.std:.4g}) "
        f"it is {float(scaled[at]):.3g}, beyond the range of its float32 inputs "
        f"(±{_FLOAT32_MAX:.3g})."
    )


def _key(value: Any) -> str:
    """A category's text: how values are matched between training and prediction."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _keys(pd: Any, column: Any) -> Any:
    """The column's values as category text (a Series of str), missing values as None."""
    api = pd.api.types
    missing = column.isna()
    if api.is_string_dtype(column.dtype) and not api.is_object_dtype(column.dtype):
        keys = column.astype(object)
    elif api.is_integer_dtype(column.dtype) and not missing.any():
        keys = column.astype(str).astype(object)
    else:
        keys = column.astype(object).map(_key)
    return keys.where(~missing, None)


def _match(pd: Any, categories: Sequence[str], keys: Any) -> NDArray[np.intp]:
    """Each key's index among ``categories`` (-1 for none): by its text, else by its number.

    A file read as text keeps "02134", "007" or "1.0" as written, where the training file's
    numbers became the categories "2134", "7" and "1" (or the other way round). A key that
    matches no category's text but reads as the same number as exactly one category is
    that category, as pandas' parsing of both files as numbers would have made it.
    """
    index = pd.Index(list(categories))
    codes = np.asarray(index.get_indexer(keys), dtype=np.intp)
    unmatched = np.flatnonzero(codes < 0)
    if unmatched.size == 0:
        return codes
    values = pd.to_numeric(pd.Series(list(categories), dtype=object), errors="coerce")
    by_number: dict[float, int] = {}
    for i, value in enumerate(values.tolist()):
        if value == value:  # a number (NaN is not)
            by_number[value] = -1 if value in by_number else i  # -1: ambiguous
    if not by_number:
        return codes
    wanted = pd.to_numeric(
        pd.Series(np.asarray(keys, dtype=object)[unmatched], dtype=object), errors="coerce"
    )
    for at, value in zip(unmatched.tolist(), wanted.tolist(), strict=True):
        if value == value:
            codes[at] = by_number.get(value, -1)
    return codes


def _is_text_of_numbers(pd: Any, column: Any) -> bool:
    """Whether more than half the present values of a text column are numbers."""
    present = column.dropna()
    if len(present) == 0:
        return False
    sample = present.astype(object)
    if len(sample) > 10_000:
        sample = sample.iloc[:: len(sample) // 10_000]
    if any(isinstance(value, bool) for value in sample.head(100)):
        return False
    numbers = pd.to_numeric(
        sample.map(lambda v: None if isinstance(v, bool) else v), errors="coerce"
    )
    return bool(numbers.notna().sum() * 2 > len(sample))


def _most_frequent(values: NDArray[Any]) -> Any:
    """The most frequent value, the smallest of equally frequent ones (as SimpleImputer)."""
    distinct, counts = np.unique(values, return_counts=True)
    return distinct[int(np.argmax(counts))]


# --- the preprocessing -----------------------------------------------------------------------


@dataclass
class _Feature:
    """One input column: how it becomes inputs, and what was learned on the training rows."""

    name: str
    kind: str  # "numeric" | "categorical"
    mean: float = 0.0
    std: float = 1.0
    constant: bool = False
    categories: list[str] = field(default_factory=list)
    fill: float | str | None = None

    @property
    def width(self) -> int:
        return 1 if self.kind == "numeric" else len(self.categories)


class Preprocessor:
    r"""How a table's columns become a network's inputs and targets, learned on training rows.

    Build one with :meth:`fit`; store it with :meth:`to_section` and rebuild it with
    :meth:`from_section`. See the module's documentation for the rules.

    Attributes
    ----------
    target : str
        The target column's name.
    task : {"classification", "regression"}
    features : list of str
        The input columns, in file order.
    n_inputs : int
        The number of network inputs: one per numeric feature, one per category of each
        categorical feature.
    classes : list or None
        The class labels as in the file (str, int, float or bool), sorted; None for
        regression.
    impute : {"mean", "median", "most_frequent"} or None
        How missing feature values are filled; None: they are an error.
    notes : list of str
        Things learned while fitting that the user should hear (constant columns, an
        inferred classification); not stored.
    """

    def __init__(
        self,
        *,
        target: str,
        task: str,
        specs: list[_Feature],
        classes: list[Any] | None,
        impute: str | None,
        target_mean: float = 0.0,
        target_std: float = 1.0,
        notes: Sequence[str] = (),
    ) -> None:
        self.target = target
        self.task = task
        self._specs = specs
        self.features = [spec.name for spec in specs]
        self.n_inputs = sum(spec.width for spec in specs)
        self.classes = classes
        self.impute = impute
        self.target_mean = target_mean
        self.target_std = target_std
        self.notes = list(notes)
        self._class_index = (
            {_key(label): i for i, label in enumerate(classes)} if classes is not None else {}
        )

    # -- learning ------------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        frame: pandas.DataFrame,
        target: str,
        *,
        task: str | None = None,
        impute: str | None = None,
        source: str = "data",
        categorical: Sequence[str] = (),
    ) -> Preprocessor:
        """Learn the preprocessing of ``frame``'s columns for predicting ``target``.

        Parameters
        ----------
        frame : pandas.DataFrame
            The training rows; every column but ``target`` is a feature.
        target : str
            The column to predict.
        task : {"classification", "regression"}, optional
            Inferred from the target by default (see the module's documentation).
        impute : {"mean", "median", "most_frequent"}, optional
            Fill missing feature values; by default they are an error.
        source : str, default="data"
            The file name to name in error messages.
        categorical : sequence of str, default=()
            Columns of numbers to one-hot encode as categories (codes rather than amounts).

        Raises
        ------
        DataError
            For a missing target column (with a did-you-mean), no feature columns, missing
            values (without ``impute``), text in a numeric column, a target of one class,
            too many categories, dates.
        ValueError
            For a ``task`` or ``impute`` that is not one of the names above.
        """
        pd = _pandas()
        if task is not None and task not in _TASKS:
            raise ValueError(f"`task` must be 'classification' or 'regression', got {task!r}.")
        if impute is not None and impute not in _IMPUTE:
            raise ValueError(
                f"`impute` must be 'mean', 'median' or 'most_frequent', got {impute!r}."
            )
        columns = [str(name) for name in frame.columns]
        if len(frame) == 0:
            raise DataError(f"{source}: no data rows.")
        _check_target_present(source, target, columns)
        names = [name for name in columns if name != target]
        if not names:
            raise DataError(
                f"{source}: no feature columns besides the target {target!r}; the network "
                f"needs at least one input column."
            )
        for name in categorical:
            if name not in names:
                raise DataError(
                    f"{source}: no feature column {name!r} to treat as categorical."
                    f"{suggest(name, names)}"
                )
        notes: list[str] = []
        specs = [
            _fit_feature(pd, frame[name], name, name in categorical, impute, source, notes)
            for name in names
        ]
        y = frame[target]
        _refuse_missing_target(source, target, y, 1)
        if task is None:
            task = _infer_task(pd, y, target, notes)
        if task == "classification":
            try:
                labels = y.astype(object).tolist()
                distinct = {_key(label): label for label in labels}
                classes = sorted(distinct.values())
            except TypeError:
                raise DataError(
                    f"{source}: target column {target!r} mixes labels that cannot be sorted "
                    f"(numbers and text?); make them all text."
                ) from None
            if len(classes) < 2:
                raise DataError(
                    f"{source}: target column {target!r} holds a single class "
                    f"({classes[0]!r}); a classifier needs examples of at least two."
                )
            return cls(
                target=target,
                task=task,
                specs=specs,
                classes=[_plain(label) for label in classes],
                impute=impute,
                notes=notes,
            )
        values = _numbers(pd, y, target, source, 1)
        mean, std = _mean_std(values)
        if not std > 0:
            notes.append(
                f"target {target!r} is constant ({mean:g}) in the training rows; the network "
                f"can only learn that constant."
            )
            std = 1.0
        return cls(
            target=target,
            task="regression",
            specs=specs,
            classes=None,
            impute=impute,
            target_mean=mean,
            target_std=std,
            notes=notes,
        )

    @classmethod
    def passthrough(
        cls, features: Sequence[str], *, target: str = "", classes: Sequence[Any] | None = None
    ) -> Preprocessor:
        """Columns taken as they are: numbers, not scaled, one input each.

        For a model without stored preprocessing (trained on a built-in data set or from
        Python on arrays): ``predict`` and ``evaluate`` feed it the file's columns unchanged.
        A classification if ``classes`` is given (the network's labels), else a regression
        whose predictions are the network's outputs.

        Examples
        --------
        >>> import pandas as pd
        >>> Preprocessor.passthrough(["x1", "x2"]).transform(pd.DataFrame({"x2": [2], "x1": [1]}))
        array([[1., 2.]], dtype=float32)
        """
        return cls(
            target=target,
            task="regression" if classes is None else "classification",
            specs=[_Feature(str(name), "numeric") for name in features],
            classes=None if classes is None else list(classes),
            impute=None,
        )

    # -- applying ------------------------------------------------------------------------------

    def transform(
        self, frame: pandas.DataFrame, *, source: str = "data", first_row: int = 1
    ) -> NDArray[np.float32]:
        """The network's inputs for the rows of ``frame``, shape (n_rows, :attr:`n_inputs`).

        Columns that are not features are ignored (:meth:`extra_columns` lists them).
        ``first_row`` is the row number of ``frame``'s first row in its file, for messages.

        Raises
        ------
        DataError
            Listing the feature columns missing from ``frame``; for missing values (unless
            imputed), text in a numeric column, infinite numbers.
        """
        pd = _pandas()
        absent = [name for name in self.features if name not in frame.columns]
        if absent:
            raise DataError(
                f"{source}: missing column(s) the model needs: {_list(absent)} "
                f"(the model's inputs: {_list(self.features)})."
                f"{separator_hint(source, [str(c) for c in frame.columns])}"
            )
        out = np.empty((len(frame), self.n_inputs), dtype=np.float32)
        start = 0
        for spec in self._specs:
            column = frame[spec.name]
            block = out[:, start : start + spec.width]
            start += spec.width
            if spec.kind == "numeric":
                values = _numbers(pd, column, spec.name, source, first_row)
                missing = np.isnan(values)
                if missing.any():
                    if spec.fill is None:
                        raise DataError(
                            _missing_message(
                                source, spec.name, missing, first_row, self._no_impute()
                            )
                        )
                    values = np.where(missing, spec.fill, values)
                scaled = _standardise(values, spec.mean, spec.std)
                _check_representable(scaled, column, spec, source, first_row)
                block[:, 0] = scaled
            else:
                keys = _keys(pd, column)
                missing = np.asarray(keys.isna())
                if missing.any():
                    if spec.fill is None:
                        raise DataError(
                            _missing_message(
                                source, spec.name, missing, first_row, self._no_impute()
                            )
                        )
                    keys = keys.where(~missing, spec.fill)
                codes = _match(pd, spec.categories, keys)
                block[...] = 0.0
                # A category not seen in training (code -1) stays a row of zeros.
                seen = codes >= 0
                block[np.flatnonzero(seen), codes[seen]] = 1.0
        return out

    def _no_impute(self) -> str:
        return (
            "the model was trained without --impute, so every value is needed; fill them, "
            "or train again with --impute mean, median or most_frequent."
        )

    def encode_target(
        self, frame: pandas.DataFrame, *, source: str = "data", first_row: int = 1
    ) -> NDArray[Any]:
        """The target column as the network trains on it.

        Classification: the labels as given, as the stored :attr:`classes` (so
        ``MLP(classes=pre.classes)`` maps them to outputs), matched by their text; a label not
        among the classes is an error. Regression: :math:`(y - \\mu_y) / \\sigma_y` as float32.

        Raises
        ------
        DataError
            If the target column is absent (with a did-you-mean), has missing values, holds
            a label the model does not know, or (regression) text.
        """
        values = self.target_values(frame, source=source, first_row=first_row)
        if self.classes is None:
            scaled = _standardise(values, self.target_mean, self.target_std)
            spec = _Feature(self.target, "numeric", mean=self.target_mean, std=self.target_std)
            _check_representable(scaled, frame[self.target], spec, source, first_row)
            return scaled.astype(np.float32)
        return np.asarray(self.classes)[values]

    def target_values(
        self,
        frame: pandas.DataFrame,
        *,
        source: str = "data",
        first_row: int = 1,
        column: str | None = None,
    ) -> NDArray[Any]:
        """The target column checked: class indices into :attr:`classes`, or the numbers.

        Classification: an integer array of indices into :attr:`classes` (labels matched by
        their text). Regression: float64 values in the user's units, unscaled. ``column``
        reads the target from another column than :attr:`target`. Raises as
        :meth:`encode_target`.
        """
        pd = _pandas()
        name = self.target if column is None else column
        _check_target_present(source, name, [str(c) for c in frame.columns])
        y = frame[name]
        _refuse_missing_target(source, name, y, first_row)
        if self.classes is None:
            return _numbers(pd, y, name, source, first_row)
        keys = _keys(pd, y)
        codes = _match(pd, [str(c) for c in self._class_index], keys)
        unknown = codes < 0
        if unknown.any():
            at = int(np.argmax(unknown))
            raise DataError(
                f"{source}: column {name!r}, row {first_row + at}: label "
                f"{_show(y.iloc[at])} is not one of the model's classes ({_list(self.classes)})."
            )
        return codes

    def decode_target(self, y_scaled: NDArray[Any]) -> NDArray[np.float64]:
        """Regression predictions back in the target's units: :math:`\\sigma_y y + \\mu_y`.

        A prediction beyond float64's range comes back infinite, without a warning;
        :meth:`check_predictions` reports it.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(y_scaled, dtype=np.float64) * self.target_std + self.target_mean

    def text_columns(self, target: str | None = None) -> list[str]:
        """The columns to read as text (:func:`iter_tables`): those matched by their text.

        The categorical features, and the target (``target`` names another column holding
        it) when the classes are text. Not boolean columns, whose ``True`` pandas reads the
        same from ``True``, ``true`` and ``TRUE``.
        """
        names = [
            spec.name
            for spec in self._specs
            if spec.kind == "categorical" and not set(spec.categories) <= {"False", "True"}
        ]
        name = self.target if target is None else target
        if name and self.classes is not None and all(isinstance(c, str) for c in self.classes):
            names.append(name)
        return names

    def check_predictions(
        self,
        values: NDArray[Any],
        X: NDArray[Any],
        frame: pandas.DataFrame,
        *,
        source: str = "data",
        first_row: int = 1,
    ) -> None:
        """Raise :class:`DataError` for the first row whose outputs are not finite numbers.

        ``values`` are the network's outputs (or the predictions decoded from them) for the
        inputs ``X`` made from ``frame``: an output overflows when an input, although a
        valid float32, is far beyond anything seen in training. The message names the row
        and its input of the largest magnitude (its column and the value in the file).
        """
        bad = ~np.isfinite(np.asarray(values, dtype=np.float64).reshape(len(X), -1)).all(axis=1)
        if not bad.any():
            return
        at = int(np.argmax(bad))
        where = f"{source}: row {first_row + at}"
        if X.shape[1] == 0 or not np.isfinite(X[at]).all():
            raise DataError(f"{where}: the model's prediction is not a finite number.")
        j = int(np.argmax(np.abs(X[at])))
        spec = self._input_features()[j]
        value = _plain(frame[spec.name].iloc[at])
        raise DataError(
            f"{where}: the model's prediction is not a finite number (an overflow): the row's "
            f"inputs are too far from the training rows; the largest is column {spec.name!r}, "
            f"{_show(value)} ({float(X[at, j]):.3g} after scaling)."
        )

    def _input_features(self) -> list[_Feature]:
        """The feature behind each network input, in order."""
        return [spec for spec in self._specs for _ in range(spec.width)]

    def extra_columns(self, frame: pandas.DataFrame) -> list[str]:
        """The columns of ``frame`` that are neither features nor the target."""
        known = {*self.features, self.target}
        return [str(name) for name in frame.columns if str(name) not in known]

    # -- storing -------------------------------------------------------------------------------

    def to_section(self) -> Section:
        """The preprocessing as plain JSON plus float64 arrays, for :func:`neuronet.io.save`.

        The numbers are stored as arrays so that they come back bit for bit (JSON's decimal
        text would not round-trip every float); names, kinds, categories and classes are JSON.
        """
        numeric = [spec for spec in self._specs if spec.kind == "numeric"]
        metadata = {
            "version": SECTION_VERSION,
            "target": self.target,
            "task": self.task,
            "impute": self.impute,
            "classes": self.classes,
            "features": [
                {"name": spec.name, "kind": spec.kind, "constant": spec.constant}
                if spec.kind == "numeric"
                else {
                    "name": spec.name,
                    "kind": spec.kind,
                    "categories": spec.categories,
                    "fill": spec.fill,
                }
                for spec in self._specs
            ],
        }
        arrays = {
            "mean": np.array([spec.mean for spec in numeric], dtype=np.float64),
            "std": np.array([spec.std for spec in numeric], dtype=np.float64),
            "fill": np.array(
                [np.nan if spec.fill is None else spec.fill for spec in numeric],
                dtype=np.float64,
            ),
            "target": np.array([self.target_mean, self.target_std], dtype=np.float64),
        }
        return Section(metadata, arrays)

    @classmethod
    def from_section(cls, section: Section) -> Preprocessor:
        """Rebuild a :class:`Preprocessor` from :meth:`to_section`'s output.

        Raises
        ------
        ValueError
            If the section is malformed or of a newer layout, saying what is wrong.
        """
        meta = section.metadata

        def bad(why: str) -> ValueError:
            return ValueError(f"its preprocessing section is malformed: {why}")

        if not isinstance(meta, dict):
            raise bad("not a JSON object.")
        if meta.get("version") != SECTION_VERSION:
            raise ValueError(
                f"its preprocessing has layout version {meta.get('version')!r}; this neuronet "
                f"reads version {SECTION_VERSION} (upgrade neuronet?)."
            )
        task, impute, target = meta.get("task"), meta.get("impute"), meta.get("target")
        if task not in _TASKS:
            raise bad(f"task {task!r}.")
        if impute is not None and impute not in _IMPUTE:
            raise bad(f"impute {impute!r}.")
        if not isinstance(target, str):
            raise bad(f"target {target!r}.")
        classes = meta.get("classes")
        if (task == "classification") != isinstance(classes, list):
            raise bad(f"classes {classes!r} for a {task}.")
        entries = meta.get("features")
        if not isinstance(entries, list) or not entries:
            raise bad("no features.")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise bad(f"feature {entry!r}.")
            if entry.get("kind") not in ("numeric", "categorical"):
                raise bad(f"kind of feature {entry['name']!r}.")
        arrays = {
            key: np.asarray(value, dtype=np.float64) for key, value in section.arrays.items()
        }
        n_numeric = sum(entry["kind"] == "numeric" for entry in entries)
        for key, size in (
            ("mean", n_numeric),
            ("std", n_numeric),
            ("fill", n_numeric),
            ("target", 2),
        ):
            if key not in arrays or arrays[key].shape != (size,):
                raise bad(f"array {key!r} missing or not of shape ({size},).")
        if not (
            np.isfinite(arrays["mean"]).all()
            and np.isfinite(arrays["std"]).all()
            and (arrays["std"] > 0).all()
        ):
            raise bad("non-finite means or non-positive standard deviations.")
        specs: list[_Feature] = []
        i = 0
        for entry in entries:
            if entry["kind"] == "numeric":
                fill = float(arrays["fill"][i])
                specs.append(
                    _Feature(
                        entry["name"],
                        "numeric",
                        mean=float(arrays["mean"][i]),
                        std=float(arrays["std"][i]),
                        constant=bool(entry.get("constant", False)),
                        fill=None if math.isnan(fill) else fill,
                    )
                )
                i += 1
            else:
                categories, fill = entry.get("categories"), entry.get("fill")
                if not isinstance(categories, list) or not all(
                    isinstance(c, str) for c in categories
                ):
                    raise bad(f"categories of {entry['name']!r}.")
                if fill is not None and not isinstance(fill, str):
                    raise bad(f"fill value of {entry['name']!r}.")
                specs.append(
                    _Feature(entry["name"], "categorical", categories=categories, fill=fill)
                )
        target_mean, target_std = (float(value) for value in arrays["target"])
        if not (math.isfinite(target_mean) and math.isfinite(target_std) and target_std > 0):
            raise bad("target scaling.")
        return cls(
            target=target,
            task=task,
            specs=specs,
            classes=classes,
            impute=impute,
            target_mean=target_mean,
            target_std=target_std,
        )

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary: task, target, classes, imputation, each feature's encoding.

        A numeric feature shows its mean and standard deviation (and fill value when
        imputing), a categorical one its categories.
        """
        features: list[dict[str, Any]] = []
        for spec in self._specs:
            entry: dict[str, Any] = {"name": spec.name, "kind": spec.kind}
            if spec.kind == "numeric":
                entry.update(mean=spec.mean, std=spec.std)
                if spec.constant:
                    entry["constant"] = True
            else:
                entry["categories"] = list(spec.categories)
            if spec.fill is not None:
                entry["fill"] = spec.fill
            features.append(entry)
        summary: dict[str, Any] = {
            "target": self.target,
            "task": self.task,
            "classes": self.classes,
            "impute": self.impute,
            "n_inputs": self.n_inputs,
            "features": features,
        }
        if self.task == "regression":
            summary["target_scaling"] = {"mean": self.target_mean, "std": self.target_std}
        return summary

    def __repr__(self) -> str:
        return (
            f"Preprocessor(target={self.target!r}, task={self.task!r}, "
            f"features={self.features!r}, n_inputs={self.n_inputs})"
        )


def read_model(path: Path) -> tuple[MLP, Preprocessor | None]:
    """A model file's network and its stored preprocessing (None if it has none).

    Raises
    ------
    neuronet.io.ModelFileError
        If the file is not a readable neuronet model, or its preprocessing is malformed or
        does not fit the network; one line naming the file.
    OSError
        If the file cannot be read.
    """
    saved = read(path)
    section = saved.sections.get("preprocessing")
    if section is None:
        return saved.net, None
    try:
        pre = Preprocessor.from_section(section)
    except ValueError as err:
        raise ModelFileError(f"Cannot load model file {str(path)!r}: {err}") from None
    if pre.n_inputs != saved.net.n_inputs:
        raise ModelFileError(
            f"Cannot load model file {str(path)!r}: its preprocessing makes {pre.n_inputs} "
            f"inputs but its network takes {saved.net.n_inputs}."
        )
    if (
        pre.classes is not None
        and saved.net.classes is not None
        and list(pre.classes) != list(saved.net.classes)
    ):
        # The network's outputs are in the order of its classes: another order or other
        # labels would name every prediction wrongly.
        raise ModelFileError(
            f"Cannot load model file {str(path)!r}: its network's classes "
            f"({_list(list(saved.net.classes))}) are not its preprocessing's "
            f"({_list(pre.classes)})."
        )
    return saved.net, pre


def _show(value: Any) -> str:
    """A value from the file as the user would write it: ``'forty'``, ``7``, ``inf``."""
    return repr(_plain(value))


def _plain(value: Any) -> Any:
    """A label as a plain JSON value (NumPy scalars made Python ones)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_target_present(source: str, target: str, columns: list[str]) -> None:
    if target not in columns:
        raise DataError(
            f"{source}: no target column {target!r}.{suggest(target, columns)} "
            f"The columns are: {_list(columns)}.{separator_hint(source, columns)}"
        )


def separator_hint(source: str, columns: Sequence[str]) -> str:
    """`` The file has a single column named 'a;b;c'...`` when the separator looks wrong.

    A CSV file separated by semicolons (or a TSV file by commas) reads as one column whose
    name is the whole header line; a message about missing columns then says so.

    Examples
    --------
    >>> separator_hint("data.csv", ["a;b;c"])[:60]
    " The file has a single column named 'a;b;c': it looks separa"
    """
    if len(columns) != 1:
        return ""
    name = str(columns[0])
    # The file's suffix, wherever it is in `source` ("data (1).tsv", "x.tsv (rows 1-9)").
    suffixes = re.findall(r"\.(csv|tsv)(?![a-z0-9])", source.lower())
    tsv = bool(suffixes) and suffixes[-1] == "tsv"
    for separator, word in ((";", "semicolons"), ("\t", "tabs"), (",", "commas"), ("|", "bars")):
        # The file's own separator cannot be in a lone column's name (save quoted).
        if separator not in name or separator == ("\t" if tsv else ","):
            continue
        if separator == "\t":
            remedy = "name the file .tsv"
        elif separator == ",":
            remedy = "name the file .csv"
        else:
            remedy = "save it with commas (.csv) or tabs (.tsv) between the values"
        return (
            f" The file has a single column named {name!r}: it looks separated by {word}, but "
            f"neuronet reads {'.tsv files as tab' if tsv else '.csv files as comma'}-separated; "
            f"{remedy}."
        )
    return ""


def _refuse_missing_target(source: str, target: str, y: Any, first_row: int) -> None:
    missing = np.asarray(y.isna())
    if missing.any():
        raise DataError(
            _missing_message(
                source, target, missing, first_row, "drop those rows (a target is never imputed)."
            )
        )


def _infer_task(pd: Any, y: Any, target: str, notes: list[str]) -> str:
    api = pd.api.types
    if api.is_bool_dtype(y.dtype) or not api.is_numeric_dtype(y.dtype):
        return "classification"
    values = np.asarray(y.to_numpy(dtype=np.float64, na_value=np.nan))
    if not np.isfinite(values).all() or not (values == np.round(values)).all():
        return "regression"
    distinct = len(np.unique(values))
    if distinct > MAX_INFERRED_CLASSES:
        return "regression"
    notes.append(
        f"target {target!r} holds {distinct} distinct whole numbers (at most "
        f"{MAX_INFERRED_CLASSES}), so they are taken as class labels; to predict it as a "
        f"number, pass --task regression."
    )
    return "classification"


def _fit_feature(
    pd: Any,
    column: Any,
    name: str,
    force_categorical: bool,
    impute: str | None,
    source: str,
    notes: list[str],
) -> _Feature:
    api = pd.api.types
    dtype = column.dtype
    if (
        api.is_datetime64_any_dtype(dtype)
        or api.is_timedelta64_dtype(dtype)
        or str(dtype).startswith("period")
    ):
        raise DataError(
            f"{source}: column {name!r} holds dates or times ({dtype}), which cannot be inputs; "
            f"convert it to numbers (e.g. days since a date) or drop it."
        )
    if api.is_complex_dtype(dtype):
        raise DataError(
            f"{source}: column {name!r} holds complex numbers, which cannot be inputs."
        )
    if force_categorical or api.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        kind = "categorical"
    elif api.is_numeric_dtype(dtype):
        kind = "numeric"
    elif _is_text_of_numbers(pd, column):
        kind = "numeric"  # _numbers below names the first value that is not a number
    else:
        kind = "categorical"
    remedy = "fill them, or pass --impute mean, median or most_frequent."
    if kind == "numeric":
        values = _numbers(pd, column, name, source, 1)
        missing = np.isnan(values)
        fill: float | None = None
        if impute is not None:
            present = values[~missing]
            if present.size == 0:
                raise DataError(f"{source}: column {name!r} has no values to learn {impute} from.")
            if impute == "mean":
                fill = _mean_std(present)[0]
            elif impute == "median":
                fill = _median(present)
            else:
                fill = float(_most_frequent(present))
            values = np.where(missing, fill, values)
        elif missing.any():
            raise DataError(_missing_message(source, name, missing, 1, remedy))
        mean, std = _mean_std(values)
        constant = not std > 0
        if constant:
            notes.append(
                f"column {name!r} is constant ({mean:g}) in the training rows: it carries no "
                f"information (scaled with std 1, it is always 0)."
            )
            std = 1.0
        return _Feature(name, "numeric", mean=mean, std=std, constant=constant, fill=fill)

    keys = _keys(pd, column)
    missing = np.asarray(keys.isna())
    present = keys[~missing].to_numpy(dtype=object).astype(str)
    cat_fill: str | None = None
    if impute is not None:
        if present.size == 0:
            raise DataError(f"{source}: column {name!r} has no values to learn a category from.")
        cat_fill = str(_most_frequent(present))
        if missing.any() and impute != "most_frequent":
            notes.append(
                f"column {name!r} is categorical: its missing values are filled with its most "
                f"frequent category {cat_fill!r}, not the {impute}."
            )
    elif missing.any():
        raise DataError(_missing_message(source, name, missing, 1, remedy))
    categories = sorted(set(present.tolist()) | ({cat_fill} if cat_fill is not None else set()))
    if len(categories) > MAX_CATEGORIES:
        raise DataError(
            f"{source}: column {name!r} has {len(categories)} distinct values (more than "
            f"{MAX_CATEGORIES}); one-hot encoding would add an input for each. If it is an "
            f"identifier or free text, drop the column."
        )
    return _Feature(name, "categorical", categories=categories, fill=cat_fill)
