"""Response models of `/api/performance` (analytics, cache, monitor, benchmarks, load test)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from tanvi_social.core.responses import Envelope


class TypeCount(BaseModel):
    type: str
    count: int
    share: float


class HourStat(BaseModel):
    hour: int
    count: int
    avg_engagement: float | None = None


class DayCount(BaseModel):
    day: date
    count: int


class FollowerDay(BaseModel):
    day: date
    new_followers: int
    total: int


class UserAnalytics(BaseModel):
    user_id: int
    days: int
    since: datetime
    total_activities: int
    distinct_activity_types: int
    activity_types: list[TypeCount]
    peak_hour: str | None
    peak_hour_count: int
    activity_by_hour: list[HourStat]
    activity_by_day: list[DayCount]
    last_active: datetime | None
    engagement_score: float
    engagement_level: str
    recommendations: list[str]
    posts_published: int
    engagements_received: int
    engagements_received_by_type: list[TypeCount]
    reach: int = Field(description="Distinct other users who engaged with this user's posts")
    followers: int
    follower_growth: list[FollowerDay]
    best_posting_hours: list[HourStat]


class ContentAnalytics(BaseModel):
    post_id: int
    author_id: int
    created_at: datetime
    total_engagements: int
    unique_engagers: int
    distinct_engagement_types: int
    engagement_types: list[TypeCount]
    viral_score: float
    performance_level: str
    recommendations: list[str]
    engagements_per_engager: float
    reach: int = Field(description="Distinct users in the author's followers or among engagers")
    engagement_by_day: list[DayCount]
    engagement_by_hour: list[HourStat]
    shares_per_day: float
    engagements_per_day: float


class PlatformAnalytics(BaseModel):
    days: int
    generated_at: datetime
    rolled_up_until: date | None
    totals: dict[str, int]
    total_engagements: int
    activities_per_user: float
    engagements_per_post: float
    active_users_24h: int
    new_posts_24h: int
    top_activity_types_24h: list[TypeCount]
    top_engagement_types_24h: list[TypeCount]
    average_engagement_score: float
    users_scored: int
    average_viral_score: float
    posts_scored: int
    daily: dict[str, list[DayCount]]


class UserAnalyticsResponse(Envelope):
    analytics: UserAnalytics


class ContentAnalyticsResponse(Envelope):
    analytics: ContentAnalytics


class PlatformAnalyticsResponse(Envelope):
    analytics: PlatformAnalytics


class CacheFamily(BaseModel):
    family: str
    hits: int
    misses: int
    hit_rate: float


class CacheStatsBody(BaseModel):
    backend: str
    healthy: bool
    hits: int
    misses: int
    hit_rate: float
    sets: int
    deletes: int
    evictions: int
    errors: int
    entries: int | None = None
    bytes: int | None = None
    max_bytes: int | None = None
    families: list[CacheFamily]
    server: dict[str, Any] | None = Field(
        default=None, description="Redis server-wide keyspace figures (every worker), scale mode")
    staleness_bound_seconds: float
    worker_pid: int


class CacheStatsResponse(Envelope):
    cache: CacheStatsBody


class CacheClearRequest(BaseModel):
    prefix: str = Field(default="", max_length=200,
                        description="Only keys starting with this (e.g. `post:`); empty = all")


class CacheClearResponse(Envelope):
    cleared: int
    prefix: str


class RouteFigures(BaseModel):
    route: str
    count: int
    error_rate: float
    client_error_rate: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


class SlowRequest(BaseModel):
    route: str
    status: int
    duration_ms: float
    at: str


class MonitorBody(BaseModel):
    worker_pid: int
    uptime_seconds: float
    total_requests: int
    error_rate: float
    client_error_rate: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    grade: str
    grade_rule: str
    routes: list[RouteFigures]
    slow_requests: list[SlowRequest]
    slow_threshold_ms: float
    jobs: dict[str, Any]
    pubsub: dict[str, Any]
    memory_rss_mb: float | None


class MonitorResponse(Envelope):
    monitor: MonitorBody


class BenchmarkBody(BaseModel):
    date: str
    machine: dict[str, Any]
    command: str
    results: dict[str, Any]
    file: str


class BenchmarkResponse(Envelope):
    benchmarks: BenchmarkBody


class LoadTestRequest(BaseModel):
    duration_seconds: float = Field(default=5.0, ge=0.5, le=30.0)
    virtual_users: int = Field(default=20, ge=1, le=200)
    endpoints: list[str] | None = Field(
        default=None, max_length=10,
        description="Read endpoints to load (GET paths of this service without parameters); "
                    "default: a mix of the public read endpoints")


class EndpointFigures(BaseModel):
    path: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


class LoadTestBody(BaseModel):
    started_at: datetime
    transport: str
    duration_seconds: float
    virtual_users: int
    requests: int
    errors: int
    requests_per_second: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    status_counts: dict[str, int]
    endpoints: list[EndpointFigures]


class LoadTestResponse(Envelope):
    load_test: LoadTestBody


class Recommendation(BaseModel):
    area: str
    severity: str
    finding: str
    advice: str
    evidence: dict[str, Any]


class RecommendationsResponse(Envelope):
    recommendations: list[Recommendation]
    based_on: dict[str, Any]
