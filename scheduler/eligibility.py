"""Who may sit on a visit — the engine's side of R6 (回避) and R7 (区县交叉检查).

The instance filters each visit's candidates with these facts once (an excluded expert or one from a
district not allowed gets no variable), explanations reuse them to propose new experts, and the
rules' model faces (``constraints.conflicts.add``, ``constraints.pairings.add``) pin any remaining
variable to 0 with them. ``schedule validate`` checks a plan by the rules' own code
(``constraints.conflicts.check``, ``constraints.pairings.check``), not by this module.
"""

from __future__ import annotations

from inputs.scenario import Expert, Institution, Scenario


def listed_conflicts(scenario: Scenario) -> set[tuple[str, str]]:
    """The ``conflicts`` sheet as (expert id, institution id) pairs."""
    return {(c.expert_id, c.institution_id) for c in scenario.conflicts}


def excluded(scenario: Scenario, expert: Expert, inst: Institution, listed: set[tuple[str, str]]) -> bool:
    """R6: the expert may not sit on a visit to ``inst`` (own employer or a listed conflict)."""
    if expert.employer and expert.employer in (inst.id, inst.name):
        return True
    return (expert.id, inst.id) in listed


def team_districts(scenario: Scenario, inst: Institution) -> set[str] | None:
    """R7: the districts a team visiting ``inst`` must come from; None means anywhere."""
    paired = {
        p.inspecting_district
        for p in scenario.pairings
        if p.inspected_district == inst.district and p.covers(inst.tier)
    }
    if paired:
        return paired
    if scenario.params.home_district_only:
        return {inst.district}
    return None
