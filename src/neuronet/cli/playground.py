"""``neuronet playground``: a browser page that trains real networks and shows inside them.

A thin wrapper over :func:`neuronet.playground.run`: it checks the options, reads the
``--data`` file (the only file the server ever reads) and serves the page until Ctrl-C.
Starlette and uvicorn are imported only here, when the command runs: ``neuronet --help``
never needs them (``pip install "neuronet[playground]"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._errors import bad_value, fail

__all__ = ["playground"]


def playground(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The port to serve the page on.")
    ] = 8765,
    host: Annotated[
        str,
        typer.Option(
            help="The address to bind. Anything but 127.0.0.1 (or localhost) makes the page "
            "reachable from the network, with a warning."
        ),
    ] = "127.0.0.1",
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="FILE",
            help="A CSV of two numeric columns and a class label (at most 5 MB, 10,000 rows), "
            "offered in the page as 'file'.",
        ),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open the page in a browser.")
    ] = False,
    idle_minutes: Annotated[
        float,
        typer.Option(min=0.1, help="End a session after this many minutes without its page."),
    ] = 10.0,
) -> None:
    """Start the playground: train networks in the browser and watch every neuron.

    The page sets the data, layers, activations, output, loss, optimizer and its settings.

    It shows the decision boundary, every neuron's output and the dead or saturated units.

    It exports the model file, Python that trains it again, and a link to its settings.

    Example: neuronet playground --port 8765 --data points.csv
    """
    try:
        from ..playground import server
    except ImportError as err:
        fail(
            f"the playground needs {err.name or 'starlette and uvicorn'}: "
            f'pip install "neuronet[playground]".'
        )
    from ..playground.sessions import SettingsError

    if data is not None:
        try:
            server.read_data_file(data)  # checked now: a bad file is a usage error
        except SettingsError as err:
            raise bad_value("--data", str(err)) from None
    server.run(
        host=host,
        port=port,
        data=data,
        open_browser=not no_browser,
        idle_timeout=idle_minutes * 60.0,
    )
