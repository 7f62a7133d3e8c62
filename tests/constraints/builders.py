"""Builders for tiny scenarios and plans, and the ``small`` and ``teams`` scenarios the rule tests share.

``small`` (pool staffing, every rule able to bite) and its valid plan, spanning National Day 2024:

    institution            tier                district  window                     valid visit
    H1 巴南第一医院         secondary           巴南      2024, 第一批, from 09-02    09-23..09-27 (5 wd)
    H2 巴南中心医院         tertiary_general    巴南      —                          09-29..10-12 (7 wd:
                                                                                      09-29 Sun and 10-12 Sat
                                                                                      are make-up days)
    G1 李家沱社区卫生服务中心  grassroots          巴南      latest 10-31               10-14 (1 wd)
    G2 南坪镇卫生院          grassroots          南岸      —  (巴南→南岸 pairing)      10-15 (1 wd)
    X1 巴南妇幼保健院        maternal_child      巴南      exempt                     —

Experts E1–E8 come from 巴南 (E1, E2 may lead), E9 from 南岸. E6 works at H1 (by id), E7 too (by
name); E4 has a conflicts row for G2 and E8 for G1. E6 declared 10-01..07 unavailable, which are
holidays: no clash. E3 may work 12 days a year. Teams: H1 E1*,E3,E4,E5 · H2 E2*,E6,E7,E8 · G1
E1*,E4,E5 · G2 E2*,E7,E5 (* leads). Every team is at the tier's minimum size or needs each member
for a skill, so dropping anyone breaks R4. At most one visit runs at a time (max_concurrent_visits=1).
Quotas for 2024: at least 50% of the grassroots institutions (1 of G1, G2), at least 1 private (G2).

``teams`` (seed 001's shape): 医院组 (secondary; E1*, E3–E6) and 基层组 (grassroots; E2*, E4, E5, E7,
E12 — five, above the grassroots maximum of 4, which does not bind a standing team) share E4 and E5.
E6 works at H2 and steps aside there. S1 (tertiary specialty) is in no team's scope: a pool team.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from inputs.calendar import WorkCalendar
from inputs.scenario import (
    Batch,
    Conflict,
    Expert,
    Institution,
    Pairing,
    Params,
    Quota,
    Scenario,
    Team,
    Unavailability,
)
from scheduler.plan import Plan, Unscheduled, Visit

D = date.fromisoformat
CALENDAR = WorkCalendar()


def inst(iid: str, name: str, tier: str = "secondary", district: str = "巴南", **kw) -> Institution:
    """An institution; keyword arguments set the optional columns."""
    return Institution(id=iid, name=name, district=district, tier=tier, **kw)


def expert(eid: str, name: str, *skills: str, district: str = "巴南", **kw) -> Expert:
    """An expert with the given skills; keyword arguments set the optional columns."""
    return Expert(id=eid, name=name, district=district, skills=tuple(skills), **kw)


def make_scenario(
    institutions: list[Institution] | tuple[Institution, ...],
    experts: list[Expert] | tuple[Expert, ...],
    *,
    start: date = date(2024, 1, 1),
    deadline: date = date(2026, 10, 31),
    batches=(),
    quotas=(),
    unavailability=(),
    conflicts=(),
    pairings=(),
    teams=(),
    holidays=(),
    **params,
) -> Scenario:
    """A scenario from the given rows; extra keyword arguments are ``params`` keys.

    The lead time of R14 is off (``notice_days`` 0) unless a test sets it: most scenarios here span
    a month or two from their start, and their visits may begin on its first day."""
    params.setdefault("notice_days", 0)
    return Scenario(
        params=Params(name="测试巡查", start=start, deadline=deadline, **params),
        institutions=tuple(institutions),
        experts=tuple(experts),
        batches=tuple(batches),
        quotas=tuple(quotas),
        unavailability=tuple(unavailability),
        conflicts=tuple(conflicts),
        pairings=tuple(pairings),
        teams=tuple(teams),
        holidays=tuple(holidays),
    )


def visit(
    institution: str,
    start: str,
    end: str,
    leader: str,
    members: list[str] | tuple[str, ...],
    *,
    days: int | None = None,
    team: str | None = None,
    batch: str | None = None,
) -> Visit:
    """A visit; ``days`` defaults to the working days counted on the packaged calendar."""
    first, last = D(start), D(end)
    if days is None:
        days = CALENDAR.count_workdays(first, last)
    return Visit(institution, first, last, days, leader, tuple(members), team, batch)


def make_plan(visits, *, unscheduled=(), exempt=()) -> Plan:
    """A plan holding the visits; ``unscheduled`` is a list of institution ids."""
    return Plan(
        scenario="测试巡查",
        status="feasible",
        visits=tuple(visits),
        unscheduled=tuple(Unscheduled(i, ("测试",)) for i in unscheduled),
        exempt=tuple(exempt),
    )


def replace_visit(plan: Plan, institution: str, **changes) -> Plan:
    """The plan with one institution's visit changed."""
    return replace(
        plan,
        visits=tuple(replace(v, **changes) if v.institution == institution else v for v in plan.visits),
    )


def drop_visit(plan: Plan, institution: str, *, unscheduled: bool = True) -> Plan:
    """The plan without an institution's visit, listed as unscheduled unless told otherwise."""
    extra = (Unscheduled(institution, ("测试",)),) if unscheduled else ()
    return replace(
        plan,
        visits=tuple(v for v in plan.visits if v.institution != institution),
        unscheduled=plan.unscheduled + extra,
    )


SMALL_INSTITUTIONS = [
    inst("H1", "巴南第一医院", "secondary", year=2024, batch="第一批", earliest=D("2024-09-02")),
    inst("H2", "巴南中心医院", "tertiary_general"),
    inst("G1", "李家沱社区卫生服务中心", "grassroots", latest=D("2024-10-31")),
    inst("G2", "南坪镇卫生院", "grassroots", district="南岸", ownership="private"),
    inst("X1", "巴南妇幼保健院", "maternal_child", exempt=True),
]
SMALL_EXPERTS = [
    expert("E1", "张伟", "党建", "行风", leader=True),
    expert("E2", "王芳", "党建", "行风", leader=True),
    expert("E3", "李娜", "医疗管理", max_days=12),
    expert("E4", "刘洋", "财务"),
    expert("E5", "陈静", "安全生产", "医疗管理"),
    expert("E6", "杨军", "医疗管理", employer="H1"),
    expert("E7", "赵磊", "财务", employer="巴南第一医院"),
    expert("E8", "黄敏", "安全生产"),
    expert("E9", "周涛", "党建", "行风", "医疗管理", "财务", "安全生产", district="南岸", leader=True),
]


def small_scenario(**params) -> Scenario:
    """The ``small`` scenario; keyword arguments override its ``params``."""
    defaults = {"max_concurrent_visits": 1}
    defaults.update(params)
    return make_scenario(
        SMALL_INSTITUTIONS,
        SMALL_EXPERTS,
        batches=[
            Batch("第一批", D("2024-09-01"), D("2024-10-31")),
            Batch("第二批", D("2025-03-01"), D("2025-06-30")),
        ],
        quotas=[Quota(2024, tier="grassroots", min_share=0.5), Quota(2024, ownership="private", min_count=1)],
        unavailability=[Unavailability("E6", D("2024-10-01"), D("2024-10-07"), "国庆出行")],
        conflicts=[Conflict("E4", "G2", "曾在该院任职"), Conflict("E8", "G1")],
        pairings=[Pairing("巴南", "南岸", ("grassroots",))],
        **defaults,
    )


def small_plan() -> Plan:
    """The valid plan of the ``small`` scenario (see the module docstring)."""
    return make_plan(
        [
            visit("H1", "2024-09-23", "2024-09-27", "E1", ["E1", "E3", "E4", "E5"], batch="第一批"),
            visit("H2", "2024-09-29", "2024-10-12", "E2", ["E2", "E6", "E7", "E8"]),
            visit("G1", "2024-10-14", "2024-10-14", "E1", ["E1", "E4", "E5"]),
            visit("G2", "2024-10-15", "2024-10-15", "E2", ["E2", "E7", "E5"]),
        ],
        exempt=["X1"],
    )


# -- standing teams (seed 001: a hospital team and a grassroots team sharing two members) ----------
TEAM_INSTITUTIONS = [
    inst("H1", "巴南第一医院", "secondary"),
    inst("H2", "巴南第二医院", "secondary"),
    inst("G1", "花溪社区卫生服务中心", "grassroots"),
    inst("S1", "巴南口腔医院", "tertiary_specialty"),
]
TEAM_EXPERTS = [
    expert("E1", "张伟", "党建", "行风", leader=True),
    expert("E2", "王芳", "党建", "行风", leader=True),
    expert("E3", "李娜", "医疗管理"),
    expert("E4", "刘洋", "财务"),
    expert("E5", "陈静", "安全生产"),
    expert("E6", "杨军", "医疗管理", employer="H2"),
    expert("E7", "赵磊", "医疗管理"),
    expert("E8", "黄敏", "党建", "行风", "医疗管理", "财务", "安全生产", leader=True),
    expert("E9", "吴刚", "党建", "行风", "医疗管理", "财务", "安全生产"),
    expert("E10", "孙丽", "党建", "行风", "医疗管理", "财务", "安全生产"),
    expert("E11", "马超", "党建", "行风", "医疗管理", "财务", "安全生产"),
    expert("E12", "钱进", "安全生产"),
]
TEAMS = [
    Team("医院组", "E1", ("E1", "E3", "E4", "E5", "E6"), ("secondary",)),
    Team("基层组", "E2", ("E2", "E4", "E5", "E7", "E12"), ("grassroots",)),
]


def teams_scenario(conflicts=()) -> Scenario:
    """Two standing teams; S1's tier (tertiary specialty) is in no team's scope."""
    return make_scenario(TEAM_INSTITUTIONS, TEAM_EXPERTS, teams=TEAMS, conflicts=conflicts)


def teams_plan() -> Plan:
    """The valid plan of the ``teams`` scenario: E6 steps aside from H2, his employer."""
    return make_plan(
        [
            visit("H1", "2024-09-23", "2024-09-27", "E1", ["E1", "E3", "E4", "E5", "E6"], team="医院组"),
            visit("H2", "2024-10-08", "2024-10-12", "E1", ["E1", "E3", "E4", "E5"], team="医院组"),
            visit("G1", "2024-10-14", "2024-10-14", "E2", ["E2", "E4", "E5", "E7", "E12"], team="基层组"),
            visit("S1", "2024-10-14", "2024-10-18", "E8", ["E8", "E9", "E10", "E11"]),
        ]
    )


def rules(violations) -> set[str]:
    """The rule codes among the violations."""
    return {v.rule for v in violations}


def subjects(violations, rule: str) -> set[str]:
    """The subjects of one rule's violations."""
    return {v.subject for v in violations if v.rule == rule}
