"""The ordered list of rule checks, and ``validate``: every rule of SPEC §2 on a finished plan.

The checks re-read the plan against the scenario and share no code with the solver, so that
``schedule validate`` is an independent witness of what the model promised. Every check is near-linear
in the number of visits (sorting and sweeping, working days counted by bisection), and a long list of
like violations is cut to a few lines and a count, so that a plan.json of thousands of visits, even
copies of one, is checked in seconds and reads as a useful report. R0 (plan-level sanity)
comes first, then R1–R12 in the order of SPEC §2. R13 (replanning) needs a baseline plan and is not
part of this list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from constraints import (
    availability,
    capacity,
    conflicts,
    coverage,
    exempt,
    followups,
    lead_time,
    overlap,
    pairings,
    parts,
    pins,
    quotas,
    standing_teams,
    team_composition,
    visit_length,
    windows,
    working_days,
)
from constraints.base import Violation
from inputs.scenario import Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

Check = Callable[[Scenario, Plan], list[Violation]]
Post = Callable[["Model"], None]

CHECKS: list[tuple[str, Check]] = [
    ("R0", coverage.check),
    ("R1", visit_length.check),
    ("R2", working_days.check),
    ("R3", windows.check),
    ("R4", team_composition.check),
    ("R4", parts.check),
    ("R5", overlap.check),
    ("R6", conflicts.check),
    ("R7", pairings.check),
    ("R8", availability.check),
    ("R9", quotas.check),
    ("R10", capacity.check),
    ("R11", standing_teams.check),
    ("R12", exempt.check),
    ("R14", lead_time.check),
    ("R15", followups.check),
    ("R16", pins.check),
]

# The model faces, hard rules in SPEC order; the solver posts them all (scheduler.solve).
POSTS: list[tuple[str, Post]] = [
    ("R1", visit_length.add),
    ("R2", working_days.add),
    ("R3", windows.add),
    ("R4", team_composition.add),
    ("R4", parts.add),
    ("R5", overlap.add),
    ("R6", conflicts.add),
    ("R7", pairings.add),
    ("R8", availability.add),
    ("R9", quotas.add),
    ("R10", capacity.add),
    ("R11", standing_teams.add),
    ("R12", exempt.add),
    ("R14", lead_time.add),
    ("R15", followups.add),
    ("R16", pins.add),
]


def post_all(m: Model) -> None:
    """Post every rule onto the model's variables."""
    from scheduler import precedence

    for _, post in POSTS:
        post(m)
    precedence.post_all(m)  # links between tasks (R15: a follow-up after its visit)


_ORDER = {rule: n for n, (rule, _) in enumerate(CHECKS)}


def sort_key(violation: Violation) -> tuple[int, str, str]:
    """Rule order of SPEC §2 (R0 first, R10 after R9), then subject, then message."""
    return (_ORDER.get(violation.rule, len(_ORDER)), violation.subject, violation.message)


def validate(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every violation of every rule, in a deterministic order; empty when the plan holds."""
    found: list[Violation] = []
    for _rule, check in CHECKS:
        found += check(scenario, plan)
    return sorted(set(found), key=sort_key)
