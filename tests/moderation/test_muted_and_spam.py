"""Users' muted words (HTTP) and the spam heuristics (service level)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.time import utcnow
from tanvi_social.moderation import spam
from tanvi_social.moderation.muted import is_muted, muted_words
from tanvi_social.social.models import Connection
from tests.factories import Factory

URL = "/api/social/muted-words"


async def test_muted_words_crud(client: httpx.AsyncClient, factory: Factory,
                                platform: Any) -> None:
    a, b = await factory.user(), await factory.user()
    r = await client.post(URL, json={"phrase": "  Fast   Fashion "}, headers=a.headers)
    assert r.status_code == 201
    word = r.json()["muted_word"]
    assert word["phrase"] == "Fast Fashion"
    assert (await client.post(URL, json={"phrase": "fast fashión"},
                              headers=a.headers)).status_code == 409
    assert (await client.post(URL, json={"phrase": "..."}, headers=a.headers)).status_code == 422
    assert (await client.post(URL, json={"phrase": ""}, headers=a.headers)).status_code == 422
    await client.post(URL, json={"phrase": "spoiler"}, headers=a.headers)
    listed = (await client.get(URL, headers=a.headers)).json()["muted_words"]
    assert [w["phrase"] for w in listed] == ["Fast Fashion", "spoiler"]
    assert (await client.get(URL, headers=b.headers)).json()["muted_words"] == []
    assert await platform.db.read(muted_words, a.id) == ["Fast Fashion", "spoiler"]
    assert (await client.delete(f"{URL}/{word['id']}", headers=b.headers)).status_code == 404
    assert (await client.get(URL)).status_code == 401
    assert (await client.delete(f"{URL}/{word['id']}", headers=a.headers)).status_code == 200
    assert (await client.delete(f"{URL}/{word['id']}", headers=a.headers)).status_code == 404
    assert await platform.db.read(muted_words, a.id) == ["spoiler"]


def test_is_muted_uses_whole_word_folding() -> None:
    assert is_muted("No SPOILERS... just a SP0ILER", ["spoiler"])
    assert not is_muted("spoilers only", ["spoiler"])
    assert is_muted("Fast-fashion haul", ["fast fashion"])
    assert not is_muted("breakfast fashion", ["fast fashion"])
    assert not is_muted(None, ["x"])


def test_link_only_detection() -> None:
    assert spam.is_link_only("https://cheap-bags.example/buy")
    assert spam.is_link_only("www.deals.shop 🔥🔥 https://x.io/a")
    assert not spam.is_link_only("Love this look https://shop.example/item")
    assert not spam.is_link_only("no links at all")


async def test_check_post_link_only_and_repeats(factory: Factory, platform: Any) -> None:
    a, b = await factory.user(), await factory.user()
    db = platform.db
    assert (await db.run(spam.check_post, a.id, "https://cheap.example/x")).action == "hold"
    assert (await db.run(spam.check_post, a.id, "")).action == "allow"
    text = "Follow me for amazing outfit deals today"
    for _ in range(spam.SELF_REPEAT_LIMIT):
        assert (await db.run(spam.check_post, a.id, text)).action == "allow"
    limited = await db.run(spam.check_post, a.id, text.upper() + "!!")
    assert limited.action == "rate_limit"
    assert limited.reasons == ["repeated_text"]
    assert 0 < limited.retry_after <= 601
    # Short texts are never counted.
    for _ in range(6):
        assert (await db.run(spam.check_post, a.id, "so cute")).action == "allow"
    # Across accounts: the GLOBAL_REPEAT_LIMIT-th copy is held.
    users = [b, *(await factory.users(spam.GLOBAL_REPEAT_LIMIT))]
    other = "Win a free designer bag click my profile now"
    decisions = [(await db.run(spam.check_post, u.id, other)).action for u in users]
    assert decisions[:spam.GLOBAL_REPEAT_LIMIT - 1] == ["allow"] * (spam.GLOBAL_REPEAT_LIMIT - 1)
    assert decisions[spam.GLOBAL_REPEAT_LIMIT - 1] == "hold"
    # Short common captions never count across accounts.
    common = [(await db.run(spam.check_post, u.id, "Outfit of the day")).action for u in users]
    assert common == ["allow"] * len(users)
    # Outside the window nothing counts.

    def age(session: Session) -> None:
        from tanvi_social.moderation.models import TextFingerprint

        session.execute(update(TextFingerprint).values(
            created_at=utcnow() - spam.REPEAT_WINDOW - timedelta(seconds=5)))

    await db.run(age)
    assert (await db.run(spam.check_post, a.id, text)).action == "allow"


async def test_new_accounts_mass_following_is_rate_limited(factory: Factory,
                                                          platform: Any) -> None:
    new, old = await factory.user(), await factory.user()
    targets = await factory.users(spam.NEW_ACCOUNT_FOLLOWS_PER_HOUR)

    def follow_all(session: Session) -> None:
        for user_id in (new.id, old.id):
            for t in targets:
                session.add(Connection(follower_id=user_id, target_id=t.id, state="accepted"))
        session.execute(update(User).where(User.id == old.id)
                        .values(created_at=utcnow() - timedelta(days=30)))

    await platform.db.run(follow_all)
    decision = await platform.db.read(spam.check_follow, new.id)
    assert decision.action == "rate_limit"
    assert decision.reasons == ["new_account_mass_following"]
    assert decision.retry_after > 0
    assert (await platform.db.read(spam.check_follow, old.id)).action == "allow"


async def test_follow_endpoint_applies_the_mass_following_check(client: httpx.AsyncClient,
                                                                 factory: Factory,
                                                                 platform: Any) -> None:
    new = await factory.user()
    targets = await factory.users(spam.NEW_ACCOUNT_FOLLOWS_PER_HOUR + 1)

    def follow_many(session: Session) -> None:
        for t in targets[:-1]:
            session.add(Connection(follower_id=new.id, target_id=t.id, state="accepted"))

    await platform.db.run(follow_many)
    r = await client.post("/api/social/connections", json={"user_id": targets[-1].id},
                          headers=new.headers)
    assert r.status_code == 429
    assert r.json()["code"] == "follow_spam"
    assert int(r.headers["Retry-After"]) > 0


async def test_spam_limits_follow_the_rate_limit_switch_but_holds_do_not(
    make_harness: Any, factory: Factory, platform: Any
) -> None:
    """`TANVI_RATE_LIMITS_ENABLED=false` (load tests, benchmarks) turns off the spam heuristic's
    429s like every other limit; holding link-only text is moderation and still applies."""
    h = await make_harness(rate_limits_enabled=False)
    author = await factory.user()
    targets = await factory.users(spam.NEW_ACCOUNT_FOLLOWS_PER_HOUR + 1)

    def follow_many(session: Session) -> None:
        for t in targets[:-1]:
            session.add(Connection(follower_id=author.id, target_id=t.id, state="accepted"))

    await platform.db.run(follow_many)
    text = "Follow me for amazing outfit deals today"
    async with h.client() as client:
        for _ in range(spam.SELF_REPEAT_LIMIT + 2):
            r = await client.post("/api/content/posts", json={"caption": text},
                                  headers=author.headers)
            assert r.status_code == 201, r.text
            assert r.json()["post"]["moderation_state"] == "visible"
        r = await client.post("/api/content/posts", json={"caption": "https://cheap.example/x"},
                              headers=author.headers)
        assert r.status_code == 201
        assert r.json()["post"]["moderation_state"] == "held"
        r = await client.post("/api/social/connections", json={"user_id": targets[-1].id},
                              headers=author.headers)
        assert r.status_code == 201, r.text
