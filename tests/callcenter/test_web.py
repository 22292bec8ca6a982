"""Server-rendered pages through the ASGI app: log-in, the agent's and supervisor's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from callcenter.api import create_app
from callcenter.api.deps import Clock
from callcenter.config import Settings
from callcenter.models import LeaveRequest, User
from callcenter.services.users import hash_password
from tests.factories import publish_fixed_roster

SETTINGS = Settings(  # type: ignore[call-arg]
    _env_file=None, environment="test", secret_key="test-secret-of-at-least-32-bytes-long"
)
PASSWORD = "correct horse battery"


def seed(engine: Engine) -> None:
    with Session(engine) as session:
        agents = publish_fixed_roster(session, min_rest=600)
        centre_id = agents["A1"].centre_id
        secret = hash_password(PASSWORD)
        session.add(User(username="a1", role="agent", password_hash=secret,
                         agent_id=agents["A1"].id, centre_id=centre_id))
        session.add(User(username="sup", role="supervisor", password_hash=secret,
                         centre_id=centre_id))
        session.add(User(username="hr", role="hr", password_hash=secret, centre_id=centre_id))
        session.add(LeaveRequest(agent_id=agents["A2"].id or 0, kind="annual",
                                 start_date=dt.date(2027, 1, 11), end_date=dt.date(2027, 1, 12),
                                 days_charged=2))
        session.commit()


@pytest.fixture
def browser(engine: Engine) -> Iterator[TestClient]:
    seed(engine)
    clock = Clock(lambda: dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC))
    with TestClient(create_app(SETTINGS, engine, clock)) as client:
        yield client


def login(client: TestClient, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303 and "callcenter_session" in response.cookies


def test_pages_need_a_log_in(browser: TestClient) -> None:
    response = browser.get("/my/shifts", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    wrong = browser.post("/login", data={"username": "a1", "password": "nope"})
    assert "Wrong username or password" in wrong.text


def test_agent_sees_this_weeks_shifts_with_the_art_41_reminder(browser: TestClient) -> None:
    login(browser, "a1")
    page = browser.get("/")
    assert page.url.path == "/my/shifts"
    assert page.text.count('class="card shift"') == 5  # Monday-Friday of the pinned week
    assert "Arrive by 07:50 for the handover (art. 41)" in page.text
    month = browser.get("/my/shifts?view=month")
    assert month.text.count('class="card shift"') == 9  # weekdays 1-4 and 7-11 December
    assert browser.get("/roster").status_code == 403


def test_agent_files_leave_and_sees_the_article_when_refused(browser: TestClient) -> None:
    login(browser, "a1")
    refused = browser.post("/my/leave", data={"kind": "annual", "start_date": "2026-12-05",
                                              "end_date": "2026-12-05"})
    assert "art. 39: annual leave must be filed at least 30 days ahead" in refused.text
    filed = browser.post("/my/leave", data={"kind": "annual", "start_date": "2027-02-01",
                                            "end_date": "2027-02-02"})
    assert "filed" in filed.text and "2027-02-01" in filed.text


def test_supervisor_sees_the_grid_and_approves_leave(browser: TestClient) -> None:
    login(browser, "sup")
    grid = browser.get("/roster")
    assert 'id="roster-grid"' in grid.text and 'class="s-D08"' in grid.text
    assert grid.text.count("<tr><th>A") == 1 + 4  # header row + one row per agent
    assert "<svg" in browser.get("/coverage").text
    pending = browser.get("/requests")
    assert "2027-01-11" in pending.text
    decided = browser.post("/requests/leave/1", data={"action": "approve"})
    assert "Leave request 1 approved" in decided.text
    assert "re-plan" not in decided.text  # January is outside the published roster
    assert "Nothing pending" in browser.get("/requests").text
    assert "No solve jobs yet" in browser.get("/jobs").text


def test_hr_sees_scores_and_exports(browser: TestClient) -> None:
    login(browser, "hr")
    page = browser.get("/scores?year=2026&quarter=3")
    assert page.status_code == 200 and "No scores stored" in page.text
    csv = browser.get("/scores/export.csv?year=2026&quarter=3")
    assert csv.text.startswith("agent_id,year,quarter,base_score")
    xlsx = browser.get("/scores/export.xlsx?year=2026&quarter=3")
    assert xlsx.content[:2] == b"PK"
    assert browser.get("/my/shifts").status_code == 403
