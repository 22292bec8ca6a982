"""Real call-centre data: re-binning, per-call records, the volumes import, the queue check,
and the commands on (parts of) the two public data sets in ../shared/datasets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from callcenter.commands_demand import register as register_demand
from callcenter.commands_validation import register as register_validation
from callcenter.errors import ValidationFailed
from callcenter.models import CallVolume
from callcenter.services.imports import import_volume_file
from callcenter.services.realdata import (
    aggregate_calls,
    parse_column_map,
    read_interval_counts,
    read_percall,
    validate_queue,
)
from scheduler._calendar import HolidayCalendar
from scheduler.demand import rolling_backtest
from tests.factories import make_centre

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
BANK = DATASETS / "anonymous_bank_1999"
US = DATASETS / "us_bank_calls_2003"


def dataset(path: Path) -> Path:
    """A real data file; CI always has them, so a missing one is a failure, not a skip."""
    if not path.is_file():
        pytest.fail(f"real data set missing: {path} (expected ../shared/datasets beside the "
                    "repository; see each SOURCE.md)")
    return path


PERCALL_HEADER = ("vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\t"
                  "vru_time\tq_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\t"
                  "server")


def call(call_id: int, entry: str, q_start: str, q_time: int, outcome: str, ser_start: str,
         ser_time: int, server: str, date: str = "990201") -> str:
    return "\t".join(["AA0101", str(call_id), "0", "0", "PS", date, entry, entry, "5", q_start,
                      q_start, str(q_time), outcome, ser_start, ser_start, str(ser_time),
                      server])


def percall_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "calls.txt"
    path.write_text("\r\n".join([PERCALL_HEADER, *lines]) + "\r\n", encoding="utf-8")
    return path


GOOD_CALLS = [
    call(1, "8:00:10", "8:00:15", 30, "AGENT", "8:00:45", 120, "DANA"),
    call(2, "8:05:00", "0:00:00", 0, "AGENT", "8:05:05", 600, "MOSHE"),   # busy 8:05-8:15
    call(3, "8:20:00", "8:20:05", 40, "HANG", "0:00:00", 0, "NO_SERVER"),  # abandoned
    call(4, "8:29:00", "0:00:00", 0, "HANG", "0:00:00", 0, "NO_SERVER"),   # hung up in VRU
    call(5, "8:29:30", "8:29:35", 10, "PHANTOM", "8:29:45", 4, "NO_SERVER"),
    call(6, "8:31:00", "0:00:00", 0, "AGENT", "8:31:05", 60, "NO_SERVER"),
    call(7, "8:14:00", "8:14:05", 20, "AGENT", "8:14:25", 1000, "DANA"),   # 8:14-8:31
]


def test_interval_counts_at_5_minutes_are_rebinned_with_calls_weighted_aht(
    tmp_path: Path,
) -> None:
    path = tmp_path / "five.csv"
    path.write_text(
        "rownames,DateTime,Calls,Handle\n"
        "1,2003-03-03T07:00:00Z,10,100\n2,2003-03-03T07:05:00Z,30,200\n"
        "3,2003-03-03T07:25:00Z,0,\n4,2003-03-03T07:30:00Z,5,60\n", encoding="utf-8")
    mapping = parse_column_map("interval_start=DateTime,calls=Calls,aht_seconds=Handle",
                               ("interval_start", "calls", "aht_seconds"))
    table = read_interval_counts(path, interval_minutes=30, columns=mapping, local_time=True)
    assert table.interval_start == ["2003-03-03T07:00", "2003-03-03T07:30"]
    assert table.calls.tolist() == [40, 5]
    assert table.aht_seconds.tolist() == pytest.approx([(10 * 100 + 30 * 200) / 40, 60])
    assert table.lines.tolist() == [2, 5]
    with pytest.raises(ValidationFailed, match="--local-time"):
        read_interval_counts(path, interval_minutes=30, columns=mapping)
    with pytest.raises(ValidationFailed, match="do not divide the 30-minute"):
        read_interval_counts(path, interval_minutes=30, columns=mapping, local_time=True,
                             source_interval_minutes=7)


def test_six_minute_counts_with_separate_date_and_time_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "six.csv"
    path.write_text("date,interval,interval_start,calls\n1999-01-03,1,00:00,2\n"
                    "1999-01-03,2,00:06,3\n1999-01-03,6,00:30,1.5\n", encoding="utf-8")
    columns = {"date": "date", "time": "interval_start"}
    table = read_interval_counts(path, interval_minutes=30, columns=columns)
    assert table.interval_start == ["1999-01-03T00:00", "1999-01-03T00:30"]
    assert table.calls.tolist() == [5, 1.5]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,interval_start,calls\n1999-01-03,00:00,2\n1999-01-03,00:06,x\n"
                   "1999-01-03,0o:12,1\n1999-01-03,00:07,1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        read_interval_counts(bad, interval_minutes=30, columns=columns,
                             source_interval_minutes=6)
    text = str(exc.value)
    assert "line 3: calls='x'" in text and "line 4" in text
    with pytest.raises(ValidationFailed, match="unknown field"):
        parse_column_map("start=DateTime", ("interval_start", "calls"))


def test_percall_records_aggregate_and_junk_is_counted_by_reason(tmp_path: Path) -> None:
    records = read_percall(percall_file(tmp_path, GOOD_CALLS))
    assert records.lines_read == 7 and len(records.frame) == 5
    assert records.notes == {
        "PHANTOM records (spurious; skipped)": 1,
        "hung up in the voice menu before asking for an agent (not offered to agents)": 1,
        "answered with NO_SERVER (kept; not counted among busy agents)": 1,
    }
    frame = aggregate_calls(records.frame, 30)
    assert len(frame) == 48
    first = frame[frame["interval_start"] == pd.Timestamp("1999-02-01 08:00")].iloc[0]
    assert first["calls"] == 4 and first["calls_answered"] == 3
    assert first["calls_abandoned"] == 1
    assert first["aht_seconds"] == pytest.approx((120 + 600 + 1000) / 3)
    assert first["agents_active"] == 2  # DANA and MOSHE
    second = frame[frame["interval_start"] == pd.Timestamp("1999-02-01 08:30")].iloc[0]
    assert second["calls"] == 1 and second["agents_active"] == 1  # DANA until 8:31
    assert frame["calls"].sum() == 5


def test_truncated_and_malformed_percall_lines_are_refused_with_their_line(
    tmp_path: Path,
) -> None:
    spaced = call(8, "9:00:00", "0:00:00", 0, "AGENT", "9:00:05", 30, "DANA").replace(
        "\tPS\t", "    PS\t", 1)
    repaired = read_percall(percall_file(tmp_path, [*GOOD_CALLS, spaced]))
    assert repaired.notes["lines repaired: spaces where a tab belongs (kept)"] == 1
    truncated = "\t".join(GOOD_CALLS[0].split("\t")[:9])
    broken = [GOOD_CALLS[0], truncated, GOOD_CALLS[1].replace("8:05:00", "8:5x:00"),
              GOOD_CALLS[2].replace("HANG", "LOST")]
    with pytest.raises(ValidationFailed) as exc:
        read_percall(percall_file(tmp_path, broken))
    text = str(exc.value)
    assert "line 3: row='9': has 9 fields, the header has 17" in text
    assert "line 4: vru_entry='8:5x:00'" in text
    assert "line 5: outcome='LOST'" in text


def test_percall_import_is_idempotent(session: Session, tmp_path: Path) -> None:
    centre = make_centre(session)
    path = percall_file(tmp_path, GOOD_CALLS)
    result, report = import_volume_file(session, centre, path, source_format="percall",
                                        today=dt.date(2026, 1, 1))
    session.commit()
    assert result.inserted == 48 and any("PHANTOM" in line for line in report)
    again, _ = import_volume_file(session, centre, path, source_format="percall",
                                  today=dt.date(2026, 1, 1))
    session.commit()
    assert again.unchanged == 48 and again.inserted == again.updated == 0
    stored = session.exec(select(func.count()).select_from(CallVolume)).one()
    assert stored == 48
    with pytest.raises(ValidationFailed, match="--format"):
        import_volume_file(session, centre, path, source_format="xml")


# --------------------------------------------------------------------------------------------
# The real data sets
# --------------------------------------------------------------------------------------------


def test_real_us_counts_import_twice_changes_nothing(session: Session) -> None:
    centre = make_centre(session)
    columns = {"interval_start": "DateTime", "calls": "Calls"}
    path = dataset(US / "bank_calls_5min_2003-03_to_08.csv")
    first, report = import_volume_file(session, centre, path, columns=columns, local_time=True)
    session.commit()
    assert first.inserted == 3654 and "re-binned to 3654 intervals of 30 minutes" in report[0]
    second, _ = import_volume_file(session, centre, path, columns=columns, local_time=True)
    assert second.unchanged == 3654 and second.inserted == second.updated == 0


def test_real_percall_january_reports_phantoms_and_erlang_a_beats_c_on_abandonment() -> None:
    records = read_percall(dataset(BANK / "percall_1999-01_january.txt"))
    assert records.notes["PHANTOM records (spurious; skipped)"] == 240
    assert records.lines_read == 31599
    result = validate_queue(records.frame)
    errors = result.errors().set_index(["metric", "model"])["mae"]
    assert errors["abandon_rate", "erlang_a"] < errors["abandon_rate", "erlang_c"]
    assert 200 < result.patience_exponential_seconds < 600
    hours = result.by_hour()
    assert {"obs_service_level", "erlang_c_service_level", "erlang_a_service_level"} <= set(
        hours.columns)
    assert hours.loc[hours["hour"] == 10, "calls"].iloc[0] > 1000


def _history(path: Path, **options: object) -> pd.DataFrame:
    table = read_interval_counts(path, interval_minutes=30, **options)  # type: ignore[arg-type]
    return table.history_frame()


@pytest.mark.parametrize(("name", "path", "options", "holidays"), [
    ("US bank", US / "bank_calls_5min_2003-03_to_08.csv",
     {"columns": {"interval_start": "DateTime", "calls": "Calls"}, "local_time": True}, "US"),
    ("Anonymous Bank", BANK / "arrivals_6min_1999-01_to_08.csv",
     {"columns": {"date": "date", "time": "interval_start"}}, "IL"),
])
def test_forecaster_beats_seasonal_naive_by_ten_percent_over_the_last_8_weeks(
    name: str, path: Path, options: dict[str, object], holidays: str
) -> None:
    result = rolling_backtest(_history(dataset(path), **options), weeks=8, horizons=1,
                              calendar=HolidayCalendar(holidays),
                              methods=("forecaster", "seasonal_naive"))
    forecaster = result.wmape("forecaster", 1)
    naive = result.wmape("seasonal_naive", 1)
    assert forecaster < 0.9 * naive, (name, forecaster, naive)


def app() -> typer.Typer:
    application = typer.Typer()
    register_demand(application)
    register_validation(application)
    return application


def test_commands_on_the_real_data(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "forecast.csv"
    result = runner.invoke(app(), [
        "forecast", "--history", str(dataset(US / "bank_calls_5min_2003-03_to_08.csv")),
        "--columns", "interval_start=DateTime,calls=Calls", "--local-time",
        "--interval-minutes", "30", "--holidays", "US", "--start", "2003-09-01", "--days", "7",
        "--backtest-weeks", "2", "--horizons", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "rolling-origin backtest" in result.output and "mstl_ets" in result.output
    written = pd.read_csv(out)
    assert len(written) == 4 * 29  # Labor Day and the weekend are closed: no rows
    assert written["interval_start"].str[11:].min() == "07:00"

    queue = runner.invoke(app(), ["validate-queue", str(dataset(
        BANK / "percall_1999-02_february.txt")), "--out-dir", str(tmp_path / "q")])
    assert queue.exit_code == 0, queue.output
    assert "278 PHANTOM records" in queue.output and "Kaplan-Meier median" in queue.output
    assert (tmp_path / "q" / "queue.svg").stat().st_size > 10_000
    errors = pd.read_csv(tmp_path / "q" / "errors.csv")
    assert set(errors["model"]) == {"erlang_c", "erlang_a"}
    assert np.isfinite(errors["mae"]).all()

    bad = runner.invoke(app(), ["validate-queue", str(tmp_path / "missing.txt")])
    assert bad.exit_code == 2 and "does not exist" in bad.output


def test_import_volumes_command_reports_by_reason_and_reimports_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from callcenter.db import make_engine

    engine = make_engine(database_url)
    with Session(engine) as session:
        make_centre(session)
    engine.dispose()
    script = ("import typer; from callcenter.commands_validation import register; "
              "a = typer.Typer(); register(a); a()")
    env = {**os.environ, "CALLCENTER_DATABASE_URL": database_url}
    path = percall_file(tmp_path, GOOD_CALLS)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", script, "import-volumes", *args],
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    first = run(str(path), "--format", "percall")
    assert first.returncode == 0, first.stderr
    assert "1 PHANTOM records (spurious; skipped)" in first.stdout
    assert "48 inserted" in first.stdout
    second = run(str(path), "--format", "percall")
    assert "0 inserted, 0 updated, 48 unchanged" in second.stdout
    broken = percall_file(tmp_path, [GOOD_CALLS[0], GOOD_CALLS[1][:20]])
    refused = run(str(broken), "--format", "percall")
    assert refused.returncode == 2 and "line 3" in refused.stderr
