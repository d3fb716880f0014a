import warnings

import numpy as np
import pytest

from neuronet import MLP, Callback, DivergenceWarning, activations, datasets, optimizers, training
from neuronet.schedules import ReduceOnPlateau, StepDecay


def held_out_accuracy(net, X, y):
    return float((net.predict(X) == y).mean())


# --- learning -------------------------------------------------------------------------------


def test_2_4_1_network_solves_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    net = MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=0)
    net.fit(X, y, epochs=500, batch_size=4, lr=0.05, verbose=0)
    assert net.predict(X).tolist() == [0, 1, 1, 0]


@pytest.fixture(scope="module")
def circles():
    X, y = datasets.circles(600, noise=0.1, seed=0)
    return datasets.train_test_split(X, y, seed=0)


@pytest.fixture(scope="module")
def spiral():
    X, y = datasets.spiral(600, n_classes=3, noise=0.2, seed=0)
    return datasets.train_test_split(X, y, seed=0)


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu", "prelu"])
@pytest.mark.parametrize("data", ["circles", "spiral"])
def test_nonlinear_networks_reach_95_percent(activation, data, request):
    X_train, X_test, y_train, y_test = request.getfixturevalue(data)
    n_classes = int(y_train.max()) + 1
    net = MLP([2, 64, 64, n_classes], activation=activation, output="softmax", seed=0)
    net.fit(X_train, y_train, epochs=150, batch_size=32, lr=0.01, verbose=0)
    assert held_out_accuracy(net, X_test, y_test) >= 0.95


def test_identity_network_is_linear_and_fails_on_circles(circles):
    X_train, X_test, y_train, y_test = circles
    with pytest.warns(UserWarning, match="linear however deep"):
        net = MLP([2, 64, 64, 2], activation="identity", output="softmax", seed=0)
    net.fit(X_train, y_train, epochs=100, batch_size=32, lr=0.01, verbose=0)
    assert held_out_accuracy(net, X_test, y_test) <= 0.75


def test_prelu_slopes_move_during_training(spiral):
    X_train, _, y_train, _ = spiral
    net = MLP([2, 32, 32, 3], activation="prelu", output="softmax", seed=0)
    slopes = [layer.activation_parameters for layer in net.dense_layers[:-1]]
    assert all(np.all(slope == 0.25) for slope in slopes)
    net.fit(X_train, y_train, epochs=20, batch_size=32, lr=0.01, verbose=0)
    for slope in slopes:
        assert abs(float(slope[0]) - 0.25) > 1e-3


def test_regression_learns_the_curve():
    X, y = datasets.curve(300, noise=0.05, seed=0)
    net = MLP([1, 32, 32, 1], activation="tanh", seed=0)
    history = net.fit(X, y, epochs=200, batch_size=32, lr=0.01, verbose=0)
    assert "accuracy" not in history
    assert float(np.mean((net.predict(X) - y) ** 2)) < 0.02


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"])
def test_every_optimizer_decreases_the_loss(name, circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    lr = {"sgd": 0.5, "momentum": 0.05, "nesterov": 0.05}.get(name, 0.02)
    history = net.fit(X_train, y_train, epochs=15, optimizer=name, lr=lr, verbose=0)
    assert history["loss"][-1] < 0.8 * history["loss"][0]


def test_lbfgs_trains_full_batch(circles):
    X_train, X_test, y_train, y_test = circles
    net = MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    history = net.fit(X_train, y_train, epochs=200, optimizer="lbfgs", verbose=0)
    assert 1 <= history.epochs <= 200
    assert held_out_accuracy(net, X_test, y_test) >= 0.95
    assert net.parameters.dtype == np.float32


# --- the loop's features --------------------------------------------------------------------


def test_history_records_every_epoch_and_validation(circles):
    X_train, X_test, y_train, y_test = circles
    net = MLP([2, 8, 2], activation="tanh", output="softmax", seed=0)
    history = net.fit(X_train, y_train, epochs=5, validation_data=(X_test, y_test), verbose=0)
    assert history.epochs == 5
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(history[key]) == 5
    # The recorded validation metrics are those of the final weights.
    assert history["val_accuracy"][-1] == pytest.approx(held_out_accuracy(net, X_test, y_test))
    assert history["val_loss"][-1] == pytest.approx(net.compute_loss(X_test, y_test), rel=1e-5)


def test_validation_split_holds_out_a_fraction(circles):
    X_train, _, y_train, _ = circles
    seen = []

    class Spy(Callback):
        def on_train_begin(self, net):
            seen.append(net)

    net = MLP([2, 8, 2], activation="tanh", output="softmax", seed=0)
    history = net.fit(
        X_train, y_train, epochs=2, validation_split=0.2, callbacks=[Spy()], verbose=0
    )
    assert "val_loss" in history and seen == [net]
    with pytest.raises(ValueError, match="not both"):
        net.fit(X_train, y_train, validation_split=0.2, validation_data=(X_train, y_train))
    with pytest.raises(ValueError, match="`validation_split`"):
        net.fit(X_train, y_train, validation_split=1.5)


def test_early_stopping_restores_the_best_weights(circles):
    X_train, X_test, y_train, y_test = circles
    snapshots = []

    def remember(epoch, logs):
        snapshots.append((logs["val_loss"], net.parameters.copy()))

    net = MLP([2, 64, 2], activation="relu", output="softmax", seed=0)
    # A large learning rate makes the validation loss bounce, so it stops improving soon.
    history = net.fit(
        X_train[:100],
        y_train[:100],
        epochs=300,
        lr=0.05,
        validation_data=(X_test, y_test),
        early_stopping=True,
        patience=5,
        callbacks=[remember],
        verbose=0,
    )
    assert history.stopped_early and history.epochs < 300
    best_loss, best_params = min(snapshots, key=lambda item: item[0])
    assert history.best_epoch == [s[0] for s in snapshots].index(best_loss)
    np.testing.assert_array_equal(net.parameters, best_params)
    assert len(snapshots) - 1 - history.best_epoch == 5


def test_callback_can_stop_training(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    history = net.fit(
        X_train, y_train, epochs=50, verbose=0, callbacks=[lambda epoch, logs: epoch == 2]
    )
    assert history.epochs == 3 and "callback" in history.stop_reason


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (None, [0.1, 0.1, 0.1, 0.1]),
        (StepDecay(step_size=2, gamma=0.5), [0.1, 0.1, 0.05, 0.05]),
    ],
)
def test_schedule_changes_the_learning_rate(schedule, expected, circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    history = net.fit(
        X_train, y_train, epochs=4, lr=0.1, optimizer="sgd", schedule=schedule, verbose=0
    )
    assert history["lr"] == pytest.approx(expected)


def test_plateau_schedule_reacts_to_the_monitored_loss(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    # A learning rate far too large for plain SGD: the loss stops improving at once.
    plateau = ReduceOnPlateau(factor=0.5, patience=1)
    history = net.fit(
        X_train, y_train, epochs=8, lr=10.0, optimizer="sgd", schedule=plateau, verbose=0
    )
    assert min(history["lr"]) == 5.0


def test_l2_shrinks_weights_but_not_biases(circles):
    X_train, _, y_train, _ = circles
    plain = MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    decayed = MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    plain.fit(X_train, y_train, epochs=20, verbose=0)
    decayed.fit(X_train, y_train, epochs=20, l2=0.1, verbose=0)
    mask = plain.weight_mask
    assert np.linalg.norm(decayed.parameters[mask]) < 0.8 * np.linalg.norm(plain.parameters[mask])


def test_l2_penalty_is_added_to_the_loss_and_only_for_weights(rng):
    net = MLP([3, 4, 2], activation="prelu", output="softmax", dtype="float64", seed=0)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    base, grad0 = net.loss_and_gradient(X, y)
    with_l2, grad1 = net.loss_and_gradient(X, y, l2=0.5)
    weights = net.parameters[net.weight_mask]
    assert with_l2 == pytest.approx(base + 0.25 * float(weights @ weights))
    np.testing.assert_allclose((grad1 - grad0)[net.weight_mask], 0.5 * weights)
    assert np.array_equal(grad1[~net.weight_mask], grad0[~net.weight_mask])


def test_dropout_is_training_only(circles):
    X_train, X_test, y_train, y_test = circles
    net = MLP([2, 64, 2], activation="relu", output="softmax", dropout=0.3, seed=0)
    net.fit(X_train, y_train, epochs=50, verbose=0)
    # Prediction is deterministic (no dropout) and still good.
    np.testing.assert_array_equal(net.forward(X_test), net.forward(X_test))
    assert held_out_accuracy(net, X_test, y_test) >= 0.9


def test_same_seed_and_data_give_bit_identical_weights(spiral):
    X_train, _, y_train, _ = spiral

    def train():
        net = MLP([2, 16, 16, 3], activation="prelu", output="softmax", dropout=0.1, seed=42)
        net.fit(X_train, y_train, epochs=5, validation_split=0.1, verbose=0)
        return net.parameters.copy()

    assert np.array_equal(train(), train())


def test_divergence_stops_and_keeps_the_last_finite_weights():
    X, y = datasets.curve(64, seed=0)
    X = X * 1e3  # unscaled inputs and a huge learning rate make SGD blow up
    net = MLP([1, 16, 1], activation="relu", seed=0)
    snapshots = [net.parameters.copy()]  # the initial weights, then one per finite epoch
    with (
        pytest.warns(UserWarning, match="far from unit scale"),
        pytest.warns(DivergenceWarning, match=r"NaN or infinite.*Lower the learning rate"),
    ):
        history = net.fit(
            X,
            y,
            epochs=50,
            optimizer="sgd",
            lr=100.0,
            verbose=0,
            callbacks=[lambda e, logs: snapshots.append(net.parameters.copy())],
        )
    assert history.diverged and history.epochs < 50
    assert "NaN or infinite" in history.stop_reason
    assert len(snapshots) == history.epochs + 1
    np.testing.assert_array_equal(net.parameters, snapshots[-1])


def test_divergence_warning_points_at_the_users_fit_call():
    X, y = datasets.curve(64, seed=0)
    for train in (MLP.fit, training.fit):
        net = MLP([1, 16, 1], activation="relu", seed=0)
        with (
            pytest.warns(UserWarning, match="far from unit scale") as scale,
            pytest.warns(DivergenceWarning) as record,
        ):
            train(net, X * 1e3, y, epochs=5, optimizer="sgd", lr=10.0, verbose=0)
        # Both warnings name the line that called fit, whichever way it was called.
        assert {w.filename for w in [*record, *scale]} == {__file__}


def test_a_runaway_loss_is_caught_before_it_becomes_nan(spiral):
    # Adam at lr 1e6 ends at a finite but absurd loss: no NaN, yet the run is lost.
    X_train, _, y_train, _ = spiral
    net = MLP([2, 32, 3], output="softmax", seed=0)
    initial = net.parameters.copy()
    with pytest.warns(
        DivergenceWarning, match=r"ran away.*Lower the learning rate \(it is 1e\+06\)"
    ):
        history = net.fit(X_train, y_train, epochs=30, lr=1e6, verbose=0)
    assert history.diverged and "ran away" in history.stop_reason
    # It runs away in the first epoch, so no epoch was any good: the initial weights are kept.
    assert history.epochs == 0 and history.best_epoch is None
    np.testing.assert_array_equal(net.parameters, initial)


def test_a_loss_rising_epoch_after_epoch_counts_as_divergence():
    X, y = datasets.curve(64, seed=0)
    net = MLP([1, 8, 1], activation="tanh", seed=0)
    # A callback cannot change the loss; a learning rate that grows each epoch can.
    opt = optimizers.SGD(lr=0.5)

    class Faster(Callback):
        def on_epoch_end(self, epoch, logs):
            opt.lr *= 3.0

    with pytest.warns(DivergenceWarning):
        history = net.fit(X, y, epochs=60, optimizer=opt, callbacks=[Faster()], verbose=0)
    assert history.diverged and history.epochs < 60


def test_healthy_training_never_counts_as_divergence(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    history = net.fit(X_train, y_train, epochs=60, lr=0.05, verbose=0)
    assert not history.diverged and history.epochs == 60


def test_progress_bar_prints_metrics(capsys, circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 4, 2], output="softmax", seed=0)
    net.fit(X_train, y_train, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "epoch 2/2" in out and "loss" in out and "accuracy" in out
    net.fit(X_train, y_train, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_optimizer_object_is_accepted(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    opt = optimizers.SGD(lr=0.05, momentum=0.9)
    history = net.fit(X_train, y_train, epochs=3, optimizer=opt, verbose=0)
    assert history["lr"] == [0.05] * 3


def test_lr_with_an_optimizer_object_leaves_the_callers_object_alone(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    opt = optimizers.Adam(lr=0.1)
    history = net.fit(X_train, y_train, epochs=2, optimizer=opt, lr=0.5, verbose=0)
    assert opt.lr == 0.1 and opt.t == 0  # not changed, not stepped
    assert history["lr"] == [0.5, 0.5]


def test_lbfgs_refuses_dropout_and_schedules(circles):
    X_train, _, y_train, _ = circles
    dropped = MLP([2, 8, 2], output="softmax", dropout=0.2, seed=0)
    with pytest.raises(ValueError, match=r"L-BFGS needs the same loss.*dropout"):
        dropped.fit(X_train, y_train, optimizer="lbfgs", verbose=0)
    net = MLP([2, 8, 2], output="softmax", seed=0)
    with pytest.raises(ValueError, match="`schedule` does not apply to L-BFGS"):
        net.fit(X_train, y_train, optimizer="lbfgs", schedule=StepDecay(2), verbose=0)


def test_lbfgs_reports_convergence_as_such():
    # A linear regression that L-BFGS solves exactly in a few iterations.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.25
    net = MLP([3, 1], dtype="float64", seed=0)
    history = net.fit(X, y, epochs=200, optimizer="lbfgs", verbose=0)
    assert history.epochs < 200
    assert history.stop_reason.startswith("L-BFGS converged after")
    assert net.compute_loss(X, y) < 1e-10


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "`epochs` must be a positive integer, got 0"),
        ({"batch_size": -1}, ValueError, "`batch_size` must be a positive integer"),
        ({"l2": -0.1}, ValueError, "`l2` must be a finite number >= 0"),
        ({"optimizer": "adma"}, ValueError, "Did you mean 'adam'"),
        ({"verbose": "yes"}, TypeError, "`verbose` must be 0, 1 or 2"),
        ({"verbose": 3}, ValueError, "`verbose` must be 0, 1 or 2, got 3"),
        ({"verbose": -1}, ValueError, "`verbose` must be 0, 1 or 2"),
        ({"callbacks": [3]}, TypeError, "`callbacks`"),
    ],
)
def test_bad_fit_arguments(kwargs, error, message):
    net = MLP([2, 2], output="softmax")
    with pytest.raises(error, match=message):
        net.fit(np.zeros((4, 2)), [0, 1, 0, 1], **{"verbose": 0, **kwargs})


@pytest.mark.parametrize(
    ("output", "y", "message"),
    [
        ("softmax", [0, 1, 2, 5], r"labels must be in \[0, 3\)"),
        ("sigmoid", [0, 1, 2, 1], "only 0 and 1"),
    ],
)
def test_bad_targets_in_fit(output, y, message):
    net = MLP([2, 3 if output == "softmax" else 1], output=output)
    with pytest.raises(ValueError, match=message):
        net.fit(np.zeros((4, 2)), y, verbose=0)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"])
def test_compiled_optimizer_kernels_train_bit_identically(optimizer, spiral, monkeypatch):
    pytest.importorskip("numba")
    from neuronet import _kernels

    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)  # this small network uses the kernels too
    X_train, _, y_train, _ = spiral
    weights = []
    for compiled in (False, True):
        optimizers.use_numba(compiled)
        net = MLP([2, 16, 16, 3], activation="prelu", output="softmax", seed=3)
        net.fit(X_train, y_train, epochs=3, optimizer=optimizer, verbose=0)
        weights.append(net.parameters.copy())
    optimizers.use_numba(None)
    np.testing.assert_array_equal(weights[0], weights[1])


def test_history_repr_is_one_short_line(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    history = net.fit(X_train, y_train, epochs=150, verbose=0)
    text = repr(history)
    assert len(text) < 200 and "\n" not in text
    assert text.startswith("History(epochs=150, loss=") and "stop_reason=" in text
    assert len(history["loss"]) == 150  # the full lists are still there


def test_fit_documents_every_parameter_where_users_look():
    # help(net.fit) once showed one line pointing elsewhere.
    import inspect

    doc = MLP.fit.__doc__
    assert doc == training.fit.__doc__
    for name in inspect.signature(MLP.fit).parameters:
        if name != "self":
            assert f"{name} :" in doc, name


@pytest.mark.parametrize("name", ["cosine", "step", "exponential", "plateau"])
def test_schedules_by_name_take_their_defaults_from_the_run(name, circles):
    # fit(schedule="cosine") once raised "missing 1 required positional argument".
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", seed=0)
    history = net.fit(
        X_train, y_train, epochs=9, lr=0.1, optimizer="sgd", schedule=name, verbose=0
    )
    assert history.epochs == 9
    if name != "plateau":
        assert history["lr"][-1] < 0.1  # the rate really fell over the run


def test_history_and_network_render_as_html_for_jupyter(circles):
    X_train, _, y_train, _ = circles
    net = MLP([2, 8, 2], output="softmax", dropout=0.1, seed=0)
    history = net.fit(X_train, y_train, epochs=5, verbose=0)
    html = history._repr_html_()
    assert "<table>" in html and "5 epochs" in html and html.count("<polyline") == 3
    assert f"{history['loss'][-1]:.4g}" in html
    html = net._repr_html_()
    assert "MLP 2 → 8 → 2" in html and "dropout 0.1" in html and f"{net.n_parameters:,}" in html


def test_full_batch_data_trains_through_the_one_loop_like_arrays(circles):
    # A training set held elsewhere (a cluster's blocks) gives the loss and gradient; fit
    # does the rest. Here the "elsewhere" is two halves summed by hand.
    X_train, _, y_train, _ = circles

    class Halves(training.FullBatchData):
        def __init__(self, X, y):
            self.parts = [(X[:200], y[:200]), (X[200:], y[200:])]

        @property
        def n_samples(self):
            return sum(len(x) for x, _ in self.parts)

        def loss_and_gradient(self, net):
            total, grad, correct = 0.0, 0.0, 0
            for x, y in self.parts:
                loss, right = net.train_step(*net.prepare(x, y), deterministic=True)
                total, grad, correct = (
                    total + loss * len(x),
                    grad + net.gradients * len(x),
                    correct + right,
                )
            net.gradients[...] = grad / self.n_samples
            return total / self.n_samples, correct

    a = MLP([2, 8, 2], activation="tanh", output="softmax", dtype="float64", seed=0)
    b = MLP([2, 8, 2], activation="tanh", output="softmax", dtype="float64", seed=0)
    ha = a.fit(X_train, y_train, epochs=20, optimizer="lbfgs", l2=0.01, verbose=0)
    hb = b.fit(Halves(X_train, y_train), epochs=20, optimizer="lbfgs", l2=0.01, verbose=0)
    np.testing.assert_allclose(b.parameters, a.parameters, rtol=1e-7, atol=1e-10)
    assert hb.epochs == ha.epochs and hb.stop_reason == ha.stop_reason
    with pytest.raises(ValueError, match="FullBatchData set trains with optimizer='lbfgs'"):
        b.fit(Halves(X_train, y_train), optimizer="adam", verbose=0)


def test_callbacks_none_is_none_and_a_lone_callback_is_refused_by_name():
    X, y = datasets.moons(60, noise=0.1, seed=0)
    net = MLP([2, 4, 2], output="softmax", seed=0)
    assert net.fit(X, y, epochs=1, callbacks=None, verbose=0).epochs == 1
    for lone in (lambda epoch, logs: None, Callback()):
        with pytest.raises(
            TypeError, match=r"`callbacks` must be a list of .*callbacks=\[\.\.\.\]"
        ):
            net.fit(X, y, epochs=1, callbacks=lone, verbose=0)


def test_the_scale_check_copes_with_features_near_the_float64_limit():
    X = np.tile([[1e300, 2.0], [-1e300, -2.0]], (25, 1))  # column 0: mean 0, std 1e300
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        training._check_scale(X)
    assert [str(w.message)[:62] for w in caught] == [
        "`X` has 1 column(s) far from unit scale (column(s) 0; column 0"
    ]
    assert "has mean 0 and standard deviation 1e+300" in str(caught[0].message)


def test_resuming_says_that_a_new_lr_is_not_used(tmp_path):
    from neuronet.checkpoints import Checkpoint

    X, y = datasets.moons(60, noise=0.1, seed=0)
    path = tmp_path / "run.safetensors"
    first = MLP([2, 4, 2], output="softmax", seed=0)
    first.fit(X, y, epochs=2, lr=0.01, callbacks=[Checkpoint(path)], verbose=0)
    for schedule in (None, "cosine"):
        again = MLP([2, 4, 2], output="softmax", seed=0)
        again.fit(
            X, y, epochs=2, lr=0.01, schedule=schedule, callbacks=[Checkpoint(path)], verbose=0
        )
        same = MLP([2, 4, 2], output="softmax", seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the same lr as the run: nothing to say
            same.fit(X, y, epochs=4, lr=0.01, schedule=schedule, resume_from=path, verbose=0)
        other = MLP([2, 4, 2], output="softmax", seed=0)
        with pytest.warns(
            UserWarning, match=r"`lr`=0.5 is not used when resuming .* began with 0.01"
        ):
            other.fit(X, y, epochs=4, lr=0.5, schedule=schedule, resume_from=path, verbose=0)
        np.testing.assert_array_equal(other.parameters, same.parameters)


def test_resuming_with_other_sample_weights_is_refused(tmp_path):
    from neuronet.checkpoints import Checkpoint

    X, y = datasets.moons(60, noise=0.1, seed=0)
    weight = np.linspace(0.5, 2.0, 60)
    path = tmp_path / "run.safetensors"
    MLP([2, 4, 2], output="softmax", seed=0).fit(
        X, y, epochs=2, sample_weight=weight, callbacks=[Checkpoint(path)], verbose=0
    )
    same = MLP([2, 4, 2], output="softmax", seed=0)
    assert same.fit(X, y, epochs=3, sample_weight=weight, resume_from=path, verbose=0).epochs
    for other in (None, weight[::-1].copy()):
        with pytest.raises(ValueError, match=r"other arguments or data \(sample_weight="):
            MLP([2, 4, 2], output="softmax", seed=0).fit(
                X, y, epochs=3, sample_weight=other, resume_from=path, verbose=0
            )


def test_a_trained_network_on_tiny_batches_is_not_taken_for_a_runaway():
    # The starting loss is measured on BASELINE_SAMPLES samples, not on one batch of one: a
    # first sample the trained network gets right (a loss near 0) must not make an ordinary
    # epoch look like a loss that ran away.
    X, y = datasets.moons(300, noise=0.2, seed=0)
    net = MLP([2, 16, 16, 2], activation="tanh", output="softmax", seed=0)
    net.fit(X, y, epochs=60, lr=0.02, verbose=0)
    per_sample = [net.compute_loss(X[i : i + 1], y[i : i + 1]) for i in range(len(X))]
    easiest = int(np.argmin(per_sample))  # first; the rest in a random order
    rest = np.random.default_rng(0).permutation(np.delete(np.arange(len(X)), easiest))
    order = np.concatenate([[easiest], rest])
    assert net.compute_loss(X, y) > training.RUNAWAY_FACTOR * per_sample[order[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        history = net.fit(
            X[order], y[order], epochs=2, batch_size=1, lr=1e-4, shuffle=False, verbose=0
        )
    assert not history.diverged and history.epochs == 2
    # ... while a real runaway on tiny batches is still caught.
    fresh = MLP([2, 16, 2], output="softmax", seed=0)
    with pytest.warns(DivergenceWarning, match="ran away"):
        assert fresh.fit(X, y, epochs=5, batch_size=1, lr=1e5, verbose=0).diverged


def test_a_trained_network_keeps_no_training_data():
    # Each layer keeps its input only from the forward pass to the backward one: after fit,
    # the network must not hold L-BFGS's whole (converted) training set.
    import gc
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 200))  # float64: fit works on a float32 copy, 16 MB
    y = (X[:, 0] > 0).astype(int)
    net = MLP([200, 8, 2], output="softmax", seed=0)
    MLP([200, 8, 2], output="softmax").fit(X, y, epochs=1, optimizer="lbfgs", verbose=0)
    tracemalloc.start()  # after a first fit's imports (and the compiled kernels, if any)
    try:
        before = tracemalloc.get_traced_memory()[0]
        net.fit(X, y, epochs=3, optimizer="lbfgs", verbose=0)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < X.size * 4 / 2, f"{held / 1e6:.1f} MB still held"


def test_a_second_fit_of_a_trained_network_is_not_a_runaway():
    # The first fit ends near a loss of 0; a fresh Adam at the same rate jolts it to an
    # ordinary loss of 0.01, which is 100 times "the loss at the start" but far below an
    # uninformed guess's, the floor of that yardstick.
    from conftest import require

    sk_datasets = require("sklearn.datasets")
    X, y = sk_datasets.load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    net = MLP([30, 64, 2], output="softmax", seed=0)
    first = net.fit(X, y, epochs=200, lr=0.01, verbose=0)
    assert first.history["loss"][-1] < 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        second = net.fit(X, y, epochs=10, lr=0.01, verbose=0)
    assert not second.diverged and second.epochs == 10


def test_an_uninformed_guess_scores_the_entropy_or_the_variance():
    from neuronet import losses

    y = np.array([0, 0, 1, 2, 2, 2])
    classifier = MLP([2, 4, 3], output="softmax")
    p = np.bincount(y) / len(y)
    assert classifier.head.constant_guess_loss(y) == pytest.approx(-(p * np.log(p)).sum())
    values = np.array([[1.0], [2.0], [4.0], [9.0]], np.float32)
    regressor = MLP([2, 4, 1])
    half = 0.5  # neuronet's MSE is half the squared error
    assert regressor.head.constant_guess_loss(values) == pytest.approx(
        half * values.var(), rel=1e-6
    )
    weights = np.array([1.0, 1.0, 1.0, 3.0])
    mean = np.average(values[:, 0], weights=weights)
    expected = np.average((values[:, 0] - mean) ** 2, weights=weights)
    assert regressor.head.constant_guess_loss(values, weights) == pytest.approx(
        half * expected, rel=1e-6
    )
    flags = np.array([[0.0], [1.0], [1.0], [1.0]], np.float32)
    binary = losses.Head(activations.get("sigmoid"), losses.get("binary_cross_entropy"), 1)
    q = 0.75
    assert binary.constant_guess_loss(flags) == pytest.approx(
        -(q * np.log(q) + (1 - q) * np.log(1 - q)), rel=1e-5
    )


def test_raw_scikit_learn_data_sets_are_named_far_from_unit_scale():
    # Breast cancer's largest column has mean 881 and wine's proline 747: unscaled, SGD
    # settles on the majority class. The diabetes target (mean 152) leaves it on the mean.
    from conftest import require

    sk_datasets = require("sklearn.datasets")
    for load, column in ((sk_datasets.load_breast_cancer, 23), (sk_datasets.load_wine, 12)):
        X, y = load(return_X_y=True)
        net = MLP([X.shape[1], 8, len(set(y))], output="softmax", seed=0)
        with pytest.warns(UserWarning, match=rf"`X` has .* far from unit scale .*column {column}"):
            net.fit(X, y, epochs=1, verbose=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # standardised: nothing to say
            MLP([X.shape[1], 8, len(set(y))], output="softmax", seed=0).fit(
                (X - X.mean(axis=0)) / X.std(axis=0), y, epochs=1, verbose=0
            )
    X, y = sk_datasets.load_diabetes(return_X_y=True)
    with pytest.warns(UserWarning, match=r"`y` has 1 column\(s\) far from unit scale .* mean 152"):
        MLP([10, 8, 1], seed=0).fit(X, y, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLP([10, 8, 1], seed=0).fit(X, (y - y.mean()) / y.std(), epochs=1, verbose=0)
