"""``callcenter leave ...``, ``callcenter swap ...`` and roster versions from the command line.

Refusals exit 2 with the article (``error: art. 40: ...``), like every other bad request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlmodel import Session, col, select

from callcenter.errors import AppError, NotFound

Actor = Annotated[str, typer.Option(help="Who acts (recorded in the audit log).")]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _agent(session: Session, number: str) -> object:
    from callcenter.models import Agent

    agent = session.exec(select(Agent).where(Agent.employee_no == number)).first()
    if agent is None:
        raise NotFound(f"agent {number} does not exist")
    return agent


def _today(session: Session, agent: object) -> dt.date:
    from callcenter.models import Agent, Centre

    assert isinstance(agent, Agent)
    centre = session.get_one(Centre, agent.centre_id)
    return dt.datetime.now(ZoneInfo(centre.timezone)).date()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD") from exc


def register(app: typer.Typer) -> None:  # noqa: C901 (one small command each)
    leave_app = typer.Typer(help="Leave requests (art. 38-40).", no_args_is_help=True)
    swap_app = typer.Typer(help="Shift swaps (art. 34-35).", no_args_is_help=True)
    versions = typer.Typer(help="Roster versions in the database.", no_args_is_help=True)
    app.add_typer(leave_app, name="leave")
    app.add_typer(swap_app, name="swap")
    app.add_typer(versions, name="rosters")

    @leave_app.command("request")
    def leave_request(
        agent: Annotated[str, typer.Option(help="Employee number.")],
        kind: Annotated[
            str, typer.Option(help="annual, marriage, maternity, bereavement, sick or personal")
        ],
        start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
        end: Annotated[str | None, typer.Option(help="Last day (default: start).")] = None,
        emergency: Annotated[bool, typer.Option(help="Sudden illness etc. (art. 38).")] = False,
        reason: Annotated[str | None, typer.Option(help="Why.")] = None,
        certificate: Annotated[str | None, typer.Option(help="Sick note reference.")] = None,
        actor: Actor = "cli",
    ) -> None:
        """File a leave request."""
        from callcenter.db import session_scope
        from callcenter.models import Agent
        from callcenter.services.leave import request_leave

        try:
            with session_scope() as session:
                who = _agent(session, agent)
                assert isinstance(who, Agent)
                row = request_leave(
                    session,
                    who,
                    kind=kind,
                    start=_date(start),
                    end=_date(end or start),
                    today=_today(session, who),
                    actor=actor,
                    emergency=emergency,
                    reason=reason,
                    certificate_ref=certificate,
                )
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(
            f"leave request {row.id}: {row.kind} {row.start_date}..{row.end_date} "
            f"pending ({row.days_charged} day(s) charged)"
        )

    @leave_app.command("decide")
    def leave_decide(
        request_id: int,
        approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision.")],
        reason: Annotated[str | None, typer.Option(help="Required to reject.")] = None,
        actor: Actor = "cli",
    ) -> None:
        """Approve (art. 40 enforced; touched published rosters are re-planned) or reject."""
        from callcenter.config import get_settings
        from callcenter.db import session_scope
        from callcenter.services.leave import decide_leave
        from callcenter.services.replan import replan_for_leave

        try:
            with session_scope() as session:
                row = decide_leave(session, request_id, approve=approve, actor=actor, reason=reason)
                jobs = (
                    replan_for_leave(session, row, settings=get_settings(), actor=actor)
                    if row.status == "approved"
                    else []
                )
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"leave request {row.id}: {row.status}")
        for job in jobs:
            typer.echo(f"re-plan queued as solve job {job.id} (run `callcenter worker`)")

    @leave_app.command("list")
    def leave_list(status: Annotated[str | None, typer.Option(help="Filter.")] = None) -> None:
        """Leave requests, oldest first."""
        from callcenter.db import session_scope
        from callcenter.models import Agent, LeaveRequest

        with session_scope() as session:
            query = select(LeaveRequest, Agent).join(Agent, col(Agent.id) == LeaveRequest.agent_id)
            if status:
                query = query.where(LeaveRequest.status == status)
            for row, agent in session.exec(query.order_by(col(LeaveRequest.id))):
                typer.echo(
                    f"{row.id}\t{agent.employee_no}\t{row.kind}\t{row.start_date}\t"
                    f"{row.end_date}\t{row.status}"
                )

    @swap_app.command("request")
    def swap_request(
        agent: Annotated[str, typer.Option(help="Requesting agent.")],
        partner: Annotated[str, typer.Option(help="The other agent.")],
        date: Annotated[str, typer.Option(help="Date of the requester's shift.")],
        partner_date: Annotated[
            str | None, typer.Option(help="Date of the partner's shift (default: same).")
        ] = None,
        reason: Annotated[str | None, typer.Option(help="Why.")] = None,
        override_reason: Annotated[
            str | None, typer.Option(help="Supervisor override of art. 35 (recorded).")
        ] = None,
        actor: Actor = "cli",
    ) -> None:
        """File a shift swap."""
        from callcenter.db import session_scope
        from callcenter.models import Agent
        from callcenter.services.swaps import request_swap

        try:
            with session_scope() as session:
                who, other = _agent(session, agent), _agent(session, partner)
                assert isinstance(who, Agent) and isinstance(other, Agent)
                row = request_swap(
                    session,
                    who,
                    other,
                    _date(date),
                    _date(partner_date or date),
                    today=_today(session, who),
                    actor=actor,
                    reason=reason,
                    override_reason=override_reason,
                )
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"swap request {row.id}: pending the partner's consent")

    @swap_app.command("consent")
    def swap_consent(
        swap_id: int, partner: Annotated[str, typer.Option(help="Partner.")], actor: Actor = "cli"
    ) -> None:
        """The partner consents."""
        from callcenter.db import session_scope
        from callcenter.models import Agent
        from callcenter.services.swaps import consent_swap

        try:
            with session_scope() as session:
                who = _agent(session, partner)
                assert isinstance(who, Agent)
                consent_swap(session, swap_id, partner=who, actor=actor)
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"swap request {swap_id}: partner consented")

    @swap_app.command("cancel")
    def swap_cancel(swap_id: int, agent: Annotated[str, typer.Option(help="The requester.")],
                    actor: Actor = "cli") -> None:
        """The requester withdraws a pending swap."""
        from callcenter.db import session_scope
        from callcenter.models import Agent
        from callcenter.services.swaps import cancel_swap

        try:
            with session_scope() as session:
                who = _agent(session, agent)
                assert isinstance(who, Agent)
                cancel_swap(session, swap_id, agent=who, actor=actor)
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"swap request {swap_id}: cancelled")

    @swap_app.command("decide")
    def swap_decide(
        swap_id: int,
        approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision.")],
        reason: Annotated[str | None, typer.Option(help="Required to reject.")] = None,
        override_reason: Annotated[
            str | None, typer.Option(help="Override of art. 35 (recorded).")
        ] = None,
        actor: Actor = "cli",
    ) -> None:
        """Approve (a new draft roster with the swap) or reject."""
        from callcenter.db import session_scope
        from callcenter.models import SwapRequest
        from callcenter.services.rosters import load_roster, roster_diff
        from callcenter.services.swaps import decide_swap

        try:
            with session_scope() as session:
                row = session.get(SwapRequest, swap_id)
                if row is None:
                    raise NotFound(f"swap request {swap_id} does not exist")
                today = _today(session, _agent_of(session, row.requester_id))
                decision = decide_swap(
                    session,
                    swap_id,
                    approve=approve,
                    actor=actor,
                    today=today,
                    reason=reason,
                    override_reason=override_reason,
                )
                changes = []
                draft = decision.draft
                if draft is not None and draft.id and draft.based_on_id:
                    changes = roster_diff(
                        load_roster(session, draft.based_on_id)[1],
                        load_roster(session, draft.id)[1],
                    )
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"swap request {swap_id}: {decision.request.status}")
        if draft is not None:
            typer.echo(f"draft roster {draft.id} (version {draft.version}):")
            for change in changes:
                typer.echo(f"  {change}")

    attendance = typer.Typer(help="Attendance (art. 38).", no_args_is_help=True)
    app.add_typer(attendance, name="attendance")

    @attendance.command("record")
    def attendance_record(
        agent: Annotated[str, typer.Option(help="Employee number.")],
        date: Annotated[str, typer.Option(help="Day, YYYY-MM-DD.")],
        status: Annotated[str, typer.Option(help="present, late, early or absent")],
        minutes: Annotated[int, typer.Option(help="Minutes late / early.")] = 0,
        approved: Annotated[bool, typer.Option(help="Absence approved afterwards.")] = False,
        note: Annotated[str | None, typer.Option(help="Remark.")] = None,
    ) -> None:
        """Record what happened on a rostered day."""
        from callcenter.db import session_scope
        from callcenter.models import Agent, AttendanceRecord

        if status not in ("present", "late", "early", "absent"):
            raise _fail(ValueError(f"status {status!r}: must be present, late, early or absent"))
        try:
            with session_scope() as session:
                who = _agent(session, agent)
                assert isinstance(who, Agent) and who.id is not None
                session.add(
                    AttendanceRecord(
                        agent_id=who.id,
                        date=_date(date),
                        status=status,
                        minutes=minutes,
                        approved=approved,
                        note=note,
                    )
                )
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"{agent} {date}: {status}")

    @attendance.command("evaluate")
    def attendance_evaluate(
        month: Annotated[str, typer.Option(help="Month, YYYY-MM.")],
        centre: Annotated[str | None, typer.Option(help="Centre code.")] = None,
    ) -> None:
        """Unapproved absence of a month -> proposed P1/S6/G3 events for HR to confirm."""
        from callcenter.db import session_scope
        from callcenter.services.attendance import propose_absence_events
        from callcenter.services.centres import resolve_centre

        try:
            year, number = (int(x) for x in month.split("-"))
            with session_scope() as session:
                events = propose_absence_events(
                    session, resolve_centre(session, centre), year, number, actor="cli"
                )
        except (AppError, ValueError) as exc:
            raise _fail(exc) from exc
        for event in events:
            typer.echo(f"proposed {event.event_id}: {event.code} {event.date}")
        typer.echo(
            f"{len(events)} event(s) proposed; confirm with the HR API or "
            "`callcenter event confirm`"
        )

    @versions.command("list")
    def rosters_list() -> None:
        """Roster versions."""
        from callcenter.db import session_scope
        from callcenter.models import Roster

        with session_scope() as session:
            for r in session.exec(select(Roster).order_by(col(Roster.id))):
                typer.echo(
                    f"{r.id}\t{r.name}\tv{r.version}\t{r.status}\t{r.start_date}\t"
                    f"{r.days} days\tobjective {r.objective}\tbased on {r.based_on_id}"
                )

    @versions.command("diff")
    def rosters_diff(roster_id: int) -> None:
        """Who moves where, against the version it is based on."""
        from callcenter.db import session_scope
        from callcenter.services.rosters import load_roster, roster_diff

        try:
            with session_scope() as session:
                row, new = load_roster(session, roster_id)
                if row.based_on_id is None:
                    typer.echo(f"roster {roster_id} is not based on another version")
                    return
                for change in roster_diff(load_roster(session, row.based_on_id)[1], new):
                    typer.echo(str(change))
        except AppError as exc:
            raise _fail(exc) from exc

    @versions.command("publish")
    def rosters_publish(roster_id: int, actor: Actor = "cli") -> None:
        """Publish a draft; the version it replaces is superseded."""
        from callcenter.db import session_scope
        from callcenter.services.rosters import publish_roster

        try:
            with session_scope() as session:
                row = publish_roster(session, roster_id, actor=actor)
        except AppError as exc:
            raise _fail(exc) from exc
        typer.echo(f"roster {row.id} ({row.name} v{row.version}) published")


def _agent_of(session: Session, agent_id: int) -> object:
    from callcenter.models import Agent

    return session.get_one(Agent, agent_id)
