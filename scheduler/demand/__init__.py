"""Demand engine: interval forecast of calls and AHT, and Erlang staffing.

Pure functions over numbers and DataFrames -- no database, no CLI, no web.

Names are loaded lazily (``scheduler._lazy``): importing one submodule does not import the
others.
"""

from typing import TYPE_CHECKING

from scheduler._lazy import lazy_exports

if TYPE_CHECKING:
    from scheduler.demand._backtest import (
        BACKTEST_METHODS as BACKTEST_METHODS,
        BacktestScore as BacktestScore,
        RollingBacktest as RollingBacktest,
        mstl_ets_forecast as mstl_ets_forecast,
        rolling_backtest as rolling_backtest,
    )
    from scheduler.demand._erlang import (
        QueueMetrics as QueueMetrics,
        erlang_a_metrics as erlang_a_metrics,
        erlang_b as erlang_b,
        erlang_c as erlang_c,
        erlang_c_metrics as erlang_c_metrics,
        log_erlang_b as log_erlang_b,
    )
    from scheduler.demand._errors import (
        DemandError as DemandError,
        ForecastInputError as ForecastInputError,
        StaffingInfeasibleError as StaffingInfeasibleError,
        StaffingInputError as StaffingInputError,
    )
    from scheduler.demand._forecast import (
        HISTORY_COLUMNS as HISTORY_COLUMNS,
        Backtest as Backtest,
        BacktestWeek as BacktestWeek,
        ForecastSettings as ForecastSettings,
        backtest as backtest,
        forecast as forecast,
    )
    from scheduler.demand._patience import (
        KaplanMeier as KaplanMeier,
        exponential_patience as exponential_patience,
        kaplan_meier as kaplan_meier,
    )
    from scheduler.demand._staffing import (
        TARGET_TOLERANCE as TARGET_TOLERANCE,
        Staffing as Staffing,
        StaffingTargets as StaffingTargets,
        agents_needed as agents_needed,
        scheduled_agents as scheduled_agents,
        shrinkage_fraction as shrinkage_fraction,
    )

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "scheduler.demand._backtest": (
            "BACKTEST_METHODS",
            "BacktestScore",
            "RollingBacktest",
            "mstl_ets_forecast",
            "rolling_backtest",
        ),
        "scheduler.demand._erlang": (
            "QueueMetrics",
            "erlang_a_metrics",
            "erlang_b",
            "erlang_c",
            "erlang_c_metrics",
            "log_erlang_b",
        ),
        "scheduler.demand._errors": (
            "DemandError",
            "ForecastInputError",
            "StaffingInfeasibleError",
            "StaffingInputError",
        ),
        "scheduler.demand._forecast": (
            "HISTORY_COLUMNS",
            "Backtest",
            "BacktestWeek",
            "ForecastSettings",
            "backtest",
            "forecast",
        ),
        "scheduler.demand._patience": (
            "KaplanMeier",
            "exponential_patience",
            "kaplan_meier",
        ),
        "scheduler.demand._staffing": (
            "TARGET_TOLERANCE",
            "Staffing",
            "StaffingTargets",
            "agents_needed",
            "scheduled_agents",
            "shrinkage_fraction",
        ),
    },
)
