"""Real call-centre data: interval counts at any interval length and per-call records.

Two readers, both validating the whole file and naming every bad line:

* ``read_interval_counts``: a CSV of interval counts whose columns are named by a map
  (``interval_start=DateTime,calls=Calls``, or ``date=date,time=interval_start`` when the day
  and the clock time are separate columns), at any interval length that divides the target
  interval (5- and 6-minute files to 30 minutes): calls are summed, AHT weighted by calls.
* ``read_percall``: one row per call in the Anonymous Bank layout (tab-separated, 17
  columns, Brown et al. 2005).  Known junk is counted by reason and reported, never dropped
  silently: PHANTOM records (spurious, skipped), callers who hung up in the voice menu before
  asking for an agent (not offered to agents), answered calls without a named server (kept;
  not counted among busy agents), and lines where a run of spaces replaced a tab (the
  October 1999 file; repaired by splitting on whitespace).  Any other malformed line (wrong
  number of fields, a time or number that does not parse, an unknown outcome) refuses the
  file with its line number.

``aggregate_calls`` turns records into intervals (offered, answered, abandoned, mean handle
time, agents active = distinct servers busy at some moment of the interval);
``validate_queue`` compares Erlang C and Erlang A predictions with what was observed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from callcenter.errors import Problem, ValidationFailed
from callcenter.volumes import (
    VolumeTable,
    infer_interval_minutes,
    read_csv_rows,
    read_text_file,
)
from scheduler.demand import (
    KaplanMeier,
    erlang_a_metrics,
    erlang_c_metrics,
    exponential_patience,
    kaplan_meier,
)

FloatArray = npt.NDArray[np.float64]

#: Logical fields of an interval-count file and the column each is read from by default.
INTERVAL_FIELDS = (
    "interval_start",
    "date",
    "time",
    "calls",
    "aht_seconds",
    "calls_answered",
    "calls_abandoned",
    "agents_active",
)

#: Logical fields of a per-call file, with the Anonymous Bank's column names as defaults.
PERCALL_FIELDS: dict[str, str] = {
    "call_id": "call_id",
    "date": "date",
    "arrival": "vru_entry",
    "queue_start": "q_start",
    "queue_seconds": "q_time",
    "outcome": "outcome",
    "service_start": "ser_start",
    "service_seconds": "ser_time",
    "server": "server",
}

#: Columns of ``aggregate_calls`` (and of the volumes import it feeds).
INTERVAL_COLUMNS = (
    "interval_start",
    "calls",
    "aht_seconds",
    "calls_answered",
    "calls_abandoned",
    "agents_active",
)

_TIME = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})$")
_OUTCOMES = {"AGENT", "HANG", "PHANTOM"}
_NO_SERVER = "NO_SERVER"
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")


def parse_column_map(text: str | None, known: Sequence[str]) -> dict[str, str]:
    """``name=column,name=column`` as a dict; names must be among ``known``."""
    if not text:
        return {}
    mapping: dict[str, str] = {}
    problems = []
    for part in text.split(","):
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            problems.append(Problem("options", "--columns", part, "must be name=column"))
        elif name not in known:
            problems.append(
                Problem("options", "--columns", name, f"unknown field (known: {', '.join(known)})")
            )
        else:
            mapping[name] = column
    if problems:
        raise ValidationFailed("options", problems)
    return mapping


# --------------------------------------------------------------------------------------------
# Interval counts at any interval length
# --------------------------------------------------------------------------------------------


def read_interval_counts(
    path: Path,
    *,
    interval_minutes: int,
    columns: Mapping[str, str] | None = None,
    source_interval_minutes: int | None = None,
    local_time: bool = False,
    max_rows: int | None = None,
) -> VolumeTable:
    """Read interval counts at any interval length and re-bin them to ``interval_minutes``.

    ``columns`` maps logical fields (``INTERVAL_FIELDS``) to the file's column names; a field
    not mapped is read from the column of its own name when present.  The start of each row
    is ``interval_start``, or ``date`` + ``time``.  ``source_interval_minutes`` (inferred from
    the starts when omitted) must divide ``interval_minutes``.  ``local_time`` drops a UTC
    offset or ``Z`` (a tsibble export's artefact) and reads the wall clock.  Each re-binned
    row carries the line number of its first source row.
    """
    source = str(path)
    header, rows, line_list = read_csv_rows(path)
    if max_rows is not None:
        rows, line_list = rows[:max_rows], line_list[:max_rows]
    mapping = {name: (columns or {}).get(name, name) for name in INTERVAL_FIELDS}
    index = {name: header.index(col) for name, col in mapping.items() if col in header}
    problems = []
    if "interval_start" not in index and not {"date", "time"} <= set(index):
        problems.append(
            Problem(
                f"{source}: header",
                mapping["interval_start"],
                "",
                "required column is missing (or map date= and time=)",
            )
        )
    if "calls" not in index:
        problems.append(
            Problem(f"{source}: header", mapping["calls"], "", "required column is missing")
        )
    for name, col in (columns or {}).items():
        if col not in header:
            problems.append(
                Problem(f"{source}: header", col, "", f"column mapped to {name} is missing")
            )
    if problems:
        raise ValidationFailed(source, problems)
    if not rows:
        raise ValidationFailed(source, [Problem(source, "file", "", "has no data rows")])

    def cells(name: str) -> list[str]:
        if name not in index:
            return [""] * len(rows)
        k = index[name]
        return [row[k].strip() if k < len(row) else "" for row in rows]

    explicit = columns or {}
    split_start = {"date", "time"} <= set(index) and (
        {"date", "time"} <= set(explicit) or "interval_start" not in index
    )
    if not split_start:
        start_text = cells("interval_start")
        start_column = mapping["interval_start"]
    else:
        start_text = [f"{d} {t}" for d, t in zip(cells("date"), cells("time"), strict=True)]
        start_column = f"{mapping['date']}+{mapping['time']}"
    series = pd.Series(start_text, dtype=object)
    if local_time:
        series = series.str.replace(_OFFSET, "", regex=True)
    wall = pd.to_datetime(series, format="ISO8601", errors="coerce", utc=False)
    lines = np.asarray(line_list, dtype=np.int64)
    calls_text = cells("calls")
    calls = np.asarray(
        pd.to_numeric(pd.Series(calls_text, dtype=object), errors="coerce"), dtype=np.float64
    )
    found: list[Problem] = []
    mixed = wall.dtype == object or getattr(wall.dt, "tz", None) is not None
    if mixed:
        found.append(
            Problem(
                source,
                start_column,
                "",
                "has UTC offsets: give --local-time to read the wall clock",
            )
        )
    for i in np.flatnonzero(wall.isna().to_numpy()):
        found.append(
            Problem(
                f"{source}: line {lines[i]}",
                start_column,
                start_text[i],
                "must be an ISO datetime like 2026-11-30T08:30",
            )
        )
    for i in np.flatnonzero(~np.isfinite(calls) | (calls < 0)):
        found.append(
            Problem(
                f"{source}: line {lines[i]}",
                mapping["calls"],
                calls_text[i],
                "must be a number >= 0",
            )
        )
    if found:
        raise ValidationFailed(source, found[:50])
    stamps = pd.DatetimeIndex(wall)
    minutes = np.asarray(stamps.hour * 60 + stamps.minute, dtype=np.int64)
    step = source_interval_minutes or infer_interval_minutes(stamps.to_numpy(dtype="datetime64[s]"))
    if interval_minutes % step:
        raise ValidationFailed(
            source,
            [
                Problem(
                    source,
                    "interval",
                    str(step),
                    f"the file's {step}-minute intervals do not divide the "
                    f"{interval_minutes}-minute interval: re-binning would split them",
                )
            ],
        )
    off_grid = (minutes % step != 0) | (np.asarray(stamps.second) != 0)
    for i in np.flatnonzero(off_grid)[:50]:
        found.append(
            Problem(
                f"{source}: line {lines[i]}",
                start_column,
                start_text[i],
                f"is not on the file's {step}-minute grid",
            )
        )
    duplicated = stamps.duplicated()
    for i in np.flatnonzero(duplicated)[:50]:
        found.append(
            Problem(f"{source}: line {lines[i]}", start_column, start_text[i], "appears twice")
        )
    if found:
        raise ValidationFailed(source, found)

    aht = np.asarray(
        pd.to_numeric(pd.Series(cells("aht_seconds"), dtype=object), errors="coerce"),
        dtype=np.float64,
    )
    frame = pd.DataFrame(
        {
            "bin": stamps.floor(f"{interval_minutes}min"),
            "line": lines,
            "calls": calls,
            "handled": np.where(np.isfinite(aht), aht, 0.0) * calls,
            "timed": np.where(np.isfinite(aht), calls, 0.0),
        }
    )
    grouped = frame.groupby("bin", sort=True).agg(
        line=("line", "min"),
        calls=("calls", "sum"),
        handled=("handled", "sum"),
        timed=("timed", "sum"),
    )
    has_aht = "aht_seconds" in index
    with np.errstate(invalid="ignore", divide="ignore"):
        binned_aht = np.where(grouped["timed"] > 0, grouped["handled"] / grouped["timed"], np.nan)
    bins = pd.DatetimeIndex(grouped.index)
    return VolumeTable(
        source=source,
        lines=grouped["line"].to_numpy(dtype=np.int64),
        interval_start=list(bins.strftime("%Y-%m-%dT%H:%M")),
        wall_clock=bins.to_numpy(dtype="datetime64[s]"),
        calls=grouped["calls"].to_numpy(dtype=np.float64),
        aht_seconds=np.asarray(binned_aht, dtype=np.float64),
        has_aht=has_aht,
    )


# --------------------------------------------------------------------------------------------
# Per-call records
# --------------------------------------------------------------------------------------------


@dataclass
class CallRecords:
    """Valid per-call records, one row each, and what was skipped or repaired, by reason.

    ``frame`` columns: ``line, call_id, arrival, queue_seconds, queued, outcome,
    service_start, service_seconds, server`` (times as naive local datetimes).
    """

    source: str
    frame: pd.DataFrame
    lines_read: int
    notes: Counter[str] = field(default_factory=Counter)

    def report(self) -> list[str]:
        """One line per reason, for the command line."""
        out = [f"{self.source}: {self.lines_read} records read, {len(self.frame)} kept"]
        for reason, count in sorted(self.notes.items()):
            out.append(f"  {count} {reason}")
        return out


def _seconds(text: str) -> int | None:
    match = _TIME.match(text)
    if match is None:
        return None
    h, m, s = (int(g) for g in match.groups())
    if m > 59 or s > 59 or h > 47:
        return None
    return h * 3600 + m * 60 + s


def _yymmdd(text: str) -> dt.date | None:
    if len(text) != 6 or not text.isdigit():
        return None
    year = int(text[:2])
    try:
        return dt.date(1900 + year if year >= 70 else 2000 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def read_percall(
    path: Path,
    *,
    columns: Mapping[str, str] | None = None,
    max_rows: int | None = None,
) -> CallRecords:
    """Read a per-call file in the Anonymous Bank layout (tab-separated, header row).

    ``columns`` maps the logical fields of ``PERCALL_FIELDS`` to other column names.
    ``max_rows`` reads only the first rows (quick looks and tests).
    """
    source = str(path)
    mapping = {**PERCALL_FIELDS, **(columns or {})}
    text = read_text_file(path)
    raw_lines = text.splitlines()
    if not raw_lines:
        raise ValidationFailed(source, [Problem(source, "file", "", "is empty (no header row)")])
    header = [h.strip() for h in raw_lines[0].split("\t")]
    missing = [col for col in mapping.values() if col not in header]
    if missing:
        raise ValidationFailed(
            source,
            [
                Problem(f"{source}: header", col, "", "required column is missing")
                for col in missing
            ],
        )
    position = {name: header.index(col) for name, col in mapping.items()}
    width = len(header)
    notes: Counter[str] = Counter()
    problems: list[Problem] = []
    records: list[tuple[int, str, dt.datetime, int, bool, str, dt.datetime | None, int, str]] = []
    body = raw_lines[1:]
    if max_rows is not None:
        body = body[:max_rows]
    read = 0
    for offset, line in enumerate(body):
        number = offset + 2
        if not line.strip():
            continue
        read += 1
        fields = line.split("\t")
        if len(fields) != width:
            split = line.split()
            if len(split) == width:
                fields = split
                notes["lines repaired: spaces where a tab belongs (kept)"] += 1
            else:
                problems.append(
                    Problem(
                        f"{source}: line {number}",
                        "row",
                        str(len(fields)),
                        f"has {len(fields)} fields, the header has {width}"
                        " (truncated or malformed line)",
                    )
                )
                continue
        cell = {name: fields[k].strip() for name, k in position.items()}
        day = _yymmdd(cell["date"])
        arrival = _seconds(cell["arrival"])
        queue_start = _seconds(cell["queue_start"])
        service_start = _seconds(cell["service_start"])
        outcome = cell["outcome"].upper()
        bad: list[tuple[str, str]] = []
        if day is None:
            bad.append(("date", "must be a date YYMMDD"))
        for name, value in (
            ("arrival", arrival),
            ("queue_start", queue_start),
            ("service_start", service_start),
        ):
            if value is None:
                bad.append((name, "must be a clock time H:MM:SS"))
        numbers = {}
        for name in ("queue_seconds", "service_seconds"):
            try:
                numbers[name] = int(cell[name])
                if numbers[name] < 0:
                    raise ValueError
            except ValueError:
                bad.append((name, "must be a whole number of seconds >= 0"))
        if outcome not in _OUTCOMES:
            bad.append(("outcome", f"must be one of {', '.join(sorted(_OUTCOMES))}"))
        if bad:
            problems += [
                Problem(f"{source}: line {number}", mapping[name], cell[name], rule)
                for name, rule in bad
            ]
            continue
        assert day is not None and arrival is not None and service_start is not None
        if outcome == "PHANTOM":
            notes["PHANTOM records (spurious; skipped)"] += 1
            continue
        queued = queue_start != 0
        if outcome == "HANG" and not queued:
            notes[
                "hung up in the voice menu before asking for an agent (not offered to agents)"
            ] += 1
            continue
        midnight = dt.datetime.combine(day, dt.time())
        arrived = midnight + dt.timedelta(seconds=arrival)
        served_at: dt.datetime | None = None
        server = cell["server"]
        if outcome == "AGENT":
            served_at = midnight + dt.timedelta(seconds=service_start)
            if served_at < arrived - dt.timedelta(hours=1):
                served_at += dt.timedelta(days=1)  # service started after midnight
                notes["answered after midnight (service dated the next day)"] += 1
            if server == _NO_SERVER:
                notes["answered with NO_SERVER (kept; not counted among busy agents)"] += 1
        records.append(
            (
                number,
                cell["call_id"],
                arrived,
                numbers["queue_seconds"],
                queued,
                outcome,
                served_at,
                numbers["service_seconds"],
                server,
            )
        )
        if len(problems) > 200:
            break
    if problems:
        raise ValidationFailed(source, problems)
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "line",
            "call_id",
            "arrival",
            "queue_seconds",
            "queued",
            "outcome",
            "service_start",
            "service_seconds",
            "server",
        ],
    )
    frame["arrival"] = pd.to_datetime(frame["arrival"])
    frame["service_start"] = pd.to_datetime(frame["service_start"])
    return CallRecords(source=source, frame=frame, lines_read=read, notes=notes)


def aggregate_calls(records: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Per-interval traffic from per-call records (``CallRecords.frame``).

    ``calls`` offered to agents (answered + abandoned in the queue), by arrival interval;
    ``aht_seconds`` the mean handle time of the answered ones; ``agents_active`` the distinct
    named servers busy at some moment of the interval.  Every interval from the first to the
    last day's midnight is listed (0 calls where none arrived).
    """
    if records.empty:
        return pd.DataFrame({c: [] for c in INTERVAL_COLUMNS})
    freq = f"{interval_minutes}min"
    arrival = pd.DatetimeIndex(records["arrival"])
    answered = (records["outcome"] == "AGENT").to_numpy()
    frame = pd.DataFrame(
        {
            "bin": arrival.floor(freq),
            "offered": 1.0,
            "answered": answered.astype(np.float64),
            "abandoned": (~answered).astype(np.float64),
            "handled": np.where(answered, records["service_seconds"].to_numpy(np.float64), 0.0),
        }
    )
    grouped = frame.groupby("bin").sum()
    first = arrival.min().normalize()
    last = arrival.max().normalize() + pd.Timedelta(days=1)
    index = pd.date_range(first, last, freq=freq, inclusive="left")
    grouped = grouped.reindex(index, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(grouped["answered"] > 0, grouped["handled"] / grouped["answered"], np.nan)
    busy = _agents_active(records, index, interval_minutes)
    return pd.DataFrame(
        {
            "interval_start": index,
            "calls": grouped["offered"].to_numpy(),
            "aht_seconds": aht,
            "calls_answered": grouped["answered"].to_numpy(),
            "calls_abandoned": grouped["abandoned"].to_numpy(),
            "agents_active": busy,
        }
    )


def _agents_active(
    records: pd.DataFrame, index: pd.DatetimeIndex, interval_minutes: int
) -> FloatArray:
    """Distinct named servers whose service overlaps each interval of ``index``."""
    served = records[(records["outcome"] == "AGENT") & (records["server"] != _NO_SERVER)]
    counts = np.zeros(len(index))
    if served.empty:
        return counts
    step = np.int64(interval_minutes * 60)
    origin = index[0]
    start = (
        (pd.DatetimeIndex(served["service_start"]) - origin)
        .total_seconds()
        .to_numpy(dtype=np.float64)
    )
    end = start + np.maximum(served["service_seconds"].to_numpy(np.float64), 1.0)
    first = np.floor(start / step).astype(np.int64)
    last = np.floor((end - 1e-9) / step).astype(np.int64)
    spans = last - first + 1
    slots = np.repeat(first, spans) + (
        np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    )
    servers = np.repeat(served["server"].to_numpy(), spans)
    inside = (slots >= 0) & (slots < len(index))
    pairs = pd.DataFrame({"slot": slots[inside], "server": servers[inside]}).drop_duplicates()
    per_slot = pairs.groupby("slot").size()
    counts[per_slot.index.to_numpy()] = per_slot.to_numpy()
    return counts


# --------------------------------------------------------------------------------------------
# Queue-model validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueValidation:
    """Observed vs Erlang C and Erlang A, per interval, with patience estimates."""

    intervals: pd.DataFrame
    patience_km: KaplanMeier
    patience_exponential_seconds: float
    answer_seconds: float
    interval_minutes: int
    notes: tuple[str, ...]

    def errors(self) -> pd.DataFrame:
        """Mean absolute error of each model and metric (Erlang C's ASA: stable intervals)."""
        frame = self.intervals
        rows = []
        for metric, observed in (
            ("service_level", "obs_service_level"),
            ("asa_seconds", "obs_asa_seconds"),
            ("abandon_rate", "obs_abandon_rate"),
        ):
            for model in ("erlang_c", "erlang_a"):
                predicted = frame[f"{model}_{metric}"]
                valid = np.isfinite(predicted) & np.isfinite(frame[observed])
                error = (predicted[valid] - frame[observed][valid]).abs()
                rows.append(
                    {
                        "metric": metric,
                        "model": model,
                        "mae": float(error.mean()) if valid.any() else math.nan,
                        "intervals": int(valid.sum()),
                    }
                )
        return pd.DataFrame(rows)

    def by_hour(self) -> pd.DataFrame:
        """Calls-weighted observed and predicted service level and abandonment per hour."""
        frame = self.intervals.copy()
        frame["hour"] = pd.DatetimeIndex(frame["interval_start"]).hour
        weight = frame["calls"]
        out = {}
        for column in (
            "obs_service_level",
            "erlang_c_service_level",
            "erlang_a_service_level",
            "obs_abandon_rate",
            "erlang_a_abandon_rate",
            "obs_asa_seconds",
            "erlang_a_asa_seconds",
        ):
            values = frame[column].where(np.isfinite(frame[column]))
            used = weight.where(values.notna(), 0.0)
            out[column] = (values.fillna(0.0) * used).groupby(frame["hour"]).sum() / (
                used.groupby(frame["hour"]).sum()
            )
        table = pd.DataFrame(out)
        table.insert(0, "calls", weight.groupby(frame["hour"]).sum())
        table.insert(1, "agents", frame.groupby("hour")["agents_active"].mean())
        return table.reset_index()


def validate_queue(
    records: pd.DataFrame,
    *,
    interval_minutes: int = 30,
    answer_seconds: float = 20.0,
) -> QueueValidation:
    """Erlang C and Erlang A, fed the observed arrivals, handle time and busy agents of each
    interval, against the service level, ASA and abandonment observed in that interval.

    Patience: Kaplan-Meier over queue times (abandoned = event, answered = censored) and the
    exponential maximum-likelihood mean (total queue time / abandons), which Erlang A uses.
    Intervals without calls or without a busy agent are left out.
    """
    queued = records[records["queued"]]
    abandoned = (queued["outcome"] == "HANG").to_numpy()
    waits = queued["queue_seconds"].to_numpy(np.float64)
    km = kaplan_meier(waits, abandoned)
    patience = exponential_patience(waits, abandoned)
    intervals = aggregate_calls(records, interval_minutes)
    answered_fast = (records["outcome"] == "AGENT") & (records["queue_seconds"] <= answer_seconds)
    arrival_bin = pd.DatetimeIndex(records["arrival"]).floor(f"{interval_minutes}min")
    fast = answered_fast.groupby(arrival_bin).sum()
    waits_answered = records["queue_seconds"].where(records["outcome"] == "AGENT")
    asa = waits_answered.groupby(arrival_bin).mean()
    intervals = intervals.set_index("interval_start")
    intervals["answered_fast"] = fast.reindex(intervals.index, fill_value=0).to_numpy()
    intervals["obs_asa_seconds"] = asa.reindex(intervals.index).to_numpy(np.float64)
    overall_aht = float(records.loc[records["outcome"] == "AGENT", "service_seconds"].mean())
    used = intervals[(intervals["calls"] > 0) & (intervals["agents_active"] > 0)].copy()
    used["aht_seconds"] = used["aht_seconds"].fillna(overall_aht)
    used["obs_service_level"] = used["answered_fast"] / used["calls"]
    used["obs_abandon_rate"] = used["calls_abandoned"] / used["calls"]
    load = used["calls"].to_numpy() * used["aht_seconds"].to_numpy() / (interval_minutes * 60)
    servers = used["agents_active"].to_numpy().astype(np.int64)
    aht = used["aht_seconds"].to_numpy(np.float64)
    c = erlang_c_metrics(servers, load, aht, answer_seconds)
    a = erlang_a_metrics(servers, load, aht, answer_seconds, patience)
    used["load_erlangs"] = load
    used["erlang_c_service_level"] = c.service_level
    used["erlang_c_asa_seconds"] = c.asa_seconds
    used["erlang_c_abandon_rate"] = 0.0  # Erlang C has no abandonment
    used["erlang_a_service_level"] = a.service_level
    used["erlang_a_asa_seconds"] = a.asa_seconds
    used["erlang_a_abandon_rate"] = a.abandon_rate
    unstable = int(np.sum(servers <= load))
    notes = (
        f"{len(used)} intervals with calls and at least one busy agent",
        f"{unstable} of them overloaded for Erlang C (agents <= load: ASA infinite, left out "
        "of its ASA error)",
    )
    return QueueValidation(
        intervals=used.reset_index(names="interval_start"),
        patience_km=km,
        patience_exponential_seconds=patience,
        answer_seconds=answer_seconds,
        interval_minutes=interval_minutes,
        notes=notes,
    )


def write_queue_chart(result: QueueValidation, path: Path) -> Path:
    """Observed vs Erlang C vs Erlang A by hour of day (SVG or PNG by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.by_hour()
    table = table[table["calls"] >= 50]
    plt.rcParams["svg.hashsalt"] = "callcenter"
    figure, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    hours = table["hour"]
    panels = (
        (
            f"service level (answered within {result.answer_seconds:g} s)",
            "obs_service_level",
            "erlang_c_service_level",
            "erlang_a_service_level",
        ),
        ("abandonment rate", "obs_abandon_rate", None, "erlang_a_abandon_rate"),
        ("ASA (s)", "obs_asa_seconds", None, "erlang_a_asa_seconds"),
    )
    for axis, (title, observed, c_col, a_col) in zip(axes, panels, strict=True):
        axis.plot(hours, table[observed], "o-", color="black", label="observed")
        if c_col is not None:
            axis.plot(hours, table[c_col], "s--", color="tab:red", label="Erlang C")
        elif observed == "obs_abandon_rate":
            axis.plot(hours, np.zeros(len(hours)), "s--", color="tab:red", label="Erlang C")
        axis.plot(hours, table[a_col], "^-", color="tab:blue", label="Erlang A")
        axis.set_title(title)
        axis.set_xlabel("hour of day")
        axis.grid(alpha=0.3)
    axes[0].legend()
    figure.suptitle(
        "Anonymous Bank: observed vs predicted for the observed staffing "
        f"({result.interval_minutes}-minute intervals, calls-weighted by hour)"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(figure)
    return path
