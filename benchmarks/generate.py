"""Seeded generators of benchmark rounds (SPEC §6): district, city, province, hospitals, national and open.

``generate(kind, seed)`` builds an :class:`inputs.scenario.Scenario` directly, the same for the same
seed. The shapes follow the seeds:

- ``district`` — seed 003 (巴南 2024–2026): hospitals and grassroots institutions of one district; the
  hospitals are inspected by a paired district (长寿区→巴南区), grassroots by home experts; some
  institutions fixed to a year as in the seed's annex 4.
- ``city`` — five districts with cross-district pairings by tier, two batches a year with some
  institutions fixed to a batch, conflicts, unavailability, an office capacity, yearly quotas, caps.
- ``province`` — seed 004 (贵州 grassroots round): about 1,600 grassroots institutions in 9 prefectures,
  about 250 experts, home-district teams of 2–4 covering the five skills, a 10% first-year quota.
- ``hospitals`` — a hospital-heavy province round: 300 hospitals of every tier (5- and 7-day visits,
  teams of 4–9, tertiary general ones inspected by groups with two members on 医疗管理) and 60
  grassroots institutions in 12 cities; hospitals inspected by other cities along a ring of pairings
  (some cities by two), experts employed at hospitals, all private secondary hospitals due in 2025.
- ``national`` — grassroots institutions in prefectures of about 117 each (35,000 in ~300 by default;
  ``size`` sets the number), shaped like ``province``: the kind the sweep of ``benchmarks.run`` uses.
- ``open`` — one large pool: grassroots institutions of one prefecture's counties (3,200 by default;
  ``size`` sets the number) with ``home_district_only`` 否, so every expert (one per 6.4 institutions:
  500) may visit every institution but their employer.

``hard=True`` (the benchmark's default; ``--easy`` leaves it out) hardens any kind the way real rounds
are (:class:`_Hardener`): per district, a skill only 2–3 experts hold, leaders concentrated in a few,
single-skill experts, yearly caps that bind, absences and conflicts — each change kept only if every
institution still has a valid team. ``hard=False`` gives district, city and province exactly as before.

Names of people and institutions are made up. ``python -m benchmarks.generate KIND --seed N [--easy]
[--size N] --out DIR`` writes the round as a CSV folder (SPEC §3).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from benchmarks.bounds import Eligibility, rule_team, smallest_team
from inputs.scenario import (
    DEFAULT_SKILLS,
    DEFAULT_TIER_RULES,
    Batch,
    Conflict,
    Expert,
    Institution,
    Pairing,
    Params,
    Quota,
    Scenario,
    Unavailability,
)

KINDS: tuple[str, ...] = ("district", "city", "province", "hospitals", "national", "open")
TABLE_KINDS: tuple[str, ...] = ("district", "city", "province", "hospitals")  # the default table
HOSPITAL_TIERS: tuple[str, ...] = ("tertiary_general", "tertiary_specialty", "maternal_child", "secondary")

# How often each skill turns up as an expert's second or third speciality: finance and work safety are
# scarcer, as in real expert pools, so the skill term of the bound sometimes decides.
_EXTRA_SKILL_WEIGHTS: dict[str, float] = {"党建": 3, "行风": 3, "医疗管理": 4, "财务": 1.5, "安全生产": 1.5}
_LEADER_SHARE = 0.3
_MIN_HOLDERS = 3  # of every skill, per district

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力海鹏飞云峰宇浩婷雪琳晨欣怡佳俊凯斌"
    "鑫丹蕾倩波宁坤瑶琴燕颖慧梅君晓东亮诚春松林涵睿彬志国庆新永德光荣昌兴福安嘉蓉瑞祥"
)
_PLACE_FIRST = (
    "青石龙凤白黄清安丰兴新长平永和双金银玉东西南北高花林松柏竹柳杨梅桃李沙溪岩泉湾坪马鹿鹤云桂茶枫"
    "红三大小中上下水朝太明福德"
)
_PLACE_SECOND = "溪桥坝坪场口关湾岭山寺塘坡田冲堡营屯铺阳水岗洞池河庄坳垭渡林源川湖坊寨店台"
_ROADS = (
    "人民",
    "中山",
    "解放",
    "建设",
    "新华",
    "文化",
    "胜利",
    "和平",
    "团结",
    "光明",
    "幸福",
    "青年",
    "健康",
    "滨江",
)


class _Names:
    """Unique, plausible, made-up names of people and places, drawn from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: set[str] = set()
        self.places: set[str] = set()

    def person(self) -> str:
        while True:
            given_len = 2 if self.rng.random() < 0.6 else 1
            name = self.rng.choice(_SURNAMES) + "".join(self.rng.choice(_GIVEN) for _ in range(given_len))
            if name not in self.people:
                self.people.add(name)
                return name

    def place(self) -> str:
        while True:
            name = self.rng.choice(_PLACE_FIRST) + self.rng.choice(_PLACE_SECOND)
            if name not in self.places and name[0] != name[1]:
                self.places.add(name)
                return name

    def grassroots(self) -> tuple[str, str]:
        """A grassroots institution's name, and the place it is in."""
        place = self.place()
        roll = self.rng.random()
        if roll < 0.6:
            return f"{place}镇卫生院", place
        if roll < 0.75:
            return f"{place}乡卫生院", place
        return f"{place}街道社区卫生服务中心", place

    def address(self, area: str, place: str | None = None) -> str:
        road = self.rng.choice(_ROADS)
        return f"{area}{place or ''}{road}路{self.rng.randint(1, 300)}号"


# -- experts -----------------------------------------------------------------------------------------
def _skills_for(rng: random.Random, primary: str) -> tuple[str, ...]:
    """One to three skills: the primary one plus extras drawn by weight."""
    extra = rng.choices((0, 1, 2), weights=(4, 4, 2))[0]
    chosen = {primary}
    others = [s for s in DEFAULT_SKILLS if s != primary]
    for _ in range(extra):
        pick = rng.choices(others, weights=[_EXTRA_SKILL_WEIGHTS[s] for s in others])[0]
        chosen.add(pick)
        others.remove(pick)
    return tuple(s for s in DEFAULT_SKILLS if s in chosen)


def _make_experts(
    rng: random.Random,
    names: _Names,
    district: str,
    prefix: str,
    count: int,
    employers: Callable[[random.Random], str],
    team_max: int,
) -> list[Expert]:
    """``count`` experts of one district: ids ``{prefix}-E01``…, primary skills spread evenly over the
    five, about 30% leader-eligible; repaired so every skill has at least three holders and a team of
    at most ``team_max`` with a leader covers all five skills."""
    primaries = [DEFAULT_SKILLS[k % len(DEFAULT_SKILLS)] for k in range(count)]
    rng.shuffle(primaries)
    skills = [set(_skills_for(rng, p)) for p in primaries]
    leaders = set(rng.sample(range(count), max(2, round(_LEADER_SHARE * count))))
    _repair_holders(skills)
    _repair_team(skills, leaders, team_max)
    width = max(2, len(str(count)))
    return [
        Expert(
            id=f"{prefix}-E{k + 1:0{width}d}",
            name=names.person(),
            district=district,
            skills=tuple(s for s in DEFAULT_SKILLS if s in skills[k]),
            employer=employers(rng),
            leader=k in leaders,
            email=f"{prefix.lower()}-e{k + 1:0{width}d}@experts.example.cn",
            phone=f"139{rng.randint(0, 99_999_999):08d}",
        )
        for k in range(count)
    ]


def _repair_holders(skills: list[set[str]]) -> None:
    """Give scarce skills to the experts with the fewest skills until each has ``_MIN_HOLDERS``."""
    for skill in DEFAULT_SKILLS:
        while sum(skill in s for s in skills) < min(_MIN_HOLDERS, len(skills)):
            k = min((k for k in range(len(skills)) if skill not in skills[k]), key=lambda k: len(skills[k]))
            skills[k].add(skill)


def _repair_team(skills: list[set[str]], leaders: set[int], team_max: int) -> None:
    """Widen leaders' skills until a team of at most ``team_max`` with a leader covers all five."""

    def best() -> int | None:
        pool = [Expert(str(k), "", "", tuple(skills[k]), leader=k in leaders) for k in range(len(skills))]
        return smallest_team(DEFAULT_SKILLS, pool, 1, team_max)

    while best() is None:
        k = min(sorted(leaders), key=lambda k: len(skills[k]))
        missing = [s for s in DEFAULT_SKILLS if s not in skills[k]]
        if not missing:  # every leader knows everything: nothing left to widen
            return
        skills[k].add(missing[0])


def _unavailability(
    rng: random.Random, experts: Sequence[Expert], start: date, deadline: date, rows: int
) -> tuple[Unavailability, ...]:
    reasons = ("外出培训", "病假", "援外医疗", "学术会议", "年休假", "下乡帮扶")
    span = (deadline - start).days
    out = []
    for expert in rng.sample(list(experts), rows):
        first = start + timedelta(days=rng.randint(0, span - 45))
        out.append(
            Unavailability(expert.id, first, first + timedelta(days=rng.randint(3, 40)), rng.choice(reasons))
        )
    return tuple(sorted(out, key=lambda u: (u.expert_id, u.start)))


# -- district (seed 003) ------------------------------------------------------------------------------
def _district(rng: random.Random) -> Scenario:
    names = _Names(rng)
    home, visitor = "巴南区", "长寿区"
    start, deadline = date(2024, 11, 18), date(2026, 11, 30)
    optional_hospitals = [
        ("区第二人民医院", "secondary"),
        ("区妇幼保健院", "maternal_child"),
        ("区精神卫生中心", "tertiary_specialty"),
        ("区皮肤病防治院", "secondary"),
        ("区中心医院", "tertiary_general"),
    ]
    hospitals = [("区人民医院", "tertiary_general"), *rng.sample(optional_hospitals, rng.randint(3, 5))]
    grassroots_count = 20 - len(hospitals) - rng.randint(0, 2)

    institutions: list[Institution] = []
    for n, (name, tier) in enumerate(hospitals, start=1):
        institutions.append(
            Institution(f"BN-H{n}", f"{home}{name}", home, tier, address=names.address("重庆市巴南区"))
        )
    for n in range(1, grassroots_count + 1):
        name, place = names.grassroots()
        institutions.append(
            Institution(
                f"BN-G{n:02d}", name, home, "grassroots", address=names.address("重庆市巴南区", place)
            )
        )
    institutions = _fix_years(rng, institutions, hospitals_per_year=1, grassroots_per_year=2)

    grassroots_ids = [i.id for i in institutions if i.tier == "grassroots"]
    home_employers = ("巴南区卫生健康委员会", "巴南区疾病预防控制中心", "巴南区卫生健康综合行政执法支队")
    visitor_employers = ("长寿区人民医院", "长寿区中医院", "长寿区卫生健康委员会", "长寿区妇幼保健院")

    def home_employer(r: random.Random) -> str:
        return r.choice(grassroots_ids) if r.random() < 0.3 else r.choice(home_employers)

    experts = _make_experts(
        rng, names, visitor, "CS", rng.randint(11, 13), lambda r: r.choice(visitor_employers), 7
    ) + _make_experts(rng, names, home, "BN", rng.randint(12, 14), home_employer, 4)
    return Scenario(
        params=Params(
            name="重庆市巴南区医疗卫生机构巡查（2024-2026年度）",
            start=start,
            deadline=deadline,
            office="巴南区医疗卫生机构巡查工作领导小组办公室",
            office_email="xuncha@banan.example.cn",
            hotline="023-6622 0000",
            report_email="jubao@banan.example.cn",
            home_district_only=True,
        ),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=dict(DEFAULT_TIER_RULES),
        pairings=(Pairing(visitor, home, HOSPITAL_TIERS),),
        source="benchmarks.generate:district",
    )


def _fix_years(
    rng: random.Random, institutions: list[Institution], hospitals_per_year: int, grassroots_per_year: int
) -> list[Institution]:
    """Fix some institutions to a year, the way seed 003's annex 4 lists them (2024, 2025, 2026)."""
    years = (2024, 2025, 2026)
    out = list(institutions)
    for grassroots, per_year in ((False, hospitals_per_year), (True, grassroots_per_year)):
        group = [k for k, i in enumerate(out) if (i.tier == "grassroots") == grassroots]
        chosen = rng.sample(group, min(len(group), per_year * len(years)))
        for n, k in enumerate(chosen):
            out[k] = replace(out[k], year=years[n // per_year])
    return out


# -- city ---------------------------------------------------------------------------------------------
_CITY = "江州市"
_CITY_DISTRICTS: tuple[tuple[str, str], ...] = (
    ("江北区", "JB"),
    ("南山区", "NS"),
    ("北湖区", "BH"),
    ("临江县", "LJ"),
    ("青石县", "QS"),
)
_CITY_HOSPITALS: dict[str, tuple[tuple[str, str, str], ...]] = {
    # district: (name, tier, ownership)
    "江北区": (
        ("江州市第一人民医院", "tertiary_general", "public"),
        ("江州市中心医院", "tertiary_general", "public"),
        ("江州医科大学附属医院", "tertiary_general", "public"),
        ("江州市精神卫生中心", "tertiary_specialty", "public"),
        ("江州市肿瘤医院", "tertiary_specialty", "public"),
        ("江北区妇幼保健院", "maternal_child", "public"),
        ("江北区人民医院", "secondary", "public"),
    ),
    "南山区": (
        ("江州市第二人民医院", "tertiary_general", "public"),
        ("南山区妇幼保健院", "maternal_child", "public"),
        ("南山区人民医院", "secondary", "public"),
        ("南山区第二人民医院", "secondary", "public"),
    ),
    "北湖区": (
        ("北湖区妇幼保健院", "maternal_child", "public"),
        ("北湖区人民医院", "secondary", "public"),
        ("北湖仁爱医院", "secondary", "private"),
    ),
    "临江县": (
        ("临江县妇幼保健院", "maternal_child", "public"),
        ("临江县人民医院", "secondary", "public"),
        ("临江康华医院", "secondary", "private"),
    ),
    "青石县": (
        ("青石县妇幼保健院", "maternal_child", "public"),
        ("青石县人民医院", "secondary", "public"),
    ),
}
_TERTIARY = ("tertiary_general", "tertiary_specialty")
_LOCAL_HOSPITALS = ("maternal_child", "secondary")
_CITY_PAIRINGS: tuple[Pairing, ...] = (
    Pairing("南山区", "江北区", HOSPITAL_TIERS),
    Pairing("北湖区", "江北区", _TERTIARY),
    Pairing("江北区", "南山区", HOSPITAL_TIERS),
    Pairing("江北区", "北湖区", _LOCAL_HOSPITALS),
    Pairing("临江县", "青石县", _LOCAL_HOSPITALS),
    Pairing("青石县", "临江县", _LOCAL_HOSPITALS),
)
_CITY_BATCHES: tuple[Batch, ...] = (
    Batch("2025年第一批", date(2025, 3, 3), date(2025, 6, 27)),
    Batch("2025年第二批", date(2025, 9, 1), date(2025, 12, 19)),
    Batch("2026年第一批", date(2026, 3, 2), date(2026, 6, 26)),
    Batch("2026年第二批", date(2026, 9, 1), date(2026, 11, 27)),
)


def _city(rng: random.Random) -> Scenario:
    names = _Names(rng)
    start, deadline = date(2025, 3, 1), date(2026, 11, 30)
    institutions: list[Institution] = []
    for district, code in _CITY_DISTRICTS:
        area = f"{_CITY}{district}"
        for n, (name, tier, ownership) in enumerate(_CITY_HOSPITALS[district], start=1):
            institutions.append(
                Institution(f"{code}-H{n}", name, district, tier, ownership, address=names.address(area))
            )
        for n in range(1, rng.randint(6, 8) + 1):
            name, place = names.grassroots()
            institutions.append(
                Institution(
                    f"{code}-G{n:02d}", name, district, "grassroots", address=names.address(area, place)
                )
            )
    institutions = _city_windows(rng, institutions)

    experts: list[Expert] = []
    for district, code in _CITY_DISTRICTS:
        local_ids = [i.id for i in institutions if i.district == district]
        free_text = (f"{district}卫生健康局", f"{district}疾病预防控制中心", "江州市卫生健康委员会")

        def employer(r: random.Random, ids: list[str] = local_ids, text: tuple[str, ...] = free_text) -> str:
            return r.choice(ids) if r.random() < 0.15 else r.choice(text)

        experts += _make_experts(rng, names, district, code, rng.randint(13, 16), employer, 7)
    experts = [replace(e, max_days=rng.choice((20, 25, 30))) if rng.random() < 0.15 else e for e in experts]
    scenario = Scenario(
        params=Params(
            name="江州市医疗卫生机构巡查（2025-2026年度）",
            start=start,
            deadline=deadline,
            office="江州市卫生健康委员会巡查工作办公室",
            office_email="xuncha@jiangzhou.example.cn",
            hotline="0710-8866 0000",
            report_email="jubao@jiangzhou.example.cn",
            max_concurrent_visits=4,
            home_district_only=True,
            rest_days=1,
            max_days_per_year=40,
        ),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=dict(DEFAULT_TIER_RULES),
        batches=_CITY_BATCHES,
        quotas=(
            Quota(2025, tier="secondary", ownership="private", min_share=1.0),
            Quota(2025, tier="grassroots", min_share=0.3),
        ),
        pairings=_CITY_PAIRINGS,
        source="benchmarks.generate:city",
    )
    return _with_city_rows(rng, scenario)


def _city_windows(rng: random.Random, institutions: list[Institution]) -> list[Institution]:
    """Batches for some, a date window for two, a longer minimum for one, one exempt institution."""
    free = [k for k, i in enumerate(institutions) if i.ownership == "public"]
    picks = rng.sample(free, 12)
    out = list(institutions)
    for n, k in enumerate(picks[:8]):
        out[k] = replace(out[k], batch=_CITY_BATCHES[n % len(_CITY_BATCHES)].name)
    out[picks[8]] = replace(out[picks[8]], earliest=date(2025, 9, 1), latest=date(2025, 11, 28))
    out[picks[9]] = replace(out[picks[9]], earliest=date(2026, 4, 1), latest=date(2026, 7, 31))
    general = [k for k, i in enumerate(out) if i.tier == "tertiary_general"]
    k = rng.choice(general)
    out[k] = replace(out[k], min_days=8)
    rest = [*picks[10:], *(k for k in range(len(out)) if k not in picks)]
    exempt = next(k for k in rest if out[k].tier == "grassroots")
    out[exempt] = replace(out[exempt], exempt=True)
    return out


def _eligible_districts(scenario: Scenario, inst: Institution) -> set[str] | None:
    """R7 for the generator's own use: the districts a team may come from (None: anywhere)."""
    paired = {
        p.inspecting_district
        for p in scenario.pairings
        if p.inspected_district == inst.district and p.covers(inst.tier)
    }
    if paired:
        return paired
    return {inst.district} if scenario.params.home_district_only else None


def _with_city_rows(rng: random.Random, scenario: Scenario) -> Scenario:
    """Conflict rows that bite (for an institution the expert could otherwise visit) and unavailability."""
    reasons = ("近亲属在该单位任职", "曾在该单位任职未满三年", "与该单位存在对口帮扶关系")
    conflicts: dict[tuple[str, str], Conflict] = {}
    visited = [i for i in scenario.institutions if not i.exempt]
    while len(conflicts) < 8:
        inst = rng.choice(visited)
        districts = _eligible_districts(scenario, inst)
        candidates = [e for e in scenario.experts if districts is None or e.district in districts]
        expert = rng.choice(candidates)
        conflicts.setdefault((expert.id, inst.id), Conflict(expert.id, inst.id, rng.choice(reasons)))
    unavailable = _unavailability(rng, scenario.experts, scenario.params.start, scenario.params.deadline, 10)
    return replace(
        scenario, conflicts=tuple(conflicts[k] for k in sorted(conflicts)), unavailability=unavailable
    )


# -- province (seed 004) ------------------------------------------------------------------------------
_PREFECTURES: tuple[str, ...] = (
    "贵阳市",
    "遵义市",
    "六盘水市",
    "安顺市",
    "毕节市",
    "铜仁市",
    "黔东南州",
    "黔南州",
    "黔西南州",
)
_PROVINCE_INSTITUTIONS = 1600
_PREFECTURE_MIN = 100


def _prefecture_sizes(rng: random.Random) -> list[int]:
    """Institutions per prefecture: at least 100 each, 1,600 in all, shares drawn between 0.2 and 3."""
    weights = [rng.uniform(0.2, 3.0) for _ in _PREFECTURES]
    spare = _PROVINCE_INSTITUTIONS - _PREFECTURE_MIN * len(_PREFECTURES)
    sizes = [_PREFECTURE_MIN + int(spare * w / sum(weights)) for w in weights]
    order = sorted(range(len(sizes)), key=lambda k: -weights[k])
    for n in range(_PROVINCE_INSTITUTIONS - sum(sizes)):
        sizes[order[n % len(order)]] += 1
    return sizes


def _province(rng: random.Random) -> Scenario:
    names = _Names(rng)
    sizes = _prefecture_sizes(rng)
    institutions: list[Institution] = []
    experts: list[Expert] = []
    for k, (prefecture, size) in enumerate(zip(_PREFECTURES, sizes, strict=True), start=1):
        prefix = f"P{k}"
        local: list[Institution] = []
        for n in range(1, size + 1):
            name, place = names.grassroots()
            local.append(
                Institution(
                    f"{prefix}-G{n:03d}",
                    name,
                    prefecture,
                    "grassroots",
                    address=names.address(f"贵州省{prefecture}", place),
                )
            )
        institutions += local
        local_ids = [i.id for i in local]
        free_text = (f"{prefecture}第一人民医院", f"{prefecture}卫生健康局", f"{prefecture}疾病预防控制中心")

        def employer(r: random.Random, ids: list[str] = local_ids, text: tuple[str, ...] = free_text) -> str:
            return r.choice(ids) if r.random() < 0.2 else r.choice(text)

        count = min(35, max(25, round(25 + 10 * (size - _PREFECTURE_MIN) / 250)))
        experts += _make_experts(rng, names, prefecture, prefix, count, employer, 4)
    return Scenario(
        params=Params(
            name="贵州省基层医疗卫生机构巡查（2024—2026年度）",
            start=date(2024, 6, 1),
            deadline=date(2026, 10, 31),
            office="贵州省卫生健康委员会基层卫生健康处",
            office_email="jcxc@guizhou.example.cn",
            hotline="0851-8600 0000",
            report_email="jubao@guizhou.example.cn",
            home_district_only=True,
        ),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=dict(DEFAULT_TIER_RULES),
        quotas=(Quota(2024, tier="grassroots", min_share=0.1),),
        source="benchmarks.generate:province",
    )


# -- hospitals (a hospital-heavy province round) --------------------------------------------------------
_HOSPITAL_CITIES = 12
_HOSPITALS = 300
_GRASSROOTS_PER_CITY = 5
_CITY_MIN_HOSPITALS = 12
# tertiary general hospitals inspect by groups (分组巡查): one part per member, two on 医疗管理
_TERTIARY_GENERAL_RULE = replace(
    DEFAULT_TIER_RULES["tertiary_general"], part_counts=(("医疗管理", 2),), one_part_each=True
)


def _hospital_tier(rng: random.Random) -> tuple[str, str]:
    """A hospital's tier and ownership: about 15% tertiary general, 15% specialty, 10% maternal-child,
    60% secondary (a fifth of them private)."""
    roll = rng.random()
    if roll < 0.15:
        return "tertiary_general", "public"
    if roll < 0.30:
        return "tertiary_specialty", "public"
    if roll < 0.40:
        return "maternal_child", "public"
    return "secondary", "private" if rng.random() < 0.2 else "public"


_HOSPITAL_NAMES: dict[str, tuple[str, ...]] = {
    "tertiary_general": ("第一人民医院", "中心医院", "医科大学附属医院", "第二人民医院", "中医院"),
    "tertiary_specialty": ("肿瘤医院", "精神卫生中心", "传染病医院", "口腔医院", "眼科医院", "儿童医院"),
    "maternal_child": ("妇幼保健院",),
    "secondary": ("人民医院", "中医医院", "第二医院", "骨科医院", "康复医院", "仁爱医院", "康华医院"),
}


def _sizes(rng: random.Random, parts: int, total: int, least: int, spread: tuple[float, float]) -> list[int]:
    """``total`` split into ``parts`` sizes of at least ``least``, shares drawn from ``spread``."""
    weights = [rng.uniform(*spread) for _ in range(parts)]
    spare = max(0, total - least * parts)
    sizes = [least + int(spare * w / sum(weights)) for w in weights]
    order = sorted(range(parts), key=lambda k: -weights[k])
    for n in range(max(0, total - sum(sizes))):
        sizes[order[n % parts]] += 1
    return sizes


def _hospitals(rng: random.Random) -> Scenario:
    names = _Names(rng)
    cities = [f"{names.place()}市" for _ in range(_HOSPITAL_CITIES)]
    sizes = _sizes(rng, len(cities), _HOSPITALS, _CITY_MIN_HOSPITALS, (0.4, 2.0))
    institutions: list[Institution] = []
    for k, (city, size) in enumerate(zip(cities, sizes, strict=True), start=1):
        used: set[str] = set()
        for n in range(1, size + 1):
            tier, ownership = _hospital_tier(rng)
            base = rng.choice(_HOSPITAL_NAMES[tier])
            name = f"{city}{base}"
            while name in used:
                name = f"{city}{names.place()}{base}"
            used.add(name)
            institutions.append(
                Institution(f"C{k:02d}-H{n:02d}", name, city, tier, ownership, address=names.address(city))
            )
        for n in range(1, _GRASSROOTS_PER_CITY + 1):
            name, place = names.grassroots()
            institutions.append(
                Institution(
                    f"C{k:02d}-G{n}", f"{city}{name}", city, "grassroots", address=names.address(city, place)
                )
            )
    # a tenth of the public hospitals fixed to a year (private ones are all due in 2025: the quota)
    institutions = [
        replace(i, year=rng.choice((2025, 2026)))
        if i.tier != "grassroots" and i.ownership == "public" and rng.random() < 0.1
        else i
        for i in institutions
    ]

    # Each city's tertiary hospitals are inspected by the next city in a shuffled ring, its local ones by
    # the city after that; a third of the cities get a second inspecting city for their tertiary ones.
    ring = list(cities)
    rng.shuffle(ring)
    pairings: list[Pairing] = []
    for n, city in enumerate(ring):
        pairings.append(Pairing(ring[n - 1], city, _TERTIARY))
        pairings.append(Pairing(ring[n - 2], city, _LOCAL_HOSPITALS))
        if rng.random() < 1 / 3:
            pairings.append(Pairing(ring[n - 4], city, _TERTIARY))
    rules = dict(DEFAULT_TIER_RULES)
    rules["tertiary_general"] = _TERTIARY_GENERAL_RULE

    experts: list[Expert] = []
    for k, city in enumerate(cities, start=1):
        own = [i.id for i in institutions if i.district == city and i.tier != "grassroots"]
        visited = [
            i.id
            for i in institutions
            if any(
                p.inspecting_district == city and p.inspected_district == i.district and p.covers(i.tier)
                for p in pairings
            )
        ]
        text = (f"{city}卫生健康委员会", f"{city}医学会", "省卫生健康委员会", "省医学院")

        def employer(
            r: random.Random, own: list[str] = own, visited: list[str] = visited, text: tuple[str, ...] = text
        ) -> str:
            roll = r.random()
            if roll < 0.3 and own:
                return r.choice(own)
            if roll < 0.4 and visited:
                return r.choice(visited)  # seconded: works at a hospital the city inspects
            return r.choice(text)

        inspected = set(visited)
        work = sum(
            rules[i.tier].min_days
            * max(rules[i.tier].team_min, sum(rules[i.tier].count(s) for s in DEFAULT_SKILLS))
            for i in institutions
            if i.id in inspected or (i.district == city and i.tier == "grassroots")
        )
        count = max(14, round(work / rng.uniform(26, 40)))
        experts += _make_experts(rng, names, city, f"C{k:02d}", count, employer, 7)
    return Scenario(
        params=Params(
            name="岭南省医院巡查（2025-2026年度）",
            start=date(2025, 3, 1),
            deadline=date(2026, 11, 30),
            office="岭南省卫生健康委员会医院巡查工作办公室",
            office_email="xuncha@lingnan.example.cn",
            hotline="020-8800 0000",
            report_email="jubao@lingnan.example.cn",
            home_district_only=True,
            rest_days=1,
        ),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=rules,
        quotas=(Quota(2025, tier="secondary", ownership="private", min_share=1.0),),
        pairings=tuple(pairings),
        source="benchmarks.generate:hospitals",
    )


# -- national (a grassroots round of any size, for the sweep) -------------------------------------------
NATIONAL_SIZE = 35_000
_PER_PREFECTURE = 117  # 35,000 institutions in about 300 prefectures


def _national(rng: random.Random, size: int = NATIONAL_SIZE) -> Scenario:
    names = _Names(rng)
    count = max(1, round(size / _PER_PREFECTURE))
    sizes = _sizes(rng, count, size, min(20, size // count), (0.4, 1.6))
    width = max(3, len(str(max(sizes))))
    institutions: list[Institution] = []
    experts: list[Expert] = []
    for k, size_k in enumerate(sizes, start=1):
        prefecture = f"{names.place()}市"
        prefix = f"N{k:03d}"
        local_names = _Names(rng)  # places repeat between prefectures, names do not: the prefecture leads
        local_names.people = names.people
        local: list[Institution] = []
        for n in range(1, size_k + 1):
            name, place = local_names.grassroots()
            local.append(
                Institution(
                    f"{prefix}-G{n:0{width}d}",
                    f"{prefecture}{name}",
                    prefecture,
                    "grassroots",
                    address=names.address(prefecture, place),
                )
            )
        institutions += local
        ids = [i.id for i in local]
        text = (f"{prefecture}人民医院", f"{prefecture}卫生健康局", f"{prefecture}疾病预防控制中心")

        def employer(r: random.Random, ids: list[str] = ids, text: tuple[str, ...] = text) -> str:
            return r.choice(ids) if r.random() < 0.2 else r.choice(text)

        staff = max(10, round(size_k / rng.uniform(5.0, 8.0)))
        experts += _make_experts(rng, names, prefecture, prefix, staff, employer, 4)
    return Scenario(
        params=Params(
            name=f"全国基层医疗卫生机构巡查（{size}家，2024—2026年度）",
            start=date(2024, 6, 1),
            deadline=date(2026, 10, 31),
            office="国家卫生健康委员会基层卫生健康司",
            office_email="jcxc@nhc.example.cn",
            hotline="010-6800 0000",
            report_email="jubao@nhc.example.cn",
            home_district_only=True,
        ),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=dict(DEFAULT_TIER_RULES),
        quotas=(Quota(2024, tier="grassroots", min_share=0.1),),
        source="benchmarks.generate:national",
    )


# -- open (one large pool: every expert may visit every institution) ------------------------------------
OPEN_SIZE = 3_200
_OPEN_PER_COUNTY = 320  # institutions per county, so a round of 3,200 has ten
_OPEN_PER_EXPERT = 6.4  # institutions per expert: 500 experts for 3,200 institutions


def _open(rng: random.Random, size: int = OPEN_SIZE) -> Scenario:
    """Grassroots institutions of one prefecture's counties with ``home_district_only`` 否, so that
    every expert may visit every institution (except their employer and listed conflicts): one pool."""
    names = _Names(rng)
    prefecture = "黔东州"
    counties = max(1, round(size / _OPEN_PER_COUNTY))
    sizes = _sizes(rng, counties, size, min(20, size // counties), (0.6, 1.4))
    width = max(3, len(str(max(sizes))))
    institutions: list[Institution] = []
    experts: list[Expert] = []
    staff_total = max(10, round(size / _OPEN_PER_EXPERT))
    for k, size_k in enumerate(sizes, start=1):
        county = f"{names.place()}县"
        prefix = f"K{k:02d}"
        local_names = _Names(rng)  # places repeat between counties, names do not: the county leads
        local_names.people = names.people
        local: list[Institution] = []
        for n in range(1, size_k + 1):
            name, place = local_names.grassroots()
            local.append(
                Institution(
                    f"{prefix}-G{n:0{width}d}",
                    f"{county}{name}",
                    county,
                    "grassroots",
                    address=names.address(f"{prefecture}{county}", place),
                )
            )
        institutions += local
        ids = [i.id for i in local]
        text = (f"{county}人民医院", f"{county}卫生健康局", f"{prefecture}疾病预防控制中心")

        def employer(r: random.Random, ids: list[str] = ids, text: tuple[str, ...] = text) -> str:
            return r.choice(ids) if r.random() < 0.2 else r.choice(text)

        staff = max(4, round(staff_total * size_k / size))
        experts += _make_experts(rng, names, county, prefix, staff, employer, 4)
    return Scenario(
        params=Params(
            name=f"{prefecture}基层医疗卫生机构巡查（{size}家，2024—2026年度）",
            start=date(2024, 6, 1),
            deadline=date(2026, 10, 31),
            office=f"{prefecture}卫生健康局基层卫生健康科",
            office_email="jcxc@qiandong.example.cn",
            hotline="0855-8600 0000",
            report_email="jubao@qiandong.example.cn",
            home_district_only=False,
        ),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=dict(DEFAULT_TIER_RULES),
        quotas=(Quota(2024, tier="grassroots", min_share=0.1),),
        source="benchmarks.generate:open",
    )


# -- hardening: what real rounds have and the old generators lacked -------------------------------------
_SCARCE = ("财务", "安全生产")
_ABSENCE_REASONS = ("外出培训", "病假", "援外医疗", "学术会议", "年休假", "下乡帮扶")
_CONFLICT_REASONS = ("近亲属在该单位任职", "曾在该单位任职未满三年", "与该单位存在对口帮扶关系")


class _Hardener:
    """Makes a generated round harder, district by district, without making any institution
    unservable: every change that would leave some institution without a valid team is undone.

    Per district of experts, drawn from its own seeded generator: a scarce skill (财务 or 安全生产 held
    by only 2–3 experts) in about half the districts; leaders concentrated in 2–4 experts in about a
    third; a quarter of the others reduced to a single skill; yearly caps (``max_days``) on a quarter of
    the others, at 50–90% of their fair share so that they bind; absences for about 15% of the
    experts; and ``conflicts`` rows that bite (for institutions the expert could otherwise visit).
    """

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.scenario = scenario
        self.rng = rng
        self.experts = list(scenario.experts)
        self.rules = Eligibility(scenario)
        self.index = {e.id: n for n, e in enumerate(self.experts)}
        self.conflicts = {(c.expert_id, c.institution_id): c for c in scenario.conflicts}
        # institutions each district's experts may visit, and the districts that may visit each one
        self.allowed: dict[str, frozenset[str]] = {}
        self.served: dict[str, list[Institution]] = {}
        everyone = frozenset(e.district for e in self.experts)
        for inst in scenario.institutions:
            if inst.exempt:
                continue
            districts = self.rules.districts(inst)
            self.allowed[inst.id] = frozenset(districts) if districts is not None else everyone
            for d in self.allowed[inst.id]:
                self.served.setdefault(d, []).append(inst)
        self.years = scenario.params.deadline.year - scenario.params.start.year + 1
        self.by_district: dict[str, list[int]] = {}
        for k, e in enumerate(self.experts):
            self.by_district.setdefault(e.district, []).append(k)
        self.employers = {e.employer for e in self.experts if e.employer}

    # -- the check every change must pass -----------------------------------------------------------
    def _team_ok(self, inst: Institution) -> bool:
        rule = self.scenario.rule(inst.tier)
        pool = [
            e
            for d in sorted(self.allowed[inst.id])
            for e in (self.experts[k] for k in self.by_district.get(d, ()))
            if e.employer not in (inst.id, inst.name) and (e.id, inst.id) not in self.conflicts
        ]
        return rule_team(rule, pool) is not None

    def servable(self, district: str) -> bool:
        """Every institution the district's experts may visit still has a valid team."""
        conflicted = self.employers | {i for _, i in self.conflicts}
        seen: set[tuple[str, int, frozenset[str]]] = set()
        for inst in self.served.get(district, ()):
            if inst.id in conflicted or inst.name in conflicted:
                if not self._team_ok(inst):
                    return False
                continue
            key = (inst.tier, self.scenario.min_days(inst), self.allowed[inst.id])
            if key not in seen:
                seen.add(key)
                if not self._team_ok(inst):
                    return False
        return True

    def _try(self, district: str, changes: dict[int, Expert]) -> bool:
        """Apply ``changes`` (index → new expert); keep them if the district stays servable."""
        before = {k: self.experts[k] for k in changes}
        for k, e in changes.items():
            self.experts[k] = e
        if self.servable(district):
            return True
        for k, e in before.items():
            self.experts[k] = e
        return False

    # -- the steps ---------------------------------------------------------------------------------
    def run(self) -> Scenario:
        districts = list(dict.fromkeys(e.district for e in self.experts))
        absences: list[Unavailability] = list(self.scenario.unavailability)
        for district in districts:
            members = self.by_district[district]
            if len(members) < 4 or district not in self.served:
                continue
            protected = self._scarce(district, members) | self._leaders(district, members)
            others = [k for k in members if k not in protected]
            self._single_skill(district, others)
            self._caps(district, others)
            absences += self._absences(members)
            self._conflict_rows(district, others)
        return replace(
            self.scenario,
            experts=tuple(self.experts),
            unavailability=tuple(sorted(absences, key=lambda u: (u.expert_id, u.start))),
            conflicts=tuple(self.conflicts[k] for k in sorted(self.conflicts)),
        )

    def _scarce(self, district: str, members: list[int]) -> set[int]:
        if self.rng.random() >= 0.5:
            return set()
        skill = self.rng.choice(_SCARCE)
        holders = [k for k in members if skill in self.experts[k].skills]
        self.rng.shuffle(holders)
        for keep in (self.rng.randint(2, 3), 3, 4):
            changes = {}
            for k in holders[keep:]:
                left = tuple(s for s in self.experts[k].skills if s != skill)
                if not left:
                    left = (self.rng.choice([s for s in DEFAULT_SKILLS if s not in _SCARCE]),)
                changes[k] = replace(self.experts[k], skills=left)
            if self._try(district, changes):
                return set(holders[:keep])
        return set()

    def _leaders(self, district: str, members: list[int]) -> set[int]:
        leaders = [k for k in members if self.experts[k].leader]
        if self.rng.random() >= 0.35 or len(leaders) <= 4:
            return set()
        self.rng.shuffle(leaders)
        # the most skilled keep the role, as in offices where a few senior experts lead every team
        leaders.sort(key=lambda k: -len(self.experts[k].skills))
        for keep in (self.rng.randint(2, 4), 4, 5):
            changes = {k: replace(self.experts[k], leader=False) for k in leaders[keep:]}
            if self._try(district, changes):
                return set(leaders[:keep])
        return set()

    def _single_skill(self, district: str, others: list[int]) -> None:
        changes = {
            k: replace(self.experts[k], skills=(self.rng.choice(self.experts[k].skills),))
            for k in others
            if len(self.experts[k].skills) > 1 and self.rng.random() < 0.25
        }
        self._try(district, changes)

    def _caps(self, district: str, others: list[int]) -> None:
        work = 0.0
        for inst in self.served[district]:
            rule = self.scenario.rule(inst.tier)
            work += self.scenario.min_days(inst) * rule.team_min / len(self.allowed[inst.id])
        staff = len(self.by_district[district])
        longest = max(self.scenario.min_days(i) for i in self.served[district])
        for k in others:
            if self.rng.random() < 0.25:
                cap = max(longest, math.ceil(work / staff / self.years * self.rng.uniform(0.5, 0.9)))
                self.experts[k] = replace(self.experts[k], max_days=cap)

    def _absences(self, members: list[int]) -> list[Unavailability]:
        start, deadline = self.scenario.params.start, self.scenario.params.deadline
        span = (deadline - start).days
        out = []
        for k in members:
            if self.rng.random() < 0.15:
                first = start + timedelta(days=self.rng.randint(0, span - 40))
                last = first + timedelta(days=self.rng.randint(5, 30))
                out.append(Unavailability(self.experts[k].id, first, last, self.rng.choice(_ABSENCE_REASONS)))
        return out

    def _conflict_rows(self, district: str, others: list[int]) -> None:
        for k in others:
            if self.rng.random() >= 0.05:
                continue
            expert = self.experts[k]
            inst = self.rng.choice(self.served[district])
            key = (expert.id, inst.id)
            if key in self.conflicts or expert.employer in (inst.id, inst.name):
                continue
            self.conflicts[key] = Conflict(expert.id, inst.id, self.rng.choice(_CONFLICT_REASONS))
            if not self.servable(district):
                del self.conflicts[key]


def harden(scenario: Scenario, seed: int | str) -> Scenario:
    """The round made harder by :class:`_Hardener`, deterministic for ``seed``."""
    return _Hardener(scenario, random.Random(f"hard-{seed}")).run()


# -- entry points -------------------------------------------------------------------------------------
_GENERATORS: dict[str, Callable[[random.Random], Scenario]] = {
    "district": _district,
    "city": _city,
    "province": _province,
    "hospitals": _hospitals,
    "national": _national,
    "open": _open,
}
SIZED: tuple[str, ...] = ("national", "open")  # the kinds whose number of institutions ``size`` sets


def generate(
    kind: str, seed: int, *, hard: bool = False, size: int | None = None, followups: float = 0.0
) -> Scenario:
    """The ``kind`` round for ``seed``; the same seed gives the same round.

    ``hard`` adds what real rounds have (:class:`_Hardener`: scarce skills, few leaders, single-skill
    experts, binding yearly caps, absences, conflicts) on top of the round ``hard=False`` gives, which
    for district, city and province is the old, easier benchmark. ``size`` sets the number of
    institutions of a ``national`` round (default 35,000) or an ``open`` one (default 3,200).
    ``followups`` is the share of visited institutions that get a follow-up visit (R15's
    ``followup_share``; 0: none, as every round without it).
    """
    if not 0.0 <= followups <= 1.0:
        raise ValueError("followups is a share between 0 and 1")
    try:
        build = _GENERATORS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}") from None
    if size is not None and kind not in SIZED:
        raise ValueError("size applies to the national and open kinds only")
    rng = random.Random(seed)
    sized = {"national": _national, "open": _open}
    scenario = sized[kind](rng, size) if kind in sized and size is not None else build(rng)
    label = f"{scenario.source}:seed={seed}"
    if kind in SIZED:
        label += f":size={len(scenario.institutions)}"
    if hard:
        scenario = harden(scenario, f"{kind}-{seed}")
        label += ":hard"
    if followups:
        scenario = replace(scenario, params=replace(scenario.params, followup_share=followups))
        label += f":followups={followups:g}"
    return replace(scenario, source=label)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description="Write a seeded benchmark round as a CSV folder."
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--easy", action="store_true", help="the round without hardening (the old benchmark)")
    parser.add_argument(
        "--size", type=int, help="institutions of a national round (default 35000) or an open one (3200)"
    )
    parser.add_argument(
        "--followups", type=float, default=0.0, help="share of institutions with a follow-up visit (R15)"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files into")
    args = parser.parse_args(argv)
    try:
        from outputs.scenario_csv import write_scenario_csv
    except ImportError as exc:
        print(
            f"cannot write CSV: outputs.scenario_csv.write_scenario_csv is not available ({exc})",
            file=sys.stderr,
        )
        return 1
    try:
        scenario = generate(
            args.kind, args.seed, hard=not args.easy, size=args.size, followups=args.followups
        )
    except ValueError as exc:
        parser.error(str(exc))
    write_scenario_csv(scenario, args.out)
    print(
        f"{args.kind} seed {args.seed}{' (easy)' if args.easy else ''}: {len(scenario.institutions)} "
        f"institutions, {len(scenario.experts)} experts → {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
