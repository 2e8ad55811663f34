from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.social.models import Profile, StyleTerm
from tests.factories import Factory
from tests.social.helpers import follow, set_profile

GOOD_PASSWORD = "velvet-blazer-42"


class TestProfileCreatedAtRegistration:
    async def test_register_creates_profile_with_display_name(self, client: AsyncClient,
                                                              platform) -> None:
        response = await client.post("/api/auth/register", json={
            "username": "zara_edit", "email": "z@example.com", "password": GOOD_PASSWORD,
            "display_name": "Zara E"})
        assert response.status_code == 201, response.text
        user_id = response.json()["user"]["id"]
        row = await platform.db.read(lambda s: s.execute(
            select(Profile.display_name, Profile.followers_count)
            .where(Profile.user_id == user_id)).one())
        assert tuple(row) == ("Zara E", 0)

    async def test_factory_users_have_profiles(self, factory: Factory, platform) -> None:
        users = await factory.users(3)
        n = await platform.db.read(lambda s: s.scalar(
            select(func.count()).select_from(Profile).where(
                Profile.user_id.in_([u.id for u in users]))))
        assert n == 3


class TestVocabulary:
    async def test_curated_vocabulary_present_after_migrate(self, client: AsyncClient,
                                                            platform) -> None:
        response = await client.get("/api/social/vocabulary")
        assert response.status_code == 200
        slugs = {(t["kind"], t["slug"]) for t in response.json()["vocabulary"]}
        for style in ("minimalist", "streetwear", "boho", "classic", "romantic", "edgy",
                      "athleisure", "vintage", "preppy", "glam"):
            assert ("style", style) in slugs
        assert ("budget", "luxury") in slugs
        n = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(StyleTerm)))
        assert n == len(slugs)


class TestOwnProfile:
    async def test_get_me_includes_private_size_info(self, client: AsyncClient,
                                                     factory: Factory) -> None:
        mia = await factory.user("mia")
        await set_profile(client, mia, size_info={"top": "M", "shoe": "39"})
        for path in ("/api/social/profiles/me", "/api/social/profile"):
            response = await client.get(path, headers=mia.headers)
            assert response.status_code == 200
            body = response.json()["profile"]
            assert body["size_info"] == {"top": "M", "shoe": "39"}
            assert body["viewer"]["is_self"] is True

    async def test_anonymous_me_is_401(self, client: AsyncClient) -> None:
        response = await client.get("/api/social/profiles/me")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    async def test_update_splits_curated_and_free_tags(self, client: AsyncClient,
                                                        factory: Factory) -> None:
        mia = await factory.user()
        body = await set_profile(client, mia, style_tags=["Minimalist", "#thrifted", "boho",
                                                          "minimalist", "Capsule Wardrobe"],
                                 favorite_colors=["Navy", "navy", "Camel"],
                                 favorite_brands=["COS", "cos", "Arket"],
                                 occasions=["Date Night", "work"], budget_band="mid",
                                 bio="Neutral tones only.")
        assert body["style_tags"] == ["minimalist", "boho"]
        assert body["custom_tags"] == ["thrifted", "capsule-wardrobe"]
        assert body["favorite_colors"] == ["navy", "camel"]
        assert body["favorite_brands"] == ["COS", "Arket"]
        assert body["occasions"] == ["date-night", "work"]
        assert body["budget_band"] == "mid"

    async def test_partial_update_keeps_other_fields(self, client: AsyncClient,
                                                     factory: Factory) -> None:
        mia = await factory.user()
        await set_profile(client, mia, bio="Hello", location="Lisbon")
        body = await set_profile(client, mia, location="Porto")
        assert body["bio"] == "Hello"
        assert body["location"] == "Porto"

    async def test_alias_put_profile(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await client.put("/api/social/profile", json={"bio": "alias"},
                                    headers=mia.headers)
        assert response.status_code == 200
        assert response.json()["profile"]["bio"] == "alias"

    async def test_bio_over_500_is_422(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await client.put("/api/social/profiles/me", json={"bio": "x" * 501},
                                    headers=mia.headers)
        assert response.status_code == 422

    async def test_counters_cannot_be_mass_assigned(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        mia = await factory.user()
        body = await set_profile(client, mia, followers_count=10_000, bio="ok")
        assert body["followers_count"] == 0

    async def test_unknown_budget_band_is_422(self, client: AsyncClient,
                                              factory: Factory) -> None:
        mia = await factory.user()
        response = await client.put("/api/social/profiles/me", json={"budget_band": "cheap"},
                                    headers=mia.headers)
        assert response.status_code == 422

    async def test_post_sets_up_once_then_409(self, client: AsyncClient,
                                              factory: Factory) -> None:
        mia = await factory.user()
        first = await client.post("/api/social/profiles", json={"bio": "first"},
                                  headers=mia.headers)
        assert first.status_code == 201
        assert first.json()["profile"]["bio"] == "first"
        again = await client.post("/api/social/profile", json={"bio": "again"},
                                  headers=mia.headers)
        assert again.status_code == 409
        assert again.json()["code"] == "profile_exists"

    async def test_suspended_user_cannot_update(self, client: AsyncClient, factory: Factory,
                                                platform) -> None:
        from datetime import timedelta

        from tanvi_social.accounts.models import User
        from tanvi_social.core.time import utcnow

        mia = await factory.user()

        def suspend(s):
            s.get(User, mia.id).suspended_until = utcnow() + timedelta(days=1)

        await platform.db.run(suspend)
        response = await client.put("/api/social/profiles/me", json={"bio": "x"},
                                    headers=mia.headers)
        assert response.status_code == 403


class TestProfilePrivacy:
    async def test_public_profile_visible_to_stranger_without_size_info(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, mia, style_tags=["boho"], size_info={"top": "S"})
        for headers in (zoe.headers, {}):
            response = await client.get(f"/api/social/profiles/{mia.id}", headers=headers)
            assert response.status_code == 200
            body = response.json()["profile"]
            assert body["is_limited"] is False
            assert body["style_tags"] == ["boho"]
            assert body["size_info"] is None

    async def test_private_profile_shows_only_card_to_stranger(self, client: AsyncClient,
                                                                factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, mia, visibility="private", style_tags=["edgy"], bio="secret",
                          location="Oslo", display_name="Mia")
        response = await client.get(f"/api/social/profiles/{mia.id}", headers=zoe.headers)
        assert response.status_code == 200
        body = response.json()["profile"]
        assert body["is_limited"] is True
        assert body["display_name"] == "Mia"
        assert body["style_tags"] == []
        assert body["bio"] is None
        assert body["location"] is None

    async def test_followers_only_profile_visible_to_follower(self, client: AsyncClient,
                                                               factory: Factory) -> None:
        mia, zoe, eve = await factory.user(), await factory.user(), await factory.user()
        await set_profile(client, mia, visibility="followers", style_tags=["glam"])
        assert (await follow(client, zoe, mia)).status_code == 201
        seen = (await client.get(f"/api/social/profiles/{mia.id}", headers=zoe.headers)).json()
        assert seen["profile"]["style_tags"] == ["glam"]
        assert seen["profile"]["viewer"]["is_following"] is True
        stranger = (await client.get(f"/api/social/profiles/{mia.id}",
                                     headers=eve.headers)).json()
        assert stranger["profile"]["is_limited"] is True

    async def test_blocked_user_gets_404_both_ways(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        response = await client.post("/api/social/blocks", json={"user_id": zoe.id},
                                     headers=mia.headers)
        assert response.status_code == 201
        for viewer, owner in ((zoe, mia), (mia, zoe)):
            r = await client.get(f"/api/social/profiles/{owner.id}", headers=viewer.headers)
            assert r.status_code == 404
            assert r.json()["code"] == "profile_not_found"

    async def test_unknown_profile_is_404(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await client.get("/api/social/profiles/999999", headers=mia.headers)
        assert response.status_code == 404


class TestProfileSearch:
    async def test_search_by_name_and_tag_excludes_blocked(self, client: AsyncClient,
                                                           factory: Factory) -> None:
        mia = await factory.user("mia_search")
        ava = await factory.user("ava_search")
        priv = await factory.user("priv_search")
        bad = await factory.user("bad_search")
        await set_profile(client, ava, style_tags=["boho"])
        await set_profile(client, priv, style_tags=["boho"], visibility="private")
        await set_profile(client, bad, style_tags=["boho"])
        await client.post("/api/social/blocks", json={"user_id": mia.id}, headers=bad.headers)
        response = await client.get("/api/social/profiles", params={"q": "_search"},
                                    headers=mia.headers)
        assert response.status_code == 200
        names = {p["username"] for p in response.json()["profiles"]}
        assert names == {"mia_search", "ava_search", "priv_search"}
        limited = {p["username"]: p["is_limited"] for p in response.json()["profiles"]}
        assert limited["priv_search"] is True
        tagged = await client.get("/api/social/profiles", params={"style_tag": "boho"},
                                  headers=mia.headers)
        assert {p["username"] for p in tagged.json()["profiles"]} == {"ava_search"}
        assert tagged.json()["pagination"]["total"] == 1

    async def test_per_page_out_of_range_is_422(self, client: AsyncClient) -> None:
        response = await client.get("/api/social/profiles", params={"per_page": 101})
        assert response.status_code == 422


class TestProfileModeration:
    async def test_filtered_bio_is_held_and_rejected_text_refused(
            self, client: AsyncClient, factory: Factory, platform) -> None:
        from tanvi_social.moderation.targets import get_target

        mod = await factory.moderator()
        mia, zoe = await factory.user(), await factory.user()
        for pattern, action in (("cheapfakes", "hold"), ("slur", "reject")):
            r = await client.post("/api/moderation/filters",
                                  json={"pattern": pattern, "action": action},
                                  headers=mod.headers)
            assert r.status_code == 201, r.text
        refused = await client.put("/api/social/profiles/me", json={"bio": "a slur here"},
                                   headers=mia.headers)
        assert refused.status_code == 422
        assert refused.json()["code"] == "content_rejected"
        own = await set_profile(client, mia, bio="buy cheapfakes now", display_name="Mia",
                                style_tags=["boho"])
        assert own["moderation_state"] == "held"
        assert own["bio"] == "buy cheapfakes now"
        seen = (await client.get(f"/api/social/profiles/{mia.id}", headers=zoe.headers)).json()
        assert seen["profile"]["is_limited"] is True
        assert seen["profile"]["bio"] is None
        assert seen["profile"]["display_name"] is None
        assert seen["profile"]["moderation_state"] is None
        target = get_target("profile")
        assert target is not None
        await platform.db.run(target.set_state, mia.id, "visible")
        seen = (await client.get(f"/api/social/profiles/{mia.id}", headers=zoe.headers)).json()
        assert seen["profile"]["bio"] == "buy cheapfakes now"
        assert await platform.db.read(target.owner_of, mia.id) == mia.id
