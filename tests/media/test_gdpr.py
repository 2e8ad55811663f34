from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.media.models import Media, MediaHashBand, MediaTag
from tests.factories import PASSWORD, Factory
from tests.media.conftest import upload
from tests.media.images import encode, scene


class TestGdpr:
    async def test_export_lists_media_and_erase_removes_rows_and_files(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        photo = scene(61)
        mine = (await upload(client, alice, encode(photo), alt_text="Blue dress")).json()["media"]
        await client.post(f"/api/media/{mine['id']}/tags", headers=alice.headers,
                          json={"x": 0.5, "y": 0.5, "category": "dress"})
        copy = (await upload(client, bob, encode(photo.resize((400, 500))))).json()["media"]
        assert copy["duplicate_of"]["media_id"] == mine["id"]
        r = await client.get("/api/auth/me/export", headers=alice.headers)
        exported = r.json()["export"]["media"]
        assert [m["id"] for m in exported] == [mine["id"]]
        assert exported[0]["alt_text"] == "Blue dress"
        assert exported[0]["tags"][0]["category"] == "dress"
        digest = await platform.db.read(
            lambda s: s.scalar(select(Media.sha256).where(Media.id == mine["id"])))
        files = list(platform.settings.media_dir.rglob(f"{digest}_*"))
        assert len(files) == 4
        r = await client.request("DELETE", "/api/auth/me", headers=alice.headers,
                                 json={"password": PASSWORD})
        assert r.status_code == 200, r.text

        def counts(s):
            return (s.scalar(select(func.count()).select_from(Media)
                             .where(Media.owner_id == alice.id)),
                    s.scalar(select(func.count()).select_from(MediaTag)),
                    s.scalar(select(func.count()).select_from(MediaHashBand)
                             .where(MediaHashBand.media_id == mine["id"])))

        assert await platform.db.read(counts) == (0, 0, 0)
        assert not any(f.exists() for f in files)
        r = await client.get(f"/api/media/{copy['id']}", headers=bob.headers)
        assert r.json()["media"]["duplicate_of"] is None  # nobody left to credit
