"""E-mails from a plan folder (SPEC §5 ``schedule send``): built here, sent by outputs/send.py.

Nothing here touches the network. :func:`build_messages` reads a plan folder and returns one
:class:`Outgoing` per thing to deliver:

- every ``METHOD:REQUEST`` or ``METHOD:CANCEL`` file under ``calendars/`` becomes an iTIP
  message after RFC 6047: ``multipart/mixed`` holding a ``multipart/alternative`` (a Chinese
  ``text/plain`` part, the same text as HTML, and a ``text/calendar; method=…; charset=utf-8``
  part whose method is the file's METHOD), then the same file attached as ``invite.ics``. It
  goes to the expert the ledger names, at the address in ``scenario/experts.csv`` (the
  invitation's ATTENDEE when the ledger does not know it). A REQUEST with SEQUENCE 0 is an
  invitation (巡查邀请), with a higher SEQUENCE an update (巡查变更), a CANCEL a cancellation
  (巡查取消);
- every 巡查通知 ``.docx`` under ``letters/`` goes, attached, to the institution's ``email``.

A replan folder's ``calendars/`` hold only what the replan changed, so its messages are only
those. Someone without an address is kept as an :class:`Outgoing` without a message, so the
caller lists them. Each message has a stable :attr:`Outgoing.key` (UID, SEQUENCE, METHOD and
recipient for an invitation) that outputs/send.py records so nothing is sent twice.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import policy
from email.errors import MessageError
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

from icalendar import Calendar

from inputs.reader import read_scenario
from inputs.scenario import Scenario
from outputs.calendars import entry_kind
from outputs.labels import unique_filenames

PLACEHOLDER_DOMAIN = "inspection-planner.invalid"  # outputs/calendars.py's never-delivered addresses
MSGID_DOMAIN = "inspection-planner"
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")

KIND_INVITE = "invite"
KIND_UPDATE = "update"
KIND_CANCEL = "cancel"
KIND_LETTER = "letter"
KIND_LABELS: dict[str, str] = {
    KIND_INVITE: "巡查邀请",
    KIND_UPDATE: "巡查变更",
    KIND_CANCEL: "巡查取消",
    KIND_LETTER: "巡查通知",
}
# A follow-up visit's (回头看, R15) invitations: the same kinds, named as what they are about
FOLLOWUP_LABELS: dict[str, str] = {
    KIND_INVITE: "回头看邀请",
    KIND_UPDATE: "回头看变更",
    KIND_CANCEL: "回头看取消",
}


def label_of(kind: str, followup: bool = False) -> str:
    """What a message is, as its subject and outbox name say: 「巡查邀请」, or for a follow-up
    「回头看邀请」."""
    return (FOLLOWUP_LABELS if followup else KIND_LABELS)[kind]


class PlanFolderError(Exception):
    """The folder cannot be mailed from (not a plan folder, no sender); the message says why, in Chinese."""


@dataclass(frozen=True)
class Outgoing:
    """One thing to deliver: to whom, about what, from which file, and how its message is made (None:
    no address)."""

    key: str  # stable across runs: what outputs/send.py records in sent.json
    kind: str  # a key of KIND_LABELS
    name: str  # the recipient as a person reads it: expert or institution name
    recipient: str | None  # e-mail address, None when the workbook gives none
    subject: str
    source: str  # the file it comes from, relative to the plan folder
    # The message is made when it is asked for and not kept: a message is some 0.2 MB of objects,
    # and a national round has a hundred thousand of them (all kept, they took 1 GB at a province).
    make: Callable[[], EmailMessage] | None = field(default=None, compare=False, repr=False)
    followup: bool = False  # an invitation to a follow-up visit (回头看), not to a first visit

    @property
    def label(self) -> str:
        return label_of(self.kind, self.followup)

    @property
    def addressed(self) -> bool:
        """Whether there is a message (the recipient has an address)."""
        return self.make is not None

    @property
    def message(self) -> EmailMessage | None:
        """The message, made anew (the same bytes each time); None without an address."""
        return None if self.make is None else self.make()


class _Headers(HeaderRegistry):
    """The e-mail package's header registry, each header's class made once: the registry makes a
    new class for every header it parses (a tenth of the time of building a round's messages)."""

    @cache  # noqa: B019 - one registry for the module's lifetime
    def __getitem__(self, name: str) -> type[BaseHeader]:
        return super().__getitem__(name)


# policy.default, with the header classes made once; the bytes are those policy.default gives.
MAIL_POLICY = policy.default.clone(header_factory=_Headers())


def build_messages(
    plan_dir: Path, *, sender: str | None = None, now: datetime | None = None
) -> list[Outgoing]:
    """Every invitation, update, cancellation and letter of the plan folder, in a stable order.

    ``sender`` overrides the scenario's ``office_email``; ``now`` gives the Date header (default:
    outputs/folder.py's clock, which honours SOURCE_DATE_EPOCH).
    """
    from outputs.folder import clock

    plan_dir = Path(plan_dir)
    scenario = load_scenario(plan_dir)
    office = scenario.params.office or "巡查办"
    from_addr = (sender or scenario.params.office_email or "").strip()
    if not from_addr:
        raise PlanFolderError("没有发件地址：请用 --from 指定，或在参数表（params）填写 office_email。")
    stamp = now or clock()
    sender_address = _address(office, from_addr)
    if sender_address is None:
        raise PlanFolderError(f"发件地址“{from_addr}”不是有效的电子邮箱地址。")
    context = _Context(plan_dir, scenario, sender_address, stamp, _read_ledger(plan_dir))
    outgoing = [_invitation(context, path) for path in calendar_files(plan_dir)]
    outgoing += _letters(context)
    return [o for o in outgoing if o is not None]


def load_scenario(plan_dir: Path) -> Scenario:
    """The plan folder's normalised scenario (``scenario/``); PlanFolderError if there is none."""
    if not (plan_dir / "plan.json").is_file() or not (plan_dir / "scenario").is_dir():
        raise PlanFolderError(f"{plan_dir} 不是本工具生成的计划文件夹（缺少 plan.json 或 scenario/）。")
    try:
        return read_scenario(plan_dir / "scenario")
    except Exception as exc:
        raise PlanFolderError(f"{plan_dir / 'scenario'} 无法读取：{exc}") from exc


def calendar_files(plan_dir: Path) -> list[Path]:
    """The REQUEST and CANCEL files under ``calendars/`` (PUBLISH calendars are not mailed)."""
    found = []
    for path in sorted((plan_dir / "calendars").rglob("*.ics")):
        method = _method(path.read_bytes())
        if method in ("REQUEST", "CANCEL"):
            found.append(path)
    return found


def period_short(start: date, end: date) -> str:
    """「2025年7月7日至7月15日」: the year once when both days share it."""
    first = f"{start.year}年{start.month}月{start.day}日"
    if start == end:
        return first
    if start.year == end.year:
        return f"{first}至{end.month}月{end.day}日"
    return f"{first}至{end.year}年{end.month}月{end.day}日"


def message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{MSGID_DOMAIN}>"


# What message_id makes, as outputs/send.py recognises the tool's own messages in the outbox.
MESSAGE_ID_FORM = re.compile(rf"<[0-9a-f]{{32}}@{re.escape(MSGID_DOMAIN)}>")


def _clean(text: str) -> str:
    """One line of printable text for a header (names come from the workbook)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _fix_boundaries(message: EmailMessage, key: str) -> None:
    """Boundaries derived from the key instead of random ones, so the same plan gives the same bytes."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    for n, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"=_{n}_{digest[:24]}")


# -- invitations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    plan_dir: Path
    scenario: Scenario
    sender: Address
    now: datetime
    ledger: dict[str, Any]


def _read_ledger(plan_dir: Path) -> dict[str, Any]:
    path = plan_dir / "calendars" / "ledger.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _address(name: str, addr: str | None) -> Address | None:
    """A header address, or None when ``addr`` is missing or not an address the e-mail package takes."""
    if not addr or "@" not in addr:
        return None
    try:
        address = Address(_clean(name), addr_spec=addr.strip())
        str(address)
    except (ValueError, TypeError, IndexError, MessageError):  # "a@@b": HeaderParseError
        return None
    return address


def _method(data: bytes) -> str | None:
    for line in data.decode("utf-8", errors="replace").splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
        if line.upper().startswith("BEGIN:VEVENT"):
            return None
    return None


def _invitation(context: _Context, path: Path) -> Outgoing | None:
    data = path.read_bytes()
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        raise PlanFolderError(f"日历文件 {path} 无法读取（{exc}）。") from exc
    method = str(calendar.get("METHOD", "")).upper()
    events = calendar.walk("VEVENT")
    if not events:
        return None
    event = events[0]
    uid = str(event.get("UID", ""))
    sequence = int(event.get("SEQUENCE", 0))
    kind = KIND_CANCEL if method == "CANCEL" else KIND_UPDATE if sequence > 0 else KIND_INVITE

    entry = context.ledger.get(uid, {})
    scenario = context.scenario
    expert = scenario.expert_by_id.get(str(entry.get("expert", "")))
    attendee = event.get("ATTENDEE")
    if isinstance(attendee, list):
        attendee = attendee[0] if attendee else None
    attendee_addr = str(attendee or "").removeprefix("mailto:").removeprefix("MAILTO:").strip()
    attendee_name = str(attendee.params.get("CN", "")) if attendee is not None else ""
    if expert is not None:
        name = expert.name
        recipient = (expert.email or "").strip() or None
    else:
        name = attendee_name or attendee_addr
        recipient = attendee_addr or None
    if recipient and recipient.lower().endswith("@" + PLACEHOLDER_DOMAIN):
        recipient = None

    inst = scenario.institution_by_id.get(str(entry.get("institution", "")))
    summary = str(event.get("SUMMARY", ""))
    where = inst.name if inst else summary.split("：")[-1]
    # a follow-up's (回头看): as its ledger entry says, or without one, its event's summary
    followup = (
        entry_kind(scenario, uid, entry) == "followup"
        if entry
        else summary.removeprefix("已取消：").startswith("回头看：")
    )
    start, end = _dates(event, entry)
    when = period_short(start, end) if start and end else ""
    subject = _clean(f"{label_of(kind, followup)}：{where} {when}")
    key = f"{uid}|{sequence}|{method}|{(recipient or '').lower()}"
    source = path.relative_to(context.plan_dir).as_posix()
    to = _address(name, recipient)
    if to is None:
        return Outgoing(key, kind, name, None, subject, source, followup=followup)
    description = str(event.get("DESCRIPTION", "")).strip()
    text = _invitation_text(context, kind, name, where, when, description, "回头看" if followup else "巡查")
    make = partial(_invitation_message, context, key, subject, to, text, path, method)
    return Outgoing(key, kind, name, recipient, subject, source, make, followup=followup)


def _invitation_message(
    context: _Context, key: str, subject: str, to: Address, text: str, path: Path, method: str
) -> EmailMessage:
    """An invitation's message: the text, as HTML, the calendar file inline and attached."""
    data = path.read_bytes()
    message = _envelope(context, key, subject, to)
    message.set_content(text)
    message.add_alternative(_html(text), subtype="html")
    ics_text = data.decode("utf-8")
    message.add_alternative(ics_text, subtype="calendar", params={"method": method})
    message.add_attachment(data, maintype="application", subtype="ics", filename="invite.ics")
    _fix_boundaries(message, key)
    return message


def _dates(event: Any, entry: dict[str, Any]) -> tuple[date | None, date | None]:
    if entry.get("start") and entry.get("end"):
        return date.fromisoformat(entry["start"]), date.fromisoformat(entry["end"])
    start = event.get("DTSTART")
    end = event.get("DTEND")
    if start is None:
        return None, None
    first = start.dt if isinstance(start.dt, date) else None
    if isinstance(first, datetime):
        first = first.date()
    last = end.dt - timedelta(days=1) if end is not None else first
    if isinstance(last, datetime):
        last = last.date()
    return first, last


def _invitation_text(
    context: _Context, kind: str, name: str, where: str, when: str, details: str, what: str = "巡查"
) -> str:
    """The invitation's words; ``what`` the visit is: 巡查, or 回头看 for a follow-up."""
    office = context.sender.display_name
    if kind == KIND_CANCEL:
        lead = f"{where}（{when}）{what}的邀请已取消，请在日历中删除该日程。"
    elif kind == KIND_UPDATE:
        lead = f"{where}（{when}）{what}的安排有变更，请在日历中接受更新后的邀请。"
    else:
        lead = f"诚邀您参加对{where}的{what}，时间为{when}。请在日历中接受邀请。"
    lines = [f"{name}专家：", "", f"您好！{lead}", ""]
    if details:
        lines += [details, ""]
    lines += [
        "日历邀请见本邮件（附件 invite.ics 可导入日历）。如有疑问，请回复本邮件或与我们联系。",
        "",
        office,
    ]
    return "\n".join(lines) + "\n"


def _html(text: str) -> str:
    """The text part as a small HTML page: one paragraph per block, lines kept."""
    blocks = [block for block in text.strip().split("\n\n") if block.strip()]
    body = "\n".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif; line-height: 1.6">\n{body}\n</body></html>\n'
    )


def _envelope(context: _Context, key: str, subject: str, to: Address) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = _clean(subject)
    message["From"] = context.sender
    message["To"] = to
    message["Date"] = format_datetime(context.now)
    message["Message-ID"] = message_id(key)
    return message


# -- letters ---------------------------------------------------------------------------------


def _letters(context: _Context) -> list[Outgoing]:
    folder = context.plan_dir / "letters"
    if not folder.is_dir():
        return []
    scenario = context.scenario
    # Letters are named by sanitised institution id (outputs/labels.py unique_filenames).
    by_stem = {
        stem: inst_id
        for inst_id, stem in unique_filenames((i.id, i.id) for i in scenario.institutions).items()
    }
    outgoing = []
    for path in sorted(folder.glob("*.docx")):
        inst = scenario.institution_by_id.get(by_stem.get(path.stem, path.stem))
        if inst is None:
            continue  # not one institution's letter (e.g. all letters in one file for printing)
        name = inst.name
        recipient = (inst.email or "").strip() or None
        text = _docx_text(path)
        title = _title(text) or f"关于对{name}开展巡查的通知"
        subject = _clean(f"{KIND_LABELS[KIND_LETTER]}：{title}")
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        source = path.relative_to(context.plan_dir).as_posix()
        key = f"letter|{source}|{digest}|{(recipient or '').lower()}"
        to = _address(name, recipient)
        if to is None:
            outgoing.append(Outgoing(key, KIND_LETTER, name, None, subject, source))
            continue
        make = partial(_letter_message, context, key, subject, to, name, title, path)
        outgoing.append(Outgoing(key, KIND_LETTER, name, recipient, subject, source, make))
    return outgoing


def _letter_message(
    context: _Context, key: str, subject: str, to: Address, name: str, title: str, path: Path
) -> EmailMessage:
    """A letter's message: a few lines, the letter attached."""
    message = _envelope(context, key, subject, to)
    office = context.sender.display_name
    message.set_content(
        f"{name}：\n\n现将《{title}》发给你单位，请查收附件，并按通知要求做好各项准备工作。"
        f"如有疑问，请回复本邮件。\n\n{office}\n"
    )
    message.add_attachment(
        path.read_bytes(), maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename="巡查通知.docx"
    )
    _fix_boundaries(message, key)
    return message


def _docx_text(path: Path) -> str:
    from outputs.documents import document_text

    try:
        return document_text(path)
    except Exception:
        return hashlib.sha256(path.read_bytes()).hexdigest()


def _title(text: str) -> str:
    """A document's first line of text: its title."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
