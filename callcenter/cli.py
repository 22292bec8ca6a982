"""The ``callcenter`` command line (contract: interfaces.md).

Exit codes: 0 success, 1 a check found violations, 2 bad input (the message names the file,
the row or JSON path, and what is wrong). Errors become exit codes only here, at the edge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import typer

from callcenter.commands_bench import register as register_bench_commands
from callcenter.commands_demand import register as register_demand_commands
from callcenter.commands_roster import register as register_roster_commands
from callcenter.commands_service import register as register_service_commands
from callcenter.commands_validation import register as register_validation_commands
from callcenter.commands_workflows import register as register_workflow_commands
from callcenter.config import get_settings
from callcenter.db import current_revision, downgrade, make_engine, session_scope, upgrade
from callcenter.errors import AppError

app = typer.Typer(help="Call-centre workforce engine.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
centre_app = typer.Typer(help="Centres (sites).", no_args_is_help=True)
team_app = typer.Typer(help="Teams of a centre.", no_args_is_help=True)
score_app = typer.Typer(help="Quarterly and annual scores (art. 104-107).", no_args_is_help=True)
event_app = typer.Typer(help="Scoring events (HR).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(centre_app, name="centre")
app.add_typer(team_app, name="team")
app.add_typer(score_app, name="score")
app.add_typer(event_app, name="event")
register_demand_commands(app)
register_bench_commands(app)
register_validation_commands(app)
register_service_commands(app)
register_roster_commands(app)
register_workflow_commands(app)

P = ParamSpec("P")
R = TypeVar("R")

CentreOption = Annotated[
    str | None, typer.Option("--centre", help="Centre code; optional when there is one centre.")
]


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def edge(func: Callable[P, R]) -> Callable[P, R]:
    """Turn application errors into a clear message on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AppError as exc:
            fail(str(exc))
            raise  # unreachable: fail() always raises

    return wrapper


@app.command()
@edge
def demo(
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("out/demo"),
    as_of: Annotated[
        str | None, typer.Option(help="Pretend today is this date (YYYY-MM-DD).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the demo generator.")] = 20261125,
    roster_seconds: Annotated[
        float | None,
        typer.Option(help="Solver time limit for the demo roster (0 skips the roster stage)."),
    ] = None,
) -> None:
    """Build the demo centre, score its last quarter, write the report, print a summary."""
    from callcenter.services.demo import run_demo

    settings = get_settings()
    today = (
        _parse_date(as_of, "--as-of")
        if as_of
        else dt.datetime.now(ZoneInfo(settings.default_timezone)).date()
    )
    database = _safe_url(settings.database_url)
    with session_scope() as session:
        run = run_demo(
            session,
            today,
            out,
            settings=settings,
            database=database,
            seed=seed,
            roster_seconds=roster_seconds,
        )
    typer.echo(f"Demo centre loaded into {database} (as of {today}).")
    for line in run.lines():
        typer.echo(f"  {line}")
    typer.echo(f"  Report     {out / 'index.html'}")


@app.command("import")
@edge
def import_(
    kind: Annotated[str, typer.Argument(help="agents, volumes, events or kpis")],
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row).")],
    centre: CentreOption = None,
) -> None:
    """Validate a whole CSV file, then import all its rows or none."""
    from callcenter.services.centres import resolve_centre
    from callcenter.services.imports import import_file

    with session_scope() as session:
        target = resolve_centre(session, centre)
        result = import_file(session, target, kind, file, actor="cli")
    typer.echo(str(result))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations (to the latest by default)."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine, revision)
    typer.echo(f"database at revision {current_revision(engine)}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Revert migrations to REVISION (``base`` empties the database)."""
    engine = make_engine(get_settings().database_url)
    downgrade(engine, revision)
    typer.echo(f"database at revision {current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    engine = make_engine(get_settings().database_url)
    typer.echo(current_revision(engine) or "empty (no migrations applied)")


@centre_app.command("create")
@edge
def centre_create(
    code: str,
    name: Annotated[str, typer.Option(help="Display name.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Asia/Shanghai",
    interval_minutes: Annotated[int, typer.Option(help="Planning interval.")] = 30,
) -> None:
    """Create a centre."""
    from callcenter.services.centres import create_centre

    with session_scope() as session:
        centre = create_centre(
            session,
            code=code,
            name=name,
            timezone=timezone,
            interval_minutes=interval_minutes,
            actor="cli",
        )
    typer.echo(f"centre {centre.code} ({centre.timezone})")


@team_app.command("create")
@edge
def team_create(
    code: str,
    name: Annotated[str, typer.Option(help="Display name.")],
    centre: CentreOption = None,
) -> None:
    """Create a team in a centre."""
    from callcenter.services.centres import create_team, resolve_centre

    with session_scope() as session:
        team = create_team(
            session, resolve_centre(session, centre), code=code, name=name, actor="cli"
        )
    typer.echo(f"team {team.code}")


OutOption = Annotated[
    Path | None, typer.Option("--out", help="CSV file, or XLSX when the name ends in .xlsx.")
]


@score_app.command("quarter")
@edge
def score_quarter(
    year: Annotated[int, typer.Option(help="Year.")],
    quarter: Annotated[int, typer.Option(help="Quarter 1-4.", min=1, max=4)],
    out: OutOption = None,
    centre: CentreOption = None,
    close: Annotated[bool, typer.Option(help="Freeze the quarter after computing.")] = False,
) -> None:
    """Quarterly scores from the database; stored, and written to --out (else stdout)."""
    from callcenter.services.centres import resolve_centre
    from callcenter.services.scores import compute_quarter, quarter_rows
    from scoring import QUARTER_FIELDS

    with session_scope() as session:
        target = resolve_centre(session, centre)
        scores = compute_quarter(
            session, target, year, quarter, settings=get_settings(), actor="cli", freeze=close
        )
        rows = quarter_rows(session, scores)
    _emit(out, QUARTER_FIELDS, rows)
    failed = sum(1 for s in scores if s.failed)
    typer.echo(f"{year} Q{quarter}: {len(scores)} agents scored, {failed} failed", err=True)


@score_app.command("year")
@edge
def score_year(
    year: Annotated[int, typer.Option(help="Year.")],
    out: OutOption = None,
    centre: CentreOption = None,
) -> None:
    """Annual-excellence nominations (art. 104 R8) from the stored quarterly scores."""
    from callcenter.services.centres import resolve_centre
    from callcenter.services.scores import compute_year, year_rows
    from scoring import YEAR_FIELDS

    with session_scope() as session:
        target = resolve_centre(session, centre)
        scores = compute_year(session, target, year, actor="cli")
        rows = year_rows(session, scores)
    _emit(out, YEAR_FIELDS, rows)
    nominated = sum(1 for s in scores if s.nominated)
    typer.echo(f"{year}: {len(scores)} agents ranked, {nominated} nominated", err=True)


def _emit(out: Path | None, columns: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    from callcenter.services.exports import table_csv, write_table

    if out is None:
        typer.echo(table_csv(columns, rows), nl=False)
    else:
        write_table(out, columns, rows)


@event_app.command("add")
@edge
def event_add(
    event_id: str,
    agent: Annotated[str, typer.Option(help="Agent id (employee number).")],
    date: Annotated[str, typer.Option(help="Date of the event, YYYY-MM-DD.")],
    code: Annotated[str, typer.Option(help="Rule code (R5-R7, P1-P14, S1-S11, G1-G13) or mark.")],
    note: Annotated[str, typer.Option(help="What happened.")] = "",
    reason: Annotated[
        str | None, typer.Option(help="Why: required to correct an existing event id.")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who records it (for the audit log).")] = "cli",
    centre: CentreOption = None,
) -> None:
    """Record a scoring event, or correct one (same id, with --reason)."""
    from callcenter.services.centres import resolve_centre
    from callcenter.services.events import record_event

    with session_scope() as session:
        event = record_event(
            session,
            resolve_centre(session, centre),
            event_id=event_id,
            agent_no=agent,
            date=_parse_date(date, "--date"),
            code=code,
            note=note,
            actor=actor,
            reason=reason,
        )
    typer.echo(f"event {event.event_id}: {event.code} on {event.date}")


@event_app.command("confirm")
@edge
def event_confirm(
    event_id: str,
    actor: Annotated[str, typer.Option(help="Who confirms it (for the audit log).")] = "cli",
) -> None:
    """Confirm an event the engine proposed (e.g. from attendance): it starts counting."""
    from callcenter.services.events import confirm_event

    with session_scope() as session:
        confirm_event(session, event_id, actor=actor)
    typer.echo(f"event {event_id} confirmed")


@event_app.command("delete")
@edge
def event_delete(
    event_id: str,
    reason: Annotated[str, typer.Option(help="Why the event is withdrawn (audited).")],
    actor: Annotated[str, typer.Option(help="Who deletes it (for the audit log).")] = "cli",
) -> None:
    """Withdraw a scoring event (kept, marked deleted, audited)."""
    from callcenter.services.events import delete_event

    with session_scope() as session:
        delete_event(session, event_id, actor=actor, reason=reason)
    typer.echo(f"event {event_id} deleted")


def _parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date YYYY-MM-DD")
        raise


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
