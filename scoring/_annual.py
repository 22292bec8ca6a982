"""Annual excellence (art. 104 R8): mean quarterly score, art. 106 bar, capped nominations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, localcontext

from scoring._errors import RuleTableError, ScoringInputError, UnknownEventCodeError
from scoring._model import LineItem, QuarterResult, ScoringEvent, YearScore, round_half_up
from scoring._quarter import as_date, event_line_item
from scoring._ranking import competition_ranks
from scoring._rules import Rule, RuleTable

NOMINEE_SHARE_PERCENT = 15  # art. 104 R8: at most 15 % of the centre's headcount
MAX_NOMINEES = 3  # art. 104 R8: "top three"


def nominee_count(headcount: int) -> int:
    """``min(3, max(1, floor(0.15 * headcount)))``, in exact integer arithmetic."""
    if headcount < 0:
        raise ScoringInputError(f"headcount must be >= 0, got {headcount}")
    return min(MAX_NOMINEES, max(1, NOMINEE_SHARE_PERCENT * headcount // 100))


def _nomination_rule(rules: RuleTable) -> Rule:
    for rule in rules.rules.values():
        if "nominate" in rule.effects:
            return rule
    raise RuleTableError(f"rule table {rules.version}: no rule with effect 'nominate' (R8)")


def score_year(
    year: int,
    quarter_scores: Iterable[QuarterResult],
    *,
    headcount: int,
    rules: RuleTable,
    events: Iterable[ScoringEvent] = (),
) -> tuple[YearScore, ...]:
    """Annual standing of every agent scored in ``year``, ranked first, then disqualified.

    Mean = mean of the final scores of the quarters scored that year, rounded half-up to
    2 places. An agent is disqualified when a quarter of the year carries
    ``disqualified_annual`` or an event of the year has a ``disqualify`` rule (art. 106);
    disqualified agents get no rank. Eligible agents are ranked by the published (rounded)
    mean under competition ranking; ranks up to ``nominee_count(headcount)`` are nominated,
    so every agent tied at the cut is nominated and flagged ``tie_at_cut``.
    Quarter scores and events of other years are ignored.
    """
    nomination = _nomination_rule(rules)
    by_agent: dict[str, dict[int, QuarterResult]] = defaultdict(dict)
    for score in quarter_scores:
        if score.year != year:
            continue
        if score.quarter in by_agent[score.agent_id]:
            raise ScoringInputError(
                f"two scores for agent {score.agent_id!r} in {year} Q{score.quarter}"
            )
        by_agent[score.agent_id][score.quarter] = score

    # Disqualifying events by agent, keyed by event id so a quarter's line item and the same
    # event passed in ``events`` count once.
    bars: dict[str, dict[str, LineItem]] = defaultdict(dict)
    flagged: dict[str, list[int]] = defaultdict(list)
    for agent_id, quarters in by_agent.items():
        for q, score in sorted(quarters.items()):
            if score.disqualified_annual:
                flagged[agent_id].append(q)
            items: tuple[LineItem, ...] = getattr(score, "line_items", ())
            for item in items:
                if "disqualify" in item.effects:
                    bars[agent_id][item.event_id or f"{item.code} {item.period}"] = item
    for event in events:
        if as_date(event.date).year != year:
            continue
        if event.code not in rules.event_codes:
            raise UnknownEventCodeError(event.event_id, event.code, rules.version)
        rule = rules.rules.get(event.code)
        if rule is not None and "disqualify" in rule.effects and event.agent_id in by_agent:
            bars[event.agent_id].setdefault(event.event_id, event_line_item(event, rule))

    means: dict[str, Decimal] = {}
    for agent_id, quarters in by_agent.items():
        finals = [quarters[q].final_score for q in sorted(quarters)]
        with localcontext() as ctx:
            ctx.prec = 50
            exact = sum(finals, Decimal(0)) / len(finals)
        means[agent_id] = round_half_up(exact)

    disqualified = {a for a in by_agent if bars.get(a) or flagged.get(a)}
    eligible = {a: m for a, m in means.items() if a not in disqualified}
    ranks = competition_ranks(eligible)
    cut = nominee_count(headcount)
    nominated = {a for a, r in ranks.items() if r <= cut}
    tie_at_cut: set[str] = set()
    if len(nominated) > cut:
        cut_rank = max(ranks[a] for a in nominated)
        tie_at_cut = {a for a in nominated if ranks[a] == cut_rank}

    rows: list[YearScore] = []
    for agent_id in sorted(by_agent):
        quarters = by_agent[agent_id]
        parts = [f"Q{q} {quarters[q].final_score}" for q in sorted(quarters)]
        parts.append(f"mean {means[agent_id]}")
        if agent_id in disqualified:
            found = sorted(
                bars.get(agent_id, {}).values(), key=lambda b: (b.period, b.code, b.event_id or "")
            )
            reasons = [f"{b.code} {b.period} art.{b.article}" for b in found] or [
                f"flagged in Q{q}" for q in flagged[agent_id]
            ]
            parts.append("disqualified: " + ",".join(reasons))
        else:
            parts.append(f"rank {ranks[agent_id]} of {len(ranks)}")
            if agent_id in nominated:
                parts.append(
                    f"{nomination.code} nominated art.{nomination.article} "
                    f"({cut} of headcount {headcount})"
                )
            if agent_id in tie_at_cut:
                parts.append("tie at cut: HR to decide")
        rows.append(
            YearScore(
                agent_id=agent_id,
                year=year,
                quarters_scored=len(quarters),
                mean_final_score=means[agent_id],
                disqualified_annual=agent_id in disqualified,
                rank=ranks.get(agent_id),
                nominated=agent_id in nominated,
                tie_at_cut=agent_id in tie_at_cut,
                explanation=";".join(parts),
                rule_table_version=rules.version,
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.agent_id))
    return tuple(rows)
