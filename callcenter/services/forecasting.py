"""Forecasting and staffing for the application: volume files, stored forecasts and plans.

Two ways in:

* **Files** (``callcenter forecast`` / ``callcenter staffing``, no database): ``read_volumes``
  validates a CSV of ``interval_start, calls[, aht_seconds]`` column-wise (numpy/pandas, no
  per-row Python work on good rows) and lists every bad row in one ``ValidationFailed``;
  ``staffing_table`` and ``forecast_table`` turn engine output into contract CSV columns.
* **The database**: ``forecast_centre`` forecasts a centre from its stored ``CallVolume``
  history and stores a ``Forecast`` with its ``ForecastInterval`` rows; ``staff_forecast``
  stores a ``StaffingPlan`` with its ``StaffingRequirement`` rows; ``forecast_and_staff_demo``
  chains both for the demo and backtests the forecaster against seasonal-naive.

Times: the engine works on the centre's local wall clock (naive timestamps); the database
stores UTC-aware timestamps.  Conversions happen only here.  Services flush but never commit:
the caller's ``session_scope`` owns the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, col, select

from callcenter.errors import Problem, ValidationFailed
from callcenter.models import (
    CallVolume,
    Centre,
    Forecast,
    ForecastInterval,
    StaffingPlan,
    StaffingRequirement,
)
from scheduler import HolidayCalendar
from scheduler.demand import (
    BACKTEST_METHODS,
    Backtest,
    DemandError,
    ForecastSettings,
    RollingBacktest,
    Staffing,
    StaffingInfeasibleError,
    StaffingTargets,
    agents_needed,
    backtest,
    forecast,
    rolling_backtest,
    shrinkage_fraction,
)

FloatArray = npt.NDArray[np.float64]

#: Name stored in ``Forecast.method``; bump the version when the model changes.
FORECAST_METHOD = "day-type-shape-damped-trend/1"

#: Output columns of ``callcenter staffing`` (contract: interfaces.md, "Staffing").
STAFFING_COLUMNS = (
    "interval_start",
    "calls",
    "aht_seconds",
    "agents",
    "scheduled_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandon_rate",
)

#: Output columns of ``callcenter forecast``; the file feeds ``callcenter staffing`` as is.
FORECAST_COLUMNS = ("interval_start", "calls", "aht_seconds")

#: Demo service targets.  80 % of calls answered within 20 s is the industry's usual standard
#: (and the contract's reference case); an 85 % occupancy cap keeps agents from running flat
#: out through the peaks; 30 % shrinkage covers the art. 32 meal and rest breaks, meetings,
#: coaching and absence on top of them.
DEMO_TARGETS = StaffingTargets(
    service_level=0.8, answer_seconds=20, max_occupancy=0.85, shrinkage="0.30"
)
DEMO_BACKTEST_WEEKS = 4

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")


# --------------------------------------------------------------------------------------------
# Volume / history files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolumeTable:
    """A validated volume or history file, column-wise.

    ``lines`` are the file's line numbers (header = line 1); ``interval_start`` the cells as
    written; ``wall_clock`` their local wall-clock time (an offset, when given, is dropped:
    the wall clock is what the forecaster's day and slot need); ``aht_seconds`` is NaN where
    the file gives none and no fallback was given (only allowed on rows without calls, or
    everywhere when ``has_aht`` is false).
    """

    source: str
    lines: npt.NDArray[np.int64]
    interval_start: list[str]
    wall_clock: pd.DatetimeIndex
    calls: FloatArray
    aht_seconds: FloatArray
    has_aht: bool

    def __len__(self) -> int:
        return len(self.interval_start)

    def history_frame(self) -> pd.DataFrame:
        """The DataFrame ``scheduler.demand.forecast`` wants, indexed by file line number.

        Missing AHT is given as 0: it only occurs on rows without calls, or everywhere when
        the file has no AHT at all (the forecast's AHT is then 0 and reported as unknown).
        """
        aht = np.nan_to_num(self.aht_seconds, nan=0.0)
        return pd.DataFrame(
            {"interval_start": self.wall_clock, "calls": self.calls, "aht_seconds": aht},
            index=pd.Index(self.lines, name="line"),
        )


def _problem(source: str, line: int, column: str, value: str, rule: str) -> Problem:
    return Problem(f"{source}: line {line}", column, value, rule)


def read_csv_rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (blank lines skipped) and each row's line number; a missing,
    non-UTF-8, non-CSV or empty file is a ``ValidationFailed`` naming the file."""
    source = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            rows: list[list[str]] = []
            lines: list[int] = []
            for row in reader:
                if row:
                    rows.append(row)
                    lines.append(reader.line_num)
    except FileNotFoundError as exc:
        raise ValidationFailed(source, [Problem(source, "file", "", "does not exist")]) from exc
    except IsADirectoryError as exc:
        raise ValidationFailed(source, [Problem(source, "file", "", "is a directory")]) from exc
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            source, [Problem(source, "file", "", f"is not UTF-8 ({exc.reason})")]
        ) from exc
    except csv.Error as exc:
        raise ValidationFailed(
            source, [Problem(source, "file", "", f"is not CSV ({exc})")]
        ) from exc
    if header is None:
        raise ValidationFailed(source, [Problem(source, "file", "", "is empty (no header row)")])
    return [h.strip() for h in header], rows, lines


def _column(rows: list[list[str]], index: int) -> list[str]:
    return [row[index].strip() if index < len(row) else "" for row in rows]


def _numbers(cells: list[str]) -> FloatArray:
    """Cells as floats; empty or unparsable cells are NaN (told apart by the caller)."""
    values = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce")
    return np.asarray(values, dtype=np.float64)


def read_volumes(
    path: Path,
    *,
    aht_seconds: float | None = None,
    require_aht: bool = True,
    interval_minutes: int | None = None,
    unique_starts: bool = False,
) -> VolumeTable:
    """Read and validate a volume CSV: ``interval_start, calls`` and optional ``aht_seconds``.

    ``aht_seconds`` fills rows (or a whole file) without handle time.  With ``require_aht``
    every row with calls needs an AHT > 0 from the file or the fallback; without it a file
    lacking the column is accepted (``has_aht`` false).  ``interval_minutes`` checks that
    every start lies on that grid; ``unique_starts`` refuses a start given twice.  Other
    columns are ignored, so an import file can be used as is.  Raises ``ValidationFailed``
    listing every problem of the file.
    """
    source = str(path)
    header, rows, line_list = read_csv_rows(path)
    problems = [
        Problem(f"{source}: header", name, "", "required column is missing")
        for name in ("interval_start", "calls")
        if name not in header
    ]
    has_aht = "aht_seconds" in header
    if require_aht and not has_aht and aht_seconds is None:
        problems.append(
            Problem(
                f"{source}: header",
                "aht_seconds",
                "",
                "column is missing and no --aht-seconds was given",
            )
        )
    if problems:
        raise ValidationFailed(source, problems)
    if not rows:
        raise ValidationFailed(source, [Problem(source, "file", "", "has no data rows")])

    lines = np.asarray(line_list, dtype=np.int64)
    width = len(header)
    starts = _column(rows, header.index("interval_start"))
    calls_text = _column(rows, header.index("calls"))
    aht_text = _column(rows, header.index("aht_seconds")) if has_aht else [""] * len(rows)

    start_series = pd.Series(starts, dtype=object)
    wall = pd.to_datetime(
        start_series.str.replace(_OFFSET, "", regex=True), format="ISO8601", errors="coerce"
    )
    calls = _numbers(calls_text)
    aht = _numbers(aht_text)
    calls_empty = np.array([not c for c in calls_text])
    aht_empty = np.array([not a for a in aht_text])
    if aht_seconds is not None:
        aht = np.where(aht_empty, aht_seconds, aht)

    # Only bad rows are visited one by one, to name them.
    found: list[tuple[int, int, Problem]] = []  # (position, column order, problem)

    def flag(
        mask: npt.NDArray[np.bool_], order: int, column: str, cells: list[str], rule: str
    ) -> None:
        for position in np.flatnonzero(mask):
            i = int(position)
            found.append((i, order, _problem(source, int(lines[i]), column, cells[i], rule)))

    widths = np.array([len(row) for row in rows])
    flag(
        widths > width,
        -1,
        "row",
        [str(w) for w in widths],
        f"has more fields than the header's {width}",
    )
    start_empty = np.array([not s for s in starts])
    flag(start_empty, 0, "interval_start", starts, "is required")
    bad_start = wall.isna().to_numpy() & ~start_empty
    flag(bad_start, 0, "interval_start", starts, "must be an ISO datetime like 2026-11-30T08:30")
    good_start = ~wall.isna().to_numpy()
    if interval_minutes is not None and good_start.any():
        minute = (wall.dt.hour * 60 + wall.dt.minute).to_numpy(dtype=np.float64, na_value=0)
        off_grid = (minute % interval_minutes != 0) | (
            wall.dt.second.to_numpy(dtype=np.float64, na_value=0) != 0
        )
        flag(
            off_grid & good_start,
            0,
            "interval_start",
            starts,
            f"is not on a {interval_minutes}-minute interval boundary",
        )
    if unique_starts and good_start.any():
        duplicated = wall.duplicated(keep="first").to_numpy() & good_start
        if duplicated.any():
            first_line: dict[object, int] = {}
            for position in np.flatnonzero(good_start):
                first_line.setdefault(wall.iloc[int(position)], int(lines[int(position)]))
            for position in np.flatnonzero(duplicated):
                i = int(position)
                found.append(
                    (
                        i,
                        0,
                        _problem(
                            source,
                            int(lines[i]),
                            "interval_start",
                            starts[i],
                            f"duplicate of line {first_line[wall.iloc[i]]}",
                        ),
                    )
                )

    flag(calls_empty, 1, "calls", calls_text, "is required")
    calls_nan = ~np.isfinite(calls) & ~calls_empty
    flag(calls_nan, 1, "calls", calls_text, "must be a finite number")
    flag(np.isfinite(calls) & (calls < 0), 1, "calls", calls_text, "must be >= 0")

    aht_bad_text = ~aht_empty & ~np.isfinite(_numbers(aht_text))
    flag(aht_bad_text, 2, "aht_seconds", aht_text, "must be a finite number")
    finite_aht = np.isfinite(aht)
    flag(finite_aht & (aht < 0) & ~aht_bad_text, 2, "aht_seconds", aht_text, "must be >= 0")
    if require_aht or has_aht:
        with_calls = np.isfinite(calls) & (calls > 0)
        hint = "" if aht_seconds is not None else " (or give --aht-seconds)"
        flag(
            with_calls & ~finite_aht & ~aht_bad_text,
            2,
            "aht_seconds",
            aht_text,
            f"is required when calls > 0{hint}",
        )
        flag(
            with_calls & finite_aht & (aht == 0),
            2,
            "aht_seconds",
            aht_text,
            "must be > 0 when calls > 0",
        )
    if found:
        found.sort(key=lambda item: (item[0], item[1]))
        raise ValidationFailed(source, [problem for _, _, problem in found])

    return VolumeTable(
        source=source,
        lines=lines,
        interval_start=starts,
        wall_clock=pd.DatetimeIndex(wall),
        calls=calls,
        aht_seconds=aht,
        has_aht=has_aht or aht_seconds is not None,
    )


def infer_interval_minutes(wall_clock: pd.DatetimeIndex) -> int:
    """The coarsest grid all starts lie on: gcd of 1440 and every minute of the day."""
    minutes = np.unique(np.asarray(wall_clock.hour * 60 + wall_clock.minute, dtype=np.int64))
    return int(np.gcd.reduce(np.append(minutes, 1440)))


# --------------------------------------------------------------------------------------------
# Staffing from a file
# --------------------------------------------------------------------------------------------


def targets_from_options(
    *,
    service_level: float,
    answer_seconds: float,
    max_occupancy: float = 1.0,
    shrinkage: str | float = 0,
    patience_seconds: float | None = None,
    max_asa_seconds: float | None = None,
) -> StaffingTargets:
    """Staffing targets from command-line options; bad values name the option."""
    problems = []
    checks: list[tuple[str, float | None, bool, str]] = [
        (
            "--service-level",
            service_level,
            math.isfinite(service_level) and 0 <= service_level <= 1,
            "must be a fraction in [0, 1] (80 % is 0.8)",
        ),
        (
            "--answer-seconds",
            answer_seconds,
            math.isfinite(answer_seconds) and answer_seconds >= 0,
            "must be >= 0",
        ),
        (
            "--max-occupancy",
            max_occupancy,
            math.isfinite(max_occupancy) and 0 < max_occupancy <= 1,
            "must be in (0, 1]",
        ),
    ]
    if patience_seconds is not None:
        checks.append(
            (
                "--patience-seconds",
                patience_seconds,
                math.isfinite(patience_seconds) and patience_seconds > 0,
                "must be > 0",
            )
        )
    if max_asa_seconds is not None:
        checks.append(
            (
                "--max-asa-seconds",
                max_asa_seconds,
                math.isfinite(max_asa_seconds) and max_asa_seconds >= 0,
                "must be >= 0",
            )
        )
    for option, value, ok, rule in checks:
        if not ok:
            problems.append(Problem("options", option, str(value), rule))
    try:
        shrinkage_fraction(shrinkage)
    except DemandError:
        problems.append(
            Problem(
                "options",
                "--shrinkage",
                str(shrinkage),
                "must be a fraction in [0, 1) (30 % is 0.3)",
            )
        )
    if problems:
        raise ValidationFailed("options", problems)
    return StaffingTargets(
        service_level=service_level,
        answer_seconds=answer_seconds,
        max_asa_seconds=max_asa_seconds,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        patience_seconds=patience_seconds,
    )


def staff_volumes(
    table: VolumeTable, targets: StaffingTargets, *, interval_minutes: float = 30
) -> Staffing:
    """Agents needed for every row of a validated volume file.

    An unreachable target becomes ``ValidationFailed`` naming the interval and its line.
    """
    aht = np.nan_to_num(table.aht_seconds, nan=0.0)
    labels = [
        f"{start} (line {line})"
        for start, line in zip(table.interval_start, table.lines.tolist(), strict=True)
    ]
    try:
        return agents_needed(
            table.calls, aht, targets, interval_minutes=interval_minutes, labels=labels
        )
    except StaffingInfeasibleError as exc:
        position = {label: i for i, label in enumerate(labels)}.get(
            str(exc.interval).removeprefix("interval ")
        )
        if position is None:
            raise ValidationFailed(
                table.source, [Problem(table.source, "targets", "", str(exc))]
            ) from exc
        rule = str(exc).split(": ", 1)[-1]
        raise ValidationFailed(
            table.source,
            [
                _problem(
                    table.source,
                    int(table.lines[position]),
                    "interval_start",
                    table.interval_start[position],
                    f"targets cannot be met in this interval: {rule}",
                )
            ],
        ) from exc
    except DemandError as exc:
        raise ValidationFailed(table.source, [Problem(table.source, "file", "", str(exc))]) from exc


def _fixed(values: FloatArray, decimals: int) -> list[str]:
    """Fixed-point text, NaN as an empty cell."""
    pattern = f"{{:.{decimals}f}}"
    return ["" if v != v else pattern.format(v) for v in values.tolist()]


def _trimmed(values: FloatArray, decimals: int) -> list[str]:
    """Up to ``decimals`` decimals without trailing zeros (100 -> "100", 12.50 -> "12.5")."""
    pattern = f"{{:.{decimals}f}}"
    out = []
    for v in values.tolist():
        if v != v:
            out.append("")
        elif v == int(v) and abs(v) < 1e15:
            out.append(str(int(v)))
        else:
            out.append(pattern.format(v).rstrip("0").rstrip("."))
    return out


def csv_text(columns: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """CSV text from column-wise cells that need no quoting (numbers, ISO datetimes)."""
    return "\n".join([",".join(columns), *map(",".join, zip(*cells, strict=True)), ""])


def staffing_cells(table: VolumeTable, staffing: Staffing) -> list[list[str]]:
    """The contract columns of ``callcenter staffing``, column-wise, as text."""
    starts = [_quoted(s) for s in table.interval_start]
    return [
        starts,
        _trimmed(table.calls, 4),
        _trimmed(table.aht_seconds, 2),
        [str(n) for n in staffing.agents.tolist()],
        [str(n) for n in staffing.scheduled_agents.tolist()],
        _fixed(staffing.service_level, 4),
        _fixed(staffing.asa_seconds, 2),
        _fixed(staffing.occupancy, 4),
        _fixed(staffing.abandon_rate, 4),
    ]


def _quoted(cell: str) -> str:
    if any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def cells_as_rows(
    columns: Sequence[str], cells: Sequence[Sequence[str]]
) -> list[dict[str, object]]:
    """Column-wise cells as the row dicts ``write_table`` takes (for XLSX output)."""
    return [dict(zip(columns, row, strict=True)) for row in zip(*cells, strict=True)]


# --------------------------------------------------------------------------------------------
# Forecast from a file
# --------------------------------------------------------------------------------------------


def holiday_calendar(code: str) -> HolidayCalendar:
    """``CN`` (with make-up working days), ``none``, or any country the holidays library knows."""
    import holidays as holidays_lib

    upper = code.strip().upper()
    if upper not in {"CN", "NONE"} and upper not in holidays_lib.list_supported_countries():
        raise ValidationFailed(
            "options",
            [
                Problem(
                    "options",
                    "--holidays",
                    code,
                    "must be CN, none, or a country code the holidays library knows (US, IL, ...)",
                )
            ],
        )
    return HolidayCalendar(upper)


def forecast_history(
    history: pd.DataFrame,
    *,
    source: str,
    start: dt.date,
    days: int,
    interval_minutes: int,
    calendar: HolidayCalendar,
    settings: ForecastSettings | None = None,
    closed: str = "zero",
) -> pd.DataFrame:
    """``scheduler.demand.forecast`` with its refusals turned into ``ValidationFailed``."""
    try:
        return forecast(
            history,
            start=start,
            days=days,
            interval_minutes=interval_minutes,
            calendar=calendar,
            settings=settings,
            closed=closed,
        )
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "history", "", str(exc))]) from exc


def backtest_history(
    history: pd.DataFrame,
    *,
    source: str,
    weeks: int,
    interval_minutes: int,
    calendar: HolidayCalendar,
    settings: ForecastSettings | None = None,
) -> Backtest:
    """``scheduler.demand.backtest`` with its refusals turned into ``ValidationFailed``."""
    try:
        return backtest(
            history,
            weeks=weeks,
            interval_minutes=interval_minutes,
            calendar=calendar,
            settings=settings,
        )
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "history", "", str(exc))]) from exc


def check_closed_option(closed: str) -> None:
    """``--closed`` must be ``omit`` or ``zero``."""
    if closed not in ("omit", "zero"):
        raise ValidationFailed(
            "options", [Problem("options", "--closed", closed, "must be omit or zero")]
        )


def read_history(
    path: Path,
    *,
    interval_minutes: int | None,
    columns: str | None = None,
    source_interval_minutes: int | None = None,
    local_time: bool = False,
) -> VolumeTable:
    """A history file for the forecaster: the contract CSV as is, or -- with a column map,
    a source interval or ``local_time`` -- a real-world export re-binned to
    ``interval_minutes`` (30 when omitted) by ``realdata.read_interval_counts``."""
    if columns is None and source_interval_minutes is None and not local_time:
        return read_volumes(
            path, require_aht=False, interval_minutes=interval_minutes, unique_starts=True
        )
    from callcenter.services.realdata import (
        INTERVAL_FIELDS,
        parse_column_map,
        read_interval_counts,
    )

    return read_interval_counts(
        path,
        interval_minutes=interval_minutes or 30,
        columns=parse_column_map(columns, INTERVAL_FIELDS),
        source_interval_minutes=source_interval_minutes,
        local_time=local_time,
    )


def rolling_backtest_history(
    history: pd.DataFrame,
    *,
    source: str,
    weeks: int,
    horizons: int,
    interval_minutes: int,
    calendar: HolidayCalendar,
    settings: ForecastSettings | None = None,
) -> RollingBacktest:
    """``scheduler.demand.rolling_backtest`` (three methods), refusals as ``ValidationFailed``.

    When the history is too short for every horizon, the horizons are cut to what fits.
    """
    starts = pd.DatetimeIndex(history["interval_start"])
    span = (starts.max().normalize() - starts.min().normalize()).days + 1
    fitting = max(1, min(horizons, (span - 14 - 7 * weeks) // 7 + 1))
    try:
        return rolling_backtest(
            history,
            weeks=weeks,
            horizons=fitting,
            interval_minutes=interval_minutes,
            calendar=calendar,
            settings=settings,
        )
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "history", "", str(exc))]) from exc


def rolling_backtest_lines(result: RollingBacktest) -> list[str]:
    """The rolling backtest as a table: method x horizon, wMAPE at the scoring interval and
    per day."""

    def pct(value: float) -> str:
        return "   n/a" if math.isnan(value) else f"{100 * value:6.2f}"

    weeks = result.test_weeks
    lines = [
        f"rolling-origin backtest: {len(weeks)} week(s) from {weeks[0].isoformat()}, "
        f"horizons 1-{result.horizons} week(s) ahead; wMAPE % at {result.score_minutes} min "
        "/ daily",
        "  method           "
        + "".join(
            f"   h{h} {result.score_minutes}m  h{h} day" for h in range(1, result.horizons + 1)
        ),
    ]
    for method in BACKTEST_METHODS:
        cells = "".join(
            f"  {pct(result.wmape(method, h, 'interval'))} {pct(result.wmape(method, h, 'daily'))}"
            for h in range(1, result.horizons + 1)
        )
        lines.append(f"  {method:15s}{cells}")
    forecaster = result.wmape("forecaster", 1, "interval")
    naive = result.wmape("seasonal_naive", 1, "interval")
    anchor = result.wmape("mstl_ets", 1, "interval")
    if naive > 0 and not math.isnan(forecaster):
        lines.append(
            f"  1 week ahead at {result.score_minutes} min: forecaster "
            f"{100 * (1 - forecaster / naive):+.1f} % better than seasonal-naive, "
            f"{100 * (1 - forecaster / anchor):+.1f} % better than mstl_ets"
        )
    return lines


def forecast_cells(result: pd.DataFrame, *, has_aht: bool) -> list[list[str]]:
    """Forecast rows as text: local ``YYYY-MM-DDTHH:MM``, calls to 3 decimals, AHT to 2."""
    stamps = pd.DatetimeIndex(result["interval_start"])
    text = (
        stamps.strftime("%Y-%m-%dT%H:%M%z")
        if stamps.tz is not None
        else (stamps.strftime("%Y-%m-%dT%H:%M"))
    )
    aht = result["aht_seconds"].to_numpy(dtype=np.float64)
    return [
        list(text),
        _fixed(result["calls"].to_numpy(dtype=np.float64), 3),
        _fixed(aht, 2) if has_aht else [""] * len(aht),
    ]


def backtest_lines(result: Backtest) -> list[str]:
    """A readable backtest report: per week and overall wMAPE of both methods."""

    def pct(value: float) -> str:
        return "n/a" if math.isnan(value) else f"{100 * value:.2f} %"

    lines = [f"backtest, last {len(result.weeks)} week(s): wMAPE of calls per interval"]
    for week in result.weeks:
        lines.append(
            f"  week of {week.start.isoformat()}: forecaster {pct(week.forecast_wmape)}, "
            f"seasonal-naive {pct(week.naive_wmape)} ({week.actual_calls:,.0f} calls)"
        )
    verdict = (
        "forecaster beats seasonal-naive"
        if result.forecast_wmape < result.naive_wmape
        else "forecaster does NOT beat seasonal-naive"
    )
    lines.append(
        f"  overall: forecaster wMAPE {pct(result.forecast_wmape)}, "
        f"seasonal-naive wMAPE {pct(result.naive_wmape)} ({verdict})"
    )
    return lines


# --------------------------------------------------------------------------------------------
# The database: stored history, forecasts and staffing plans
# --------------------------------------------------------------------------------------------


def _local_midnight_utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def centre_history(
    session: Session, centre: Centre, *, before: dt.date | None = None
) -> pd.DataFrame:
    """The centre's stored call history as the engine's DataFrame (local wall clock).

    Rows that share a wall-clock slot (the repeated hour when daylight saving ends) are
    merged: calls summed, AHT calls-weighted.
    """
    zone = ZoneInfo(centre.timezone)
    statement = select(CallVolume.interval_start, CallVolume.calls, CallVolume.aht_seconds).where(
        CallVolume.centre_id == centre.id
    )
    if before is not None:
        statement = statement.where(CallVolume.interval_start < _local_midnight_utc(before, zone))
    rows = session.exec(statement.order_by(col(CallVolume.interval_start))).all()
    if not rows:
        return pd.DataFrame(
            {"interval_start": pd.DatetimeIndex([]), "calls": [], "aht_seconds": []}
        )
    starts = pd.DatetimeIndex([r[0] for r in rows]).tz_convert(zone).tz_localize(None)
    calls = np.array([r[1] for r in rows], dtype=np.float64)
    aht = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    aht = np.where(calls > 0, aht, np.nan_to_num(aht, nan=0.0))
    frame = pd.DataFrame({"interval_start": starts, "calls": calls, "aht_seconds": aht})
    if frame["interval_start"].duplicated().any():
        frame["handled"] = frame["calls"] * frame["aht_seconds"].fillna(0.0)
        merged = frame.groupby("interval_start", as_index=False)[["calls", "handled"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            merged["aht_seconds"] = np.where(
                merged["calls"] > 0, merged["handled"] / merged["calls"], 0.0
            )
        frame = merged[["interval_start", "calls", "aht_seconds"]]
    return frame


def _to_utc(stamps: pd.Series | pd.DatetimeIndex, zone: ZoneInfo) -> list[dt.datetime | None]:
    """Local wall-clock slots as UTC datetimes.

    A slot repeated when daylight saving ends is taken once, in daylight time; a slot that
    does not exist (the hour skipped when it starts) gives None: nobody calls at a time the
    clock never shows.
    """
    index = pd.DatetimeIndex(stamps)
    if index.tz is None:
        index = index.tz_localize(
            zone, ambiguous=np.ones(len(index), dtype=bool), nonexistent="NaT"
        )
    return [None if pd.isna(ts) else ts.to_pydatetime() for ts in index.tz_convert(dt.UTC)]


def forecast_centre(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int,
    *,
    interval_minutes: int | None = None,
    calendar: HolidayCalendar | None = None,
    settings: ForecastSettings | None = None,
) -> Forecast:
    """Forecast ``days`` days from ``start`` from the centre's stored history; store it.

    Uses the history before ``start`` only, the centre's planning interval unless told
    otherwise, and the Chinese calendar (holidays and make-up working days) by default.
    Raises ``ValidationFailed`` when the history cannot support a forecast.
    """
    assert centre.id is not None
    calendar = calendar if calendar is not None else HolidayCalendar("CN")
    settings = settings if settings is not None else ForecastSettings()
    interval = interval_minutes or centre.interval_minutes
    source = f"centre {centre.code} history"
    history = centre_history(session, centre, before=start)
    if history.empty:
        raise ValidationFailed(
            source,
            [
                Problem(
                    source,
                    "call_volume",
                    "",
                    f"no call history before {start.isoformat()}: "
                    "import volumes first (`callcenter import volumes FILE.csv`)",
                )
            ],
        )
    result = forecast_history(
        history,
        source=source,
        start=start,
        days=days,
        interval_minutes=interval,
        calendar=calendar,
        settings=settings,
    )
    zone = ZoneInfo(centre.timezone)
    stamps = _to_utc(result["interval_start"], zone)
    record = Forecast(
        centre_id=centre.id,
        method=FORECAST_METHOD,
        start_date=start,
        days=days,
        params=_forecast_params(history, interval, calendar, settings),
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    calls = result["calls"].to_numpy(dtype=np.float64).tolist()
    aht = result["aht_seconds"].to_numpy(dtype=np.float64).tolist()
    session.execute(
        insert(ForecastInterval),
        [
            {"forecast_id": record.id, "interval_start": s, "calls": c, "aht_seconds": a}
            for s, c, a in zip(stamps, calls, aht, strict=True)
            if s is not None
        ],
    )
    session.flush()
    return record


def _forecast_params(
    history: pd.DataFrame, interval: int, calendar: HolidayCalendar, settings: ForecastSettings
) -> dict[str, Any]:
    starts = pd.DatetimeIndex(history["interval_start"])
    return {
        "interval_minutes": interval,
        "holidays": calendar.country,
        "settings": asdict(settings),
        "history_from": starts.min().isoformat(),
        "history_to": starts.max().isoformat(),
        "history_intervals": len(history),
        "history_calls": round(float(history["calls"].sum()), 6),
    }


def forecast_intervals(session: Session, forecast_record: Forecast) -> list[ForecastInterval]:
    """The stored intervals of a forecast, in time order."""
    return list(
        session.exec(
            select(ForecastInterval)
            .where(ForecastInterval.forecast_id == forecast_record.id)
            .order_by(col(ForecastInterval.interval_start))
        ).all()
    )


def targets_record(targets: StaffingTargets) -> dict[str, Any]:
    """Targets as stored in ``StaffingPlan.targets`` (shrinkage kept as exact decimal text)."""
    shrink = shrinkage_fraction(targets.shrinkage)
    return {
        "service_level": targets.service_level,
        "answer_seconds": targets.answer_seconds,
        "max_asa_seconds": targets.max_asa_seconds,
        "max_occupancy": targets.max_occupancy,
        "shrinkage": _fraction_text(shrink),
        "patience_seconds": targets.patience_seconds,
    }


def _fraction_text(value: Fraction) -> str:
    text = f"{float(value)!r}"
    return text if Fraction(text) == value else f"{value.numerator}/{value.denominator}"


def staff_forecast(
    session: Session, centre: Centre, forecast_record: Forecast, targets: StaffingTargets
) -> StaffingPlan:
    """Agents needed for every interval of a stored forecast; stores the plan and its rows."""
    assert centre.id is not None and forecast_record.id is not None
    intervals = forecast_intervals(session, forecast_record)
    zone = ZoneInfo(centre.timezone)
    labels = [i.interval_start.astimezone(zone).isoformat(timespec="minutes") for i in intervals]
    interval = int(forecast_record.params.get("interval_minutes", centre.interval_minutes))
    calls = np.array([i.calls for i in intervals], dtype=np.float64)
    aht = np.array([i.aht_seconds for i in intervals], dtype=np.float64)
    source = f"forecast {forecast_record.id}"
    try:
        staffing = agents_needed(calls, aht, targets, interval_minutes=interval, labels=labels)
    except DemandError as exc:
        raise ValidationFailed(source, [Problem(source, "targets", "", str(exc))]) from exc
    plan = StaffingPlan(
        centre_id=centre.id,
        forecast_id=forecast_record.id,
        model="erlang_c" if targets.patience_seconds is None else "erlang_a",
        targets=targets_record(targets),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None

    def maybe(value: float) -> float | None:
        return None if math.isnan(value) else value

    session.execute(
        insert(StaffingRequirement),
        [
            {
                "plan_id": plan.id,
                "interval_start": row.interval_start,
                "calls": row.calls,
                "aht_seconds": row.aht_seconds,
                "agents": int(staffing.agents[k]),
                "scheduled_agents": int(staffing.scheduled_agents[k]),
                "service_level": float(staffing.service_level[k]),
                "asa_seconds": float(staffing.asa_seconds[k]),
                "occupancy": float(staffing.occupancy[k]),
                "abandon_rate": maybe(float(staffing.abandon_rate[k])),
            }
            for k, row in enumerate(intervals)
        ],
    )
    session.flush()
    return plan


def staffing_requirements(session: Session, plan: StaffingPlan) -> list[StaffingRequirement]:
    """The stored rows of a staffing plan, in time order."""
    return list(
        session.exec(
            select(StaffingRequirement)
            .where(StaffingRequirement.plan_id == plan.id)
            .order_by(col(StaffingRequirement.interval_start))
        ).all()
    )


# --------------------------------------------------------------------------------------------
# The demo: forecast the next weeks, staff them, backtest the forecaster
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandSummary:
    """What the demo's forecast and staffing step produced; ``lines()`` for the CLI."""

    forecast_id: int
    plan_id: int
    start: str
    days: int
    intervals: int
    interval_minutes: int
    calls: float
    peak_calls: float
    peak_interval: str
    peak_agents: int
    peak_scheduled_agents: int
    scheduled_agent_hours: float
    targets: str
    backtest_weeks: int
    forecast_wmape: float
    naive_wmape: float

    def lines(self) -> list[str]:
        end = dt.date.fromisoformat(self.start) + dt.timedelta(days=self.days - 1)
        return [
            f"Forecast   {self.start} .. {end.isoformat()}: {self.intervals} intervals, "
            f"{self.calls:,.0f} calls, peak {self.peak_calls:,.0f} at {self.peak_interval}",
            f"Backtest   last {self.backtest_weeks} weeks, wMAPE forecaster "
            f"{100 * self.forecast_wmape:.1f} % vs seasonal-naive {100 * self.naive_wmape:.1f} %",
            f"Staffing   {self.targets}: peak {self.peak_agents} agents on the phones, "
            f"{self.peak_scheduled_agents} scheduled; {self.scheduled_agent_hours:,.0f} "
            "scheduled agent-hours",
        ]


def _describe(targets: StaffingTargets) -> str:
    shrink = float(shrinkage_fraction(targets.shrinkage))
    text = (
        f"{100 * targets.service_level:g} % in {targets.answer_seconds:g} s, "
        f"occupancy <= {100 * targets.max_occupancy:g} %, shrinkage {100 * shrink:g} %"
    )
    if targets.patience_seconds is not None:
        text += f", patience {targets.patience_seconds:g} s (Erlang A)"
    return text


def _existing_demo_plan(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int,
    params: dict[str, Any],
    targets: dict[str, Any],
) -> tuple[Forecast, StaffingPlan] | None:
    """The forecast and plan of an earlier demo run on the same data, if any."""
    for record in session.exec(
        select(Forecast)
        .where(
            Forecast.centre_id == centre.id,
            Forecast.method == FORECAST_METHOD,
            Forecast.start_date == start,
            Forecast.days == days,
        )
        .order_by(col(Forecast.id))
    ):
        if record.params != params:
            continue
        plan = session.exec(
            select(StaffingPlan).where(StaffingPlan.forecast_id == record.id)
        ).first()
        if plan is not None and plan.targets == targets:
            return record, plan
    return None


def forecast_and_staff_demo(
    session: Session,
    centre: Centre,
    start: dt.date,
    days: int = 28,
    *,
    targets: StaffingTargets = DEMO_TARGETS,
) -> DemandSummary:
    """Forecast ``days`` days from ``start``, staff them with the demo targets, backtest.

    Running it again on the same history reuses the stored forecast and plan (the demo
    changes nothing the second time).
    """
    calendar = HolidayCalendar("CN")
    settings = ForecastSettings()
    interval = centre.interval_minutes
    history = centre_history(session, centre, before=start)
    source = f"centre {centre.code} history"
    existing = None
    if not history.empty:
        params = _forecast_params(history, interval, calendar, settings)
        existing = _existing_demo_plan(
            session, centre, start, days, params, targets_record(targets)
        )
    if existing is not None:
        forecast_record, plan = existing
    else:
        forecast_record = forecast_centre(
            session, centre, start, days, calendar=calendar, settings=settings
        )
        plan = staff_forecast(session, centre, forecast_record, targets)
    checked = backtest_history(
        history,
        source=source,
        weeks=DEMO_BACKTEST_WEEKS,
        interval_minutes=interval,
        calendar=calendar,
        settings=settings,
    )
    rows = staffing_requirements(session, plan)
    zone = ZoneInfo(centre.timezone)
    peak = max(rows, key=lambda r: (r.calls, -r.interval_start.timestamp()))
    assert forecast_record.id is not None and plan.id is not None
    return DemandSummary(
        forecast_id=forecast_record.id,
        plan_id=plan.id,
        start=start.isoformat(),
        days=days,
        intervals=len(rows),
        interval_minutes=interval,
        calls=float(sum(r.calls for r in rows)),
        peak_calls=peak.calls,
        peak_interval=peak.interval_start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        peak_agents=max(r.agents for r in rows),
        peak_scheduled_agents=max(r.scheduled_agents for r in rows),
        scheduled_agent_hours=sum(r.scheduled_agents for r in rows) * interval / 60,
        targets=_describe(targets),
        backtest_weeks=DEMO_BACKTEST_WEEKS,
        forecast_wmape=checked.forecast_wmape,
        naive_wmape=checked.naive_wmape,
    )
