"""The playground end to end, in a real headless browser (Debian's chromium, via Playwright).

The page is loaded from a link that holds its settings, trains on the spiral data until the
test accuracy it shows passes 90 %, switches a layer to PReLU and goes on training, exports the
model (which ``neuronet.load`` reads back), is driven by keyboard alone, redraws a 6 × 8
network at 10 frames a second or more while it trains, and saves a screenshot. CI installs
chromium (``.ci/run``) and must never skip this; locally it is skipped without chromium.

``NEURONET_UPDATE_SCREENSHOT=1`` also writes the screenshot to ``docs/images/playground.png``
(the README's picture).
"""

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import on_ci, require

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path(__file__).parents[1] / "docs" / "images" / "playground.png"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def url():
    require("starlette")
    uvicorn = require("uvicorn")
    from neuronet.playground import server

    port = free_port()
    config = uvicorn.Config(server.create_app(), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def page(url):
    sync_api = require("playwright.sync_api")
    if not os.path.exists(CHROMIUM) and not on_ci():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 720}, accept_downloads=True
        )
        pg = context.new_page()
        pg.errors = []
        pg.on("pageerror", lambda err: pg.errors.append(str(err)))
        # A refused request (400) is logged by the browser; the page shows it, as it should.
        pg.on(
            "console",
            lambda m: (
                m.type == "error" and "status of 400" not in m.text and pg.errors.append(m.text)
            ),
        )
        pg.set_default_timeout(20_000)
        yield pg
        context.close()
        browser.close()


def save_for_readme(png):
    """The screenshot as ``docs/images/playground.png``: 256 colours (a third of the bytes)."""
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    try:
        from PIL import Image  # matplotlib's dependency
    except ImportError:
        shutil.copyfile(png, SCREENSHOT)
        return
    image = Image.open(png).convert("RGB")
    small = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(SCREENSHOT, optimize=True)


def epoch(page):
    return int(page.inner_text("#epoch"))


def test_train_on_spiral_switch_to_prelu_export_and_screenshot(page, url, tmp_path):
    neuronet = require("neuronet")
    link = "#dataset=spiral&hidden=8,8&activations=tanh,tanh&lr=0.03&seed=0&noise=0.1"
    page.goto(url + link)
    page.wait_for_function("window.playground.frame && window.playground.points")
    # The link's settings are in the controls.
    assert page.input_value("#dataset") == "spiral"
    assert page.input_value("#activation-2") == "tanh"
    assert page.input_value("#lr") == "0.03"

    # Keyboard alone: Space plays, until the shown test accuracy passes 90 %.
    page.locator("body").press(" ")
    page.wait_for_function(
        "Number(document.querySelector('#test-acc').dataset.value || 0) >= 0.9", timeout=30_000
    )
    assert page.get_attribute("#play", "aria-pressed") == "true"
    accuracy = float(page.get_attribute("#test-acc", "data-value"))
    assert accuracy >= 0.9

    # Layer 1 becomes PReLU; training goes on from where it was, not from epoch 0.
    before = epoch(page)
    page.select_option("#activation-1", "prelu")
    page.wait_for_function(
        "window.playground.frame.layers[0].activation === 'prelu'"
        f" && window.playground.frame.epoch > {before + 5}"
    )
    frame = page.evaluate("window.playground.frame")
    assert frame["layers"][0]["prelu"] is not None
    assert frame["marks"][0]["label"] == "prelu/tanh"
    assert len(frame["curves"]["loss"]) > before
    assert "activations=prelu%2Ctanh" in page.url  # the shareable link follows
    # ... and goes on learning: the test accuracy climbs past 95 % with PReLU.
    page.wait_for_function(
        "window.playground.frame.layers[0].activation === 'prelu'"
        " && Number(document.querySelector('#test-acc').dataset.value || 0) >= 0.95",
        timeout=30_000,
    )

    # Pause with the keyboard; S steps one epoch.
    page.locator("body").press(" ")
    page.wait_for_function(
        "document.querySelector('#play').getAttribute('aria-pressed') === 'false'"
    )
    page.wait_for_timeout(300)
    now = epoch(page)
    page.locator("body").press("s")
    page.wait_for_function(f"Number(document.querySelector('#epoch').textContent) === {now + 1}")

    # Export the model and read it back.
    with page.expect_download() as info:
        page.click("#export-model")
    path = tmp_path / "playground.safetensors"
    info.value.save_as(path)
    net = neuronet.load(path)
    assert net.sizes == [2, 8, 8, 2]
    assert [a.name for a in net.hidden_activations] == ["prelu", "tanh"]
    with page.expect_download() as info:
        page.keyboard.press("c")
    code = tmp_path / "playground.py"
    info.value.save_as(code)
    assert "activation=['prelu', 'tanh']" in code.read_text()

    # Hover the first hidden neuron and a point of the plane: the inspector shows z, a, the card.
    box = page.locator("#boundary").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 120)
    page.wait_for_function("window.playground.probe !== null")
    rect = page.evaluate("window.playground.nodeRects[1][0]")
    size = page.evaluate("window.playground.nodeBox")
    net_box = page.locator("#network").bounding_box()
    scale = net_box["width"] / page.evaluate("document.querySelector('#network').width")
    page.mouse.move(
        net_box["x"] + (rect["x"] + size / 2) * scale,
        net_box["y"] + (rect["y"] + size / 2) * scale,
    )
    page.wait_for_function(
        "document.querySelector('#inspector').textContent.includes('layer 1, neuron 1')"
    )
    text = page.inner_text("#inspector")
    assert "layer 1, neuron 1" in text and "z = " in text and "prelu" in text.lower()

    page.screenshot(path=tmp_path / "playground.png")
    if os.environ.get("NEURONET_UPDATE_SCREENSHOT") == "1":
        save_for_readme(tmp_path / "playground.png")
    assert page.errors == []


def test_a_6x8_network_redraws_at_10_frames_a_second_while_training(page, url):
    page.goto(url + "#dataset=spiral&hidden=8,8,8,8,8,8&activations=tanh,tanh,tanh,tanh,tanh,tanh")
    page.wait_for_function("window.playground.frame && window.playground.frame.sizes.length === 8")
    page.click("#play")
    page.wait_for_function("window.playground.frame.epoch > 3")
    start = page.evaluate("({...window.playground.stats, t: performance.now()})")
    page.wait_for_timeout(3000)
    end = page.evaluate("({...window.playground.stats, t: performance.now()})")
    page.click("#play")
    seconds = (end["t"] - start["t"]) / 1000
    fps = (end["frames"] - start["frames"]) / seconds
    received = (end["received"] - start["received"]) / seconds
    draw_ms = (end["drawMs"] - start["drawMs"]) / max(1, end["frames"] - start["frames"])
    print(
        f"6x8 network: {fps:.1f} redraws/s, {received:.1f} frames/s from the server, "
        f"{draw_ms:.1f} ms per redraw"
    )
    assert fps >= 10
    assert received >= 5
    assert page.errors == []


def test_refusals_are_shown_on_the_page(page, url):
    page.goto(url + "#hidden=99")  # a link with a bad setting: refused, and said so
    page.wait_for_function("window.playground.frame")
    assert "`hidden` must be an integer in [1, 64]" in page.inner_text("#messages")
    page.fill("#lr", "-1")
    page.press("#lr", "Enter")
    page.locator("#lr").blur()
    page.wait_for_function("document.querySelector('#messages').textContent.includes('`lr`')")
    assert page.input_value("#lr") == "0.03"  # the refused value is put back
    page.set_input_files(
        "#upload",
        files=[
            {
                "name": "bad.csv",
                "mimeType": "text/csv",
                "buffer": b"x,y,c\n1,2,a\n3,b,b\n1,1,a\n2,2,b\n",
            }
        ],
    )
    page.wait_for_function("document.querySelector('#messages').textContent.includes('line 3')")
    assert "bad.csv, row 2 (line 3), column 2 ('y'): 'b' is not a number." in page.inner_text(
        "#messages"
    )
    good = "x,y,c\n" + "".join(f"{i % 7},{i % 5},{'ab'[i % 2]}\n" for i in range(30))
    page.set_input_files(
        "#upload", files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.wait_for_function("document.querySelector('#dataset').value === 'upload'")
    page.wait_for_function("window.playground.frame.classes.join() === 'a,b'")
    assert page.errors == []


def test_keyboard_alone_inspects_neurons_and_points(page, url):
    page.goto(url + "#dataset=xor&hidden=4,3&activations=relu,tanh")
    page.wait_for_function("window.playground.frame && window.playground.points")
    page.focus("#network")
    page.keyboard.press("ArrowDown")  # layer 1, neuron 2
    page.wait_for_function("document.querySelector('#inspector').textContent.includes('neuron 2')")
    page.keyboard.press("ArrowRight")  # layer 2, neuron 1
    # The card of layer 1's neuron is already there: wait for the new one, not any card.
    page.wait_for_function(
        "document.querySelector('#inspector').textContent.includes('layer 2, neuron 1')"
    )
    assert "layer 2, neuron 1 · tanh" in page.inner_text("#inspector")
    page.focus("#boundary")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("window.playground.probe && window.playground.probe.x[0] > 0")
    probe = page.evaluate("window.playground.probe")
    bounds = page.evaluate("window.playground.frame.bounds")
    width = bounds[1][0] - bounds[0][0]
    assert probe["x"][0] == pytest.approx((bounds[0][0] + bounds[1][0]) / 2 + width / 20, rel=1e-4)
    page.focus("#more-2")  # the layers' controls keep the focus as they are rebuilt
    page.keyboard.press("Enter")
    page.wait_for_function("window.playground.frame.sizes.join() === '2,4,4,2'")
    assert page.evaluate("document.activeElement.id") == "more-2"
    page.focus("#network")  # off the form controls, Space plays
    page.keyboard.press(" ")
    page.wait_for_function("window.playground.frame.epoch >= 3")
    assert page.errors == []
