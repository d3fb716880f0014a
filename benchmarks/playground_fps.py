"""How fast does the playground redraw while it trains? Frames per second in a real browser.

The issue asks for at least 10 redraws a second for a 6 × 8 network on a 2-core machine. This
script starts the playground's server (uvicorn, in a thread), opens the page in headless
chromium (Debian's ``/usr/bin/chromium``, driven by Playwright), presses play on the spiral
data, and counts for ``--seconds`` seconds

- ``redraws/s``: the page's ``requestAnimationFrame`` redraws (network with every neuron's
  heatmap and edges, decision boundary with the points, loss curves), each a full redraw;
- ``frames/s``: the frames the server trained, computed and sent over the WebSocket;
- ``ms/redraw``: the page's drawing time per redraw (JavaScript, canvas);

and, in Python, outside the browser, the server's time per training tick (one epoch) and per
frame, and a frame's size in JSON. Networks: 6 × 8 (the issue's case) and the largest the page
allows, 10 × 64 (with 1,000 points).

Usage::

    python benchmarks/playground_fps.py
    python benchmarks/playground_fps.py --seconds 10 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import threading
import time
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CASES = {
    "6x8": {"dataset": "spiral", "hidden": [8] * 6, "activations": ["tanh"] * 6},
    "10x64": {
        "dataset": "spiral",
        "hidden": [64] * 10,
        "activations": ["relu"] * 10,
        "n_samples": 1000,
    },
}


def server_times(settings: dict[str, Any], repeats: int = 10) -> dict[str, float]:
    """Median seconds per one-epoch tick and per frame, and a frame's JSON size, in Python."""
    import statistics

    from neuronet.playground.sessions import Session, Settings

    session = Session(Settings.from_dict(settings))
    session.frame()  # the first one pays for lazy imports
    ticks, frames = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        session.tick(epochs=1)
        ticks.append(time.perf_counter() - t)
        t = time.perf_counter()
        frame = session.frame()
        frames.append(time.perf_counter() - t)
    return {
        "tick_ms": 1000 * statistics.median(ticks),
        "frame_ms": 1000 * statistics.median(frames),
        "frame_kb": len(json.dumps(frame)) / 1024,
    }


def browser_rates(url: str, settings: dict[str, Any], seconds: float) -> dict[str, float]:
    """Redraws and frames per second in headless chromium while the page trains."""
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    query = urlencode(
        {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in settings.items()}
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}#{query}")
        page.wait_for_function(
            f"window.playground.frame && window.playground.frame.sizes.length === "
            f"{len(settings['hidden']) + 2}"
        )
        page.click("#play")
        page.wait_for_function("window.playground.frame.epoch > 2", timeout=60_000)
        probe = "({...window.playground.stats, t: performance.now()})"
        start = page.evaluate(probe)
        page.wait_for_timeout(seconds * 1000)
        end = page.evaluate(probe)
        page.click("#play")
        browser.close()
    elapsed = (end["t"] - start["t"]) / 1000
    redraws = end["frames"] - start["frames"]
    return {
        "redraws_per_s": redraws / elapsed,
        "frames_per_s": (end["received"] - start["received"]) / elapsed,
        "ms_per_redraw": (end["drawMs"] - start["drawMs"]) / max(1, redraws),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per case")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    import uvicorn

    from neuronet.playground import server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(server.create_app(), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    results: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "cases": {},
    }
    print(
        f"{'network':8} {'redraws/s':>10} {'frames/s':>9} {'ms/redraw':>10} "
        f"{'tick ms':>8} {'frame ms':>9} {'frame KB':>9}"
    )
    try:
        for name, settings in CASES.items():
            row = {
                **browser_rates(f"http://127.0.0.1:{port}/", settings, args.seconds),
                **server_times(settings),
            }
            results["cases"][name] = row
            print(
                f"{name:8} {row['redraws_per_s']:10.1f} {row['frames_per_s']:9.1f} "
                f"{row['ms_per_redraw']:10.1f} {row['tick_ms']:8.1f} {row['frame_ms']:9.1f} "
                f"{row['frame_kb']:9.0f}"
            )
    finally:
        srv.should_exit = True
        thread.join(10)
    print(results["machine"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
