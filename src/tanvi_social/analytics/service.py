"""Analytics from stored data: per user, per post, platform-wide; and the daily roll-up.

Sources: the activity log (`activities`), posts and their reactions, comments, shares and saves,
and follows (`connections`). Days and hours are UTC.

Roll-ups keep the user and platform figures fast at millions of events: `rollup(session, today)`
counts every complete day once into `analytics_user_daily` (user, day, type, hour) and
`analytics_platform_daily` (day, metric); queries read the rolled days from there and only the
days not yet rolled (normally today) from the raw tables. The job re-rolls the last complete day
each time, so it is idempotent and a late row is counted at the next run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    cast,
    delete,
    distinct,
    extract,
    func,
    insert,
    literal,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tanvi_social.accounts.models import User
from tanvi_social.analytics import scores
from tanvi_social.analytics.models import PlatformDaily, RollupState, UserActivityDaily
from tanvi_social.analytics.schemas import (
    ContentAnalytics,
    DayCount,
    FollowerDay,
    HourStat,
    PlatformAnalytics,
    TypeCount,
    UserAnalytics,
)
from tanvi_social.content.models import Comment, Post, Reaction, Save, Share
from tanvi_social.core.errors import Forbidden, NotFound
from tanvi_social.core.time import utcnow
from tanvi_social.social.models import Activity, Connection

ROLLUP = "daily"
PLATFORM_METRICS = ("new_users", "posts", "reactions", "comments", "shares", "saves", "follows",
                    "activities", "active_users")


# -- dialect helpers --------------------------------------------------------------------------
def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _day(session: Session, col: Any) -> ColumnElement[Any]:
    if _is_sqlite(session):
        return func.date(col)
    return func.to_char(func.timezone("UTC", col), "YYYY-MM-DD")


def _hour(session: Session, col: Any) -> ColumnElement[Any]:
    if _is_sqlite(session):
        return cast(func.strftime("%H", col), Integer)
    return cast(extract("hour", func.timezone("UTC", col)), Integer)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _rolled_until(session: Session) -> date | None:
    state = session.get(RollupState, ROLLUP)
    return state.next_day if state is not None else None


# -- roll-up ----------------------------------------------------------------------------------
def rollup(session: Session, today: date | None = None) -> dict[str, Any]:
    """Roll every complete day up to (not including) `today` into the daily tables."""
    today = today or utcnow().date()
    state = session.get(RollupState, ROLLUP)
    if state is None:
        firsts = [session.scalar(select(func.min(col))) for col, _, _ in
                  _metric_sources().values()]
        candidates = [d.date() for d in firsts if d is not None]
        start = min(candidates) if candidates else today
        state = RollupState(name=ROLLUP, next_day=start, updated_at=utcnow())
        session.add(state)
    # Re-roll the last complete day too (idempotent: delete then count again).
    start = min(state.next_day, today - timedelta(days=1))
    if start >= today:
        return {"from": start.isoformat(), "to": today.isoformat(), "days": 0}
    lo, hi = _midnight(start), _midnight(today)
    session.execute(delete(UserActivityDaily).where(UserActivityDaily.day >= start,
                                                    UserActivityDaily.day < today))
    day, hour = _day(session, Activity.created_at), _hour(session, Activity.created_at)
    grouped = (
        select(Activity.user_id, day, Activity.type, hour, func.count(),
               func.max(Activity.created_at))
        .where(Activity.created_at >= lo, Activity.created_at < hi)
        .group_by(Activity.user_id, day, Activity.type, hour)
    )
    rows = [
        {"user_id": r[0], "day": _as_date(r[1]), "type": r[2], "hour": int(r[3]), "count": r[4],
         "last_at": r[5]}
        for r in session.execute(grouped)
    ]
    if rows:
        session.execute(insert(UserActivityDaily), rows)
    session.execute(delete(PlatformDaily).where(PlatformDaily.day >= start,
                                                PlatformDaily.day < today))
    platform_rows = []
    for metric, per_day in _platform_counts(session, lo, hi).items():
        for d, value in per_day.items():
            platform_rows.append({"day": d, "metric": metric, "value": value})
    if platform_rows:
        session.execute(insert(PlatformDaily), platform_rows)
    state.next_day = today
    state.updated_at = utcnow()
    return {"from": start.isoformat(), "to": today.isoformat(), "days": (today - start).days,
            "user_rows": len(rows), "platform_rows": len(platform_rows)}


def _metric_sources() -> dict[str, tuple[Any, Any, list[Any]]]:
    return {
        "new_users": (User.created_at, func.count(), []),
        "posts": (Post.created_at, func.count(), [Post.is_draft.is_(False)]),
        "reactions": (Reaction.created_at, func.count(), []),
        "comments": (Comment.created_at, func.count(), []),
        "shares": (Share.created_at, func.count(), []),
        "saves": (Save.created_at, func.count(), []),
        "follows": (Connection.created_at, func.count(), [Connection.state == "accepted"]),
        "activities": (Activity.created_at, func.count(), []),
        "active_users": (Activity.created_at, func.count(distinct(Activity.user_id)), []),
    }


def _platform_counts(session: Session, lo: datetime, hi: datetime) -> dict[str, dict[date, int]]:
    out: dict[str, dict[date, int]] = {}
    for metric, (col, agg, where) in _metric_sources().items():
        day = _day(session, col)
        q = select(day, agg).where(col >= lo, col < hi, *where).group_by(day)
        out[metric] = {_as_date(d): int(n) for d, n in session.execute(q)}
    return out


# -- user analytics ---------------------------------------------------------------------------
def _activity_counts(session: Session, user_id: int, start: date,
                     ) -> tuple[Counter[str], Counter[int], Counter[date], datetime | None]:
    """(per type, per hour, per day, last activity) for `user_id` since `start`."""
    by_type: Counter[str] = Counter()
    by_hour: Counter[int] = Counter()
    by_day: Counter[date] = Counter()
    last: datetime | None = None
    rolled = _rolled_until(session)
    live_from = start
    if rolled is not None and rolled > start:
        q = (select(UserActivityDaily.day, UserActivityDaily.type, UserActivityDaily.hour,
                    UserActivityDaily.count, UserActivityDaily.last_at)
             .where(UserActivityDaily.user_id == user_id, UserActivityDaily.day >= start,
                    UserActivityDaily.day < rolled))
        for d, typ, hour, n, at in session.execute(q):
            by_type[typ] += n
            by_hour[hour] += n
            by_day[_as_date(d)] += n
            last = at if last is None or at > last else last
        live_from = rolled
    day, hour_col = _day(session, Activity.created_at), _hour(session, Activity.created_at)
    q2 = (select(day, Activity.type, hour_col, func.count(), func.max(Activity.created_at))
          .where(Activity.user_id == user_id, Activity.created_at >= _midnight(live_from))
          .group_by(day, Activity.type, hour_col))
    for d, typ, hour, n, at in session.execute(q2):
        by_type[typ] += n
        by_hour[int(hour)] += n
        by_day[_as_date(d)] += n
        last = at if last is None or at > last else last
    return by_type, by_hour, by_day, last


def _engagements_on(session: Session, post_filter: Any, since: datetime | None,
                    exclude_user: int | None = None, exclude_authors: bool = False) -> Any:
    """A UNION ALL of (post_id, user_id, kind, created_at) engagement rows on matching posts.

    Kinds: each reaction type (like, love, fire, style_goals), comment (not deleted), share, save.
    An author's engagement with their own post is never counted.
    """
    sources: list[tuple[Any, Any, Any, list[Any]]] = [
        (Reaction, Reaction.user_id, Reaction.reaction_type, []),
        (Comment, Comment.author_id, literal("comment"), [Comment.deleted_at.is_(None)]),
        (Share, Share.user_id, literal("share"), []),
        (Save, Save.user_id, literal("save"), []),
    ]
    parts = []
    for model, user_col, kind, where in sources:
        q = select(model.post_id.label("post_id"), user_col.label("user_id"),
                   kind.label("kind"), model.created_at.label("created_at")) \
            .where(model.post_id.in_(post_filter), *where)
        if since is not None:
            q = q.where(model.created_at >= since)
        if exclude_user is not None:
            q = q.where(user_col != exclude_user)
        if exclude_authors:
            q = q.join(Post, Post.id == model.post_id).where(user_col != Post.author_id)
        parts.append(q)
    return union_all(*parts).subquery()


def user_analytics(session: Session, viewer_id: int, viewer_is_admin: bool, user_id: int,
                   days: int = 30) -> UserAnalytics:
    """Engagement score and insights of `user_id` over the last `days` days (self or admin)."""
    if viewer_id != user_id and not viewer_is_admin:
        raise Forbidden("You can only see your own analytics", code="not_allowed")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    now = utcnow()
    start_day = now.date() - timedelta(days=days - 1)
    since = _midnight(start_day)
    by_type, by_hour, by_day, last = _activity_counts(session, user_id, start_day)
    total = sum(by_type.values())
    peak_hour, peak_count = scores.peak(by_hour)
    score = scores.engagement_score(total, len(by_type), peak_count)

    own_posts = select(Post.id).where(Post.author_id == user_id, Post.deleted_at.is_(None))
    eng = _engagements_on(session, own_posts, since, exclude_user=user_id)
    received: Counter[str] = Counter()
    for kind, n in session.execute(select(eng.c.kind, func.count()).group_by(eng.c.kind)):
        received[kind] += n
    reach = session.scalar(select(func.count(distinct(eng.c.user_id)))) or 0

    followers_now = session.scalar(select(func.count()).where(
        Connection.target_id == user_id, Connection.state == "accepted")) or 0
    fday = _day(session, Connection.created_at)
    new_by_day = {_as_date(d): n for d, n in session.execute(
        select(fday, func.count()).where(Connection.target_id == user_id,
                                         Connection.state == "accepted",
                                         Connection.created_at >= since).group_by(fday))}
    running = followers_now - sum(new_by_day.values())
    growth = []
    for i in range(days):
        d = start_day + timedelta(days=i)
        running += new_by_day.get(d, 0)
        growth.append(FollowerDay(day=d, new_followers=new_by_day.get(d, 0), total=running))

    posts_in_window = session.scalar(select(func.count()).where(
        Post.author_id == user_id, Post.deleted_at.is_(None), Post.is_draft.is_(False),
        Post.created_at >= since)) or 0
    return UserAnalytics(
        user_id=user_id, days=days, since=since, total_activities=total,
        distinct_activity_types=len(by_type),
        activity_types=_type_counts(by_type),
        peak_hour=f"{peak_hour}:00" if peak_hour is not None else None,
        peak_hour_count=peak_count,
        activity_by_hour=[HourStat(hour=h, count=by_hour.get(h, 0)) for h in range(24)],
        activity_by_day=[DayCount(day=start_day + timedelta(days=i),
                                  count=by_day.get(start_day + timedelta(days=i), 0))
                         for i in range(days)],
        last_active=last, engagement_score=score, engagement_level=scores.engagement_level(score),
        recommendations=scores.engagement_advice(score, len(by_type), total),
        posts_published=posts_in_window,
        engagements_received=sum(received.values()),
        engagements_received_by_type=_type_counts(received),
        reach=int(reach), followers=int(followers_now), follower_growth=growth,
        best_posting_hours=_best_hours(session, user_id),
    )


def _type_counts(counter: Counter[str]) -> list[TypeCount]:
    total = sum(counter.values())
    return [TypeCount(type=t, count=n, share=round(n / total, 4) if total else 0.0)
            for t, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def _best_hours(session: Session, user_id: int, top: int = 3) -> list[HourStat]:
    """Hours of day (UTC) whose posts drew the most engagement per post (likes+comments+...)."""
    hour = _hour(session, Post.created_at)
    engagement = Post.like_count + Post.comment_count + Post.share_count + Post.save_count
    rows = session.execute(
        select(hour, func.count(), func.sum(engagement))
        .where(Post.author_id == user_id, Post.deleted_at.is_(None), Post.is_draft.is_(False))
        .group_by(hour))
    stats = [HourStat(hour=int(h), count=int(n), avg_engagement=round(float(s or 0) / n, 3))
             for h, n, s in rows if n]
    stats.sort(key=lambda s: (-(s.avg_engagement or 0), -s.count, s.hour))
    return stats[:top]


# -- content analytics ------------------------------------------------------------------------
def content_analytics(session: Session, viewer_id: int, viewer_is_admin: bool,
                      post_id: int) -> ContentAnalytics:
    """Viral score and insights of one post (its author or an admin)."""
    post = session.get(Post, post_id)
    if post is None or (post.deleted_at is not None and not viewer_is_admin):
        raise NotFound("Post not found")
    if post.author_id != viewer_id and not viewer_is_admin:
        from tanvi_social.content.access import can_view_post

        if not can_view_post(session, viewer_id, post):
            raise NotFound("Post not found")
        raise Forbidden("Only the author can see a post's analytics", code="not_allowed")
    eng = _engagements_on(session, [post_id], None, exclude_user=post.author_id)
    by_kind: Counter[str] = Counter()
    for kind, n in session.execute(select(eng.c.kind, func.count()).group_by(eng.c.kind)):
        by_kind[kind] = n
    total = sum(by_kind.values())
    unique = int(session.scalar(select(func.count(distinct(eng.c.user_id)))) or 0)
    score = scores.viral_score(total, unique, len(by_kind))
    engagers = select(eng.c.user_id)
    followers = select(Connection.follower_id).where(Connection.target_id == post.author_id,
                                                     Connection.state == "accepted")
    audience = union(engagers, followers).subquery()
    reach = int(session.scalar(select(func.count()).select_from(audience)
                               .where(audience.c[0] != post.author_id)) or 0)
    day = _day(session, eng.c.created_at)
    hour = _hour(session, eng.c.created_at)
    by_day = [DayCount(day=_as_date(d), count=n) for d, n in session.execute(
        select(day, func.count()).group_by(day).order_by(day))]
    by_hour = Counter({int(h): n for h, n in session.execute(
        select(hour, func.count()).group_by(hour))})
    created = post.published_at or post.created_at
    age_days = max((utcnow() - created).total_seconds() / 86400, 1 / 24)
    return ContentAnalytics(
        post_id=post.id, author_id=post.author_id, created_at=created,
        total_engagements=total, unique_engagers=unique, distinct_engagement_types=len(by_kind),
        engagement_types=_type_counts(by_kind), viral_score=score,
        performance_level=scores.viral_level(score),
        recommendations=scores.viral_advice(score, len(by_kind), unique),
        engagements_per_engager=round(total / unique, 3) if unique else 0.0,
        reach=reach, engagement_by_day=by_day,
        engagement_by_hour=[HourStat(hour=h, count=by_hour.get(h, 0)) for h in range(24)],
        shares_per_day=round(by_kind.get("share", 0) / age_days, 3),
        engagements_per_day=round(total / age_days, 3),
    )


# -- platform analytics -----------------------------------------------------------------------
def platform_analytics(session: Session, days: int = 30) -> PlatformAnalytics:
    """Platform totals, daily series, 24-hour activity and average scores (admin)."""
    now = utcnow()
    today = now.date()
    start_day = today - timedelta(days=days - 1)
    rolled = _rolled_until(session)
    series: dict[str, dict[date, int]] = defaultdict(dict)
    totals: Counter[str] = Counter()
    live_from = _midnight(rolled) if rolled is not None else datetime(1970, 1, 1, tzinfo=UTC)
    if rolled is not None:
        for d, metric, value in session.execute(
                select(PlatformDaily.day, PlatformDaily.metric, PlatformDaily.value)
                .where(PlatformDaily.day < rolled)):
            d = _as_date(d)
            if metric != "active_users":
                totals[metric] += value
            if d >= start_day:
                series[metric][d] = value
    for metric, per_day in _platform_counts(session, live_from, now + timedelta(days=1)).items():
        for d, value in per_day.items():
            if metric != "active_users":
                totals[metric] += value
            if d >= start_day:
                series[metric][d] = value
    day_list = [start_day + timedelta(days=i) for i in range(days)]
    daily = {m: [DayCount(day=d, count=series[m].get(d, 0)) for d in day_list]
             for m in PLATFORM_METRICS}

    since24 = now - timedelta(hours=24)
    active24 = session.scalar(select(func.count(distinct(Activity.user_id)))
                              .where(Activity.created_at >= since24)) or 0
    activity_types = Counter(dict(session.execute(
        select(Activity.type, func.count()).where(Activity.created_at >= since24)
        .group_by(Activity.type)).tuples().all()))
    recent_posts = select(Post.id).where(Post.deleted_at.is_(None))
    eng24 = _engagements_on(session, recent_posts, since24, exclude_authors=True)
    engagement_types: Counter[str] = Counter(dict(session.execute(
        select(eng24.c.kind, func.count()).group_by(eng24.c.kind)).tuples().all()))
    new_posts_24h = session.scalar(select(func.count()).where(
        Post.created_at >= since24, Post.is_draft.is_(False), Post.deleted_at.is_(None))) or 0

    # Average scores over the window: users with activity, posts with engagement.
    window_start = _midnight(start_day)
    per_user: dict[int, tuple[Counter[str], Counter[int]]] = defaultdict(
        lambda: (Counter(), Counter()))
    if rolled is not None and rolled > start_day:
        for uid, typ, hour, n in session.execute(
                select(UserActivityDaily.user_id, UserActivityDaily.type, UserActivityDaily.hour,
                       func.sum(UserActivityDaily.count))
                .where(UserActivityDaily.day >= start_day, UserActivityDaily.day < rolled)
                .group_by(UserActivityDaily.user_id, UserActivityDaily.type,
                          UserActivityDaily.hour)):
            per_user[uid][0][typ] += int(n)
            per_user[uid][1][int(hour)] += int(n)
        live = _midnight(rolled)
    else:
        live = window_start
    act_hour = _hour(session, Activity.created_at)
    for uid, typ, h, n in session.execute(
            select(Activity.user_id, Activity.type, act_hour, func.count())
            .where(Activity.created_at >= live)
            .group_by(Activity.user_id, Activity.type, act_hour)):
        per_user[uid][0][typ] += n
        per_user[uid][1][int(h)] += n
    user_scores = [scores.engagement_score(sum(t.values()), len(t), max(h.values(), default=0))
                   for t, h in per_user.values()]
    window_posts = select(Post.id).where(Post.deleted_at.is_(None),
                                         Post.created_at >= window_start)
    eng = _engagements_on(session, window_posts, None, exclude_authors=True)
    post_scores = [scores.viral_score(int(total), int(uniq), int(kinds)) for total, uniq, kinds in
                   session.execute(select(func.count(), func.count(distinct(eng.c.user_id)),
                                          func.count(distinct(eng.c.kind)))
                                   .group_by(eng.c.post_id))]
    total_users = totals["new_users"]
    total_activities = totals["activities"]
    total_posts = totals["posts"]
    engagements = totals["reactions"] + totals["comments"] + totals["shares"] + totals["saves"]
    return PlatformAnalytics(
        days=days, generated_at=now, rolled_up_until=rolled,
        totals={k: int(totals[k]) for k in PLATFORM_METRICS if k != "active_users"},
        total_engagements=int(engagements),
        activities_per_user=round(total_activities / total_users, 3) if total_users else 0.0,
        engagements_per_post=round(engagements / total_posts, 3) if total_posts else 0.0,
        active_users_24h=int(active24), new_posts_24h=int(new_posts_24h),
        top_activity_types_24h=_type_counts(activity_types)[:5],
        top_engagement_types_24h=_type_counts(engagement_types)[:5],
        average_engagement_score=round(sum(user_scores) / len(user_scores), 2)
        if user_scores else 0.0,
        users_scored=len(user_scores),
        average_viral_score=round(sum(post_scores) / len(post_scores), 2) if post_scores else 0.0,
        posts_scored=len(post_scores),
        daily=daily,
    )


__all__ = ["content_analytics", "platform_analytics", "rollup", "user_analytics"]
