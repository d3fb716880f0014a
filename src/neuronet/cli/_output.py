"""Machine-readable output: ``--json`` prints one JSON document on stdout and nothing else.

Every command that takes ``--json`` builds a plain dict and hands it to :func:`print_json`;
progress bars and notes go to stderr or are left out, so ``neuronet ... --json | jq`` always
parses. Errors stay one line on stderr with the documented exit code, ``--json`` or not.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import numpy as np
import typer

__all__ = ["JSON_HELP", "print_json", "to_json"]

#: The help text of every command's ``--json`` option.
JSON_HELP = "Print one JSON object on stdout instead of tables (for scripts)."


def to_json(value: Any) -> Any:
    """``value`` with NumPy numbers and arrays, paths and dates made plain JSON.

    Non-finite floats become None (JSON has no NaN), so the output parses anywhere.

    Examples
    --------
    >>> to_json({"accuracy": np.float32(0.5), "counts": np.array([1, 2]), "loss": float("nan")})
    {'accuracy': 0.5, 'counts': [1, 2], 'loss': None}
    """
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(data: dict[str, Any]) -> None:
    """Print ``data`` as one indented JSON object on stdout."""
    typer.echo(json.dumps(to_json(data), indent=2, ensure_ascii=False, allow_nan=False))
