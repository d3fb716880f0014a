"""Doctest collection: an add-on whose optional dependency is missing is left out, except on CI.

pytest runs the docstring examples of every module under ``src/neuronet``. The add-ons import
their optional dependency (PyTorch, onnxruntime, ...) when used, so their examples need it.
The README's test command installs the ``dev`` extra, which has all of them but PyTorch (CI
installs the CPU build itself; see ``.ci/run``); on a machine without one, that module's
examples are not collected, as ``tests/conftest.py``'s ``require`` skips the tests that need it.
On CI (``CI`` set) nothing is left out: a missing dependency fails loudly instead.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).parent
#: Module file -> the optional packages its examples import.
OPTIONAL = {
    "src/neuronet/torch.py": ("torch",),
    "src/neuronet/onnx.py": ("onnx", "onnxruntime"),
    "src/neuronet/sklearn.py": ("sklearn",),
    "src/neuronet/dask.py": ("dask", "distributed", "dask_ml"),
    "src/neuronet/plot.py": ("matplotlib",),
    "src/neuronet/cli/tabular.py": ("pandas", "pyarrow"),
    "src/neuronet/playground/server.py": ("starlette", "uvicorn", "httpx2"),
}


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    try:
        name = collection_path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    needs = OPTIONAL.get(name)
    if needs is None or _on_ci():
        return None
    if all(importlib.util.find_spec(package) is not None for package in needs):
        return None
    return True
