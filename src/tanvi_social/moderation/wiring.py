from __future__ import annotations

from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import InvalidState
from tanvi_social.core.platform import Platform
from tanvi_social.moderation import gdpr  # noqa: F401  (registers the GDPR handler)
from tanvi_social.moderation.targets import get_target, register_target


def _profile_owner(session: Session, user_id: int) -> int | None:
    user = session.get(User, user_id)
    return user.id if user is not None and user.is_active else None


def _profile_state(session: Session, user_id: int, state: str) -> None:
    if state not in ("visible",):
        raise InvalidState("Profiles are moderated with warn, suspend or ban",
                           code="unsupported_action")


def register_default_targets() -> None:
    """Profiles are reportable even when the social domain registers no moderation hooks."""
    if get_target("profile") is None:
        register_target("profile", owner_of=_profile_owner, set_state=_profile_state)


def setup(platform: Platform) -> None:
    register_default_targets()
