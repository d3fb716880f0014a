"""Saving and loading networks: one ``.safetensors`` file, no code executed on load.

The file holds every layer's weights, biases and activation parameters as named tensors
(``layers.0.weights``, ``layers.0.bias``, ``layers.0.activation``, ...). Its metadata holds a
JSON description of the architecture (sizes, activations and their parameters, loss,
classes), the library version, the time it was saved and a SHA-256 digest of the tensor
bytes and the architecture, so a file whose numbers, activations or classes were altered after
saving is refused rather than silently used as another model.
:func:`read_metadata` reads that description without the weights and without building the
network (``neuronet info`` uses it).

A file may also carry named *sections*: what something built on the network needs beside its
weights, such as the command line's preprocessing of a table or a checkpoint's optimizer state.
A :class:`Section` is plain JSON plus named arrays; its arrays are stored as tensors
``sections.<name>.<key>`` and its JSON in the metadata, both covered by the checksum.
:func:`read` returns the network with its sections; :func:`load` the network alone.

Format versions: ``"1"`` (neuronet 0.1); ``"2"``, which adds ``saved_at``; ``"3"``, written only
when the file carries sections (so a plain model file stays readable by older neuronet). All
three load.

Writing is atomic: the bytes go to a temporary file in the same folder, are flushed to disk,
then replace the target in one rename, so a crash mid-save leaves the previous file intact. A
save the disk refuses (full, read-only, no permission, a file another program holds) raises
one OSError that names the file, the reason and what to do, and leaves nothing behind.

Loading parses JSON and raw numbers only: unlike pickle, no file can make it run code. Nor
can it make the loader allocate what the file does not hold: every tensor's dtype, shape and
offsets are checked against the file's size, and the architecture's widths against the
weights, before anything is built. Whatever the bytes, loading gives a network or raises
:class:`ModelFileError` naming the file (``tests/test_fuzz_io.py`` fuzzes this).

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from neuronet import MLP, load
>>> net = MLP([2, 4, 3], activation="prelu", output="softmax", seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
>>> net.save(path)
>>> again = load(path)
>>> x = np.array([[0.5, -1.0]], dtype=np.float32)
>>> bool((again.predict_proba(x) == net.predict_proba(x)).all())
True
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

if TYPE_CHECKING:
    from .network import MLP

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "ModelInfo",
    "SavedModel",
    "Section",
    "atomic_file",
    "load",
    "read",
    "read_metadata",
    "save",
]

FORMAT = "neuronet-mlp"
#: The format version :func:`save` writes for a network alone.
FORMAT_VERSION = "2"
#: The format version :func:`save` writes when the file carries sections.
SECTIONS_FORMAT_VERSION = "3"
#: Every format version :func:`load` reads: "1" lacks ``saved_at``; "3" adds sections.
READABLE_VERSIONS = ("1", "2", "3")

_SECTION_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ModelFileError(ValueError):
    """A model file that is missing, truncated, corrupted, tampered with or not neuronet's."""


@dataclass(frozen=True)
class ModelInfo:
    """What a model file says about itself, read by :func:`read_metadata`.

    Attributes
    ----------
    path : pathlib.Path
        The file read.
    format_version : str
        The file format's version, one of ``READABLE_VERSIONS``.
    neuronet_version : str
        The version of neuronet that wrote the file.
    saved_at : datetime.datetime or None
        When the file was written (timezone-aware, UTC); None for format version 1 files,
        which did not record it.
    config : dict
        The architecture, as :meth:`MLP.get_config` returned it when saving; pass it to
        :meth:`MLP.from_config` to build an untrained copy.
    sections : dict
        Each section's name -> its JSON part (the arrays are not read); empty if none.
    """

    path: Path
    format_version: str
    neuronet_version: str
    saved_at: datetime | None
    config: dict[str, Any]
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """Something stored beside the network in a model file: JSON plus named arrays.

    Parameters
    ----------
    metadata : dict
        Anything :func:`json.dumps` writes (str keys; str, numbers, bool, None, lists, dicts).
    arrays : dict of str to numpy.ndarray
        Numeric arrays by name (letters, digits, ``_``, ``.``); stored bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> Section({"columns": ["age", "income"]}, {"mean": np.array([41.5, 5.2e4])}).metadata
    {'columns': ['age', 'income']}
    """

    metadata: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedModel:
    """A model file's network, what it says about itself, and its sections (:func:`read`)."""

    net: MLP
    info: ModelInfo
    sections: dict[str, Section]


def _tensors(net: MLP) -> dict[str, np.ndarray[Any, Any]]:
    return {name: np.ascontiguousarray(view) for name, view in _views(net).items()}


def _views(net: MLP) -> dict[str, np.ndarray[Any, Any]]:
    """Each dense layer's named arrays (``layers.0.weights``, ...): views into the network."""
    return {
        f"layers.{i}.{name}": view
        for i, layer in enumerate(net.dense_layers)
        for name, view in layer.tensors().items()
    }


def _digest(
    tensors: dict[str, np.ndarray[Any, Any]],
    sections_json: str | None = None,
    config_json: str | None = None,
) -> str:
    """SHA-256 of the tensors (names and bytes), the sections' JSON and the architecture's.

    The architecture is as much the model as its weights (an activation, the order of the
    classes), and the sections' JSON is part of what they mean (a column order, a class list):
    an edit to either is refused like an edited weight. (It is a checksum, not a signature:
    whoever edits a file can recompute it, so loading checks the structure as well.)
    """
    sha = hashlib.sha256()
    for name in sorted(tensors):
        sha.update(name.encode())
        sha.update(tensors[name].tobytes())
    if sections_json is not None:
        sha.update(sections_json.encode())
    if config_json is not None:
        # Prefixed, so that no split of the same bytes between sections and config collides.
        sha.update(b"\x00config\x00")
        sha.update(config_json.encode())
    return sha.hexdigest()


def _section_tensors(
    sections: Mapping[str, Section],
) -> tuple[str, dict[str, np.ndarray[Any, Any]]]:
    """The sections as (JSON text, tensors named ``sections.<name>.<key>``), checked."""
    meta: dict[str, Any] = {}
    tensors: dict[str, np.ndarray[Any, Any]] = {}
    for name, section in sections.items():
        if not isinstance(name, str) or not _SECTION_NAME.fullmatch(name):
            raise ValueError(
                f"`sections` names must be lower-case identifiers such as 'preprocessing', "
                f"got {name!r}."
            )
        if not isinstance(section, Section):
            raise TypeError(
                f"`sections[{name!r}]` must be a neuronet.io.Section, "
                f"got {type(section).__name__}."
            )
        meta[name] = section.metadata
        for key, array in section.arrays.items():
            if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_.]+", key):
                raise ValueError(
                    f"array names in section {name!r} must use letters, digits, '_' and '.', "
                    f"got {key!r}."
                )
            array = np.asarray(array)
            if array.dtype.kind not in "biuf":
                raise TypeError(
                    f"array {key!r} of section {name!r} must be numeric or boolean, "
                    f"got dtype {array.dtype}; put text in the section's metadata."
                )
            # np.require, not np.ascontiguousarray: that turns a 0-d array into shape (1,).
            tensors[f"sections.{name}.{key}"] = np.require(array, requirements="C")
    try:
        text = json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise TypeError(f"`sections` metadata must be plain JSON: {err}") from None
    return text, tensors


def save(
    net: MLP,
    path: str | os.PathLike[str],
    *,
    sections: Mapping[str, Section] | None = None,
) -> None:
    """Write ``net`` to ``path`` atomically as a ``.safetensors`` file.

    Parameters
    ----------
    net : MLP
        The network to save: its architecture, weights and activation parameters.
    path : str or os.PathLike
        The file to write; an existing file is replaced, in one rename, only once the new
        bytes are safely on disk.
    sections : mapping of str to Section, optional
        Named extras to store beside the network (format version 3); :func:`read` returns
        them. Names are lower-case identifiers.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    OSError
        If the file cannot be written: no space left on the device (``errno.ENOSPC``), a
        read-only file system (``errno.EROFS``), no permission or a file another program holds
        (:class:`PermissionError`, ``errno.EACCES``/``EPERM``), or any other I/O error. The
        exception keeps the original ``errno`` (and so its subclass); its message names
        ``path``, the reason and what to do. Whatever was at ``path`` before is left as it was
        and no temporary file remains.
    TypeError, ValueError
        If a section is not a :class:`Section` of plain JSON and numeric arrays.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from neuronet import MLP
    >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
    >>> scaling = Section({"columns": ["x1", "x2"]}, {"mean": np.zeros(2), "scale": np.ones(2)})
    >>> save(MLP([2, 3, 1], seed=0), path, sections={"preprocessing": scaling})
    >>> read(path).sections["preprocessing"].metadata
    {'columns': ['x1', 'x2']}
    """
    from safetensors.numpy import save as to_bytes

    from . import __version__

    path = Path(path)
    tensors = _tensors(net)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "neuronet_version": __version__,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": json.dumps(net.get_config()),
    }
    if sections:
        sections_json, extra = _section_tensors(sections)
        tensors.update(extra)
        metadata["format_version"] = SECTIONS_FORMAT_VERSION
        metadata["sections"] = sections_json
        metadata["sha256"] = _digest(tensors, sections_json, metadata["config"])
    else:
        metadata["sha256"] = _digest(tensors, None, metadata["config"])
    _write_atomically(to_bytes(tensors, metadata=metadata), path)


#: What to do about the usual reasons a save fails, by errno.
_SAVE_ADVICE = {
    errno.ENOSPC: "free some space or save somewhere else",
    errno.EDQUOT: "free some space (the disk quota is used up) or save somewhere else",
    errno.EROFS: "save to a folder on a writable disk",
    errno.EACCES: "check the folder's permissions, or close the program that holds the file",
    errno.EPERM: "check the folder's permissions, or close the program that holds the file",
}


def _write_atomically(data: bytes, path: Path) -> None:
    with atomic_file(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_file(
    path: str | os.PathLike[str], *, what: str = "model", example: str = "model.safetensors"
) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file in the same folder, flushed
    to disk and renamed over ``path`` in one step when the block ends without an error.

    The one way neuronet writes a file (models, checkpoints, ONNX files, figures). Any
    OSError on the way (no space left, a read-only disk, no permission, a locked file) is
    re-raised as one OSError of the same errno (so of the same subclass: PermissionError for
    EACCES) whose message names ``path``, the reason and what to do; on any error, Ctrl-C
    included, the temporary file is removed and whatever was at ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    what : str, default="model"
        What is written, for the messages: "Cannot save {what} to ...".
    example : str, default="model.safetensors"
        A file name to suggest when ``path`` is a folder.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    OSError
        If the file cannot be written; the message names it, the reason and what to do.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with atomic_file(path, what="notes", example="notes.txt") as handle:
    ...     _ = handle.write(b"all or nothing")
    >>> Path(path).read_bytes()
    b'all or nothing'
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(
            f"Cannot save {what} to {str(path)!r}: folder {str(directory)!r} does not exist."
        )
    if path.is_dir():
        # Checked here: os.replace would otherwise name its temporary file in the error.
        raise IsADirectoryError(
            f"Cannot save {what} to {str(path)!r}: it is a folder; give a file name such as "
            f"{str(path / example)!r}."
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise _save_error(path, err, what) from err
    try:
        # mkstemp makes the file private (0600); give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        # Also on Ctrl-C: never leave a half-written temporary file behind.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise _save_error(path, err, what) from err
        raise


def _save_error(path: Path, err: OSError, what: str = "model") -> OSError:
    """``err`` re-worded: the file, the reason, that nothing changed, and what to do."""
    reason = err.strerror or str(err) or type(err).__name__
    reason = reason[:1].lower() + reason[1:]
    before = "the previous file is unchanged" if os.path.exists(path) else "nothing was written"
    advice = _SAVE_ADVICE.get(err.errno or 0)
    message = f"Cannot save {what} to {str(path)!r}: {reason}; {before}" + (
        f". To fix: {advice}." if advice else "."
    )
    # OSError(errno, text) builds the subclass that errno maps to (PermissionError, ...), so
    # callers can catch by class or by errno as they would the original error.
    return OSError(err.errno, message) if err.errno is not None else OSError(message)


def load(path: str | os.PathLike[str]) -> MLP:
    """Read a network written by :func:`save` (or :meth:`MLP.save`).

    A file's sections, if any, are checked and then left out; :func:`read` returns them.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFileError
        If the file is truncated, corrupted, altered after saving, or not a neuronet model
        (including a header whose tensors do not fit the file, and an architecture whose
        widths are not those of the weights); the message names the file and what is wrong.
        It is the only error any content of the file can cause.
    """
    return read(path).net


def read(path: str | os.PathLike[str]) -> SavedModel:
    """Read a model file whole: the network, what the file says about itself, its sections.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFileError
        As :func:`load`, and if a section is malformed (a name that is not a lower-case
        identifier, an array that belongs to no section).
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as from_bytes

    from .network import MLP

    path = Path(path)

    def fail(why: str) -> ModelFileError:
        return ModelFileError(f"Cannot load model file {str(path)!r}: {why}")

    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            head, header = _read_header(handle, size)
            # Every tensor's dtype, shape and offsets checked against the file's real size
            # before any tensor is built: a header cannot make us allocate what is not there.
            _check_layout(header, size - len(head))
        except ValueError as err:
            raise fail(f"not a valid safetensors file (truncated or corrupted?): {err}") from None
        data = head + handle.read()
    try:
        tensors = from_bytes(data)
    except (SafetensorError, ValueError) as err:
        raise fail(f"not a valid safetensors file (truncated or corrupted?): {err}") from None
    metadata = header["__metadata__"]
    _check_format(metadata, fail)
    sections_json, config_json = (
        value if isinstance(value, str) else None
        for value in (metadata.get("sections"), metadata.get("config"))
    )
    if _digest(tensors, sections_json, config_json) != metadata.get("sha256"):
        raise fail(
            "its weights, architecture or sections do not match the checksum written when it "
            "was saved (the file was corrupted or altered)."
        )
    info = _info(path, metadata, fail)
    _check_sizes_fit(info.config, tensors, fail)
    try:
        with warnings.catch_warnings():
            # Advice about the architecture (a softmax hidden layer, a linear network) was
            # given when it was built; loading it again is not the moment to repeat it.
            warnings.simplefilter("ignore", UserWarning)
            net = MLP.from_config(info.config)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise fail(f"its architecture description is invalid: {_brief(err)}") from None
    sections: dict[str, Section] = {
        name: Section(meta, {}) for name, meta in info.sections.items()
    }
    for key, array in tensors.items():
        if not key.startswith("sections."):
            continue
        name, _, array_name = key[len("sections.") :].partition(".")
        if name not in sections or not array_name:
            raise fail(
                f"tensor {_brief(key)} belongs to none of its sections {_brief(sorted(sections))}."
            )
        sections[name].arrays[array_name] = array
    tensors = {key: array for key, array in tensors.items() if not key.startswith("sections.")}
    expected = _tensors(net)
    if set(expected) != set(tensors):
        raise fail(
            f"it holds tensors {_brief(sorted(tensors), 400)} but its architecture needs "
            f"{_brief(sorted(expected), 400)}."
        )
    for name, target in expected.items():
        if tensors[name].shape != target.shape or tensors[name].dtype != target.dtype:
            raise fail(
                f"tensor {name!r} has shape {tensors[name].shape} and dtype "
                f"{tensors[name].dtype}; the architecture needs {target.shape} {target.dtype}."
            )
    for name, view in _views(net).items():
        view[...] = tensors[name]
    return SavedModel(net, info, sections)


def _check_sizes_fit(
    config: dict[str, Any], tensors: dict[str, Any], fail: Callable[[str], ModelFileError]
) -> None:
    """Refuse layer widths that the file's weights do not have, before building anything.

    The checksum can be recomputed by whoever edits the file, so an edited ``sizes`` of
    ``[3, 10**9, 1]`` must be refused here rather than by allocating the network it describes.
    """
    sizes = config.get("sizes")
    if not isinstance(sizes, list) or not all(_is_count(n) for n in sizes):
        return  # MLP.from_config explains what is wrong with it
    for i, shape in enumerate(itertools.pairwise(sizes)):
        weights = tensors.get(f"layers.{i}.weights")
        if weights is None or weights.shape != shape:
            held = "none" if weights is None else str(weights.shape)
            raise fail(
                f"its architecture needs tensor 'layers.{i}.weights' of shape {shape}; "
                f"the file holds {held}."
            )


def read_metadata(path: str | os.PathLike[str]) -> ModelInfo:
    """Read what a model file says about itself, without its weights or building a network.

    Only the file's header is read, so this is quick even for a large model. The weights'
    checksum is not verified here; :func:`load` does that.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    ModelInfo
        The format and neuronet versions, the save time (None for format version 1 files)
        and the architecture as a dict.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFileError
        If the file is not a neuronet model file that this version can read; the message
        names the file and what is wrong.

    Examples
    --------
    >>> import os, tempfile
    >>> from neuronet import MLP
    >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
    >>> MLP([2, 4, 1], seed=0).save(path)
    >>> info = read_metadata(path)
    >>> info.format_version, info.config["sizes"], info.saved_at.tzname()
    ('2', [2, 4, 1], 'UTC')
    """
    path = Path(path)

    def fail(why: str) -> ModelFileError:
        return ModelFileError(f"Cannot read model file {str(path)!r}: {why}")

    with path.open("rb") as handle:
        try:
            _, header = _read_header(handle, os.fstat(handle.fileno()).st_size)
        except ValueError as err:
            raise fail(f"not a valid safetensors file (truncated or corrupted?): {err}") from None
    metadata = header["__metadata__"]
    _check_format(metadata, fail)
    return _info(path, metadata, fail)


def _info(
    path: Path, metadata: dict[str, str], fail: Callable[[str], ModelFileError]
) -> ModelInfo:
    """The header's description, checked: what :func:`read_metadata` returns."""
    try:
        config = json.loads(metadata["config"])
    except (KeyError, TypeError, ValueError, RecursionError) as err:
        raise fail(f"its architecture description is invalid: {_brief(err)}") from None
    if not isinstance(config, dict):
        raise fail(f"its architecture description is not a JSON object: {_brief(config)}")
    saved_at = metadata.get("saved_at")
    when = None
    if saved_at is not None:
        try:
            when = datetime.fromisoformat(saved_at)
        except (TypeError, ValueError):
            raise fail(
                f"its save time {_brief(saved_at)} is not an ISO-8601 date and time."
            ) from None
    sections: Any = {}
    if "sections" in metadata:
        try:
            sections = json.loads(metadata["sections"])
        except (TypeError, ValueError, RecursionError) as err:
            raise fail(f"its sections are not valid JSON: {_brief(err)}") from None
        if not isinstance(sections, dict) or not all(
            isinstance(meta, dict) for meta in sections.values()
        ):
            raise fail("its sections are not a JSON object of JSON objects.")
        for name in sections:
            if not _SECTION_NAME.fullmatch(name):
                raise fail(f"its section name {_brief(name)} is not a lower-case identifier.")
    return ModelInfo(
        path=path,
        format_version=metadata["format_version"],
        neuronet_version=str(metadata.get("neuronet_version", "unknown")),
        saved_at=when,
        config=config,
        sections=sections,
    )


# safetensors itself refuses headers over 100 MB.
_MAX_HEADER = 100_000_000


def _check_format(metadata: dict[str, str], fail: Callable[[str], ModelFileError]) -> None:
    if metadata.get("format") != FORMAT:
        raise fail("it is a safetensors file but not a neuronet model (no neuronet metadata).")
    version = metadata.get("format_version")
    if version not in READABLE_VERSIONS:
        raise fail(
            f"unsupported format version {_brief(version)} (this neuronet reads versions "
            f"{', '.join(READABLE_VERSIONS)}; a newer neuronet may have written it)."
        )


def _read_header(handle: BinaryIO, size: int) -> tuple[bytes, dict[str, Any]]:
    """The first bytes (length and JSON) and the parsed header of a file of ``size`` bytes.

    The layout of safetensors: an 8-byte little-endian header length, then a JSON object
    whose ``"__metadata__"`` entry holds string-to-string metadata and whose other entries
    describe the tensors. Raises ValueError for anything else; never reads more than the file
    holds, whatever length its first 8 bytes claim.
    """
    prefix = handle.read(8)
    if len(prefix) < 8:
        raise ValueError("file shorter than the safetensors header")
    n = int.from_bytes(prefix, "little")
    if n > _MAX_HEADER:
        raise ValueError(f"header length {n:,} bytes exceeds the {_MAX_HEADER:,} allowed")
    if 8 + n > size:
        raise ValueError(f"file shorter than its header says ({size:,} bytes, header {n:,})")
    raw = handle.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("header JSON nested too deeply") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"header is not UTF-8: {err}") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    metadata = header.setdefault("__metadata__", {})
    if not isinstance(metadata, dict):
        raise ValueError("metadata is not a mapping")
    return prefix + raw, header


#: The tensor dtypes a model file may hold (safetensors' names) and their sizes in bytes:
#: neuronet writes F32 or F64 weights, and sections' boolean, integer and float arrays. Others
#: (BF16, F8_*, complex) are refused before safetensors, which cannot give them to NumPy.
_DTYPE_SIZES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "U16": 2,
    "I16": 2,
    "F16": 2,
    "U32": 4,
    "I32": 4,
    "F32": 4,
    "U64": 8,
    "I64": 8,
    "F64": 8,
}


def _brief(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: a hostile header can hold megabytes."""
    text = repr(value) if not isinstance(value, BaseException) else repr(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_layout(header: dict[str, Any], n_bytes: int) -> None:
    """Raise ValueError unless the header's tensors tile the ``n_bytes`` after it exactly.

    Each tensor needs a known dtype, a shape of non-negative integers and offsets
    ``[start, end]`` inside the data, spanning exactly shape × item size bytes; together they
    cover the data without gap or overlap. The sizes are compared as Python integers, with
    the product cut short once it exceeds the file, so no claimed shape can overflow or
    allocate anything.
    """
    spans = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict):
            raise ValueError(
                f"tensor {_brief(name)} is described by {_brief(entry)}, not an object"
            )
        dtype, shape = entry.get("dtype"), entry.get("shape")
        offsets = entry.get("data_offsets")
        if not isinstance(dtype, str) or dtype not in _DTYPE_SIZES:
            raise ValueError(
                f"tensor {_brief(name)} has dtype {_brief(dtype)}; a model file holds only "
                f"{', '.join(_DTYPE_SIZES)}"
            )
        if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
            raise ValueError(
                f"tensor {_brief(name)} has shape {_brief(shape)}, not a list of non-negative "
                "integers"
            )
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(_is_count(n) for n in offsets)
            and offsets[0] <= offsets[1] <= n_bytes
        ):
            raise ValueError(
                f"tensor {_brief(name)} has data offsets {_brief(offsets)}, not [start, end] "
                f"in the file's {n_bytes:,} bytes of data"
            )
        count = 0 if 0 in shape else 1
        for n in shape:
            count *= n
            if count > n_bytes:
                break
        span = offsets[1] - offsets[0]
        if count * _DTYPE_SIZES[dtype] != span:
            raise ValueError(
                f"tensor {_brief(name)} of shape {_brief(shape)} and dtype {dtype} does not "
                f"fit its {span:,} bytes"
            )
        spans.append((offsets[0], offsets[1]))
    end = 0
    for start, stop in sorted(spans):
        if start != end:
            raise ValueError("tensors overlap or leave a gap between them")
        end = stop
    if end != n_bytes:
        raise ValueError(f"the tensors cover {end:,} of the file's {n_bytes:,} bytes of data")
