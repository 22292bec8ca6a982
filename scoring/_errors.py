"""Errors raised by the scoring engine.

ScoringError
 +-- RuleTableError         a rule table file is missing, malformed or inconsistent
 +-- ScoringInputError      scoring input is inconsistent (duplicate or unknown agent, bad KPI)
      +-- UnknownEventCodeError   an event carries a code the rule table does not define
"""


class ScoringError(Exception):
    """Base class of every error the scoring engine raises."""


class RuleTableError(ScoringError):
    """A rule table is missing, malformed or inconsistent."""


class ScoringInputError(ScoringError):
    """The data handed to the scoring engine is inconsistent or out of range."""


class UnknownEventCodeError(ScoringInputError):
    """An event's code is neither an event rule nor an attendance mark of the rule table."""

    def __init__(self, event_id: str, code: str, version: str) -> None:
        super().__init__(
            f"event {event_id!r}: unknown code {code!r} (rule table version {version})"
        )
        self.event_id = event_id
        self.code = code
        self.version = version
