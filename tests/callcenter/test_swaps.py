"""Shift swaps (art. 34-35) against a published roster, and roster versions in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from callcenter.errors import RuleRefused
from callcenter.models import Centre, Roster
from callcenter.services.rosters import (
    load_roster,
    publish_roster,
    roster_diff,
)
from callcenter.services.swaps import (
    consent_swap,
    decide_swap,
    earliest_swap_date,
    request_swap,
)
from tests.factories import MONDAY, START, TODAY, publish_fixed_roster as published


def test_stored_roster_loads_back_identically(session: Session) -> None:
    published(session)
    row = session.exec(select(Roster)).one()
    _, loaded = load_roster(session, row.id or 0)
    assert len(loaded.assignments) == 40 and row.status == "published"
    first = loaded.assignments[0]
    assert (first.agent, first.date, first.shift) == ("A1", START, "D08")
    assert first.start == dt.datetime(2026, 11, 30, 8, 0)


@pytest.mark.parametrize(("filed", "earliest"), [
    (dt.date(2026, 12, 4), dt.date(2026, 12, 5)),    # Friday: from Saturday
    (dt.date(2026, 12, 5), dt.date(2026, 12, 8)),    # Saturday: Monday is the working day
    (dt.date(2026, 10, 1), dt.date(2026, 10, 9)),    # National Day: next working day 10-08
    (dt.date(2026, 10, 10), dt.date(2026, 10, 11)),  # make-up Saturday is a working day
    (dt.date(2026, 10, 11), dt.date(2026, 10, 13)),  # the Sunday after it is not
])
def test_art_34_notice_counts_chinese_working_days(filed: dt.date, earliest: dt.date) -> None:
    assert earliest_swap_date(filed) == earliest


def test_allowed_swap_is_approved_into_a_new_draft_with_a_readable_diff(session: Session) -> None:
    agents = published(session, min_rest=600)
    swap = request_swap(session, agents["A1"], agents["A3"], MONDAY, MONDAY, today=TODAY,
                        actor="A1")
    with pytest.raises(RuleRefused, match=r"^art\. 34: the partner has not consented"):
        decide_swap(session, swap.id or 0, approve=True, actor="sup", today=TODAY)
    consent_swap(session, swap.id or 0, partner=agents["A3"], actor="A3")
    decision = decide_swap(session, swap.id or 0, approve=True, actor="sup", today=TODAY)
    session.commit()
    assert decision.request.status == "approved" and decision.draft is not None
    assert (decision.draft.version, decision.draft.status) == (2, "draft")
    old_id = decision.draft.based_on_id or 0
    changes = roster_diff(load_roster(session, old_id)[1],
                          load_roster(session, decision.draft.id or 0)[1])
    assert [str(c) for c in changes] == ["A1 2026-12-07: D08 -> E14", "A3 2026-12-07: E14 -> D08"]
    publish_roster(session, decision.draft.id or 0, actor="sup")
    statuses = {r.version: r.status for r in session.exec(select(Roster))}
    assert statuses == {1: "superseded", 2: "published"}


def test_art_34_late_filing_is_refused(session: Session) -> None:
    agents = published(session, min_rest=600)
    with pytest.raises(RuleRefused, match=r"^art\. 34: a swap must be filed at least 1 working"):
        request_swap(session, agents["A1"], agents["A3"], dt.date(2026, 12, 7),
                     dt.date(2026, 12, 7), today=dt.date(2026, 12, 6), actor="A1")
    assert request_swap(session, agents["A1"], agents["A3"], dt.date(2026, 12, 7),
                        dt.date(2026, 12, 7), today=dt.date(2026, 12, 4), actor="A1").id


def test_art_35_day_night_swap_is_refused_and_eligibility_cannot_be_overridden(
    session: Session,
) -> None:
    agents = published(session)
    with pytest.raises(RuleRefused, match=r"^art\. 35: day-shift staff may not swap with night"):
        request_swap(session, agents["A1"], agents["A4"], MONDAY, MONDAY, today=TODAY,
                     actor="A1")
    with pytest.raises(RuleRefused, match="night_eligible: A1"):
        request_swap(session, agents["A1"], agents["A4"], MONDAY, MONDAY, today=TODAY,
                     actor="sup", override_reason="staffing emergency")


def test_art_35_third_swap_in_a_month_needs_an_override(session: Session) -> None:
    agents = published(session, min_rest=600)
    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 2)):
        request_swap(session, agents["A1"], agents["A2"], day, day, today=TODAY, actor="A1")
    with pytest.raises(RuleRefused, match=r"^art\. 35: at most 2 swaps per month: A1 already"):
        request_swap(session, agents["A1"], agents["A2"], MONDAY, MONDAY, today=TODAY,
                     actor="A1")
    third = request_swap(session, agents["A1"], agents["A2"], MONDAY, MONDAY, today=TODAY,
                         actor="sup", override_reason="A2 asked for it, approved by the manager")
    assert third.override_reason is not None


def test_a_swap_breaking_minimum_rest_is_refused(session: Session) -> None:
    agents = published(session, min_rest=720)
    with pytest.raises(RuleRefused, match="min_rest_between_shifts: A1 2026-12-08"):
        request_swap(session, agents["A1"], agents["A3"], MONDAY, MONDAY, today=TODAY,
                     actor="A1")


def test_swap_outside_any_published_roster_is_refused(session: Session) -> None:
    agents = published(session)
    with pytest.raises(RuleRefused, match="no published roster covers 2027-01-04"):
        request_swap(session, agents["A1"], agents["A2"], dt.date(2027, 1, 4),
                     dt.date(2027, 1, 4), today=TODAY, actor="A1")


def test_rejection_needs_a_reason(session: Session) -> None:
    agents = published(session, min_rest=600)
    swap = request_swap(session, agents["A1"], agents["A2"], MONDAY, MONDAY, today=TODAY,
                        actor="A1")
    with pytest.raises(Exception, match="a refusal needs a reason"):
        decide_swap(session, swap.id or 0, approve=False, actor="sup", today=TODAY)
    assert decide_swap(session, swap.id or 0, approve=False, actor="sup", today=TODAY,
                       reason="short-staffed").request.status == "rejected"
    assert session.exec(select(Centre)).one().code == "C1"


def test_the_requester_cancels_a_pending_swap_and_it_is_audited(session: Session) -> None:
    from callcenter.models import AuditLog
    from callcenter.services.swaps import cancel_swap

    agents = published(session, min_rest=600)
    swap = request_swap(session, agents["A1"], agents["A2"], MONDAY, MONDAY, today=TODAY,
                        actor="A1")
    with pytest.raises(Exception, match="does not exist"):
        cancel_swap(session, swap.id or 0, agent=agents["A2"], actor="A2")
    assert cancel_swap(session, swap.id or 0, agent=agents["A1"], actor="A1").status == \
        "cancelled"
    with pytest.raises(RuleRefused, match="only a pending swap"):
        cancel_swap(session, swap.id or 0, agent=agents["A1"], actor="A1")
    actions = [a.action for a in session.exec(select(AuditLog).where(
        AuditLog.entity == "swap_request"))]
    assert actions == ["request", "cancelled"]
