"""Writing tables to CSV or XLSX, atomically: a reader never sees a half-written file."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def write_table(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    """Write ``rows`` to ``path`` as XLSX when the name ends in ``.xlsx``, else as CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(delete=False, dir=path.parent, suffix=".tmp")
    handle.close()
    try:
        if path.suffix.lower() == ".xlsx":
            _write_xlsx(Path(handle.name), columns, rows)
        else:
            Path(handle.name).write_text(table_csv(columns, rows), encoding="utf-8")
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def table_csv(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> str:
    """CSV text with a header row; booleans as ``true``/``false``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row.get(c)) for c in columns})
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _write_xlsx(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_value(row.get(c)) for c in columns])
    sheet.freeze_panes = "A2"
    book.save(path)


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        try:
            return float(value) if value.replace(".", "", 1).lstrip("-").isdigit() else value
        except ValueError:
            return value
    return value
