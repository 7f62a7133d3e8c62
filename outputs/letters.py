"""``letters/``: one 巡查通知 per visited institution (R14, SPEC §4), as a Chinese official document.

The letter is addressed to the institution and dated its letter day (``notice_days`` before the
visit, or the announcement day if later: the plan's ``milestones``). It names the visit's dates and
team, the self-inspection report's due date and where it goes (the office, and its ``office_email``
when given), what to prepare (seed 001's 准备事项: a contact person, an office for the team, the
documents), the feedback and rectification deadlines and, when one is planned, the follow-up
(回头看). After a replan only the institutions whose visit changed get a corrected letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inputs.scenario import Scenario
from outputs.documents import OfficialDoc, write_docx
from outputs.labels import (
    ROLE_LEADER,
    date_cn,
    expert_name,
    institution_name,
    other_members,
    period_cn,
    unique_filenames,
)
from scheduler.milestones import milestone
from scheduler.plan import Milestone, Plan, Visit

if TYPE_CHECKING:
    from scheduler.replan import Change

DEFAULT_OFFICE = "巡查办"
FOLDER = "letters"


def letter_doc(scenario: Scenario, plan: Plan, visit: Visit, *, corrected: bool = False) -> OfficialDoc:
    """The 巡查通知 for one first visit."""
    p = scenario.params
    office = p.office or DEFAULT_OFFICE
    name = institution_name(scenario, visit.institution)
    m = _milestone(scenario, plan, visit)
    team = "、".join(expert_name(scenario, e) for e in other_members(visit))
    leader = f"{ROLE_LEADER}{expert_name(scenario, visit.leader)}"
    send_to = office + (f"（电子版发送至 {p.office_email}）" if p.office_email else "")
    inst = scenario.institution_by_id.get(visit.institution)
    contact = f"（机构表登记的联系人为{inst.contact}，如有变动请告知）" if inst and inst.contact else ""
    paragraphs = []
    if corrected:
        paragraphs.append(
            "因工作安排调整，此前印发的巡查通知作如下更正，原通知与本通知不一致的，以本通知为准。"
        )
    paragraphs += [
        f"根据{p.name}工作安排，{office}巡查组将对你单位开展实地巡查。现将有关事项通知如下：",
        f"一、巡查时间和人员。实地巡查时间为{period_cn(visit.start, visit.end, weekday=True)}，"
        f"共{visit.days}个工作日。巡查组{leader}" + (f"，成员{team}。" if team else "。"),
        f"二、自查自纠。请你单位收到本通知后立即对照巡查内容开展全面自查，于{date_cn(m.self_report_due)}前"
        f"将自查报告报送{send_to}。",
        "三、准备事项。（一）确定一名联系人，负责与巡查组的联络和协调" + contact + "。（二）为巡查组安排一间"
        "工作用房。（三）按巡查内容准备有关文件、制度、台账和数据资料，如实提供，不得隐瞒。",
        f"四、反馈和整改。巡查组将于{date_cn(m.feedback_due)}前反馈巡查意见；你单位应认真整改，"
        f"于{date_cn(m.rectify_due)}前报送整改报告。",
    ]
    followup = plan.followup_of(visit.institution)
    if followup is not None:
        paragraphs.append(
            f"五、回头看。{office}将于{period_cn(followup.start, followup.end, weekday=True)}"
            "对整改落实情况开展回头看，请做好相关准备。"
        )
    if p.hotline:
        paragraphs.append(f"联系电话：{p.hotline}。")
    paragraphs.append("特此通知。")
    title = f"关于对{name}开展巡查的通知" + ("（更正）" if corrected else "")
    return OfficialDoc(
        title=title,
        addressee=f"{name}：",
        paragraphs=tuple(paragraphs),
        office=office,
        date=m.letter,
    )


def _milestone(scenario: Scenario, plan: Plan, visit: Visit) -> Milestone:
    found = plan.milestone_of(visit.institution)
    if found is not None:
        return found
    announced = plan.announced if plan.announced is not None else scenario.params.start
    return milestone(scenario.params, visit, announced)


def letter_text(scenario: Scenario, plan: Plan, visit: Visit) -> str:
    """The letter as plain text, one paragraph a line (previews and tests)."""
    doc = letter_doc(scenario, plan, visit)
    return "\n".join([doc.title, doc.addressee or "", *doc.paragraphs, doc.office, date_cn(doc.date)])


def write_letters(
    scenario: Scenario, plan: Plan, folder: Path, *, changes: Sequence[Change] | None = None
) -> None:
    """Write one letter per visited institution into ``folder``; after a replan (``changes``) only
    a corrected letter for each institution whose visit changed or was added, or whose follow-up
    (回头看) was moved, added or cancelled (a new team of the follow-up changes nothing it says)."""
    firsts = [v for v in plan.visits if v.kind == "visit"]
    if changes is not None:
        # the letter names the visit's dates and team and the follow-up's dates, not its team
        touched = {
            c.institution for c in changes if not c.followup or {"moved", "added", "cancelled"} & set(c.kinds)
        }
        firsts = [v for v in firsts if v.institution in touched]
        added = {c.institution for c in changes if c.kind == "added" and not c.followup}
    else:
        added = set()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = unique_filenames((v.institution, v.institution) for v in firsts)
    for visit in firsts:
        corrected = changes is not None and visit.institution not in added
        doc = letter_doc(scenario, plan, visit, corrected=corrected)
        write_docx(doc, folder / f"{names[visit.institution]}.docx")
