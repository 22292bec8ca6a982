"""The HTTP API (FastAPI) under ``/api``, with its OpenAPI schema at ``/api/openapi.json``.

Application errors become HTTP codes here, at the edge: bad input 422, not found 404,
refused by a regulation 409 (the message cites the article), configuration 400.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import Engine

from callcenter import __version__
from callcenter.api.deps import Clock
from callcenter.api.routes import auth, jobs, me, rosters, scores, workflows
from callcenter.config import Settings
from callcenter.errors import (
    AppError,
    ConfigurationError,
    NotFound,
    RuleRefused,
    ValidationFailed,
)
from scheduler import EngineError, InfeasibleError, InputError

_STATUS: list[tuple[type[Exception], int]] = [
    (ValidationFailed, 422),
    (NotFound, 404),
    (RuleRefused, 409),
    (ConfigurationError, 400),
    (InputError, 422),
    (InfeasibleError, 409),
    (AppError, 400),
    (EngineError, 400),
]


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    code = next(status for kind, status in _STATUS if isinstance(exc, kind))
    body: dict[str, object] = {"detail": str(exc)}
    if isinstance(exc, ValidationFailed):
        body["problems"] = [p.__dict__ for p in exc.problems]
    return JSONResponse(body, status_code=code)


def create_app(settings: Settings, engine: Engine, clock: Clock | None = None) -> FastAPI:
    """The API bound to ``engine``; tests pass their own database (and may pin the clock)."""
    app = FastAPI(
        title="Call-centre workforce engine",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock or Clock()
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(EngineError, _app_error)
    for module in (auth, me, workflows, scores, rosters, jobs):
        app.include_router(module.router)
    from callcenter.web import LoginRequired, router as web_router

    async def _to_login(_request: Request, _exc: Exception) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    app.add_exception_handler(LoginRequired, _to_login)
    app.include_router(web_router)
    return app


def web_app() -> FastAPI:
    """The API for the configured database: the factory each ``callcenter serve`` web process
    calls when there are several (``uvicorn --factory callcenter.api:web_app``)."""
    from callcenter.config import get_settings
    from callcenter.db import get_engine

    return create_app(get_settings(), get_engine())
