"""Leave requests under art. 38-40.

- Notice (art. 39): annual, marriage and maternity leave are filed at least 30 calendar days
  ahead. Art. 38: sick and personal leave at least 3 calendar days ahead, unless filed as an
  ``emergency`` (also afterwards) with a reason; sick leave needs a certificate reference.
  Bereavement leave has no notice period.
- Entitlement (Regulations on Paid Annual Leave art. 3): total working years counted from the
  career start date to 1 January of the leave's year: under 1 year 0 days, 1-9 years 5 days,
  10-19 years 10, 20 or more 15. Only working days are charged: statutory holidays and rest
  days (weekends that are not make-up working days) do not consume annual leave.
- Art. 40: at most ``max_concurrent_annual_leave`` agents (the centre's setting, or a stricter
  team setting) on annual leave on any day, enforced when a supervisor approves. Approvals of
  one centre are serialised by a row lock on the centre, so two supervisors approving
  overlapping requests at the same moment cannot both succeed, on SQLite and PostgreSQL.

States: pending -> approved | rejected | cancelled | expired; every transition audited.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import update
from sqlmodel import Session, col, select

from callcenter.errors import NotFound, Problem, RuleRefused, ValidationFailed
from callcenter.models import LEAVE_KINDS, Agent, Centre, LeaveRequest, Team, utcnow as _utcnow
from callcenter.services.audit import record_audit, snapshot, transition
from scheduler import HolidayCalendar

NOTICE_DAYS = {
    "annual": 30,
    "marriage": 30,
    "maternity": 30,
    "sick": 3,
    "personal": 3,
    "bereavement": 0,
}
NOTICE_ARTICLE = {
    "annual": 39,
    "marriage": 39,
    "maternity": 39,
    "sick": 38,
    "personal": 38,
    "bereavement": 38,
}
_LIVE = ("pending", "approved")
_CALENDAR = HolidayCalendar("CN")


def working_years(career_start: dt.date, on: dt.date) -> int:
    """Whole years worked from ``career_start`` to ``on``."""
    years = on.year - career_start.year
    if (on.month, on.day) < (career_start.month, career_start.day):
        years -= 1
    return max(0, years)


def annual_entitlement(career_start: dt.date, on: dt.date) -> int:
    """Paid annual-leave days a year for the working years reached on ``on``."""
    years = working_years(career_start, on)
    if years >= 20:
        return 15
    if years >= 10:
        return 10
    if years >= 1:
        return 5
    return 0


def chargeable_days(start: dt.date, end: dt.date, calendar: HolidayCalendar = _CALENDAR) -> int:
    """Days of annual leave consumed: working days only (holidays and rest days are free)."""
    return sum(
        1
        for i in range((end - start).days + 1)
        if calendar.is_working_day(start + dt.timedelta(days=i))
    )


def annual_balance(session: Session, agent: Agent, year: int) -> tuple[int, int]:
    """(entitlement, days used or booked) of ``agent`` for ``year``."""
    used = sum(
        r.days_charged
        for r in session.exec(
            select(LeaveRequest).where(
                LeaveRequest.agent_id == agent.id,
                LeaveRequest.kind == "annual",
                col(LeaveRequest.status).in_(_LIVE),
            )
        )
        if r.start_date.year == year
    )
    return annual_entitlement(agent.career_start_date, dt.date(year, 1, 1)), used


def request_leave(
    session: Session,
    agent: Agent,
    *,
    kind: str,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    actor: str,
    emergency: bool = False,
    reason: str | None = None,
    certificate_ref: str | None = None,
) -> LeaveRequest:
    """File a leave request; refusals cite the article they apply."""
    where = f"leave request of {agent.employee_no}"
    problems = []
    if kind not in LEAVE_KINDS:
        problems.append(Problem(where, "kind", kind, f"must be one of {', '.join(LEAVE_KINDS)}"))
    if end < start:
        problems.append(Problem(where, "end_date", end.isoformat(), "is before start_date"))
    if problems:
        raise ValidationFailed(where, problems)
    notice = (start - today).days
    if emergency:
        if kind not in ("sick", "personal"):
            raise RuleRefused(
                f"art. {NOTICE_ARTICLE[kind]}: only sick or personal leave may be "
                "filed as an emergency"
            )
        if not reason:
            raise RuleRefused("art. 38: an emergency filing needs a reason")
    elif notice < NOTICE_DAYS[kind]:
        raise RuleRefused(
            f"art. {NOTICE_ARTICLE[kind]}: {kind} leave must be filed at least "
            f"{NOTICE_DAYS[kind]} days ahead (this is {notice} days ahead)"
        )
    if kind == "sick" and not certificate_ref:
        raise RuleRefused("art. 38: sick leave needs a medical certificate reference")
    if start < agent.hire_date or (agent.left_date is not None and end > agent.left_date):
        raise RuleRefused(f"{agent.employee_no} is not employed for the whole of {start}..{end}")
    overlapping = session.exec(
        select(LeaveRequest).where(
            LeaveRequest.agent_id == agent.id,
            col(LeaveRequest.status).in_(_LIVE),
            LeaveRequest.start_date <= end,
            LeaveRequest.end_date >= start,
        )
    ).first()
    if overlapping is not None:
        raise RuleRefused(
            f"{agent.employee_no} already has {overlapping.kind} leave "
            f"{overlapping.start_date}..{overlapping.end_date} "
            f"(request {overlapping.id})"
        )
    charged = 0
    if kind == "annual":
        if start.year != end.year:
            raise RuleRefused(
                "art. 39: annual leave is granted per calendar year: split a request "
                "that crosses the new year"
            )
        charged = chargeable_days(start, end)
        entitled, used = annual_balance(session, agent, start.year)
        if used + charged > entitled:
            years = working_years(agent.career_start_date, dt.date(start.year, 1, 1))
            raise RuleRefused(
                f"art. 39: annual leave {start.year}: {agent.employee_no} is entitled to "
                f"{entitled} days ({years} working years), {used} used or booked, "
                f"{charged} requested"
            )
    assert agent.id is not None
    row = LeaveRequest(
        agent_id=agent.id,
        kind=kind,
        start_date=start,
        end_date=end,
        emergency=emergency,
        reason=reason,
        certificate_ref=certificate_ref,
        days_charged=charged,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="request",
        entity="leave_request",
        entity_id=row.id,
        after=snapshot(row),
        reason=reason,
    )
    return row


def lock_centre(session: Session, centre_id: int) -> None:
    """Serialise decisions of one centre (art. 40) until this transaction ends.

    PostgreSQL: a no-op UPDATE takes the centre row's lock; a concurrent approval waits for
    this transaction and then reads its outcome (READ COMMITTED). SQLite: the transaction is
    opened with BEGIN IMMEDIATE, taking the database write lock before any snapshot is read,
    so the other approval waits (busy timeout) and then sees this one's result.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")
    session.execute(
        update(Centre)
        .where(col(Centre.id) == centre_id)
        .values(max_concurrent_annual_leave=Centre.max_concurrent_annual_leave)
    )


def annual_leave_limit(session: Session, centre: Centre, team: Team | None) -> int:
    limits = [centre.max_concurrent_annual_leave]
    if team is not None and team.max_concurrent_annual_leave is not None:
        limits.append(team.max_concurrent_annual_leave)
    return min(limits)


def _check_art_40(session: Session, request: LeaveRequest, agent: Agent) -> None:
    centre = session.get(Centre, agent.centre_id)
    team = session.get(Team, agent.team_id)
    assert centre is not None
    limit = annual_leave_limit(session, centre, team)
    others = session.exec(
        select(LeaveRequest, Agent)
        .join(Agent, col(Agent.id) == LeaveRequest.agent_id)
        .where(
            Agent.centre_id == centre.id,
            LeaveRequest.kind == "annual",
            LeaveRequest.status == "approved",
            col(LeaveRequest.id) != request.id,
            LeaveRequest.start_date <= request.end_date,
            LeaveRequest.end_date >= request.start_date,
        )
    ).all()
    on_leave: Counter[dt.date] = Counter()
    names: dict[dt.date, list[str]] = {}
    for other, other_agent in others:
        day = max(other.start_date, request.start_date)
        while day <= min(other.end_date, request.end_date):
            on_leave[day] += 1
            names.setdefault(day, []).append(other_agent.employee_no)
            day += dt.timedelta(days=1)
    for day in sorted(on_leave):
        if on_leave[day] + 1 > limit:
            raise RuleRefused(
                f"art. 40: {day}: annual leave of {', '.join(sorted(names[day]))} and "
                f"{agent.employee_no} exceeds the limit of {limit}"
            )


def decide_leave(
    session: Session, request_id: int, *, approve: bool, actor: str, reason: str | None = None
) -> LeaveRequest:
    """A supervisor's decision. Approving annual leave enforces art. 40 under a centre lock."""
    first = session.get(LeaveRequest, request_id)
    if first is None:
        raise NotFound(f"leave request {request_id} does not exist")
    agent = session.get(Agent, first.agent_id)
    assert agent is not None
    if approve and first.kind == "annual":
        lock_centre(session, agent.centre_id)
    session.refresh(first)  # the state as of the lock, not as first read
    if first.status != "pending":
        raise RuleRefused(f"leave request {request_id} is {first.status}, not pending")
    if not approve and not reason:
        raise ValidationFailed(
            "decision",
            [Problem(f"leave request {request_id}", "reason", "", "a refusal needs a reason")],
        )
    if approve and first.kind == "annual":
        _check_art_40(session, first, agent)
    transition(
        session,
        first,
        "approved" if approve else "rejected",
        actor=actor,
        entity="leave_request",
        reason=reason,
        decided_at=_utcnow(),
        decided_by=actor,
        decision_reason=reason,
    )
    return first


def cancel_leave(
    session: Session, request_id: int, *, agent: Agent, actor: str, reason: str | None = None
) -> LeaveRequest:
    """The agent withdraws their own pending or approved request."""
    row = session.get(LeaveRequest, request_id)
    if row is None or row.agent_id != agent.id:
        raise NotFound(f"leave request {request_id} does not exist")
    if row.status not in _LIVE:
        raise RuleRefused(f"leave request {request_id} is {row.status}: nothing to cancel")
    transition(session, row, "cancelled", actor=actor, entity="leave_request", reason=reason)
    return row


def expire_stale_leave(session: Session, *, today: dt.date, actor: str = "scheduler") -> int:
    """Pending requests whose first day has passed expire (nobody decided in time)."""
    stale = list(
        session.exec(
            select(LeaveRequest).where(
                LeaveRequest.status == "pending",
                LeaveRequest.start_date < today,
                col(LeaveRequest.emergency).is_(False),
            )
        )
    )
    for row in stale:
        transition(
            session,
            row,
            "expired",
            actor=actor,
            entity="leave_request",
            reason="not decided before its first day",
        )
    session.flush()
    return len(stale)
