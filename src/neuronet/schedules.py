r"""Learning-rate schedules: change the optimizer's learning rate between epochs.

A large learning rate makes fast progress early on; a smaller one later lets the parameters
settle into a minimum instead of bouncing around it. A schedule decides the learning rate of
each epoch from the initial one, :math:`\eta_0`:

- :class:`StepDecay`: multiply by ``gamma`` every ``step_size`` epochs;
- :class:`ExponentialDecay`: multiply by ``gamma`` every epoch;
- :class:`CosineAnnealing`: follow half a cosine from :math:`\eta_0` down to ``min_lr``;
- :class:`ReduceOnPlateau`: divide by ``1 / factor`` when the monitored loss stops improving.

Interface
---------
The training loop calls :meth:`Schedule.start` once with the optimizer's learning rate and the
number of epochs of the run, trains epoch 0 with that rate, and at the **end** of every epoch
``e`` (counted from 0) calls :meth:`Schedule.step` with the monitored loss (the validation loss
if there is one, else the training loss); the value returned is the learning rate of epoch
``e + 1``::

    schedule.start(optimizer.lr, epochs=epochs)
    for epoch in range(epochs):
        loss = train_one_epoch()
        optimizer.lr = schedule.step(epoch, loss)

So in the closed forms below :math:`n = e + 1` is the number of epochs completed, and epoch
:math:`n` trains with :math:`\eta(n)`: the same as calling a PyTorch scheduler's ``step()``
at the end of each epoch.

Defaults from the run
---------------------
Every schedule can be built without arguments (``fit(schedule="cosine")``): what depends on
the length of the run is taken from the ``epochs`` given to :meth:`Schedule.start`.

=======================  ===================================================================
``CosineAnnealing()``    ``t_max`` = ``epochs``: reach ``min_lr`` at the end of the run
``StepDecay()``          ``step_size`` = ``max(1, epochs // 3)``: decay every third of the run
``ExponentialDecay()``   ``gamma`` = ``0.01 ** (1 / epochs)``: :math:`\eta_0 / 100` at the end
``ReduceOnPlateau()``    needs nothing from the run
=======================  ===================================================================

The values in use are the attributes ending in ``_`` (``t_max_``, ``step_size_``,
``gamma_``); ``get_config()`` keeps returning the constructor's arguments (``None`` for a
default taken from the run), so that the same schedule adapts to the next run's length.

Examples
--------
>>> from neuronet import schedules
>>> schedule = schedules.get("step", step_size=2, gamma=0.5)
>>> schedule.start(0.1)
>>> [schedule.step(epoch) for epoch in range(5)]     # the lr of epochs 1 to 5
[0.1, 0.05, 0.05, 0.025, 0.025]
>>> schedule = schedules.get("cosine")     # t_max from the run
>>> schedule.start(0.1, epochs=4)
>>> schedule.t_max_, [round(schedule.step(epoch), 4) for epoch in range(4)]
(4, [0.0854, 0.05, 0.0146, 0.0])
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar, TypeVar

from ._config import Configurable
from ._registry import Registry
from ._validation import check_int, check_number, check_real

__all__ = [
    "CosineAnnealing",
    "ExponentialDecay",
    "ReduceOnPlateau",
    "Schedule",
    "StepDecay",
    "get",
    "names",
]


# --- schedules -------------------------------------------------------------------------------

V = TypeVar("V")


class Schedule(Configurable):
    r"""Base class: remembers :math:`\eta_0` and returns the learning rate of the next epoch.

    A subclass with a closed form implements :meth:`_lr`, the learning rate after ``n``
    completed epochs; one that reacts to the loss overrides :meth:`step`.

    Attributes
    ----------
    lr0 : float or None
        The initial learning rate given to :meth:`start`.
    lr : float or None
        The learning rate returned by the last :meth:`step` (``lr0`` right after
        :meth:`start`).
    epochs : int or None
        The number of epochs of the run, as given to :meth:`start`.
    """

    name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.lr0: float | None = None
        self.lr: float | None = None
        self.epochs: int | None = None

    def start(self, lr0: float, epochs: int | None = None) -> None:
        """Begin a run at learning rate ``lr0`` (> 0), forgetting any earlier run.

        Parameters
        ----------
        lr0 : float
            The learning rate of epoch 0, > 0.
        epochs : int, optional
            The number of epochs of the run, >= 1: the parameters left to ``None`` at
            construction are derived from it (see the module's "Defaults from the run").
            Not needed when every parameter was given.

        Raises
        ------
        ValueError
            For a bad ``lr0`` or ``epochs``, or when a parameter needs ``epochs`` and none is
            given (the message names the argument to give instead).
        TypeError
            For an ``lr0`` or ``epochs`` of the wrong type (``epochs=10.0``, say).
        """
        lr0 = check_number(lr0, "lr0", "> 0")
        epochs = None if epochs is None else check_int(epochs, "epochs", minimum=1)
        # Resolve before changing anything, so that a failed start leaves the schedule as it was.
        self._resolve(epochs)
        self.lr0 = self.lr = lr0
        self.epochs = epochs

    def state_dict(self) -> dict[str, Any]:
        """Where the schedule is in its run, as plain JSON: what a checkpoint saves.

        The name is PyTorch's (``torch.optim.lr_scheduler.LRScheduler.state_dict``). A
        float may be infinite (:class:`ReduceOnPlateau`'s ``best`` before the first epoch).

        Returns
        -------
        dict
            ``"class"``, ``"config"`` (:meth:`get_config`), and ``"state"``: ``lr0``,
            ``lr``, ``epochs``, the values derived at :meth:`start` (``t_max_``, ...) and
            any counters (:class:`ReduceOnPlateau`'s ``best``, ``num_bad_epochs``,
            ``cooldown_counter``).

        Examples
        --------
        >>> schedule = CosineAnnealing()
        >>> schedule.start(0.1, epochs=10)
        >>> lrs = [schedule.step(epoch) for epoch in range(4)]
        >>> twin = CosineAnnealing()
        >>> twin.load_state_dict(schedule.state_dict())
        >>> twin.t_max_, twin.step(4) == schedule.step(4)
        (10, True)
        """
        keys = ("lr0", "lr", "epochs", *self._state_keys)
        return {
            "class": type(self).__name__,
            "config": self.get_config(),
            "state": {key: getattr(self, key) for key in keys},
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over the state :meth:`state_dict` returned (by this class, not another).

        Raises
        ------
        ValueError
            When the state is another class's or lacks one of its values.
        """
        name = type(self).__name__
        saved = state_dict.get("class")
        if saved != name:
            raise ValueError(
                f"`state_dict` holds the state of {saved}; it cannot be loaded into {name}."
            )
        twin = type(self).from_config(dict(state_dict["config"]))  # checks every value
        state = state_dict.get("state", {})
        keys = ("lr0", "lr", "epochs", *self._state_keys)
        missing = [key for key in keys if key not in state]
        if missing:
            raise ValueError(f"`state_dict` of {twin!r} lacks {', '.join(missing)}.")
        for key in self._config_keys:
            setattr(self, key, getattr(twin, key))
        for key in keys:
            setattr(self, key, state[key])

    #: The attributes besides lr0, lr and epochs that say where a run is.
    _state_keys: ClassVar[tuple[str, ...]] = ()

    def _resolve(self, epochs: int | None) -> None:
        """Set the ``*_`` attributes for a run of ``epochs`` epochs (None: not known)."""

    def _needs(self, argument: str, epochs: int | None) -> int:
        """``epochs``, or the error saying that ``argument`` must be given without it."""
        if epochs is None:
            raise ValueError(
                f"{type(self).__name__} derives `{argument}` from the number of epochs, which "
                f"was not given: pass {argument}=... to {type(self).__name__}(), or call "
                f"start(lr0, epochs=...)."
            )
        return epochs

    def step(self, epoch: int, metric: float | None = None) -> float:
        """The learning rate for epoch ``epoch + 1``, called at the end of epoch ``epoch``.

        Parameters
        ----------
        epoch : int
            The epoch just finished, counted from 0.
        metric : float, optional
            The monitored loss of that epoch; only :class:`ReduceOnPlateau` needs it.
        """
        lr0 = self._started()
        self.lr = self._lr(lr0, check_int(epoch, "epoch", minimum=0) + 1)
        return self.lr

    def _started(self) -> float:
        if self.lr0 is None:
            raise RuntimeError(f"Call {type(self).__name__}.start(lr0) before step().")
        return self.lr0

    @staticmethod
    def _resolved(value: V | None) -> V:
        # Set by start() whenever step() can run (start raises otherwise); this only narrows
        # the type for the closed forms.
        if value is None:
            raise RuntimeError("A parameter derived at start() is missing: call start() again.")
        return value

    def _lr(self, lr0: float, n: int) -> float:
        """The learning rate after ``n >= 1`` completed epochs."""
        raise NotImplementedError


class StepDecay(Schedule):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    .. math:: \eta(n) = \eta_0\, \gamma^{\lfloor n / s \rfloor}

    with :math:`n` the number of epochs completed and :math:`s` = ``step_size``.

    Parameters
    ----------
    step_size : int, optional
        Epochs between two decays, >= 1. Default: ``max(1, epochs // 3)`` for a run of
        ``epochs`` epochs, so that the rate drops every third of the run.
    gamma : float, default=0.1
        The factor applied at each decay, in (0, 1].

    Attributes
    ----------
    step_size_ : int or None
        The step size in use: ``step_size``, or the one derived at :meth:`start`.

    Examples
    --------
    >>> schedule = StepDecay(step_size=2, gamma=0.5)
    >>> schedule.start(0.1)
    >>> [schedule.step(epoch) for epoch in range(5)]
    [0.1, 0.05, 0.05, 0.025, 0.025]
    >>> schedule = StepDecay(gamma=0.5)
    >>> schedule.start(0.1, epochs=6)
    >>> schedule.step_size_, [schedule.step(epoch) for epoch in range(6)]
    (2, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
    """

    name = "step"
    _config_keys = ("step_size", "gamma")
    _state_keys = ("step_size_",)

    def __init__(self, step_size: int | None = None, gamma: float = 0.1) -> None:
        super().__init__()
        self.step_size = (
            None if step_size is None else check_int(step_size, "step_size", minimum=1)
        )
        self.gamma = check_number(gamma, "gamma", "in (0, 1]")
        self.step_size_ = self.step_size

    def _resolve(self, epochs: int | None) -> None:
        if self.step_size is None:
            self.step_size_ = max(1, self._needs("step_size", epochs) // 3)

    def _lr(self, lr0: float, n: int) -> float:
        return lr0 * self.gamma ** (n // self._resolved(self.step_size_))


class ExponentialDecay(Schedule):
    r"""Multiply the learning rate by ``gamma`` every epoch.

    .. math:: \eta(n) = \eta_0\, \gamma^{n}

    with :math:`n` the number of epochs completed.

    Parameters
    ----------
    gamma : float, optional
        The factor applied each epoch, in (0, 1]; 0.95 halves the rate in about 14 epochs.
        Default: ``0.01 ** (1 / epochs)`` for a run of ``epochs`` epochs, so that the rate
        falls a hundredfold over the run, to :math:`\eta_0 / 100` after the last epoch
        (the last epoch itself trains at :math:`\eta_0 / (100\,\gamma)`).

    Attributes
    ----------
    gamma_ : float or None
        The factor in use: ``gamma``, or the one derived at :meth:`start`.

    Examples
    --------
    >>> schedule = ExponentialDecay(gamma=0.5)
    >>> schedule.start(0.1)
    >>> [schedule.step(epoch) for epoch in range(5)]
    [0.05, 0.025, 0.0125, 0.00625, 0.003125]
    >>> schedule = ExponentialDecay()
    >>> schedule.start(0.1, epochs=2)
    >>> round(schedule.gamma_, 6), [round(schedule.step(epoch), 6) for epoch in range(2)]
    (0.1, [0.01, 0.001])
    """

    name = "exponential"
    _config_keys = ("gamma",)
    _state_keys = ("gamma_",)

    #: The default gamma divides the learning rate by 1 / FINAL_FACTOR over a run.
    FINAL_FACTOR: ClassVar[float] = 0.01

    def __init__(self, gamma: float | None = None) -> None:
        super().__init__()
        self.gamma = None if gamma is None else check_number(gamma, "gamma", "in (0, 1]")
        self.gamma_ = self.gamma

    def _resolve(self, epochs: int | None) -> None:
        if self.gamma is None:
            self.gamma_ = self.FINAL_FACTOR ** (1.0 / self._needs("gamma", epochs))

    def _lr(self, lr0: float, n: int) -> float:
        return lr0 * self._resolved(self.gamma_) ** n


class CosineAnnealing(Schedule):
    r"""Lower the learning rate along half a cosine, from :math:`\eta_0` to ``min_lr``.

    .. math::

        \eta(n) = \eta_\text{min} + \frac{\eta_0 - \eta_\text{min}}{2}
                  \left(1 + \cos\frac{\pi \min(n, T)}{T}\right)

    with :math:`n` the number of epochs completed and :math:`T` = ``t_max``: the rate falls
    slowly at first, fastest half-way, slowly again near the end, and stays at
    :math:`\eta_\text{min}` after :math:`T` epochs.

    Parameters
    ----------
    t_max : int, optional
        Epochs to reach ``min_lr``, >= 1. Default: the number of epochs of the run, given to
        :meth:`start`.
    min_lr : float, default=0.0
        The final learning rate :math:`\eta_\text{min}` >= 0, at most :math:`\eta_0`.

    Attributes
    ----------
    t_max_ : int or None
        The :math:`T` in use: ``t_max``, or the number of epochs given to :meth:`start`.

    Notes
    -----
    This is SGDR without the restarts (and PyTorch's ``CosineAnnealingLR`` up to
    :math:`T`, after which PyTorch's rate climbs back up while this one stays at the minimum).

    References
    ----------
    Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017,
    arXiv:1608.03983.

    Examples
    --------
    >>> schedule = CosineAnnealing(t_max=4)
    >>> schedule.start(0.1)
    >>> [round(schedule.step(epoch), 6) for epoch in range(5)]
    [0.085355, 0.05, 0.014645, 0.0, 0.0]
    """

    name = "cosine"
    _config_keys = ("t_max", "min_lr")
    _state_keys = ("t_max_",)

    def __init__(self, t_max: int | None = None, min_lr: float = 0.0) -> None:
        super().__init__()
        self.t_max = None if t_max is None else check_int(t_max, "t_max", minimum=1)
        self.min_lr = check_number(min_lr, "min_lr", ">= 0")
        self.t_max_ = self.t_max

    def start(self, lr0: float, epochs: int | None = None) -> None:
        lr0 = check_number(lr0, "lr0", "> 0")
        if self.min_lr > lr0:
            raise ValueError(
                f"`min_lr` (={self.min_lr!r}) must be at most the initial learning rate, "
                f"got lr0={lr0!r}."
            )
        super().start(lr0, epochs)

    def _resolve(self, epochs: int | None) -> None:
        if self.t_max is None:
            self.t_max_ = self._needs("t_max", epochs)

    def _lr(self, lr0: float, n: int) -> float:
        t_max = self._resolved(self.t_max_)
        progress = min(n, t_max) / t_max
        return self.min_lr + (lr0 - self.min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0


class ReduceOnPlateau(Schedule):
    r"""Multiply the learning rate by ``factor`` when the monitored loss stops improving.

    A loss :math:`L` improves on the best so far, :math:`L^*`, when

    .. math:: L < L^* - \tau\, |L^*|

    with :math:`\tau` = ``threshold`` (a relative margin, so that noise does not count as
    progress). After more than ``patience`` epochs in a row without improvement the rate
    becomes :math:`\eta' = \max(\text{factor}\cdot\eta, \eta_\text{min})` if that lowers it
    by more than ``eps`` (:math:`\eta - \eta' > \epsilon`; otherwise it stays :math:`\eta`),
    and for the next ``cooldown`` epochs bad epochs are not counted.

    Parameters
    ----------
    factor : float, default=0.1
        The factor applied at each reduction, in (0, 1).
    patience : int, default=10
        Epochs without improvement tolerated, >= 0: with ``patience=2`` the rate drops at the
        end of the third bad epoch in a row.
    min_lr : float, default=0.0
        The rate is never reduced below ``min_lr`` >= 0.
    threshold : float, default=1e-4
        Relative improvement :math:`\tau` that counts, in [0, 1).
    cooldown : int, default=0
        Epochs after a reduction during which bad epochs are not counted, >= 0.
    eps : float, default=1e-8
        The smallest reduction made, >= 0: a reduction by ``eps`` or less is skipped, so the
        rate stops shrinking near ``eps / (1 - factor)``. (The patience count and the
        cooldown restart all the same, as in PyTorch.)

    Attributes
    ----------
    best : float
        The lowest monitored loss so far.
    num_bad_epochs : int
        Epochs in a row without improvement (outside cooldowns).

    Notes
    -----
    Follows PyTorch's ``ReduceLROnPlateau(mode="min", threshold_mode="rel")``, except that the
    margin uses :math:`|L^*|`, so that it also means "lower by a fraction" for a negative
    loss. A NaN loss never counts as an improvement. ``eps`` has PyTorch's meaning and default,
    so the two agree down to rates of about ``1e-8`` too.

    Examples
    --------
    >>> schedule = ReduceOnPlateau(factor=0.5, patience=2)
    >>> schedule.start(0.1)
    >>> losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9]
    >>> [schedule.step(epoch, loss) for epoch, loss in enumerate(losses)]
    [0.1, 0.1, 0.1, 0.1, 0.05, 0.05]
    """

    name = "plateau"
    _config_keys = ("factor", "patience", "min_lr", "threshold", "cooldown", "eps")
    _state_keys = ("best", "num_bad_epochs", "cooldown_counter")

    def __init__(
        self,
        factor: float = 0.1,
        patience: int = 10,
        min_lr: float = 0.0,
        threshold: float = 1e-4,
        cooldown: int = 0,
        eps: float = 1e-8,
    ) -> None:
        super().__init__()
        self.factor = check_number(factor, "factor", "in (0, 1)")
        self.patience = check_int(patience, "patience", minimum=0)
        self.min_lr = check_number(min_lr, "min_lr", ">= 0")
        self.threshold = check_number(threshold, "threshold", "in [0, 1)")
        self.cooldown = check_int(cooldown, "cooldown", minimum=0)
        self.eps = check_number(eps, "eps", ">= 0")
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def start(self, lr0: float, epochs: int | None = None) -> None:
        super().start(lr0, epochs)  # nothing here depends on the number of epochs
        self._reset()

    def step(self, epoch: int, metric: float | None = None) -> float:
        lr = self.lr if self.lr is not None else self._started()
        check_int(epoch, "epoch", minimum=0)
        if metric is None:
            raise ValueError(
                "ReduceOnPlateau needs the monitored loss: call step(epoch, metric), got "
                "metric=None."
            )
        loss = check_real(metric, "metric")
        if self._improves(loss):
            self.best = loss
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            # Just after a reduction the loss needs a few epochs to respond to the new rate.
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            reduced = max(lr * self.factor, self.min_lr)
            # PyTorch's rule: skip a reduction of eps or less. It also keeps a min_lr above
            # the current rate from raising it (the difference is then negative).
            if lr - reduced > self.eps:
                lr = reduced
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self.lr = lr
        return lr

    def _improves(self, loss: float) -> bool:
        if math.isinf(self.best):
            return loss < self.best  # the first finite loss; inf - inf would be NaN
        return loss < self.best - self.threshold * abs(self.best)


# --- registry --------------------------------------------------------------------------------

_REGISTRY: Registry[type[Schedule]] = Registry("schedule", "schedule")
_REGISTRY.add(StepDecay.name, StepDecay, "step_decay")
_REGISTRY.add(ExponentialDecay.name, ExponentialDecay, "exponential_decay")
_REGISTRY.add(CosineAnnealing.name, CosineAnnealing, "cosine_annealing")
_REGISTRY.add(ReduceOnPlateau.name, ReduceOnPlateau, "reduce_on_plateau", "reduce_lr_on_plateau")


def names() -> list[str]:
    """The schedule names :func:`get` accepts (aliases such as ``"reduce_on_plateau"`` too).

    >>> names()
    ['cosine', 'exponential', 'plateau', 'step']
    """
    return _REGISTRY.names()


def get(schedule: str | Schedule | None, **params: Any) -> Schedule | None:
    """A schedule from a name and its parameters, the schedule given, or ``None``.

    Parameters
    ----------
    schedule : str, Schedule or None
        A name from :func:`names` (matched whatever the case, surrounding spaces, ``-`` or
        ``_``; the aliases
        ``step_decay``, ``exponential_decay``, ``cosine_annealing``, ``reduce_on_plateau``
        and ``reduce_lr_on_plateau`` also work), an instance (returned as is) or ``None`` (no
        schedule: ``None`` is returned).
    **params
        The constructor's keyword arguments, with a name only.

    Raises
    ------
    ValueError
        For an unknown name (with the valid ones and a did-you-mean) or a bad parameter value.
    TypeError
        For a wrong type of ``schedule``, parameters given with an instance or ``None``, or a
        parameter the schedule does not take.

    Examples
    --------
    >>> get("cosine", t_max=50)
    CosineAnnealing(t_max=50, min_lr=0.0)
    >>> get("Reduce-On-Plateau", patience=3)
    ReduceOnPlateau(factor=0.1, patience=3, min_lr=0.0, threshold=0.0001, cooldown=0, eps=1e-08)
    >>> get("step")     # step_size from the run: see StepDecay
    StepDecay(step_size=None, gamma=0.1)
    """
    if schedule is None or isinstance(schedule, Schedule):
        if params:
            raise TypeError(
                f"Schedule parameters {sorted(params)} can only be given with a schedule name, "
                f"got schedule={schedule!r}."
            )
        return schedule
    if not isinstance(schedule, str):
        raise TypeError(
            f"`schedule` must be a name such as 'cosine', a Schedule instance or None, "
            f"got {schedule!r}."
        )
    # Look the name up first and construct second, so a bad parameter is reported as such.
    cls = _REGISTRY.lookup(schedule)
    accepted = [p for p in inspect.signature(cls).parameters if p != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise TypeError(
            f"Schedule {cls.name!r} takes no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are {', '.join(accepted)}."
        )
    return cls(**params)
