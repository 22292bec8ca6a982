"""Unapproved absence becomes proposed P1/S6/G3 events (art. 38, 105-107)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from callcenter.models import AttendanceRecord, ScoringEvent, Team
from callcenter.services.attendance import absence_events, propose_absence_events
from callcenter.services.events import confirm_event
from tests.factories import make_agent, make_centre


def codes(days: list[int]) -> list[str]:
    return [e.code for e in absence_events("A1", [dt.date(2026, 7, d) for d in days])]


def test_one_day_is_one_p1() -> None:
    assert codes([3]) == ["P1"]


def test_two_consecutive_days_add_one_s6() -> None:
    assert codes([3, 4]) == ["P1", "P1", "S6"]


def test_two_separate_days_add_no_s6() -> None:
    assert codes([3, 10]) == ["P1", "P1"]


def test_three_days_in_a_month_add_g3() -> None:
    assert codes([3, 10, 20]) == ["P1", "P1", "P1", "G3"]
    assert codes([3, 4, 5]) == ["P1", "P1", "P1", "S6", "G3"]


def test_proposals_are_idempotent_and_wait_for_hr(session: Session) -> None:
    centre = make_centre(session, teams=("T1",))
    agent = make_agent(session, centre, session.exec(select(Team)).one(), "A1")
    assert agent.id is not None
    for day, approved in ((3, False), (4, False), (9, True)):
        session.add(AttendanceRecord(agent_id=agent.id, date=dt.date(2026, 7, day),
                                     status="absent", approved=approved))
    session.commit()
    first = propose_absence_events(session, centre, 2026, 7)
    assert sorted(e.code for e in first) == ["P1", "P1", "S6"]
    assert propose_absence_events(session, centre, 2026, 7) == []
    assert {e.status for e in session.exec(select(ScoringEvent))} == {"proposed"}
    confirm_event(session, first[0].event_id, actor="hr")
    assert first[0].status == "confirmed"
