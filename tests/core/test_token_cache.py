"""Verified access tokens are remembered, never past their expiry, and never across keys."""

from __future__ import annotations

import time

import jwt
import pytest

from tanvi_social.core import security
from tanvi_social.core.errors import Unauthorized
from tanvi_social.core.security import decode_access_token, issue_access_token

KEY = "k" * 48


def _token(exp: int, key: str = KEY) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "7", "typ": "access", "iss": "tanvi-social",
                       "aud": "tanvi-social", "iat": now - 10, "exp": exp, "ver": 2},
                      key, algorithm="HS256")


def test_second_decode_is_remembered_and_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = issue_access_token(KEY, user_id=5, role="user", token_version=1, minutes=5)
    first = decode_access_token(KEY, token)
    calls = []
    monkeypatch.setattr(security, "_decode", lambda *a, **k: calls.append(1))
    assert decode_access_token(KEY, token) == first  # no second verification
    assert calls == []
    assert (first.user_id, first.token_version) == (5, 1)


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    exp = int(time.time()) + 60
    token = _token(exp)
    assert decode_access_token(KEY, token).expires_at == exp
    later = exp + security.CLOCK_SKEW_SECONDS + 1
    monkeypatch.setattr(security.time, "time", lambda: float(later))
    with pytest.raises(Unauthorized) as err:
        decode_access_token(KEY, token)
    assert err.value.code == "token_expired"
    assert (KEY, token) not in security._verified


def test_other_key_and_forged_tokens_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(int(time.time()) + 60)
    decode_access_token(KEY, token)
    with pytest.raises(Unauthorized):  # the same token under another key is verified again
        decode_access_token("z" * 48, token)
    with pytest.raises(Unauthorized):
        decode_access_token(KEY, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "VERIFIED_CACHE_SIZE", 3)
    security._verified.clear()
    tokens = [issue_access_token(KEY, user_id=i, role="user", token_version=0, minutes=5)[0]
              for i in range(1, 6)]
    for t in tokens:
        decode_access_token(KEY, t)
    assert len(security._verified) == 3
    assert (KEY, tokens[-1]) in security._verified
    assert (KEY, tokens[0]) not in security._verified
