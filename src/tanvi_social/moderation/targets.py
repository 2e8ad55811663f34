"""The registry of moderatable things: each domain registers its kinds in its wiring.

`owner_of(session, id)` answers the owner's user id (None when the thing does not exist or has no
owner any more); `set_state(session, id, state)` applies a moderation state — `visible`, `held`,
`hidden` or `removed` — inside the caller's unit of work. The optional
`can_view(session, viewer_id, id)` lets a report be refused (404) for things the reporter cannot
see; without it anything that exists can be reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

KINDS = ("post", "comment", "profile", "community", "event", "message")


class ModerationState(StrEnum):
    VISIBLE = "visible"
    HELD = "held"
    HIDDEN = "hidden"
    REMOVED = "removed"


OwnerOf = Callable[[Session, int], int | None]
SetState = Callable[[Session, int, str], None]
CanView = Callable[[Session, int, int], bool]


@dataclass(frozen=True)
class Target:
    kind: str
    owner_of: OwnerOf
    set_state: SetState
    can_view: CanView | None = None


_targets: dict[str, Target] = {}


def register_target(kind: str, *, owner_of: OwnerOf, set_state: SetState,
                    can_view: CanView | None = None) -> None:
    """Make `kind` reportable and moderatable (later registrations replace earlier ones)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown moderation target kind: {kind}")
    _targets[kind] = Target(kind, owner_of, set_state, can_view)


def get_target(kind: str) -> Target | None:
    return _targets.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_targets)
