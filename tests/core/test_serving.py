"""The server's HTTP protocol: Nagle's algorithm off on every connection (core/http_protocol.py)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from tanvi_social.core.http_protocol import NoDelayHttpToolsProtocol, set_nodelay


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _listening_socket() -> socket.socket:
    """Like the one uvicorn opens for several workers: `proto` 0, which asyncio's own loop does
    not recognise as TCP, so it leaves Nagle's algorithm on for the connections it accepts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    assert sock.proto == 0
    return sock


async def _serve_one(protocol: Any) -> tuple[bytes, list[int]]:
    """Serve one GET over a `proto` 0 listening socket; the response, and TCP_NODELAY as each
    accepted connection had it once the protocol took it."""
    seen: list[int] = []

    class Probe(protocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    config = Config(app=_app, http="httptools", lifespan="off", log_level="warning")
    config.load()
    state = ServerState()
    loop = asyncio.get_running_loop()
    sock = _listening_socket()
    server = await loop.create_server(
        lambda: Probe(config=config, server_state=state, app_state={}), sock=sock)
    try:
        reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        await writer.drain()
        body = await asyncio.wait_for(reader.read(), 5)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    return body, seen


async def test_connections_have_nagle_off() -> None:
    body, seen = await _serve_one(NoDelayHttpToolsProtocol)
    assert body.startswith(b"HTTP/1.1 200")
    assert body.endswith(b"\r\nok\r\n0\r\n\r\n")  # chunked: no content-length sent
    assert len(seen) == 1
    assert seen[0] != 0


async def test_the_plain_protocol_leaves_nagle_on_here() -> None:
    """Why the subclass exists: on asyncio's loop, uvicorn's own protocol keeps Nagle on."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    if type(asyncio.get_running_loop()).__module__.startswith("uvloop"):
        pytest.skip("uvloop sets TCP_NODELAY itself")
    _, seen = await _serve_one(HttpToolsProtocol)
    assert seen == [0]


def test_set_nodelay_skips_transports_without_a_tcp_socket() -> None:
    class NoSocket(asyncio.BaseTransport):
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return None

    assert set_nodelay(NoSocket()) is False
    a, b = socket.socketpair()
    try:
        class Unix(asyncio.BaseTransport):
            def get_extra_info(self, name: str, default: Any = None) -> Any:
                return a

        assert set_nodelay(Unix()) is False
    finally:
        a.close()
        b.close()


def test_tune_gc_freezes_what_exists_and_collects_less_often() -> None:
    import gc

    from tanvi_social.core.serving import GC_THRESHOLDS, tune_gc

    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]
        assert gc.get_freeze_count() > 1000  # the modules and objects loaded so far
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
