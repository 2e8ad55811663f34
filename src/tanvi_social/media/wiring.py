"""Plug the media domain in: GDPR handlers and file clean-up after deletions commit."""

from __future__ import annotations

import anyio.to_thread

from tanvi_social.core.platform import Platform
from tanvi_social.media import gdpr as _gdpr  # noqa: F401 - registers the GDPR handlers
from tanvi_social.media import service, storage
from tanvi_social.media.events import MediaFilesReleased


def setup(platform: Platform) -> None:
    async def release_files(event: MediaFilesReleased) -> None:
        orphans = await platform.db.read(service.unreferenced_digests, event.digests)
        for digest in orphans:
            await anyio.to_thread.run_sync(storage.delete_digest, platform.settings.media_dir,
                                           digest)

    platform.bus.subscribe(MediaFilesReleased, release_files)
