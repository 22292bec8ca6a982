"""What an agent works: shifts and breaks from the newest published roster covering a day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from callcenter.models import Assignment, Centre, Roster, ShiftBreak
from callcenter.services.schedule import published_shifts
from tests.factories import START, publish_fixed_roster

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_breaks_in_time_order_and_the_newest_roster_wins_its_days(session: Session) -> None:
    agents = publish_fixed_roster(session)
    centre = session.exec(select(Centre)).one()
    first_roster = session.exec(select(Roster)).one()
    monday = session.exec(select(Assignment).where(
        Assignment.roster_id == first_roster.id, Assignment.date == START,
        Assignment.agent_id == agents["A1"].id)).one()
    assert monday.id is not None
    for kind, hours in (("rest", 5), ("meal", 3)):  # stored out of time order
        session.add(ShiftBreak(assignment_id=monday.id, kind=kind, minutes=15 if kind == "rest"
                               else 30, start=monday.start + dt.timedelta(hours=hours)))
    assert first_roster.published_at is not None and centre.id is not None
    newer = Roster(centre_id=centre.id, name="w50", version=2, status="published",
                   start_date=START + dt.timedelta(days=7), days=7,
                   published_at=first_roster.published_at + dt.timedelta(hours=1))
    session.add(newer)
    session.flush()
    assert newer.id is not None and agents["A1"].id is not None
    late_start = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)  # 14:00 in Shanghai
    session.add(Assignment(roster_id=newer.id, agent_id=agents["A1"].id, date=START +
                           dt.timedelta(days=7), shift_code="E14", start=late_start,
                           end=late_start + dt.timedelta(minutes=420)))
    session.commit()

    mine = published_shifts(session, centre, START, START + dt.timedelta(days=13), [agents["A1"]])

    assert [(v.date.isoformat(), v.shift, v.roster_version) for v in mine] == [
        *[((START + dt.timedelta(days=d)).isoformat(), "D08", 1) for d in range(5)],
        ("2026-12-07", "E14", 2),  # the second week is the newer roster's, whole
    ]
    assert mine[0].start == dt.datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI)
    assert mine[0].start.utcoffset() == dt.timedelta(hours=8)
    assert mine[0].breaks == [("meal", dt.datetime(2026, 11, 30, 11, 0, tzinfo=SHANGHAI), 30),
                              ("rest", dt.datetime(2026, 11, 30, 13, 0, tzinfo=SHANGHAI), 15)]
    assert all(v.breaks == [] for v in mine[1:])
    assert mine[-1].start == dt.datetime(2026, 12, 7, 14, 0, tzinfo=SHANGHAI)

    everyone = published_shifts(session, centre, START, START + dt.timedelta(days=6))
    assert len(everyone) == 5 * 4
    assert [v.start for v in everyone] == sorted(v.start for v in everyone)
    assert {v.agent for v in everyone} == {"A1", "A2", "A3", "A4"}
