"""Checkpoints and resuming: a resumed run is bit for bit the run that never stopped."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import neuronet
from neuronet import MLP, Callback, ModelFileError, checkpoints, datasets, io, optimizers, training
from neuronet.checkpoints import Checkpoint
from neuronet.schedules import ReduceOnPlateau

EPOCHS = 10


@pytest.fixture(scope="module")
def moons():
    return datasets.moons(120, noise=0.2, seed=0)


def stop_after(n):
    """A callback that stops the run after ``n`` epochs: a crash, as far as the file knows."""
    return lambda epoch, logs: epoch == n - 1


def train(X, y, *, net_kwargs=None, callbacks=(), resume_from=None, **fit_kwargs):
    net = MLP([2, 8, 2], output="softmax", seed=0, **(net_kwargs or {}))
    history = training.fit(
        net,
        X,
        y,
        epochs=fit_kwargs.pop("epochs", EPOCHS),
        batch_size=16,
        verbose=0,
        callbacks=list(callbacks),
        resume_from=resume_from,
        **fit_kwargs,
    )
    return net, history


def assert_same_run(net_a, history_a, net_b, history_b):
    np.testing.assert_array_equal(net_a.parameters, net_b.parameters)  # bit for bit
    assert history_a.history == history_b.history
    for key in ("epochs", "best_epoch", "stopped_early", "diverged", "stop_reason"):
        assert getattr(history_a, key) == getattr(history_b, key), key
    assert net_a.rng.bit_generator.state == net_b.rng.bit_generator.state


CASES = {
    "adam, dropout, cosine": ({"dropout": 0.2}, {"optimizer": "adam", "schedule": "cosine"}),
    "momentum, step": ({}, {"optimizer": "momentum", "lr": 0.05, "schedule": "step"}),
    "adam, early stopping": (
        {},
        {
            "optimizer": "adam",
            "lr": 0.01,
            "validation_split": 0.25,
            "early_stopping": True,
            "patience": 3,
            "epochs": 40,
        },
    ),
    "rmsprop, plateau": (
        {},
        {
            "optimizer": optimizers.RMSprop(momentum=0.5),
            "schedule": ReduceOnPlateau(patience=0, factor=0.5),
            "validation_split": 0.2,
        },
    ),
    "adamw, batch norm, l2": ({"norm": "batch"}, {"optimizer": "adamw", "l2": 1e-3}),
    "nesterov, weights": ({}, {"optimizer": "nesterov", "sample_weight": "ones"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_resuming_from_a_checkpoint_gives_the_uninterrupted_run(case, moons, tmp_path):
    X, y = moons
    net_kwargs, fit_kwargs = CASES[case]

    def kwargs():
        out = dict(fit_kwargs)
        for key in ("optimizer", "schedule"):  # objects carry state: a fresh one per run
            if not isinstance(out.get(key, ""), str):
                out[key] = type(out[key]).from_config(out[key].get_config())
        if out.get("sample_weight") == "ones":
            out["sample_weight"] = np.linspace(0.5, 1.5, len(X))
        return out

    whole, history = train(X, y, net_kwargs=net_kwargs, **kwargs())
    # Stop after epoch 6, and one epoch before the end (with early stopping, just before it
    # fires, when its count of epochs without improvement matters), then resume.
    for k in (6, history.epochs - 1):
        path = tmp_path / f"run{k}.safetensors"
        callbacks = [Checkpoint(path), stop_after(k)]
        train(X, y, net_kwargs=net_kwargs, callbacks=callbacks, **kwargs())
        assert checkpoints.read(path)[1].history.epochs == k
        resumed, again = train(X, y, net_kwargs=net_kwargs, resume_from=path, **kwargs())
        assert_same_run(resumed, again, whole, history)
    if case == "adam, early stopping":
        assert history.stopped_early and 6 < history.best_epoch + 1 < history.epochs < 40


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from neuronet import MLP, datasets, training
    from neuronet.checkpoints import Checkpoint

    path, optimizer, schedule, dropout = sys.argv[1:5]
    X, y = datasets.moons(120, noise=0.2, seed=0)
    net = MLP([2, 8, 2], output="softmax", dropout=float(dropout), seed=0)

    def kill_after_epoch_6(epoch, logs):
        if epoch == 5:  # its checkpoint is on disk: the Checkpoint callback came first
            os.kill(os.getpid(), signal.SIGKILL)

    training.fit(net, X, y, epochs=10, batch_size=16, optimizer=optimizer, schedule=schedule,
                 validation_split=0.25, early_stopping=True, patience=50, verbose=0,
                 callbacks=[Checkpoint(path), kill_after_epoch_6])
    print("not killed")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("optimizer", "schedule", "dropout"), [("adam", "cosine", 0.2), ("momentum", "step", 0.0)]
)
def test_a_run_killed_after_epoch_6_resumes_bit_identically(
    optimizer, schedule, dropout, moons, tmp_path
):
    script, path = tmp_path / "train.py", tmp_path / "run.safetensors"
    script.write_text(SCRIPT)
    child = subprocess.run(
        [sys.executable, str(script), str(path), optimizer, schedule, str(dropout)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "not killed" not in child.stdout
    assert [name for name in os.listdir(tmp_path) if name != "train.py"] == ["run.safetensors"]

    X, y = moons
    settings = dict(optimizer=optimizer, schedule=schedule, validation_split=0.25)
    settings.update(early_stopping=True, patience=50)
    net_kwargs = {"dropout": dropout}
    whole, history = train(X, y, net_kwargs=net_kwargs, **settings)
    resumed, resumed_history = train(X, y, net_kwargs=net_kwargs, resume_from=path, **settings)
    assert history.epochs == resumed_history.epochs == 10
    assert_same_run(resumed, resumed_history, whole, history)
    assert resumed.parameters.tobytes() == whole.parameters.tobytes()


# --- the file ---------------------------------------------------------------------------------


def test_a_checkpoint_is_a_model_file_with_the_whole_training_state(moons, tmp_path):
    X, y = moons
    path = tmp_path / "run.safetensors"
    opt = optimizers.Adam(lr=0.01)
    net, history = train(X, y, optimizer=opt, schedule="cosine", callbacks=[Checkpoint(path)])
    loaded = neuronet.load(path)  # the network alone, as from any model file
    np.testing.assert_array_equal(loaded.parameters, net.parameters)
    assert "training_state" in io.read_metadata(path).sections

    _, state = checkpoints.read(path)
    assert state.history.history == history.history and state.epochs == EPOCHS
    assert state.optimizer["class"] == "Adam" and state.optimizer["t"] == opt.t == 8 * EPOCHS
    np.testing.assert_array_equal(state.optimizer["state"]["m"], opt.state["m"])
    np.testing.assert_array_equal(state.optimizer["state"]["v"], opt.state["v"])
    assert state.optimizer["state"]["m"].dtype == np.float32
    assert state.schedule["class"] == "CosineAnnealing"
    assert state.schedule["state"]["t_max_"] == EPOCHS
    assert state.rng == net.rng.bit_generator.state
    assert state.settings["batch_size"] == 16 and state.settings["n_train"] == len(X)
    assert repr(state) == "TrainingState(epoch=10/10, optimizer=Adam, schedule=CosineAnnealing)"
    # JSON and arrays only: nothing in the file can run code when it is read.
    header = json.loads(path.read_bytes()[8 : 8 + int.from_bytes(path.read_bytes()[:8], "little")])
    assert "training_state" in json.loads(header["__metadata__"]["sections"])


def test_infinite_and_nan_floats_survive_the_json(moons, tmp_path):
    # Before its first step, ReduceOnPlateau's best is inf: JSON has no such number.
    X, y = moons
    path = tmp_path / "run.safetensors"
    train(X, y, schedule="plateau", epochs=1, callbacks=[Checkpoint(path)])
    assert checkpoints.read(path)[1].schedule["state"]["best"] == math.inf
    encoded = checkpoints._encode({"a": [math.nan, -math.inf, 1.5], "b": math.inf})
    assert json.loads(json.dumps(encoded, allow_nan=False)) == encoded
    decoded = checkpoints._decode(encoded)
    assert math.isnan(decoded["a"][0]) and decoded["a"][1:] == [-math.inf, 1.5]
    assert decoded["b"] == math.inf


def test_every_and_the_epoch_in_the_path(moons, tmp_path):
    X, y = moons
    keep = Checkpoint(tmp_path / "e{epoch:02d}-{loss:.3f}.safetensors", every=3)
    _, history = train(X, y, epochs=7, callbacks=[keep])
    names = sorted(os.listdir(tmp_path))
    assert names == [
        f"e03-{history['loss'][2]:.3f}.safetensors",
        f"e06-{history['loss'][5]:.3f}.safetensors",
    ]
    assert keep.last_path == tmp_path / names[1]
    assert checkpoints.read(keep.last_path)[1].history.epochs == 6


@pytest.mark.parametrize(("monitor", "better"), [("val_loss", min), ("val_accuracy", max)])
def test_best_only_saves_when_the_monitored_metric_improves(monitor, better, moons, tmp_path):
    X, y = moons
    keep = Checkpoint(tmp_path / "{epoch}.safetensors", best_only=True, monitor=monitor)
    _, history = train(X, y, lr=0.05, validation_split=0.3, callbacks=[keep])
    values = history[monitor]
    best, expected = None, []  # the epochs (from 1) that beat every epoch before them
    for epoch, value in enumerate(values, start=1):
        if best is None or better(value, best) != best:
            best = value
            expected.append(epoch)
    saved = sorted(int(name.split(".")[0]) for name in os.listdir(tmp_path))
    assert saved == expected and len(saved) >= 2
    assert keep.best == better(values)


def test_best_only_resumed_knows_the_best_so_far(moons, tmp_path):
    X, y = moons
    path = tmp_path / "run.safetensors"
    train(X, y, validation_split=0.3, callbacks=[Checkpoint(path), stop_after(4)])
    keep = Checkpoint(tmp_path / "best.safetensors", best_only=True)
    _, history = train(X, y, validation_split=0.3, resume_from=path, callbacks=[keep])
    assert keep.best == min(history["val_loss"])


def test_checkpoint_errors(moons, tmp_path):
    X, y = moons
    with pytest.raises(ValueError, match="'val_loss', which is not among the metrics"):
        train(X, y, callbacks=[Checkpoint(tmp_path / "a.safetensors", best_only=True)])
    with pytest.raises(ValueError, match=r"names a field this run does not have .*'val_loss'"):
        train(X, y, callbacks=[Checkpoint(tmp_path / "{val_loss}.safetensors")])
    with pytest.raises(ValueError, match="`mode` must be 'auto', 'min' or 'max', got 'up'"):
        Checkpoint(tmp_path / "a.safetensors", mode="up")
    with pytest.raises(ValueError, match="`every` must be"):
        Checkpoint(tmp_path / "a.safetensors", every=0)
    with pytest.raises(TypeError, match=r"`path` must be a str or os.PathLike, got 3"):
        Checkpoint(3)
    with pytest.raises(ValueError, match="must not use the name 'training_state'"):
        Checkpoint(tmp_path / "a.safetensors", sections={"training_state": io.Section()})
    with pytest.raises(RuntimeError, match="only available while fit"):
        Checkpoint(tmp_path / "a.safetensors").training_state()


def test_extra_sections_are_kept_and_no_temporary_file_is_left(moons, tmp_path):
    X, y = moons
    extra = io.Section({"columns": ["a", "b"]}, {"mean": np.array([1.0, 2.0])})
    path = tmp_path / "run.safetensors"
    train(X, y, callbacks=[Checkpoint(path, sections={"preprocessing": extra})])
    saved = io.read(path)
    assert saved.sections["preprocessing"].metadata == {"columns": ["a", "b"]}
    assert os.listdir(tmp_path) == ["run.safetensors"]


def test_any_callback_can_take_a_snapshot(moons):
    X, y = moons
    states = []

    class Snap(Callback):
        def on_epoch_end(self, epoch, logs):
            states.append(self.training_state())

    train(X, y, epochs=3, callbacks=[Snap()])
    # Copies: the first snapshot is not changed by the epochs after it.
    assert [s.history.epochs for s in states] == [1, 2, 3]
    assert states[0].optimizer["t"] == 8 and states[2].optimizer["t"] == 24
    assert not np.array_equal(states[0].optimizer["state"]["m"], states[2].optimizer["state"]["m"])


# --- resuming: what goes on, and what is refused ----------------------------------------------


def test_a_finished_run_can_be_extended_like_a_longer_run(moons, tmp_path):
    # Without a schedule nothing depends on the planned length: 10 epochs, then 5 more from
    # the checkpoint, are the 15-epoch run.
    X, y = moons
    path = tmp_path / "run.safetensors"
    train(X, y, callbacks=[Checkpoint(path)])
    longer, history = train(X, y, epochs=15)
    resumed, resumed_history = train(X, y, epochs=15, resume_from=path)
    assert_same_run(resumed, resumed_history, longer, history)


def test_resuming_a_run_that_stopped_early_trains_no_more(moons, tmp_path):
    X, y = moons
    path = tmp_path / "run.safetensors"
    settings = dict(lr=0.05, validation_split=0.25, early_stopping=True, patience=2, epochs=60)
    net, history = train(X, y, callbacks=[Checkpoint(path)], **settings)
    assert history.stopped_early
    resumed, resumed_history = train(X, y, resume_from=path, **settings)
    assert_same_run(resumed, resumed_history, net, history)  # the best weights, restored


def test_lbfgs_resumes_from_the_saved_weights(moons, tmp_path):
    X, y = moons
    path = tmp_path / "run.safetensors"
    _, history = train(
        X, y, optimizer="lbfgs", epochs=30, callbacks=[Checkpoint(path), stop_after(10)]
    )
    state = checkpoints.read(path)[1]
    assert state.optimizer == {
        "class": "LBFGS",
        "config": optimizers.LBFGS().get_config(),
        "state": {},
    }
    _, resumed_history = train(X, y, optimizer="lbfgs", epochs=30, resume_from=path)
    assert resumed_history["loss"][:10] == history["loss"][:10]
    assert 10 < resumed_history.epochs <= 30
    # It goes on from the saved weights and keeps going down, with a fresh curvature history.
    assert resumed_history["loss"][-1] < history["loss"][9]


def test_a_model_file_without_training_state_is_refused(moons, tmp_path):
    X, y = moons
    path = tmp_path / "plain.safetensors"
    MLP([2, 8, 2], output="softmax", seed=0).save(path)
    with pytest.raises(ValueError, match=r"plain.safetensors' is a model file without training"):
        train(X, y, resume_from=path)
    with pytest.raises(FileNotFoundError):
        train(X, y, resume_from=tmp_path / "missing.safetensors")


@pytest.fixture
def checkpoint(moons, tmp_path):
    X, y = moons
    path = tmp_path / "run.safetensors"
    train(X, y, lr=0.01, schedule="cosine", callbacks=[Checkpoint(path), stop_after(3)])
    return path


@pytest.mark.parametrize(
    ("net_kwargs", "fit_kwargs", "message"),
    [
        ({"sizes": [2, 16, 2]}, {}, r"another network \(sizes \[2, 8, 2\] there, \[2, 16, 2\]"),
        ({"activation": "tanh"}, {}, r"another network \(activations"),
        ({"dtype": "float64"}, {}, r"dtype 'float32' there, 'float64' here"),
        ({}, {"optimizer": "sgd"}, r"holds the state of Adam, but fit was given SGD\("),
        ({}, {"optimizer": optimizers.Adam(beta1=0.8)}, r"optimizer was Adam\(beta1=0.9"),
        ({}, {"schedule": None}, r"had CosineAnnealing\(t_max=None, min_lr=0.0\), but fit"),
        ({}, {"schedule": "step"}, r"had CosineAnnealing.*schedule=StepDecay"),
        ({}, {"batch_size": 8}, r"other arguments or data \(batch_size=16 there, 8 here\)"),
        ({}, {"l2": 0.1}, r"l2=0.0 there, 0.1 here"),
        ({}, {"rows": 100}, r"n_train=120 there, 100 here"),
        ({}, {"validation_split": 0.2}, r"validation_split=None there, 0.2 here"),
    ],
)
def test_a_checkpoint_that_does_not_match_is_refused(
    net_kwargs, fit_kwargs, message, checkpoint, moons
):
    X, y = moons
    settings = {"lr": 0.01, "schedule": "cosine", "batch_size": 16, **fit_kwargs}
    rows = settings.pop("rows", len(X))
    net = MLP(**{"sizes": [2, 8, 2], "output": "softmax", "seed": 0, **net_kwargs})
    before, rng_before = net.parameters.copy(), net.rng.bit_generator.state
    with pytest.raises(ValueError, match=message) as error:
        training.fit(net, X[:rows], y[:rows], verbose=0, resume_from=checkpoint, **settings)
    assert "Cannot resume from" in str(error.value) and "run.safetensors" in str(error.value)
    # Refused before any change: a network that will not resume can still train afresh.
    np.testing.assert_array_equal(net.parameters, before)
    assert net.rng.bit_generator.state == rng_before and net.classes is None


def test_a_malformed_training_section_is_a_model_file_error(tmp_path, moons):
    X, y = moons
    path = tmp_path / "odd.safetensors"
    io.save(
        MLP([2, 8, 2], output="softmax", seed=0),
        path,
        sections={"training_state": io.Section({"version": 1})},
    )
    with pytest.raises(ModelFileError, match=r"odd.safetensors'.*training state is malformed"):
        train(X, y, resume_from=path)


def test_a_resumed_run_diverges_where_the_whole_run_did(tmp_path):
    # The divergence checks compare with the untrained network's loss and count the epochs of
    # rising loss: both come back from the checkpoint. A rate raised 10 % per epoch makes the
    # loss rise 5 epochs in a row, in epoch 20.
    X, y = datasets.curve(64, seed=0)

    def run(callbacks=(), resume_from=None):
        net = MLP([1, 8, 1], activation="tanh", seed=0)
        opt = optimizers.SGD(lr=0.1)

        def faster(epoch, logs):  # before the Checkpoint, so that it saves the raised rate
            opt.lr *= 1.1

        history = training.fit(
            net,
            X,
            y,
            epochs=80,
            optimizer=opt,
            verbose=0,
            callbacks=[faster, *callbacks],
            resume_from=resume_from,
        )
        return net, history

    with pytest.warns(training.DivergenceWarning, match="rose 5 epochs in a row"):
        whole, history = run()
    for k in (history.epochs - 3, history.epochs - 1):
        path = tmp_path / f"run{k}.safetensors"
        run([Checkpoint(path), stop_after(k)])
        assert checkpoints.read(path)[1].rising > 0
        with pytest.warns(training.DivergenceWarning, match="rose 5 epochs in a row"):
            resumed, again = run(resume_from=path)
        assert_same_run(resumed, again, whole, history)


def test_labels_of_any_kind_and_batches_resume_exactly(moons, tmp_path):
    # A fresh network takes the checkpoint's classes; a list of batches (re-iterable: each
    # epoch is one pass over it) resumes exactly, since no random draw depends on it.
    X, y = moons
    labels = np.array(["left", "right"])[y]
    batches = [(X[i : i + 20], labels[i : i + 20]) for i in range(0, len(X), 20)]
    settings = dict(optimizer="adam", net_kwargs={"dropout": 0.2})
    whole, history = train(batches, None, **settings)
    assert whole.classes == ["left", "right"]
    path = tmp_path / "run.safetensors"
    train(batches, None, callbacks=[Checkpoint(path), stop_after(4)], **settings)
    assert checkpoints.read(path)[1].settings["n_train"] is None
    resumed, again = train(batches, None, resume_from=path, **settings)
    assert resumed.classes == ["left", "right"]
    assert_same_run(resumed, again, whole, history)


def test_other_classes_are_refused(moons, tmp_path):
    X, y = moons
    path = tmp_path / "run.safetensors"
    train(X, np.array(["a", "b"])[y], callbacks=[Checkpoint(path), stop_after(2)])
    with pytest.raises(ValueError, match=r"classes \['a', 'b'\] there, \['b', 'c'\] here"):
        train(X, np.array(["b", "c"])[y], net_kwargs={"classes": ["b", "c"]}, resume_from=path)


def test_training_without_checkpoints_never_imports_them():
    # `import neuronet` stays fast: checkpoints bring io (json, tempfile, safetensors).
    code = (
        "import sys, neuronet\n"
        "X, y = neuronet.datasets.xor(40, seed=0)\n"
        "neuronet.MLP([2, 4, 2], output='softmax', seed=0).fit(X, y, epochs=2, verbose=0)\n"
        "print(sorted(m for m in ('neuronet.io', 'neuronet.checkpoints') if m in sys.modules))\n"
        "neuronet.Checkpoint\n"
        "print('neuronet.checkpoints' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_the_network_method_resumes_too(tmp_path):
    # MLP.fit passes resume_from through to training.fit, the one loop.
    X, y = datasets.moons(120, noise=0.2, seed=0)
    path = tmp_path / "run.safetensors"
    first = MLP([2, 8, 2], output="softmax", seed=0)
    first.fit(X, y, epochs=4, verbose=0, callbacks=[Checkpoint(path), lambda e, logs: e == 1])
    resumed = MLP([2, 8, 2], output="softmax", seed=0)
    history = resumed.fit(X, y, epochs=4, verbose=0, resume_from=path)
    whole = MLP([2, 8, 2], output="softmax", seed=0)
    whole.fit(X, y, epochs=4, verbose=0)
    assert history.epochs == 4
    np.testing.assert_array_equal(resumed.parameters, whole.parameters)


# --- templates: checked before a run, and what they would overwrite ----------------------------


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("run-{foo}.ckpt", "names the field 'foo', which this run does not have"),
        ("run-{}.ckpt", "names the field {} (no name)"),
        ("run-{epoch:.3f}-{loss:d}.ckpt", "formats a field wrongly"),
        ("run-{epoch.ckpt", "is not a valid template"),
    ],
)
def test_check_path_refuses_a_template_the_run_cannot_fill(template, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        checkpoints.check_path(template, ["loss", "val_loss"])


def test_check_path_accepts_the_epoch_and_the_runs_metrics():
    checkpoints.check_path("run.ckpt", [])
    checkpoints.check_path("run-{epoch:03d}-{val_loss:.3f}-{{x}}.ckpt", ["loss", "val_loss"])


def test_existing_paths_lists_the_files_a_template_would_overwrite(tmp_path):
    for name in ("run-002.ckpt", "run-009.ckpt", "run-4-0.25.ckpt", "other.ckpt"):
        (tmp_path / name).write_bytes(b"")
    found = checkpoints.existing_paths(tmp_path / "run-{epoch:03d}.ckpt", range(1, 6))
    assert found == [tmp_path / "run-002.ckpt"]
    with_metric = tmp_path / "run-{epoch}-{loss:.2f}.ckpt"
    assert checkpoints.existing_paths(with_metric, range(1, 6), ["loss"]) == [
        tmp_path / "run-4-0.25.ckpt"
    ]
    assert checkpoints.existing_paths(tmp_path / "other.ckpt", range(1, 3)) == [
        tmp_path / "other.ckpt"
    ]
    assert checkpoints.existing_paths(tmp_path / "none-{epoch}.ckpt", range(1, 3)) == []


def test_started_lr_is_the_rate_the_checkpointed_run_began_with(tmp_path):
    X, y = datasets.moons(80, seed=0)
    path = tmp_path / "run.ckpt"
    net = MLP([2, 4, 2], output="softmax", seed=0)
    net.fit(X, y, epochs=2, lr=0.03, verbose=0, callbacks=[Checkpoint(path)])
    assert checkpoints.started_lr(path) == 0.03
    scheduled = tmp_path / "cosine.ckpt"
    net.fit(
        X, y, epochs=2, lr=0.2, schedule="cosine", verbose=0, callbacks=[Checkpoint(scheduled)]
    )
    assert checkpoints.started_lr(scheduled) == 0.2
    plain = tmp_path / "plain.safetensors"
    net.save(plain)
    assert checkpoints.started_lr(plain) is None


def test_existing_paths_as_checkpoint_writes_them(tmp_path):
    # Escaped braces are written as one; a path without a field is written as it is; a
    # metric stands for a number only; each file is listed once; {loss!r} is a field too.
    for name in ("m{1}.ckpt", "best-0.500.ckpt", "model-best.ckpt", "r-0.25.ckpt"):
        (tmp_path / name).write_bytes(b"")
    assert checkpoints.existing_paths(tmp_path / "m{{1}}.ckpt", range(1, 3)) == [
        tmp_path / "m{1}.ckpt"
    ]
    checkpoints.check_path(tmp_path / "n}.ckpt", ["loss"])  # no field: written as it is
    assert checkpoints.existing_paths(tmp_path / "n}.ckpt", range(1, 3)) == []
    best = tmp_path / "best-{val_loss:.3f}.ckpt"
    assert checkpoints.existing_paths(best, range(1, 4), ["val_loss"]) == [
        tmp_path / "best-0.500.ckpt"
    ]
    model = tmp_path / "model-{val_loss:.3f}.ckpt"
    assert checkpoints.existing_paths(model, range(1, 4), ["val_loss"]) == []
    assert checkpoints.existing_paths(tmp_path / "r-{loss!r}.ckpt", range(1, 3), ["loss"]) == [
        tmp_path / "r-0.25.ckpt"
    ]
    many = checkpoints.existing_paths(tmp_path / "run-{epoch}.ckpt", range(1, 100_001))
    assert many == []  # one pass over the folder, not one per epoch
