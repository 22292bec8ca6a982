"""Load: 200 concurrent agents reading their shifts while a 120-agent roster solve runs.

A real ``callcenter serve`` (its web processes and its solve worker) on a fresh SQLite demo
database; 200 agents each loop on ``GET /api/me/shifts`` with their own token for a fixed
time, pausing between reads, each coming to the app at a random moment of its first pause
(a load tool's ramp-up). Anchor: the same load with no solve running, measured in the same
run. A separate row sends all 200 agents' first requests at the same instant on new
connections (the thundering herd the ramp-up avoids). Reports p50/p95/p99 latency,
throughput and errors. Traffic goes to 127.0.0.1 only and stops by itself.

The agents are a minimal keep-alive HTTP/1.1 client (one connection per agent, like a phone
app), not httpx: on a 2-core machine httpx's connection pool spent more CPU per request than
the server did answering it, so the load generator was loading the machine it measured.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import random
import re
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
# Web server processes (`callcenter serve --workers`); empty: the server's default.
WEB_WORKERS = os.environ.get("BENCH_LOAD_WEB_WORKERS", "")
PATH = "/api/me/shifts?from=2026-11-30&to=2026-12-06"
TIMEOUT_SECONDS = 30
_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")
_CLOSE = re.compile(rb"(?im)^connection:[ \t]*close")
_FAILURES = (OSError, EOFError, ValueError, TimeoutError, asyncio.LimitOverrunError)


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


class _Phone:
    """One agent's app: a keep-alive HTTP/1.1 connection sending the agent's request."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.request = (f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        f"Authorization: Bearer {token}\r\n\r\n").encode()
        self.connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def read_shifts(self) -> bool:
        """One request, the whole body read; True for a 200 (a new connection if needed)."""
        async with asyncio.timeout(TIMEOUT_SECONDS):
            if self.connection is not None and self.connection[0].at_eof():
                self.close()  # the server closed it while the agent paused (keep-alive timeout)
            if self.connection is None:
                self.connection = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.connection
            writer.write(self.request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = _LENGTH.search(head)
            if length is None:
                raise ValueError("response without a Content-Length")
            await reader.readexactly(int(length[1]))
            if _CLOSE.search(head):
                self.close()
            return head.split(b" ", 2)[1] == b"200"

    def close(self) -> None:
        if self.connection is not None:
            self.connection[1].close()
            self.connection = None


async def _timed(phone: _Phone) -> tuple[float, bool]:
    start = time.perf_counter()
    try:
        ok = await phone.read_shifts()
    except _FAILURES:  # refused, reset, cut short or timed out: an error, and a new connection
        ok = False
        phone.close()
    return time.perf_counter() - start, ok


async def _load(port: int, tokens: list[str], think: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + SECONDS

    async def agent(token: str) -> None:
        nonlocal errors
        phone = _Phone(port, token)
        await asyncio.sleep(random.uniform(0, think))  # ramp-up: agents arrive over a pause
        while time.monotonic() < deadline:
            latency, ok = await _timed(phone)
            latencies.append(latency)
            errors += not ok
            await asyncio.sleep(think * random.uniform(0.5, 1.5))
        phone.close()

    await asyncio.gather(*(agent(tokens[i % len(tokens)]) for i in range(CLIENTS)))
    return latencies, errors


async def _burst(port: int, tokens: list[str]) -> tuple[list[float], int, float]:
    """Every agent's first request at the same instant, each on a new connection."""
    phones = [_Phone(port, tokens[i % len(tokens)]) for i in range(CLIENTS)]
    start = time.perf_counter()
    results = await asyncio.gather(*(_timed(phone) for phone in phones))
    elapsed = time.perf_counter() - start
    for phone in phones:
        phone.close()
    return [latency for latency, _ in results], sum(not ok for _, ok in results), elapsed


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:  # still draining: the numbers are already in
        os.killpg(process.pid, signal.SIGKILL)  # the server and its solve worker
        process.wait(timeout=15)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def _row(name: str, latencies: list[float], errors: int, seconds: float = SECONDS) -> str:
    return (f"| {name} | {len(latencies):,} | {len(latencies) / seconds:,.0f} | "
            f"{_percentile(latencies, 50):.0f} | {_percentile(latencies, 95):.0f} | "
            f"{_percentile(latencies, 99):.0f} | {errors} |")


def _load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def run() -> str:
    from callcenter.commands_service import web_processes
    from callcenter.config import Settings

    load_before = _load_average()
    settings = Settings(_env_file=None)
    processes = int(WEB_WORKERS) if WEB_WORKERS else web_processes(settings.web_workers)
    folder = Path(tempfile.mkdtemp(prefix="cc-load-"))
    url = f"sqlite:///{folder / 'load.db'}"
    tokens, job_id = _prepare(url)
    port = _free_port()
    env = {**os.environ, "CALLCENTER_DATABASE_URL": url, "CALLCENTER_SCHEDULE_ENABLED": "false"}

    def serve(workers: int) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "callcenter.cli", "serve", "--port", str(port),
             "--solve-workers", str(workers), "--workers", str(processes)],
            env=env, cwd=folder, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):  # start-up (imports, migrations) can take a while on a busy box
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("callcenter serve did not start within a minute")
        time.sleep(3)  # every web process up (the first to answer may not be the last)
        return process

    quiet = serve(0)  # anchor: nobody solving
    try:
        anchors = [asyncio.run(_load(port, tokens, think)) for think in THINKS]
        anchor_burst = asyncio.run(_burst(port, tokens))
    finally:
        _stop(quiet)
    busy = serve(1)  # the worker starts on the queued 120-agent solve
    try:
        loads = [asyncio.run(_load(port, tokens, think)) for think in THINKS]
        burst = asyncio.run(_burst(port, tokens))
        from callcenter.db import make_engine
        from callcenter.models import SolveJob

        with Session(make_engine(url)) as session:
            job = session.get_one(SolveJob, job_id)
            job_state = f"{job.status}, {job.solutions_found} rosters found"
    finally:
        _stop(busy)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
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
    rows.append(_row(f"burst: {CLIENTS} first requests at one instant, no solve running",
                     *anchor_burst))
    rows.append(_row(f"burst: {CLIENTS} first requests at one instant, during the solve", *burst))
    table = "\n".join([
        "# Load benchmark",
        "",
        f"Machine: {machine}; load average (1 / 5 / 15 min) before the run {load_before}, at "
        f"the end {_load_average()} (the machine is shared: anything above the server's own "
        f"load is other work). {CLIENTS} concurrent agents, each reading then pausing, "
        f"arriving at random over their first pause, {SECONDS:.0f} s per row, "
        "`GET /api/me/shifts` (one week of a published 120-agent roster), SQLite (WAL), "
        f"`callcenter serve` with {processes} web process(es). The solve runs in that "
        f"server's worker process with 2 CP-SAT workers at nice {settings.solve_worker_nice}. "
        "Each agent is a keep-alive HTTP/1.1 connection; the burst rows open "
        f"{CLIENTS} new connections and send one request on each at once (their per-second "
        "column is requests over the burst's duration).",
        "",
        "| run | requests | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Solve job during the loaded rows: {job_state}.",
        "",
        *[f"- {v}" for v in verdicts],
        "- The target is for agents reading their shifts as people do; the burst rows show "
        f"what {CLIENTS} requests landing in the same millisecond cost (they queue: the last "
        "waits for all the others), and are not part of it.",
        "",
    ])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table, encoding="utf-8")
    return table


if __name__ == "__main__":
    print(run())
