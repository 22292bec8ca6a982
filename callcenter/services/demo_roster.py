"""The demo's roster stage: build the 4-week problem from the staffing result, solve it, check
it independently, store it as a draft, and write the roster files and report page."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from sqlmodel import Session, col, select

import scheduler
from callcenter.config import Settings
from callcenter.models import Centre, Roster
from callcenter.services import report
from callcenter.services.exports import write_table
from callcenter.services.rosters import (
    build_problem,
    load_problem_row,
    load_roster,
    planned_demand,
    store_problem,
    store_roster,
)


def demo_roster(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int,
    *,
    settings: Settings,
    out_dir: Path,
    time_limit_seconds: float,
    nav: list[tuple[str, str]],
) -> list[str]:
    """Solve (or, on a re-run, reuse) the demo roster and write roster.json/csv/html."""
    name = f"{centre.code.lower()}-{start.isoformat()}"
    existing = session.exec(
        select(Roster)
        .where(Roster.centre_id == centre.id, Roster.name == name)
        .order_by(col(Roster.version))
    ).first()
    if existing is not None and existing.problem_id is not None and existing.id is not None:
        from callcenter.models import RosterProblem

        problem = load_problem_row(session.get_one(RosterProblem, existing.problem_id))
        _, roster = load_roster(session, existing.id)
        row, reused = existing, True
    else:
        problem = build_problem(
            session,
            centre,
            start,
            days,
            settings=settings,
            name=name,
            demand=planned_demand(session, centre, start, days),
        )
        try:
            roster = scheduler.solve(
                problem, time_limit_seconds=time_limit_seconds, workers=settings.solver_workers
            )
        except scheduler.EngineError as exc:
            return [f"Roster     no roster: {exc}"]
        row = store_roster(
            session,
            centre,
            store_problem(session, centre, problem, actor="demo"),
            roster,
            actor="demo",
        )
        reused = False
    check = scheduler.check_roster(problem, roster)
    if not (check.ok and check.objective_matches):  # the engine's own output must pass
        raise RuntimeError("the independent checker rejected the demo roster:\n" + check.to_text())
    _write_files(problem, roster, check, out_dir, nav)
    short = sum(max(0.0, line.required - float(line.on_phones)) for line in check.coverage)
    wanted = sum(line.required for line in check.coverage) or 1
    gap = (
        ""
        if roster.bound is None or not roster.objective
        else f", gap {100 * (roster.objective - roster.bound) / roster.objective:.0f} %"
    )
    return [
        f"Roster     {problem.start_date} + {problem.days} days, {len(problem.agents)} agents: "
        f"draft {row.id} v{row.version} {roster.status}, objective {roster.objective:,.0f}, "
        f"bound {roster.bound or 0:,.0f}{gap}"
        + (" (stored earlier)" if reused else f", {roster.seconds or 0:.0f} s"),
        f"Check      independent checker: {len(check.violations)} hard violations, objective "
        f"{'matches' if check.objective_matches else 'DIFFERS'}; demand covered "
        f"{100 * (1 - short / wanted):.1f} % ({short:,.0f} agent-intervals short)",
    ]


def _write_files(
    problem: scheduler.RosterProblem,
    roster: scheduler.Roster,
    check: scheduler.CheckReport,
    out_dir: Path,
    nav: list[tuple[str, str]],
) -> None:
    scheduler.save_roster(roster, out_dir / "roster.json")
    report.write_page(out_dir / "problem.json", scheduler.problem_to_json(problem))
    leave = {(a.id, item.date): item.kind for a in problem.agents for item in a.leave}
    shifts = {(a.agent, a.date): a.shift for a in roster.assignments}
    columns = ["agent", "team"] + [d.isoformat() for d in problem.dates]
    rows: list[dict[str, object]] = [
        {
            "agent": a.id,
            "team": a.team,
            **{
                d.isoformat(): shifts.get((a.id, d))
                or (f"leave:{leave[(a.id, d)]}" if (a.id, d) in leave else "")
                for d in problem.dates
            },
        }
        for a in problem.agents
    ]
    write_table(out_dir / "roster_grid.csv", columns, rows)
    report.write_page(out_dir / "roster.html", roster_page(problem, roster, check, nav))


def roster_page(
    problem: scheduler.RosterProblem,
    roster: scheduler.Roster,
    check: scheduler.CheckReport,
    nav: list[tuple[str, str]],
) -> str:
    """Coverage chart, per-agent hours, nights and weekends, penalty breakdown."""
    types = problem.shift_types_by_id
    per_agent: dict[str, Counter[str]] = defaultdict(Counter)
    for item in roster.assignments:
        shift = types[item.shift]
        counts = per_agent[item.agent]
        counts["shifts"] += 1
        counts["work_minutes"] += problem.work_minutes(shift)
        counts["nights"] += shift.night
        counts["weekend_days"] += item.date.weekday() >= 5
    agents = [
        {
            "id": a.id,
            "team": a.team,
            "night_eligible": a.night_eligible,
            "shifts": per_agent[a.id]["shifts"],
            "hours": per_agent[a.id]["work_minutes"] / 60,
            "weekly_hours": per_agent[a.id]["work_minutes"] / 60 / (problem.days / 7),
            "nights": per_agent[a.id]["nights"],
            "weekend_days": per_agent[a.id]["weekend_days"],
            "leave_days": len(a.leave),
        }
        for a in problem.agents
    ]
    penalties: Counter[str] = Counter()
    for term in check.penalties:
        penalties[term.rule] += term.amount
    chart = report.coverage_svg(
        [line.start for line in check.coverage],
        [line.required for line in check.coverage],
        [float(line.on_phones) for line in check.coverage],
    )
    return report.render(
        "report_roster.html",
        title=f"Roster {problem.name}",
        nav=nav,
        problem=problem,
        roster=roster,
        agents=agents,
        chart=chart,
        penalties=sorted(penalties.items()),
        violations=check.violations,
        objective=check.objective,
    )
