"""End to end in a real headless Chromium (Debian's package, driven by Playwright): an agent
logs in and sees this week's shifts with breaks; a supervisor sees the grid and approves a
leave request. Screenshots are kept in out/test-artifacts/ as the run's evidence."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session, select

from callcenter.api import create_app
from callcenter.api.deps import Clock
from callcenter.models import Roster, ShiftBreak
from tests.callcenter.test_web import PASSWORD, SETTINGS, seed

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(engine: Engine) -> Iterator[str]:
    seed(engine)
    with Session(engine) as session:  # give A1's Monday shift its breaks, to see them shown
        roster = session.exec(select(Roster)).one()
        from callcenter.models import Assignment

        monday = session.exec(select(Assignment).where(
            Assignment.roster_id == roster.id, Assignment.date == dt.date(2026, 11, 30),
            Assignment.agent_id == 1)).one()
        assert monday.id is not None
        session.add(ShiftBreak(assignment_id=monday.id, kind="meal", minutes=30,
                               start=monday.start + dt.timedelta(hours=3)))
        session.commit()
    clock = Clock(lambda: dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC))
    port = free_port()
    config = uvicorn.Config(create_app(SETTINGS, engine, clock), host="127.0.0.1", port=port,
                            log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_agent_and_supervisor_in_a_real_browser(server: str, tmp_path: Path) -> None:
    assert CHROMIUM, "Chromium is needed for the browser test: apt-get install chromium"
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            agent = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            agent.goto(f"{server}/")
            agent.fill("input[name=username]", "a1")
            agent.fill("input[name=password]", PASSWORD)
            agent.click("button[type=submit]")
            agent.wait_for_url(f"{server}/my/shifts")
            shifts = agent.locator(".card.shift")
            assert shifts.count() == 5
            assert "Meal break 11:00 (30 min)" in agent.locator(".break").first.inner_text()
            assert "Arrive by 07:50" in shifts.first.inner_text()
            agent.screenshot(path=str(ARTIFACTS / "agent-my-shifts.png"), full_page=True)

            supervisor = browser.new_page(viewport={"width": 1280, "height": 900})
            supervisor.goto(f"{server}/login")
            supervisor.fill("input[name=username]", "sup")
            supervisor.fill("input[name=password]", PASSWORD)
            supervisor.click("button[type=submit]")
            supervisor.wait_for_url(f"{server}/roster")
            assert supervisor.locator("#roster-grid tbody tr").count() == 4
            supervisor.screenshot(path=str(ARTIFACTS / "supervisor-roster-grid.png"),
                                  full_page=True)
            supervisor.goto(f"{server}/requests")
            supervisor.locator("#pending-leave button[value=approve]").first.click()
            supervisor.wait_for_load_state()
            assert "Leave request 1 approved" in supervisor.locator(".flash").inner_text()
            supervisor.screenshot(path=str(ARTIFACTS / "supervisor-approved-leave.png"),
                                  full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "agent-my-shifts.png").stat().st_size > 10_000
