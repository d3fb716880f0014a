"""neuronet: multilayer perceptrons you can see inside.

Every neuron computes :math:`z = w \\cdot x + b` and :math:`a = f(z)`; neuronet lets you build,
train and inspect networks of them with NumPy alone.

>>> import neuronet
>>> X, y = neuronet.datasets.circles(200, noise=0.05, seed=0)
>>> net = neuronet.MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
>>> history = net.fit(X, y, epochs=100, batch_size=20, lr=0.02, verbose=0)
>>> float((net.predict(X) == y).mean()) > 0.95
True
"""

from typing import TYPE_CHECKING, Any

from . import activations, datasets, init, losses, optimizers, schedules
from .activations import Activation

# Imported here, not lazily: the function `explain` must win over the submodule of the same
# name, which Python would otherwise bind to `neuronet.explain` when it is first imported.
from .explain import compare, explain
from .layers import BatchNorm, Dense, Dropout, Layer, LayerNorm, Neuron
from .network import MLP
from .training import Callback, DivergenceWarning, History

if TYPE_CHECKING:
    from .checkpoints import Checkpoint
    from .diagnostics import DiagnosticWarning, Monitor, diagnose
    from .io import ModelFileError, load

__version__ = "0.1.0"


# Imported on first use, to keep `import neuronet` fast: io brings json, tempfile and pathlib
# (a quarter of the import) and most sessions never save or load; checkpoints need io; the
# diagnostics are an add-on that training never needs.
_LAZY = {
    "Checkpoint": "checkpoints",
    "load": "io",
    "ModelFileError": "io",
    "diagnose": "diagnostics",
    "Monitor": "diagnostics",
    "DiagnosticWarning": "diagnostics",
}


# The add-ons, as modules: `neuronet.plot.history(h)` works after a plain `import neuronet`.
_LAZY_MODULES = ("checkpoints", "diagnostics", "experiments", "io", "onnx", "plot", "torch")


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


__all__ = [
    "MLP",
    "Activation",
    "BatchNorm",
    "Callback",
    "Checkpoint",
    "Dense",
    "DiagnosticWarning",
    "DivergenceWarning",
    "Dropout",
    "History",
    "Layer",
    "LayerNorm",
    "ModelFileError",
    "Monitor",
    "Neuron",
    "__version__",
    "activations",
    "compare",
    "datasets",
    "diagnose",
    "explain",
    "init",
    "load",
    "losses",
    "optimizers",
    "schedules",
]
