"""Warnings that point at the user's line, not at neuronet's internals."""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["warn_user"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message: str, category: type[Warning]) -> None:
    """Warn with ``category``, attributed to the first caller outside the neuronet package.

    A fixed ``stacklevel`` is right for one call path only: ``fit`` reached through
    ``MLP.fit`` or ``training.fit`` (or a warning raised from a constructor called by
    ``load``) sits at different depths. Walking the stack to the first frame outside the
    package always names the line the user wrote, which is what ``-W error`` tracebacks,
    ``warnings.filterwarnings(module=...)`` and Jupyter show.
    """
    frame = sys._getframe(1)
    level = 2  # stacklevel=2 is warn_user's caller
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
