"""Pure scoring engine: the customer's point tables (art. 104-107) as data, quarterly scores."""

from scoring._errors import RuleTableError, ScoringError
from scoring._rules import Mark, Rule, RuleTable, load_rule_table

__all__ = [
    "Mark",
    "Rule",
    "RuleTable",
    "RuleTableError",
    "ScoringError",
    "load_rule_table",
]
