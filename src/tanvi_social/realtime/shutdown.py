"""Close open streams when uvicorn is asked to exit.

Uvicorn waits for open connections to finish before it runs the lifespan shutdown, and a stream
never finishes by itself; so, like sse-starlette, we hook `Server.handle_exit` (the signal handler)
to close every stream first. Each stream then ends its response cleanly.
"""

from __future__ import annotations

import weakref
from typing import Any

_engines: weakref.WeakSet[Any] = weakref.WeakSet()
_installed = False


def register_engine(engine: Any) -> None:
    _engines.add(engine)


def close_all_streams() -> None:
    for engine in list(_engines):
        engine.hub.close_all()


def install_uvicorn_exit_hook() -> None:
    global _installed
    if _installed:
        return
    try:
        from uvicorn.server import Server
    except ImportError:  # pragma: no cover - uvicorn is a dependency
        return
    original = Server.handle_exit

    def handle_exit(self: Any, sig: int, frame: Any) -> None:
        close_all_streams()
        original(self, sig, frame)

    Server.handle_exit = handle_exit  # type: ignore[method-assign]
    _installed = True
