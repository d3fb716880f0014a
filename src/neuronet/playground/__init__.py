"""The playground: a browser page that trains real neuronet networks and shows inside them.

``neuronet playground`` (or :func:`run`) starts a local web server
(:mod:`neuronet.playground.server`, Starlette and uvicorn: ``pip install neuronet[playground]``)
and opens the page. Each browser tab gets its own :class:`~.sessions.Session`: the data, an
:class:`~neuronet.MLP` and the optimizer that :meth:`~neuronet.MLP.fit` trains it with, in a
worker thread, streaming what the page draws over a WebSocket.

``import neuronet`` never imports this package, and this package imports Starlette only in
:mod:`.server`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["run"]


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    data: Path | None = None,
    open_browser: bool = True,
    **kwargs: Any,
) -> None:
    """Serve the playground until Ctrl-C; see :func:`neuronet.playground.server.run`."""
    from .server import run as serve

    serve(host=host, port=port, data=data, open_browser=open_browser, **kwargs)
