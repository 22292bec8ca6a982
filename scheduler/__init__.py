"""Pure roster engine: demand (forecast, Erlang staffing), roster problem, rules, solver, checker.

No database, no web, no global state: everything here takes plain data and returns plain data.

Names are loaded lazily (``scheduler._lazy``): importing one submodule does not import the
others.
"""

from typing import TYPE_CHECKING

from scheduler._lazy import lazy_exports

if TYPE_CHECKING:
    from scheduler._breaks import (
        BreakPattern as BreakPattern,
    )
    from scheduler._breaks import (
        break_patterns as break_patterns,
    )
    from scheduler._calendar import (
        HolidayCalendar as HolidayCalendar,
    )
    from scheduler._check import (
        CheckReport as CheckReport,
    )
    from scheduler._check import (
        IntervalCoverage as IntervalCoverage,
    )
    from scheduler._check import (
        PenaltyTerm as PenaltyTerm,
    )
    from scheduler._check import (
        Violation as Violation,
    )
    from scheduler._check import (
        check_roster as check_roster,
    )
    from scheduler._curtois import (
        CurtoisFormatError as CurtoisFormatError,
    )
    from scheduler._curtois import (
        CurtoisInstance as CurtoisInstance,
    )
    from scheduler._curtois import (
        CurtoisScore as CurtoisScore,
    )
    from scheduler._curtois import (
        CurtoisViolation as CurtoisViolation,
    )
    from scheduler._curtois import (
        curtois_assignments as curtois_assignments,
    )
    from scheduler._curtois import (
        curtois_evaluate as curtois_evaluate,
    )
    from scheduler._curtois import (
        curtois_grid as curtois_grid,
    )
    from scheduler._curtois import (
        curtois_problem as curtois_problem,
    )
    from scheduler._curtois import (
        curtois_solution_csv as curtois_solution_csv,
    )
    from scheduler._curtois import (
        load_curtois as load_curtois,
    )
    from scheduler._curtois import (
        parse_curtois as parse_curtois,
    )
    from scheduler._curtois import (
        parse_curtois_solution as parse_curtois_solution,
    )
    from scheduler._curtois import (
        save_curtois_solution as save_curtois_solution,
    )
    from scheduler._errors import (
        EngineError as EngineError,
    )
    from scheduler._errors import (
        FieldError as FieldError,
    )
    from scheduler._errors import (
        InfeasibleError as InfeasibleError,
    )
    from scheduler._errors import (
        InputError as InputError,
    )
    from scheduler._errors import (
        ProblemError as ProblemError,
    )
    from scheduler._errors import (
        RosterError as RosterError,
    )
    from scheduler._errors import (
        SolverError as SolverError,
    )
    from scheduler._problem import (
        Agent as Agent,
    )
    from scheduler._problem import (
        AnnualLeaveConflict as AnnualLeaveConflict,
    )
    from scheduler._problem import (
        Assignment as Assignment,
    )
    from scheduler._problem import (
        AveragingBlock as AveragingBlock,
    )
    from scheduler._problem import (
        Break as Break,
    )
    from scheduler._problem import (
        Breaks as Breaks,
    )
    from scheduler._problem import (
        Contract as Contract,
    )
    from scheduler._problem import (
        Cover as Cover,
    )
    from scheduler._problem import (
        CoverageLine as CoverageLine,
    )
    from scheduler._problem import (
        Demand as Demand,
    )
    from scheduler._problem import (
        Fixed as Fixed,
    )
    from scheduler._problem import (
        Leave as Leave,
    )
    from scheduler._problem import (
        Penalty as Penalty,
    )
    from scheduler._problem import (
        Request as Request,
    )
    from scheduler._problem import (
        Roster as Roster,
    )
    from scheduler._problem import (
        RosterProblem as RosterProblem,
    )
    from scheduler._problem import (
        Rules as Rules,
    )
    from scheduler._problem import (
        ShiftType as ShiftType,
    )
    from scheduler._problem import (
        Weights as Weights,
    )
    from scheduler._problem import (
        annual_leave_conflicts as annual_leave_conflicts,
    )
    from scheduler._problem import (
        ensure_annual_leave_within_limit as ensure_annual_leave_within_limit,
    )
    from scheduler._problem import (
        leave_credit_minutes as leave_credit_minutes,
    )
    from scheduler._problem import (
        load_problem as load_problem,
    )
    from scheduler._problem import (
        load_roster as load_roster,
    )
    from scheduler._problem import (
        problem_to_json as problem_to_json,
    )
    from scheduler._problem import (
        roster_to_json as roster_to_json,
    )
    from scheduler._problem import (
        save_roster as save_roster,
    )
    from scheduler._problem import (
        weekend_of as weekend_of,
    )
    from scheduler._solver import (
        SolveProgress as SolveProgress,
    )
    from scheduler._solver import (
        explain_infeasibility as explain_infeasibility,
    )
    from scheduler._solver import (
        solve as solve,
    )

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "scheduler._breaks": (
            "BreakPattern",
            "break_patterns",
        ),
        "scheduler._calendar": (
            "HolidayCalendar",
        ),
        "scheduler._check": (
            "CheckReport",
            "IntervalCoverage",
            "PenaltyTerm",
            "Violation",
            "check_roster",
        ),
        "scheduler._curtois": (
            "CurtoisFormatError",
            "CurtoisInstance",
            "CurtoisScore",
            "CurtoisViolation",
            "curtois_assignments",
            "curtois_evaluate",
            "curtois_grid",
            "curtois_problem",
            "curtois_solution_csv",
            "load_curtois",
            "parse_curtois",
            "parse_curtois_solution",
            "save_curtois_solution",
        ),
        "scheduler._errors": (
            "EngineError",
            "FieldError",
            "InfeasibleError",
            "InputError",
            "ProblemError",
            "RosterError",
            "SolverError",
        ),
        "scheduler._problem": (
            "Agent",
            "AnnualLeaveConflict",
            "Assignment",
            "AveragingBlock",
            "Break",
            "Breaks",
            "Contract",
            "Cover",
            "CoverageLine",
            "Demand",
            "Fixed",
            "Leave",
            "Penalty",
            "Request",
            "Roster",
            "RosterProblem",
            "Rules",
            "ShiftType",
            "Weights",
            "annual_leave_conflicts",
            "ensure_annual_leave_within_limit",
            "leave_credit_minutes",
            "load_problem",
            "load_roster",
            "problem_to_json",
            "roster_to_json",
            "save_roster",
            "weekend_of",
        ),
        "scheduler._solver": (
            "SolveProgress",
            "explain_infeasibility",
            "solve",
        ),
    },
)
