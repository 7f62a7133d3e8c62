"""The plan's look-ups by institution (indexes built once, the plan being frozen)."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from scheduler.plan import Milestone, Plan, PlanFormatError, Unscheduled, Visit


def _plan() -> Plan:
    day = date(2025, 3, 3)
    return Plan(
        scenario="测试",
        status="partial",
        visits=(
            Visit("H1", day, day, 1, "E1", ("E1", "E2")),
            Visit("H1", date(2025, 9, 1), date(2025, 9, 1), 1, "E2", ("E2",), kind="followup"),
            Visit("G1", day, day, 1, "E3", ("E3",)),
        ),
        unscheduled=(
            Unscheduled("G2", ("没有可派专家",), rule="R6"),
            Unscheduled("G1", ("回头看无人可派",), rule="R15", kind="followup"),
        ),
        milestones=(Milestone("H1", day, day, day, day),),
    )


def test_look_ups_find_each_institutions_visit_follow_up_milestone_and_left_out_entry() -> None:
    """Each look-up answers by institution and kind, None when there is nothing (as a scan would)."""
    plan = _plan()
    assert plan.visit_of("H1") is plan.visits[0] and plan.followup_of("H1") is plan.visits[1]
    assert plan.visit_of("G1") is plan.visits[2] and plan.followup_of("G1") is None
    assert plan.visit_of("G2") is None and plan.visit_of("nobody") is None
    assert plan.milestone_of("H1") is plan.milestones[0] and plan.milestone_of("G1") is None
    assert plan.unscheduled_of("G2") is plan.unscheduled[0] and plan.unscheduled_of("G2", "followup") is None
    assert plan.unscheduled_of("G1", "followup") is plan.unscheduled[1] and plan.unscheduled_of("G1") is None


def test_a_plan_with_its_indexes_built_is_the_same_plan() -> None:
    """The indexes change nothing a plan is compared, pickled or written by."""
    plan, fresh = _plan(), _plan()
    assert plan.visit_of("H1") is not None
    assert plan == fresh and plan.to_json() == fresh.to_json()
    again = pickle.loads(pickle.dumps(plan))
    assert again == fresh and again.followup_of("H1") == fresh.followup_of("H1")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("garbage", "（第 1 行第 1 列）：此处应有一个值"),
        ('{"schema" "x"}', "（第 1 行第 11 列）：此处缺少冒号"),
        ('{"visits": [1 2]}', "此处缺少逗号"),
        ('{"scenario": "未完', "引号没有闭合"),
        ("{} 多余", "内容结束后还有多余的文字"),
    ],
)
def test_a_plan_file_that_is_no_json_is_told_in_chinese(text, said):
    """What the json module could not read is named in Chinese with its line and column, not in its
    English words (``Expecting value``)."""
    with pytest.raises(PlanFormatError) as caught:
        Plan.from_json(text)
    message = str(caught.value)
    assert "不是有效的 JSON" in message and said in message
    assert not any(c.isascii() and c.isalpha() for c in message.split("：", 1)[1].replace("JSON", "")), (
        message
    )
