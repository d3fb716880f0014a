r"""The playground's sessions: settings, data, a network and its training, one per browser tab.

A :class:`Session` holds everything one page works with: its :class:`Settings`, the data (a
built-in data set from :mod:`neuronet.datasets`, or a CSV of the user's own, split into train
and test sets), an :class:`~neuronet.MLP` and the optimizer that trains it. Training is
neuronet's one training loop: each :meth:`Session.tick` calls :meth:`MLP.fit` for a few epochs
with the *same optimizer object*, which goes on from its state (moments, step count) as Keras
does; a tick ends after :data:`TICK_BUDGET` seconds, between two batches if need be, and the
next one goes on with the epoch where it stopped. :meth:`Session.frame` is what the page draws:
the decision boundary over a grid, every neuron's output over the same grid, the weights, the
loss curves and the dead or saturated units.

Nothing here imports Starlette: the server (:mod:`neuronet.playground.server`) runs these
methods in worker threads and sends their results, so they can be tested without one.

Examples
--------
>>> from neuronet.playground.sessions import Session, Settings
>>> s = Session(Settings.from_dict({"dataset": "xor", "hidden": [4], "activations": ["tanh"]}))
>>> s.tick()["epoch"]
1
>>> frame = s.frame()
>>> frame["sizes"], frame["grid"]["n"]
([2, 4, 2], 48)
"""

from __future__ import annotations

import base64
import csv
import io
import math
import os
import secrets
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import MLP, activations, datasets, losses, optimizers
from ..diagnostics import diagnose
from ..training import History

__all__ = [
    "LIMITS",
    "CsvData",
    "Session",
    "SessionStore",
    "Settings",
    "SettingsError",
    "parse_csv",
]

#: The bounds every setting and upload is checked against.
LIMITS: dict[str, Any] = {
    "layers": 10,
    "neurons": 64,
    "n_samples": (20, 10_000),
    "classes": (2, 8),
    "noise": (0.0, 5.0),
    "test_fraction": (0.1, 0.9),
    "lr": (1e-6, 10.0),
    "batch_size": (1, 10_000),
    "l2": (0.0, 1.0),
    "dropout": (0.0, 0.9),
    "speed": (1, 100),
    "seed": (0, 2**31 - 1),
    "upload_bytes": 5 * 1024 * 1024,
    "csv_classes": 20,
    "csv_value": 1e30,
}

#: The data sets whose class count can be chosen.
_MULTICLASS = ("spiral", "blobs")
#: The name of the data given on the command line, and of a CSV uploaded in the page.
FILE_DATASET, UPLOAD_DATASET = "file", "upload"
#: Grid points per side of the decision-boundary heatmap (2-D data) or along x (1-D data).
GRID, GRID_1D = 48, 160
#: Seconds one tick may train for, whatever ``speed`` and the other settings ask: it stops
#: between two batches (plus that batch and a validation pass: about this long in all).
TICK_BUDGET = 0.25
#: Training points the dead and saturated units are judged on (the first ones: shuffled).
DIAGNOSIS_SAMPLES = 1000
#: Points a session keeps per curve at most: beyond, every other one goes (a run of days at
#: 20 epochs a second stays a few hundred kilobytes).
CURVE_KEEP = 20_000
#: Points kept per loss curve in a frame (longer runs are thinned evenly).
CURVE_POINTS = 400

# fit() warns through the warnings module, which is process-wide state: one session trains
# at a time, so the warnings caught are that session's own.
_TRAIN_LOCK = threading.Lock()


class SettingsError(ValueError):
    """A setting or an upload the playground refuses; ``field`` names the setting."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- settings -------------------------------------------------------------------------------


def _int(value: object, name: str, low: int, high: int) -> int:
    rule = f"`{name}` must be an integer in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"{rule}, got {value!r:.40}.", name)
    if isinstance(value, float) and not value.is_integer():
        raise SettingsError(f"{rule}, got {value!r}.", name)
    number = int(value)
    if not low <= number <= high:
        raise SettingsError(f"`{name}` must be an integer in [{low}, {high}], got {number}.", name)
    return number


def _float(value: object, name: str, low: float, high: float, *, open_low: bool = False) -> float:
    rule = f"{'(' if open_low else '['}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"`{name}` must be a number in {rule}, got {value!r}.", name)
    number = float(value)
    if not math.isfinite(number) or number > high or number < low or (open_low and number == low):
        raise SettingsError(f"`{name}` must be a number in {rule}, got {number!r}.", name)
    return number


def _choice(value: object, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SettingsError(f"`{name}` must be one of {', '.join(choices)}; got {value!r}.", name)
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the page can set; :meth:`from_dict` checks each against :data:`LIMITS`.

    Attributes
    ----------
    dataset : str
        A name from :func:`neuronet.datasets.names`, ``"file"`` (the ``--data`` CSV) or
        ``"upload"`` (a CSV uploaded in the page).
    n_samples, classes, noise, seed : int, int, float, int
        What the built-in generator draws (``classes`` for spiral and blobs only); ``seed``
        also seeds the split, the initial weights and the shuffling.
    test_fraction : float
        The share of the points held out as the test set (stratified for classes).
    hidden, activations : tuple of int, tuple of str
        Each hidden layer's width and activation (any of :func:`neuronet.activations.names`).
    output, loss : str
        ``"auto"``: softmax with categorical cross-entropy for classes, identity with mean
        squared error for regression.
    optimizer, lr, batch_size, l2, dropout
        As :meth:`neuronet.MLP.fit` and :class:`neuronet.MLP` take them.
    speed : int
        The most epochs one frame trains (a tick also stops after ``TICK_BUDGET`` seconds).
    """

    dataset: str = "circles"
    n_samples: int = 300
    classes: int = 2
    noise: float = 0.1
    test_fraction: float = 0.3
    seed: int = 0
    hidden: tuple[int, ...] = (8, 8)
    activations: tuple[str, ...] = ("tanh", "tanh")
    output: str = "auto"
    loss: str = "auto"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    dropout: float = 0.0
    speed: int = 1

    @classmethod
    def from_dict(
        cls,
        values: Mapping[str, Any],
        base: Settings | None = None,
        *,
        extra_datasets: Sequence[str] = (),
    ) -> Settings:
        """Settings from JSON-like ``values``, the missing ones taken from ``base``.

        Raises
        ------
        SettingsError
            For an unknown name or a value of the wrong kind or out of bounds; the message
            names the setting, the rule and the value received.
        """
        if not isinstance(values, Mapping):
            raise SettingsError(f"settings must be a JSON object, got {values!r:.80}.")
        base = base if base is not None else cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in values if k not in known)
        if unknown:
            raise SettingsError(
                f"unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(known))}.",
                unknown[0],
            )
        merged = {**asdict(base), **values}
        lim = LIMITS
        data_names = [*datasets.names(), *extra_datasets]
        hidden = merged["hidden"]
        if not isinstance(hidden, (list, tuple)) or len(hidden) > lim["layers"]:
            raise SettingsError(
                f"`hidden` must be a list of at most {lim['layers']} layer widths, "
                f"got {hidden!r:.80}.",
                "hidden",
            )
        widths = tuple(_int(n, "hidden", 1, lim["neurons"]) for n in hidden)
        acts = merged["activations"]
        if "activations" not in values and isinstance(acts, (list, tuple)):
            # New widths alone: the new layers take the last layer's activation.
            acts = [*acts, *[acts[-1] if acts else "tanh"] * len(widths)][: len(widths)]
        if isinstance(acts, str):
            acts = [acts] * len(widths)
        if not isinstance(acts, (list, tuple)) or len(acts) != len(widths):
            raise SettingsError(
                f"`activations` must name one activation per hidden layer ({len(widths)}), "
                f"got {acts!r:.80}.",
                "activations",
            )
        names = activations.names()
        return cls(
            dataset=_choice(merged["dataset"], "dataset", data_names),
            n_samples=_int(merged["n_samples"], "n_samples", *lim["n_samples"]),
            classes=_int(merged["classes"], "classes", *lim["classes"]),
            noise=_float(merged["noise"], "noise", *lim["noise"]),
            test_fraction=_float(merged["test_fraction"], "test_fraction", *lim["test_fraction"]),
            seed=_int(merged["seed"], "seed", *lim["seed"]),
            hidden=widths,
            activations=tuple(_choice(a, "activations", names) for a in acts),
            output=_choice(merged["output"], "output", ["auto", *names]),
            loss=_choice(merged["loss"], "loss", ["auto", *losses.names()]),
            optimizer=_choice(merged["optimizer"], "optimizer", optimizers.names()),
            lr=_float(merged["lr"], "lr", *lim["lr"]),
            batch_size=_int(merged["batch_size"], "batch_size", *lim["batch_size"]),
            l2=_float(merged["l2"], "l2", *lim["l2"]),
            dropout=_float(merged["dropout"], "dropout", *lim["dropout"]),
            speed=_int(merged["speed"], "speed", *lim["speed"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (lists for the tuples)."""
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        values["activations"] = list(self.activations)
        return values


# --- a CSV of the user's own ----------------------------------------------------------------


@dataclass(frozen=True)
class CsvData:
    """Two numeric columns and a label, as :func:`parse_csv` read them."""

    X: NDArray[np.float32]
    y: NDArray[np.int64]
    classes: list[str]
    columns: list[str]
    name: str = "data.csv"


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def parse_csv(data: bytes | str, name: str = "data.csv") -> CsvData:
    """Read a CSV of two numeric columns and a class label (a header row is optional).

    At most ``LIMITS["upload_bytes"]`` bytes, ``LIMITS["n_samples"][1]`` rows and
    ``LIMITS["csv_classes"]`` classes; the labels may be any text, and are sorted. Each
    number must lie within ±``LIMITS["csv_value"]`` (1e30): the page draws the data's range,
    padded by a tenth, on a float32 grid (float32 ends near ±3.4e38), and the network
    computes in float32.

    Raises
    ------
    SettingsError
        Naming the row and the column of the first thing wrong: rows are counted from 1 at
        the first data row, as in neuronet's other messages, with the file's line beside.

    Examples
    --------
    >>> d = parse_csv("x,y,label\\n0,1,a\\n1,0,b\\n0.5,0.5,a\\n1,1,b\\n")
    >>> d.X.shape, d.y.tolist(), d.classes
    ((4, 2), [0, 1, 0, 1], ['a', 'b'])
    >>> try:
    ...     parse_csv("x,y,label\\n0,1,a\\n1,oops,b\\n0,0,a\\n1,1,b\\n")
    ... except SettingsError as err:
    ...     print(err)
    data.csv, row 2 (line 3), column 2 ('y'): 'oops' is not a number.
    """
    limit = LIMITS["upload_bytes"]
    if len(data) > limit:
        raise SettingsError(f"{name} is {len(data):,} bytes; the limit is {limit:,} (5 MB).")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise SettingsError(
                f"{name} is not UTF-8 text (byte {err.start} cannot be read); save it as CSV."
            ) from None
    else:
        text = data
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise SettingsError(f"{name} is not valid CSV: {err}.") from None
    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise SettingsError(f"{name} is empty: it needs rows of two numbers and a label.")
    columns = ["column 1", "column 2", "column 3"]
    first = numbered[0][1]
    if len(first) >= 2 and not (_is_number(first[0]) and _is_number(first[1])):
        columns = [c.strip() or f"column {j}" for j, c in enumerate(first[:3], start=1)]
        numbered = numbered[1:]
    max_rows = LIMITS["n_samples"][1]
    if len(numbered) > max_rows:
        raise SettingsError(f"{name} has {len(numbered):,} rows; the limit is {max_rows:,}.")
    if len(numbered) < 4:
        raise SettingsError(f"{name} has {len(numbered)} data rows; at least 4 are needed.")
    X = np.empty((len(numbered), 2), dtype=np.float32)
    labels = []
    for k, (i, row) in enumerate(numbered):
        where = f"{name}, row {k + 1} (line {i})"
        if len(row) != 3:
            raise SettingsError(
                f"{where}: expected 3 columns (two numbers and a label), got {len(row)}."
            )
        for j in (0, 1):
            cell = row[j].strip()
            if not _is_number(cell):
                raise SettingsError(
                    f"{where}, column {j + 1} ({columns[j]!r}): {cell!r:.40} is not a number."
                )
            value = float(cell)
            if abs(value) > LIMITS["csv_value"]:
                raise SettingsError(
                    f"{where}, column {j + 1} ({columns[j]!r}): {cell!r:.40} is beyond "
                    f"±{LIMITS['csv_value']:g}, too large for the page to draw (it computes in "
                    f"float32, whose range ends near ±3.4e38): rescale the column."
                )
            X[k, j] = value
        label = row[2].strip()
        if not label:
            raise SettingsError(f"{where}, column 3 ({columns[2]!r}): the label is empty.")
        labels.append(label)
    classes = sorted(set(labels), key=lambda s: (not _is_number(s), _sort_key(s)))
    if not 2 <= len(classes) <= LIMITS["csv_classes"]:
        raise SettingsError(
            f"{name}: column 3 ({columns[2]!r}) must hold between 2 and {LIMITS['csv_classes']} "
            f"distinct labels, got {len(classes)}."
        )
    index = {c: n for n, c in enumerate(classes)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    return CsvData(X, y, classes, columns, name)


def _sort_key(label: str) -> Any:
    return (float(label), label) if _is_number(label) else (0.0, label)


# --- a session --------------------------------------------------------------------------------


def _b64(array: NDArray[Any]) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _quantise(values: NDArray[Any]) -> tuple[str, list[float]]:
    """Each column of ``values`` as uint8 (0 → -scale, 255 → +scale), in one base64 string
    holding the columns one after the other; and each column's scale."""
    finite = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=1e30, neginf=-1e30)
    scales = np.max(np.abs(finite), axis=0) if finite.size else np.zeros(values.shape[1])
    scaled = finite / np.where(scales > 0, scales, 1.0)
    q = np.clip(np.round((scaled + 1.0) * 127.5), 0, 255).astype(np.uint8)
    return _b64(q.T), [float(x) for x in scales]


def _round(values: Any, digits: int = 5) -> Any:
    """Floats rounded to ``digits`` significant digits; NaN and infinities become None."""
    if isinstance(values, (list, tuple, np.ndarray)):
        return [_round(v, digits) for v in values]
    value = float(values)
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def _thin(values: Sequence[float]) -> list[Any]:
    if len(values) > CURVE_POINTS:
        picks = np.linspace(0, len(values) - 1, CURVE_POINTS).round().astype(int)
        values = [values[i] for i in picks]
    return list(_round(list(values), 4))


class _Budget:
    """A callback that stops ``fit`` once a tick has used its time, or when asked to."""

    def __init__(self, deadline: float, stop: threading.Event) -> None:
        self.deadline = deadline
        self.stop = stop

    def __call__(self, epoch: int, logs: dict[str, float]) -> bool:
        return self.stop.is_set() or time.perf_counter() > self.deadline


class _Passes:
    """The training set as ``fit``'s iterable of batches, cut off at a tick's deadline.

    ``fit`` checks callbacks only between epochs, and one epoch of big settings (10,000
    points in batches of 1 through ten layers of 64) takes seconds. Given batches instead
    of arrays, ``fit`` takes each of its epochs as one pass over this iterable: a pass
    yields the rest of the session's epoch in progress, in the order ``fit`` itself would
    shuffle it (one ``net.rng.permutation`` per epoch), and ends early, between two
    batches, once the deadline passes or the page pauses. The next tick goes on where it
    stopped. ``parts`` records, per pass, the samples it gave and whether it ended the epoch.
    """

    def __init__(self, session: Session, batch_size: int, deadline: float) -> None:
        self.session = session
        self.batch_size = batch_size
        self.deadline = deadline
        self.parts: list[tuple[int, bool]] = []

    def __iter__(self) -> Iterator[tuple[NDArray[Any], NDArray[Any]]]:
        s = self.session
        X, y = s.X_train, s.y_train
        if s.order is None:
            s.order, s.done = s.net.rng.permutation(len(X)), 0
        order = s.order
        given = 0
        self.parts.append((0, False))
        # At least one batch per pass: fit refuses a pass that gives none.
        while s.done < len(order) and (
            given == 0 or not (s.stop.is_set() or time.perf_counter() > self.deadline)
        ):
            rows = order[s.done : s.done + self.batch_size]
            s.done += len(rows)
            given += len(rows)
            self.parts[-1] = (given, s.done >= len(order))
            yield X[rows], y[rows]
        if s.done >= len(order):
            s.order = None  # the next pass starts a new epoch


@dataclass
class Session:
    """One page's settings, data, network, optimizer and training record.

    Every public method takes the session's lock, so the server may call them from worker
    threads while a tick trains. ``file_data`` is the CSV given on the command line.
    """

    settings: Settings = field(default_factory=Settings)
    file_data: CsvData | None = None
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.stop = threading.Event()  # set to make a tick in progress end after its batch
        self.upload: CsvData | None = None
        self.last_seen = time.monotonic()
        self.connections = 0
        self.notes: list[str] = []
        with self.lock:
            self._load_data()
            self._build(keep_weights=False)

    # -- the data ---------------------------------------------------------------------

    @property
    def csv(self) -> CsvData | None:
        """The CSV the ``dataset`` setting names, if it names one."""
        if self.settings.dataset == FILE_DATASET:
            return self.file_data
        if self.settings.dataset == UPLOAD_DATASET:
            return self.upload
        return None

    @property
    def extra_datasets(self) -> list[str]:
        return [FILE_DATASET] * (self.file_data is not None) + [UPLOAD_DATASET] * (
            self.upload is not None
        )

    @property
    def regression(self) -> bool:
        return self.csv is None and datasets.is_regression(self.settings.dataset)

    def _load_data(self) -> None:
        s = self.settings
        data = self.csv
        if data is not None:
            X, y = data.X, data.y
            self.class_names = list(data.classes)
        else:
            kwargs: dict[str, Any] = {"n_samples": s.n_samples, "noise": s.noise, "seed": s.seed}
            if s.dataset in _MULTICLASS:
                kwargs["n_classes"] = s.classes
            X, y = datasets.load(s.dataset, **kwargs)
            if datasets.is_regression(s.dataset):
                X = X.reshape(len(X), -1)
                self.class_names = []
            else:
                self.class_names = [str(k) for k in range(int(y.max()) + 1)]
        stratify = not self.regression
        self.X_train, self.X_test, self.y_train, self.y_test = datasets.train_test_split(
            X, y, test_size=s.test_fraction, seed=s.seed, stratify=stratify
        )
        X_all = np.concatenate([self.X_train, self.X_test])
        low, high = X_all.min(axis=0), X_all.max(axis=0)
        pad = 0.1 * np.maximum(high - low, 1e-6)
        self.bounds = np.stack([low - pad, high + pad]).astype(np.float64)  # (2, n_inputs)

    def _output_and_loss(self) -> tuple[str, str | None, int]:
        s = self.settings
        if self.regression:
            output = "identity" if s.output == "auto" else s.output
            return output, None if s.loss == "auto" else s.loss, 1
        k = len(self.class_names)
        output = "softmax" if s.output == "auto" else s.output
        n_out = 1 if (output == "sigmoid" and k == 2) else k
        if s.loss in ("mse", "mae", "huber"):
            raise SettingsError(
                f"`loss` {s.loss!r} is for regression; this data has {k} classes: choose "
                f"'auto', 'categorical_cross_entropy' or 'binary_cross_entropy'.",
                "loss",
            )
        return output, None if s.loss == "auto" else s.loss, n_out

    def _build(self, *, keep_weights: bool) -> None:
        """A new network (and optimizer) from the settings; optionally the old weights kept."""
        s = self.settings
        output, loss, n_out = self._output_and_loss()
        sizes = [self.X_train.shape[1], *s.hidden, n_out]
        with _TRAIN_LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                net = MLP(
                    sizes,
                    list(s.activations) if s.hidden else "relu",
                    output,
                    loss=loss,
                    dropout=s.dropout,
                    seed=s.seed,
                )
            except (TypeError, ValueError) as err:
                raise SettingsError(f"this network cannot be built: {err}", "output") from None
        _check_trainable(net, s, self.X_train, self.y_train, self.regression)
        old = getattr(self, "net", None)
        if keep_weights and old is not None and old.sizes == net.sizes:
            for new_layer, old_layer in zip(net.dense_layers, old.dense_layers, strict=True):
                new_layer.weights[...] = old_layer.weights
                new_layer.bias[...] = old_layer.bias
        else:
            self.epoch = 0
            self.curves: dict[str, list[float]] = {
                "loss": [],
                "val_loss": [],
                "accuracy": [],
                "val_accuracy": [],
            }
            self.marks: list[dict[str, Any]] = []
            self.order: NDArray[np.intp] | None = None  # the epoch in progress (_Passes)
            self.done = 0
            self.partial: list[tuple[int, dict[str, float]]] = []
        self.epoch_seconds: float | None = None  # measured by the ticks
        self.net = net
        self.optimizer = optimizers.get(s.optimizer, lr=s.lr)
        self.diverged = False
        self.notes = [str(w.message) for w in caught]

    # -- changes from the page --------------------------------------------------------

    def update(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Apply changed settings; rebuild only what they touch. Returns the settings.

        New data or a new shape starts training again; new activations or a new dropout
        rate keep the weights, the epoch count and the curves (a mark on the curves shows
        where they changed; the optimizer starts afresh, as PReLU adds parameters); a new
        learning rate keeps the optimizer's state. A refused change leaves all as it was.
        """
        with self.lock:
            new = Settings.from_dict(values, self.settings, extra_datasets=self.extra_datasets)
            old = self.settings
            if new == old:
                return new.to_dict()
            data_keys = ("dataset", "n_samples", "classes", "noise", "test_fraction", "seed")
            shape_keys = ("hidden", "output", "loss")
            saved = dict(self.__dict__)
            self.settings = new
            self.epoch_seconds = None  # the cost of an epoch is measured again
            try:
                if any(getattr(new, k) != getattr(old, k) for k in data_keys):
                    self._load_data()
                    self._build(keep_weights=False)
                elif any(getattr(new, k) != getattr(old, k) for k in shape_keys):
                    self._build(keep_weights=False)
                elif new.activations != old.activations or new.dropout != old.dropout:
                    self._build(keep_weights=True)  # the same shapes: training goes on
                    label = "/".join(new.activations) or "linear"
                    if new.dropout != old.dropout:
                        label = f"dropout {new.dropout:g}"
                    self._mark(label)
                elif new.optimizer != old.optimizer:
                    self.optimizer = optimizers.get(new.optimizer, lr=new.lr)
                    # A new optimizer starts a new epoch: the passes of the unfinished one
                    # must not be averaged into the new optimizer's first (L-BFGS trains
                    # whole epochs and would never finish it).
                    self.order, self.partial, self.done = None, [], 0
                elif new.lr != old.lr and isinstance(self.optimizer, optimizers.Optimizer):
                    self.optimizer.lr = new.lr  # the moments and step count stay (L-BFGS has none)
            except BaseException:
                self.__dict__.update(saved)  # refused: the session is as it was
                raise
            return new.to_dict()

    def _mark(self, label: str) -> None:
        """Mark a change on the curves: the latest of changes with no training between them,
        the newest CURVE_KEEP."""
        where = (self.epoch, self.done)
        if self.marks and getattr(self, "_marked_at", None) == where:
            self.marks.pop()  # toggled again before any training: only the last change shows
        self.marks.append({"epoch": self.epoch, "label": label})
        self._marked_at = where
        if len(self.marks) > CURVE_KEEP:
            del self.marks[: len(self.marks) - CURVE_KEEP]

    def set_upload(self, data: CsvData) -> dict[str, Any]:
        """Use an uploaded CSV: the ``dataset`` becomes ``"upload"``; training starts again."""
        with self.lock:
            saved = dict(self.__dict__)
            try:
                self.upload = data
                self.settings = replace(self.settings, dataset=UPLOAD_DATASET)
                self._load_data()
                self._build(keep_weights=False)
            except BaseException:
                self.__dict__.update(saved)  # refused: the session is as it was
                raise
            return self.settings.to_dict()

    def reset(self) -> None:
        """Fresh weights (the same seed gives the same ones) and an empty record."""
        with self.lock:
            self._build(keep_weights=False)

    def regenerate(self) -> dict[str, Any]:
        """New random data: the seed moves on by one; training starts again."""
        seed = (self.settings.seed + 1) % (LIMITS["seed"][1] + 1)
        return self.update({"seed": seed})

    # -- training ---------------------------------------------------------------------

    def tick(self, epochs: int | None = None) -> dict[str, Any]:
        """Train for ``epochs`` (default: the ``speed`` setting) or until the time budget ends.

        A tick trains for about :data:`TICK_BUDGET` seconds at most, whatever the settings:
        with a mini-batch optimizer it stops between two batches (see :class:`_Passes`), so
        with big settings an epoch may take several ticks, and ``epoch`` counts the epochs
        completed. Returns ``{"epoch", "trained", "diverged", "notes"}``; after divergence
        the weights of the best epoch are kept (as ``fit`` does) and the page is told to
        lower the rate.
        """
        with self.lock:
            s = self.settings
            n = s.speed if epochs is None else epochs
            self.stop.clear()
            batch_size = min(s.batch_size, len(self.X_train))
            with _TRAIN_LOCK, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                # The budget starts once this tick may train, not while another one does.
                started = time.perf_counter()
                deadline = started + TICK_BUDGET
                fit_kwargs: dict[str, Any] = {
                    "epochs": n,
                    "optimizer": self.optimizer,
                    "l2": s.l2,
                    "validation_data": (self.X_test, self.y_test),
                    "callbacks": [_Budget(deadline, self.stop)],
                    "verbose": 0,
                }
                # Whole epochs as arrays (fit's own shuffling and data checks, the same
                # result) when one is known to take well under the budget; else batches
                # that stop at the deadline. L-BFGS takes the whole set at every step.
                lbfgs = isinstance(self.optimizer, optimizers.LBFGS)
                whole = lbfgs or (
                    self.order is None
                    and self.epoch_seconds is not None
                    and self.epoch_seconds <= TICK_BUDGET / 2
                )
                passes = None if whole else _Passes(self, batch_size, deadline)
                try:
                    if passes is None:
                        history = self.net.fit(
                            self.X_train, self.y_train, batch_size=batch_size, **fit_kwargs
                        )
                    else:
                        history = self.net.fit(passes, **fit_kwargs)
                except (TypeError, ValueError) as err:  # refused by fit: say why on the page
                    raise SettingsError(f"training refused: {err}") from None
                seconds = time.perf_counter() - started
            n_train = len(self.X_train)
            parts = [(n_train, True)] * history.epochs if passes is None else passes.parts
            trained = self._record(history, parts)
            if history.diverged:
                self.order, self.partial = None, []  # the next tick starts a new epoch
            samples = sum(count for count, _ in parts)
            if not lbfgs and samples:
                self.epoch_seconds = seconds / samples * n_train
            notes = [str(w.message) for w in caught]
            if history.diverged:
                self.diverged = True
                notes.append(
                    "training diverged, so it stopped and kept the weights of its best epoch: "
                    "lower the learning rate (or the L2 penalty) and press play again."
                )
            self.notes = notes
            return {
                "epoch": self.epoch,
                "trained": trained,
                "diverged": history.diverged,
                "notes": notes,
            }

    def _record(self, history: History, parts: Sequence[tuple[int, bool]]) -> int:
        """Add the epochs ``fit`` completed to the curves; return how many there were.

        ``fit`` records one row per pass; the passes that end part-way through an epoch are
        kept in ``partial`` until the pass that ends it, and the epoch's training metrics are
        their average weighted by samples (the validation ones are measured at its end).
        """
        rows = history.history
        completed = 0
        for i in range(history.epochs):  # a pass that diverged is not recorded: it is cut
            count, ends = parts[i]
            self.partial.append((count, {key: values[i] for key, values in rows.items()}))
            if not ends:
                continue
            total = sum(c for c, _ in self.partial)
            for key, values in self.curves.items():
                if key not in rows:
                    continue
                if key.startswith("val_") or len(self.partial) == 1:
                    values.append(self.partial[-1][1][key])  # as fit measured it
                else:
                    values.append(sum(c * logs[key] for c, logs in self.partial) / total)
                if len(values) > CURVE_KEEP:  # a long run: every other point, memory bounded
                    values[:] = values[::2]
            self.partial = []
            completed += 1
        self.epoch += completed
        return completed

    # -- what the page draws ----------------------------------------------------------

    def _grid(self) -> tuple[NDArray[np.float32], int]:
        lo, hi = self.bounds
        if self.net.n_inputs == 1:
            xs = np.linspace(lo[0], hi[0], GRID_1D)
            return xs.reshape(-1, 1).astype(np.float32), GRID_1D
        xs = np.linspace(lo[0], hi[0], GRID)
        ys = np.linspace(hi[1], lo[1], GRID)  # row 0 at the top of the picture
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32), GRID

    @staticmethod
    def _unit_flags(net: MLP, layers: list[dict[str, Any]]) -> list[list[str]]:
        """Per unit: "dead", "saturated" or "", from the diagnosis of each layer."""
        by_layer = {d["layer"]: d for d in layers}
        flags = []
        for i, layer in enumerate(net.dense_layers, start=1):
            d = by_layer.get(i, {})
            dead = set(d.get("dead_units") or ())
            saturated = set(d.get("saturated_units") or ())
            flags.append(
                [
                    "dead" if j in dead else "saturated" if j in saturated else ""
                    for j in range(layer.n_out)
                ]
            )
        return flags

    def frame(self) -> dict[str, Any]:
        """Everything the page draws, as JSON-able data with the big arrays in base64.

        ``grid`` holds the output over a grid spanning the data (class index and confidence
        as uint8 for a classifier, the prediction as float32 for regression). Each of
        ``layers`` holds its weights (float32, row-major, shape (n_in, n_out)), biases, PReLU
        slopes, each unit's flag ("dead", "saturated" or "") and ``heat``: every unit's output
        over every ``grid["step"]``-th grid point, uint8 (0 → -scale, 255 → +scale, one scale
        per unit in ``scales``), unit after unit.
        """
        with self.lock:
            net = self.net
            grid, n = self._grid()
            with np.errstate(all="ignore"):
                outputs = net.layer_outputs(grid)
                head = outputs[-1][1]
                if self.regression:
                    boundary: dict[str, Any] = {"kind": "regression", "y": _b64(head[:, 0])}
                else:
                    proba = net.head.probabilities(head)
                    cls = proba.argmax(axis=1).astype(np.uint8)
                    conf = np.round(proba.max(axis=1) * 255).astype(np.uint8)
                    boundary = {"kind": "classes", "cls": _b64(cls), "conf": _b64(conf)}
            # A unit's picture is a sub-grid; coarser for a big network to keep frames small.
            n_units = sum(net.sizes[1:-1])
            step = 1 if net.n_inputs == 1 else (2 if n_units <= 160 else 4)
            neurons = []
            for (_, a), layer in zip(outputs, net.dense_layers, strict=True):
                if net.n_inputs == 1:
                    pics = a[::4]
                else:
                    pics = a.reshape(n, n, layer.n_out)[::step, ::step].reshape(-1, layer.n_out)
                neurons.append(_quantise(pics))
            # Dead and saturated units on (at most) the first 1000 training points, shuffled.
            sample = self.X_train[:DIAGNOSIS_SAMPLES]
            with _TRAIN_LOCK, warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                try:
                    diag = diagnose(net, sample, self.y_train[:DIAGNOSIS_SAMPLES]).to_dict()
                except (ValueError, FloatingPointError):
                    diag = {"layers": [], "warnings": []}
            flags = self._unit_flags(net, diag["layers"])
            layers = []
            for i, layer in enumerate(net.dense_layers):
                slopes = layer.activation_parameters
                layers.append(
                    {
                        "activation": layer.activation.name,
                        "weights": _b64(layer.weights.astype(np.float32)),
                        "bias": _round(layer.bias.tolist(), 4),
                        "prelu": _round(slopes.tolist(), 4) if slopes.size else None,
                        "heat": neurons[i][0],  # unit j: bytes [j * pixels, (j + 1) * pixels)
                        "scales": _round(neurons[i][1], 4),
                        "flags": flags[i],
                    }
                )
            curves = {key: _thin(values) for key, values in self.curves.items()}
            last = {key: (values[-1] if values else None) for key, values in self.curves.items()}
            return {
                "type": "frame",
                "epoch": self.epoch,
                "sizes": list(net.sizes),
                "regression": self.regression,
                "classes": self.class_names,
                "bounds": _round(self.bounds.tolist()),
                "grid": {"n": n, "step": step, **boundary},
                "layers": layers,
                "curves": curves,
                "curve_epochs": self.epoch,
                "marks": self.marks[-CURVE_POINTS:],
                "metrics": {k: _round(v) if v is not None else None for k, v in last.items()},
                "diagnosis": {
                    "layers": [
                        {k: d.get(k) for k in ("layer", "dead", "saturated", "prelu_slope")}
                        for d in diag["layers"]
                    ],
                    "warnings": diag["warnings"],
                },
                "notes": list(self.notes),
                "diverged": self.diverged,
            }

    def points(self) -> dict[str, Any]:
        """The train and test points (sent when the data change, not with every frame)."""
        with self.lock:
            return {
                "type": "points",
                "n_inputs": int(self.X_train.shape[1]),
                "train": {"x": _b64(self.X_train), "y": _b64(self.y_train.astype(np.float32))},
                "test": {"x": _b64(self.X_test), "y": _b64(self.y_test.astype(np.float32))},
            }

    def probe(self, point: object) -> dict[str, Any]:
        """Every neuron's ``z`` and ``a`` at one input point (the page's cursor)."""
        with self.lock:
            n_in = self.net.n_inputs
            if (
                not isinstance(point, (list, tuple))
                or len(point) != n_in
                or not all(
                    isinstance(v, (int, float))
                    and not isinstance(v, bool)
                    and math.isfinite(v)
                    and abs(v) < 1e6
                    for v in point
                )
            ):
                raise SettingsError(
                    f"`x` must be a list of {n_in} finite numbers, got {point!r:.80}.", "x"
                )
            with np.errstate(all="ignore"):
                trace = self.net.trace(np.asarray(point, dtype=np.float64))
            return {
                "type": "probe",
                "x": list(point),
                "layers": [
                    {"z": _round(t.z.tolist()), "a": _round(t.a.tolist())} for t in trace.layers
                ],
            }

    # -- export -----------------------------------------------------------------------

    def model_bytes(self) -> bytes:
        """The network as a neuronet model file (``.safetensors``), read back from a temp file.

        :func:`neuronet.io.save` writes files (atomically); a temporary folder, removed at
        once, is the only place the playground writes to.
        """
        from .. import io as nio

        with self.lock, tempfile.TemporaryDirectory(prefix="neuronet-playground-") as tmp:
            path = os.path.join(tmp, "playground.safetensors")
            # A CSV's own labels go in the file, so the loaded model predicts them.
            self.net.classes = self.csv.classes if self.csv is not None else None
            try:
                nio.save(self.net, path)
            finally:
                self.net.classes = None  # training goes on with 0..k-1
            with open(path, "rb") as handle:
                return handle.read()

    def python_code(self) -> str:
        """A script that rebuilds and trains the same network on the same data."""
        with self.lock:
            return _python_code(self)


def _check_trainable(
    net: MLP, s: Settings, X: NDArray[Any], y: NDArray[Any], regression: bool
) -> None:
    """Refuse, before any training, what ``fit`` or the frames would refuse later."""
    try:
        net.prepare(X, y)
        if not regression:
            net.head.probabilities(np.full((1, net.n_outputs), 0.5, dtype=net.dtype))
    except (TypeError, ValueError) as err:
        field = "loss" if s.loss != "auto" else "output"
        raise SettingsError(f"this network cannot learn this data: {err}", field) from None
    if s.optimizer == "lbfgs" and s.dropout > 0:
        raise SettingsError(
            f"`optimizer` 'lbfgs' needs the same loss for the same weights, which dropout "
            f"(`dropout` = {s.dropout:g}) makes random: choose a mini-batch optimizer such as "
            f"'adam', or dropout 0.",
            "optimizer",
        )


def _python_code(session: Session) -> str:
    s = session.settings
    output, loss, n_out = session._output_and_loss()
    lines = [
        '"""Rebuild and train the network of a neuronet playground session."""',
        "",
        "from neuronet import MLP, datasets",
        "",
    ]
    data = session.csv
    if data is not None:
        lines[2:2] = ["import csv", "", "import numpy as np", ""]
        lines += [
            f"# Your CSV ({data.name}): two numbers and a label per row.",
            f"CLASSES = {data.classes!r}",
            f"with open({data.name!r}, newline='', encoding='utf-8-sig') as handle:",
            "    rows = [r for r in csv.reader(handle) if any(c.strip() for c in r)]",
            "try:",
            "    float(rows[0][0]), float(rows[0][1])",
            "except ValueError:",
            "    rows = rows[1:]  # a header",
            "X = np.array([[float(r[0]), float(r[1])] for r in rows], dtype=np.float32)",
            "y = np.array([CLASSES.index(r[2].strip()) for r in rows])",
        ]
    else:
        extra = f", n_classes={s.classes}" if s.dataset in _MULTICLASS else ""
        lines.append(
            f"X, y = datasets.load({s.dataset!r}, n_samples={s.n_samples}, noise={s.noise!r}"
            f"{extra}, seed={s.seed})"
        )
        if session.regression:
            lines.append("X = X.reshape(len(X), -1)")
    stratify = "" if not session.regression else ", stratify=False"
    lines += [
        "X_train, X_test, y_train, y_test = datasets.train_test_split(",
        f"    X, y, test_size={s.test_fraction!r}, seed={s.seed}{stratify}",
        ")",
        "net = MLP(",
        f"    {[int(session.X_train.shape[1]), *s.hidden, n_out]!r},",
        f"    activation={list(s.activations) if s.hidden else 'relu'!r},",
        f"    output={output!r},",
        f"    loss={loss!r},",
        f"    dropout={s.dropout!r},",
        f"    seed={s.seed},",
        ")",
        "# The page may have changed activations on the way; this trains the network as it",
        "# is now, for as many epochs, from the start.",
        "history = net.fit(",
        "    X_train,",
        "    y_train,",
        f"    epochs={max(session.epoch, 1)},",
        f"    batch_size={min(s.batch_size, len(session.X_train))},",
        f"    optimizer={s.optimizer!r},",
        f"    lr={s.lr!r},",
        f"    l2={s.l2!r},",
        "    validation_data=(X_test, y_test),",
        "    verbose=0,",
        ")",
        'print(history, "test loss", history["val_loss"][-1])',
        *(["net.classes = CLASSES  # the model file predicts your labels"] if data else []),
        'net.save("playground.safetensors")',
        "",
    ]
    return "\n".join(lines)


class SessionStore:
    """The live sessions by id; those idle (no page connected) for ``idle_timeout`` go.

    Parameters
    ----------
    idle_timeout : float, default=600
        Seconds a session with no connected page is kept.
    max_sessions : int, default=64
    file_data : CsvData, optional
        The CSV given on the command line, offered to every session as ``"file"``.
    """

    def __init__(
        self,
        idle_timeout: float = 600.0,
        max_sessions: int = 64,
        file_data: CsvData | None = None,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.max_sessions = max_sessions
        self.file_data = file_data
        self._sessions: dict[str, Session] = {}
        self._building = 0  # slots taken by sessions being built
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sessions

    def create(self, values: Mapping[str, Any] | None = None) -> Session:
        """A new session from ``values`` (checked settings); refused when the store is full."""
        extra = [FILE_DATASET] if self.file_data is not None else []
        default = Settings(dataset=FILE_DATASET) if self.file_data is not None else Settings()
        settings = Settings.from_dict(values or {}, default, extra_datasets=extra)
        self.reap()
        # The slot is taken under the lock and the session built outside it (building takes
        # a while): concurrent creates, which the server runs in a thread pool, then cannot
        # overshoot the limit.
        with self._lock:
            if len(self._sessions) + self._building >= self.max_sessions:
                raise SettingsError(
                    f"the playground holds {self.max_sessions} sessions already; close a tab "
                    f"or wait for idle ones to end."
                )
            self._building += 1
        try:
            session = Session(settings, file_data=self.file_data)
            with self._lock:
                self._sessions[session.id] = session
        finally:
            with self._lock:
                self._building -= 1
        return session

    def get(self, session_id: str) -> Session | None:
        """The session, marked as seen now; None if there is none by that id."""
        session = self._sessions.get(session_id)
        if session is not None:
            session.last_seen = time.monotonic()
        return session

    def remove(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session.stop.set()
        return session is not None

    def reap(self, now: float | None = None) -> list[str]:
        """End the sessions no page has used for ``idle_timeout`` seconds; return their ids."""
        now = time.monotonic() if now is None else now
        with self._lock:
            gone = [
                sid
                for sid, s in self._sessions.items()
                if s.connections == 0 and now - s.last_seen > self.idle_timeout
            ]
            for sid in gone:
                self._sessions.pop(sid).stop.set()
        return gone
