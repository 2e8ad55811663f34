from __future__ import annotations

import random

from sqlalchemy import func, select

from tanvi_social.media import seed as media_seed
from tanvi_social.media.models import Media, MediaTag
from tanvi_social.seed import SeedContext
from tests.factories import Factory


class TestMediaSeed:
    async def test_seed_draws_tags_and_is_idempotent(self, factory: Factory, platform) -> None:
        users = [await factory.user() for _ in range(3)]
        ctx = SeedContext(rng=random.Random(5), media_dir=str(platform.settings.media_dir))
        ctx.data["user_ids"] = [u.id for u in users]
        created = await platform.db.run_in_thread(media_seed.seed, ctx, commit=True)
        by_user = ctx.data["media_ids_by_user"]
        assert set(by_user) == {u.id for u in users}
        assert created == sum(len(v) for v in by_user.values())
        assert created >= 6

        def facts(s):
            tags = s.scalar(select(func.count()).select_from(MediaTag))
            rows = [(m.owner_id, len(m.palette), m.duplicate_of_id)
                    for m in s.scalars(select(Media))]
            return tags, rows

        tags, rows = await platform.db.read(facts)
        assert tags >= 4 * (created - 1)
        assert all(colours >= 2 for _, colours, _ in rows)
        # the intentional re-post of another member's look is flagged, nothing else
        flagged = [owner for owner, _, dup in rows if dup is not None]
        assert flagged == [users[1].id]
        ctx2 = SeedContext(media_dir=str(platform.settings.media_dir))
        ctx2.data["user_ids"] = [u.id for u in users]
        assert await platform.db.run_in_thread(media_seed.seed, ctx2, commit=True) == 0
        assert ctx2.data["media_ids_by_user"] == by_user
