"""The playground's server: every endpoint and message type, refusals, disconnects, bursts.

Training goes through neuronet's one loop, so a session's ticks must give bit for bit what
one ``MLP.fit`` call gives; the exported model must load with ``neuronet.load`` and predict
as the session's network does; the exported Python must reproduce the session's losses.
"""

import base64
import contextlib
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from conftest import require

require("starlette")
require("httpx2")  # what starlette.testclient uses
uvicorn = require("uvicorn")

from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import neuronet  # noqa: E402
from neuronet import MLP, datasets  # noqa: E402
from neuronet.cli import EXIT_USAGE, app  # noqa: E402
from neuronet.playground import server  # noqa: E402
from neuronet.playground.sessions import (  # noqa: E402
    LIMITS,
    Session,
    SessionStore,
    Settings,
    SettingsError,
    parse_csv,
)

SPIRAL = {"dataset": "spiral", "hidden": [8, 8], "activations": ["tanh", "tanh"], "seed": 3}
GOOD_CSV = "x1,x2,label\n" + "".join(
    f"{np.cos(t):.3f},{np.sin(t):.3f},{'in' if k % 2 else 'out'}\n"
    for k, t in enumerate(np.linspace(0, 6, 40))
)


@pytest.fixture
def client():
    with TestClient(server.create_app()) as c:
        yield c


def new_session(client, **settings):
    r = client.post("/api/sessions", json=settings)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def receive_until(ws, kind, limit=50):
    for _ in range(limit):
        msg = ws.receive_json()
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind!r} message in {limit}")


def opened(ws):
    """The three messages a new connection starts with."""
    kinds = [ws.receive_json()["type"] for _ in range(3)]
    assert kinds == ["settings", "points", "frame"]


# --- settings and CSV ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"dataset": "mnist"}, "dataset"),
        ({"n_samples": 5}, "n_samples"),
        ({"n_samples": 10_001}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"n_samples": "300"}, "n_samples"),
        ({"classes": 9}, "classes"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"test_fraction": 0.95}, "test_fraction"),
        ({"seed": -1}, "seed"),
        ({"hidden": [8] * 11}, "hidden"),
        ({"hidden": [65]}, "hidden"),
        ({"hidden": [0]}, "hidden"),
        ({"hidden": "8,8"}, "hidden"),
        ({"activations": ["tanh"]}, "activations"),
        ({"activations": ["tanh", "swish2"]}, "activations"),
        ({"output": "nope"}, "output"),
        ({"loss": "hinge"}, "loss"),
        ({"optimizer": "adagrad"}, "optimizer"),
        ({"lr": 0}, "lr"),
        ({"lr": 11}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"l2": 2}, "l2"),
        ({"dropout": 0.95}, "dropout"),
        ({"speed": 101}, "speed"),
        ({"speed": True}, "speed"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_every_setting_out_of_bounds_is_refused_by_name(values, field):
    with pytest.raises(SettingsError) as caught:
        Settings.from_dict(values)
    assert caught.value.field == field
    assert f"`{field}`" in str(caught.value) or repr(field) in str(caught.value)


def test_new_widths_alone_take_the_last_layers_activation():
    s = Settings.from_dict({"hidden": [4, 4, 4]}, Settings(hidden=(8,), activations=("relu",)))
    assert s.activations == ("relu", "relu", "relu")
    assert Settings.from_dict({"hidden": []}).activations == ()


def test_a_csv_is_read_with_or_without_a_header_and_any_labels():
    with_header = parse_csv(GOOD_CSV.encode())
    without = parse_csv(GOOD_CSV.split("\n", 1)[1])
    assert with_header.columns == ["x1", "x2", "label"]
    assert with_header.classes == ["in", "out"]
    np.testing.assert_array_equal(with_header.X, without.X)
    np.testing.assert_array_equal(with_header.y, without.y)
    numeric = parse_csv("0,0,10\n1,1,2\n0,1,10\n1,0,2\n")
    assert numeric.classes == ["2", "10"]  # numbers sorted as numbers
    assert numeric.y.tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x,y,c\n0,1,a\n1,0,b\n0,x1,a\n1,1,b\n", "row 3 (line 4), column 2 ('y'): 'x1' is not"),
        ("x,y,c\n0,1,a\n1,0,b\nnan,1,a\n1,1,b\n", "row 3 (line 4), column 1 ('x'): 'nan' is not"),
        ("x,y,c\n0,1,a\n1,0\n0,1,a\n1,1,b\n", "row 2 (line 3): expected 3 columns"),
        (
            "x,y,c\n0,1,a\n1,0,\n0,1,a\n1,1,b\n",
            "row 2 (line 3), column 3 ('c'): the label is empty",
        ),
        ("x,y,c\n0,1,a\n1,0,a\n0,1,a\n1,1,a\n", "between 2 and 20 distinct labels, got 1"),
        ("x,y,c\n0,1,a\n", "1 data rows; at least 4"),
        ("", "is empty"),
        ("0,0,a\n" * 10_001, "10,001 rows; the limit is 10,000"),
        # Beyond float32 (it would read as inf), or each finite but their range not: the
        # page's bounds and grid would overflow, and every frame fail.
        ("x,y,c\n0,1,a\n1,0,b\n1e39,1,a\n1,1,b\n", "row 3 (line 4), column 1 ('x'): '1e39' is"),
        ("x,y,c\n3e38,0,a\n-3e38,1,b\n1,0,a\n1,1,b\n", "row 1 (line 2), column 1 ('x'): '3e38'"),
        ("0,1,a\n1,0,b\n0,-2e30,a\n1,1,b\n", "row 3 (line 3), column 2 ('column 2'): '-2e30'"),
    ],
)
def test_a_malformed_csv_is_explained_by_row_and_column(text, expected):
    with pytest.raises(SettingsError) as caught:
        parse_csv(text.encode())
    assert expected in str(caught.value)


def test_a_csv_over_5_mb_or_not_utf8_is_refused():
    with pytest.raises(SettingsError, match="5 MB"):
        parse_csv(b"0" * (LIMITS["upload_bytes"] + 1))
    with pytest.raises(SettingsError, match="not UTF-8"):
        parse_csv(b"x,y,c\n\xff\xfe,1,a\n")


# --- training is neuronet's fit ------------------------------------------------------------


def test_ticks_train_bit_for_bit_as_one_fit_call():
    session = Session(Settings.from_dict({**SPIRAL, "optimizer": "adam", "lr": 0.02}))
    for _ in range(4):
        session.tick(epochs=1)
    session.tick(epochs=2)
    net, history = _fit_as_the_session(session, epochs=6)
    np.testing.assert_array_equal(session.net.parameters, net.parameters)
    assert session.curves["val_loss"] == history["val_loss"]
    assert session.epoch == 6


def _fit_as_the_session(session, epochs):
    """The spiral session's network trained by fit itself, for comparison."""
    s = session.settings
    X, y = datasets.load("spiral", n_samples=s.n_samples, noise=s.noise, n_classes=2, seed=3)
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_size=s.test_fraction, seed=3
    )
    net = MLP([2, 8, 8, 2], ["tanh", "tanh"], "softmax", seed=3)
    history = net.fit(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=s.batch_size,
        optimizer="adam",
        lr=0.02,
        validation_data=(X_test, y_test),
        verbose=0,
    )
    return net, history


def test_a_tick_with_heavy_settings_stops_within_about_its_budget():
    from neuronet.playground.sessions import TICK_BUDGET

    # One epoch of these (allowed) settings takes seconds: 9,000 steps through 10 layers.
    heavy = {
        "dataset": "spiral",
        "n_samples": 10_000,
        "test_fraction": 0.1,
        "hidden": [64] * 10,
        "activations": ["tanh"] * 10,
        "batch_size": 1,
    }
    session = Session(Settings.from_dict(heavy))
    session.tick()  # the first may compile kernels
    started = time.perf_counter()
    result = session.tick()
    elapsed = time.perf_counter() - started
    assert elapsed < 8 * TICK_BUDGET  # about 1x; generous for a loaded machine
    # It stopped part-way through the epoch, which the next tick goes on with.
    assert result["trained"] == 0 and session.epoch == 0
    assert 0 < session.done < len(session.X_train)
    done = session.done
    session.tick()
    assert session.done > done


def test_an_epoch_split_over_ticks_trains_bit_for_bit_as_one_fit_epoch(monkeypatch):
    from neuronet.playground import sessions

    monkeypatch.setattr(sessions, "TICK_BUDGET", 0.0)  # every tick: one batch
    session = Session(Settings.from_dict({**SPIRAL, "optimizer": "adam", "lr": 0.02}))
    batches = -(-len(session.X_train) // session.settings.batch_size)
    epochs = [session.tick()["epoch"] for _ in range(2 * batches)]
    assert epochs == [0] * (batches - 1) + [1] * batches + [2]
    assert session.epoch == 2
    net, history = _fit_as_the_session(session, epochs=2)
    np.testing.assert_array_equal(session.net.parameters, net.parameters)
    assert session.curves["val_loss"] == history["val_loss"]
    # The training loss of an epoch is the average over its batches, summed in another order.
    np.testing.assert_allclose(session.curves["loss"], history["loss"], rtol=1e-6)
    np.testing.assert_allclose(session.curves["accuracy"], history["accuracy"], rtol=1e-6)


def test_a_new_activation_keeps_weights_epochs_and_curves_a_new_lr_keeps_the_optimizer():
    session = Session(Settings.from_dict(SPIRAL))
    session.tick(epochs=3)
    w1 = session.net.dense_layers[1].weights.copy()
    steps = session.optimizer.t
    session.update({"lr": 0.01})
    assert session.optimizer.t == steps and session.optimizer.lr == 0.01
    session.update({"activations": ["prelu", "tanh"]})
    assert session.epoch == 3 and len(session.curves["loss"]) == 3
    np.testing.assert_array_equal(session.net.dense_layers[1].weights, w1)
    assert session.net.hidden_activations[0].name == "prelu"
    assert session.marks == [{"epoch": 3, "label": "prelu/tanh"}]
    session.tick(epochs=2)
    assert session.epoch == 5
    session.update({"dropout": 0.2})
    assert session.epoch == 5 and session.marks[-1] == {"epoch": 5, "label": "dropout 0.2"}
    session.update({"hidden": [4, 4]})
    assert session.epoch == 0 and session.curves["loss"] == []


def test_long_runs_keep_bounded_curves_and_frames(monkeypatch):
    from neuronet.playground import sessions

    monkeypatch.setattr(sessions, "CURVE_KEEP", 10)
    session = Session(Settings.from_dict({**SPIRAL, "n_samples": 40}))
    session.tick(epochs=1)
    first = session.curves["loss"][0]
    for _ in range(24):
        session.tick(epochs=1)
    assert session.epoch == 25
    assert all(5 <= len(values) <= 10 for values in session.curves.values())
    assert session.curves["loss"][0] == first  # thinned evenly, from the start
    frame = session.frame()
    assert len(frame["curves"]["loss"]) <= sessions.CURVE_POINTS


def test_change_marks_are_bounded_and_the_newest_kept(monkeypatch):
    from neuronet.playground import sessions

    monkeypatch.setattr(sessions, "CURVE_KEEP", 6)
    monkeypatch.setattr(sessions, "CURVE_POINTS", 4)
    session = Session(Settings.from_dict({**SPIRAL, "n_samples": 40}))
    for _ in range(50):  # toggled back and forth without training: one mark, the last
        session.update({"activations": ["relu", "tanh"]})
        session.update({"activations": ["tanh", "tanh"]})
    assert session.marks == [{"epoch": 0, "label": "tanh/tanh"}]
    for i in range(10):
        session.tick(epochs=1)
        session.update({"activations": ["relu" if i % 2 == 0 else "tanh", "tanh"]})
    assert [m["epoch"] for m in session.marks] == [5, 6, 7, 8, 9, 10]
    assert [m["epoch"] for m in session.frame()["marks"]] == [7, 8, 9, 10]


def test_a_refused_change_leaves_the_session_as_it_was():
    session = Session(Settings.from_dict(SPIRAL))
    session.tick(epochs=2)
    before = session.net.parameters.copy()
    with pytest.raises(SettingsError, match="regression"):
        session.update({"loss": "mse"})
    with pytest.raises(SettingsError):
        session.update({"output": "softmax", "dataset": "curve"})  # softmax over one output
    assert session.settings == Settings.from_dict(SPIRAL)
    np.testing.assert_array_equal(session.net.parameters, before)
    assert session.epoch == 2


@pytest.mark.parametrize("dataset", ["circles", "spiral", "curve"])
def test_every_output_and_loss_either_trains_or_is_refused_with_a_reason(dataset):
    outputs = ["auto", *neuronet.activations.names()]
    losses = ["auto", *neuronet.losses.names()]
    trained = 0
    for output in outputs:
        for loss in losses:
            values = {"dataset": dataset, "classes": 3, "n_samples": 40, "hidden": [3]}
            try:
                session = Session(Settings.from_dict({**values, "output": output, "loss": loss}))
            except SettingsError as err:
                assert err.field in ("output", "loss") and str(err), (output, loss)
                continue
            session.tick(epochs=1)
            json.dumps(session.frame(), allow_nan=False)
            trained += 1
    assert trained >= 3  # auto/auto, softmax/auto, ... (identity/mse for the curve)


def test_every_activation_and_optimizer_trains_and_draws():
    for name in neuronet.activations.names():
        session = Session(
            Settings.from_dict({"n_samples": 40, "hidden": [3], "activations": [name]})
        )
        session.tick(epochs=1)
        json.dumps(session.frame(), allow_nan=False)
    for name in neuronet.optimizers.names():
        session = Session(Settings.from_dict({"n_samples": 40, "hidden": [3], "optimizer": name}))
        session.tick(epochs=2)
        assert session.epoch >= 1
    with pytest.raises(SettingsError, match="dropout") as caught:
        Session(Settings.from_dict({"optimizer": "lbfgs", "dropout": 0.2}))
    assert caught.value.field == "optimizer"


def test_divergence_pauses_with_a_message_and_keeps_finite_weights():
    settings = {**SPIRAL, "activations": ["relu", "relu"], "optimizer": "adam", "lr": 10.0}
    session = Session(Settings.from_dict(settings))
    result = session.tick(epochs=30)
    assert result["diverged"] and session.diverged
    assert any("Lower the learning rate" in n for n in result["notes"])  # fit's own warning
    assert any("lower the learning rate" in n for n in result["notes"])
    assert np.all(np.isfinite(session.net.parameters))
    json.dumps(session.frame(), allow_nan=False)


def test_regression_frames_and_per_unit_dead_flags():
    session = Session(
        Settings.from_dict({"dataset": "curve", "hidden": [6], "activations": ["relu"]})
    )
    session.net.dense_layers[0].bias[:3] = -1e3  # three units below zero everywhere
    frame = session.frame()
    assert frame["regression"] and frame["grid"]["kind"] == "regression"
    assert frame["layers"][0]["flags"][:3] == ["dead"] * 3
    assert frame["diagnosis"]["layers"][0]["dead"] == pytest.approx(0.5)
    y = np.frombuffer(base64.b64decode(frame["grid"]["y"]), dtype=np.float32)
    xs = np.linspace(*session.bounds[:, 0], 160, dtype=np.float32)[:, None]
    np.testing.assert_allclose(y, session.net.predict(xs), rtol=1e-6)


def test_the_frame_grid_is_the_networks_own_prediction():
    session = Session(Settings.from_dict({**SPIRAL, "classes": 3}))
    session.tick(epochs=3)
    frame = session.frame()
    n = frame["grid"]["n"]
    cls = np.frombuffer(base64.b64decode(frame["grid"]["cls"]), dtype=np.uint8).reshape(n, n)
    (x0, y0), (x1, y1) = session.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    expected = session.net.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    assert np.mean(cls.ravel() == expected) > 0.995  # float32 ties at the boundary aside


# --- HTTP endpoints --------------------------------------------------------------------------


def test_each_units_heatmap_is_its_output_over_the_grid():
    session = Session(Settings.from_dict({**SPIRAL, "activations": ["relu", "tanh"]}))
    session.tick(epochs=2)
    frame = session.frame()
    n, step = frame["grid"]["n"], frame["grid"]["step"]
    (x0, y0), (x1, y1) = session.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n)[::step], np.linspace(y1, y0, n)[::step])
    outputs = session.net.layer_outputs(np.column_stack([gx.ravel(), gy.ravel()]))
    for layer, (_, a) in zip(frame["layers"], outputs, strict=True):
        heat = np.frombuffer(base64.b64decode(layer["heat"]), dtype=np.uint8)
        heat = heat.reshape(a.shape[1], -1).T
        decoded = (heat / 127.5 - 1.0) * np.array(layer["scales"])
        np.testing.assert_allclose(decoded, a, atol=np.max(np.abs(a)) / 127)


def test_the_page_its_files_and_the_options(client):
    page = client.get("/")
    assert page.status_code == 200 and "neuronet playground" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/../server.py").status_code == 404
    options = client.get("/api/options").json()
    assert options["activations"] == neuronet.activations.names()
    assert options["optimizers"] == neuronet.optimizers.names()
    assert options["datasets"] == datasets.names()
    assert options["limits"]["neurons"] == 64


def test_an_activation_card_or_a_404_naming_the_choices(client):
    card = client.get("/api/activations/prelu").json()
    assert card == {**neuronet.explain("prelu").to_dict(), "svg": neuronet.explain("prelu").svg()}
    r = client.get("/api/activations/relu6")
    assert r.status_code == 404 and "prelu" in r.json()["error"]


def test_sessions_are_created_read_and_deleted(client):
    sid = new_session(client, **SPIRAL)
    other = new_session(client)
    assert sid != other
    assert client.get(f"/api/sessions/{sid}").json()["settings"]["dataset"] == "spiral"
    assert client.get(f"/api/sessions/{other}").json()["settings"]["dataset"] == "circles"
    frame = client.get(f"/api/sessions/{sid}/frame").json()
    assert frame["type"] == "frame" and frame["sizes"] == [2, 8, 8, 2]
    pts = client.get(f"/api/sessions/{sid}/points").json()
    assert len(base64.b64decode(pts["train"]["y"])) == 4 * 210
    assert client.delete(f"/api/sessions/{sid}").json() == {"deleted": sid}
    r = client.get(f"/api/sessions/{sid}")
    assert r.status_code == 404 and "reload the page" in r.json()["error"]
    for path in ("frame", "points", "model", "code"):
        assert client.get(f"/api/sessions/nope/{path}").status_code == 404


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"hidden": [100]}', "`hidden` must be an integer in [1, 64]"),
        (b'{"lr": 1e999}', "`lr`"),
        (b" " * 70_000, "over 65,536 bytes"),
    ],
)
def test_bad_session_requests_are_refused_with_the_reason(client, body, expected):
    r = client.post("/api/sessions", content=body)
    assert r.status_code == 400
    assert expected in r.json()["error"]


def test_the_model_export_loads_and_predicts_as_the_session(client, tmp_path):
    sid = new_session(client, **SPIRAL)
    session = client.app.state.store.get(sid)
    session.tick(epochs=3)
    r = client.get(f"/api/sessions/{sid}/model")
    assert r.status_code == 200
    assert "playground.safetensors" in r.headers["content-disposition"]
    path = tmp_path / "m.safetensors"
    path.write_bytes(r.content)
    loaded = neuronet.load(path)
    np.testing.assert_array_equal(loaded.parameters, session.net.parameters)
    np.testing.assert_array_equal(
        loaded.predict(session.X_test), session.net.predict(session.X_test)
    )


def test_the_python_export_reproduces_the_sessions_training(client, tmp_path, monkeypatch):
    sid = new_session(client, **SPIRAL)
    session = client.app.state.store.get(sid)
    session.tick(epochs=4)
    code = client.get(f"/api/sessions/{sid}/code").text
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "playground.py", "exec"), namespace)
    assert namespace["history"]["val_loss"] == session.curves["val_loss"]
    assert neuronet.load(tmp_path / "playground.safetensors").sizes == [2, 8, 8, 2]


def test_an_uploaded_csv_trains_and_exports_code_that_reads_it(client, tmp_path, monkeypatch):
    sid = new_session(client)
    r = client.post(f"/api/sessions/{sid}/data?name=ring.csv", content=GOOD_CSV.encode())
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 40 and r.json()["classes"] == ["in", "out"]
    assert r.json()["settings"]["dataset"] == "upload"
    session = client.app.state.store.get(sid)
    session.tick(epochs=2)
    (tmp_path / "ring.csv").write_text(GOOD_CSV)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(session.python_code(), "playground.py", "exec"), namespace)
    assert namespace["history"]["loss"] == session.curves["loss"]
    model = client.get(f"/api/sessions/{sid}/model").content
    (tmp_path / "m.safetensors").write_bytes(model)
    loaded = neuronet.load(tmp_path / "m.safetensors")
    assert loaded.classes == ["in", "out"]  # the CSV's own labels
    expected = np.array(["in", "out"])[session.net.predict(session.X_test)]
    np.testing.assert_array_equal(loaded.predict(session.X_test), expected)
    from_code = neuronet.load(tmp_path / "playground.safetensors")
    assert from_code.classes == ["in", "out"]


def test_bad_uploads_are_refused_with_row_and_column_or_size(client):
    sid = new_session(client)
    r = client.post(f"/api/sessions/{sid}/data", content=b"a,b,c\n1,2,x\n3,four,y\n5,6,x\n7,8,y\n")
    assert r.status_code == 400
    assert r.json()["error"] == "data.csv, row 2 (line 3), column 2 ('b'): 'four' is not a number."
    big = b"1,2,a\n" * (LIMITS["upload_bytes"] // 6 + 1)
    assert client.post(f"/api/sessions/{sid}/data", content=big).status_code == 413
    assert client.get(f"/api/sessions/{sid}").json()["settings"]["dataset"] == "circles"


def test_an_upload_the_page_cannot_draw_is_refused_and_frames_go_on(client):
    sid = new_session(client)
    huge = b"x1,x2,label\n3e38,0,a\n-3e38,1,b\n1,0,a\n1,1,b\n0.5,0.5,a\n0.2,0.9,b\n"
    r = client.post(f"/api/sessions/{sid}/data", content=huge)
    assert r.status_code == 400
    assert "row 1 (line 2), column 1 ('x1'): '3e38' is beyond" in r.json()["error"]
    assert client.get(f"/api/sessions/{sid}/frame").status_code == 200
    with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
        opened(ws)


def test_a_frame_that_fails_is_an_error_on_a_socket_that_stays_open(client, monkeypatch):
    sid = new_session(client)
    session = client.app.state.store.get(sid)

    def broken() -> dict:
        raise ValueError("`X` contains NaN")  # what a grid over infinite bounds gave

    monkeypatch.setattr(session, "frame", broken)
    with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
        assert [ws.receive_json()["type"] for _ in range(2)] == ["settings", "points"]
        assert "contains NaN" in receive_until(ws, "error")["message"]
        ws.send_json({"type": "ping"})
        assert receive_until(ws, "pong") == {"type": "pong"}


def test_a_refused_upload_leaves_the_session_as_it_was():
    session = Session(Settings.from_dict({"output": "sigmoid"}))  # two classes only
    three = "".join(f"{i % 5},{i % 3},{'abc'[i % 3]}\n" for i in range(30))
    with pytest.raises(SettingsError, match="only 0 and 1"):
        session.set_upload(parse_csv(three))
    assert session.settings.dataset == "circles" and session.upload is None
    assert session.extra_datasets == []


def test_the_data_file_of_the_command_line_is_offered_as_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(GOOD_CSV)
    with TestClient(server.create_app(data=server.read_data_file(path))) as c:
        assert c.get("/api/options").json()["file"] == "mine.csv"
        sid = new_session(c)
        assert c.get(f"/api/sessions/{sid}").json()["settings"]["dataset"] == "file"
        assert c.get(f"/api/sessions/{sid}/frame").json()["classes"] == ["in", "out"]


def test_requests_to_another_host_name_are_refused(client):
    assert client.get("/api/options", headers={"host": "evil.example"}).status_code == 400


# --- the WebSocket ---------------------------------------------------------------------------


def test_play_pause_step_reset_regenerate_settings_probe_ping(client):
    sid = new_session(client, **SPIRAL)
    with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
        opened(ws)
        ws.send_json({"type": "play"})
        assert receive_until(ws, "status")["playing"] is True
        epochs = []
        for _ in range(4):
            epochs.append(receive_until(ws, "frame")["epoch"])
            ws.send_json({"type": "ack"})  # drawn: the next frame, please
        assert epochs == sorted(epochs) and epochs[-1] >= 4
        ws.send_json({"type": "pause"})
        assert receive_until(ws, "status")["playing"] is False
        session = client.app.state.store.get(sid)
        with session.lock:  # waits for a tick in progress to end
            epoch = session.epoch
        ws.send_json({"type": "step"})
        while (frame := receive_until(ws, "frame"))["epoch"] <= epoch:
            pass  # the frame of the tick that ended after the pause
        assert frame["epoch"] == epoch + 1
        ws.send_json({"type": "settings", "settings": {"activations": ["prelu", "tanh"]}})
        assert receive_until(ws, "settings")["settings"]["activations"] == ["prelu", "tanh"]
        frame = receive_until(ws, "frame")
        assert frame["epoch"] == epoch + 1 and frame["layers"][0]["prelu"] == [0.25]
        ws.send_json({"type": "probe", "x": [0.1, -0.2]})
        probe = receive_until(ws, "probe")
        trace = client.app.state.store.get(sid).net.trace([0.1, -0.2])
        np.testing.assert_allclose(probe["layers"][1]["a"], trace.layers[1].a, rtol=1e-4)
        ws.send_json({"type": "reset"})
        assert receive_until(ws, "frame")["epoch"] == 0
        ws.send_json({"type": "regenerate"})
        assert receive_until(ws, "settings")["settings"]["seed"] == 4
        assert receive_until(ws, "points")["type"] == "points"


def test_deeply_nested_json_is_refused_as_not_json(client):
    # Under the size limit, yet deep enough to exhaust json's recursion: RecursionError.
    deep = "[" * 50_000
    r = client.post("/api/sessions", content=deep.encode())
    assert r.status_code == 400
    assert r.json()["error"].startswith("the request body is not JSON: it is nested too deeply")
    sid = new_session(client)
    with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
        opened(ws)
        ws.send_text(deep)
        assert "the message is not JSON" in receive_until(ws, "error")["message"]
        ws.send_json({"type": "ping"})
        assert receive_until(ws, "pong") == {"type": "pong"}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", '"type"'),
        ('{"kind": "play"}', '"type"'),
        ('{"type": "fly"}', "unknown message type 'fly'"),
        ('{"type": "settings"}', '"settings": {...}'),
        (
            '{"type": "settings", "settings": {"hidden": [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]}}',
            "at most 10",
        ),
        ('{"type": "settings", "settings": {"lr": -1}}', "`lr`"),
        ('{"type": "settings", "settings": {"loss": "mae"}}', "regression"),
        ('{"type": "probe", "x": [1]}', "`x` must be a list of 2"),
        ('{"type": "probe", "x": ["a", 1]}', "`x`"),
        ('{"type": "probe"}', "`x`"),
        ('"x"', '"type"'),
        ("[" * 70_000, "at most 65,536"),
    ],
)
def test_malformed_or_refused_messages_get_an_error_and_the_socket_lives_on(
    client, message, expected
):
    sid = new_session(client)
    with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
        opened(ws)
        ws.send_text(message)
        error = receive_until(ws, "error")
        assert expected in error["message"]
        ws.send_bytes(b"\x00\x01")
        assert "binary" in receive_until(ws, "error")["message"]
        ws.send_json({"type": "ping"})
        assert receive_until(ws, "pong") == {"type": "pong"}


def test_a_page_that_does_not_acknowledge_frames_is_not_flooded(client):
    sid = new_session(client, **SPIRAL)
    session = client.app.state.store.get(sid)
    with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
        opened(ws)
        ws.send_json({"type": "play"})
        assert receive_until(ws, "status")["playing"] is True
        seen = [receive_until(ws, "frame")["epoch"] for _ in range(2)]  # the credit: two
        deadline = time.monotonic() + 10
        while session.epoch < seen[-1] + 5:  # training goes on without frames
            assert time.monotonic() < deadline
            time.sleep(0.05)
        ws.send_json({"type": "pause"})
        messages = []
        while not (messages and messages[-1]["type"] == "frame"):
            messages.append(ws.receive_json())
        # No frame between the second and the pause; then one, where training stopped.
        assert [m["type"] for m in messages] == ["status", "frame"]
        with session.lock:
            assert messages[-1]["epoch"] == session.epoch > seen[-1] + 4


def test_a_socket_for_no_session_or_from_another_site_is_closed(client):
    with client.websocket_connect("/api/sessions/nope/ws") as ws:
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404
    sid = new_session(client)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(
            f"/api/sessions/{sid}/ws", headers={"origin": "http://evil.example"}
        ) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 4403


def test_two_tabs_are_independent_sessions(client):
    a, b = new_session(client, **SPIRAL), new_session(client, **SPIRAL)
    with client.websocket_connect(f"/api/sessions/{a}/ws") as wa:
        opened(wa)
        wa.send_json({"type": "step"})
        assert receive_until(wa, "frame")["epoch"] == 1
    assert client.get(f"/api/sessions/{b}/frame").json()["epoch"] == 0


def test_the_server_survives_a_client_that_disconnects_mid_stream(client):
    sid = new_session(client, **SPIRAL, speed=20)
    for _ in range(3):
        with client.websocket_connect(f"/api/sessions/{sid}/ws") as ws:
            opened(ws)
            ws.send_json({"type": "play"})
            receive_until(ws, "frame")
        # closed while frames were streaming
    store = client.app.state.store
    assert store.get(sid).connections == 0
    assert client.get("/api/options").status_code == 200
    epoch = client.get(f"/api/sessions/{sid}/frame").json()["epoch"]
    time.sleep(0.3)
    assert client.get(f"/api/sessions/{sid}/frame").json()["epoch"] == epoch  # nothing trains on


def test_idle_sessions_are_reaped_and_connected_ones_kept():
    with TestClient(server.create_app(idle_timeout=0.2, reap_interval=0.05)) as c:
        idle, busy = new_session(c), new_session(c)
        with c.websocket_connect(f"/api/sessions/{busy}/ws") as ws:
            opened(ws)
            time.sleep(0.6)
            assert c.get(f"/api/sessions/{idle}").status_code == 404
            ws.send_json({"type": "ping"})
            assert receive_until(ws, "pong")
        assert busy in c.app.state.store


def test_the_store_refuses_sessions_beyond_its_limit():
    store = SessionStore(max_sessions=2)
    store.create()
    store.create()
    with pytest.raises(SettingsError, match="holds 2 sessions"):
        store.create()


def test_the_store_limit_holds_under_concurrent_creates(monkeypatch):
    from neuronet.playground import sessions

    # Every build waits until all 12 creates have been refused or are building: the race
    # of checking the count, building outside the lock, then inserting, made certain.
    arrived = threading.Semaphore(0)
    go = threading.Event()

    class SlowSession(sessions.Session):
        def __post_init__(self) -> None:
            arrived.release()
            go.wait(10)
            super().__post_init__()

    monkeypatch.setattr(sessions, "Session", SlowSession)
    store = SessionStore(max_sessions=3)
    refused = []

    def create():
        try:
            store.create({"n_samples": 40})
        except SettingsError as err:
            refused.append(str(err))
            arrived.release()

    threads = [threading.Thread(target=create) for _ in range(12)]
    for t in threads:
        t.start()
    for _ in threads:
        assert arrived.acquire(timeout=10)
    go.set()
    for t in threads:
        t.join(10)
    assert len(store) == 3 and len(refused) == 9
    assert all("holds 3 sessions" in r for r in refused)
    with pytest.raises(SettingsError, match="holds 3 sessions"):
        store.create()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server():
    """The app under uvicorn on a free port, in a thread; its log goes to pytest's caplog."""
    port = free_port()
    config = uvicorn.Config(
        server.create_app(), host="127.0.0.1", port=port, log_level="info", log_config=None
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_the_server_survives_a_burst_of_100_requests(live_server):
    paths = [
        ("GET", "/api/options", None),
        ("POST", "/api/sessions", b"{}"),
        ("POST", "/api/sessions", b"{bad"),
        ("GET", "/api/activations/tanh", None),
        ("GET", "/api/sessions/none/frame", None),
    ]

    def hit(k):
        method, path, body = paths[k % len(paths)]
        request = urllib.request.Request(live_server + path, data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as err:
            err.close()
            return err.code

    with ThreadPoolExecutor(max_workers=25) as pool:
        codes = list(pool.map(hit, range(100)))
    assert sorted(set(codes)) == [200, 400, 404]
    assert codes.count(200) == 60
    assert hit(0) == 200


def test_a_socket_broken_mid_stream_under_uvicorn_leaves_no_error(live_server, caplog):
    ws_client = require("websockets.sync.client")
    sid = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(live_server + "/api/sessions", data=b'{"speed": 5}')
        ).read()
    )["id"]
    ws_url = live_server.replace("http", "ws") + f"/api/sessions/{sid}/ws"
    for abrupt in (False, True):
        with contextlib.suppress(OSError), ws_client.connect(ws_url, max_size=None) as ws:
            ws.send(json.dumps({"type": "play"}))
            while json.loads(ws.recv(timeout=10))["type"] != "frame":
                pass
            if abrupt:
                ws.socket.shutdown(socket.SHUT_RDWR)  # no closing handshake: a dead network
    deadline = time.monotonic() + 10
    with urllib.request.urlopen(f"{live_server}/api/sessions/{sid}") as r:
        assert json.loads(r.read())["id"] == sid
    while time.monotonic() < deadline:  # the stream notices and stops training
        first = json.loads(
            urllib.request.urlopen(f"{live_server}/api/sessions/{sid}/frame").read()
        )
        time.sleep(0.3)
        again = json.loads(
            urllib.request.urlopen(f"{live_server}/api/sessions/{sid}/frame").read()
        )
        if again["epoch"] == first["epoch"]:
            break
    else:
        raise AssertionError("training went on after the page had gone")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def test_an_uploads_name_cannot_inject_code(client):
    sid = new_session(client)
    name = urllib.parse.quote("x\nimport os\nos.remove('y').csv")
    r = client.post(f"/api/sessions/{sid}/data?name={name}", content=GOOD_CSV.encode())
    assert r.status_code == 200
    code = client.get(f"/api/sessions/{sid}/code").text
    assert "\nimport os" not in code and "x_import os_os.remove__y__.csv" in code
    compile(code, "playground.py", "exec")


# --- the command -----------------------------------------------------------------------------


def test_neuronet_and_its_help_import_no_web_stack():
    code = (
        "import sys, neuronet; from neuronet.cli import app; "
        "print([m for m in sys.modules if m.startswith(('starlette', 'uvicorn', "
        "'neuronet.playground'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    helped = subprocess.run(
        [sys.executable, "-m", "neuronet", "--help"], capture_output=True, text=True, check=True
    )
    assert "playground" in helped.stdout


def test_the_command_refuses_a_bad_data_file_by_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,c\n1,2,a\n3,,b\n1,1,a\n2,2,b\n")
    result = CliRunner().invoke(
        app, ["playground", "--data", str(bad), "--no-browser"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == EXIT_USAGE
    assert "row 2 (line 3), column 2 ('y'): '' is not a number" in " ".join(result.output.split())


def test_the_command_serves_locally_and_warns_for_another_host(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    result = CliRunner().invoke(app, ["playground", "--no-browser", "--data", str(good)])
    assert result.exit_code == 0, result.output
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8765
    assert "warning" not in result.output
    result = CliRunner().invoke(app, ["playground", "--no-browser", "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert "warning: serving on 0.0.0.0" in result.output
    assert calls[-1]["host"] == "0.0.0.0"


def test_the_command_serves_the_page_until_ctrl_c(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "playground", "--no-browser", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert b"neuronet playground" in page.read()
                break
            except urllib.error.URLError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert f"neuronet playground: http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err


def test_a_new_optimizer_starts_a_new_epoch(monkeypatch):
    # An epoch cut part-way by the tick budget, then L-BFGS: its first curve point is what
    # fit measured, not averaged with the unfinished epoch's passes.
    from neuronet.playground import sessions

    monkeypatch.setattr(sessions, "TICK_BUDGET", 0.0)  # every tick: one batch
    session = Session(Settings.from_dict(SPIRAL))
    for _ in range(5):
        session.tick()
    assert session.epoch == 0 and session.partial
    session.update({"optimizer": "lbfgs"})
    assert session.partial == [] and session.order is None
    recorded = {}
    fit = session.net.fit

    def spy(*args, **kwargs):
        recorded["history"] = history = fit(*args, **kwargs)
        return history

    monkeypatch.setattr(session.net, "fit", spy)
    session.tick()
    assert session.curves["loss"] == recorded["history"]["loss"]
    assert session.curves["accuracy"] == recorded["history"]["accuracy"]


def test_changes_with_training_between_them_keep_their_marks(monkeypatch):
    from neuronet.playground import sessions

    monkeypatch.setattr(sessions, "TICK_BUDGET", 0.0)  # every tick: one batch, same epoch
    session = Session(Settings.from_dict(SPIRAL))
    session.update({"activations": ["relu", "tanh"]})
    session.tick()
    session.update({"activations": ["sigmoid", "tanh"]})
    assert session.epoch == 0
    assert [m["label"] for m in session.marks] == ["relu/tanh", "sigmoid/tanh"]
