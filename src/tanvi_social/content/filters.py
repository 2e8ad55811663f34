"""Occasion, season, weather, formality and price filters over posts: one definition used by the
post listing, the "for you" feed, the home timeline, search and saved filters.

Each post's filter values are derived once, when it is written, by one pure function
(`derive_facets`) and stored as `post_facets` rows ("weather:rain", "max_price:premium", …;
indexed by value). A filter is then an index lookup per value (`filter_clause`), and "which
values does this post have" (saved-filter notifications) reads the same rows (`post_facets`),
so the listings and the notifications cannot disagree.

* occasion — the post's occasion, normalised like the analysis does (`office` → `work`);
* season — the post's season; an `all_season` post also matches every season;
* formality — the post's formality;
* weather — derived (docs/algorithms.md → "Weather filter"): the season, a garment word in an
  outfit item's category or name or in a photo's garment tag, or a hashtag / style tag;
* price — some priced item (outfit item or garment tag) is in the band;
* max_price — at least one priced item, and none above the band.

The rows are rewritten when a post is created or edited (content service) and when garment
tags on one of its photos change (`media.tags_changed`, content wiring). A repost has none of
its own: it matches through the post it reposts. Changing the rules below needs
`rebuild_all_facets` (run it from a migration).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import ColumnElement, Table, and_, delete, insert, or_, select, true
from sqlalchemy.orm import Session

from tanvi_social.content import analysis
from tanvi_social.content.models import Post, PostFacet, PostMedia
from tanvi_social.content.schemas import Formality, Season
from tanvi_social.core.db import execute_write
from tanvi_social.core.errors import ValidationFailed
from tanvi_social.media.models import MediaTag

OccasionIn = Literal[
    "gym", "lounge", "beach", "casual", "travel", "festival", "brunch", "date", "party", "work",
    "business", "interview", "wedding", "formal", "black_tie",
    # aliases (content.analysis.OCCASION_ALIASES)
    "office", "business_casual", "evening", "night_out", "workout", "sport", "holiday",
    "vacation", "gala",
]
Weather = Literal["rain", "hot", "cold", "mild"]
PriceIn = Literal["budget", "mid", "mid_range", "premium", "luxury"]

OCCASIONS: tuple[str, ...] = tuple(analysis.OCCASIONS)
SEASONS: tuple[str, ...] = get_args(Season)
FORMALITIES: tuple[str, ...] = get_args(Formality)
WEATHERS: tuple[str, ...] = get_args(Weather)
PRICE_BANDS: tuple[str, ...] = ("budget", "mid_range", "premium", "luxury")  # cheapest first
PRICE_ALIASES = {"mid": "mid_range"}
# Dimension order: the most selective first (a saved filter is found by its first value).
DIMENSIONS: tuple[str, ...] = ("occasion", "formality", "price", "max_price", "weather", "season")


def _occasion_key(raw: str) -> str:
    return raw.strip().lower().replace("-", "_").replace(" ", "_")


def _occasion_forms() -> dict[str, tuple[str, ...]]:
    """Canonical occasion → every stored spelling (after `_occasion_key`) that means it."""
    forms: dict[str, set[str]] = {o: {o} for o in OCCASIONS}
    for alias, target in analysis.OCCASION_ALIASES.items():
        forms[target].add(_occasion_key(alias))
    return {o: tuple(sorted(v)) for o, v in forms.items()}


OCCASION_FORMS = _occasion_forms()
_ALIAS_OF = {form: o for o, fs in OCCASION_FORMS.items() for form in fs}
assert set(get_args(OccasionIn)) == set(_ALIAS_OF), "OccasionIn out of step with the analysis"


@dataclass(frozen=True)
class WeatherRule:
    """What makes a post fit a weather: its season, a garment word, or a tag."""

    seasons: tuple[str, ...]
    garments: tuple[str, ...]  # whole words/phrases of an item's category + name, or a tag's
    tags: tuple[str, ...]  # hashtags or style tags (lower case, no '#')


WEATHER_RULES: dict[str, WeatherRule] = {
    "rain": WeatherRule(
        seasons=(),
        garments=("raincoat", "raincoats", "rain coat", "rain jacket", "rain boots", "rainboots",
                  "wellies", "wellington", "wellingtons", "gumboots", "waterproof", "anorak",
                  "poncho", "umbrella"),
        tags=("rain", "rainy", "rainyday", "rainydays", "rainyweather", "raincoat", "rainwear")),
    "hot": WeatherRule(
        seasons=("summer",),
        garments=("shorts", "sandal", "sandals", "tank", "tank top", "camisole", "cami",
                  "sundress", "swimsuit", "swimwear", "bikini", "sun hat", "sunhat",
                  "flip flops", "espadrilles", "linen"),
        tags=("summer", "heatwave", "hotweather", "beach", "sunny", "summerstyle")),
    "cold": WeatherRule(
        seasons=("winter",),
        garments=("coat", "overcoat", "parka", "puffer", "down jacket", "peacoat", "duffle coat",
                  "scarf", "beanie", "gloves", "mittens", "thermal", "fleece", "boots",
                  "snow boots", "turtleneck", "earmuffs"),
        tags=("winter", "snow", "snowday", "cold", "coldweather", "winterstyle")),
    "mild": WeatherRule(
        seasons=("spring", "autumn"),
        garments=("trench", "trench coat", "cardigan", "light jacket", "denim jacket", "bomber",
                  "shacket", "gilet", "sweater", "jumper", "knitwear"),
        tags=("spring", "autumn", "fall", "transitional", "layering", "springstyle",
              "autumnstyle")),
}
assert set(WEATHER_RULES) == set(WEATHERS)


class PostFilter(BaseModel):
    """The filter values (each optional; all given must hold)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    occasion: OccasionIn | None = Field(
        default=None, description="Occasion (aliases such as office → work are accepted)")
    season: Season | None = Field(
        default=None, description="Season; all_season posts match every season")
    weather: Weather | None = Field(
        default=None, description="Derived from season, garments and tags (docs/algorithms.md)")
    formality: Formality | None = None
    price: PriceIn | None = Field(
        default=None,
        description="Some outfit item or garment tag is in this band (mid = mid_range)")
    max_price: PriceIn | None = Field(
        default=None, description="Priced items only, none above this band")

    @field_validator("occasion")
    @classmethod
    def _occasion(cls, value: str | None) -> str | None:
        return None if value is None else _ALIAS_OF[value]

    @field_validator("price", "max_price")
    @classmethod
    def _price(cls, value: str | None) -> str | None:
        return None if value is None else PRICE_ALIASES.get(value, value)

    @property
    def active(self) -> bool:
        return bool(self.values())

    def values(self) -> dict[str, str]:
        """The set values, most selective dimension first."""
        out: dict[str, str] = {}
        for dim in DIMENSIONS:
            value = getattr(self, dim)
            if value is not None:
                out[dim] = str(value)
        return out


NO_FILTER = PostFilter()


def parse_filter(raw: Mapping[str, str | None], *, loc: tuple[str, ...] = ("query",)) -> PostFilter:
    """Build a filter from raw strings (search operators, stored rows); unknown values → 422."""
    try:
        return PostFilter.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        details = [{"loc": [*loc, *(str(p) for p in e["loc"][:1])], "msg": e["msg"]}
                   for e in exc.errors()]
        raise ValidationFailed("Unknown filter value", code="invalid_filter",
                               details=details) from None


def merge_filters(first: PostFilter, second: PostFilter) -> PostFilter:
    """Both sets of values; the same dimension with two different values is a 422."""
    a, b = first.values(), second.values()
    clash = sorted(d for d in a.keys() & b.keys() if a[d] != b[d])
    if clash:
        raise ValidationFailed(
            "The same filter was given two different values", code="conflicting_filter",
            details=[{"loc": ["query", d], "msg": f"{a[d]} or {b[d]}?"} for d in clash])
    return PostFilter.model_validate({**a, **b})


# ------------------------------------------------------------------ deriving
_SEPARATORS = str.maketrans(dict.fromkeys("-_,/.()&+", " "))


def garment_words(text: str | None) -> str:
    """' ' + lower-case words + ' ', so a garment word or phrase matches as ' word '."""
    return " " + " ".join((text or "").lower().translate(_SEPARATORS).split()) + " "


def _fits(words: str, rule: WeatherRule) -> bool:
    return any(f" {g} " in words for g in rule.garments)


def derive_facets(*, occasion: str | None, season: str | None, formality: str | None,
                  outfit_items: Sequence[Any], style_tags: Sequence[str],
                  hashtags: Sequence[str],
                  garment_tags: Iterable[tuple[str | None, str | None]] = ()) -> set[str]:
    """Every "dimension:value" a post with these fields matches (pure; docs/algorithms.md).

    `garment_tags` are (category, price_band) of the garments tagged on its photos.
    """
    out: set[str] = set()
    if occasion:
        canonical = _ALIAS_OF.get(_occasion_key(occasion))
        if canonical is not None:
            out.add(f"occasion:{canonical}")
    if season in SEASONS:
        out.update(f"season:{s}" for s in (SEASONS if season == "all_season" else (season,)))
    if formality in FORMALITIES:
        out.add(f"formality:{formality}")
    garments: list[str] = []
    bands: set[str] = set()
    for item in outfit_items:
        if not isinstance(item, dict):
            continue
        garments.append(garment_words(f"{item.get('category') or ''} {item.get('name') or ''}"))
        if item.get("price_band") in PRICE_BANDS:
            bands.add(str(item["price_band"]))
    for category, band in garment_tags:
        garments.append(garment_words(category))
        if band in PRICE_BANDS:
            bands.add(band)
    tags = {str(t).lower().lstrip("#") for t in [*style_tags, *hashtags]}
    for weather, rule in WEATHER_RULES.items():
        if (season in rule.seasons or any(_fits(w, rule) for w in garments)
                or tags & set(rule.tags)):
            out.add(f"weather:{weather}")
    out.update(f"price:{b}" for b in bands)
    if bands:
        top = max(PRICE_BANDS.index(b) for b in bands)
        out.update(f"max_price:{b}" for b in PRICE_BANDS[top:])  # fits every cap ≥ its top
    return out


def _garment_tags(session: Session,
                  post_ids: Sequence[int]) -> dict[int, list[tuple[str | None, str | None]]]:
    out: dict[int, list[tuple[str | None, str | None]]] = {}
    for pid, category, band in session.execute(
            select(PostMedia.post_id, MediaTag.category, MediaTag.price_band)
            .join(PostMedia, PostMedia.media_id == MediaTag.media_id)
            .where(PostMedia.post_id.in_(post_ids))):
        out.setdefault(pid, []).append((category, band))
    return out


_FIELDS = (Post.id, Post.repost_of_id, Post.occasion, Post.season, Post.formality,
           Post.outfit_items, Post.style_tags, Post.hashtags)


_INSERT_FACETS = insert(cast(Table, PostFacet.__table__))  # built once (execute_write's key)


def _store(session: Session, posts: Sequence[Any], *, new: bool = False,
           media_ids: Sequence[int] | None = None) -> dict[int, frozenset[str]]:
    """Replace the stored values of these posts (Post objects or rows of `_FIELDS`; Core
    statements: no ORM bookkeeping). `new`: just inserted, nothing to delete; `media_ids`: the
    images of a single post, when the caller knows them (no tags to read without images)."""
    ids = [p.id for p in posts]
    if not new:
        session.execute(delete(PostFacet).where(PostFacet.post_id.in_(ids)))
    originals = [p for p in posts if p.repost_of_id is None]  # a repost matches via its original
    tags: dict[int, list[tuple[str | None, str | None]]] = {}
    if media_ids is not None and len(originals) == 1:
        if media_ids:
            tags[originals[0].id] = [(c, b) for c, b in session.execute(
                select(MediaTag.category, MediaTag.price_band)
                .where(MediaTag.media_id.in_(media_ids)))]
    elif originals:
        tags = _garment_tags(session, [p.id for p in originals])
    values = {p.id: frozenset(derive_facets(
        occasion=p.occasion, season=p.season, formality=p.formality,
        outfit_items=p.outfit_items or [], style_tags=p.style_tags or [],
        hashtags=p.hashtags or [], garment_tags=tags.get(p.id, []))) for p in originals}
    rows = [{"post_id": pid, "facet": f} for pid, facets in values.items() for f in sorted(facets)]
    if rows:
        execute_write(session, _INSERT_FACETS, rows)
    return values


def refresh_facets(session: Session, post: Post, *, new: bool = False,
                   media_ids: Sequence[int] | None = None) -> frozenset[str]:
    """Rewrite the post's stored filter values from its current fields and garment tags
    (`new`: the post was just inserted; `media_ids`: its images, when known); returns them
    (none for a repost: it matches through its original)."""
    return _store(session, [post], new=new, media_ids=media_ids).get(post.id, frozenset())


def refresh_for_media(session: Session, media_id: int) -> int:
    """Garment tags of a photo changed: refresh the posts showing it; returns how many."""
    posts = session.scalars(select(Post).join(PostMedia, PostMedia.post_id == Post.id)
                            .where(PostMedia.media_id == media_id)).all()
    if posts:
        _store(session, posts)
    return len(posts)


def rebuild_all_facets(session: Session, batch: int = 500) -> int:
    """Recompute every post's values (after the rules changed); returns posts processed."""
    done, last = 0, 0
    while True:
        posts = session.execute(select(*_FIELDS).where(Post.id > last).order_by(Post.id)
                                .limit(batch)).all()
        if not posts:
            return done
        _store(session, posts)
        done += len(posts)
        last = posts[-1].id


# ------------------------------------------------------------------ querying
def _with(value_key: str) -> Any:
    return select(PostFacet.post_id).where(PostFacet.facet == value_key)


def filter_clause(f: PostFilter, *, include_reposts: bool = False) -> ColumnElement[bool]:
    """The WHERE condition of `f` on `posts` (one indexed lookup per value); with
    `include_reposts`, a repost matches when the post it reposts does."""
    keys = [f"{d}:{v}" for d, v in f.values().items()]
    if not keys:
        return true()
    own = and_(*[Post.id.in_(_with(k)) for k in keys])
    if not include_reposts:
        return own
    return or_(own, and_(*[Post.repost_of_id.in_(_with(k)) for k in keys]))


def post_facets(session: Session, post_id: int) -> dict[str, set[str]]:
    """The post's stored values by dimension (one indexed query)."""
    out: dict[str, set[str]] = {}
    for facet in session.scalars(select(PostFacet.facet).where(PostFacet.post_id == post_id)):
        dim, _, value = facet.partition(":")
        out.setdefault(dim, set()).add(value)
    return out
