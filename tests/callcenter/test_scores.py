"""Quarterly and annual scores computed from the database, stored, and traceable."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from callcenter.config import Settings
from callcenter.models import (
    Agent,
    AuditLog,
    Centre,
    LeaveRequest,
    QuarterlyKpi,
    QuarterlyScore,
    SwapRequest,
    Team,
)
from callcenter.services.demo import load_demo
from callcenter.services.events import confirm_event, delete_event, record_event
from callcenter.services.scores import compute_quarter, compute_year, quarter_rows
from tests.factories import make_agent, make_centre

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]
TODAY = dt.date(2026, 11, 25)


def setup(session: Session, agents: int = 3) -> tuple[Centre, list[Agent]]:
    centre = make_centre(session, teams=("T1",))
    team = session.exec(select(Team)).one()
    people = [make_agent(session, centre, team, f"A{i}", hire=dt.date(2020, 1, 1))
              for i in range(1, agents + 1)]
    return centre, people


def kpi(session: Session, agent: Agent, year: int = 2026, quarter: int = 3, *,
        calls: int = 1000, quality: float = 80, exam: float = 80) -> None:
    assert agent.id is not None
    session.add(QuarterlyKpi(agent_id=agent.id, year=year, quarter=quarter,
                             calls_answered=calls, quality_score=quality, exam_score=exam,
                             training_required=0, training_attended=0))
    session.commit()


def by_agent(scores: list[QuarterlyScore], agents: list[Agent]) -> dict[str, QuarterlyScore]:
    numbers = {a.id: a.employee_no for a in agents}
    return {numbers[s.agent_id]: s for s in scores}


def test_scores_are_stored_with_the_rule_table_version(session: Session) -> None:
    centre, agents = setup(session)
    for a in agents:
        kpi(session, a)
    scores = compute_quarter(session, centre, 2026, 3, settings=SETTINGS)
    session.commit()
    stored = session.exec(select(QuarterlyScore)).all()
    assert len(stored) == 3 and {s.rule_table_version for s in stored} == {"2026.1"}
    # base 0.4*80 + 0.2*80 + 0.3*100 + 0.1*100 = 88; equal KPIs: everybody ties for
    # R2 (+5), R3 (+5) and R4 first place (+10), and gets R1 for three months (+3)
    assert [s.final_score for s in scores] == [pytest.approx(88 + 5 + 5 + 10 + 3)] * 3


def test_recomputing_an_unchanged_quarter_gives_identical_rows(session: Session) -> None:
    centre, agents = setup(session)
    for i, a in enumerate(agents):
        kpi(session, a, calls=900 + 50 * i, quality=70 + i, exam=60 + 7 * i)
    record_event(session, centre, event_id="E1", agent_no="A1", date=dt.date(2026, 8, 3),
                 code="P3", actor="hr", today=TODAY)
    first = quarter_rows(session, compute_quarter(session, centre, 2026, 3, settings=SETTINGS))
    session.commit()
    second = quarter_rows(session, compute_quarter(session, centre, 2026, 3, settings=SETTINGS))
    assert first == second
    assert len(session.exec(select(QuarterlyScore)).all()) == 3


def test_closed_quarter_is_not_recomputed(session: Session) -> None:
    centre, agents = setup(session, 1)
    kpi(session, agents[0])
    closed = compute_quarter(session, centre, 2026, 3, settings=SETTINGS, freeze=True)
    session.commit()
    before = closed[0].final_score
    record_event(session, centre, event_id="E1", agent_no="A1", date=dt.date(2026, 8, 3),
                 code="P3", actor="hr", today=TODAY)
    again = compute_quarter(session, centre, 2026, 3, settings=SETTINGS)
    assert again[0].final_score == before and again[0].frozen


def test_engine_approved_sick_leave_and_swaps_block_full_attendance(session: Session) -> None:
    centre, agents = setup(session)
    for a in agents:
        kpi(session, a)
    a1, a2, a3 = (a.id for a in agents)
    assert a1 is not None and a2 is not None and a3 is not None
    session.add(LeaveRequest(agent_id=a1, kind="sick", start_date=dt.date(2026, 7, 30),
                             end_date=dt.date(2026, 8, 2), status="approved"))
    session.add(LeaveRequest(agent_id=a3, kind="annual", start_date=dt.date(2026, 7, 6),
                             end_date=dt.date(2026, 7, 7), status="approved"))
    session.add(SwapRequest(requester_id=a2, partner_id=a3, requester_date=dt.date(2026, 9, 9),
                            partner_date=dt.date(2026, 9, 9), status="approved"))
    session.add(SwapRequest(requester_id=a3, partner_id=a2, requester_date=dt.date(2026, 8, 9),
                            partner_date=dt.date(2026, 8, 9), status="rejected"))
    session.commit()
    s = by_agent(compute_quarter(session, centre, 2026, 3, settings=SETTINGS), agents)
    r1 = {k: re.findall(r"R1 (2026-\d\d)", v.explanation) for k, v in s.items()}
    assert r1["A1"] == ["2026-09"]                 # sick leave in July and August
    assert r1["A2"] == ["2026-07", "2026-08"]      # approved swap in September
    assert r1["A3"] == ["2026-07", "2026-08"]      # partner of that swap; annual leave is fine


def test_deleted_events_stop_counting_and_proposed_ones_wait_for_hr(session: Session) -> None:
    centre, agents = setup(session, 1)
    kpi(session, agents[0])
    record_event(session, centre, event_id="E1", agent_no="A1", date=dt.date(2026, 8, 3),
                 code="P3", actor="hr", today=TODAY)
    record_event(session, centre, event_id="E2", agent_no="A1", date=dt.date(2026, 8, 4),
                 code="P1", actor="hr", today=TODAY)
    base = compute_quarter(session, centre, 2026, 3, settings=SETTINGS)[0]
    assert base.penalty_points == 4
    delete_event(session, "E1", actor="hr", reason="recorded against the wrong agent")
    assert compute_quarter(session, centre, 2026, 3, settings=SETTINGS)[0].penalty_points == 2
    audit = session.exec(select(AuditLog).where(AuditLog.action == "delete")).one()
    assert audit.reason == "recorded against the wrong agent" and audit.actor == "hr"


def test_a_correction_needs_a_reason_and_is_audited(session: Session) -> None:
    centre, _ = setup(session, 1)
    record_event(session, centre, event_id="E1", agent_no="A1", date=dt.date(2026, 8, 3),
                 code="P3", actor="hr", today=TODAY)
    with pytest.raises(Exception, match="a correction needs a reason"):
        record_event(session, centre, event_id="E1", agent_no="A1", date=dt.date(2026, 8, 3),
                     code="P2", actor="hr", today=TODAY)
    event = record_event(session, centre, event_id="E1", agent_no="A1",
                         date=dt.date(2026, 8, 3), code="P2", actor="hr",
                         reason="P2 was observed, not P3", today=TODAY)
    assert event.code == "P2"
    with pytest.raises(Exception, match="only proposed"):
        confirm_event(session, "E1", actor="hr")


def test_third_failed_quarter_sets_standby_training(session: Session) -> None:
    centre, agents = setup(session, 2)
    flags = []
    for year, quarter in [(2025, 4), (2026, 1), (2026, 2)]:
        kpi(session, agents[0], year, quarter, quality=20, exam=20, calls=100)
        kpi(session, agents[1], year, quarter, quality=95, exam=95, calls=1000)
        scores = by_agent(compute_quarter(session, centre, year, quarter, settings=SETTINGS),
                          agents)
        session.commit()
        flags.append((scores["A1"].failed, scores["A1"].standby_training))
    assert flags == [(True, False), (True, False), (True, True)]


def test_explanations_add_up_to_the_final_score_on_the_demo_centre(session: Session) -> None:
    load_demo(session, TODAY)
    centre = session.exec(select(Centre)).one()
    rows = quarter_rows(session, compute_quarter(session, centre, 2026, 3, settings=SETTINGS))
    assert len(rows) == 120
    for row in rows:
        items = [Decimal(m) for m in re.findall(r" ([+-]?\d+) art\.", str(row["explanation"]))]
        total = Decimal(str(row["base_score"])) + sum(items, Decimal(0))
        expected = Decimal(0) if row["zeroed"] else max(Decimal(0), total)
        assert Decimal(str(row["final_score"])) == expected, row
        assert sum(i for i in items if i > 0) == Decimal(str(row["reward_points"]))
        assert -sum(i for i in items if i < 0) == Decimal(str(row["penalty_points"]))
    assert any(r["zeroed"] and r["termination_review"] for r in rows)


def test_year_nominates_from_stored_quarters(session: Session) -> None:
    centre, agents = setup(session, 12)
    for i, a in enumerate(agents):
        kpi(session, a, quality=60 + 3 * i, exam=50 + 2 * i, calls=1000 + i)
    compute_quarter(session, centre, 2026, 3, settings=SETTINGS)
    session.commit()
    year = compute_year(session, centre, 2026)
    assert sum(r.nominated for r in year) == 1  # 15 % of 12 is 1.8 -> one nominee
    assert [r.rank for r in year if r.nominated] == [1]
