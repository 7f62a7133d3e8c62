"""E-mails built from a plan folder (no network): iTIP structure, subjects, recipients, letters."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from icalendar import Calendar

from inputs.scenario import Scenario
from outputs.calendars import read_ledger
from outputs.documents import OfficialDoc, write_docx
from outputs.folder import write_plan_folder
from outputs.mail import PlanFolderError, build_messages, calendar_files, period_short
from scheduler.plan import Plan, Visit
from scheduler.replan import Change

NOW = datetime(2024, 11, 4, 8, 0, tzinfo=UTC)


def calendar_part(message: EmailMessage) -> EmailMessage:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar")


def file_method(path: Path) -> str:
    return str(Calendar.from_ical(path.read_bytes())["METHOD"])


def replanned_folder(
    tmp_path: Path, plan_folder: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> Path:
    """H1's member 王磊 (E04, no address) is replaced by 刘洋 (E06); H2 and G1 stay as they were."""
    h1 = plan.visit_of("H1")
    assert h1 is not None
    visits = tuple(
        dataclasses.replace(v, members=("E01", "E02", "E03", "E06")) if v is h1 else v for v in plan.visits
    )
    changes = [Change("H1", "member_swapped", "王磊", "刘洋", "专家不可用")]
    return replan_folder(
        tmp_path, plan_folder, scenario, dataclasses.replace(plan, visits=visits), clock, changes
    )


def replan_folder(
    tmp_path: Path, before: Path, scenario: Scenario, plan: Plan, clock: datetime, changes: list[Change]
) -> Path:
    """``plan`` written as the replan of the plan folder ``before`` (its ledger: updates only)."""
    out = tmp_path / "replan"
    write_plan_folder(
        scenario,
        plan,
        out,
        facts={},
        now=clock,
        previous_ledger=read_ledger(before / "calendars" / "ledger.json"),
        only_changed=True,
        changes=changes,
    )
    return out


def test_one_message_per_request_file_with_its_method(plan_folder: Path) -> None:
    """Each REQUEST file: one message, mixed → alternative (text, HTML, calendar; method=…) + invite.ics."""
    files = calendar_files(plan_folder)
    outgoing = [o for o in build_messages(plan_folder, now=NOW) if o.kind != "letter"]
    assert sorted(o.source for o in outgoing) == sorted(p.relative_to(plan_folder).as_posix() for p in files)
    for item in outgoing:
        if item.message is None:
            continue
        message = item.message
        assert message.get_content_type() == "multipart/mixed"
        alternative, attachment = message.iter_parts()
        assert alternative.get_content_type() == "multipart/alternative"
        text, page, cal = alternative.iter_parts()
        assert text.get_content_type() == "text/plain" and "专家" in text.get_content()
        assert page.get_content_type() == "text/html" and "专家" in page.get_content()
        assert cal.get_content_type() == "text/calendar"
        assert cal.get_content_charset() == "utf-8"
        assert cal.get_param("method") == file_method(plan_folder / item.source) == "REQUEST"
        assert attachment.get_filename() == "invite.ics"
        assert attachment.get_payload(decode=True) == (plan_folder / item.source).read_bytes()


def test_subject_recipient_and_sender(plan_folder: Path) -> None:
    """To: the expert's address in scenario/experts.csv; From: the office; the subject: place and dates."""
    outgoing = build_messages(plan_folder, now=NOW)
    item = next(o for o in outgoing if o.source.endswith("E05_H2.ics"))
    assert item.subject == "巡查邀请：南岸区妇幼保健院 2025年4月2日至4月9日"
    assert item.message is not None
    assert item.message["To"].addresses[0].addr_spec == "cj@example.cn"
    assert item.message["From"].addresses[0].addr_spec == "xunchaban@example.gov.cn"
    assert item.message["From"].addresses[0].display_name == "测试区卫生健康委员会巡查办"
    assert item.message["Date"].datetime == NOW
    other = build_messages(plan_folder, sender="office@example.org", now=NOW)[0]
    assert other.message is not None and other.message["From"].addresses[0].addr_spec == "office@example.org"


def test_an_expert_without_address_is_listed_without_a_message(plan_folder: Path) -> None:
    """王磊 (E04) has no e-mail: his invitation is kept, with no recipient and no message."""
    item = next(o for o in build_messages(plan_folder, now=NOW) if o.name == "王磊")
    assert item.recipient is None and item.message is None
    assert item.subject.startswith("巡查邀请：区人民医院")


def test_the_same_folder_gives_the_same_bytes(plan_folder: Path) -> None:
    """Message-ID, Date and MIME boundaries are derived, not random: two builds are byte-identical."""
    first = [o.message.as_bytes() for o in build_messages(plan_folder, now=NOW) if o.message]
    second = [o.message.as_bytes() for o in build_messages(plan_folder, now=NOW) if o.message]
    assert first == second
    parsed = message_from_bytes(first[0], policy=policy.default)
    assert parsed["Message-ID"].endswith("@inspection-planner>")


def test_source_date_epoch_sets_the_date(plan_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit clock the Date header follows SOURCE_DATE_EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730707200")  # 2024-11-04 08:00 UTC
    message = next(o.message for o in build_messages(plan_folder) if o.message)
    assert message["Date"].datetime == NOW


def test_a_replan_folder_mails_updates_and_cancellations_only(
    tmp_path: Path, plan_folder: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """Only H1 changed: updates (SEQUENCE 1) to those who stay, an invitation to 刘洋, a CANCEL to 王磊."""
    out = replanned_folder(tmp_path, plan_folder, scenario, plan, clock)
    outgoing = [o for o in build_messages(out, now=NOW) if o.kind != "letter"]
    by_name = {o.name: o for o in outgoing}
    assert sorted(by_name) == sorted(["张建国", "李红", "欧阳 晓", "刘洋", "王磊"])
    assert by_name["张建国"].subject.startswith("巡查变更：区人民医院")
    assert by_name["刘洋"].subject.startswith("巡查邀请：区人民医院")
    cancel = by_name["王磊"]
    assert cancel.subject.startswith("巡查取消：区人民医院") and cancel.message is None
    update = by_name["李红"].message
    assert update is not None
    event = Calendar.from_ical(calendar_part(update).get_content()).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1


def test_a_cancellation_carries_method_cancel(
    tmp_path: Path, plan_folder: Path, clock: datetime, scenario: Scenario, plan: Plan
) -> None:
    """Give 王磊 an address: his CANCEL message's calendar part says method=CANCEL, as the file does."""
    experts = tuple(
        dataclasses.replace(e, email="wl@example.cn") if e.id == "E04" else e for e in scenario.experts
    )
    scenario = dataclasses.replace(scenario, experts=experts)
    out = replanned_folder(tmp_path, plan_folder, scenario, plan, clock)
    cancel = next(o for o in build_messages(out, now=NOW) if o.name == "王磊")
    assert cancel.message is not None and cancel.recipient == "wl@example.cn"
    assert calendar_part(cancel.message).get_param("method") == "CANCEL"
    assert file_method(out / cancel.source) == "CANCEL"


def test_letters_go_to_the_institutions_address(plan_folder: Path) -> None:
    """A 巡查通知 in letters/ goes, attached, to the institution's e-mail; without one it is listed."""
    path = plan_folder / "scenario" / "institutions.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if "email" not in rows[0]:
        pytest.skip("scenario/institutions.csv has no email column yet")
    for row in rows:
        if row["id"] == "H2":
            row["email"] = "yuan@example.cn"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for inst in ("H2", "G1"):
        doc = OfficialDoc(f"关于对{inst}开展巡查的通知", f"{inst}：", ("正文。",), "巡查办", date(2025, 3, 1))
        write_docx(doc, plan_folder / "letters" / f"{inst}.docx")
    letters = {o.source: o for o in build_messages(plan_folder, now=NOW) if o.kind == "letter"}
    sent = letters["letters/H2.docx"]
    assert sent.recipient == "yuan@example.cn" and sent.subject == "巡查通知：关于对H2开展巡查的通知"
    assert sent.message is not None
    attachment = next(sent.message.iter_attachments())
    assert attachment.get_payload(decode=True) == (plan_folder / "letters" / "H2.docx").read_bytes()
    assert letters["letters/G1.docx"].message is None


def test_a_folder_that_is_not_a_plan_is_refused(tmp_path: Path) -> None:
    """No plan.json and scenario/: a Chinese error, not a traceback."""
    with pytest.raises(PlanFolderError, match="不是本工具生成的计划文件夹"):
        build_messages(tmp_path)


def test_period_short_names_the_year_once() -> None:
    """Same year: the year once; across years: both; one day: the day."""
    assert period_short(date(2025, 7, 7), date(2025, 7, 15)) == "2025年7月7日至7月15日"
    assert period_short(date(2025, 12, 29), date(2026, 1, 6)) == "2025年12月29日至2026年1月6日"
    assert period_short(date(2025, 7, 7), date(2025, 7, 7)) == "2025年7月7日"


def test_without_any_sender_address_the_folder_is_refused(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """No --from and no office_email: a Chinese error that says how to give one."""
    params = dataclasses.replace(scenario.params, office_email=None)
    out = tmp_path / "plan"
    write_plan_folder(dataclasses.replace(scenario, params=params), plan, out, facts={})
    with pytest.raises(PlanFolderError, match="--from"):
        build_messages(out)
    assert build_messages(out, sender="office@example.org")


@pytest.mark.parametrize("sender", ["bad@@x", "a@b@c", "@x", "x@"])
def test_a_sender_that_is_no_address_is_refused_in_chinese(plan_folder: Path, sender: str) -> None:
    """``--from bad@@x`` ended in the e-mail package's HeaderParseError (a traceback); now it is the
    folder's error naming the address as typed."""
    with pytest.raises(PlanFolderError, match=f"发件地址“{re.escape(sender)}”不是有效的电子邮箱地址"):
        build_messages(plan_folder, sender=sender, now=NOW)


def test_a_follow_up_is_mailed_as_what_it_is(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """H1's 回头看 (E01 and E02) is invited to as 「回头看邀请」, in the subject, the file name and the
    words; when a replan takes E02 off it, his cancellation is named and worded as the follow-up's
    (「已取消：回头看」, 「回头看取消」, not the first visit's 巡查), while H1's first visit stays his."""
    followup = Visit("H1", date(2025, 3, 3), date(2025, 3, 3), 1, "E01", ("E01", "E02"), kind="followup")
    first = dataclasses.replace(plan, visits=(*plan.visits, followup))
    folder = tmp_path / "plan"
    write_plan_folder(scenario, first, folder, facts={}, now=clock)
    invited = next(o for o in build_messages(folder, now=NOW) if o.name == "李红" and "followup" in o.source)
    assert invited.subject.startswith("回头看邀请：区人民医院") and invited.label == "回头看邀请"
    assert invited.subject.endswith(" 2025年3月3日")
    assert invited.message is not None
    text = next(p for p in invited.message.walk() if p.get_content_type() == "text/plain").get_content()
    assert "诚邀您参加对区人民医院" in text and "的回头看，时间为2025年3月3日" in text
    first_visit = next(
        o for o in build_messages(folder, now=NOW) if o.name == "李红" and o.source.endswith("_H1.ics")
    )
    assert first_visit.subject.startswith("巡查邀请：区人民医院")

    later = dataclasses.replace(followup, members=("E01", "E03"))
    replanned = dataclasses.replace(plan, visits=(*plan.visits, later))
    changes = [Change("H1", "member_swapped", "回头看：李红", "回头看：欧阳 晓", "专家不可用", followup=True)]
    # the ledger says which entries are follow-ups'; one written before it did is read by the UIDs
    ledger_path = folder / "calendars" / "ledger.json"
    ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
    assert sorted(e.get("kind", "visit") for e in ledger.values()).count("followup") == 2
    for entry in ledger.values():
        entry.pop("kind", None)
    ledger_path.write_text(json.dumps(ledger), encoding="utf-8")
    out = replan_folder(tmp_path, folder, scenario, replanned, clock, changes)
    (cancelled,) = sorted((out / "calendars" / "cancellations").glob("*.ics"))
    assert "followup" in cancelled.name and "E02" in cancelled.name
    event = Calendar.from_ical(cancelled.read_bytes()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith("已取消：回头看：区人民医院")
    words = str(event["DESCRIPTION"])
    assert (
        words.startswith("您已不在区人民医院")
        and "回头看巡查组中，原邀请作废。回头看巡查组其他安排不变。" in words
    )
    cancel = next(o for o in build_messages(out, now=NOW) if o.kind == "cancel")
    assert cancel.name == "李红" and cancel.subject.startswith("回头看取消：区人民医院")
