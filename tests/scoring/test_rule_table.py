"""The shipped table says what regulations.md says (art. 104-107), and the loader guards it."""

from pathlib import Path

import pytest

from scoring import RuleTableError, load_rule_table
from tests.scoring.factories import TABLE
from tests.scoring.regulations import (
    DISQUALIFYING,
    REGULATIONS_POINTS,
    TERMINATION_REVIEW,
    ZEROING,
)


def _signed(code: str) -> int:
    rule = TABLE.rules[code]
    if "add" in rule.effects:
        return rule.points
    return -rule.points if "deduct" in rule.effects else 0


def _with_effect(effect: str) -> set[str]:
    return {c for c, r in TABLE.rules.items() if effect in r.effects}


def test_event_codes_are_the_regulations_codes_plus_marks() -> None:
    marks = {"LATE", "EARLY", "SICK", "PERSONAL", "SWAP"}
    assert TABLE.event_codes == frozenset(REGULATIONS_POINTS) | marks
    assert all(TABLE.marks[m].blocks == ("R1",) for m in marks)


@pytest.mark.parametrize("code", sorted(REGULATIONS_POINTS))
def test_table_points_match_regulations(code: str) -> None:
    assert _signed(code) == REGULATIONS_POINTS[code]


def test_outcome_effects_match_regulations() -> None:
    assert _with_effect("zero") == ZEROING
    assert _with_effect("flag") == TERMINATION_REVIEW
    assert _with_effect("disqualify") == DISQUALIFYING
    assert _with_effect("nominate") == {"R8"}


def test_computed_rewards_points() -> None:
    assert [TABLE.rules[c].points for c in ("R1", "R2", "R3")] == [1, 5, 5]
    assert TABLE.rules["R4"].rank_points == (10, 6, 3)
    assert {c for c, r in TABLE.rules.items() if r.source == "computed"} == {
        "R1", "R2", "R3", "R4", "R8"
    }  # fmt: skip


ROW = 'version = "t"\n[[rule]]\ncode = "R4"\narticle = 104\ntitle = "x"\nsource = "computed"\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('points = 10\neffects = ["add"]\nrank_points = [9, 6]\n', "must start with points"),
        ('points = 10\neffects = ["add"]\nrank_points = ["10"]\n', "list of integers"),
        ('points = 10\neffects = ["add"]\nrank_points = [10, -6]\n', "list of integers"),
        ('points = 1\neffects = ["add", "deduct"]\n', "exclude each other"),
        ('points = -1\neffects = ["deduct"]\n', "points must be >= 0"),
    ],
)
def test_loader_refuses_inconsistent_rows(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "points.toml"
    path.write_text(ROW + extra, encoding="utf-8")
    with pytest.raises(RuleTableError, match=message):
        load_rule_table(path)


def test_rank_points_are_optional(tmp_path: Path) -> None:
    path = tmp_path / "points.toml"
    path.write_text(ROW + 'points = 10\neffects = ["add"]\n', encoding="utf-8")
    assert load_rule_table(path).rules["R4"].rank_points == ()
