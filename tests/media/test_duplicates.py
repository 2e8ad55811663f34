from __future__ import annotations

from httpx import AsyncClient
from PIL import ImageOps

from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import encode, scene


class TestNearDuplicates:
    async def test_reencoded_resized_copy_of_another_users_photo_is_flagged(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        photo = scene(101, (1200, 1500))
        original = (await upload(client, alice, encode(photo, quality=92))).json()["media"]
        copy = photo.resize((640, 800))
        r = await upload(client, bob, encode(copy, "WEBP", quality=70), "copy.webp",
                         "image/webp")
        assert r.status_code == 201
        media = r.json()["media"]
        assert media["needs_credit"] is True
        assert media["duplicate_of"]["media_id"] == original["id"]
        assert media["duplicate_of"]["author_id"] == alice.id
        assert media["duplicate_of"]["distance"] <= 7
        # a lightly cropped copy too
        w, h = photo.size
        cropped = photo.crop((12, 15, w - 12, h - 15))
        r = await upload(client, bob, encode(cropped, quality=80))
        assert r.json()["media"]["duplicate_of"]["media_id"] == original["id"]

    async def test_unrelated_photo_and_own_copies_are_not_flagged(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        photo = scene(202)
        await upload(client, alice, encode(photo))
        for seed in (203, 204, 205):
            r = await upload(client, bob, encode(scene(seed)))
            assert r.json()["media"]["duplicate_of"] is None, seed
        # alice's own resized copy is fine
        r = await upload(client, alice, encode(photo.resize((400, 500)), quality=70))
        assert r.status_code == 201
        assert r.json()["media"]["needs_credit"] is False

    async def test_mirrored_colour_swap_is_not_a_duplicate(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        photo = scene(303)
        await upload(client, alice, encode(photo))
        inverted = ImageOps.invert(photo)
        r = await upload(client, bob, encode(inverted))
        assert r.json()["media"]["duplicate_of"] is None
