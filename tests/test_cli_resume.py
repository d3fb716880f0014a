"""``neuronet train --checkpoint/--resume`` and Ctrl-C: a run interrupted on the command line
saves what it has (exit code 130) and, resumed from its checkpoint, ends exactly where the
uninterrupted run does."""

import json
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import load, training
from neuronet.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, app

pd = require("pandas")

runner = CliRunner()
WIDE = {"COLUMNS": "400"}
OPTIONS = ["--target", "kind", "--hidden", "16", "--epochs", "150", "--seed", "3", "-q"]


@pytest.fixture
def table(tmp_path, rng):
    n = 1500
    x1, x2 = rng.normal(size=n).round(3), rng.normal(size=n).round(3)
    kind = np.where(x1 * x2 > 0, "same", "opposite")
    path = tmp_path / "signs.csv"
    pd.DataFrame({"x1": x1, "x2": x2, "kind": kind}).to_csv(path, index=False)
    return path


def neuronet(*args):
    return [sys.executable, "-m", "neuronet", *map(str, args)]


def test_ctrl_c_saves_the_model_exits_130_and_resume_ends_as_the_whole_run(tmp_path, table):
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "model.safetensors"
    child = subprocess.Popen(
        neuronet("train", table, *OPTIONS, "--checkpoint", ckpt, "--out", out),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ckpt.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ckpt.exists(), child.communicate()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert f"--resume {ckpt} --force" in stderr
    assert out.exists()  # the model trained so far
    stopped = load(out)

    result = runner.invoke(
        app, ["train", str(table), *OPTIONS, "--checkpoint", str(ckpt), "--out", str(out),
              "--resume", str(ckpt), "--force"], env=WIDE,
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    whole_out = tmp_path / "whole.safetensors"
    result = runner.invoke(app, ["train", str(table), *OPTIONS, "--out", str(whole_out)])
    assert result.exit_code == EXIT_OK, result.output
    resumed, whole = load(out), load(whole_out)
    assert not np.array_equal(stopped.parameters, whole.parameters)  # it did stop early
    np.testing.assert_array_equal(resumed.parameters, whole.parameters)


def test_a_checkpoint_that_does_not_fit_the_run_is_one_line(tmp_path, table):
    ckpt = tmp_path / "run.ckpt"
    short = ["--target", "kind", "--hidden", "4", "--epochs", "2", "-q"]
    args = ["train", str(table), *short, "--checkpoint", str(ckpt)]
    assert runner.invoke(app, [*args, "--out", str(tmp_path / "a")]).exit_code == EXIT_OK
    other = ["train", str(table), "--target", "kind", "--hidden", "8", "--epochs", "3", "-q"]
    result = runner.invoke(
        app, [*other, "--resume", str(ckpt), "--out", str(tmp_path / "b")], env=WIDE
    )
    assert result.exit_code == EXIT_FAILURE
    assert str(ckpt) in result.output and "Traceback" not in result.output
    assert not (tmp_path / "b").exists()


def test_a_plain_model_file_is_not_a_checkpoint(tmp_path, table):
    model = tmp_path / "m.safetensors"
    args = ["train", str(table), "--target", "kind", "--hidden", "4", "--epochs", "2", "-q"]
    assert runner.invoke(app, [*args, "--out", str(model)]).exit_code == EXIT_OK
    result = runner.invoke(
        app, [*args, "--resume", str(model), "--out", str(tmp_path / "b")], env=WIDE
    )
    assert result.exit_code == EXIT_FAILURE
    assert "without training state" in result.output


def test_checkpoint_options_are_checked_before_training(tmp_path, table):
    ckpt = tmp_path / "run.ckpt"
    ckpt.write_bytes(b"an older run")
    args = ["train", str(table), "--target", "kind", "--epochs", "2", "-q"]
    result = runner.invoke(app, [*args, "--checkpoint", str(ckpt)], env=WIDE)
    assert result.exit_code == EXIT_USAGE and "--checkpoint" in result.output
    assert "already exists" in result.output and ckpt.read_bytes() == b"an older run"
    same = tmp_path / "same.safetensors"
    result = runner.invoke(app, [*args, "--checkpoint", str(same), "--out", str(same)], env=WIDE)
    assert result.exit_code == EXIT_USAGE and "another file than --out" in result.output
    result = runner.invoke(app, [*args, "--resume", str(tmp_path)], env=WIDE)
    assert result.exit_code == EXIT_USAGE and "--resume" in result.output


def test_ctrl_c_with_json_still_prints_the_object(tmp_path, table):
    # The same path as above, driven in-process: a callback raises SIGINT after epoch 2.

    original = training.fit

    def fit(net, *args, callbacks=(), **kwargs):
        def interrupt(epoch, logs):
            if epoch == 1:
                signal.raise_signal(signal.SIGINT)

        return original(net, *args, callbacks=[*callbacks, interrupt], **kwargs)

    out = tmp_path / "m.safetensors"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "fit", fit)
        result = runner.invoke(app, ["train", str(table), *OPTIONS, "--out", str(out), "--json"])
    assert result.exit_code == EXIT_INTERRUPTED
    report = json.loads(result.stdout)
    assert report["interrupted"] is True and report["epochs"] == 2 and out.exists()


def test_lr_on_resume_is_a_note_and_the_model_records_the_rate_used(tmp_path, table):
    # --lr was silently ignored on resume while the model file recorded it as used.
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "model.safetensors"
    options = [*OPTIONS[: OPTIONS.index("--epochs")], "--epochs", "4", "--seed", "3", "-q"]
    first = runner.invoke(
        app, ["train", str(table), *options, "--checkpoint", str(ckpt), "--out", str(out)]
    )
    assert first.exit_code == EXIT_OK, first.output
    more = [*options[:-3], "--epochs", "6", "--seed", "3", "-q"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the library's UserWarning is not shown as such
        result = runner.invoke(
            app,
            [
                "train",
                str(table),
                *more,
                "--resume",
                str(ckpt),
                "--lr",
                "0.5",
                "--out",
                str(out),
                "--force",
            ],
            env=WIDE,
        )
    assert result.exit_code == EXIT_OK, result.output
    notes = [line for line in result.stderr.splitlines() if "--lr" in line]
    assert notes == [
        f"Note: --lr 0.5 is not used when resuming: the run goes on with the learning rate of "
        f"the run in {str(ckpt)!r} (0.01), as it would have without the interruption."
    ]
    assert "UserWarning" not in result.output
    options_used = load_options(out)
    assert options_used["lr"] == 0.01 and options_used["epochs"] == 6
    # Without --lr, no note.
    again = runner.invoke(
        app, ["train", str(table), *more, "--resume", str(ckpt), "--out", str(out), "--force"]
    )
    assert again.exit_code == EXIT_OK and "--lr" not in again.stderr


def load_options(path):
    from neuronet import io

    return io.read(path).sections["training"].metadata["options"]
