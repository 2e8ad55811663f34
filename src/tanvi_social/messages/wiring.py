from __future__ import annotations

from tanvi_social.core.platform import Platform
from tanvi_social.messages import gdpr  # noqa: F401  (registers the GDPR handler)
from tanvi_social.messages.service import can_view_message, message_owner, set_message_state
from tanvi_social.moderation.targets import register_target


def setup(platform: Platform) -> None:
    register_target("message", owner_of=message_owner, set_state=set_message_state,
                    can_view=can_view_message)
