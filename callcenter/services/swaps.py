"""Shift swaps under art. 34-35.

Two agents exchange shifts: the requester's shift on ``requester_date`` goes to the partner
and the partner's shift on ``partner_date`` goes to the requester (a day off counts as an
empty shift). Rules, checked when filed and again when decided:

- art. 34: filed at least one working day ahead (Chinese working days, make-up days included):
  by the end of the working day before the swap (see ``earliest_swap_date``);
- art. 35: at most 2 swaps initiated per agent per calendar month; no swap between a night
  shift and a day shift. Both are "in principle": a supervisor may override them with a
  recorded reason;
- both resulting schedules still pass the roster checker (rest, hours, breaks, eligibility,
  successions): no override.

States: pending (partner consent awaited, then the supervisor's decision) -> approved |
rejected | cancelled | expired. Approval writes a new draft version of the published roster
with the swap applied and its penalties recomputed; publishing it is the supervisor's word.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

import scheduler
from callcenter.errors import NotFound, Problem, RuleRefused, ValidationFailed
from callcenter.models import Agent, Centre, Roster, RosterProblem, SwapRequest, utcnow as _utcnow
from callcenter.services.audit import record_audit, snapshot, transition
from callcenter.services.rosters import load_problem_row, load_roster, store_roster

MAX_SWAPS_PER_MONTH = 2
_LIVE = ("pending", "approved")
_CALENDAR = scheduler.HolidayCalendar("CN")


@dataclass(frozen=True)
class SwapAssessment:
    """What the rules say about one swap: hard refusals and overridable "in principle" ones."""

    roster: Roster
    swapped: scheduler.Roster
    refusals: list[str]
    in_principle: list[str]


def earliest_swap_date(today: dt.date) -> dt.date:
    """Art. 34: the first date a swap filed ``today`` may fall on.

    "At least one working day in advance" (提前1个工作日): the application is in by the end of
    the working day before the swap, so the swap may fall on the day after the first working
    day on or after filing (filed on a Friday: from Saturday on; filed on a Saturday: from
    Tuesday on; make-up working days count as working days, holidays do not).
    """
    first_working = (
        today if _CALENDAR.is_working_day(today) else _CALENDAR.add_working_days(today, 1)
    )
    return first_working + dt.timedelta(days=1)


def published_roster(session: Session, centre_id: int, days: list[dt.date]) -> Roster:
    """The published roster covering every one of ``days``."""
    for roster in session.exec(
        select(Roster)
        .where(Roster.centre_id == centre_id, Roster.status == "published")
        .order_by(col(Roster.start_date).desc())
    ):
        last = roster.start_date + dt.timedelta(days=roster.days - 1)
        if all(roster.start_date <= d <= last for d in days):
            return roster
    raise RuleRefused(f"art. 34: no published roster covers {', '.join(map(str, days))}")


def _apply(
    roster: scheduler.Roster,
    problem: scheduler.RosterProblem,
    requester: str,
    requester_date: dt.date,
    partner: str,
    partner_date: dt.date,
) -> scheduler.Roster:
    moving = {(requester, requester_date): partner, (partner, partner_date): requester}
    kept: list[scheduler.Assignment] = []
    for item in roster.assignments:
        new_agent = moving.get((item.agent, item.date))
        kept.append(item if new_agent is None else item.model_copy(update={"agent": new_agent}))
    return roster.model_copy(
        update={"assignments": tuple(sorted(kept, key=lambda a: (a.date, a.agent)))}
    )


def _shift(roster: scheduler.Roster, agent: str, day: dt.date) -> str | None:
    return next((a.shift for a in roster.assignments if a.agent == agent and a.date == day), None)


def assess_swap(
    session: Session,
    requester: Agent,
    partner: Agent,
    requester_date: dt.date,
    partner_date: dt.date,
    *,
    today: dt.date,
    exclude_id: int | None = None,
) -> SwapAssessment:
    """Every rule's verdict on a swap (nothing is written)."""
    refusals: list[str] = []
    in_principle: list[str] = []
    if requester.id == partner.id:
        raise ValidationFailed(
            "swap", [Problem("swap", "partner", partner.employee_no, "must be another agent")]
        )
    if requester.centre_id != partner.centre_id:
        raise ValidationFailed(
            "swap", [Problem("swap", "partner", partner.employee_no, "works in another centre")]
        )
    first = min(requester_date, partner_date)
    earliest = earliest_swap_date(today)
    if first < earliest:
        refusals.append(
            f"art. 34: a swap must be filed at least 1 working day ahead: "
            f"filed {today}, the earliest date allowed is {earliest}"
        )
    roster = published_roster(session, requester.centre_id, [requester_date, partner_date])
    problem_row = session.get(RosterProblem, roster.problem_id)
    if problem_row is None or roster.id is None:
        raise NotFound(f"roster {roster.id} has no stored problem")
    problem = load_problem_row(problem_row)
    _, current = load_roster(session, roster.id)
    mine = _shift(current, requester.employee_no, requester_date)
    theirs = _shift(current, partner.employee_no, partner_date)
    if mine is None and theirs is None:
        refusals.append(
            f"nothing to swap: neither {requester.employee_no} on {requester_date} "
            f"nor {partner.employee_no} on {partner_date} has a shift"
        )
    shift_types = problem.shift_types_by_id
    if (
        mine is not None
        and theirs is not None
        and shift_types[mine].night != shift_types[theirs].night
    ):
        in_principle.append(
            f"art. 35: day-shift staff may not swap with night-shift staff "
            f"({requester.employee_no} {mine}, {partner.employee_no} {theirs})"
        )
    month_start = requester_date.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    initiated = [
        s
        for s in session.exec(
            select(SwapRequest).where(
                SwapRequest.requester_id == requester.id,
                col(SwapRequest.status).in_(_LIVE),
                SwapRequest.requester_date >= month_start,
                SwapRequest.requester_date < month_end,
            )
        )
        if s.id != exclude_id
    ]
    if len(initiated) >= MAX_SWAPS_PER_MONTH:
        in_principle.append(
            f"art. 35: at most {MAX_SWAPS_PER_MONTH} swaps per month: "
            f"{requester.employee_no} already initiated {len(initiated)} in "
            f"{month_start:%Y-%m}"
        )
    swapped = _apply(
        current, problem, requester.employee_no, requester_date, partner.employee_no, partner_date
    )
    involved = {requester.employee_no, partner.employee_no}
    before = {
        str(v) for v in scheduler.check_roster(problem, current).violations if v.agent in involved
    }
    for violation in scheduler.check_roster(problem, swapped).violations:
        if violation.agent in involved and str(violation) not in before:
            refusals.append(_describe(violation))
    return SwapAssessment(roster, swapped, refusals, in_principle)


def _describe(violation: scheduler.Violation) -> str:
    article = f"art. {violation.article}: " if violation.article is not None else ""
    return f"{article}{violation.rule}: {violation.agent} {violation.date}: {violation.message}"


def request_swap(
    session: Session,
    requester: Agent,
    partner: Agent,
    requester_date: dt.date,
    partner_date: dt.date,
    *,
    today: dt.date,
    actor: str,
    reason: str | None = None,
    override_reason: str | None = None,
) -> SwapRequest:
    """File a swap. Refused when a rule forbids it (an "in principle" rule of art. 35 only
    when no override reason is given, which only a supervisor may give)."""
    verdict = assess_swap(session, requester, partner, requester_date, partner_date, today=today)
    if verdict.in_principle and not override_reason:
        raise RuleRefused("; ".join(verdict.in_principle + verdict.refusals))
    if verdict.refusals:
        raise RuleRefused("; ".join(verdict.refusals))
    assert requester.id is not None and partner.id is not None
    row = SwapRequest(
        requester_id=requester.id,
        partner_id=partner.id,
        requester_date=requester_date,
        partner_date=partner_date,
        reason=reason,
        roster_id=verdict.roster.id,
        override_reason=override_reason,
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="request",
        entity="swap_request",
        entity_id=row.id,
        after=snapshot(row),
        reason=override_reason or reason,
    )
    return row


def _get(session: Session, swap_id: int) -> SwapRequest:
    row = session.get(SwapRequest, swap_id)
    if row is None:
        raise NotFound(f"swap request {swap_id} does not exist")
    return row


def consent_swap(session: Session, swap_id: int, *, partner: Agent, actor: str) -> SwapRequest:
    """The partner agrees (art. 34: both agents consent)."""
    row = _get(session, swap_id)
    if row.partner_id != partner.id:
        raise NotFound(f"swap request {swap_id} does not exist")
    if row.status != "pending":
        raise RuleRefused(f"swap request {swap_id} is {row.status}, not pending")
    before = snapshot(row)
    row.partner_consented_at = _utcnow()
    row.version += 1
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="consent",
        entity="swap_request",
        entity_id=row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def cancel_swap(
    session: Session, swap_id: int, *, agent: Agent, actor: str, reason: str | None = None
) -> SwapRequest:
    """The requester withdraws a pending swap."""
    row = _get(session, swap_id)
    if row.requester_id != agent.id:
        raise NotFound(f"swap request {swap_id} does not exist")
    if row.status != "pending":
        raise RuleRefused(
            f"swap request {swap_id} is {row.status}: only a pending swap can be cancelled"
        )
    transition(session, row, "cancelled", actor=actor, entity="swap_request", reason=reason)
    return row


@dataclass(frozen=True)
class SwapDecision:
    request: SwapRequest
    draft: Roster | None


def decide_swap(
    session: Session,
    swap_id: int,
    *,
    approve: bool,
    actor: str,
    today: dt.date,
    reason: str | None = None,
    override_reason: str | None = None,
) -> SwapDecision:
    """Approve (rules re-checked; a new draft roster version) or reject (reason required)."""
    row = _get(session, swap_id)
    if row.status != "pending":
        raise RuleRefused(f"swap request {swap_id} is {row.status}, not pending")
    before = snapshot(row)
    draft: Roster | None = None
    if approve:
        if row.partner_consented_at is None:
            raise RuleRefused("art. 34: the partner has not consented to the swap")
        requester, partner = (
            session.get(Agent, row.requester_id),
            session.get(Agent, row.partner_id),
        )
        assert requester is not None and partner is not None
        verdict = assess_swap(
            session,
            requester,
            partner,
            row.requester_date,
            row.partner_date,
            today=today,
            exclude_id=row.id,
        )
        override = override_reason or row.override_reason
        if verdict.in_principle and not override:
            raise RuleRefused(
                "; ".join(verdict.in_principle + verdict.refusals)
                + " (art. 35 may be overridden by a supervisor with a recorded reason)"
            )
        if verdict.refusals:
            raise RuleRefused("; ".join(verdict.refusals))
        row.override_reason = override
        draft = _draft_with_swap(session, verdict, actor)
        row.roster_id = draft.id
    elif not reason:
        raise ValidationFailed(
            "decision",
            [Problem(f"swap request {swap_id}", "reason", "", "a refusal needs a reason")],
        )
    row.status = "approved" if approve else "rejected"
    row.decided_at = _utcnow()
    row.decided_by = actor
    row.decision_reason = reason
    row.version += 1
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=row.status,
        entity="swap_request",
        entity_id=row.id,
        before=before,
        after=snapshot(row),
        reason=row.override_reason or reason,
    )
    return SwapDecision(row, draft)


def _draft_with_swap(session: Session, verdict: SwapAssessment, actor: str) -> Roster:
    """The published roster with the swap applied, its penalties recomputed by the checker."""
    problem_row = session.get(RosterProblem, verdict.roster.problem_id)
    assert problem_row is not None
    problem = load_problem_row(problem_row)
    report = scheduler.check_roster(problem, verdict.swapped)
    roster = verdict.swapped.model_copy(
        update={
            "status": "FEASIBLE",
            "objective": report.objective,
            "bound": None,
            "penalties": tuple(
                scheduler.Penalty(rule=p.rule, subject=p.subject, amount=p.amount)
                for p in report.penalties
            ),
        }
    )
    centre = session.get(Centre, verdict.roster.centre_id)
    assert centre is not None
    return store_roster(session, centre, problem_row, roster, actor=actor, based_on=verdict.roster)
