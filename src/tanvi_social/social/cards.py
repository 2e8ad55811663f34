"""Author cards (id, username, display name, avatar, verified) for other domains' responses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.social.models import Profile


class AuthorCard(BaseModel):
    id: int
    username: str
    display_name: str | None = None
    avatar_url: str | None = None
    is_verified: bool = False


# built once, on the tables (Core statements: no ORM compile step on every execution)
_U, _P = cast(Table, User.__table__), cast(Table, Profile.__table__)
# with the profile's visibility (a new post's listing entry needs it, content.list_cache)
_COLUMNS = (_U.c.id, _U.c.username, _U.c.is_verified, _P.c.display_name, _P.c.avatar_url,
            _P.c.visibility)
_CARDS = (select(*_COLUMNS)
          .select_from(_U.outerjoin(_P, _P.c.user_id == _U.c.id))
          .where(_U.c.id.in_(bindparam("ids", expanding=True))))
# one author (a post just created, a single card): `=` instead of an expanding IN, whose SQL
# is re-rendered on every execution
_CARD = (select(*_COLUMNS)
         .select_from(_U.outerjoin(_P, _P.c.user_id == _U.c.id))
         .where(_U.c.id == bindparam("id")))


def _card(row: Any) -> AuthorCard:
    return AuthorCard(id=row.id, username=row.username, display_name=row.display_name,
                      avatar_url=row.avatar_url, is_verified=row.is_verified)


def author_cards_and_visibility(session: Session, user_ids: Iterable[int]
                                ) -> dict[int, tuple[AuthorCard, str | None]]:
    """Authors' cards and their profiles' visibility (None without a profile), in one
    statement (new posts' listing entries need the visibility: content.list_cache)."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.execute(_CARD, {"id": next(iter(ids))}) if len(ids) == 1 else \
        session.execute(_CARDS, {"ids": list(ids)})
    return {r.id: (_card(r), r.visibility) for r in rows}


def author_cards(session: Session, user_ids: Iterable[int]) -> dict[int, AuthorCard]:
    return {uid: card for uid, (card, _) in author_cards_and_visibility(session, user_ids).items()}
