r"""Checkpoints: save a training run whole, and resume it exactly where it was.

A checkpoint is a model file (:mod:`neuronet.io`) with one more section, ``training_state``, that
holds everything :func:`~neuronet.training.fit` needs to go on besides the weights (a
:class:`~neuronet.training.TrainingState`): the optimizer's state (Adam's moments and step
count), the schedule's, the random generator's (shuffling and dropout draw from it), the
epoch and History so far, and the early-stopping and divergence counters. So

- ``neuronet.load(path)`` reads a checkpoint as the network it holds, like any model file;
- ``fit(..., resume_from=path)`` continues the run, and the weights after the last epoch
  are bit for bit those of a run that was never stopped, even one killed outright
  (SIGKILL, a power cut): every file is written atomically, so the last one on disk is
  always whole.

The section is plain JSON plus arrays (no pickle): a float that is not finite is written as
``{"float": "inf"}`` (JSON has no infinity), and each History series as a float64 array.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from neuronet import MLP, datasets, training
>>> X, y = datasets.moons(200, noise=0.1, seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "run.safetensors")
>>> whole = MLP([2, 8, 2], output="softmax", dropout=0.1, seed=0)
>>> _ = training.fit(whole, X, y, epochs=6, schedule="cosine", verbose=0)

The same run stopped after 3 epochs (here by a callback; Ctrl-C or a crash alike), then
resumed from its checkpoint:

>>> stop_after_3 = lambda epoch, logs: epoch == 2
>>> first = MLP([2, 8, 2], output="softmax", dropout=0.1, seed=0)
>>> _ = training.fit(first, X, y, epochs=6, schedule="cosine", verbose=0,
...                  callbacks=[Checkpoint(path), stop_after_3])
>>> again = MLP([2, 8, 2], output="softmax", dropout=0.1, seed=0)
>>> history = training.fit(again, X, y, epochs=6, schedule="cosine", verbose=0,
...                        resume_from=path)
>>> history.epochs, bool((again.parameters == whole.parameters).all())
(6, True)
"""

from __future__ import annotations

import math
import os
import re
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import io, training
from .training import Callback, History, TrainingState

if TYPE_CHECKING:
    from .network import MLP

__all__ = [
    "SECTION",
    "Checkpoint",
    "check_network",
    "check_path",
    "copy_weights",
    "existing_paths",
    "read",
    "restore",
    "save",
    "started_lr",
]

#: The name of the model-file section that holds the training state.
SECTION = "training_state"
#: The layout of that section that this version writes and reads.
STATE_VERSION = 1


class Checkpoint(Callback):
    r"""Save the network and the whole training state during :func:`~neuronet.training.fit`.

    After every ``every``-th epoch (counted from 1, so ``every=5`` saves epochs 5, 10, ...)
    the network and its :class:`~neuronet.training.TrainingState` are written to ``path``
    atomically: the previous file stays whole until the new one is safely on disk. Resume
    with ``fit(..., resume_from=path)``; read the network alone with ``neuronet.load(path)``.

    The semantics are those of Keras's ``ModelCheckpoint`` (with the optimizer's state
    always saved, as its ``BackupAndRestore`` does, so that a run resumes exactly). Only
    whole epochs are saved: a run stopped by Ctrl-C part-way through an epoch resumes from
    the last epoch saved. The files are kept when training ends.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. It may hold ``str.format`` fields filled with the epoch (from 1)
        and the epoch's metrics, to keep one file per epoch:
        ``"run-{epoch:03d}-{val_loss:.3f}.safetensors"``; without fields, each save replaces
        the last.
    every : int, default=1
        Save every ``every`` epochs (every ``every`` iterations for L-BFGS).
    best_only : bool, default=False
        Save only when the monitored metric improves on the best seen at a save so far (for a
        run resumed from a checkpoint, the best in the History it holds), so the file holds
        the best epoch's state, from which a run can also be resumed.
    monitor : str, default="val_loss"
        The metric ``best_only`` compares: a key of the epoch's logs (``"loss"``,
        ``"val_loss"``, ``"val_accuracy"``...). Absent from the logs (no validation set, for
        ``"val_loss"``), it is an error when ``best_only`` is set.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better; ``"auto"`` takes higher for a metric whose name
        ends in ``"accuracy"``, lower for anything else (a loss).
    sections : mapping of str to neuronet.io.Section, optional
        More sections to store in every file (the command line's preprocessing, say); the
        name ``"training_state"`` is taken.

    Attributes
    ----------
    last_path : pathlib.Path or None
        The file written last, None before the first save.
    best : float
        The best value of ``monitor`` at a save so far (for ``best_only``).

    Examples
    --------
    >>> import os, tempfile
    >>> from neuronet import MLP, datasets, load
    >>> X, y = datasets.moons(200, noise=0.1, seed=0)
    >>> folder = tempfile.mkdtemp()
    >>> keep = Checkpoint(os.path.join(folder, "epoch-{epoch}.safetensors"), every=2)
    >>> net = MLP([2, 8, 2], output="softmax", seed=0)
    >>> _ = net.fit(X, y, epochs=5, verbose=0, callbacks=[keep])
    >>> sorted(os.listdir(folder)), keep.last_path.name
    (['epoch-2.safetensors', 'epoch-4.safetensors'], 'epoch-4.safetensors')
    >>> load(keep.last_path).sizes
    [2, 8, 2]
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        every: int = 1,
        best_only: bool = False,
        monitor: str = "val_loss",
        mode: str = "auto",
        sections: Mapping[str, io.Section] | None = None,
    ) -> None:
        from ._validation import check_bool, check_positive_int

        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"`path` must be a str or os.PathLike, got {path!r}.")
        self.path = path
        self.every = check_positive_int(every, "every")
        self.best_only = check_bool(best_only, "best_only")
        if not isinstance(monitor, str):
            raise TypeError(
                f"`monitor` must be a metric name such as 'val_loss', got {monitor!r}."
            )
        self.monitor = monitor
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"`mode` must be 'auto', 'min' or 'max', got {mode!r}.")
        self.mode = mode
        self.sections = dict(sections or {})
        if SECTION in self.sections:
            raise ValueError(
                f"`sections` must not use the name {SECTION!r}: the checkpoint writes its "
                f"training state there."
            )
        self.last_path: Path | None = None
        self._higher = mode == "max" or (mode == "auto" and monitor.endswith("accuracy"))
        self.best = -math.inf if self._higher else math.inf
        self._net: MLP | None = None

    def __repr__(self) -> str:
        return (
            f"Checkpoint({str(self.path)!r}, every={self.every}, best_only={self.best_only}, "
            f"monitor={self.monitor!r})"
        )

    def _improves(self, value: float) -> bool:
        return value > self.best if self._higher else value < self.best

    def on_train_begin(self, net: MLP) -> None:
        self._net = net
        # A resumed run: the best so far is in the History the checkpoint brought back.
        for value in self.training_state().history.history.get(self.monitor, []):
            if self._improves(value):
                self.best = value

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        if (epoch + 1) % self.every:
            return None
        if self.best_only:
            if self.monitor not in logs:
                raise ValueError(
                    f"Checkpoint(best_only=True) monitors {self.monitor!r}, which is not among "
                    f"the metrics of this run ({', '.join(logs)}); give fit a validation set "
                    f"or choose monitor= one of those."
                )
            value = logs[self.monitor]
            if not self._improves(value):
                return None
            self.best = value
        if self._net is None:
            raise RuntimeError("Checkpoint.on_train_begin(net) was not called before saving.")
        path = Path(self._format(epoch, logs))
        save(path, self._net, self.training_state(), sections=self.sections)
        self.last_path = path
        return None

    def _format(self, epoch: int, logs: dict[str, float]) -> str:
        text = os.fspath(self.path)
        if "{" not in text:
            return text
        try:
            return text.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(
                f"`path` {text!r} of Checkpoint names a field this run does not have or "
                f"formats it wrongly ({err!r}); the fields are epoch and "
                f"{', '.join(logs)}."
            ) from None


def _fields(path: str) -> list[str]:
    """The names of ``path``'s ``str.format`` fields; ValueError for a malformed template."""
    names = []
    for _, name, spec, _ in string.Formatter().parse(path):
        if name is None:
            continue
        if "{" in (spec or ""):
            raise ValueError("a field's format nests another field")
        names.append(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def check_path(path: str | os.PathLike[str], metrics: Iterable[str]) -> None:
    """Raise ValueError unless ``path`` is a template a :class:`Checkpoint` can fill.

    Its ``str.format`` fields must be ``epoch`` (an integer) or among ``metrics`` (floats:
    the keys of the run's logs), each with a format that suits its value. A run checks this
    before training, so that a typo is not found after the first epoch.

    Examples
    --------
    >>> check_path("run-{epoch:03d}-{val_loss:.3f}.safetensors", ["loss", "val_loss"])
    >>> check_path("run-{foo}.safetensors", ["loss"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: 'run-{foo}.safetensors' names the field 'foo', which this run does not have; ...
    """
    text = os.fspath(path)
    if "{" not in text:
        return  # written as it is (Checkpoint formats only a path with a field)
    metrics = list(metrics)
    known = ", ".join(["epoch", *metrics])
    try:
        names = _fields(text)
    except ValueError as err:
        raise ValueError(
            f"{text!r} is not a valid template ({err}); write a field as {{epoch}} or "
            f"{{epoch:03d}}, and a brace itself as {{{{ or }}}}."
        ) from None
    for name in names:
        if name != "epoch" and name not in metrics:
            shown = repr(name) if name else "{} (no name)"
            raise ValueError(
                f"{text!r} names the field {shown}, which this run does not have; the fields "
                f"are {known}."
            )
    if names:
        try:
            text.format(epoch=1, **dict.fromkeys(metrics, 0.5))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError) as err:
            raise ValueError(
                f"{text!r} formats a field wrongly ({err}); the epoch is an integer "
                f"({{epoch:03d}}), the metrics are numbers ({{val_loss:.3f}})."
            ) from None


class _Marker:
    """Formats as its marker whatever the format or conversion: a value not known yet."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __format__(self, spec: str) -> str:
        return self.marker

    def __repr__(self) -> str:  # {loss!r} and {loss!s} too
        return self.marker

    __str__ = __repr__


_EPOCH, _METRIC = "\x01", "\x00"
#: What a metric's field can become: a number as ``format`` writes one.
_NUMBER = r"[-+0-9.,_eE%]+|[-+]?(?:inf|nan)"


def existing_paths(
    path: str | os.PathLike[str], epochs: Iterable[int], metrics: Iterable[str] = ()
) -> list[Path]:
    """The files that exist among those ``path`` would be filled to for ``epochs``.

    ``epochs`` are counted from 1, as :class:`Checkpoint` fills ``{epoch}``. A field of a
    metric (``{val_loss:.3f}``) stands for any number, since its value is not known before
    the epoch. ``path`` is assumed valid (:func:`check_path`). Each folder is listed once
    and each file in it matched once, however many epochs.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "run-002-0.41.ckpt").write_bytes(b"")
    >>> _ = (folder / "run-002-best.ckpt").write_bytes(b"")  # no number: not this run's
    >>> template = folder / "run-{epoch:03d}-{loss:.2f}.ckpt"
    >>> [p.name for p in existing_paths(template, range(1, 4), ["loss"])]
    ['run-002-0.41.ckpt']
    """
    text = os.fspath(path)
    if "{" not in text:  # written as it is
        return [Path(text)] if Path(text).exists() else []
    metrics = list(metrics)
    wanted = set(epochs)
    filled = Path(text.format(epoch=_Marker(_EPOCH), **{m: _Marker(_METRIC) for m in metrics}))
    if _EPOCH in str(filled.parent) or _METRIC in str(filled.parent):
        # A field in a folder's name: fill the epochs one by one.
        found: dict[Path, None] = {}
        for epoch in sorted(wanted):
            one = Path(text.format(epoch=epoch, **{m: _Marker(_METRIC) for m in metrics}))
            for match in _matches(one.parent, one.name, wanted):
                found[match] = None
        return list(found)
    return _matches(filled.parent, filled.name, wanted)


def _matches(folder: Path, name: str, epochs: set[int]) -> list[Path]:
    """The files of ``folder`` whose names fit ``name`` (with its markers) for ``epochs``."""
    try:
        names = sorted(os.listdir(folder)) if folder.is_dir() else []
    except OSError:
        names = []
    if _EPOCH not in name and _METRIC not in name:
        return [folder / name] if name in names else []
    parts = re.split(f"([{_EPOCH}{_METRIC}])", name)
    regex = "".join(
        "([0-9]+)" if part == _EPOCH else f"(?:{_NUMBER})" if part == _METRIC else re.escape(part)
        for part in parts
    )
    pattern = re.compile(regex, re.DOTALL)
    found = []
    for candidate in names:
        match = pattern.fullmatch(candidate)
        if match and all(int(group) in epochs for group in match.groups()):
            found.append(folder / candidate)
    return found


def started_lr(path: str | os.PathLike[str]) -> float | None:
    """The learning rate a checkpoint's run began with: its schedule's first, else its
    optimizer's (the rate ``fit(resume_from=path)`` goes on from); None if it has none
    (L-BFGS) or the file holds no training state. Reads the file's header only.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    neuronet.ModelFileError
        If it is not a model file.
    """
    meta = io.read_metadata(path).sections.get(SECTION)
    if not isinstance(meta, dict):
        return None
    meta = _decode(meta)
    return training.started_lr(meta.get("optimizer"), meta.get("schedule"))


# --- the file ---------------------------------------------------------------------------------


def save(
    path: str | os.PathLike[str],
    net: MLP,
    state: TrainingState,
    *,
    sections: Mapping[str, io.Section] | None = None,
) -> None:
    """Write ``net`` and its training ``state`` to ``path`` atomically (see :func:`io.save`).

    Parameters
    ----------
    path : str or os.PathLike
        The file; one written by :func:`save` is a model file that also resumes a run.
    net : MLP
        The network, whose weights are those of the state's last epoch.
    state : TrainingState
        What :meth:`Callback.training_state` returns during ``fit``.
    sections : mapping of str to neuronet.io.Section, optional
        More sections to store beside it; the name ``"training_state"`` is taken.
    """
    extra = dict(sections or {})
    if SECTION in extra:
        raise ValueError(f"`sections` must not use the name {SECTION!r}: it holds the state.")
    extra[SECTION] = _to_section(state)
    io.save(net, path, sections=extra)


def read(path: str | os.PathLike[str]) -> tuple[io.SavedModel, TrainingState]:
    """Read a checkpoint: the model file's contents and the training state it holds.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    neuronet.ModelFileError
        If the file is not a valid model file, or its training section is malformed.
    ValueError
        If it is a model file without training state (one written by ``net.save``).
    """
    saved = io.read(path)
    section = saved.sections.get(SECTION)
    if section is None:
        raise ValueError(
            f"{os.fspath(path)!r} is a model file without training state (it was not written "
            f"by a Checkpoint), so there is no run to resume. To train on from its weights, "
            f"load it (net = neuronet.load(path)) and call net.fit(...) without resume_from."
        )
    try:
        state = _from_section(section)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise io.ModelFileError(
            f"Cannot resume from {os.fspath(path)!r}: its training state is malformed: {err!r}"
        ) from None
    return saved, state


def restore(path: str | os.PathLike[str], net: MLP) -> TrainingState:
    """Put a checkpoint's weights into ``net`` and return its training state.

    What ``fit(..., resume_from=path)`` does first (it checks its own arguments too before
    changing anything). ``net`` must have the architecture the checkpoint was written for;
    if it has no classes yet, it takes the checkpoint's.

    Raises
    ------
    ValueError
        If ``net`` differs from the checkpoint's network (the message names the file and
        what differs), or the file holds no training state.

    Examples
    --------
    >>> import os, tempfile
    >>> from neuronet import MLP, datasets, training
    >>> X, y = datasets.moons(100, seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "run.safetensors")
    >>> net = MLP([2, 4, 2], output="softmax", seed=0)
    >>> _ = training.fit(net, X, y, epochs=3, verbose=0, callbacks=[Checkpoint(path)])
    >>> state = restore(path, MLP([2, 4, 2], output="softmax"))
    >>> state.history.epochs, state.optimizer["class"], state.optimizer["t"]
    (3, 'Adam', 12)
    >>> restore(path, MLP([2, 5, 2], output="softmax"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: Cannot resume from '...': it was written for another network (sizes [2, 4, 2] ...
    """
    saved, state = read(path)
    check_network(path, net, saved.net)
    copy_weights(saved.net, net)
    return state


def check_network(path: str | os.PathLike[str], net: MLP, saved: MLP) -> None:
    """Raise a ValueError naming ``path`` and what differs unless ``net`` is ``saved``'s twin.

    Twins have the same :meth:`MLP.get_config`, except that a network without classes yet
    matches any.
    """
    mine, theirs = net.get_config(), saved.get_config()
    if mine["classes"] is None:
        mine["classes"] = theirs["classes"]
    differ = [
        f"{key} {theirs.get(key)!r} there, {mine.get(key)!r} here"
        for key in sorted(set(mine) | set(theirs))
        if mine.get(key) != theirs.get(key)
    ]
    if differ:
        raise ValueError(
            f"Cannot resume from {os.fspath(path)!r}: it was written for another network "
            f"({'; '.join(differ)})."
        )


def copy_weights(source: MLP, target: MLP) -> None:
    """Copy every array a model file keeps (weights, biases, norms' statistics...) in place."""
    for theirs, mine in zip(source.dense_layers, target.dense_layers, strict=True):
        targets = mine.tensors()
        for name, array in theirs.tensors().items():
            targets[name][...] = array
    if target.classes is None and source.classes is not None:
        target.classes = source.classes


# --- the training section: JSON and arrays ------------------------------------------------------


def _to_section(state: TrainingState) -> io.Section:
    history = state.history
    keys = list(history.history)
    arrays: dict[str, np.ndarray[Any, Any]] = {
        f"history.{i}": np.asarray(history.history[key], dtype=np.float64)
        for i, key in enumerate(keys)
    }
    arrays["best_params"] = state.best_params
    optimizer = dict(state.optimizer)
    for key, array in optimizer.pop("state").items():
        arrays[f"optimizer.{key}"] = array
    metadata = {
        "version": STATE_VERSION,
        "epochs": state.epochs,
        "history": {
            "keys": keys,
            "epochs": history.epochs,
            "best_epoch": history.best_epoch,
            "stopped_early": history.stopped_early,
            "diverged": history.diverged,
            "interrupted": history.interrupted,
            "stop_reason": history.stop_reason,
        },
        "optimizer": optimizer,
        "schedule": state.schedule,
        "rng": state.rng,
        "rng_start": state.rng_start,
        "settings": state.settings,
        "best": state.best,
        "wait": state.wait,
        "initial_loss": state.initial_loss,
        "rising": state.rising,
    }
    return io.Section(_encode(metadata), arrays)


def _from_section(section: io.Section) -> TrainingState:
    meta, arrays = _decode(section.metadata), section.arrays
    if meta["version"] != STATE_VERSION:
        raise ValueError(
            f"training state version {meta['version']!r}; this neuronet reads {STATE_VERSION}"
        )
    h = meta["history"]
    history = History(
        history={key: arrays[f"history.{i}"].tolist() for i, key in enumerate(h["keys"])},
        epochs=int(h["epochs"]),
        best_epoch=h["best_epoch"],
        stopped_early=bool(h["stopped_early"]),
        diverged=bool(h["diverged"]),
        stop_reason=str(h["stop_reason"]),
        interrupted=bool(h["interrupted"]),
    )
    optimizer = dict(meta["optimizer"])
    optimizer["state"] = {
        key[len("optimizer.") :]: array
        for key, array in arrays.items()
        if key.startswith("optimizer.")
    }
    return TrainingState(
        epochs=int(meta["epochs"]),
        history=history,
        optimizer=optimizer,
        schedule=meta["schedule"],
        rng=meta["rng"],
        rng_start=meta["rng_start"],
        settings=meta["settings"],
        best=float(meta["best"]),
        wait=int(meta["wait"]),
        best_params=arrays["best_params"],
        initial_loss=float(meta["initial_loss"]),
        rising=int(meta["rising"]),
    )


def _encode(value: Any) -> Any:
    """``value`` with every float that JSON cannot hold (inf, NaN) as ``{"float": "inf"}``."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"float"} and isinstance(value["float"], str):
            return float(value["float"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value
