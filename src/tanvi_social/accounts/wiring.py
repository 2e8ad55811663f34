from __future__ import annotations

from typing import Any

from tanvi_social.accounts.events import UserAuthChanged
from tanvi_social.accounts.router import on_auth_changed
from tanvi_social.core.platform import Platform


def setup(platform: Platform) -> None:
    async def handler(event: Any) -> None:
        await on_auth_changed(platform, event)

    platform.bus.subscribe(UserAuthChanged, handler)
