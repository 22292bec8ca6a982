"""Leave workflow (art. 38-40): notice, entitlement, art. 40 at approval, even under a race."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from callcenter.errors import RuleRefused, ValidationFailed
from callcenter.models import Agent, AuditLog, LeaveRequest, Team
from callcenter.services import leave as leave_service
from callcenter.services.leave import (
    annual_entitlement,
    cancel_leave,
    chargeable_days,
    decide_leave,
    expire_stale_leave,
    request_leave,
)
from tests.factories import make_agent, make_centre

TODAY = dt.date(2026, 11, 2)


def agents(session: Session, count: int = 2, career: dt.date = dt.date(2010, 1, 1)) -> list[Agent]:
    centre = make_centre(session, teams=("T1",))
    team = session.exec(select(Team)).one()
    return [make_agent(session, centre, team, f"A{i}", hire=dt.date(2020, 1, 1),
                       career_start_date=career) for i in range(1, count + 1)]


def annual(session: Session, agent: Agent, start: dt.date, end: dt.date | None = None
           ) -> LeaveRequest:
    row = request_leave(session, agent, kind="annual", start=start, end=end or start,
                        today=TODAY, actor=agent.employee_no)
    session.commit()
    return row


@pytest.mark.parametrize(("years", "days"), [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10),
                                             (20, 15), (25, 15)])
def test_entitlement_by_total_working_years(years: int, days: int) -> None:
    assert annual_entitlement(dt.date(2026 - years, 1, 1), dt.date(2026, 1, 1)) == days


def test_entitlement_counts_whole_years_only() -> None:
    assert annual_entitlement(dt.date(2016, 1, 2), dt.date(2026, 1, 1)) == 5  # 9 years 364 days


def test_holidays_and_rest_days_do_not_consume_annual_leave() -> None:
    assert chargeable_days(dt.date(2026, 9, 28), dt.date(2026, 10, 9)) == 5  # Golden Week free
    assert chargeable_days(dt.date(2026, 10, 10), dt.date(2026, 10, 11)) == 1  # make-up Saturday


def test_art_39_annual_leave_needs_30_days_notice(session: Session) -> None:
    a1, _ = agents(session)
    assert annual(session, a1, TODAY + dt.timedelta(days=30)).status == "pending"
    with pytest.raises(RuleRefused, match=r"^art\. 39: annual leave must be filed at least 30"):
        annual(session, a1, TODAY + dt.timedelta(days=29))


def test_art_39_marriage_leave_notice(session: Session) -> None:
    a1, _ = agents(session)
    with pytest.raises(RuleRefused, match=r"^art\. 39"):
        request_leave(session, a1, kind="marriage", start=TODAY + dt.timedelta(days=10),
                      end=TODAY + dt.timedelta(days=12), today=TODAY, actor="A1")


def test_art_38_sick_leave_notice_emergency_and_certificate(session: Session) -> None:
    a1, _ = agents(session)
    with pytest.raises(RuleRefused, match=r"^art\. 38: sick leave must be filed at least 3"):
        request_leave(session, a1, kind="sick", start=TODAY + dt.timedelta(days=2),
                      end=TODAY + dt.timedelta(days=2), today=TODAY, actor="A1",
                      certificate_ref="C1")
    with pytest.raises(RuleRefused, match=r"^art\. 38: sick leave needs a medical certificate"):
        request_leave(session, a1, kind="sick", start=TODAY - dt.timedelta(days=1),
                      end=TODAY - dt.timedelta(days=1), today=TODAY, actor="A1",
                      emergency=True, reason="fever")
    with pytest.raises(RuleRefused, match=r"^art\. 38: an emergency filing needs a reason"):
        request_leave(session, a1, kind="personal", start=TODAY, end=TODAY, today=TODAY,
                      actor="A1", emergency=True)
    row = request_leave(session, a1, kind="sick", start=TODAY - dt.timedelta(days=1),
                        end=TODAY, today=TODAY, actor="A1", emergency=True, reason="fever",
                        certificate_ref="HOSP-2026-1102")
    assert row.status == "pending" and row.emergency
    ok = request_leave(session, a1, kind="personal", start=TODAY + dt.timedelta(days=3),
                       end=TODAY + dt.timedelta(days=3), today=TODAY, actor="A1")
    assert ok.status == "pending"


def test_annual_leave_balance_is_enforced(session: Session) -> None:
    (a1,) = agents(session, 1, career=dt.date(2020, 6, 1))  # 5 working years -> 5 days
    annual(session, a1, dt.date(2026, 12, 7), dt.date(2026, 12, 9))  # 3 days
    with pytest.raises(RuleRefused, match=r"^art\. 39: annual leave 2026: A1 is entitled to 5 "
                                          r"days \(5 working years\), 3 used or booked, 3 req"):
        annual(session, a1, dt.date(2026, 12, 14), dt.date(2026, 12, 16))
    annual(session, a1, dt.date(2026, 12, 14), dt.date(2026, 12, 15))


def test_overlapping_requests_and_bad_dates_are_refused(session: Session) -> None:
    a1, _ = agents(session)
    annual(session, a1, dt.date(2026, 12, 7), dt.date(2026, 12, 9))
    with pytest.raises(RuleRefused, match="already has annual leave"):
        annual(session, a1, dt.date(2026, 12, 9))
    with pytest.raises(ValidationFailed, match="is before start_date"):
        annual(session, a1, dt.date(2026, 12, 20), dt.date(2026, 12, 19))


def test_art_40_refuses_a_second_agent_on_annual_leave(session: Session) -> None:
    a1, a2 = agents(session)
    r1 = annual(session, a1, dt.date(2026, 12, 7), dt.date(2026, 12, 9))
    r2 = annual(session, a2, dt.date(2026, 12, 9), dt.date(2026, 12, 11))
    r3 = annual(session, a2, dt.date(2026, 12, 14))
    decide_leave(session, r1.id or 0, approve=True, actor="sup")
    session.commit()
    with pytest.raises(RuleRefused,
                       match=r"^art\. 40: 2026-12-09: annual leave of A1 and A2 exceeds the "
                             r"limit of 1"):
        decide_leave(session, r2.id or 0, approve=True, actor="sup")
    session.rollback()
    assert decide_leave(session, r3.id or 0, approve=True, actor="sup").status == "approved"


def test_decisions_are_audited_and_a_refusal_needs_a_reason(session: Session) -> None:
    a1, _ = agents(session)
    row = annual(session, a1, dt.date(2026, 12, 7))
    with pytest.raises(ValidationFailed, match="a refusal needs a reason"):
        decide_leave(session, row.id or 0, approve=False, actor="sup")
    decide_leave(session, row.id or 0, approve=False, actor="sup", reason="peak week")
    session.commit()
    with pytest.raises(RuleRefused, match="is rejected, not pending"):
        decide_leave(session, row.id or 0, approve=True, actor="sup")
    actions = [a.action for a in session.exec(
        select(AuditLog).where(AuditLog.entity == "leave_request"))]
    assert actions == ["request", "rejected"]


def test_cancel_and_expire(session: Session) -> None:
    a1, a2 = agents(session)
    row = annual(session, a1, dt.date(2026, 12, 7))
    cancel_leave(session, row.id or 0, agent=a1, actor="A1")
    assert row.status == "cancelled"
    stale = annual(session, a2, dt.date(2026, 12, 7))
    assert expire_stale_leave(session, today=dt.date(2026, 12, 8)) == 1
    assert stale.status == "expired"


def _race(engine: Engine, ids: list[int], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two supervisors approve at the same moment; the check is slowed to widen the window."""
    original: Callable[..., None] = leave_service._check_art_40

    def slow_check(*args: object) -> None:
        original(*args)
        time.sleep(0.3)

    monkeypatch.setattr(leave_service, "_check_art_40", slow_check)
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def approve(request_id: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                decide_leave(session, request_id, approve=True, actor=f"sup{request_id}")
                session.commit()
                outcomes.append("approved")
            except RuleRefused as exc:
                session.rollback()
                outcomes.append(str(exc)[:7])

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_art_40_race_two_simultaneous_approvals_only_one_wins(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a1, a2 = agents(session)
    r1 = annual(session, a1, dt.date(2026, 12, 7), dt.date(2026, 12, 9))
    r2 = annual(session, a2, dt.date(2026, 12, 8))
    session.close()
    assert _race(engine, [r1.id or 0, r2.id or 0], monkeypatch) == ["approved", "art. 40"]
    with Session(engine) as fresh:
        approved = fresh.exec(select(LeaveRequest).where(LeaveRequest.status == "approved"))
        assert len(list(approved)) == 1
