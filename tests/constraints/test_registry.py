"""The registry: rule order, and the valid fixtures passing every check."""

from __future__ import annotations

from constraints.base import Violation
from constraints.registry import CHECKS, sort_key, validate
from tests.constraints.builders import replace_visit


def test_checks_are_in_rule_order():
    """R0 comes first, then R1 … R12 in the order of SPEC §2 (a rule may have more than one check:
    R4's division of work has its own), then the rules that follow them."""
    codes = list(dict.fromkeys(rule for rule, _ in CHECKS))
    assert codes[:13] == [f"R{n}" for n in range(13)]
    assert codes == sorted(codes, key=lambda code: int(code[1:]))


def test_small_valid_plan_passes_every_rule(small, small_valid):
    """The hand-made plan of the ``small`` scenario holds every rule, across National Day 2024."""
    assert validate(small, small_valid) == []


def test_teams_valid_plan_passes_every_rule(teams, teams_valid):
    """The standing-team plan holds every rule, with E6 stepping aside from his employer H2."""
    assert validate(teams, teams_valid) == []


def test_violations_are_sorted_by_rule_number_then_subject(small, small_valid):
    """R2 comes before R10 (numeric, not text order); within a rule, subjects are sorted."""
    plan = replace_visit(small_valid, "G2", start=small_valid.visit_of("G1").start)  # crowds 10-14
    plan = replace_visit(plan, "H1", start=small_valid.visit_of("H1").start.replace(day=22))  # a Sunday
    found = validate(small, plan)
    assert found == sorted(found, key=sort_key)
    order = [v.rule for v in found]
    assert order.index("R2") < order.index("R10")


def test_sort_key_orders_rule_codes_numerically():
    """R9 sorts before R10 and R12 even though "R10" < "R9" as text."""
    found = [Violation("R12", "a", "m"), Violation("R10", "a", "m"), Violation("R9", "a", "m")]
    assert [v.rule for v in sorted(found, key=sort_key)] == ["R9", "R10", "R12"]
