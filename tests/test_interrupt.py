"""Ctrl-C during fit: stop after the batch in progress, return normally, restore the handler."""

import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from neuronet import MLP, Callback, datasets, optimizers, training

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(scope="module")
def moons():
    return datasets.moons(160, noise=0.1, seed=0)


def interrupt_on_call(net, call):
    """Make ``net.train_step`` send SIGINT to this process during its ``call``-th call."""
    original = net.train_step
    calls = [0]

    def train_step(*args, **kwargs):
        calls[0] += 1
        if calls[0] == call:
            # Mid-batch: the forward and backward passes of this batch are still to come.
            signal.raise_signal(signal.SIGINT)
        return original(*args, **kwargs)

    net.train_step = train_step
    return calls


def test_ctrl_c_stops_after_the_batch_in_progress_with_consistent_weights(moons):
    X, y = moons
    n_batches = 5  # 160 samples in batches of 32
    net = MLP([2, 8, 2], output="softmax", dropout=0.1, seed=0)
    interrupt_on_call(net, n_batches + 3)  # the third batch of the second epoch
    opt = optimizers.Adam(lr=0.01)
    history = training.fit(net, X, y, epochs=50, batch_size=32, optimizer=opt, verbose=0)
    assert history.interrupted and not history.stopped_early and not history.diverged
    assert history.stop_reason == "interrupted"
    assert history.epochs == 1  # the part of epoch 2 is not recorded
    assert opt.t == n_batches + 3  # whole batches only: the interrupted one completed

    # The same updates by other means: one epoch of fit, then three batches by hand, in the
    # order fit shuffles them, with the same optimizer object going on from its state.
    twin = MLP([2, 8, 2], output="softmax", dropout=0.1, seed=0)
    opt2 = optimizers.Adam(lr=0.01)
    training.fit(twin, X, y, epochs=1, batch_size=32, optimizer=opt2, verbose=0)
    X32, y_arr = twin.prepare(X, y)
    order = twin.rng.permutation(len(X32))
    for start in range(0, 3 * 32, 32):
        rows = order[start : start + 32]
        twin.train_step(X32[rows], y_arr[rows])
        opt2.step(twin.parameters, twin.gradients)
    assert opt2.t == opt.t
    np.testing.assert_array_equal(net.parameters, twin.parameters)


def test_ctrl_c_with_batches_equals_a_run_of_that_many_batches(moons):
    X, y = moons
    X = X.astype(np.float32)
    batches = [(X[i : i + 16], y[i : i + 16]) for i in range(0, len(X), 16)]  # 10 batches

    def endless():
        while True:
            yield from batches

    net = MLP([2, 8, 2], output="softmax", seed=0)
    interrupt_on_call(net, 8)
    opt = optimizers.SGD(lr=0.1, momentum=0.9)
    history = training.fit(net, endless(), epochs=10, steps_per_epoch=5, optimizer=opt, verbose=0)
    assert history.interrupted and history.epochs == 1 and opt.t == 8
    assert history.stop_reason == "interrupted"

    twin = MLP([2, 8, 2], output="softmax", seed=0)
    opt2 = optimizers.SGD(lr=0.1, momentum=0.9)
    training.fit(twin, endless(), epochs=1, steps_per_epoch=8, optimizer=opt2, verbose=0)
    np.testing.assert_array_equal(net.parameters, twin.parameters)


class SendAt(Callback):
    """Sends SIGINT ``times`` times at the end of epoch ``epoch``; records the handler seen."""

    def __init__(self, epoch, times=1):
        self.epoch, self.times, self.handlers = epoch, times, []

    def on_epoch_end(self, epoch, logs):
        self.handlers.append(signal.getsignal(signal.SIGINT))
        if epoch == self.epoch:
            for _ in range(self.times):
                signal.raise_signal(signal.SIGINT)


def test_ctrl_c_between_epochs_stops_after_that_epoch_and_restores_the_handler(moons):
    X, y = moons
    before = signal.getsignal(signal.SIGINT)
    sender = SendAt(epoch=2)
    net = MLP([2, 8, 2], output="softmax", seed=0)
    history = net.fit(X, y, epochs=20, verbose=0, callbacks=[sender])
    assert history.epochs == 3 and history.interrupted
    assert history.stop_reason == "interrupted"
    assert "interrupted=True" in repr(history)
    assert sender.handlers[0] is not before  # fit's own, while it runs
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_aborts_at_once(moons):
    X, y = moons
    before = signal.getsignal(signal.SIGINT)
    net = MLP([2, 8, 2], output="softmax", seed=0)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y, epochs=20, verbose=0, callbacks=[SendAt(epoch=1, times=2)])
    assert signal.getsignal(signal.SIGINT) is before


def test_the_handler_is_restored_when_fit_fails(moons):
    X, y = moons
    before = signal.getsignal(signal.SIGINT)

    def fail(epoch, logs):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        MLP([2, 4, 2], output="softmax", seed=0).fit(X, y, epochs=3, verbose=0, callbacks=[fail])
    assert signal.getsignal(signal.SIGINT) is before


def test_an_ignored_sigint_stays_ignored(moons):
    X, y = moons
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        sender = SendAt(epoch=0)
        history = MLP([2, 4, 2], output="softmax", seed=0).fit(
            X, y, epochs=3, verbose=0, callbacks=[sender]
        )
    finally:
        signal.signal(signal.SIGINT, before)
    assert sender.handlers == [signal.SIG_IGN] * 3
    assert history.epochs == 3 and not history.interrupted


def test_outside_the_main_thread_signals_are_left_alone(moons):
    X, y = moons
    sender = SendAt(epoch=-1)  # never sends: only records the handler
    result = {}

    def train():
        net = MLP([2, 4, 2], output="softmax", seed=0)
        result["history"] = net.fit(X, y, epochs=2, verbose=0, callbacks=[sender])

    thread = threading.Thread(target=train)
    thread.start()
    thread.join()
    assert sender.handlers == [signal.default_int_handler] * 2
    assert result["history"].epochs == 2


def test_ctrl_c_stops_lbfgs_after_the_iteration_in_progress(moons):
    X, y = moons
    net = MLP([2, 8, 2], activation="tanh", output="softmax", seed=0)
    history = net.fit(X, y, epochs=100, optimizer="lbfgs", verbose=0, callbacks=[SendAt(4)])
    assert history.interrupted and history.epochs == 5
    assert history.stop_reason == "interrupted"
    # The weights are those of that iteration: its recorded loss is theirs.
    assert net.compute_loss(X, y) == pytest.approx(history["loss"][-1], rel=1e-6)


SCRIPT = textwrap.dedent(
    """
    import sys
    from neuronet import MLP, datasets

    X, y = datasets.moons(2000, noise=0.2, seed=0)
    net = MLP([2, 64, 64, 2], output="softmax", seed=0)

    def tell(epoch, logs):
        if epoch == 0:
            print("started", flush=True)

    history = net.fit(X, y, epochs=100_000, batch_size=8, verbose=1, callbacks=[tell])
    print("stop_reason:", history.stop_reason, flush=True)
    print("epochs:", history.epochs, flush=True)
    """
)


@posix_only
def test_sigint_to_a_training_script_stops_it_cleanly(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    child = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in child.stdout:  # piped: complete progress lines, then ours
            lines.append(line)
            if line == "started\n":
                break
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    text = "".join(lines) + out
    tail = text.splitlines()
    assert tail[-2] == "stop_reason: interrupted"
    epochs = int(tail[-1].split(": ")[1])
    assert 1 <= epochs < 100_000
    # The progress report still ended with the last epoch recorded, as a complete line.
    progress = [line for line in tail if line.startswith("epoch ")]
    assert progress[-1].startswith(f"epoch {epochs:>6}/100000  loss ")


def test_ctrl_c_closes_the_live_bar_and_shows_the_cursor_again(moons, monkeypatch):
    import io

    from rich.console import Console

    from neuronet import progress

    out = io.StringIO()
    console = Console(
        file=out,
        width=80,
        height=25,
        force_terminal=True,
        force_interactive=True,
        color_system=None,
    )
    monkeypatch.setattr(progress, "_console", lambda file: console)
    X, y = moons
    net = MLP([2, 8, 2], output="softmax", seed=0)
    interrupt_on_call(net, 7)
    history = net.fit(X, y, epochs=50, verbose=1)
    assert history.interrupted
    text = out.getvalue()
    # rich hides the cursor while the bar is live and shows it again when the bar stops.
    assert "\x1b[?25l" in text and text.rstrip("\n").endswith("\x1b[?25h")
    assert "epoch  1/50" in text


def test_a_second_ctrl_c_goes_to_the_handler_that_was_there_before(moons):
    X, y = moons
    seen = []
    before = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        history = MLP([2, 4, 2], output="softmax", seed=0).fit(
            X, y, epochs=5, verbose=0, callbacks=[SendAt(epoch=1, times=2)]
        )
        mine = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, before)
    assert seen == [signal.SIGINT]  # the first was fit's, the second the application's
    assert history.interrupted and history.epochs == 2
    assert mine is not before and callable(mine)  # the application's own, restored
