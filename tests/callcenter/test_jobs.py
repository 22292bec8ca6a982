"""Roster solve jobs: queued through the API, run by a worker, observable, cancellable."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

import scheduler
from callcenter.api import create_app
from callcenter.api.deps import Clock
from callcenter.api.security import create_access_token
from callcenter.jobs.solve import claim_next, mark_interrupted, run_job, run_worker
from callcenter.models import Roster, SolveJob, Team, User
from callcenter.services.rosters import load_roster
from tests.factories import make_agent, make_centre

SETTINGS_KW = {"environment": "test", "secret_key": "test-secret-of-at-least-32-bytes-long"}


def small_problem(days: int = 7, agents: int = 4) -> dict[str, object]:
    return {
        "name": "jobs-test", "start_date": "2026-11-30", "days": days,
        "shift_types": [{"id": "D", "start": "08:00", "duration_minutes": 420},
                        {"id": "E", "start": "15:00", "duration_minutes": 420}],
        "agents": [{"id": f"A{i}", "team": "T1",
                    "contract": {"max_consecutive_work_days": 5}} for i in range(agents)],
        "demand": [{"start": f"2026-11-{30:02d}T{h:02d}:00", "agents": 2} for h in (9, 16)],
    }


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    from callcenter.config import Settings

    settings = Settings(_env_file=None, **SETTINGS_KW)  # type: ignore[arg-type]
    with Session(engine) as session:
        centre = make_centre(session)
        team = session.exec(select(Team)).first()
        assert team is not None
        for i in range(30):
            make_agent(session, centre, team, f"A{i}")
        session.add(User(username="sup", role="supervisor", password_hash="x",
                         centre_id=centre.id))
        session.commit()
        user = session.exec(select(User)).one()
        assert user.id is not None
        token = create_access_token(user, settings)
    clock = Clock(lambda: dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))
    with TestClient(create_app(settings, engine, clock),
                    headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def test_post_queues_a_job_that_a_worker_solves_into_a_draft(client: TestClient,
                                                              engine: Engine) -> None:
    started = client.post("/api/roster-jobs", json={"problem": small_problem(),
                                                    "time_limit_seconds": 10, "workers": 1})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    assert client.get(f"/api/roster-jobs/{job_id}").json()["status"] == "queued"
    assert run_worker(engine, once=True) == 1
    done = client.get(f"/api/roster-jobs/{job_id}").json()
    assert done["status"] == "succeeded", done
    assert done["roster_id"] is not None and done["bound"] <= done["objective"]
    with Session(engine) as session:
        roster = session.get_one(Roster, done["roster_id"])
        assert roster.status == "draft"
        problem = scheduler.load_problem(scheduler.problem_to_json(
            scheduler.RosterProblem.model_validate(small_problem())))
        report = scheduler.check_roster(problem, load_roster(session, roster.id or 0)[1])
        assert report.ok and report.objective == done["objective"]


def test_cancelling_a_queued_job_stops_it_at_once(client: TestClient, engine: Engine) -> None:
    job_id = client.post("/api/roster-jobs", json={"problem": small_problem()}).json()["id"]
    assert client.delete(f"/api/roster-jobs/{job_id}").json()["status"] == "cancelled"
    assert run_worker(engine, once=True) == 0


def test_cancelling_a_running_job_keeps_the_best_roster(client: TestClient,
                                                        engine: Engine) -> None:
    # big enough that proving optimality takes far longer than finding a first roster
    big = small_problem(days=28, agents=30)
    big["agents"] = [{"id": f"A{i}", "team": "T1", "contract": {
        "weekly_minutes": 2100, "averaging_weeks": 4, "max_consecutive_work_days": 5}}
        for i in range(30)]
    big["rules"] = {"min_rest_minutes": 720}
    big["demand"] = [{"start": (dt.datetime(2026, 11, 30) + dt.timedelta(minutes=30 * i))
                      .strftime("%Y-%m-%dT%H:%M"), "agents": 5 + (i % 48) // 6}
                     for i in range(28 * 48)]
    job_id = client.post("/api/roster-jobs", json={"problem": big, "time_limit_seconds": 600,
                                                   "workers": 2}).json()["id"]
    worker = threading.Thread(target=run_worker, args=(engine,), kwargs={"once": True})
    worker.start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # wait for a first roster, then cancel
        if client.get(f"/api/roster-jobs/{job_id}").json()["solutions_found"] > 0:
            break
        time.sleep(0.5)
    assert client.delete(f"/api/roster-jobs/{job_id}").json()["cancel_requested"]
    worker.join(timeout=120)
    done = client.get(f"/api/roster-jobs/{job_id}").json()
    assert done["status"] == "cancelled" and done["roster_id"] is not None, done
    assert done["elapsed_seconds"] < 590  # stopped by the cancel, not by the time limit


def test_a_job_left_running_by_a_dead_worker_is_marked_interrupted(client: TestClient,
                                                                   engine: Engine) -> None:
    job_id = client.post("/api/roster-jobs", json={"problem": small_problem()}).json()["id"]
    assert claim_next(engine, "dead-worker") == job_id
    with Session(engine) as session:
        job = session.get_one(SolveJob, job_id)
        job.heartbeat_at = job.heartbeat_at - dt.timedelta(minutes=5)  # type: ignore[operator]
        session.commit()
    assert mark_interrupted(engine) == [job_id]
    shown = client.get(f"/api/roster-jobs/{job_id}").json()
    assert shown["status"] == "interrupted" and "dead-worker" in shown["error"]


def test_infeasible_problem_fails_with_the_reasons(client: TestClient, engine: Engine) -> None:
    problem = small_problem(days=7, agents=1)
    problem["agents"] = [{"id": "A0", "team": "T1", "contract": {
        "weekly_minutes": 2400 * 3, "averaging_weeks": 1}}]
    job_id = client.post("/api/roster-jobs", json={"problem": problem}).json()["id"]
    assert claim_next(engine, "w") == job_id
    run_job(engine, job_id)
    shown = client.get(f"/api/roster-jobs/{job_id}").json()
    assert shown["status"] == "failed" and "A0" in shown["error"]


def test_bad_body_and_other_roles(client: TestClient) -> None:
    assert client.post("/api/roster-jobs", json={}).status_code == 422
    bad = client.post("/api/roster-jobs", json={"problem": {"name": "x"}})
    assert bad.status_code == 422 and "start_date" in bad.json()["detail"]
    assert client.get("/api/roster-jobs/9999").status_code == 404
    stranger = small_problem()
    stranger["agents"] = [{"id": "Z1", "team": "T1"}]
    refused = client.post("/api/roster-jobs", json={"problem": stranger})
    assert refused.status_code == 422 and "Z1 is not an agent of centre C1" in refused.text
