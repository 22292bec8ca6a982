"""The roster problem and roster contract: loading, JSON-path errors, derived facts, saving."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import scheduler
import scheduler._problem as problem_module
from scheduler import (
    ProblemError,
    RosterError,
    RosterProblem,
    annual_leave_conflicts,
    ensure_annual_leave_within_limit,
    load_problem,
    load_roster,
    problem_to_json,
    save_roster,
)
from tests.scheduler.factories import agent, day, problem, roster, shift

# The PROBLEM.json example of interfaces.md, verbatim.
EXAMPLE: dict[str, Any] = {
    "name": "north-site-2026-w49",
    "start_date": "2026-11-30",
    "days": 28,
    "timezone": "Asia/Shanghai",
    "interval_minutes": 30,
    "shift_types": [
        {"id": "D08", "start": "08:00", "duration_minutes": 540, "night": False},
        {"id": "N22", "start": "22:00", "duration_minutes": 600, "night": True},
    ],
    "agents": [
        {
            "id": "A001",
            "team": "T1",
            "night_eligible": True,
            "contract": {
                "weekly_minutes": 2400,
                "averaging_weeks": 4,
                "tolerance_minutes": 0,
                "max_shifts": {"N22": 8},
                "min_work_minutes": None,
                "max_work_minutes": None,
                "max_consecutive_work_days": 6,
                "min_consecutive_work_days": 1,
                "min_consecutive_days_off": 1,
                "max_weekends": None,
            },
            "days_off": ["2026-12-03"],
            "leave": [{"date": "2026-12-10", "kind": "annual"}],
            "requests": [{"date": "2026-12-05", "shift": "D08", "on": False, "weight": 3}],
            "fixed": [{"date": "2026-11-30", "shift": "N22"}],
        }
    ],
    "demand": [{"start": "2026-11-30T00:00", "agents": 3, "weight_under": 100, "weight_over": 1}],
    "cover": [
        {"date": "2026-11-30", "shift": "D08", "required": 5, "weight_under": 100, "weight_over": 1}
    ],
    "rules": {
        "min_rest_minutes": 720,
        "forbidden_successions": [["N22", "D08"]],
        "breaks": {
            "work_threshold_minutes": 360,
            "meal_minutes": 30,
            "rest_minutes": 30,
            "max_continuous_work_minutes": 240,
            "min_work_before_first_break_minutes": 60,
        },
        "max_concurrent_annual_leave": 1,
    },
    "weights": {"request": 1, "fairness": 1, "change_from": 1},
    "previous_roster": None,
}


def example(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    data.update(changes)
    return data


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        load_problem(json.dumps(data))
    return [str(error) for error in caught.value.errors]


# --------------------------------------------------------------------------- loading


def test_the_contract_example_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "PROBLEM.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    loaded = load_problem(path)
    assert loaded.agents[0].contract.max_shifts == {"N22": 8}
    assert loaded.shift_types[1].start == dt.time(22, 0)
    assert load_problem(str(path)) == loaded


def test_defaults_when_fields_are_omitted() -> None:
    minimal = {
        "name": "m",
        "start_date": "2026-11-30",
        "days": 7,
        "shift_types": [{"id": "D", "start": "08:00", "duration_minutes": 480}],
        "agents": [{"id": "A", "team": "T"}],
    }
    loaded = load_problem(json.dumps(minimal))
    assert loaded.timezone == "Asia/Shanghai"
    assert loaded.interval_minutes == 30
    assert loaded.rules.min_rest_minutes == 0
    assert loaded.rules.max_concurrent_annual_leave == 1
    breaks = loaded.rules.breaks
    assert (breaks.work_threshold_minutes, breaks.meal_minutes, breaks.rest_minutes) == (
        360,
        30,
        30,
    )
    assert breaks.max_continuous_work_minutes == 240
    assert breaks.min_work_before_first_break_minutes == 60
    assert (loaded.weights.request, loaded.weights.fairness, loaded.weights.change_from) == (
        1,
        1,
        1,
    )
    contract = loaded.agents[0].contract
    assert contract.weekly_minutes is None and contract.max_weekends is None
    assert contract.tolerance_minutes == 0 and contract.max_shifts == {}
    assert loaded.agents[0].night_eligible is False
    assert loaded.demand == loaded.cover == () and loaded.previous_roster is None


def test_problem_to_json_round_trips() -> None:
    loaded = load_problem(json.dumps(EXAMPLE))
    text = problem_to_json(loaded)
    assert load_problem(text) == loaded
    assert json.loads(text)["demand"][0]["start"] == "2026-11-30T00:00"
    assert json.loads(text)["shift_types"][0]["start"] == "08:00"


def test_models_are_frozen() -> None:
    loaded = load_problem(json.dumps(EXAMPLE))
    with pytest.raises(ValidationError):
        loaded.days = 3  # type: ignore[misc]


def test_a_copy_does_not_keep_stale_derived_facts() -> None:
    loaded = load_problem(json.dumps(EXAMPLE))
    assert len(loaded.dates) == 28
    assert len(loaded.model_copy(update={"days": 7}).dates) == 7


# --------------------------------------------------------------------------- errors with JSON paths


def test_shape_errors_are_all_collected_with_json_paths() -> None:
    data = example()
    data["agents"] = [copy.deepcopy(EXAMPLE["agents"][0]) for _ in range(4)]
    for index, entry in enumerate(data["agents"]):
        entry["id"] = f"A{index}"
    data["agents"][3]["contract"]["weekly_minutes"] = -5
    data["agents"][1]["leave"][0]["kind"] = "holiday"
    data["shift_types"][1]["start"] = "24:00"
    data["weights"]["fairness"] = -1
    data["surprise"] = True
    del data["name"]
    assert errors_of(data) == [
        "name: is required",
        "shift_types[1].start: must be a time HH:MM between 00:00 and 23:59 (got '24:00')",
        "agents[1].leave[0].kind: must be one of 'annual', 'marriage', 'maternity', "
        "'bereavement', 'sick' or 'personal' (got 'holiday')",
        "agents[3].contract.weekly_minutes: must be >= 0 (got -5)",
        "weights.fairness: must be >= 0 (got -1)",
        "surprise: is not a field of the contract",
    ]


def test_consistency_errors_are_all_collected_with_json_paths() -> None:
    data = example()
    data["shift_types"].append({"id": "D08", "start": "07:00", "duration_minutes": 60})
    second = copy.deepcopy(EXAMPLE["agents"][0])
    second["fixed"] = [{"date": "2026-11-30", "shift": "X1"}]
    second["requests"] = [{"date": "2026-12-28", "shift": "X2", "on": True}]
    second["contract"]["max_shifts"] = {"X3": 1}
    second["days_off"] = ["2026-11-29"]
    second["leave"] = []
    data["agents"].append(second)
    data["demand"] = [
        {"start": "2026-11-30T00:10", "agents": 1},
        {"start": "2026-12-28T00:00", "agents": 1},
        {"start": "2026-11-30T01:00", "agents": 1},
        {"start": "2026-11-30T01:00", "agents": 2},
    ]
    data["cover"] = [{"date": "2026-12-01", "shift": "X4", "required": 1}]
    data["rules"]["forbidden_successions"] = [["N22", "X5"]]
    assert errors_of(data) == [
        "shift_types[2].id: duplicate id 'D08' (first at shift_types[0])",
        "agents[1].id: duplicate id 'A001' (first at agents[0])",
        "agents[1].contract.max_shifts.X3: unknown shift type 'X3'",
        "agents[1].days_off[0]: 2026-11-29 is outside the horizon 2026-11-30..2026-12-27",
        "agents[1].requests[0].date: 2026-12-28 is outside the horizon 2026-11-30..2026-12-27",
        "agents[1].requests[0].shift: unknown shift type 'X2'",
        "agents[1].fixed[0].shift: unknown shift type 'X1'",
        "demand[0].start: 2026-11-30T00:10 is not aligned to interval_minutes (30) "
        "from 2026-11-30T00:00",
        "demand[1].start: 2026-12-28T00:00 is outside the horizon 2026-11-30..2026-12-27",
        "demand[3].start: second demand for the interval 2026-11-30T01:00",
        "cover[0].shift: unknown shift type 'X4'",
        "rules.forbidden_successions[0][1]: unknown shift type 'X5'",
    ]


def test_unknown_time_zone() -> None:
    assert errors_of(example(timezone="Mars/Olympus")) == [
        "timezone: unknown IANA time zone 'Mars/Olympus'"
    ]


def test_contradictory_limits() -> None:
    data = example()
    data["agents"][0]["contract"].update(min_work_minutes=100, max_work_minutes=50)
    assert errors_of(data) == [
        "agents[0].contract.min_work_minutes: must be <= max_work_minutes (100 > 50)"
    ]


def test_bad_json_and_missing_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "PROBLEM.json"
    path.write_text('{"name": ', encoding="utf-8")
    with pytest.raises(ProblemError) as caught:
        load_problem(path)
    assert str(caught.value).startswith(f"{path}: 1 error:\n  $: invalid JSON at line 1 column 10")
    with pytest.raises(ProblemError) as caught:
        load_problem(tmp_path / "absent.json")
    assert caught.value.errors[0].path == "$"
    assert "cannot read the file" in caught.value.errors[0].message


def test_problem_errors_raised_directly_by_the_model() -> None:
    with pytest.raises(ProblemError):
        problem(agents=[agent("A1"), agent("A1")])


# --------------------------------------------------------------------------- art. 40 refusal


def test_leave_breaking_art_40_is_refused_naming_the_day_and_agents() -> None:
    annual = [{"date": "2026-12-10", "kind": "annual"}]
    data = example(
        agents=[
            agent("A044", leave=annual),
            agent("A003", leave=annual),
            agent("A010", leave=[{"date": "2026-12-10", "kind": "sick"}]),
        ]
    )
    loaded = load_problem(json.dumps(data))  # loads: the refusal is a separate check
    conflicts = annual_leave_conflicts(loaded)
    assert [c.message for c in conflicts] == [
        "art. 40: 2026-12-10: annual leave of A003 and A044 exceeds the limit of 1"
    ]
    with pytest.raises(ProblemError) as caught:
        ensure_annual_leave_within_limit(loaded, "PROBLEM.json")
    assert str(caught.value) == (
        "PROBLEM.json: 1 error:\n  rules.max_concurrent_annual_leave: art. 40: 2026-12-10: "
        "annual leave of A003 and A044 exceeds the limit of 1"
    )


def test_art_40_limit_is_a_setting() -> None:
    annual = [{"date": day(2), "kind": "annual"}]
    three = [agent(f"A{i}", leave=annual) for i in (1, 2, 3)]
    assert (
        annual_leave_conflicts(problem(agents=three, rules={"max_concurrent_annual_leave": 3}))
        == []
    )
    [conflict] = annual_leave_conflicts(problem(agents=three))
    assert conflict.message.endswith("annual leave of A1, A2 and A3 exceeds the limit of 1")


# --------------------------------------------------------------------------- derived facts


def test_dates_and_averaging_blocks() -> None:
    loaded = problem(days=10)
    assert loaded.dates[0] == dt.date(2026, 11, 30) and loaded.end_date == dt.date(2026, 12, 9)
    blocks = loaded.averaging_blocks(1)
    assert [(b.first, b.days) for b in blocks] == [
        (dt.date(2026, 11, 30), 7),
        (dt.date(2026, 12, 7), 3),
    ]
    assert blocks[0].target_minutes(2400) == 2400
    assert blocks[1].target_minutes(2400) * 7 == 7200  # 1028 4/7, exact
    assert [b.days for b in loaded.averaging_blocks(None)] == [10]
    assert [b.days for b in problem(days=28).averaging_blocks(4)] == [28]


def test_shift_windows_long_shifts_and_work_minutes() -> None:
    loaded = problem()
    start, end = loaded.shift_window("N22", dt.date(2026, 11, 30))
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-30T22:00:00+08:00",
        "2026-12-01T08:00:00+08:00",
    )
    by_id = loaded.shift_types_by_id
    assert loaded.breaks_due(by_id["D08"]) and not loaded.breaks_due(by_id["S09"])
    assert loaded.work_minutes(by_id["D08"]) == 480
    assert loaded.work_minutes(by_id["S09"]) == 240


def test_durations_are_real_minutes_across_a_clock_change() -> None:
    # New York springs forward at 02:00 on 2026-03-08: 600 real minutes from 22:00 end at 09:00.
    loaded = problem(timezone="America/New_York", start_date="2026-03-07", days=2)
    start, end = loaded.shift_window("N22", dt.date(2026, 3, 7))
    assert end.replace(tzinfo=None) == dt.datetime(2026, 3, 8, 9, 0)
    assert loaded.minute_of(end) - loaded.minute_of(start) == 600


# --------------------------------------------------------------------------- the roster


def test_roster_errors_have_json_paths() -> None:
    prob = problem()
    data = roster([shift(prob, 0, "D08")]).model_dump(mode="json")
    data["status"] = "DONE"
    data["assignments"][0]["breaks"][0]["start"] = "2026-11-30T10:40:30"
    data["penalties"] = [{"rule": "x", "subject": "y", "amount": "many"}]
    with pytest.raises(RosterError) as caught:
        load_roster(json.dumps(data))
    assert [str(error) for error in caught.value.errors] == [
        "status: must be one of 'OPTIMAL' or 'FEASIBLE' (got 'DONE')",
        "assignments[0].breaks[0].start: must be a whole minute (no seconds)",
        "penalties[0].amount: must be a finite number",
    ]


def test_save_roster_round_trips(tmp_path: Path) -> None:
    prob = problem()
    given = roster([shift(prob, 0, "N22")], objective=12.5, bound=10, seconds=1.5)
    path = tmp_path / "ROSTER.json"
    save_roster(given, path)
    assert load_roster(path) == given
    text = path.read_text(encoding="utf-8")
    assert '"start": "2026-11-30T22:00"' in text and '"end": "2026-12-01T08:00"' in text


def test_save_roster_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ROSTER.json"
    path.write_text("old roster", encoding="utf-8")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(problem_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_roster(roster([]), path)
    assert path.read_text(encoding="utf-8") == "old roster"
    assert os.listdir(tmp_path) == ["ROSTER.json"]  # no temporary file left behind


# --------------------------------------------------------------------------- the public API


def test_public_api_is_sorted_and_importable() -> None:
    assert scheduler.__all__ == sorted(scheduler.__all__)
    for name in scheduler.__all__:
        assert getattr(scheduler, name) is not None
    assert {"HolidayCalendar", "RosterProblem", "check_roster", "ProblemError"} <= set(
        scheduler.__all__
    )
    assert issubclass(RosterError, scheduler.EngineError)
    assert issubclass(ProblemError, scheduler.InputError)
    assert RosterProblem.model_config.get("frozen") is True
