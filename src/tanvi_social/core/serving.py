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

import gc

SERVER_LOOPS = ("asyncio", "uvloop", "auto")
DEFAULT_LOOP = "asyncio"
HTTP_PROTOCOL = "tanvi_social.core.http_protocol:NoDelayHttpToolsProtocol"


def uvicorn_args(loop: str = DEFAULT_LOOP) -> list[str]:
    """The `python -m uvicorn` options that serve the app as `tanvi-social serve` does (its
    `proxy_headers=False` included: the client address is the connection's peer)."""
    return ["--loop", loop, "--http", HTTP_PROTOCOL, "--no-proxy-headers"]


# Python's cyclic garbage collector starts a young collection every 700 new container objects
# and, now and then, a full one that walks every object of the process (the imported code, the
# in-process caches): a served process creates many short-lived objects per request.
GC_THRESHOLDS = (20_000, 20, 20)


def tune_gc() -> None:
    """For a serving process, once its app is built: freeze what exists (modules, the app, its
    routes) so no collection walks it again, and collect young objects less often
    (docs/benchmarks.md → "Group commit for text posts" measured what the collector cost)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
