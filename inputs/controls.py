"""The planner's controls checked against the whole scenario, once it is read: pins (R16) and the
caps of yearly quotas (R9).

A pin (指定开始日期, 指定组长, 指定成员) is kept as it is by every plan, so a pin that breaks a rule by
itself can never be planned: that is bad input, named by its sheet, row, column and value, with
the rule and why — a date that is no working day or lies outside the cycle, the institution's
year, batch or date window, a visit that would run past the deadline; an expert who is unknown,
must step aside (own employer, conflicts sheet), comes from a district the pairings or
``home_district_only`` exclude, is absent on the pinned dates, may not lead, or a pinned team
larger than the tier allows; two pins that cannot both hold (one expert pinned to two visits whose
pinned dates overlap). A quota whose cap lies below its minimum is bad input too.

The checks read R6, R7 and R9 as the solver does (``inputs.eligibility`` and the quota rows' own
:meth:`~inputs.scenario.Quota.required` and :meth:`~inputs.scenario.Quota.allowed`), so a control
passes exactly when the solver can keep it; ``schedule validate`` checks plans with the rules' own code
(``constraints``), which this layer does not import. The reader turns each :class:`Flaw` into a
located :class:`~inputs.errors.Problem`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from inputs.eligibility import excluded, listed_conflicts, paired_districts, team_districts, works_at
from inputs.scenario import Expert, Institution, Scenario


@dataclass(frozen=True)
class Flaw:
    """One control that cannot hold, located by sheet key, row index (0-based, data rows) and column."""

    sheet: str  # "institutions" or "quotas"
    index: int
    column: str
    value: str | None  # the part of the cell at fault; None: the whole cell
    reason: str
    expected: str


def check(scenario: Scenario) -> list[Flaw]:
    return check_quotas(scenario) + check_pins(scenario)


# -- R9 caps ------------------------------------------------------------------------------------


def check_quotas(scenario: Scenario) -> list[Flaw]:
    """A quota's cap (``max_share``, ``max_count``) never below its minimum."""
    flaws: list[Flaw] = []
    for index, quota in enumerate(scenario.quotas):
        if quota.max_share is not None and quota.max_share < quota.min_share:
            flaws.append(
                Flaw(
                    "quotas",
                    index,
                    "max_share",
                    None,
                    f"最高比例低于最低比例 {quota.min_share * 100:g}%（R9 年度指标）",
                    "不低于最低比例的比例",
                )
            )
            continue
        count = len(scenario.counted(quota))
        need, cap = quota.required(count), quota.allowed(count)
        if cap is None or cap >= need:
            continue
        column = "max_count" if quota.max_count is not None and quota.max_count < need else "max_share"
        flaws.append(
            Flaw(
                "quotas",
                index,
                column,
                None,
                f"该年至多巡查 {cap} 家，低于最低要求的 {need} 家（符合条件的非免检机构共 {count} 家；"
                "R9 年度指标）",
                f"不少于 {need} 家的最高数量或比例",
            )
        )
    return flaws


# -- R16 pins -----------------------------------------------------------------------------------


def _span(scenario: Scenario, inst: Institution) -> tuple[date, ...]:
    """The working days of the visit from its pinned start (fewer than its length when the cycle
    ends first)."""
    assert inst.fixed_start is not None
    days = scenario.min_days(inst)
    out: list[date] = []
    for day in scenario.calendar.workdays(inst.fixed_start, scenario.params.deadline):
        out.append(day)
        if len(out) == days:
            break
    return tuple(out)


def _date_flaws(scenario: Scenario, inst: Institution, index: int) -> tuple[list[Flaw], tuple[date, ...]]:
    """What is wrong with the pinned start date by itself (R2, R3); and the visit's working days."""
    assert inst.fixed_start is not None
    p = scenario.params
    start = inst.fixed_start

    def flaw(reason: str, expected: str) -> Flaw:
        return Flaw("institutions", index, "fixed_start", None, reason, expected)

    if not p.start <= start <= p.deadline:
        cycle = f"{p.start.isoformat()} 至 {p.deadline.isoformat()}"
        return [flaw(f"不在本轮巡查周期（{cycle}）内（R3 巡查时间窗口）", f"{cycle} 之间的工作日")], ()
    if not scenario.calendar.is_workday(start):
        kind = "周末" if start.weekday() >= 5 else "法定节假日"
        return [flaw(f"不是工作日（{kind}；R2 工作日）", "工作日（法定节假日、周末不能开始巡查）")], ()
    span = _span(scenario, inst)
    days = scenario.min_days(inst)
    if len(span) < days:
        return [
            flaw(
                f"从该日起巡查 {days} 个工作日将超过截止日期 {p.deadline.isoformat()}（R3 巡查时间窗口）",
                "更早的开始日期",
            )
        ], ()
    end = span[-1]
    flaws: list[Flaw] = []
    if inst.year is not None and not start.year == end.year == inst.year:
        flaws.append(
            flaw(
                f"巡查（{start.isoformat()} 至 {end.isoformat()}）不在指定年度 {inst.year} 年内"
                "（R3 巡查时间窗口）",
                f"{inst.year} 年内的工作日",
            )
        )
    batch = scenario.batch_by_name.get(inst.batch) if inst.batch is not None else None
    if batch is not None and not (batch.start <= start and end <= batch.end):
        flaws.append(
            flaw(
                f"巡查（{start.isoformat()} 至 {end.isoformat()}）不在批次“{batch.name}”"
                f"（{batch.start.isoformat()} 至 {batch.end.isoformat()}）内（R3 巡查时间窗口）",
                "批次起止日期之间的工作日",
            )
        )
    if inst.earliest is not None and start < inst.earliest:
        flaws.append(
            flaw(
                f"早于该机构的最早开始日期 {inst.earliest.isoformat()}（R3 巡查时间窗口）",
                f"不早于 {inst.earliest.isoformat()} 的工作日",
            )
        )
    if inst.latest is not None and end > inst.latest:
        flaws.append(
            flaw(
                f"巡查 {days} 个工作日将于 {end.isoformat()} 结束，晚于该机构的最晚结束日期 "
                f"{inst.latest.isoformat()}（R3 巡查时间窗口）",
                f"巡查能在 {inst.latest.isoformat()} 前结束的开始日期",
            )
        )
    return flaws, span


def _expert_flaws(
    scenario: Scenario,
    inst: Institution,
    index: int,
    column: str,
    expert_id: str,
    span: tuple[date, ...],
) -> list[Flaw]:
    """What is wrong with one pinned expert by themselves (unknown, R4 leading, R6, R7, R8)."""
    value = expert_id if column == "fixed_members" else None

    def flaw(reason: str, expected: str) -> Flaw:
        return Flaw("institutions", index, column, value, reason, expected)

    expert: Expert | None = scenario.expert_by_id.get(expert_id)
    if expert is None:
        return [flaw("不是专家表中的专家编号", "专家表中已有的专家编号")]
    who = f"专家 {expert.id}（{expert.name}）"
    flaws: list[Flaw] = []
    if column == "fixed_leader" and not expert.leader:
        flaws.append(flaw(f"{who}不可任组长（R4 组长与组员）", "可任组长的专家编号"))
    if excluded(scenario, expert, inst, listed_conflicts(scenario)):
        reason = _conflict_text(scenario, expert, inst)
        flaws.append(flaw(f"{who}须回避{inst.name}：{reason}（R6 回避）", "无须回避该机构的专家编号"))
    districts = team_districts(scenario, inst)
    if districts is not None and expert.district not in districts:
        flaws.append(
            flaw(
                f"{who}来自{expert.district}，而{_districts_text(scenario, inst, districts)}（R7 交叉检查）",
                f"{'、'.join(sorted(districts))}的专家编号",
            )
        )
    if span:
        for u in scenario.unavailability:
            if u.expert_id == expert.id and u.start <= span[-1] and span[0] <= u.end:
                note = f"（{u.reason}）" if u.reason else ""
                flaws.append(
                    flaw(
                        f"{who}在 {u.start.isoformat()} 至 {u.end.isoformat()} 不可用{note}，"
                        f"与指定的巡查日期 {span[0].isoformat()} 至 {span[-1].isoformat()} 重叠"
                        "（R8 专家不可用时间）",
                        "该期间可参加巡查的专家编号，或另选开始日期",
                    )
                )
                break
    return flaws


def _team_flaws(scenario: Scenario, inst: Institution, index: int) -> list[Flaw]:
    """A pinned team larger than the tier allows (R4), or not one standing team (R11)."""
    pinned = tuple(dict.fromkeys(((inst.fixed_leader,) if inst.fixed_leader else ()) + inst.fixed_members))
    column = "fixed_members" if inst.fixed_members else "fixed_leader"
    teams = [t for t in scenario.teams if t.covers(inst.tier)]
    if teams:
        fits = [
            t
            for t in teams
            if set(pinned) <= set(t.members) and (inst.fixed_leader is None or inst.fixed_leader == t.leader)
        ]
        if not fits:
            names = "、".join(f"{t.name}（组长 {t.leader}）" for t in teams)
            return [
                Flaw(
                    "institutions",
                    index,
                    column,
                    None,
                    "该类机构由固定巡查组巡查，指定的组长和成员不属于同一个巡查组（R11 固定巡查组）",
                    f"同一巡查组的成员，指定组长须为该组组长：{names}",
                )
            ]
        return []
    rule = scenario.rule(inst.tier)
    if len(pinned) > rule.team_max:
        return [
            Flaw(
                "institutions",
                index,
                column,
                None,
                f"指定的组长和成员共 {len(pinned)} 人，超过该类机构巡查组的人数上限 {rule.team_max} 人"
                "（R4 组长与组员）",
                f"不超过 {rule.team_max} 人",
            )
        ]
    return []


def check_pins(scenario: Scenario) -> list[Flaw]:
    """Every pin that breaks a rule by itself, and every two pins that cannot both hold."""
    flaws: list[Flaw] = []
    spans: dict[str, tuple[date, ...]] = {}
    for index, inst in enumerate(scenario.institutions):
        if inst.fixed_start is None and inst.fixed_leader is None and not inst.fixed_members:
            continue
        if inst.exempt:
            column = (
                "fixed_start"
                if inst.fixed_start
                else "fixed_leader"
                if inst.fixed_leader
                else "fixed_members"
            )
            flaws.append(
                Flaw(
                    "institutions",
                    index,
                    column,
                    None,
                    "该机构免检，不安排巡查（R12 免检）",
                    "免检机构不填指定项",
                )
            )
            continue
        span: tuple[date, ...] = ()
        if inst.fixed_start is not None:
            found, span = _date_flaws(scenario, inst, index)
            flaws += found
            if span:
                spans[inst.id] = span
        if inst.fixed_leader is not None:
            flaws += _expert_flaws(scenario, inst, index, "fixed_leader", inst.fixed_leader, span)
        for member in inst.fixed_members:
            flaws += _expert_flaws(scenario, inst, index, "fixed_members", member, span)
        flaws += _team_flaws(scenario, inst, index)
    return flaws + _clashes(scenario, spans)


def _clashes(scenario: Scenario, spans: dict[str, tuple[date, ...]]) -> list[Flaw]:
    """One expert pinned to two visits whose pinned dates overlap, or leave fewer than ``rest_days``
    working days between them (R5)."""
    rest = scenario.params.rest_days
    index_of = {inst.id: i for i, inst in enumerate(scenario.institutions)}
    by_expert: dict[str, list[str]] = {}
    for inst in scenario.institutions:
        if inst.id not in spans or inst.exempt:
            continue
        for expert_id in dict.fromkeys(
            ((inst.fixed_leader,) if inst.fixed_leader else ()) + inst.fixed_members
        ):
            by_expert.setdefault(expert_id, []).append(inst.id)
    flaws: list[Flaw] = []
    for expert_id, ids in sorted(by_expert.items()):
        ids.sort(key=lambda i: (spans[i][0], i))
        for a, b in itertools.pairwise(ids):
            first, second = spans[a], spans[b]
            gap = scenario.calendar.count_workdays(first[-1], second[0]) - 2 if second[0] > first[-1] else -1
            if gap >= rest:
                continue
            inst_b = scenario.institution_by_id[b]
            column = "fixed_leader" if inst_b.fixed_leader == expert_id else "fixed_members"
            why = "日期重叠" if gap < 0 else f"间隔不足 {rest} 个工作日"
            flaws.append(
                Flaw(
                    "institutions",
                    index_of[b],
                    column,
                    expert_id if column == "fixed_members" else None,
                    f"专家 {expert_id} 同时被指定参加 {a}（{first[0].isoformat()} 至 "
                    f"{first[-1].isoformat()}）和 {b}（{second[0].isoformat()} 至 "
                    f"{second[-1].isoformat()}）的巡查，{why}"
                    "（R5 同一专家不同时参加两次巡查）",
                    "另选专家或错开两次巡查的开始日期",
                )
            )
    return flaws


def _conflict_text(scenario: Scenario, expert: Expert, inst: Institution) -> str:
    """Why an excluded expert steps aside (R6): their employer, or the conflicts sheet's row."""
    if works_at(expert, inst):
        return f"其工作单位即为{inst.name}"
    pair = (expert.id, inst.id)
    reasons = [c.reason for c in scenario.conflicts if (c.expert_id, c.institution_id) == pair]
    return f"回避名单中列有该机构（{reasons[0]}）" if reasons and reasons[0] else "回避名单中列有该机构"


def _districts_text(scenario: Scenario, inst: Institution, districts: set[str]) -> str:
    """Why a team for ``inst`` comes from ``districts`` (R7): the pairings, or home districts only."""
    if paired_districts(scenario, inst):
        return f"按交叉检查安排，{inst.district}的该类机构由{'、'.join(sorted(districts))}的专家检查"
    return f"本轮规定专家只检查本区县（{inst.district}）的机构"
