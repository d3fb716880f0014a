"""Saving and loading networks: one ``.safetensors`` file, no code executed on load.

The file holds every layer's weights, biases and activation parameters as named tensors
(``layers.0.weights``, ``layers.0.bias``, ``layers.0.activation``, ...). Its metadata holds a
JSON description of the architecture (sizes, activations and their parameters, loss,
classes), the library version and a SHA-256 digest of the tensor bytes, so a file whose
numbers were altered after saving is refused rather than silently used.

Writing is atomic: the bytes go to a temporary file in the same folder, are flushed to disk,
then replace the target in one rename, so a crash mid-save leaves the previous file intact.

Loading parses JSON and raw numbers only: unlike pickle, no file can make it run code.

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

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .network import MLP

__all__ = ["ModelFileError", "load", "save"]

FORMAT = "neuronet-mlp"
FORMAT_VERSION = "1"


class ModelFileError(ValueError):
    """A model file that is missing, truncated, corrupted, tampered with or not neuronet's."""


def _tensors(net: MLP) -> dict[str, np.ndarray[Any, Any]]:
    tensors = {}
    for i, layer in enumerate(net.layers):
        tensors[f"layers.{i}.weights"] = np.ascontiguousarray(layer.weights)
        tensors[f"layers.{i}.bias"] = np.ascontiguousarray(layer.bias)
        k = layer.n_in * layer.n_out + layer.n_out
        if layer.n_parameters > k:
            tensors[f"layers.{i}.activation"] = np.ascontiguousarray(layer.parameters[k:])
    return tensors


def _digest(tensors: dict[str, np.ndarray[Any, Any]]) -> str:
    sha = hashlib.sha256()
    for name in sorted(tensors):
        sha.update(name.encode())
        sha.update(tensors[name].tobytes())
    return sha.hexdigest()


def save(net: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``net`` to ``path`` atomically as a ``.safetensors`` file."""
    from safetensors.numpy import save as to_bytes

    from . import __version__

    path = Path(path)
    tensors = _tensors(net)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "neuronet_version": __version__,
        "config": json.dumps(net.get_config()),
        "sha256": _digest(tensors),
    }
    data = to_bytes(tensors, metadata=metadata)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"Cannot save model to {str(path)!r}: folder does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike[str]) -> MLP:
    """Read a network written by :func:`save` (or :meth:`MLP.save`).

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFileError
        If the file is truncated, corrupted, altered after saving, or not a neuronet model;
        the message names the file and what is wrong.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as from_bytes

    from .network import MLP

    path = Path(path)
    data = path.read_bytes()

    def fail(why: str) -> ModelFileError:
        return ModelFileError(f"Cannot load model file {str(path)!r}: {why}")

    try:
        tensors = from_bytes(data)
        metadata = _read_metadata(data)
    except (SafetensorError, ValueError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise fail(f"not a valid safetensors file (truncated or corrupted?): {err}") from None
    if metadata.get("format") != FORMAT:
        raise fail("it is a safetensors file but not a neuronet model (no neuronet metadata).")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise fail(
            f"unsupported format version {metadata.get('format_version')!r} "
            f"(this neuronet reads version {FORMAT_VERSION})."
        )
    if _digest(tensors) != metadata.get("sha256"):
        raise fail(
            "its weights do not match the checksum written when it was saved "
            "(the file was corrupted or altered)."
        )
    try:
        config = json.loads(metadata["config"])
        net = MLP.from_config(config)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
        raise fail(f"its architecture description is invalid: {err}") from None
    expected = _tensors(net)
    if set(expected) != set(tensors):
        raise fail(
            f"it holds tensors {sorted(tensors)} but its architecture needs {sorted(expected)}."
        )
    for name, target in expected.items():
        if tensors[name].shape != target.shape or tensors[name].dtype != target.dtype:
            raise fail(
                f"tensor {name!r} has shape {tensors[name].shape} and dtype "
                f"{tensors[name].dtype}; the architecture needs {target.shape} {target.dtype}."
            )
    for i, layer in enumerate(net.layers):
        layer.weights[...] = tensors[f"layers.{i}.weights"]
        layer.bias[...] = tensors[f"layers.{i}.bias"]
        if f"layers.{i}.activation" in tensors:
            k = layer.n_in * layer.n_out + layer.n_out
            layer.parameters[k:] = tensors[f"layers.{i}.activation"]
    return net


def _read_metadata(data: bytes) -> dict[str, str]:
    # safetensors layout: 8-byte little-endian header length, then a JSON header whose
    # "__metadata__" entry holds the string-to-string metadata.
    if len(data) < 8:
        raise ValueError("file shorter than the safetensors header")
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict):
        raise ValueError("metadata is not a mapping")
    return metadata
