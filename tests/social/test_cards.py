"""Author cards: one author is read with its own statement, the same card as in a batch."""

from __future__ import annotations

from typing import Any

from tanvi_social.social.cards import author_cards
from tests.factories import Factory


async def test_one_author_reads_the_same_card_as_a_batch(factory: Factory, platform: Any) -> None:
    ana = await factory.user("ana_cards", is_verified=True, display_name="Ana C")
    bo = await factory.user("bo_cards")

    def read(session: Any) -> tuple[Any, Any, Any, Any]:
        return (author_cards(session, [ana.id]), author_cards(session, [ana.id, bo.id]),
                author_cards(session, [999_999]), author_cards(session, []))

    one, both, missing, none = await platform.db.read(read)
    assert one == {ana.id: both[ana.id]}
    assert (one[ana.id].username, one[ana.id].is_verified) == ("ana_cards", True)
    assert one[ana.id].display_name == "Ana C"
    assert set(both) == {ana.id, bo.id}
    assert missing == {}
    assert none == {}
