"""Style Wrapped through the HTTP API, on a hand-built world whose figures are computed by hand.

Alice's looks (backdated in the database; the API cannot post in the past). Photos are solid
colours, so each palette is one colour with share 1.0.

| look | published (UTC)  | photos     | outfit items + garment tags         | reactions      |
|------|------------------|------------|-------------------------------------|----------------|
| P1   | 2025-03-05       | sage, navy | blazer COS, jeans Levi's            | like love fire |
| P2   | 2025-03-12 (*)   | sage       | Blazer cos                          | like           |
| P3   | 2025-03-20       | camel      | coat Arket; tags coat Arket (once), | love love      |
|      |                  |            | bag Polène                          |                |
| P4   | 2025-03-25       | -          | tee COS                             |                |
| P7   | 2025-03-18 (priv)| navy       | trousers Toteme, scarf Zara         |                |
| P8   | 2025-04-01 00:00 | burgundy   | dress Zara                          | like x3        |
| P9   | 2024-12-30       | burgundy   | coat Zara                           |                |
(*) created 2025-02-20, published 2025-03-12 (a draft published later). Left out of
March: a draft, a deleted look (with a reaction), a removed look and a repost, all in March.

March 2025 by hand: 5 looks (P1 P2 P3 P4 P7), 4 with photos. Colour weight (a look weighs 1,
split between its photos): sage ½ + 1 = 1.5, navy ½ + 1 = 1.5, camel 1 → shares /4 = .375, .375,
.25 (sage and navy tie: by name). Categories by looks: blazer 2, then bag coat jeans scarf 1
(tee, trousers cut at five). Brands: COS 3 (P1 P2 P4), then Arket Levi's Polène Toteme 1 (Zara
sixth). Reactions 3 + 1 + 2 = 6. Followers accepted in March: gail (03-01 00:00, inclusive),
bob, cara = 3 (dan at 04-01 00:00 is April's; erin's is 2024; frank unfollowed). Challenges
ended in March: C1 rank 3 of 4 with 2 votes (tie on votes with cara, who reached 2 first), a
winner (top three with a vote); C2 rank 2 of 2 without votes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from PIL import Image
from sqlalchemy import update
from sqlalchemy.orm import Session

from tanvi_social.content.models import Challenge, Post
from tanvi_social.core.time import utcnow
from tanvi_social.social.models import Connection
from tests.conftest import AppHarness, reset_state
from tests.factories import Factory, TestUser
from tests.media.images import encode

W = "/api/inspiration/wrapped"
CH = "/api/content/challenges"
SAGE, NAVY, CAMEL, BURGUNDY = "#9caf88", "#000080", "#c19a6b", "#800020"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass
class World:
    alice: TestUser
    bob: TestUser
    cara: TestUser
    dan: TestUser
    posts: dict[str, int] = field(default_factory=dict)
    challenges: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)


async def _upload(client: AsyncClient, user: TestUser, hex_value: str) -> int:
    data = encode(Image.new("RGB", (400, 500), hex_value), "PNG")
    r = await client.post("/api/media", headers=user.headers,
                          files={"file": ("look.png", data, "image/png")})
    assert r.status_code == 201, r.text
    media = r.json()["media"]
    # a solid photo is one colour: the hand computation above relies on it
    assert [(c["name"], c["share"]) for c in media["palette"]] == [
        ({SAGE: "sage", NAVY: "navy", CAMEL: "camel", BURGUNDY: "burgundy"}[hex_value], 1.0)]
    return int(media["id"])


def _item(category: str, brand: str) -> dict[str, str]:
    return {"name": category.title(), "category": category, "brand": brand}


async def _post(client: AsyncClient, user: TestUser, caption: str, **fields: Any) -> int:
    r = await client.post("/api/content/posts", json={"caption": caption, **fields},
                          headers=user.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["post"]["id"])


async def _react(client: AsyncClient, user: TestUser, post_id: int, kind: str) -> None:
    r = await client.post(f"/api/content/posts/{post_id}/likes", json={"like_type": kind},
                          headers=user.headers)
    assert r.status_code in (200, 201), r.text


async def _challenge(client: AsyncClient, mod: TestUser, title: str) -> int:
    r = await client.post(CH, json={"title": title,
                                    "ends_at": (utcnow() + timedelta(days=7)).isoformat()},
                          headers=mod.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["challenge"]["id"])


async def _enter(client: AsyncClient, user: TestUser, challenge_id: int, post_id: int) -> int:
    r = await client.post(f"{CH}/{challenge_id}/entries", json={"post_id": post_id},
                          headers=user.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["entry"]["id"])


async def _vote(client: AsyncClient, user: TestUser, challenge_id: int, entry_id: int) -> None:
    r = await client.post(f"{CH}/{challenge_id}/entries/{entry_id}/vote", headers=user.headers)
    assert r.status_code in (200, 201), r.text


async def _follow(client: AsyncClient, follower: TestUser, target: TestUser) -> None:
    r = await client.post("/api/social/connections", json={"user_id": target.id},
                          headers=follower.headers)
    assert r.status_code == 201, r.text


@pytest.fixture(autouse=True)
def clean_state() -> None:
    """Replaces the per-test reset: these tests only read, and share one world per module
    (building it takes ~60 requests). Each report is per user, so the users other tests add
    cannot change Alice's or Bob's figures."""


@pytest.fixture(scope="module")
async def world(harness: AppHarness, database_url: str) -> World:
    await reset_state(database_url, harness)
    async with harness.client() as client:
        return await build_world(client, Factory(harness.platform), harness.platform)


async def build_world(client: AsyncClient, factory: Factory, platform: Any) -> World:
    alice = await factory.user("alice", display_name="Alice Wong")
    bob, cara, dan, erin, frank, gail = [
        await factory.user(n) for n in ("bob", "cara", "dan", "erin", "frank", "gail")]
    mod = await factory.moderator()
    w = World(alice, bob, cara, dan)

    sage, navy = await _upload(client, alice, SAGE), await _upload(client, alice, NAVY)
    camel, burgundy = await _upload(client, alice, CAMEL), await _upload(client, alice, BURGUNDY)
    for tag in ({"x": 0.5, "y": 0.3, "category": "coat", "brand": "Arket"},
                {"x": 0.5, "y": 0.8, "category": "bag", "brand": "Polène"}):
        r = await client.post(f"/api/media/{camel}/tags", json=tag, headers=alice.headers)
        assert r.status_code == 201, r.text

    p = w.posts
    p["P1"] = await _post(client, alice, "Office blazer", title="Blazer day",
                          media_ids=[sage, navy],
                          outfit_items=[_item("blazer", "COS"), _item("jeans", "Levi's")])
    p["P2"] = await _post(client, alice, "Sage again", media_ids=[sage],
                          outfit_items=[_item("Blazer", "cos")])
    p["P3"] = await _post(client, alice, "Camel coat weather", media_ids=[camel],
                          outfit_items=[_item("coat", "Arket")])
    p["P4"] = await _post(client, alice, "Just a tee today", outfit_items=[_item("tee", "COS")])
    p["P7"] = await _post(client, alice, "Only for me", media_ids=[navy], visibility="private",
                          outfit_items=[_item("trousers", "Toteme"), _item("scarf", "Zara")])
    p["P8"] = await _post(client, alice, "Burgundy dress", media_ids=[burgundy],
                          outfit_items=[_item("dress", "Zara")])
    p["P9"] = await _post(client, alice, "Last year", media_ids=[burgundy],
                          outfit_items=[_item("coat", "Zara")])
    p["draft"] = await _post(client, alice, "Not yet", media_ids=[burgundy], is_draft=True,
                             outfit_items=[_item("skirt", "Ganni")])
    p["deleted"] = await _post(client, alice, "Regret", media_ids=[burgundy],
                               outfit_items=[_item("skirt", "Ganni")])
    p["removed"] = await _post(client, alice, "Taken down", media_ids=[burgundy],
                               outfit_items=[_item("skirt", "Ganni")])
    bobs = await _post(client, bob, "Bob's look")
    r = await client.post(f"/api/content/posts/{bobs}/shares", json={"share_type": "repost"},
                          headers=alice.headers)
    assert r.status_code == 201, r.text
    p["repost"] = int(r.json()["share"]["repost"]["id"])

    for who, kind in ((bob, "like"), (cara, "love"), (dan, "fire")):
        await _react(client, who, p["P1"], kind)
    await _react(client, bob, p["P2"], "like")
    for who in (bob, cara):
        await _react(client, who, p["P3"], "love")
    for who in (bob, cara, dan):
        await _react(client, who, p["P8"], "like")
    await _react(client, cara, p["deleted"], "like")
    r = await client.delete(f"/api/content/posts/{p['deleted']}", headers=alice.headers)
    assert r.status_code == 200, r.text

    # challenges: C1 and C2 end in March 2025, C3 in April
    c1, c2, c3 = [await _challenge(client, mod, t) for t in ("Monochrome", "Denim", "Red")]
    w.challenges.update(C1=c1, C2=c2, C3=c3)
    e = w.entries
    e["a1"] = await _enter(client, alice, c1, p["P3"])
    e["b1"] = await _enter(client, bob, c1, bobs)
    e["c1"] = await _enter(client, cara, c1, await _post(client, cara, "Cara enters"))
    e["d1"] = await _enter(client, dan, c1, await _post(client, dan, "Dan enters"))
    e["a2"] = await _enter(client, alice, c2, p["P2"])
    e["d2"] = await _enter(client, dan, c2, await _post(client, dan, "Dan again"))
    e["a3"] = await _enter(client, alice, c3, p["P8"])
    # b1: 3 votes; c1 reaches 2 before a1 does; d1: none
    for voter, entry in ((alice, "b1"), (cara, "b1"), (dan, "b1"), (alice, "c1"), (bob, "c1"),
                         (bob, "a1"), (dan, "a1")):
        await _vote(client, voter, c1, e[entry])
    await _vote(client, bob, c2, e["d2"])
    await _vote(client, bob, c3, e["a3"])

    for follower in (bob, cara, dan, erin, frank, gail):
        await _follow(client, follower, alice)
    r = await client.delete(f"/api/social/connections/{alice.id}", headers=frank.headers)
    assert r.status_code == 200, r.text

    published = {"P1": at(2025, 3, 5, 10), "P2": at(2025, 3, 12, 9), "P3": at(2025, 3, 20, 18),
                 "P4": at(2025, 3, 25, 7), "P7": at(2025, 3, 18, 12), "P8": at(2025, 4, 1),
                 "P9": at(2024, 12, 30, 20), "deleted": at(2025, 3, 15),
                 "removed": at(2025, 3, 16), "repost": at(2025, 3, 17)}
    accepted = {bob.id: at(2025, 3, 3, 8), cara.id: at(2025, 3, 28, 22), gail.id: at(2025, 3, 1),
                dan.id: at(2025, 4, 1), erin.id: at(2024, 12, 31, 23, 59, 59)}
    ends = {c1: at(2025, 3, 30, 12), c2: at(2025, 3, 31, 18), c3: at(2025, 4, 10)}

    def backdate(session: Session) -> None:
        for key, when in published.items():
            session.execute(update(Post).where(Post.id == p[key])
                            .values(published_at=when, created_at=when))
        session.execute(update(Post).where(Post.id == p["P2"])
                        .values(created_at=at(2025, 2, 20)))
        session.execute(update(Post).where(Post.id == p["draft"])
                        .values(created_at=at(2025, 3, 10)))
        session.execute(update(Post).where(Post.id == p["removed"])
                        .values(moderation_state="removed"))
        for follower_id, when in accepted.items():
            session.execute(update(Connection).where(Connection.follower_id == follower_id,
                                                     Connection.target_id == alice.id)
                            .values(accepted_at=when, created_at=when))
        for cid, end in ends.items():
            session.execute(update(Challenge).where(Challenge.id == cid)
                            .values(starts_at=end - timedelta(days=14), ends_at=end))

    await platform.db.run(backdate)
    return w


async def report(client: AsyncClient, user: TestUser, period: str) -> dict[str, Any]:
    r = await client.get(W, params={"period": period}, headers=user.headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["wrapped"])


class TestMonth:
    async def test_every_figure_matches_the_hand_computation(
        self, client: AsyncClient, world: World
    ) -> None:
        w, p = world, world.posts
        got = await report(client, w.alice, "2025-03")
        assert (got["period"], got["period_type"], got["label"], got["status"]) == (
            "2025-03", "month", "March 2025", "past")
        assert (got["starts_at"], got["ends_at"]) == ("2025-03-01T00:00:00Z",
                                                      "2025-04-01T00:00:00Z")
        assert got["user"]["id"] == w.alice.id
        assert got["user"]["username"] == "alice"
        assert got["totals"] == {"posts": 5, "posts_with_photos": 4, "reactions": 6,
                                 "new_followers": 3, "challenge_placements": 2,
                                 "challenge_wins": 1}
        assert got["top_colours"] == [
            {"name": "navy", "hex": NAVY, "share": 0.375, "posts": 2},
            {"name": "sage", "hex": SAGE, "share": 0.375, "posts": 2},
            {"name": "camel", "hex": CAMEL, "share": 0.25, "posts": 1},
        ]
        assert got["top_categories"] == [{"name": n, "posts": c} for n, c in (
            ("blazer", 2), ("bag", 1), ("coat", 1), ("jeans", 1), ("scarf", 1))]
        assert got["top_brands"] == [{"name": n, "posts": c} for n, c in (
            ("COS", 3), ("Arket", 1), ("Levi's", 1), ("Polène", 1), ("Toteme", 1))]
        looks = got["most_reacted"]
        assert [(x["post_id"], x["reactions"], x["reactions_by_type"]) for x in looks] == [
            (p["P1"], 3, {"fire": 1, "like": 1, "love": 1}),
            (p["P3"], 2, {"love": 2}),
            (p["P2"], 1, {"like": 1}),
        ]
        assert looks[0]["title"] == "Blazer day"
        assert looks[0]["caption"] == "Office blazer"
        assert looks[0]["published_at"] == "2025-03-05T10:00:00Z"
        assert "/thumbnail" in looks[0]["thumbnail_url"]
        assert got["challenge_placements"] == [
            {"challenge_id": w.challenges["C1"], "title": "Monochrome",
             "entry_id": w.entries["a1"], "post_id": p["P3"], "rank": 3, "entries": 4,
             "votes": 2, "winner": True, "ended_at": "2025-03-30T12:00:00Z"},
            {"challenge_id": w.challenges["C2"], "title": "Denim",
             "entry_id": w.entries["a2"], "post_id": p["P2"], "rank": 2, "entries": 2,
             "votes": 0, "winner": False, "ended_at": "2025-03-31T18:00:00Z"},
        ]

    async def test_looks_outside_the_month_drafts_deleted_removed_and_reposts_are_left_out(
        self, client: AsyncClient, world: World
    ) -> None:
        got = await report(client, world.alice, "2025-03")
        # burgundy, Zara's dress, Ganni's skirt only come from excluded looks
        assert "burgundy" not in {c["name"] for c in got["top_colours"]}
        assert {"skirt", "dress"}.isdisjoint(c["name"] for c in got["top_categories"])
        assert "Ganni" not in {b["name"] for b in got["top_brands"]}
        excluded = {world.posts[k] for k in ("P8", "P9", "draft", "deleted", "removed", "repost")}
        assert excluded.isdisjoint(x["post_id"] for x in got["most_reacted"])
        april = await report(client, world.alice, "2025-04")
        # P8 published exactly at 2025-04-01T00:00Z and dan's follow at that instant are April's
        assert (april["totals"]["posts"], april["totals"]["new_followers"]) == (1, 1)
        assert april["top_colours"] == [
            {"name": "burgundy", "hex": BURGUNDY, "share": 1.0, "posts": 1}]
        assert april["top_brands"] == [{"name": "Zara", "posts": 1}]
        assert [p["challenge_id"] for p in april["challenge_placements"]] == [
            world.challenges["C3"]]
        assert april["challenge_placements"][0]["rank"] == 1
        assert april["challenge_placements"][0]["winner"] is True


class TestYear:
    async def test_year_adds_up_its_months(self, client: AsyncClient, world: World) -> None:
        p = world.posts
        got = await report(client, world.alice, "2025")
        assert (got["period"], got["period_type"], got["label"]) == ("2025", "year", "2025")
        assert (got["starts_at"], got["ends_at"]) == ("2025-01-01T00:00:00Z",
                                                      "2026-01-01T00:00:00Z")
        # P1 P2 P3 P4 P7 P8; 5 with photos; followers gail bob cara dan (erin's is 2024)
        assert got["totals"] == {"posts": 6, "posts_with_photos": 5, "reactions": 9,
                                 "new_followers": 4, "challenge_placements": 3,
                                 "challenge_wins": 2}
        assert got["top_colours"] == [
            {"name": "navy", "hex": NAVY, "share": 0.3, "posts": 2},
            {"name": "sage", "hex": SAGE, "share": 0.3, "posts": 2},
            {"name": "burgundy", "hex": BURGUNDY, "share": 0.2, "posts": 1},
            {"name": "camel", "hex": CAMEL, "share": 0.2, "posts": 1},
        ]
        assert got["top_categories"] == [{"name": n, "posts": c} for n, c in (
            ("blazer", 2), ("bag", 1), ("coat", 1), ("dress", 1), ("jeans", 1))]
        assert got["top_brands"] == [{"name": n, "posts": c} for n, c in (
            ("COS", 3), ("Zara", 2), ("Arket", 1), ("Levi's", 1), ("Polène", 1))]
        # P1 and P8 tie on 3 reactions: the earlier look first
        assert [(x["post_id"], x["reactions"]) for x in got["most_reacted"]] == [
            (p["P1"], 3), (p["P8"], 3), (p["P3"], 2)]
        assert [(x["challenge_id"], x["rank"], x["winner"])
                for x in got["challenge_placements"]] == [
            (world.challenges["C1"], 3, True), (world.challenges["C2"], 2, False),
            (world.challenges["C3"], 1, True)]

    async def test_the_year_before_holds_only_its_own_look(
        self, client: AsyncClient, world: World
    ) -> None:
        got = await report(client, world.alice, "2024")
        assert got["totals"] == {"posts": 1, "posts_with_photos": 1, "reactions": 0,
                                 "new_followers": 1, "challenge_placements": 0,
                                 "challenge_wins": 0}
        assert got["top_categories"] == [{"name": "coat", "posts": 1}]
        assert got["most_reacted"] == []


EMPTY_TOTALS = {"posts": 0, "posts_with_photos": 0, "reactions": 0, "new_followers": 0,
                "challenge_placements": 0, "challenge_wins": 0}


class TestPeriods:
    @pytest.mark.parametrize("period", ["2025-13", "2025-00", "2025-3", "25", "2025-03-01",
                                        "abcd", "1969", "9999", "2025/03", " 2025", "", "٢٠٢٥"])
    async def test_a_bad_period_is_a_422(self, client: AsyncClient, factory: Factory,
                                         period: str) -> None:
        user = await factory.user()
        for path in (W, f"{W}/card.png"):
            r = await client.get(path, params={"period": period}, headers=user.headers)
            assert r.status_code == 422, (path, period, r.text)
            assert r.json()["code"] in ("validation_error", "invalid_period")

    async def test_missing_period_is_a_422(self, client: AsyncClient, factory: Factory) -> None:
        user = await factory.user()
        r = await client.get(W, headers=user.headers)
        assert r.status_code == 422
        assert r.json()["details"][0]["loc"] == ["query", "period"]

    async def test_future_and_empty_periods_are_empty_reports(
        self, client: AsyncClient, world: World
    ) -> None:
        for period, status in (("2999-01", "future"), ("2999", "future"), ("2020-05", "past")):
            got = await report(client, world.alice, period)
            assert got["status"] == status
            assert got["totals"] == EMPTY_TOTALS
            for key in ("top_colours", "top_categories", "top_brands", "most_reacted",
                        "challenge_placements"):
                assert got[key] == [], key

    async def test_current_month_leaves_out_challenges_still_open(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice, mod = await factory.user(), await factory.moderator()
        cid = await _challenge(client, mod, "Still open")
        await _enter(client, alice, cid, await _post(client, alice, "Entering now"))
        got = await report(client, alice, utcnow().strftime("%Y-%m"))
        assert got["status"] == "current"
        assert got["totals"]["posts"] == 1
        assert got["challenge_placements"] == []  # standings stay hidden while it is open


class TestCard:
    async def test_card_is_a_png_of_the_stated_size_showing_the_top_colour(
        self, client: AsyncClient, world: World
    ) -> None:
        r = await client.get(f"{W}/card.png", params={"period": "2025-03"},
                             headers=world.alice.headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/png"
        assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
        img = Image.open(io.BytesIO(r.content))
        assert (img.format, img.size) == ("PNG", (1080, 1350))
        # the first swatch (navy) is a filled circle centred in the first of five columns
        column = (1080 - 160) // 5
        assert img.convert("RGB").getpixel((80 + column // 2, 385 + 60 + 66)) == (0, 0, 128)
        again = await client.get(f"{W}/card.png", params={"period": "2025-03"},
                                 headers=world.alice.headers)
        assert again.content == r.content

    async def test_empty_and_future_periods_still_draw_a_card(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        user = await factory.user()
        for period in ("2999-12", "2020"):
            r = await client.get(f"{W}/card.png", params={"period": period},
                                 headers=user.headers)
            assert r.status_code == 200
            assert Image.open(io.BytesIO(r.content)).size == (1080, 1350)

    async def test_contract_aliases_under_api_social(self, client: AsyncClient,
                                                     world: World) -> None:
        ours = await report(client, world.alice, "2025-03")
        r = await client.get("/api/social/wrapped", params={"period": "2025-03"},
                             headers=world.alice.headers)
        assert r.status_code == 200
        alias = r.json()["wrapped"]
        assert {k: v for k, v in alias.items() if k != "generated_at"} == {
            k: v for k, v in ours.items() if k != "generated_at"}
        png = await client.get("/api/social/wrapped/2025-03.png", headers=world.alice.headers)
        assert png.status_code == 200
        assert Image.open(io.BytesIO(png.content)).size == (1080, 1350)
        bad = await client.get("/api/social/wrapped/2025-13.png", headers=world.alice.headers)
        assert bad.status_code == 422


class TestPrivacy:
    async def test_nobody_else_can_read_a_report(self, client: AsyncClient,
                                                 world: World) -> None:
        alice, bob = world.alice, world.bob
        for path in (W, f"{W}/card.png", "/api/social/wrapped"):
            r = await client.get(path, params={"period": "2025-03", "user_id": alice.id},
                                 headers=bob.headers)
            assert r.status_code == 404, path
            assert r.json()["code"] == "wrapped_not_found"
            anonymous = await client.get(path, params={"period": "2025-03"})
            assert anonymous.status_code == 401, path
        # the same id as the caller's is fine; bob's own report holds bob's data only
        mine = await client.get(W, params={"period": "2025-03", "user_id": bob.id},
                                headers=bob.headers)
        assert mine.status_code == 200
        got = mine.json()["wrapped"]
        assert got["user"]["id"] == bob.id
        assert got["totals"] == {**EMPTY_TOTALS, "challenge_placements": 1, "challenge_wins": 1}
        assert [(x["entry_id"], x["rank"], x["votes"]) for x in got["challenge_placements"]] == [
            (world.entries["b1"], 1, 3)]

    async def test_a_missing_user_is_the_same_404(self, client: AsyncClient,
                                                  world: World) -> None:
        r = await client.get(W, params={"period": "2025-03", "user_id": 999_999},
                             headers=world.bob.headers)
        assert r.status_code == 404
        assert r.json()["code"] == "wrapped_not_found"

