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

from collections.abc import Collection

from inputs.scenario import Institution, Scenario
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
def diagnose(scenario: Scenario, around: Collection[str] | None = None) -> Diagnosis:
    """Find, without solving, which institutions cannot be visited and which capacities fall short.

    With ``around`` (institution ids), only what bears on those institutions is checked: the
    institutions themselves, those that draw on the same experts (pools of the district rule, R7;
    standing teams, R11), and the rows of the yearly caps (R9) and the office's capacity (R10) that
    count them. The findings about the ``around`` institutions are the same as the whole round's,
    but for R9's minimums, which are left out: they are checked over the whole round, and a round
    that cannot meet them gets no plan (``scheduler.solve``), so a plan's left-out institutions
    never owe their place to them. Its cost grows with those institutions' pools, not the round.
    """
    ctx = _Context(scenario)
    collector = _Collector()
    cache: dict[tuple, tuple[list[_Note], int | None]] = {}
    whole = around is None or scenario.params.max_concurrent_visits is not None
    chosen = scenario.institutions if whole else _neighbourhood(ctx, set(around or ()))
    infos = [_diagnose_institution(ctx, i, collector, cache) for i in chosen if not i.exempt]
    blocked = collector.finish()
    free = [x for x in infos if x.inst.id not in blocked]
    shortfalls = [
        *_pool_shortfalls(ctx, free),
        *_standing_team_shortfalls(ctx, free),
        *_quota_shortfalls(ctx, infos, set(blocked), minimums=whole),
        *_concurrency_shortfalls(ctx, free),
    ]
    return Diagnosis(blocked=blocked, shortfalls=shortfalls)


def _neighbourhood(ctx: _Context, around: set[str]) -> list[Institution]:
    """The institutions whose checks bear on those of ``around``: every institution of a pool of the
    district rule that holds one of theirs (a pool's shortfall counts the institutions of the pools
    it holds), those standing teams may visit, and those a yearly cap (R9) counts, in round order."""
    scenario = ctx.scenario
    open_ = [i for i in scenario.institutions if not i.exempt]
    key_of = {i.id: ctx.pool(i).key for i in open_}
    keys = set(key_of.values())

    def holds(outer: frozenset[str] | None, inner: frozenset[str] | None) -> bool:
        return outer is None or (inner is not None and inner <= outer)

    theirs = {key_of[i] for i in around if i in key_of}
    shortfall_keys = {k for k in keys if any(holds(k, own) for own in theirs)}
    needed = {k for k in keys if any(holds(outer, k) for outer in shortfall_keys)}
    tiers = {i.tier for i in open_}
    teamed = {tier for tier in tiers if any(team.covers(tier) for team in scenario.teams)}
    capped = [q for q in scenario.quotas if q.allowed(len(scenario.counted(q))) is not None]
    return [
        i
        for i in open_
        if i.id in around or key_of[i.id] in needed or i.tier in teamed or any(q.counts(i) for q in capped)
    ]
