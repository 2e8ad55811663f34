"""Author cards (id, username, display name, avatar, verified) for other domains' responses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.social.models import Profile


class AuthorCard(BaseModel):
    id: int
    username: str
    display_name: str | None = None
    avatar_url: str | None = None
    is_verified: bool = False


_COLUMNS = (User.id, User.username, User.is_verified, Profile.display_name, Profile.avatar_url)
_CARDS = (select(*_COLUMNS)
          .outerjoin(Profile, Profile.user_id == User.id)
          .where(User.id.in_(bindparam("ids", expanding=True))))  # built once
# one author (a post just created, a single card): `=` instead of an expanding IN, whose SQL
# is re-rendered on every execution; with the profile's visibility (a new post's listing entry
# needs it, content.list_cache)
_CARD = (select(*_COLUMNS, Profile.visibility)
         .outerjoin(Profile, Profile.user_id == User.id)
         .where(User.id == bindparam("id")))


def _card(row: Any) -> AuthorCard:
    return AuthorCard(id=row.id, username=row.username, display_name=row.display_name,
                      avatar_url=row.avatar_url, is_verified=row.is_verified)


def author_card_and_visibility(session: Session,
                               user_id: int) -> tuple[AuthorCard | None, str | None]:
    """One author's card and their profile's visibility (None without a profile), in one
    statement."""
    row = session.execute(_CARD, {"id": user_id}).first()
    if row is None:
        return None, None
    return _card(row), row.visibility


def author_cards(session: Session, user_ids: Iterable[int]) -> dict[int, AuthorCard]:
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.execute(_CARD, {"id": next(iter(ids))}) if len(ids) == 1 else \
        session.execute(_CARDS, {"ids": list(ids)})
    return {r.id: _card(r) for r in rows}
