"""The names of the scenario's sheets, columns, parameter keys and coded values (SPEC §3), in one place.

The reader matches what the planner wrote against these tables (English or
Chinese, case and width ignored); the template and the scenario CSV export write
from them. Each column carries its kind (how a cell is parsed, see
``inputs.cells``), whether it is required, and the help text the template shows.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from inputs.scenario import DEFAULT_SKILLS, OWNERSHIP_LABELS, TIER_LABELS, TIERS

# Column kinds, parsed by inputs.cells.parse_cell:
#   key       an identifier or name that other cells refer to (NFKC-normalised)
#   text      free display text (stripped, Chinese punctuation kept)
#   int       a whole number            date   a calendar date        bool   是/否
#   email     an e-mail address (checked, stored normalised)
#   share     a proportion 0..1          tier   a tier code or label   ownership  公立/民营
#   items     a list of keys, separated by ; ； 、 , or ，
#   tiers     a list of tiers            kind   a holiday kind (holiday/workday)


@dataclass(frozen=True)
class Column:
    key: str  # the English name, also the internal field name
    zh: str  # the Chinese name the template shows
    kind: str
    required: bool = False
    minimum: int | None = None  # for int columns: the sensible range (SPEC §3), both ends included
    maximum: int | None = None
    help: str = ""  # what goes in it, for the template's 填写说明
    example: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.key, self.zh, *self.aliases)

    def bounds(self) -> tuple[int, int] | None:
        """The sensible range of an int column, both ends included (a column without one: 0 to 100000)."""
        if self.kind != "int":
            return None
        return (
            0 if self.minimum is None else self.minimum,
            _DEFAULT_MAXIMUM if self.maximum is None else self.maximum,
        )


# The largest whole number any int column accepts when its own range is not given.
_DEFAULT_MAXIMUM = 100_000


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
        return self._by_key[key]

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        """The columns by key (a cell's column is looked up for each of a round's million cells)."""
        return {c.key: c for c in self.columns}

    def label(self) -> str:
        return f"{self.zh}（{self.key}）"


_TIER_HELP = "、".join(TIER_LABELS.values())
_ITEMS_HELP = "多个值用 ; 、 或 , 分隔"
_DATE_HELP = "日期，如 2025-03-03"

INSTITUTIONS = Sheet(
    "institutions",
    "机构",
    (
        Column(
            "id",
            "编号",
            "key",
            True,
            help="机构的唯一编号",
            example="BN-H1",
            aliases=("机构编号", "单位编号", "机构代码", "代码"),
        ),
        Column(
            "name",
            "名称",
            "text",
            True,
            help="机构全称",
            example="重庆市巴南区人民医院",
            aliases=("机构名称", "单位名称", "受检机构", "机构", "医院名称", "机构全称"),
        ),
        Column(
            "district",
            "区县",
            "key",
            True,
            help="所在区县",
            example="巴南区",
            aliases=("所在区县", "所属区县", "区", "县", "区县名称", "辖区"),
        ),
        Column(
            "tier",
            "类别",
            "tier",
            True,
            help=f"{_TIER_HELP} 之一",
            example="三级综合",
            aliases=("机构类别", "机构类型", "类型", "级别"),
        ),
        Column(
            "ownership",
            "性质",
            "ownership",
            help="公立 或 民营，留空为公立",
            example="公立",
            aliases=("所有制", "经营性质", "机构性质"),
        ),
        Column(
            "min_days",
            "最少天数",
            "int",
            minimum=1,
            maximum=60,
            help="本机构巡查的最少工作日数，长于类别规定时填写",
            example="8",
            aliases=("巡查天数",),
        ),
        Column(
            "year",
            "年度",
            "int",
            minimum=1900,
            maximum=2200,
            help="指定巡查年度，须在本轮周期内",
            example="2025",
            aliases=("巡查年度",),
        ),
        Column(
            "batch",
            "批次",
            "key",
            help="指定批次，须为“批次”表中的名称",
            example="第一批",
            aliases=("巡查批次",),
        ),
        Column(
            "earliest", "最早开始", "date", help=_DATE_HELP, example="2025-03-03", aliases=("最早开始日期",)
        ),
        Column(
            "latest", "最晚结束", "date", help=_DATE_HELP, example="2025-06-30", aliases=("最晚结束日期",)
        ),
        Column(
            "exempt",
            "免检",
            "bool",
            help="是 或 否；本周期免于巡查（如已通过等级评审）",
            example="否",
            aliases=("是否免检",),
        ),
        Column(
            "address",
            "地址",
            "text",
            help="机构地址，写入公告和日程邀请",
            example="重庆市巴南区龙洲大道 1 号",
            aliases=("机构地址", "单位地址"),
        ),
        Column(
            "followup",
            "回头看",
            "bool",
            help="是 或 否；首次巡查后安排回头看；留空时可按“回头看比例”抽取",
            example="是",
        ),
        Column(
            "contact",
            "联系人",
            "text",
            help="机构联系人，写入巡查通知",
            example="王主任",
            aliases=("联系人姓名",),
        ),
        Column(
            "email",
            "邮箱",
            "email",
            help="机构联系邮箱，巡查通知发往此处",
            example="yb@example.cn",
            aliases=("联系邮箱", "电子邮箱", "电子邮件", "e-mail", "mail"),
        ),
        Column(
            "fixed_start",
            "指定开始日期",
            "date",
            help=f"已商定的巡查开始日期（须为工作日），{_DATE_HELP}；计划保持不变",
            example="2025-04-07",
        ),
        Column("fixed_leader", "指定组长", "key", help="已商定的组长的专家编号；计划保持不变", example="E01"),
        Column(
            "fixed_members",
            "指定成员",
            "items",
            help=f"必须参加的专家编号，{_ITEMS_HELP}；计划保持不变（可另加成员）",
            example="E02;E05",
        ),
        Column(
            "aliases",
            "别名",
            "items",
            help=f"本机构的其他名称（简称、旧称），{_ITEMS_HELP}；专家工作单位按此识别",
            example="市七院;第七人民医院",
            aliases=("简称", "机构简称", "其他名称"),
        ),
    ),
    required=True,
    help="受检机构名单，每行一家机构。",
    aliases=("机构名单", "受检机构", "受检机构名单", "机构表", "机构信息", "医疗机构"),
)

EXPERTS = Sheet(
    "experts",
    "专家",
    (
        Column(
            "id",
            "编号",
            "key",
            True,
            help="专家的唯一编号",
            example="E01",
            aliases=("专家编号", "工号"),
        ),
        Column(
            "name",
            "姓名",
            "text",
            True,
            help="专家姓名",
            example="张志明",
            aliases=("专家姓名", "名字"),
        ),
        Column(
            "district",
            "区县",
            "key",
            True,
            help="专家所在区县",
            example="长寿区",
            aliases=("所在区县", "所属区县", "区", "县", "区县名称"),
        ),
        Column(
            "skills",
            "专长",
            "items",
            True,
            help=f"{_ITEMS_HELP}；须为类别规则要求的专长，默认 {'、'.join(DEFAULT_SKILLS)}",
            example="党建;行风",
            aliases=("专业", "专长领域", "擅长领域"),
        ),
        Column(
            "employer",
            "工作单位",
            "text",
            help="机构编号或单位名称；专家不巡查本单位",
            example="BN-G03",
            aliases=("单位", "单位名称", "所在单位", "工作单位名称"),
        ),
        Column(
            "leader",
            "可任组长",
            "bool",
            help="是 或 否",
            example="是",
            aliases=("组长", "是否组长", "可否任组长"),
        ),
        Column(
            "max_days",
            "年度最多天数",
            "int",
            minimum=0,
            maximum=366,
            help="每年最多参加巡查的工作日数",
            example="40",
            aliases=("最多天数", "年度最多工作日"),
        ),
        Column(
            "email",
            "邮箱",
            "email",
            help="接收日程邀请的邮箱",
            example="zhangzm@example.cn",
            aliases=("联系邮箱", "电子邮箱", "电子邮件", "e-mail", "mail"),
        ),
        Column(
            "phone",
            "电话",
            "key",
            help="联系电话",
            example="13800000000",
            aliases=("联系电话", "手机", "手机号", "联系方式"),
        ),
    ),
    required=True,
    help="专家库，每行一位专家。",
    aliases=("专家库", "专家名单", "专家表", "专家信息"),
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
    aliases=("参数表", "基本参数"),
)

BATCHES = Sheet(
    "batches",
    "批次",
    (
        Column("name", "名称", "key", True, help="批次名称", example="第一批", aliases=("批次",)),
        Column(
            "start",
            "开始",
            "date",
            True,
            help=_DATE_HELP,
            example="2025-03-03",
            aliases=("开始日期", "开始时间"),
        ),
        Column(
            "end",
            "结束",
            "date",
            True,
            help=_DATE_HELP,
            example="2025-06-30",
            aliases=("结束日期", "结束时间"),
        ),
    ),
    help="批次及其起止日期；机构表可指定批次。",
    aliases=("批次表",),
)

TIER_SHEET = Sheet(
    "tiers",
    "类别规则",
    (
        Column("tier", "类别", "tier", True, help=f"{_TIER_HELP} 之一", example="三级综合"),
        Column(
            "min_days", "最少天数", "int", minimum=1, maximum=60, help="留空用默认：7/5/5/5/1", example="7"
        ),
        Column(
            "team_min", "组员下限", "int", minimum=1, maximum=50, help="巡查组最少人数（含组长）", example="4"
        ),
        Column(
            "team_max", "组员上限", "int", minimum=1, maximum=50, help="巡查组最多人数（含组长）", example="9"
        ),
        Column(
            "required_skills",
            "必备专长",
            "items",
            help=f"巡查组须覆盖的专长（分工），{_ITEMS_HELP}；需多人的写 专长*人数如 医疗管理*2；留空用默认",
            example="党建;行风;医疗管理*2;财务;安全生产",
        ),
        Column(
            "one_part_each",
            "分组巡查",
            "bool",
            help="是 或 否；是：每名组员只负责一项分工（如党建组、行风组），默认 否",
            example="否",
        ),
    ),
    help="按类别覆盖默认规则；未填的列保持默认。",
    aliases=("类别规则表", "分类规则"),
)

QUOTAS = Sheet(
    "quotas",
    "年度指标",
    (
        Column("year", "年度", "int", True, minimum=1900, maximum=2200, help="指标年度", example="2025"),
        Column("tier", "类别", "tier", help=f"{_TIER_HELP} 之一；留空为所有类别", example="基层"),
        Column("ownership", "性质", "ownership", help="公立 或 民营；留空为全部", example="民营"),
        Column("min_share", "最低比例", "share", help="0 到 1 之间，如 0.3 或 30%", example="30%"),
        Column("min_count", "最低数量", "int", minimum=0, maximum=100000, help="最少巡查家数", example="2"),
        Column("max_share", "最高比例", "share", help="0 到 1 之间，该年至多巡查的比例", example="10%"),
        Column(
            "max_count", "最高数量", "int", minimum=0, maximum=100000, help="该年最多巡查家数", example="20"
        ),
    ),
    help="年度覆盖指标：该年至少（及至多）巡查的比例或家数。",
    aliases=("指标", "年度指标表"),
)

UNAVAILABILITY = Sheet(
    "unavailability",
    "不可用时间",
    (
        Column("expert_id", "专家编号", "key", True, help="专家表中的编号", example="E05"),
        Column(
            "start",
            "开始",
            "date",
            True,
            help=_DATE_HELP,
            example="2025-03-01",
            aliases=("开始日期", "开始时间"),
        ),
        Column(
            "end",
            "结束",
            "date",
            True,
            help=f"{_DATE_HELP}（含当天）",
            example="2025-04-30",
            aliases=("结束日期", "结束时间"),
        ),
        Column("reason", "原因", "text", help="可选", example="外出进修"),
    ),
    help="专家不能参加巡查的日期。",
    aliases=("不可用", "不可用日期", "专家请假"),
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
    aliases=("回避关系", "回避表"),
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
    aliases=("交叉检查关系", "交叉检查表"),
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
    aliases=("巡查组表", "固定巡查组"),
)

HOLIDAYS = Sheet(
    "holidays",
    "节假日调整",
    (
        Column(
            "start",
            "开始",
            "date",
            True,
            help=_DATE_HELP,
            example="2027-10-01",
            aliases=("开始日期", "开始时间"),
        ),
        Column(
            "end",
            "结束",
            "date",
            True,
            help=f"{_DATE_HELP}（含当天）",
            example="2027-10-07",
            aliases=("结束日期", "结束时间"),
        ),
        Column("kind", "类型", "kind", True, help="放假 或 上班（调休上班）", example="放假"),
    ),
    help="法定节假日与调休。某年只要填了一行，该年的放假与调休就以本表为准（周末休息，除非列为上班）。",
    aliases=("节假日", "节假日安排", "放假安排"),
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
        aliases=("巡查名称", "本轮名称"),
    ),
    Column(
        "start",
        "开始日期",
        "date",
        True,
        help=f"本轮开始日期，{_DATE_HELP}",
        example="2024-11-18",
        aliases=("开始", "开始时间", "起始日期"),
    ),
    Column(
        "deadline",
        "截止日期",
        "date",
        True,
        help=f"实地巡查完成时限，{_DATE_HELP}",
        example="2026-11-30",
        aliases=("截止", "完成时限", "截止时间"),
    ),
    Column(
        "office",
        "巡查办",
        "text",
        help="巡查办名称，作为日程邀请的组织者",
        example="某区卫生健康委巡查工作办公室",
        aliases=("巡查办名称",),
    ),
    Column(
        "office_email",
        "巡查办邮箱",
        "email",
        help="巡查办邮箱",
        example="xcb@example.cn",
        aliases=("联系邮箱",),
    ),
    Column(
        "hotline",
        "监督电话",
        "key",
        help="公告中的监督电话",
        example="023-00000000",
        aliases=("举报电话", "监督举报电话", "投诉电话"),
    ),
    Column(
        "report_email",
        "举报邮箱",
        "email",
        help="公告中的举报邮箱",
        example="jubao@example.cn",
        aliases=("监督邮箱", "举报信箱"),
    ),
    Column(
        "max_concurrent_visits",
        "最大并行数",
        "int",
        minimum=1,
        maximum=10000,
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
        maximum=60,
        help="同一专家两次巡查之间至少间隔的工作日数，默认 0",
        example="0",
    ),
    Column(
        "max_days_per_year",
        "年度最多天数",
        "int",
        minimum=0,
        maximum=366,
        help="每位专家每年最多巡查工作日数；留空不限",
        example="60",
    ),
    Column(
        "notice_days",
        "提前通知天数",
        "int",
        minimum=0,
        maximum=365,
        help="巡查通知至少提前的日历天数：每次巡查不早于计划发布日后这么多天开始，默认 30",
        example="30",
    ),
    Column(
        "self_report_days",
        "自查报告提前天数",
        "int",
        minimum=0,
        maximum=365,
        help="自查报告须在实地巡查开始前多少个日历天报送，默认 15",
        example="15",
    ),
    Column(
        "feedback_days",
        "反馈天数",
        "int",
        minimum=0,
        maximum=365,
        help="实地巡查结束后多少个日历天内反馈巡查意见，默认 30",
        example="30",
    ),
    Column(
        "rectify_days",
        "整改天数",
        "int",
        minimum=0,
        maximum=365,
        help="反馈后多少个日历天内报送整改报告，默认 60",
        example="60",
    ),
    Column(
        "followup_share",
        "回头看比例",
        "share",
        help="由计划随机（按种子）抽取做回头看的已巡查机构比例，0 到 1，如 0.2 或 20%，默认 0",
        example="20%",
    ),
    Column(
        "followup_days",
        "回头看天数",
        "int",
        minimum=1,
        maximum=60,
        help="每次回头看的工作日数，默认 1",
        example="1",
    ),
    Column(
        "followup_team_min",
        "回头看组员下限",
        "int",
        minimum=1,
        maximum=50,
        help="回头看巡查组最少人数（含组长），默认 2",
        example="2",
    ),
    Column(
        "followup_team_max",
        "回头看组员上限",
        "int",
        minimum=1,
        maximum=50,
        help="回头看巡查组最多人数（含组长），默认 3",
        example="3",
    ),
    Column(
        "followup_deadline",
        "回头看截止日期",
        "date",
        help=f"回头看须完成的日期，{_DATE_HELP}；留空为截止日期",
        example="2026-11-30",
    ),
    Column(
        "followup_continuity",
        "回头看保留原组员",
        "bool",
        help="是 或 否；回头看组至少有一名首次巡查的组员，默认 是",
        example="是",
    ),
    Column(
        "pace",
        "进度安排",
        "pace",
        help="均衡（even，默认：每年、每批次内各月开始的巡查数尽量均衡）或 尽早（early：尽早完成）",
        example="均衡",
        aliases=("节奏", "进度"),
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
PACE_ALIASES: dict[str, str] = {
    "even": "even",
    "均衡": "even",
    "平均": "even",
    "均匀": "even",
    "early": "early",
    "尽早": "early",
    "尽快": "early",
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


_NAME_GAPS = re.compile(r"[\s\-]+")


def normalise_name(name: object) -> str:
    """How sheet names, headers, param keys and coded values are compared: width, case, spaces ignored."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    text = _NAME_GAPS.sub("_", text)
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


Named = TypeVar("Named", Sheet, Column)


def closest(name: object, candidates: Iterable[Named]) -> Named | None:
    """The candidate one of whose names is nearest to ``name`` (a likely typo or variant), if any is near.

    For "did you mean": an unknown sheet, column or param name is compared with every
    name of the candidates (English, Chinese and aliases) by difflib's ratio.
    """
    by_name: dict[str, Named] = {}
    for candidate in candidates:
        for known in candidate.names():
            by_name.setdefault(normalise_name(known), candidate)
    wanted = normalise_name(name)
    if not wanted:
        return None
    found = difflib.get_close_matches(wanted, list(by_name), n=1, cutoff=_CLOSE)
    return by_name[found[0]] if found else None


# difflib's ratio from which an unknown name is taken for a variant of a known one: one character
# wrong in a four-character Chinese name (6/8) is near, one of two (2/4) is not, nor `notes` for `tiers`.
_CLOSE = 0.75


TIER_LOOKUP = _lookup(TIER_ALIASES)
OWNERSHIP_LOOKUP = _lookup(OWNERSHIP_ALIASES)
HOLIDAY_KIND_LOOKUP = _lookup(HOLIDAY_KIND_ALIASES)
PACE_LOOKUP = _lookup(PACE_ALIASES)
