"""Explain, before solving, why institutions cannot be planned (SPEC §2 objective 1, issue 5).

Pure Python over the :class:`~inputs.scenario.Scenario`, independent of the CP-SAT model, and fast
(linear in institutions × experts, with caches keyed by what the answers depend on). For every
non-exempt institution it asks, in this order:

1. can a valid team be formed at all (R4), from the experts the district rule allows (R7) less those
   who must step aside (R6) — or, where standing teams cover the tier, is one of them usable (R11);
2. is there a window of ``min_days`` consecutive working days (R1–R3) inside the cycle, the
   institution's year, batch and earliest/latest dates, on the working-day calendar (R2);
3. are the experts such a team needs free for some placement in that window (R8).

What blocks an institution goes into :attr:`Diagnosis.blocked`. Cheap capacity bounds that no single
institution explains (person-days of a pool of experts, a skill, the leaders; yearly quotas, R9; the
office's cap on concurrent visits, R10; standing teams' time, R11) go into
:attr:`Diagnosis.shortfalls`. Every finding says, in Chinese and in the office's terms, what is
short, by how much, and the smallest change that would fix it.
"""

from __future__ import annotations

from inputs.scenario import Scenario
from scheduler.diagnose.capacity import (
    _concurrency_shortfalls,
    _pool_shortfalls,
    _quota_shortfalls,
    _standing_team_shortfalls,
)
from scheduler.diagnose.context import _Context
from scheduler.diagnose.findings import RULE_TITLES, Diagnosis, Finding, _Collector, _Note, describe
from scheduler.diagnose.institution import _diagnose_institution

__all__ = ["RULE_TITLES", "Diagnosis", "Finding", "describe", "diagnose"]


# -- entry points --------------------------------------------------------------------------------------
def diagnose(scenario: Scenario) -> Diagnosis:
    """Find, without solving, which institutions cannot be visited and which capacities fall short."""
    ctx = _Context(scenario)
    collector = _Collector()
    cache: dict[tuple, tuple[list[_Note], int | None]] = {}
    infos = [_diagnose_institution(ctx, i, collector, cache) for i in scenario.institutions if not i.exempt]
    blocked = collector.finish()
    free = [x for x in infos if x.inst.id not in blocked]
    shortfalls = [
        *_pool_shortfalls(ctx, free),
        *_standing_team_shortfalls(ctx, free),
        *_quota_shortfalls(ctx, infos, set(blocked)),
        *_concurrency_shortfalls(ctx, free),
    ]
    return Diagnosis(blocked=blocked, shortfalls=shortfalls)
