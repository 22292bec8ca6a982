"""Column generation for rosters whose agents meet only in shift cover: price, then dive.

When a problem has no demand intervals and no fairness weight, every hard rule binds one
agent alone and the objective is a sum of per-agent terms (requests, changes from the
previous roster) plus the shift cover terms, which are the only thing agents share. Such a
problem is a set-partitioning problem over *columns*, one whole row per agent:

* the **master LP** (GLOP) picks a convex combination of each agent's columns, with the cover
  shortage and surplus of each (day, shift type) as priced slack;
* **pricing** finds, for each agent, the row of least reduced cost: the agent's own CP-SAT
  model built once with the rule functions of ``scheduler._rules`` (the same ones the whole
  model uses; so every column obeys every hard rule of its agent), its objective the agent's
  penalty terms minus the cover duals. Every improving row CP-SAT meets is a column;
* the **Lagrangian bound** ``sum(dual * required) + sum over agents of the least reduced row
  cost`` (CP-SAT's proven bound of each pricing problem, rounding of the duals accounted for)
  is a lower bound of every roster's objective; on the Curtois instances it is within a few
  units of the optimum where the whole model's bound is far below;
* **dives** turn the fractional LP into rosters: fix every (agent, day) on which the LP's
  rows agree, and the most settled agent's heaviest undecided cells (its shift or day off; as
  many as keep at least 1 - :data:`DIVE_LOSS` of the agent's weight), price again under the
  fixings when they raised the LP's value (the master re-solved by dual simplex: fixings only
  tighten bounds), repeat until every day of every agent is fixed. The first dive is greedy; the
  next ones choose at random among the most settled while another one fits in the time;
* **column dives** take turns with those (:data:`DIVES`): fix every agent's column the LP weighs
  whole and else the heaviest one (at random among the three heaviest after the first), price
  the other agents again, repeat. Slower per dive but the roster is made of the LP's own rows:
  on Curtois 7 they end 1-11 above best-known where the cell dives end 100-600 above before
  repair, and their columns let the integer master find best-known;
* a dive that leaves cover short is **repaired**: CP-SAT re-solves the days around each
  shortfall for every agent at once; the rows found are columns;
* the **integer master** runs after each column dive, each repair and a reduced-cost
  enumeration cut short (over its rows too, when at most :data:`_ENUM_GIVEN`), and in the last
  :data:`MASTER_IP_SHARE` of the time (the dives going on if it ends early): CBC's best
  roster of one column per agent among the columns found whose reduced cost leaves room for a
  better roster (price and branch, no proof), its objective limit going up from the master LP's
  value (CBC is far quicker with a tight limit);
* after an enumeration cut short, **reach** lists each agent's rows alone up to the best minus
  one (a few above their least) and SCIP combines those a little above their agents' least,
  then more (SCIP finds on Curtois 6 what CBC does not: :func:`reach` in ``price_and_dive``).

The dives', the repairs' and the integer master's rosters are made of rows that keep every
hard rule; the best of them and the starting roster is returned, and the caller writes its exact
penalty lines from the model.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.sat.python import cp_model

from scheduler._lns import (
    Outcome,
    Planner,
    Rows,
    State,
    StopSignal,
    exact_objective,
    model_values,
    watching,
)
from scheduler._problem import RosterProblem
from scheduler._rules import (
    HARD_RULES,
    RosterModel,
    SoftTerm,
    agent_requests,
    change_from_previous,
)

_log = logging.getLogger(__name__)

# Seconds of one agent's pricing solve (most end optimal in a fifth of that on Curtois 15).
PRICE_SECONDS = 0.5
# A dive's roster whose cover shortfall costs at least half its excess over the bound is
# repaired (:func:`_repair`: windows of these many days around each shortfall, REPAIR_SECONDS
# each, 5 x REPAIR_SECONDS per width in all).
REPAIR_WIDTHS = (7, 14)
REPAIR_SECONDS = 2.0
# Share of the time the root LP may take before the dives start, settled or not.
ROOT_SHARE = 0.6
# Pricing objective = duals x SCALE rounded to integers (CP-SAT objectives are integral).
_SCALE = 1000
# The same where the bound must be tight: rounding costs at most half a unit of 1/scale a cell
# (84 cells x 18 agents of Curtois 6 at 1,000: 0.76 units of the bound)
_FINE_SCALE = 1_000_000
# A column is added when its reduced cost is below -_EPSILON.
_EPSILON = 1e-6
# Pricing rounds of the touched agents per dive step at most (then one round of everybody).
_DIVE_ROUNDS = 4
# A dive step fixes an agent's heaviest undecided cell and the next ones while the LP's weight
# on the agent's columns keeping them all stays at least 1 - DIVE_LOSS.
DIVE_LOSS = 0.3
# A dive step prices (the touched agents, then everybody once) only when its fixings have raised
# the LP's value by more than this since the dive last priced.
_DIVE_MOVED = 0.5
# A column dive fixes, each step, every agent's column of weight at least this (and else the
# heaviest one); then prices the other agents again, for at most COLUMN_DIVE_SECONDS.
_WHOLE = 0.99
COLUMN_DIVE_SECONDS = 20.0
# A dive's steps go at their pace for at least the last dive's seconds and this share of the
# dives' time left; then a cell dive fixes half the leaning agents a step, a column dive goes on
# without pricing.
DIVE_SHARE = 0.5
# The dives' kinds in turn: "cell" (fix (agent, day) cells) and "column" (each repaired when
# it leaves cover short).
DIVES = ("cell", "column")
# Reduced-cost enumeration (:func:`_combine`) once, after the first dive that leaves the best
# roster at most ENUM_GAP units above the bound, for at most ENUM_SHARE of the time left; it
# gives up as soon as one agent has more than _ENUM_CAP rows within reach (or time runs out).
ENUM_GAP = 6
ENUM_SHARE = 0.5
_ENUM_CAP = 5_000
# ... and a list cut short gives the integer master at most this many of its rows, the least
# reduced costs first (on Curtois 7 the integer master found 1,056 over such rows in two 600 s
# runs, 5,172 and 8,862 of them, not in a third, the 10,000 least of 13,591; the five runs
# whose lists, 13,382-21,351 rows, were not given ended at 1,057);
# then :func:`reach`, for each share of REACH_STEPS of the room up to the best minus one in
# turn, lists each agent's rows up to that share above its least (at most _REACH_CAP, in
# REACH_LISTING of the enumeration's time left, at most REACH_AGENT_SECONDS an agent) and SCIP
# combines those and the enumeration's that fit, each agent's _REACH_ROWS least reduced costs
# first, twice as many while SCIP proves there is none better.
_ENUM_GIVEN = 10_000
_REACH_CAP = 20_000
_REACH_ROWS = 1_000
REACH_LISTING = 0.35
REACH_AGENT_SECONDS = 15.0
REACH_STEPS = (0.5, 0.75, 1.0)
# The last share of the column generation's time, kept for the integer master: CBC's best
# roster of one column per agent among the columns found that could be part of a better one;
# and its time after each column dive and each repaired dive (their rows are new columns).
MASTER_IP_SHARE = 0.15
MASTER_IP_SECONDS = 10.0
# Share of the integer master's time for its tries at limits below one under the best
# (:func:`_least_roster`).
TIGHT_SHARE = 0.5
# ... only when the best roster is at most this many units above the master LP's value.
TIGHT_GAP = 6
# GLOP without presolve (it would redo it at every solve): dual simplex after only bounds were
# tightened since the last solve (a dive's fixings: the basis stays dual feasible; 10x faster
# than primal on Curtois 13), primal after columns were added.
_DUAL_SIMPLEX = "use_preprocessing: false use_dual_simplex: true"
_PRIMAL_SIMPLEX = "use_preprocessing: false use_dual_simplex: false"


def applies(problem: RosterProblem) -> bool:
    """Whether agents meet only in shift cover (no demand intervals, no fairness term)."""
    return not problem.demand and not problem.weights.fairness and bool(problem.agents)


def _worked(row: Rows, duals: dict[tuple[int, str], float]) -> float:
    """The cover duals of the cells a row works."""
    return sum(duals.get((day, shift), 0.0) for day, shift in enumerate(row) if shift)


def _above_least(column: _Column, duals: dict[tuple[int, str], float], least: float) -> float:
    """How far the column's reduced cost (without its convexity dual) is above ``least``."""
    return column.cost - _worked(column.row, duals) - least


class _LPFailed(Exception):
    """GLOP could not solve the master LP: the columns found so far are all there is."""


@dataclass
class _Column:
    row: Rows
    cost: int  # the agent's own penalty terms for this row



class _Pricer:
    """One agent's model (its hard rules, its own penalty terms), built once, re-priced often."""

    def __init__(self, planner: Planner, a: int) -> None:
        self.m = RosterModel(planner.subproblem([a]), template=planner.base)
        for rule in HARD_RULES:
            if rule.name != "meal_and_rest_breaks":  # no demand intervals: breaks are free
                rule.add(self.m)
        self.terms: list[SoftTerm] = agent_requests(self.m) + change_from_previous(self.m)
        self.cells = [(day, shift, var) for day, allowed in enumerate(self.m.shifts_of[0])
                      for shift, var in allowed.items()]
        self.seed = a
        self.fixed: dict[int, str | None] = {}  # day -> shift (None: off), set by the dive

    def consistent(self, row: Rows) -> bool:
        return all(row[day] == shift for day, shift in self.fixed.items())

    def cost(self, row: Rows) -> int:
        return exact_objective(self.terms, model_values(self.m, [row], {}))

    def scaled(self, duals: dict[tuple[int, str], float], scale: int) -> cp_model.LinearExpr:
        """The reduced cost of the agent's row (without its convexity dual) x ``scale``, the
        duals rounded to integers."""
        return cp_model.LinearExpr.weighted_sum(
            [var for _, _, var in self.cells] + [term.expr for term in self.terms],
            [-round(scale * duals.get((day, shift), 0.0)) for day, shift, _ in self.cells]
            + [scale * term.coefficient for term in self.terms])

    def price(self, duals: dict[tuple[int, str], float], seconds: float,
              stop_event: StopSignal | None, scale: int = _SCALE) -> tuple[list[Rows], float]:
        """Rows met while minimising own cost - duals of the cells worked, and a proven lower
        bound of that minimum (-inf when CP-SAT proved nothing)."""
        model = self.m.model
        model.minimize(self.scaled(duals, scale))
        model.clear_assumptions()
        for day, fixed in self.fixed.items():
            allowed = self.m.shifts_of[0][day]
            model.add_assumptions([var if shift == fixed else var.negated()
                                   for shift, var in allowed.items()])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = self.seed
        self.seed += 1
        found: list[Rows] = []
        shifts_of = self.m.shifts_of[0]

        class Collect(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                found.append([next((s for s, var in allowed.items() if self.boolean_value(var)),
                                   None) for allowed in shifts_of])

        with watching(solver, stop_event):
            status = solver.solve(model, Collect())
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return found, -math.inf
        # each cell's dual was rounded by at most half a unit of 1/scale
        slack = 0.5 * len(self.cells) / scale
        return found, solver.best_objective_bound / scale - slack

    def enumerate(self, duals: dict[tuple[int, str], float], limit: float, seconds: float,
                  cap: int, stop_event: StopSignal | None) -> tuple[list[_Column], bool]:
        """Every row whose own cost minus the duals of its cells is at most ``limit`` (the
        dive's fixings ignored), and whether that is all of them (False when ``cap`` rows or
        ``seconds`` ran out first)."""
        model = self.m.model.clone()
        model.clear_assumptions()
        model.clear_objective()  # type: ignore[no-untyped-call]
        model.clear_hints()  # type: ignore[no-untyped-call]
        # the scaled duals are rounded: a little room here, the exact test below
        model.add(self.scaled(duals, _FINE_SCALE)
                  <= math.floor(_FINE_SCALE * limit + 0.5 * len(self.cells)))
        solver = cp_model.CpSolver()
        solver.parameters.enumerate_all_solutions = True
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = seconds
        shifts_of = self.m.shifts_of[0]
        found: dict[tuple[str | None, ...], None] = {}  # (the hard rules' helper literals
        # are not all functions of the row: one row can come as several solutions)

        class Collect(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                found[tuple(next((s for s, var in allowed.items() if self.boolean_value(var)),
                                 None) for allowed in shifts_of)] = None
                if len(found) >= cap:
                    self.stop_search()

        with watching(solver, stop_event):
            status = solver.solve(model, Collect())
        complete = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and len(found) < cap
        columns = []
        for key in found:
            column = _Column(list(key), self.cost(list(key)))
            if column.cost - _worked(column.row, duals) <= limit + _EPSILON:
                columns.append(column)
        return columns, complete


class _Master:
    """The restricted master LP over the columns found so far."""

    def __init__(self, planner: Planner, agents: int) -> None:
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("OR-Tools has no GLOP linear solver")
        self.lp = lp
        self.objective = lp.Objective()
        self.objective.SetMinimization()
        self.convexity = [lp.Constraint(1.0, 1.0) for _ in range(agents)]
        self.cover: dict[tuple[int, str], pywraplp.Constraint] = {}
        self.required: dict[tuple[int, str], int] = {}
        self.weights: dict[tuple[int, str], tuple[int, int]] = {}
        for key, item in planner.cover.items():
            row = lp.Constraint(float(item.required), float(item.required))
            under = lp.NumVar(0.0, lp.infinity(), "")
            over = lp.NumVar(0.0, lp.infinity(), "")
            row.SetCoefficient(under, 1.0)
            row.SetCoefficient(over, -1.0)
            self.objective.SetCoefficient(under, float(item.weight_under))
            self.objective.SetCoefficient(over, float(item.weight_over))
            self.cover[key] = row
            self.required[key] = item.required
            self.weights[key] = (item.weight_under, item.weight_over)
        self.columns: list[list[_Column]] = [[] for _ in range(agents)]
        self.lambdas: list[list[pywraplp.Variable]] = [[] for _ in range(agents)]
        self.known: list[set[tuple[str | None, ...]]] = [set() for _ in range(agents)]
        self.tightened = False  # only bounds tightened since the last solve (dual simplex)

    def add(self, a: int, column: _Column) -> bool:
        key = tuple(column.row)
        if key in self.known[a]:
            return False
        self.known[a].add(key)
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.convexity[a].SetCoefficient(var, 1.0)
        for day, shift in enumerate(column.row):
            if shift is not None and (day, shift) in self.cover:
                self.cover[day, shift].SetCoefficient(var, 1.0)
        self.objective.SetCoefficient(var, float(column.cost))
        self.tightened = False
        self.columns[a].append(column)
        self.lambdas[a].append(var)
        return True

    def solve(self) -> tuple[float, dict[tuple[int, str], float], list[float]]:
        """The LP's value, the cover duals and the agents' convexity duals."""
        self.lp.SetSolverSpecificParametersAsString(
            _DUAL_SIMPLEX if self.tightened else _PRIMAL_SIMPLEX)
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            # GLOP's incremental state can go astray after many bound changes (ABNORMAL on
            # an LP that a fresh GLOP solves): solve the same LP in a fresh solver
            _log.debug("master LP status %d, solved again in a fresh solver", status)
            self._fresh()
            status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise _LPFailed(f"master LP not solved (GLOP status {status})")
        self.tightened = True
        duals = {key: row.dual_value() for key, row in self.cover.items()}
        return (self.objective.Value(), duals,
                [row.dual_value() for row in self.convexity])

    def _fresh(self) -> None:
        proto = linear_solver_pb2.MPModelProto()
        self.lp.ExportModelToProto(proto)
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise _LPFailed("OR-Tools has no GLOP linear solver")
        lp.LoadModelFromProto(proto)
        variables, constraints = lp.variables(), lp.constraints()
        self.lambdas = [[variables[var.index()] for var in lambdas] for lambdas in self.lambdas]
        self.convexity = [constraints[row.index()] for row in self.convexity]
        self.cover = {key: constraints[row.index()] for key, row in self.cover.items()}
        self.lp = lp
        self.objective = lp.Objective()

    def weights_of(self, a: int) -> list[float]:
        return [var.solution_value() for var in self.lambdas[a]]

    def unfix(self, a: int) -> None:
        for var in self.lambdas[a]:
            var.SetBounds(0.0, self.lp.infinity())
        self.tightened = False

    def restrict(self, a: int, keep: Callable[[Rows], bool]) -> None:
        """No weight on the columns of agent ``a`` that ``keep`` refuses."""
        for column, var in zip(self.columns[a], self.lambdas[a], strict=True):
            if not keep(column.row):
                var.SetBounds(0.0, 0.0)

    def lagrangian(self, duals: dict[tuple[int, str], float], least: Sequence[float]) -> float:
        """A lower bound of every roster's objective from any cover duals within their slack
        weights and, per agent, a lower bound of its least ``cost - duals`` row."""
        total = sum(least)
        for key, dual in duals.items():
            under, over = self.weights[key]
            if not -over - 1e-9 <= dual <= under + 1e-9:
                return -math.inf
            total += dual * self.required[key]
        return total


class _Cut:
    """A stop signal set by hand or by the caller's own (the enumeration of every agent stops
    once one agent's is cut short)."""

    def __init__(self, outer: StopSignal | None) -> None:
        self.outer = outer
        self.event = threading.Event()

    def set(self) -> None:
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set() or (self.outer is not None and self.outer.is_set())


def _combine(master: _Master, candidates: Sequence[Sequence[_Column]], limit: int,
             seconds: float, solver: str = "CBC",
             copies: int = 1) -> tuple[list[Rows] | None, bool]:
    """The least-cost roster of objective at most ``limit`` made of one candidate column per
    agent (CBC's branch and bound, or SCIP's, both shipped with OR-Tools: on such
    set-partitioning problems their LP-based search proves what CP-SAT's does not), and whether
    the solver proved it the least (or proved there is none).

    SCIP runs single-threaded: with ``copies`` above one, that many SCIP searches of the same
    model, each with its own random seed, run side by side, and the first to end stops the
    others (on one model of Curtois 6, four seeds found its best-known 1,950 in 41-73 s).
    """
    mip = pywraplp.Solver.CreateSolver(solver)
    if mip is None:  # pragma: no cover - CBC and SCIP ship with OR-Tools
        raise RuntimeError(f"OR-Tools has no {solver} solver")
    mip.SetTimeLimit(max(1, int(1000 * seconds)))
    terms: list[tuple[pywraplp.Variable, float]] = []
    cover: dict[tuple[int, str], pywraplp.Constraint] = {}
    for key, required in master.required.items():
        row = cover[key] = mip.Constraint(float(required), float(required))
        under, over = mip.NumVar(0.0, float(required), ""), mip.NumVar(0.0, mip.infinity(), "")
        row.SetCoefficient(under, 1.0)
        row.SetCoefficient(over, -1.0)
        weight_under, weight_over = master.weights[key]
        terms += [(under, float(weight_under)), (over, float(weight_over))]
    chosen: list[list[pywraplp.Variable]] = []
    for columns in candidates:
        one = mip.Constraint(1.0, 1.0)
        chosen.append([])
        for column in columns:
            var = mip.BoolVar("")
            one.SetCoefficient(var, 1.0)
            terms.append((var, float(column.cost)))
            for day, shift in enumerate(column.row):
                if shift is not None and (day, shift) in cover:
                    cover[day, shift].SetCoefficient(var, 1.0)
            chosen[-1].append(var)
    objective = mip.Objective()
    at_most = mip.Constraint(-mip.infinity(), float(limit))
    for var, weight in terms:
        objective.SetCoefficient(var, weight)
        at_most.SetCoefficient(var, weight)
    objective.SetMinimization()
    # (``mip`` stays referenced: its variables, in ``chosen``, die with it)
    ended, status = _first_to_end(mip, solver, seconds, copies)
    proven = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.INFEASIBLE)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, proven
    values = [var.solution_value() for var in ended.variables()]
    rows = []
    for columns, variables in zip(candidates, chosen, strict=True):
        pick = max(range(len(variables)), key=lambda c: values[variables[c].index()])
        rows.append(list(columns[pick].row))
    return rows, proven


def _first_to_end(mip: pywraplp.Solver, solver: str, seconds: float,
                  copies: int) -> tuple[pywraplp.Solver, int]:
    """``mip`` solved, or (``copies`` > 1, SCIP) the first of that many copies of it with their
    own seeds to end, the others interrupted: that solver and its status."""
    if copies <= 1 or solver != "SCIP":
        return mip, mip.Solve()
    proto = linear_solver_pb2.MPModelProto()
    mip.ExportModelToProto(proto)
    solvers = [mip]
    for seed in range(1, copies):
        other = pywraplp.Solver.CreateSolver(solver)
        if other is None:  # pragma: no cover - SCIP ships with OR-Tools
            break
        other.LoadModelFromProto(proto)
        other.SetTimeLimit(max(1, int(1000 * seconds)))
        other.SetSolverSpecificParametersAsString(f"randomization/randomseedshift = {seed}\n")
        solvers.append(other)
    ended: list[tuple[pywraplp.Solver, int]] = []
    first_ended = threading.Event()

    def run(one: pywraplp.Solver) -> None:
        status = one.Solve()  # (OR-Tools releases the GIL while SCIP searches)
        ended.append((one, status))
        first_ended.set()

    threads = [threading.Thread(target=run, args=(one,)) for one in solvers]
    for thread in threads:
        thread.start()
    first_ended.wait()
    first = ended[0]
    while any(thread.is_alive() for thread in threads):
        for one in solvers:  # (again until they end: one may not have started its search)
            if one is not first[0]:
                one.InterruptSolve()
        for thread in threads:
            thread.join(0.05)
    return first


def _least_roster(master: _Master, least: int, below: int, until: float,
                  stopped: Callable[[], bool]) -> list[Rows] | None:
    """A roster of one column per agent of ``master``, of objective below ``below``, found by
    CBC by ``until`` (None if there is none or none was found): no proof, other rows are left
    out. ``least`` is at most any such roster's objective (the master LP's value rounded up).

    CBC is given only the columns that could be part of a roster up to its limit
    (:func:`_fitting`), and it is far quicker with a tight limit (Curtois 7, 2,446 columns:
    limit 1,059, nothing in 30 s; 1,057: 1,056 in 10 s; 1,056: 1,056 in 5 s; 1,055: none,
    proven in 3 s). So, when ``below`` is at most :data:`TIGHT_GAP` above ``least``, the limit
    goes up from ``least`` one at a time while CBC proves there is none, for at most
    :data:`TIGHT_SHARE` of the time; then (or at the first try CBC cannot decide) the limit one
    below ``below``, with all the time left (far above the columns' least, the loose limit
    finds the better rosters)."""
    target = least if below - least <= TIGHT_GAP else below - 1
    tight_until = time.monotonic() + TIGHT_SHARE * (until - time.monotonic())
    while not stopped() and target < below:
        began = time.monotonic()
        loose = target == below - 1
        fits = _fitting(master, target)
        rows, proven = _combine(master, fits, target, (until if loose else tight_until) - began)
        _log.debug("integer master up to %d over %d of %d columns: %s, %s in %.1f s", target,
                   sum(map(len, fits)), sum(map(len, master.columns)),
                   "none" if rows is None else "found", "proven" if proven else "not proven",
                   time.monotonic() - began)
        if rows is not None or loose or time.monotonic() >= until:
            return rows
        target = target + 1 if proven and time.monotonic() < tight_until else below - 1
    return None


Cell = tuple[int, str | None]  # (day, shift type or None for a day off)


def _fitting(master: _Master, limit: int) -> list[list[_Column]]:
    """Each agent's columns that can be part of a roster of one column per agent of objective
    at most ``limit``: those whose reduced cost under the master LP fits in what ``limit``
    leaves over the LP's value (a roster's objective is the LP's value plus its columns' and
    slacks' reduced costs, none negative)."""
    value, duals, convexity = master.solve()
    room = limit - value + _EPSILON
    return [[column for column in columns
             if column.cost - _worked(column.row, duals) - convexity[a] <= room]
            for a, columns in enumerate(master.columns)]


def _settled(support: Sequence[tuple[Rows, float]],
             days: Sequence[int]) -> tuple[list[Cell], float, list[Cell]]:
    """One agent's undecided ``days`` under the LP's weights on its columns (``support``, the
    weights summing to 1): the cells all of them agree on; the share of the heaviest other cell;
    and the cells to fix next: that one, and the next heaviest while the columns keeping them
    all weigh at least ``1 - DIVE_LOSS`` (so that some column keeps every fixing)."""
    agreed: list[Cell] = []
    heavy: list[tuple[float, int, str | None]] = []
    for day in days:
        share: dict[str | None, float] = {}
        for row, weight in support:
            share[row[day]] = share.get(row[day], 0.0) + weight
        shift, value = max(share.items(), key=lambda item: item[1])
        if value >= 1 - 1e-6:
            agreed.append((day, shift))
        elif value >= 0.01:
            heavy.append((value, day, shift))
    if not heavy:
        return agreed, 0.0, []
    heavy.sort(key=lambda cell: -cell[0])
    # the columns against a cell weigh 1 - its share: those against any of them, the sum at most
    loss = 1 - heavy[0][0]
    take: list[Cell] = [(heavy[0][1], heavy[0][2])]
    for value, day, shift in heavy[1:]:
        loss += 1 - value
        if loss > DIVE_LOSS:
            break
        take.append((day, shift))
    return agreed, heavy[0][0], take


def _shortfall(planner: Planner, state: State) -> tuple[list[int], int]:
    """The days on which ``state`` leaves some shift's cover short, and what that costs."""
    counts = planner.counts(state)
    days: set[int] = set()
    cost = 0
    for (day, shift), item in planner.cover.items():
        missing = item.required - counts[day, shift]
        if missing > 0:
            days.add(day)
            cost += missing * item.weight_under
    return sorted(days), cost


def _repair(planner: Planner, state: State, scored: Callable[[Sequence[Rows | None]], State],
            stopped: Callable[[], bool], until: float) -> tuple[State, list[list[Rows]]]:
    """``state`` with the days around each cover shortfall re-solved for every agent at once
    (CP-SAT by ``Planner.construct``, the rest of each row kept), windows of each of
    :data:`REPAIR_WIDTHS` days in turn; the better roster and every roster of rows found (each
    row keeps its agent's hard rules: columns)."""
    found: list[list[Rows]] = []
    days = len(planner.problem.dates)
    everybody = list(range(len(state.rows)))
    for width in REPAIR_WIDTHS:
        width = min(width, days)
        for day in _shortfall(planner, state)[0]:
            if stopped() or time.monotonic() >= until:
                return state, found
            first = max(0, min(day - width // 2, days - width))
            rows = planner.construct(
                State(rows=[None] * len(everybody)), everybody,
                max(0.1, min(REPAIR_SECONDS, until - time.monotonic())),
                current=[list(row or []) for row in state.rows],
                window=range(first, first + width))
            if rows is None:
                continue
            found.append(rows)
            trial = scored(rows)
            if trial.objective < state.objective:
                state = trial
    return state, found


def price_and_dive(
    problem: RosterProblem,
    start: State,
    *,
    deadline: float,
    workers: int,
    seed: int,
    stop_event: StopSignal | None,
    report: Callable[[int, int], None],
) -> Outcome:
    """Column generation from ``start`` (a complete roster obeying every hard rule, its exact
    objective) until ``deadline`` (monotonic seconds): the best of ``start`` and the dives'
    rosters, and the Lagrangian bound (0 when none was proven)."""
    planner = Planner(problem, workers, seed, stop_event)
    n = len(problem.agents)
    pricers = [_Pricer(planner, a) for a in range(n)]
    master = _Master(planner, n)
    for a, row in enumerate(start.rows):
        if row is None:
            raise ValueError("column generation starts from a complete roster")
        master.add(a, _Column(list(row), pricers[a].cost(list(row))))
    best = start
    bound = 0
    done: set[int] = set()  # agents with every day fixed by the dive (not priced)
    diving = False
    pool = ThreadPoolExecutor(max_workers=max(1, workers))

    def scored(rows: Sequence[Rows | None]) -> State:
        """The roster of these rows with its breaks handed out and its exact objective."""
        state = State(rows=list(rows))
        state.patterns = planner.place_breaks(state)
        state.objective = planner.objective(state)
        return state

    def stopped() -> bool:
        return (stop_event is not None and stop_event.is_set()) or time.monotonic() >= deadline

    def one_round(only: set[int] | None = None) -> tuple[int, float, float]:
        """Price every free agent (or those of ``only``) once: columns added, how far below the
        LP's value the optimum of the LP over every column may be (0 when no column prices
        out), and the Lagrangian bound of the problem (-inf while diving: fixings
        restrict the problem, or when only some agents are priced)."""
        round_started = time.monotonic()
        value, duals, convexity = master.solve()
        free = [a for a in range(n) if a not in done and (only is None or a in only)]
        seconds = max(0.05, min(PRICE_SECONDS, deadline - time.monotonic()))
        results = list(pool.map(lambda a: pricers[a].price(duals, seconds, stop_event), free))
        added = 0
        least = []
        below = 0.0
        for a, (found, lower) in zip(free, results, strict=True):
            for row in found:
                column = _Column(row, pricers[a].cost(row))
                if (column.cost - _worked(row, duals) - convexity[a] < -_EPSILON
                        and master.add(a, column)):
                    added += 1
            least.append(lower)
            below += min(0.0, lower - convexity[a])
        root = not diving and only is None
        proven = master.lagrangian(duals, least) if root and not stopped() else -math.inf
        _log.debug("LP %.1f, bound %.1f, %d columns added, %d agents fixed, %.1f s", value,
                   proven, added, len(done), time.monotonic() - round_started)
        return added, -below, proven

    def settle(rounds: int, until: float = math.inf) -> None:
        """Price until no column is added, the LP's value is within half a unit of its
        optimum over every column, or time (``until``) is up."""
        nonlocal bound
        for _ in range(rounds):
            if stopped() or time.monotonic() >= until:
                return
            added, gap, proven = one_round()
            if proven > bound and math.ceil(proven - 1e-6) > bound:
                bound = min(math.ceil(proven - 1e-6), best.objective)
                report(best.objective, bound)
            if not added or gap < 0.5:
                return

    def dive(rng: random.Random | None, end: float) -> State:
        """Fix (agent, day) cells, shift or day off, where the LP's rows agree (all of them, each
        step) and, for the agent(s) most settled, its heaviest cells (:func:`_settled`: some
        column with weight keeps all of an agent's fixings), pricing again after a step that
        raised the LP's value (by :data:`_DIVE_MOVED`): the touched agents until none of their
        columns prices out, then everybody once."""
        nonlocal diving
        diving = True
        step = 1
        # the LP's value when the dive last priced; every step ends with the LP solved
        level = master.solve()[0]
        open_days = [set(range(problem.days)) for _ in range(n)]
        while any(open_days) and not stopped():
            agreed: list[tuple[int, int, str | None]] = []
            leaning: list[tuple[float, int, list[Cell]]] = []
            for a in range(n):
                if not open_days[a]:
                    continue
                support = [(column.row, weight) for column, weight
                           in zip(master.columns[a], master.weights_of(a), strict=True)
                           if weight > 1e-9]
                settled, heaviest, take = _settled(support, sorted(open_days[a]))
                agreed += [(a, day, shift) for day, shift in settled]
                if take:
                    leaning.append((heaviest, a, take))
            leaning.sort(reverse=True)
            if time.monotonic() > end:
                step = max(step, math.ceil(len(leaning) / 2))
            if rng is not None:
                leaning = rng.sample(leaning[:2 * step], min(step, len(leaning)))
            chosen = agreed + [(a, day, shift) for _, a, take in leaning[:step]
                               for day, shift in take]
            if not chosen:
                break
            touched = set()
            for a, day, shift in chosen:
                pricers[a].fixed[day] = shift
                open_days[a].discard(day)
                touched.add(a)
            for a in touched:
                master.restrict(a, pricers[a].consistent)
                if not open_days[a]:
                    done.add(a)  # nothing left to price
            # pricing only when the fixings have moved the LP's value (while it holds, rows
            # hardly ever price out and pricing would be most of a step): the touched agents'
            # first (their fixings moved the LP most), then everybody once
            if master.solve()[0] <= level + _DIVE_MOVED:
                continue
            pending = touched - done  # (agents with every day fixed have nothing to price)
            for _ in range(_DIVE_ROUNDS):
                if not pending or stopped() or not one_round(pending)[0]:
                    break
            settle(1)
            level = master.solve()[0]
        master.solve()
        rows: list[Rows | None] = []
        every = [master.weights_of(a) for a in range(n)]  # (read before the LP changes)
        for a in range(n):
            weights = every[a]
            keeping = [c for c in range(len(weights))
                       if pricers[a].consistent(master.columns[a][c].row)]
            # (some column keeps every fixing; were GLOP to say otherwise, any column is a
            # row that keeps the agent's rules)
            rows.append(master.columns[a][max(keeping or range(len(weights)),
                                              key=weights.__getitem__)].row)
        return undive(rows)

    def undive(rows: Sequence[Rows | None]) -> State:
        """A dive's end: every fixing undone, the roster of ``rows`` scored."""
        nonlocal diving
        for a in range(n):
            pricers[a].fixed.clear()
            master.unfix(a)
        done.clear()
        diving = False
        return scored(rows)

    def column_dive(rng: random.Random | None, end: float) -> State:
        """Fix whole columns: every agent's column the LP weighs (nearly) whole, else the
        heaviest column of any agent (with ``rng``, one of the three heaviest), pricing the
        other agents again after each step until none of their columns prices out (at most
        :data:`COLUMN_DIVE_SECONDS`); after ``end``, the same steps (the heaviest, not one at
        random) without pricing, the LP re-solved over the columns found (fixing every agent's
        heaviest column at once left Curtois 8 eleven cover units short: 2,427 where a dive
        that finished its steps gave 1,302). Fewer, coarser steps than :func:`dive`, each
        re-priced: the roster is the LP's own, not one its cells were rounded to."""
        nonlocal diving
        diving = True
        rows: list[Rows | None] = [None] * n
        while len(done) < n and not stopped():
            master.solve()
            heaviest: list[tuple[float, int, int]] = []
            for a in set(range(n)) - done:
                c, weight = heaviest_of(a)
                heaviest.append((weight, a, c))
            heaviest.sort(reverse=True)
            chosen = [item for item in heaviest if item[0] >= _WHOLE]
            late = time.monotonic() > end
            if not chosen:
                chosen = [rng.choice(heaviest[:3]) if rng is not None and not late
                          else heaviest[0]]
            for _, a, c in chosen:
                rows[a] = master.columns[a][c].row
                pricers[a].fixed = dict(enumerate(master.columns[a][c].row))
                master.restrict(a, pricers[a].consistent)
                done.add(a)
            if not late:
                settle(10**9, until=min(end, time.monotonic() + COLUMN_DIVE_SECONDS))
        if len(done) < n:  # stopped: the other agents' heaviest columns
            master.solve()
            for a in range(n):
                if rows[a] is None:
                    rows[a] = master.columns[a][heaviest_of(a)[0]].row
        return undive(rows)

    def heaviest_of(a: int) -> tuple[int, float]:
        """Agent ``a``'s heaviest column in the LP last solved, and its weight."""
        weights = master.weights_of(a)
        c = max(range(len(weights)), key=weights.__getitem__)
        return c, weights[c]

    def keep(state: State) -> None:
        """``state`` is the best roster if it is better."""
        nonlocal best
        if state.objective < best.objective:
            best = state
            report(best.objective, min(bound, best.objective))

    def integer_master(until: float) -> None:
        """Price and branch: CBC's best roster of one column per agent among the columns found
        (:func:`_least_roster`), kept if better."""
        value, _, _ = master.solve()
        rows = _least_roster(master, max(bound, math.ceil(value - 1e-6)), best.objective,
                             until, stopped)
        if rows is not None:
            keep(scored(rows))

    def close_gap(until: float) -> None:
        """Reduced-cost enumeration: for a target objective (one above the bound, then one more
        each time none is proven), every agent's rows whose reduced cost fits in what the target
        leaves above the Lagrangian bound (a roster's objective is that bound plus its rows'
        reduced costs, each at least its agent's least), then the best roster of one such row
        per agent (:func:`_combine`). With every such row enumerated, CBC's proof makes the
        roster found optimal, or raises the bound above the target."""
        nonlocal best, bound
        # the dives' columns moved the LP's duals: settle them again, the bound is theirs
        settle(10**9, until=time.monotonic() + 0.2 * (until - time.monotonic()))
        _, duals, _ = master.solve()
        seconds = max(PRICE_SECONDS, min(10.0, 0.05 * (until - time.monotonic())))
        least = [lower for _, lower in pool.map(
            lambda a: pricers[a].price(duals, seconds, stop_event, _FINE_SCALE), range(n))]
        lagrangian = master.lagrangian(duals, least)
        _log.debug("enumeration from the Lagrangian bound %.2f", lagrangian)
        if lagrangian == -math.inf:
            return
        bound = max(bound, min(math.ceil(lagrangian - 1e-6), best.objective))
        found: list[tuple[list[_Column], bool]] = []
        # from the bound's level: its rows tie with each agent's least (on Curtois 6, 16,600
        # rows in 10 s where one level up is over 58,000, cut short)
        target = min(best.objective - 1, bound)
        listed = -math.inf  # the target the rows of ``found`` were enumerated for
        while target < best.objective and not stopped() and time.monotonic() < until:
            limits = [target - lagrangian + least[a] for a in range(n)]
            if target <= listed:  # the rows enumerated for a higher target that fit this one
                found = [([column for column in columns
                           if column.cost - _worked(column.row, duals) <= limit + _EPSILON], whole)
                         for (columns, whole), limit in zip(found, limits, strict=True)]
            else:
                # 40 % of the time left to enumerate (the agents share it: most take a fraction
                # of a second, a few all of it), the rest for CBC
                enumeration_end = time.monotonic() + 0.4 * (until - time.monotonic())
                cut = _Cut(stop_event)

                def listing(a: int, limit: float, end: float,
                            cut: _Cut = cut) -> tuple[list[_Column], bool]:
                    columns, whole = pricers[a].enumerate(
                        duals, limit, max(0.05, end - time.monotonic()), _ENUM_CAP, cut)
                    if not whole:
                        cut.set()  # one agent's rows cut short: the others' cannot prove
                    return columns, whole

                found = list(pool.map(listing, range(n), limits, [enumeration_end] * n))
                listed = target
            complete = all(whole for _, whole in found) and not stopped()
            rows_listed = sum(len(columns) for columns, _ in found)
            _log.debug("up to %d: %d rows, %s, %.1f s left", target, rows_listed,
                       "complete" if complete else "incomplete", until - time.monotonic())
            if not complete:
                # an incomplete list proves nothing, but its rows are columns: the integer master
                # over them and the dives' (on Curtois 6 CBC found best-known 1,950 over the rows
                # tying with each agent's least and the dives' columns, none of which held it)
                # (at most _ENUM_GIVEN of them, the least reduced costs first: on Curtois 7,
                # 16,866 rows took CBC 42 s per limit, and the master kept them, slowing the
                # integer masters after every dive)
                given = sorted((_above_least(column, duals, least[a]), a, i)
                               for a, (columns, _) in enumerate(found)
                               for i, column in enumerate(columns))[:_ENUM_GIVEN]
                for _, a, i in given:
                    master.add(a, found[a][0][i])
                integer_master(min(until, time.monotonic() + 2 * MASTER_IP_SECONDS))
                reach(duals, least, lagrangian, until, [columns for columns, _ in found])
                return
            if any(not columns for columns, _ in found):
                rows, proven = None, True  # some agent has no row that fits
            else:
                rows, proven = _combine(master, [columns for columns, _ in found], target,
                                        max(0.0, until - time.monotonic()))
            if rows is None:
                if not proven:
                    return
                bound = target + 1  # no roster of objective <= target
                report(best.objective, min(bound, best.objective))
                target += 1
                continue
            combined = scored(rows)
            if combined.objective >= best.objective:  # (CBC's value is the roster's)
                return
            best = combined
            if proven:  # the least of every roster up to the target (all rows were listed)
                bound = best.objective
            report(best.objective, min(bound, best.objective))
            target = min(target, best.objective - 1)

    def reach(duals: dict[tuple[int, str], float], least: Sequence[float], lagrangian: float,
              until: float, listed_before: Sequence[Sequence[_Column]] = ()) -> None:
        """One below the best from rows a little above each agent's least: for each share of
        :data:`REACH_STEPS` of the room the best minus one leaves above the Lagrangian bound,
        every agent's rows up to that share above its least, listed afresh for each agent alone
        (at most :data:`_REACH_CAP`, not all of them when time runs out), with those the
        enumeration cut short had listed (``listed_before``) and the master's columns that fit;
        then SCIP's least roster of one such row per agent below the best, over each agent's
        :data:`_REACH_ROWS` rows of least reduced cost, then twice as many and so on while SCIP
        proves there is none better (a roster it finds is kept and lowers the target), then the
        next share. One SCIP search a worker, their seeds differing.

        Listed afresh at each share: cut short by time, a list holds the rows CP-SAT met first
        (it lists 100-300 a second), not the least. Few rows each: on Curtois 6 (Lagrangian bound
        1,949.00, best 1,952, best-known 1,950) SCIP found 1,950 over the rows up to 1.00 above
        their least in 12 s with each agent's 300 least, 26 s with 1,000, 56 s with 2,500, where
        the earlier reach's 17,521 and 24,594 rows (two runs) left SCIP without a roster in 77
        and 92 s. On Curtois 7 (bound 1,054.08, best 1,057) a 1,056 roster has 16 agents' rows
        at their least and four up to 0.67 above; the rows within 0.92 of each agent's least the
        enumeration listed (two agents' lists cut short, without their 1,056 rows) held another
        1,056, found by SCIP within 80 s."""
        if best.objective - 1 <= lagrangian or stopped() or time.monotonic() >= until:
            return
        # the master is the same at every step: its fitting columns once
        fitting = _fitting(master, best.objective - 1)
        before = listed_before or [[] for _ in range(n)]
        for step in REACH_STEPS:
            level = step * (best.objective - 1 - lagrangian)
            if level <= 0 or stopped() or time.monotonic() >= until:
                return
            listing_end = time.monotonic() + REACH_LISTING * (until - time.monotonic())
            listed = list(pool.map(
                lambda a, level=level, end=listing_end: pricers[a].enumerate(
                    duals, level + least[a],
                    max(0.05, min(REACH_AGENT_SECONDS, end - time.monotonic())),
                    _REACH_CAP, stop_event)[0], range(n)))
            # each agent's rows within the level (the master's that fit, the enumeration's, those
            # just listed), the least reduced costs first
            ranked: list[list[tuple[float, _Column]]] = []
            for a in range(n):
                seen: set[tuple[str | None, ...]] = set()
                order: list[tuple[float, int, _Column]] = []  # (the order met breaks ties)
                for column in [*fitting[a], *before[a], *listed[a]]:
                    key = tuple(column.row)
                    gap = _above_least(column, duals, least[a])
                    if gap <= level + _EPSILON and key not in seen:
                        seen.add(key)
                        order.append((gap, len(order), column))
                ranked.append([(gap, column) for gap, _, column in sorted(order)])
            rows_each = _REACH_ROWS
            while True:
                # (one below the best: a roster SCIP found lowers it)
                target = best.objective - 1
                if target < lagrangian - _EPSILON:
                    return  # the best is optimal
                fits = [[column for gap, column in columns[:rows_each]
                         if gap <= target - lagrangian + _EPSILON] for columns in ranked]
                began = time.monotonic()
                rows, proven = _combine(master, fits, target, until - began, "SCIP", workers)
                _log.debug("reach: up to %d over rows %.2f above their least (at most %d an "
                           "agent), %d columns: %s, %s in %.1f s", target, level, rows_each,
                           sum(map(len, fits)), "none" if rows is None else "found",
                           "proven" if proven else "not proven", time.monotonic() - began)
                if rows is not None:
                    keep(scored(rows))
                if not proven or stopped() or time.monotonic() >= until:
                    return
                # none better among the rows given: more of them, or the next share
                if all(len(columns) <= rows_each for columns in ranked):
                    break
                rows_each *= 2

    rng = random.Random(seed)
    dives = 0
    took = 0.0  # the last dive's seconds (with its repair and integer master)
    enumerated = False

    def dive_until(dives_end: float) -> None:
        """Dives (and their repairs and integer masters) while one more fits before
        ``dives_end``: the first heaviest-first, then randomised ones."""
        nonlocal dives, took, enumerated
        while not stopped() and best.objective > bound:
            started = time.monotonic()
            if dives and (dives_end - started < 0.75 * took or started >= dives_end):
                break
            # cell dives and column dives in turn (each repaired when it leaves cover short)
            whole = DIVES[dives % len(DIVES)] == "column"
            end = started + max(took, DIVE_SHARE * (dives_end - started))
            dived = (column_dive if whole else dive)(rng if dives else None, end)
            dives += 1
            _log.debug("%s dive %d: %d in %.1f s", "column" if whole else "cell", dives,
                       dived.objective, time.monotonic() - started)
            keep(dived)
            fresh = whole  # new columns: every column dive's, a repaired dive's
            if 0 < bound < dived.objective <= bound + 2 * _shortfall(planner, dived)[1]:
                # the dive's fixings left cover short that other agents' rows could take
                repair_started = time.monotonic()
                dived, repaired = _repair(planner, dived, scored, stopped, min(
                    dives_end, repair_started + 5 * len(REPAIR_WIDTHS) * REPAIR_SECONDS))
                for roster in repaired:
                    for a, row in enumerate(roster):
                        if tuple(row) not in master.known[a]:  # (most rows are kept ones)
                            master.add(a, _Column(row, pricers[a].cost(row)))
                _log.debug("repaired: %d", dived.objective)
                keep(dived)
                fresh = True
            if fresh:
                # the new columns combine with the others: the integer master, briefly
                integer_master(min(dives_end, time.monotonic() + MASTER_IP_SECONDS))
            took = time.monotonic() - started
            if not enumerated and 0 < bound and best.objective - bound <= ENUM_GAP:
                enumerated = True  # (once: its rows depend on the root's duals alone)
                close_gap(time.monotonic() + ENUM_SHARE * (dives_end - time.monotonic()))

    try:
        # the root LP, leaving the dives some time even when it has not settled
        settle(10**9, until=time.monotonic() + ROOT_SHARE * (deadline - time.monotonic()))
        # the last MASTER_IP_SHARE of the time for the integer master over every column found
        dive_until(deadline - MASTER_IP_SHARE * (deadline - time.monotonic()))
        if best.objective > bound and not stopped():
            integer_master(deadline)
            # CBC done early (none below the best, proven): more dives in the time left (on
            # Curtois 6 the integer master proved none in 6 s, leaving 70 s of 510)
            dive_until(deadline)
    except _LPFailed as exc:  # keep the best roster so far
        _log.warning("column generation ended early: %s", exc)
    finally:
        pool.shutdown(wait=True)
    return Outcome(best, min(bound, best.objective), best.objective <= bound)

