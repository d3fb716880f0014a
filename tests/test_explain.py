"""Tests for neuronet.explain: activation cards, comparisons, and the remedies they give.

Every card is checked, for every registered activation, against the activation class it is
built from: the card must show the class's facts and add none of its own. The remedy audit
checks that each remedy names only features neuronet has, with arguments that exist.
"""

import html
import inspect
import json
import math
import re
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from io import StringIO

import numpy as np
import pytest
from rich.console import Console
from scipy import special

from neuronet import MLP, activations, init, losses, optimizers, schedules
from neuronet.activations import ELU, GELU
from neuronet.explain import ActivationCard, Comparison, compare, explain

NAMES = activations.names()
SVG_NS = "{http://www.w3.org/2000/svg}"


def flat(text):
    """`text` with every run of whitespace made one space: wrapping does not matter."""
    return " ".join(text.split())


def rich_text(renderable, width=100):
    """What rich prints for `renderable`, without the panel's side borders."""
    console = Console(file=StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue().replace("│", " ")


@pytest.fixture(params=NAMES)
def card(request):
    return explain(request.param)


# --------------------------------------------------------------------------------------
# The card shows the class's facts
# --------------------------------------------------------------------------------------


def test_card_is_built_from_the_registry(card):
    assert isinstance(card, ActivationCard)
    assert card.activation == activations.get(card.name)
    assert repr(card) == f"ActivationCard({card.activation!r})"


def test_formulas_appear_everywhere(card):
    act = card.activation
    text, page, data = flat(str(card)), card._repr_html_(), card.to_dict()
    for formula in (act.formula, act.derivative_formula):
        assert flat(formula) in text
        assert html.escape(formula) in page
    for key in ("formula", "derivative_formula", "latex", "derivative_latex"):
        assert data[key] == getattr(act, key)
    assert html.escape(act.latex) in page and html.escape(act.derivative_latex) in page
    assert flat(act.description) in text and html.escape(act.description) in page
    assert data["description"] == act.description


def test_issues_and_remedies_appear_everywhere(card):
    act = card.activation
    text, page, data = flat(str(card)), card._repr_html_(), card.to_dict()
    terminal = flat(rich_text(card))
    assert data["issues"] == [
        {"name": i.name, "description": i.description, "remedy": i.remedy} for i in act.issues
    ]
    for issue in act.issues:
        for part in (issue.name, issue.description, issue.remedy):
            assert flat(part) in text
            assert html.escape(part) in page
        assert flat(issue.remedy) in terminal


def test_rich_rendering(card):
    out = rich_text(card)
    assert card.name in out or repr(card.activation) in out
    assert repr(card.activation) in out
    for issue in card.activation.issues:
        assert issue.name in flat(out)
    assert card.activation.recommended_init in out


def test_recommended_init_and_properties(card):
    act = card.activation
    data = card.to_dict()
    assert data["recommended_init"] == act.recommended_init
    assert f"init={act.recommended_init!r}" in str(card)
    assert html.escape(f"init={act.recommended_init!r}") in card._repr_html_()
    assert act.recommended_init in init.names()
    assert data["properties"] == {
        "bounded": act.bounded,
        "zero_centred": act.zero_centred,
        "monotonic": act.monotonic,
        "smooth": act.smooth,
        "elementwise": act.elementwise,
    }
    words = {
        "bounded": "bounded",
        "zero_centred": "zero-centred",
        "monotonic": "monotonic",
        "smooth": "smooth",
        "elementwise": "element-wise",
    }
    for key, word in words.items():
        phrase = word if getattr(act, key) else f"not {word}"
        assert re.search(rf"(^|, ){phrase}(,|$)", card.properties_text()), phrase
    assert card.properties_text() in flat(str(card))


def test_range_is_json_and_round_trips(card):
    data = json.loads(json.dumps(card.to_dict()))
    low, high = card.activation.output_range
    assert [float(x) for x in data["range"]] == [low, high]
    for value, end in zip(data["range"], (low, high), strict=True):
        assert isinstance(value, str) == math.isinf(end)


def test_kinks_show_the_derivative_the_code_uses(card):
    act = card.activation
    kinks = card.to_dict()["kinks"]
    assert [k["z"] for k in kinks] == list(act.kinks)
    for k in kinks:
        assert k["derivative"] == float(act.derivative(np.array([k["z"]]))[0])
        assert k["left"] != k["right"]  # a kink is where f' jumps
        assert f"f'({k['z']:g}) = {k['derivative']:.4g}" in flat(str(card))
    assert len(card.kink_notes()) == len(act.kinks)


def test_relu_kink_convention():
    (kink,) = explain("relu").to_dict()["kinks"]
    assert kink == {"z": 0.0, "left": 0.0, "right": 1.0, "derivative": 0.0}
    (kink,) = explain("elu", alpha=0.5).to_dict()["kinks"]
    assert kink["derivative"] == 0.5 and kink["right"] == 1.0
    assert explain("elu").to_dict()["kinks"] == []  # alpha = 1: smooth


def test_aliases_are_listed():
    card = explain("swish")
    assert card.name == "silu"
    assert card.aliases() == ["swish"]
    assert "swish" in str(card) and "swish" in card._repr_html_()


def test_parameters_and_instances():
    act = ELU(alpha=0.5)
    card = explain(act)
    assert card.activation is act
    assert card.to_dict()["params"] == {"alpha": 0.5}
    assert card.to_dict()["range"] == [-0.5, "inf"]
    assert explain(ELU).activation == ELU()
    assert card.label() == "ELU(alpha=0.5)" and explain("elu").label() == "elu"


def test_gelu_tanh_card_shows_the_tanh_formulas():
    tanh_form = GELU.variants[0]
    card = explain("gelu", approximate="tanh")
    data = card.to_dict()
    assert data["formula"] == tanh_form.formula
    assert data["derivative_formula"] == tanh_form.derivative_formula
    assert data["latex"] == tanh_form.latex
    assert flat(tanh_form.formula) in flat(str(card))
    assert html.escape(tanh_form.formula) in card._repr_html_()
    in_use = {form["label"]: form["in_use"] for form in data["forms"]}
    assert in_use == {"default": False, tanh_form.label: True}
    assert data["range"][0] == card.activation.output_range[0]


def test_exact_gelu_card_lists_the_tanh_form_too():
    tanh_form = GELU.variants[0]
    card = explain("gelu")
    assert card.to_dict()["formula"] == GELU.formula
    text = flat(str(card))
    assert flat(tanh_form.formula) in text and flat(tanh_form.derivative_formula) in text
    page = card._repr_html_()
    assert html.escape(tanh_form.latex) in page and html.escape(tanh_form.derivative_latex) in page


@pytest.mark.parametrize(
    ("name", "loss"),
    [
        ("softmax", "categorical_cross_entropy"),
        ("sigmoid", "binary_cross_entropy"),
        ("identity", "mse"),
    ],
)
def test_output_pairing_of_the_canonical_outputs(name, loss):
    card = explain(name)
    assert card.to_dict()["output_loss"] == {"loss": loss, "canonical": True}
    assert f"loss={loss!r}" in str(card)
    assert "hidden" not in card.output_loss.text()


def test_output_pairing_follows_the_losses(card):
    # Derived from each Loss's canonical_output, so it must agree with them.
    canonical = {
        type(losses.get(name)).canonical_output: name
        for name in losses.names()
        if type(losses.get(name)).canonical_output
    }
    pairing = card.to_dict()["output_loss"]
    if card.name in canonical:
        assert pairing == {"loss": canonical[card.name], "canonical": True}
    else:
        assert pairing == {"loss": losses.default_for_output(card.name).name, "canonical": False}
        assert "meant for hidden layers" in str(card)


def test_to_dict_is_json(card):
    data = card.to_dict()
    assert json.loads(json.dumps(data)) == data


def test_unknown_name_raises_the_registry_error():
    with pytest.raises(ValueError, match=r"Unknown activation 'relux'\. Did you mean 'relu'\?"):
        explain("relux")
    with pytest.raises(ValueError, match="approximate"):
        explain("gelu", approximate="fast")
    with pytest.raises(ValueError, match="Did you mean 'tanh'"):
        compare(["relu", "tahn"])


# --------------------------------------------------------------------------------------
# The inline SVG draws f and f' where they are
# --------------------------------------------------------------------------------------


def svg_of(page):
    match = re.search(r"<svg .*?</svg>", page, flags=re.DOTALL)
    assert match, "no inline <svg>"
    return ET.fromstring(match.group(0))


def polyline_values(svg, polyline):
    """The (z, value) points of `polyline`, mapped back from pixels with the svg's ranges."""
    z0, z1 = map(float, svg.get("data-z-range").split())
    y0, y1 = map(float, svg.get("data-y-range").split())
    left, top, right, bottom = map(float, svg.get("data-box").split())
    pixels = np.array([p.split(",") for p in polyline.get("points").split()], dtype=float)
    z = z0 + (pixels[:, 0] - left) / (right - left) * (z1 - z0)
    value = y0 + (bottom - pixels[:, 1]) / (bottom - top) * (y1 - y0)
    return z, value, (y1 - y0) / (bottom - top)  # value per pixel


def reference_curves(act, z):
    if act.elementwise:
        return act.forward(z), act.derivative(z)
    # Softmax is drawn along one input, softmax([z, 0])_1: that is the sigmoid.
    s = special.expit(z)
    return s, s * (1.0 - s)


def test_html_plots_f_and_its_derivative(card):
    svg = svg_of(card._repr_html_())
    lines = svg.findall(f"{SVG_NS}polyline")
    assert [line.get("class") for line in lines] == ["f", "df"]
    wanted = np.array([-4.0, -2.0, -0.5, 0.25, 1.0, 3.5])
    expected = reference_curves(card.activation, wanted)
    for line, reference in zip(lines, expected, strict=True):
        z, value, per_pixel = polyline_values(svg, line)
        assert z[0] == pytest.approx(-5.0) and z[-1] == pytest.approx(5.0)
        index = [int(np.argmin(np.abs(z - w))) for w in wanted]
        np.testing.assert_allclose(z[index], wanted, atol=1e-3)
        np.testing.assert_allclose(value[index], reference, atol=per_pixel)


def test_html_marks_the_derivative_at_each_kink(card):
    svg = svg_of(card._repr_html_())
    assert len(svg.findall(f"{SVG_NS}circle")) == len(card.activation.kinks)


def test_html_is_self_contained(card):
    page = card._repr_html_()
    for outside in ("<script", "<link", "src=", "href=", "@import"):
        assert outside not in page


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------


def test_compare_has_one_row_per_activation():
    chosen = ["relu", "tanh", GELU(approximate="tanh"), "softmax"]
    comparison = compare(chosen)
    assert isinstance(comparison, Comparison) and len(comparison) == 4
    rows = comparison.rows()
    assert [row["name"] for row in rows] == ["relu", "tanh", "GELU(approximate='tanh')", "softmax"]
    assert set(rows[0]) == set(comparison.columns)
    for row, card in zip(rows, comparison, strict=True):
        act = card.activation
        assert row["formula"] == act.formula
        assert row["issues"] == [issue.name for issue in act.issues]
        assert row["recommended_init"] == act.recommended_init
        assert row["bounded"] == act.bounded and row["smooth"] == act.smooth
    assert [row["output_loss"] for row in rows][-1] == "categorical_cross_entropy"
    data = comparison.to_dict()
    assert json.loads(json.dumps(data)) == data and len(data["rows"]) == 4


def test_compare_renders_every_row():
    comparison = compare(["relu", "sigmoid", "selu"])
    text = str(comparison)
    table = text.split("\n\n")[0].splitlines()
    assert len(table) == 2 + 3 + 1  # header, rule, a row each, legend
    terminal = rich_text(comparison, width=120)
    page = comparison._repr_html_()
    assert page.count("<tr>") == 1 + 3
    for name in ("relu", "sigmoid", "selu"):
        assert name in text and name in terminal and name in page
    assert "lecun_normal" in terminal and "binary_cross_entropy" in flat(terminal)


def test_compare_html_plots_every_f():
    comparison = compare(["relu", "tanh", "softplus"])
    svg = svg_of(comparison._repr_html_())
    lines = svg.findall(f"{SVG_NS}polyline")
    assert [line.get("data-label") for line in lines] == ["relu", "tanh", "softplus"]
    assert {line.get("class") for line in lines} == {"f"}
    wanted = np.array([-3.0, 0.5, 2.0])
    for line, card in zip(lines, comparison, strict=True):
        z, value, per_pixel = polyline_values(svg, line)
        index = [int(np.argmin(np.abs(z - w))) for w in wanted]
        np.testing.assert_allclose(value[index], card.activation.forward(wanted), atol=per_pixel)


def test_compare_defaults_to_every_activation():
    assert [card.name for card in compare()] == NAMES


@pytest.mark.parametrize("bad", ["relu", GELU(), GELU, 3])
def test_compare_wants_a_list(bad):
    with pytest.raises(TypeError, match="list of activations"):
        compare(bad)


def test_compare_refuses_nothing():
    with pytest.raises(ValueError, match="empty"):
        compare([])


# --------------------------------------------------------------------------------------
# plot() hands over to neuronet.plot.activations; the import stays light
# --------------------------------------------------------------------------------------


@pytest.fixture
def plot_stub(monkeypatch):
    """A stand-in for neuronet.plot that records its calls."""
    calls = []
    stub = types.ModuleType("neuronet.plot")

    def activations_(acts, **kwargs):
        calls.append((acts, kwargs))
        return "figure"

    stub.activations = activations_
    monkeypatch.setitem(sys.modules, "neuronet.plot", stub)
    return calls


def test_card_plot_calls_neuronet_plot(plot_stub):
    card = explain("gelu", approximate="tanh")
    ax = object()
    assert card.plot(ax=ax) == "figure"
    assert card.plot(derivative=False) == "figure"
    assert plot_stub == [
        ([card.activation], {"ax": ax}),
        ([card.activation], {"ax": None, "derivative": False}),
    ]


def test_comparison_plot_calls_neuronet_plot(plot_stub):
    comparison = compare(["relu", "tanh"])
    assert comparison.plot() == "figure"
    assert plot_stub == [([activations.get("relu"), activations.get("tanh")], {"ax": None})]


def test_import_brings_neither_matplotlib_nor_rich():
    code = (
        "import sys\nfrom neuronet.explain import explain, compare\n"
        "card = explain('relu'); str(card); card._repr_html_(); card.to_dict()\n"
        "str(compare()); compare()._repr_html_()\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'rich')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------
# Remedy audit: every remedy names a feature neuronet offers
# --------------------------------------------------------------------------------------

# Each keyword a remedy may name: where neuronet takes it and, for a name-valued argument,
# the names it accepts. Every remedy must name at least one of these.
ARGUMENTS = {
    "activation": (MLP.__init__, activations.names),
    "output": (MLP.__init__, activations.names),
    "loss": (MLP.__init__, losses.names),
    "init": (MLP.__init__, lambda: [*init.names(), "auto"]),
    "dropout": (MLP.__init__, None),
    "norm": (MLP.__init__, lambda: ["batch", "layer"]),
    "lr": (MLP.fit, None),
    "l2": (MLP.fit, None),
    "schedule": (MLP.fit, schedules.names),
    "optimizer": (MLP.fit, optimizers.names),
    "weight_decay": (optimizers.AdamW.__init__, None),
    "approximate": (GELU.__init__, lambda: ["none", "tanh"]),
}
# Things neuronet does not have; a remedy that suggests one cannot be followed.
ABSENT = ("clip", "alpha dropout", "alpha_dropout", "alphadropout", "max_norm", "max-norm")
# Quoted names may continue a list after a keyword: "activation='leaky_relu', 'prelu' or 'elu'".
KNOWN_NAMES = {name for _, names in ARGUMENTS.values() if names for name in names()}

REMEDIES = [
    pytest.param(issue.remedy, id=f"{name}: {issue.name}")
    for name in NAMES
    for issue in activations.get(name).issues
]


def test_the_argument_table_is_true():
    for keyword, (where, _) in ARGUMENTS.items():
        assert keyword in inspect.signature(where).parameters, keyword
    for norm in ARGUMENTS["norm"][1]():
        MLP([2, 3, 1], norm=norm)  # accepted
    for approximate in ARGUMENTS["approximate"][1]():
        GELU(approximate=approximate)


@pytest.mark.parametrize("remedy", REMEDIES)
def test_every_remedy_names_a_neuronet_feature(remedy):
    keywords = re.findall(r"\b([a-z_][a-z0-9_]*)=", remedy)
    assert keywords, f"names no neuronet argument: {remedy!r}"
    for keyword in keywords:
        assert keyword in ARGUMENTS, f"{keyword}= is not a neuronet argument: {remedy!r}"
    for keyword, value in re.findall(r"\b([a-z_][a-z0-9_]*)='([^']*)'", remedy):
        names = ARGUMENTS[keyword][1]
        assert names is not None and value in names(), f"{keyword}={value!r} in {remedy!r}"
    for value in re.findall(r"'([^']*)'", remedy):
        assert value in KNOWN_NAMES, f"{value!r} is not a name neuronet knows: {remedy!r}"
    lowered = remedy.lower()
    for absent in ABSENT:
        assert absent not in lowered, f"neuronet has no {absent!r}: {remedy!r}"


def test_every_card_gives_only_audited_remedies(card):
    # The card adds no advice of its own: its remedies are exactly the class's.
    assert [issue["remedy"] for issue in card.to_dict()["issues"]] == [
        issue.remedy for issue in card.activation.issues
    ]


def test_explain_and_compare_are_exported_as_functions():
    import neuronet
    import neuronet.explain  # importing the submodule must not shadow the function

    assert neuronet.explain("tanh").activation == neuronet.activations.get("tanh")
    assert callable(neuronet.compare)
    assert "explain" in neuronet.__all__ and "compare" in neuronet.__all__
