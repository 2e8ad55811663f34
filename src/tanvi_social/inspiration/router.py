"""`/api/inspiration` (feeds, trends, mood boards, discover, recommendations, inspirations,
Style Wrapped), `/api/search`, `/api/content/hashtags/{tag}/follow` and the `/api/social/wrapped`
aliases of Style Wrapped."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from tanvi_social.accounts.deps import (
    CurrentUser,
    ModeratorUser,
    OptionalUser,
    Principal,
    WriterUser,
)
from tanvi_social.content.filter_params import PostFilterDep
from tanvi_social.core.cache import cached, cached_value
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from tanvi_social.core.pagination import CursorLimitDep, PageDep, Pagination
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.inspiration import (
    boards,
    feedback,
    foryou,
    home_cache,
    recommend,
    saved_filters,
    search,
    service,
    tasks,
    timeline,
    wrapped,
)
from tanvi_social.inspiration.schemas import (
    CollaboratorAdd,
    CollaboratorResponse,
    DiscoverResponse,
    FeedbackCreate,
    FeedbackResponse,
    FeedPreferencesResponse,
    FeedPreferencesUpdate,
    FeedResponse,
    HashtagFollowResponse,
    InspirationCreate,
    InspirationListResponse,
    InspirationResponse,
    MoodBoardCreate,
    MoodBoardItemCreate,
    MoodBoardItemResponse,
    MoodBoardListResponse,
    MoodBoardResponse,
    MoodBoardUpdate,
    RatingCreate,
    RatingResponse,
    RecommendationListResponse,
    RecType,
    SavedFilterCreate,
    SavedFilterListResponse,
    SavedFilterPostsResponse,
    SavedFilterResponse,
    SearchResponse,
    TrendListResponse,
    TrendRefreshResponse,
    TrendResponse,
    WrappedRead,
    WrappedResponse,
)
from tanvi_social.inspiration.wrapped_card import render_card

router = APIRouter(prefix="/api/inspiration", tags=["inspiration"])
search_router = APIRouter(prefix="/api/search", tags=["search"])
hashtag_router = APIRouter(prefix="/api/content/hashtags", tags=["inspiration"])
wrapped_alias_router = APIRouter(prefix="/api/social", tags=["inspiration"])
extra_routers = [search_router, hashtag_router, wrapped_alias_router]

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")]
Tag = Annotated[str, Path(min_length=1, max_length=101)]


# ------------------------------------------------------------------ feeds
@router.get("/feed", responses=error_responses(Unauthorized))
async def for_you(user: CurrentUser, platform: PlatformDep, limit: CursorLimitDep,
                  facets: PostFilterDep, cursor: Cursor = None) -> FeedResponse:
    """The personalised "for you" feed; every item says why it was chosen.

    `occasion`, `season`, `weather`, `formality`, `price`, `max_price` keep only matching
    posts (pass the same values with every cursor).
    """
    items, nxt = await platform.db.read(foryou.for_you_page, user.user_id, cursor, limit,
                                        facets=facets)
    return FeedResponse(items=items, next_cursor=nxt, source="ranked")


@router.get("/personalized-feed", responses=error_responses(Unauthorized))
async def personalized_feed(user: CurrentUser, platform: PlatformDep, limit: CursorLimitDep,
                            facets: PostFilterDep, cursor: Cursor = None) -> FeedResponse:
    """Alias of GET /feed (the original's path)."""
    return await for_you(user, platform, limit, facets, cursor)


@router.get("/feed/following", response_model=FeedResponse,
            responses=error_responses(Unauthorized))
async def following_feed(user: CurrentUser, platform: PlatformDep, limit: CursorLimitDep,
                         facets: PostFilterDep, cursor: Cursor = None) -> FeedResponse | Response:
    """The chronological home timeline: posts and reposts of accounts you follow.

    The outfit filters (`occasion`, `season`, `weather`, `formality`, `price`, `max_price`)
    keep matching posts; a repost matches when its original does.
    """
    first = cursor is None and not facets.active
    if first:  # the first page of the unfiltered timeline: from cached pieces (home_cache)
        body = await home_cache.serve(platform, user.user_id, limit,
                                      platform.settings.public_base_url)
        if body is not None:
            return Response(body, media_type="application/json", headers={"X-Cache": "hit"})
    started_wall, started = time.time(), time.monotonic()
    meta: dict[str, Any] = {}
    items, nxt, source = await timeline.home_timeline(platform, user.user_id, cursor, limit,
                                                      facets, meta)
    if first:
        await home_cache.remember(platform, user.user_id, limit, started_wall, started, items,
                                  meta.get("authors"), nxt, source)
    return FeedResponse(items=items, next_cursor=nxt, source=source)


@router.get("/feed/preferences", responses=error_responses(Unauthorized))
async def get_preferences(user: CurrentUser, platform: PlatformDep) -> FeedPreferencesResponse:
    """Feed preferences (defaults until changed)."""
    prefs = await platform.db.read(feedback.get_preferences, user.user_id)
    return FeedPreferencesResponse(preferences=prefs)


@router.put("/feed/preferences", responses=error_responses(Unauthorized, Forbidden))
async def put_preferences(body: FeedPreferencesUpdate, user: WriterUser,
                          platform: PlatformDep) -> FeedPreferencesResponse:
    """Change personalisation strength (0–2), feed sources and trending posts."""
    prefs = await platform.db.run(feedback.update_preferences, user.user_id, body)
    return FeedPreferencesResponse(preferences=prefs, message="Preferences saved")


@router.post("/feed/feedback", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def post_feedback(body: FeedbackCreate, user: WriterUser,
                        platform: PlatformDep) -> FeedbackResponse:
    """hide / not_interested / see_more about a post, an author or a tag."""
    row = await platform.db.run(feedback.add_feedback, user.user_id, body)
    await home_cache.viewer_changed(platform, user.user_id)  # e.g. an author hidden
    return FeedbackResponse(feedback=row, message="Thanks, your feed will adapt")


# ------------------------------------------------------------------ saved filters
@router.get("/saved-filters", responses=error_responses(Unauthorized))
async def list_saved_filters(user: CurrentUser, platform: PlatformDep) -> SavedFilterListResponse:
    """Your saved filters, newest first."""
    rows = await platform.db.read(saved_filters.list_saved_filters, user.user_id)
    return SavedFilterListResponse(saved_filters=rows, limit=saved_filters.MAX_SAVED_FILTERS)


@router.post("/saved-filters", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, Conflict))
async def create_saved_filter(body: SavedFilterCreate, user: WriterUser,
                              platform: PlatformDep) -> SavedFilterResponse:
    """Save an outfit filter (occasion, season, weather, formality, price, max_price) with
    optional search text. With `notify` (the default), each new post matching it that you may
    see sends you a `saved_filter_match` notification. 409 `saved_filter_limit` past 20,
    409 `duplicate_saved_filter` for a name you already use."""
    row = await platform.db.run(saved_filters.create_saved_filter, user.user_id, body)
    return SavedFilterResponse(saved_filter=row, message="Filter saved")


@router.get("/saved-filters/{filter_id}", responses=error_responses(Unauthorized, NotFound))
async def get_saved_filter(filter_id: Id, user: CurrentUser,
                           platform: PlatformDep) -> SavedFilterResponse:
    """One of your saved filters (anyone else's is a 404)."""
    row = await platform.db.read(saved_filters.get_saved_filter, user.user_id, filter_id)
    return SavedFilterResponse(saved_filter=row)


@router.get("/saved-filters/{filter_id}/posts", responses=error_responses(Unauthorized, NotFound))
async def saved_filter_posts(filter_id: Id, user: CurrentUser, platform: PlatformDep,
                             page: PageDep) -> SavedFilterPostsResponse:
    """Run a saved filter now: matching posts you may see, newest first."""
    row, posts, total = await platform.db.read(
        saved_filters.saved_filter_posts, user.user_id, filter_id, page,
        platform.settings.public_base_url)
    return SavedFilterPostsResponse(saved_filter=row, posts=posts,
                                    pagination=Pagination.build(page, total))


@router.delete("/saved-filters/{filter_id}",
               responses=error_responses(Unauthorized, Forbidden, NotFound))
async def delete_saved_filter(filter_id: Id, user: WriterUser,
                              platform: PlatformDep) -> MessageResponse:
    """Delete one of your saved filters."""
    await platform.db.run(saved_filters.delete_saved_filter, user.user_id, filter_id)
    return MessageResponse(message="Saved filter deleted")


# ------------------------------------------------------------------ inspirations
@router.get("/inspirations", responses=error_responses(Unauthorized))
async def list_inspirations(
    viewer: OptionalUser, platform: PlatformDep, page: PageDep,
    type: Annotated[str | None, Query(max_length=30)] = None,
    style: Annotated[str | None, Query(max_length=50)] = None,
    featured: bool | None = None, trending: bool | None = None,
) -> InspirationListResponse:
    """Stored inspirations, newest first; filters type, style, featured, trending."""
    rows, total = await platform.db.read(
        service.list_inspirations, viewer.user_id if viewer else None, page,
        inspiration_type=None if type in (None, "all") else type, style=style,
        featured=featured, trending=trending)
    return InspirationListResponse(inspirations=rows, pagination=Pagination.build(page, total))


@router.post("/inspirations", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def create_inspiration(body: InspirationCreate, user: WriterUser,
                             platform: PlatformDep) -> InspirationResponse:
    """Share an inspiration (the creator is the caller)."""
    row = await platform.db.run(service.create_inspiration, user.user_id, body)
    return InspirationResponse(inspiration=row, message="Inspiration shared")


@router.get("/inspirations/{inspiration_id}", responses=error_responses(Unauthorized, NotFound))
async def get_inspiration(inspiration_id: Id, viewer: OptionalUser,
                          platform: PlatformDep) -> InspirationResponse:
    """One inspiration (counts a view)."""
    row = await platform.db.run(service.get_inspiration, viewer.user_id if viewer else None,
                                inspiration_id)
    return InspirationResponse(inspiration=row)


# ------------------------------------------------------------------ trends
TrendCategory = Literal["all", "hashtag", "style", "colour"]
TrendStage = Literal["all", "emerging", "growing", "peak", "declining"]


@router.get("/trends", responses=error_responses(Unauthorized))
async def trends(viewer: OptionalUser, platform: PlatformDep, category: TrendCategory = "all",
                 stage: TrendStage = "all",
                 limit: Annotated[int, Query(ge=1, le=100)] = 50,
                 include_hidden: bool = False) -> TrendListResponse:
    """Detected trends with their stage and figures (include_hidden: moderators only)."""
    show_hidden = include_hidden and viewer is not None and viewer.is_moderator
    rows, summary, detected = await platform.db.read(
        service.list_trends, None if category == "all" else category,
        None if stage == "all" else stage, limit, include_hidden=show_hidden)
    return TrendListResponse(trends=rows, trend_summary=summary, detected_at=detected)


@router.post("/trends/refresh", responses=error_responses(Unauthorized, Forbidden))
async def refresh_trends(user: ModeratorUser, platform: PlatformDep) -> TrendRefreshResponse:
    """Run trend detection now (moderators and admins)."""
    result = await platform.db.run(tasks.detect_trends)
    return TrendRefreshResponse(result=result, message="Trends refreshed")


@router.post("/trends/{trend_id}/hide", responses=error_responses(Unauthorized, Forbidden,
                                                                  NotFound))
async def hide_trend(trend_id: Id, user: ModeratorUser, platform: PlatformDep) -> TrendResponse:
    """Hide a trend from everyone (moderators and admins)."""
    row = await platform.db.run(service.hide_trend, user.user_id, trend_id)
    return TrendResponse(trend=row, message="Trend hidden")


@hashtag_router.post("/{tag}/follow", status_code=201,
                     responses=error_responses(Unauthorized, Forbidden, Conflict))
async def follow_hashtag(tag: Tag, user: WriterUser,
                         platform: PlatformDep) -> HashtagFollowResponse:
    """Follow a hashtag: its posts join your "for you" candidates."""
    row = await platform.db.run(feedback.follow_hashtag, user.user_id, tag)
    return HashtagFollowResponse(hashtag=row, message=f"Following #{row.tag}")


@hashtag_router.delete("/{tag}/follow", responses=error_responses(Unauthorized, Forbidden,
                                                                  NotFound))
async def unfollow_hashtag(tag: Tag, user: WriterUser,
                           platform: PlatformDep) -> HashtagFollowResponse:
    """Stop following a hashtag."""
    row = await platform.db.run(feedback.unfollow_hashtag, user.user_id, tag)
    return HashtagFollowResponse(hashtag=row, message=f"Unfollowed #{row.tag}")


# ------------------------------------------------------------------ mood boards
@router.get("/moodboards", responses=error_responses(Unauthorized))
async def list_moodboards(viewer: OptionalUser, platform: PlatformDep, page: PageDep,
                          user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                          ) -> MoodBoardListResponse:
    """Your boards and those shared with you; with `user_id`, that user's boards you may see."""
    rows, total = await platform.db.read(boards.list_boards, viewer.user_id if viewer else None,
                                         page, user_id=user_id)
    return MoodBoardListResponse(moodboards=rows, pagination=Pagination.build(page, total))


@router.post("/moodboards", status_code=201, responses=error_responses(Unauthorized, Forbidden))
async def create_moodboard(body: MoodBoardCreate, user: WriterUser,
                           platform: PlatformDep) -> MoodBoardResponse:
    """Create a mood board (private unless `is_public`)."""
    board = await platform.db.run(boards.create_board, user.user_id, body)
    return MoodBoardResponse(moodboard=board, message="Mood board created")


@router.get("/moodboards/{board_id}", responses=error_responses(Unauthorized, NotFound))
async def get_moodboard(board_id: Id, viewer: OptionalUser,
                        platform: PlatformDep) -> MoodBoardResponse:
    """A board with its items, collaborators and palette."""
    board = await platform.db.read(boards.get_board, viewer.user_id if viewer else None, board_id)
    return MoodBoardResponse(moodboard=board)


@router.put("/moodboards/{board_id}", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def update_moodboard(board_id: Id, body: MoodBoardUpdate, user: WriterUser,
                           platform: PlatformDep) -> MoodBoardResponse:
    """Owner only."""
    board = await platform.db.run(boards.update_board, user.user_id, board_id, body)
    return MoodBoardResponse(moodboard=board, message="Mood board updated")


@router.delete("/moodboards/{board_id}", responses=error_responses(Unauthorized, Forbidden,
                                                                   NotFound))
async def delete_moodboard(board_id: Id, user: WriterUser,
                           platform: PlatformDep) -> MessageResponse:
    """Owner only."""
    await platform.db.run(boards.delete_board, user.user_id, board_id)
    return MessageResponse(message="Mood board deleted")


@router.post("/moodboards/{board_id}/items", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict))
async def add_moodboard_item(board_id: Id, body: MoodBoardItemCreate, user: WriterUser,
                             platform: PlatformDep) -> MoodBoardItemResponse:
    """Owner or editor: pin a post, an own image, a colour or a note."""
    item, palette = await platform.db.run(boards.add_item, user.user_id, board_id, body)
    return MoodBoardItemResponse(item=item, palette=palette, message="Added to the board")


@router.delete("/moodboards/{board_id}/items/{item_id}",
               responses=error_responses(Unauthorized, Forbidden, NotFound))
async def remove_moodboard_item(board_id: Id, item_id: Id, user: WriterUser,
                                platform: PlatformDep) -> MessageResponse:
    """Owner or editor."""
    await platform.db.run(boards.remove_item, user.user_id, board_id, item_id)
    return MessageResponse(message="Removed from the board")


@router.post("/moodboards/{board_id}/collaborators", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict))
async def add_collaborator(board_id: Id, body: CollaboratorAdd, user: WriterUser,
                           platform: PlatformDep) -> CollaboratorResponse:
    """Owner only: invite an editor or a viewer."""
    row = await platform.db.run(boards.add_collaborator, user.user_id, board_id, body)
    return CollaboratorResponse(collaborator=row, message="Collaborator added")


@router.delete("/moodboards/{board_id}/collaborators/{member_id}",
               responses=error_responses(Unauthorized, Forbidden, NotFound))
async def remove_collaborator(board_id: Id, member_id: Id, user: WriterUser,
                              platform: PlatformDep) -> MessageResponse:
    """The owner removes a collaborator, or a collaborator leaves."""
    await platform.db.run(boards.remove_collaborator, user.user_id, board_id, member_id)
    return MessageResponse(message="Collaborator removed")


# ------------------------------------------------------------------ discover
@router.get("/discover", responses=error_responses(Unauthorized))
async def discover(viewer: OptionalUser, platform: PlatformDep) -> DiscoverResponse:
    """Explore: trending posts, colours, style categories, communities, challenges."""
    data = await platform.db.read(service.discover, viewer.user_id if viewer else None)
    return DiscoverResponse(exploration_results=data)


@router.get("/discovery/explore", responses=error_responses(Unauthorized))
async def discovery_explore(viewer: OptionalUser, platform: PlatformDep) -> DiscoverResponse:
    """Alias of GET /discover (the original's path)."""
    return await discover(viewer, platform)


# ------------------------------------------------------------------ recommendations
@router.get("/recommendations", responses=error_responses(Unauthorized))
async def recommendations(user: CurrentUser, platform: PlatformDep, type: RecType = "posts",
                          limit: Annotated[int, Query(ge=1, le=50)] = 20,
                          ) -> RecommendationListResponse:
    """Hybrid recommendations (content, co-engagement, follow graph), each explained."""
    rows = await platform.db.read(recommend.recommendations, user.user_id, type, limit)
    return RecommendationListResponse(recommendations=rows)


@router.post("/recommendations/{rec_id}/rate",
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def rate_recommendation(
    rec_id: Annotated[str, Path(max_length=24, pattern=r"^(post|user|community|event)-\d{1,10}$")],
    body: RatingCreate, user: WriterUser, platform: PlatformDep,
) -> RatingResponse:
    """Rate a recommendation 1–5; later recommendations change accordingly."""
    row = await platform.db.run(recommend.rate, user.user_id, rec_id, body)
    return RatingResponse(rating=row, message="Thanks for the feedback")


# ------------------------------------------------------------------ search
@search_router.get("", responses=error_responses(Unauthorized))
async def search_all(
    viewer: OptionalUser, platform: PlatformDep, page: PageDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    facets: PostFilterDep,
    type: Literal["posts", "profiles", "communities", "tags"] = "posts",
) -> SearchResponse:
    """Full-text search; operators colour:, brand:, category:, tag: (or #tag), and the outfit
    filters occasion:, season:, weather:, formality:, price:, max_price: (also accepted as query
    parameters; posts only). `q` may hold only outfit operators: the newest matching posts."""
    hits, total, parsed = await platform.db.read(search.search, viewer.user_id if viewer else None,
                                                 q, type, page, facets)
    ops = {k: ", ".join(v) for k, v in parsed.filters.items()}
    ops.update(parsed.post_filter.values())
    return SearchResponse(query=q, type=type, results=hits,
                          pagination=Pagination.build(page, total), operators=ops)


# ------------------------------------------------------------------ style wrapped
PeriodParam = Annotated[str, Query(
    min_length=4, max_length=7, pattern=wrapped.PERIOD_RE, examples=["2026-11", "2026"],
    description="YYYY-MM (a calendar month) or YYYY (a year), in UTC")]
OwnerParam = Annotated[int | None, Query(
    ge=1, le=2**31 - 1, description="must be your own id: reports are private (else 404)")]
PNG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
          "description": "The card, 1080×1350 PNG"}}


async def _wrapped(platform: Platform, user: Principal, period: str,
                   user_id: int | None) -> WrappedRead:
    """The caller's report (cached briefly); asking for anyone else's is a 404."""
    parsed = wrapped.parse_period(period)
    if user_id is not None and user_id != user.user_id:
        raise NotFound("Report not found", code="wrapped_not_found")

    async def produce() -> WrappedRead:
        # a heavy year (1,000 looks) takes ~0.2 s: off the event loop, like other roll-ups
        return await platform.db.run_in_thread(wrapped.wrapped_report, user.user_id, parsed)

    raw = await cached_value(platform, wrapped.report_key(user.user_id, parsed),
                             wrapped.REPORT_TTL, produce)
    return WrappedRead.model_validate(raw)


@router.get("/wrapped", responses=error_responses(Unauthorized, NotFound))
async def style_wrapped(user: CurrentUser, platform: PlatformDep, period: PeriodParam,
                        user_id: OwnerParam = None) -> WrappedResponse:
    """Your Style Wrapped for a month or a year: colours, categories, brands, most-reacted
    looks, challenge places, new followers. Your own only; a future period gives zeros."""
    return WrappedResponse(wrapped=await _wrapped(platform, user, period, user_id))


@router.get("/wrapped/card.png", response_class=Response,
            responses={**PNG_RESPONSE, **error_responses(Unauthorized, NotFound)})
async def style_wrapped_card(user: CurrentUser, platform: PlatformDep, period: PeriodParam,
                             user_id: OwnerParam = None) -> Response:
    """Your Style Wrapped as a shareable 1080×1350 PNG card."""
    report = await _wrapped(platform, user, period, user_id)

    async def draw() -> bytes:
        return await asyncio.to_thread(render_card, report)

    png = await cached(platform, wrapped.card_key(report), wrapped.CARD_TTL, draw)
    return Response(png, media_type="image/png", headers={
        "Cache-Control": "private, max-age=60",
        "Content-Disposition": f'inline; filename="style-wrapped-{report.period}.png"'})


@wrapped_alias_router.get("/wrapped", responses=error_responses(Unauthorized, NotFound))
async def social_wrapped(user: CurrentUser, platform: PlatformDep, period: PeriodParam,
                         user_id: OwnerParam = None) -> WrappedResponse:
    """Alias of GET /api/inspiration/wrapped (the path of the API contract)."""
    return await style_wrapped(user, platform, period, user_id)


@wrapped_alias_router.get("/wrapped/{period}.png", response_class=Response,
                          responses={**PNG_RESPONSE, **error_responses(Unauthorized, NotFound)})
async def social_wrapped_card(
    user: CurrentUser, platform: PlatformDep,
    period: Annotated[str, Path(min_length=4, max_length=7, pattern=wrapped.PERIOD_RE)],
) -> Response:
    """Alias of GET /api/inspiration/wrapped/card.png (the path of the API contract)."""
    return await style_wrapped_card(user, platform, period)
