"""Sphinx configuration for the neuronet documentation.

Build (strict: every warning, broken reference and failing example is an error)::

    sphinx-build -W --keep-going -n -b html docs docs/_build/html
    python -m http.server -d docs/_build/html

Everything under ``docs/generated/`` is written by the build (``_ext/neuronet_docs.py``
and sphinx-gallery): one page per registered activation, one API page per public module,
the executed examples gallery and the figures of the user guide. Nothing there is kept in
git, so no page can go stale.

Sphinx re-reads only the pages whose source changed. After changing the library itself, build
with ``-E`` (or delete ``docs/_build``) so that every ``neuronet-run`` block runs again; CI
always builds from a fresh clone. sphinx-gallery re-runs an example when its file changes.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "src"))

# Figures are drawn off-screen; the examples print with a fixed width and no colour.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["COLUMNS"] = "96"
os.environ["NO_COLOR"] = "1"
os.environ["TERM"] = "dumb"

import neuronet_docs  # noqa: E402

import neuronet  # noqa: E402

project = "neuronet"
author = "The neuronet developers"
copyright = "The neuronet developers"
release = neuronet.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "neuronet_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "generated/examples_src",
    "gallery_header.rst",
    "Thumbs.db",
    ".DS_Store",
]
templates_path: list[str] = []
nitpicky = True

# -- pages written before reading (the registry and __all__ are the only lists) -------------
neuronet_docs.write_generated_pages(DOCS)

# -- autodoc / numpydoc ------------------------------------------------------------------------
autodoc_typehints = "none"  # the numpydoc "Parameters" sections carry the types
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# References to other projects: there is no network at build time, so no intersphinx; these
# names are shown as code, unlinked. Everything inside neuronet must resolve.
_EXTERNAL = (
    "numpy",
    "np",
    "scipy",
    "matplotlib",
    "sklearn",
    "torch",
    "dask",
    "distributed",
    "dask_ml",
    "onnx",
    "onnxruntime",
    "pandas",
    "pyarrow",
    "safetensors",
    "typer",
    "rich",
    "numba",
    "starlette",
    "uvicorn",
)
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_EXTERNAL)})(\..*)?"),
    # Python's built-ins (no intersphinx for the standard library either).
    (r"py:.*", r"(os|pathlib|io|typing|collections|json|warnings|signal|datetime)(\..*)?"),
    (r"py:(class|obj)", r"(int|float|str|bool|bytes|dict|list|tuple|object|None|Exception)"),
    (r"py:(class|exc|obj)", r"(ValueError|TypeError|KeyError|OSError|RuntimeError|UserWarning)"),
    (r"py:(class|exc|obj)", r"(FileNotFoundError|KeyboardInterrupt|ImportError|Warning)"),
    (r"py:(class|exc|obj)", r"(ModuleNotFoundError|NotImplementedError|AttributeError)"),
]
# neuronet's private names (a part starting with "_") are not documented, by design; a
# docstring may still point a subclass author at one.
nitpick_ignore_regex.append((r"py:.*", r"(.*\.)?_[A-Za-z]\w*(\.\w+)*"))
# BENCHMARKS.md links to files of the repository outside docs/ (benchmarks/README.md): the
# site has no page for them, so they show as plain text.
nitpick_ignore_regex.append(("myst", re.escape(str(ROOT)) + r"/(?!docs/).*"))
nitpick_ignore: list[tuple[str, str]] = []

# -- MyST (README-style Markdown: BENCHMARKS.md, CHANGELOG.md, robustness.md) ---------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# -- the examples gallery ----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["generated/examples_src"],  # examples/*.py, copied by neuronet_docs
    "gallery_dirs": ["generated/gallery"],
    # Executed at build time: every example, the Dask one on a LocalCluster with a small table
    # (see neuronet_docs.gallery_argv). make_readme_figures.py only re-runs the others into
    # docs/images, so it is left out.
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"make_readme_figures\.py$",
    "reset_argv": "neuronet_docs.gallery_argv",
    "image_scrapers": ("neuronet_docs.saved_figure_scraper",),
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "write_computation_times": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "capture_repr": (),
    "min_reported_time": 1e9,
}

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"neuronet {release}"
html_static_path = ["_static"]
html_css_files = ["neuronet.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False

# numpydoc does not know PyTorch's "Shape" section; neuronet_docs moves it into Notes.
warnings.filterwarnings("ignore", message="Unknown section Shape", category=UserWarning)
