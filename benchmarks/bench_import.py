"""Import throughput: the validated, idempotent volume import against a bare bulk insert.

Anchor: SQLAlchemy Core ``insert`` of the same rows into the same table, no validation and
no upsert. The ratio says what whole-file validation, UTC conversion and idempotent upserts
cost. Both run on a fresh SQLite file in the same process, best of three.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session

from callcenter.db import make_engine, upgrade
from callcenter.models import CallVolume, Centre
from callcenter.services.centres import create_centre
from callcenter.services.imports import import_rows
from data.demo_centre import build_demo_centre

RESULTS = Path(__file__).parent / "results" / "import.md"


def _fresh(folder: Path, name: str) -> tuple[Session, int]:
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    session = Session(engine)
    centre = create_centre(session, code="B", name="bench")
    session.commit()
    assert centre.id is not None
    return session, centre.id


def _best_of(runs: int, action: Callable[[int], None]) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return min(times)


def run() -> str:
    demo = build_demo_centre(dt.date(2026, 11, 25))
    rows = demo.volumes
    zone = ZoneInfo(demo.timezone)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def engine_import(i: int) -> None:
            session, centre_id = _fresh(folder, f"engine{i}.db")
            centre = session.get_one(Centre, centre_id)
            import_rows(session, centre, "volumes", rows, source="bench")
            session.commit()
            session.close()

        def anchor_insert(i: int) -> None:
            session, centre_id = _fresh(folder, f"anchor{i}.db")
            values = [{
                "centre_id": centre_id, "interval_minutes": 30, "source": "bench",
                "interval_start": dt.datetime.fromisoformat(r["interval_start"]).replace(
                    tzinfo=zone),
                "calls": float(r["calls"]), "aht_seconds": float(r["aht_seconds"]),
            } for r in rows]
            session.execute(insert(CallVolume), values)
            session.commit()
            session.close()

        ours = _best_of(3, engine_import)
        anchor = _best_of(3, anchor_insert)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    table = "\n".join([
        "# Import benchmark",
        "",
        f"Machine: {machine}. {len(rows)} half-hour volume rows (the demo's 12 weeks), "
        "fresh SQLite file, best of 3.",
        "",
        "| what | seconds | rows/s | ratio to anchor |",
        "|---|---:|---:|---:|",
        f"| anchor: bare SQLAlchemy bulk insert | {anchor:.3f} | {len(rows) / anchor:,.0f} "
        "| 1.00 |",
        f"| engine: validated idempotent import | {ours:.3f} | {len(rows) / ours:,.0f} "
        f"| {ours / anchor:.2f} |",
        "",
    ])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table, encoding="utf-8")
    return table
