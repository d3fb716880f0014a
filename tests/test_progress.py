"""Tests for neuronet.progress: each form of output, fed fake terminals and notebooks.

Nothing here needs a real terminal, IPython or a clock: a rich Console on a StringIO stands in
for the terminal, a recording ``display`` for the notebook, a counter for the clock.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import sys
import types
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from neuronet import progress
from neuronet.progress import ProgressReport, check_verbose, format_metrics

# The widest logs training produces: a classifier with a validation set.
LOGS = {
    "loss": 0.014523,
    "accuracy": 0.98333,
    "val_loss": 0.0234567,
    "val_accuracy": 0.98125,
    "lr": 0.001,
}
PAIRS = ["loss 0.01452", "accuracy 0.9833", "val_loss 0.02346", "val_accuracy 0.9812", "lr 0.001"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # rich's switch would turn every StringIO into a live terminal; tests set it themselves.
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)


def run(report: ProgressReport, epochs: int, logs: dict[str, float] = LOGS) -> None:
    with report:
        for epoch in range(epochs):
            report.epoch_end(epoch, logs)


def terminal(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    # Both sizes and force_interactive: under TERM=dumb (some CI) rich would otherwise ignore
    # the width and switch the live display off.
    console = Console(
        file=out,
        width=width,
        height=25,
        force_terminal=True,
        force_interactive=True,
        color_system=None,
    )
    return console, out


# --- check_verbose ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (1, 1), (2, 2), (np.int64(2), 2), (True, 1), (False, 0)]
)
def test_check_verbose_accepts_0_1_2_and_bools(value: object, expected: int) -> None:
    level = check_verbose(value)
    assert level == expected
    assert type(level) is int


@pytest.mark.parametrize("value", [3, -1, 10])
def test_check_verbose_refuses_other_integers(value: int) -> None:
    with pytest.raises(ValueError, match=rf"^`verbose` must be 0, 1 or 2, got {value}\.$"):
        check_verbose(value)


@pytest.mark.parametrize("value", [1.0, "1", None, [1]])
def test_check_verbose_refuses_non_integers(value: object) -> None:
    with pytest.raises(TypeError, match=r"`verbose` must be 0, 1 or 2, got .* of type"):
        check_verbose(value)


def test_report_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match=r"`verbose` must be 0, 1 or 2, got 3\."):
        ProgressReport(3, 10)
    with pytest.raises(ValueError, match="`epochs`"):
        ProgressReport(1, 0)


def test_epoch_end_outside_the_block_is_an_error() -> None:
    report = ProgressReport(1, 5, file=io.StringIO())
    with pytest.raises(RuntimeError, match="outside its `with` block"):
        report.epoch_end(0, LOGS)


# --- format_metrics -----------------------------------------------------------------------------


def test_format_metrics_keeps_every_metric_in_order() -> None:
    assert format_metrics(LOGS) == "  ".join(PAIRS)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_format_metrics_skips_non_finite_values(bad: float) -> None:
    # L-BFGS reports lr as NaN; a diverging loss is infinite.
    assert format_metrics({"loss": 0.5, "lr": bad}) == "loss 0.5"
    assert format_metrics({"loss": bad, "accuracy": 0.25}) == "accuracy 0.25"


def test_format_metrics_without_lr_and_with_numpy_floats() -> None:
    assert format_metrics({"loss": np.float64(1.23456)}) == "loss 1.235"
    assert format_metrics({}) == ""


# --- verbose=0 ----------------------------------------------------------------------------------


def test_verbose_0_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    run(ProgressReport(0, 50, file=out), 50)
    run(ProgressReport(0, 50), 50)
    assert out.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def test_rich_is_imported_only_when_something_is_shown() -> None:
    code = (
        "import io, sys, neuronet\n"
        "from neuronet.progress import ProgressReport\n"
        "with ProgressReport(0, 3) as r:\n"
        "    r.epoch_end(0, {'loss': 1.0})\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'rich'], 'rich at verbose=0'\n"
        "with ProgressReport(1, 3, file=io.StringIO()) as r:\n"
        "    r.epoch_end(0, {'loss': 1.0})\n"
        "assert 'rich' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- piped output: complete lines, nothing else -------------------------------------------------


def test_piped_verbose_2_is_one_complete_line_per_epoch() -> None:
    out = io.StringIO()
    run(ProgressReport(2, 300, file=out), 300)
    lines = out.getvalue().splitlines()
    # Today's rich output wrapped each of these onto two lines at 80 columns (602 in all).
    assert len(lines) == 300
    for epoch, line in enumerate(lines, start=1):
        assert line == f"epoch {epoch:>3}/300  " + "  ".join(PAIRS)


def test_piped_verbose_1_prints_first_ten_evenly_spaced_and_last() -> None:
    out = io.StringIO()
    run(ProgressReport(1, 300, file=out), 300)
    text = out.getvalue()
    assert not set(text) & {"\x1b", "\r", "…"}  # no bar, no control characters, no cuts
    shown = [1, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300]
    assert text.splitlines() == [f"epoch {n:>3}/300  " + "  ".join(PAIRS) for n in shown]


@pytest.mark.parametrize("epochs", [1, 2, 10])
def test_piped_verbose_1_short_runs_show_every_epoch(epochs: int) -> None:
    out = io.StringIO()
    run(ProgressReport(1, epochs, file=out), epochs)
    assert len(out.getvalue().splitlines()) == epochs


def test_piped_verbose_1_ends_with_the_epoch_training_stopped_at() -> None:
    # Early stopping after 37 of 300 epochs: epoch 37 is not on the schedule, but a log that
    # ends at epoch 30 would hide the final metrics.
    out = io.StringIO()
    report = ProgressReport(1, 300, file=out)
    run(report, 37, {"loss": 0.25})
    assert out.getvalue().splitlines()[-1] == "epoch  37/300  loss 0.25"


def test_piped_report_shows_the_last_epoch_when_training_raises() -> None:
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt), ProgressReport(1, 300, file=out) as report:
        for epoch in range(5):
            report.epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
        raise KeyboardInterrupt
    assert out.getvalue().splitlines() == ["epoch   1/300  loss 1", "epoch   5/300  loss 0.2"]


def test_file_none_writes_to_stdout_as_it_is_at_enter(capsys: pytest.CaptureFixture[str]) -> None:
    run(ProgressReport(2, 3), 3, {"loss": 0.5})
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"epoch {n}/3  loss 0.5" for n in (1, 2, 3)]
    assert captured.err == ""


def test_force_color_alone_does_not_make_a_pipe_live(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI systems set FORCE_COLOR; rich then calls any file a terminal, but a log cannot redraw.
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    out = io.StringIO()
    run(ProgressReport(1, 20, file=out), 20)
    assert "\x1b" not in out.getvalue()
    assert len(out.getvalue().splitlines()) == 11


def test_tty_interactive_1_asks_for_the_live_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    assert progress._console(io.StringIO()).is_interactive


# --- a terminal: the live bar -------------------------------------------------------------------


def final_frame(text: str, n_lines: int) -> list[str]:
    """The last ``n_lines`` lines a terminal shows once the live display has stopped.

    Each redraw returns to the start of the line and moves up over the previous frame; what
    follows the last carriage return of a line is what stays on screen.
    """
    lines = ANSI.sub("", text).rstrip("\n").split("\n")
    return [line.rsplit("\r", 1)[-1] for line in lines[-n_lines:]]


@pytest.mark.parametrize("verbose", [1, 2])
def test_terminal_80_columns_keeps_counter_and_metrics_whole(
    monkeypatch: pytest.MonkeyPatch, verbose: int
) -> None:
    console, out = terminal(80)
    monkeypatch.setattr(progress, "_console", lambda file: console)
    run(ProgressReport(verbose, 300), 300)
    bar, metrics = final_frame(out.getvalue(), 2)
    assert bar.startswith("epoch 300/300 ━")
    # Today's bar put metrics beside it and cut them: "ep… loss 0.01452 … lr 0.0…".
    assert metrics == "  ".join(PAIRS)
    assert "…" not in ANSI.sub("", out.getvalue())


def test_terminal_verbose_2_lines_wrap_between_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    console, out = terminal(80)
    monkeypatch.setattr(progress, "_console", lambda file: console)
    run(ProgressReport(2, 300), 300)
    text = ANSI.sub("", out.getvalue())
    # The epoch line (93 characters) continues under its first metric on a second line.
    first = "epoch 300/300  loss 0.01452  accuracy 0.9833  val_loss 0.02346"
    assert f"{first}\n{' ' * 15}val_accuracy 0.9812  lr 0.001\n" in text
    for epoch in range(1, 301):
        assert f"epoch {epoch:>3}/300  loss 0.01452" in text


def test_narrow_terminal_shrinks_the_bar_not_the_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    console, out = terminal(30)
    monkeypatch.setattr(progress, "_console", lambda file: console)
    run(ProgressReport(1, 300), 300)
    bar, *metrics = final_frame(out.getvalue(), 4)
    assert bar.startswith("epoch 300/300 ━")
    assert all(len(line) <= 30 for line in metrics)
    # Wrapped between metrics: every line is whole pairs, together all of them in order.
    assert [pair for line in metrics for pair in line.split("  ")] == PAIRS


# --- a notebook: one output updated in place ----------------------------------------------------


class FakeHandle:
    def __init__(self) -> None:
        self.updates: list[Any] = []

    def update(self, obj: Any) -> None:
        self.updates.append(obj)


class FakeDisplay:
    """Records what IPython's ``display(obj, display_id=True)`` would have been given."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        self.handle = FakeHandle()

    def __call__(self, obj: Any, **kwargs: Any) -> FakeHandle:
        self.calls.append((obj, kwargs))
        return self.handle


class FakeClock:
    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def notebook(monkeypatch: pytest.MonkeyPatch) -> FakeDisplay:
    display = FakeDisplay()
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(progress, "_notebook_display", lambda: display)
    monkeypatch.setattr(progress, "_clock", FakeClock(step=1.0))  # every update is due
    return display


def test_notebook_updates_one_output_in_place(
    notebook: FakeDisplay, capsys: pytest.CaptureFixture[str]
) -> None:
    run(ProgressReport(1, 300), 300)
    # Today: rich's "install ipywidgets" warning twice, then nothing. Now: one display, updated.
    assert len(notebook.calls) == 1
    first, kwargs = notebook.calls[0]
    assert kwargs == {"display_id": True}
    assert "epoch   0/300" in repr(first)
    assert len(notebook.handle.updates) == 300
    last = notebook.handle.updates[-1]
    html = last._repr_html_()
    assert '<progress value="300" max="300"' in html
    assert all(pair in html for pair in PAIRS)
    assert repr(last) == "[" + "#" * 20 + "] epoch 300/300  " + "  ".join(PAIRS)
    assert capsys.readouterr() == ("", "")  # nothing printed around it, no warnings


def test_notebook_verbose_2_also_prints_one_line_per_epoch(
    notebook: FakeDisplay, capsys: pytest.CaptureFixture[str]
) -> None:
    run(ProgressReport(2, 20), 20, {"loss": 0.5})
    assert capsys.readouterr().out.splitlines() == [
        f"epoch {n:>2}/20  loss 0.5" for n in range(1, 21)
    ]
    assert len(notebook.handle.updates) == 20


def test_notebook_updates_are_throttled_but_the_end_is_shown(
    notebook: FakeDisplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A clock that never moves: every epoch comes too soon after the last update.
    monkeypatch.setattr(progress, "_clock", FakeClock(step=0.0))
    run(ProgressReport(1, 300), 37, {"loss": 0.25})  # stopped early, at epoch 37
    assert [repr(u) for u in notebook.handle.updates] == [
        "[##------------------] epoch  37/300  loss 0.25"
    ]


def test_notebook_html_is_escaped(notebook: FakeDisplay) -> None:
    run(ProgressReport(1, 2), 2, {"<b>loss": 1.0})
    html = notebook.handle.updates[-1]._repr_html_()
    assert "&lt;b&gt;loss 1" in html
    assert "<b>" not in html


def test_an_explicit_file_is_written_even_in_a_notebook(notebook: FakeDisplay) -> None:
    out = io.StringIO()
    run(ProgressReport(2, 3, file=out), 3, {"loss": 0.5})
    assert notebook.calls == []
    assert len(out.getvalue().splitlines()) == 3


# --- notebook detection -------------------------------------------------------------------------


def fake_ipython(monkeypatch: pytest.MonkeyPatch, shell_class: str | None) -> None:
    module = types.ModuleType("IPython")
    shell = None if shell_class is None else type(shell_class, (), {})()
    module.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", module)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)


@pytest.mark.parametrize(
    ("shell_class", "expected"),
    [("ZMQInteractiveShell", True), ("TerminalInteractiveShell", False), (None, False)],
)
def test_notebook_detection(
    monkeypatch: pytest.MonkeyPatch, shell_class: str | None, expected: bool
) -> None:
    fake_ipython(monkeypatch, shell_class)
    assert progress._in_notebook() is expected


def test_no_notebook_without_ipython_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert progress._in_notebook() is False
