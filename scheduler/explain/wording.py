"""The Chinese of :mod:`scheduler.explain`'s reasons (beside :mod:`scheduler.diagnose.findings`):
spans of days, lists, the experts to add, and the reason of a set of relaxations that let an
institution in only together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from scheduler.diagnose import Finding
from scheduler.explain.base import _Relax

_MAX_NAMES = 4  # experts named in one sentence


_COUNTS = {2: "两", 3: "三"}


def _joint(found: Sequence[tuple[str, Finding]], *, settled: bool = True) -> Finding:
    """One reason for a set of relaxations that let the institution in only together: the first
    group's rule, each group's facts, and the fixes joined into one. ``settled``: the smaller sets were
    proven to fall short (else they only found no plan within the review's limits, and it says so)."""
    first = found[0][1]
    names = [name for name, _ in found]
    fewer = f"单独放宽{'或'.join(names)}" if len(found) == 2 else f"单独或两两放宽{'、'.join(names)}"
    count = _COUNTS.get(len(found), str(len(found)))
    facts = "；".join(f"（{n}）{f.message}" for n, (_, f) in enumerate(found, 1))
    if settled:
        message = f"{fewer}都不足以排入本机构，需{count}项同时调整：{facts}"
    else:
        message = f"{fewer}在复核时限内都未能排入本机构，{count}项同时调整即可排入：{facts}"
    suggestion = "，并".join(f.suggestion for _, f in found if f.suggestion)
    return Finding(first.rule, message, suggestion, first.institutions)


def _set_name(parts: Sequence[_Relax]) -> str:
    """「同时巡查数上限与完成期限」, 「年度指标、休息天数与完成期限」."""
    names = [p.name for p in parts]
    return f"{'、'.join(names[:-1])}与{names[-1]}"


def _sets(names: Sequence[str]) -> str:
    shown = "；".join(names[:_MAX_NAMES])
    return shown if len(names) <= _MAX_NAMES else f"{shown}等 {len(names)} 组"


def _some(parts: Sequence[str], sep: str = "；") -> str:
    shown = sep.join(parts[:_MAX_NAMES])
    return shown if len(parts) <= _MAX_NAMES else f"{shown}等 {len(parts)} 项"


def _span(first: date, last: date) -> str:
    """「2024-11-05 」 or 「2024-11-04 至 2024-11-08 」, to stand before a Chinese word."""
    return f"{first} " if first == last else f"{first} 至 {last} "


def _newcomers(count: int, leading: bool, skills: Sequence[str]) -> str:
    """「 1 名可任组长、具备“财务”专长的专家」 or 「 2 名专家（其中 1 名可任组长），合起来具备…专长」."""
    held = "具备" + "".join(f"“{s}”" for s in skills) + "专长" if skills else ""
    if count == 1:
        role = "、".join(p for p in ("可任组长" if leading else "", held) if p)
        return f" 1 名{role}的专家" if role else " 1 名专家"
    text = f" {count} 名专家"
    if leading:
        text += "（其中 1 名可任组长）"
    if held:
        text += f"，合起来{held}"
    return text
