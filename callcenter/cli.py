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

from callcenter.config import get_settings
from callcenter.db import current_revision, downgrade, make_engine, session_scope, upgrade
from callcenter.errors import AppError

app = typer.Typer(help="Call-centre workforce engine.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
centre_app = typer.Typer(help="Centres (sites).", no_args_is_help=True)
team_app = typer.Typer(help="Teams of a centre.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(centre_app, name="centre")
app.add_typer(team_app, name="team")

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
) -> None:
    """Build the demo centre in the database and print a summary."""
    from callcenter.services.demo import load_demo

    settings = get_settings()
    today = (
        _parse_date(as_of, "--as-of")
        if as_of
        else dt.datetime.now(ZoneInfo(settings.default_timezone)).date()
    )
    with session_scope() as session:
        summary = load_demo(session, today, out, seed=seed)
    typer.echo(f"Demo centre loaded into {_safe_url(settings.database_url)} (as of {today}).")
    for line in summary.lines():
        typer.echo(f"  {line}")
    typer.echo(f"  Report     {out}/summary.json, input CSVs in {out}/input/")


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
