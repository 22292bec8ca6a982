"""Errors of the application layer, one hierarchy; turned into exit codes or HTTP codes at the edge.

AppError
 +-- ValidationFailed      bad input: every problem listed (exit 2 / HTTP 422)
 +-- NotFound              an id that does not exist (exit 2 / HTTP 404)
 +-- RuleRefused           a regulation forbids it; message cites the article (HTTP 409)
 +-- ConfigurationError    the centre or database is not set up for the request (exit 2)
"""

from __future__ import annotations

from dataclasses import dataclass


class AppError(Exception):
    """Base class of every application error."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row, column), the value, and the rule broken."""

    where: str
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where}: {self.column}={self.value!r}: {self.rule}"


class ValidationFailed(AppError):
    """Input rejected; ``problems`` lists every bad row/field, not just the first."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s), nothing written:\n{lines}")


class NotFound(AppError):
    """The named record does not exist."""


class RuleRefused(AppError):
    """A regulation forbids the request; the message starts with the article (``art. 40: ...``)."""


class ConfigurationError(AppError):
    """The database or centre is not set up for this request."""
