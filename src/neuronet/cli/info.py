"""``neuronet info MODEL``: what a saved model file holds, and who wrote it when.

Beside the layers, classes, loss and provenance, a file written by ``neuronet train`` on a
table holds its preprocessing (the features and how each is treated, the target, the classes)
and a record of the run (data, rows, columns, date, version, final metrics, options): both
are shown, and ``--json`` prints everything as one object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import MLP
from ..io import ModelInfo, Section, read
from ._errors import ModelPath, fail, model_errors
from ._output import JSON_HELP, print_json, to_json

__all__ = ["describe", "info", "model_report"]


def _classes_text(net: MLP) -> str:
    if net.classes is not None:
        return ", ".join(map(str, net.classes))
    if net.is_classifier:
        return f"{net.n_classes} (labels 0 to {(net.n_classes or 1) - 1})"
    return "none (regression)"


def _table(rows: list[tuple[str, str]], indent: str = "") -> list[str]:
    width = max(len(key) for key, _ in rows)
    return [f"{indent}{key:<{width}}  {value}" for key, value in rows]


def describe(net: MLP, meta: ModelInfo, sections: dict[str, Section] | None = None) -> str:
    """The layer table of ``net``, its classes, loss, dtype and provenance, then its sections.

    ``sections`` (as :func:`neuronet.io.read` returns them) adds the stored preprocessing and
    training record, indented under their names, and the names of any other sections.
    """
    if meta.saved_at is None:
        saved = f"unknown (file format {meta.format_version} did not record it)"
    else:
        saved = meta.saved_at.isoformat()
    rows = [
        ("classes", _classes_text(net)),
        ("loss", net.loss.name),
        ("dtype", str(net.dtype)),
        ("saved", saved),
        ("neuronet", f"{meta.neuronet_version} (file format {meta.format_version})"),
    ]
    lines = [net.summary(), "", *_table(rows)]
    sections = sections or {}
    if "preprocessing" in sections:
        lines += [
            "",
            "preprocessing",
            *_table(_preprocessing_rows(sections["preprocessing"], meta.path), "  "),
        ]
    if "training" in sections:
        lines += ["", "training", *_table(_training_rows(sections["training"].metadata), "  ")]
    others = sorted(set(sections) - {"preprocessing", "training"})
    if others:
        lines += ["", f"other sections  {', '.join(others)}"]
    return "\n".join(lines)


def _preprocessing(section: Section, path: Path) -> dict[str, Any]:
    """The stored preprocessing as :meth:`Preprocessor.describe` gives it."""
    # Rebuilding it needs no pandas: info works without the data extra.
    from .tabular import Preprocessor

    try:
        described: dict[str, Any] = Preprocessor.from_section(section).describe()
    except (KeyError, TypeError, ValueError) as err:
        fail(f"model file {str(path)!r}: {err}")
    return described


def _preprocessing_rows(section: Section, path: Path) -> list[tuple[str, str]]:
    described = _preprocessing(section, path)
    rows = []
    if "target" in described:
        task = described.get("task")
        rows.append(("target", f"{described['target']}" + (f" ({task})" if task else "")))
    if described.get("classes") is not None:
        rows.append(("classes", ", ".join(map(str, described["classes"]))))
    scaling = described.get("target_scaling")
    if isinstance(scaling, dict):
        rows.append(
            (
                "scaling",
                f"target standardised (mean {_plain(scaling.get('mean'))}, "
                f"std {_plain(scaling.get('std'))}); predictions in its units",
            )
        )
    features = described.get("features")
    if isinstance(features, list):
        for i, feature in enumerate(features):
            rows.append(("features" if i == 0 else "", _feature_text(feature)))
    if "n_inputs" in described:
        one_hot = isinstance(features, list) and any(
            isinstance(f, dict) and f.get("kind") == "categorical" for f in features
        )
        rows.append(
            (
                "inputs",
                f"{described['n_inputs']}" + (" (after one-hot encoding)" if one_hot else ""),
            )
        )
    if "impute" in described:
        impute = described["impute"]
        rows.append(
            ("impute", "none (a missing value is an error)" if impute is None else str(impute))
        )
    for key, value in described.items():
        if key not in (
            "target",
            "task",
            "classes",
            "features",
            "n_inputs",
            "impute",
            "target_scaling",
        ):
            rows.append((key, _plain(value)))
    return rows


def _feature_text(feature: Any) -> str:
    """One feature of :meth:`Preprocessor.describe`: its name and how it becomes inputs."""
    if not isinstance(feature, dict):
        return _plain(feature)
    name = feature.get("name", "?")
    kind = feature.get("kind")
    if kind == "numeric":
        how = (
            f"numeric, standardised (mean {_plain(feature.get('mean'))}, "
            f"std {_plain(feature.get('std'))})"
        )
        if feature.get("constant"):
            how += ", constant in training"
    elif kind == "categorical":
        categories = feature.get("categories") or []
        shown = ", ".join(map(str, categories[:8])) + (", ..." if len(categories) > 8 else "")
        how = f"categorical, one-hot over {len(categories)} categories ({shown})"
    else:
        how = _plain({k: v for k, v in feature.items() if k != "name"})
    if feature.get("fill") is not None:
        how += f", missing -> {_plain(feature['fill'])}"
    return f"{name}: {how}"


def _plain(value: Any) -> str:
    """A JSON value as short text: dicts as ``key value`` pairs, lists comma-separated."""
    if isinstance(value, dict):
        return ", ".join(f"{key} {_plain(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metric_text(key: str, value: Any) -> str:
    names = {"macro_f1": "macro F1", "r2": "R²", "mse": "MSE", "mae": "MAE"}
    if value is None:
        return f"{names.get(key, key)} undefined"
    if key == "accuracy":
        return f"accuracy {value:.1%}"
    return f"{names.get(key, key)} {value:.4g}"


def _training_rows(record: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("data", str(record.get("data")))]
    if record.get("target") is not None:
        rows.append(("target", f"{record['target']} ({record.get('task')})"))
    counts = record.get("rows") or {}
    if counts:
        rows.append(
            ("rows", f"{counts.get('train')} for training, {counts.get('held_out')} held out")
        )
    if record.get("columns"):
        rows.append(("columns", ", ".join(map(str, record["columns"]))))
    rows.append(("date", str(record.get("date"))))
    rows.append(("neuronet", str(record.get("neuronet_version"))))
    epochs = record.get("epochs")
    if epochs is not None:
        rows.append(("epochs", f"{epochs} ({record.get('stop_reason')})"))
    metrics = record.get("metrics") or {}
    if metrics:
        rows.append(("metrics", ", ".join(_metric_text(k, v) for k, v in metrics.items())))
    options = record.get("options") or {}
    if options:
        given = {key: value for key, value in options.items() if value is not None}
        rows.append(("options", _plain(given)))
    return rows


def model_report(net: MLP, meta: ModelInfo, sections: dict[str, Section]) -> dict[str, Any]:
    """Everything ``neuronet info --json`` prints, as a JSON-able dict."""
    report: dict[str, Any] = {
        "path": str(meta.path),
        "format_version": meta.format_version,
        "neuronet_version": meta.neuronet_version,
        "saved_at": meta.saved_at,
        "architecture": meta.config,
        "layers": [
            {"neurons": layer.n_out, "activation": layer.activation.name, "parameters": size}
            for layer, size in zip(net.dense_layers, _layer_sizes(net), strict=True)
        ],
        "parameters": int(net.parameters.size),
        "classes": net.classes,
        "n_classes": net.n_classes,
        "loss": net.loss.name,
        "dtype": str(net.dtype),
        "preprocessing": None,
        "training": None,
    }
    if "preprocessing" in sections:
        report["preprocessing"] = _preprocessing(sections["preprocessing"], meta.path)
    if "training" in sections:
        report["training"] = sections["training"].metadata
    others = {k: s.metadata for k, s in sections.items() if k not in ("preprocessing", "training")}
    if others:
        report["other_sections"] = others
    plain: dict[str, Any] = to_json(report)
    return plain


def _layer_sizes(net: MLP) -> list[int]:
    return [sum(int(t.size) for t in layer.tensors().values()) for layer in net.dense_layers]


def info(
    path: ModelPath,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Describe a saved model: layers, classes, loss, dtype, when and by what it was saved,
    and, for a model trained on a table, its preprocessing and how it was trained.

    Example: neuronet info iris.safetensors --json
    """
    # The whole file is read, not only its header (read_metadata): the checksum of the weights
    # and sections is verified, so a corrupted or altered file is reported, not described.
    with model_errors(path):
        saved = read(path)
    if json_output:
        print_json(model_report(saved.net, saved.info, saved.sections))
    else:
        typer.echo(describe(saved.net, saved.info, saved.sections))
