import contextlib
import errno
import json
import os
import re
import struct
import subprocess
import tempfile
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import neuronet
from neuronet import MLP, ModelFileError, activations, load
from neuronet.io import FORMAT_VERSION, ModelInfo, Section, read, read_metadata, save


@pytest.fixture
def trained(rng):
    net = MLP(
        [3, 6, 4, 3],
        activation=["prelu", "leaky_relu"],
        output="softmax",
        seed=0,
        classes=["a", "b", "c"],
    )
    X = rng.normal(size=(40, 3)).astype(np.float32)
    net.fit(X, np.array(["a", "b", "c"])[rng.integers(0, 3, 40)], epochs=3, verbose=0)
    return net, X


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_bit_identical(tmp_path, rng, dtype):
    net = MLP(
        [3, 5, 1],
        activation=activations.get("prelu", per_neuron=True),
        output="sigmoid",
        dtype=dtype,
        seed=1,
    )
    net.parameters[...] = rng.normal(size=net.n_parameters)
    X = rng.normal(size=(16, 3))
    path = tmp_path / "net.safetensors"
    net.save(path)
    again = load(path)
    assert again.get_config() == net.get_config()
    assert again.parameters.dtype == dtype
    assert np.array_equal(again.parameters, net.parameters)
    assert np.array_equal(again.predict_proba(X), net.predict_proba(X))


def test_round_trip_keeps_classes_loss_and_activation_parameters(tmp_path, trained):
    net, X = trained
    net.save(tmp_path / "m.safetensors")
    again = load(str(tmp_path / "m.safetensors"))
    assert again.classes == ["a", "b", "c"]
    assert np.array_equal(again.predict(X), net.predict(X))
    assert again.hidden_activations == net.hidden_activations
    assert again.loss == net.loss
    np.testing.assert_array_equal(
        again.dense_layers[0].activation_parameters, net.dense_layers[0].activation_parameters
    )
    assert net.dense_layers[0].activation_parameters.size == 1  # the PReLU slope


def test_file_is_plain_safetensors_with_json_metadata(tmp_path, trained):
    from safetensors.numpy import load_file

    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    tensors = load_file(path)
    assert tensors["layers.0.weights"].shape == (3, 6)
    assert "layers.0.activation" in tensors and "layers.1.activation" not in tensors
    header_len = struct.unpack("<Q", path.read_bytes()[:8])[0]
    metadata = json.loads(path.read_bytes()[8 : 8 + header_len])["__metadata__"]
    config = json.loads(metadata["config"])
    assert config["sizes"] == [3, 6, 4, 3] and metadata["neuronet_version"]


def test_saved_file_has_ordinary_permissions(tmp_path, trained):
    net, _ = trained
    old = os.umask(0o022)
    try:
        net.save(tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert (tmp_path / "m.safetensors").stat().st_mode & 0o777 == 0o644


def test_truncated_file_names_the_file(tmp_path, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ModelFileError, match=r"m\.safetensors.*truncated or corrupted"):
        load(path)


def test_garbage_file_is_refused(tmp_path):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(b"\x00\x01not a model at all")
    with pytest.raises(ModelFileError, match=r"junk\.safetensors"):
        load(path)


def test_tampered_weights_are_detected(tmp_path, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # flip bits inside the last tensor's bytes
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        load(path)


def test_tampered_architecture_is_detected(tmp_path, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    config = {**net.get_config(), "sizes": [3, 7, 4, 3]}
    _rewrite_metadata(path, reseal=True, config=json.dumps(config))
    with pytest.raises(ModelFileError, match="architecture needs"):
        load(path)


@pytest.mark.parametrize(
    "edit",
    [
        {"activations": [{"name": "tanh", "params": {}}] * 2},
        {"activations": [{"name": "leaky_relu", "params": {"negative_slope": 0.3}}] * 2},
        {"classes": ["c", "b", "a"]},
    ],
    ids=["hidden activations", "an activation's parameter", "classes reordered"],
)
def test_an_edited_architecture_that_still_fits_the_weights_is_refused(tmp_path, edit):
    # The checksum once covered the tensors alone: another activation, or the classes in
    # another order, loaded silently as a different model.
    net = MLP([3, 4, 4, 3], activation="relu", output="softmax", classes=["a", "b", "c"], seed=0)
    path = tmp_path / "m.safetensors"
    net.save(path)
    config = {**net.get_config(), **edit}
    assert config != net.get_config()
    _rewrite_metadata(path, config=json.dumps(config))
    with pytest.raises(ModelFileError, match=r"m\.safetensors.*architecture.*checksum"):
        load(path)


def test_foreign_safetensors_file_is_refused(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "other.safetensors"
    save_file({"w": np.zeros(3, dtype=np.float32)}, path)
    with pytest.raises(ModelFileError, match="not a neuronet model"):
        load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.safetensors")


def test_save_is_atomic_a_failed_write_leaves_the_old_file(tmp_path, trained, monkeypatch):
    net, X = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    before = path.read_bytes()
    saved_proba = net.predict_proba(X)

    def crash(src, dst):
        raise OSError("disk pulled out mid-save")

    monkeypatch.setattr(os, "replace", crash)
    net.parameters[...] = 0.0
    with pytest.raises(OSError, match="mid-save"):
        net.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temp file left
    monkeypatch.undo()
    # The file still holds the saved network, not the zeroed one (whose outputs are uniform).
    np.testing.assert_array_equal(load(path).predict_proba(X), saved_proba)
    assert not np.array_equal(net.predict_proba(X), saved_proba)


def test_loading_never_unpickles(tmp_path, trained, monkeypatch):
    import pickle

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    net, _ = trained
    net.save(tmp_path / "m.safetensors")
    load(tmp_path / "m.safetensors")


# --- format versions and metadata -------------------------------------------------------------

DATA = Path(__file__).parent / "data"


def _rewrite_metadata(path, *, reseal=False, **changes):
    """Rewrite a saved file's metadata entries (None deletes one), keeping its tensors.

    With ``reseal``, the checksum is recomputed, as anyone editing the file could: only the
    loader's checks of the structure then stand between the edit and the user.
    """
    from safetensors.numpy import load_file

    from neuronet.io import _digest

    data = path.read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + header_len])
    for key, value in changes.items():
        if value is None:
            header["__metadata__"].pop(key, None)
        else:
            header["__metadata__"][key] = value
    if reseal:
        meta = header["__metadata__"]
        meta["sha256"] = _digest(load_file(path), meta.get("sections"), meta.get("config"))
    new_header = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(new_header)) + new_header + data[8 + header_len :])


def test_a_format_version_1_file_still_loads_and_predicts_the_same():
    expected = json.loads((DATA / "model_v1.json").read_text())
    net = load(DATA / "model_v1.safetensors")
    X = np.array(expected["X"], dtype=np.float32)
    np.testing.assert_allclose(net.predict_proba(X), expected["predict_proba"], rtol=1e-6)
    assert list(net.predict(X)) == expected["predict"]
    info = read_metadata(DATA / "model_v1.safetensors")
    assert info.format_version == "1" and info.saved_at is None
    assert info.config["sizes"] == [2, 5, 3]


def test_read_metadata_gives_versions_save_time_and_config(tmp_path, trained):
    net, _ = trained
    before = datetime.now(UTC).replace(microsecond=0)
    net.save(tmp_path / "m.safetensors")
    info = read_metadata(tmp_path / "m.safetensors")
    assert isinstance(info, ModelInfo)
    assert info.format_version == FORMAT_VERSION == "2"
    assert info.neuronet_version == neuronet.__version__
    assert info.saved_at is not None and info.saved_at.utcoffset() == timedelta(0)
    assert before <= info.saved_at <= datetime.now(UTC)
    assert info.config == net.get_config()
    assert info.path == tmp_path / "m.safetensors"


def test_read_metadata_passes_unknown_config_keys_through(tmp_path, trained):
    # io must not care which keys MLP.get_config() writes (a new "dropout", say).
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    config = {**net.get_config(), "something_new": 0.5}
    _rewrite_metadata(path, config=json.dumps(config))
    assert read_metadata(path).config["something_new"] == 0.5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"junk", "truncated or corrupted"),
        (b"\xff" * 8 + b"{}", "truncated or corrupted"),
        (struct.pack("<Q", 2) + b"[]", "truncated or corrupted"),
    ],
)
def test_read_metadata_refuses_junk_naming_the_file(tmp_path, content, message):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=rf"junk\.safetensors.*{message}"):
        read_metadata(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": None}, "not a neuronet model"),
        ({"format_version": "99"}, "unsupported format version '99'"),
        ({"config": "{not json"}, "architecture description is invalid"),
        ({"config": "[1, 2]"}, "not a JSON object"),
        ({"saved_at": "yesterday"}, "save time 'yesterday'"),
    ],
)
def test_read_metadata_refuses_bad_metadata(tmp_path, trained, changes, message):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    _rewrite_metadata(path, **changes)
    with pytest.raises(ModelFileError, match=rf"m\.safetensors.*{message}"):
        read_metadata(path)


def test_a_newer_format_version_is_refused_by_load(tmp_path, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    _rewrite_metadata(path, format_version="4")
    with pytest.raises(ModelFileError, match=r"unsupported format version '4'.*versions 1, 2, 3"):
        load(path)


def test_read_metadata_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_metadata(tmp_path / "nope.safetensors")


def test_saving_onto_a_folder_names_the_folder_not_a_temporary_file(tmp_path, trained):
    net, _ = trained
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError, match=r"'[^']*models': it is a folder") as err:
        net.save(tmp_path / "models")
    assert ".tmp" not in str(err.value)
    assert list((tmp_path / "models").iterdir()) == []


def test_saving_into_a_missing_folder_names_the_folder(tmp_path, trained):
    net, _ = trained
    with pytest.raises(FileNotFoundError, match=r"folder '[^']*nope' does not exist"):
        net.save(tmp_path / "nope" / "m.safetensors")


# --- sections: JSON plus arrays stored beside the network ---------------------------------------


def _preprocessing(rng):
    return Section(
        {"columns": ["age", "city"], "categories": {"city": ["Lyon", "Oslo"]}, "note": None},
        {
            "mean": rng.normal(size=2),
            "count": np.arange(3, dtype=np.int64),
            "on": np.ones(2, bool),
        },
    )


def test_sections_round_trip_bit_for_bit_beside_the_network(tmp_path, rng, trained):
    net, X = trained
    path = tmp_path / "m.safetensors"
    section = _preprocessing(rng)
    save(net, path, sections={"preprocessing": section, "empty": Section()})
    saved = read(path)
    assert saved.info.format_version == "3"
    assert set(saved.sections) == {"preprocessing", "empty"}
    assert saved.sections["preprocessing"].metadata == section.metadata
    for key, array in section.arrays.items():
        got = saved.sections["preprocessing"].arrays[key]
        assert got.dtype == array.dtype and np.array_equal(got, array)
    assert saved.sections["empty"] == Section({}, {})
    np.testing.assert_array_equal(saved.net.predict_proba(X), net.predict_proba(X))
    # load() gives the network alone; the header alone gives the sections' JSON.
    np.testing.assert_array_equal(load(path).predict_proba(X), net.predict_proba(X))
    assert read_metadata(path).sections["preprocessing"] == section.metadata


def test_a_file_without_sections_stays_format_version_2(tmp_path, trained):
    net, _ = trained
    save(net, tmp_path / "m.safetensors", sections={})
    assert read_metadata(tmp_path / "m.safetensors").format_version == "2"
    assert read(tmp_path / "m.safetensors").sections == {}


def test_edited_section_json_is_detected_by_the_checksum(tmp_path, rng, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    save(net, path, sections={"preprocessing": _preprocessing(rng)})
    edited = json.dumps({"preprocessing": {"columns": ["income", "city"]}})
    _rewrite_metadata(path, sections=edited)
    with pytest.raises(ModelFileError, match=r"m\.safetensors.*checksum"):
        read(path)


def test_edited_section_array_is_detected_by_the_checksum(tmp_path, rng, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    save(net, path, sections={"preprocessing": _preprocessing(rng)})
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # the last tensor's last byte
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        load(path)


@pytest.mark.parametrize(
    ("sections", "error", "message"),
    [
        ({"Pre-processing": Section()}, ValueError, "lower-case identifiers"),
        ({"p": {"columns": []}}, TypeError, r"`sections\['p'\]` must be a neuronet.io.Section"),
        ({"p": Section({"when": object()})}, TypeError, "plain JSON"),
        ({"p": Section({"x": float("nan")})}, TypeError, "plain JSON"),
        ({"p": Section({}, {"names": np.array(["a"])})}, TypeError, "numeric or boolean"),
        ({"p": Section({}, {"a b": np.zeros(1)})}, ValueError, "letters, digits"),
    ],
)
def test_bad_sections_are_refused_before_writing(tmp_path, trained, sections, error, message):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    with pytest.raises(error, match=message):
        save(net, path, sections=sections)
    assert not path.exists()


# --- a save that cannot complete: out of disk, read-only, no permission, a locked file -------
#
# The monkeypatched tests run everywhere (CI included): they make the kernel's answer the one a
# full disk, a read-only mount or a locked file gives. The tmpfs tests check the same with the
# real kernel where this process may mount one (root, not in an unprivileged container).


@pytest.mark.parametrize(
    ("where", "code", "reason", "cls"),
    [
        ("os.fsync", errno.ENOSPC, "no space left on device", OSError),
        ("os.fdopen", errno.EDQUOT, "disk quota exceeded", OSError),
        ("tempfile.mkstemp", errno.EROFS, "read-only file system", OSError),
        ("tempfile.mkstemp", errno.EACCES, "permission denied", PermissionError),
        ("os.replace", errno.EACCES, "permission denied", PermissionError),  # a locked file
        ("os.replace", errno.EPERM, "operation not permitted", PermissionError),
    ],
)
def test_a_save_that_fails_names_the_file_and_reason_and_changes_nothing(
    tmp_path, trained, monkeypatch, where, code, reason, cls
):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    before = path.read_bytes()
    module, name = where.split(".")

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr({"os": os, "tempfile": tempfile}[module], name, refuse)
    net.parameters[...] = 0.0
    with pytest.raises(cls) as caught:
        net.save(path)
    err = caught.value
    assert err.errno == code  # callers can still tell the cases apart by errno
    message = str(err)
    assert f"Cannot save model to {str(path)!r}: {reason}; the previous file is unchanged" in (
        message
    )
    assert "To fix:" in message and ".tmp" not in message
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary file left


def test_a_failed_first_save_says_nothing_was_written(tmp_path, trained, monkeypatch):
    net, _ = trained

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=r"no space left on device; nothing was written\. To fix"):
        net.save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_a_save_removes_the_temporary_file_and_stays_ctrl_c(
    tmp_path, trained, monkeypatch
):
    net, _ = trained

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        net.save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def tmpfs(tmp_path):
    """A 64 KiB tmpfs mounted for this test (skips where mounting is not permitted)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); the monkeypatched "
                    "tests above cover the same errors")  # fmt: skip
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_save_onto_a_full_disk_leaves_the_previous_file(tmpfs, trained):
    net, _ = trained
    path = tmpfs / "m.safetensors"
    net.save(path)
    before = path.read_bytes()
    filler = os.open(tmpfs / "filler", os.O_WRONLY | os.O_CREAT)
    with contextlib.suppress(OSError):  # fill every block left
        while True:
            os.write(filler, b"\0" * 4096)
    os.close(filler)
    bigger = MLP([3, 64, 3], output="softmax", seed=0)
    with pytest.raises(OSError) as caught:
        bigger.save(path)
    assert caught.value.errno == errno.ENOSPC
    assert f"{str(path)!r}: no space left on device; the previous file is unchanged" in str(
        caught.value
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler", "m.safetensors"]
    (tmpfs / "filler").unlink()
    bigger.save(path)  # with room again, the same save works
    assert load(path).sizes == [3, 64, 3]


def test_a_save_onto_a_read_only_disk_leaves_the_previous_file(tmpfs, trained):
    net, _ = trained
    path = tmpfs / "m.safetensors"
    net.save(path)
    before = path.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    with pytest.raises(OSError) as caught:
        net.save(path)
    assert caught.value.errno == errno.EROFS
    assert f"{str(path)!r}: read-only file system; the previous file is unchanged" in str(
        caught.value
    )
    assert path.read_bytes() == before
    assert [p.name for p in tmpfs.iterdir()] == ["m.safetensors"]


# --- loader regressions found by fuzzing (tests/test_fuzz_io.py) ------------------------------


def _header_and_body(path):
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def _write(path, header, body):
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)


def _forge(path, tensors, metadata):
    """A file whose checksum is recomputed after the change, as anyone could: only the
    loader's checks of the structure stand between it and the user."""
    from safetensors.numpy import save_file

    from neuronet.io import _digest

    metadata = dict(metadata)
    metadata["sha256"] = _digest(tensors, metadata.get("sections"), metadata.get("config"))
    save_file(tensors, path, metadata=metadata)


def _peak_memory(function, *args):
    tracemalloc.start()
    try:
        with contextlib.suppress(ModelFileError):
            function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_read_metadata_never_allocates_the_header_length_a_tiny_file_claims(tmp_path):
    # Found by fuzzing: 8 bytes claiming a 50 MB header made read_metadata allocate 50 MB.
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(struct.pack("<Q", 50_000_000) + b"{}")
    with pytest.raises(ModelFileError, match=r"tiny\.safetensors.*shorter than its header"):
        read_metadata(path)
    assert _peak_memory(read_metadata, path) < 2**20


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"shape": [25_000_000_000], "data_offsets": [0, 10**11]}, "data offsets"),
        ({"shape": [25_000_000_000]}, "does not fit its"),
        ({"shape": [2**40, 2**40]}, "does not fit its"),
        ({"dtype": "BF16"}, "dtype 'BF16'; a model file holds only"),
        ({"dtype": "C64"}, "dtype 'C64'"),
        ({"data_offsets": [8, 4]}, "data offsets"),
        ({"shape": [-1]}, "not a list of non-negative integers"),
    ],
)
def test_a_header_claiming_more_than_the_file_holds_is_refused_before_allocating(
    tmp_path, trained, entry, message
):
    # A 100 GB tensor claimed in a 1 kB file: refused by comparing the claim with the file's
    # size, never by trying. (safetensors turned BF16 into a KeyError, not an error we name.)
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    header, body = _header_and_body(path)
    header["layers.0.weights"].update(entry)
    _write(path, header, body)
    with pytest.raises(ModelFileError, match=rf"m\.safetensors.*{re.escape(message)}"):
        load(path)
    assert _peak_memory(load, path) < 2**20


def test_an_architecture_far_larger_than_its_weights_is_refused_before_building_it(
    tmp_path, trained
):
    # Found by fuzzing: the checksum covers tensors, not the architecture's JSON, and load
    # built the network the JSON described (here 2**31 inputs: 32 GB) before comparing.
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    config = {**net.get_config(), "sizes": [2**31, 6, 4, 3]}
    _rewrite_metadata(path, reseal=True, config=json.dumps(config))
    with pytest.raises(
        ModelFileError,
        match=r"architecture needs tensor 'layers.0.weights' of shape \(2147483648, 6\); "
        r"the file holds \(3, 6\)",
    ):
        load(path)
    assert _peak_memory(load, path) < 2**20


@pytest.mark.parametrize(
    "config",
    ["[" * 100_000 + "]" * 100_000, '{"sizes": ' + "9" * 5000 + "}"],
    ids=["nested 100,000 deep", "an integer of 5,000 digits"],
)
def test_json_that_python_cannot_parse_is_a_model_file_error(tmp_path, trained, config):
    # RecursionError and the int-digits ValueError escaped as themselves.
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    _rewrite_metadata(path, reseal=True, config=config)
    for function in (read_metadata, load):
        with pytest.raises(ModelFileError, match="architecture description is invalid"):
            function(path)


def test_a_header_nested_too_deeply_is_a_model_file_error(tmp_path):
    path = tmp_path / "deep.safetensors"
    text = b"[" * 100_000 + b"]" * 100_000
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    with pytest.raises(ModelFileError, match=r"deep\.safetensors.*nested too deeply"):
        read_metadata(path)


def test_section_arrays_that_belong_to_no_section_are_refused(tmp_path, rng, trained):
    # They were dropped silently; and a section named "a.b" could claim another's arrays.
    net, _ = trained
    path = tmp_path / "m.safetensors"
    save(net, path, sections={"preprocessing": _preprocessing(rng)})
    from safetensors.numpy import load_file

    tensors = load_file(path)
    metadata = _header_and_body(path)[0]["__metadata__"]
    _forge(path, {**tensors, "sections.ghost.x": np.zeros(1)}, metadata)
    with pytest.raises(ModelFileError, match=r"'sections.ghost.x' belongs to none of its sect"):
        read(path)
    _forge(path, tensors, {**metadata, "sections": json.dumps({"a.b": {}, "preprocessing": {}})})
    with pytest.raises(ModelFileError, match=r"section name 'a\.b' is not a lower-case"):
        read(path)


def test_a_forged_tensor_of_the_wrong_dtype_is_refused(tmp_path, trained):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    from safetensors.numpy import load_file

    tensors = load_file(path)
    tensors["layers.0.bias"] = tensors["layers.0.bias"].astype(np.float64)
    _forge(path, tensors, _header_and_body(path)[0]["__metadata__"])
    with pytest.raises(
        ModelFileError, match=r"'layers.0.bias' has shape \(6,\) and dtype float64"
    ):
        load(path)


def test_a_zero_dimensional_section_array_keeps_its_shape(tmp_path, trained):
    # Found by tests/test_properties.py: np.ascontiguousarray made a 0-d array shape (1,).
    net, _ = trained
    path = tmp_path / "m.safetensors"
    save(net, path, sections={"state": Section({}, {"step": np.array(7, np.int64)})})
    step = read(path).sections["state"].arrays["step"]
    assert step.shape == () and step.dtype == np.int64 and step == 7
