"""Word-filter matching: whole words, case/accent/look-alike folding and common obfuscations."""

from __future__ import annotations

import pytest

from tanvi_social.moderation.filters import match_rules
from tanvi_social.moderation.textmatch import (
    compile_phrase,
    compile_phrases,
    contains_phrase,
    fold,
)

RULES = [("ass", "hold"), ("scam", "reject"), ("crème brûlée", "hold")]


@pytest.mark.parametrize("text", [
    "you ass", "ASS", "Ass!", "what an áss", "a.s.s", "a s s", "a-s-s", "@ss", "4$$", "a55",
    "aaasssss", "a\u200bss", "аss",  # Cyrillic а
])
def test_obfuscated_forms_match(text: str) -> None:
    assert contains_phrase(text, "ass"), text


@pytest.mark.parametrize("text", [
    "class", "classic", "bass", "assess", "passage", "as", "has sent", "assignment",
    "mass appeal", "glass slippers", "sass",
])
def test_whole_words_only(text: str) -> None:
    assert not contains_phrase(text, "ass"), text


def test_multi_word_phrase_and_accents_in_pattern() -> None:
    assert contains_phrase("I love CREME brulee!", "crème brûlée")
    assert contains_phrase("creme-brulee", "crème brûlée")
    assert not contains_phrase("cremebrulees", "crème brûlée")


def test_fold_removes_accents_and_case() -> None:
    assert fold("Ünïcödé ÉTÉ") == "unicode ete"
    # Each step still applies when only it has work to do (the rest are skipped).
    assert fold("PLAIN Ascii") == "plain ascii"
    assert fold("s\u200bcam ☀") == "scam ☀"
    assert fold("ѕсаm") == "scam"  # Cyrillic look-alikes, nothing to decompose
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(("text", "start"), [
    ("ass", 0), ("x ass", 2), ("xass ass", 5), ("aass", 0), ("a\nass", 2), ("@ss", 0),
    ("b@ss @ss", 5), ("_ass", 1), ("1ass", None), ("éass", None),
])
def test_match_starts_at_a_word_boundary(text: str, start: int | None) -> None:
    pattern = compile_phrase("ass")
    assert pattern is not None
    found = pattern.search(fold(text))
    assert (found.start() if found else None) == start


def test_compile_phrases_matches_any_phrase() -> None:
    pattern = compile_phrases(["crocs", "fast fashion", "..."])
    assert pattern is not None
    assert pattern.search(fold("so much FAST-fashion"))
    assert pattern.search(fold("CRÔCS"))
    assert not pattern.search(fold("crocodile breakfast fashion"))
    assert compile_phrases(["...", ""]) is None


def test_decision_reject_wins_and_lists_matches() -> None:
    decision = match_rules(RULES, "that ass runs a SC4M")
    assert decision.action == "reject"
    assert decision.matched == ["ass", "scam"]
    assert match_rules(RULES, "classic scampi").action == "allow"
    held = match_rules(RULES, "what an a$$")
    assert held.action == "hold"
    assert held.matched == ["ass"]
    assert match_rules(RULES, "").action == "allow"


async def test_screen_text_reads_the_configured_word_list(platform: object) -> None:
    from sqlalchemy.orm import Session

    from tanvi_social.moderation.filters import screen_text
    from tanvi_social.moderation.models import FilterRule

    def setup(session: Session) -> None:
        session.add_all([FilterRule(pattern="ass", key="ass", action="hold"),
                         FilterRule(pattern="scam", key="scam", action="reject")])

    await platform.db.run(setup)  # type: ignore[attr-defined]
    held = await platform.db.read(screen_text, "Nice Á$$ pic")  # type: ignore[attr-defined]
    assert (held.action, held.matched) == ("hold", ["ass"])
    rejected = await platform.db.read(screen_text, "s-c-a-m here")  # type: ignore[attr-defined]
    assert rejected.action == "reject"
    clean = await platform.db.read(screen_text, "first class")  # type: ignore[attr-defined]
    assert clean.action == "allow"


async def test_a_direct_write_to_the_word_list_applies_within_its_ttl(
        platform: object, monkeypatch: object) -> None:
    """A rule written outside the service (SQL, another worker) reaches this process's copy
    when the copy expires (RULES_TTL_S); until then the copy answers without a query."""
    import pytest
    from sqlalchemy.orm import Session

    from tanvi_social.moderation import filters
    from tanvi_social.moderation.models import FilterRule

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    db = platform.db  # type: ignore[attr-defined]
    assert (await db.read(filters.screen_text, "a scam")).action == "allow"

    def add(session: Session) -> None:
        session.add(FilterRule(pattern="scam", key="scam", action="reject"))

    await db.run(add)  # not through create_filter: the copy is not told
    assert (await db.read(filters.screen_text, "a scam")).action == "allow"
    clock = filters.time.monotonic() + filters.RULES_TTL_S + 1
    monkeypatch.setattr(filters.time, "monotonic", lambda: clock)
    assert (await db.read(filters.screen_text, "a scam")).action == "reject"
