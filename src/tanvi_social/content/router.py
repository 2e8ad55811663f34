"""`/api/content`: posts, comments, reactions, shares, saves, collections, challenges;
`/p/{id}`: the public web page a shared link opens."""

from __future__ import annotations

import html
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from tanvi_social.accounts.deps import (
    BEARER_SECURITY,
    Bearer,
    OptionalUser,
    Principal,
    WriterUser,
    request_principal,
    request_writer,
    require_writer,
)
from tanvi_social.content import (
    card_cache,
    challenges,
    collections,
    comments,
    create_batch,
    discovery,
    engagement,
    list_cache,
    remix,
    service,
)
from tanvi_social.content.filter_params import PostFilterDep
from tanvi_social.content.schemas import (
    AnalysisResponse,
    BrandFitResponse,
    ChallengeCreate,
    ChallengeListResponse,
    ChallengeResponse,
    CollectionCreate,
    CollectionDetailResponse,
    CollectionItemCreate,
    CollectionItemResponse,
    CollectionListResponse,
    CollectionResponse,
    CollectionUpdate,
    CommentCreate,
    CommentLikeResponse,
    CommentListResponse,
    CommentResponse,
    CommentUpdate,
    EntryListResponse,
    EntryResponse,
    EntrySubmit,
    ParticipationResponse,
    PeriodIn,
    PostCreate,
    PostListResponse,
    PostResponse,
    PostTypeIn,
    PostUpdate,
    ReactionCountsResponse,
    ReactionRequest,
    ReactionResponse,
    RemixListResponse,
    SaveListResponse,
    SaveRequest,
    SaveResponse,
    ShareRequest,
    ShareResponse,
    ShopResponse,
    SimilarPaletteResponse,
    SortIn,
    VoteResponse,
)
from tanvi_social.core.deps import PlatformDep, enforce_rate_limit
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unauthorized
from tanvi_social.core.pagination import PageDep, Pagination
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import MessageResponse, error_responses

router = APIRouter(prefix="/api/content", tags=["content"])
web_router = APIRouter(tags=["content"])
mobile_router = APIRouter(prefix="/api/social", tags=["mobile"])
extra_routers = [web_router, mobile_router]

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


async def _limited_writer(request: Request, response: Response, credentials: Bearer) -> Principal:
    """The signed-in writer (`WriterUser`'s answers), counted against the writes per user per
    minute (`TANVI_RATE_LIMIT_WRITES_PER_MINUTE`). One dependency for both: FastAPI solves a
    dependency's own dependencies on every use, so a limit depending on `WriterUser` beside a
    `WriterUser` parameter was five dependency nodes per write; this is two."""
    user = await require_writer(request, credentials)
    await _count_write(request, response, user)
    return user


async def _count_write(request: Request, response: Response, user: Principal) -> None:
    platform: Platform = request.app.state.platform
    await enforce_rate_limit(platform, response, f"content_write:u{user.user_id}",
                             platform.settings.rate_limit_writes_per_minute, 60,
                             "Too many writes; slow down")


async def _posting_writer(request: Request, response: Response) -> Principal:
    """`LimitedWriter` for `POST /posts`, the hottest write: one dependency node instead of
    three (no bearer-scheme sub-dependency; the route documents `BEARER_SECURITY`)."""
    user = await request_writer(request)
    await _count_write(request, response, user)
    return user


LimitedWriter = Annotated[Principal, Depends(_limited_writer)]
PostingWriter = Annotated[Principal, Depends(_posting_writer)]
AUTH = (Unauthorized, Forbidden, 429)
CHANGED: dict[int | str, dict[str, Any]] = {
    200: {"model": ReactionResponse, "description": "The reaction type was changed"}}


def base(platform: Platform) -> str:
    return platform.settings.public_base_url


# --- posts -----------------------------------------------------------------------------------

@router.get("/posts", response_model=PostListResponse, responses=error_responses(Unauthorized))
async def list_posts(
    user: OptionalUser, platform: PlatformDep, page: PageDep, facets: PostFilterDep,
    type: PostTypeIn | Literal["repost"] | None = Query(default=None, description="post_type"),
    user_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    tag: str | None = Query(default=None, min_length=1, max_length=100),
    community_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    challenge_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    sort: SortIn = "new",
    period: PeriodIn = Query(default="all", description="Only posts from this period"),
    drafts: bool = Query(default=False, description="Your own drafts instead"),
) -> Response:
    """Posts the caller may see; filters and `sort=hot|new|top` (docs/algorithms.md).

    `occasion`, `season`, `weather`, `formality`, `price` and `max_price` filter by the outfit
    (docs/content.md → "Outfit filters"); a repost matches when its original does.

    The newest posts without filters (`sort=new`) are served from cached pieces kept current by
    events (docs/content.md → "Listing cache"); `X-Cache: hit` says no SQL ran.
    """
    viewer = user.user_id if user else None
    if (sort == "new" and period == "all" and not drafts and type is None and user_id is None
            and tag is None and community_id is None and challenge_id is None
            and not facets.active):
        served = await list_cache.serve(platform, viewer, page, base(platform))
        if served is not None:
            return Response(served.body, media_type="application/json",
                            headers={"X-Cache": "hit" if served.hit else "miss"})
    filters = service.PostFilters(post_type=type, user_id=user_id, tag=tag,
                                  community_id=community_id, challenge_id=challenge_id,
                                  sort=sort, period=period, drafts=drafts, facets=facets)
    posts, total = await platform.db.read(service.list_posts, viewer, filters, page,
                                          base(platform))
    body = PostListResponse(posts=posts, pagination=Pagination.build(page, total))
    return Response(body.model_dump_json().encode(), media_type="application/json",
                    headers={"X-Cache": "miss"})


@router.post("/posts", status_code=201,
             responses=error_responses(*AUTH, NotFound, Forbidden, InvalidState),
             openapi_extra=BEARER_SECURITY)
async def create_post(body: PostCreate, user: PostingWriter, request: Request) -> PostResponse:
    """Create a post (1–10 of your images and/or a caption) or a draft.

    `remix_of` recreates a look: the original must be visible to you (else 404) and its
    `remix_policy` must let you (else 403 `remix_not_allowed` / `remix_followers_only`).
    """
    platform: Platform = request.app.state.platform
    # with the creates that arrive together: one unit of work, one commit (content/create_batch.py)
    post = (await create_batch.batcher(platform).create(user.user_id, body, request.client)).post
    return PostResponse(post=post, message="Draft saved" if post.is_draft else "Post published")


@router.get("/posts/{post_id}", response_model=PostResponse,
            responses=error_responses(Unauthorized, NotFound),
            openapi_extra=BEARER_SECURITY)
async def get_post(post_id: Id, request: Request) -> Response:
    """One post with its author card, images, analysis and the caller's own state.

    Served from cached pieces kept current by events, with no SQL on a hit (docs/content.md →
    "Post card cache"); `X-Cache: hit` says so. Posts the cache does not serve (drafts, held,
    community posts, reposts and remixes, …) take the full read.
    """
    # the request alone (no dependency solving): this is the hottest read of the service
    platform: Platform = request.app.state.platform
    # the session's checks and the card's pieces in one cache round trip (one MGET on Redis)
    user, pieces = await request_principal(
        request, lambda user_id: card_cache.piece_keys(user_id, post_id))
    viewer = user.user_id if user else None
    served = await card_cache.serve(platform, viewer, post_id, base(platform), pieces)
    if served is not None:
        return Response(served.body, media_type="application/json",
                        headers={"X-Cache": "hit" if served.hit else "miss"})
    post = await platform.db.read(service.get_post, viewer, post_id, base(platform))
    return Response(PostResponse(post=post).model_dump_json().encode(),
                    media_type="application/json", headers={"X-Cache": "miss"})


@router.put("/posts/{post_id}",
            responses=error_responses(*AUTH, NotFound, InvalidState))
async def update_post(post_id: Id, body: PostUpdate, user: LimitedWriter,
                      platform: PlatformDep) -> PostResponse:
    """Edit your post (sets `edited_at`); `is_draft: false` publishes a draft."""
    post = await platform.db.run(service.update_post, user.user_id, post_id, body,
                                 base(platform))
    return PostResponse(post=post, message="Post updated")


@router.delete("/posts/{post_id}", responses=error_responses(*AUTH, NotFound))
async def delete_post(post_id: Id, user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Delete your post (counters are corrected)."""
    await platform.db.run(service.delete_post, user.user_id, post_id)
    return MessageResponse(message="Post deleted")


@router.get("/posts/{post_id}/analysis", responses=error_responses(Unauthorized, NotFound))
async def get_analysis(post_id: Id, user: OptionalUser, platform: PlatformDep) -> AnalysisResponse:
    """The post's `ai_analysis` with the reasons behind each score."""
    result = await platform.db.read(service.get_analysis, user.user_id if user else None, post_id)
    return AnalysisResponse(ai_analysis=result)


@router.get("/posts/{post_id}/remixes", responses=error_responses(Unauthorized, NotFound))
async def post_remixes(post_id: Id, user: OptionalUser, platform: PlatformDep,
                       page: PageDep) -> RemixListResponse:
    """Remixes of a post that you may see, newest first (`remix_count` counts them all)."""
    posts, total = await platform.db.read(remix.list_remixes, user.user_id if user else None,
                                          post_id, page, base(platform))
    return RemixListResponse(post_id=post_id, remixes=posts,
                             pagination=Pagination.build(page, total))


@router.get("/posts/{post_id}/shop", responses=error_responses(Unauthorized, NotFound))
async def post_shop(post_id: Id, user: OptionalUser, platform: PlatformDep) -> ShopResponse:
    """The shoppable list: garments tagged on the photos, then outfit items with a brand/link."""
    items = await platform.db.read(discovery.shop, user.user_id if user else None, post_id)
    return ShopResponse(post_id=post_id, items=items)


@router.get("/posts/{post_id}/similar-palette", responses=error_responses(Unauthorized, NotFound))
async def similar_palette(post_id: Id, user: OptionalUser, platform: PlatformDep,
                          limit: int = Query(default=12, ge=1, le=50)) -> SimilarPaletteResponse:
    """Posts whose photo palettes are closest to this one's (CIEDE2000)."""
    similar = await platform.db.read(discovery.similar_palette, user.user_id if user else None,
                                     post_id, limit, base(platform))
    return SimilarPaletteResponse(post_id=post_id, similar=similar)


@router.get("/brands/{name}/fit", responses=error_responses(Unauthorized))
async def brand_fit(name: Annotated[str, Path(min_length=1, max_length=80)], user: OptionalUser,
                    platform: PlatformDep) -> BrandFitResponse:
    """How a brand fits, summed from the fit notes tagged on posts' photos, per category."""
    rows = await platform.db.read(discovery.brand_fit, user.user_id if user else None, name)
    return BrandFitResponse(brand=name, fit=rows)


# --- reactions -------------------------------------------------------------------------------

async def _react(post_id: int, body: ReactionRequest | None, user: WriterUser,
                 platform: Platform, response: Response) -> ReactionResponse:
    kind = body.like_type if body else "like"
    result, created = await platform.db.run(engagement.react, user.user_id, post_id, kind)
    response.status_code = 201 if created else 200
    return ReactionResponse(like=result, message="Reaction added" if created
                            else "Reaction changed")


@router.post("/posts/{post_id}/likes", status_code=201,
             responses={**error_responses(*AUTH, NotFound, Conflict), **CHANGED})
async def like_post(post_id: Id, user: LimitedWriter, platform: PlatformDep, response: Response,
                    body: ReactionRequest | None = None) -> ReactionResponse:
    """React (like/love/fire/style_goals). 201 new; 200 type changed; 409 same again."""
    return await _react(post_id, body, user, platform, response)


@router.post("/posts/{post_id}/like", status_code=201,
             responses={**error_responses(*AUTH, NotFound, Conflict), **CHANGED})
async def like_post_alias(post_id: Id, user: LimitedWriter, platform: PlatformDep,
                          response: Response, body: ReactionRequest | None = None
                          ) -> ReactionResponse:
    """Alias of POST /posts/{id}/likes (the original's path)."""
    return await _react(post_id, body, user, platform, response)


@router.delete("/posts/{post_id}/likes", responses=error_responses(*AUTH, NotFound))
async def unlike_post(post_id: Id, user: WriterUser, platform: PlatformDep) -> ReactionResponse:
    """Remove your reaction."""
    result = await platform.db.run(engagement.unreact, user.user_id, post_id)
    return ReactionResponse(like=result, message="Reaction removed")


@router.get("/posts/{post_id}/likes", responses=error_responses(Unauthorized, NotFound))
async def reaction_counts(post_id: Id, user: OptionalUser,
                          platform: PlatformDep) -> ReactionCountsResponse:
    """Reaction counts by type and the caller's own reaction."""
    counts, state = await platform.db.read(engagement.get_reactions,
                                           user.user_id if user else None, post_id)
    return ReactionCountsResponse(post_id=post_id, counts=counts, viewer=state)


# --- comments --------------------------------------------------------------------------------

async def _comment(post_id: int, body: CommentCreate, user: WriterUser,
                   platform: Platform) -> CommentResponse:
    comment = await platform.db.run(comments.add_comment, user.user_id, post_id, body.content,
                                    body.parent_comment_id)
    return CommentResponse(comment=comment, message="Comment added")


@router.post("/posts/{post_id}/comments", status_code=201,
             responses=error_responses(*AUTH, NotFound))
async def add_comment(post_id: Id, body: CommentCreate, user: LimitedWriter,
                      platform: PlatformDep) -> CommentResponse:
    """Comment, or reply with `parent_comment_id` (threads nest 3 levels deep)."""
    return await _comment(post_id, body, user, platform)


@router.post("/posts/{post_id}/comment", status_code=201,
             responses=error_responses(*AUTH, NotFound))
async def add_comment_alias(post_id: Id, body: CommentCreate, user: LimitedWriter,
                            platform: PlatformDep) -> CommentResponse:
    """Alias of POST /posts/{id}/comments (the original's path)."""
    return await _comment(post_id, body, user, platform)


@router.get("/posts/{post_id}/comments", responses=error_responses(Unauthorized, NotFound))
async def list_comments(post_id: Id, user: OptionalUser, platform: PlatformDep,
                        page: PageDep) -> CommentListResponse:
    """Top-level comments (oldest first) with their replies nested."""
    items, total = await platform.db.read(comments.list_comments,
                                          user.user_id if user else None, post_id, page)
    return CommentListResponse(comments=items, pagination=Pagination.build(page, total))


@router.put("/comments/{comment_id}",
            responses=error_responses(*AUTH, NotFound))
async def update_comment(comment_id: Id, body: CommentUpdate, user: LimitedWriter,
                         platform: PlatformDep) -> CommentResponse:
    """Edit your comment."""
    comment = await platform.db.run(comments.update_comment, user.user_id, comment_id,
                                    body.content)
    return CommentResponse(comment=comment, message="Comment updated")


@router.delete("/comments/{comment_id}", responses=error_responses(*AUTH, NotFound))
async def delete_comment(comment_id: Id, user: WriterUser,
                         platform: PlatformDep) -> MessageResponse:
    """Delete a comment: its author, the post's author, or a moderator."""
    await platform.db.run(comments.delete_comment, user.user_id, comment_id, user.is_moderator)
    return MessageResponse(message="Comment deleted")


@router.post("/comments/{comment_id}/likes", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict))
async def like_comment(comment_id: Id, user: LimitedWriter,
                       platform: PlatformDep) -> CommentLikeResponse:
    """Like a comment (once)."""
    result = await platform.db.run(comments.like_comment, user.user_id, comment_id)
    return CommentLikeResponse(like=result, message="Comment liked")


@router.delete("/comments/{comment_id}/likes", responses=error_responses(*AUTH, NotFound))
async def unlike_comment(comment_id: Id, user: WriterUser,
                         platform: PlatformDep) -> CommentLikeResponse:
    """Remove your like from a comment."""
    result = await platform.db.run(comments.unlike_comment, user.user_id, comment_id)
    return CommentLikeResponse(like=result, message="Comment like removed")


# --- shares ----------------------------------------------------------------------------------

async def _share(post_id: int, body: ShareRequest, user: WriterUser,
                 platform: Platform) -> ShareResponse:
    share = await platform.db.run(engagement.share_post, user.user_id, post_id, body,
                                  base(platform))
    return ShareResponse(share=share, message="Post shared")


@router.post("/posts/{post_id}/shares", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict, InvalidState))
async def share_post(post_id: Id, body: ShareRequest, user: LimitedWriter,
                     platform: PlatformDep) -> ShareResponse:
    """Repost to your followers, get an external share URL, or send to someone."""
    return await _share(post_id, body, user, platform)


@router.post("/posts/{post_id}/share", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict, InvalidState))
async def share_post_alias(post_id: Id, body: ShareRequest, user: LimitedWriter,
                           platform: PlatformDep) -> ShareResponse:
    """Alias of POST /posts/{id}/shares (the original's path)."""
    return await _share(post_id, body, user, platform)


# --- saves -----------------------------------------------------------------------------------

async def _save(post_id: int, body: SaveRequest | None, user: WriterUser,
                platform: Platform) -> SaveResponse:
    save = await platform.db.run(engagement.save_post, user.user_id, post_id,
                                 body or SaveRequest(), base(platform))
    return SaveResponse(save=save, message="Post saved")


@router.post("/posts/{post_id}/saves", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict))
async def save_post(post_id: Id, user: LimitedWriter, platform: PlatformDep,
                    body: SaveRequest | None = None) -> SaveResponse:
    """Save a post, optionally into one of your collections, with notes and a reason."""
    return await _save(post_id, body, user, platform)


@router.post("/posts/{post_id}/save", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict))
async def save_post_alias(post_id: Id, user: LimitedWriter, platform: PlatformDep,
                          body: SaveRequest | None = None) -> SaveResponse:
    """Alias of POST /posts/{id}/saves (the original's path)."""
    return await _save(post_id, body, user, platform)


@router.delete("/posts/{post_id}/saves", responses=error_responses(*AUTH, NotFound))
async def unsave_post(post_id: Id, user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Remove your save."""
    await platform.db.run(engagement.unsave_post, user.user_id, post_id)
    return MessageResponse(message="Save removed")


@router.get("/saves", responses=error_responses(Unauthorized))
async def list_saves(user: WriterUser, platform: PlatformDep, page: PageDep,
                     collection_id: int | None = Query(default=None, ge=1, le=2_147_483_647)
                     ) -> SaveListResponse:
    """Your saved posts (only those you can still see), newest first."""
    items, total = await platform.db.read(engagement.list_saves, user.user_id, collection_id,
                                          page, base(platform))
    return SaveListResponse(saves=items, pagination=Pagination.build(page, total))


# --- collections -----------------------------------------------------------------------------

@router.get("/collections", responses=error_responses(Unauthorized))
async def list_collections(user: OptionalUser, platform: PlatformDep, page: PageDep,
                           user_id: int | None = Query(default=None, ge=1, le=2_147_483_647)
                           ) -> CollectionListResponse:
    """Your collections (and those you contribute to), or `user_id`'s visible ones."""
    if user is None and user_id is None:
        raise Unauthorized("Sign in or give user_id", code="not_authenticated")
    items, total = await platform.db.read(collections.list_collections,
                                          user.user_id if user else None, user_id, page)
    return CollectionListResponse(collections=items, pagination=Pagination.build(page, total))


@router.post("/collections", status_code=201,
             responses=error_responses(*AUTH))
async def create_collection(body: CollectionCreate, user: LimitedWriter,
                            platform: PlatformDep) -> CollectionResponse:
    """Create a collection (private by default; collaborative with contributors)."""
    item = await platform.db.run(collections.create_collection, user.user_id, body)
    return CollectionResponse(collection=item, message="Collection created")


@router.get("/collections/{collection_id}", responses=error_responses(Unauthorized, NotFound))
async def get_collection(collection_id: Id, user: OptionalUser, platform: PlatformDep,
                         page: PageDep) -> CollectionDetailResponse:
    """A collection and its items (posts you may see)."""
    item, items, total = await platform.db.read(
        collections.get_collection, user.user_id if user else None, collection_id, page,
        base(platform))
    return CollectionDetailResponse(collection=item, items=items,
                                    pagination=Pagination.build(page, total))


@router.put("/collections/{collection_id}",
            responses=error_responses(*AUTH, NotFound))
async def update_collection(collection_id: Id, body: CollectionUpdate, user: LimitedWriter,
                            platform: PlatformDep) -> CollectionResponse:
    """Change your collection (its owner only)."""
    item = await platform.db.run(collections.update_collection, user.user_id, collection_id,
                                 body)
    return CollectionResponse(collection=item, message="Collection updated")


@router.delete("/collections/{collection_id}", responses=error_responses(*AUTH, NotFound))
async def delete_collection(collection_id: Id, user: WriterUser,
                            platform: PlatformDep) -> MessageResponse:
    """Delete your collection (saves stay, unfiled)."""
    await platform.db.run(collections.delete_collection, user.user_id, collection_id)
    return MessageResponse(message="Collection deleted")


@router.post("/collections/{collection_id}/items", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict))
async def add_collection_item(collection_id: Id, body: CollectionItemCreate, user: LimitedWriter,
                              platform: PlatformDep) -> CollectionItemResponse:
    """Add a post (owner, or contributors of a collaborative collection)."""
    item = await platform.db.run(collections.add_item, user.user_id, collection_id,
                                 body.post_id, body.notes, base(platform))
    return CollectionItemResponse(item=item, message="Added to collection")


@router.delete("/collections/{collection_id}/items/{item_id}",
               responses=error_responses(*AUTH, NotFound))
async def remove_collection_item(collection_id: Id, item_id: Id, user: WriterUser,
                                 platform: PlatformDep) -> MessageResponse:
    """Remove an item (the owner any; a contributor their own)."""
    await platform.db.run(collections.remove_item, user.user_id, collection_id, item_id)
    return MessageResponse(message="Removed from collection")


# --- challenges ------------------------------------------------------------------------------

@router.get("/challenges", responses=error_responses(Unauthorized))
async def list_challenges(
    user: OptionalUser, platform: PlatformDep, page: PageDep,
    status: Literal["open", "upcoming", "closed"] | None = None,
    type: Literal["style", "color", "theme", "brand", "season"] | None = None,
    difficulty: Literal["easy", "medium", "hard", "expert"] | None = None,
) -> ChallengeListResponse:
    """Challenges, most joined first."""
    items, total = await platform.db.read(challenges.list_challenges,
                                          user.user_id if user else None, status, type,
                                          difficulty, page)
    return ChallengeListResponse(challenges=items, pagination=Pagination.build(page, total))


@router.post("/challenges", status_code=201,
             responses=error_responses(*AUTH))
async def create_challenge(body: ChallengeCreate, user: LimitedWriter,
                           platform: PlatformDep) -> ChallengeResponse:
    """Start a challenge (admins, moderators, verified accounts)."""
    item = await platform.db.run(challenges.create_challenge, user.user_id, body)
    return ChallengeResponse(challenge=item, message="Challenge created")


@router.get("/challenges/{challenge_id}", responses=error_responses(Unauthorized, NotFound))
async def get_challenge(challenge_id: Id, user: OptionalUser,
                        platform: PlatformDep) -> ChallengeResponse:
    """One challenge, its status and winners (once closed)."""
    item = await platform.db.read(challenges.get_challenge, user.user_id if user else None,
                                  challenge_id)
    return ChallengeResponse(challenge=item)


@router.post("/challenges/{challenge_id}/join", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict, InvalidState))
async def join_challenge(challenge_id: Id, user: LimitedWriter,
                         platform: PlatformDep) -> ParticipationResponse:
    """Join a challenge that has not ended."""
    item = await platform.db.run(challenges.join_challenge, user.user_id, challenge_id)
    return ParticipationResponse(challenge=item, message="Joined")


@router.post("/challenges/{challenge_id}/entries", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict, InvalidState))
async def submit_entry(challenge_id: Id, body: EntrySubmit, user: LimitedWriter,
                       platform: PlatformDep) -> EntryResponse:
    """Enter one of your own public posts (one entry per person)."""
    entry = await platform.db.run(challenges.submit_entry, user.user_id, challenge_id,
                                  body.post_id, base(platform))
    return EntryResponse(entry=entry, message="Entry submitted")


@router.get("/challenges/{challenge_id}/entries",
            responses=error_responses(Unauthorized, NotFound))
async def list_entries(challenge_id: Id, user: OptionalUser, platform: PlatformDep,
                       page: PageDep) -> EntryListResponse:
    """Open: shuffled for you, totals hidden. Closed: the leaderboard."""
    items, ordering, total = await platform.db.read(
        challenges.list_entries, user.user_id if user else None, challenge_id, page,
        base(platform))
    return EntryListResponse(entries=items, ordering=ordering,
                             pagination=Pagination.build(page, total))


@router.post("/challenges/{challenge_id}/entries/{entry_id}/vote", status_code=201,
             responses=error_responses(*AUTH, NotFound, Conflict, InvalidState))
async def vote(challenge_id: Id, entry_id: Id, user: LimitedWriter,
               platform: PlatformDep) -> VoteResponse:
    """Vote for an entry (once; not your own; only while open)."""
    result = await platform.db.run(challenges.vote, user.user_id, challenge_id, entry_id)
    return VoteResponse(vote=result, message="Vote counted")


@router.delete("/challenges/{challenge_id}/entries/{entry_id}/vote",
               responses=error_responses(*AUTH, NotFound, InvalidState))
async def unvote(challenge_id: Id, entry_id: Id, user: WriterUser,
                 platform: PlatformDep) -> VoteResponse:
    """Withdraw your vote while the challenge is open."""
    result = await platform.db.run(challenges.unvote, user.user_id, challenge_id, entry_id)
    return VoteResponse(vote=result, message="Vote withdrawn")


# --- the WS6 app's like toggle ------------------------------------------------------------

class MobileLikeResponse(BaseModel):
    success: bool = True
    liked: bool
    likes: int


@mobile_router.post("/posts/{post_id}/like",
                    responses=error_responses(*AUTH, NotFound))
async def mobile_like_toggle(post_id: Id, user: LimitedWriter,
                             platform: PlatformDep) -> MobileLikeResponse:
    """The WS6 app's like button: toggles the caller's like (no body needed)."""
    liked, likes = await platform.db.run(engagement.toggle_like, user.user_id, post_id)
    return MobileLikeResponse(liked=liked, likes=likes)


# --- the public page of a shared post --------------------------------------------------------

@web_router.get("/p/{post_id}", response_class=HTMLResponse,
                responses={200: {"content": {"text/html": {}}, "description": "The post"},
                           404: {"content": {"text/html": {}}, "description": "Not public"}})
async def public_post_page(post_id: Id, platform: PlatformDep) -> HTMLResponse:
    """The minimal, escaped HTML page an external share URL opens (public posts only)."""
    try:
        post, media = await platform.db.read(service.public_post, post_id)
    except NotFound:
        return HTMLResponse(_page("Post not found", "<p>This post is not available.</p>"),
                            status_code=404)
    name = post.author.display_name or post.author.username
    title = f"{name} on Tanvi"
    img = ""
    if media:
        m = media[0]
        alt = html.escape(m.alt_text or "Outfit photo", quote=True)
        img = (f'<img src="{html.escape(m.urls.feed, quote=True)}" alt="{alt}" '
               f'width="{m.width}" height="{m.height}">')
    items = "".join(f"<li>{html.escape(str(i.get('name', '')))}</li>"
                    for i in post.outfit_items)
    body = (f"<article><h1>{html.escape(title)}</h1>{img}"
            f"<p>{html.escape(post.caption)}</p>"
            + (f"<ul>{items}</ul>" if items else "")
            + f"<p>{post.like_count} likes · {post.comment_count} comments</p></article>")
    meta = (f'<meta property="og:title" content="{html.escape(title, quote=True)}">'
            f'<meta property="og:description" '
            f'content="{html.escape(post.caption[:200], quote=True)}">')
    return HTMLResponse(_page(title, body, meta), headers={"Cache-Control": "public, max-age=60"})


def _page(title: str, body: str, meta: str = "") -> str:
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title>{meta}</head><body>{body}</body></html>")
