"""Bearer tokens: signed JWTs (pyjwt, HS256) naming the user and role."""

from __future__ import annotations

import datetime as dt

import jwt

from callcenter.config import Settings
from callcenter.models import User

ALGORITHM = "HS256"


def create_access_token(user: User, settings: Settings) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "iat": now,
        "exp": now + dt.timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def user_id_from_token(token: str, settings: Settings) -> int | None:
    """The user id a valid, unexpired token names; None for anything else."""
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
