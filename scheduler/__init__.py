"""Pure roster engine: demand (forecast, Erlang staffing), roster problem, rules, solver, checker.

No database, no web, no global state: everything here takes plain data and returns plain data.
"""

from scheduler._calendar import HolidayCalendar

__all__ = [
    "HolidayCalendar",
]
