"""Moderation: reports, the review queue and its actions, the audit log, appeals, the word list."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts import service as accounts
from tanvi_social.accounts.models import Role, User
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams, Pagination
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.moderation import filters, targets
from tanvi_social.moderation import queue as queue_ops
from tanvi_social.moderation.models import (
    Appeal,
    AuditEntry,
    FilterRule,
    QueueItem,
    QueueSource,
    QueueStatus,
    Report,
    Resolution,
)
from tanvi_social.moderation.schemas import (
    AppealCreate,
    AppealRead,
    AuditEntryRead,
    FilterCreate,
    FilterRead,
    QueueItemRead,
    ReasonCount,
    ReportCreate,
    ReportRead,
    ResolveRequest,
)
from tanvi_social.moderation.targets import ModerationState
from tanvi_social.moderation.textmatch import compile_phrase, phrase_key
from tanvi_social.social.cards import author_cards
from tanvi_social.social.notifications import notify

MAX_SUSPENSION = timedelta(days=366)
STAFF_ROLES = (Role.MODERATOR.value, Role.ADMIN.value)
# Outcomes that act against the owner and can therefore be appealed.
APPEALABLE = {Resolution.HIDE.value, Resolution.REMOVE.value, Resolution.WARN.value,
              Resolution.SUSPEND.value}


def audit(session: Session, *, actor_id: int | None, action: str, reason: str | None = None,
          item: QueueItem | None = None, target_type: str | None = None,
          target_id: int | None = None, subject_user_id: int | None = None,
          data: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit log."""
    session.add(AuditEntry(
        actor_id=actor_id, action=action, reason=reason,
        queue_item_id=item.id if item is not None else None,
        target_type=target_type or (item.target_type if item is not None else None),
        target_id=target_id or (item.target_id if item is not None else None),
        subject_user_id=subject_user_id, data=data or {}))


# --- reports ---------------------------------------------------------------------------------

def _owner_of(session: Session, kind: str, target_id: int) -> int | None:
    target = targets.get_target(kind)
    if target is None:
        return None
    return target.owner_of(session, target_id)


def _visible_target(session: Session, viewer_id: int, kind: str, target_id: int) -> int | None:
    """The target's owner id if it exists and the viewer may see it; NotFound otherwise."""
    target = targets.get_target(kind)
    if target is None:
        raise NotFound("Nothing to report there", code="target_not_found")
    owner_id = target.owner_of(session, target_id)
    exists = owner_id is not None or kind == "message"
    if not exists or (target.can_view is not None and not target.can_view(session, viewer_id,
                                                                           target_id)):
        raise NotFound("Nothing to report there", code="target_not_found")
    return owner_id


def create_report(session: Session, reporter_id: int, data: ReportCreate) -> ReportRead:
    """Report something; reports about the same target while it is open share one queue item."""
    owner_id = _visible_target(session, reporter_id, data.target_type, data.target_id)
    if owner_id == reporter_id:
        raise Forbidden("You cannot report your own content", code="self_report")
    item = queue_ops.ensure_open_item(
        session, target_type=data.target_type, target_id=data.target_id, owner_id=owner_id,
        source=QueueSource.REPORT.value, reason=data.reason, details=data.details)
    report = Report(queue_item_id=item.id, reporter_id=reporter_id, target_type=data.target_type,
                    target_id=data.target_id, reason=data.reason, details=data.details)
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        raise Conflict("You already reported this", code="duplicate_report") from None
    queue_ops.bump_reports(session, item.id, 1)
    return ReportRead(id=report.id, target_type=report.target_type, target_id=report.target_id,
                      reason=report.reason, details=report.details, created_at=report.created_at)


# --- the queue -------------------------------------------------------------------------------

def _reads(session: Session, items: list[QueueItem]) -> list[QueueItemRead]:
    ids = [i.id for i in items]
    reasons: dict[int, list[ReasonCount]] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(Report.queue_item_id, Report.reason, func.count())
            .where(Report.queue_item_id.in_(ids))
            .group_by(Report.queue_item_id, Report.reason)
            .order_by(Report.queue_item_id, func.count().desc(), Report.reason))
        for item_id, reason, count in rows:
            reasons[item_id].append(ReasonCount(reason=reason, count=count))
    cards = author_cards(session, [i.owner_id for i in items if i.owner_id is not None])
    return [QueueItemRead(
        id=i.id, target_type=i.target_type, target_id=i.target_id,
        owner=cards.get(i.owner_id) if i.owner_id is not None else None, source=i.source,
        status=i.status, reason=i.reason, details=i.details, report_count=i.report_count,
        reasons=reasons.get(i.id, []), assignee_id=i.assignee_id, resolution=i.resolution,
        resolution_reason=i.resolution_reason, resolved_by=i.resolved_by,
        resolved_at=i.resolved_at, created_at=i.created_at, updated_at=i.updated_at,
    ) for i in items]


def list_queue(session: Session, params: PageParams, *, status: str | None = "open",
               target_type: str | None = None, source: str | None = None,
               assignee_id: int | None = None,
               unassigned: bool = False) -> tuple[list[QueueItemRead], Pagination]:
    """The review queue, most reported first, then oldest first."""
    conditions = []
    if status is not None:
        conditions.append(QueueItem.status == status)
    if target_type is not None:
        conditions.append(QueueItem.target_type == target_type)
    if source is not None:
        conditions.append(QueueItem.source == source)
    if assignee_id is not None:
        conditions.append(QueueItem.assignee_id == assignee_id)
    if unassigned:
        conditions.append(QueueItem.assignee_id.is_(None))
    total = session.scalar(select(func.count()).select_from(QueueItem).where(*conditions)) or 0
    items = list(session.scalars(
        select(QueueItem).where(*conditions)
        .order_by(QueueItem.report_count.desc(), QueueItem.id)
        .offset(params.offset).limit(params.per_page)))
    return _reads(session, items), Pagination.build(params, total)


def _item(session: Session, item_id: int, *, for_update: bool = False) -> QueueItem:
    stmt = select(QueueItem).where(QueueItem.id == item_id)
    if for_update:
        stmt = stmt.with_for_update()
    item = session.scalar(stmt)
    if item is None:
        raise NotFound("Queue item not found", code="queue_item_not_found")
    return item


def get_queue_item(session: Session, item_id: int) -> QueueItemRead:
    return _reads(session, [_item(session, item_id)])[0]


def assign(session: Session, actor_id: int, item_id: int, assignee_id: int | None) -> QueueItemRead:
    """Give an open item to a moderator (the caller by default)."""
    item = _item(session, item_id, for_update=True)
    if item.status != QueueStatus.OPEN.value:
        raise InvalidState("This item is already resolved", code="already_resolved")
    assignee = assignee_id or actor_id
    user = session.get(User, assignee)
    if user is None or not user.is_active or user.role not in STAFF_ROLES:
        raise InvalidState("Items can only be assigned to moderators", code="not_a_moderator")
    item.assignee_id = assignee
    item.updated_at = utcnow()
    audit(session, actor_id=actor_id, action="assign", item=item, data={"assignee_id": assignee})
    session.flush()
    return _reads(session, [item])[0]


def _set_target_state(session: Session, item: QueueItem, state: ModerationState) -> None:
    target = targets.get_target(item.target_type)
    if target is None:
        raise InvalidState(f"{item.target_type} content cannot be changed here",
                           code="unsupported_action")
    target.set_state(session, item.target_id, state.value)


def _act_on_owner(session: Session, actor_id: int, actor_role: str, owner_id: int | None) -> User:
    if owner_id is None:
        raise InvalidState("This content has no owner to act on", code="no_owner")
    if owner_id == actor_id:
        raise Forbidden("You cannot act on your own account", code="self_action")
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_active:
        raise InvalidState("The owner's account is already gone", code="no_owner")
    if owner.role == Role.ADMIN.value or (owner.role in STAFF_ROLES
                                          and actor_role != Role.ADMIN.value):
        raise Forbidden("Only an admin can act on staff accounts", code="staff_account")
    return owner


def resolve(session: Session, actor_id: int, actor_role: str, item_id: int,
            data: ResolveRequest) -> QueueItemRead:
    """Close an item with an action; audit it and tell the reporters and the owner."""
    item = _item(session, item_id, for_update=True)
    if item.status != QueueStatus.OPEN.value:
        raise Conflict("This item is already resolved", code="already_resolved")
    action = Resolution(data.action)
    owner_id = item.owner_id
    extra: dict[str, Any] = {"report_count": item.report_count, "source": item.source}
    if action is Resolution.APPROVE:
        _set_target_state(session, item, ModerationState.VISIBLE)
        if item.source == QueueSource.APPEAL.value:
            _undo_appealed(session, item)
    elif action is Resolution.HIDE:
        _set_target_state(session, item, ModerationState.HIDDEN)
    elif action is Resolution.REMOVE:
        _set_target_state(session, item, ModerationState.REMOVED)
    elif action is Resolution.WARN:
        _act_on_owner(session, actor_id, actor_role, owner_id)
    elif action is Resolution.SUSPEND:
        owner = _act_on_owner(session, actor_id, actor_role, owner_id)
        now = utcnow()
        if data.until is None:
            raise ValidationFailed("`until` is required to suspend", code="until_required",
                                   details=[{"loc": ["body", "until"], "msg": "required"}])
        until = as_utc(data.until)
        if until <= now or until - now > MAX_SUSPENSION:
            raise ValidationFailed("`until` must be in the future and within a year",
                                   code="invalid_until",
                                   details=[{"loc": ["body", "until"], "msg": "out of range"}])
        accounts.suspend_user(session, owner.id, until)
        extra["until"] = until.isoformat().replace("+00:00", "Z")
    elif action is Resolution.BAN:
        owner = _act_on_owner(session, actor_id, actor_role, owner_id)
        accounts.ban_user(session, owner.id)
    now = utcnow()
    item.status = QueueStatus.RESOLVED.value
    item.open_key = None
    item.resolution = action.value
    item.resolution_reason = data.reason
    item.resolved_by = actor_id
    item.resolved_at = now
    item.updated_at = now
    audit(session, actor_id=actor_id, action=action.value, reason=data.reason, item=item,
          subject_user_id=owner_id, data=extra)
    _notify_outcome(session, actor_id, item, action, extra.get("until"))
    session.flush()
    return _reads(session, [item])[0]


def _notify_outcome(session: Session, actor_id: int, item: QueueItem, action: Resolution,
                    until: str | None) -> None:
    outcome = "no_action" if action in (Resolution.APPROVE, Resolution.DISMISS) else "actioned"
    reporters = session.scalars(select(Report.reporter_id).where(Report.queue_item_id == item.id))
    for reporter_id in reporters:
        notify(session, recipient_id=reporter_id, actor_id=None, type="report.resolved",
               target_type=item.target_type, target_id=item.target_id,
               data={"outcome": outcome, "queue_item_id": item.id})
    if item.owner_id is not None and action.value in APPEALABLE:
        notify(session, recipient_id=item.owner_id, actor_id=None,
               type=f"moderation.{action.value}", target_type=item.target_type,
               target_id=item.target_id,
               data={"queue_item_id": item.id, "until": until, "appealable": True})


def _undo_appealed(session: Session, item: QueueItem) -> None:
    """An upheld appeal lifts the suspension that the appealed decision imposed."""
    appeal = session.scalar(select(Appeal).where(Appeal.queue_item_id == item.id))
    if appeal is None:
        return
    original = session.get(QueueItem, appeal.appealed_item_id)
    if original is None or original.resolution != Resolution.SUSPEND.value:
        return
    if original.owner_id is not None and session.get(User, original.owner_id) is not None:
        accounts.suspend_user(session, original.owner_id, None)


# --- audit log -------------------------------------------------------------------------------

def list_audit_log(session: Session, params: PageParams, *, actor_id: int | None = None,
                   action: str | None = None, target_type: str | None = None,
                   target_id: int | None = None,
                   subject_user_id: int | None = None) -> tuple[list[AuditEntryRead], Pagination]:
    """Every moderation action, newest first."""
    conditions = []
    for column, value in ((AuditEntry.actor_id, actor_id), (AuditEntry.action, action),
                          (AuditEntry.target_type, target_type),
                          (AuditEntry.target_id, target_id),
                          (AuditEntry.subject_user_id, subject_user_id)):
        if value is not None:
            conditions.append(column == value)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    rows = session.scalars(select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
                           .offset(params.offset).limit(params.per_page))
    return [AuditEntryRead(
        id=r.id, actor_id=r.actor_id, action=r.action, queue_item_id=r.queue_item_id,
        target_type=r.target_type, target_id=r.target_id, subject_user_id=r.subject_user_id,
        reason=r.reason, data=r.data or {}, created_at=r.created_at,
    ) for r in rows], Pagination.build(params, total)


# --- appeals ---------------------------------------------------------------------------------

def create_appeal(session: Session, user_id: int, data: AppealCreate) -> AppealRead:
    """The owner contests a decision: the target goes back into the queue."""
    original = session.get(QueueItem, data.queue_item_id)
    if original is None or original.owner_id != user_id:
        raise NotFound("Queue item not found", code="queue_item_not_found")
    if original.status != QueueStatus.RESOLVED.value or original.resolution not in APPEALABLE:
        raise InvalidState("Only a decision against you can be appealed", code="not_appealable")
    item = queue_ops.ensure_open_item(
        session, target_type=original.target_type, target_id=original.target_id,
        owner_id=user_id, source=QueueSource.APPEAL.value, reason="appeal",
        details=data.message)
    appeal = Appeal(user_id=user_id, appealed_item_id=original.id, queue_item_id=item.id,
                    message=data.message)
    try:
        with session.begin_nested():
            session.add(appeal)
    except IntegrityError:
        raise Conflict("You already appealed this decision", code="duplicate_appeal") from None
    audit(session, actor_id=user_id, action="appeal", reason=data.message, item=item,
          subject_user_id=user_id, data={"appealed_item_id": original.id})
    return AppealRead(id=appeal.id, appealed_item_id=original.id, queue_item_id=item.id,
                      message=appeal.message, created_at=appeal.created_at)


# --- word filters ----------------------------------------------------------------------------

def _filter_read(rule: FilterRule) -> FilterRead:
    return FilterRead(id=rule.id, pattern=rule.pattern, action=rule.action,
                      created_by=rule.created_by, created_at=rule.created_at)


def list_filters(session: Session, params: PageParams) -> tuple[list[FilterRead], Pagination]:
    total = session.scalar(select(func.count()).select_from(FilterRule)) or 0
    rows = session.scalars(select(FilterRule).order_by(FilterRule.id)
                           .offset(params.offset).limit(params.per_page))
    return [_filter_read(r) for r in rows], Pagination.build(params, total)


def create_filter(session: Session, actor_id: int | None, data: FilterCreate) -> FilterRead:
    """Add a word or phrase to the list (duplicates by folded form are a 409)."""
    pattern = " ".join(data.pattern.split())
    if compile_phrase(pattern) is None:
        raise ValidationFailed("A pattern needs at least one letter or digit",
                               code="invalid_pattern",
                               details=[{"loc": ["body", "pattern"], "msg": "no letters"}])
    rule = FilterRule(pattern=pattern, key=phrase_key(pattern)[:200], action=data.action,
                      created_by=actor_id)
    try:
        with session.begin_nested():
            session.add(rule)
    except IntegrityError:
        raise Conflict("That pattern is already on the list", code="duplicate_filter") from None
    filters.rules_changed(session)
    audit(session, actor_id=actor_id, action="filter.create", reason=pattern,
          data={"filter_id": rule.id, "action": rule.action})
    return _filter_read(rule)


def delete_filter(session: Session, actor_id: int, filter_id: int) -> None:
    rule = session.get(FilterRule, filter_id)
    if rule is None:
        raise NotFound("Filter not found", code="filter_not_found")
    audit(session, actor_id=actor_id, action="filter.delete", reason=rule.pattern,
          data={"filter_id": rule.id, "action": rule.action})
    session.delete(rule)
    session.flush()
    filters.rules_changed(session)
