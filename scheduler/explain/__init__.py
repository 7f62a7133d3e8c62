"""Reasons, in the office's terms, why an institution was left out of the plan, and what would let it in.

For every institution a solve leaves out (SPEC §2 objective 1, issue 5):

1. What the pre-solve checks (:mod:`scheduler.diagnose`) found: what blocks it whatever the plan
   (a missing leader, a skill held only by someone who must step aside, a window too short, …),
   and the capacity shortfalls it shares with other institutions.
2. When the pre-checks do not block it, a relaxation analysis after the solve. The part of the round
   that shares experts with it (the whole round when the office caps concurrent visits) is solved
   again with every planned institution kept in and this one required too, relaxing one group of
   rules at a time, in this order: the office's cap on concurrent visits (R10), yearly caps (R8),
   declared absences (R8), yearly quotas (R9), rest days (R5), the institution's own window (R3),
   the completion deadline (R3), the size of the expert pool (R5: new experts). Each such re-solve
   also minimises the change (the lowest cap, the earliest deadline, the fewest new experts, …),
   so every relaxation that lets the institution in becomes a reason with a concrete fix, e.g.
   「同时巡查数上限 1 … 。建议：将同时巡查数上限（max_concurrent_visits）调为 2。」 The first
   one names the blocking rule (``Unscheduled.rule``).
3. When no single relaxation lets it in, sets of them relaxed together: every pair of the groups
   that apply, then every triple when there are at most ``_MAX_TRIPLES`` of them, in the order
   above (the single relaxations leave a share of the budget for this). Each re-solve minimises the
   sum of the parts' changes, each in its own measure (the cap, the finishing day, …): a proven
   optimum is a fix no part of which can be smaller without another growing. The first set that
   lets the institution in gives one reason under its first group's rule, with each part's facts
   and the combined fix, e.g. 「建议：将同时巡查数上限（max_concurrent_visits）调为 2，并将完成期限
   （deadline）由 2024-12-20 推迟到 2024-12-24。」 When none does, the reason says which sizes of
   set were tried; when the budget runs out first, which sets were not.

The analysis runs under a budget (solver deterministic time, the wall clock only as a safety net),
with one worker and a fixed seed, so the same plan gets the same reasons. It never changes the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from inputs.scenario import TIER_LABELS, Institution
from scheduler.diagnose import Diagnosis, describe, diagnose
from scheduler.explain.analysis import _Analysis
from scheduler.explain.base import _Budget, _Verdict
from scheduler.explain.base import _OutOfTime as _OutOfTime  # raised by patched budgets in tests
from scheduler.explain.wording import _COUNTS, _sets
from scheduler.greedy import Assignment
from scheduler.instance import Instance
from scheduler.pins import with_pins

__all__ = ["DEFAULT_BUDGET", "Explanation", "explain", "reasons_for"]

DEFAULT_BUDGET = 10.0  # seconds of analysis when a caller gives none


class Explanation(NamedTuple):
    """Why one institution was left out: the blocking rule (``R1`` … ``R12``; None when no rule
    blocks it and the solver merely ran out of time) and the reasons, in Chinese."""

    rule: str | None
    reasons: tuple[str, ...]


# -- entry points --------------------------------------------------------------------------------------
def explain(
    instance: Instance,
    chosen: dict[int, Assignment],
    left: Sequence[Institution] | None = None,
    *,
    budget: float = DEFAULT_BUDGET,
    proven: bool = False,
    on_last_resort: Callable[[], None] | None = None,
    until: float | None = None,
) -> dict[str, Explanation]:
    """Reasons for every left-out institution (``left``; default: every non-exempt one not in
    ``chosen``), keyed by institution id. ``budget`` bounds the relaxation analysis, in seconds;
    0 gives the pre-check reasons only. ``proven``: the solver proved ``chosen`` plans as many
    institutions as possible, so none of them fits without a change (no need to re-solve for that).
    The analysis spends deterministic solver time; ``on_last_resort`` is called when the wall clock
    (the last resort, at the latest ``until``, monotonic seconds) ended it instead, so the reasons
    may differ from an idle machine's."""
    scenario = instance.scenario
    planned = {instance.tasks[t].inst.id for t in chosen}
    if left is None:
        left = [i for i in scenario.institutions if not i.exempt and i.id not in planned]
    if not left:
        return {}
    diagnosis = _diagnosis(instance, left)
    analysis = (
        _Analysis(instance, chosen, _Budget(budget, until), proven, around=left) if budget > 0 else None
    )
    verdicts: dict[str, _Verdict] = {}
    if analysis is not None:
        open_ = [
            i
            for i in left
            if not diagnosis.blocked.get(i.id) and i not in instance.no_window and i not in instance.no_staff
        ]
        signatures = {i.id: analysis.signature(i) for i in open_}
        pending = list(dict.fromkeys(sig for sig in signatures.values() if sig is not None))
        done: dict[tuple, _Verdict] = {}
        for inst in open_:
            sig = signatures[inst.id]
            if sig is None:
                continue
            if sig not in done:
                analysis.budget.begin(len(pending))
                done[sig] = analysis.examine(inst)
                pending.remove(sig)
            verdicts[inst.id] = done[sig].about(inst.id)
    analysed = analysis is not None
    if analysis is not None and analysis.budget.fired and on_last_resort is not None:
        on_last_resort()
    return {
        inst.id: with_pins(_explain_one(instance, inst, diagnosis, verdicts.get(inst.id), analysed), inst)
        for inst in left
    }


def reasons_for(
    instance: Instance,
    inst: Institution,
    chosen: dict[int, Assignment] | None = None,
    *,
    budget: float = DEFAULT_BUDGET,
) -> tuple[str | None, list[str]]:
    """The blocking rule and the reasons for one left-out institution. Without ``chosen`` (the plan)
    only the pre-check reasons can be given."""
    found = explain(instance, chosen or {}, [inst], budget=budget if chosen is not None else 0.0)[inst.id]
    return found.rule, list(found.reasons)


# -- putting the reasons together ----------------------------------------------------------------------
def _diagnosis(instance: Instance, left: Sequence[Institution]) -> Diagnosis:
    """The pre-checks of what bears on the ``left`` institutions (cached on the instance per set)."""
    around = frozenset(i.id for i in left)
    cache: dict[frozenset[str], Diagnosis] = vars(instance).setdefault("_diagnoses", {})
    if around not in cache:
        cache[around] = diagnose(instance.scenario, around)
    return cache[around]


def _label(instance: Instance, inst: Institution) -> str:
    return f"{inst.name}（{inst.id}，{TIER_LABELS.get(inst.tier, inst.tier)}）"


def _explain_one(
    instance: Instance, inst: Institution, diagnosis: Diagnosis, verdict: _Verdict | None, analysed: bool
) -> Explanation:
    blocked = diagnosis.blocked.get(inst.id)
    if blocked:
        return Explanation(blocked[0].rule, tuple(dict.fromkeys(describe(f) for f in blocked)))
    shared = [describe(f) for f in diagnosis.shortfalls if inst.id in f.institutions]
    label = _label(instance, inst)
    if inst in instance.no_window:
        days = instance.scenario.min_days(inst)
        return Explanation("R3", (f"{label}在允许的时间窗口内凑不出连续 {days} 个工作日。", *shared))
    if inst in instance.no_staff:
        return Explanation(
            "R7", (f"{label}没有可派出的专家：回避、交叉检查或本区县规则排除了所有专家。", *shared)
        )
    if verdict is None:
        verdict = _Verdict("skipped")
    if verdict.fixes:
        reasons = [describe(f) for f in verdict.fixes]
        return Explanation(verdict.fixes[0].rule, tuple(dict.fromkeys([*reasons, *shared])))
    if verdict.kind == "solvable":
        text = (
            f"在求解时限内没有排入：复核发现{label}可以与已安排的 {verdict.others} 家机构一同排入。"
            "建议：延长求解时限（--time-limit）后重新编排。"
        )
        return Explanation(None, (text, *shared))
    general = f"{label}单独看可以安排（预检未发现问题），但与已安排的巡查争用同一批专家或时段"
    if verdict.kind == "none" and verdict.tried and not verdict.settled:
        # some re-solve only ran out of its limits without a plan: no claim that it is not enough
        general += f"；在复核时限内，单独放宽{'、'.join(verdict.tried)}都未能排入"
        if verdict.sets > 1:
            general += f"，任意{_COUNTS[verdict.sets]}项同时放宽也未能排入"
        if verdict.untried:
            general += f"；以下组合未及同时放宽一试：{_sets(verdict.untried)}"
        general += "（未能证明放宽不足，延长求解时限或增加相关专家后可再试）"
    elif verdict.kind == "none" and verdict.tried:
        general += f"；单独放宽{'、'.join(verdict.tried)}都不足以排入"
        if verdict.untried:
            if verdict.sets > 1:
                general += f"，其中任意{_COUNTS[verdict.sets]}项同时放宽也不足以排入"
            general += f"；复核时限已到，以下组合未及同时放宽一试：{_sets(verdict.untried)}"
        elif verdict.sets > 1:
            general += f"，其中任意{_COUNTS[verdict.sets]}项同时放宽也不足以排入，需同时调整更多条件"
        else:
            general += "，需同时调整多项条件"
    elif analysed:
        general += "（复核时限已到，未能进一步查明）"
    if shared:
        first = next(f for f in diagnosis.shortfalls if inst.id in f.institutions)
        return Explanation(first.rule, (*shared, general + "。"))
    return Explanation("R5", (general + "。",))
