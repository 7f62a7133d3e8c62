"""A small hand-made scenario and plan for the output writers (no solver).

Five institutions: two hospitals and a township health centre are visited (one
visit spans the Qingming holiday of 2025, one is a single day), a community
health centre is left out with a reason, and a secondary hospital is exempt.
Six experts from two districts, one without an e-mail address and one whose
name holds a space; a cross-district pairing 长寿→巴南 and 巴南→南岸. Names
carry ICS-special characters (comma, semicolon) to exercise escaping.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from inputs.scenario import Expert, Institution, Pairing, Params, Scenario
from scheduler.plan import Plan, Unscheduled, Visit

SKILLS = ("党建", "行风", "医疗管理", "财务", "安全生产")


def make_scenario() -> Scenario:
    params = Params(
        name="测试区医疗卫生机构巡查（2024-2026年度）",
        start=date(2024, 11, 1),
        deadline=date(2026, 10, 31),
        office="测试区卫生健康委员会巡查办",
        office_email="xunchaban@example.gov.cn",
        hotline="023-66660000",
        report_email="jubao@example.gov.cn",
    )
    institutions = (
        Institution(
            "H1",
            "区人民医院（本部，东院；南院）",
            "巴南",
            "tertiary_general",
            address="巴南区龙洲大道1号, 3栋; 东门",
        ),
        Institution("H2", "南岸区妇幼保健院", "南岸", "maternal_child", address="南岸区南坪东路2号"),
        Institution("G1", "木洞镇中心卫生院", "巴南", "grassroots"),
        Institution("G2", "一品街道社区卫生服务中心", "巴南", "grassroots"),
        Institution("S1", "区第二人民医院", "巴南", "secondary", exempt=True),
    )
    experts = (
        Expert(
            "E01",
            "张建国",
            "长寿",
            SKILLS[:2],
            employer="长寿区人民医院",
            leader=True,
            email="zjg@example.cn",
        ),
        Expert("E02", "李红", "长寿", SKILLS[2:4], email="lihong@example.cn"),
        Expert("E03", "欧阳 晓", "长寿", SKILLS[4:], email="oyx@example.cn"),
        Expert("E04", "王磊", "长寿", SKILLS[1:3]),  # no e-mail: a placeholder address
        Expert("E05", "陈静", "巴南", SKILLS, employer="G2", leader=True, email="cj@example.cn"),
        Expert("E06", "刘洋", "巴南", SKILLS[:3], email="ly@example.cn"),
    )
    pairings = (
        Pairing("长寿", "巴南", ("tertiary_general", "secondary")),
        Pairing("巴南", "南岸"),
    )
    return Scenario(params=params, institutions=institutions, experts=experts, pairings=pairings)


def make_plan() -> Plan:
    visits = (
        # Mon 2024-11-25 .. Tue 2024-12-03: seven working days.
        Visit("H1", date(2024, 11, 25), date(2024, 12, 3), 7, "E01", ("E01", "E02", "E03", "E04")),
        # Wed 2025-04-02 .. Wed 2025-04-09: Qingming (4–6 April) falls inside, five working days.
        Visit("H2", date(2025, 4, 2), date(2025, 4, 9), 5, "E05", ("E05", "E06", "E03", "E02")),
        # A single day in 2026.
        Visit("G1", date(2026, 3, 10), date(2026, 3, 10), 1, "E05", ("E05", "E06")),
    )
    return Plan(
        scenario="测试区医疗卫生机构巡查（2024-2026年度）",
        status="partial",
        visits=visits,
        unscheduled=(
            Unscheduled("G2", ("R6：可派专家均与该机构存在回避关系", "R8：剩余专家年度天数已满"), rule="R6"),
        ),
        exempt=("S1",),
        stats={
            "solve_seconds": 1.25,
            "objective": {"unscheduled": 1, "max_load": 12},
            "bound": {"max_load": 12},
        },
    )


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture
def plan() -> Plan:
    return make_plan()


@pytest.fixture
def clock() -> datetime:
    return datetime(2024, 11, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def plan_folder(tmp_path_factory: pytest.TempPathFactory, clock: datetime) -> Path:
    """The hand-made plan written as a whole plan folder (what `schedule send` reads)."""
    from outputs.folder import write_plan_folder

    out = tmp_path_factory.mktemp("plans") / "plan"
    write_plan_folder(make_scenario(), make_plan(), out, facts={}, now=clock)
    return out
