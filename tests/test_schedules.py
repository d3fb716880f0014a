"""Tests for neuronet.schedules: closed forms recomputed from their formulas, ReduceOnPlateau's
patience, threshold, min_lr and cooldown worked epoch by epoch, and the registry."""

import itertools
import json
import math
import re

import numpy as np
import pytest

from conftest import require
from neuronet import schedules
from neuronet.schedules import (
    CosineAnnealing,
    ExponentialDecay,
    ReduceOnPlateau,
    Schedule,
    StepDecay,
)


def run(schedule: Schedule, lr0: float, losses: list[float]) -> list[float]:
    """The learning rates the schedule returns at the end of each epoch."""
    schedule.start(lr0)
    return [schedule.step(epoch, loss) for epoch, loss in enumerate(losses)]


# --- closed forms -----------------------------------------------------------------------------

# Each schedule with its formula written out independently: the lr after n completed epochs.
CLOSED_FORMS = [
    (StepDecay(step_size=3, gamma=0.5), lambda n: 0.2 * 0.5 ** (n // 3)),
    (StepDecay(step_size=1), lambda n: 0.2 * 0.1**n),
    (ExponentialDecay(gamma=0.9), lambda n: 0.2 * 0.9**n),
    (
        CosineAnnealing(t_max=5, min_lr=0.01),
        lambda n: 0.01 + 0.19 * (1 + math.cos(math.pi * min(n, 5) / 5)) / 2,
    ),
]


@pytest.mark.parametrize(("schedule", "formula"), CLOSED_FORMS, ids=lambda x: repr(x)[:24])
def test_closed_forms_follow_their_formula(schedule, formula):
    lrs = run(schedule, 0.2, [1.0] * 12)  # the loss is ignored
    assert lrs == pytest.approx([formula(n) for n in range(1, 13)], rel=1e-12)
    assert schedule.lr == lrs[-1] and schedule.lr0 == 0.2


def test_step_decay_by_hand():
    # 0.1 for epochs 0-1, 0.05 for 2-3, 0.025 for 4-5: the value after epoch e is for e + 1.
    assert run(StepDecay(step_size=2, gamma=0.5), 0.1, [0.0] * 5) == pytest.approx(
        [0.1, 0.05, 0.05, 0.025, 0.025]
    )


def test_cosine_by_hand():
    # t_max = 4: (1 + cos(π/4)) / 2 = 0.853553..., (1 + cos(π/2)) / 2 = 0.5, then 0.146446...
    lrs = run(CosineAnnealing(t_max=4), 1.0, [0.0] * 6)
    expected = [0.8535533905932737, 0.5, 0.14644660940672627, 0.0, 0.0, 0.0]
    assert lrs == pytest.approx(expected, abs=1e-15)


def test_cosine_is_non_increasing_and_stays_at_min():
    lrs = run(CosineAnnealing(t_max=10, min_lr=0.001), 0.1, [0.0] * 20)
    assert all(a >= b for a, b in itertools.pairwise(lrs))
    assert lrs[9:] == [pytest.approx(0.001)] * 11


def test_cosine_min_lr_above_lr0():
    with pytest.raises(ValueError, match=r"`min_lr` \(=0.5\) must be at most the initial"):
        CosineAnnealing(t_max=3, min_lr=0.5).start(0.1)


def test_step_depends_on_epoch_not_on_calls():
    schedule = ExponentialDecay(gamma=0.5)
    schedule.start(1.0)
    assert schedule.step(3) == 1.0 * 0.5**4
    assert schedule.step(0) == 0.5


def test_start_sets_the_lr_and_restarts():
    schedule = ReduceOnPlateau(patience=0, factor=0.5)
    assert schedule.lr is None
    run(schedule, 0.1, [1.0, 1.0, 1.0])
    assert schedule.lr == pytest.approx(0.025)
    schedule.start(0.3)
    assert (schedule.lr, schedule.lr0, schedule.best, schedule.num_bad_epochs) == (
        0.3,
        0.3,
        math.inf,
        0,
    )


@pytest.mark.parametrize(
    "schedule", [StepDecay(2), ExponentialDecay(0.9), CosineAnnealing(3), ReduceOnPlateau()]
)
def test_step_before_start(schedule):
    fresh = type(schedule)(**schedule.get_config())
    with pytest.raises(RuntimeError, match=r"start\(lr0\) before step\(\)"):
        fresh.step(0, 1.0)


@pytest.mark.parametrize("schedule", [StepDecay(2), ReduceOnPlateau()])
def test_bad_epoch(schedule):
    schedule.start(0.1)
    with pytest.raises(ValueError, match=re.escape("`epoch` must be an integer >= 0, got -1.")):
        schedule.step(-1, 1.0)
    message = "`epoch` must be an integer >= 0, got 1.5 of type float."
    with pytest.raises(TypeError, match=re.escape(message)):
        schedule.step(1.5, 1.0)


@pytest.mark.parametrize("lr0", [0.0, -0.1, math.nan])
def test_bad_lr0(lr0):
    with pytest.raises(ValueError, match="`lr0` must be a finite number > 0"):
        StepDecay(2).start(lr0)


# --- defaults from the run ------------------------------------------------------------------

# A schedule built without arguments, a run length, and what it derives from that length.
DERIVED = [
    (CosineAnnealing, 10, "t_max_", 10),
    (CosineAnnealing, 1, "t_max_", 1),
    (StepDecay, 10, "step_size_", 3),
    (StepDecay, 9, "step_size_", 3),
    (StepDecay, 2, "step_size_", 1),  # never 0
    (ExponentialDecay, 20, "gamma_", 0.01 ** (1 / 20)),
    (ExponentialDecay, 1, "gamma_", 0.01),
]


@pytest.mark.parametrize(("cls", "epochs", "attribute", "value"), DERIVED)
def test_parameters_left_out_are_derived_from_the_run(cls, epochs, attribute, value):
    schedule = cls()
    assert getattr(schedule, attribute) is None
    schedule.start(0.1, epochs=epochs)
    assert getattr(schedule, attribute) == value and schedule.epochs == epochs
    # get_config keeps the constructor's arguments, so a twin derives its own values again.
    assert schedule.get_config() == cls().get_config()


@pytest.mark.parametrize("name", ["cosine", "step", "exponential", "plateau"])
def test_every_schedule_works_by_name_alone(name):
    # fit(schedule=name) builds the schedule without arguments (issue 14).
    schedule = schedules.get(name)
    lrs = run_for(schedule, 0.1, epochs=12)
    assert all(0 <= lr <= 0.1 for lr in lrs) and lrs[-1] < 0.1


def run_for(schedule: Schedule, lr0: float, epochs: int) -> list[float]:
    """The learning rates of a whole run, started as the training loop starts it."""
    schedule.start(lr0, epochs=epochs)
    return [schedule.step(epoch, 1.0) for epoch in range(epochs)]


def test_derived_defaults_by_hand():
    # Cosine over the whole run: epochs = t_max = 4, the rate reaches 0 after the last epoch.
    assert run_for(CosineAnnealing(), 1.0, 4) == pytest.approx(
        [0.8535533905932737, 0.5, 0.14644660940672627, 0.0], abs=1e-15
    )
    # Step: 7 epochs -> step_size 2: 0.1 for epochs 0-1, 0.01 for 2-3, 0.001 for 4-5, ...
    assert run_for(StepDecay(), 0.1, 7) == pytest.approx([0.1, 0.01, 0.01, 1e-3, 1e-3, 1e-4, 1e-4])
    # Exponential: gamma = 0.01^(1/4) = 1/√10, so the rate falls a hundredfold over 4 epochs.
    lrs = run_for(ExponentialDecay(), 1.0, 4)
    assert lrs == pytest.approx([10**-0.5, 0.1, 10**-1.5, 0.01], rel=1e-12)


def test_given_parameters_win_over_the_run():
    schedule = CosineAnnealing(t_max=5)
    schedule.start(0.1, epochs=100)
    assert schedule.t_max_ == 5
    schedule = StepDecay(step_size=4, gamma=0.5)
    schedule.start(0.1, epochs=100)
    assert schedule.step_size_ == 4
    schedule = ExponentialDecay(gamma=0.9)
    schedule.start(0.1, epochs=100)
    assert schedule.gamma_ == 0.9


@pytest.mark.parametrize(
    "schedule", [StepDecay(2), ExponentialDecay(0.9), CosineAnnealing(3), ReduceOnPlateau()]
)
def test_start_without_epochs_works_when_nothing_is_derived(schedule):
    schedule.start(0.1)
    assert schedule.step(0, 1.0) <= 0.1 and schedule.epochs is None


def test_each_run_derives_its_values_again():
    schedule = CosineAnnealing()
    schedule.start(0.1, epochs=30)
    schedule.start(0.1, epochs=60)
    assert schedule.t_max_ == 60


@pytest.mark.parametrize(
    ("cls", "argument"),
    [(CosineAnnealing, "t_max"), (StepDecay, "step_size"), (ExponentialDecay, "gamma")],
)
def test_a_default_that_needs_the_run_says_which_argument_to_give(cls, argument):
    schedule = cls()
    message = (
        f"{cls.__name__} derives `{argument}` from the number of epochs, which was not given: "
        f"pass {argument}=... to {cls.__name__}(), or call start(lr0, epochs=...)."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        schedule.start(0.1)
    assert schedule.lr0 is None  # a failed start changes nothing
    with pytest.raises(RuntimeError, match=r"start\(lr0\) before step\(\)"):
        schedule.step(0)


@pytest.mark.parametrize(
    ("epochs", "error", "message"),
    [
        (0, ValueError, "`epochs` must be a positive integer, got 0."),
        (2.5, TypeError, "`epochs` must be a positive integer, got 2.5 of type float."),
        (True, TypeError, "`epochs` must be a positive integer, got True of type bool."),
    ],
)
@pytest.mark.parametrize("cls", [CosineAnnealing, StepDecay, ExponentialDecay, ReduceOnPlateau])
def test_bad_epochs(cls, epochs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        cls().start(0.1, epochs=epochs)


# --- ReduceOnPlateau ------------------------------------------------------------------------


def test_plateau_reduces_after_patience():
    # Epoch 0 sets the best loss; epochs 1 and 2 are tolerated (patience 2); at the end of
    # epoch 3, the third bad epoch in a row, the rate halves and the count starts again:
    # epochs 4, 5 and 6 are the next three bad ones.
    lrs = run(ReduceOnPlateau(factor=0.5, patience=2), 0.1, [1.0] * 8)
    assert lrs == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025])


def test_plateau_improvement_resets_the_count():
    # Epoch 3 improves: bad epochs are counted again from epoch 4 and the rate drops at 6.
    lrs = run(ReduceOnPlateau(factor=0.5, patience=2), 0.1, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5])
    assert lrs == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05])


def test_plateau_relative_threshold():
    # threshold 0.1: a loss improves on the best only if lower by more than 10 %.
    schedule = ReduceOnPlateau(factor=0.5, patience=1, threshold=0.1)
    # 0.95 and 0.92 are not below 1.0 - 0.1 = 0.9: two bad epochs, reduce after epoch 2.
    assert run(schedule, 0.1, [1.0, 0.95, 0.92]) == pytest.approx([0.1, 0.1, 0.05])
    # 0.85 is: it improves, and the best becomes 0.85.
    assert run(schedule, 0.1, [1.0, 0.85, 0.85])[-1] == pytest.approx(0.1)
    assert schedule.best == 0.85


def test_plateau_threshold_for_negative_losses():
    # The margin is relative to |best|: from -1.0, a loss must drop below -1.1 to count.
    schedule = ReduceOnPlateau(factor=0.5, patience=0, threshold=0.1)
    assert run(schedule, 0.1, [-1.0, -1.05]) == pytest.approx([0.1, 0.05])
    assert run(schedule, 0.1, [-1.0, -1.2]) == pytest.approx([0.1, 0.1])


def test_plateau_respects_min_lr():
    # factor 0.1: 0.1 -> 0.01 -> max(0.001, 0.005) = 0.005, and never below.
    schedule = ReduceOnPlateau(factor=0.1, patience=0, min_lr=0.005)
    assert run(schedule, 0.1, [1.0] * 5) == pytest.approx([0.1, 0.01, 0.005, 0.005, 0.005])


def test_plateau_min_lr_above_lr_does_not_raise_it():
    assert run(ReduceOnPlateau(patience=0, min_lr=1.0), 0.1, [1.0] * 3) == [0.1] * 3


def test_plateau_cooldown():
    # patience 0: every bad epoch outside a cooldown reduces. After each reduction, 2 epochs
    # of cooldown do not count: reductions at the end of epochs 1, 4 and 7.
    lrs = run(ReduceOnPlateau(factor=0.5, patience=0, cooldown=2), 0.1, [1.0] * 8)
    assert lrs == pytest.approx([0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125])


def test_plateau_nan_loss_is_not_an_improvement():
    schedule = ReduceOnPlateau(factor=0.5, patience=1)
    assert run(schedule, 0.1, [1.0, math.nan, math.nan]) == pytest.approx([0.1, 0.1, 0.05])
    assert schedule.best == 1.0


def test_plateau_needs_a_metric():
    schedule = ReduceOnPlateau()
    schedule.start(0.1)
    with pytest.raises(ValueError, match="ReduceOnPlateau needs the monitored loss"):
        schedule.step(0)
    message = "`metric` must be a real number, got 'low' of type str."
    with pytest.raises(TypeError, match=re.escape(message)):
        schedule.step(0, "low")


def test_plateau_skips_reductions_of_eps_or_less_by_hand():
    # eps 0.01, factor 0.5: 0.1 -> 0.05 -> 0.025 -> 0.0125 each lower the rate by more than
    # 0.01; the next, 0.0125 -> 0.00625, would lower it by only 0.00625 and is skipped.
    schedule = ReduceOnPlateau(factor=0.5, patience=0, eps=0.01)
    lrs = run(schedule, 0.1, [1.0] * 6)
    assert lrs == pytest.approx([0.1, 0.05, 0.025, 0.0125, 0.0125, 0.0125], rel=1e-15)
    # A skipped reduction still restarts the count, as PyTorch's does.
    assert schedule.num_bad_epochs == 0


def test_plateau_default_eps_at_the_boundary():
    # The rule is strict, old - new > eps: 4e-8 -> 2e-8 lowers by 2e-8 > 1e-8, but
    # 2e-8 -> 1e-8 lowers by exactly 1e-8 (halving is exact in binary), so it is skipped.
    assert ReduceOnPlateau().eps == 1e-8
    lrs = run(ReduceOnPlateau(factor=0.5, patience=0), 4e-8, [1.0] * 4)
    assert lrs == [4e-8, 2e-8, 2e-8, 2e-8]
    # With eps=0 the rate keeps halving.
    lrs = run(ReduceOnPlateau(factor=0.5, patience=0, eps=0.0), 4e-8, [1.0] * 4)
    assert lrs == [4e-8, 2e-8, 1e-8, 5e-9]


PLATEAU_CONFIGS = [
    {"factor": 0.5, "patience": 1},
    {"factor": 0.5, "patience": 0, "cooldown": 2},
    {"factor": 0.1, "patience": 2, "min_lr": 3e-7, "threshold": 0.01},
    {"factor": 0.3, "patience": 1, "eps": 1e-7},
    {"factor": 0.5, "patience": 0, "eps": 0.0},
]


@pytest.mark.parametrize("config", PLATEAU_CONFIGS, ids=lambda c: ",".join(map(str, c.values())))
@pytest.mark.parametrize("lr0", [1e-6, 0.1])
def test_plateau_matches_pytorch(config, lr0, rng):
    torch = require("torch")
    # A noisy plateau with a few real improvements, positive (where PyTorch's relative
    # threshold, best * (1 - threshold), is the same as ours).
    losses = (1.0 + 0.05 * rng.standard_normal(80)) * np.repeat([1.0, 0.8, 0.6, 0.5], 20)
    losses = [float(loss) for loss in losses]
    ours = run(ReduceOnPlateau(**config), lr0, losses)
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=lr0)
    torch_config = {**config, "mode": "min", "threshold_mode": "rel"}
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **torch_config)
    theirs = []
    for loss in losses:
        scheduler.step(loss)
        theirs.append(optimizer.param_groups[0]["lr"])
    assert ours == pytest.approx(theirs, rel=1e-12, abs=0)
    assert len(set(ours)) >= 2  # the run did reduce


# --- configuration and validation -----------------------------------------------------------

ALL = [
    StepDecay(step_size=5, gamma=0.5),
    ExponentialDecay(gamma=0.95),
    CosineAnnealing(t_max=100, min_lr=1e-5),
    ReduceOnPlateau(factor=0.2, patience=3, min_lr=1e-6, threshold=0.01, cooldown=1, eps=0.0),
    StepDecay(),  # defaults from the run: None round-trips as None
    ExponentialDecay(),
    CosineAnnealing(min_lr=1e-5),
]


@pytest.mark.parametrize("schedule", ALL, ids=repr)
def test_config_round_trip(schedule):
    config = schedule.get_config()
    twin = type(schedule).from_config(json.loads(json.dumps(config)))
    assert twin.get_config() == config and repr(twin) == repr(schedule)


def test_repr():
    assert repr(StepDecay(10)) == "StepDecay(step_size=10, gamma=0.1)"
    assert repr(ReduceOnPlateau()) == (
        "ReduceOnPlateau(factor=0.1, patience=10, min_lr=0.0, threshold=0.0001, cooldown=0, "
        "eps=1e-08)"
    )
    assert repr(CosineAnnealing()) == "CosineAnnealing(t_max=None, min_lr=0.0)"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: StepDecay(0), ValueError, "`step_size` must be a positive integer, got 0."),
        (
            lambda: StepDecay(2.5),
            TypeError,
            "`step_size` must be a positive integer, got 2.5 of type float.",
        ),
        (lambda: StepDecay(2, gamma=0), ValueError, "`gamma` must be a number in (0, 1]"),
        (lambda: ExponentialDecay(1.5), ValueError, "`gamma` must be a number in (0, 1]"),
        (lambda: ExponentialDecay("0.9"), TypeError, "`gamma` must be a number in (0, 1]"),
        (lambda: CosineAnnealing(0), ValueError, "`t_max` must be a positive integer, got 0."),
        (lambda: CosineAnnealing(5, min_lr=-1), ValueError, "`min_lr` must be a finite number >="),
        (
            lambda: ReduceOnPlateau(factor=1),
            ValueError,
            "`factor` must be a number in (0, 1), got 1.0.",
        ),
        (lambda: ReduceOnPlateau(patience=-1), ValueError, "`patience` must be an integer >= 0"),
        (
            lambda: ReduceOnPlateau(threshold=1),
            ValueError,
            "`threshold` must be a number in [0, 1), got 1.0.",
        ),
        (lambda: ReduceOnPlateau(cooldown=True), TypeError, "`cooldown` must be an integer >= 0"),
        (lambda: ReduceOnPlateau(min_lr=math.inf), ValueError, "`min_lr` must be a finite number"),
        (lambda: ReduceOnPlateau(eps=-1e-8), ValueError, "`eps` must be a finite number >= 0"),
        (lambda: CosineAnnealing(t_max=2.0), TypeError, "`t_max` must be a positive integer"),
        (lambda: ExponentialDecay(gamma=0), ValueError, "`gamma` must be a number in (0, 1]"),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


# --- registry -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "cls"),
    [
        ("step", {"step_size": 3}, StepDecay),
        ("step_decay", {"step_size": 3}, StepDecay),
        ("exponential", {"gamma": 0.9}, ExponentialDecay),
        ("cosine", {"t_max": 10}, CosineAnnealing),
        ("Cosine-Annealing", {"t_max": 10}, CosineAnnealing),
        ("plateau", {}, ReduceOnPlateau),
        ("reduce_on_plateau", {"patience": 3}, ReduceOnPlateau),
        ("REDUCE-ON-PLATEAU", {}, ReduceOnPlateau),
    ],
)
def test_get_by_name(name, params, cls):
    schedule = schedules.get(name, **params)
    assert type(schedule) is cls
    assert params.items() <= schedule.get_config().items()


def test_names():
    assert schedules.names() == ["cosine", "exponential", "plateau", "step"]


def test_get_none_and_instances():
    assert schedules.get(None) is None
    schedule = CosineAnnealing(10)
    assert schedules.get(schedule) is schedule
    with pytest.raises(TypeError, match=r"can only be given with a schedule name"):
        schedules.get(schedule, t_max=5)
    with pytest.raises(TypeError, match=r"can only be given with a schedule name"):
        schedules.get(None, gamma=0.5)


def test_get_unknown_name():
    with pytest.raises(ValueError) as info:
        schedules.get("cosin", t_max=3)
    assert "Unknown schedule 'cosin'. Did you mean 'cosine'?" in str(info.value)
    assert (
        "Valid names: cosine, exponential, plateau, step; aliases: cosine_annealing (cosine)"
        in (str(info.value))
    )


def test_get_bad_parameters():
    with pytest.raises(TypeError, match="Schedule 'step' takes no parameter 'gama'; its param"):
        schedules.get("step", step_size=2, gama=0.5)
    with pytest.raises(ValueError, match="`gamma` must be a number in"):
        schedules.get("exponential", gamma=2.0)


@pytest.mark.parametrize("bad", [3, ["cosine"], CosineAnnealing])
def test_get_wrong_type(bad):
    with pytest.raises(TypeError, match="`schedule` must be a name"):
        schedules.get(bad)


# --- state_dict: what a checkpoint saves ------------------------------------------------------


@pytest.mark.parametrize("schedule", ALL, ids=repr)
@pytest.mark.parametrize("stop", [0, 4])
def test_state_dict_round_trip_continues_where_it_was(schedule, stop, rng):
    losses = [float(x) for x in 1.0 + 0.1 * rng.standard_normal(12)]
    whole = type(schedule).from_config(schedule.get_config())
    whole.start(0.1, epochs=12)
    expected = [whole.step(epoch, loss) for epoch, loss in enumerate(losses)]

    first = type(schedule).from_config(schedule.get_config())
    first.start(0.1, epochs=12)
    for epoch in range(stop):
        first.step(epoch, losses[epoch])
    state = first.state_dict()
    # JSON, but for ReduceOnPlateau's best before its first step, which is inf.
    assert json.loads(json.dumps(state)) == state
    twin = type(schedule)()  # default parameters: the state's replace them
    twin.load_state_dict(json.loads(json.dumps(state)))
    assert twin.get_config() == schedule.get_config()
    resumed = [twin.step(epoch, losses[epoch]) for epoch in range(stop, 12)]
    assert resumed == expected[stop:]


def test_plateau_state_dict_holds_its_counters():
    schedule = ReduceOnPlateau(patience=1, cooldown=2, factor=0.5)
    schedule.start(0.1)
    for epoch, loss in enumerate([1.0, 1.0, 1.0]):
        schedule.step(epoch, loss)
    assert schedule.state_dict()["state"] == {
        "lr0": 0.1,
        "lr": 0.05,
        "epochs": None,
        "best": 1.0,
        "num_bad_epochs": 0,
        "cooldown_counter": 2,
    }
    assert ReduceOnPlateau().state_dict()["state"]["best"] == math.inf


def test_load_state_dict_refuses_another_schedule_or_a_missing_value():
    state = CosineAnnealing(t_max=5).state_dict()
    with pytest.raises(
        ValueError, match="holds the state of CosineAnnealing; it cannot be loaded into StepDecay"
    ):
        StepDecay().load_state_dict(state)
    del state["state"]["t_max_"]
    with pytest.raises(
        ValueError, match=r"CosineAnnealing\(t_max=5, min_lr=0.0\)` lacks t_max_|lacks t_max_"
    ):
        CosineAnnealing().load_state_dict(state)
