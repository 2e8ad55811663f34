"""`UTCDateTime`: aware UTC datetimes in and out; on SQLite, the text SQLAlchemy writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import DateTime, select, text
from sqlalchemy.dialects import sqlite

from tanvi_social.content.models import Post
from tanvi_social.core.db import UTCDateTime
from tests.factories import Factory


def test_sqlite_text_is_what_sqlalchemys_datetime_writes() -> None:
    """Stored rows compare as text: the format must not change (microseconds always)."""
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    theirs = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None
    assert theirs is not None
    for value in (datetime(2026, 11, 27, 10, 48, 55, 151855), datetime(2026, 1, 2, 3, 4, 5),
                  datetime(999, 12, 31, 23, 59, 59, 1)):
        assert ours(value.replace(tzinfo=UTC)) == theirs(value)
    # an aware value in another zone is stored as its UTC time
    paris = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert ours(paris) == "2026-06-01 10:00:00.000000"
    # the DDL is unchanged
    assert str(UTCDateTime().compile(dialect=dialect)) == "DATETIME"


def test_sqlite_text_reads_back_aware() -> None:
    dialect = sqlite.dialect()
    read = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert read is not None
    assert read("2026-11-27 10:48:55.151855") == datetime(2026, 11, 27, 10, 48, 55, 151855,
                                                          tzinfo=UTC)
    assert read("2026-11-27 10:48:55") == datetime(2026, 11, 27, 10, 48, 55, tzinfo=UTC)
    assert read(None) is None


async def test_round_trip_and_comparison_in_sql(platform: Any, factory: Factory) -> None:
    user = await factory.user()
    at = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)

    def write(session: Any) -> int:
        post = Post(author_id=user.id, caption="x", created_at=at)
        session.add(post)
        session.flush()
        return post.id

    pid = await platform.db.run(write)
    got = await platform.db.read(lambda s: s.scalar(select(Post.created_at).where(
        Post.id == pid)))
    assert got == at
    assert got.tzinfo is not None
    # comparisons in SQL see the same instants (an aware bound in another zone included)
    later = at.astimezone(timezone(timedelta(hours=-5))) + timedelta(microseconds=1)
    assert await platform.db.read(lambda s: s.scalar(select(Post.id).where(
        Post.id == pid, Post.created_at < later, Post.created_at >= at))) == pid
    # a value written as plain SQL text without microseconds (CURRENT_TIMESTAMP's form) reads
    if platform.db.is_sqlite:
        await platform.db.run(lambda s: s.execute(text(
            "UPDATE posts SET edited_at = '2026-03-04 05:06:08' WHERE id = :i"), {"i": pid}))
        edited = await platform.db.read(lambda s: s.scalar(select(Post.edited_at).where(
            Post.id == pid)))
        assert edited == datetime(2026, 3, 4, 5, 6, 8, tzinfo=UTC)
