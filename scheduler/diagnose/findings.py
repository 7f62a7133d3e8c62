"""The findings of the pre-solve checks and their wording (:mod:`scheduler.diagnose`).

:class:`Finding` and :class:`Diagnosis` are what the checks return; :func:`describe` is the sentence
a planner reads; the helpers word experts, institutions, tiers and skills the same way in every
check, and :class:`_Collector` merges the same note of several institutions into one finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from inputs.scenario import OWNERSHIP_LABELS, TIER_LABELS, Expert, Institution, Quota

RULE_TITLES: dict[str, str] = {
    "R1": "巡查天数",
    "R2": "工作日历",
    "R3": "时间安排",
    "R4": "专家组组成",
    "R5": "专家时间",
    "R6": "回避",
    "R7": "交叉检查",
    "R8": "专家可用时间与工作量",
    "R9": "年度指标",
    "R10": "同时巡查数量",
    "R11": "固定巡查组",
    "R12": "免检",
}

_MAX_NAMES = 6  # experts or institutions named in one message before "等 N 人"


# -- public values ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One reason, in the office's terms: the rule, what is wrong, and the smallest fix."""

    rule: str  # "R1" … "R12"
    message: str  # Chinese, names the rule's subject and the numbers
    suggestion: str | None = None  # Chinese, the smallest change that would fix it
    institutions: tuple[str, ...] = ()  # ids of the institutions affected


@dataclass(frozen=True)
class Diagnosis:
    """What stands in the way of a complete plan, found before any solving."""

    blocked: dict[str, list[Finding]] = field(default_factory=dict)  # institution id -> reasons
    shortfalls: list[Finding] = field(default_factory=list)  # capacity problems of pools, years

    @property
    def ok(self) -> bool:
        """No institution is blocked and no capacity bound is broken."""
        return not self.blocked and not self.shortfalls

    @cached_property
    def _shortfalls_by_institution(self) -> dict[str, list[Finding]]:
        index: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.shortfalls:
            for inst_id in finding.institutions:
                index[inst_id].append(finding)
        return index

    def reasons_for(self, institution_id: str) -> list[str]:
        """Why this institution may not be planned: its own blocks first, then shortfalls it shares."""
        findings = [
            *self.blocked.get(institution_id, ()),
            *self._shortfalls_by_institution.get(institution_id, ()),
        ]
        return [describe(f) for f in findings]


def describe(finding: Finding) -> str:
    """One sentence for the planner: 「【R7 交叉检查】… 。建议：… 。」"""
    title = RULE_TITLES.get(finding.rule, "")
    head = f"【{finding.rule} {title}】" if title else f"【{finding.rule}】"
    text = f"{head}{finding.message}。"
    if finding.suggestion:
        text += f"建议：{finding.suggestion}。"
    return text


# -- Chinese wording ----------------------------------------------------------------------------------
def _expert_text(expert: Expert) -> str:
    return f"{expert.name}（{expert.id}）"


def _inst_text(inst: Institution) -> str:
    return f"{inst.name}（{inst.id}）"


def _names(experts: Sequence[Expert]) -> str:
    shown = "、".join(_expert_text(e) for e in experts[:_MAX_NAMES])
    return shown if len(experts) <= _MAX_NAMES else f"{shown}等 {len(experts)} 人"


def _insts_text(insts: Sequence[Institution]) -> str:
    shown = "、".join(_inst_text(i) for i in insts[:_MAX_NAMES])
    return shown if len(insts) <= _MAX_NAMES else f"{shown}等 {len(insts)} 家"


def _tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def _tier_noun(tier: str) -> str:
    """「三级综合机构」, 「妇幼保健院」: the label, with 机构 unless it already names the kind."""
    label = _tier_label(tier)
    return label if label.endswith("院") else f"{label}机构"


def _quota_subject(quota: Quota) -> str:
    """「公立三级综合机构」, 「妇幼保健院」, 「机构」: what a yearly quota (R9) counts."""
    own = OWNERSHIP_LABELS.get(quota.ownership, quota.ownership) if quota.ownership else ""
    kind = _tier_noun(quota.tier) if quota.tier else "机构"
    return f"{own}{kind}"


def _skills_text(skills: Iterable[str]) -> str:
    return "".join(f"“{s}”" for s in skills)


def _why(experts: Sequence[Expert], reasons: dict[str, str]) -> str:
    """「其工作单位就是本机构，须回避」 for one; 「他们都…」 or one clause each for several."""
    if len(experts) == 1:
        return f"其{reasons[experts[0].id]}"
    distinct = {reasons[e.id] for e in experts}
    if len(distinct) == 1:
        return f"他们都{distinct.pop()}"
    parts = [f"{_expert_text(e)}{reasons[e.id]}" for e in experts[:_MAX_NAMES]]
    more = "" if len(experts) <= _MAX_NAMES else f"；另有 {len(experts) - _MAX_NAMES} 人同样无法参加"
    return "；".join(parts) + more


# -- collecting per-institution findings --------------------------------------------------------------
class _Note(NamedTuple):
    rule: str
    message: str
    suggestion: str | None = None


class _Collector:
    """Merges identical notes of several institutions into one shared :class:`Finding`."""

    def __init__(self) -> None:
        self._ids: dict[_Note, list[str]] = {}
        self._per_inst: dict[str, list[_Note]] = {}

    def add(self, inst_id: str, notes: Iterable[_Note]) -> None:
        for note in notes:
            self._ids.setdefault(note, []).append(inst_id)
            self._per_inst.setdefault(inst_id, []).append(note)

    def blocks(self, inst_id: str) -> bool:
        return inst_id in self._per_inst

    def finish(self) -> dict[str, list[Finding]]:
        findings = {note: Finding(*note, institutions=tuple(ids)) for note, ids in self._ids.items()}
        return {inst_id: [findings[n] for n in notes] for inst_id, notes in self._per_inst.items()}
