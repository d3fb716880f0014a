"""Fuzzing the model-file loader: whatever the bytes, a network or one clear ModelFileError.

hypothesis mutates valid model files (a plain one, a float64 one with batch norm and
sections, the format-1 file kept in ``tests/data``) at every level: raw bytes, the 8-byte
header length, the header's JSON, the metadata (format, version, architecture, checksum,
sections), each tensor's dtype string, shape and offsets, and, with the checksum recomputed
so the deeper checks are reached, the tensors themselves and the sections. For every input,
:func:`neuronet.io.read` (so :func:`neuronet.load`) and :func:`neuronet.io.read_metadata` either
succeed or raise :class:`~neuronet.ModelFileError` naming the file: never another exception,
and never more than a few megabytes of memory (``tracemalloc`` sees NumPy's allocations), so a
header that claims a 100 GB tensor is refused before anything is allocated.

The ``ci`` profile (tests/conftest.py) runs a fixed, bounded set of examples;
``pytest --hypothesis-profile=thorough tests/test_fuzz_io.py`` searches much longer.
"""

import functools
import json
import struct
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

from conftest import require
from neuronet import MLP, ModelFileError, activations
from neuronet.io import ModelInfo, SavedModel, Section, _digest, read, read_metadata, save

hypothesis = require("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DATA = Path(__file__).parent / "data"
#: Reading a file of a few kilobytes must never take more than this.
MEMORY_LIMIT = 32 * 2**20

SAFETENSORS_DTYPES = [
    "BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64",
    "C64", "F8_E4M3", "F8_E5M2", "F4", "F6_E2M3", "E8M0",
]  # fmt: skip


@functools.cache
def valid_files() -> tuple[bytes, ...]:
    """The files every mutation starts from: each loads."""
    rng = np.random.default_rng(0)
    plain = MLP([3, 4, 2], activation="prelu", output="softmax", seed=0, classes=["a", "b"])
    rich = MLP(
        [2, 3, 3, 1],
        activation=["tanh", activations.get("prelu", per_neuron=True)],
        output="sigmoid",
        dtype="float64",
        norm="batch",
        seed=1,
    )
    section = Section(
        {"columns": ["x", "y"], "nested": {"a": [1, 2.5, None]}},
        {"mean": rng.normal(size=2), "count": np.arange(3, dtype=np.int64)},
    )
    files = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.safetensors"
        for net, sections in ((plain, None), (rich, {"preprocessing": section, "e": Section()})):
            save(net, path, sections=sections)
            files.append(path.read_bytes())
    files.append((DATA / "model_v1.safetensors").read_bytes())
    return tuple(files)


def split(data: bytes) -> tuple[dict, bytes]:
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def join(header: dict, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def reseal(header: dict, body: bytes) -> bytes:
    """The file with its checksum recomputed, as a forger would: only structure can refuse it."""
    from safetensors.numpy import load

    try:
        tensors = load(join(header, body))
    except Exception:
        return join(header, body)
    metadata = header.setdefault("__metadata__", {})
    sections, config = metadata.get("sections"), metadata.get("config")
    metadata["sha256"] = _digest(
        tensors,
        sections if isinstance(sections, str) else None,
        config if isinstance(config, str) else None,
    )
    return join(header, body)


# --- strategies: one kind of damage each ----------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Values of a hostile size: every message that quotes them must stay a few lines long.
BIG_VALUES = ["x" * 10**5, "[" + "1, " * 10**5 + "1]", "[" * 10**5 + "]" * 10**5, "9" * 5000]
sizes_ints = st.integers(-2, 6) | st.sampled_from([0, 2**31, 10**11, 2**63, 2**64 + 1])
shape_ints = st.integers(0, 8) | st.sampled_from([-1, 2**32, 10**11, 25 * 10**9, 2**62, 2**64])
offset_ints = st.integers(0, 300) | st.sampled_from([-1, 2**31, 10**11, 4 * 10**11, 2**64 - 1])


@st.composite
def raw_damage(draw, data: bytes) -> bytes:
    """Bytes flipped, cut off, inserted or appended anywhere."""
    out = bytearray(data)
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "append"]))
    at = draw(st.integers(0, len(out)))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= draw(st.integers(1, 255))
    elif kind == "truncate":
        del out[at:]
    elif kind == "insert":
        out[at:at] = draw(st.binary(min_size=1, max_size=16))
    else:
        out += draw(st.binary(min_size=1, max_size=64))
    return bytes(out)


@st.composite
def header_length(draw, data: bytes) -> bytes:
    n = struct.unpack("<Q", data[:8])[0]
    claimed = draw(
        st.integers(0, 2**64 - 1) | st.integers(max(0, n - 8), n + 8) | st.sampled_from([0, 1, 2])
    )
    return struct.pack("<Q", claimed) + data[8:]


@st.composite
def metadata_edit(draw, data: bytes) -> bytes:
    """A metadata entry deleted or replaced by text, JSON text or a JSON value of any type."""
    header, body = split(data)
    metadata = header["__metadata__"]
    key = draw(
        st.sampled_from(
            ["format", "format_version", "config", "sha256", "saved_at", "sections", "x"]
        )
    )
    value = draw(
        st.none()
        | st.text(max_size=12)
        | st.sampled_from(["1", "2", "3", "4", "neuronet-mlp", "2026-11-29T05:00:00+00:00"])
        | st.sampled_from(BIG_VALUES)
        | json_values.map(json.dumps)
        | json_values
    )
    if value is None:
        metadata.pop(key, None)
    else:
        metadata[key] = value
    return reseal(header, body) if draw(st.booleans()) else join(header, body)


@st.composite
def config_edit(draw, data: bytes) -> bytes:
    """One entry of the architecture changed, the checksum recomputed or not."""
    header, body = split(data)
    config = json.loads(header["__metadata__"]["config"])
    keys = [
        "sizes",
        "activations",
        "output",
        "loss",
        "init",
        "dtype",
        "classes",
        "dropout",
        "norm",
        "delete",
    ]
    key = draw(st.sampled_from(keys))
    if key == "sizes":
        sizes = list(config["sizes"])
        i = draw(st.integers(0, len(sizes)))
        if i == len(sizes) or draw(st.booleans()):
            sizes.insert(i, draw(sizes_ints))
        else:
            sizes[i] = draw(sizes_ints | json_values)
        config["sizes"] = sizes
    elif key in ("activations", "output"):
        name = draw(st.sampled_from([*activations.names(), "nope", "PReLU"]) | st.text(max_size=5))
        params = draw(
            st.just({})
            | st.dictionaries(
                st.sampled_from(["init", "per_neuron", "alpha", "negative_slope", "approximate"]),
                json_values,
                max_size=2,
            )
        )
        entry = draw(st.just({"name": name, "params": params}) | json_values)
        if key == "output":
            config["output"] = entry
        elif config["activations"] and draw(st.booleans()):
            config["activations"][0] = entry
        else:
            config["activations"] = draw(st.lists(st.just(entry), max_size=3) | json_values)
    elif key == "loss":
        name = draw(st.sampled_from(["mse", "huber", "bce", "cce", "?"]))
        params = draw(st.just({}) | st.dictionaries(st.just("delta"), json_values))
        config["loss"] = {"name": name, "params": params}
    elif key == "dtype":
        config["dtype"] = draw(st.sampled_from(["float16", "float32", "float64", "int8", "F32"]))
    elif key == "delete":
        config.pop(draw(st.sampled_from(sorted(config))), None)
    else:
        config[key] = draw(json_values | st.sampled_from(["batch", "layer", "auto", 0.5, 1.0]))
    header["__metadata__"]["config"] = json.dumps(config)
    # The checksum covers the architecture: resealed, the edit reaches the structure checks.
    return reseal(header, body) if draw(st.booleans()) else join(header, body)


@st.composite
def tensor_entry_edit(draw, data: bytes) -> bytes:
    """A tensor's dtype string, shape or offsets changed in the header; the bytes unchanged."""
    header, body = split(data)
    name = draw(st.sampled_from(sorted(k for k in header if k != "__metadata__")))
    entry = header[name]
    field = draw(st.sampled_from(["dtype", "shape", "data_offsets", "entry"]))
    if field == "dtype":
        entry["dtype"] = draw(st.sampled_from(SAFETENSORS_DTYPES) | st.text(max_size=4))
    elif field == "shape":
        entry["shape"] = draw(
            st.lists(shape_ints, max_size=3) | json_values | st.just([1] * 10**5)
        )
    elif field == "data_offsets":
        entry["data_offsets"] = draw(
            st.lists(offset_ints, min_size=2, max_size=2) | st.lists(offset_ints, max_size=3)
        )
    else:
        header[name] = draw(json_values)
    return reseal(header, body) if draw(st.booleans()) else join(header, body)


@st.composite
def consistent_forgery(draw, data: bytes) -> bytes:
    """A well-formed safetensors file with the checksum recomputed, but tensors that differ:
    a tensor reshaped, cast, dropped, added, renamed, or a section's JSON replaced."""
    from safetensors.numpy import load, save

    header, _ = split(data)
    metadata = header["__metadata__"]
    tensors = dict(load(data))
    name = draw(st.sampled_from(sorted(tensors)))
    kind = draw(st.sampled_from(["reshape", "cast", "drop", "add", "rename", "values", "json"]))
    if kind == "reshape":
        tensors[name] = draw(st.sampled_from([np.zeros((0,)), np.zeros((3, 3)), np.zeros(7)]))
        tensors[name] = tensors[name].astype(tensors[name].dtype)
    elif kind == "cast":
        dtype = draw(st.sampled_from(["float16", "float32", "float64", "int32", "uint8", "bool"]))
        tensors[name] = tensors[name].astype(dtype)
    elif kind == "drop":
        del tensors[name]
    elif kind == "add":
        extra = draw(st.sampled_from(["layers.9.weights", "sections.ghost.x", "x", "sections."]))
        tensors[extra] = np.ones(2, np.float32)
    elif kind == "rename":
        tensors[
            draw(st.sampled_from(["layers.0.Weights", "sections.a.b.c", "layers.01.bias"]))
        ] = tensors.pop(name)
    elif kind == "values":
        values = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e38]))
        tensors[name] = np.full_like(tensors[name], values)
    else:
        metadata["sections"] = draw(
            json_values.map(json.dumps)
            | st.sampled_from(
                ['{"a.b": {}}', '{"preprocessing": []}', '{"": {}}', '{"ghost": {}}']
            )
        )
    sections, config = metadata.get("sections"), metadata.get("config")
    metadata["sha256"] = _digest(
        {k: np.ascontiguousarray(v) for k, v in tensors.items()},
        sections if isinstance(sections, str) else None,
        config if isinstance(config, str) else None,
    )
    return save(tensors, metadata=metadata)


@st.composite
def damaged_file(draw) -> bytes:
    data = draw(st.sampled_from(valid_files()))
    kinds = (raw_damage, header_length, metadata_edit, config_edit)
    damage = draw(st.sampled_from((*kinds, tensor_entry_edit, consistent_forgery)))
    return draw(damage(data))


# --- the property -----------------------------------------------------------------------------


def measured(function, path):
    """``function(path)``, its result or exception, and the peak memory it allocated."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = function(path)
            except Exception as err:
                result = err
        return result, tracemalloc.get_traced_memory()[1], caught
    finally:
        tracemalloc.stop()


def check_outcome(result, peak, caught, path, expected_type):
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MiB allocated reading a small file"
    if isinstance(result, Exception):
        assert isinstance(result, ModelFileError), f"{type(result).__name__}: {result}"
        assert str(path) in str(result)
        assert len(str(result)) < 1200 + len(str(path))  # a few lines, whatever the header
        # Which check refused it (``--hypothesis-show-statistics`` tallies them).
        hypothesis.event(str(result).split(": ", 1)[1][:40])
        return
    hypothesis.event("accepted")
    assert isinstance(result, expected_type)
    # A network built from an odd but valid description may warn as MLP() would (a linear
    # network, a mismatched pair): UserWarnings only, never a numerical or other warning.
    assert all(issubclass(w.category, UserWarning) for w in caught), [str(w) for w in caught]


def check_file(path):
    result, peak, caught = measured(read, path)
    check_outcome(result, peak, caught, path, SavedModel)
    if isinstance(result, SavedModel):
        net = result.net
        assert isinstance(net, MLP)
        with np.errstate(all="ignore"):
            assert net.forward(np.zeros((1, net.n_inputs))).shape == (1, net.n_outputs)
    info, peak, caught = measured(read_metadata, path)
    check_outcome(info, peak, caught, path, ModelInfo)
    if isinstance(result, SavedModel):
        # What load accepts, read_metadata accepts too, and describes the same way.
        assert isinstance(info, ModelInfo) and info.config == result.info.config


@given(data=damaged_file())
def test_any_damaged_file_loads_or_is_refused_naming_it(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "model.safetensors"
    path.write_bytes(data)
    check_file(path)


@given(data=st.binary(max_size=200))
def test_any_bytes_at_all_are_refused_naming_the_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "junk.safetensors"
    path.write_bytes(data)
    check_file(path)


def test_the_valid_files_the_fuzzer_starts_from_load(tmp_path):
    # Else every mutation would be refused for a reason that has nothing to do with it.
    for i, data in enumerate(valid_files()):
        path = tmp_path / f"{i}.safetensors"
        path.write_bytes(data)
        assert isinstance(read(path).net, MLP)
