"""Fire N requests at once through the ASGI client and collect what came back."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from httpx import AsyncClient, Response


async def fire(client: AsyncClient, method: str, url: str, *,
               headers: Sequence[dict[str, str]], json: Any = None) -> list[Response]:
    """Send one request per entry of `headers`, all concurrently; responses in the same order."""
    return list(await asyncio.gather(*(client.request(method, url, headers=h, json=json)
                                       for h in headers)))


async def fire_statuses(client: AsyncClient, method: str, url: str, *,
                        headers: Sequence[dict[str, str]], json: Any = None) -> Counter[int]:
    """Like `fire`, returning how many responses had each status code."""
    responses = await fire(client, method, url, headers=headers, json=json)
    return Counter(r.status_code for r in responses)
