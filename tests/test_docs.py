"""The documentation site: the guide's examples run, and the generated pages cover everything.

The site itself is built strictly by CI (``sphinx-build -W --keep-going -n -b html docs
docs/_build/html``, about a minute), which also runs every example and every ``neuronet-run``
block. These tests are the fast part: the guide's ``>>>`` sessions with their outputs
checked, and the page generators of ``docs/_ext/neuronet_docs.py`` checked against the
registry and each module's ``__all__`` without building anything.
"""

from __future__ import annotations

import doctest
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import require
from neuronet import activations

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE_PAGES = sorted((DOCS / "guide").glob("*.rst"))
SESSION_PAGES = [page for page in GUIDE_PAGES if ">>> " in page.read_text(encoding="utf-8")]


@pytest.fixture(scope="module")
def docs_ext() -> Iterator[ModuleType]:
    """``docs/_ext/neuronet_docs.py``, imported as Sphinx imports it."""
    require("sphinx")
    require("numpydoc")
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        yield importlib.import_module("neuronet_docs")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_guide_has_pages() -> None:
    assert len(GUIDE_PAGES) >= 11
    assert len(SESSION_PAGES) >= 4


@pytest.mark.parametrize("page", SESSION_PAGES, ids=lambda p: p.stem)
def test_guide_sessions_run(page: Path) -> None:
    """Every ``>>>`` example of the user guide gives the output the page shows."""
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(page), module_relative=False, optionflags=flags, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"


@pytest.mark.parametrize("name", activations.names())
def test_every_activation_has_a_page(docs_ext: ModuleType, name: str) -> None:
    """The page is written from the class: formulas, a plot made at build time, issues."""
    act = activations.get(name)
    page = docs_ext.activation_page(name)
    assert page.splitlines()[0] == f".. _activation-{name}:"
    assert act.latex in page and act.derivative_latex in page
    assert f'plot.activations("{name}")' in page  # drawn by the library when the site builds
    assert f'act = activations.get("{name}")' in page  # values computed at build time too
    for issue in act.issues:
        assert docs_ext._rst(issue.remedy) in page
    assert f"init='{docs_ext._rst(act.recommended_init)}'" in page
    for section in ("Formula", "Plot", "Values", "Properties", "Known issues", "Initialisation"):
        assert f"\n{section}" in page


def test_activation_references_come_from_the_docstring(docs_ext: ModuleType) -> None:
    refs = docs_ext._references(activations.get("silu").__class__)
    assert len(refs) == 2
    assert refs[0].startswith("Ramachandran") and refs[1].startswith("Elfwing")
    assert docs_ext._references(activations.Identity) == []


def test_rst_escaping_keeps_text_literal(docs_ext: ModuleType) -> None:
    # "|z|" would be a substitution, "he_uniform_" a reference, "*" emphasis.
    assert docs_ext._rst("for large |z|, a*b, he_uniform_") == (
        r"for large \|z\|, a\*b, he\_uniform\_"
    )


def test_every_public_name_is_on_an_api_page(docs_ext: ModuleType) -> None:
    modules = docs_ext.public_modules()
    for expected in (
        "neuronet",
        "neuronet.activations",
        "neuronet.sklearn",
        "neuronet.cli.tabular",
    ):
        assert expected in modules
    assert not any(part.startswith("_") for m in modules for part in m.split("."))
    assert "neuronet.cli.train" not in modules  # the command modules are the CLI, not an API
    homes = docs_ext._canonical_homes(modules)
    for modname in modules:
        page = docs_ext.api_page(modname, homes)
        for name in importlib.import_module(modname).__all__:
            assert f"{modname}.{name}" in page or f"   {name}\n" in page, (modname, name)


def test_reexports_link_to_the_defining_module(docs_ext: ModuleType) -> None:
    modules = docs_ext.public_modules()
    page = docs_ext.api_page("neuronet", docs_ext._canonical_homes(modules))
    assert ":class:`neuronet.network.MLP`" in page
    assert ".. autoclass:: neuronet.MLP" not in page  # documented once, where it is defined


def test_shape_section_moves_into_notes(docs_ext: ModuleType) -> None:
    lines = [
        "Summary.",
        "",
        "Shape",
        "-----",
        "- Input: ``(*, n)``.",
        "",
        "Notes",
        "-----",
        "Range (0, 1).",
    ]
    docs_ext.shape_into_notes(None, "class", "X", object, None, lines)
    assert lines == [
        "Summary.",
        "",
        "Notes",
        "-----",
        ".. rubric:: Shape",
        "",
        "- Input: ``(*, n)``.",
        "",
        "Range (0, 1).",
    ]


def test_shape_section_without_notes_gets_one(docs_ext: ModuleType) -> None:
    lines = ["Summary.", "", "Shape", "-----", "- Output: same.", "", "Examples", "--------"]
    docs_ext.shape_into_notes(None, "class", "X", object, None, lines)
    assert lines[:6] == ["Summary.", "", "Notes", "-----", ".. rubric:: Shape", ""]
    assert lines[-2:] == ["Examples", "--------"]


def test_examples_get_a_gallery_title(docs_ext: ModuleType, tmp_path: Path) -> None:
    """sphinx-gallery needs a reST title; the copy adds the underline, nothing else."""
    written: set[Path] = set()
    folder = tmp_path / "examples_src"
    docs_ext._copy_examples(written, folder)
    examples = sorted((docs_ext.ROOT / "examples").glob("*.py"))
    assert examples
    for script in examples:
        original = script.read_text(encoding="utf-8")
        copy = (folder / script.name).read_text(encoding="utf-8")
        first = original.split('"""', 2)[1].splitlines()[0]
        assert copy.replace("\n" + "=" * len(first), "", 1) == original
    assert (folder / "GALLERY_HEADER.rst").exists()
