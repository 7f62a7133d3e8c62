"""R6: no expert inspects their employer (by id or by name) or an institution on their conflicts list."""

from __future__ import annotations

from constraints import conflicts
from constraints.registry import validate
from tests.constraints.builders import expert, inst, replace_visit, rules, subjects


def test_employer_by_id(small, small_valid):
    """E6 works at H1 (employer given as the id): adding him to H1 breaks R6, and only R6."""
    plan = replace_visit(small_valid, "H1", members=("E1", "E3", "E4", "E5", "E6"))
    found = validate(small, plan)
    assert rules(found) == {"R6"}
    assert subjects(found, "R6") == {"H1"}
    assert "杨军（E6）" in found[0].message and "工作单位" in found[0].message


def test_employer_by_name(small, small_valid):
    """E7's employer is written as H1's name, 巴南第一医院: that is a conflict too."""
    plan = replace_visit(small_valid, "H1", members=("E1", "E3", "E4", "E5", "E7"))
    found = validate(small, plan)
    assert rules(found) == {"R6"}
    assert "赵磊（E7）" in found[0].message


def test_conflicts_row(small, small_valid):
    """E4 has a conflicts row for G2 (曾在该院任职): putting him on G2 breaks R6 with the reason."""
    plan = replace_visit(small_valid, "G2", members=("E2", "E7", "E5", "E4"))
    found = validate(small, plan)
    assert rules(found) == {"R6"}
    assert subjects(found, "R6") == {"G2"}
    assert "曾在该院任职" in found[0].message


def test_conflicted_leader_off_the_member_list_is_still_reported(small, small_valid):
    """A leader with a conflict who is (wrongly) not on the member list is still caught by R6."""
    plan = replace_visit(small_valid, "H1", leader="E6")
    assert subjects(conflicts.check(small, plan), "R6") == {"H1"}


def test_conflict_reason_helper(small):
    """The one definition of a conflict: employer id, employer name, conflicts row, else none."""
    rows = conflicts.conflict_rows(small)
    h1 = inst("H1", "巴南第一医院")
    assert conflicts.conflict_reason(expert("A", "甲", employer="H1"), h1, rows)
    assert conflicts.conflict_reason(expert("B", "乙", employer="巴南第一医院"), h1, rows)
    assert conflicts.conflict_reason(expert("C", "丙", employer="南岸医院"), h1, rows) is None
    assert conflicts.conflict_reason(small.expert_by_id["E8"], small.institution_by_id["G1"], rows)
