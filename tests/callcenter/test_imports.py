"""CSV imports: whole-file validation, all-or-nothing writes, idempotent re-imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.errors import ConfigurationError, ValidationFailed
from callcenter.models import Agent, AuditLog, CallVolume, QuarterlyKpi, ScoringEvent, Team
from callcenter.services.centres import resolve_centre
from callcenter.services.imports import import_file
from tests.factories import AGENT_HEADER, make_centre, write_csv

TODAY = dt.date(2026, 11, 25)


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def problems_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(p.where.rsplit(": ", 1)[-1], p.column) for p in exc.value.problems]


def agents_file(tmp_path: Path, rows: list[list[object]]) -> Path:
    return write_csv(tmp_path / "agents.csv", AGENT_HEADER, rows)


GOOD_AGENTS = [
    ["A001", "Wang Wei", "T1", "2020-03-01", "2015-07-01", 2400, "true"],
    ["A002", "Li Na", "T2", "2024-09-01", "2024-09-01", 1920, "false"],
]


def test_valid_agents_file_imported_twice_gives_the_same_rows(session: Session,
                                                              tmp_path: Path) -> None:
    centre = make_centre(session)
    path = agents_file(tmp_path, GOOD_AGENTS)
    first = import_file(session, centre, "agents", path, today=TODAY)
    session.commit()
    assert (first.inserted, first.updated) == (2, 0)
    audits = count(session, AuditLog)
    second = import_file(session, centre, "agents", path, today=TODAY)
    session.commit()
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert count(session, Agent) == 2
    assert count(session, AuditLog) == audits  # nothing changed, nothing audited
    na = session.exec(select(Agent).where(Agent.employee_no == "A002")).one()
    assert (na.weekly_minutes, na.night_eligible) == (1920, False)


def test_bad_agents_file_lists_every_bad_row_and_writes_nothing(session: Session,
                                                                tmp_path: Path) -> None:
    centre = make_centre(session)
    path = agents_file(tmp_path, [
        GOOD_AGENTS[0],
        ["A002", "Li Na", "T1", "2024-02-30", "2020-01-01", 2400, "true"],   # bad date
        ["A003", "Zhao Lei", "T9", "2021-01-04", "2020-01-01", 2400, "true"],  # unknown team
        ["A001", "Wang Wei", "T1", "2020-03-01", "2015-07-01", 2400, "true"],  # duplicate id
        ["A004", "Sun Min", "T2", "2022-05-01", "2020-01-01", -60, "yes"],   # negative minutes
    ])
    with pytest.raises(ValidationFailed) as exc:
        import_file(session, centre, "agents", path, today=TODAY)
    assert problems_of(exc) == [
        ("line 3", "hire_date"), ("line 4", "team"), ("line 5", "agent_id"),
        ("line 6", "weekly_minutes"),
    ]
    message = str(exc.value)
    assert "agents.csv" in message and "'T9'" in message and "duplicate of line 2" in message
    assert "must be >= 0" in message
    session.rollback()
    assert count(session, Agent) == 0


def test_missing_and_unknown_columns_are_reported(session: Session, tmp_path: Path) -> None:
    centre = make_centre(session)
    path = write_csv(tmp_path / "a.csv", ["agent_id", "name", "colour"], [["A1", "x", "red"]])
    with pytest.raises(ValidationFailed) as exc:
        import_file(session, centre, "agents", path, today=TODAY)
    columns = {p.column for p in exc.value.problems}
    assert {"team", "hire_date", "colour"} <= columns


def test_career_start_after_hire_and_future_hire_are_refused(session: Session,
                                                             tmp_path: Path) -> None:
    centre = make_centre(session)
    path = agents_file(tmp_path, [
        ["A001", "x", "T1", "2020-03-01", "2021-01-01", 2400, "true"],
        ["A002", "y", "T1", "2027-01-01", "2020-01-01", 2400, "true"],
    ])
    with pytest.raises(ValidationFailed) as exc:
        import_file(session, centre, "agents", path, today=TODAY)
    assert problems_of(exc) == [("line 2", "career_start_date"), ("line 3", "hire_date")]


VOLUME_HEADER = ["interval_start", "calls", "aht_seconds"]


def test_volumes_are_stored_in_utc_and_reimport_changes_nothing(session: Session,
                                                                tmp_path: Path) -> None:
    centre = make_centre(session)
    path = write_csv(tmp_path / "v.csv", VOLUME_HEADER, [
        ["2026-11-30T08:00", 120, 200.5], ["2026-11-30T08:30", 0, ""],
        ["2026-11-30T09:00+08:00", 80.5, 190],
    ])
    assert import_file(session, centre, "volumes", path, today=TODAY).inserted == 3
    session.commit()
    assert import_file(session, centre, "volumes", path, today=TODAY).unchanged == 3
    session.commit()
    first = session.exec(select(CallVolume).order_by(CallVolume.interval_start)).first()
    assert first is not None
    assert first.interval_start == dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)
    assert count(session, CallVolume) == 3


def test_bad_volumes_file_names_each_row(session: Session, tmp_path: Path) -> None:
    centre = make_centre(session)
    path = write_csv(tmp_path / "v.csv", VOLUME_HEADER, [
        ["2026-11-30T08:00", 120, 200],
        ["2026-13-30T08:30", 10, 200],       # bad date
        ["2026-11-30T08:00", 5, 200],        # duplicate interval
        ["2026-11-30T09:00", -4, 200],       # negative calls
        ["2026-11-30T09:10", 4, 200],        # not on an interval boundary
        ["2026-11-30T09:30", "nan", 200],    # not finite
    ])
    with pytest.raises(ValidationFailed) as exc:
        import_file(session, centre, "volumes", path, today=TODAY)
    assert problems_of(exc) == [
        ("line 3", "interval_start"), ("line 4", "interval_start"), ("line 5", "calls"),
        ("line 6", "interval_start"), ("line 7", "calls"),
    ]
    session.rollback()
    assert count(session, CallVolume) == 0


def _two_agents(session: Session, tmp_path: Path) -> None:
    centre = make_centre(session)
    import_file(session, centre, "agents", agents_file(tmp_path, GOOD_AGENTS), today=TODAY)
    session.commit()


EVENT_HEADER = ["event_id", "agent_id", "date", "code", "note"]


def test_events_validate_code_agent_and_employment_dates(session: Session,
                                                         tmp_path: Path) -> None:
    _two_agents(session, tmp_path)
    centre = resolve_centre(session, None)
    path = write_csv(tmp_path / "e.csv", EVENT_HEADER, [
        ["E1", "A001", "2026-07-03", "P1", "absent"],
        ["E2", "A001", "2026-07-04", "P99", ""],     # unknown code
        ["E3", "A999", "2026-07-04", "P2", ""],      # unknown agent
        ["E4", "A002", "2024-08-01", "P2", ""],      # before hire
        ["E5", "A001", "2026-12-01", "LATE", ""],    # in the future
        ["E1", "A001", "2026-07-05", "P3", ""],      # duplicate id
    ])
    with pytest.raises(ValidationFailed) as exc:
        import_file(session, centre, "events", path, today=TODAY)
    assert problems_of(exc) == [
        ("line 3", "code"), ("line 4", "agent_id"), ("line 5", "date"), ("line 6", "date"),
        ("line 7", "event_id"),
    ]
    session.rollback()
    assert count(session, ScoringEvent) == 0


def test_corrected_event_is_updated_and_audited(session: Session, tmp_path: Path) -> None:
    _two_agents(session, tmp_path)
    centre = resolve_centre(session, None)
    path = write_csv(tmp_path / "e.csv", EVENT_HEADER, [["E1", "A001", "2026-07-03", "P1", ""]])
    import_file(session, centre, "events", path, today=TODAY)
    session.commit()
    write_csv(path, EVENT_HEADER, [["E1", "A001", "2026-07-03", "P2", "was P1"]])
    result = import_file(session, centre, "events", path, today=TODAY)
    session.commit()
    assert (result.inserted, result.updated) == (0, 1)
    event = session.exec(select(ScoringEvent)).one()
    assert event.code == "P2"
    audit = session.exec(select(AuditLog).where(AuditLog.action == "import-correct")).one()
    assert audit.before is not None and audit.after is not None
    assert (audit.before["code"], audit.after["code"]) == ("P1", "P2")


KPI_HEADER = ["agent_id", "year", "quarter", "calls_answered", "quality_score", "exam_score",
              "training_required", "training_attended", "volume_bonus_awarded"]


def test_kpis_validate_ranges_and_import_idempotently(session: Session, tmp_path: Path) -> None:
    _two_agents(session, tmp_path)
    centre = resolve_centre(session, None)
    bad = write_csv(tmp_path / "k.csv", KPI_HEADER, [
        ["A001", 2026, 3, 2500, 88.5, 90, 2, 2, "false"],
        ["A002", 2026, 5, 2500, 88.5, 90, 2, 2, "false"],    # quarter 5
        ["A002", 2026, 3, 2500, 101, 90, 2, 2, "false"],     # quality > 100
        ["A002", 2026, 2, 2500, 80, 90, 1, 3, "false"],      # attended > required
        ["A001", 2027, 1, 2500, 80, 90, 1, 1, "no"],         # quarter not started
    ])
    with pytest.raises(ValidationFailed) as exc:
        import_file(session, centre, "kpis", bad, today=TODAY)
    assert problems_of(exc) == [
        ("line 3", "quarter"), ("line 4", "quality_score"), ("line 5", "training_attended"),
        ("line 6", "quarter"),
    ]
    session.rollback()
    good = write_csv(tmp_path / "k.csv", KPI_HEADER, [
        ["A001", 2026, 3, 2500, 88.5, 90, 2, 2, "false"],
        ["A002", 2026, 3, 2100, 79, 70, 0, 0, "true"],
    ])
    assert import_file(session, centre, "kpis", good, today=TODAY).inserted == 2
    session.commit()
    assert import_file(session, centre, "kpis", good, today=TODAY).unchanged == 2
    assert count(session, QuarterlyKpi) == 2


def test_import_without_a_centre_explains_what_to_do(session: Session) -> None:
    with pytest.raises(ConfigurationError, match="callcenter centre create"):
        resolve_centre(session, None)


def test_unknown_kind_and_missing_file(session: Session, tmp_path: Path) -> None:
    centre = make_centre(session)
    with pytest.raises(ValidationFailed, match="must be one of"):
        import_file(session, centre, "teams", tmp_path / "x.csv")
    with pytest.raises(ValidationFailed, match="does not exist"):
        import_file(session, centre, "agents", tmp_path / "missing.csv")
    assert count(session, Team) == 2
