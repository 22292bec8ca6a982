"""Centres and teams."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from callcenter.errors import ConfigurationError, NotFound, Problem, ValidationFailed
from callcenter.models import Centre, Team
from callcenter.services.audit import record_audit, snapshot


def resolve_centre(session: Session, code: str | None) -> Centre:
    """The centre named ``code``, or the only centre when ``code`` is None."""
    if code is not None:
        centre = session.exec(select(Centre).where(Centre.code == code)).first()
        if centre is None:
            raise NotFound(f"centre {code!r} does not exist")
        return centre
    centres = list(session.exec(select(Centre)).all())
    if not centres:
        raise ConfigurationError(
            "no centre in the database: create one with `callcenter centre create CODE` "
            "or load the demo with `callcenter demo`"
        )
    if len(centres) > 1:
        names = ", ".join(sorted(c.code for c in centres))
        raise ConfigurationError(f"several centres ({names}): name one with --centre")
    return centres[0]


def create_centre(
    session: Session,
    *,
    code: str,
    name: str,
    timezone: str = "Asia/Shanghai",
    interval_minutes: int = 30,
    max_concurrent_annual_leave: int = 1,
    actor: str = "system",
) -> Centre:
    """Create a centre, or return the existing one with the same code and settings."""
    problems = []
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem("centre", "timezone", timezone, "not an IANA time zone"))
    if interval_minutes <= 0 or 1440 % interval_minutes:
        problems.append(
            Problem("centre", "interval_minutes", str(interval_minutes), "must divide 1440")
        )
    if problems:
        raise ValidationFailed("centre", problems)
    existing = session.exec(select(Centre).where(Centre.code == code)).first()
    if existing is not None:
        return existing
    centre = Centre(
        code=code,
        name=name,
        timezone=timezone,
        interval_minutes=interval_minutes,
        max_concurrent_annual_leave=max_concurrent_annual_leave,
    )
    session.add(centre)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="create",
        entity="centre",
        entity_id=centre.id,
        after=snapshot(centre),
    )
    return centre


def create_team(
    session: Session, centre: Centre, *, code: str, name: str, actor: str = "system"
) -> Team:
    """Create a team in ``centre``, or return the existing one with that code."""
    existing = session.exec(
        select(Team).where(Team.centre_id == centre.id, Team.code == code)
    ).first()
    if existing is not None:
        return existing
    assert centre.id is not None
    team = Team(centre_id=centre.id, code=code, name=name)
    session.add(team)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="create",
        entity="team",
        entity_id=team.id,
        after=snapshot(team),
    )
    return team
