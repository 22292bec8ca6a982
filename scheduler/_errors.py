"""Errors raised by the roster engine, one hierarchy; exit and HTTP codes are chosen at the edge.

EngineError
 +-- InputError             an input document breaks the contract; ``errors`` lists every
 |    |                     ``(path, message)`` found, not just the first (exit 2)
 |    +-- ProblemError      PROBLEM.json is malformed or inconsistent, or its leave already
 |    |                     breaks art. 40 (``art. 40: 2026-12-10: annual leave of ...``)
 |    +-- RosterError       ROSTER.json is malformed
 +-- InfeasibleError        no roster satisfies the hard rules; ``reasons`` names the
 |                          conflicting rules (exit 2)
 +-- SolverError            the solver stopped without a usable (OPTIMAL/FEASIBLE) solution

Paths are JSON paths without the leading ``$``: ``agents[3].contract.weekly_minutes``; an error
about the whole document (unreadable file, bad JSON) has the path ``$``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class FieldError(NamedTuple):
    """One thing wrong with an input document: where (JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class EngineError(Exception):
    """Base class of every error the roster engine raises."""


class InputError(EngineError):
    """An input document breaks the contract; ``errors`` lists every ``(path, message)``."""

    kind = "input"

    def __init__(self, errors: Iterable[tuple[str, str]], source: str | None = None) -> None:
        self.errors: list[FieldError] = [FieldError(path, message) for path, message in errors]
        self.source = source
        where = source or self.kind
        count = len(self.errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"{where}: {count} error{'s' if count != 1 else ''}:\n{lines}")


class ProblemError(InputError):
    """PROBLEM.json is malformed or inconsistent, or its leave already breaks art. 40."""

    kind = "problem"


class RosterError(InputError):
    """ROSTER.json is malformed."""

    kind = "roster"


class InfeasibleError(EngineError):
    """No roster satisfies the hard rules; ``reasons`` names the conflicting rules."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons: list[str] = list(reasons)
        lines = "\n".join(f"  {reason}" for reason in self.reasons)
        super().__init__(f"the roster problem is infeasible:\n{lines}")


class SolverError(EngineError):
    """The solver stopped without a usable solution (no OPTIMAL or FEASIBLE status)."""
