"""Server-rendered pages (Jinja2, no front-end build step, usable on a phone).

Log-in sets the same JWT the API uses in an HttpOnly, SameSite=Strict cookie (so forms
posted from other sites carry no credentials). Pages call the same services as the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from callcenter.api.deps import ClockDep, SessionDep, SettingsDep, own_agent, user_centre
from callcenter.api.security import create_access_token, user_id_from_token
from callcenter.errors import AppError
from callcenter.models import (
    LEAVE_KINDS,
    Agent,
    LeaveRequest,
    QuarterlyScore,
    Roster,
    SolveJob,
    SwapRequest,
    User,
)
from callcenter.services.schedule import published_shifts

COOKIE = "callcenter_session"
router = APIRouter(include_in_schema=False)
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("callcenter", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def page(name: str, **context: Any) -> HTMLResponse:
    return HTMLResponse(_TEMPLATES.get_template(f"web/{name}").render(**context))


class LoginRequired(Exception):
    """No valid session cookie: the browser goes to the log-in page."""


def web_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    token = request.cookies.get(COOKIE)
    user_id = None if token is None else user_id_from_token(token, settings)
    user = None if user_id is None else session.get(User, user_id)
    session.commit()  # give the connection back before the page queues for a thread
    if user is None or not user.active:
        raise LoginRequired()
    return user


WebUser = Annotated[User, Depends(web_user)]


def need(user: User, *roles: str) -> None:
    if user.role not in roles and user.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role} may not see this")


def back(url: str, message: str, error: bool = False) -> RedirectResponse:
    flag = "&error=1" if error else ""
    sep = "&" if "?" in url else "?"
    return RedirectResponse(
        f"{url}{sep}flash={quote(message)}{flag}", status_code=status.HTTP_303_SEE_OTHER
    )


def flash(request: Request) -> dict[str, Any]:
    return {
        "flash": request.query_params.get("flash"),
        "flash_error": request.query_params.get("error") == "1",
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    try:
        user = web_user(request, session, settings)
    except LoginRequired:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    target = {"agent": "/my/shifts", "supervisor": "/roster", "hr": "/scores"}
    return RedirectResponse(target.get(user.role, "/roster"), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return page("login.html", title="Log in", user=None, **flash(request))


@router.post("/login")
def login(
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    from callcenter.services.users import authenticate

    user = authenticate(session, username, password)
    if user is None:
        return back("/login", "Wrong username or password.", error=True)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        create_access_token(user, settings),
        httponly=True,
        samesite="strict",
        secure=settings.environment == "production",
        max_age=settings.access_token_minutes * 60,
    )
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE)
    return response


# ----------------------------------------------------------------------------------- agent


@router.get("/my/shifts", response_class=HTMLResponse)
def my_shifts(
    request: Request,
    user: WebUser,
    session: SessionDep,
    clock: ClockDep,
    view: str = "week",
    start: dt.date | None = None,
) -> HTMLResponse:
    need(user, "agent")
    agent = own_agent(session, user)
    centre = user_centre(session, user)
    today = clock.today(centre)
    if view == "month":
        first = (start or today).replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        prev, nxt = (first - dt.timedelta(days=1)).replace(day=1), last + dt.timedelta(days=1)
    else:
        view = "week"
        base = start or today
        first = base - dt.timedelta(days=base.weekday())
        last = first + dt.timedelta(days=6)
        prev, nxt = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    token = request.cookies.get(COOKIE, "")
    return page(
        "my_shifts.html",
        title="My shifts",
        user=user,
        view=view,
        first=first,
        last=last,
        prev=prev,
        next=nxt,
        agent=agent.employee_no,
        token=token,
        shifts=published_shifts(session, centre, first, last, [agent]),
        **flash(request),
    )


@router.get("/my/requests", response_class=HTMLResponse)
def my_requests(
    request: Request, user: WebUser, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    from callcenter.services.leave import annual_balance

    need(user, "agent")
    agent = own_agent(session, user)
    today = clock.today(user_centre(session, user))
    entitled, used = annual_balance(session, agent, today.year)
    leave = session.exec(
        select(LeaveRequest)
        .where(LeaveRequest.agent_id == agent.id)
        .order_by(col(LeaveRequest.id).desc())
    ).all()
    numbers = {
        a.id: a.employee_no
        for a in session.exec(select(Agent).where(Agent.centre_id == agent.centre_id))
    }
    swaps = [
        {
            "id": s.id,
            "requester": numbers[s.requester_id],
            "partner": numbers[s.partner_id],
            "requester_date": s.requester_date,
            "partner_date": s.partner_date,
            "status": s.status,
            "partner_consented": s.partner_consented_at is not None,
            "needs_my_consent": s.partner_id == agent.id
            and s.status == "pending"
            and s.partner_consented_at is None,
        }
        for s in session.exec(
            select(SwapRequest)
            .where((SwapRequest.requester_id == agent.id) | (SwapRequest.partner_id == agent.id))
            .order_by(col(SwapRequest.id).desc())
        )
    ]
    return page(
        "my_requests.html",
        title="My requests",
        user=user,
        leave=leave,
        swaps=swaps,
        kinds=LEAVE_KINDS,
        balance=entitled - used,
        **flash(request),
    )


@router.post("/my/leave")
def file_leave(
    user: WebUser,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form()],
    start_date: Annotated[dt.date, Form()],
    end_date: Annotated[dt.date, Form()],
    emergency: Annotated[bool, Form()] = False,
    reason: Annotated[str | None, Form()] = None,
    certificate_ref: Annotated[str | None, Form()] = None,
) -> Response:
    from callcenter.services.leave import request_leave

    need(user, "agent")
    agent = own_agent(session, user)
    try:
        row = request_leave(
            session,
            agent,
            kind=kind,
            start=start_date,
            end=end_date,
            today=clock.today(user_centre(session, user)),
            actor=user.username,
            emergency=emergency,
            reason=reason or None,
            certificate_ref=certificate_ref or None,
        )
    except AppError as exc:
        session.rollback()
        return back("/my/requests", str(exc), error=True)
    return back("/my/requests", f"Leave request {row.id} filed.")


@router.post("/my/swaps/{swap_id}/consent")
def consent(swap_id: int, user: WebUser, session: SessionDep) -> Response:
    from callcenter.services.swaps import consent_swap

    need(user, "agent")
    try:
        consent_swap(session, swap_id, partner=own_agent(session, user), actor=user.username)
    except AppError as exc:
        session.rollback()
        return back("/my/requests", str(exc), error=True)
    return back("/my/requests", f"You consented to swap {swap_id}.")


@router.get("/my/scores", response_class=HTMLResponse)
def my_scores(request: Request, user: WebUser, session: SessionDep) -> HTMLResponse:
    need(user, "agent")
    agent = own_agent(session, user)
    scores = session.exec(
        select(QuarterlyScore)
        .where(QuarterlyScore.agent_id == agent.id)
        .order_by(col(QuarterlyScore.year), col(QuarterlyScore.quarter))
    ).all()
    return page("my_scores.html", title="My scores", user=user, scores=scores, **flash(request))


# ------------------------------------------------------------------------------ supervisor


def _current_roster(session: Session, user: User, roster_id: int | None) -> Roster | None:
    centre = user_centre(session, user)
    if roster_id is not None:
        row = session.get(Roster, roster_id)
        if row is None or row.centre_id != centre.id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "roster not found")
        return row
    rows = list(
        session.exec(
            select(Roster).where(Roster.centre_id == centre.id).order_by(col(Roster.id).desc())
        )
    )
    published = [r for r in rows if r.status == "published"]
    candidates = published or rows
    return candidates[0] if candidates else None


@router.get("/roster", response_class=HTMLResponse)
def roster_grid(
    request: Request, user: WebUser, session: SessionDep, id: int | None = None
) -> HTMLResponse:  # noqa: A002 (query name)
    from callcenter.services.rosters import load_problem_row, load_roster, roster_diff

    need(user, "supervisor")
    row = _current_roster(session, user, id)
    context: dict[str, Any] = {"roster": row}
    if row is not None and row.id is not None:
        _, roster = load_roster(session, row.id)
        from callcenter.models import RosterProblem

        problem = load_problem_row(session.get_one(RosterProblem, row.problem_id))
        cells = {(a.agent, a.date): a.shift for a in roster.assignments}
        for agent in problem.agents:
            for leave in agent.leave:
                cells[(agent.id, leave.date)] = f"leave:{leave.kind}"
        context.update(
            dates=list(problem.dates),
            agents=[a.id for a in problem.agents],
            cells=cells,
            versions=session.exec(
                select(Roster).where(Roster.name == row.name).order_by(col(Roster.version))
            ).all(),
            changes=[]
            if row.based_on_id is None
            else [str(c) for c in roster_diff(load_roster(session, row.based_on_id)[1], roster)],
        )
    return page("roster.html", title="Roster", user=user, **context, **flash(request))


@router.post("/roster/{roster_id}/publish")
def publish(roster_id: int, user: WebUser, session: SessionDep) -> Response:
    from callcenter.services.rosters import publish_roster

    need(user, "supervisor")
    _current_roster(session, user, roster_id)
    try:
        publish_roster(session, roster_id, actor=user.username)
    except AppError as exc:
        session.rollback()
        return back(f"/roster?id={roster_id}", str(exc), error=True)
    return back(f"/roster?id={roster_id}", f"Roster {roster_id} published.")


@router.get("/coverage", response_class=HTMLResponse)
def coverage(
    request: Request, user: WebUser, session: SessionDep, id: int | None = None
) -> HTMLResponse:  # noqa: A002
    import scheduler
    from callcenter.models import RosterProblem
    from callcenter.services.report import coverage_svg
    from callcenter.services.rosters import load_problem_row, load_roster

    need(user, "supervisor")
    row = _current_roster(session, user, id)
    context: dict[str, Any] = {"roster": row, "chart": None, "covered": 0.0}
    if row is not None and row.id is not None:
        problem = load_problem_row(session.get_one(RosterProblem, row.problem_id))
        report = scheduler.check_roster(problem, load_roster(session, row.id)[1])
        lines = report.coverage
        wanted = sum(c.required for c in lines) or 1
        short = sum(max(0.0, c.required - float(c.on_phones)) for c in lines)
        context.update(
            chart=coverage_svg(
                [c.start for c in lines],
                [c.required for c in lines],
                [float(c.on_phones) for c in lines],
            ),
            covered=100 * (1 - short / wanted),
        )
    return page("coverage.html", title="Coverage", user=user, **context, **flash(request))


@router.get("/requests", response_class=HTMLResponse)
def pending(request: Request, user: WebUser, session: SessionDep) -> HTMLResponse:
    from callcenter.api.routes.workflows import leave_out, swap_out

    need(user, "supervisor")
    centre = user_centre(session, user)
    leave = [
        leave_out(session, r)
        for r, _ in session.exec(
            select(LeaveRequest, Agent)
            .join(Agent, col(Agent.id) == LeaveRequest.agent_id)
            .where(Agent.centre_id == centre.id, LeaveRequest.status == "pending")
            .order_by(col(LeaveRequest.start_date))
        )
    ]
    swaps = [
        swap_out(session, s)
        for s, _ in session.exec(
            select(SwapRequest, Agent)
            .join(Agent, col(Agent.id) == SwapRequest.requester_id)
            .where(Agent.centre_id == centre.id, SwapRequest.status == "pending")
        )
    ]
    return page(
        "requests.html",
        title="Requests to decide",
        user=user,
        leave=leave,
        swaps=swaps,
        **flash(request),
    )


@router.post("/requests/leave/{request_id}")
def decide_leave(
    request_id: int,
    user: WebUser,
    session: SessionDep,
    settings: SettingsDep,
    action: Annotated[str, Form()],
    reason: Annotated[str | None, Form()] = None,
) -> Response:
    from callcenter.api.routes.workflows import _leave_for_staff
    from callcenter.services import leave
    from callcenter.services.replan import replan_for_leave

    need(user, "supervisor")
    _leave_for_staff(session, user, request_id)
    try:
        row = leave.decide_leave(
            session,
            request_id,
            approve=action == "approve",
            actor=user.username,
            reason=reason or None,
        )
        jobs = (
            replan_for_leave(session, row, settings=settings, actor=user.username)
            if row.status == "approved"
            else []
        )
    except AppError as exc:
        session.rollback()
        return back("/requests", str(exc), error=True)
    extra = f"; re-plan queued as job {', '.join(str(j.id) for j in jobs)}" if jobs else ""
    return back("/requests", f"Leave request {request_id} {row.status}{extra}.")


@router.post("/requests/swap/{swap_id}")
def decide_swap(
    swap_id: int,
    user: WebUser,
    session: SessionDep,
    clock: ClockDep,
    action: Annotated[str, Form()],
    reason: Annotated[str | None, Form()] = None,
    override_reason: Annotated[str | None, Form()] = None,
) -> Response:
    from callcenter.services.swaps import decide_swap as decide

    need(user, "supervisor")
    centre = user_centre(session, user)
    try:
        result = decide(
            session,
            swap_id,
            approve=action == "approve",
            actor=user.username,
            today=clock.today(centre),
            reason=reason or None,
            override_reason=override_reason or None,
        )
    except AppError as exc:
        session.rollback()
        return back("/requests", str(exc), error=True)
    draft = f"; draft roster {result.draft.id}" if result.draft is not None else ""
    return back("/requests", f"Swap {swap_id} {result.request.status}{draft}.")


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request, user: WebUser, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> HTMLResponse:
    from callcenter.api.routes.jobs import job_out
    from callcenter.models import RosterProblem

    need(user, "supervisor")
    centre = user_centre(session, user)
    rows = session.exec(
        select(SolveJob)
        .join(RosterProblem, col(RosterProblem.id) == SolveJob.problem_id)
        .where(RosterProblem.centre_id == centre.id)
        .order_by(col(SolveJob.id).desc())
        .limit(50)
    )
    today = clock.today(centre)
    return page(
        "jobs.html",
        title="Solve jobs",
        user=user,
        jobs=[job_out(session, j) for j in rows],
        default_start=today + dt.timedelta(days=14 - today.weekday()),
        default_limit=settings.solver_time_limit_seconds,
        **flash(request),
    )


@router.post("/jobs")
def start_job(
    user: WebUser,
    session: SessionDep,
    settings: SettingsDep,
    start_date: Annotated[dt.date, Form()],
    days: Annotated[int, Form()],
    time_limit_seconds: Annotated[float, Form()],
) -> Response:
    from callcenter.jobs.solve import enqueue
    from callcenter.services.rosters import build_problem, planned_demand, store_problem

    need(user, "supervisor")
    centre = user_centre(session, user)
    try:
        problem = build_problem(
            session,
            centre,
            start_date,
            days,
            settings=settings,
            demand=planned_demand(session, centre, start_date, days),
        )
        row = store_problem(session, centre, problem, actor=user.username)
        job = enqueue(
            session,
            row,
            time_limit_seconds=time_limit_seconds,
            workers=settings.solver_workers,
            actor=user.username,
        )
    except AppError as exc:
        session.rollback()
        return back("/jobs", str(exc), error=True)
    return back("/jobs", f"Solve job {job.id} queued.")


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: int, user: WebUser, session: SessionDep) -> Response:
    from callcenter.jobs.solve import request_cancel

    need(user, "supervisor")
    job = session.get(SolveJob, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "job not found")
    request_cancel(session, job, actor=user.username)
    return back("/jobs", f"Solve job {job_id}: cancel requested.")


@router.get("/web/jobs/{job_id}")
def job_json(job_id: int, user: WebUser, session: SessionDep) -> dict[str, Any]:
    from callcenter.api.routes.jobs import job_out

    need(user, "supervisor")
    job = session.get(SolveJob, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "job not found")
    return job_out(session, job).model_dump()


# -------------------------------------------------------------------------------------- HR


def _score_rows(session: Session, user: User, year: int, quarter: int) -> list[dict[str, object]]:
    from callcenter.services.report import FLAG_LABELS
    from callcenter.services.scores import quarter_rows

    centre = user_centre(session, user)
    stored = [
        s
        for s, _ in session.exec(
            select(QuarterlyScore, Agent)
            .join(Agent, col(Agent.id) == QuarterlyScore.agent_id)
            .where(
                Agent.centre_id == centre.id,
                QuarterlyScore.year == year,
                QuarterlyScore.quarter == quarter,
            )
            .order_by(col(Agent.employee_no))
        )
    ]
    return [
        {**r, "flags": [label for key, label in FLAG_LABELS.items() if r[key]]}
        for r in quarter_rows(session, stored)
    ]


@router.get("/scores", response_class=HTMLResponse)
def scores(
    request: Request,
    user: WebUser,
    session: SessionDep,
    clock: ClockDep,
    year: int | None = None,
    quarter: int | None = None,
) -> HTMLResponse:
    from scoring import load_rule_table

    need(user, "hr")
    today = clock.today(user_centre(session, user))
    if year is None or quarter is None:
        current = (today.month - 1) // 3 + 1
        year, quarter = (today.year, current - 1) if current > 1 else (today.year - 1, 4)
    rows = _score_rows(session, user, year, quarter)
    return page(
        "scores.html",
        title=f"Scores {year} Q{quarter}",
        user=user,
        rows=rows,
        year=year,
        quarter=quarter,
        flagged=[r for r in rows if r["flags"]],
        version=load_rule_table().version,
        **flash(request),
    )


@router.get("/scores/export.{fmt}")
def export(fmt: str, user: WebUser, session: SessionDep, year: int, quarter: int) -> Response:
    import tempfile
    from pathlib import Path

    from callcenter.services.exports import table_csv, write_table
    from scoring import QUARTER_FIELDS

    need(user, "hr")
    rows = _score_rows(session, user, year, quarter)
    name = f"scores-{year}-Q{quarter}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(table_csv(QUARTER_FIELDS, rows), media_type="text/csv", headers=disposition)
    if fmt == "xlsx":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            write_table(path, QUARTER_FIELDS, rows)
            return Response(
                path.read_bytes(),
                headers=disposition,
                media_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
    raise HTTPException(status.HTTP_404_NOT_FOUND, "export as .csv or .xlsx")
