"""``callcenter import-volumes`` and ``callcenter validate-queue``: real call-centre data.

``import-volumes`` is ``import volumes`` for files as real centres export them: interval
counts at any interval length (re-binned to the centre's interval) and per-call records
(aggregated to it), with a column map.  ``validate-queue`` reads per-call records and checks
Erlang C and Erlang A against what was observed; it needs no database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callcenter.commands_demand import _edge


def import_volumes_command(
    file: Annotated[Path, typer.Argument(help="Interval-count CSV or per-call record file.")],
    source_format: Annotated[
        str,
        typer.Option("--format", help="intervals (counts at any interval length) or percall "
                     "(one row per call, Anonymous Bank layout)."),
    ] = "intervals",
    columns: Annotated[
        str | None,
        typer.Option(help="Column map name=column,... e.g. interval_start=DateTime,calls=Calls "
                     "or date=date,time=interval_start (percall: arrival=vru_entry, ...)."),
    ] = None,
    source_interval_minutes: Annotated[
        int | None,
        typer.Option(help="Interval length of the file; inferred from the starts when omitted.",
                     min=1),
    ] = None,
    local_time: Annotated[
        bool, typer.Option(help="Ignore a UTC offset or Z: the times are the centre's clock.")
    ] = False,
    centre: Annotated[
        str | None, typer.Option("--centre", help="Centre code; optional with one centre.")
    ] = None,
) -> None:
    """Import call volumes from interval counts of any length or from per-call records."""
    with _edge():
        from callcenter.db import session_scope
        from callcenter.services.centres import resolve_centre
        from callcenter.services.imports import import_volume_file
        from callcenter.services.realdata import (
            INTERVAL_FIELDS,
            PERCALL_FIELDS,
            parse_column_map,
        )

        known = tuple(PERCALL_FIELDS) if source_format == "percall" else INTERVAL_FIELDS
        mapping = parse_column_map(columns, known)
        with session_scope() as session:
            target = resolve_centre(session, centre)
            result, report = import_volume_file(
                session, target, file, source_format=source_format, columns=mapping,
                source_interval_minutes=source_interval_minutes, local_time=local_time,
                actor="cli")
    for line in report:
        typer.echo(line)
    typer.echo(str(result))


def validate_queue_command(
    files: Annotated[list[Path], typer.Argument(help="Per-call record file(s).")],
    out_dir: Annotated[
        Path | None,
        typer.Option(help="Write intervals.csv, by_hour.csv, errors.csv and queue.svg here."),
    ] = None,
    interval_minutes: Annotated[int, typer.Option(help="Interval length, minutes.", min=1)] = 30,
    answer_seconds: Annotated[
        float, typer.Option(help="Service-level answer time, seconds.")
    ] = 20.0,
    columns: Annotated[
        str | None, typer.Option(help="Column map name=column,... (Anonymous Bank by default).")
    ] = None,
) -> None:
    """Erlang C and Erlang A vs observed service level, ASA and abandonment, per interval."""
    with _edge():
        import pandas as pd

        from callcenter.services.realdata import (
            PERCALL_FIELDS,
            parse_column_map,
            read_percall,
            validate_queue,
            write_queue_chart,
        )

        mapping = parse_column_map(columns, tuple(PERCALL_FIELDS))
        loaded = [read_percall(path, columns=mapping) for path in files]
        frame = pd.concat([r.frame for r in loaded], ignore_index=True)
        result = validate_queue(frame, interval_minutes=interval_minutes,
                                answer_seconds=answer_seconds)
    for records in loaded:
        for line in records.report():
            typer.echo(line)
    km = result.patience_km
    typer.echo(
        f"patience: exponential MLE mean {result.patience_exponential_seconds:.0f} s "
        f"(abandons / total queue time); Kaplan-Meier median {km.median:.0f} s, "
        f"mean restricted to 10 min {km.restricted_mean(600):.0f} s")
    for note in result.notes:
        typer.echo(note)
    errors = result.errors()
    typer.echo("mean absolute error, observed vs predicted for the observed staffing:")
    for row in errors.itertuples():
        typer.echo(f"  {row.metric:14s} {row.model:9s} {row.mae:10.4f}  ({row.intervals} "
                   "intervals)")
    hours = result.by_hour()
    typer.echo("service level by hour (calls-weighted): hour, calls, observed, Erlang C, "
               "Erlang A")
    for row in hours.itertuples():
        typer.echo(f"  {row.hour:02d}  {row.calls:7.0f}  {row.obs_service_level:.3f}  "
                   f"{row.erlang_c_service_level:.3f}  {row.erlang_a_service_level:.3f}")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        result.intervals.to_csv(out_dir / "intervals.csv", index=False, float_format="%.6g")
        hours.to_csv(out_dir / "by_hour.csv", index=False, float_format="%.6g")
        errors.to_csv(out_dir / "errors.csv", index=False, float_format="%.6g")
        chart = write_queue_chart(result, out_dir / "queue.svg")
        typer.echo(f"written: {out_dir / 'intervals.csv'}, by_hour.csv, errors.csv, {chart}")


def register(app: typer.Typer) -> None:
    """Add ``import-volumes`` and ``validate-queue`` to the ``callcenter`` command line."""
    app.command("import-volumes")(import_volumes_command)
    app.command("validate-queue")(validate_queue_command)
