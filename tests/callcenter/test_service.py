"""The service processes: solve workers yield the CPU to the web, several web processes
share one scheduler and one set of solve workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from callcenter.commands_service import web_processes
from callcenter.config import Settings
from callcenter.jobs.solve import LocalProcessRunner

CLI = str(Path(sys.executable).with_name("callcenter"))


def _nice(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def test_lower_priority_sets_the_level_for_later_threads_and_never_raises_priority() -> None:
    # In a child process: a nice level cannot be undone without privileges.
    start = _nice(0)
    target = min(19, start + 4)
    script = (
        "import os, threading\n"
        "from callcenter.jobs.solve import lower_priority\n"
        f"print(lower_priority({target}))\n"
        "seen = []\n"
        "thread = threading.Thread(target=lambda: seen.append("
        "os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))\n"
        "thread.start(); thread.join()\n"
        "print(seen[0])\n"
        f"print(lower_priority({start}))\n"  # asking for less changes nothing
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.split() == [str(target)] * 3


def test_solve_worker_setting_defaults_to_nice_10_within_0_to_19() -> None:
    assert Settings(_env_file=None).solve_worker_nice == 10
    with pytest.raises(ValidationError):
        Settings(solve_worker_nice=20, _env_file=None)


def test_local_solve_workers_run_at_the_configured_nice_level(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = min(19, _nice(0) + 3)
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLCENTER_SOLVE_WORKER_NICE", str(target))
    runner = LocalProcessRunner(1)
    runner.start()
    try:
        (pid,) = runner.pids
        deadline = time.monotonic() + 120  # the worker sets it once its imports are done
        while _nice(pid) != target and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _nice(pid) == target
    finally:
        runner.stop()
    assert runner.pids == []


def test_web_processes_default_to_one_per_core() -> None:
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(
        os.cpu_count() or 1)
    assert web_processes(0) == len(usable)
    assert web_processes(3) == 3
    assert Settings(_env_file=None).web_workers == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(tmp_path: Path, database_url: str, *, port: int, processes: int, solve_workers: int,
           schedule: bool) -> tuple[subprocess.Popen[bytes], Path]:
    """``callcenter serve`` in the background, once every web process has started (or died);
    its output goes to the returned log file."""
    env = {**os.environ, "CALLCENTER_DATABASE_URL": database_url,
           "CALLCENTER_SCHEDULE_ENABLED": "true" if schedule else "false"}
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [CLI, "serve", "--port", str(port), "--workers", str(processes),
             "--solve-workers", str(solve_workers)], cwd=tmp_path, env=env, stdout=sink,
            stderr=sink)
    deadline = time.monotonic() + 120
    while (log.read_text().count("Application startup complete") < processes
           and time.monotonic() < deadline and server.poll() is None):
        time.sleep(0.2)
    return server, log


def test_serve_with_two_web_processes_runs_one_scheduler(database_url: str,
                                                         tmp_path: Path) -> None:
    port = _free_port()
    server, log = _serve(tmp_path, database_url, port=port, processes=2, solve_workers=0,
                         schedule=True)
    try:
        for _ in range(4):  # either process answers, with the same authorisation
            assert httpx.get(f"http://127.0.0.1:{port}/api/me/shifts", timeout=10).status_code \
                == 401
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    err = log.read_text()
    assert "web: 2 process(es)" in err
    assert err.count("scheduler: running here") == 1
    assert len(set(re.findall(r"Started server process \[(\d+)\]", err))) == 2


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("processes", [1, 2])
def test_a_terminated_server_stops_its_solve_workers(processes: int, database_url: str,
                                                     tmp_path: Path) -> None:
    server, log = _serve(tmp_path, database_url, port=_free_port(), processes=processes,
                         solve_workers=1, schedule=False)
    solvers: list[int] = []
    try:
        solvers = [int(p) for p in re.findall(r"solve workers: (\d+)", log.read_text())]
        assert len(solvers) == 1 and not _gone(solvers[0])
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while not all(_gone(pid) for pid in solvers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_gone(pid) for pid in solvers), log.read_text()
    finally:
        for pid in solvers:  # never leave an orphan behind, even when the test fails
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_refuses_a_negative_process_count(database_url: str, tmp_path: Path) -> None:
    result = subprocess.run([CLI, "serve", "--workers", "-1"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False,
                            env={**os.environ, "CALLCENTER_DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "--workers" in result.stderr
