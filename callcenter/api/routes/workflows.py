"""Leave (art. 38-40) and swap (art. 34-35) workflows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlmodel import Session, col, select

from callcenter.api.deps import (
    AgentUser,
    Clock,
    ClockDep,
    CurrentUser,
    RecordId,
    SessionDep,
    SettingsDep,
    Supervisor,
    own_agent,
    same_centre,
    user_centre,
)
from callcenter.api.routes.me import ERRORS
from callcenter.api.schemas import Decision, LeaveCreate, LeaveOut, SwapCreate, SwapOut
from callcenter.models import Agent, Centre, LeaveRequest, SwapRequest, User
from callcenter.services import leave, swaps
from callcenter.services.rosters import load_roster, roster_diff

router = APIRouter(prefix="/api", tags=["workflows"])
WORKFLOW_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"description": "Refused by a regulation (cites the article)"},
}


def _today(session: Session, agent: Agent, clock: Clock) -> dt.date:
    centre = session.get(Centre, agent.centre_id)
    assert centre is not None
    return clock.today(centre)


def leave_out(session: Session, row: LeaveRequest) -> LeaveOut:
    agent = session.get(Agent, row.agent_id)
    assert agent is not None and row.id is not None
    return LeaveOut(
        id=row.id,
        agent=agent.employee_no,
        kind=row.kind,
        start_date=row.start_date,
        end_date=row.end_date,
        status=row.status,
        emergency=row.emergency,
        days_charged=row.days_charged,
        reason=row.reason,
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
    )


@router.post("/leave-requests", status_code=201, responses=WORKFLOW_ERRORS)
def file_leave(
    body: LeaveCreate, user: AgentUser, session: SessionDep, clock: ClockDep
) -> LeaveOut:
    """File my leave request (notice per art. 38/39, annual entitlement)."""
    agent = own_agent(session, user)
    row = leave.request_leave(
        session,
        agent,
        kind=body.kind,
        start=body.start_date,
        end=body.end_date,
        today=_today(session, agent, clock),
        actor=user.username,
        emergency=body.emergency,
        reason=body.reason,
        certificate_ref=body.certificate_ref,
    )
    return leave_out(session, row)


@router.get("/leave-requests", responses=ERRORS)
def list_leave(
    user: CurrentUser, session: SessionDep, status_: str | None = None
) -> list[LeaveOut]:
    """Agents: their own requests. Supervisors: their centre's."""
    query = select(LeaveRequest).join(Agent, col(Agent.id) == LeaveRequest.agent_id)
    if user.role == "agent":
        query = query.where(LeaveRequest.agent_id == own_agent(session, user).id)
    elif user.role in ("supervisor", "admin"):
        query = query.where(Agent.centre_id == user_centre(session, user).id)
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role} may not do this")
    if status_:
        query = query.where(LeaveRequest.status == status_)
    return [
        leave_out(session, r) for r in session.exec(query.order_by(col(LeaveRequest.start_date)))
    ]


def _leave_for_staff(session: Session, user: User, request_id: RecordId) -> LeaveRequest:
    row = session.get(LeaveRequest, request_id)
    agent = None if row is None else session.get(Agent, row.agent_id)
    if row is None or agent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"leave request {request_id} not found")
    same_centre(user, agent.centre_id, session)
    return row


@router.post("/leave-requests/{request_id}/decision", responses=WORKFLOW_ERRORS)
def decide_leave(
    request_id: RecordId,
    body: Decision,
    user: Supervisor,
    session: SessionDep,
    settings: SettingsDep,
) -> LeaveOut:
    """Approve (art. 40 enforced, safe under concurrency; published rosters it touches are
    re-planned with minimal change into new drafts) or reject with a reason."""
    from callcenter.services.replan import replan_for_leave

    _leave_for_staff(session, user, request_id)
    row = leave.decide_leave(
        session, request_id, approve=body.approve, actor=user.username, reason=body.reason
    )
    out = leave_out(session, row)
    if row.status == "approved":
        jobs = replan_for_leave(session, row, settings=settings, actor=user.username)
        out.replan_jobs = [j.id for j in jobs if j.id is not None]
    return out


@router.post("/leave-requests/{request_id}/cancel", responses=WORKFLOW_ERRORS)
def cancel_leave(request_id: RecordId, user: AgentUser, session: SessionDep) -> LeaveOut:
    """Withdraw my own request."""
    row = leave.cancel_leave(
        session, request_id, agent=own_agent(session, user), actor=user.username
    )
    return leave_out(session, row)


def swap_out(session: Session, row: SwapRequest, changes: list[str] | None = None) -> SwapOut:
    requester, partner = session.get(Agent, row.requester_id), session.get(Agent, row.partner_id)
    assert requester is not None and partner is not None and row.id is not None
    return SwapOut(
        id=row.id,
        requester=requester.employee_no,
        partner=partner.employee_no,
        requester_date=row.requester_date,
        partner_date=row.partner_date,
        status=row.status,
        partner_consented=row.partner_consented_at is not None,
        override_reason=row.override_reason,
        decision_reason=row.decision_reason,
        draft_roster_id=row.roster_id if row.status == "approved" else None,
        changes=changes or [],
    )


def _agent_by_no(session: Session, number: str, centre_id: int) -> Agent:
    agent = session.exec(
        select(Agent).where(Agent.employee_no == number, Agent.centre_id == centre_id)
    ).first()
    if agent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"agent {number} does not exist")
    return agent


@router.post("/swap-requests", status_code=201, responses=WORKFLOW_ERRORS)
def file_swap(body: SwapCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> SwapOut:
    """Agents file their own swaps; supervisors may file for an agent with an override."""
    if user.role == "agent":
        if body.override_reason or (
            body.requester and body.requester != own_agent(session, user).employee_no
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "agents file their own swaps and cannot override art. 35"
            )
        requester = own_agent(session, user)
    elif user.role in ("supervisor", "admin"):
        if not body.requester:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "requester: required when a supervisor files a swap",
            )
        requester = _agent_by_no(session, body.requester, user_centre(session, user).id or 0)
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role} may not do this")
    partner = _agent_by_no(session, body.partner, requester.centre_id)
    row = swaps.request_swap(
        session,
        requester,
        partner,
        body.requester_date,
        body.partner_date,
        today=_today(session, requester, clock),
        actor=user.username,
        reason=body.reason,
        override_reason=body.override_reason,
    )
    return swap_out(session, row)


@router.get("/swap-requests", responses=ERRORS)
def list_swaps(user: CurrentUser, session: SessionDep) -> list[SwapOut]:
    """Agents: swaps they requested or are asked to take part in. Supervisors: the centre's."""
    query = select(SwapRequest)
    if user.role == "agent":
        me = own_agent(session, user).id
        query = query.where((SwapRequest.requester_id == me) | (SwapRequest.partner_id == me))
    elif user.role in ("supervisor", "admin"):
        query = query.join(Agent, col(Agent.id) == SwapRequest.requester_id).where(
            Agent.centre_id == user_centre(session, user).id
        )
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role} may not do this")
    return [swap_out(session, r) for r in session.exec(query.order_by(col(SwapRequest.id)))]


@router.post("/swap-requests/{swap_id}/consent", responses=WORKFLOW_ERRORS)
def consent_swap(swap_id: RecordId, user: AgentUser, session: SessionDep) -> SwapOut:
    """The partner agrees to the swap (art. 34: both agents consent)."""
    row = session.get(SwapRequest, swap_id)
    me = own_agent(session, user)
    if row is None or me.id not in (row.partner_id, row.requester_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"swap request {swap_id} not found")
    if row.partner_id != me.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the partner consents")
    return swap_out(session, swaps.consent_swap(session, swap_id, partner=me, actor=user.username))


@router.post("/swap-requests/{swap_id}/cancel", responses=WORKFLOW_ERRORS)
def cancel_swap(swap_id: RecordId, user: AgentUser, session: SessionDep) -> SwapOut:
    """The requester withdraws a pending swap."""
    row = swaps.cancel_swap(session, swap_id, agent=own_agent(session, user), actor=user.username)
    return swap_out(session, row)


@router.post("/swap-requests/{swap_id}/decision", responses=WORKFLOW_ERRORS)
def decide_swap(
    swap_id: RecordId, body: Decision, user: Supervisor, session: SessionDep, clock: ClockDep
) -> SwapOut:
    """Approve (rules re-checked; a new draft roster with the swap) or reject with a reason."""
    row = session.get(SwapRequest, swap_id)
    requester = None if row is None else session.get(Agent, row.requester_id)
    if row is None or requester is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"swap request {swap_id} not found")
    same_centre(user, requester.centre_id, session)
    decision = swaps.decide_swap(
        session,
        swap_id,
        approve=body.approve,
        actor=user.username,
        today=_today(session, requester, clock),
        reason=body.reason,
        override_reason=body.override_reason,
    )
    changes: list[str] = []
    if decision.draft is not None and decision.draft.based_on_id and decision.draft.id:
        changes = [
            str(c)
            for c in roster_diff(
                load_roster(session, decision.draft.based_on_id)[1],
                load_roster(session, decision.draft.id)[1],
            )
        ]
    return swap_out(session, decision.request, changes)
