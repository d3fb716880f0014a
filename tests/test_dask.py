"""neuronet.dask: distributed L-BFGS equals local L-BFGS; dask-ml's Incremental equals local
partial_fit; errors; dask stays out of ``import neuronet``.

One LocalCluster (two worker processes, one thread each) serves the whole module, so the blocks,
the network's configuration and the parameters really are pickled and sent between processes.
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronet
from neuronet import MLP

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_ml")
cloudpickle = pytest.importorskip("cloudpickle")

import neuronet.dask as ndask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def moons():
    X, y = neuronet.datasets.moons(300, noise=0.2, seed=0)
    return X, y


def _net(sizes=(2, 8, 2), **kwargs):
    kwargs = {"activation": "tanh", "seed": 0, "dtype": "float64", **kwargs}
    return MLP(list(sizes), **kwargs)


def _assert_same_training(local, remote, h_local, h_remote, rtol=1e-5):
    np.testing.assert_allclose(remote.parameters, local.parameters, rtol=rtol, atol=1e-8)
    assert h_remote.epochs == h_local.epochs
    assert h_remote.stop_reason == h_local.stop_reason
    for key in h_local.history:
        np.testing.assert_allclose(h_remote[key], h_local[key], rtol=rtol, atol=1e-10)
    assert set(h_remote.history) == set(h_local.history)


# --- distributed L-BFGS equals local L-BFGS -------------------------------------------------


CASES = {
    # name: network keyword arguments, how to make y from the 0/1 labels
    "softmax, string labels": ({"output": "softmax"}, lambda y: np.array(["no", "yes"])[y]),
    "sigmoid, 0/1": ({"sizes": (2, 8, 1), "output": "sigmoid"}, lambda y: y),
    "regression, 2 outputs": (
        {"sizes": (2, 6, 2)},
        lambda y: np.stack([y * 1.0, np.sin(3.0 * y)], axis=1),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("where", ["cluster", "threads"])
def test_distributed_lbfgs_equals_local(case, where, moons, request):
    kwargs, target = CASES[case]
    X, labels = moons
    y = target(labels)
    local = _net(**kwargs)
    h_local = local.fit(X, y, optimizer="lbfgs", epochs=25, l2=0.01, verbose=0)
    remote = _net(**kwargs)
    # Uneven blocks, and y chunked unlike X: fit matches them row for row.
    Xd = da.from_array(X, chunks=((70, 100, 130), (1, 1)))
    yd = da.from_array(y, chunks=(50,) + ((-1,) if y.ndim == 2 else ()))
    chosen = request.getfixturevalue("client") if where == "cluster" else None
    h_remote = ndask.fit(remote, Xd, yd, epochs=25, l2=0.01, client=chosen)
    _assert_same_training(local, remote, h_local, h_remote)
    assert remote.classes == local.classes


def test_stops_where_local_lbfgs_converges(moons):
    X, y = moons
    local, remote = (
        _net(sizes=(2, 3, 2), output="softmax"),
        _net(sizes=(2, 3, 2), output="softmax"),
    )
    lbfgs = neuronet.optimizers.LBFGS(tol=1e-5)
    h_local = local.fit(X, y, optimizer=lbfgs, epochs=500, l2=0.1, verbose=0)
    h_remote = ndask.fit(
        remote, da.from_array(X, chunks=(100, 2)), y, epochs=500, l2=0.1, tol=1e-5
    )
    assert h_local.stop_reason.startswith("L-BFGS converged")
    _assert_same_training(local, remote, h_local, h_remote)


def test_float32_network_agrees_to_float32_rounding(moons):
    X, y = moons
    local, remote = (
        _net(dtype="float32", output="softmax"),
        _net(dtype="float32", output="softmax"),
    )
    h_local = local.fit(X, y, optimizer="lbfgs", epochs=5, verbose=0)
    h_remote = ndask.fit(remote, da.from_array(X, chunks=(100, 2)), y, epochs=5)
    assert remote.parameters.dtype == np.float32
    np.testing.assert_allclose(h_remote["loss"], h_local["loss"], rtol=1e-3)


def test_dask_dataframe_and_series(client, moons):
    import pandas as pd

    X, labels = moons
    y = np.array(["no", "yes"])[labels]
    frame = pd.DataFrame(X, columns=["a", "b"])
    Xd = dd.from_pandas(frame, npartitions=3)
    yd = dd.from_pandas(pd.Series(y, name="label"), npartitions=3)
    local, remote = _net(output="softmax"), _net(output="softmax")
    h_local = local.fit(X, y, optimizer="lbfgs", epochs=15, verbose=0)
    h_remote = ndask.fit(remote, Xd, yd, epochs=15, client=client)
    _assert_same_training(local, remote, h_local, h_remote)
    assert remote.classes == ["no", "yes"]


def test_numpy_input_is_split_into_blocks(moons):
    X, y = moons
    local, remote = _net(output="softmax"), _net(output="softmax")
    h_local = local.fit(X, y, optimizer="lbfgs", epochs=10, verbose=0)
    h_remote = ndask.fit(remote, X, y, epochs=10)
    _assert_same_training(local, remote, h_local, h_remote)


def test_default_client_is_used(client, moons):
    X, y = moons
    net = _net(output="softmax")
    with client.as_current():
        h = ndask.fit(net, da.from_array(X, chunks=(150, 2)), y, epochs=3)
    assert h.epochs == 3


def test_network_survives_cloudpickle(moons):
    X, y = moons
    net = _net(output="softmax")
    copy = cloudpickle.loads(cloudpickle.dumps(net))
    copy2 = pickle.loads(pickle.dumps(net))
    for other in (copy, copy2):
        assert not np.shares_memory(other.parameters, net.parameters)
        np.testing.assert_array_equal(other.parameters, net.parameters)
        # Its layers are bound to its own buffers: training the copy trains the copy.
        other.fit(X, y, optimizer="lbfgs", epochs=3, verbose=0)
        assert not np.array_equal(other.parameters, net.parameters)
        np.testing.assert_array_equal(other.predict(X), other.predict(X))


@pytest.mark.parametrize("where", ["cluster", "threads"])
def test_empty_blocks_of_a_filtered_array_are_skipped(where, moons, request):
    X, y = moons
    keep = np.arange(len(X)) >= 100  # the first two blocks of 50 rows lose every row
    local = _net(output="softmax")
    h_local = local.fit(X[keep], y[keep], optimizer="lbfgs", epochs=10, verbose=0)
    Xd, yd = da.from_array(X, chunks=(50, 2)), da.from_array(y, chunks=50)
    keep_d = da.from_array(keep, chunks=50)
    remote = _net(output="softmax")
    chosen = request.getfixturevalue("client") if where == "cluster" else None
    h_remote = ndask.fit(remote, Xd[keep_d], yd[keep_d], epochs=10, client=chosen)
    _assert_same_training(local, remote, h_local, h_remote)


# --- bad input ---------------------------------------------------------------------------------


def test_refuses_mismatched_lengths(moons):
    X, y = moons
    with pytest.raises(ValueError, match=r"same number of samples, got 300 and 299"):
        ndask.fit(_net(output="softmax"), da.from_array(X, chunks=(100, 2)), y[:-1])


def test_refuses_X_of_the_wrong_width_naming_its_shape():
    X = np.random.default_rng(0).normal(size=(103, 3))
    with pytest.raises(
        ValueError,
        match=r"`X` has 3 features per sample but the network expects 4 .*shape \(103, 3\)",
    ):
        ndask.fit(_net(sizes=(4, 5, 1)), da.from_array(X, chunks=(52, 3)), X[:, 0])


def test_refuses_X_whose_rows_are_all_filtered_out(moons):
    X, y = moons
    Xd, yd = da.from_array(X, chunks=(100, 2)), da.from_array(y, chunks=100)
    none = Xd[:, 0] > np.inf
    with pytest.raises(ValueError, match=r"`X` has no samples \(shape \(0, 2\)\)"):
        ndask.fit(_net(output="softmax"), Xd[none], yd[none])


def test_refuses_dropout_and_batch_norm(moons):
    X, y = moons
    with pytest.raises(ValueError, match="dropout"):
        ndask.fit(_net(output="softmax", dropout=0.2), X, y)
    with pytest.raises(ValueError, match="Batch norm"):
        ndask.fit(_net(output="softmax", norm="batch"), X, y)


def test_refuses_a_single_class(moons):
    X, _ = moons
    with pytest.raises(ValueError, match="single class"):
        ndask.fit(_net(output="softmax"), X, np.zeros(len(X), dtype=int))


def test_labels_outside_the_classes_are_named(moons):
    X, _ = moons
    net = _net(output="softmax", classes=["a", "b"])
    with pytest.raises(ValueError, match="not among the network's classes"):
        ndask.fit(net, X, np.array(["a", "c"] * 150))


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.delitem(sys.modules, "neuronet.dask")
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[dask\]'"):
        importlib.import_module("neuronet.dask")


def test_import_neuronet_does_not_import_dask():
    code = "import sys, neuronet; print(any(m.split('.')[0] == 'dask' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- out-of-core SGD with dask-ml ------------------------------------------------------------


def test_incremental_equals_local_partial_fit(client, moons):
    from dask_ml.wrappers import Incremental, ParallelPostFit

    from neuronet.sklearn import NeuronetClassifier

    X, labels = moons
    y = np.array(["no", "yes"])[labels]
    chunks = 75
    Xd, yd = da.from_array(X, chunks=(chunks, 2)), da.from_array(y, chunks=chunks)

    def estimator():
        return NeuronetClassifier((8,), activation="tanh", learning_rate_init=0.05, random_state=0)

    model = Incremental(estimator(), shuffle_blocks=False, random_state=0)
    model.fit(Xd, yd, classes=["no", "yes"])
    local = estimator()
    for start in range(0, len(X), chunks):
        rows = slice(start, start + chunks)
        local.partial_fit(X[rows], y[rows], classes=["no", "yes"])
    np.testing.assert_array_equal(model.estimator_.model_.parameters, local.model_.parameters)

    # Prediction where the blocks are, from the same fitted model.
    post = ParallelPostFit(model.estimator_)
    np.testing.assert_array_equal(post.predict(Xd).compute(), local.predict(X))
    np.testing.assert_allclose(post.predict_proba(Xd).compute(), local.predict_proba(X))


def test_parquet_read_in_small_files_equals_local(client, moons, tmp_path):
    # read_parquet joins small files into fewer partitions than `npartitions` says; X and y
    # must still be matched row for row.
    import pandas as pd

    X, labels = moons
    table = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": np.array(["no", "yes"])[labels]})
    for i, rows in enumerate(np.array_split(np.arange(len(X)), 6)):
        table.iloc[rows].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    read = dd.read_parquet(tmp_path)
    local, remote = (_net(output="softmax") for _ in range(2))
    h_local = local.fit(X, table["label"], optimizer="lbfgs", epochs=10, verbose=0)
    h_remote = ndask.fit(remote, read[["a", "b"]], read["label"], epochs=10, client=client)
    _assert_same_training(local, remote, h_local, h_remote)


@pytest.mark.slow
def test_cluster_example_runs():
    example = Path(__file__).resolve().parent.parent / "examples" / "dask_cluster.py"
    out = subprocess.run(
        [sys.executable, str(example), "--rows", "2000", "--epochs", "20"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "L-BFGS: History(epochs=20" in out.stdout
    assert "Incremental SGD" in out.stdout


def test_sample_weights_weigh_as_in_local_fit(moons, client):
    X, y = moons
    weight = np.random.default_rng(1).uniform(0.0, 3.0, len(X))
    weight[:40] = 0.0  # the whole first block weighs nothing
    local, remote = _net(output="softmax"), _net(output="softmax")
    h_local = local.fit(
        X, y, optimizer="lbfgs", epochs=15, l2=0.01, sample_weight=weight, verbose=0
    )
    h_remote = ndask.fit(
        remote,
        da.from_array(X, chunks=((40, 120, 140), (2,))),
        y,
        epochs=15,
        l2=0.01,
        sample_weight=da.from_array(weight, chunks=100),
        client=client,
    )
    _assert_same_training(local, remote, h_local, h_remote)
    with pytest.raises(ValueError, match=r"`sample_weight` must have shape \(300,\)"):
        ndask.fit(_net(output="softmax"), X, y, sample_weight=np.ones(3))


def test_a_category_column_gives_its_classes_in_declared_order(moons):
    pd = pytest.importorskip("pandas")
    import dask.dataframe as dd

    X, y = moons
    order = ["yes", "no"]  # not alphabetical
    labels = pd.Series(pd.Categorical(np.array(["no", "yes"])[y], categories=order))
    local, remote = _net(output="softmax"), _net(output="softmax")
    local.fit(X, labels, optimizer="lbfgs", epochs=5, verbose=0)
    ndask.fit(remote, X, dd.from_pandas(labels, npartitions=3), epochs=5)
    assert remote.classes == local.classes == order
