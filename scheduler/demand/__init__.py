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
    )
    from scheduler.demand._backtest import (
        BacktestScore as BacktestScore,
    )
    from scheduler.demand._backtest import (
        RollingBacktest as RollingBacktest,
    )
    from scheduler.demand._backtest import (
        mstl_ets_forecast as mstl_ets_forecast,
    )
    from scheduler.demand._backtest import (
        rolling_backtest as rolling_backtest,
    )
    from scheduler.demand._erlang import (
        QueueMetrics as QueueMetrics,
    )
    from scheduler.demand._erlang import (
        erlang_a_metrics as erlang_a_metrics,
    )
    from scheduler.demand._erlang import (
        erlang_b as erlang_b,
    )
    from scheduler.demand._erlang import (
        erlang_c as erlang_c,
    )
    from scheduler.demand._erlang import (
        erlang_c_metrics as erlang_c_metrics,
    )
    from scheduler.demand._erlang import (
        log_erlang_b as log_erlang_b,
    )
    from scheduler.demand._errors import (
        DemandError as DemandError,
    )
    from scheduler.demand._errors import (
        ForecastInputError as ForecastInputError,
    )
    from scheduler.demand._errors import (
        StaffingInfeasibleError as StaffingInfeasibleError,
    )
    from scheduler.demand._errors import (
        StaffingInputError as StaffingInputError,
    )
    from scheduler.demand._forecast import (
        HISTORY_COLUMNS as HISTORY_COLUMNS,
    )
    from scheduler.demand._forecast import (
        Backtest as Backtest,
    )
    from scheduler.demand._forecast import (
        BacktestWeek as BacktestWeek,
    )
    from scheduler.demand._forecast import (
        ForecastSettings as ForecastSettings,
    )
    from scheduler.demand._forecast import (
        backtest as backtest,
    )
    from scheduler.demand._forecast import (
        forecast as forecast,
    )
    from scheduler.demand._patience import (
        KaplanMeier as KaplanMeier,
    )
    from scheduler.demand._patience import (
        exponential_patience as exponential_patience,
    )
    from scheduler.demand._patience import (
        kaplan_meier as kaplan_meier,
    )
    from scheduler.demand._staffing import (
        TARGET_TOLERANCE as TARGET_TOLERANCE,
    )
    from scheduler.demand._staffing import (
        Staffing as Staffing,
    )
    from scheduler.demand._staffing import (
        StaffingTargets as StaffingTargets,
    )
    from scheduler.demand._staffing import (
        agents_needed as agents_needed,
    )
    from scheduler.demand._staffing import (
        scheduled_agents as scheduled_agents,
    )
    from scheduler.demand._staffing import (
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
