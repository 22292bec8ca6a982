"""``callcenter bench curtois`` (contract: interfaces.md): one Curtois & Qu instance, one JSON line.

The instance is converted into the engine's roster problem (``scheduler.curtois_problem``) and
solved by the same solver that serves call centres. Before anything is reported, the roster is
re-checked by the independent checker (every hard rule, and its objective) and by the benchmark's
own rules (``scheduler.curtois_evaluate``); both objectives must equal the solver's.

Standard output is exactly one JSON line ``{"instance", "status", "objective", "bound",
"seconds"}``: ``status`` OPTIMAL or FEASIBLE (objective and bound integers), or, when no roster
is reported, INFEASIBLE, UNKNOWN (no roster within the time limit) or INVALID (a checker rejected
the roster: an engine bug) with objective and bound null. ``seconds`` is the wall clock from
reading the file to the checked result.

Exit codes: 0 a checked roster; 1 a checker rejected it (details on stderr, no solution file
written); 2 a malformed instance file (stderr names the section and line), an infeasible
instance or no roster within the time limit.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from scheduler import (
    CurtoisFormatError,
    InfeasibleError,
    SolverError,
    check_roster,
    curtois_evaluate,
    curtois_grid,
    curtois_problem,
    load_curtois,
    save_curtois_solution,
    solve,
)
from scheduler._solver import DEFAULT_WORKERS

DEFAULT_BENCH_TIME_LIMIT_SECONDS = 60.0


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _line(instance: str, status: str, objective: int | None, bound: int | None,
          started: float) -> None:
    record: dict[str, Any] = {"instance": instance, "status": status, "objective": objective,
                              "bound": bound, "seconds": round(time.monotonic() - started, 3)}
    typer.echo(json.dumps(record))


def register(app: typer.Typer) -> None:
    """Add the ``bench`` sub-commands to the ``callcenter`` application."""
    bench_app = typer.Typer(help="Public benchmarks.", no_args_is_help=True)
    app.add_typer(bench_app, name="bench")

    @bench_app.command("curtois")
    def curtois_command(
        instance_file: Annotated[Path, typer.Argument(metavar="INSTANCE.txt")],
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, help="Seconds for the solver.")
        ] = DEFAULT_BENCH_TIME_LIMIT_SECONDS,
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="CP-SAT worker threads.")
        ] = DEFAULT_WORKERS,
        solution_out: Annotated[
            Path | None,
            typer.Option("--solution-out", metavar="FILE.csv",
                         help="Write the solution file (Curtois format)."),
        ] = None,
    ) -> None:
        """Solve a Curtois & Qu instance; print one JSON line with the checked result."""
        started = time.monotonic()
        try:
            instance = load_curtois(instance_file)
        except CurtoisFormatError as exc:
            _fail(str(exc))
        problem = curtois_problem(instance)
        try:
            roster = solve(problem, time_limit_seconds=time_limit, workers=workers)
        except InfeasibleError as exc:
            _line(instance.name, "INFEASIBLE", None, None, started)
            _fail(f"{instance_file}: {exc}")
        except SolverError as exc:
            _line(instance.name, "UNKNOWN", None, None, started)
            _fail(f"{instance_file}: {exc}")
        report = check_roster(problem, roster)
        grid = curtois_grid(problem, roster)
        score = curtois_evaluate(instance, grid)
        if not (report.ok and report.objective_matches and report.penalties_match
                and score.feasible and score.objective == roster.objective):
            typer.echo(report.to_text(), err=True)
            for violation in score.violations:
                typer.echo(f"  Curtois rule: {violation}", err=True)
            typer.echo(f"Curtois objective {score.objective}, roster {roster.objective}",
                       err=True)
            _line(instance.name, "INVALID", None, None, started)
            _fail("internal error: the roster fails the independent check; nothing written", 1)
        if solution_out is not None:
            try:
                save_curtois_solution(solution_out, instance, grid)
            except OSError as exc:
                _fail(f"cannot write {solution_out}: {exc}")
        bound = int(roster.bound) if roster.bound is not None else None
        _line(instance.name, roster.status, int(roster.objective), bound, started)
