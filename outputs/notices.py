"""Public notices (公告): one official document per visited institution (SPEC §4).

Seeds 000, 003 and 004 ask every inspected institution to post the visit's dates,
the team list and the discipline the team keeps, and to tell staff and the public
how to report problems. Each notice is an :class:`outputs.documents.OfficialDoc`,
written to ``<folder>/<institution id>.docx`` and laid out as a Chinese official
document, so the office prints it or edits it in WPS/Word. The wording is the
tool's own; the office may edit it before posting.

After a replan only institutions whose visit changed get a document: a 更正公告 that
says what changed and restates the corrected arrangements (or that the visit is
cancelled), and a plain 公告 for an institution added to the round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inputs.scenario import Scenario
from outputs.documents import OfficialDoc, write_docx
from outputs.folder import clock
from outputs.labels import (
    ROLE_LEADER,
    chinese_ordinal,
    date_cn,
    division_role,
    employer_label,
    expert_name,
    institution_name,
    last_workday_before,
    other_members,
    parts_text,
    period_cn,
    plain_rules,
    sorted_visits,
    unique_filenames,
)
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.replan import Change

MISSING = "（请巡查办填写）"
DEFAULT_OFFICE = "巡查办"

DISCIPLINE = (
    "巡查组严格遵守中央八项规定精神，不干预正常的诊疗秩序和日常管理，不处理具体事务，"
    "不承办具体案件，不弄虚作假、不走过场；成员与被巡查单位有利害关系的按规定回避。"
)


def write_notices(
    scenario: Scenario,
    plan: Plan,
    folder: Path,
    *,
    changes: Sequence[Change] | None = None,
) -> None:
    """Write one notice per visit into ``folder`` (created if missing).

    With ``changes`` (a replan) only the institutions whose visit they name get a document: a
    更正公告 for a changed or cancelled visit, a 公告 for an added one (a change of the follow-up
    alone, which the 公告 does not name, gets none: the letter says the follow-up's dates).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    visits = [v for v in sorted_visits(plan) if getattr(v, "kind", "visit") == "visit"]
    if changes is None:
        docs = {v.institution: notice_doc(scenario, v) for v in visits}
    else:
        by_inst: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            if not change.followup:  # the 公告 names the visit only, not its 回头看
                by_inst[change.institution].append(change)
        visit_of = {v.institution: v for v in visits}
        docs = {}
        for inst_id, its in by_inst.items():
            visit = visit_of.get(inst_id)
            if visit is not None and all(c.kind == "added" for c in its):
                docs[inst_id] = notice_doc(scenario, visit)
            else:
                docs[inst_id] = correction_doc(scenario, inst_id, visit, its)
    names = unique_filenames((inst_id, inst_id) for inst_id in docs)
    for inst_id, doc in docs.items():
        write_docx(doc, folder / f"{names[inst_id]}.docx")


def notice_doc(scenario: Scenario, visit: Visit) -> OfficialDoc:
    """The 公告 for one visit."""
    params = scenario.params
    office = params.office or DEFAULT_OFFICE
    inst_name = institution_name(scenario, visit.institution)
    paragraphs = [
        f"按照工作安排，{office}巡查组将进驻{inst_name}开展实地巡查，现将有关事项公告如下：",
        *_arrangements(scenario, visit),
        f"请{inst_name}在院内显著位置张贴本公告，接受职工和群众监督。",
        "特此公告。",
    ]
    return OfficialDoc(
        title=f"关于对{inst_name}开展巡查的公告",
        addressee=None,  # a 公告 is addressed to the public, it names no 主送机关
        paragraphs=tuple(paragraphs),
        office=office,
        date=last_workday_before(scenario, visit.start),
        one_page=True,
    )


def correction_doc(
    scenario: Scenario, inst_id: str, visit: Visit | None, changes: Sequence[Change]
) -> OfficialDoc:
    """The 更正公告 after a replan: what changed, then the corrected arrangements (none if cancelled)."""
    params = scenario.params
    office = params.office or DEFAULT_OFFICE
    inst_name = institution_name(scenario, inst_id)
    original = f"《关于对{inst_name}开展巡查的公告》"
    paragraphs = [f"因工作安排调整，现对此前发布的{original}作如下更正："]
    for n, change in enumerate(changes, start=1):
        paragraphs.append(f"（{chinese_ordinal(n)}）{_without_ids(scenario, _change_sentence(change))}")
    if visit is None:
        paragraphs.append("原公告的其余内容一并废止。由此带来的不便，敬请谅解。")
        issued = clock().date()
    else:
        paragraphs.append("更正后的巡查安排如下，原公告与本公告不一致的，以本公告为准。")
        paragraphs += _arrangements(scenario, visit)
        paragraphs.append(f"{inst_name}应在院内显著位置张贴本更正公告。")
        issued = last_workday_before(scenario, visit.start)
    paragraphs.append("特此公告。")
    return OfficialDoc(
        title=f"关于对{inst_name}开展巡查的更正公告",
        addressee=None,
        paragraphs=tuple(paragraphs),
        office=office,
        date=issued,
        one_page=True,
    )


def notice_text(scenario: Scenario, visit: Visit) -> str:
    """The notice for one visit as plain text, one paragraph a line (previews and tests)."""
    doc = notice_doc(scenario, visit)
    lines = [
        doc.title,
        *([doc.addressee] if doc.addressee else []),
        *doc.paragraphs,
        doc.office,
        date_cn(doc.date),
    ]
    return "\n".join(lines) + "\n"


def _without_ids(scenario: Scenario, text: str) -> str:
    """The change list names experts as 「张三（E07）」; the public reads only the name."""
    for expert in scenario.experts:
        text = text.replace(f"{expert.name}（{expert.id}）", expert.name)
    return text


def _change_sentence(change: Change) -> str:
    label = change.label
    if change.kind == "cancelled":
        return f"{label}：原定{change.before}的巡查取消。{plain_rules(change.reason)}。".replace("。。", "。")
    if change.kind == "added":
        return f"{label}：{change.after}。"
    if change.summary:  # 「组长由张三改为李四」, every way the visit changed in one sentence
        return f"{label}：{change.summary}。"
    return f"{label}：由“{change.before}”调整为“{change.after}”。"


def _arrangements(scenario: Scenario, visit: Visit) -> list[str]:
    """Dates and place, team, discipline, report channels: headings with their text run in."""
    inst = scenario.institution_by_id.get(visit.institution)
    return [
        f"一、巡查时间。{_dates_text(visit, inst.address if inst else None)}",
        "二、巡查组成员",
        *_team_lines(scenario, visit),
        f"三、巡查纪律。{DISCIPLINE}",
        f"四、反映渠道。{_channel_text(scenario)}",
    ]


# -- parts --------------------------------------------------------------------------------


def _dates_text(visit: Visit, address: str | None) -> str:
    when = period_cn(visit.start, visit.end, weekday=True)
    if visit.start == visit.end:
        text = f"{when}，现场工作1天。"
    else:
        text = f"{when}，现场工作共{visit.days}个工作日。"
    return f"{text}巡查地点：{address}。" if address else text


def _team_lines(scenario: Scenario, visit: Visit) -> list[str]:
    lines = [f"巡查组：{visit.team}"] if visit.team else []
    lines.append(f"{ROLE_LEADER}：{_person(scenario, visit.leader)}{_parts(visit, visit.leader)}")
    for member in other_members(visit):
        lines.append(f"{division_role(visit, member)}：{_person(scenario, member)}{_parts(visit, member)}")
    return lines


def _parts(visit: Visit, expert_id: str) -> str:
    """「，分工：财务」 when the plan names the member's parts (R4 分工)."""
    return f"，分工：{parts_text(visit, expert_id)}" if visit.parts_of(expert_id) else ""


def _person(scenario: Scenario, expert_id: str) -> str:
    expert = scenario.expert_by_id.get(expert_id)
    if expert is None:
        return expert_name(scenario, expert_id)
    employer = employer_label(scenario, expert)
    return f"{expert.name}（{employer}）" if employer else expert.name


def _channel_text(scenario: Scenario) -> str:
    params = scenario.params
    return (
        "巡查期间，可就该单位党建、行风、医疗管理、财务管理、安全生产等方面的问题和巡查组成员遵守纪律情况，"
        f"拨打举报电话{params.hotline or MISSING}、发送邮件至{params.report_email or MISSING}"
        "或投入现场意见箱反映，反映人信息严格保密。"
    )
