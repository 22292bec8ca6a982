"""``callcenter forecast`` and ``callcenter staffing`` (contract: interfaces.md).

Both work from files alone, no database.  Bad input exits 2 with a message naming the file,
the line and the column; an output file is written whole or not at all.  Without ``--out``
the CSV goes to stdout (and anything else, such as the backtest, to stderr).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from callcenter.errors import AppError


@contextmanager
def _edge() -> Iterator[None]:
    """Application errors become ``error: ...`` on stderr and exit code 2."""
    try:
        yield
    except AppError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: {option}: {text!r} is not a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _emit(out: Path | None, columns: Sequence[str], cells: list[list[str]]) -> None:
    """The table to ``out`` (CSV, or XLSX by its suffix) or to stdout as CSV; a file is
    replaced whole or not at all."""
    from callcenter.volumes import write_csv

    if out is not None and out.suffix.lower() == ".xlsx":
        from callcenter.services.exports import write_table
        from callcenter.services.forecasting import cells_as_rows

        write_table(out, columns, cells_as_rows(columns, cells))
        return
    write_csv(out, columns, cells)


def forecast_command(
    history: Annotated[
        Path, typer.Option(help="History CSV: interval_start, calls[, aht_seconds].")
    ],
    start: Annotated[str, typer.Option(help="First forecast day, YYYY-MM-DD.")],
    days: Annotated[int, typer.Option(help="Number of days to forecast.", min=1)],
    out: Annotated[
        Path | None, typer.Option(help="Output CSV (or .xlsx); stdout when omitted.")
    ] = None,
    backtest_weeks: Annotated[
        int | None,
        typer.Option(help="Also backtest the last K weeks: wMAPE vs seasonal-naive.", min=1),
    ] = None,
    interval_minutes: Annotated[
        int | None,
        typer.Option(help="Interval length; inferred from the history when omitted."),
    ] = None,
    holidays: Annotated[
        str, typer.Option(help="Holiday calendar: CN (with make-up days), none, US, IL, ...")
    ] = "CN",
    columns: Annotated[
        str | None,
        typer.Option(help="Column map of the history, e.g. interval_start=DateTime,calls=Calls "
                     "or date=date,time=interval_start; enables re-binning."),
    ] = None,
    source_interval_minutes: Annotated[
        int | None,
        typer.Option(help="Interval length of the history file when finer than "
                     "--interval-minutes (e.g. 5 or 6): counts are re-binned.", min=1),
    ] = None,
    local_time: Annotated[
        bool, typer.Option(help="Ignore a UTC offset or Z in the history: local clock times.")
    ] = False,
    closed: Annotated[
        str,
        typer.Option(help="Intervals outside the opening hours learned from the history: "
                     "omit (default) or zero."),
    ] = "omit",
    horizons: Annotated[
        int, typer.Option(help="Backtest horizons, 1 to this many weeks ahead.", min=1)
    ] = 4,
) -> None:
    """Interval forecast of calls and AHT (columns interval_start, calls, aht_seconds).

    With --backtest-weeks K: a rolling-origin backtest of the last K weeks at horizons 1 to
    --horizons weeks ahead, wMAPE at 30 minutes and per day, against seasonal-naive and
    MSTL+ETS (statsmodels).
    """
    first_day = _date(start, "--start")
    with _edge():
        from callcenter.services.forecasting import (
            FORECAST_COLUMNS,
            backtest_history,
            backtest_lines,
            check_closed_option,
            forecast_cells,
            forecast_history,
            holiday_calendar,
            read_history,
            rolling_backtest_history,
            rolling_backtest_lines,
        )
        from callcenter.volumes import infer_interval_minutes

        calendar = holiday_calendar(holidays)
        check_closed_option(closed)
        table = read_history(history, interval_minutes=interval_minutes, columns=columns,
                             source_interval_minutes=source_interval_minutes,
                             local_time=local_time)
        interval = interval_minutes or infer_interval_minutes(table.wall_clock)
        frame = table.history_frame()
        result = forecast_history(frame, source=str(history), start=first_day, days=days,
                                  interval_minutes=interval, calendar=calendar, closed=closed)
        report: list[str] = []
        if backtest_weeks is not None:
            report = backtest_lines(backtest_history(
                frame, source=str(history), weeks=backtest_weeks, interval_minutes=interval,
                calendar=calendar))
            report += rolling_backtest_lines(rolling_backtest_history(
                frame, source=str(history), weeks=backtest_weeks, horizons=horizons,
                interval_minutes=interval, calendar=calendar))
        _emit(out, FORECAST_COLUMNS, forecast_cells(result, has_aht=table.has_aht))
    for line in report:
        typer.echo(line, err=out is None)
    if out is not None:
        typer.echo(f"forecast: {len(result)} intervals of {interval} minutes from "
                   f"{first_day.isoformat()} written to {out}")


def staffing_command(
    volumes: Annotated[
        Path, typer.Option(help="Volumes CSV: interval_start, calls[, aht_seconds].")
    ],
    service_level: Annotated[
        float, typer.Option(help="Fraction of calls answered within --answer-seconds.")
    ],
    answer_seconds: Annotated[float, typer.Option(help="Service-level answer time, seconds.")],
    aht_seconds: Annotated[
        float | None, typer.Option(help="Handle time for rows (or files) without aht_seconds.")
    ] = None,
    max_occupancy: Annotated[
        float, typer.Option(help="Highest share of time agents may be busy.")
    ] = 1.0,
    shrinkage: Annotated[
        str, typer.Option(help="Fraction of paid time off the phones, e.g. 0.3.")
    ] = "0",
    patience_seconds: Annotated[
        float | None,
        typer.Option(help="Mean caller patience; switches from Erlang C to Erlang A."),
    ] = None,
    max_asa_seconds: Annotated[
        float | None, typer.Option(help="Highest average speed of answer, seconds.")
    ] = None,
    interval_minutes: Annotated[float, typer.Option(help="Interval length, minutes.")] = 30,
    out: Annotated[
        Path | None, typer.Option(help="Output CSV (or .xlsx); stdout when omitted.")
    ] = None,
) -> None:
    """Agents needed per interval: Erlang C, or Erlang A with --patience-seconds."""
    from callcenter.volumes import (
        STAFFING_COLUMNS,
        StaffingOptions,
        staffing_cells,
        staffing_csv,
        staffing_summary,
        staffing_table,
        write_text,
    )

    with _edge():
        table, staffing = staffing_table(StaffingOptions(
            volumes=volumes, service_level=service_level, answer_seconds=answer_seconds,
            aht_seconds=aht_seconds, max_occupancy=max_occupancy, shrinkage=shrinkage,
            patience_seconds=patience_seconds, max_asa_seconds=max_asa_seconds,
            interval_minutes=interval_minutes, out=out))
        if out is not None and out.suffix.lower() == ".xlsx":
            _emit(out, STAFFING_COLUMNS, staffing_cells(table, staffing))
        else:
            write_text(out, staffing_csv(table, staffing))
    if out is not None:
        typer.echo(staffing_summary(out, table, staffing))


def register(app: typer.Typer) -> None:
    """Add ``forecast`` and ``staffing`` to the ``callcenter`` command line."""
    app.command("forecast")(forecast_command)
    app.command("staffing")(staffing_command)
