"""The Sphinx extension behind neuronet's documentation: pages written from the library.

Nothing here keeps a list of its own. Before Sphinx reads the sources,
:func:`write_generated_pages` writes, under ``docs/generated/``:

* one page per activation, from :func:`neuronet.activations.names` and each activation's
  class attributes (through :func:`neuronet.explain`), with its plot drawn at build time;
* one API page per public module, from the module's ``__all__``;
* a copy of ``examples/*.py`` with the gallery's header, for sphinx-gallery.

It also adds the ``neuronet-run`` directive, which runs Python code while the page is read
and shows the code, what it printed (and warned) and the figure it returned, so the user
guide's figures are made by the library and cannot go stale; the image scraper the gallery
uses for the figures the examples save; and a docstring hook for the ``Shape`` sections that
numpydoc does not know.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import pkgutil
import re
import shutil
import traceback
import warnings
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"
FIGURES = GENERATED / "figures"

# --------------------------------------------------------------------------------------------
# Writing files only when their text changes, so an unchanged page is not read again.
# --------------------------------------------------------------------------------------------


def _write(path: Path, text: str, written: set[Path]) -> None:
    written.add(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8")


def _prune(folder: Path, written: set[Path], pattern: str = "*") -> None:
    """Remove files of an earlier build that this one did not write (a removed activation)."""
    for path in folder.glob(pattern):
        if path.is_file() and path not in written:
            path.unlink()


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _indent(text: str, spaces: int = 3) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


def write_generated_pages(docs: Path = DOCS) -> None:
    """Write every generated page; called from ``conf.py`` before Sphinx reads anything."""
    written: set[Path] = set()
    _write_activation_pages(written)
    _write_api_pages(written)
    _copy_examples(written)
    _write_extra_toc(written)


# --------------------------------------------------------------------------------------------
# One page per activation
# --------------------------------------------------------------------------------------------


def _references(cls: type) -> list[str]:
    """The numbered entries of the class docstring's References section, as plain text."""
    from numpydoc.docscrape import NumpyDocString

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "Shape" section, unknown to numpydoc
        lines = NumpyDocString(cls.__doc__ or "")["References"]
    entries: list[str] = []
    for line in lines:
        match = re.match(r"\s*\.\. \[[^\]]+\]\s*(.*)", line)
        if match:
            entries.append(match.group(1).strip())
        elif line.strip() and entries:
            entries[-1] += " " + line.strip()
    return entries


def _rst(text: str) -> str:
    """Plain text (the library's descriptions) made safe inside reST: no markup by accident."""
    return re.sub(r"([\\`*|_])", r"\\\1", text)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def activation_page(name: str) -> str:
    """The reStructuredText of one activation's page, all read from the library."""
    import neuronet
    from neuronet import activations

    act = activations.get(name)
    cls = type(act)
    card = neuronet.explain(name)
    facts = card.to_dict()
    lines: list[str] = [f".. _activation-{name}:", "", _title(f"{cls.__name__} (``{name}``)")]
    lines += [_rst(facts["description"]), ""]
    aliases = card.aliases()
    use = f'activations.get("{name}")'
    lines += [
        f"Class :class:`neuronet.activations.{cls.__name__}`; by name ``{use}``"
        + (f" (also {', '.join(f'``{a}``' for a in aliases)})" if aliases else "")
        + ", or ``activation="
        + repr(name)
        + "`` in :class:`~neuronet.network.MLP`.",
        "",
    ]

    lines += [_title("Formula", "-")]
    for form in card.forms():
        if form["label"] != "default":
            lines += [f"With ``{form['label']}``:", ""]
        lines += [".. math::", "", f"   {form['latex']}", "", f"   {form['derivative_latex']}", ""]

    lines += [_title("Plot", "-")]
    note = card.plot_note
    note_text = note() if callable(note) else note
    lines += [
        "The function (solid) and its derivative (dashed), drawn by "
        ":func:`neuronet.plot.activations` when this page was built"
        + (f" ({_rst(note_text)})." if note_text else "."),
        "",
        ".. neuronet-run::",
        f"   :alt: {cls.__name__}: f(z) and its derivative f'(z) for z from -5 to 5",
        "",
        "   from neuronet import plot",
        f'   plot.activations("{name}")',
        "",
    ]

    lines += [_title("Values", "-")]
    run = [
        ".. neuronet-run::",
        "",
        "   import numpy as np",
        "   from neuronet import activations",
        "",
        f'   act = activations.get("{name}")',
        "   z = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])",
        '   print("z     ", z)',
        '   print("f(z)  ", act.forward(z).round(4))',
    ]
    if act.elementwise:
        lines += [
            "A few values to check by hand, computed by neuronet as this page was built:",
            "",
        ]
        run += [
            '   print("f\'(z) ", act.derivative(z).round(4))',
        ]
    else:
        lines += [
            "Not element-wise: each output depends on the whole row, so there is a Jacobian "
            "rather than a derivative per element (:meth:`~neuronet.activations.Activation."
            "backward` computes its vector-Jacobian product). The outputs of one row:",
            "",
        ]
        run += ['   print("sum   ", float(act.forward(z).sum()))']
    lines += [*run, ""]

    props = facts["properties"]
    rows = [
        ("output range", f"``{card.range_text()}``"),
        ("bounded", _yes(props["bounded"])),
        ("zero-centred", _yes(props["zero_centred"])),
        ("monotonic", _yes(props["monotonic"])),
        ("smooth (continuously differentiable)", _yes(props["smooth"])),
        ("element-wise", _yes(props["elementwise"])),
    ]
    for kink in card.kink_notes():
        rows.append(("kink", _rst(kink)))
    if facts["params"]:
        params = ", ".join(f"``{k}={v!r}``" for k, v in facts["params"].items())
        rows.append(("parameters (defaults)", params))
    lines += [_title("Properties", "-"), ".. list-table::", "   :widths: 30 70", ""]
    for key, value in rows:
        lines += [f"   * - {key}", f"     - {value}"]
    lines += [""]

    lines += [_title("Known issues and remedies", "-")]
    if not facts["issues"]:
        lines += ["None recorded.", ""]
    for issue in facts["issues"]:
        lines += [
            f"**{_rst(issue['name'].capitalize())}.** {_rst(issue['description'])}",
            "",
            f"   *Remedy:* {_rst(issue['remedy'])}",
            "",
        ]

    lines += [_title("Initialisation", "-")]
    lines += [
        f"{_rst(card.init_text())}. Why each activation has its own initialiser is explained in "
        ":doc:`/guide/initialisation`.",
        "",
    ]
    lines += [
        _title("As the output layer", "-"),
        _rst(card.output_loss.text().capitalize()) + ".",
        "",
    ]
    lines += ["See :doc:`/guide/output_and_loss`.", ""]

    refs = _references(cls)
    lines += [_title("References", "-")]
    if refs:
        lines += [f"#. {_rst(ref)}" for ref in refs] + [""]
    else:
        lines += ["None: this activation is not from a paper.", ""]
    return "\n".join(lines) + "\n"


def _write_activation_pages(written: set[Path]) -> None:
    import neuronet
    from neuronet import activations

    folder = GENERATED / "activations"
    names = activations.names()
    for name in names:
        _write(folder / f"{name}.rst", activation_page(name), written)
    # The overview table and toctree that docs/activations.rst includes.
    rows = [".. list-table::", "   :header-rows: 1", "   :widths: 18 30 12 12 12 16", ""]
    rows += [
        "   * - activation",
        "     - range",
        "     - zero-centred",
        "     - monotonic",
        "     - smooth",
        "     - init",
    ]
    for name in names:
        card = neuronet.explain(name)
        props = card.to_dict()["properties"]
        rows += [
            f"   * - :doc:`{name} </generated/activations/{name}>`",
            f"     - ``{card.range_text()}``",
            f"     - {_yes(props['zero_centred'])}",
            f"     - {_yes(props['monotonic'])}",
            f"     - {_yes(props['smooth'])}",
            f"     - ``{card.activation.recommended_init}``",
        ]
    toc = [".. toctree::", "   :hidden:", ""] + [f"   /generated/activations/{n}" for n in names]
    _write(folder / "overview.inc", "\n".join([*rows, "", *toc]) + "\n", written)
    _prune(folder, written)


# --------------------------------------------------------------------------------------------
# One API page per public module, from __all__
# --------------------------------------------------------------------------------------------


def public_modules() -> list[str]:
    """Every public module of neuronet that declares ``__all__``, in a reading order.

    Private modules (a part starting with ``_``) and the command line's command modules
    are left out; ``neuronet.cli.tabular`` is a library of its own and kept.
    """
    import neuronet

    found = ["neuronet"]
    for info in pkgutil.walk_packages(neuronet.__path__, "neuronet."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if parts[1] == "cli" and info.name != "neuronet.cli.tabular":
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            found.append(info.name)
    order = [
        "neuronet",
        "neuronet.activations",
        "neuronet.layers",
        "neuronet.network",
        "neuronet.losses",
        "neuronet.init",
        "neuronet.optimizers",
        "neuronet.schedules",
        "neuronet.training",
        "neuronet.checkpoints",
        "neuronet.progress",
        "neuronet.explain",
        "neuronet.diagnostics",
        "neuronet.plot",
        "neuronet.experiments",
        "neuronet.datasets",
        "neuronet.io",
        "neuronet.sklearn",
        "neuronet.dask",
        "neuronet.onnx",
        "neuronet.torch",
        "neuronet.cli.tabular",
    ]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(found, key=lambda name: (rank.get(name, len(order)), name))


def _canonical_homes(modules: list[str]) -> dict[int, str]:
    """Where each public object is documented: the module that defines it when that module
    is public, else the first public module (in reading order) that exports it."""
    homes: dict[int, str] = {}
    for modname in modules:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type(module)) or not hasattr(obj, "__module__"):
                continue
            if not (isinstance(obj, type) or callable(obj)):
                continue
            defined = getattr(obj, "__module__", None)
            if defined in modules and name in getattr(
                importlib.import_module(defined), "__all__", ()
            ):
                homes[id(obj)] = defined
            else:
                homes.setdefault(id(obj), modname)
    return homes


def _source_position(module: Any, name: str) -> int:
    """Where ``name`` is defined in the module's source: pages follow the source's order
    (simplest first, base classes before subclasses), not ``__all__``'s alphabetical one."""
    import inspect

    obj = getattr(module, name)
    try:
        if inspect.getmodule(obj) is module:
            return inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        pass
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return 0
    match = re.search(rf"^{re.escape(name)}\s*[:=]", source, re.M)
    return source.count("\n", 0, match.start()) + 1 if match else 0


def api_page(modname: str, homes: dict[int, str]) -> str:
    module = importlib.import_module(modname)
    lines = [_title(f"``{modname}``"), f".. automodule:: {modname}", "   :no-members:", ""]
    documented: list[tuple[str, str]] = []
    elsewhere: list[tuple[str, str, str]] = []
    submodules: list[str] = []
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, type(module)):
            submodules.append(obj.__name__)
            continue
        home = homes.get(id(obj), modname)
        if home != modname:
            role = "class" if isinstance(obj, type) else "func"
            elsewhere.append((name, role, f"{home}.{getattr(obj, '__name__', name)}"))
            continue
        if isinstance(obj, type):
            kind = "exception" if issubclass(obj, BaseException) else "class"
        elif callable(obj):
            kind = "function"
        else:
            kind = "data"
        documented.append((name, kind))

    documented.sort(key=lambda item: _source_position(module, item[0]))
    if documented:
        lines += [".. rubric:: Summary", "", ".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {name}" for name, _ in documented] + [""]
    if elsewhere or submodules:
        lines += [
            ".. rubric:: Defined elsewhere, exported here",
            "",
            ".. list-table::",
            "   :widths: 30 70",
            "",
        ]
        for name, role, target in elsewhere:
            lines += [f"   * - ``{modname}.{name}``", f"     - :{role}:`{target}`"]
        for sub in submodules:
            lines += [f"   * - ``{sub}``", f"     - :mod:`{sub}`"]
        lines += [""]
    for name, kind in documented:
        lines += [f".. auto{kind}:: {modname}.{name}", ""]
    return "\n".join(lines) + "\n"


def _write_api_pages(written: set[Path]) -> None:
    folder = GENERATED / "api"
    modules = public_modules()
    homes = _canonical_homes(modules)
    for modname in modules:
        _write(folder / f"{modname}.rst", api_page(modname, homes), written)
    toc = [".. toctree::", "   :maxdepth: 1", ""] + [f"   /generated/api/{m}" for m in modules]
    _write(folder / "toc.inc", "\n".join(toc) + "\n", written)
    _prune(folder, written)


# --------------------------------------------------------------------------------------------
# The examples gallery: examples/*.py run by sphinx-gallery
# --------------------------------------------------------------------------------------------


def _copy_examples(written: set[Path], folder: Path = GENERATED / "examples_src") -> None:
    """Copy ``examples/*.py`` next to the gallery's header, for sphinx-gallery.

    sphinx-gallery wants a header file in the examples folder and a reST title as the first
    line of each docstring; examples/ is kept as plain scripts, so the copy adds the title
    underline (a docstring that already has one is copied unchanged).
    """
    header = (DOCS / "gallery_header.rst").read_text(encoding="utf-8")
    _write(folder / "GALLERY_HEADER.rst", header, written)
    for script in sorted((ROOT / "examples").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        match = re.match(r'(\s*(?:#[^\n]*\n\s*)*[rR]?""")([^\n]+)\n(?![=\-~^]{3})', text)
        if match:
            title = match.group(2).strip()
            text = (
                text[: match.start(2)]
                + title
                + "\n"
                + "=" * len(title)
                + "\n"
                + text[match.end(0) :]
            )
        _write(folder / script.name, text, written)
    _prune(folder, written, "*.py")


#: The command line each example runs with in the gallery, where it is not its output folder.
GALLERY_ARGS = {
    # A LocalCluster of two workers and a 2,000-row table: seconds, not the minute of the
    # script's own defaults, and the same code path.
    "dask_cluster": ["--rows", "2000", "--epochs", "30"],
}


def gallery_argv(gallery_conf: dict[str, Any], script_vars: dict[str, Any]) -> list[str]:
    """The examples' output folder, ``figures`` beside the script (they run from there)."""
    stem = Path(script_vars["src_file"]).stem
    if stem in GALLERY_ARGS:
        return GALLERY_ARGS[stem]
    out = Path(script_vars["src_file"]).parent / "figures" / Path(script_vars["src_file"]).stem
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return [f"figures/{out.name}"]


def saved_figure_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: Any) -> str:
    """Show the PNG files an example wrote to its output folder (see :func:`gallery_argv`).

    neuronet's figures are never pyplot figures, so sphinx-gallery's matplotlib scraper finds
    none; the examples save them to the folder named on their command line instead.
    """
    from sphinx_gallery.scrapers import figure_rst

    src = Path(block_vars["src_file"])
    out = src.parent / "figures" / src.stem
    seen = block_vars.setdefault("neuronet_seen", set())
    new = sorted(p for p in out.glob("*.png") if p.name not in seen)
    paths = []
    for png, target in zip(new, block_vars["image_path_iterator"], strict=False):
        shutil.copyfile(png, target)
        seen.add(png.name)
        paths.append(target)
    return figure_rst(paths, gallery_conf["src_dir"])


# --------------------------------------------------------------------------------------------
# The extra pages written by others, included in the navigation when they exist
# --------------------------------------------------------------------------------------------


def _write_extra_toc(written: set[Path]) -> None:
    extra = [doc for doc in ("robustness",) if (DOCS / f"{doc}.md").exists()]
    lines = [".. toctree::", "   :maxdepth: 1", "   :caption: More", ""]
    lines += [f"   /{doc}" for doc in extra] + ["   /benchmarks", "   /changelog"]
    _write(GENERATED / "more_toc.inc", "\n".join(lines) + "\n", written)


# --------------------------------------------------------------------------------------------
# The neuronet-run directive: code run while the page is read
# --------------------------------------------------------------------------------------------

_NAMESPACES: dict[str, dict[str, Any]] = {}
_COUNTERS: dict[str, int] = {}
_SESSIONS_RUN: dict[str, int] = {}


def _reset_namespace(app: Sphinx, docname: str, source: list[str]) -> None:
    _NAMESPACES.pop(docname, None)
    _COUNTERS.pop(docname, None)
    _SESSIONS_RUN.pop(docname, None)


def _run_sessions_above(directive: SphinxDirective, namespace: dict[str, Any]) -> None:
    """Run the page's ``>>>`` sessions above this block that have not run yet, in order.

    A page reads as one Python session: the ``>>>`` examples (also run by the test suite,
    with their output checked) define what the ``neuronet-run`` blocks below them use.
    """
    import doctest

    docname = directive.env.docname
    blocks = list(directive.state.document.findall(nodes.doctest_block))
    done = _SESSIONS_RUN.get(docname, 0)
    for block in blocks[done:]:
        for example in doctest.DocTestParser().get_examples(block.astext()):
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(example.source, docname, "single"), namespace)
    _SESSIONS_RUN[docname] = len(blocks)


class RunDirective(SphinxDirective):
    """Run Python code and show it, its printed output and warnings, and its figure.

    Blocks on one page share their variables, in order. When the last statement is an
    expression, its value is shown: a matplotlib ``Figure`` as an image (saved under
    ``docs/generated/figures``), anything else as its ``repr``.

    Options: ``:hide-code:``, ``:hide-output:``, ``:alt:`` (the image's alt text) and
    ``:caption:``.
    """

    has_content = True
    option_spec = {  # noqa: RUF012 (docutils reads it as a class attribute)
        "hide-code": directives.flag,
        "hide-output": directives.flag,
        "alt": directives.unchanged,
        "caption": directives.unchanged,
        "width": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        namespace = _NAMESPACES.setdefault(docname, {"__name__": "__main__"})
        number = _COUNTERS[docname] = _COUNTERS.get(docname, 0) + 1
        code = "\n".join(self.content)
        source, line = self.get_source_info()
        tree = ast.parse(code)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        printed = io.StringIO()
        value = None
        try:
            _run_sessions_above(self, namespace)
            with contextlib.redirect_stdout(printed), warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                exec(compile(ast.Module(tree.body, []), f"{source}:{line}", "exec"), namespace)
                if last is not None:
                    expr = ast.Expression(last.value)
                    value = eval(compile(expr, f"{source}:{line}", "eval"), namespace)
        except Exception:
            raise self.error(
                f"neuronet-run: the code failed:\n{code}\n\n{traceback.format_exc()}"
            ) from None
        output = printed.getvalue()
        shown: dict[str, int] = {}
        for warning in w:
            line = f"{warning.category.__name__}: {warning.message}"
            shown[line] = shown.get(line, 0) + 1
        for line, times in shown.items():
            output += line + (f" (×{times})" if times > 1 else "") + "\n"

        rst: list[str] = []
        if "hide-code" not in self.options:
            rst += [".. code-block:: python", "", _indent(code), ""]
        figure = None
        if value is not None:
            from matplotlib.figure import Figure

            if isinstance(value, Figure):
                figure = value
            else:
                output += repr(value) + "\n"
        if output.strip() and "hide-output" not in self.options:
            rst += [".. code-block:: text", "   :class: neuronet-output", "", _indent(output), ""]
        if figure is not None:
            FIGURES.mkdir(parents=True, exist_ok=True)
            stem = docname.replace("/", "-")
            path = FIGURES / f"{stem}-{number}.png"
            figure.savefig(path, dpi=100)
            alt = self.options.get("alt", "a figure drawn by neuronet")
            rst += [f".. figure:: /generated/figures/{path.name}", f"   :alt: {alt}"]
            if "width" in self.options:
                rst += [f"   :width: {self.options['width']}"]
            rst += [""]
            if "caption" in self.options:
                rst += [f"   {self.options['caption']}", ""]
        container = nodes.container(classes=["neuronet-run"])
        self.state.nested_parse(StringList("\n".join(rst).splitlines(), source), 0, container)
        return [container]


# --------------------------------------------------------------------------------------------
# Docstrings: the "Shape" section (PyTorch's) is moved into Notes for numpydoc
# --------------------------------------------------------------------------------------------


def _is_header(lines: list[str], i: int) -> bool:
    return (
        i + 1 < len(lines)
        and bool(lines[i].strip())
        and bool(re.fullmatch(r"-{3,}", lines[i + 1].strip()))
        and len(lines[i + 1].strip()) >= len(lines[i].strip())
    )


def shape_into_notes(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """numpydoc drops sections it does not know; keep ``Shape`` as a rubric in ``Notes``."""
    start = next(
        (i for i in range(len(lines)) if lines[i].strip() == "Shape" and _is_header(lines, i)),
        None,
    )
    if start is None:
        return
    end = next((i for i in range(start + 2, len(lines)) if _is_header(lines, i)), len(lines))
    body = [line for line in lines[start + 2 : end]]
    while body and not body[-1].strip():
        body.pop()
    del lines[start:end]
    block = [".. rubric:: Shape", "", *body, ""]
    notes = next(
        (i for i in range(len(lines)) if lines[i].strip() == "Notes" and _is_header(lines, i)),
        None,
    )
    if notes is not None:
        lines[notes + 2 : notes + 2] = block
        return
    after = next(
        (
            i
            for i in range(len(lines))
            if lines[i].strip() in ("References", "Examples") and _is_header(lines, i)
        ),
        len(lines),
    )
    lines[after:after] = ["Notes", "-----", *block]


# --------------------------------------------------------------------------------------------
# References: neuronet.MLP (re-exported) finds neuronet.network.MLP, where it is documented
# --------------------------------------------------------------------------------------------


def _lookup(path: str) -> Any:
    """The object at a dotted path (module, then attributes), or None."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for part in parts[i:]:
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return obj
    return None


def _canonical(obj: Any) -> str | None:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(obj, property):
        module, qualname = obj.fget.__module__, obj.fget.__qualname__
    if not module or not qualname or "<locals>" in qualname:
        return None
    return f"{module}.{qualname}"


def resolve_reexports(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a Python reference that Sphinx could not, in this order:

    1. through the object it names (``neuronet.MLP`` is :class:`neuronet.network.MLP`,
       ``MLP.fit`` in a module that imported ``MLP`` is ``neuronet.network.MLP.fit``);
    2. by the one documented object whose full name ends with the target: in the same module
       for a bare name (``start``), anywhere for a qualified one (``LBFGS.state_dict``);
    3. an attribute named in a documented class's ``Attributes`` section (``MLP.parameters``,
       or ``head`` inside MLP's docstring) links to that class;
    4. a name that exists but is not documented (a module constant outside ``__all__``) is
       shown unlinked.

    What is left is a name that does not exist: a typo or a renamed object, which fails the
    strict build.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    domain = env.get_domain("py")
    builder = app.builder
    fromdoc = node["refdoc"]

    def link(name: str, kind: str | None = None) -> Any:
        objects = domain.objects
        if name not in objects:
            return None
        objtype = kind or objects[name].objtype
        role = {
            "class": "class",
            "exception": "exc",
            "function": "func",
            "method": "meth",
            "property": "attr",
            "attribute": "attr",
            "data": "data",
            "module": "mod",
        }
        return domain.resolve_xref(
            env, fromdoc, builder, role.get(objtype, "obj"), name, node, contnode
        )

    module = node.get("py:module")
    klass = node.get("py:class")
    scopes = [target]
    if module and klass:
        scopes.append(f"{module}.{klass}.{target}")
    if module:
        scopes.append(f"{module}.{target}")
    exists = False
    for path in scopes:
        obj = _lookup(path)
        if obj is None:
            continue
        exists = True
        name = _canonical(obj)
        if name:
            found = link(name)
            if found is not None:
                return found
        if isinstance(obj, type(importlib)) and obj.__name__ in domain.objects:
            return link(obj.__name__)
        owner = path.rpartition(".")[0]
        if (
            path != target
            and owner in domain.objects
            and domain.objects[owner].objtype
            in (
                "class",
                "exception",
            )
        ):
            # A member the class has but does not document itself (inherited from a private
            # mix-in, like ``get_config``): the class's page is where to read about it.
            return link(owner)
    ends = [name for name in domain.objects if name.endswith("." + target)]
    local = [name for name in ends if module and name.startswith(module + ".")]
    if len(local) == 1:  # a method of this module's classes: ``start`` in a Schedule
        return link(local[0])
    if "." in target and len(ends) == 1:  # a qualified name: ``MLP.fit`` anywhere
        return link(ends[0])
    classes = [n for n in ends if domain.objects[n].objtype in ("class", "exception")]
    if node.get("reftype") in ("class", "exc") and len(classes) == 1:
        # A class named bare in a docstring shared with another module (MLP.fit has
        # training.fit's, which names History and Callback): the one neuronet class so named.
        return link(classes[0])
    if exists:
        # The name exists but is not public (a module constant outside ``__all__``): shown
        # as code, unlinked. Only a name that does not exist at all is a broken reference.
        return contnode
    if node.get("reftype") in ("attr", "data", "obj"):
        owner, _, attribute = target.rpartition(".")
        candidates = []
        if owner:
            candidates = [n for n in domain.objects if n == owner or n.endswith("." + owner)]
        elif module and klass:
            candidates = [f"{module}.{klass}"]
        for name in candidates:
            cls = _lookup(name)
            doc = getattr(cls, "__doc__", "") or ""
            if isinstance(cls, type) and re.search(rf"^\s*{re.escape(attribute)}\b.*:", doc, re.M):
                return link(name, "class")
    return None


def public_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Show a class's public bases only: not ``abc.ABC``, not neuronet's private mix-ins."""
    bases[:] = [
        base
        for base in bases
        if base is not object
        and base.__module__ != "abc"
        and not base.__name__.startswith("_")
        and not any(part.startswith("_") for part in base.__module__.split("."))
    ]


def skip_foreign_members(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """Leave out what neuronet did not write: scikit-learn's ``set_*_request`` methods."""
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", resolve_reexports)
    app.connect("autodoc-process-bases", public_bases)
    app.connect("autodoc-skip-member", skip_foreign_members)
    app.add_directive("neuronet-run", RunDirective)
    app.connect("source-read", _reset_namespace)
    app.connect("autodoc-process-docstring", shape_into_notes, priority=100)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
