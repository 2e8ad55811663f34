"""Suggestions, influencers and content-derived style signals."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import update

from tanvi_social.content.models import Post, Save
from tanvi_social.core.time import utcnow
from tanvi_social.social.influencers import Engagement, influence, tier_for
from tanvi_social.social.models import Connection
from tests.factories import Factory
from tests.social.helpers import follow, set_profile


class TestSuggestions:
    async def test_ranked_by_style_and_graph_with_reasons(self, client: AsyncClient,
                                                          factory: Factory) -> None:
        me = await factory.user("me_sugg")
        friend = await factory.user("friend_sugg")
        twin = await factory.user("twin_sugg")
        fof = await factory.user("fof_sugg")
        other = await factory.user("other_sugg")
        blocked = await factory.user("blocked_sugg")
        muted = await factory.user("muted_sugg")
        style = {"style_tags": ["minimalist", "scandi"], "favorite_colors": ["navy"]}
        await set_profile(client, me, **style)
        await set_profile(client, twin, **style)
        await set_profile(client, blocked, **style)
        await set_profile(client, muted, **style)
        await set_profile(client, other, style_tags=["glam"])
        await follow(client, me, friend)
        await follow(client, friend, fof)
        await client.post("/api/social/blocks", json={"user_id": blocked.id}, headers=me.headers)
        await client.post("/api/social/mutes", json={"user_id": muted.id}, headers=me.headers)
        response = await client.get("/api/social/suggestions", headers=me.headers)
        assert response.status_code == 200
        items = response.json()["suggestions"]
        ids = [s["user"]["user_id"] for s in items]
        assert ids[0] == twin.id
        assert items[0]["compatibility"] == 100
        assert items[0]["reason"].startswith("100% style match")
        assert fof.id in ids
        fof_item = next(s for s in items if s["user"]["user_id"] == fof.id)
        assert fof_item["reason"] == "Followed by friend_sugg you follow"
        assert fof_item["mutual_followers"] == 1
        for excluded in (me.id, friend.id, blocked.id, muted.id, other.id):
            assert excluded not in ids

    async def test_anonymous_is_401(self, client: AsyncClient) -> None:
        assert (await client.get("/api/social/suggestions")).status_code == 401


class TestInfluenceFormula:
    def test_components_and_tiers(self) -> None:
        score, m = influence(10_000, 0, Engagement(posts=12, interactions=12 * 10_000))
        assert m.reach_component == 1.0
        assert m.engagement_component == 1.0
        assert m.activity_component == 1.0
        assert m.growth_component == 0.0
        assert score == 75.0
        score, m = influence(100, 50, Engagement(posts=3, interactions=30))
        assert m.growth_rate_30d == 1.0  # 50 gained on a base of 50
        assert m.engagement_rate == 0.1  # 10 interactions per post / 100 followers
        assert score == round(100 * (0.3 * 0.01 + 0.25 * 0.1 + 0.25 * 1.0 + 0.2 * 0.25), 2)
        assert influence(0, 0, Engagement(0, 0))[0] == 0.0
        assert [tier_for(n) for n in (0, 999, 1_000, 10_000, 100_000, 1_000_000)] == [
            "nano", "nano", "micro", "mid", "macro", "mega"]


class TestInfluencers:
    async def test_apply_verify_list(self, client: AsyncClient, factory: Factory,
                                     platform) -> None:
        star, fan1, fan2 = await factory.user(), await factory.user(), await factory.user()
        admin = await factory.admin()
        await follow(client, fan1, star)
        await follow(client, fan2, star)
        old = utcnow() - timedelta(days=60)
        await platform.db.run(lambda s: s.execute(
            update(Connection).where(Connection.follower_id == fan1.id)
            .values(accepted_at=old, created_at=old)))
        applied = await client.post("/api/social/influencers/apply", json={
            "influencer_type": "fashion_blogger", "expertise_level": "expert",
            "style_specialties": ["Minimalist"]}, headers=star.headers)
        assert applied.status_code == 201
        body = applied.json()["influencer"]
        assert body["verification_status"] == "pending"
        assert body["style_specialties"] == ["minimalist"]
        again = await client.post("/api/social/influencers/apply", json={},
                                  headers=star.headers)
        assert again.status_code == 409
        listed = await client.get("/api/social/influencers")
        assert listed.json()["influencers"] == []  # pending ones are not listed
        pending = await client.get("/api/social/influencers/applications",
                                   headers=admin.headers)
        assert [i["id"] for i in pending.json()["influencers"]] == [body["id"]]
        denied = await client.post(f"/api/social/influencers/{body['id']}/verify",
                                   headers=star.headers)
        assert denied.status_code == 403
        assert (await client.get("/api/social/influencers/applications",
                                 headers=star.headers)).status_code == 403
        verified = await client.post(f"/api/social/influencers/{body['id']}/verify",
                                     json={"decision": "verified"}, headers=admin.headers)
        assert verified.status_code == 200
        item = verified.json()["influencer"]
        assert item["verification_status"] == "verified"
        assert item["metrics"]["followers"] == 2
        assert item["metrics"]["growth_rate_30d"] == 1.0  # one new on a base of one
        assert item["tier"] == "nano"
        expected = round(100 * (0.3 * 2 / 10_000 + 0.25 * 1.0), 2)
        assert item["influence_score"] == expected
        listed = await client.get("/api/social/influencers",
                                  params={"type": "fashion_blogger", "expertise": "expert"})
        assert [i["id"] for i in listed.json()["influencers"]] == [body["id"]]
        none = await client.get("/api/social/influencers", params={"type": "celebrity"})
        assert none.json()["influencers"] == []
        missing = await client.post("/api/social/influencers/999999/verify",
                                    headers=admin.headers)
        assert missing.status_code == 404

    async def test_ranked_by_score_with_engagement(self, client: AsyncClient,
                                                   factory: Factory, platform) -> None:
        a, b, admin = await factory.user(), await factory.user(), await factory.admin()
        fans = await factory.users(3)
        for fan in fans:
            await follow(client, fan, b)

        def posts(s):
            for i in range(4):
                s.add(Post(author_id=a.id, caption=f"look {i}", like_count=5, comment_count=1,
                           published_at=utcnow()))

        await platform.db.run(posts)
        ids = []
        for user in (a, b):
            r = await client.post("/api/social/influencers/apply", json={}, headers=user.headers)
            ids.append(r.json()["influencer"]["id"])
            await client.post(f"/api/social/influencers/{ids[-1]}/verify", headers=admin.headers)
        listed = (await client.get("/api/social/influencers")).json()["influencers"]
        by_user = {i["user"]["user_id"]: i for i in listed}
        assert by_user[a.id]["metrics"]["posts_30d"] == 4
        assert by_user[a.id]["metrics"]["engagement_rate"] == 0.0  # no followers yet
        assert by_user[b.id]["metrics"]["followers"] == 3
        scores = [i["influence_score"] for i in listed]
        assert scores == sorted(scores, reverse=True)

    async def test_bad_filter_is_422_and_anonymous_apply_401(self, client: AsyncClient) -> None:
        assert (await client.get("/api/social/influencers",
                                 params={"type": "wizard"})).status_code == 422
        assert (await client.post("/api/social/influencers/apply", json={})).status_code == 401


class TestContentSignals:
    async def test_posts_and_saves_raise_compatibility(self, client: AsyncClient,
                                                       factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, mia, style_tags=["boho"])
        before = (await client.get(f"/api/social/compatibility/{zoe.id}",
                                   headers=mia.headers)).json()["compatibility"]["score"]
        assert before == 0

        def content(s):
            for i in range(3):
                s.add(Post(author_id=zoe.id, caption=f"#boho {i}", hashtags=["boho"],
                           occasion="festival", published_at=utcnow()))
            hidden = Post(author_id=mia.id, caption="secret", hashtags=["edgy"],
                          visibility="private")
            s.add(hidden)
            s.flush()
            s.add(Save(user_id=mia.id, post_id=hidden.id))

        await platform.db.run(content)
        after = (await client.get(f"/api/social/compatibility/{zoe.id}",
                                  headers=mia.headers)).json()["compatibility"]
        assert after["score"] > before
        assert after["shared"]["style_tags"] == ["boho"]
        assert "edgy" not in str(after)  # a private post never feeds the score
