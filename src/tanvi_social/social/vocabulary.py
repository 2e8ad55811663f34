"""The curated style vocabulary: read from the `style_vocabulary` reference table.

The rows are inserted by the social migration, so they exist after `tanvi-social migrate`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.core.errors import ValidationFailed
from tanvi_social.social.models import StyleTerm, VocabularyKind

_TAG_RE = re.compile(r"[^a-z0-9\- ]+")


def normalise_tag(raw: str) -> str:
    """Lower-case, trimmed, spaces/underscores to hyphens: `Date Night` → `date-night`."""
    tag = _TAG_RE.sub("", raw.strip().lower().replace("_", "-").lstrip("#"))
    return re.sub(r"[\s\-]+", "-", tag).strip("-")


def terms(session: Session, kind: VocabularyKind | None = None) -> list[StyleTerm]:
    query = select(StyleTerm).order_by(StyleTerm.kind, StyleTerm.position)
    if kind is not None:
        query = query.where(StyleTerm.kind == kind.value)
    return list(session.scalars(query))


def slugs(session: Session, kind: VocabularyKind) -> list[str]:
    """The kind's slugs in their curated order."""
    return list(session.scalars(select(StyleTerm.slug).where(StyleTerm.kind == kind.value)
                                .order_by(StyleTerm.position)))


def split_style_tags(session: Session, raw: list[str]) -> tuple[list[str], list[str]]:
    """Curated tags (vocabulary slugs) and free tags, each normalised and de-duplicated."""
    known = set(slugs(session, VocabularyKind.STYLE))
    curated: list[str] = []
    free: list[str] = []
    for item in raw:
        tag = normalise_tag(item)
        if not tag:
            continue
        bucket = curated if tag in known else free
        if tag not in bucket:
            bucket.append(tag)
    return curated, free


def check_budget_band(session: Session, band: str | None) -> str | None:
    if band is None:
        return None
    value = normalise_tag(band)
    if value not in slugs(session, VocabularyKind.BUDGET):
        raise ValidationFailed("Unknown budget band", code="invalid_budget_band",
                               details=[{"loc": ["body", "budget_band"],
                                         "msg": f"one of {slugs(session, VocabularyKind.BUDGET)}"}])
    return value
