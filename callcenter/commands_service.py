"""``callcenter serve`` and ``callcenter users create``."""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Annotated

import typer

from callcenter.errors import AppError


def web_processes(requested: int) -> int:
    """How many web server processes ``serve`` runs: ``requested``, or one per core this
    process may use for 0."""
    if requested:
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores or 1


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="User accounts.", no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("create")
    def users_create(
        username: str,
        role: Annotated[str, typer.Option(help="agent, supervisor, hr or admin")],
        agent: Annotated[str | None, typer.Option(help="Employee number (agent accounts).")] = None,
        centre: Annotated[str | None, typer.Option(help="Centre code (staff).")] = None,
        password: Annotated[
            str | None,
            typer.Option(help="Password; else $CALLCENTER_NEW_PASSWORD, else asked for."),
        ] = None,
    ) -> None:
        """Create an account (the first admin, staff, or an agent's login)."""
        from callcenter.db import session_scope
        from callcenter.services.centres import resolve_centre
        from callcenter.services.users import create_user

        secret = password or os.environ.get("CALLCENTER_NEW_PASSWORD")
        if not secret:
            secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            with session_scope() as session:
                home = resolve_centre(session, centre) if centre or role != "admin" else None
                user = create_user(
                    session,
                    username=username,
                    password=secret,
                    role=role,
                    agent_no=agent,
                    centre=home,
                    actor="cli",
                )
        except AppError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"user {user.username} ({user.role}) created")

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 8000,
        solve_workers: Annotated[
            int, typer.Option(help="Solve-job worker processes to start beside the server.")
        ] = 1,
        workers: Annotated[
            int | None,
            typer.Option(
                min=0,
                help="Web server processes; 0 means one per core "
                "[default: $CALLCENTER_WEB_WORKERS, else 0].",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """The API, the web pages, solve-job workers and the job scheduler.

        Several web processes share the port; the scheduler and the solve workers are
        started once, by this process, whatever their number."""
        import uvicorn

        from callcenter.api import create_app
        from callcenter.config import get_settings
        from callcenter.db import get_engine
        from callcenter.jobs.scheduled import Leadership, build_scheduler
        from callcenter.jobs.solve import LocalProcessRunner

        settings = get_settings()
        processes = web_processes(settings.web_workers if workers is None else workers)
        engine = get_engine()  # migrates before any worker starts
        runner = LocalProcessRunner(solve_workers)
        leadership = Leadership(engine)
        jobs = None
        # uvicorn re-raises the SIGTERM it shut down on once it has stopped; with the default
        # action that killed this process before the `finally` below, leaving the solve
        # workers running as orphans and the scheduler lock to the kernel. Exit instead.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        runner.start()
        try:
            typer.echo(f"solve workers: {' '.join(map(str, runner.pids)) or 'none'}", err=True)
            if settings.schedule_enabled and leadership.acquire():
                jobs = build_scheduler(engine, settings, blocking=False)
                jobs.start()
                typer.echo("scheduler: running here (holds the scheduler lock)", err=True)
            else:
                typer.echo(
                    "scheduler: another process holds the lock (or it is disabled)", err=True
                )
            typer.echo(f"web: {processes} process(es) on http://{host}:{port}", err=True)
            if processes == 1:
                uvicorn.run(create_app(settings, engine), host=host, port=port)
            else:  # each process builds its own app and engine from the same settings
                uvicorn.run(
                    "callcenter.api:web_app", factory=True, host=host, port=port,
                    workers=processes,
                )
        finally:
            if jobs is not None:
                jobs.shutdown(wait=False)
            leadership.release()
            runner.stop()

    @app.command("scheduler")
    def run_scheduler() -> None:
        """Run the scheduled jobs in this process (when no web server runs them)."""
        from callcenter.config import get_settings
        from callcenter.db import get_engine
        from callcenter.jobs.scheduled import Leadership, build_scheduler

        engine = get_engine()
        leadership = Leadership(engine)
        if not leadership.acquire():
            typer.echo("error: another process already runs the scheduler", err=True)
            raise typer.Exit(1)
        try:
            build_scheduler(engine, get_settings(), blocking=True).start()
        finally:
            leadership.release()

    @app.command("run-job")
    def run_job_now(
        name: Annotated[
            str,
            typer.Argument(
                help="forecast_refresh, weekly_draft_roster, "
                "monthly_attendance, quarter_close, expire_requests"
            ),
        ],
    ) -> None:
        """Run one scheduled job now (logged like a scheduled run)."""
        from callcenter.config import get_settings
        from callcenter.db import get_engine
        from callcenter.jobs.scheduled import JOBS, run_logged

        chosen = next((j for j in JOBS if j.name == name), None)
        if chosen is None:
            typer.echo(f"error: unknown job {name!r}", err=True)
            raise typer.Exit(2)
        runs = run_logged(get_engine(), chosen, get_settings(), sleep=lambda _s: None)
        for run in runs:
            typer.echo(f"{run.job} attempt {run.attempt}: {run.status}: {run.message}")
        if runs[-1].status != "succeeded":
            raise typer.Exit(1)

    @app.command()
    def worker(
        once: Annotated[bool, typer.Option(help="Run at most one job, then exit.")] = False,
    ) -> None:
        """Run roster solve jobs from the database queue until stopped (at nice
        CALLCENTER_SOLVE_WORKER_NICE, 10 by default: the web comes first)."""
        from callcenter.config import get_settings
        from callcenter.db import get_engine
        from callcenter.jobs.solve import lower_priority, run_worker

        lower_priority(get_settings().solve_worker_nice)  # before any thread starts
        stopping: list[bool] = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        done = run_worker(get_engine(), once=once, should_stop=lambda: bool(stopping))
        typer.echo(f"worker stopped after {done} job(s)")
