from __future__ import annotations

from dataclasses import dataclass, field

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class UserRegistered(DomainEvent):
    name: str = field(default="user.registered", init=False)
    user_id: int
    username: str
    display_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class UserAuthChanged(DomainEvent):
    """Password, role, suspension or deletion changed: cached auth state must be dropped."""

    name: str = field(default="user.auth_changed", init=False)
    user_id: int


@dataclass(frozen=True, kw_only=True)
class UserDeleted(DomainEvent):
    name: str = field(default="user.deleted", init=False)
    user_id: int
