"""Reasons, in the office's terms, why an institution was left out of the plan."""

from __future__ import annotations

from inputs.scenario import TIER_LABELS, Institution
from scheduler.instance import Instance


def _diagnosis(instance: Instance):
    cached = getattr(instance, "_diagnosis", None)
    if cached is None:
        try:
            from scheduler.diagnose import diagnose
        except ImportError:  # pragma: no cover - while the module is not there
            return None
        cached = diagnose(instance.scenario)
        instance._diagnosis = cached  # type: ignore[attr-defined]
    return cached


def reasons_for(instance: Instance, inst: Institution) -> tuple[str | None, list[str]]:
    """The blocking rule and the reasons for one left-out institution."""
    diagnosis = _diagnosis(instance)
    if diagnosis is not None:
        findings = diagnosis.blocked.get(inst.id, [])
        if findings:
            reasons = []
            for f in findings:
                text = f.message if not f.suggestion else f"{f.message}（建议：{f.suggestion}）"
                reasons.append(text)
            return findings[0].rule, reasons
    label = f"{inst.name}（{inst.id}，{TIER_LABELS.get(inst.tier, inst.tier)}）"
    if inst in instance.no_window:
        return "R3", [f"{label} 在允许的时间窗口内凑不出连续 {instance.scenario.min_days(inst)} 个工作日"]
    if inst in instance.no_staff:
        return "R7", [f"{label} 没有可派出的专家：回避、交叉检查或本区县规则排除了所有专家"]
    return "R5", [
        f"{label} 的单独条件都能满足，但在截止日期前无法与其他巡查错开："
        "可用专家的时间、年度天数上限或同时巡查数上限不足"
    ]
