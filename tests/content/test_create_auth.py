"""`POST /posts` resolves its writer from the request itself (`accounts.deps.request_writer`,
one dependency node): it must answer exactly as the other writes, which use the bearer scheme's
dependency (`LimitedWriter`), and document the same security."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from tanvi_social.accounts.models import User
from tanvi_social.core.time import utcnow
from tests.content.helpers import make_post
from tests.factories import Factory

POSTS = "/api/content/posts"
BODY = {"caption": "Linen on linen"}


@pytest.mark.parametrize(("authorization", "code"), [
    (None, "not_authenticated"),
    ("Token abc", "invalid_token"),
    ("Bearer", "invalid_token"),
    ("Bearer ", "invalid_token"),
    ("bearer not-a-jwt", "invalid_token"),
    ("Bearer a.b.c", "invalid_token"),
])
async def test_create_refuses_as_every_write(client: AsyncClient, factory: Factory,
                                             authorization: str | None, code: str) -> None:
    author = await factory.user("author")
    pid = (await make_post(client, author, "mine"))["id"]
    headers = {} if authorization is None else {"Authorization": authorization}
    create = await client.post(POSTS, json=BODY, headers=headers)
    other = await client.put(f"{POSTS}/{pid}", json=BODY, headers=headers)  # LimitedWriter
    assert (create.status_code, create.json()["code"]) == (401, code)
    assert (other.status_code, other.json()["code"]) == (401, code)
    # the caller is checked before the body: no validation details for a stranger
    invalid = await client.post(POSTS, json={"caption": 7, "visibility": "nope"},
                                headers=headers)
    assert (invalid.status_code, invalid.json()["code"]) == (401, code)


async def test_a_suspended_writer_gets_403_and_a_stale_token_401(
        client: AsyncClient, factory: Factory, platform: Any) -> None:
    mia = await factory.user("mia")

    def suspend(session: Any) -> None:
        session.get(User, mia.id).suspended_until = utcnow() + timedelta(days=1)

    await platform.db.run(suspend)
    r = await client.post(POSTS, json=BODY, headers=mia.headers)
    assert (r.status_code, r.json()["code"]) == (403, "account_suspended")
    stale = {"Authorization": f"Bearer {factory.token_for(mia.id, version=5)}"}
    r = await client.post(POSTS, json=BODY, headers=stale)
    assert (r.status_code, r.json()["code"]) == (401, "invalid_token")


async def test_create_documents_the_bearer_security(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    create = schema["paths"][POSTS]["post"]
    update = schema["paths"][POSTS + "/{post_id}"]["put"]
    assert create["security"] == update["security"] == [{"HTTPBearer": []}]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert {"401", "403", "422", "429"} <= set(create["responses"])
