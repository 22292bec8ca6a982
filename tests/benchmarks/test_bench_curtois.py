"""The Curtois benchmark's anchor: solved in a child process whose memory is capped, so that a
run the machine cannot hold is a row of the table, not the end of the benchmark."""

from __future__ import annotations

import pytest

from benchmarks import bench_curtois
from benchmarks.bench_curtois import INSTANCES, run_anchor


def test_the_anchor_runs_in_a_child_process_and_its_result_comes_back() -> None:
    result = run_anchor(INSTANCES / "Instance1.txt", 5.0, 2)
    assert result.instance == "Instance1" and result.model == "anchor"
    assert result.status in ("OPTIMAL", "FEASIBLE") and result.objective is not None
    assert result.bound is not None and 0 <= result.bound <= result.objective
    assert result.objective >= 607  # Instance 1's proven optimum


def test_an_anchor_past_its_memory_cap_is_recorded_not_fatal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench_curtois, "ANCHOR_MEMORY_GIB", 0.05)  # not even its imports fit
    result = run_anchor(INSTANCES / "Instance1.txt", 5.0, 2)
    assert result.status == "MEMORY" and result.objective is None
    assert "0.05 GiB" in result.note
