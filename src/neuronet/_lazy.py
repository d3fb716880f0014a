"""Import heavy modules on first use, so that ``import neuronet`` stays fast.

``scipy.special`` alone takes longer to import than NumPy and the rest of neuronet together;
most sessions need it only once a network actually runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["LazyModule", "special"]


class LazyModule:
    """Stands in for a module and imports it on the first attribute access.

    Each attribute, once looked up, is stored on the proxy itself, so later lookups are plain
    attribute reads and cost nothing extra in hot loops.

    >>> math = LazyModule("math")
    >>> math.sqrt(4.0)
    2.0
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)
        return value

    def __repr__(self) -> str:
        return f"LazyModule({self._name!r})"


# The one proxy the package shares; type checkers see the real module.
if TYPE_CHECKING:
    from scipy import special
else:
    special = LazyModule("scipy.special")
