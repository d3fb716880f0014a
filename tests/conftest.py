"""Shared fixtures and helpers: every test that needs randomness takes a seeded generator."""

import importlib
import os
from types import ModuleType

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261128)


def on_ci() -> bool:
    """Whether the tests run on CI: ``CI`` set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(module: str) -> ModuleType:
    """Import an optional dependency a test needs, e.g. ``torch = require("torch")``.

    Locally a missing module skips the test (``pytest.importorskip``). On CI, which installs
    every optional dependency the tests use, it fails the test instead with the ImportError,
    so that a cross-check against PyTorch, say, can never be skipped without anyone noticing.
    """
    if on_ci():
        return importlib.import_module(module)
    return pytest.importorskip(module)


# --- hypothesis profiles ----------------------------------------------------------------------
# "ci" (the default): few examples, derandomized so every run draws the same ones and a failure
# on CI reproduces anywhere; no deadline, since a shared 2-core runner makes timings noisy.
# "thorough" (``pytest --hypothesis-profile=thorough``): many more examples, freshly random each
# run, for a nightly-style search. Neither writes an example database into the working tree.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # optional locally: the property tests require() it and skip without it
    pass
else:
    settings.register_profile(
        "ci",
        max_examples=100,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "thorough",
        max_examples=1000,
        derandomize=False,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("ci")
