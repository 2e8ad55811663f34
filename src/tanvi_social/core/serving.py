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
  two workers served 707 req/s at the ceiling, 3,249 with it; docs/benchmarks.md). uvloop sets
  it on every TCP socket. The protocol is `core/http_protocol.py` (this module imports no
  uvicorn, so the CLI's other commands do not load the server).
"""

from __future__ import annotations

SERVER_LOOPS = ("asyncio", "uvloop", "auto")
DEFAULT_LOOP = "asyncio"
HTTP_PROTOCOL = "tanvi_social.core.http_protocol:NoDelayHttpToolsProtocol"


def uvicorn_args(loop: str = DEFAULT_LOOP) -> list[str]:
    """The `python -m uvicorn` options that serve the app as `tanvi-social serve` does (its
    `proxy_headers=False` included: the client address is the connection's peer)."""
    return ["--loop", loop, "--http", HTTP_PROTOCOL, "--no-proxy-headers"]
