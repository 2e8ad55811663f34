"""GDPR: the user's images in the export; erasure deletes rows and (after commit) files."""

from __future__ import annotations

from tanvi_social.core import gdpr
from tanvi_social.media import service

# Runs after content (which may reference images) and before the account row itself.
gdpr.register("media", export=service.export_for_user, erase=service.erase_for_user, order=150)
