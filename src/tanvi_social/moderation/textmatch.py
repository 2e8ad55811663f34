"""Text folding and obfuscation-tolerant whole-word matching (word filters and muted words).

`fold` makes text case- and accent-insensitive: NFKD decomposition, combining marks dropped,
`casefold()`, common Cyrillic/Greek look-alikes mapped to Latin, zero-width characters removed.
`compile_phrase` turns a phrase into a regular expression over folded text in which every letter
also accepts its usual l33t substitutes (`a`→`4 @`, `s`→`5 $`, ...) and may repeat (`aaasss`),
letters may be split by up to three separator characters (`a.s.s`, `a s s`, `a-s-s`), and the
match must be a whole word (`class` never matches `ass`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d",
})
# Characters that commonly stand in for a letter.
_LEET: dict[str, str] = {
    "a": "4@", "b": "8", "e": "3€", "g": "96", "i": "1!|", "l": "1|", "o": "0", "s": "5$",
    "t": "7+", "z": "2",
}
_SEPARATORS = r"[\s.\-_*~·•,:;'\"/\\]{0,3}"
# Placed right after a phrase's first letter: no letter or digit before that letter.
_WORD_START_AFTER_FIRST = r"(?<![^\W_].)"
_WORD_END = r"(?![^\W_])"
_ZERO_WIDTH_CHARS = frozenset(map(chr, _ZERO_WIDTH))
_HOMOGLYPH_CHARS = frozenset(map(chr, _HOMOGLYPHS))


def fold(text: str) -> str:
    """Case-, accent- and look-alike-insensitive form of `text`.

    Each step runs only when the text has something for it to do (`str.translate` with a table
    costs about a third of a microsecond per character): ASCII text is only lower-cased.
    """
    if text.isascii():
        return text.casefold()
    if not _ZERO_WIDTH_CHARS.isdisjoint(text):
        text = text.translate(_ZERO_WIDTH)
    decomposed = unicodedata.normalize("NFKD", text)
    marks = {ch for ch in set(decomposed) if unicodedata.combining(ch)}
    if marks:
        decomposed = "".join(ch for ch in decomposed if ch not in marks)
    folded = decomposed.casefold()
    if not _HOMOGLYPH_CHARS.isdisjoint(folded):
        folded = folded.translate(_HOMOGLYPHS)
    return folded


def phrase_key(phrase: str) -> str:
    """The canonical form used to detect duplicate patterns: folded, single spaces."""
    return " ".join(fold(phrase).split())


def _char(ch: str) -> str:
    alternatives = _LEET.get(ch, "")
    if not alternatives:
        return re.escape(ch)
    return "[" + re.escape(ch) + "".join(re.escape(a) for a in alternatives) + "]"


@lru_cache(maxsize=4096)
def compile_phrase(phrase: str) -> re.Pattern[str] | None:
    r"""The matcher for a word-list phrase (None if the phrase has no letters or digits).

    The expression starts with the first letter itself and checks the word boundary right after
    it (`x(?<![^\W_].)x*…` rather than `(?<![^\W_])x+…`, the same matches), so the regex engine
    can skip ahead to candidate letters instead of trying every position.
    """
    words = [w for w in (re.sub(r"[^\w]|_", "", w) for w in phrase_key(phrase).split()) if w]
    if not words:
        return None
    parts = [_SEPARATORS.join(_char(ch) + "+" for ch in word) for word in words]
    first = _char(words[0][0])
    rest = r"(?:[\W_]+)".join(parts)[len(first) + 1:]  # the first letter's `x+` → `x…x*`
    return re.compile(first + _WORD_START_AFTER_FIRST + first + "*" + rest + _WORD_END)


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One expression matching any of the phrases (None if none has letters or digits)."""
    compiled = [p for p in (compile_phrase(x) for x in dict.fromkeys(phrases)) if p is not None]
    if not compiled:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in compiled))


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether `text` contains `phrase` as whole words, tolerating the obfuscations above."""
    pattern = compile_phrase(phrase)
    return pattern is not None and pattern.search(fold(text)) is not None
