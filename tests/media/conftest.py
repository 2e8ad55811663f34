from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import TestUser


async def upload(client: AsyncClient, user: TestUser | None, data: bytes,
                 filename: str = "photo.jpg", content_type: str = "image/jpeg",
                 **form: Any) -> Any:
    headers = user.headers if user else {}
    return await client.post("/api/media", headers=headers,
                             files={"file": (filename, data, content_type)}, data=form or None)


@pytest.fixture
def upload_fn() -> Any:
    return upload
