"""Quarterly and annual scores from the database (art. 104-107, art. 27).

The pure ``scoring`` engine does the arithmetic; this service gathers its inputs (agents,
KPIs, confirmed events, the engine's own approved sick/personal leave and swaps as R1
blockers, each agent's art. 27 counter from the last stored quarter), stores the results
with the rule-table version used, and refuses to recompute a quarter that has been closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

import scoring
from callcenter.config import Settings
from callcenter.errors import NotFound, RuleRefused
from callcenter.models import (
    Agent,
    AnnualScore,
    Centre,
    LeaveRequest,
    QuarterlyKpi,
    QuarterlyScore,
    ScoringEvent,
    SwapRequest,
)
from callcenter.services.audit import record_audit

# Approved leave of these kinds blocks R1 (art. 104) like the matching attendance mark.
_LEAVE_MARKS = {"sick": "SICK", "personal": "PERSONAL"}


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    nxt = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _agents(session: Session, centre: Centre) -> dict[int, Agent]:
    return {
        a.id: a
        for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))
        if a.id is not None
    }


def _events(
    session: Session, agents: dict[int, Agent], first: dt.date, last: dt.date
) -> list[scoring.ScoringEvent]:
    rows = session.exec(
        select(ScoringEvent).where(
            col(ScoringEvent.agent_id).in_(list(agents)),
            ScoringEvent.status == "confirmed",
            ScoringEvent.date >= first,
            ScoringEvent.date <= last,
        )
    )
    return [
        scoring.ScoringEvent(
            event_id=e.event_id,
            agent_id=agents[e.agent_id].employee_no,
            date=e.date,
            code=e.code,
            note=e.note or "",
        )
        for e in rows
    ]


def _marks(
    session: Session, agents: dict[int, Agent], first: dt.date, last: dt.date
) -> list[scoring.AttendanceMark]:
    """The engine's own approved sick/personal leave days and approved swaps (R1 blockers)."""
    marks: list[scoring.AttendanceMark] = []
    leaves = session.exec(
        select(LeaveRequest).where(
            col(LeaveRequest.agent_id).in_(list(agents)),
            LeaveRequest.status == "approved",
            col(LeaveRequest.kind).in_(list(_LEAVE_MARKS)),
            LeaveRequest.start_date <= last,
            LeaveRequest.end_date >= first,
        )
    )
    for leave in leaves:
        day = max(leave.start_date, first)
        while day <= min(leave.end_date, last):
            marks.append(
                scoring.AttendanceMark(
                    agents[leave.agent_id].employee_no, day, _LEAVE_MARKS[leave.kind]
                )
            )
            day += dt.timedelta(days=1)
    swaps = session.exec(
        select(SwapRequest).where(
            col(SwapRequest.requester_id).in_(list(agents)), SwapRequest.status == "approved"
        )
    )
    for swap in swaps:
        for agent_id in (swap.requester_id, swap.partner_id):
            for day in {swap.requester_date, swap.partner_date}:
                if first <= day <= last and agent_id in agents:
                    marks.append(scoring.AttendanceMark(agents[agent_id].employee_no, day, "SWAP"))
    return marks


def _failed_before(
    session: Session, agents: dict[int, Agent], year: int, quarter: int
) -> dict[str, int]:
    """Each agent's art. 27 counter as left by their latest stored quarter before this one."""
    counters: dict[str, int] = {}
    rows = session.exec(
        select(QuarterlyScore)
        .where(
            col(QuarterlyScore.agent_id).in_(list(agents)),
            QuarterlyScore.year * 4 + QuarterlyScore.quarter < year * 4 + quarter,
        )
        .order_by(col(QuarterlyScore.year), col(QuarterlyScore.quarter))
    )
    for row in rows:
        counters[agents[row.agent_id].employee_no] = row.failed_quarters_count
    return counters


def compute_quarter(
    session: Session,
    centre: Centre,
    year: int,
    quarter: int,
    *,
    settings: Settings,
    actor: str = "system",
    freeze: bool = False,
) -> list[QuarterlyScore]:
    """Score a quarter, store the scores (replacing earlier, unfrozen ones) and return them.

    A quarter that was closed (frozen) is never recomputed: its stored scores are returned
    as they are. Recomputing an unchanged quarter gives identical rows.
    """
    if not 1 <= quarter <= 4:
        raise NotFound(f"quarter {quarter} does not exist (1-4)")
    agents = _agents(session, centre)
    stored = _stored_quarter(session, agents, year, quarter)
    if any(s.frozen for s in stored):
        return stored
    first, last = quarter_bounds(year, quarter)
    kpis = session.exec(
        select(QuarterlyKpi).where(
            col(QuarterlyKpi.agent_id).in_(list(agents)),
            QuarterlyKpi.year == year,
            QuarterlyKpi.quarter == quarter,
        )
    )
    table = scoring.load_rule_table()
    try:
        results = scoring.score_quarter(
            year,
            quarter,
            employments=[
                scoring.Employment(a.employee_no, a.hire_date, a.left_date) for a in agents.values()
            ],
            kpis=[
                scoring.QuarterKpi(
                    agent_id=agents[k.agent_id].employee_no,
                    year=k.year,
                    quarter=k.quarter,
                    calls_answered=k.calls_answered,
                    quality_score=Decimal(str(k.quality_score)),
                    exam_score=Decimal(str(k.exam_score)),
                    training_required=k.training_required,
                    training_attended=k.training_attended,
                    volume_bonus_awarded=k.volume_bonus_awarded,
                )
                for k in kpis
            ],
            rules=table,
            events=_events(session, agents, first, last),
            attendance_marks=_marks(session, agents, first, last),
            failed_quarters_before=_failed_before(session, agents, year, quarter),
            settings=scoring.ScoringSettings(
                quality_weight=Decimal(str(settings.weight_quality)),
                exam_weight=Decimal(str(settings.weight_exam)),
                productivity_weight=Decimal(str(settings.weight_productivity)),
                training_weight=Decimal(str(settings.weight_training)),
                pass_mark=Decimal(str(settings.pass_mark)),
            ),
        )
    except scoring.ScoringError as exc:
        raise RuleRefused(f"art. 104-107: {exc}") from exc
    by_no = {a.employee_no: a for a in agents.values()}
    existing = {s.agent_id: s for s in stored}
    kept: list[QuarterlyScore] = []
    for result in results:
        agent_id = by_no[result.agent_id].id
        assert agent_id is not None
        values: dict[str, Any] = {
            "base_score": float(result.base_score),
            "reward_points": float(result.reward_points),
            "penalty_points": float(result.penalty_points),
            "final_score": float(result.final_score),
            "zeroed": result.zeroed,
            "failed": result.failed,
            "disqualified_annual": result.disqualified_annual,
            "termination_review": result.termination_review,
            "standby_training": result.standby_training,
            "failed_quarters_count": result.failed_quarters,
            "explanation": result.explanation,
            "rule_table_version": result.rule_table_version,
            "frozen": freeze,
        }
        row = existing.pop(agent_id, None)
        if row is None:
            row = QuarterlyScore(agent_id=agent_id, year=year, quarter=quarter, **values)
            session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        kept.append(row)
    for orphan in existing.values():  # KPI row withdrawn since the last computation
        session.delete(orphan)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="close-quarter" if freeze else "compute",
        entity="quarterly_score",
        entity_id=f"{centre.code} {year}Q{quarter}",
        after={
            "agents": len(kept),
            "rule_table_version": table.version,
            "failed": sum(r.failed for r in kept),
        },
    )
    return sorted(kept, key=lambda r: by_no_key(agents, r))


def by_no_key(agents: dict[int, Agent], row: QuarterlyScore | AnnualScore) -> str:
    return agents[row.agent_id].employee_no


def _stored_quarter(
    session: Session, agents: dict[int, Agent], year: int, quarter: int
) -> list[QuarterlyScore]:
    rows = session.exec(
        select(QuarterlyScore).where(
            col(QuarterlyScore.agent_id).in_(list(agents)),
            QuarterlyScore.year == year,
            QuarterlyScore.quarter == quarter,
        )
    )
    return sorted(rows, key=lambda r: by_no_key(agents, r))


@dataclass(frozen=True)
class _StoredQuarter:
    """A stored quarterly score in the shape ``scoring.score_year`` reads."""

    agent_id: str
    year: int
    quarter: int
    final_score: Decimal
    disqualified_annual: bool


def compute_year(
    session: Session, centre: Centre, year: int, *, actor: str = "system"
) -> list[AnnualScore]:
    """Annual-excellence standings (art. 104 R8) from the stored quarterly scores of ``year``.

    Headcount (for the 15 % cap) = the centre's agents employed at any time in ``year``.
    """
    agents = _agents(session, centre)
    quarters = session.exec(
        select(QuarterlyScore).where(
            col(QuarterlyScore.agent_id).in_(list(agents)), QuarterlyScore.year == year
        )
    )
    stored = [
        _StoredQuarter(
            agents[q.agent_id].employee_no,
            q.year,
            q.quarter,
            Decimal(str(q.final_score)).quantize(Decimal("0.01")),
            q.disqualified_annual,
        )
        for q in quarters
    ]
    if not stored:
        raise NotFound(f"no quarterly scores stored for {year}: run `callcenter score quarter`")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    headcount = sum(
        1
        for a in agents.values()
        if a.hire_date <= last and (a.left_date is None or a.left_date >= first)
    )
    table = scoring.load_rule_table()
    results = scoring.score_year(
        year, stored, headcount=headcount, rules=table, events=_events(session, agents, first, last)
    )
    by_no = {a.employee_no: a for a in agents.values()}
    existing = {
        s.agent_id: s
        for s in session.exec(
            select(AnnualScore).where(
                col(AnnualScore.agent_id).in_(list(agents)), AnnualScore.year == year
            )
        )
    }
    rows: list[AnnualScore] = []
    for result in results:
        agent_id = by_no[result.agent_id].id
        assert agent_id is not None
        values: dict[str, Any] = {
            "quarters_scored": result.quarters_scored,
            "mean_final_score": float(result.mean_final_score),
            "disqualified_annual": result.disqualified_annual,
            "rank": result.rank,
            "nominated": result.nominated,
            "tie_at_cut": result.tie_at_cut,
            "explanation": result.explanation,
            "rule_table_version": result.rule_table_version,
        }
        row = existing.get(agent_id)
        if row is None:
            row = AnnualScore(agent_id=agent_id, year=year, **values)
            session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        rows.append(row)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="compute",
        entity="annual_score",
        entity_id=f"{centre.code} {year}",
        after={"agents": len(rows), "nominated": sum(r.nominated for r in rows)},
    )
    return rows


def quarter_rows(session: Session, scores: list[QuarterlyScore]) -> list[dict[str, object]]:
    """The ``score quarter`` output rows (interfaces.md columns, in order)."""
    numbers = _employee_numbers(session, [s.agent_id for s in scores])
    return [
        {
            "agent_id": numbers[s.agent_id],
            "year": s.year,
            "quarter": s.quarter,
            "base_score": f"{s.base_score:.2f}",
            "reward_points": _points(s.reward_points),
            "penalty_points": _points(s.penalty_points),
            "final_score": f"{s.final_score:.2f}",
            "zeroed": s.zeroed,
            "failed": s.failed,
            "disqualified_annual": s.disqualified_annual,
            "termination_review": s.termination_review,
            "standby_training": s.standby_training,
            "explanation": s.explanation,
        }
        for s in scores
    ]


def year_rows(session: Session, scores: list[AnnualScore]) -> list[dict[str, object]]:
    """The ``score year`` output rows (interfaces.md columns, in order)."""
    numbers = _employee_numbers(session, [s.agent_id for s in scores])
    return [
        {
            "agent_id": numbers[s.agent_id],
            "year": s.year,
            "quarters_scored": s.quarters_scored,
            "mean_final_score": f"{s.mean_final_score:.2f}",
            "disqualified_annual": s.disqualified_annual,
            "rank": "" if s.rank is None else s.rank,
            "nominated": s.nominated,
            "tie_at_cut": s.tie_at_cut,
            "explanation": s.explanation,
        }
        for s in scores
    ]


def _points(value: float) -> str:
    return f"{value:g}"


def _employee_numbers(session: Session, ids: list[int]) -> dict[int, str]:
    return {
        a.id: a.employee_no
        for a in session.exec(select(Agent).where(col(Agent.id).in_(ids)))
        if a.id is not None
    }
