"""How uvicorn serves the app: the event loop and the HTTP protocol (`tanvi-social serve`, the
benches and the end-to-end test server all use these, so what is measured is what runs).

* The loop is asyncio's own, not uvloop (uvicorn's "auto" when uvloop is installed): with the
  process busy, uvloop let some connections wait for seconds while others were served
  (`make bench`'s mixed workload, embedded: p99 1.3–1.8 s on uvloop, 0.19–0.34 s on asyncio at
  the same throughput; docs/benchmarks.md, "The event loop").
* The protocol is uvicorn's httptools protocol that turns Nagle's algorithm off on every
  connection. asyncio's loop does that itself only for sockets created with
  `proto=IPPROTO_TCP`; the listening socket uvicorn opens for several workers has `proto=0`,
  so every response's second write waited for the client's delayed ACK (~40 ms per request:
  2 workers served 710 req/s where one served 1,980). uvloop sets it on every TCP socket.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

SERVER_LOOPS = ("asyncio", "uvloop", "auto")
DEFAULT_LOOP = "asyncio"
HTTP_PROTOCOL = "tanvi_social.core.serving:NoDelayHttpToolsProtocol"


def set_nodelay(transport: asyncio.BaseTransport) -> bool:
    """TCP_NODELAY on the transport's socket; False when it has none or it is not TCP."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        return False
    return True


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with Nagle's algorithm off on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


def uvicorn_args(loop: str = DEFAULT_LOOP) -> list[str]:
    """The `python -m uvicorn` options that serve the app as `tanvi-social serve` does (its
    `proxy_headers=False` included: the client address is the connection's peer)."""
    return ["--loop", loop, "--http", HTTP_PROTOCOL, "--no-proxy-headers"]
