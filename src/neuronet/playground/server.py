r"""The playground's web server: a small Starlette app, served by uvicorn.

Routes (JSON unless said otherwise; every refusal is ``{"error": message, "field": name}``
with status 400, 404 or 413, and the page shows the message):

==========================================  =====================================================
``GET /``                                   the page (``static/index.html``)
``GET /static/...``                         its script and style sheet
``GET /api/options``                        the choices and bounds of every setting
``GET /api/activations/{name}``             an activation's card (``neuronet.explain``) and SVG
``POST /api/sessions``                      a new session, from settings (JSON, optional)
``GET /api/sessions/{id}``                  its settings
``GET /api/sessions/{id}/frame``            what the page draws (as the WebSocket sends it)
``GET /api/sessions/{id}/points``           the train and test points
``POST /api/sessions/{id}/data``            a CSV upload (the body, at most 5 MB)
``GET /api/sessions/{id}/model``            the trained model file, to download
``GET /api/sessions/{id}/code``             Python that rebuilds and trains the network
``DELETE /api/sessions/{id}``               end the session
``WS /api/sessions/{id}/ws``                the live stream (below)
==========================================  =====================================================

The WebSocket takes JSON messages ``{"type": ...}``: ``settings`` (with ``"settings": {...}``,
the changed ones), ``play``, ``pause``, ``step``, ``reset``, ``regenerate``, ``probe`` (with
``"x": [x1, x2]``, the point under the cursor), ``ack`` (a frame drawn) and ``ping``. It sends
``frame`` (after a training tick while playing, when the page has acknowledged all but
:data:`MAX_CREDIT` - 1 of the frames before, so a slow page is never flooded; after every
change; and when training pauses), ``points``, ``settings``, ``status``
(``{"playing": bool}``), ``probe``, ``pong`` and ``error``. Training runs in worker threads,
never on the event loop; a malformed or refused message is answered with an ``error`` and
the connection stays open.

The server binds 127.0.0.1 unless told otherwise, answers only requests addressed to the
host it serves (a guard against DNS rebinding), refuses WebSockets opened by other sites, and
reads no file but the ``--data`` file given on the command line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import activations, datasets, losses, optimizers
from .sessions import (
    FILE_DATASET,
    LIMITS,
    CsvData,
    Session,
    SessionStore,
    Settings,
    SettingsError,
    parse_csv,
)

__all__ = ["LOCAL_HOSTS", "MAX_MESSAGE", "create_app", "read_data_file", "run"]

log = logging.getLogger("neuronet.playground")

STATIC = Path(__file__).parent / "static"
#: The hosts that keep the server on this machine.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: The largest WebSocket message or settings body accepted, in bytes.
MAX_MESSAGE = 64 * 1024
#: Seconds between a frame and the next while playing, at least (about 20 frames a second).
FRAME_INTERVAL = 0.05
#: Frames sent while playing that the page has not yet acknowledged, at most.
MAX_CREDIT = 2

Handler = Callable[[Request], Awaitable[Response]]


def _error(message: str, status: int = 400, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status)


def read_data_file(path: Path) -> CsvData:
    """The ``--data`` file, checked as an upload is (at most 5 MB, two numbers and a label).

    Raises
    ------
    SettingsError
        When it cannot be read or is malformed; the message names the file, row and column.
    """
    try:
        size = path.stat().st_size
        if size > LIMITS["upload_bytes"]:
            raise SettingsError(f"{path} is {size:,} bytes; the limit is 5 MB.")
        raw = path.read_bytes()
    except OSError as err:
        raise SettingsError(f"`--data` {path} cannot be read: {err.strerror or err}.") from None
    return parse_csv(raw, path.name)


def create_app(
    *,
    data: CsvData | None = None,
    idle_timeout: float = 600.0,
    reap_interval: float = 30.0,
    max_sessions: int = 64,
    allowed_hosts: list[str] | None = None,
) -> Starlette:
    """The playground as an ASGI app.

    Parameters
    ----------
    data : CsvData, optional
        The ``--data`` file, already read (:func:`read_data_file`): offered as ``"file"``.
    idle_timeout : float, default=600
        Seconds a session with no page connected is kept.
    reap_interval : float, default=30
        Seconds between looks for idle sessions.
    max_sessions : int, default=64
    allowed_hosts : list of str, optional
        Host names requests may be addressed to; by default this machine's names (and
        ``testserver``, Starlette's test client).

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> client = TestClient(create_app())
    >>> client.post("/api/sessions", json={"dataset": "nope"}).json()["field"]
    'dataset'
    """
    store = SessionStore(idle_timeout=idle_timeout, max_sessions=max_sessions, file_data=data)

    def guarded(handler: Handler) -> Handler:
        """Refusals as 400 with the message; a bug as 500 with one line, never a dead server."""

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except _NotFound as err:
                return _error(str(err), 404, "session")
            except SettingsError as err:
                return _error(str(err), field=err.field)
            except (TypeError, ValueError) as err:
                return _error(str(err))
            except Exception as err:  # a bug: logged; the server carries on
                log.exception("playground: %s %s failed", request.method, request.url.path)
                return _error(f"internal error ({type(err).__name__}): {err}", 500)

        return wrapped

    def session_of(request: Request) -> Session:
        sid = request.path_params["sid"]
        session = store.get(sid)
        if session is None:
            raise _NotFound(
                f"no session {sid!r:.40}: it may have ended after "
                f"{store.idle_timeout / 60:g} minutes without a page; reload the page."
            )
        return session

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def options(request: Request) -> Response:
        defaults = Settings(dataset=FILE_DATASET) if data is not None else Settings()
        return JSONResponse(
            {
                "datasets": datasets.names() + ([FILE_DATASET] if data is not None else []),
                "regression": sorted(datasets.REGRESSION),
                "multiclass": ["spiral", "blobs"],
                "file": None if data is None else data.name,
                "activations": activations.names(),
                "losses": losses.names(),
                "optimizers": optimizers.names(),
                "limits": {k: list(v) if isinstance(v, tuple) else v for k, v in LIMITS.items()},
                "defaults": defaults.to_dict(),
                "idle_timeout": store.idle_timeout,
            }
        )

    async def activation_card(request: Request) -> Response:
        from .. import explain

        name = request.path_params["name"]
        if name not in activations.names():
            return _error(
                f"unknown activation {name!r:.40}; the activations are "
                f"{', '.join(activations.names())}.",
                404,
                "name",
            )
        card = explain(name)
        return JSONResponse({**card.to_dict(), "svg": card.svg()})

    async def new_session(request: Request) -> Response:
        values = await _json_body(request)
        session = await run_in_threadpool(store.create, values)
        return JSONResponse({"id": session.id, "settings": session.settings.to_dict()})

    async def get_session(request: Request) -> Response:
        session = session_of(request)
        return JSONResponse(
            {"id": session.id, "settings": session.settings.to_dict(), "epoch": session.epoch}
        )

    async def delete_session(request: Request) -> Response:
        session = session_of(request)
        store.remove(session.id)
        return JSONResponse({"deleted": session.id})

    async def frame(request: Request) -> Response:
        session = session_of(request)
        return JSONResponse(await run_in_threadpool(session.frame))

    async def points(request: Request) -> Response:
        session = session_of(request)
        return JSONResponse(await run_in_threadpool(session.points))

    async def upload(request: Request) -> Response:
        session = session_of(request)
        limit = LIMITS["upload_bytes"]
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return _error(f"the upload is {int(declared):,} bytes; the limit is 5 MB.", 413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return _error("the upload is over the limit of 5 MB.", 413)
        # The name appears in messages and in the exported code: plain characters only.
        name = re.sub(r"[^\w.\- ]", "_", request.query_params.get("name", ""))[:80] or "data.csv"
        csv_data = await run_in_threadpool(parse_csv, bytes(body), name)
        settings = await run_in_threadpool(session.set_upload, csv_data)
        return JSONResponse(
            {"settings": settings, "rows": len(csv_data.X), "classes": csv_data.classes}
        )

    async def model(request: Request) -> Response:
        session = session_of(request)
        raw = await run_in_threadpool(session.model_bytes)
        return Response(
            raw,
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="playground.safetensors"'},
        )

    async def code(request: Request) -> Response:
        session = session_of(request)
        text = await run_in_threadpool(session.python_code)
        return PlainTextResponse(
            text,
            media_type="text/x-python",
            headers={"Content-Disposition": 'attachment; filename="playground.py"'},
        )

    async def socket(ws: WebSocket) -> None:
        origin = ws.headers.get("origin")
        if origin and urlsplit(origin).netloc != ws.headers.get("host"):
            await ws.close(code=4403, reason="another site's page may not use the playground")
            return
        await ws.accept()
        session = store.get(ws.path_params["sid"])
        if session is None:
            await ws.send_json(
                {"type": "error", "message": "no such session: reload the page.", "field": None}
            )
            await ws.close(code=4404)
            return
        session.connections += 1
        try:
            await _Stream(ws, session).serve()
        finally:
            session.connections -= 1
            session.last_seen = time.monotonic()  # the idle time starts now

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:

            async def reaper() -> None:
                while True:
                    await anyio.sleep(reap_interval)
                    for sid in store.reap():
                        log.info("playground: session %s ended (idle)", sid)

            tasks.start_soon(reaper)
            yield
            tasks.cancel_scope.cancel()

    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, guarded(handler), methods=methods)

    hosts = allowed_hosts or [*LOCAL_HOSTS, "[::1]", "testserver"]
    app = Starlette(
        routes=[
            Route("/", index),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            route("/api/options", options, ["GET"]),
            route("/api/activations/{name}", activation_card, ["GET"]),
            route("/api/sessions", new_session, ["POST"]),
            route("/api/sessions/{sid}", get_session, ["GET"]),
            route("/api/sessions/{sid}", delete_session, ["DELETE"]),
            route("/api/sessions/{sid}/frame", frame, ["GET"]),
            route("/api/sessions/{sid}/points", points, ["GET"]),
            route("/api/sessions/{sid}/data", upload, ["POST"]),
            route("/api/sessions/{sid}/model", model, ["GET"]),
            route("/api/sessions/{sid}/code", code, ["GET"]),
            WebSocketRoute("/api/sessions/{sid}/ws", socket),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
        lifespan=lifespan,
    )
    app.state.store = store
    return app


class _NotFound(Exception):
    pass


#: What a page that has gone raises on its socket: its close, or a broken connection.
_GONE = (WebSocketDisconnect, OSError)


async def _json_body(request: Request) -> dict[str, Any]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_MESSAGE:
            raise SettingsError(f"the request body is over {MAX_MESSAGE:,} bytes.")
    if not body.strip():
        return {}
    values = _loads(body, "the request body")
    if not isinstance(values, dict):
        raise SettingsError(f"the settings must be a JSON object, got {type(values).__name__}.")
    return values


def _loads(text: str | bytes | bytearray, what: str) -> Any:
    """``json.loads``, its every refusal a SettingsError (deep nesting exhausts the stack)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise SettingsError(f"{what} is not JSON: it is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise SettingsError(f"{what} is not JSON: {err}.") from None


def _strict_json(data: Any) -> str:
    return json.dumps(data, allow_nan=False, separators=(",", ":"))


class _Stream:
    """One page's WebSocket: a receiver for its messages and a trainer while playing."""

    def __init__(self, ws: WebSocket, session: Session) -> None:
        self.ws = ws
        self.session = session
        self.playing = False
        self.wake = anyio.Event()
        self.send_lock = anyio.Lock()
        # Flow control: a frame while playing costs a credit, the page's "ack" (sent once it
        # has drawn a frame) gives one back. A slow page then gets fewer frames, never a
        # growing queue of them; training goes on meanwhile.
        self.credit = MAX_CREDIT
        self.stale = False  # trained since the last frame sent

    async def send(self, message: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_text(_strict_json(message))

    async def serve(self) -> None:
        """Until the page goes; a closed or broken connection ends it quietly."""
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self.trainer)
                await self.send({"type": "settings", "settings": self.session.settings.to_dict()})
                await self.guarded(self.send_points_and_frame, "drawing the session")
                await self.receiver()
                self.session.stop.set()  # a tick in progress ends after its batch
                tasks.cancel_scope.cancel()
        except* _GONE:
            pass  # the page closed, or its connection broke mid-stream: no one to tell
        finally:
            self.session.stop.set()

    async def receiver(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self.refuse("messages must be JSON text, not binary.")
                continue
            if len(text) > MAX_MESSAGE:
                await self.refuse(f"a message may hold at most {MAX_MESSAGE:,} characters.")
                continue
            try:
                msg = _loads(text, "the message")
            except SettingsError as err:
                await self.refuse(str(err))
                continue
            if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
                await self.refuse('a message must be a JSON object with a "type".')
                continue
            try:
                await self.guarded(partial(self.handle, msg), f"message {msg['type']!r:.40}")
            except _GONE:
                return

    async def guarded(self, action: Callable[[], Awaitable[None]], what: str) -> None:
        """Run ``action``; a refusal or a bug is answered with an ``error``, the socket lives.

        A page that has gone (:data:`_GONE`) is not caught: there is no one to answer.
        """
        try:
            await action()
        except _GONE:
            raise
        except SettingsError as err:
            await self.refuse(str(err), err.field)
        except (TypeError, ValueError) as err:
            await self.refuse(str(err))
        except Exception as err:  # a bug: logged; the connection carries on
            log.exception("playground: %s failed", what)
            await self.refuse(f"internal error ({type(err).__name__}): {err}")

    async def send_points_and_frame(self) -> None:
        await self.send(await run_in_threadpool(self.session.points))
        await self.send(await run_in_threadpool(self.session.frame))

    async def send_frame(self) -> None:
        await self.send(await run_in_threadpool(self.session.frame))

    async def refuse(self, message: str, field: str | None = None) -> None:
        await self.send({"type": "error", "message": message, "field": field})

    async def set_playing(self, playing: bool) -> None:
        self.playing = playing
        if playing:
            self.wake.set()
        else:
            self.session.stop.set()
        await self.send({"type": "status", "playing": playing})

    async def handle(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        session = self.session
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "ack":
            self.credit = min(MAX_CREDIT, self.credit + 1)
        elif kind == "play":
            if session.diverged:
                session.diverged = False
            await self.set_playing(True)
        elif kind == "pause":
            await self.set_playing(False)
        elif kind == "step":
            if self.playing:
                await self.set_playing(False)
            await self.tick_and_send(epochs=1)
        elif kind in ("reset", "regenerate", "settings"):
            session.stop.set()
            before = session.settings
            if kind == "reset":
                await run_in_threadpool(session.reset)
            elif kind == "regenerate":
                await run_in_threadpool(session.regenerate)
            else:
                values = msg.get("settings")
                if not isinstance(values, dict):
                    raise SettingsError('a "settings" message needs "settings": {...}.')
                await run_in_threadpool(session.update, values)
            after = session.settings
            await self.send({"type": "settings", "settings": after.to_dict()})
            if kind == "regenerate" or _data_changed(before, after):
                await self.send(await run_in_threadpool(session.points))
            await self.send(await run_in_threadpool(session.frame))
        elif kind == "probe":
            await self.send(await run_in_threadpool(session.probe, msg.get("x")))
        else:
            raise SettingsError(
                f"unknown message type {kind!r:.40}; the types are play, pause, step, reset, ack, "
                f"regenerate, settings, probe and ping."
            )

    async def tick_and_send(self, epochs: int | None = None) -> None:
        """Train one tick; send its frame if the page has credit (always, for a step)."""
        result = await run_in_threadpool(self.session.tick, epochs)
        if epochs is not None or self.credit > 0:
            if epochs is None:
                self.credit -= 1
            self.stale = False
            await self.send(await run_in_threadpool(self.session.frame))
        else:
            self.stale = True
        if result["diverged"]:
            await self.set_playing(False)

    async def trainer(self) -> None:
        while True:
            if not self.playing:
                if self.stale:  # the page missed the last ticks: show where training stopped
                    self.stale = False
                    await self.guarded(self.send_frame, "drawing the session")
                await self.wake.wait()
                self.wake = anyio.Event()
                continue
            started = anyio.current_time()
            try:
                await self.tick_and_send()
            except _GONE:
                raise  # serve() ends
            except Exception as err:  # refused (or a bug): pause and say why, the socket lives
                if not isinstance(err, (SettingsError, TypeError, ValueError)):
                    log.exception("playground: training failed")
                self.playing = False
                await self.refuse(f"training paused: {err}")
                await self.send({"type": "status", "playing": False})
            # Leave the loop time for the page's messages, and frames at most ~20 a second.
            await anyio.sleep(max(0.0, FRAME_INTERVAL - (anyio.current_time() - started)))


def _data_changed(before: Settings, after: Settings) -> bool:
    keys = ("dataset", "n_samples", "classes", "noise", "test_fraction", "seed")
    return any(getattr(before, k) != getattr(after, k) for k in keys)


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    data: Path | None = None,
    open_browser: bool = True,
    idle_timeout: float = 600.0,
) -> None:
    """Serve the playground on ``host:port`` until Ctrl-C, and open it in a browser.

    Parameters
    ----------
    host : str, default="127.0.0.1"
        Anything but this machine's own address makes the page (and the CPU it trains on)
        reachable from the network: a warning says so.
    port : int, default=8765
    data : Path, optional
        A CSV of two numeric columns and a label, offered in the page as ``"file"``.
    open_browser : bool, default=True
    idle_timeout : float, default=600
        Seconds a session without a page is kept.
    """
    import uvicorn

    csv_data = read_data_file(data) if data is not None else None
    allowed = None
    if host not in LOCAL_HOSTS:
        print(
            f"warning: serving on {host}: anyone who can reach this machine on port {port} "
            f"can use the playground (and its CPU). Use the default host 127.0.0.1 to keep "
            f"it local.",
            file=sys.stderr,
        )
        allowed = ["*"]
    app = create_app(data=csv_data, idle_timeout=idle_timeout, allowed_hosts=allowed)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    print(f"neuronet playground: {url}  (Ctrl-C to stop)", file=sys.stderr)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    # Messages over MAX_MESSAGE are answered with an error; uvicorn drops the (rare) huge ones.
    uvicorn.run(app, host=host, port=port, log_level="warning", ws_max_size=16 * MAX_MESSAGE)
