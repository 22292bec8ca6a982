"""Pure scoring engine: the customer's point tables (art. 104-107) as data, quarterly scores.

``score_quarter`` turns a quarter's KPIs, events and attendance marks into one
:class:`QuarterScore` per agent, every point traceable to a :class:`LineItem` (code, date or
period, points, article, event id). ``score_year`` ranks the year's means for the annual
excellence nomination (art. 104 R8). Nothing here touches a database or the clock.

Where the spec is silent the engine decides (and tests) as follows:

- median calls of 0: an agent with any answered call scores productivity 100, one with none 0
  (the limit of a vanishing median), so nothing divides by zero;
- training attended beyond what was required is capped at 100, like productivity;
- R2, R3 and R4 go only to a strictly positive best (nobody "wins" with 0 calls or 0 points);
- a zeroed quarter still reports its reward and penalty points (traceability); only
  ``final_score`` is 0;
- events, marks and KPI rows outside the quarter are ignored (an unknown code there too);
  events of agents without a KPI row are ignored;
- explanation items are ``;``-separated without spaces: computed awards in table order
  (R1 by month), then events by date, table order and event id;
- annual: the mean is rounded half-up to 2 places and ranking uses that published mean;
  disqualified agents get no rank (``None``) and are listed after the ranked ones.
"""

from scoring._annual import nominee_count, score_year
from scoring._errors import (
    RuleTableError,
    ScoringError,
    ScoringInputError,
    UnknownEventCodeError,
)
from scoring._model import (
    DEFAULT_SETTINGS,
    QUARTER_FIELDS,
    YEAR_FIELDS,
    AttendanceMark,
    Employment,
    LineItem,
    QuarterKpi,
    QuarterResult,
    QuarterScore,
    ScoringEvent,
    ScoringSettings,
    YearScore,
)
from scoring._quarter import median_calls, score_quarter
from scoring._rules import Mark, Rule, RuleTable, load_rule_table

__all__ = [
    "AttendanceMark",
    "DEFAULT_SETTINGS",
    "Employment",
    "LineItem",
    "Mark",
    "QUARTER_FIELDS",
    "QuarterKpi",
    "QuarterResult",
    "QuarterScore",
    "Rule",
    "RuleTable",
    "RuleTableError",
    "ScoringError",
    "ScoringEvent",
    "ScoringInputError",
    "ScoringSettings",
    "UnknownEventCodeError",
    "YEAR_FIELDS",
    "YearScore",
    "load_rule_table",
    "median_calls",
    "nominee_count",
    "score_quarter",
    "score_year",
]
