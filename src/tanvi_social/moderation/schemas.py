from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope
from tanvi_social.social.cards import AuthorCard

TargetKind = Literal["post", "comment", "profile", "community", "event", "message"]
ReportReason = Literal["spam", "harassment", "hate", "nudity", "violence", "self_harm",
                       "misinformation", "copyright", "impersonation", "scam", "other"]
ResolveAction = Literal["approve", "dismiss", "hide", "remove", "warn", "suspend", "ban"]
FilterActionName = Literal["hold", "reject"]


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetKind
    target_id: int = Field(ge=1, le=2**31 - 1)
    reason: ReportReason
    details: str | None = Field(default=None, max_length=1000)


class ReportRead(BaseModel):
    id: int
    target_type: str
    target_id: int
    reason: str
    details: str | None
    created_at: datetime


class ReportResponse(Envelope):
    report: ReportRead


class ReasonCount(BaseModel):
    reason: str
    count: int


class QueueItemRead(BaseModel):
    id: int
    target_type: str
    target_id: int
    owner: AuthorCard | None
    source: str
    status: str
    reason: str
    details: str | None
    report_count: int
    reasons: list[ReasonCount]
    assignee_id: int | None
    resolution: str | None
    resolution_reason: str | None
    resolved_by: int | None
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime


class QueueItemResponse(Envelope):
    item: QueueItemRead


class QueueListResponse(Envelope):
    items: list[QueueItemRead]
    pagination: Pagination


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                    description="A moderator or admin; the caller when omitted")


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ResolveAction
    reason: str = Field(min_length=1, max_length=1000)
    until: datetime | None = Field(default=None, description="Required for `suspend` (UTC)")


class AuditEntryRead(BaseModel):
    id: int
    actor_id: int | None
    action: str
    queue_item_id: int | None
    target_type: str | None
    target_id: int | None
    subject_user_id: int | None
    reason: str | None
    data: dict[str, Any]
    created_at: datetime


class AuditLogResponse(Envelope):
    entries: list[AuditEntryRead]
    pagination: Pagination


class FilterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(min_length=1, max_length=100, pattern=r"[^\W_]",
                         description="A word or phrase (needs a letter or digit)")
    action: FilterActionName = "hold"


class FilterRead(BaseModel):
    id: int
    pattern: str
    action: str
    created_by: int | None
    created_at: datetime


class FilterResponse(Envelope):
    filter: FilterRead


class FilterListResponse(Envelope):
    filters: list[FilterRead]
    pagination: Pagination


class AppealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue_item_id: int = Field(ge=1, le=2**31 - 1, description="The resolved item being appealed")
    message: str = Field(min_length=1, max_length=2000)


class AppealRead(BaseModel):
    id: int
    appealed_item_id: int
    queue_item_id: int | None
    message: str
    created_at: datetime


class AppealResponse(Envelope):
    appeal: AppealRead


class MutedWordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phrase: str = Field(min_length=1, max_length=100, pattern=r"[^\W_]",
                        description="A word or phrase (needs a letter or digit)")


class MutedWordRead(BaseModel):
    id: int
    phrase: str
    created_at: datetime


class MutedWordResponse(Envelope):
    muted_word: MutedWordRead


class MutedWordListResponse(Envelope):
    muted_words: list[MutedWordRead]
