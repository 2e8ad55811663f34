from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from tanvi_social.core.responses import Envelope

USERNAME_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,28}[A-Za-z0-9_])?$")


def _check_username(value: str) -> str:
    if not USERNAME_RE.fullmatch(value) or ".." in value:
        raise ValueError("3–30 characters: letters, digits, '_' and '.' (not at the ends)")
    return value


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=3, max_length=30, examples=["mia_styles"])
    email: EmailStr
    password: str = Field(min_length=1, max_length=128)
    display_name: str | None = Field(default=None, max_length=60)

    _username = field_validator("username")(_check_username)


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=254, description="username or e-mail")
    password: str = Field(min_length=1, max_length=128)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutRequest(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class PasswordChangeRequest(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class DeleteAccountRequest(BaseModel):
    password: str = Field(min_length=1, max_length=128)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None = None
    role: str
    is_verified: bool
    created_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class AuthResponse(Envelope):
    user: UserRead
    tokens: TokenPair


class TokensResponse(Envelope):
    tokens: TokenPair


class UserResponse(Envelope):
    user: UserRead


class ExportResponse(Envelope):
    export: dict[str, object]
