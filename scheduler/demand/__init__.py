"""Demand engine: interval forecast of calls and AHT, and Erlang staffing.

Pure functions over numbers and DataFrames -- no database, no CLI, no web.
"""

from scheduler.demand._backtest import (
    BACKTEST_METHODS,
    BacktestScore,
    RollingBacktest,
    mstl_ets_forecast,
    rolling_backtest,
)
from scheduler.demand._erlang import (
    QueueMetrics,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    log_erlang_b,
)
from scheduler.demand._errors import (
    DemandError,
    ForecastInputError,
    StaffingInfeasibleError,
    StaffingInputError,
)
from scheduler.demand._forecast import (
    HISTORY_COLUMNS,
    Backtest,
    BacktestWeek,
    ForecastSettings,
    backtest,
    forecast,
)
from scheduler.demand._patience import KaplanMeier, exponential_patience, kaplan_meier
from scheduler.demand._staffing import (
    TARGET_TOLERANCE,
    Staffing,
    StaffingTargets,
    agents_needed,
    scheduled_agents,
    shrinkage_fraction,
)

__all__ = [
    "BACKTEST_METHODS",
    "Backtest",
    "BacktestScore",
    "BacktestWeek",
    "DemandError",
    "ForecastInputError",
    "ForecastSettings",
    "HISTORY_COLUMNS",
    "KaplanMeier",
    "QueueMetrics",
    "RollingBacktest",
    "Staffing",
    "StaffingInfeasibleError",
    "StaffingInputError",
    "StaffingTargets",
    "TARGET_TOLERANCE",
    "agents_needed",
    "backtest",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "exponential_patience",
    "forecast",
    "kaplan_meier",
    "log_erlang_b",
    "mstl_ets_forecast",
    "rolling_backtest",
    "scheduled_agents",
    "shrinkage_fraction",
]
