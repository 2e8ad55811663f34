"""Password policy (NIST SP 800-63B): length, and not a known-breached common password.

The breached list is the 30,000 most common leaked passwords shipped inside the `zxcvbn` package.
"""

from __future__ import annotations

from functools import lru_cache

from tanvi_social.core.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *, username: str = "", email: str = "") -> None:
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append("not one of the most common leaked passwords")
    if username and lowered == username.lower():
        problems.append("different from the username")
    if email and lowered == email.lower().split("@")[0]:
        problems.append("different from the e-mail address")
    if problems:
        raise ValidationFailed(
            "Password must be " + "; ".join(problems), code="weak_password",
            details=[{"loc": ["body", "password"], "msg": p} for p in problems],
        )
