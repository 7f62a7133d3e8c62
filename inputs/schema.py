"""The names of the scenario's sheets, columns, parameter keys and coded values (SPEC §3), in one place.

The reader matches what the planner wrote against these tables (English or
Chinese, case and width ignored); the template and the scenario CSV export write
from them. Each column carries its kind (how a cell is parsed, see
``inputs.cells``), whether it is required, and the help text the template shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from inputs.scenario import DEFAULT_SKILLS, OWNERSHIP_LABELS, TIER_LABELS, TIERS

# Column kinds, parsed by inputs.cells.parse_cell:
#   key       an identifier or name that other cells refer to (NFKC-normalised)
#   text      free display text (stripped, Chinese punctuation kept)
#   int       a whole number            date   a calendar date        bool   是/否
#   share     a proportion 0..1          tier   a tier code or label   ownership  公立/民营
#   items     a list of keys, separated by ; ； 、 , or ，
#   tiers     a list of tiers            kind   a holiday kind (holiday/workday)


@dataclass(frozen=True)
class Column:
    key: str  # the English name, also the internal field name
    zh: str  # the Chinese name the template shows
    kind: str
    required: bool = False
    minimum: int | None = None  # for int columns
    help: str = ""  # what goes in it, for the template's 填写说明
    example: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.key, self.zh, *self.aliases)


@dataclass(frozen=True)
class Sheet:
    key: str  # English sheet name, also the CSV file stem
    zh: str  # Chinese sheet name
    columns: tuple[Column, ...]
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.key, self.zh, *self.aliases)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def label(self) -> str:
        return f"{self.zh}（{self.key}）"


_TIER_HELP = "、".join(TIER_LABELS.values())
_ITEMS_HELP = "多个值用 ; 、 或 , 分隔"
_DATE_HELP = "日期，如 2025-03-03"

INSTITUTIONS = Sheet(
    "institutions",
    "机构",
    (
        Column("id", "编号", "key", True, help="机构的唯一编号", example="BN-H1"),
        Column("name", "名称", "text", True, help="机构全称", example="重庆市巴南区人民医院"),
        Column("district", "区县", "key", True, help="所在区县", example="巴南区"),
        Column("tier", "类别", "tier", True, help=f"{_TIER_HELP} 之一", example="三级综合"),
        Column("ownership", "性质", "ownership", help="公立 或 民营，留空为公立", example="公立"),
        Column(
            "min_days",
            "最少天数",
            "int",
            minimum=1,
            help="本机构巡查的最少工作日数，长于类别规定时填写",
            example="8",
        ),
        Column("year", "年度", "int", help="指定巡查年度，须在本轮周期内", example="2025"),
        Column("batch", "批次", "key", help="指定批次，须为“批次”表中的名称", example="第一批"),
        Column("earliest", "最早开始", "date", help=_DATE_HELP, example="2025-03-03"),
        Column("latest", "最晚结束", "date", help=_DATE_HELP, example="2025-06-30"),
        Column("exempt", "免检", "bool", help="是 或 否；本周期免于巡查（如已通过等级评审）", example="否"),
        Column(
            "address",
            "地址",
            "text",
            help="机构地址，写入公告和日程邀请",
            example="重庆市巴南区龙洲大道 1 号",
        ),
    ),
    required=True,
    help="受检机构名单，每行一家机构。",
)

EXPERTS = Sheet(
    "experts",
    "专家",
    (
        Column("id", "编号", "key", True, help="专家的唯一编号", example="E01"),
        Column("name", "姓名", "text", True, help="专家姓名", example="张志明"),
        Column("district", "区县", "key", True, help="专家所在区县", example="长寿区"),
        Column(
            "skills",
            "专长",
            "items",
            True,
            help=f"{_ITEMS_HELP}；须为类别规则要求的专长，默认 {'、'.join(DEFAULT_SKILLS)}",
            example="党建;行风",
        ),
        Column("employer", "工作单位", "text", help="机构编号或单位名称；专家不巡查本单位", example="BN-G03"),
        Column("leader", "可任组长", "bool", help="是 或 否", example="是"),
        Column("max_days", "年度最多天数", "int", minimum=0, help="每年最多参加巡查的工作日数", example="40"),
        Column("email", "邮箱", "key", help="接收日程邀请的邮箱", example="zhangzm@example.cn"),
        Column("phone", "电话", "key", help="联系电话", example="13800000000"),
    ),
    required=True,
    help="专家库，每行一位专家。",
)

PARAMS = Sheet(
    "params",
    "参数",
    (
        Column(
            "key", "键", "key", True, help="参数名（见下方参数说明）", example="开始日期", aliases=("参数",)
        ),
        Column("value", "值", "text", help="参数值", example="2024-11-18", aliases=("取值", "参数值")),
    ),
    required=True,
    help="本轮巡查的参数，每行一个参数。",
)

BATCHES = Sheet(
    "batches",
    "批次",
    (
        Column("name", "名称", "key", True, help="批次名称", example="第一批", aliases=("批次",)),
        Column("start", "开始", "date", True, help=_DATE_HELP, example="2025-03-03", aliases=("开始日期",)),
        Column("end", "结束", "date", True, help=_DATE_HELP, example="2025-06-30", aliases=("结束日期",)),
    ),
    help="批次及其起止日期；机构表可指定批次。",
)

TIER_SHEET = Sheet(
    "tiers",
    "类别规则",
    (
        Column("tier", "类别", "tier", True, help=f"{_TIER_HELP} 之一", example="三级综合"),
        Column("min_days", "最少天数", "int", minimum=1, help="留空用默认：7/5/5/5/1", example="7"),
        Column("team_min", "组员下限", "int", minimum=1, help="巡查组最少人数（含组长）", example="4"),
        Column("team_max", "组员上限", "int", minimum=1, help="巡查组最多人数（含组长）", example="9"),
        Column(
            "required_skills",
            "必备专长",
            "items",
            help=f"巡查组须覆盖的专长，{_ITEMS_HELP}；留空用默认",
            example="党建;行风;医疗管理;财务;安全生产",
        ),
    ),
    help="按类别覆盖默认规则；未填的列保持默认。",
)

QUOTAS = Sheet(
    "quotas",
    "年度指标",
    (
        Column("year", "年度", "int", True, help="指标年度", example="2025"),
        Column("tier", "类别", "tier", help=f"{_TIER_HELP} 之一；留空为所有类别", example="基层"),
        Column("ownership", "性质", "ownership", help="公立 或 民营；留空为全部", example="民营"),
        Column("min_share", "最低比例", "share", help="0 到 1 之间，如 0.3 或 30%", example="30%"),
        Column("min_count", "最低数量", "int", minimum=0, help="最少巡查家数", example="2"),
    ),
    help="年度覆盖指标：该年至少巡查的比例或家数。",
)

UNAVAILABILITY = Sheet(
    "unavailability",
    "不可用时间",
    (
        Column("expert_id", "专家编号", "key", True, help="专家表中的编号", example="E05"),
        Column("start", "开始", "date", True, help=_DATE_HELP, example="2025-03-01", aliases=("开始日期",)),
        Column(
            "end",
            "结束",
            "date",
            True,
            help=f"{_DATE_HELP}（含当天）",
            example="2025-04-30",
            aliases=("结束日期",),
        ),
        Column("reason", "原因", "text", help="可选", example="外出进修"),
    ),
    help="专家不能参加巡查的日期。",
)

CONFLICTS = Sheet(
    "conflicts",
    "回避",
    (
        Column("expert_id", "专家编号", "key", True, help="专家表中的编号", example="E03"),
        Column("institution_id", "机构编号", "key", True, help="机构表中的编号", example="BN-H2"),
        Column("reason", "原因", "text", help="可选", example="近亲属在该院工作"),
    ),
    help="专家须回避的机构（本单位已自动回避，无需填写）。",
)

PAIRINGS = Sheet(
    "pairings",
    "交叉检查",
    (
        Column("inspecting_district", "检查区县", "key", True, help="派出专家的区县", example="长寿区"),
        Column("inspected_district", "受检区县", "key", True, help="被检查的区县", example="巴南区"),
        Column(
            "tiers",
            "类别",
            "tiers",
            help=f"适用的机构类别，{_ITEMS_HELP}；留空为所有类别",
            example="三级综合;二级",
        ),
    ),
    help="区县交叉检查关系：受检区县的机构由检查区县的专家巡查。",
)

TEAMS = Sheet(
    "teams",
    "巡查组",
    (
        Column("team", "组名", "key", True, help="巡查组名称", example="医院巡查组", aliases=("名称",)),
        Column("leader", "组长", "key", True, help="组长的专家编号", example="E01"),
        Column(
            "members",
            "成员",
            "items",
            True,
            help=f"成员的专家编号（含组长），{_ITEMS_HELP}",
            example="E01;E02;E03;E04",
        ),
        Column(
            "tiers",
            "类别",
            "tiers",
            help=f"负责的机构类别，{_ITEMS_HELP}；留空为所有类别",
            example="三级综合;二级",
        ),
    ),
    help="固定巡查组（如有）：每次巡查由一个固定组完成。",
)

HOLIDAYS = Sheet(
    "holidays",
    "节假日调整",
    (
        Column("start", "开始", "date", True, help=_DATE_HELP, example="2027-10-01", aliases=("开始日期",)),
        Column(
            "end",
            "结束",
            "date",
            True,
            help=f"{_DATE_HELP}（含当天）",
            example="2027-10-07",
            aliases=("结束日期",),
        ),
        Column("kind", "类型", "kind", True, help="放假 或 上班（调休上班）", example="放假"),
    ),
    help="法定节假日与调休。某年只要填了一行，该年的放假与调休就以本表为准（周末休息，除非列为上班）。",
)

SHEETS: tuple[Sheet, ...] = (
    INSTITUTIONS,
    EXPERTS,
    PARAMS,
    BATCHES,
    TIER_SHEET,
    QUOTAS,
    UNAVAILABILITY,
    CONFLICTS,
    PAIRINGS,
    TEAMS,
    HOLIDAYS,
)
SHEET_BY_KEY: dict[str, Sheet] = {s.key: s for s in SHEETS}

# -- params keys (rows of the params sheet) ---------------------------------------
PARAM_KEYS: tuple[Column, ...] = (
    Column(
        "name",
        "名称",
        "text",
        True,
        help="本轮巡查的名称",
        example="重庆市巴南区医疗卫生机构巡查（2024-2026年度）",
    ),
    Column(
        "start",
        "开始日期",
        "date",
        True,
        help=f"本轮开始日期，{_DATE_HELP}",
        example="2024-11-18",
        aliases=("开始",),
    ),
    Column(
        "deadline",
        "截止日期",
        "date",
        True,
        help=f"实地巡查完成时限，{_DATE_HELP}",
        example="2026-11-30",
        aliases=("截止", "完成时限"),
    ),
    Column(
        "office",
        "巡查办",
        "text",
        help="巡查办名称，作为日程邀请的组织者",
        example="某区卫生健康委巡查工作办公室",
    ),
    Column("office_email", "巡查办邮箱", "key", help="巡查办邮箱", example="xcb@example.cn"),
    Column("hotline", "监督电话", "key", help="公告中的监督电话", example="023-00000000"),
    Column("report_email", "举报邮箱", "key", help="公告中的举报邮箱", example="jubao@example.cn"),
    Column(
        "max_concurrent_visits",
        "最大并行数",
        "int",
        minimum=1,
        help="同一天最多同时进行的巡查数；留空不限",
        example="3",
    ),
    Column(
        "home_district_only",
        "仅本区县",
        "bool",
        help="是 或 否；无交叉检查关系时只由本区县专家巡查",
        example="是",
    ),
    Column(
        "rest_days",
        "间隔工作日",
        "int",
        minimum=0,
        help="同一专家两次巡查之间至少间隔的工作日数，默认 0",
        example="0",
    ),
    Column(
        "max_days_per_year",
        "年度最多天数",
        "int",
        minimum=0,
        help="每位专家每年最多巡查工作日数；留空不限",
        example="60",
    ),
    Column(
        "notice_days",
        "提前通知天数",
        "int",
        minimum=0,
        help="调整计划时新安排至少提前的天数，默认 15",
        example="15",
    ),
)
PARAM_BY_KEY: dict[str, Column] = {c.key: c for c in PARAM_KEYS}

# -- coded values ------------------------------------------------------------------
TIER_ALIASES: dict[str, str] = {
    **{code: code for code in TIERS},
    **{label: code for code, label in TIER_LABELS.items()},
    "三级综合医院": "tertiary_general",
    "三级专科医院": "tertiary_specialty",
    "妇幼": "maternal_child",
    "妇幼保健": "maternal_child",
    "妇幼保健机构": "maternal_child",
    "妇幼保健计划生育服务中心": "maternal_child",
    "二级医院": "secondary",
    "二级综合": "secondary",
    "二级综合医院": "secondary",
    "二级专科": "secondary",
    "二级专科医院": "secondary",
    "基层医疗卫生机构": "grassroots",
    "基层医疗机构": "grassroots",
    "乡镇卫生院": "grassroots",
    "中心卫生院": "grassroots",
    "卫生院": "grassroots",
    "社区卫生服务中心": "grassroots",
    "社区卫生服务站": "grassroots",
}
OWNERSHIP_ALIASES: dict[str, str] = {
    **{code: code for code in OWNERSHIP_LABELS},
    **{label: code for code, label in OWNERSHIP_LABELS.items()},
    "公办": "public",
    "社会办": "private",
    "社会办医": "private",
    "私立": "private",
    "非公": "private",
    "非公立": "private",
}
HOLIDAY_KINDS: tuple[str, ...] = ("holiday", "workday")
HOLIDAY_KIND_LABELS: dict[str, str] = {"holiday": "放假", "workday": "上班"}
HOLIDAY_KIND_ALIASES: dict[str, str] = {
    "holiday": "holiday",
    "放假": "holiday",
    "休": "holiday",
    "休息": "holiday",
    "假": "holiday",
    "节假日": "holiday",
    "workday": "workday",
    "上班": "workday",
    "班": "workday",
    "调休上班": "workday",
    "补班": "workday",
    "工作日": "workday",
}
TRUE_WORDS: frozenset[str] = frozenset({"是", "yes", "y", "true", "t", "1", "√", "✓", "✔", "对"})
FALSE_WORDS: frozenset[str] = frozenset({"否", "no", "n", "false", "f", "0", "×", "✗", "✘", "错"})
YES_NO_LABELS: tuple[str, str] = ("是", "否")

# The template's explanation sheet; the reader ignores it.
GUIDE_SHEET = "填写说明"


def normalise_name(name: object) -> str:
    """How sheet names, headers, param keys and coded values are compared: width, case, spaces ignored."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    text = re.sub(r"[\s\-]+", "_", text)
    return text.rstrip("*").strip("_")


def _lookup(names: dict[str, str]) -> dict[str, str]:
    return {normalise_name(k): v for k, v in names.items()}


def match_sheet(name: str) -> Sheet | None:
    """The sheet a sheet or file name (without .csv) stands for, if any."""
    wanted = normalise_name(name)
    return next((s for s in SHEETS if wanted in {normalise_name(n) for n in s.names()}), None)


def match_column(sheet: Sheet, header: object) -> Column | None:
    wanted = normalise_name(header)
    return next((c for c in sheet.columns if wanted in {normalise_name(n) for n in c.names()}), None)


def match_param(key: str) -> Column | None:
    wanted = normalise_name(key)
    return next((c for c in PARAM_KEYS if wanted in {normalise_name(n) for n in c.names()}), None)


TIER_LOOKUP = _lookup(TIER_ALIASES)
OWNERSHIP_LOOKUP = _lookup(OWNERSHIP_ALIASES)
HOLIDAY_KIND_LOOKUP = _lookup(HOLIDAY_KIND_ALIASES)
