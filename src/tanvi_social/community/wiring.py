from __future__ import annotations

from tanvi_social.community import event_service, gdpr, service, tasks
from tanvi_social.core.platform import Platform

__all__ = ["gdpr", "setup"]


def setup(platform: Platform) -> None:
    """Moderation targets (community, event) and the reminder job."""
    try:
        from tanvi_social.moderation.targets import register_target
    except ImportError:  # pragma: no cover
        pass
    else:
        register_target("community", owner_of=service.community_owner,
                        set_state=service.set_community_state,
                        can_view=service.can_report_community)
        register_target("event", owner_of=event_service.event_owner,
                        set_state=event_service.set_event_state,
                        can_view=event_service.can_report_event)
    from tanvi_social.core.jobs import register_job

    register_job("community.event_reminders", tasks.event_reminders_job,
                 every_seconds=tasks.REMINDER_EVERY_SECONDS)
