"""Typed errors of the demand engine, one small hierarchy.

```
ValueError
└── DemandError                  anything the demand engine refuses
    ├── StaffingInputError       a staffing input is malformed (names the interval / argument)
    ├── StaffingInfeasibleError  no finite number of agents meets the targets of an interval
    └── ForecastInputError       the history or forecast request is malformed (names row / column)
```

``DemandError`` derives from ``ValueError`` so callers that treat bad input generically still
catch it; the application turns these into exit code 2 or HTTP 422 at its edge.
"""

from __future__ import annotations


class DemandError(ValueError):
    """Base class of every error raised by ``scheduler.demand``."""


class StaffingInputError(DemandError):
    """A staffing input (calls, AHT, a target) is missing, negative or not finite."""


class StaffingInfeasibleError(DemandError):
    """No finite agent count meets every target for one interval.

    ``interval`` is the position (or label) of the offending interval.
    """

    def __init__(self, message: str, *, interval: object = None) -> None:
        super().__init__(message)
        self.interval = interval


class ForecastInputError(DemandError):
    """The history or the forecast request is malformed."""
