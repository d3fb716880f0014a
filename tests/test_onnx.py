"""ONNX export and import, checked by running the files in onnxruntime.

Every exported file passes ``onnx.checker.check_model(full_check=True)`` and, in
onnxruntime, gives what the network gives: ``forward`` (``output``), and ``predict`` and
``predict_proba`` (``label``, ``probabilities``). Imports are checked against the tools that
made the graphs: PyTorch and scikit-learn, run on the same inputs.
"""

import json
import os
import warnings

import numpy as np
import pytest

import neuronet.onnx as nx
from conftest import require
from neuronet import MLP, activations, losses

onnx = require("onnx")
ort = require("onnxruntime")

CANONICAL = [
    ("identity", "mse"),
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
]
# float32 to 1e-5, as the issue asks; float64 to rounding.
TOL = {"float32": 1e-5, "float64": 1e-12}


def run(model_or_path, X):
    data = model_or_path if isinstance(model_or_path, bytes) else str(model_or_path)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"input": X}), strict=True))


def inputs(rng, n_in, dtype, n=9):
    X = rng.normal(scale=2.0, size=(n, n_in))
    X[0] *= 30.0  # deep in every saturating tail
    X[1] = 0.0  # the kinks
    return X.astype(dtype)


def randomise(net, rng):
    """Weights far from their initial values, PReLU slopes off 0.25, batch statistics set."""
    net.parameters[...] = rng.normal(scale=0.7, size=net.parameters.shape)
    for layer in net.dense_layers:
        if layer.activation_parameters.size:
            layer.activation_parameters[...] = rng.uniform(
                -0.5, 1.5, layer.activation_parameters.size
            )
        norm = layer.norm
        if norm is not None and hasattr(norm, "running_mean"):
            norm.running_mean[...] = rng.normal(size=norm.n_out)
            norm.running_var[...] = rng.uniform(0.3, 3.0, norm.n_out)


def build(sizes, rng, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # softmax hidden, mismatched pairs
        net = MLP(sizes, seed=0, **kwargs)
    randomise(net, rng)
    return net


def export_and_check(net, tmp_path, **kwargs):
    path = tmp_path / "net.onnx"
    written = nx.export(net, path, **kwargs)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert written.path == path and path.is_file()
    return path, written


def assert_close(actual, expected, tol):
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


# --- export: every activation, every pair, both dtypes ---------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("output", "loss"), CANONICAL)
@pytest.mark.parametrize("activation", activations.names())
def test_every_activation_every_canonical_pair_runs_in_onnxruntime(
    activation, output, loss, dtype, rng, tmp_path
):
    net = build([4, 6, 5, 3], rng, activation=activation, output=output, loss=loss, dtype=dtype)
    path, written = export_and_check(net, tmp_path)
    X = inputs(rng, 4, dtype)
    tol = TOL[dtype]
    got = run(path, X)
    assert list(got) == ["output"] and written.outputs == {"output": ["batch", 3]}
    assert_close(got["output"], net.forward(X), tol)
    # ... and back: the same network, exactly.
    again = nx.load(path)
    assert again.get_config() == net.get_config()
    np.testing.assert_array_equal(again.parameters, net.parameters)
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output", activations.names())
def test_every_activation_as_the_output_layer(output, dtype, rng, tmp_path):
    net = build([3, 5, 2], rng, activation="tanh", output=output, dtype=dtype)
    path, _ = export_and_check(net, tmp_path)
    X = inputs(rng, 3, dtype)
    assert_close(run(path, X)["output"], net.forward(X), TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("output", "loss", "n_out", "classes"),
    [
        ("softmax", "categorical_cross_entropy", 3, ["cat", "dog", "owl"]),
        ("softmax", "categorical_cross_entropy", 3, None),
        ("sigmoid", "binary_cross_entropy", 1, [False, True]),
        ("sigmoid", "binary_cross_entropy", 1, [-1, 1]),
        ("sigmoid", "binary_cross_entropy", 3, None),  # independent yes/no labels
        ("softmax", "mse", 3, None),  # regression: output only
        ("tanh", "huber", 2, None),
        ("identity", "mae", 2, None),
        ("sigmoid", "categorical_cross_entropy", 3, ["a", "b", "c"]),  # mismatched pair
    ],
)
def test_every_loss_labels_and_probabilities_as_predict(
    output, loss, n_out, classes, dtype, rng, tmp_path
):
    net = build([4, 6, n_out], rng, activation="relu", output=output, loss=loss, dtype=dtype)
    net.classes = classes
    X = inputs(rng, 4, dtype, n=40)
    path, _ = export_and_check(net, tmp_path)
    assert_close(run(path, X)["output"], net.forward(X), TOL[dtype])
    try:
        proba = net.predict_proba(X)
    except TypeError:
        with pytest.raises(ValueError, match="`labels=True` outputs class probabilities"):
            nx.export(net, tmp_path / "labels.onnx", labels=True)
        return
    path, written = export_and_check(net, tmp_path, labels=True)
    got = run(path, X)
    assert list(got) == ["label", "probabilities"] == list(written.outputs)
    assert_close(got["probabilities"], proba, TOL[dtype])
    expected = net.predict(X)
    assert got["label"].shape == expected.shape
    assert got["label"].tolist() == expected.tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", activations.names())
def test_every_activation_at_its_kinks_and_extremes(activation, dtype):
    # One layer with identity weights: the graph sees exactly these pre-activations.
    net = MLP([2, 2], output=activation, dtype=dtype, seed=0)
    net.layers[0].weights[...] = np.eye(2)
    net.layers[0].bias[...] = 0.0
    z = np.array([-1e4, -88.0, -30.0, -5.0, -1.0, -1e-6, 0.0, 1e-6, 1.0, 5.0, 30.0, 88.0, 1e4])
    X = np.c_[z, z[::-1]].astype(dtype)
    got = run(nx.to_onnx(net).SerializeToString(), X)["output"]
    assert np.isfinite(got).all()
    assert_close(got, net.forward(X), TOL[dtype])


def test_float64_gelu_is_exact_to_rounding_in_its_tails():
    # Φ in the graph is a float64 erfc, not a float32 erf: even where z Φ(z) is tiny (z ≪ 0)
    # it agrees with scipy's ndtr to a relative 1e-12.
    special = require("scipy.special")
    net = MLP([1, 1], output="gelu", dtype="float64", seed=0)
    net.layers[0].weights[...] = 1.0
    net.layers[0].bias[...] = 0.0
    z = np.linspace(-37.0, 37.0, 20001).reshape(-1, 1)
    got = run(nx.to_onnx(net).SerializeToString(), z)["output"]
    expected = z * special.ndtr(z)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


def test_metadata_holds_the_config_classes_and_version(rng, tmp_path):
    import neuronet

    net = build([2, 4, 3], rng, output="softmax", classes=["a", "b", "c"], dropout=0.2)
    path, _ = export_and_check(net, tmp_path)
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["neuronet.config"]) == net.get_config()
    assert json.loads(meta["classes"]) == ["a", "b", "c"]
    assert meta["neuronet.version"] == neuronet.__version__ == model.producer_version
    assert model.producer_name == "neuronet"
    (inp,) = model.graph.input
    dims = inp.type.tensor_type.shape.dim
    assert inp.name == "input" and dims[0].dim_param == "batch" and dims[1].dim_value == 2
    ops = [node.op_type for node in model.graph.node]
    assert ops == ["Gemm", "Relu", "Gemm", "Softmax"]  # dropout adds nothing


@pytest.mark.parametrize("n", [1, 32, 1024])
def test_the_batch_dimension_is_dynamic(n, rng, tmp_path):
    net = build([5, 8, 2], rng, activation="elu", output="sigmoid", loss="bce")
    path, _ = export_and_check(net, tmp_path)
    X = inputs(rng, 5, "float32", n=max(n, 2))[:n]
    assert_close(run(path, X)["output"], net.forward(X), 1e-5)


@pytest.mark.parametrize(
    ("kwargs", "opset", "ops"),
    [
        ({"activation": "relu"}, 7, {"Gemm", "Relu"}),
        ({"activation": "tanh", "output": "softmax"}, 7, {"Gemm", "Tanh", "Softmax"}),
        ({"activation": "prelu"}, 9, {"Gemm", "PRelu"}),
        ({"activation": "relu", "norm": "batch"}, 9, {"Gemm", "Relu", "BatchNormalization"}),
        ({"activation": "relu", "norm": "layer"}, 17, {"Gemm", "Relu", "LayerNormalization"}),
        ({"activation": "mish"}, 18, {"Gemm", "Mish"}),
        ({"activation": "gelu"}, 20, {"Gemm", "Gelu"}),
        ({"activation": "silu"}, 7, {"Gemm", "Sigmoid", "Mul"}),
    ],
)
def test_the_opset_is_the_lowest_that_holds_every_operator(kwargs, opset, ops, rng):
    model = nx.to_onnx(build([3, 4, 2], rng, **kwargs))
    assert {node.op_type for node in model.graph.node} == ops
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    for op in ops:  # each operator exists at that opset in the form used
        assert onnx.defs.get_schema(op, opset).since_version <= opset
    assert nx.to_onnx(build([3, 4, 2], rng, **kwargs), opset=21).opset_import[0].version == 21


def test_an_opset_too_low_is_refused(rng):
    net = build([3, 4, 2], rng, activation="gelu")
    with pytest.raises(ValueError, match=r"`opset` must be an integer from 20 .*Gelu.* got 17"):
        nx.to_onnx(net, opset=17)
    with pytest.raises(ValueError, match=r"to \d+ \(the newest .* got 999"):
        nx.to_onnx(net, opset=999)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "activation",
    [
        activations.get("gelu", approximate="tanh"),
        activations.get("leaky_relu", negative_slope=0.3),
        activations.get("leaky_relu", negative_slope=0.0),
        activations.get("elu", alpha=0.4),
        activations.get("prelu", per_neuron=True),
    ],
    ids=repr,
)
def test_activation_parameters_are_exported_exactly(activation, dtype, rng, tmp_path):
    net = build([3, 6, 6, 2], rng, activation=activation, dtype=dtype)
    path, _ = export_and_check(net, tmp_path)
    X = inputs(rng, 3, dtype)
    assert_close(run(path, X)["output"], net.forward(X), TOL[dtype])
    assert nx.load(path).hidden_activations == [activation, activation]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_normalisation_and_dropout_are_exported_for_prediction(norm, dtype, rng, tmp_path):
    net = build(
        [4, 7, 5, 3], rng, activation="tanh", output="softmax", norm=norm, dropout=0.3, dtype=dtype
    )
    path, _ = export_and_check(net, tmp_path)
    X = inputs(rng, 4, dtype)
    assert_close(run(path, X)["output"], net.forward(X), TOL[dtype])
    again = nx.load(path)
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_a_foreign_reading_of_neuronets_own_graph_gives_the_same_network(rng, tmp_path):
    # Without its metadata, a float32 neuronet file is read node by node like any other graph.
    net = build([4, 6, 5, 3], rng, activation="prelu", output="softmax", norm="batch")
    model = nx.to_onnx(net)
    del model.metadata_props[:]
    again = nx.from_onnx(model)
    X = inputs(rng, 4, "float32")
    assert again.sizes == net.sizes and again.hidden_activations == net.hidden_activations
    assert again.norm == "batch" and again.loss == net.loss
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_labels_need_a_classifier_and_classes_of_one_type(rng, tmp_path):
    with pytest.raises(ValueError, match="predict_proba needs a classifier"):
        nx.to_onnx(build([2, 3, 1], rng), labels=True)
    net = build([2, 3, 2], rng, output="softmax", classes=["a", 1])
    with pytest.raises(nx.ONNXConversionError, match=r"mix types \['int', 'str'\]"):
        nx.to_onnx(net, labels=True)
    nx.to_onnx(net)  # without labels the classes only go to the metadata


# --- exporting a fitted scikit-learn estimator -----------------------------------------------


def fitted_estimator(kind, dtype, rng, **params):
    estimators = require("neuronet.sklearn")
    X = rng.normal(size=(80, 4)).astype(dtype)
    targets = {
        "binary": np.where(X[:, 0] > 0, "yes", "no"),
        "multiclass": np.array([3, 7, 9])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)],
        "multilabel": (X[:, :3] > 0).astype(int),
        "regression": 100 * X[:, 0] + 500,  # far from unit scale: y_scale_ and y_mean_ matter
        "regression, 2 outputs": np.c_[100 * X[:, 0] + 500, -3 * X[:, 1] - 40],
    }
    cls = estimators.NeuronetRegressor if kind.startswith("regression") else None
    cls = cls or estimators.NeuronetClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        estimator = cls((6,), max_iter=30, dtype=dtype, random_state=0, **params)
        return estimator.fit(X, targets[kind]), X


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_export_a_fitted_classifier_as_its_predict(kind, dtype, rng, tmp_path):
    clf, X = fitted_estimator(kind, dtype, rng, activation="tanh")
    path, _ = export_and_check(clf, tmp_path, labels=True)
    got = run(path, X)
    assert got["label"].tolist() == clf.predict(X).tolist()
    np.testing.assert_allclose(
        got["probabilities"], clf.predict_proba(X), rtol=TOL[dtype], atol=TOL[dtype]
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["regression", "regression, 2 outputs"])
@pytest.mark.parametrize("output", [None, "tanh"])
def test_export_a_fitted_regressor_in_the_targets_units(kind, output, dtype, rng, tmp_path):
    reg, X = fitted_estimator(kind, dtype, rng, output_activation=output)
    path, written = export_and_check(reg, tmp_path)
    expected = reg.predict(X).reshape(len(X), -1)
    assert written.outputs == {"output": ["batch", expected.shape[1]]}
    got = run(path, X)["output"]
    assert got.dtype == expected.dtype
    # The file computes in the network's dtype what predict computes in float64, then rounds.
    np.testing.assert_allclose(got, expected, rtol=TOL[dtype], atol=TOL[dtype] * 500)
    if output is None:  # folded into the last layer: the file is an MLP in y's units
        again = nx.load(path)
        np.testing.assert_allclose(
            again.forward(X), expected, rtol=TOL[dtype], atol=TOL[dtype] * 500
        )
    else:
        with pytest.raises(nx.ONNXConversionError, match="cannot hold that rescaling"):
            nx.load(path)


def test_export_refuses_what_is_not_a_network_or_not_fitted(rng, tmp_path):
    estimators = require("neuronet.sklearn")
    neural_network = require("sklearn.neural_network")
    exceptions = require("sklearn.exceptions")
    for other in ("net.onnx", neural_network.MLPClassifier()):
        with pytest.raises(TypeError, match=r"`net` must be a neuronet MLP or a fitted Neur"):
            nx.export(other, tmp_path / "x.onnx")
    with pytest.raises(exceptions.NotFittedError):
        nx.export(estimators.NeuronetRegressor(), tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


# --- writing the file ------------------------------------------------------------------------


def test_export_replaces_a_file_atomically_and_leaves_no_temporary(rng, tmp_path):
    path = tmp_path / "net.onnx"
    path.write_bytes(b"old")
    nx.export(build([2, 3, 1], rng), path)
    assert onnx.load(str(path)).producer_name == "neuronet"
    assert os.listdir(tmp_path) == ["net.onnx"]


def test_export_into_a_missing_folder_or_onto_a_folder_fails_clearly(rng, tmp_path):
    net = build([2, 3, 1], rng)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nx.export(net, tmp_path / "nope" / "net.onnx")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        nx.export(net, tmp_path)
    assert os.listdir(tmp_path) == []


# --- import of graphs made by other tools ----------------------------------------------------


def torch_export(module, n_in, path, dtype, *, dynamo=True):
    torch = require("torch")
    require("onnxscript")  # what torch.onnx.export translates with
    example = (torch.zeros(2, n_in, dtype=getattr(torch, dtype)),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            example,
            str(path),
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch"}},
            verbose=False,
            dynamo=dynamo,
        )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_import_a_torch_sequential_of_every_supported_activation(dtype, rng, tmp_path, capfd):
    torch = require("torch")
    nn = torch.nn
    torch.manual_seed(0)
    acts = [
        nn.ReLU(), nn.LeakyReLU(0.2), nn.PReLU(6), nn.PReLU(), nn.ELU(0.5), nn.SELU(),
        nn.Sigmoid(), nn.Tanh(), nn.Softplus(), nn.Softsign(), nn.GELU(),
        nn.GELU(approximate="tanh"), nn.Mish(), nn.SiLU(), nn.Identity(),
    ]  # fmt: skip
    layers, n = [], 3
    for act in acts:
        layers += [nn.Linear(n, 6), act]
        n = 6
    module = nn.Sequential(*layers, nn.Dropout(0.3), nn.Linear(6, 4), nn.Softmax(dim=-1))
    module = module.to(getattr(torch, dtype)).eval()
    with torch.no_grad():
        for prelu in (m for m in module if isinstance(m, nn.PReLU)):
            prelu.weight.uniform_(-0.5, 1.5)
    torch_export(module, 3, tmp_path / "t.onnx", dtype)
    capfd.readouterr()
    net = nx.load(tmp_path / "t.onnx")
    assert net.dtype == dtype and net.sizes == [3, *[6] * len(acts), 4]
    names = [act.name for act in net.hidden_activations]
    assert names == [
        "relu", "leaky_relu", "prelu", "prelu", "elu", "selu", "sigmoid", "tanh", "softplus",
        "softsign", "gelu", "gelu", "mish", "silu", "identity",
    ]  # fmt: skip
    assert net.hidden_activations[1].negative_slope == 0.2
    assert net.hidden_activations[11] == activations.get("gelu", approximate="tanh")
    assert net.dense_layers[2].activation_parameters.shape == (6,)
    assert net.is_classifier and net.loss == losses.get("categorical_cross_entropy")
    X = inputs(rng, 3, dtype, n=20)
    with torch.no_grad():
        expected = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-5, atol=TOL[dtype] * 10)
    # ... and it trains further, and explains itself.
    y = rng.integers(0, 4, 20)
    before = net.compute_loss(X, y)
    net.fit(X, y, epochs=20, batch_size=20, lr=1e-2, verbose=0)
    assert net.compute_loss(X, y) < before
    assert len(net.trace(X[0]).layers) == len(acts) + 1


def test_import_from_torchs_torchscript_exporter(rng, tmp_path, capfd):
    # dynamo=False: the older exporter writes mish as x·tanh(softplus(x)), and an untrained
    # batch norm's running variance as an Identity of its scale (both ones).
    torch = require("torch")
    nn = torch.nn
    torch.manual_seed(0)
    acts = [
        nn.ReLU(), nn.LeakyReLU(0.2), nn.PReLU(6), nn.ELU(0.5), nn.SELU(), nn.Sigmoid(),
        nn.Tanh(), nn.Softplus(), nn.Softsign(), nn.GELU(), nn.Mish(), nn.SiLU(),
    ]  # fmt: skip
    layers, n = [], 3
    for act in acts:
        layers += [nn.Linear(n, 6), act]
        n = 6
    module = nn.Sequential(*layers, nn.Linear(6, 4), nn.Softmax(dim=-1)).eval()
    torch_export(module, 3, tmp_path / "t.onnx", "float32", dynamo=False)
    capfd.readouterr()
    net = nx.load(tmp_path / "t.onnx")
    assert [act.name for act in net.hidden_activations] == [
        "relu", "leaky_relu", "prelu", "elu", "selu", "sigmoid", "tanh", "softplus",
        "softsign", "gelu", "mish", "silu",
    ]  # fmt: skip
    X = inputs(rng, 3, "float32", n=20)
    with torch.no_grad():
        expected = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-5, atol=TOL["float32"] * 10)
    untrained = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))
    torch_export(untrained.eval(), 3, tmp_path / "bn.onnx", "float32", dynamo=False)
    capfd.readouterr()
    with torch.no_grad():
        expected = untrained(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(
        nx.load(tmp_path / "bn.onnx").forward(X), expected, rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_import_torch_normalisation(norm, rng, tmp_path, capfd):
    torch = require("torch")
    nn = torch.nn
    torch.manual_seed(1)
    make = (lambda: nn.BatchNorm1d(5)) if norm == "batch" else (lambda: nn.LayerNorm(5))
    module = nn.Sequential(
        nn.Linear(3, 5), make(), nn.Tanh(), nn.Linear(5, 5), make(), nn.ReLU(), nn.Linear(5, 2)
    ).eval()
    with torch.no_grad():
        for m in module:
            if isinstance(m, nn.BatchNorm1d | nn.LayerNorm):
                m.weight.normal_()
                m.bias.normal_()
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)
    torch_export(module, 3, tmp_path / "t.onnx", "float32")
    capfd.readouterr()
    net = nx.load(tmp_path / "t.onnx")
    X = inputs(rng, 3, "float32")
    with torch.no_grad():
        expected = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-5, atol=1e-5)
    # PyTorch folds an inference batch norm into the Gemm before it; a layer norm stays.
    assert net.norm == (None if norm == "batch" else "layer")


def sklearn_onnx(estimator, X):
    skl2onnx = require("skl2onnx")
    options = {"zipmap": False} if hasattr(estimator, "classes_") else None
    return skl2onnx.to_onnx(estimator, X[:1], options=options, target_opset=17)


@pytest.mark.parametrize(
    ("activation", "labels"),
    [
        ("relu", ["a", "b", "c"]),
        ("tanh", ["no", "yes"]),
        ("logistic", [3, 7, 9]),
        ("identity", [0, 1]),
    ],
)
def test_import_an_sklearn_mlp_classifier(activation, labels, rng, tmp_path):
    neural_network = require("sklearn.neural_network")
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = np.array(labels)[np.arange(60) % len(labels)]
    clf = neural_network.MLPClassifier((7, 5), activation=activation, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        clf.fit(X, y)
    (tmp_path / "c.onnx").write_bytes(sklearn_onnx(clf, X).SerializeToString())
    net = nx.load(tmp_path / "c.onnx")
    assert net.classes == labels and net.sizes == [4, 7, 5, clf.n_outputs_]
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-6)
    assert net.predict(X).tolist() == clf.predict(X).tolist()


def test_import_an_sklearn_classifier_with_zipmap(rng, tmp_path):
    neural_network = require("sklearn.neural_network")
    skl2onnx = require("skl2onnx")
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.array(["x", "y"])[np.arange(40) % 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = neural_network.MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    model = skl2onnx.to_onnx(clf, X[:1], target_opset=17)  # ZipMap: a list of dicts
    net = nx.from_onnx(model)
    assert net.classes == ["x", "y"]
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("zipmap", [False, True])
@pytest.mark.parametrize("n_labels", [2, 3])
def test_import_an_sklearn_multilabel_classifier(n_labels, zipmap, rng, tmp_path):
    neural_network = require("sklearn.neural_network")
    skl2onnx = require("skl2onnx")
    X = rng.normal(size=(60, 4)).astype(np.float32)
    Y = (rng.random((60, n_labels)) > 0.5).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = neural_network.MLPClassifier((5,), max_iter=50, random_state=0).fit(X, Y)
    options = {id(clf): {"zipmap": zipmap}}
    model = skl2onnx.to_onnx(clf, X[:1], options=options, target_opset=17)
    assert "Binarizer" in {node.op_type for node in model.graph.node}  # the multilabel head
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    net = nx.load(tmp_path / "m.onnx")
    assert net.sizes == [4, 5, n_labels] and isinstance(net.loss, losses.BinaryCrossEntropy)
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-6)
    assert np.array_equal(net.predict(X), clf.predict(X))


def test_a_binarizer_at_another_threshold_is_refused(rng):
    neural_network = require("sklearn.neural_network")
    skl2onnx = require("skl2onnx")
    X = rng.normal(size=(30, 4)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = neural_network.MLPClassifier((5,), max_iter=5, random_state=0)
        clf.fit(X, (X[:, :3] > 0).astype(int))
    model = skl2onnx.to_onnx(clf, X[:1], options={id(clf): {"zipmap": False}}, target_opset=17)
    binarizer = next(node for node in model.graph.node if node.op_type == "Binarizer")
    binarizer.attribute[0].f = 0.3
    with pytest.raises(nx.ONNXConversionError, match=r"labels thresholded at 0\.3"):
        nx.from_onnx(model)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_import_an_sklearn_mlp_regressor(activation, rng, tmp_path):
    neural_network = require("sklearn.neural_network")
    X = rng.normal(size=(50, 3)).astype(np.float32)
    Y = np.c_[X[:, 0] - X[:, 1], X[:, 2] ** 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = neural_network.MLPRegressor(
            hidden_layer_sizes=(6, 4), activation=activation, max_iter=30, random_state=0
        )
        reg.fit(X, Y)
    net = nx.from_onnx(sklearn_onnx(reg, X))
    assert not net.is_classifier and net.sizes == [3, 6, 4, 2]
    np.testing.assert_allclose(net.predict(X), reg.predict(X), rtol=1e-5, atol=1e-5)


# --- what is refused -------------------------------------------------------------------------


def graph(nodes, initializers, inputs=("x",), outputs=("y",), n_in=3, n_out=3):
    helper = onnx.helper
    f32 = onnx.TensorProto.FLOAT
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(name, f32, ["n", n_in]) for name in inputs],
        [helper.make_tensor_value_info(name, f32, ["n", n_out]) for name in outputs],
        [
            onnx.numpy_helper.from_array(np.asarray(v, np.float32), k)
            for k, v in initializers.items()
        ],
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def test_a_truncated_or_foreign_file_is_refused(rng, tmp_path):
    path, _ = export_and_check(build([3, 4, 2], rng), tmp_path)
    data = path.read_bytes()
    for name, content in [("cut.onnx", data[: len(data) // 2]), ("junk.onnx", b"junk\x00\xff")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(nx.ONNXConversionError, match=f"Cannot read .*{name}.* as ONNX"):
            nx.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        nx.load(tmp_path / "missing.onnx")


def test_a_convolution_is_refused_naming_the_node(tmp_path):
    w = np.ones((3, 3), np.float32)
    nodes = [
        onnx.helper.make_node("Gemm", ["x", "w", "b"], ["z"], name="dense"),
        onnx.helper.make_node("Relu", ["z"], ["a"]),
        onnx.helper.make_node("Conv", ["a", "k"], ["y"], name="conv1"),
    ]
    model = graph(nodes, {"w": w, "b": np.zeros(3), "k": np.ones((3, 3, 1))})
    with pytest.raises(nx.ONNXConversionError) as err:
        nx.from_onnx(model)
    message = str(err.value)
    assert "node 2 'conv1', a Conv" in message and "Supported: Gemm, MatMul" in message


def test_a_branch_is_refused(tmp_path):
    w = np.eye(3, dtype=np.float32)
    nodes = [  # a residual connection: y = relu(xW + b) + x
        onnx.helper.make_node("Gemm", ["x", "w", "b"], ["z"]),
        onnx.helper.make_node("Relu", ["z"], ["a"]),
        onnx.helper.make_node("Add", ["a", "x"], ["y"], name="skip"),
    ]
    with pytest.raises(nx.ONNXConversionError, match="tensor 'x' branches into 2 nodes"):
        nx.from_onnx(graph(nodes, {"w": w, "b": np.zeros(3)}))
    nodes = [  # two layers joined: y = relu(xW) · (xW)
        onnx.helper.make_node("Gemm", ["x", "w", "b"], ["z"]),
        onnx.helper.make_node("Relu", ["z"], ["a"]),
        onnx.helper.make_node("Mul", ["a", "z"], ["y"], name="gate"),
    ]
    with pytest.raises(nx.ONNXConversionError, match="'z' branches into 2 nodes"):
        nx.from_onnx(graph(nodes, {"w": w, "b": np.zeros(3)}))


@pytest.mark.parametrize(
    ("nodes", "inits", "kwargs", "match"),
    [
        ([("Relu", ["x"], ["y"])], {}, {}, "node 0, a Relu, an activation before any Gemm"),
        (
            [("Gemm", ["x", "w", "b"], ["z"]), ("Relu", ["z"], ["a"]), ("Tanh", ["a"], ["y"])],
            {},
            {},
            "a Tanh, an activation after the activation 'relu'",
        ),
        (
            [("Gemm", ["x", "w", "b"], ["z"]), ("LeakyRelu", ["z"], ["y"], {"alpha": 2.0})],
            {},
            {},
            r"refuses: `negative_slope` must be a number in \[0, 1\), got 2.0. Supported",
        ),
        (
            [("Gemm", ["x", "w", "b"], ["y"], {"transA": 1})],
            {},
            {},
            "transposes the batch",
        ),
        ([("Gemm", ["x", "x2", "b"], ["y"])], {}, {"inputs": ("x", "x2")}, "has 2 inputs"),
        ([("Identity", ["x"], ["y"])], {}, {}, "no Gemm or MatMul"),
        (
            [("Gemm", ["x", "w", "b"], ["z"]), ("PRelu", ["z", "s"], ["y"])],
            {"s": np.ones(2)},
            {},
            "Layer 1 of the ONNX graph has 2 PReLU slopes for its 3 neurons",
        ),
        (
            [("Gemm", ["x", "w", "b"], ["z"]), ("Softmax", ["z"], ["y"], {"axis": 0})],
            {},
            {},
            "softmax over axis 0",
        ),
    ],
)
def test_graphs_neuronet_cannot_represent_are_refused(nodes, inits, kwargs, match):
    made = [
        onnx.helper.make_node(op, i, o, **(rest[0] if rest else {})) for op, i, o, *rest in nodes
    ]
    model = graph(made, {"w": np.eye(3), "b": np.zeros(3), **inits}, **kwargs)
    with pytest.raises(nx.ONNXConversionError, match=match):
        nx.from_onnx(model)


def test_load_names_the_file(tmp_path):
    nodes = [onnx.helper.make_node("Conv", ["x", "k"], ["y"])]
    path = tmp_path / "conv.onnx"
    path.write_bytes(graph(nodes, {"k": np.ones((3, 3, 1))}).SerializeToString())
    with pytest.raises(nx.ONNXConversionError, match=r"Cannot load .*conv\.onnx.*: .*a Conv"):
        nx.load(path)
