"""Load: 200 concurrent agents reading their shifts while a 120-agent roster solve runs.

A real ``callcenter serve`` process (with its solve worker) on a fresh SQLite demo database;
200 asyncio clients each loop on ``GET /api/me/shifts`` with their own token for a fixed
time. Anchor: the same load with no solve running, measured in the same run. Reports
p50/p95/p99 latency, throughput and errors. Traffic goes to 127.0.0.1 only and stops by
itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import Session, select

RESULTS = Path(__file__).parent / "results" / "load.md"
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "200"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
# Each agent pauses between reads (a person looking at their week), think/2 to 3*think/2 s
# at random: 5 s is an agent glancing at the app now and then, 1 s a stress test.
THINKS = [float(x) for x in os.environ.get("BENCH_LOAD_THINK_SECONDS", "5,1").split(",")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(database_url: str) -> tuple[list[str], int]:
    """Demo centre with a published 4-week roster, one login per agent; a solve job queued."""
    from callcenter.api.security import create_access_token
    from callcenter.config import Settings
    from callcenter.db import make_engine, upgrade
    from callcenter.jobs.solve import enqueue
    from callcenter.models import Agent, Centre, Roster, RosterProblem, User
    from callcenter.services.demo import run_demo
    from callcenter.services.rosters import publish_roster
    from callcenter.services.users import hash_password

    settings = Settings(_env_file=None, database_url=database_url)
    engine = make_engine(database_url)
    upgrade(engine)
    with tempfile.TemporaryDirectory() as out, Session(engine) as session:
        run_demo(session, dt.date(2026, 11, 25), Path(out), settings=settings,
                 database=database_url, roster_seconds=120)
        roster = session.exec(select(Roster)).one()
        publish_roster(session, roster.id or 0, actor="bench")
        secret = hash_password("bench-password")
        tokens = []
        for agent in session.exec(select(Agent).order_by(Agent.employee_no)):
            user = User(username=f"load-{agent.employee_no}", role="agent",
                        password_hash=secret, agent_id=agent.id, centre_id=agent.centre_id)
            session.add(user)
            session.flush()
            tokens.append(create_access_token(user, settings))
        problem = session.get_one(RosterProblem, roster.problem_id)
        centre = session.get_one(Centre, problem.centre_id)
        assert centre.id is not None
        session.commit()
        job = enqueue(session, problem, time_limit_seconds=SECONDS * 3, workers=2, actor="bench")
        session.commit()
        return tokens, job.id or 0


async def _load(base: str, tokens: list[str], think: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def agent(token: str) -> None:
            nonlocal errors
            headers = {"Authorization": f"Bearer {token}"}
            while time.monotonic() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.get("/api/me/shifts?from=2026-11-30&to=2026-12-06",
                                                headers=headers)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok
                await asyncio.sleep(think * random.uniform(0.5, 1.5))

        await asyncio.gather(*(agent(tokens[i % len(tokens)]) for i in range(CLIENTS)))
    return latencies, errors


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:  # still draining: the numbers are already in
        os.killpg(process.pid, signal.SIGKILL)  # the server and its solve worker
        process.wait(timeout=15)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def _row(name: str, latencies: list[float], errors: int) -> str:
    return (f"| {name} | {len(latencies):,} | {len(latencies) / SECONDS:,.0f} | "
            f"{_percentile(latencies, 50):.0f} | {_percentile(latencies, 95):.0f} | "
            f"{_percentile(latencies, 99):.0f} | {errors} |")


def run() -> str:
    folder = Path(tempfile.mkdtemp(prefix="cc-load-"))
    url = f"sqlite:///{folder / 'load.db'}"
    tokens, job_id = _prepare(url)
    port = _free_port()
    env = {**os.environ, "CALLCENTER_DATABASE_URL": url, "CALLCENTER_SCHEDULE_ENABLED": "false"}
    base = f"http://127.0.0.1:{port}"

    def serve(workers: int) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "callcenter.cli", "serve", "--port", str(port),
             "--solve-workers", str(workers)], env=env, cwd=folder, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):  # start-up (imports, migrations) can take a while on a busy box
            try:
                httpx.get(f"{base}/api/openapi.json", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("callcenter serve did not start within a minute")
        return process

    quiet = serve(0)  # anchor: nobody solving
    try:
        anchors = [asyncio.run(_load(base, tokens, think)) for think in THINKS]
    finally:
        _stop(quiet)
    busy = serve(1)  # the worker starts on the queued 120-agent solve
    try:
        time.sleep(3)
        loads = [asyncio.run(_load(base, tokens, think)) for think in THINKS]
        from callcenter.db import make_engine
        from callcenter.models import SolveJob

        with Session(make_engine(url)) as session:
            job = session.get_one(SolveJob, job_id)
            job_state = f"{job.status}, {job.solutions_found} rosters found"
    finally:
        _stop(busy)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    load_average = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = []
    verdicts = []
    for think, anchor, loaded in zip(THINKS, anchors, loads, strict=True):
        pause = f"pause {think * 0.5:g}-{think * 1.5:g} s"
        rows.append(_row(f"anchor, no solve running, {pause}", *anchor))
        rows.append(_row(f"**during a 120-agent x 28-day solve**, {pause}", *loaded))
        p95 = _percentile(loaded[0], 95)
        verdicts.append(f"{pause}: p95 during the solve {p95:.0f} ms, "
                        f"{'meets' if p95 < 200 and loaded[1] == 0 else 'misses'} the target "
                        f"(p95 < 200 ms, no errors); ratio to its anchor "
                        f"{p95 / max(_percentile(anchor[0], 95), 1e-9):.2f}")
    table = "\n".join([
        "# Load benchmark",
        "",
        f"Machine: {machine}; load average at the end {load_average}. {CLIENTS} concurrent "
        f"agents, each reading then pausing, {SECONDS:.0f} s per row, `GET /api/me/shifts` "
        "(one week of a published 120-agent roster), SQLite (WAL), one `callcenter serve` "
        "process. The solve runs in that server's worker process with 2 CP-SAT workers.",
        "",
        "| run | requests | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Solve job during the loaded rows: {job_state}.",
        "",
        *[f"- {v}" for v in verdicts],
        "",
    ])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table, encoding="utf-8")
    return table


if __name__ == "__main__":
    print(run())
