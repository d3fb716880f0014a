r"""Activation cards and comparisons: everything neuronet knows about an activation, shown.

:func:`explain` builds an :class:`ActivationCard` and :func:`compare` a :class:`Comparison`.
Both only *read* the activation classes (:mod:`neuronet.activations`) and the losses'
``canonical_output`` (:mod:`neuronet.losses`): there is no second list of facts here, so a new
activation gets a card the moment it is registered.

A card renders four ways: in a terminal through rich (``rich.print(card)``), as HTML in
Jupyter (with an inline SVG of :math:`f` and :math:`f'`, drawn here with NumPy alone, so it
shows in any notebook without matplotlib), as plain text (``str(card)``) and as a JSON-able
dict (:meth:`ActivationCard.to_dict`). ``card.plot()`` draws the same curves with matplotlib
through :func:`neuronet.plot.activations`. Neither rich nor matplotlib is imported until a
card is rendered with it.

Examples
--------
>>> from neuronet.explain import explain, compare
>>> card = explain("relu")
>>> card.activation.formula
'f(z) = max(0, z)'
>>> card.output_loss
OutputLoss(loss='mse', canonical=False)
>>> print(card.kink_notes()[0])
z = 0: f' jumps from 0 (left) to 1 (right); neuronet uses f'(0) = 0
>>> explain("softmax").output_loss.text()
"output layer, with loss='categorical_cross_entropy' (fused gradient (a - y)/n)"
>>> [row["name"] for row in compare(["relu", "tanh"]).rows()]
['relu', 'tanh']
"""

from __future__ import annotations

import html
import importlib
import math
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import activations as _activations
from . import losses as _losses
from .activations import Activation, Formulas

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = ["ActivationCard", "Comparison", "OutputLoss", "compare", "curves", "explain"]

#: The z interval the inline SVG plots cover (as :func:`neuronet.plot.activations`' default).
Z_RANGE = (-5.0, 5.0)
_N_POINTS = 201  # a step of 0.05 over Z_RANGE: includes z = 0, where the kinks are

_PROPERTIES = ("bounded", "zero_centred", "monotonic", "smooth", "elementwise")
_FLAG_LETTERS = {
    "bounded": "B",
    "zero_centred": "Z",
    "monotonic": "M",
    "smooth": "S",
    "elementwise": "E",
}
_LEGEND = "B bounded, Z zero-centred, M monotonic, S smooth, E element-wise"
_PROPERTY_WORDS = {
    "bounded": "bounded",
    "zero_centred": "zero-centred",
    "monotonic": "monotonic",
    "smooth": "smooth",
    "elementwise": "element-wise",
}


# --------------------------------------------------------------------------------------
# Facts derived from the classes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputLoss:
    """The loss an activation pairs with when it is the output layer's.

    ``canonical`` is True when some loss names this activation as its ``canonical_output``
    (the fused gradient :math:`(a - y)/n`); otherwise the activation is meant for hidden
    layers and ``loss`` is what :func:`neuronet.losses.default_for_output` would choose.
    """

    loss: str
    canonical: bool

    @classmethod
    def of(cls, activation: Activation) -> OutputLoss:
        """Look the pairing up in the losses' ``canonical_output``; no list of our own."""
        for name in _losses.names():
            if type(_losses.get(name)).canonical_output == activation.name:
                return cls(name, True)
        return cls(_losses.default_for_output(activation.name).name, False)

    def text(self) -> str:
        """One line for a card."""
        if self.canonical:
            return f"output layer, with loss={self.loss!r} (fused gradient (a - y)/n)"
        return (
            f"meant for hidden layers; as an output it would be trained with "
            f"loss={self.loss!r}, through the chain rule (no fused gradient)"
        )

    def short(self) -> str:
        """A table cell: the canonical loss, or ``hidden (mse)``."""
        return self.loss if self.canonical else f"hidden ({self.loss})"


def curves(activation: Activation, z: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """:math:`f(z)` and :math:`f'(z)` in float64, as a card plots them.

    An element-wise activation is evaluated directly. Softmax, which is not, is drawn along
    one input: the first output of :math:`f([z, 0])` and its derivative
    :math:`\\partial f_1/\\partial z_1`, taken from ``backward`` (so from the same code that
    trains networks); that curve is the sigmoid, as it should be.

    >>> f, df = curves(_activations.get("softmax"), np.array([0.0]))
    >>> float(f[0]), float(df[0])
    (0.5, 0.25)
    """
    z = np.asarray(z, dtype=np.float64)
    if activation.elementwise:
        f = activation.forward(z)
        return f, activation.derivative(z, f)
    pair = np.stack([z, np.zeros_like(z)], axis=-1)
    a = activation.forward(pair)
    unit = np.zeros_like(pair)
    unit[..., 0] = 1.0
    return a[..., 0], activation.backward(pair, a, unit)[..., 0]


def _number(x: float, *, unicode: bool = False) -> str:
    if math.isinf(x):
        sign = "-" if x < 0 else ""
        return sign + ("∞" if unicode else "inf")
    return f"{x:.6g}"


def _json_number(x: float) -> float | str:
    """±inf as the strings ``"inf"``/``"-inf"`` (JSON has no infinity; ``float()`` reads them)."""
    return _number(x) if math.isinf(x) else float(x)


def _kinks(activation: Activation) -> list[dict[str, float]]:
    """Each kink with f' just left and right of it and the value neuronet uses there.

    Read off ``derivative`` itself, so the convention shown is the one the code follows.
    """
    out = []
    for kink in activation.kinks:
        z = np.array([kink - 1e-9, kink, kink + 1e-9])
        left, at, right = (float(v) for v in curves(activation, z)[1])
        out.append({"z": float(kink), "left": left, "right": right, "derivative": at})
    return out


# --------------------------------------------------------------------------------------
# Inline SVG (NumPy only)
# --------------------------------------------------------------------------------------

# matplotlib's tab10, so the inline plots and card.plot() look alike.
_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_HEIGHT = 220
_BOX = (40.0, 10.0, 320.0, 196.0)  # plot area: left, top, right, bottom (pixels)
_LEGEND_LINE = 14  # pixels per legend entry, right of the plot area


@dataclass(frozen=True)
class _Series:
    label: str
    kind: str  # "f" or "df": the polyline's class
    x: NDArray[Any]
    y: NDArray[Any]
    colour: str
    dashed: bool = False


def _colour(i: int) -> str:
    return _COLOURS[i % len(_COLOURS)]


def _svg(series: Sequence[_Series], title: str, marks: Sequence[tuple[float, float]] = ()) -> str:
    """An SVG line plot: one polyline per series, in pixel coordinates.

    The data ranges are recorded on the ``<svg>`` (``data-z-range``, ``data-y-range``,
    ``data-box``), so the points can be mapped back to values.
    """
    z0, z1 = Z_RANGE
    ys = np.concatenate([s.y for s in series] + [np.zeros(1)])
    y0, y1 = float(ys.min()), float(ys.max())
    pad = 0.05 * (y1 - y0 or 1.0)
    y0, y1 = y0 - pad, y1 + pad
    left, top, right, bottom = _BOX

    def px(x: NDArray[Any] | float, y: NDArray[Any] | float) -> tuple[Any, Any]:
        return (
            left + (np.asarray(x) - z0) / (z1 - z0) * (right - left),
            bottom - (np.asarray(y) - y0) / (y1 - y0) * (bottom - top),
        )

    zero_x, zero_y = px(0.0, 0.0)
    # The legend sits right of the plot area, so it never hides a curve.
    width = int(right + 40 + 7 * max(len(s.label) for s in series))
    height = max(_HEIGHT, int(top + _LEGEND_LINE * len(series) + 10))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-size="11" '
        f'font-family="sans-serif" data-z-range="{z0!r} {z1!r}" '
        f'data-y-range="{y0!r} {y1!r}" data-box="{left} {top} {right} {bottom}">',
        f"<title>{html.escape(title)}</title>",
        f'<g stroke="currentColor" stroke-opacity="0.35" stroke-width="1">'
        f'<line x1="{left}" y1="{zero_y:.2f}" x2="{right}" y2="{zero_y:.2f}"/>'
        f'<line x1="{zero_x:.2f}" y1="{top}" x2="{zero_x:.2f}" y2="{bottom}"/>'
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        f'fill="none"/></g>',
        f'<g fill="currentColor" fill-opacity="0.7">'
        f'<text x="{left}" y="{bottom + 14}" text-anchor="middle">{z0:g}</text>'
        f'<text x="{zero_x:.2f}" y="{bottom + 14}" text-anchor="middle">z</text>'
        f'<text x="{right}" y="{bottom + 14}" text-anchor="middle">{z1:g}</text>'
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{y1:.3g}</text>'
        f'<text x="{left - 4}" y="{bottom}" text-anchor="end">{y0:.3g}</text></g>',
    ]
    for s in series:
        x, y = px(s.x, s.y)
        points = " ".join(f"{a:.2f},{b:.2f}" for a, b in zip(x, y, strict=True))
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        parts.append(
            f'<polyline class="{s.kind}" data-label="{html.escape(s.label)}" fill="none" '
            f'stroke="{s.colour}" stroke-width="2"{dash} points="{points}"/>'
        )
    for z, value in marks:
        cx, cy = px(z, value)
        parts.append(
            f'<circle class="kink" cx="{cx:.2f}" cy="{cy:.2f}" r="3" fill="{_colour(3)}">'
            f"<title>f'({z:g}) = {value:.6g} (the value neuronet uses)</title></circle>"
        )
    y_legend = top + 10
    for s in series:
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        parts.append(
            f'<line x1="{right + 10}" y1="{y_legend - 4}" x2="{right + 28}" y2="{y_legend - 4}" '
            f'stroke="{s.colour}" stroke-width="2"{dash}/>'
            f'<text x="{right + 32}" y="{y_legend}" fill="currentColor">'
            f"{html.escape(s.label)}</text>"
        )
        y_legend += _LEGEND_LINE
    parts.append("</svg>")
    return "".join(parts)


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    # Never break at a hyphen: "zero-centred" split over two lines reads as two words.
    return textwrap.wrap(
        text, 88, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    )


def _grid() -> NDArray[Any]:
    return np.linspace(*Z_RANGE, _N_POINTS)


# --------------------------------------------------------------------------------------
# The card
# --------------------------------------------------------------------------------------


class ActivationCard:
    """Everything neuronet knows about one activation, ready to print, render or save.

    Build one with :func:`explain`. Every fact is read from the activation object (its class
    attributes, refined by its parameters) or, for the output pairing, from the losses'
    ``canonical_output``.

    Attributes
    ----------
    activation : Activation
        The activation described.
    output_loss : OutputLoss
        The loss it pairs with as the output layer's activation.
    """

    def __init__(self, activation: Activation) -> None:
        self.activation = activation
        self.output_loss = OutputLoss.of(activation)

    # -- facts -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The canonical registry name."""
        return self.activation.name

    def aliases(self) -> list[str]:
        """Other names :func:`neuronet.activations.get` accepts for it."""
        return sorted(a for a, c in _activations.aliases().items() if c == self.name)

    def forms(self) -> list[dict[str, Any]]:
        """Every form of the maths: the class's default, then its ``variants``.

        Each is a dict with ``label``, the four formulas and ``in_use`` (the form this
        instance computes, e.g. the tanh form for ``GELU(approximate="tanh")``).
        """
        cls = type(self.activation)
        default = Formulas(
            "default", cls.formula, cls.derivative_formula, cls.latex, cls.derivative_latex
        )
        return [
            {
                "label": form.label,
                "formula": form.formula,
                "derivative_formula": form.derivative_formula,
                "latex": form.latex,
                "derivative_latex": form.derivative_latex,
                "in_use": form.formula == self.activation.formula,
            }
            for form in (default, *cls.variants)
        ]

    def properties(self) -> dict[str, bool]:
        """``bounded``, ``zero_centred``, ``monotonic``, ``smooth``, ``elementwise``."""
        return {key: bool(getattr(self.activation, key)) for key in _PROPERTIES}

    def range_text(self, *, unicode: bool = False) -> str:
        """The output range, e.g. ``(0, inf)``; whether the ends are attained is not implied."""
        low, high = self.activation.output_range
        return f"({_number(low, unicode=unicode)}, {_number(high, unicode=unicode)})"

    def properties_text(self) -> str:
        """E.g. ``not bounded, zero-centred, monotonic, smooth, element-wise``."""
        return ", ".join(
            word if self.properties()[key] else f"not {word}"
            for key, word in _PROPERTY_WORDS.items()
        )

    def kink_notes(self, *, prime: str = "'") -> list[str]:
        """One line per kink: the jump in f' and the value neuronet uses there."""
        return [
            f"z = {k['z']:g}: f{prime} jumps from {k['left']:.4g} (left) to {k['right']:.4g} "
            f"(right); neuronet uses f{prime}({k['z']:g}) = {k['derivative']:.4g}"
            for k in _kinks(self.activation)
        ]

    def init_text(self) -> str:
        """The recommended initialiser and how to ask for it."""
        init = self.activation.recommended_init
        return f"init={init!r} (what the default init='auto' picks for {self.name})"

    def curves(self, z: NDArray[Any] | None = None) -> tuple[NDArray[Any], NDArray[Any]]:
        """:math:`f` and :math:`f'` on `z` (default: 201 points over ``Z_RANGE``)."""
        return curves(self.activation, _grid() if z is None else z)

    def plot_note(self) -> str | None:
        """What the plot shows when it is not simply f(z), or None."""
        if not self.activation.elementwise:
            return f"plotted along one input: the first output of {self.name}([z, 0])"
        if self.activation.n_parameters(1):
            return "plotted with the initial value of the learned parameter"
        return None

    def label(self) -> str:
        """The name, or the repr when the parameters are not the defaults (``ELU(alpha=0.5)``)."""
        act = self.activation
        try:
            default = type(act)()
        except TypeError:  # a constructor with required arguments: always show them
            return repr(act)
        return self.name if act == default else repr(act)

    # -- renderings ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-able data; an infinite range end is the string ``"inf"``/``"-inf"``."""
        act = self.activation
        low, high = act.output_range
        return {
            "name": self.name,
            "repr": repr(act),
            "params": act.get_params(),
            "aliases": self.aliases(),
            "description": act.description,
            "formula": act.formula,
            "derivative_formula": act.derivative_formula,
            "latex": act.latex,
            "derivative_latex": act.derivative_latex,
            "forms": self.forms(),
            "range": [_json_number(low), _json_number(high)],
            "properties": self.properties(),
            "kinks": _kinks(act),
            "issues": [
                {"name": i.name, "description": i.description, "remedy": i.remedy}
                for i in act.issues
            ],
            "recommended_init": act.recommended_init,
            "output_loss": {
                "loss": self.output_loss.loss,
                "canonical": self.output_loss.canonical,
            },
        }

    def _rows(self, *, unicode: bool) -> list[tuple[str, str]]:
        """(label, text) rows shared by the plain-text and rich renderings."""
        act = self.activation
        prime = "′" if unicode else "'"
        rows = [("f(z)", act.formula), (f"f{prime}(z)", act.derivative_formula)]
        for form in self.forms():
            if not form["in_use"]:
                text = f"{form['label']}: {form['formula']};  {form['derivative_formula']}"
                rows.append(("other form", text))
        rows += [
            ("range", self.range_text(unicode=unicode)),
            ("properties", self.properties_text()),
        ]
        rows += [("kink", note) for note in self.kink_notes(prime=prime)]
        rows += [("init", self.init_text()), ("as output", self.output_loss.text())]
        aliases = self.aliases()
        if aliases:
            rows.append(("also called", ", ".join(aliases)))
        return rows

    def __str__(self) -> str:
        lines = [f"{self.name}: {self.activation!r}", *_wrap(self.activation.description), ""]
        for label, text in self._rows(unicode=False):
            lines += _wrap(text, f"  {label:<12}", " " * 14)
        if self.activation.issues:
            lines += ["", "Known issues"]
            for issue in self.activation.issues:
                lines += _wrap(f"{issue.name}: {issue.description}", "  - ", "    ")
                lines += _wrap(f"Remedy: {issue.remedy}", "    ", "    ")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ActivationCard({self.activation!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's terminal shows the card rather than its repr.
        printer.text(repr(self) if cycle else str(self))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, text in self._rows(unicode=True):
            grid.add_row(label, Text(text))
        parts: list[Any] = [Text(self.activation.description), Text(""), grid]
        if self.activation.issues:
            issues = Table.grid(padding=(0, 1))
            issues.add_column(no_wrap=True)
            issues.add_column(overflow="fold")
            for issue in self.activation.issues:
                issues.add_row(
                    "•",
                    Text.assemble(
                        (issue.name, "bold yellow"),
                        f": {issue.description}\n",
                        ("remedy: ", "green"),
                        issue.remedy,
                    ),
                )
            parts += [Text(""), Text("Known issues", style="bold"), issues]
        yield Panel(
            Group(*parts),
            title=Text(repr(self.activation), style="bold"),
            title_align="left",
            expand=False,
        )

    def svg(self) -> str:
        """An inline SVG of f (solid) and f′ (dashed) over ``Z_RANGE``, NumPy only."""
        z = _grid()
        f, df = self.curves(z)
        series = [
            _Series("f(z)", "f", z, f, _colour(0)),
            _Series("f′(z)", "df", z, df, _colour(1), dashed=True),
        ]
        marks = [(k["z"], k["derivative"]) for k in _kinks(self.activation)]
        return _svg(series, f"{self.name}: f and its derivative", marks)

    def _repr_html_(self) -> str:
        act = self.activation
        e = html.escape

        def row(label: str, value: str) -> str:
            return (
                f'<tr><th style="text-align:left;vertical-align:top;padding:2px 12px 2px 0;'
                f'white-space:nowrap">{e(label)}</th>'
                f'<td style="text-align:left;padding:2px 0">{value}</td></tr>'
            )

        def formula(text: str, latex: str) -> str:
            return (
                f"<code>{e(text)}</code><details><summary style='font-size:85%;opacity:.7'>"
                f"LaTeX</summary><code>{e(latex)}</code></details>"
            )

        rows = [
            row("f(z)", formula(act.formula, act.latex)),
            row("f′(z)", formula(act.derivative_formula, act.derivative_latex)),
        ]
        for form in self.forms():
            if not form["in_use"]:
                rows.append(
                    row(
                        f"with {form['label']}",
                        formula(form["formula"], form["latex"])
                        + "<br>"
                        + formula(form["derivative_formula"], form["derivative_latex"]),
                    )
                )
        rows += [
            row("range", e(self.range_text(unicode=True))),
            row("properties", e(self.properties_text())),
        ]
        rows += [row("kink", e(note)) for note in self.kink_notes(prime="′")]
        rows += [
            row("init", e(self.init_text())),
            row("as output", e(self.output_loss.text())),
        ]
        if self.aliases():
            rows.append(row("also called", e(", ".join(self.aliases()))))
        issues = "".join(
            f"<li><b>{e(i.name)}</b>: {e(i.description)}<br>"
            f"<span style='opacity:.85'><i>Remedy:</i> {e(i.remedy)}</span></li>"
            for i in act.issues
        )
        note = self.plot_note()
        caption = f"<div style='font-size:85%;opacity:.7'>{e(note)}</div>" if note else ""
        return (
            '<div class="neuronet-activation-card" style="font-family:sans-serif;'
            "max-width:760px;border:1px solid rgba(127,127,127,.4);border-radius:6px;"
            'padding:10px 14px">'
            f"<div style='font-size:120%'><b>{e(self.name)}</b> "
            f"<code>{e(repr(act))}</code></div>"
            f"<p>{e(act.description)}</p>"
            '<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">'
            f'<table style="border-collapse:collapse;flex:1 1 340px">{"".join(rows)}</table>'
            f"<div>{self.svg()}{caption}</div></div>"
            + (f"<b>Known issues</b><ul>{issues}</ul>" if issues else "")
            + "</div>"
        )

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Figure:
        """f and f′ with matplotlib: :func:`neuronet.plot.activations` for this activation.

        Keyword arguments (``derivative``, ``z``) are passed on.
        """
        plot = importlib.import_module(f"{__package__}.plot")
        figure: Figure = plot.activations([self.activation], ax=ax, **kwargs)
        return figure


def explain(activation: str | Activation | type[Activation], **params: Any) -> ActivationCard:
    """The card of an activation: formulas, range, properties, kinks, issues and remedies.

    Parameters
    ----------
    activation : str, Activation or Activation subclass
        A registered name or alias (as :func:`neuronet.activations.get` takes it), a class,
        or an instance.
    **params
        Constructor arguments, e.g. ``approximate="tanh"`` for GELU.

    Returns
    -------
    ActivationCard
        Prints as text, renders in rich and Jupyter, and has ``to_dict()`` and ``plot()``.

    Raises
    ------
    ValueError
        For an unknown name (with a did-you-mean) or a parameter the activation rejects.

    Examples
    --------
    >>> card = explain("gelu", approximate="tanh")
    >>> card.activation.formula.startswith("f(z) = 0.5 * z * (1 + tanh(u))")
    True
    >>> card.to_dict()["range"][1]  # JSON has no infinity
    'inf'
    """
    return ActivationCard(_activations.get(activation, **params))


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------

_COLUMNS = (
    "name",
    "formula",
    "range",
    *_PROPERTIES,
    "issues",
    "recommended_init",
    "output_loss",
)


class Comparison:
    """Several activations side by side: one row each, and one plot of all their f's.

    Build one with :func:`compare`.

    Attributes
    ----------
    cards : list of ActivationCard
        One per activation, in the order given.
    """

    def __init__(self, cards: Sequence[ActivationCard]) -> None:
        self.cards = list(cards)

    def __len__(self) -> int:
        return len(self.cards)

    def __iter__(self) -> Iterator[ActivationCard]:
        return iter(self.cards)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per activation with the keys of :attr:`columns`, JSON-able."""
        rows = []
        for card in self.cards:
            data = card.to_dict()
            rows.append(
                {
                    "name": card.label(),
                    "formula": data["formula"],
                    "range": data["range"],
                    **data["properties"],
                    "issues": [issue["name"] for issue in data["issues"]],
                    "recommended_init": data["recommended_init"],
                    "output_loss": card.output_loss.short(),
                }
            )
        return rows

    @property
    def columns(self) -> tuple[str, ...]:
        """The keys of each row, in display order."""
        return _COLUMNS

    def to_dict(self) -> dict[str, Any]:
        """``{"columns": [...], "rows": [...]}``, JSON-able (infinite range ends as strings)."""
        return {"columns": list(_COLUMNS), "rows": self.rows()}

    def _cells(self, *, unicode: bool, letters: bool) -> tuple[list[str], list[list[str]]]:
        """Headers and display text per row (the formula apart: it goes below or beside).

        With `letters` the five property flags get one-letter headers (see ``_LEGEND``), so
        the table fits a terminal.
        """
        yes, no = ("✓", "·") if unicode else ("x", "-")
        flags = [_FLAG_LETTERS[key] if letters else _PROPERTY_WORDS[key] for key in _PROPERTIES]
        headers = ["name", "range", *flags, "init", "output loss", "issues"]
        table = []
        for card, data in zip(self.cards, self.rows(), strict=True):
            table.append(
                [
                    data["name"],
                    card.range_text(unicode=unicode),
                    *(yes if data[key] else no for key in _PROPERTIES),
                    data["recommended_init"],
                    data["output_loss"],
                    ", ".join(data["issues"]) or "-",
                ]
            )
        return headers, table

    def __str__(self) -> str:
        headers, cells = self._cells(unicode=False, letters=True)
        widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

        def line(values: Sequence[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

        lines = [line(headers), line(["-" * w for w in widths])]
        lines += [line(row) for row in cells]
        lines += [f"({_LEGEND}; x yes, - no)", "", "Formulas"]
        lines += [f"  {row['name']}: {row['formula']}" for row in self.rows()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Comparison([{', '.join(repr(card.activation) for card in self.cards)}])"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else str(self))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        headers, cells = self._cells(unicode=True, letters=True)
        table = Table(box=box.SIMPLE_HEAD, caption=_LEGEND, caption_justify="left")
        wrapping = ("output loss", "issues")  # the rest are short: never break them
        for header in headers:
            table.add_column(header, overflow="fold", no_wrap=header not in wrapping)
        for cell_row in cells:
            table.add_row(*(Text(cell) for cell in cell_row))
        formulas = Table.grid(padding=(0, 2))
        formulas.add_column(style="bold", no_wrap=True)
        formulas.add_column(overflow="fold")
        for data in self.rows():
            formulas.add_row(data["name"], Text(data["formula"]))
        yield table
        yield formulas

    def svg(self) -> str:
        """One inline SVG with every activation's f over ``Z_RANGE``, NumPy only."""
        z = _grid()
        series = []
        for i, card in enumerate(self.cards):
            f, _ = card.curves(z)
            dashed = i >= len(_COLOURS)  # past ten colours, tell curves apart by dashes
            series.append(_Series(card.label(), "f", z, f, _colour(i), dashed=dashed))
        return _svg(series, "activations compared: f(z)")

    def _repr_html_(self) -> str:
        e = html.escape
        headers, cells = self._cells(unicode=True, letters=False)
        headers.insert(1, "formula")
        head = "".join(f'<th style="text-align:left;padding:2px 8px">{e(h)}</th>' for h in headers)
        body = []
        for i, (row, data) in enumerate(zip(cells, self.rows(), strict=True)):
            swatch = f'<span style="color:{_colour(i)}">■</span> '
            html_cells = [swatch + f"<b>{e(row[0])}</b>", f"<code>{e(data['formula'])}</code>"]
            html_cells += [e(c) for c in row[1:]]
            body.append(
                "<tr>"
                + "".join(
                    f'<td style="text-align:left;vertical-align:top;padding:2px 8px">{c}</td>'
                    for c in html_cells
                )
                + "</tr>"
            )
        return (
            '<div class="neuronet-comparison" style="font-family:sans-serif">'
            f'<table style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>{self.svg()}</div>"
        )

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Figure:
        """Every activation in one matplotlib figure: :func:`neuronet.plot.activations`.

        Keyword arguments (``derivative``, ``z``) are passed on.
        """
        plot = importlib.import_module(f"{__package__}.plot")
        figure: Figure = plot.activations(
            [card.activation for card in self.cards], ax=ax, **kwargs
        )
        return figure


def compare(
    activations: Iterable[str | Activation | type[Activation]] | None = None,
) -> Comparison:
    """Several activations side by side (every registered one when `activations` is None).

    Parameters
    ----------
    activations : iterable of str, Activation or Activation subclass, optional
        Names, aliases, classes or instances, e.g. ``["relu", GELU(approximate="tanh")]``.

    Returns
    -------
    Comparison
        One row per activation; prints as a table, renders in rich and Jupyter (with one plot
        of every f), and has ``to_dict()`` and ``plot()``.

    Raises
    ------
    ValueError
        For an unknown name (with a did-you-mean) or an empty list.
    TypeError
        For a single string (pass a list, ``compare(["relu", "tanh"])``) or anything else
        that is not a list.

    Examples
    --------
    >>> comparison = compare(["relu", "sigmoid", "softmax"])
    >>> [row["output_loss"] for row in comparison.rows()]
    ['hidden (mse)', 'binary_cross_entropy', 'categorical_cross_entropy']
    """
    if activations is None:
        activations = _activations.names()
    elif isinstance(activations, str | Activation) or (
        isinstance(activations, type) and issubclass(activations, Activation)
    ):
        raise TypeError(
            f"`activations` must be a list of activations, got {activations!r}; "
            f"write compare([{activations!r}, ...]) or use explain() for one."
        )
    elif not isinstance(activations, Iterable):
        raise TypeError(
            f"`activations` must be a list of activations (names, classes or instances), "
            f"e.g. ['relu', 'tanh'], got {activations!r:.80} of type {type(activations).__name__}."
        )
    cards = [explain(activation) for activation in activations]
    if not cards:
        raise ValueError("`activations` is empty; give at least one, e.g. ['relu', 'tanh'].")
    return Comparison(cards)
