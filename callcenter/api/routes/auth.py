from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from callcenter.api.deps import SessionDep, SettingsDep
from callcenter.api.schemas import Token
from callcenter.api.security import create_access_token
from callcenter.services.users import authenticate

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", responses={401: {"description": "Wrong username or password"}})
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """OAuth2 password flow: username and password for a bearer JWT."""
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=create_access_token(user, settings))
