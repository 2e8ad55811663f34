"""Page-number pagination (`page`, `per_page`) and keyset cursors over `(created_at, id)`."""

from __future__ import annotations

import base64
import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tanvi_social.core.errors import ValidationFailed
from tanvi_social.core.time import as_utc

MAX_PAGE = 10_000
# Counting every visible post of a large table costs far more than the page itself (200,000
# posts: 230 ms against 0.4 ms), so big listings count only this far (docs/content.md).
COUNT_CAP = 1_000


class PageParams(BaseModel):
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# The parameter dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker
# thread, a thread hop per request for what is only argument parsing.
async def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=100, description="Items per page (max 100)")] = 20,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


PageDep = Annotated[PageParams, Depends(page_params)]


class Pagination(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int
    has_next: bool
    has_prev: bool

    @classmethod
    def build(cls, params: PageParams, total: int) -> Pagination:
        pages = math.ceil(total / params.per_page) if total else 0
        return cls(page=params.page, per_page=params.per_page, total=total, pages=pages,
                   has_next=params.page < pages, has_prev=params.page > 1)


def count_capped(session: Session, stmt: Select[Any], params: PageParams) -> int:
    """Rows of `stmt`: exact up to COUNT_CAP or the end of the requested page, whichever is
    further; past that, one more than that bound, a lower bound that keeps `has_next` true."""
    bound = max(COUNT_CAP, params.offset + params.per_page)
    inner = stmt.order_by(None).limit(bound + 1).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def encode_cursor(created_at: datetime, row_id: int) -> str:
    raw = f"{as_utc(created_at).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, row_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|", 1)
        return as_utc(datetime.fromisoformat(stamp)), int(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("Invalid cursor", code="invalid_cursor",
                               details=[{"loc": ["query", "cursor"], "msg": "malformed"}]) from exc


async def cursor_limit(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page (max 100)")] = 20,
) -> int:
    return limit


CursorLimitDep = Annotated[int, Depends(cursor_limit)]
