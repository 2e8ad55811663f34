"""Full-text search over posts, profiles, communities and tags.

The index is `search_documents` (one row per post and profile), kept in sync by content and social
events: new and edited posts by a coalesced background job a few milliseconds after the commit
(`index_posts`, see wiring.py; `index_missing_posts` is the periodic catch-up), a deleted post's
row is removed in the same request, after its commit. Results are always re-checked against the
live visibility rule at query time, so nothing private ever leaks. Posts by muted authors or
containing the viewer's muted words are left out before paging.

* SQLite (embedded): FTS5 `fts_search` (porter stemming, bm25 ranking with column weights) and
  `fts_names` (trigram tokenizer) for typo-tolerant names; both mirror `search_documents` through
  triggers created by the migration.
* PostgreSQL (scale): a weighted `tsvector` expression with a GIN index, ranked by `ts_rank_cd`;
  names use pg_trgm (`word_similarity`, GIN `gin_trgm_ops` index).

Operators: `colour:sage` (also `color:`, a name or #hex; matched on the nearest shipped colour
name), `brand:zara`, `category:dress`, `tag:linen` / `#linen`; and the outfit filters of
`content.filters` — `occasion:work season:winter weather:rain formality:casual price:budget
max_price:mid` — which filter posts like the query parameters of the same names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content.access import visible_posts_clause
from tanvi_social.content.filters import (
    NO_FILTER,
    PostFilter,
    filter_clause,
    merge_filters,
    parse_filter,
)
from tanvi_social.core.errors import ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.models import SearchDocument
from tanvi_social.inspiration.ranking import norm_tag, trigram_similarity
from tanvi_social.inspiration.schemas import SearchHit
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards
from tanvi_social.social.models import Profile

MAX_CANDIDATES = 500
NAME_THRESHOLD = 0.3
OPERATORS = {"colour": "colours", "color": "colours", "brand": "brands", "category": "categories",
             "tag": "tags"}
FACET_OPERATORS = ("occasion", "season", "weather", "formality", "price", "max_price")
_WORD = re.compile(r"[\w]+", re.UNICODE)
_OP = re.compile(r'(\w+):("([^"]*)"|(\S+))')

PG_VECTOR = ("setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
             "setweight(to_tsvector('english', coalesce(tags, '')), 'B') || "
             "setweight(to_tsvector('simple', coalesce(brands, '') || ' ' || coalesce(colours, '')"
             " || ' ' || coalesce(categories, '')), 'B') || "
             "setweight(to_tsvector('english', coalesce(body, '')), 'C')")


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)  # column -> phrases
    post_filter: PostFilter = NO_FILTER  # outfit filters (`season:winter`, …)

    @property
    def empty(self) -> bool:
        """No text to match (outfit filters are not text)."""
        return not self.words and not self.filters


def _words(value: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(value)]


def parse_query(q: str) -> ParsedQuery:
    """Split operators (`brand:zara`, `colour:"dusty rose"`, `#linen`, `season:winter`) from
    free words. An outfit operator with an unknown value is a 422 (`invalid_filter`); one given
    twice with different values is a 422 (`conflicting_filter`)."""
    parsed = ParsedQuery()
    rest = q
    facets: list[PostFilter] = []
    for m in _OP.finditer(q):
        op = m.group(1).lower()
        value = (m.group(3) if m.group(3) is not None else m.group(4)).strip()
        if op in FACET_OPERATORS:
            facets.append(parse_filter({op: value.lower()}, loc=("query", "q")))
            rest = rest.replace(m.group(0), " ")
            continue
        if op not in OPERATORS:
            continue
        column = OPERATORS[op]
        phrases: list[str] = []
        if column == "colours":
            phrases = _colour_phrases(value)
        elif column == "tags":
            phrases = [norm_tag(value)] if norm_tag(value) else []
        else:
            phrases = [" ".join(_words(value))] if _words(value) else []
        if phrases:
            parsed.filters.setdefault(column, []).extend(phrases)
        rest = rest.replace(m.group(0), " ")
    for token in rest.split():
        if token.startswith("#") and norm_tag(token):
            parsed.filters.setdefault("tags", []).append(" ".join(_words(token)))
        else:
            parsed.words.extend(_words(token))
    for f in facets:
        parsed.post_filter = merge_filters(parsed.post_filter, f)
    return parsed


def _colour_phrases(value: str) -> list[str]:
    """The colour as given plus its nearest shipped name (so #a3b18a finds 'sage')."""
    out = [" ".join(_words(value))] if _words(value) and not value.startswith("#") else []
    found = adapters.colour_from_text(value)
    if found is not None and found[1]:
        name = " ".join(_words(found[1]))
        if name and name not in out:
            out.append(name)
    return out


# ------------------------------------------------------------------ indexing
def _upsert(session: Session, kind: str, ref_id: int, **values: Any) -> None:
    doc = session.scalar(select(SearchDocument).where(SearchDocument.kind == kind,
                                                      SearchDocument.ref_id == ref_id))
    if doc is None:
        doc = SearchDocument(kind=kind, ref_id=ref_id)
        session.add(doc)
    for key, value in values.items():
        setattr(doc, key, value)
    doc.updated_at = utcnow()
    session.flush()


def remove(session: Session, kind: str, ref_id: int) -> None:
    """Drop a document from the index."""
    session.execute(delete(SearchDocument).where(SearchDocument.kind == kind,
                                                 SearchDocument.ref_id == ref_id))


def _colour_words(names: Iterable[str | None]) -> str:
    return " ".join(dict.fromkeys(" ".join(_words(n)) for n in names if n))


def index_post(session: Session, post_id: int) -> bool:
    """(Re)index one post (see `index_posts`); returns whether it is indexed."""
    return bool(index_posts(session, [post_id]))


def index_posts(session: Session, post_ids: Iterable[int]) -> set[int]:
    """(Re)index posts from their caption, tags, outfit items and image tags; drafts, reposts,
    deleted and missing posts leave the index. Reads the posts' current state, so it is
    idempotent and order-independent (a job may run it late, twice, or for a post deleted
    since). A handful of statements whatever the number of posts. Returns the ids indexed."""
    from tanvi_social.content.models import Post

    ids = sorted(set(post_ids))
    if not ids:
        return set()
    posts = session.execute(
        select(Post.id, Post.author_id, Post.title, Post.caption, Post.hashtags, Post.style_tags,
               Post.occasion, Post.season, Post.outfit_items, Post.like_count, Post.save_count,
               Post.comment_count)
        .where(Post.id.in_(ids), Post.deleted_at.is_(None), Post.is_draft.is_(False),
               Post.repost_of_id.is_(None))).all()
    keep = {p.id for p in posts}
    gone = [i for i in ids if i not in keep]
    if gone:
        session.execute(delete(SearchDocument).where(SearchDocument.kind == "post",
                                                     SearchDocument.ref_id.in_(gone)))
    if not posts:
        return set()
    media_of = adapters.post_media_ids(session, keep)
    all_media = {m for mids in media_of.values() for m in mids}
    image_tags: dict[int, list[tuple[str | None, str | None, str | None]]] = {}
    media_models = adapters.module("media.models")
    if all_media and media_models is not None and hasattr(media_models, "MediaTag"):
        tag = media_models.MediaTag
        for mid, brand, category, colour in session.execute(
                select(tag.media_id, tag.brand, tag.category, tag.colour)
                .where(tag.media_id.in_(all_media))):
            image_tags.setdefault(mid, []).append((brand, category, colour))
    reads = adapters.media_reads(session, all_media)
    now = utcnow()
    rows: dict[int, dict[str, Any]] = {}
    for post in posts:
        brands: list[str] = []
        colours: list[str | None] = []
        categories: list[str] = []
        for item in post.outfit_items or []:
            if not isinstance(item, dict):
                continue
            brands.append(str(item.get("brand") or ""))
            categories.append(str(item.get("category") or item.get("type") or ""))
            colour = item.get("colour") or item.get("color")
            if colour:
                colours.append(str(colour))
                found = adapters.colour_from_text(str(colour))
                if found is not None:
                    colours.append(found[1])
        mids = media_of.get(post.id, [])
        for mid in mids:
            for brand, category, colour in image_tags.get(mid, []):
                brands.append(brand or "")
                categories.append(category or "")
                colours.append(colour)
        for mid in mids:
            read = reads.get(mid)
            if read is not None:
                colours.extend(c.name for c in read.palette if c.share >= 0.1)
        tags = [*(post.hashtags or []), *(post.style_tags or []), post.occasion or "",
                post.season or ""]
        rows[post.id] = {
            "name": (post.title or "")[:200], "body": post.caption or "",
            "tags": " ".join(norm_tag(t) for t in tags if t),
            "brands": " ".join(b for b in dict.fromkeys(brands) if b),
            "colours": _colour_words(colours),
            "categories": " ".join(c for c in dict.fromkeys(categories) if c),
            "owner_id": post.author_id,
            "popularity": post.like_count + 2 * post.save_count + post.comment_count,
            "updated_at": now}
    _upsert_many(session, "post", rows)
    return keep


def index_missing_posts(session: Session, since: datetime, limit: int = 2000) -> int:
    """Index posts created since `since` that have no document, or an older one than their last
    edit: the catch-up for batches a crashed process never ran. Returns how many it indexed."""
    from tanvi_social.content.models import Post

    docs = cast(Table, SearchDocument.__table__)
    has_current_doc = exists(select(docs.c.id).where(
        docs.c.kind == "post", docs.c.ref_id == Post.id,
        or_(Post.edited_at.is_(None), docs.c.updated_at >= Post.edited_at)))
    ids = list(session.scalars(
        select(Post.id).where(Post.created_at >= since, Post.deleted_at.is_(None),
                              Post.is_draft.is_(False), Post.repost_of_id.is_(None),
                              ~has_current_doc)
        .order_by(Post.id).limit(limit)))
    return len(index_posts(session, ids)) if ids else 0


def _upsert_many(session: Session, kind: str, rows: dict[int, dict[str, Any]]) -> None:
    """Insert or update documents of one kind by ref_id (Core statements, one of each)."""
    docs = cast(Table, SearchDocument.__table__)
    existing = dict(session.execute(select(docs.c.ref_id, docs.c.id).where(
        docs.c.kind == kind, docs.c.ref_id.in_(list(rows)))).all())
    updates = [{"_id": existing[ref], **values} for ref, values in rows.items()
               if ref in existing]
    inserts = [{"kind": kind, "ref_id": ref, **values} for ref, values in rows.items()
               if ref not in existing]
    if updates:
        session.execute(update(docs).where(docs.c.id == bindparam("_id")), updates)
    if inserts:
        session.execute(insert(docs), inserts)


def index_profile(session: Session, user_id: int) -> bool:
    """(Re)index a profile by username and display name, bio and style traits."""
    row = session.execute(
        select(User.username, User.is_active, Profile.display_name, Profile.bio,
               Profile.style_tags, Profile.favorite_brands, Profile.favorite_colors,
               Profile.followers_count)
        .outerjoin(Profile, Profile.user_id == User.id).where(User.id == user_id)).first()
    if row is None or not row.is_active:
        remove(session, "profile", user_id)
        return False
    name = " ".join(x for x in (row.username, row.display_name) if x)
    _upsert(session, "profile", user_id, name=name[:200], body=row.bio or "",
            tags=" ".join(norm_tag(t) for t in (row.style_tags or [])),
            brands=" ".join(row.favorite_brands or []),
            colours=_colour_words(row.favorite_colors or []), categories="",
            owner_id=user_id, popularity=row.followers_count or 0)
    return True


def reindex_all(session: Session) -> dict[str, int]:
    """Rebuild every document (backfill after a restore or for the benchmark data set)."""
    from tanvi_social.content.models import Post

    counts = {"post": 0, "profile": 0}
    ids = list(session.scalars(select(Post.id).where(Post.deleted_at.is_(None))))
    for start in range(0, len(ids), 500):
        counts["post"] += len(index_posts(session, ids[start:start + 500]))
    for uid in session.scalars(select(User.id)):
        counts["profile"] += index_profile(session, uid)
    return counts


# ------------------------------------------------------------------ querying
def _fts_phrase(words: Iterable[str]) -> str:
    return '"' + " ".join(w.replace('"', "") for w in words) + '"'


def _sqlite_match(parsed: ParsedQuery) -> str:
    parts = [f'{_fts_phrase([w])}*' for w in parsed.words]
    for column, phrases in parsed.filters.items():
        alts = " OR ".join(_fts_phrase(p.split()) for p in phrases)
        parts.append(f"{column} : ({alts})")
    return " AND ".join(parts)


def _pg_tsquery(words: list[str]) -> str:
    parts = [p for w in words for p in w.split("_") if p.isalnum()]
    return " & ".join(f"{p}:*" for p in parts)


def _text_candidates(session: Session, kind: str, parsed: ParsedQuery,
                     ref_id: int | None = None) -> list[tuple[int, float]]:
    """(ref_id, relevance ≥ 0) of documents of a kind matching the words and operators
    (only the document of `ref_id` when given)."""
    if parsed.empty:
        return []
    dialect = session.get_bind().dialect.name
    one = "" if ref_id is None else " AND d.ref_id = :rid"
    if dialect == "sqlite":
        rows = session.execute(text(
            "SELECT d.ref_id, bm25(fts_search, 10.0, 2.0, 5.0, 4.0, 3.0, 3.0) AS r, d.popularity "
            "FROM fts_search JOIN search_documents d ON d.id = fts_search.rowid "
            f"WHERE fts_search MATCH :m AND d.kind = :k{one} ORDER BY r LIMIT :n"),
            {"m": _sqlite_match(parsed), "k": kind, "n": MAX_CANDIDATES, "rid": ref_id}).all()
        return [(r[0], -float(r[1]) * (1 + 0.1 * math.log1p(r[2] or 0))) for r in rows]
    conditions = ["d.kind = :k"]
    params: dict[str, Any] = {"k": kind, "n": MAX_CANDIDATES}
    if ref_id is not None:
        conditions.append("d.ref_id = :rid")
        params["rid"] = ref_id
    rank = "0"
    tsq = _pg_tsquery(parsed.words)
    if tsq:
        conditions.append(f"({PG_VECTOR}) @@ to_tsquery('english', :q)")
        rank = f"ts_rank_cd({PG_VECTOR}, to_tsquery('english', :q))"
        params["q"] = tsq
    for i, (column, phrases) in enumerate(sorted(parsed.filters.items())):
        alts = []
        for j, phrase in enumerate(phrases):
            key = f"f{i}_{j}"
            params[key] = phrase
            alts.append(f"to_tsvector('simple', coalesce(d.{column}, '')) @@ "
                        f"phraseto_tsquery('simple', :{key})")
        conditions.append("(" + " OR ".join(alts) + ")")
    rows = session.execute(text(
        f"SELECT d.ref_id, {rank} AS r, d.popularity FROM search_documents d "
        f"WHERE {' AND '.join(conditions)} ORDER BY r DESC, d.popularity DESC, d.ref_id DESC "
        "LIMIT :n"), params).all()
    return [(r[0], (float(r[1]) + 0.01) * (1 + 0.1 * math.log1p(r[2] or 0))) for r in rows]


def _name_candidates(session: Session, q: str) -> list[tuple[int, float]]:
    """Profiles whose name is close to `q` (trigram word similarity ≥ NAME_THRESHOLD)."""
    words = _words(q)
    if not words:
        return []
    needle = " ".join(words)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        grams = {needle[i:i + 3] for i in range(max(len(needle) - 2, 1))}
        grams = {g for g in grams if len(g) == 3 and " " not in g}
        if not grams:
            return []
        match = " OR ".join(_fts_phrase([g]) for g in sorted(grams))
        rows = session.execute(text(
            "SELECT d.ref_id, d.name FROM fts_names JOIN search_documents d "
            "ON d.id = fts_names.rowid WHERE fts_names MATCH :m AND d.kind = 'profile' "
            "ORDER BY rank LIMIT :n"), {"m": match, "n": MAX_CANDIDATES}).all()
    else:
        session.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                        {"t": str(NAME_THRESHOLD)})
        rows = session.execute(text(
            "SELECT d.ref_id, d.name FROM search_documents d WHERE d.kind = 'profile' "
            "AND :q <% lower(d.name) ORDER BY word_similarity(:q, lower(d.name)) DESC "
            "LIMIT :n"), {"q": needle, "n": MAX_CANDIDATES}).all()
    out = []
    for ref_id, name in rows:
        sim = word_similarity(needle, name)
        if sim >= NAME_THRESHOLD:
            out.append((ref_id, sim))
    return out


def word_similarity(needle: str, name: str) -> float:
    """Best trigram similarity of the query against the name, each of its words and parts."""
    parts = [name, *_words(name), *[p for w in _words(name) for p in w.split("_") if p]]
    return max((trigram_similarity(needle, p) for p in parts), default=0.0)


def post_matches(session: Session, post_id: int, q: str) -> bool:
    """Whether the post's search document matches the text of a query (its words and text
    operators; outfit operators are the caller's business). Used by saved filters."""
    parsed = parse_query(q)
    if parsed.empty:
        return True
    return bool(_text_candidates(session, "post", parsed, ref_id=post_id))


def matching_post_ids(session: Session, q: str) -> list[int] | None:
    """Ids of the posts (at most MAX_CANDIDATES, best first) whose search document matches
    the text of a query; None when the query has no text (only outfit operators)."""
    parsed = parse_query(q)
    if parsed.empty:
        return None
    return [i for i, _ in _text_candidates(session, "post", parsed)]


def search(session: Session, viewer_id: int | None, q: str, kind: str,
           params: PageParams, facets: PostFilter = NO_FILTER,
           ) -> tuple[list[SearchHit], int, ParsedQuery]:
    """Ranked, visibility-checked hits of one kind, paged. Outfit filters (query parameters
    and in-query operators, merged) apply to posts only."""
    parsed = parse_query(q)
    parsed.post_filter = merge_filters(facets, parsed.post_filter)
    if parsed.post_filter.active and kind != "posts":
        raise ValidationFailed("Outfit filters apply to posts only",
                               code="filter_not_applicable",
                               details=[{"loc": ["query", "type"], "msg": "use type=posts"}])
    if kind == "posts":
        hits = _search_posts(session, viewer_id, parsed)
    elif kind == "profiles":
        hits = _search_profiles(session, viewer_id, q, parsed)
    elif kind == "communities":
        hits = _search_communities(session, viewer_id, parsed)
    else:
        hits = _search_tags(session, q)
    total = len(hits)
    page = hits[params.offset:params.offset + params.per_page]
    return _present(session, viewer_id, page), total, parsed


def _filtered_only(session: Session, viewer_id: int | None,
                   f: PostFilter) -> list[tuple[int, float]]:
    """No text, only outfit filters: the newest matching posts the viewer may see."""
    from tanvi_social.content.models import Post

    ids = session.scalars(
        select(Post.id).where(visible_posts_clause(session, viewer_id), Post.is_draft.is_(False),
                              Post.repost_of_id.is_(None), filter_clause(f))
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(MAX_CANDIDATES))
    return [(i, 0.0) for i in ids]


def _search_posts(session: Session, viewer_id: int | None,
                  parsed: ParsedQuery) -> list[SearchHit]:
    from tanvi_social.content.models import Post
    from tanvi_social.inspiration.present import visible_ids

    f = parsed.post_filter
    if parsed.empty and f.active:
        found = _filtered_only(session, viewer_id, f)
        visible = {i for i, _ in found}
    else:
        found = _text_candidates(session, "post", parsed)
        visible = visible_ids(session, viewer_id, [i for i, _ in found])
        if f.active and visible:
            visible = set(session.scalars(select(Post.id).where(
                Post.id.in_(visible), filter_clause(f))))
    if viewer_id is not None:
        muted = graph.muted_ids(session, viewer_id)
        if muted and visible:
            visible -= set(session.scalars(select(Post.id).where(
                Post.id.in_(visible), Post.author_id.in_(muted))))
        from tanvi_social.content.muting import muted_post_ids, viewer_matcher

        visible -= muted_post_ids(session, viewer_matcher(session, viewer_id), viewer_id,
                                  visible)
    hits = [SearchHit(type="post", id=i, title="", score=round(s, 6)) for i, s in found
            if i in visible]
    # filter-only results all score 0: newest (highest id) first
    hits.sort(key=lambda h: (-h.score, -h.id))
    return hits


def _search_profiles(session: Session, viewer_id: int | None, q: str,
                     parsed: ParsedQuery) -> list[SearchHit]:
    scores: dict[int, float] = {}
    for ref_id, sim in _name_candidates(session, q):
        scores[ref_id] = max(scores.get(ref_id, 0.0), 2.0 * sim)
    for ref_id, rel in _text_candidates(session, "profile", parsed):
        scores[ref_id] = scores.get(ref_id, 0.0) + min(rel, 1.0)
    if viewer_id is not None:
        for uid in graph.blocked_ids(session, viewer_id):
            scores.pop(uid, None)
    if scores:
        active = set(session.scalars(select(User.id).where(User.id.in_(scores),
                                                           User.is_active.is_(True))))
        scores = {k: v for k, v in scores.items() if k in active}
    hits = [SearchHit(type="profile", id=k, title="", score=round(v, 6))
            for k, v in scores.items()]
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits


def _search_communities(session: Session, viewer_id: int | None,
                        parsed: ParsedQuery) -> list[SearchHit]:
    """Communities are few: score the live ones the viewer may know of, read straight from the
    community tables (words in the name ×3, in tags/category ×2, in the description ×1, plus
    trigram similarity of the name for typos)."""
    models = adapters.module("community.models")
    access = adapters.module("community.access")
    if models is None or access is None or not parsed.words:
        return []
    c = models.Community
    rows = session.scalars(select(c).where(c.deleted_at.is_(None))
                           .order_by(c.members_count.desc(), c.id).limit(2000)).all()
    needle = " ".join(parsed.words)
    hits: list[SearchHit] = []
    for row in rows:
        name_words = set(_words(row.name))
        tag_words = set(_words(" ".join([*(row.tags or []), row.category or ""])))
        desc_words = set(_words(row.description or ""))
        score = 0.0
        for w in parsed.words:
            score += 3 * any(x.startswith(w) for x in name_words)
            score += 2 * any(x.startswith(w) for x in tag_words)
            score += 1 * any(x.startswith(w) for x in desc_words)
        sim = word_similarity(needle, row.name)
        if sim >= NAME_THRESHOLD:
            score += 2 * sim
        if score <= 0 or not access.can_see_card(session, viewer_id, row):
            continue
        score *= 1 + 0.1 * math.log1p(row.members_count or 0)
        hits.append(SearchHit(type="community", id=row.id, title=row.name,
                              snippet=(row.description or "")[:200] or None, score=round(score, 6),
                              detail={"members": row.members_count, "category": row.category}))
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits


def _search_tags(session: Session, q: str) -> list[SearchHit]:
    from tanvi_social.content.models import PostHashtag

    needle = norm_tag(q.replace("tag:", ""))
    words = _words(needle)
    if not words:
        return []
    prefix = words[0]
    rows = session.execute(
        select(PostHashtag.tag, func.count()).where(PostHashtag.tag.like(f"{prefix}%"))
        .group_by(PostHashtag.tag).order_by(func.count().desc(), PostHashtag.tag).limit(100)).all()
    return [SearchHit(type="tag", id=0, title=f"#{tag}", score=float(n),
                      detail={"tag": tag, "posts": int(n)}) for tag, n in rows]


def _present(session: Session, viewer_id: int | None, hits: list[SearchHit]) -> list[SearchHit]:
    posts = [h.id for h in hits if h.type == "post"]
    users = [h.id for h in hits if h.type == "profile"]
    if posts:
        from tanvi_social.content.models import Post
        from tanvi_social.inspiration.present import feed_posts

        rows = list(session.scalars(select(Post).where(Post.id.in_(posts))))
        reads = feed_posts(session, rows)
        for h in hits:
            if h.type == "post" and h.id in reads:
                h.post = reads[h.id]
                caption = reads[h.id].caption
                h.title = caption[:80] if caption else f"Post {h.id}"
                h.snippet = caption[:200] if caption else None
    if users:
        cards = author_cards(session, users)
        for h in hits:
            if h.type == "profile" and h.id in cards:
                h.user = cards[h.id]
                h.title = cards[h.id].display_name or cards[h.id].username
    return [h for h in hits if h.title]
