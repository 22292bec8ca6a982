"""The HTTP API through the real ASGI app: authentication, roles, object-level checks, flows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from callcenter.api import create_app
from callcenter.api.deps import Clock
from callcenter.api.security import create_access_token
from callcenter.config import Settings
from callcenter.models import LeaveRequest, QuarterlyKpi, Roster, Team, User
from callcenter.services.rosters import load_roster, store_roster
from callcenter.services.users import hash_password
from tests.factories import make_agent, make_centre, publish_fixed_roster

SETTINGS = Settings(  # type: ignore[call-arg]
    _env_file=None, environment="test", secret_key="test-secret-of-at-least-32-bytes-long"
)


@cache
def _hash() -> str:
    return hash_password("correct horse battery")


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    ids: dict[str, int]

    def call(self, who: str, method: str, url: str, **kwargs: Any) -> Any:
        headers = {} if who == "anon" else {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, url.format(**self.ids), headers=headers, **kwargs)


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    """Centre C1 (agents A1-A4, published roster) and centre C2, with one user per role."""
    with Session(engine, expire_on_commit=False) as session:
        agents = publish_fixed_roster(session, min_rest=600)
        c1 = agents["A1"].centre_id
        c2 = make_centre(session, teams=("X1",), code="C2")
        other = make_agent(session, c2, session.exec(select(Team).where(
            Team.centre_id == c2.id)).one(), "B1")
        users = {
            "agent": ("agent", agents["A1"].id, c1), "other_agent": ("agent", agents["A2"].id, c1),
            "partner": ("agent", agents["A3"].id, c1), "supervisor": ("supervisor", None, c1),
            "other_supervisor": ("supervisor", None, c2.id), "hr": ("hr", None, c1),
            "admin": ("admin", None, None), "b1": ("agent", other.id, c2.id),
        }
        tokens = {}
        for name, (role, agent_id, centre_id) in users.items():
            user = User(username=name, role=role, password_hash=_hash(), agent_id=agent_id,
                        centre_id=centre_id)
            session.add(user)
            session.flush()
            tokens[name] = create_access_token(user, SETTINGS)
        leave = LeaveRequest(agent_id=agents["A1"].id or 0, kind="annual",
                             start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 1))
        session.add(leave)
        session.add(QuarterlyKpi(agent_id=agents["A1"].id or 0, year=2026, quarter=3,
                                 calls_answered=1000, quality_score=90, exam_score=90,
                                 training_required=0, training_attended=0))
        published = session.exec(select(Roster)).one()
        _, content = load_roster(session, published.id or 0)
        from callcenter.models import Centre, RosterProblem

        draft = store_roster(session, session.get_one(Centre, c1),
                             session.get_one(RosterProblem, published.problem_id), content,
                             actor="t", based_on=published)
        session.commit()
        ids = {"leave": leave.id or 0, "draft": draft.id or 0, "published": published.id or 0}
    clock = Clock(lambda: dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))  # 09:00 in Shanghai
    with TestClient(create_app(SETTINGS, engine, clock)) as client:
        yield World(client, tokens, ids)


def test_login_issues_a_token_and_refuses_wrong_passwords(world: World) -> None:
    ok = world.client.post("/api/auth/token",
                           data={"username": "agent", "password": "correct horse battery"})
    assert ok.status_code == 200 and ok.json()["token_type"] == "bearer"
    mine = world.client.get("/api/me/shifts?from=2026-11-30&to=2026-12-06",
                            headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert mine.status_code == 200 and len(mine.json()) == 5
    bad = world.client.post("/api/auth/token", data={"username": "agent", "password": "nope"})
    assert bad.status_code == 401
    forged = world.client.get("/api/me/shifts", headers={"Authorization": "Bearer x.y.z"})
    assert forged.status_code == 401


def test_my_shifts_have_breaks_fields_and_the_art_41_arrival(world: World) -> None:
    this_week = world.call("agent", "GET", "/api/me/shifts").json()  # the clock's week
    assert [s["date"] for s in this_week] == []  # 2026-11-23..29: before the roster starts
    shifts = world.call("agent", "GET", "/api/me/shifts?from=2026-11-30&to=2026-12-13").json()
    assert [s["date"] for s in shifts][:2] == ["2026-11-30", "2026-12-01"]
    first = shifts[0]
    assert first["shift"] == "D08" and first["start"].startswith("2026-11-30T08:00:00+08:00")
    assert first["arrive_by"].startswith("2026-11-30T07:50:00") and first["breaks"] == []
    assert {s["agent"] for s in shifts} == {"A1"}


MATRIX = [
    # (route, method, expected status per caller)
    ("/api/me/shifts", "GET", {"anon": 401, "agent": 200, "supervisor": 403, "hr": 403,
                               "admin": 403}),
    ("/api/me/scores", "GET", {"anon": 401, "agent": 200, "supervisor": 403, "hr": 403}),
    ("/api/agents/A1/calendar.ics", "GET", {"anon": 401, "agent": 200, "other_agent": 403,
                                            "supervisor": 200, "other_supervisor": 404,
                                            "hr": 403, "admin": 200, "b1": 403}),
    ("/api/agents/Z9/calendar.ics", "GET", {"supervisor": 404, "agent": 403}),
    ("/api/leave-requests", "GET", {"anon": 401, "agent": 200, "supervisor": 200, "hr": 403}),
    ("/api/leave-requests/{leave}/decision", "POST", {
        "anon": 401, "agent": 403, "hr": 403, "other_supervisor": 404, "supervisor": 200}),
    ("/api/leave-requests/999999/decision", "POST", {"supervisor": 404}),
    ("/api/leave-requests/{leave}/cancel", "POST", {"other_agent": 404, "supervisor": 403,
                                                    "agent": 200}),
    ("/api/swap-requests", "GET", {"anon": 401, "agent": 200, "supervisor": 200, "hr": 403}),
    # an admin bound to no centre cannot tell which of the two centres is meant
    ("/api/scores?year=2026&quarter=3", "GET", {"anon": 401, "agent": 403, "supervisor": 403,
                                                "hr": 200, "admin": 403}),
    ("/api/scores/compute?year=2026&quarter=3", "POST", {"agent": 403, "supervisor": 403,
                                                         "hr": 200}),
    ("/api/rosters", "GET", {"anon": 401, "agent": 403, "hr": 403, "supervisor": 200}),
    ("/api/rosters/{published}", "GET", {"agent": 403, "hr": 403, "other_supervisor": 404,
                                         "supervisor": 200}),
    ("/api/rosters/{draft}/diff", "GET", {"agent": 403, "other_supervisor": 404,
                                          "supervisor": 200}),
    ("/api/rosters/{draft}/publish", "POST", {"anon": 401, "agent": 403, "hr": 403,
                                              "other_supervisor": 404, "supervisor": 200}),
    ("/api/rosters/{published}/publish", "POST", {"supervisor": 409}),
]

BODIES = {"decision": {"approve": True}}


@pytest.mark.parametrize(("route", "method", "expected"), MATRIX,
                         ids=[f"{m} {r}" for r, m, _ in MATRIX])
def test_authorisation_matrix(world: World, route: str, method: str,
                              expected: dict[str, int]) -> None:
    body = BODIES["decision"] if route.endswith("/decision") else None
    # the allowed caller goes last: a successful write must not change what others see
    for who, status in sorted(expected.items(), key=lambda item: item[1] < 300):
        response = world.call(who, method, route, json=body)
        assert response.status_code == status, (who, response.text)


def test_events_and_scores_for_hr(world: World) -> None:
    created = world.call("hr", "POST", "/api/events", json={
        "event_id": "E1", "agent_id": "A1", "date": "2026-08-03", "code": "P3"})
    assert created.status_code == 201, created.text
    refused = world.call("hr", "POST", "/api/events", json={
        "event_id": "E2", "agent_id": "A1", "date": "2026-08-03", "code": "P99"})
    assert refused.status_code == 422 and "unknown code" in refused.json()["detail"]
    assert world.call("agent", "POST", "/api/events", json={
        "event_id": "E3", "agent_id": "A1", "date": "2026-08-03", "code": "P3"}).status_code == 403
    scores = world.call("hr", "POST", "/api/scores/compute?year=2026&quarter=3").json()
    assert scores[0]["agent_id"] == "A1" and "P3 2026-08-03 -2 art.105" in scores[0]["explanation"]
    mine = world.call("agent", "GET", "/api/me/scores").json()
    assert mine == scores
    assert world.call("other_agent", "GET", "/api/me/scores").json() == []


def test_leave_flow_refusal_cites_the_article(world: World) -> None:
    late = world.call("agent", "POST", "/api/leave-requests", json={
        "kind": "annual", "start_date": "2026-12-01", "end_date": "2026-12-01"})
    assert late.status_code == 409 and late.json()["detail"].startswith("art. 39:")
    sick = world.call("agent", "POST", "/api/leave-requests", json={
        "kind": "sick", "start_date": "2026-11-25", "end_date": "2026-11-25",
        "emergency": True, "reason": "fever",
        "certificate_ref": "H-1"})
    assert sick.status_code == 201 and sick.json()["agent"] == "A1"
    rejected = world.call("supervisor", "POST", f"/api/leave-requests/{sick.json()['id']}/decision",
                          json={"approve": False})
    assert rejected.status_code == 422 and "reason" in rejected.json()["detail"]


def test_swap_flow_consent_decision_and_diff(world: World) -> None:
    day = dt.date(2026, 12, 7)
    filed = world.call("agent", "POST", "/api/swap-requests", json={
        "partner": "A3", "requester_date": day.isoformat(), "partner_date": day.isoformat()})
    assert filed.status_code == 201, filed.text
    swap_id = filed.json()["id"]
    assert world.call("agent", "POST", f"/api/swap-requests/{swap_id}/consent").status_code == 403
    assert world.call("other_agent", "POST",
                      f"/api/swap-requests/{swap_id}/consent").status_code == 404
    not_yet = world.call("supervisor", "POST", f"/api/swap-requests/{swap_id}/decision",
                         json={"approve": True})
    assert not_yet.status_code == 409 and not_yet.json()["detail"].startswith("art. 34")
    assert world.call("partner", "POST", f"/api/swap-requests/{swap_id}/consent").status_code == 200
    decided = world.call("supervisor", "POST", f"/api/swap-requests/{swap_id}/decision",
                         json={"approve": True})
    assert decided.status_code == 200, decided.text
    assert decided.json()["changes"] == [f"A1 {day}: D08 -> E14", f"A3 {day}: E14 -> D08"]
    forbidden = world.call("agent", "POST", "/api/swap-requests", json={
        "partner": "A4", "requester_date": day.isoformat(), "partner_date": day.isoformat(),
        "override_reason": "I say so"})
    assert forbidden.status_code == 403


def test_openapi_schema_is_served(world: World) -> None:
    schema = world.client.get("/api/openapi.json").json()
    assert "/api/me/shifts" in schema["paths"] and "/api/auth/token" in schema["paths"]


def test_calendar_feed_carries_shifts_breaks_and_the_art_41_arrival(world: World) -> None:
    from icalendar import Calendar

    feed = world.call("agent", "GET", "/api/agents/A1/calendar.ics")
    assert feed.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(feed.content).walk("VEVENT"))
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == dt.datetime(2026, 11, 30, 8, 0,
                                                   tzinfo=first.decoded("dtstart").tzinfo)
    assert first.decoded("dtstart").utcoffset() == dt.timedelta(hours=8)
    assert "Arrive by 07:50 for the handover (art. 41)." in str(first.get("description"))
    alarm = first.walk("VALARM")[0]
    assert alarm.decoded("trigger") == -dt.timedelta(minutes=40)  # 30 min before 07:50
    assert len(events) == 10  # the fixed roster's two working weeks
    with_token = world.client.get(f"/api/agents/A1/calendar.ics?token={world.tokens['agent']}")
    assert with_token.status_code == 200  # phone calendars pass the token in the query
    assert len(Calendar.from_ical(with_token.content).walk("VEVENT")) == len(events)
