"""Content-addressed files under `media_dir`: `ab/cd/<sha256>_<variant>.<ext>`.

The digest is the SHA-256 of the stored (metadata-free) original; its variants are derived from
it deterministically, so they share its address. Writes are atomic (temp file + rename) and
idempotent: the same image uploaded twice is stored once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tanvi_social.media.processing import ProcessedImage


def file_path(media_dir: Path, sha256: str, variant: str, ext: str) -> Path:
    """Where one variant of one digest lives."""
    return Path(media_dir) / sha256[:2] / sha256[2:4] / f"{sha256}_{variant}.{ext}"


def save(media_dir: Path, processed: ProcessedImage) -> None:
    """Write every variant (skipping files already present)."""
    for name, variant in processed.variants.items():
        path = file_path(media_dir, processed.sha256, name, variant.ext)
        if path.exists() and path.stat().st_size == len(variant.data):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(variant.data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def delete_digest(media_dir: Path, sha256: str) -> int:
    """Remove every file of one digest; returns how many were removed."""
    folder = Path(media_dir) / sha256[:2] / sha256[2:4]
    removed = 0
    if folder.is_dir():
        for path in folder.glob(f"{sha256}_*"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
