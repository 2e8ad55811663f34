"""Accounts: registration, sign-in, rotating refresh tokens, WS1 provisioning, GDPR."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.events import UserAuthChanged, UserDeleted, UserRegistered
from tanvi_social.accounts.models import RefreshToken, Role, User
from tanvi_social.accounts.passwords import check_password_policy
from tanvi_social.accounts.schemas import RegisterRequest, TokenPair, UserRead
from tanvi_social.core import gdpr
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, NotFound, Unauthorized
from tanvi_social.core.security import (
    WS1Claims,
    hash_password,
    hash_token,
    issue_access_token,
    new_refresh_token,
    verify_password,
)
from tanvi_social.core.time import as_utc, utcnow


@dataclass(frozen=True)
class TokenConfig:
    key: str
    access_minutes: int
    refresh_days: int


@dataclass(frozen=True)
class AuthState:
    """What every authenticated request needs to know about its user (cached briefly)."""

    user_id: int
    username: str
    role: str
    is_active: bool
    token_version: int
    suspended_until: datetime | None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and as_utc(self.suspended_until) > utcnow()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_active_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("User not found", code="user_not_found")
    return user


def get_me(session: Session, user_id: int) -> UserRead:
    return UserRead.model_validate(get_active_user(session, user_id))


def find_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


_USERS = cast(Table, User.__table__)
# built once, on the table (a Core statement: no ORM compile step), for every cache miss of a
# signed-in request
_AUTH_STATE = select(_USERS.c.id, _USERS.c.username, _USERS.c.role, _USERS.c.is_active,
                     _USERS.c.token_version, _USERS.c.suspended_until) \
    .where(_USERS.c.id == bindparam("id"))


def auth_state(session: Session, user_id: int) -> AuthState | None:
    row = session.execute(_AUTH_STATE, {"id": user_id}).first()
    if row is None:
        return None
    return AuthState(row.id, row.username, row.role, row.is_active, row.token_version,
                     row.suspended_until)


def register(session: Session, data: RegisterRequest, password_hash: str,
             cfg: TokenConfig) -> tuple[UserRead, TokenPair]:
    """Create an account (the argon2id hash is computed off the event loop by the caller)."""
    email = data.email.lower()
    if find_user_by_username(session, data.username) is not None:
        raise Conflict("That username is taken", code="username_taken")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with that e-mail exists", code="email_taken")
    user = User(username=data.username, email=email, password_hash=password_hash)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise Conflict("That username or e-mail is taken", code="username_taken") from None
    record_event(session, UserRegistered(user_id=user.id, username=user.username,
                                         display_name=data.display_name))
    return UserRead.model_validate(user), issue_tokens(session, user, cfg)


@dataclass(frozen=True)
class LoginCandidate:
    user_id: int
    password_hash: str


def find_login_candidate(session: Session, login: str) -> LoginCandidate | None:
    """The active, password-holding account a login name refers to (username or e-mail)."""
    login = login.strip().lower()
    column = User.email if "@" in login else func.lower(User.username)
    row = session.execute(select(User.id, User.password_hash, User.is_active)
                          .where(column == login)).first()
    if row is None or row.password_hash is None or not row.is_active:
        return None
    return LoginCandidate(row.id, row.password_hash)


def complete_login(session: Session, user_id: int, cfg: TokenConfig) -> tuple[UserRead, TokenPair]:
    """After the password was verified: stamp the login and issue a new token family."""
    user = get_active_user(session, user_id)
    user.last_login_at = utcnow()
    return UserRead.model_validate(user), issue_tokens(session, user, cfg)


def issue_tokens(session: Session, user: User, cfg: TokenConfig, *,
                 family_id: str | None = None) -> TokenPair:
    access, expires_in = issue_access_token(cfg.key, user_id=user.id, role=user.role,
                                            token_version=user.token_version,
                                            minutes=cfg.access_minutes)
    refresh = new_refresh_token()
    session.add(RefreshToken(
        user_id=user.id, family_id=family_id or uuid.uuid4().hex, token_hash=hash_token(refresh),
        expires_at=utcnow() + timedelta(days=cfg.refresh_days),
    ))
    session.flush()
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


def refresh(session: Session, token: str, cfg: TokenConfig) -> TokenPair | None:
    """Rotate: the old token is spent; reusing a spent token revokes its whole family.

    Returns None when reuse was detected: the revocation must be committed even though the
    caller gets a 401, so the router raises after this unit of work commits.
    """
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_token(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
        raise Unauthorized("Invalid refresh token", code="invalid_refresh_token")
    if row.used_at is not None:
        revoke_family(session, row.family_id)
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Invalid refresh token", code="invalid_refresh_token")
    claimed = session.execute(
        update(RefreshToken).where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:  # a concurrent refresh with the same token won the race
        revoke_family(session, row.family_id)
        return None
    return issue_tokens(session, user, cfg, family_id=row.family_id)


def revoke_family(session: Session, family_id: str) -> None:
    session.execute(update(RefreshToken).where(RefreshToken.family_id == family_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def logout(session: Session, user_id: int, refresh_token: str | None) -> None:
    """Revoke the refresh token's family (or every session of the user when none is given)."""
    if refresh_token:
        row = session.scalar(select(RefreshToken).where(
            RefreshToken.token_hash == hash_token(refresh_token), RefreshToken.user_id == user_id))
        if row is not None:
            revoke_family(session, row.family_id)
        return
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def change_password(session: Session, user_id: int, current: str, new: str) -> None:
    user = get_active_user(session, user_id)
    if user.password_hash is None or not verify_password(user.password_hash, current):
        raise Unauthorized("Current password is wrong", code="invalid_credentials")
    check_password_policy(new, username=user.username, email=user.email or "")
    user.password_hash = hash_password(new)
    user.token_version += 1  # every access token issued before now stops working
    logout(session, user_id, None)
    record_event(session, UserAuthChanged(user_id=user_id))


_WS1_NAME_RE = re.compile(r"[^A-Za-z0-9_.]")


def provision_ws1_user(session: Session, claims: WS1Claims) -> AuthState:
    """The local user linked to a WS1 id, created on first sight."""
    user = session.scalar(select(User).where(User.ws1_id == claims.ws1_user_id))
    if user is None:
        base = _WS1_NAME_RE.sub("_", claims.username)[:24].strip("._") or "user"
        if len(base) < 3:
            base = f"{base}_ws1"
        username = base
        suffix = 1
        while find_user_by_username(session, username) is not None:
            suffix += 1
            username = f"{base}_{suffix}"[:30]
        user = User(username=username, ws1_id=claims.ws1_user_id, email=None, password_hash=None)
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:  # provisioned concurrently by another request
            user = session.scalar(select(User).where(User.ws1_id == claims.ws1_user_id))
            assert user is not None
        else:
            record_event(session, UserRegistered(user_id=user.id, username=user.username,
                                                 display_name=claims.username))
    state = auth_state(session, user.id)
    assert state is not None
    return state


def set_role(session: Session, user_id: int, role: Role) -> UserRead:
    user = get_active_user(session, user_id)
    user.role = role.value
    record_event(session, UserAuthChanged(user_id=user_id))
    return UserRead.model_validate(user)


def create_admin(session: Session, username: str, email: str, password: str) -> UserRead:
    check_password_policy(password, username=username, email=email)
    existing = find_user_by_username(session, username)
    if existing is not None:
        existing.role = Role.ADMIN.value
        existing.password_hash = hash_password(password)
        return UserRead.model_validate(existing)
    user = User(username=username, email=email.lower(), password_hash=hash_password(password),
                role=Role.ADMIN.value)
    session.add(user)
    session.flush()
    record_event(session, UserRegistered(user_id=user.id, username=username))
    return UserRead.model_validate(user)


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    """Everything the service holds about the user, from every registered domain."""
    user = get_active_user(session, user_id)
    data: dict[str, Any] = {
        "account": {
            "id": user.id, "username": user.username, "email": user.email, "role": user.role,
            "ws1_id": user.ws1_id, "is_verified": user.is_verified,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        },
        "sessions": [
            {"created_at": t.created_at.isoformat(), "expires_at": t.expires_at.isoformat(),
             "revoked": t.revoked_at is not None}
            for t in session.scalars(select(RefreshToken).where(RefreshToken.user_id == user_id))
        ],
    }
    for handler in gdpr.handlers():
        data[handler.name] = handler.export(session, user_id)
    return data


def delete_user(session: Session, user_id: int, password: str | None) -> None:
    """Erase the account: each domain removes or anonymises its data and fixes its counters."""
    user = get_active_user(session, user_id)
    if user.password_hash is not None and (
        password is None or not verify_password(user.password_hash, password)
    ):
        raise Unauthorized("Password confirmation failed", code="invalid_credentials")
    for handler in gdpr.handlers():
        handler.erase(session, user_id)
    session.delete(user)
    session.flush()
    record_event(session, UserAuthChanged(user_id=user_id))
    record_event(session, UserDeleted(user_id=user_id))


def suspend_user(session: Session, user_id: int, until: datetime | None) -> None:
    """Suspend writes until `until` (None lifts a suspension); cached auth state is dropped."""
    user = get_active_user(session, user_id)
    user.suspended_until = until
    record_event(session, UserAuthChanged(user_id=user_id))


def ban_user(session: Session, user_id: int) -> None:
    """Deactivate the account: every token and session stops working at once."""
    user = get_active_user(session, user_id)
    user.is_active = False
    user.token_version += 1
    logout(session, user_id, None)
    record_event(session, UserAuthChanged(user_id=user_id))
