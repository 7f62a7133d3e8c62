"""Who may sit on a visit — R6 (回避) and R7 (区县交叉检查) as the planner's side reads them.

The scheduler's instance filters each visit's candidates with these facts once (an excluded expert or
one from a district not allowed gets no variable), explanations reuse them to propose new experts,
the rules' model faces (``constraints.conflicts.add``, ``constraints.pairings.add``) pin any remaining
variable to 0 with them, and the read-time controls (``inputs.controls``) refuse a pinned expert by
them, so a pin passes exactly when the solver can keep it. ``schedule validate`` checks a plan by the
rules' own code (``constraints.conflicts.check``, ``constraints.pairings.check``), not by this module.
"""

from __future__ import annotations

from inputs.scenario import Expert, Institution, Scenario


def listed_conflicts(scenario: Scenario) -> set[tuple[str, str]]:
    """The ``conflicts`` sheet as (expert id, institution id) pairs."""
    return {(c.expert_id, c.institution_id) for c in scenario.conflicts}


def works_at(expert: Expert, inst: Institution) -> bool:
    """The expert's employer (resolved by the reader, ``inputs.employers``) is the institution."""
    return bool(expert.employer) and expert.employer in (inst.id, inst.name)


def excluded(scenario: Scenario, expert: Expert, inst: Institution, listed: set[tuple[str, str]]) -> bool:
    """R6: the expert may not sit on a visit to ``inst`` (own employer or a listed conflict)."""
    return works_at(expert, inst) or (expert.id, inst.id) in listed


def paired_districts(scenario: Scenario, inst: Institution) -> set[str]:
    """R7: the inspecting districts of the pairings that cover ``inst`` (its district and tier)."""
    return {
        p.inspecting_district
        for p in scenario.pairings
        if p.inspected_district == inst.district and p.covers(inst.tier)
    }


def team_districts(scenario: Scenario, inst: Institution) -> set[str] | None:
    """R7: the districts a team visiting ``inst`` must come from; None means anywhere."""
    paired = paired_districts(scenario, inst)
    if paired:
        return paired
    if scenario.params.home_district_only:
        return {inst.district}
    return None
