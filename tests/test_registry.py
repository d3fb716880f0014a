"""Tests for neuronet._registry: one name look-up, whatever the spelling, for every registry."""

import re
from collections.abc import Callable
from typing import NamedTuple

import pytest

from neuronet import datasets, init, optimizers, schedules
from neuronet._registry import Registry, normalise

# --- normalise ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        (" LEAKY-RELU ", "leakyrelu"),
        ("adam-w", "adamw"),
        ("l_bfgs", "lbfgs"),
        ("Reduce LR on plateau", "reducelronplateau"),
        ("categorical_cross_entropy", "categoricalcrossentropy"),
        ("\tmse\n", "mse"),
        ("-_ ", ""),
    ],
)
def test_normalise(name, key):
    assert normalise(name) == key


# --- the helper ----------------------------------------------------------------------------


@pytest.fixture
def registry() -> Registry[int]:
    registry: Registry[int] = Registry("colour", "colour")
    registry.add("dark_red", 1, "maroon", "Oxblood")
    registry.add("green", 2)
    registry.add("light-blue", 3)
    return registry


@pytest.mark.parametrize(
    ("name", "item", "canonical"),
    [
        ("dark_red", 1, "dark_red"),
        ("DARK-RED", 1, "dark_red"),
        (" darkred ", 1, "dark_red"),
        ("Dark Red", 1, "dark_red"),
        ("maroon", 1, "dark_red"),
        ("oxblood", 1, "dark_red"),
        ("GREEN", 2, "green"),
        ("light_blue", 3, "light-blue"),  # the canonical spelling is kept as registered
    ],
)
def test_lookup_and_canonical_in_any_spelling(registry, name, item, canonical):
    assert registry.lookup(name) == item
    assert registry.canonical(name) == canonical
    assert name in registry


def test_names_aliases_iteration_and_length(registry):
    assert registry.names() == ["dark_red", "green", "light-blue"]
    assert list(registry) == registry.names()
    assert len(registry) == 3
    assert registry.aliases() == {"Oxblood": "dark_red", "maroon": "dark_red"}
    assert list(registry.aliases()) == sorted(registry.aliases())


@pytest.mark.parametrize("name", ["blue", "", "  ", 3, None, b"green"])
def test_contains_is_false_for_unknown_names_and_non_strings(registry, name):
    assert name not in registry


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("gren", "green"),
        ("Lightblu", "light-blue"),  # matched on keys, shown as registered
        ("darkrd", "dark_red"),
        ("oxbloo", "Oxblood"),  # an alias is suggested in its own spelling
    ],
)
def test_unknown_name_has_a_did_you_mean_in_the_registered_spelling(registry, name, suggestion):
    with pytest.raises(ValueError) as info:
        registry.lookup(name)
    assert str(info.value) == (
        f"Unknown colour {name!r}. Did you mean {suggestion!r}? Valid names: dark_red, green, "
        f"light-blue; aliases: Oxblood (dark_red), maroon (dark_red)."
    )


def test_unknown_name_without_a_close_match(registry):
    with pytest.raises(ValueError, match=r"^Unknown colour 'zzzz'\. Valid names: ") as info:
        registry.canonical("zzzz")
    assert "Did you mean" not in str(info.value)


@pytest.mark.parametrize("name", [3, None, ["green"], b"green"])
def test_a_name_that_is_not_a_str_is_a_type_error(registry, name):
    message = (
        f"`colour` must be a colour name (a str), got {name!r} of type {type(name).__name__}."
    )
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        registry.lookup(name)
    with pytest.raises(TypeError, match=re.escape(message)):
        registry.canonical(name)


def test_type_error_article():
    with pytest.raises(TypeError, match="`optimizer` must be an optimizer name"):
        Registry("optimizer", "optimizer").lookup(1)


@pytest.mark.parametrize(
    ("name", "aliases", "message"),
    [
        ("Green", (), "name 'Green' is already taken by 'green'"),
        ("teal", ("MAROON",), "name 'MAROON' is already taken by 'dark_red'"),
        ("teal", ("light blue",), "name 'light blue' is already taken by 'light-blue'"),
        ("teal", ("te-al",), "repeat the name 'teal'"),
        ("--", (), "must have letters or digits, got '--'"),
        ("teal", (" ",), "must have letters or digits, got ' '"),
    ],
)
def test_a_taken_name_is_refused_and_nothing_is_added(registry, name, aliases, message):
    before = (registry.names(), registry.aliases())
    with pytest.raises(ValueError, match=re.escape(message)):
        registry.add(name, 9, *aliases)
    assert (registry.names(), registry.aliases()) == before
    assert "teal" not in registry


# --- every registry of this package uses it ---------------------------------------------------


class Case(NamedTuple):
    get: Callable[[str], object]  # the module's look-up, reduced to something comparable
    name: str  # a canonical name
    gives: object  # what get(name) returns
    kind: str  # the kind of thing, as error messages say it
    misspelt: str  # an unknown name ...
    suggestion: str  # ... and the name the error suggests for it


MODULES = {
    "optimizers": Case(
        lambda name: type(optimizers.get(name)).__name__,
        "adamw",
        "AdamW",
        "optimizer",
        misspelt="adma",
        suggestion="adam",
    ),
    "schedules": Case(
        lambda name: type(schedules.get(name, patience=1)).__name__,
        "reduce_on_plateau",
        "ReduceOnPlateau",
        "schedule",
        misspelt="platoe",
        suggestion="plateau",
    ),
    "init": Case(
        lambda name: init.choose(name, None),
        "he_uniform",
        "he_uniform",
        "initialiser",
        misspelt="he_unifrm",
        suggestion="he_uniform",
    ),
    "datasets": Case(
        lambda name: datasets.load(name, n_samples=8, seed=0)[0].shape,
        "spiral",
        (8, 2),
        "data set",
        misspelt="spirl",
        suggestion="spiral",
    ),
}


def spellings(name: str) -> list[str]:
    """The same name as people write it: case, spaces, dashes and underscores varied."""
    return [
        name,
        name.upper(),
        name.title(),
        f"  {name}  ",
        name.replace("_", "-"),
        name.replace("_", " ").upper(),
        name.replace("_", ""),
        "_".join(name.replace("_", "")) if len(name) < 8 else name.replace("_", "__"),
    ]


@pytest.mark.parametrize("module", MODULES)
def test_each_module_accepts_every_spelling(module):
    case = MODULES[module]
    for spelling in spellings(case.name):
        assert case.get(spelling) == case.gives, spelling


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: type(optimizers.get("adam-w")).__name__, "AdamW"),  # failed before
        (lambda: type(optimizers.get("L-BFGS")).__name__, "LBFGS"),
        (lambda: type(optimizers.get("l_bfgs")).__name__, "LBFGS"),
        (lambda: type(schedules.get("Reduce LR on Plateau")).__name__, "ReduceOnPlateau"),
        (lambda: init.choose(" AUTO ", None), "glorot_uniform"),
        (lambda: init.choose("Kaiming-Normal", None), "he_normal"),
        (lambda: datasets.load("Spiral", n_samples=6, seed=0)[0].shape, (6, 2)),
        (lambda: datasets.is_regression(" Curve "), True),
        (lambda: datasets.is_regression("SPIRAL"), False),
    ],
    ids=lambda x: "" if callable(x) else repr(x),
)
def test_names_from_the_issue(call, expected):
    assert call() == expected


@pytest.mark.parametrize("module", MODULES)
def test_each_module_gives_a_did_you_mean_for_an_unknown_name(module):
    case = MODULES[module]
    with pytest.raises(ValueError) as info:
        case.get(case.misspelt)
    message = str(info.value)
    assert message.startswith(
        f"Unknown {case.kind} {case.misspelt!r}. Did you mean {case.suggestion!r}? "
    )
    assert "Valid names: " in message


def test_init_auto_needs_choose():
    with pytest.raises(ValueError, match=r"resolve it first with init.choose\('auto'"):
        init.initialise("auto", 2, 2, rng=None)  # type: ignore[arg-type]
