"""Volume files and the staffing table: read, validate, staff, write (no pandas, no database).

``callcenter staffing`` runs on this module, ``scheduler.demand``'s Erlang engine and numpy
alone, so that staffing a year of intervals costs well under a second including start-up;
``callcenter.services.forecasting`` builds the forecaster's DataFrame on top of it.

``read_volumes`` validates a CSV of ``interval_start, calls[, aht_seconds]`` column-wise (no
per-row Python work on good rows beyond splitting) and lists every bad row in one
``ValidationFailed``; ``staffing_cells`` turns engine output into the contract's CSV columns;
``write_csv`` replaces a file whole or not at all.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from callcenter.errors import Problem, ValidationFailed
from scheduler.demand._errors import DemandError, StaffingInfeasibleError
from scheduler.demand._staffing import Staffing, StaffingTargets, agents_needed, shrinkage_fraction

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
DatetimeArray = npt.NDArray[np.datetime64]

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

# A UTC offset or Z after the time of day (dropped: the wall clock is what counts).  Only
# looked for past the 16 characters of "2026-11-30T08:30", so a date's "-30" is never one.
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_NOT_A_TIME = np.datetime64("NaT", "s")


@dataclass(frozen=True)
class VolumeTable:
    """A validated volume or history file, column-wise.

    ``lines`` are the file's line numbers (header = line 1); ``interval_start`` the cells as
    written; ``wall_clock`` their local wall-clock time (``datetime64[s]``; an offset, when
    given, is dropped: the wall clock is what the forecaster's day and slot need);
    ``aht_seconds`` is NaN where the file gives none and no fallback was given (only allowed
    on rows without calls, or everywhere when ``has_aht`` is false).
    """

    source: str
    lines: npt.NDArray[np.int64]
    interval_start: list[str]
    wall_clock: DatetimeArray
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
        import pandas as pd

        aht = np.nan_to_num(self.aht_seconds, nan=0.0)
        return pd.DataFrame(
            {
                "interval_start": pd.DatetimeIndex(self.wall_clock).as_unit("ns"),
                "calls": self.calls,
                "aht_seconds": aht,
            },
            index=pd.Index(self.lines, name="line"),
        )


def _problem(source: str, line: int, column: str, value: str, rule: str) -> Problem:
    return Problem(f"{source}: line {line}", column, value, rule)


def read_text_file(path: Path) -> str:
    """A UTF-8 text file (a byte-order mark dropped, line ends kept); a missing,
    non-UTF-8 or directory path is a ``ValidationFailed`` naming the file."""
    source = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise ValidationFailed(source, [Problem(source, "file", "", "does not exist")]) from exc
    except IsADirectoryError as exc:
        raise ValidationFailed(source, [Problem(source, "file", "", "is a directory")]) from exc
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            source, [Problem(source, "file", "", f"is not UTF-8 ({exc.reason})")]
        ) from exc


def _parse_rows(
    source: str, text: str, delimiter: str
) -> tuple[list[str], list[list[str]], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next(reader, None)
        for row in reader:
            if row:
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise ValidationFailed(
            source, [Problem(source, "file", "", f"is not CSV ({exc})")]
        ) from exc
    if header is None:
        raise ValidationFailed(source, [Problem(source, "file", "", "is empty (no header row)")])
    return [h.strip() for h in header], rows, lines


def read_csv_rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (blank lines skipped) and each row's line number; a missing,
    non-UTF-8, non-CSV or empty file is a ``ValidationFailed`` naming the file."""
    return _parse_rows(str(path), read_text_file(path), delimiter)


def read_csv_columns(
    path: Path, delimiter: str = ","
) -> tuple[list[str], list[list[str]], list[int], list[int]]:
    """Header, the stripped cells of every header column ("" where a row is short), each
    data row's line number and its number of fields; blank lines are skipped and errors are
    those of ``read_csv_rows``.

    A file without quotes or lone carriage returns whose rows all have the header's width
    (the usual export) is split by plain string operations, several times faster than the csv
    module; anything else goes through it.
    """
    text = read_text_file(path)
    plain = _split_plain(text, delimiter)
    if plain is not None:
        return plain
    header, rows, lines = _parse_rows(str(path), text, delimiter)
    columns = [_column(rows, index) for index in range(len(header))]
    return header, columns, lines, [len(row) for row in rows]


def _split_plain(
    text: str, delimiter: str
) -> tuple[list[str], list[list[str]], list[int], list[int]] | None:
    if not text or '"' in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    physical = text.split("\n")
    header = [h.strip() for h in physical[0].split(delimiter)]
    body = physical[1:]
    lines = list(range(2, len(physical) + 1))
    if "" in body:
        keep = [i for i, line in enumerate(body) if line]
        lines = [i + 2 for i in keep]
        body = [body[i] for i in keep]
    width = len(header)
    if set(map(str.count, body, repeat(delimiter))) - {width - 1}:
        return None
    cells = delimiter.join(body).split(delimiter) if body else []
    columns = [list(map(str.strip, cells[index::width])) for index in range(width)]
    return header, columns, lines, [width] * len(body)


def _column(rows: list[list[str]], index: int) -> list[str]:
    return [row[index].strip() if index < len(row) else "" for row in rows]


def _numbers(cells: list[str]) -> FloatArray:
    """Cells as floats; empty or unparsable cells are NaN (told apart by the caller)."""
    try:
        return np.array(list(map(float, cells)), dtype=np.float64)
    except ValueError:
        return np.array([_number(cell) for cell in cells], dtype=np.float64)


def _empty(cells: list[str], numbers: FloatArray) -> npt.NDArray[np.bool_]:
    """Which cells are empty (only a cell that did not parse can be)."""
    if np.isfinite(numbers).all():
        return np.zeros(len(cells), dtype=bool)
    return np.array([not cell for cell in cells], dtype=bool)


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _datetime(cell: str) -> np.datetime64:
    try:
        return np.datetime64(cell, "s")
    except ValueError:
        return _NOT_A_TIME


def wall_clock_times(cells: list[str]) -> DatetimeArray:
    """ISO datetimes (a UTC offset or Z is dropped) as ``datetime64[s]``; NaT where a cell
    is empty or not a datetime."""
    bare = [_OFFSET.sub("", cell) if len(cell) > 16 else cell for cell in cells]
    try:
        return np.array(bare, dtype="datetime64[s]")
    except ValueError:
        return np.array([_datetime(cell) if cell else _NOT_A_TIME for cell in bare],
                        dtype="datetime64[s]")


def infer_interval_minutes(wall_clock: DatetimeArray) -> int:
    """The coarsest grid all starts lie on: gcd of 1440 and every minute of the day."""
    seconds = (wall_clock - wall_clock.astype("datetime64[D]")).astype(np.int64)
    minutes = np.unique(seconds // 60)
    return int(np.gcd.reduce(np.append(minutes, 1440)))


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
    header, columns, line_list, row_widths = read_csv_columns(path)
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
    if not line_list:
        raise ValidationFailed(source, [Problem(source, "file", "", "has no data rows")])

    lines = np.asarray(line_list, dtype=np.int64)
    width = len(header)
    starts = columns[header.index("interval_start")]
    calls_text = columns[header.index("calls")]
    aht_text = columns[header.index("aht_seconds")] if has_aht else [""] * len(line_list)

    wall = wall_clock_times(starts)
    calls = _numbers(calls_text)
    aht = _numbers(aht_text)
    calls_empty = _empty(calls_text, calls)
    aht_empty = _empty(aht_text, aht)
    aht_unreadable = ~aht_empty & ~np.isfinite(aht)
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

    widths = np.array(row_widths)
    flag(
        widths > width,
        -1,
        "row",
        [str(w) for w in widths],
        f"has more fields than the header's {width}",
    )
    start_empty = np.array([not s for s in starts])
    flag(start_empty, 0, "interval_start", starts, "is required")
    good_start = ~np.isnat(wall)
    flag(~good_start & ~start_empty, 0, "interval_start", starts,
         "must be an ISO datetime like 2026-11-30T08:30")
    if interval_minutes is not None and good_start.any():
        seconds = (wall - wall.astype("datetime64[D]")).astype(np.int64)
        off_grid = seconds % (interval_minutes * 60) != 0
        flag(
            off_grid & good_start,
            0,
            "interval_start",
            starts,
            f"is not on a {interval_minutes}-minute interval boundary",
        )
    if unique_starts and good_start.any():
        first_line: dict[np.datetime64, int] = {}
        for position in np.flatnonzero(good_start):
            i = int(position)
            first = first_line.setdefault(wall[i], int(lines[i]))
            if first != int(lines[i]):
                found.append((i, 0, _problem(source, int(lines[i]), "interval_start",
                                             starts[i], f"duplicate of line {first}")))

    flag(calls_empty, 1, "calls", calls_text, "is required")
    calls_nan = ~np.isfinite(calls) & ~calls_empty
    flag(calls_nan, 1, "calls", calls_text, "must be a finite number")
    flag(np.isfinite(calls) & (calls < 0), 1, "calls", calls_text, "must be >= 0")

    flag(aht_unreadable, 2, "aht_seconds", aht_text, "must be a finite number")
    finite_aht = np.isfinite(aht)
    flag(finite_aht & (aht < 0) & ~aht_unreadable, 2, "aht_seconds", aht_text, "must be >= 0")
    if require_aht or has_aht:
        with_calls = np.isfinite(calls) & (calls > 0)
        hint = "" if aht_seconds is not None else " (or give --aht-seconds)"
        flag(
            with_calls & ~finite_aht & ~aht_unreadable,
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
        wall_clock=wall,
        calls=calls,
        aht_seconds=aht,
        has_aht=has_aht or aht_seconds is not None,
    )


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


def fixed_cells(values: FloatArray, decimals: int) -> list[str]:
    """Fixed-point text, NaN as an empty cell."""
    pattern = f"%.{decimals}f"
    numbers = values.tolist()
    missing = np.isnan(values)
    if missing.all():
        return [""] * len(numbers)
    if not missing.any():
        return [pattern % v for v in numbers]
    return ["" if v != v else pattern % v for v in numbers]


def _trimmed(values: FloatArray, decimals: int) -> list[str]:
    """Up to ``decimals`` decimals without trailing zeros (100 -> "100", 12.50 -> "12.5")."""
    pattern = f"%.{decimals}f"
    if np.isnan(values).any():
        return ["" if v != v else (pattern % v).rstrip("0").rstrip(".")
                for v in (values + 0.0).tolist()]
    if (values == np.round(values)).all() and (np.abs(values) < 1e15).all():
        return list(map(str, values.astype(np.int64).tolist()))
    return [(pattern % v).rstrip("0").rstrip(".") for v in (values + 0.0).tolist()]


def csv_text(columns: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """CSV text from column-wise cells that need no quoting (numbers, ISO datetimes)."""
    return "\n".join([",".join(columns), *map(",".join, zip(*cells, strict=True)), ""])


def staffing_cells(table: VolumeTable, staffing: Staffing) -> list[list[str]]:
    """The contract columns of ``callcenter staffing``, column-wise, as text."""
    return [
        _quoted(table.interval_start),
        _trimmed(table.calls, 4),
        _trimmed(table.aht_seconds, 2),
        list(map(str, staffing.agents.tolist())),
        list(map(str, staffing.scheduled_agents.tolist())),
        fixed_cells(staffing.service_level, 4),
        fixed_cells(staffing.asa_seconds, 2),
        fixed_cells(staffing.occupancy, 4),
        fixed_cells(staffing.abandon_rate, 4),
    ]


def staffing_csv(table: VolumeTable, staffing: Staffing) -> str:
    """``csv_text(STAFFING_COLUMNS, staffing_cells(table, staffing))``, built a row at a time
    with one format (twice as fast on a year of intervals) when no metric is missing."""
    metrics = (staffing.service_level, staffing.asa_seconds, staffing.occupancy)
    abandon = staffing.abandon_rate
    all_abandon = not np.isnan(abandon).any()
    if any(np.isnan(values).any() for values in metrics) or not (
        all_abandon or np.isnan(abandon).all()
    ):
        return csv_text(STAFFING_COLUMNS, staffing_cells(table, staffing))
    row = "%s,%s,%s,%d,%d,%.4f,%.2f,%.4f," + ("%.4f" if all_abandon else "")
    columns = [
        _quoted(table.interval_start),
        _trimmed(table.calls, 4),
        _trimmed(table.aht_seconds, 2),
        staffing.agents.tolist(),
        staffing.scheduled_agents.tolist(),
        *(values.tolist() for values in metrics),
    ]
    if all_abandon:
        columns.append(abandon.tolist())
    body = "\n".join(map(row.__mod__, zip(*columns, strict=True)))
    return ",".join(STAFFING_COLUMNS) + "\n" + (body + "\n" if body else "")


def _quoted(cells: list[str]) -> list[str]:
    """CSV cells, quoted where they hold a comma, a quote or a line break."""
    special = ',"\n\r'
    text = "".join(cells)
    if not any(ch in text for ch in special):
        return cells
    return ['"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in special) else cell
            for cell in cells]


def write_csv(out: Path | None, columns: Sequence[str], cells: list[list[str]]) -> None:
    """Column-wise cells as CSV to ``out``, or to stdout when ``out`` is None (see
    ``write_text``)."""
    write_text(out, csv_text(columns, cells))


def write_text(out: Path | None, text: str) -> None:
    """Text to ``out``, or to stdout when ``out`` is None.

    A file is replaced whole or not at all: the text goes to a temporary file beside it,
    which is then renamed over it (created with the permissions a plain ``open`` gives).
    """
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        # Created as a plain open() would create it (mode 0o666 less the umask).
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class StaffingOptions:
    """The options of ``callcenter staffing`` (contract: interfaces.md, "Staffing")."""

    volumes: Path
    service_level: float
    answer_seconds: float
    aht_seconds: float | None = None
    max_occupancy: float = 1.0
    shrinkage: str = "0"
    patience_seconds: float | None = None
    max_asa_seconds: float | None = None
    interval_minutes: float = 30
    out: Path | None = None


def staffing_table(options: StaffingOptions) -> tuple[VolumeTable, Staffing]:
    """Validate the options and the volume file, and staff every row; ``ValidationFailed``
    names the option, or the file, line and column, of every problem."""
    if not options.interval_minutes > 0:
        raise ValidationFailed("options", [Problem(
            "options", "--interval-minutes", str(options.interval_minutes), "must be > 0")])
    if options.aht_seconds is not None and not options.aht_seconds > 0:
        raise ValidationFailed("options", [Problem(
            "options", "--aht-seconds", str(options.aht_seconds), "must be > 0")])
    targets = targets_from_options(
        service_level=options.service_level,
        answer_seconds=options.answer_seconds,
        max_occupancy=options.max_occupancy,
        shrinkage=options.shrinkage,
        patience_seconds=options.patience_seconds,
        max_asa_seconds=options.max_asa_seconds,
    )
    table = read_volumes(options.volumes, aht_seconds=options.aht_seconds, require_aht=True)
    return table, staff_volumes(table, targets, interval_minutes=options.interval_minutes)


def staffing_summary(out: Path, table: VolumeTable, staffing: Staffing) -> str:
    """The line ``callcenter staffing`` prints after writing a file."""
    peak = int(staffing.agents.max()) if len(table) else 0
    scheduled = int(staffing.scheduled_agents.max()) if len(table) else 0
    return (f"staffing: {len(table)} intervals, peak {peak} agents ({scheduled} scheduled), "
            f"written to {out}")
