"""Direct graph rows for tests of domains that depend on follows and blocks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tanvi_social.social.models import Block, Connection


async def follow(platform: Any, follower_id: int, target_id: int) -> None:
    def run(session: Session) -> None:
        session.add(Connection(follower_id=follower_id, target_id=target_id, state="accepted"))

    await platform.db.run(run)


async def block(platform: Any, blocker_id: int, blocked_id: int) -> None:
    def run(session: Session) -> None:
        session.add(Block(blocker_id=blocker_id, blocked_id=blocked_id))

    await platform.db.run(run)
