"""Word-filter matching: whole words, case/accent/look-alike folding and common obfuscations."""

from __future__ import annotations

import contextlib
from typing import Any

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
    later = filters._clock() + filters.RULES_TTL_S + 1
    monkeypatch.setattr(filters, "_clock", lambda: later)
    assert (await db.read(filters.screen_text, "a scam")).action == "reject"


def _sessions(platform: Any) -> Any:
    """Plain sessions on the test database (its sync engine: both passes have one)."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(platform.db.sync_engine)


def _stage_rule(session: Any, pattern: str) -> None:
    """Add a reject rule in `session`'s unit of work, as `create_filter` does (not committed)."""
    from tanvi_social.moderation import filters
    from tanvi_social.moderation.models import FilterRule

    session.add(FilterRule(pattern=pattern, key=pattern, action="reject"))
    session.flush()
    filters.rules_changed(session)


async def test_a_read_overlapping_a_rule_change_does_not_keep_the_old_list(
        platform: Any) -> None:
    """Another unit of work adds a rule while this one's read is running: what the read saw
    (the old list) is its answer, but it is not kept as the copy."""
    from sqlalchemy import event

    from tanvi_social.moderation import filters

    sessions = _sessions(platform)
    engine = platform.db.sync_engine
    fired: list[bool] = []

    def change_meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if fired or "moderation_filters" not in statement:
            return
        fired.append(True)
        with sessions() as other:
            _stage_rule(other, "scam")
            other.commit()

    event.listen(engine, "after_cursor_execute", change_meanwhile)
    try:
        with sessions() as s:
            assert filters.rules_for(s) == []
    finally:
        event.remove(engine, "after_cursor_execute", change_meanwhile)
    assert fired == [True]
    with sessions() as s:
        assert filters.rules_for(s) == [("scam", "reject")]


async def test_a_read_between_a_change_and_its_commit_is_dropped_at_commit(
        platform: Any) -> None:
    from tanvi_social.moderation import filters

    sessions = _sessions(platform)
    with sessions() as writer:
        _stage_rule(writer, "scam")
        with sessions() as reader:  # cannot see the uncommitted rule; keeps the old list
            assert filters.rules_for(reader) == []
        writer.commit()
    with sessions() as s:
        assert filters.rules_for(s) == [("scam", "reject")]


async def test_a_savepoint_ending_does_not_let_uncommitted_rules_become_the_copy(
        platform: Any) -> None:
    from tanvi_social.moderation import filters

    sessions = _sessions(platform)
    with sessions() as s:
        _stage_rule(s, "fake")
        with contextlib.suppress(RuntimeError), s.begin_nested():
            raise RuntimeError("a later step of the unit of work fails")
        assert filters.rules_for(s) == [("fake", "reject")]  # its own, uncommitted
        s.rollback()
    with sessions() as s:
        assert filters.rules_for(s) == []
