"""Plugs the social domain in: a profile for every new user, GDPR handlers, the retention job."""

from __future__ import annotations

from typing import Any

from tanvi_social.accounts.events import UserRegistered
from tanvi_social.core.platform import Platform
from tanvi_social.social import content_signals as _signals  # noqa: F401  (providers)
from tanvi_social.social import gdpr as _gdpr  # noqa: F401  (registers export/erase)
from tanvi_social.social import service, tasks


def setup(platform: Platform) -> None:
    async def on_registered(event: Any) -> None:
        await platform.db.run(service.ensure_profile, event.user_id, event.display_name)

    platform.bus.subscribe(UserRegistered, on_registered)
    try:
        from tanvi_social.moderation.targets import register_target
    except ModuleNotFoundError:  # pragma: no cover - moderation not installed
        pass
    else:
        register_target("profile", owner_of=service.profile_owner,
                        set_state=service.set_profile_state, can_view=service.can_view_profile)
    tasks.register(platform)
