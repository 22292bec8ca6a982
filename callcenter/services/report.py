"""The demo's HTML report: pages rendered with Jinja2, charts drawn by matplotlib as SVG.

Pages are self-contained (inline CSS and SVG, no JavaScript, no network), readable on a phone.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import jinja2

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("callcenter", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)

FLAG_LABELS = {
    "zeroed": "zeroed (art. 107)",
    "failed": "failed (art. 27)",
    "disqualified_annual": "no annual award (art. 106)",
    "termination_review": "termination review (art. 107)",
    "standby_training": "standby training (art. 27)",
}


def render(template: str, **context: object) -> str:
    return _TEMPLATES.get_template(template).render(**context)


def write_page(path: Path, html: str) -> None:
    """Write a page atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", delete=False, dir=path.parent, suffix=".tmp", encoding="utf-8"
    ) as handle:
        handle.write(html)
    os.replace(handle.name, path)


def histogram_svg(
    values: Sequence[float], *, xlabel: str, mark: float | None = None, title: str = ""
) -> str:
    """A histogram as inline SVG text (matplotlib, Agg backend, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.2))
    axes.hist(list(values), bins=20, color="#3e7cb1", edgecolor="white")
    if mark is not None:
        axes.axvline(mark, color="#c0392b", linestyle="--", label=f"pass mark {mark:g}")
        axes.legend(loc="upper left")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("agents")
    if title:
        axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def coverage_svg(
    starts: Sequence[dt.datetime], required: Sequence[float], on_phones: Sequence[float]
) -> str:
    """Required vs on-the-phones agents per interval, as inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    moments = np.array([s.replace(tzinfo=None) for s in starts], dtype="datetime64[m]")
    figure, axes = plt.subplots(figsize=(11, 3.4))
    axes.step(
        moments, list(required), where="post", color="#c0392b", linewidth=0.9, label="required"
    )
    axes.step(
        moments,
        list(on_phones),
        where="post",
        color="#3e7cb1",
        linewidth=0.9,
        label="on the phones",
    )
    axes.set_ylabel("agents")
    axes.legend(loc="upper right")
    axes.spines[["top", "right"]].set_visible(False)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def score_page(
    *,
    centre: str,
    year: int,
    quarter: int,
    rows: list[dict[str, object]],
    version: str,
    pass_mark: float,
    nav: list[tuple[str, str]],
) -> str:
    """Quarterly scores: distribution, top and bottom ten with explanations, all flags."""
    enriched = [
        {**r, "flags": [label for key, label in FLAG_LABELS.items() if r[key]]} for r in rows
    ]
    ranked = sorted(enriched, key=lambda r: (-float(str(r["final_score"])), str(r["agent_id"])))
    chart = histogram_svg(
        [float(str(r["final_score"])) for r in rows], xlabel="final score", mark=pass_mark
    )
    return render(
        "report_scores.html",
        title=f"Scores {year} Q{quarter}",
        centre=centre,
        rows=rows,
        version=version,
        pass_mark=pass_mark,
        chart=chart,
        top=ranked[:10],
        bottom=list(reversed(ranked[-10:])),
        failed=[r for r in enriched if r["failed"]],
        flagged=[r for r in ranked if r["flags"]],
        nav=nav,
    )
