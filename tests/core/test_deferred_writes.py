"""`core.db.execute_write` / `deferred_writes`: writes held for a batch go out as one
executemany per statement, sorted when asked, and never when the block fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from tanvi_social.core.db import (
    deferred_rows,
    deferred_writes,
    drop_held_since,
    execute_write,
    held_counts,
)

META = MetaData()
ITEMS = Table("items", META, Column("id", Integer, primary_key=True), Column("name", String),
              Column("n", Integer, default=0))
INSERT = insert(ITEMS)
BUMP = update(ITEMS).where(ITEMS.c.id == bindparam("b_id")).values(n=ITEMS.c.n + 1)


@pytest.fixture
def session() -> Iterator[tuple[Session, list[tuple[str, bool]]]]:
    engine = create_engine("sqlite://")
    META.create_all(engine)
    sent: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               executemany: bool) -> None:
        sent.append((statement.split()[0], executemany))

    with Session(engine) as s:
        yield s, sent


def names(s: Session) -> list[str]:
    return list(s.scalars(select(ITEMS.c.name).order_by(ITEMS.c.id)))


def test_outside_a_block_a_write_runs_at_once(session: Any) -> None:
    s, sent = session
    execute_write(s, INSERT, {"id": 1, "name": "a"})
    assert sent == [("INSERT", False)]
    assert deferred_rows(s, INSERT) == []


def test_held_rows_go_out_together_at_the_end(session: Any) -> None:
    s, sent = session
    with deferred_writes(s):
        execute_write(s, INSERT, {"id": 1, "name": "a"})
        execute_write(s, INSERT, [{"id": 2, "name": "b"}, {"id": 3, "name": "c"}])
        assert sent == []  # nothing written yet
        assert [r["name"] for r in deferred_rows(s, INSERT)] == ["a", "b", "c"]
    assert names(s) == ["a", "b", "c"]
    assert sent[0][0] == "INSERT"  # one statement for the three rows
    assert len([x for x in sent if x[0] == "INSERT"]) == 1


def test_order_by_sorts_the_held_rows(session: Any) -> None:
    s, sent = session
    s.execute(INSERT, [{"id": i, "name": str(i)} for i in (1, 2, 3)])
    sent.clear()
    with deferred_writes(s) as held:
        for i in (3, 1, 2, 1):
            execute_write(s, BUMP, {"b_id": i}, order_by="b_id")
        ordered = [r["b_id"] for h in held.values() for r in h.rows]
    # sorted when the block ends (before, they are kept in arrival order)
    assert ordered == [3, 1, 2, 1]
    assert sent == [("UPDATE", True)]
    assert list(s.scalars(select(ITEMS.c.n).order_by(ITEMS.c.id))) == [2, 1, 1]


def test_order_by_applies_when_the_block_ends(session: Any, monkeypatch: Any) -> None:
    s, _ = session
    seen: list[list[int]] = []
    real = Session.execute

    def spy(self: Session, statement: Any, params: Any = None, **kw: Any) -> Any:
        if statement is BUMP:
            seen.append([p["b_id"] for p in params])
        return real(self, statement, params, **kw)

    s.execute(INSERT, [{"id": i, "name": str(i)} for i in (1, 2, 3)])
    monkeypatch.setattr(Session, "execute", spy)
    with deferred_writes(s):
        for i in (3, 1, 2):
            execute_write(s, BUMP, {"b_id": i}, order_by="b_id")
    assert seen == [[1, 2, 3]]


def test_a_failed_block_writes_nothing(session: Any) -> None:
    s, sent = session

    def refused_batch() -> None:
        with deferred_writes(s):
            execute_write(s, INSERT, {"id": 1, "name": "a"})
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused_batch()
    assert sent == []
    assert names(s) == []
    execute_write(s, INSERT, {"id": 2, "name": "b"})  # and the block is over
    assert names(s) == ["b"]


def test_rows_held_since_a_mark_can_be_dropped(session: Any) -> None:
    s, _ = session
    with deferred_writes(s) as held:
        execute_write(s, INSERT, {"id": 1, "name": "kept"})
        mark = held_counts(held)
        execute_write(s, INSERT, {"id": 2, "name": "dropped"})
        execute_write(s, BUMP, {"b_id": 1})
        drop_held_since(held, mark)
        assert [r["name"] for r in deferred_rows(s, INSERT)] == ["kept"]
    assert names(s) == ["kept"]
    assert list(s.scalars(select(ITEMS.c.n))) == [0]
