"""`ai_analysis`: deterministic, explained, and different for visibly different outfits."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tanvi_social.content import analysis
from tanvi_social.content.analysis import AnalysisInputs, PaletteColour, TagUsage
from tests.content.helpers import OUTFIT, make_post
from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import blocks, encode

GYM = [{"name": "Hoodie", "category": "hoodie", "colour": "neon green"},
       {"name": "Leggings", "category": "leggings", "colour": "hot pink"},
       {"name": "Trainers", "category": "sneakers", "colour": "orange"}]


def scores(result: dict[str, Any]) -> dict[str, float]:
    return {k: result[k]["score"] for k in ("style_score", "trend_relevance", "color_harmony",
                                            "occasion_fit")}


class TestPure:
    def test_same_input_same_output(self) -> None:
        inputs = AnalysisInputs(outfit_items=OUTFIT, style_tags=["classic"], occasion="work")
        usage = {"classic": TagUsage(3, 4)}
        assert analysis.analyse(inputs, usage) == analysis.analyse(inputs, usage)

    def test_colour_schemes(self) -> None:
        def scheme(*colours: str) -> str:
            return analysis.color_harmony(AnalysisInputs(palette=[
                PaletteColour(c, 1 / len(colours)) for c in colours]))["scheme"]

        assert scheme("#ffffff", "#000000", "#808080") == "neutral"
        assert scheme("#ff0000", "#ffa500") == "analogous"
        assert scheme("#ff8000", "#0040ff") == "complementary"
        assert scheme("#ff0000", "#00c000", "#0000ff") == "triadic"
        assert scheme("#e00000", "#ffffff", "#000000") == "monochromatic"

    def test_occasion_fit_follows_formality(self) -> None:
        tailored = [{"name": "Blazer", "category": "blazer"},
                    {"name": "Trousers", "category": "trousers"},
                    {"name": "Heels", "category": "heels"}]
        work = analysis.occasion_fit(AnalysisInputs(outfit_items=tailored, occasion="work"))
        gym = analysis.occasion_fit(AnalysisInputs(outfit_items=tailored, occasion="gym"))
        assert work["score"] > 0.9 > 0.5 > gym["score"]
        assert any("Out of place" in r for r in gym["reasons"])

    def test_trend_relevance_uses_usage(self) -> None:
        inputs = AnalysisInputs(hashtags=["quietluxury"])
        cold = analysis.trend_relevance(inputs, {})
        hot = analysis.trend_relevance(inputs, {"quietluxury": TagUsage(20, 4)})
        assert cold["score"] == 0.0
        assert hot["score"] > 0.9


class TestThroughTheApi:
    async def test_different_outfits_differ_same_outfits_match(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        a = await make_post(client, mia, "office", outfit_items=OUTFIT, occasion="work",
                            style_tags=["classic"])
        b = await make_post(client, mia, "office again", outfit_items=OUTFIT, occasion="work",
                            style_tags=["classic"])
        c = await make_post(client, mia, "gym", outfit_items=GYM, occasion="work")
        sa, sb, sc = (scores(p["ai_analysis"]) for p in (a, b, c))
        assert sa == sb
        assert sa["occasion_fit"] > sc["occasion_fit"]
        assert sa["color_harmony"] != sc["color_harmony"]
        assert sa["style_score"] != sc["style_score"]
        r = await client.get(f"/api/content/posts/{a['id']}/analysis")
        assert r.status_code == 200
        assert r.json()["ai_analysis"]["color_harmony"]["reasons"]

    async def test_trend_relevance_counts_real_hashtag_use(self, client: AsyncClient,
                                                           factory: Factory) -> None:
        users = await factory.users(3)
        lonely = await make_post(client, users[0], "first #barrelpants")
        assert lonely["ai_analysis"]["trend_relevance"]["score"] == 0.0
        for u in users:
            await make_post(client, u, "me too #barrelpants")
        later = await make_post(client, users[1], "and again #barrelpants")
        assert later["ai_analysis"]["trend_relevance"]["score"] > 0.3
        assert "4 other posts" in later["ai_analysis"]["trend_relevance"]["reasons"][0]

    async def test_usage_of_a_new_post_counts_like_an_excluded_one(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        """A post not inserted yet is counted without the `post_id <>` test (index only): the
        same counts as excluding an id no row has; an existing post still skips itself."""
        from tanvi_social.content.service import tag_usage

        users = await factory.users(2)
        first = await make_post(client, users[0], "#barrelpants #wideleg")
        for u in users:
            await make_post(client, u, "again #barrelpants")
        counts = await platform.db.read(lambda s: (
            tag_usage(s, ["barrelpants", "wideleg", "unused"], None),
            tag_usage(s, ["barrelpants", "wideleg", "unused"], 2_000_000_000),
            tag_usage(s, ["barrelpants", "wideleg"], first["id"])))
        new, excluded_nothing, excluded_first = counts
        assert new == excluded_nothing == {"barrelpants": TagUsage(3, 0),
                                           "wideleg": TagUsage(1, 0)}
        assert excluded_first == {"barrelpants": TagUsage(2, 0)}

    async def test_palette_from_photos_drives_colour_harmony(self, client: AsyncClient,
                                                             factory: Factory) -> None:
        mia = await factory.user()
        calm = encode(blocks([("#9caf88", 0.5), ("#f5f5dc", 0.5)], (600, 800)))
        loud = encode(blocks([("#ff0000", 0.34), ("#00ff00", 0.33), ("#0000ff", 0.33)],
                             (600, 800)))
        ids = []
        for data in (calm, loud):
            r = await upload(client, mia, data)
            assert r.status_code == 201, r.text
            ids.append(r.json()["media"]["id"])
        p1 = await make_post(client, mia, "", media_ids=[ids[0]])
        p2 = await make_post(client, mia, "", media_ids=[ids[1]])
        assert p1["media"][0]["id"] == ids[0]
        h1, h2 = p1["ai_analysis"]["color_harmony"], p2["ai_analysis"]["color_harmony"]
        assert "photo palette" in h1["reasons"][0]
        assert h1["score"] > h2["score"]
        # changing the photos recomputes the analysis
        r = await client.put(f"/api/content/posts/{p1['id']}", json={"media_ids": [ids[1]]},
                             headers=mia.headers)
        assert r.json()["post"]["ai_analysis"]["color_harmony"]["score"] == h2["score"]
        # someone else cannot use these images
        zoe = await factory.user()
        r = await client.post("/api/content/posts", json={"media_ids": [ids[0]]},
                              headers=zoe.headers)
        assert r.status_code == 404


async def test_copied_photo_must_credit_or_is_held(client: AsyncClient, factory: Factory) -> None:
    from tests.media.images import scene

    alice = await factory.user("alice_orig")
    bob = await factory.user()
    fan = await factory.user()
    photo = scene(7, (900, 1200))
    r = await upload(client, alice, encode(photo, quality=92))
    assert r.status_code == 201
    copies = []
    for q in (70, 60):
        r = await upload(client, bob, encode(photo.resize((600, 800)), quality=q))
        assert r.json()["media"]["needs_credit"] is True
        copies.append(r.json()["media"]["id"])
    held = await make_post(client, bob, "my look", media_ids=[copies[0]])
    assert held["moderation_state"] == "held"
    assert (await client.get(f"/api/content/posts/{held['id']}",
                             headers=fan.headers)).status_code == 404
    credited = await make_post(client, bob, "photo by @alice_orig", media_ids=[copies[1]])
    assert credited["moderation_state"] == "visible"
    assert (await client.get(f"/api/content/posts/{credited['id']}",
                             headers=fan.headers)).status_code == 200
