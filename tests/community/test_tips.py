from __future__ import annotations

import asyncio
from datetime import date, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.community import tips
from tanvi_social.community.models import DailyTip, StyleTip
from tanvi_social.community.tip_library import TIPS
from tests.community.test_mentorship import set_style_tags
from tests.factories import Factory

API = "/api/community"


class TestLibrary:
    async def test_starter_library_is_present_and_real(self, client: AsyncClient) -> None:
        r = await client.get(f"{API}/tips", params={"per_page": 100})
        body = r.json()
        assert body["pagination"]["total"] == len(TIPS) >= 60
        titles = {t["title"] for t in body["tips"]}
        assert len(titles) == len(TIPS)  # distinct
        assert len({t["category"] for t in body["tips"]}) >= 8
        assert all(len(t["body"]) > 80 and t["origin"] == "library" for t in body["tips"])
        r = await client.get(f"{API}/tips", params={"tag": "sustainable", "per_page": 100})
        assert r.json()["tips"]
        assert all("sustainable" in t["style_tags"] for t in r.json()["tips"])
        r = await client.get(f"{API}/tips", params={"category": "care", "difficulty": "medium"})
        assert all(t["category"] == "care" and t["difficulty"] == "medium"
                   for t in r.json()["tips"])
        assert (await client.get(f"{API}/tips/1")).status_code == 200
        assert (await client.get(f"{API}/tips/999999")).status_code == 404


class TestWriteTips:
    async def test_who_may_publish(self, client: AsyncClient, factory: Factory) -> None:
        plain, verified, mod = (await factory.user(), await factory.user(is_verified=True),
                                await factory.moderator())
        tip = {"title": "Cuff your jeans twice", "category": "styling",
               "body": "A double cuff on straight jeans shows off ankle boots and loafers.",
               "style_tags": ["Casual"]}
        r = await client.post(f"{API}/tips", json=tip, headers=plain.headers)
        assert r.status_code == 403
        assert (await client.post(f"{API}/tips", json=tip)).status_code == 401
        r = await client.post(f"{API}/tips", json=tip, headers=verified.headers)
        assert r.status_code == 201, r.text
        created = r.json()["tip"]
        assert created["origin"] == "community"
        assert created["style_tags"] == ["casual"]
        assert created["author"]["id"] == verified.id
        r = await client.post(f"{API}/tips", json={**tip, "title": "Mod tip"}, headers=mod.headers)
        assert r.status_code == 201
        r = await client.delete(f"{API}/tips/{created['id']}", headers=plain.headers)
        assert r.status_code == 403
        r = await client.delete(f"{API}/tips/1", headers=mod.headers)
        assert r.status_code == 403  # the library stays
        r = await client.delete(f"{API}/tips/{created['id']}", headers=verified.headers)
        assert r.status_code == 200


class TestLikeSave:
    async def test_counts_exact(self, client: AsyncClient, factory: Factory, platform) -> None:
        users = await factory.users(5)
        results = await asyncio.gather(*(client.post(f"{API}/tips/3/like", headers=u.headers)
                                         for u in users + users[:2]))
        assert sorted(r.status_code for r in results) == [200] * 5 + [409] * 2
        r = await client.post(f"{API}/tips/3/save", headers=users[0].headers)
        assert r.json()["tip"]["save_count"] == 1
        assert r.json()["tip"]["viewer"] == {"liked": True, "saved": True}
        r = await client.delete(f"{API}/tips/3/like", headers=users[1].headers)
        assert r.json()["tip"]["like_count"] == 4
        assert (await client.delete(f"{API}/tips/3/like", headers=users[1].headers)
                ).status_code == 404
        assert (await client.post(f"{API}/tips/999999/like", headers=users[1].headers)
                ).status_code == 404
        stored = await platform.db.read(lambda s: (s.get(StyleTip, 3).like_count,
                                                   s.get(StyleTip, 3).save_count))
        assert stored == (4, 1)
        r = await client.get(f"{API}/tips", params={"saved": True}, headers=users[0].headers)
        assert [t["id"] for t in r.json()["tips"]] == [3]
        r = await client.get(f"{API}/tips", params={"per_page": 1})
        assert r.json()["tips"][0]["id"] == 3  # most liked first


class TestDailyTip:
    async def test_stable_all_day_and_matched(self, client: AsyncClient, factory: Factory,
                                              platform) -> None:
        u = await factory.user()
        await set_style_tags(platform, u.id, ["sustainable"])
        first = (await client.get(f"{API}/daily-tips", headers=u.headers)).json()["daily_tip"]
        again = (await client.get(f"{API}/daily-tips", headers=u.headers)).json()["daily_tip"]
        assert first["tip"]["id"] == again["tip"]["id"]
        assert "sustainable" in first["tip"]["style_tags"]
        assert first["matched_tags"] == ["sustainable"]
        assert first["reason"].startswith("Matches your style")
        assert (await client.get(f"{API}/daily-tips")).status_code == 401
        r = await client.get(f"{API}/daily-tips", params={"timezone": "Nowhere/City"},
                             headers=u.headers)
        assert r.status_code == 422

    async def test_users_differ_and_no_repeat_in_30_days(self, client: AsyncClient,
                                                         factory: Factory, platform) -> None:
        users = await factory.users(6)
        today = date(2026, 11, 26)
        picks = [await platform.db.run(tips.daily_tip, u.id, today) for u in users]
        assert len({p.tip.id for p in picks}) > 1  # different users can get different tips
        u = users[0]
        seen = [await platform.db.run(tips.daily_tip, u.id, today + timedelta(days=i))
                for i in range(1, 31)]
        ids = [picks[0].tip.id] + [s.tip.id for s in seen]
        assert len(set(ids)) == 31  # 31 consecutive days, no repeat within 30
        # and a concurrent first request of the day settles on one tip
        v = users[1]
        day = today + timedelta(days=100)
        both = await asyncio.gather(platform.db.run(tips.daily_tip, v.id, day),
                                    platform.db.run(tips.daily_tip, v.id, day))
        assert both[0].tip.id == both[1].tip.id
        stored = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(
            DailyTip).where(DailyTip.user_id == v.id, DailyTip.day == day)))
        assert stored == 1

    async def test_profile_tags_drive_the_choice(self, platform, factory: Factory) -> None:
        u = await factory.user()
        await set_style_tags(platform, u.id, ["athleisure", "modest"])
        picks = [await platform.db.run(tips.daily_tip, u.id, date(2027, 1, 1) + timedelta(days=i))
                 for i in range(5)]
        assert all({"athleisure", "modest"} & set(p.tip.style_tags) for p in picks)
