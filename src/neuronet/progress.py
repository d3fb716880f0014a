r"""Progress reports for the training loop: one line, bar or notebook cell per epoch.

:class:`ProgressReport` picks its form from where the output goes, when its ``with`` block
starts:

=====================  ==============================  ====================================
output                 ``verbose=1``                   ``verbose=2``
=====================  ==============================  ====================================
interactive terminal   a live rich bar; the metrics    the same, plus one line per epoch
                       on a line of their own          printed above the bar
Jupyter notebook       one output line updated in      the same, plus one line per epoch
                       place (no ipywidgets needed)    printed below it
pipe, file, CI log     complete lines for the first    exactly one complete line per epoch
                       epoch, every tenth of the run
                       and the last epoch
=====================  ==============================  ====================================

``verbose=0`` writes nothing anywhere. Metrics are never cut to fit a width: a line longer
than the terminal wraps, and plain lines carry no control characters. rich is imported only
when something is shown, IPython only inside a running notebook kernel.

>>> import io
>>> out = io.StringIO()
>>> with ProgressReport(2, epochs=3, file=out) as report:
...     for epoch in range(3):
...         report.epoch_end(epoch, {"loss": 0.5 / (epoch + 1), "accuracy": 0.8, "lr": 0.01})
>>> print(out.getvalue(), end="")
epoch 1/3  loss 0.5  accuracy 0.8  lr 0.01
epoch 2/3  loss 0.25  accuracy 0.8  lr 0.01
epoch 3/3  loss 0.1667  accuracy 0.8  lr 0.01
"""

from __future__ import annotations

import html
import math
import numbers
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

from ._validation import check_positive_int

__all__ = ["ProgressReport", "check_verbose", "format_metrics"]

# How many evenly spaced epochs a piped ``verbose=1`` run reports between the first and the
# last: enough to see the loss fall in a CI log, few enough to read at a glance.
PIPED_LINES = 10

# A notebook redraws its output for every update message; at a millisecond per epoch that is
# thousands of messages a second, so updates closer together than this are skipped (the
# state at the end is always shown).
NOTEBOOK_MIN_INTERVAL = 0.2

# Seconds since an arbitrary start; a module attribute so that tests can stand in a fake clock
# instead of sleeping.
_clock: Callable[[], float] = time.monotonic


def check_verbose(verbose: object) -> int:
    """``verbose`` as an int 0, 1 or 2, or a clear TypeError/ValueError.

    ``True`` and ``False`` are accepted as 1 and 0: unlike ``epochs=True``, ``verbose=False``
    says exactly what it means, and it is what scikit-learn users type.

    >>> check_verbose(2)
    2
    >>> check_verbose(False)
    0
    >>> check_verbose(3)
    Traceback (most recent call last):
    ValueError: `verbose` must be 0, 1 or 2, got 3.
    >>> check_verbose("1")
    Traceback (most recent call last):
    TypeError: `verbose` must be 0, 1 or 2, got '1' of type str.
    """
    if not isinstance(verbose, numbers.Integral):
        raise TypeError(
            f"`verbose` must be 0, 1 or 2, got {verbose!r} of type {type(verbose).__name__}."
        )
    level = int(verbose)
    if level not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 0, 1 or 2, got {level!r}.")
    return level


def format_metrics(logs: Mapping[str, float]) -> str:
    """The metrics of one epoch as ``"name value"`` pairs, in the order given.

    Values get four significant digits, the learning rate two; NaN and infinite values are
    left out (L-BFGS has no learning rate and reports NaN).

    >>> format_metrics({"loss": 0.014523, "accuracy": 0.98333, "lr": 0.01})
    'loss 0.01452  accuracy 0.9833  lr 0.01'
    >>> format_metrics({"loss": 2.5, "lr": float("nan")})
    'loss 2.5'
    """
    return "  ".join(_metric_pairs(logs))


def _metric_pairs(logs: Mapping[str, float]) -> list[str]:
    # Kept as pairs so that a terminal can wrap between metrics, never inside one.
    return [
        f"{key} {value:.2g}" if key == "lr" else f"{key} {value:.4g}"
        for key, value in logs.items()
        if math.isfinite(value)
    ]


class ProgressReport:
    r"""Reports training progress once per epoch, in the form the output can show.

    Parameters
    ----------
    verbose : {0, 1, 2}
        0 writes nothing; 1 a live bar in a terminal or notebook (a few complete lines when
        piped); 2 also one line per epoch. See the module docstring for the full table.
    epochs : int
        The number of epochs planned; training may stop earlier.
    file : file-like, optional
        Where to write; ``sys.stdout`` as it is when the ``with`` block starts (so redirected
        or captured output is respected). Only standard output is shown as a notebook cell.

    Notes
    -----
    Use it as a context manager and call :meth:`epoch_end` after each epoch. Leaving the block
    early (early stopping, an exception) still shows the last epoch reached, so a piped log
    always ends with the final metrics.

    Examples
    --------
    A piped ``verbose=1`` run of 30 epochs reports epoch 1, every third epoch and the end:

    >>> import io
    >>> out = io.StringIO()
    >>> with ProgressReport(1, epochs=30, file=out) as report:
    ...     for epoch in range(30):
    ...         report.epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
    >>> print(out.getvalue(), end="")
    epoch  1/30  loss 1
    epoch  3/30  loss 0.3333
    epoch  6/30  loss 0.1667
    epoch  9/30  loss 0.1111
    epoch 12/30  loss 0.08333
    epoch 15/30  loss 0.06667
    epoch 18/30  loss 0.05556
    epoch 21/30  loss 0.04762
    epoch 24/30  loss 0.04167
    epoch 27/30  loss 0.03704
    epoch 30/30  loss 0.03333
    """

    def __init__(self, verbose: int, epochs: int, *, file: IO[str] | None = None) -> None:
        self.verbose = check_verbose(verbose)
        self.epochs = check_positive_int(epochs, "epochs")
        self.file = file
        self._view: _View | None = None
        self._entered = False

    def __enter__(self) -> ProgressReport:
        self._entered = True
        if self.verbose == 0:
            return self
        if self.file is None and _in_notebook():
            self._view = _NotebookView(self.verbose, self.epochs, sys.stdout, _notebook_display())
        else:
            out = sys.stdout if self.file is None else self.file
            console = _console(out)
            if console.is_interactive:
                self._view = _TerminalView(self.verbose, self.epochs, console)
            else:
                self._view = _PlainView(self.verbose, self.epochs, out)
        self._view.start()
        return self

    def epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Show that epoch ``epoch`` (counted from 0) ended with metrics ``logs``."""
        if not self._entered:
            # A report outside its block would silently show nothing, or leave a live display
            # that nothing stops; say so at once instead.
            raise RuntimeError("ProgressReport.epoch_end was called outside its `with` block.")
        if self._view is not None:
            self._view.epoch_end(epoch + 1, _metric_pairs(logs))

    def __exit__(self, *exc: object) -> None:
        self._entered = False
        if self._view is not None:
            view, self._view = self._view, None
            view.stop(*exc)


def _counter(done: int, epochs: int) -> str:
    # Padded to the width of `epochs`, so the metrics of a piped log line up in columns.
    return f"epoch {done:>{len(str(epochs))}}/{epochs}"


def _line(done: int, epochs: int, pairs: list[str]) -> str:
    return "  ".join([_counter(done, epochs), *pairs])


# --- the three forms ---------------------------------------------------------------------------


class _View:
    """One way of showing progress; ``done`` counts finished epochs from 1."""

    def __init__(self, verbose: int, epochs: int) -> None:
        self.verbose = verbose
        self.epochs = epochs

    def start(self) -> None:
        """Called as the ``with`` block starts."""

    def epoch_end(self, done: int, pairs: list[str]) -> None:
        raise NotImplementedError

    def stop(self, *exc: object) -> None:
        """Called as the ``with`` block ends, also when it ends with an exception."""


class _PlainView(_View):
    """Complete lines, no control characters: for pipes, files and CI logs."""

    def __init__(self, verbose: int, epochs: int, out: IO[str]) -> None:
        super().__init__(verbose, epochs)
        self.out = out
        # Report epoch 1, then every `step`-th: about PIPED_LINES evenly spaced epochs.
        self.step = max(1, math.ceil(epochs / PIPED_LINES))
        self._pending: str | None = None  # the latest line not yet written

    def epoch_end(self, done: int, pairs: list[str]) -> None:
        line = _line(done, self.epochs, pairs)
        if self.verbose >= 2 or done == 1 or done % self.step == 0 or done == self.epochs:
            self._write(line)
            self._pending = None
        else:
            self._pending = line

    def stop(self, *exc: object) -> None:
        # Training that stopped early ends on an epoch the schedule above skipped; the log
        # should still end with the final metrics.
        if self._pending is not None:
            self._write(self._pending)
            self._pending = None

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        # Flushed per line so that `tail -f` on a log shows each epoch as it ends.
        flush = getattr(self.out, "flush", None)
        if flush is not None:
            flush()


class _TerminalView(_View):
    """A live rich bar with the metrics on a line of their own below it."""

    def __init__(self, verbose: int, epochs: int, console: Any) -> None:
        super().__init__(verbose, epochs)
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.table import Column

        view = self

        class _Bar(Progress):
            def get_renderables(self) -> Any:
                yield self.make_tasks_table(self.tasks)
                # Below the bar rather than beside it, so the bar never pushes the metrics
                # off the edge.
                if view.metrics.pairs:
                    yield view.metrics

        self.metrics = _Wrapped("", [])  # replaced whole, so the refresh thread reads either
        counter_width = len(_counter(epochs, epochs))
        self._bar = _Bar(
            # The counter keeps its full width on any terminal; the bar and the time shrink.
            TextColumn(
                "{task.fields[counter]}",
                table_column=Column(no_wrap=True, min_width=counter_width),
            ),
            BarColumn(bar_width=40, table_column=Column(ratio=1, min_width=1)),
            TimeRemainingColumn(elapsed_when_finished=True),
            console=console,
        )
        self._task = self._bar.add_task("training", total=epochs, counter=_counter(0, epochs))

    def start(self) -> None:
        self._bar.start()

    def epoch_end(self, done: int, pairs: list[str]) -> None:
        counter = _counter(done, self.epochs)
        self.metrics = _Wrapped("", pairs)
        self._bar.update(self._task, completed=min(done, self.epochs), counter=counter)
        if self.verbose >= 2:
            # Printed above the live bar.
            self._bar.console.print(_Wrapped(counter, pairs))

    def stop(self, *exc: object) -> None:
        self._bar.stop()


class _Wrapped:
    """A rich renderable: ``prefix`` then the metric pairs, wrapped between pairs only.

    Continuation lines are indented under the first pair, so a wrapped epoch line still reads
    as one epoch; a single pair wider than the terminal is folded rather than cut.
    """

    def __init__(self, prefix: str, pairs: list[str]) -> None:
        self.prefix, self.pairs = prefix, pairs

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text  # already imported: rich is rendering this

        width = options.max_width
        indent = " " * (len(self.prefix) + 2) if self.prefix else ""
        if len(indent) > width // 2:
            indent = ""  # on a very narrow terminal the indent would leave no room
        lines: list[str] = []
        line = self.prefix
        for pair in self.pairs:
            joined = f"{line}  {pair}" if line else pair
            if len(joined) <= width or line.strip() == "":
                line = joined
            else:
                lines.append(line)
                line = indent + pair
        lines.append(line)
        for text in lines:
            yield Text(text, overflow="fold", no_wrap=False)


class _NotebookView(_View):
    """One notebook output updated in place through a display handle: no ipywidgets."""

    def __init__(
        self, verbose: int, epochs: int, out: IO[str], display: Callable[..., Any]
    ) -> None:
        super().__init__(verbose, epochs)
        self.out = out
        self.display = display
        self._handle: Any = None
        self._shown_at = -math.inf
        self._latest = _NotebookLine(0, epochs, [])
        self._latest_shown = True

    def start(self) -> None:
        self._handle = self.display(self._latest, display_id=True)
        self._shown_at = _clock()

    def epoch_end(self, done: int, pairs: list[str]) -> None:
        self._latest = _NotebookLine(done, self.epochs, pairs)
        self._latest_shown = False
        now = _clock()
        if done == self.epochs or now - self._shown_at >= NOTEBOOK_MIN_INTERVAL:
            self._show(now)
        if self.verbose >= 2:
            # Printed text goes below the display, which keeps its place at the top.
            print(_line(done, self.epochs, pairs), file=self.out)

    def stop(self, *exc: object) -> None:
        if not self._latest_shown:
            self._show(_clock())

    def _show(self, now: float) -> None:
        if self._handle is not None:
            self._handle.update(self._latest)
        self._latest_shown, self._shown_at = True, now


class _NotebookLine:
    """What the notebook shows: a native HTML ``<progress>`` bar, with a text fallback."""

    def __init__(self, done: int, epochs: int, pairs: list[str]) -> None:
        self.done, self.epochs, self.pairs = done, epochs, pairs

    def _repr_html_(self) -> str:
        # Each pair unbreakable and the line pre-wrap: a narrow output area wraps between
        # metrics, never inside one, and never cuts the line.
        spans = "".join(
            f'  <span style="white-space: nowrap">{html.escape(pair)}</span>'
            for pair in self.pairs
        )
        return (
            '<div style="font-family: monospace; white-space: pre-wrap">'
            f'<progress value="{self.done}" max="{self.epochs}" style="width: 16em"></progress>'
            f" {html.escape(_counter(self.done, self.epochs))}{spans}</div>"
        )

    def __repr__(self) -> str:
        filled = round(20 * self.done / self.epochs)
        bar = "#" * filled + "-" * (20 - filled)
        return f"[{bar}] {_line(self.done, self.epochs, self.pairs)}"


# --- where the output goes (tests replace these) ---------------------------------------------


def _in_notebook() -> bool:
    """Whether this process is a Jupyter (or Colab) kernel, detected as rich does."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        # A kernel has always imported IPython by now; not importing it keeps scripts fast.
        return False
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    if shell is None:
        return False
    return (
        type(shell).__name__ == "ZMQInteractiveShell"
        or "google.colab" in str(type(shell))
        or bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))
    )


def _notebook_display() -> Callable[..., Any]:
    """IPython's ``display``, whose ``display_id=True`` returns a handle to update in place."""
    from IPython.display import display

    return display


def _console(out: IO[str]) -> Any:
    """A rich Console on ``out``; ``is_interactive`` decides between a live bar and lines."""
    from rich.console import Console

    console = Console(file=out)
    # rich counts FORCE_COLOR as "a terminal", right for colour but not for a display redrawn
    # with cursor movements: CI logs set FORCE_COLOR and cannot redraw. So unless rich's own
    # switch TTY_INTERACTIVE says otherwise, only a real terminal gets the live bar.
    if (
        console.is_interactive
        and os.environ.get("TTY_INTERACTIVE") not in ("0", "1")
        and not _isatty(out)
    ):
        console = Console(file=out, force_interactive=False)
    return console


def _isatty(out: IO[str]) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False
