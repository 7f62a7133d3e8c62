"""Tests of scheduler.diagnose: each crafted scenario has exactly one cause, blocking exactly the
institutions it should; a feasible scenario yields no finding; a province-sized one runs."""

from __future__ import annotations

import random
from datetime import date

from inputs.scenario import (
    DEFAULT_SKILLS,
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
from scheduler.diagnose import Diagnosis, Finding, describe, diagnose

DISTRICTS = ("巴南区", "长寿区", "南岸区")


def expert(eid: str, district: str, *, leader: bool = False, skills=DEFAULT_SKILLS, **kw) -> Expert:
    return Expert(eid, f"专家{eid}", district, tuple(skills), leader=leader, **kw)


def pool_of(district: str, prefix: str, n: int = 4) -> list[Expert]:
    """``n`` experts of one district holding every skill, the first one leader-eligible."""
    return [expert(f"{prefix}{k}", district, leader=k == 1) for k in range(1, n + 1)]


def hospital(iid: str, district: str, tier: str = "secondary", **kw) -> Institution:
    return Institution(iid, f"{district}医院{iid}", district, tier, **kw)


def scenario(institutions, experts, **kw) -> Scenario:
    params = kw.pop("params", None) or Params("测试", date(2024, 9, 2), date(2024, 12, 31))
    return Scenario(params=params, institutions=tuple(institutions), experts=tuple(experts), **kw)


def feasible_parts() -> tuple[list[Institution], list[Expert]]:
    """Two secondary hospitals per district and four all-round experts (one leader) per district."""
    insts = [hospital(f"{d[:1]}{k}", d) for d in DISTRICTS for k in (1, 2)]
    experts = [e for n, d in enumerate(DISTRICTS) for e in pool_of(d, f"E{n}")]
    return insts, experts


def only_finding(diagnosis: Diagnosis) -> Finding:
    findings = {f for fs in diagnosis.blocked.values() for f in fs}
    assert len(findings) == 1, findings
    return findings.pop()


def test_feasible_scenario_has_no_findings():
    """Enough experts everywhere, wide windows: nothing blocked, no shortfall, no reasons."""
    insts, experts = feasible_parts()
    diagnosis = diagnose(scenario(insts, experts, pairings=(Pairing("长寿区", "巴南区"),)))
    assert diagnosis.blocked == {}
    assert diagnosis.shortfalls == []
    assert diagnosis.ok
    assert diagnosis.reasons_for("巴1") == []


def test_paired_district_without_leader_blocks_only_its_targets():
    """长寿→巴南 with no leader in 长寿区: exactly the 巴南区 hospitals are blocked, by R7."""
    insts, experts = feasible_parts()
    experts = [e for e in experts if e.district != "长寿区"] + [
        expert(f"C{k}", "长寿区") for k in range(1, 5)
    ]  # 长寿区 keeps four experts, none of them leader-eligible
    diagnosis = diagnose(scenario(insts, experts, pairings=(Pairing("长寿区", "巴南区"),)))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"巴1", "巴2"}
    assert finding.rule == "R7"
    assert finding.institutions == ("巴1", "巴2")
    assert "长寿区没有可任组长的专家" in finding.message
    assert "交叉检查关系“长寿区→巴南区”要求巴南区的二级机构由长寿区专家巡查" in finding.message
    assert finding.suggestion == "在长寿区专家库增加一名可任组长的专家"


def test_skill_held_only_by_own_employee_blocks_that_institution():
    """“安全生产” is held only by 张某 (E07), employed by 巴1: only 巴1 is blocked, by R6."""
    insts, _ = feasible_parts()
    partial = [s for s in DEFAULT_SKILLS if s != "安全生产"]
    experts = [expert(f"E0{k}", "巴南区", leader=k == 1, skills=partial) for k in range(1, 5)]
    experts.append(Expert("E07", "张某", "巴南区", DEFAULT_SKILLS, employer="巴南区医院巴1"))
    diagnosis = diagnose(scenario(insts, experts))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"巴1"}
    assert finding.rule == "R6"
    assert "专长“安全生产”只有张某（E07）具备，而其工作单位就是本机构" in finding.message
    assert "安全生产" in (finding.suggestion or "")


def test_conflicts_row_counts_like_an_employer():
    """A 回避 row naming the only leader blocks that institution with the row's reason."""
    insts, experts = feasible_parts()
    experts = [e for e in experts if not e.leader] + [expert("L1", "巴南区", leader=True)]
    conflicts = (Conflict("L1", "长1", "配偶在该院任职"),)
    diagnosis = diagnose(scenario(insts, experts, conflicts=conflicts))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"长1"}
    assert finding.rule == "R6"
    assert "可任组长的专家只有专家L1（L1）" in finding.message
    assert "配偶在该院任职" in finding.message


def test_window_around_national_day_is_too_short():
    """A 7-day visit between 09-27 and 10-09 has only 5 working days (国庆 01–07): R3, and moving
    ``latest`` to 10-11 would make room; the other hospitals are untouched."""
    insts, experts = feasible_parts()
    insts.append(
        hospital("T1", "南岸区", "tertiary_general", earliest=date(2024, 9, 27), latest=date(2024, 10, 9))
    )
    diagnosis = diagnose(scenario(insts, experts))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"T1"}
    assert finding.rule == "R3"
    assert "连续 7 个工作日" in finding.message
    assert "2024-09-27（最早开始）至 2024-10-09（最晚结束）只有 5 个工作日" in finding.message
    assert finding.suggestion == "将最晚结束日期推迟到 2024-10-11"


def test_year_unknown_to_the_calendar_is_named():
    """A window lying in 2027, which neither the package nor the holidays sheet knows: R2, no crash."""
    insts, experts = feasible_parts()
    insts.append(hospital("U1", "南岸区", earliest=date(2027, 1, 4)))
    params = Params("测试", date(2026, 9, 1), date(2027, 3, 31))
    diagnosis = diagnose(scenario(insts, experts, params=params))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"U1"}
    assert finding.rule == "R2"
    assert "2027 年的节假日安排未知" in finding.message


def test_every_leader_unavailable_in_the_window():
    """The only 南岸区 leader is away for the whole window of 南1 (home district rule): R8."""
    insts, experts = feasible_parts()
    experts.append(expert("E25", "南岸区"))  # so that the absence does not also leave too few people
    insts = [i for i in insts if i.id != "南1"]
    insts.append(hospital("南1", "南岸区", earliest=date(2024, 11, 4), latest=date(2024, 11, 29)))
    away = (Unavailability("E21", date(2024, 11, 1), date(2024, 11, 30), "出国"),)
    params = Params("测试", date(2024, 9, 2), date(2024, 12, 31), home_district_only=True)
    diagnosis = diagnose(scenario(insts, experts, params=params, unavailability=away))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"南1"}
    assert finding.rule == "R8"
    assert "可任组长的专家只有专家E21（E21）" in finding.message
    assert "没有连续 5 个工作日的空闲" in finding.message


def test_team_too_small_to_cover_skills_within_team_max():
    """Grassroots teams hold at most 4, but each expert knows one skill: 5 are needed, R4."""
    experts = [expert(f"S{k}", "巴南区", leader=True, skills=[s]) for k, s in enumerate(DEFAULT_SKILLS)]
    insts = [hospital("G1", "巴南区", "grassroots")]
    diagnosis = diagnose(scenario(insts, experts))
    finding = only_finding(diagnosis)
    assert finding.rule == "R4"
    assert "至少要 5 人，超过类别“基层”专家组的最多人数 4 人" in finding.message


def test_standing_team_whose_leader_must_step_aside():
    """The only team covering secondary hospitals has a leader employed by 巴1: R6 for 巴1 only."""
    insts, experts = feasible_parts()
    experts = [
        e if e.id != "E01" else Expert("E01", "王组长", "巴南区", DEFAULT_SKILLS, employer="巴1", leader=True)
        for e in experts
    ]
    teams = (Team("医院组", "E01", ("E01", "E02", "E03", "E04", "E11")),)
    diagnosis = diagnose(scenario(insts, experts, teams=teams))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"巴1"}
    assert finding.rule == "R6"
    assert "“医院组”的组长王组长（E01）工作单位就是本机构" in finding.message


def test_quota_larger_than_the_institutions_it_counts():
    """A 2024 quota of 3 private hospitals with only 1 private hospital: one R9 shortfall."""
    insts, experts = feasible_parts()
    insts[0] = hospital("巴1", "巴南区", ownership="private")
    quotas = (Quota(2024, tier="secondary", ownership="private", min_count=3),)
    diagnosis = diagnose(scenario(insts, experts, quotas=quotas))
    assert diagnosis.blocked == {}
    [finding] = diagnosis.shortfalls
    assert finding.rule == "R9"
    assert "至少巡查 3 家民营二级机构" in finding.message
    assert finding.institutions == ("巴1",)


def test_concurrent_visit_cap_too_low():
    """Cap 1 over 5 working days cannot hold two 5-day visits: R10 names the cap to raise it to."""
    insts, experts = feasible_parts()
    params = Params("测试", date(2024, 9, 2), date(2024, 9, 6), max_concurrent_visits=1)
    diagnosis = diagnose(scenario(insts[:2], experts, params=params))
    assert diagnosis.blocked == {}
    rules = [f.rule for f in diagnosis.shortfalls]
    assert "R10" in rules
    r10 = next(f for f in diagnosis.shortfalls if f.rule == "R10")
    assert "提高到 2" in (r10.suggestion or "")


def test_pool_person_days_short():
    """Four 巴南区 experts with a 5-day yearly cap cannot staff two 5-day visits (40 person-days)."""
    insts = [hospital("巴1", "巴南区"), hospital("巴2", "巴南区")]
    experts = [expert(f"E{k}", "巴南区", leader=k == 1, max_days=5) for k in range(1, 5)]
    diagnosis = diagnose(scenario(insts, experts))
    assert diagnosis.blocked == {}
    pool = next(f for f in diagnosis.shortfalls if "人·天" in f.message and "全部专家" in f.message)
    assert pool.rule == "R8"
    assert "至少需要 40 人·天" in pool.message
    assert set(pool.institutions) == {"巴1", "巴2"}


def test_describe_and_reasons_for_are_chinese_sentences():
    """describe() puts the rule, message and suggestion in one line; reasons_for() lists them."""
    finding = Finding("R7", "长寿区没有可任组长的专家", "在长寿区专家库增加一名可任组长的专家", ("巴1",))
    diagnosis = Diagnosis(blocked={"巴1": [finding]})
    text = describe(finding)
    assert text == "【R7 交叉检查】长寿区没有可任组长的专家。建议：在长寿区专家库增加一名可任组长的专家。"
    assert diagnosis.reasons_for("巴1") == [text]
    assert diagnosis.reasons_for("巴2") == []


def test_province_sized_scenario_runs():
    """1,600 grassroots institutions in 9 prefectures, 250 experts, two years, with conflicts and
    absences: the diagnosis runs (in about a second) and finds nothing blocked."""
    rng = random.Random(4)
    prefectures = [f"地区{k}" for k in range(9)]
    experts = []
    for n in range(250):
        skills = rng.sample(DEFAULT_SKILLS, 3)
        experts.append(
            Expert(
                f"P{n:03d}",
                f"专家{n}",
                prefectures[n % 9],
                tuple(skills),
                leader=(n // 9) % 3 == 0,
                employer=f"G{n:04d}",
            )
        )
    insts = [
        Institution(f"G{k:04d}", f"卫生院{k}", prefectures[k % 9], "grassroots", year=2025 + k % 2)
        for k in range(1600)
    ]
    away = tuple(
        Unavailability(f"P{n:03d}", date(2025, 3, 1 + n % 20), date(2025, 4, 10)) for n in range(0, 250, 7)
    )
    conflicts = tuple(Conflict(f"P{n:03d}", f"G{(n * 7) % 1600:04d}") for n in range(250))
    params = Params("省级巡查", date(2025, 1, 2), date(2026, 12, 31), home_district_only=True)
    diagnosis = diagnose(scenario(insts, experts, params=params, unavailability=away, conflicts=conflicts))
    assert diagnosis.blocked == {}
    assert all(f.rule in {"R5", "R8", "R9", "R10"} for f in diagnosis.shortfalls)


def test_paired_district_with_no_experts_gives_one_finding():
    """南岸区 is inspected by a district with no experts at all: one R7 finding, not one per skill."""
    insts, experts = feasible_parts()
    diagnosis = diagnose(scenario(insts, experts, pairings=(Pairing("江北区", "南岸区"),)))
    finding = only_finding(diagnosis)
    assert set(diagnosis.blocked) == {"南1", "南2"}
    assert finding.rule == "R7"
    assert finding.message.startswith("江北区没有专家，而交叉检查关系“江北区→南岸区”")


def test_quota_year_no_institution_can_meet():
    """A 2025 quota of 2 grassroots institutions, both fixed to 2026: R9 names the two to move."""
    insts = [hospital(f"G{k}", "巴南区", "grassroots", year=2026) for k in (1, 2)]
    insts.append(hospital("G3", "巴南区", "grassroots"))
    experts = pool_of("巴南区", "E")
    params = Params("测试", date(2025, 1, 2), date(2026, 12, 31))
    quotas = (Quota(2025, tier="grassroots", min_count=2),)
    diagnosis = diagnose(scenario(insts, experts, params=params, quotas=quotas))
    assert diagnosis.blocked == {}
    [finding] = diagnosis.shortfalls
    assert finding.rule == "R9"
    assert "能在 2025 年内巡查的只有 1 家" in finding.message
    assert finding.institutions == ("G1", "G2")


def test_around_some_institutions_only_their_pools_are_checked():
    """Home districts: 巴南区's four experts have a 5-day yearly cap and cannot staff its two 5-day
    visits (40 person-days, R8), and 长寿区's only leader steps aside at 长1 (R6 via the conflicts
    sheet, blocking it). Around 巴1 the diagnosis finds 巴南区's shortfall exactly as the whole
    round's does, and checks nothing of 长寿区: its blocked 长1 is not even looked at."""
    insts = [hospital("巴1", "巴南区"), hospital("巴2", "巴南区"), hospital("长1", "长寿区")]
    experts = [expert(f"E{k}", "巴南区", leader=k == 1, max_days=5) for k in range(1, 5)]
    experts += pool_of("长寿区", "C")
    params = Params("测试", date(2024, 9, 2), date(2024, 12, 31), home_district_only=True)
    sc = scenario(insts, experts, params=params, conflicts=(Conflict("C1", "长1"),))
    whole, around = diagnose(sc), diagnose(sc, {"巴1"})
    assert set(whole.blocked) == {"长1"} and around.blocked == {}
    about = [f for f in whole.shortfalls if "巴1" in f.institutions]
    assert about and [f for f in around.shortfalls if "巴1" in f.institutions] == about
    assert all("长1" not in f.institutions for f in around.shortfalls)


def test_quotas_of_two_years_asking_more_than_there_are():
    """Two years' quotas on the same hospitals, each possible alone, together more than there are (each
    is visited once in the round): one R9 finding naming the sum and every hospital counted."""
    insts, experts = feasible_parts()
    params = Params("测试", date(2024, 9, 2), date(2025, 12, 31))
    need = len(insts) - 1
    quotas = (Quota(2024, tier="secondary", min_count=need), Quota(2025, tier="secondary", min_count=need))
    diagnosis = diagnose(scenario(insts, experts, quotas=quotas, params=params))
    [total] = [f for f in diagnosis.shortfalls if "合计" in f.message]
    assert total.rule == "R9" and f"合计要求巡查 {2 * need} 家" in total.message
    assert f"只有 {len(insts)} 家" in total.message and set(total.institutions) == {i.id for i in insts}
