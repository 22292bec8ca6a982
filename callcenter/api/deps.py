"""Dependencies shared by the routes: the session (the request's transaction), the current
user from the bearer token, and role checks. HTTP errors are raised only here and in routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from callcenter.api.security import user_id_from_token
from callcenter.config import Settings
from callcenter.models import Agent, Centre, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


# Dependencies that touch neither the database nor the disk are ``async def``: FastAPI runs a
# sync dependency on a worker thread, and under load each such hop queues behind every
# request ahead of it for the same 40 threads.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.

    Deliberately an *async* generator: its commit runs on the event loop, so a request never
    holds a pooled connection while queueing for a worker thread. (With a sync generator the
    exit needs a thread too, and under a few hundred concurrent requests every thread can end
    up waiting for a connection held by a request waiting for a thread: a deadlock that only
    the pool timeout breaks. The load benchmark found it.)
    """
    engine: Engine = request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Clock:
    """Today's date in a centre's time zone; tests and demos may pin ``now``."""

    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self._now = now or (lambda: dt.datetime.now(dt.UTC))

    def today(self, centre: Centre) -> dt.date:
        return self._now().astimezone(ZoneInfo(centre.timezone)).date()


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# Database ids are 32-bit on PostgreSQL: larger numbers are refused as invalid (422), not
# passed to the database.
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_session)]

UNAUTHORISED = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "not authenticated", headers={"WWW-Authenticate": "Bearer"}
)


def _user_from(token: str | None, session: Session, settings: Settings) -> User:
    if not token:
        raise UNAUTHORISED
    user_id = user_id_from_token(token, settings)
    user = None if user_id is None else session.get(User, user_id)
    session.commit()  # give the connection back before the route queues for a thread
    if user is None or not user.active:
        raise UNAUTHORISED
    return user


def get_current_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    return _user_from(token, session, settings)


def get_user_header_or_query(
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """Calendar feeds: phone calendars cannot send headers, so ``?token=`` is accepted too."""
    return _user_from(token or request.query_params.get("token"), session, settings)


CurrentUser = Annotated[User, Depends(get_current_user)]
FeedUser = Annotated[User, Depends(get_user_header_or_query)]


def require(*roles: str) -> Callable[[User], Awaitable[User]]:
    """A dependency admitting only ``roles`` (admin is always admitted)."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles and user.role != "admin":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {user.role} may not do this (needs {', '.join(roles)})",
            )
        return user

    return check


Supervisor = Annotated[User, Depends(require("supervisor"))]
HR = Annotated[User, Depends(require("hr"))]
AgentUser = Annotated[User, Depends(require("agent"))]


def own_agent(session: Session, user: User) -> Agent:
    """The agent record of an agent account (from the token, never from the path)."""
    agent = None if user.agent_id is None else session.get(Agent, user.agent_id)
    if agent is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this account is not linked to an agent")
    return agent


def user_centre(session: Session, user: User) -> Centre:
    """The centre a staff account works for (admins without one: the only centre)."""
    if user.centre_id is not None:
        centre = session.get(Centre, user.centre_id)
        if centre is not None:
            return centre
    from callcenter.errors import AppError
    from callcenter.services.centres import resolve_centre

    try:
        return resolve_centre(session, None)
    except AppError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc


def same_centre(user: User, centre_id: int, session: Session) -> None:
    """Staff reach only their own centre's records; others look like they do not exist."""
    if user.role == "admin" and user.centre_id is None:
        return
    if user_centre(session, user).id != centre_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
