"""``callcenter serve`` and ``callcenter users create``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from callcenter.errors import AppError


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
    ) -> None:
        """The API, the web pages, solve-job workers and the job scheduler."""
        import uvicorn

        from callcenter.api import create_app
        from callcenter.config import get_settings
        from callcenter.db import get_engine
        from callcenter.jobs.solve import LocalProcessRunner

        engine = get_engine()  # migrates before any worker starts
        runner = LocalProcessRunner(solve_workers)
        runner.start()
        try:
            uvicorn.run(create_app(get_settings(), engine), host=host, port=port)
        finally:
            runner.stop()

    @app.command()
    def worker(
        once: Annotated[bool, typer.Option(help="Run at most one job, then exit.")] = False,
    ) -> None:
        """Run roster solve jobs from the database queue until stopped."""
        import signal

        from callcenter.db import get_engine
        from callcenter.jobs.solve import run_worker

        stopping: list[bool] = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        done = run_worker(get_engine(), once=once, should_stop=lambda: bool(stopping))
        typer.echo(f"worker stopped after {done} job(s)")
