"""What fit trains on: sample weights, memmaps read batch by batch, iterables of batches,
and an optimizer object that goes on from where the last fit left it."""

import numpy as np
import pytest

from conftest import require
from neuronet import MLP, datasets, optimizers
from numerics import central_differences


@pytest.fixture(scope="module")
def moons():
    X, y = datasets.moons(200, noise=0.2, seed=0)
    return X.astype(np.float32), y


def net_and_data(seed=0):
    return MLP([2, 8, 2], activation="tanh", output="softmax", seed=seed)


def test_a_weight_of_two_counts_a_sample_twice(rng):
    net = MLP([3, 4, 2], activation="tanh", output="softmax", dtype="float64", seed=0)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    weight = np.array([1.0, 2.0, 1.0, 0.0, 3.0, 1.0])
    Xw, yw = net.prepare(X, y)
    loss_w, _ = net.train_step(Xw, yw, sample_weight=weight, deterministic=True)
    grad_w = net.gradients.copy()
    repeats = weight.astype(int)
    loss_d, grad_d = net.loss_and_gradient(np.repeat(X, repeats, axis=0), np.repeat(y, repeats))
    assert loss_w == pytest.approx(loss_d, rel=1e-12)
    np.testing.assert_allclose(grad_w, grad_d, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "bce", "cce"])
def test_sample_weights_in_every_loss_are_a_weighted_average(loss, rng):
    # Unfused pairs too (tanh with a regression loss): weights must reach value() and
    # gradient() as well as fused().
    output = {"bce": "sigmoid", "cce": "softmax"}.get(loss, "tanh")
    net = MLP([3, 4, 2], output=output, loss=loss, dtype="float64", seed=0)
    X = rng.normal(size=(5, 3))
    y = {
        "bce": rng.integers(0, 2, (5, 2)).astype(float),
        "cce": rng.integers(0, 2, 5),
    }.get(loss, rng.normal(size=(5, 2)))
    weight = np.array([0.5, 1.0, 2.0, 0.0, 1.5])
    Xp, yp = net.prepare(X, y)
    weighted = net.evaluate(Xp, yp, sample_weight=weight)[0]
    singles = [net.evaluate(Xp[i : i + 1], yp[i : i + 1])[0] for i in range(5)]
    assert weighted == pytest.approx(np.dot(weight, singles) / weight.sum(), rel=1e-12)
    # ... and its gradient is that of the weighted loss.
    net.train_step(Xp, yp, sample_weight=weight, deterministic=True)
    analytic = net.gradients.copy()
    numeric = central_differences(
        lambda: net.evaluate(Xp, yp, sample_weight=weight)[0], net.parameters
    )
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_sample_weight_is_checked(moons):
    X, y = moons
    net = net_and_data()
    with pytest.raises(ValueError, match=r"`sample_weight` must have shape \(200,\)"):
        net.fit(X, y, sample_weight=np.ones(3), verbose=0)
    with pytest.raises(ValueError, match="non-negative"):
        net.fit(X, y, sample_weight=-np.ones(200), verbose=0)
    with pytest.raises(ValueError, match="zero for every sample"):
        net.fit(X, y, sample_weight=np.zeros(200), verbose=0)


def test_weighting_one_class_up_moves_the_boundary_its_way(moons):
    X, y = moons
    plain, weighted = net_and_data(), net_and_data()
    plain.fit(X, y, epochs=30, lr=0.05, verbose=0)
    weighted.fit(X, y, epochs=30, lr=0.05, sample_weight=np.where(y == 1, 10.0, 1.0), verbose=0)
    assert (weighted.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_a_memmap_trains_exactly_as_the_array_in_memory(moons, tmp_path):
    X, y = moons
    mm = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", dtype=np.float64, shape=X.shape)
    mm[...] = X
    mm.flush()
    readonly = np.load(tmp_path / "X.npy", mmap_mode="r")
    a, b = net_and_data(), net_and_data()
    a.fit(X.astype(np.float64), y, epochs=5, validation_split=0.2, verbose=0)
    b.fit(readonly, y, epochs=5, validation_split=0.2, verbose=0)
    np.testing.assert_array_equal(a.parameters, b.parameters)


def test_fit_on_an_iterable_of_batches(moons):
    X, y = moons
    batches = [(X[i : i + 50], y[i : i + 50]) for i in range(0, 200, 50)]
    net = net_and_data()
    history = net.fit(batches, epochs=40, lr=0.05, validation_data=(X, y), verbose=0)
    assert history.epochs == 40 and history["val_accuracy"][-1] > 0.85

    def forever():
        while True:
            yield from batches

    again = net_and_data()
    history = again.fit(forever(), steps_per_epoch=4, epochs=3, lr=0.05, verbose=0)
    assert history.epochs == 3
    # A list is a full pass per epoch, like a generator with steps_per_epoch = its length.
    list_net = net_and_data()
    list_net.fit(batches, epochs=3, lr=0.05, verbose=0)
    np.testing.assert_array_equal(list_net.parameters, again.parameters)


def test_batches_mistakes_are_named(moons):
    X, y = moons
    net = net_and_data()
    one_pass = iter([(X, y)])
    with pytest.raises(ValueError, match="gave no batch"):
        net.fit(one_pass, epochs=2, verbose=0)
    with pytest.raises(ValueError, match="`y` is missing"):
        net.fit(X, verbose=0)
    with pytest.raises(ValueError, match="L-BFGS"):
        net.fit([(X, y)], optimizer="lbfgs", verbose=0)
    with pytest.raises(ValueError, match="`steps_per_epoch` is for an iterable"):
        net.fit(X, y, steps_per_epoch=3, verbose=0)
    with pytest.raises(ValueError, match=r"tuple \(X, y\)"):
        net.fit([X], verbose=0)


def test_the_same_optimizer_object_goes_on_from_its_state(moons):
    X, y = moons
    twice, once = net_and_data(), net_and_data()
    opt = optimizers.Adam(lr=0.01)
    twice.fit(X, y, epochs=2, optimizer=opt, verbose=0)
    twice.fit(X, y, epochs=2, optimizer=opt, verbose=0)
    assert opt.t == 4 * 7  # 200 samples in batches of 32: 7 steps an epoch
    once.fit(X, y, epochs=4, optimizer=optimizers.Adam(lr=0.01), verbose=0)
    np.testing.assert_array_equal(twice.parameters, once.parameters)


def test_parquet_row_groups_read_with_pyarrow_train_as_batches(moons, tmp_path):
    pa = require("pyarrow")
    import pyarrow.parquet as pq

    X, y = moons
    table = pa.table({"x0": X[:, 0], "x1": X[:, 1], "label": y})
    pq.write_table(table, tmp_path / "moons.parquet", row_group_size=50)

    class RowGroups:
        """Re-iterable: every epoch reads the file again, one row group at a time."""

        def __iter__(self):
            for batch in pq.ParquetFile(tmp_path / "moons.parquet").iter_batches(batch_size=50):
                frame = batch.to_pandas()
                yield frame[["x0", "x1"]].to_numpy(), frame["label"].to_numpy()

    from_file, from_memory = net_and_data(), net_and_data()
    from_file.fit(RowGroups(), epochs=3, lr=0.05, verbose=0)
    from_memory.fit(X, y, epochs=3, lr=0.05, batch_size=50, shuffle=False, verbose=0)
    np.testing.assert_array_equal(from_file.parameters, from_memory.parameters)
