"""Public notices (公告): one plain-text page per visited institution (SPEC §4).

Seeds 000, 003 and 004 ask every inspected institution to post the visit's dates,
the team list and the discipline the team keeps, and to tell staff and the public
how to report problems. Each notice is written to ``<folder>/<institution id>.txt``
as UTF-8 text with Windows line endings, so it opens and prints in any editor.
The wording is the tool's own; the office may edit it before posting.
"""

from __future__ import annotations

import re
from pathlib import Path

from inputs.scenario import Scenario
from outputs.labels import (
    ROLE_LEADER,
    ROLE_MEMBER,
    chinese_ordinal,
    date_cn,
    display_width,
    employer_label,
    expert_name,
    institution_name,
    last_workday_before,
    other_members,
    period_cn,
    sorted_visits,
    unique_filenames,
)
from scheduler.plan import Plan, Visit

PAGE_WIDTH = 72  # display columns of a printed line
NO_LINE_START = frozenset("，。、；：？！）》」』”’…")
NO_LINE_END = frozenset("（《「『“‘")
MISSING = "（请巡查办填写）"
DEFAULT_OFFICE = "巡查办"

DISCIPLINE: tuple[str, ...] = (
    "巡查组严格落实中央八项规定及其实施细则精神，轻车简从，不接受宴请、礼品礼金和任何形式的"
    "旅游、娱乐安排，食宿按规定标准自理或由组织方统一安排；",
    "巡查组只了解情况、发现问题，不干预被巡查单位正常的诊疗秩序和日常管理工作，不处理具体事务，不承办具体案件；",
    "巡查组依规依纪开展工作，实事求是反映问题，不弄虚作假，不搞形式主义、不走过场；",
    "巡查组成员与被巡查单位存在利害关系的，按规定回避；",
    "巡查组对工作中接触的患者信息、单位资料和反映人信息严格保密。",
)


def write_notices(scenario: Scenario, plan: Plan, folder: Path) -> None:
    """Write one notice per visit into ``folder`` (created if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    visits = sorted_visits(plan)
    names = unique_filenames((v.institution, v.institution) for v in visits)
    for visit in visits:
        text = notice_text(scenario, visit)
        (folder / f"{names[visit.institution]}.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))


def notice_text(scenario: Scenario, visit: Visit) -> str:
    """The notice for one visit, as text with ``\\n`` line breaks."""
    params = scenario.params
    office = params.office or DEFAULT_OFFICE
    inst_name = institution_name(scenario, visit.institution)
    inst = scenario.institution_by_id.get(visit.institution)
    title = f"关于对{inst_name}开展巡查的公告"
    lines: list[str] = [*_centre(title), ""]
    lines.append(f"{inst_name}全体职工、广大患者及社会各界：")
    lines += _para(
        f"按照{params.name}工作安排，{office}派出的巡查组将于{period_cn(visit.start, visit.end)}"
        f"进驻{inst_name}开展实地巡查。为便于大家了解和监督巡查工作，现将有关事项公告如下。"
    )
    lines.append("")

    sections = [
        ("巡查时间", _dates_lines(visit, inst.address if inst else None)),
        ("巡查组成员", _team_lines(scenario, visit)),
        ("巡查纪律", [line for n, rule in enumerate(DISCIPLINE, 1) for line in _para(f"（{n}）{rule}")]),
        ("意见和问题线索的反映渠道", _channel_lines(scenario)),
    ]
    for n, (heading, body) in enumerate(sections, start=1):
        lines.append(f"{chinese_ordinal(n)}、{heading}")
        lines.extend(body)
        lines.append("")

    lines += _para(f"{inst_name}应积极配合巡查工作，如实提供情况和资料，并在院内显著位置张贴本公告。")
    lines += _para("特此公告。")
    lines.append("")
    issued = last_workday_before(scenario, visit.start)
    lines.append(_right(office))
    lines.append(_right(date_cn(issued)))
    return "\n".join(lines) + "\n"


# -- parts --------------------------------------------------------------------------------


def _dates_lines(visit: Visit, address: str | None) -> list[str]:
    when = period_cn(visit.start, visit.end, weekday=True)
    if visit.start == visit.end:
        lines = _para(f"{when}，现场工作 1 天。")
    else:
        lines = _para(f"{when}，现场工作共 {visit.days} 个工作日（其间的休息日和法定节假日不安排现场工作）。")
    if address:
        lines += _para(f"巡查地点：{address}。")
    return lines


def _team_lines(scenario: Scenario, visit: Visit) -> list[str]:
    lines = _para(f"巡查组：{visit.team}") if visit.team else []
    lines += _para(f"{ROLE_LEADER}：{_person(scenario, visit.leader)}")
    for member in other_members(visit):
        lines += _para(f"{ROLE_MEMBER}：{_person(scenario, member)}")
    return lines


def _person(scenario: Scenario, expert_id: str) -> str:
    expert = scenario.expert_by_id.get(expert_id)
    if expert is None:
        return expert_name(scenario, expert_id)
    employer = employer_label(scenario, expert)
    return f"{expert.name}（{employer}）" if employer else expert.name


def _channel_lines(scenario: Scenario) -> list[str]:
    params = scenario.params
    return [
        *_para(
            "巡查期间，职工、患者和群众可就该单位在党的建设、行风建设、医疗管理、"
            "财务管理、安全生产等方面存在的问题，以及巡查组成员遵守纪律的情况，"
            "通过以下方式向巡查组反映："
        ),
        *_para(f"举报电话：{params.hotline or MISSING}"),
        *_para(f"电子邮箱：{params.report_email or MISSING}"),
        *_para("也可将书面材料投入巡查组在现场设置的意见箱。"),
        *_para("反映问题请尽量具体、实事求是；巡查组对反映人的信息严格保密。"),
    ]


# -- layout ------------------------------------------------------------------------------


def _para(text: str) -> list[str]:
    """A paragraph indented by two full-width spaces, as Chinese documents are, wrapped to the page."""
    return wrap("\u3000\u3000" + text, PAGE_WIDTH)


def _centre(text: str) -> list[str]:
    lines = wrap(text, PAGE_WIDTH - 8)
    return [" " * max(0, (PAGE_WIDTH - display_width(line)) // 2) + line for line in lines]


def wrap(text: str, width: int) -> list[str]:
    """Break text into lines of at most ``width`` display columns.

    Chinese text may break between any two characters; runs of Latin letters and
    digits (phone numbers, e-mail addresses) stay whole, and closing punctuation
    never starts a line.
    """
    tokens = re.findall(r"[\x21-\x7e]+|.", text)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if line and display_width(line + token) > width and token not in NO_LINE_START:
            carry = ""
            if len(line) > 1 and line[-1] in NO_LINE_END:
                line, carry = line[:-1], line[-1]
            lines.append(line.rstrip())
            line = carry + ("" if token == " " else token)
        else:
            line += token
    if line or not lines:
        lines.append(line.rstrip())
    return lines


def _right(text: str) -> str:
    pad = max(0, PAGE_WIDTH - 8 - display_width(text))
    return " " * pad + text
