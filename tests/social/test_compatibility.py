from __future__ import annotations

from httpx import AsyncClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tanvi_social.social.compat import BUDGET_ORDER, StyleSignals, score, score_value
from tests.factories import Factory
from tests.social.helpers import follow, set_profile

TAGS = ["minimalist", "boho", "edgy", "glam", "classic", "vintage", "preppy", "y2k"]
COLORS = ["navy", "black", "camel", "sage", "blush", "red"]
BRANDS = ["COS", "Zara", "Nike", "Arket", "Sézane"]
OCCASIONS = ["work", "party", "brunch", "travel"]

weights = st.floats(min_value=0.05, max_value=1.0)
signals = st.builds(
    StyleSignals,
    style_tags=st.dictionaries(st.sampled_from(TAGS), weights, max_size=5),
    colors=st.dictionaries(st.sampled_from(COLORS), weights, max_size=4),
    brands=st.dictionaries(st.sampled_from(BRANDS), weights, max_size=3),
    occasions=st.dictionaries(st.sampled_from(OCCASIONS), weights, max_size=3),
    budget=st.none() | st.sampled_from(BUDGET_ORDER),
)


class TestScoreProperties:
    @settings(max_examples=200, deadline=None)
    @given(signals, signals)
    def test_symmetric_bounded_deterministic(self, a: StyleSignals, b: StyleSignals) -> None:
        ab, ba = score(a, b), score(b, a)
        assert ab.score == ba.score
        assert ab.shared == ba.shared
        assert 0 <= ab.score <= 100
        assert score(a, b) == ab

    @settings(max_examples=300, deadline=None)
    @given(signals, signals)
    def test_score_value_is_the_score_without_reasons(self, a: StyleSignals,
                                                      b: StyleSignals) -> None:
        assert score_value(a, b) == score(a, b).score

    @settings(max_examples=100, deadline=None)
    @given(signals)
    def test_identical_profiles_score_at_least_95(self, a: StyleSignals) -> None:
        if a.is_empty():
            return
        assert score(a, a).score >= 95

    def test_disjoint_profiles_score_at_most_10(self) -> None:
        a = StyleSignals(style_tags={"minimalist": 1, "classic": 1}, colors={"navy": 1},
                         brands={"COS": 1}, occasions={"work": 1}, budget="mid")
        b = StyleSignals(style_tags={"boho": 1, "glam": 1}, colors={"red": 1},
                         brands={"Zara": 1}, occasions={"party": 1}, budget="premium")
        result = score(a, b)
        assert result.score <= 10
        assert result.shared["style_tags"] == []

    @settings(max_examples=100, deadline=None)
    @given(signals, signals)
    def test_disjoint_sets_and_far_budgets_stay_low(self, a: StyleSignals,
                                                    b: StyleSignals) -> None:
        b2 = StyleSignals(**{d: {f"x-{k}": w for k, w in getattr(b, d).items()}
                             for d in ("style_tags", "colors", "brands", "occasions")},
                          budget=None)
        assert score(a, b2).score <= 10

    def test_more_overlap_scores_higher(self) -> None:
        base = StyleSignals(style_tags={"minimalist": 1, "classic": 1, "scandi": 1})
        one = StyleSignals(style_tags={"minimalist": 1, "boho": 1, "glam": 1})
        two = StyleSignals(style_tags={"minimalist": 1, "classic": 1, "glam": 1})
        assert score(base, two).score > score(base, one).score

    def test_reasons_name_shared_traits(self) -> None:
        a = StyleSignals(style_tags={"minimalist": 1, "boho": 1}, colors={"navy": 1},
                         brands={"COS": 1}, budget="mid")
        b = StyleSignals(style_tags={"minimalist": 1}, colors={"navy": 1, "red": 1},
                         brands={"COS": 1}, budget="mid")
        reasons = score(a, b).reasons
        assert "Both love minimalist style" in reasons
        assert "Both wear navy" in reasons
        assert "Both shop COS" in reasons
        assert "Same budget band (mid)" in reasons

    def test_empty_profiles_score_zero_with_reason(self) -> None:
        result = score(StyleSignals(), StyleSignals())
        assert result.score == 0
        assert result.reasons == ["No style traits in common yet"]


class TestCompatibilityEndpoint:
    async def test_identical_profiles(self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        fields = {"style_tags": ["minimalist", "scandi"], "favorite_colors": ["navy", "camel"],
                  "favorite_brands": ["COS"], "occasions": ["work"], "budget_band": "mid"}
        await set_profile(client, mia, **fields)
        await set_profile(client, zoe, **fields)
        response = await client.get(f"/api/social/compatibility/{zoe.id}", headers=mia.headers)
        assert response.status_code == 200
        body = response.json()["compatibility"]
        assert body["score"] == 100
        assert body["shared"]["style_tags"] == ["minimalist", "scandi"]
        assert "Both love minimalist and scandi style" in body["reasons"]
        back = await client.get(f"/api/social/compatibility/{mia.id}", headers=zoe.headers)
        assert back.json()["compatibility"]["score"] == 100

    async def test_private_profile_is_403_until_following(self, client: AsyncClient,
                                                          factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="followers", style_tags=["edgy"])
        denied = await client.get(f"/api/social/compatibility/{zoe.id}", headers=mia.headers)
        assert denied.status_code == 403
        await follow(client, mia, zoe)
        allowed = await client.get(f"/api/social/compatibility/{zoe.id}", headers=mia.headers)
        assert allowed.status_code == 200

    async def test_errors(self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        assert (await client.get(f"/api/social/compatibility/{mia.id}",
                                 headers=mia.headers)).status_code == 400
        assert (await client.get("/api/social/compatibility/999999",
                                 headers=mia.headers)).status_code == 404
        assert (await client.get(f"/api/social/compatibility/{zoe.id}")).status_code == 401
        await client.post("/api/social/blocks", json={"user_id": mia.id}, headers=zoe.headers)
        assert (await client.get(f"/api/social/compatibility/{zoe.id}",
                                 headers=mia.headers)).status_code == 404
