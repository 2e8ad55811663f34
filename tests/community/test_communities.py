from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.community import access
from tanvi_social.community.models import Community, Membership
from tests.community.conftest import join, make_community
from tests.factories import Factory

API = "/api/community/communities"


async def counts(platform, community_id: int) -> tuple[int, int, int]:
    """(members_count, pending_count, real active members) straight from the database."""
    def read(s):
        c = s.get(Community, community_id)
        real = s.scalar(select(func.count()).select_from(Membership).where(
            Membership.community_id == community_id, Membership.status == "active"))
        return c.members_count, c.pending_count, real
    return await platform.db.read(read)


class TestCreateAndRead:
    async def test_creator_gets_creator_role(self, client: AsyncClient, factory: Factory) -> None:
        owner = await factory.user()
        c = await make_community(client, owner, tags=["Capsule", "#minimal"],
                                 rules=["Be kind", "  "])
        assert c["members_count"] == 1
        assert c["viewer"] == {"role": "creator", "status": "active", "can_post": True,
                               "can_moderate": True}
        assert c["tags"] == ["capsule", "minimal"]
        assert c["rules"] == ["Be kind"]
        assert c["pending_count"] == 0
        r = await client.get(f"{API}/{c['id']}")
        assert r.status_code == 200
        assert r.json()["community"]["pending_count"] is None  # moderators only
        assert r.json()["community"]["creator"]["id"] == owner.id

    async def test_anonymous_cannot_create(self, client: AsyncClient) -> None:
        r = await client.post(API, json={"name": "Nope club"})
        assert r.status_code == 401

    async def test_mass_assignment_ignored(self, client: AsyncClient, factory: Factory) -> None:
        owner = await factory.user()
        c = await make_community(client, owner, members_count=999, is_verified=True)
        assert c["members_count"] == 1

    async def test_update_by_admin_only(self, client: AsyncClient, factory: Factory) -> None:
        owner, member = await factory.user(), await factory.user()
        c = await make_community(client, owner)
        await join(client, c["id"], member)
        r = await client.put(f"{API}/{c['id']}", json={"rules": ["No spam"]},
                             headers=member.headers)
        assert r.status_code == 403
        r = await client.put(f"{API}/{c['id']}", json={"rules": ["No spam"],
                                                       "description": "New"},
                             headers=owner.headers)
        assert r.status_code == 200
        assert r.json()["community"]["rules"] == ["No spam"]
        assert r.json()["community"]["description"] == "New"

    async def test_delete_by_creator(self, client: AsyncClient, factory: Factory) -> None:
        owner, member = await factory.user(), await factory.user()
        c = await make_community(client, owner)
        await join(client, c["id"], member)
        assert (await client.delete(f"{API}/{c['id']}", headers=member.headers)).status_code == 403
        assert (await client.delete(f"{API}/{c['id']}", headers=owner.headers)).status_code == 200
        assert (await client.get(f"{API}/{c['id']}")).status_code == 404
        listed = (await client.get(API)).json()["communities"]
        assert listed == []


class TestSearchAndPrivacy:
    async def test_search_filters_and_secret_hidden(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        owner, stranger = await factory.user(), await factory.user()
        pub = await make_community(client, owner, name="Vintage Finds", category="trend")
        priv = await make_community(client, owner, name="Vintage Private", privacy="private")
        secret = await make_community(client, owner, name="Vintage Secret", privacy="secret")
        r = await client.get(API, params={"search": "vintage"}, headers=stranger.headers)
        names = {c["name"] for c in r.json()["communities"]}
        assert names == {"Vintage Finds", "Vintage Private"}
        assert r.json()["pagination"]["total"] == 2
        r = await client.get(API, params={"search": "vintage"}, headers=owner.headers)
        assert {c["id"] for c in r.json()["communities"]} == {pub["id"], priv["id"], secret["id"]}
        r = await client.get(API, params={"type": "trend"})
        assert [c["id"] for c in r.json()["communities"]] == [pub["id"]]
        assert (await client.get(f"{API}/{secret['id']}", headers=stranger.headers)
                ).status_code == 404
        assert (await client.get(f"{API}/{secret['id']}")).status_code == 404
        assert (await client.post(f"{API}/{secret['id']}/join", headers=stranger.headers)
                ).status_code == 404
        # private: the card is visible, the members are not
        assert (await client.get(f"{API}/{priv['id']}")).status_code == 200
        assert (await client.get(f"{API}/{priv['id']}/members", headers=stranger.headers)
                ).status_code == 404

    async def test_invitation_is_the_way_into_a_secret_community(
            self, client: AsyncClient, factory: Factory, platform) -> None:
        owner, friend = await factory.user(), await factory.user()
        secret = await make_community(client, owner, privacy="secret")
        r = await client.post(f"{API}/{secret['id']}/invites", json={"user_id": friend.id},
                              headers=owner.headers)
        assert r.status_code == 201, r.text
        assert r.json()["membership"]["status"] == "invited"
        assert (await client.get(f"{API}/{secret['id']}", headers=friend.headers)
                ).status_code == 200
        body = await join(client, secret["id"], friend)
        assert body["membership"]["status"] == "active"
        assert body["community"]["members_count"] == 2
        assert await counts(platform, secret["id"]) == (2, 0, 2)

    async def test_access_contract(self, client: AsyncClient, factory: Factory, platform) -> None:
        owner, member, stranger = (await factory.user(), await factory.user(),
                                   await factory.user())
        priv = await make_community(client, owner, privacy="private")
        pub = await make_community(client, owner, name="Open club")
        await join(client, priv["id"], member)
        await client.post(f"{API}/{priv['id']}/members/{member.id}/approve",
                          headers=owner.headers)

        def check(s):
            return (access.can_view_community(s, stranger.id, priv["id"]),
                    access.can_view_community(s, member.id, priv["id"]),
                    access.can_view_community(s, None, pub["id"]),
                    access.can_post_in_community(s, stranger.id, pub["id"]),
                    access.can_post_in_community(s, member.id, priv["id"]),
                    sorted(s.scalars(select(Community.id).where(
                        access.visible_communities_clause(s, stranger.id, Community.id)))))
        result = await platform.db.read(check)
        assert result == (False, True, True, False, True, [pub["id"]])


class TestJoinApproveLeave:
    async def test_join_public_and_leave(self, client: AsyncClient, factory: Factory,
                                         platform) -> None:
        owner, member = await factory.user(), await factory.user()
        c = await make_community(client, owner)
        body = await join(client, c["id"], member)
        assert body["membership"]["status"] == "active"
        assert body["community"]["members_count"] == 2
        await join(client, c["id"], member, expect=409)
        r = await client.post(f"{API}/{c['id']}/leave", headers=member.headers)
        assert r.status_code == 200
        assert r.json()["community"]["members_count"] == 1
        assert await counts(platform, c["id"]) == (1, 0, 1)
        r = await client.post(f"{API}/{c['id']}/leave", headers=member.headers)
        assert r.status_code == 400

    async def test_creator_cannot_leave(self, client: AsyncClient, factory: Factory) -> None:
        owner = await factory.user()
        c = await make_community(client, owner)
        r = await client.post(f"{API}/{c['id']}/leave", headers=owner.headers)
        assert r.status_code == 400
        assert r.json()["code"] == "creator_cannot_leave"

    async def test_requires_approval(self, client: AsyncClient, factory: Factory,
                                     platform) -> None:
        owner, mod, member, applicant = (await factory.user(), await factory.user(),
                                         await factory.user(), await factory.user())
        c = await make_community(client, owner, requires_approval=True)
        for u in (mod, member):
            await join(client, c["id"], u)
            await client.post(f"{API}/{c['id']}/members/{u.id}/approve", headers=owner.headers)
        await client.post(f"{API}/{c['id']}/members/{mod.id}/role", json={"role": "moderator"},
                          headers=owner.headers)
        body = await join(client, c["id"], applicant)
        assert body["membership"]["status"] == "pending"
        assert await counts(platform, c["id"]) == (3, 1, 3)
        # a member cannot see or approve the pending list
        r = await client.get(f"{API}/{c['id']}/members", params={"status": "pending"},
                             headers=member.headers)
        assert r.status_code == 403
        r = await client.post(f"{API}/{c['id']}/members/{applicant.id}/approve",
                              headers=member.headers)
        assert r.status_code == 403
        r = await client.get(f"{API}/{c['id']}/members", params={"status": "pending"},
                             headers=mod.headers)
        assert [m["user"]["id"] for m in r.json()["members"]] == [applicant.id]
        r = await client.post(f"{API}/{c['id']}/members/{applicant.id}/approve",
                              headers=mod.headers)
        assert r.status_code == 200
        assert r.json()["membership"]["status"] == "active"
        assert await counts(platform, c["id"]) == (4, 0, 4)
        r = await client.get(f"{API}/{c['id']}/members", headers=member.headers)
        assert r.json()["pagination"]["total"] == 4
        assert r.json()["members"][0]["role"] == "creator"
        assert r.json()["members"][1]["role"] == "moderator"
        # the applicant's approval notified them
        r = await client.get(f"{API}/{c['id']}/moderation-log", headers=mod.headers)
        actions = [e["action"] for e in r.json()["entries"]]
        assert actions[0] == "approve"
        assert "role_change" in actions

    async def test_reject_pending(self, client: AsyncClient, factory: Factory, platform) -> None:
        owner, applicant = await factory.user(), await factory.user()
        c = await make_community(client, owner, privacy="private")
        assert (await join(client, c["id"], applicant))["membership"]["status"] == "pending"
        r = await client.post(f"{API}/{c['id']}/members/{applicant.id}/reject",
                              headers=owner.headers)
        assert r.status_code == 200
        assert await counts(platform, c["id"]) == (1, 0, 1)


class TestRolesAndBans:
    async def _setup(self, client, factory):
        owner, admin, mod, member, other = [await factory.user() for _ in range(5)]
        c = await make_community(client, owner)
        for u in (admin, mod, member, other):
            await join(client, c["id"], u)
        r = await client.post(f"{API}/{c['id']}/members/{admin.id}/role", json={"role": "admin"},
                              headers=owner.headers)
        assert r.status_code == 200
        r = await client.post(f"{API}/{c['id']}/members/{mod.id}/role",
                              json={"role": "moderator"}, headers=admin.headers)
        assert r.status_code == 200
        return c, owner, admin, mod, member, other

    async def test_permission_table(self, client: AsyncClient, factory: Factory) -> None:
        c, owner, admin, mod, member, other = await self._setup(client, factory)
        cid = c["id"]
        # a member cannot ban
        r = await client.post(f"{API}/{cid}/members/{other.id}/ban", headers=member.headers)
        assert r.status_code == 403
        # a moderator cannot demote an admin, nor change roles at all
        r = await client.post(f"{API}/{cid}/members/{admin.id}/role", json={"role": "member"},
                              headers=mod.headers)
        assert r.status_code == 403
        # a moderator cannot ban an admin or another moderator's superior
        r = await client.post(f"{API}/{cid}/members/{admin.id}/ban", headers=mod.headers)
        assert r.status_code == 403
        # an admin cannot make another admin, nor touch the creator
        r = await client.post(f"{API}/{cid}/members/{member.id}/role", json={"role": "admin"},
                              headers=admin.headers)
        assert r.status_code == 403
        r = await client.post(f"{API}/{cid}/members/{owner.id}/ban", headers=admin.headers)
        assert r.status_code == 403
        # the creator can demote the admin
        r = await client.post(f"{API}/{cid}/members/{admin.id}/role", json={"role": "member"},
                              headers=owner.headers)
        assert r.status_code == 200
        assert r.json()["membership"]["role"] == "member"
        r = await client.get(f"{API}/{cid}/moderation-log", headers=member.headers)
        assert r.status_code == 403

    async def test_banned_user_cannot_rejoin_or_post(self, client: AsyncClient,
                                                     factory: Factory, platform) -> None:
        c, _owner, _admin, mod, member, _other = await self._setup(client, factory)
        cid = c["id"]
        r = await client.post(f"{API}/{cid}/members/{member.id}/ban", json={"reason": "spam"},
                              headers=mod.headers)
        assert r.status_code == 200, r.text
        assert r.json()["membership"]["status"] == "banned"
        assert r.json()["community"]["members_count"] == 4
        assert await counts(platform, cid) == (4, 0, 4)
        r = await client.post(f"{API}/{cid}/join", headers=member.headers)
        assert r.status_code == 403
        assert r.json()["code"] == "banned_from_community"
        assert not await platform.db.read(access.can_post_in_community, member.id, cid)
        assert not await platform.db.read(access.can_view_community, member.id, cid)
        r = await client.post(f"{API}/{cid}/members/{member.id}/ban", headers=mod.headers)
        assert r.status_code == 409
        r = await client.get(f"{API}/{cid}/members", params={"status": "banned"},
                             headers=mod.headers)
        assert [m["user"]["id"] for m in r.json()["members"]] == [member.id]
        log = (await client.get(f"{API}/{cid}/moderation-log", headers=mod.headers)).json()
        assert log["entries"][0]["action"] == "ban"
        assert log["entries"][0]["reason"] == "spam"
        assert log["entries"][0]["target"]["id"] == member.id
        # unban → may join again
        r = await client.post(f"{API}/{cid}/members/{member.id}/unban", headers=mod.headers)
        assert r.status_code == 200
        await join(client, cid, member)
        assert await counts(platform, cid) == (5, 0, 5)

    async def test_preemptive_ban_of_non_member(self, client: AsyncClient,
                                                factory: Factory) -> None:
        owner, troll = await factory.user(), await factory.user()
        c = await make_community(client, owner)
        r = await client.post(f"{API}/{c['id']}/members/{troll.id}/ban", headers=owner.headers)
        assert r.status_code == 200
        await join(client, c["id"], troll, expect=403)
        r = await client.post(f"{API}/{c['id']}/members/999999/ban", headers=owner.headers)
        assert r.status_code == 404


class TestConcurrency:
    async def test_concurrent_joins_count_exactly(self, client: AsyncClient, factory: Factory,
                                                  platform) -> None:
        import asyncio

        owner = await factory.user()
        c = await make_community(client, owner)
        users = await factory.users(12)

        async def go(u):
            return await client.post(f"{API}/{c['id']}/join", headers=u.headers)
        results = await asyncio.gather(*(go(u) for u in users), *(go(u) for u in users[:4]))
        assert sorted(r.status_code for r in results).count(200) == 12
        assert await counts(platform, c["id"]) == (13, 0, 13)


class TestCommunityPosts:
    async def test_private_posts_members_only(self, client: AsyncClient, factory: Factory) -> None:
        owner, member, stranger = (await factory.user(), await factory.user(),
                                   await factory.user())
        c = await make_community(client, owner, privacy="private")
        await join(client, c["id"], member)
        r = await client.post("/api/content/posts", json={
            "caption": "Pending members cannot post yet", "community_id": c["id"]},
            headers=member.headers)
        assert r.status_code == 404
        await client.post(f"{API}/{c['id']}/members/{member.id}/approve", headers=owner.headers)
        r = await client.post("/api/content/posts", json={
            "caption": "My capsule for winter", "community_id": c["id"]}, headers=member.headers)
        assert r.status_code == 201, r.text
        post_id = r.json()["post"]["id"]
        r = await client.get(f"{API}/{c['id']}/posts", headers=member.headers)
        assert r.status_code == 200
        assert [p["id"] for p in r.json()["posts"]] == [post_id]
        for headers in ({}, stranger.headers):
            assert (await client.get(f"{API}/{c['id']}/posts", headers=headers)
                    ).status_code == 404
            assert (await client.get(f"/api/content/posts/{post_id}", headers=headers)
                    ).status_code == 404
        r = await client.post("/api/content/posts", json={
            "caption": "Let me in", "community_id": c["id"]}, headers=stranger.headers)
        assert r.status_code == 404
        # a banned member can neither post nor read
        await client.post(f"{API}/{c['id']}/members/{member.id}/ban", headers=owner.headers)
        r = await client.post("/api/content/posts", json={
            "caption": "Still here?", "community_id": c["id"]}, headers=member.headers)
        assert r.status_code == 404
        assert (await client.get(f"{API}/{c['id']}/posts", headers=member.headers)
                ).status_code == 404

    async def test_public_posts_readable_by_all(self, client: AsyncClient,
                                                factory: Factory) -> None:
        owner = await factory.user()
        c = await make_community(client, owner)
        r = await client.post("/api/content/posts", json={
            "caption": "Open to everyone", "community_id": c["id"]}, headers=owner.headers)
        assert r.status_code == 201, r.text
        r = await client.get(f"{API}/{c['id']}/posts")
        assert r.json()["pagination"]["total"] == 1
        assert (await client.get(f"{API}/2147483648/posts")).status_code == 422

    async def test_body_less_join_with_json_header(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        owner, u = await factory.user(), await factory.user()
        c = await make_community(client, owner)
        r = await client.post(f"{API}/{c['id']}/join",
                              headers={**u.headers, "Content-Type": "application/json"})
        assert r.status_code == 200, r.text
