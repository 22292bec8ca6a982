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
        break_patterns as break_patterns,
    )
    from scheduler._calendar import (
        HolidayCalendar as HolidayCalendar,
    )
    from scheduler._check import (
        CheckReport as CheckReport,
        IntervalCoverage as IntervalCoverage,
        PenaltyTerm as PenaltyTerm,
        Violation as Violation,
        check_roster as check_roster,
    )
    from scheduler._curtois import (
        CurtoisFormatError as CurtoisFormatError,
        CurtoisInstance as CurtoisInstance,
        CurtoisScore as CurtoisScore,
        CurtoisViolation as CurtoisViolation,
        curtois_assignments as curtois_assignments,
        curtois_evaluate as curtois_evaluate,
        curtois_grid as curtois_grid,
        curtois_problem as curtois_problem,
        curtois_solution_csv as curtois_solution_csv,
        load_curtois as load_curtois,
        parse_curtois as parse_curtois,
        parse_curtois_solution as parse_curtois_solution,
        save_curtois_solution as save_curtois_solution,
    )
    from scheduler._errors import (
        EngineError as EngineError,
        FieldError as FieldError,
        InfeasibleError as InfeasibleError,
        InputError as InputError,
        ProblemError as ProblemError,
        RosterError as RosterError,
        SolverError as SolverError,
    )
    from scheduler._problem import (
        Agent as Agent,
        AnnualLeaveConflict as AnnualLeaveConflict,
        Assignment as Assignment,
        AveragingBlock as AveragingBlock,
        Break as Break,
        Breaks as Breaks,
        Contract as Contract,
        Cover as Cover,
        CoverageLine as CoverageLine,
        Demand as Demand,
        Fixed as Fixed,
        Leave as Leave,
        Penalty as Penalty,
        Request as Request,
        Roster as Roster,
        RosterProblem as RosterProblem,
        Rules as Rules,
        ShiftType as ShiftType,
        Weights as Weights,
        annual_leave_conflicts as annual_leave_conflicts,
        ensure_annual_leave_within_limit as ensure_annual_leave_within_limit,
        leave_credit_minutes as leave_credit_minutes,
        load_problem as load_problem,
        load_roster as load_roster,
        problem_to_json as problem_to_json,
        roster_to_json as roster_to_json,
        save_roster as save_roster,
        weekend_of as weekend_of,
    )
    from scheduler._solver import (
        SolveProgress as SolveProgress,
        explain_infeasibility as explain_infeasibility,
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
