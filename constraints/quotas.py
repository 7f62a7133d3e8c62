"""R9 — yearly coverage quotas (年度指标): e.g. all private secondary hospitals and at least 30% of
grassroots institutions in 2025; about 10% of grassroots in 2024.

A quota row counts the non-exempt institutions matching its tier and ownership (either may be
blank: any). It needs at least ``max(min_count, ceil(min_share × that count))`` of them visited in
its year, a visit counting for a year when it lies wholly inside it. A row may also cap the year
(``max_share``, ``max_count``): at most ``min(max_count, floor(max_share × count))`` of them visited
wholly inside it — seed 004's "about 10% in 2024" is ``min_share`` = ``max_share`` = 10%. Where the
two shares are equal (or close) and rounding alone would put the cap below the minimum, the cap is
raised to the minimum, so "about 10%" of 1,625 is exactly 163. Sources: seeds 001, 004.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from constraints.base import Violation
from inputs.scenario import OWNERSHIP_LABELS, TIER_LABELS, Institution, Quota, Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R9"


def quota_text(quota: Quota) -> str:
    """How a quota is named: 「2025年 民营 二级」, 「2024年 基层」, 「2026年 全部机构」."""
    parts = [f"{quota.year}年"]
    if quota.ownership is not None:
        parts.append(OWNERSHIP_LABELS.get(quota.ownership, quota.ownership))
    if quota.tier is not None:
        parts.append(TIER_LABELS.get(quota.tier, quota.tier))
    if len(parts) == 1:
        parts.append("全部机构")
    return " ".join(parts)


def matching(scenario: Scenario, quota: Quota) -> list[Institution]:
    """The non-exempt institutions a quota row counts."""
    wanted = {"tier": quota.tier, "ownership": quota.ownership}
    return [
        inst
        for inst in scenario.institutions
        if not inst.exempt and all(v is None or getattr(inst, k) == v for k, v in wanted.items())
    ]


# This module is the check's own reading of a quota row (``schedule validate``); the solver's side reads
# it through ``inputs.scenario.Quota`` with floats and a tolerance. Here a share is taken as the decimal
# the planner typed (a fraction of denominator at most a million: 30% is 3/10 exactly) and counted in
# exact arithmetic, so the two agree on every share a cell can hold and a slip in either shows.
_DENOMINATOR = 10**6


def _exact(share: float) -> Fraction:
    return Fraction(share).limit_denominator(_DENOMINATOR)


def required(quota: Quota, count: int) -> int:
    """How many of ``count`` matching institutions the quota needs visited."""
    return max(quota.min_count, math.ceil(_exact(quota.min_share) * count))


def allowed(quota: Quota, count: int) -> int | None:
    """How many of ``count`` matching institutions the quota allows at most in its year (None: no cap)."""
    by_count = quota.max_count
    by_share = None
    if quota.max_share is not None:
        top, least = _exact(quota.max_share), _exact(quota.min_share)
        by_share = math.floor(top * count)
        if least and top >= least:  # "about 10%": the two shares always meet
            by_share = max(by_share, math.ceil(least * count))
    caps = [c for c in (by_count, by_share) if c is not None]
    return min(caps, default=None)


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every quota row has enough, and no more than its cap, of its institutions visited wholly inside
    its year."""
    violations: list[Violation] = []
    for quota in scenario.quotas:
        pool = matching(scenario, quota)
        need = required(quota, len(pool))
        ids = {inst.id for inst in pool}
        visited = {
            v.institution
            for v in plan.visits
            if v.institution in ids
            and getattr(v, "kind", "visit") == "visit"
            and v.start <= v.end
            and v.start.year == v.end.year == quota.year
        }
        cap = allowed(quota, len(pool))
        if cap is not None and len(visited) > cap:
            parts = []
            if quota.max_share is not None:
                parts.append(f"比例不超过 {quota.max_share * 100:g}%")
            if quota.max_count is not None:
                parts.append(f"不超过 {quota.max_count} 家")
            violations.append(
                Violation(
                    RULE,
                    quota_text(quota),
                    f"{quota_text(quota)}指标：符合条件的非免检机构共 {len(pool)} 家，"
                    f"{quota.year} 年内至多巡查 {cap} 家（{'，'.join(parts)}），计划安排了 {len(visited)} 家",
                )
            )
        if len(visited) >= need:
            continue
        parts = []
        if quota.min_share:
            parts.append(f"比例 {quota.min_share * 100:g}%")
        if quota.min_count:
            parts.append(f"至少 {quota.min_count} 家")
        basis = f"（{'，'.join(parts)}）" if parts else ""
        violations.append(
            Violation(
                RULE,
                quota_text(quota),
                f"{quota_text(quota)}指标：符合条件的非免检机构共 {len(pool)} 家，应在 {quota.year} 年内巡查"
                f"至少 {need} 家{basis}，计划只安排了 {len(visited)} 家",
            )
        )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R9: enough of the matching institutions are visited wholly inside the quota's year."""
    for year, tasks, need in m.quotas:
        terms = [m.in_year[t, year] for t in tasks if (t, year) in m.in_year]
        m.cp.add(sum(terms) >= need)
    for year, tasks, cap in m.caps:
        terms = [m.in_year[t, year] for t in tasks if (t, year) in m.in_year]
        if len(terms) > cap:
            m.cp.add(sum(terms) <= cap)
