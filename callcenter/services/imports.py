"""CSV imports: ``agents``, ``volumes``, ``events``, ``kpis`` (contract: interfaces.md).

Every import validates the whole file first. On any problem it raises ``ValidationFailed``
listing every bad row (line number, column, value, rule broken) and writes nothing;
otherwise it writes all rows in one transaction. Rows are upserted by their natural key,
so re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, SQLModel, select

from callcenter.errors import Problem, ValidationFailed
from callcenter.models import Agent, CallVolume, Centre, QuarterlyKpi, ScoringEvent, Team
from callcenter.services.audit import record_audit, snapshot
from scoring import RuleTable, load_rule_table

_N = TypeVar("_N", int, float)

KINDS = ("agents", "volumes", "events", "kpis")

COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    # kind: (required columns, optional columns)
    "agents": (
        [
            "agent_id",
            "name",
            "team",
            "hire_date",
            "career_start_date",
            "weekly_minutes",
            "night_eligible",
        ],
        [],
    ),
    "volumes": (
        ["interval_start", "calls"],
        ["aht_seconds", "calls_answered", "calls_abandoned", "agents_active"],
    ),
    "events": (["event_id", "agent_id", "date", "code"], ["note"]),
    "kpis": (
        [
            "agent_id",
            "year",
            "quarter",
            "calls_answered",
            "quality_score",
            "exam_score",
            "training_required",
            "training_attended",
            "volume_bonus_awarded",
        ],
        [],
    ),
}

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


@dataclass
class ImportResult:
    """What an import did."""

    kind: str
    source: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.kind}: {self.rows} rows from {self.source}: {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )


@dataclass
class _Row:
    """One CSV row being validated; problems are collected, never raised one by one."""

    source: str
    line: int
    raw: Mapping[str, str | None]
    problems: list[Problem] = field(default_factory=list)

    def fail(self, column: str, rule: str) -> None:
        value = self.raw.get(column)
        self.problems.append(Problem(f"{self.source}: line {self.line}", column, value or "", rule))

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = (self.raw.get(column) or "").strip()
        if not value:
            if required:
                self.fail(column, "is required")
            return None
        return value

    def parse(
        self, column: str, parser: Callable[[str], Any], rule: str, *, required: bool = True
    ) -> Any:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parser(value)
        except (ValueError, TypeError, OverflowError):
            self.fail(column, rule)
            return None

    def date(self, column: str) -> dt.date | None:
        result: dt.date | None = self.parse(
            column, dt.date.fromisoformat, "must be a date YYYY-MM-DD"
        )
        return result

    def integer(self, column: str, lo: int | None = None, hi: int | None = None) -> int | None:
        value: int | None = self.parse(column, int, "must be a whole number")
        return self._bounded(column, value, lo, hi)

    def number(
        self,
        column: str,
        lo: float | None = None,
        hi: float | None = None,
        *,
        required: bool = True,
    ) -> float | None:
        value: float | None = self.parse(
            column, _finite_float, "must be a finite number", required=required
        )
        return self._bounded(column, value, lo, hi)

    def boolean(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        self.fail(column, "must be true or false")
        return None

    def _bounded(self, column: str, value: _N | None, lo: _N | None, hi: _N | None) -> _N | None:
        if value is None:
            return None
        if lo is not None and value < lo:
            self.fail(column, f"must be >= {lo}")
            return None
        if hi is not None and value > hi:
            self.fail(column, f"must be <= {hi}")
            return None
        return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    """Header and rows of a UTF-8 CSV file (a BOM is tolerated)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except FileNotFoundError as exc:
        raise ValidationFailed(
            str(path), [Problem(str(path), "file", "", "does not exist")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            str(path), [Problem(str(path), "file", "", f"is not UTF-8 ({exc.reason})")]
        ) from exc
    return header, rows


def _check_header(source: str, kind: str, header: list[str]) -> None:
    required, optional = COLUMNS[kind]
    problems = [
        Problem(f"{source}: header", c, "", "required column is missing")
        for c in required
        if c not in header
    ]
    known = set(required) | set(optional)
    problems += [
        Problem(f"{source}: header", c, "", "unknown column") for c in header if c not in known
    ]
    if problems:
        raise ValidationFailed(source, problems)


def import_file(
    session: Session,
    centre: Centre,
    kind: str,
    path: Path,
    *,
    actor: str = "import",
    today: dt.date | None = None,
) -> ImportResult:
    """Validate and import one CSV file of ``kind`` into ``centre``."""
    if kind not in KINDS:
        raise ValidationFailed(
            str(path), [Problem(str(path), "kind", kind, f"must be one of {', '.join(KINDS)}")]
        )
    header, rows = read_csv(path)
    return import_rows(
        session, centre, kind, rows, source=str(path), header=header, actor=actor, today=today
    )


def import_rows(
    session: Session,
    centre: Centre,
    kind: str,
    rows: Iterable[Mapping[str, str | None]],
    *,
    source: str,
    header: list[str] | None = None,
    actor: str = "import",
    today: dt.date | None = None,
) -> ImportResult:
    """Validate and import rows shaped like the CSV of ``kind`` (all strings)."""
    row_list = list(rows)
    if header is None:
        header = list(row_list[0]) if row_list else COLUMNS[kind][0]
    _check_header(source, kind, header)
    zone = ZoneInfo(centre.timezone)
    local_today = today or dt.datetime.now(zone).date()
    importer = {
        "agents": _import_agents,
        "volumes": _import_volumes,
        "events": _import_events,
        "kpis": _import_kpis,
    }[kind]
    result = ImportResult(kind=kind, source=source, rows=len(row_list))
    importer(session, centre, row_list, source, result, actor, local_today)
    return result


def _rows(source: str, rows: list[Mapping[str, str | None]]) -> list[_Row]:
    # Line 1 is the header, so data row i sits on line i + 2.
    return [_Row(source, i + 2, raw) for i, raw in enumerate(rows)]


def _raise_if_problems(source: str, parsed: list[_Row]) -> None:
    problems = [p for row in parsed for p in row.problems]
    if problems:
        raise ValidationFailed(source, problems)


def _upsert(
    session: Session,
    existing: SQLModel | None,
    new: SQLModel,
    fields: list[str],
    result: ImportResult,
    actor: str,
    entity: str,
    audit: bool = True,
) -> None:
    """Insert ``new`` or update ``existing`` field by field; identical rows are left alone."""
    if existing is None:
        session.add(new)
        result.inserted += 1
        if audit:
            session.flush()
            record_audit(
                session,
                actor=actor,
                action="import",
                entity=entity,
                entity_id=getattr(new, "id", ""),
                after=snapshot(new),
            )
        return
    changed = {f: getattr(new, f) for f in fields if getattr(existing, f) != getattr(new, f)}
    if not changed:
        result.unchanged += 1
        return
    before = snapshot(existing)
    for name, value in changed.items():
        setattr(existing, name, value)
    result.updated += 1
    if audit:
        record_audit(
            session,
            actor=actor,
            action="import-correct",
            entity=entity,
            entity_id=getattr(existing, "id", ""),
            before=before,
            after=snapshot(existing),
        )


def _duplicate(row: _Row, column: str, key: object, seen: dict[object, int]) -> None:
    if key in seen:
        row.fail(column, f"duplicate of line {seen[key]}")
    else:
        seen[key] = row.line


def _import_agents(
    session: Session,
    centre: Centre,
    rows: list[Mapping[str, str | None]],
    source: str,
    result: ImportResult,
    actor: str,
    today: dt.date,
) -> None:
    teams = {t.code: t for t in session.exec(select(Team).where(Team.centre_id == centre.id))}
    existing = {
        a.employee_no: a for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))
    }
    parsed = _rows(source, rows)
    seen: dict[object, int] = {}
    new_agents: list[Agent] = []
    for row in parsed:
        agent_id = row.text("agent_id")
        name = row.text("name")
        team_code = row.text("team")
        hire = row.date("hire_date")
        career = row.date("career_start_date")
        weekly = row.integer("weekly_minutes", 0, 7 * 24 * 60)
        night = row.boolean("night_eligible")
        if agent_id is not None:
            _duplicate(row, "agent_id", agent_id, seen)
        if team_code is not None and team_code not in teams:
            known = ", ".join(sorted(teams)) or "none defined"
            row.fail("team", f"unknown team (known: {known})")
        if hire is not None and hire > today:
            row.fail("hire_date", "is in the future")
        if hire is not None and career is not None and career > hire:
            row.fail("career_start_date", "is after hire_date")
        if not row.problems:
            assert agent_id and name and team_code and hire and career
            assert weekly is not None and night is not None
            team_id = teams[team_code].id
            assert centre.id is not None and team_id is not None
            new_agents.append(
                Agent(
                    centre_id=centre.id,
                    team_id=team_id,
                    employee_no=agent_id,
                    name=name,
                    hire_date=hire,
                    career_start_date=career,
                    weekly_minutes=weekly,
                    night_eligible=night,
                )
            )
    _raise_if_problems(source, parsed)
    fields = [
        "name",
        "team_id",
        "hire_date",
        "career_start_date",
        "weekly_minutes",
        "night_eligible",
    ]
    for agent in new_agents:
        _upsert(session, existing.get(agent.employee_no), agent, fields, result, actor, "agent")


def _import_volumes(
    session: Session,
    centre: Centre,
    rows: list[Mapping[str, str | None]],
    source: str,
    result: ImportResult,
    actor: str,
    today: dt.date,
) -> None:
    zone = ZoneInfo(centre.timezone)
    interval = centre.interval_minutes
    parsed = _rows(source, rows)
    seen: dict[object, int] = {}
    new_rows: list[CallVolume] = []
    for row in parsed:
        start = row.parse(
            "interval_start",
            lambda s: _local_datetime(s, zone),
            "must be an ISO datetime like 2026-11-30T08:30",
        )
        calls = row.number("calls", 0.0)
        aht = row.number("aht_seconds", 0.0, required=False)
        answered = row.number("calls_answered", 0.0, required=False)
        abandoned = row.number("calls_abandoned", 0.0, required=False)
        active = row.number("agents_active", 0.0, required=False)
        if start is not None:
            local = start.astimezone(zone)
            if (local.hour * 60 + local.minute) % interval or local.second or local.microsecond:
                row.fail("interval_start", f"is not on a {interval}-minute interval boundary")
            _duplicate(row, "interval_start", start, seen)
        if calls is not None and calls > 0 and aht == 0:
            row.fail("aht_seconds", "must be > 0 when calls > 0")
        if not row.problems:
            assert centre.id is not None and start is not None and calls is not None
            new_rows.append(
                CallVolume(
                    centre_id=centre.id,
                    interval_start=start,
                    interval_minutes=interval,
                    calls=calls,
                    aht_seconds=aht,
                    calls_answered=answered,
                    calls_abandoned=abandoned,
                    agents_active=active,
                    source=source[-64:],
                )
            )
    _raise_if_problems(source, parsed)
    if not new_rows:
        return
    lo = min(r.interval_start for r in new_rows)
    hi = max(r.interval_start for r in new_rows)
    existing = {
        v.interval_start: v
        for v in session.exec(
            select(CallVolume).where(
                CallVolume.centre_id == centre.id,
                CallVolume.interval_start >= lo,
                CallVolume.interval_start <= hi,
            )
        )
    }
    fields = ["calls", "aht_seconds", "calls_answered", "calls_abandoned", "agents_active"]
    for volume in new_rows:
        _upsert(
            session,
            existing.get(volume.interval_start),
            volume,
            fields,
            result,
            actor,
            "call_volume",
            audit=False,
        )
    if result.inserted or result.updated:
        record_audit(
            session,
            actor=actor,
            action="import",
            entity="call_volume",
            entity_id=f"{lo.isoformat()}..{hi.isoformat()}",
            after={"source": source, "inserted": result.inserted, "updated": result.updated},
        )


def _local_datetime(text: str, zone: ZoneInfo) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)


def _agents_by_employee_no(session: Session, centre: Centre) -> dict[str, Agent]:
    return {
        a.employee_no: a for a in session.exec(select(Agent).where(Agent.centre_id == centre.id))
    }


def _import_events(
    session: Session,
    centre: Centre,
    rows: list[Mapping[str, str | None]],
    source: str,
    result: ImportResult,
    actor: str,
    today: dt.date,
    table: RuleTable | None = None,
) -> None:
    codes = (table or load_rule_table()).event_codes
    agents = _agents_by_employee_no(session, centre)
    parsed = _rows(source, rows)
    seen: dict[object, int] = {}
    new_events: list[ScoringEvent] = []
    for row in parsed:
        event_id = row.text("event_id")
        agent_no = row.text("agent_id")
        day = row.date("date")
        code = row.text("code")
        note = row.text("note", required=False)
        if event_id is not None:
            _duplicate(row, "event_id", event_id, seen)
        agent = agents.get(agent_no) if agent_no is not None else None
        if agent_no is not None and agent is None:
            row.fail("agent_id", "unknown agent")
        if code is not None and code not in codes:
            row.fail(
                "code",
                "unknown code (art. 104-107 event codes R5-R7, P1-P14, S1-S11, "
                "G1-G13, or LATE, EARLY, SICK, PERSONAL, SWAP)",
            )
        if day is not None:
            if day > today:
                row.fail("date", "is in the future")
            elif agent is not None and day < agent.hire_date:
                row.fail("date", f"is before the agent's hire date {agent.hire_date}")
            elif agent is not None and agent.left_date is not None and day > agent.left_date:
                row.fail("date", f"is after the agent left on {agent.left_date}")
        if not row.problems:
            assert event_id and agent and agent.id is not None and day and code
            new_events.append(
                ScoringEvent(
                    event_id=event_id,
                    agent_id=agent.id,
                    date=day,
                    code=code,
                    note=note,
                    created_by=actor,
                )
            )
    _raise_if_problems(source, parsed)
    ids = [e.event_id for e in new_events]
    existing: dict[str, ScoringEvent] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        existing.update(
            {
                e.event_id: e
                for e in session.exec(
                    select(ScoringEvent).where(ScoringEvent.event_id.in_(part))  # type: ignore[attr-defined]
                )
            }
        )
    for event in new_events:
        _upsert(
            session,
            existing.get(event.event_id),
            event,
            ["agent_id", "date", "code", "note"],
            result,
            actor,
            "scoring_event",
        )


def _import_kpis(
    session: Session,
    centre: Centre,
    rows: list[Mapping[str, str | None]],
    source: str,
    result: ImportResult,
    actor: str,
    today: dt.date,
) -> None:
    agents = _agents_by_employee_no(session, centre)
    parsed = _rows(source, rows)
    seen: dict[object, int] = {}
    new_rows: list[QuarterlyKpi] = []
    for row in parsed:
        agent_no = row.text("agent_id")
        year = row.integer("year", 2000, 2100)
        quarter = row.integer("quarter", 1, 4)
        calls = row.integer("calls_answered", 0)
        quality = row.number("quality_score", 0.0, 100.0)
        exam = row.number("exam_score", 0.0, 100.0)
        required = row.integer("training_required", 0)
        attended = row.integer("training_attended", 0)
        bonus = row.boolean("volume_bonus_awarded")
        agent = agents.get(agent_no) if agent_no is not None else None
        if agent_no is not None and agent is None:
            row.fail("agent_id", "unknown agent")
        if required is not None and attended is not None and attended > required:
            row.fail("training_attended", f"exceeds training_required ({required})")
        if year is not None and quarter is not None:
            if dt.date(year, 3 * quarter - 2, 1) > today:
                row.fail("quarter", f"{year} Q{quarter} has not started yet")
            if agent_no is not None:
                _duplicate(row, "agent_id", (agent_no, year, quarter), seen)
        if not row.problems:
            assert agent is not None and agent.id is not None
            assert year is not None and quarter is not None and calls is not None
            assert quality is not None and exam is not None
            assert required is not None and attended is not None and bonus is not None
            new_rows.append(
                QuarterlyKpi(
                    agent_id=agent.id,
                    year=year,
                    quarter=quarter,
                    calls_answered=calls,
                    quality_score=quality,
                    exam_score=exam,
                    training_required=required,
                    training_attended=attended,
                    volume_bonus_awarded=bonus,
                )
            )
    _raise_if_problems(source, parsed)
    existing = (
        {
            (k.agent_id, k.year, k.quarter): k
            for k in session.exec(
                select(QuarterlyKpi).where(
                    QuarterlyKpi.agent_id.in_([r.agent_id for r in new_rows])  # type: ignore[attr-defined]
                )
            )
        }
        if new_rows
        else {}
    )
    fields = [
        "calls_answered",
        "quality_score",
        "exam_score",
        "training_required",
        "training_attended",
        "volume_bonus_awarded",
    ]
    for kpi in new_rows:
        _upsert(
            session,
            existing.get((kpi.agent_id, kpi.year, kpi.quarter)),
            kpi,
            fields,
            result,
            actor,
            "quarterly_kpi",
        )


# --------------------------------------------------------------------------------------------
# Volumes from real-world files: interval counts at any length, per-call records
# --------------------------------------------------------------------------------------------

#: ``format`` values of ``import_volume_file``.
VOLUME_FORMATS = ("intervals", "percall")


def import_volume_file(
    session: Session,
    centre: Centre,
    path: Path,
    *,
    source_format: str = "intervals",
    columns: Mapping[str, str] | None = None,
    source_interval_minutes: int | None = None,
    local_time: bool = False,
    actor: str = "import",
    today: dt.date | None = None,
) -> tuple[ImportResult, list[str]]:
    """Import call volumes from interval counts of any length or from per-call records.

    ``intervals``: a CSV whose columns ``columns`` maps (see ``realdata.read_interval_counts``),
    re-binned to the centre's interval.  ``percall``: one row per call in the Anonymous Bank
    layout, aggregated to the centre's interval (offered, answered, abandoned, mean handle
    time, agents active).  The result is imported like a ``volumes`` CSV (validated whole,
    upserted, so importing the same file twice changes nothing).  Returns the import result
    and report lines: what was re-binned, and every skipped or repaired record by reason.
    """
    from callcenter.services.realdata import (
        aggregate_calls,
        read_interval_counts,
        read_percall,
    )

    source = str(path)
    interval = centre.interval_minutes
    report: list[str] = []
    if source_format == "intervals":
        table = read_interval_counts(
            path,
            interval_minutes=interval,
            columns=columns,
            source_interval_minutes=source_interval_minutes,
            local_time=local_time,
        )
        report.append(f"{source}: re-binned to {len(table)} intervals of {interval} minutes")
        header = ["interval_start", "calls"] + (["aht_seconds"] if table.has_aht else [])
        rows: list[dict[str, str | None]] = []
        for start, calls, aht in zip(
            table.interval_start, table.calls.tolist(), table.aht_seconds.tolist(), strict=True
        ):
            row: dict[str, str | None] = {"interval_start": start, "calls": _cell(calls)}
            if table.has_aht:
                row["aht_seconds"] = _cell(aht)
            rows.append(row)
    elif source_format == "percall":
        records = read_percall(path, columns=columns)
        report += records.report()
        frame = aggregate_calls(records.frame, interval)
        report.append(f"{source}: aggregated to {len(frame)} intervals of {interval} minutes")
        header = [
            "interval_start",
            "calls",
            "aht_seconds",
            "calls_answered",
            "calls_abandoned",
            "agents_active",
        ]
        starts = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M").tolist()
        columns_out = [frame[c].to_numpy(dtype=float).tolist() for c in header[1:]]
        rows = [
            {
                "interval_start": start,
                **{c: _cell(v) for c, v in zip(header[1:], values, strict=True)},
            }
            for start, *values in zip(starts, *columns_out, strict=True)
        ]
    else:
        raise ValidationFailed(
            "options",
            [
                Problem(
                    "options",
                    "--format",
                    source_format,
                    f"must be one of {', '.join(VOLUME_FORMATS)}",
                )
            ],
        )
    result = import_rows(
        session, centre, "volumes", rows, source=source, header=header, actor=actor, today=today
    )
    return result, report


def _cell(value: float) -> str:
    """A number as import text: '' for NaN, whole numbers without a decimal point."""
    if value != value:
        return ""
    if value == int(value):
        return str(int(value))
    return repr(round(value, 6))
