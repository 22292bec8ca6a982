"""Load the demo centre into the database through the same validation as user imports."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.config import Settings
from callcenter.models import (
    Agent,
    CallVolume,
    Centre,
    QuarterlyKpi,
    ScoringEvent,
    ShiftType,
    Team,
)
from callcenter.services import report
from callcenter.services.centres import create_centre, create_team
from callcenter.services.demo_roster import demo_roster
from callcenter.services.exports import write_table
from callcenter.services.forecasting import forecast_and_staff_demo
from callcenter.services.imports import COLUMNS, ImportResult, import_rows
from callcenter.services.scores import compute_quarter, quarter_rows
from data.demo_centre import DemoCentre, build_demo_centre, previous_quarter


@dataclass
class DemoSummary:
    """What the demo built; printed by the CLI and written as ``summary.json``."""

    centre: str
    timezone: str
    teams: int
    agents: int
    night_eligible: int
    shift_types: list[str]
    history_from: str
    history_to: str
    intervals: int
    calls: float
    holidays_in_history: list[str]
    makeup_days_in_history: list[str]
    kpi_quarter: str
    kpi_rows: int
    events: int
    imports: list[str]

    def lines(self) -> list[str]:
        return [
            f"Centre     {self.centre} ({self.timezone})",
            f"Agents     {self.agents} in {self.teams} teams, {self.night_eligible} night-eligible",
            f"Shifts     {', '.join(self.shift_types)}",
            f"History    {self.history_from} .. {self.history_to}: {self.intervals} half-hours, "
            f"{self.calls:,.0f} calls",
            f"Holidays   {len(self.holidays_in_history)} statutory holiday days, "
            f"{len(self.makeup_days_in_history)} make-up working days in the history",
            f"Scoring    {self.kpi_rows} KPI rows for {self.kpi_quarter}, {self.events} events",
        ]


@dataclass
class DemoRun:
    """Everything the demo did: the load summary plus each later stage's summary lines."""

    summary: DemoSummary
    stages: list[tuple[str, list[str]]]

    def lines(self) -> list[str]:
        lines = self.summary.lines()
        for _name, stage_lines in self.stages:
            lines.extend(stage_lines)
        return lines


def run_demo(
    session: Session,
    as_of: dt.date,
    out_dir: Path,
    *,
    settings: Settings,
    database: str,
    seed: int = 20261125,
    roster_seconds: float | None = None,
) -> DemoRun:
    """The full demo pipeline: load the centre, forecast and staff the next 4 weeks, score
    the last quarter, write the report."""
    summary = load_demo(session, as_of, out_dir, seed=seed)
    centre = session.exec(select(Centre).where(Centre.code == "DEMO")).one()
    nav = [("Overview", "index.html"), ("Roster", "roster.html"), ("Scores", "scores.html")]
    start = as_of + dt.timedelta(days=7 - as_of.weekday())  # the Monday after as_of
    demand = forecast_and_staff_demo(session, centre, start, days=28)
    roster_lines = ["Roster     skipped (--roster-seconds 0)"]
    if roster_seconds is None or roster_seconds > 0:
        roster_lines = demo_roster(
            session,
            centre,
            start,
            28,
            settings=settings,
            out_dir=out_dir,
            nav=nav,
            time_limit_seconds=roster_seconds or settings.solver_time_limit_seconds,
        )
    stages = [
        ("demand", demand.lines()),
        ("roster", roster_lines),
        ("scores", _score_last_quarter(session, centre, as_of, out_dir, settings, nav)),
    ]
    if settings.environment != "production":
        stages.append(("log-ins", _demo_users(session, centre)))
    run = DemoRun(summary=summary, stages=stages)
    _atomic_write(
        out_dir / "summary.json", json.dumps({**summary.__dict__, "stages": dict(stages)}, indent=2)
    )
    links = [
        ("Roster: coverage, hours, penalties", "roster.html"),
        ("roster.json", "roster.json"),
        ("problem.json (check with callcenter roster check)", "problem.json"),
        ("roster_grid.csv (agents x days)", "roster_grid.csv"),
        ("Quarterly scores", "scores.html"),
        ("scores.csv", "scores.csv"),
        ("summary.json", "summary.json"),
        ("input CSV files", "input/"),
    ]
    report.write_page(
        out_dir / "index.html",
        report.render(
            "report_index.html",
            title=f"Demo report: {summary.centre}",
            as_of=as_of.isoformat(),
            database=database,
            lines=run.lines(),
            links=links,
            nav=nav,
        ),
    )
    return run


DEMO_USERS = [
    ("admin", "admin", None),
    ("supervisor", "supervisor", None),
    ("hr", "hr", None),
    ("a001", "agent", "A001"),
    ("a002", "agent", "A002"),
]


def demo_password(username: str) -> str:
    return f"demo-{username}-2026"


def _demo_users(session: Session, centre: Centre) -> list[str]:
    """Demo log-ins (password ``demo-<username>-2026``): never created in production."""
    from callcenter.models import User
    from callcenter.services.users import create_user

    for username, role, agent in DEMO_USERS:
        if session.exec(select(User).where(User.username == username)).first() is None:
            create_user(
                session,
                username=username,
                password=demo_password(username),
                role=role,
                agent_no=agent,
                centre=centre,
                actor="demo",
            )
    return [
        "Log-ins    "
        + ", ".join(f"{u} / {demo_password(u)}" for u, _, _ in DEMO_USERS)
        + " (callcenter serve, then http://127.0.0.1:8000/)"
    ]


def _score_last_quarter(
    session: Session,
    centre: Centre,
    as_of: dt.date,
    out_dir: Path,
    settings: Settings,
    nav: list[tuple[str, str]],
) -> list[str]:
    from scoring import QUARTER_FIELDS, load_rule_table

    year, quarter = previous_quarter(as_of)
    scores = compute_quarter(session, centre, year, quarter, settings=settings, actor="demo")
    rows = quarter_rows(session, scores)
    write_table(out_dir / "scores.csv", QUARTER_FIELDS, rows)
    report.write_page(
        out_dir / "scores.html",
        report.score_page(
            centre=centre.name,
            year=year,
            quarter=quarter,
            rows=rows,
            version=load_rule_table().version,
            pass_mark=settings.pass_mark,
            nav=nav,
        ),
    )
    failed = sum(s.failed for s in scores)
    flagged = sum(s.termination_review or s.zeroed or s.standby_training for s in scores)
    return [
        f"Scores     {year} Q{quarter}: {len(scores)} agents, {failed} failed, "
        f"{flagged} flagged for HR"
    ]


def load_demo(
    session: Session, as_of: dt.date, out_dir: Path | None = None, seed: int = 20261125
) -> DemoSummary:
    """Build the demo centre for ``as_of`` and load it; running it again changes nothing."""
    demo = build_demo_centre(as_of, seed=seed)
    centre = create_centre(
        session,
        code=demo.code,
        name=demo.name,
        timezone=demo.timezone,
        interval_minutes=demo.interval_minutes,
        actor="demo",
    )
    for code, name in demo.teams:
        create_team(session, centre, code=code, name=name, actor="demo")
    existing = {
        s.code for s in session.exec(select(ShiftType).where(ShiftType.centre_id == centre.id))
    }
    for spec in demo.shift_types:
        if spec["id"] in existing:
            continue
        hour, minute = (int(x) for x in str(spec["start"]).split(":"))
        assert centre.id is not None
        session.add(
            ShiftType(
                centre_id=centre.id,
                code=str(spec["id"]),
                start_time=dt.time(hour, minute),
                duration_minutes=int(str(spec["duration_minutes"])),
                night=bool(spec["night"]),
            )
        )
    results: list[ImportResult] = []
    for kind, rows in (
        ("agents", demo.agents),
        ("volumes", demo.volumes),
        ("kpis", demo.kpis),
        ("events", demo.events),
    ):
        results.append(
            import_rows(
                session, centre, kind, rows, source=f"demo:{kind}", actor="demo", today=as_of
            )
        )
        session.flush()
    if out_dir is not None:
        _write_inputs(demo, out_dir / "input")
    summary = _summary(session, demo, centre.id, results)
    if out_dir is not None:
        _atomic_write(out_dir / "summary.json", json.dumps(summary.__dict__, indent=2))
    return summary


def _summary(
    session: Session, demo: DemoCentre, centre_id: int | None, results: list[ImportResult]
) -> DemoSummary:
    def count(statement: Any) -> int:
        return int(session.exec(statement).one())

    agents = count(select(func.count()).select_from(Agent).where(Agent.centre_id == centre_id))
    night = count(
        select(func.count())
        .select_from(Agent)
        .where(Agent.centre_id == centre_id, Agent.night_eligible)
    )
    calls = session.exec(
        select(func.coalesce(func.sum(CallVolume.calls), 0.0)).where(
            CallVolume.centre_id == centre_id
        )
    ).one()
    year, quarter = demo.last_quarter
    return DemoSummary(
        centre=f"{demo.code} {demo.name}",
        timezone=demo.timezone,
        teams=count(select(func.count()).select_from(Team).where(Team.centre_id == centre_id)),
        agents=agents,
        night_eligible=night,
        shift_types=sorted(str(s["id"]) for s in demo.shift_types),
        history_from=demo.history_start.isoformat(),
        history_to=(demo.history_end - dt.timedelta(days=1)).isoformat(),
        intervals=count(
            select(func.count()).select_from(CallVolume).where(CallVolume.centre_id == centre_id)
        ),
        calls=float(calls),
        holidays_in_history=[d.isoformat() for d in demo.holidays_in_history],
        makeup_days_in_history=[d.isoformat() for d in demo.makeup_days_in_history],
        kpi_quarter=f"{year} Q{quarter}",
        kpi_rows=count(
            select(func.count())
            .select_from(QuarterlyKpi)
            .where(QuarterlyKpi.year == year, QuarterlyKpi.quarter == quarter)
        ),
        events=count(select(func.count()).select_from(ScoringEvent)),
        imports=[str(r) for r in results],
    )


def _write_inputs(demo: DemoCentre, folder: Path) -> None:
    """The demo's data as the import CSVs, so users can see (and re-import) the formats."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, rows in (
        ("agents", demo.agents),
        ("volumes", demo.volumes),
        ("kpis", demo.kpis),
        ("events", demo.events),
    ):
        required, optional = COLUMNS[kind]
        header = [c for c in required + optional if any(c in r for r in rows)]
        with tempfile.NamedTemporaryFile(
            "w", delete=False, dir=folder, suffix=".tmp", encoding="utf-8", newline=""
        ) as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(handle.name, folder / f"{kind}.csv")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", delete=False, dir=path.parent, suffix=".tmp", encoding="utf-8"
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)
