"""The point tables of art. 104-107, loaded from ``data/rules/points.toml``.

The tables are data: code reads them and never repeats a point value.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scoring._errors import RuleTableError

Effect = Literal["add", "deduct", "zero", "disqualify", "flag", "nominate"]
_EFFECTS: frozenset[str] = frozenset({"add", "deduct", "zero", "disqualify", "flag", "nominate"})


@dataclass(frozen=True)
class Rule:
    """One row of a point table: a reward (R), penalty (P), serious penalty (S) or grave (G)."""

    code: str
    article: int
    title: str
    points: int
    effects: tuple[Effect, ...]
    source: Literal["event", "computed"]
    rank_points: tuple[int, ...] = ()
    """Points by rank for ranked awards (R4: 1st, 2nd, 3rd); empty for other rules."""


@dataclass(frozen=True)
class Mark:
    """An attendance mark: no points, but blocks the rewards named in ``blocks`` (R1)."""

    code: str
    article: int
    title: str
    blocks: tuple[str, ...]


@dataclass(frozen=True)
class RuleTable:
    """A versioned set of rules and attendance marks."""

    version: str
    rules: dict[str, Rule] = field(default_factory=dict)
    marks: dict[str, Mark] = field(default_factory=dict)

    @property
    def event_codes(self) -> frozenset[str]:
        """Codes that may appear in ``events.csv``: event-sourced rules and attendance marks."""
        return frozenset(
            [c for c, r in self.rules.items() if r.source == "event"] + list(self.marks)
        )


def _default_path() -> Path:
    from data import rules_dir

    return Path(str(rules_dir() / "points.toml"))


def _rank_points(row: dict[str, object], where: str) -> tuple[int, ...]:
    raw = row.get("rank_points", [])
    if not isinstance(raw, list) or not all(
        isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in raw
    ):
        raise RuleTableError(f"{where}: rank_points must be a list of integers >= 0")
    return tuple(raw)


def load_rule_table(path: Path | None = None) -> RuleTable:
    """Load and validate a rule table; errors name the file and the offending entry."""
    source = path or _default_path()
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleTableError(f"{source}: {exc}") from exc
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise RuleTableError(f"{source}: missing string 'version'")
    rules: dict[str, Rule] = {}
    for i, row in enumerate(raw.get("rule", [])):
        where = f"{source}: rule[{i}]"
        try:
            effects = tuple(row["effects"])
            bad = [e for e in effects if e not in _EFFECTS]
            if bad:
                raise RuleTableError(f"{where}: unknown effect {bad[0]!r}")
            if row["source"] not in ("event", "computed"):
                raise RuleTableError(f"{where}: source must be 'event' or 'computed'")
            if "add" in effects and "deduct" in effects:
                raise RuleTableError(f"{where}: effects 'add' and 'deduct' exclude each other")
            rank_points = _rank_points(row, where)
            rule = Rule(
                code=str(row["code"]),
                article=int(row["article"]),
                title=str(row["title"]),
                points=int(row["points"]),
                effects=effects,
                source=row["source"],
                rank_points=rank_points,
            )
        except KeyError as exc:
            raise RuleTableError(f"{where}: missing field {exc.args[0]!r}") from exc
        if rule.points < 0:
            raise RuleTableError(f"{where}: points must be >= 0 (the effect gives the sign)")
        if rule.rank_points and rule.rank_points[0] != rule.points:
            raise RuleTableError(f"{where}: rank_points must start with points ({rule.points})")
        if rule.code in rules:
            raise RuleTableError(f"{where}: duplicate code {rule.code!r}")
        rules[rule.code] = rule
    marks: dict[str, Mark] = {}
    for i, row in enumerate(raw.get("mark", [])):
        try:
            mark = Mark(
                code=str(row["code"]),
                article=int(row["article"]),
                title=str(row["title"]),
                blocks=tuple(row["blocks"]),
            )
        except KeyError as exc:
            raise RuleTableError(f"{source}: mark[{i}]: missing field {exc.args[0]!r}") from exc
        marks[mark.code] = mark
    return RuleTable(version=version, rules=rules, marks=marks)
