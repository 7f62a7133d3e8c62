"""Calendar files for the plan (SPEC §4), following RFC 5545 and RFC 5546 (iTIP).

Written from the plan and the scenario only, with the ``icalendar`` library:

- ``requests/`` — one ``METHOD:REQUEST`` invitation per visit and expert, holding
  exactly one all-day, multi-day event, the office as ORGANIZER and the expert as
  ATTENDEE (CHAIR for the leader);
- ``experts/`` — one ``METHOD:PUBLISH`` calendar per expert with all their visits;
- ``institutions/`` — one ``METHOD:PUBLISH`` calendar per visited institution;
- ``overview.ics`` — the whole plan, without attendees;
- ``cancellations/`` — on a replan, one ``METHOD:CANCEL`` per invitation of the
  previous ledger that the plan no longer holds (expert taken off, visit dropped);
- ``ledger.json`` — for every invitation: its UID, SEQUENCE, a fingerprint of what
  it says, the expert, the institution and the dates (and ``cancelled`` once cancelled).

Files are named by ids only (``requests/E07_BN-H2.ics``, ``experts/E07.ics``,
``institutions/BN-H2.ics``), made safe by ``outputs.labels.unique_filenames``: no name
from the workbook reaches a file name (SPEC §4).

UIDs are deterministic: the same scenario name, institution and expert give the
same UID in every run. A replan passes the previous ledger: an invitation whose
fingerprint changed gets the previous SEQUENCE + 1, an unchanged one keeps it, and
with ``only_changed`` only new and changed invitations are written again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from email_validator import EmailNotValidError, validate_email
from icalendar import Alarm, Calendar, Component, Event, vCalAddress, vText
from icalendar.caselessdict import canonsort_keys
from icalendar.parser import Contentline, Parameters

from inputs.scenario import Scenario
from outputs.clean import printable
from outputs.labels import (
    ROLE_LEADER,
    division_role,
    division_text,
    employer_label,
    expert_name,
    institution_name,
    other_members,
    period_cn,
    short_hash,
    sorted_visits,
    tier_label,
    unique_filenames,
    visit_workdays,
    visits_by_expert,
    workdays_cn,
    write_file,
)
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.replan import Change

FOLLOWUP_PREFIX = "回头看："  # how the change list marks a follow-up's change (scheduler.followups)

UID_DOMAIN = "inspection-planner"
PLACEHOLDER_DOMAIN = "inspection-planner.invalid"  # RFC 2606: never delivered
DEFAULT_OFFICE = "巡查办"
CANCELLED = "cancelled"  # the fingerprint of a cancelled invitation
REMINDER_BEFORE = timedelta(hours=15)  # 09:00 on the day before an all-day event

Ledger = dict[str, dict[str, Any]]


@cache
def _prodid() -> str:
    try:
        version = metadata.version("inspection-planner")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"-//Inspection Office//inspection-planner {version}//ZH-CN"


class _QuotedCN(Parameters):
    """Property parameters that always put CN in double quotes (safe for any name)."""

    always_quoted = (*Parameters.always_quoted, "CN")  # type: ignore[assignment]


# -- identities -------------------------------------------------------------------


def _key(visit: Visit) -> str:
    """What identifies a visit in UIDs and file names: its institution; for a follow-up (回头看,
    R15) the institution marked ``~followup``, so that the first visit's identities never change."""
    return _key_of(visit.institution, visit.kind)


def _key_of(institution: str, kind: str) -> str:
    return institution if kind == "visit" else f"{institution}~{kind}"


def request_uid(scenario: Scenario, institution: str, expert: str) -> str:
    """The UID of the invitation of ``expert`` to the visit of ``institution``; the same every run."""
    key = "\x1f".join((scenario.params.name, institution, expert))
    return f"{short_hash(key, 32)}@{UID_DOMAIN}"


def visit_uid(scenario: Scenario, institution: str) -> str:
    """The UID of a visit as published to the institution and in the overview."""
    key = "\x1f".join((scenario.params.name, institution))
    return f"visit-{short_hash(key, 32)}@{UID_DOMAIN}"


def fingerprint(scenario: Scenario, visit: Visit) -> str:
    """A hash of what an invitation tells: dates, location and team."""
    inst = scenario.institution_by_id.get(visit.institution)
    payload = {
        "start": visit.start.isoformat(),
        "end": visit.end.isoformat(),
        "location": _location(scenario, visit),
        "name": inst.name if inst else visit.institution,
        "leader": visit.leader,
        "members": sorted(visit.members),
        "team": visit.team,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_sequence(uid: str, fp: str, previous: Ledger | None) -> int:
    """0 for a new invitation; the previous sequence if unchanged, else one more."""
    entry = (previous or {}).get(uid)
    if not entry:
        return 0
    sequence = int(entry.get("sequence", 0))
    return sequence if entry.get("fingerprint") == fp else sequence + 1


def _is_news(uid: str, sequence: int, previous: Ledger | None) -> bool:
    """An invitation the expert has not received as it now stands (new, changed or re-added)."""
    entry = (previous or {}).get(uid)
    return entry is None or bool(entry.get("cancelled")) or int(entry.get("sequence", 0)) != sequence


def expert_email(scenario: Scenario, expert_id: str) -> str:
    """The expert's address, or a deterministic placeholder that is never delivered."""
    expert = scenario.expert_by_id.get(expert_id)
    address = plain_address(expert.email) if expert else None
    return address or f"expert-{short_hash(expert_id, 12)}@{PLACEHOLDER_DOMAIN}"


@lru_cache(maxsize=4096)
def plain_address(text: str | None) -> str | None:
    """``text`` if it is a plain addr-spec (``name@domain``: no display name, quotes, spaces or line
    breaks, checked by ``email-validator`` without a network look-up), else None — so that no cell
    can add a property or parameter to an ATTENDEE or ORGANIZER line."""
    if not text:
        return None
    address = text.strip()
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return address


# -- text ----------------------------------------------------------------------------


def _office(scenario: Scenario) -> str:
    return scenario.params.office or DEFAULT_OFFICE


def _location(scenario: Scenario, visit: Visit) -> str:
    inst = scenario.institution_by_id.get(visit.institution)
    if inst is None:
        return visit.institution
    return inst.address or inst.name


def _summary(scenario: Scenario, visit: Visit) -> str:
    what = "回头看" if visit.kind == "followup" else "巡查"
    return f"{what}：{institution_name(scenario, visit.institution)}"


def _person(scenario: Scenario, expert_id: str) -> str:
    expert = scenario.expert_by_id.get(expert_id)
    if expert is None:
        return expert_id
    employer = employer_label(scenario, expert)
    return f"{expert.name}（{employer}）" if employer else expert.name


def _description(scenario: Scenario, visit: Visit, expert_id: str | None) -> str:
    inst = scenario.institution_by_id.get(visit.institution)
    lines = [f"巡查机构：{institution_name(scenario, visit.institution)}"]
    if inst is not None:
        lines.append(f"区县与类别：{inst.district}，{tier_label(inst.tier)}")
        if inst.address:
            lines.append(f"地址：{inst.address}")
    lines.append(f"巡查时间：{period_cn(visit.start, visit.end, weekday=True)}，共 {visit.days} 个工作日")
    workdays = visit_workdays(scenario, visit)
    if workdays and len(workdays) != (visit.end - visit.start).days + 1:
        lines.append(f"现场工作日：{workdays_cn(workdays)}（其余日期为周末或节假日）")
    if visit.team:
        lines.append(f"巡查组：{visit.team}")
    lines.append(f"组长：{_person(scenario, visit.leader)}")
    members = other_members(visit)
    lines.append("组员：" + ("、".join(_person(scenario, m) for m in members) if members else "无"))
    if expert_id is not None:
        lines.append(f"您在本组的角色：{division_role(visit, expert_id)}")
        if visit.parts_of(expert_id):
            lines.append(f"分工：{division_text(visit, expert_id)}")
    lines.append(f"本安排由{_office(scenario)}发出（{scenario.params.name}）。")
    return "\n".join(lines)


# -- components ------------------------------------------------------------------------


def _address(uri_email: str, cn: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{uri_email}")
    address.params = _QuotedCN({"CN": cn, **params})
    return address


def _organizer_email(scenario: Scenario) -> str:
    return plain_address(scenario.params.office_email) or f"office@{PLACEHOLDER_DOMAIN}"


def _organizer(scenario: Scenario) -> vCalAddress:
    return _address(_organizer_email(scenario), _office(scenario))


def _attendee(scenario: Scenario, visit: Visit, expert_id: str) -> _Address:
    return _Address.to(
        expert_email(scenario, expert_id),
        expert_name(scenario, expert_id),
        ROLE="CHAIR" if expert_id == visit.leader else "REQ-PARTICIPANT",
        PARTSTAT="NEEDS-ACTION",
        RSVP="TRUE",
        CUTYPE="INDIVIDUAL",
    )


def _event(
    scenario: Scenario,
    visit: Visit,
    *,
    uid: str,
    sequence: int,
    dtstamp: datetime,
    expert_id: str | None = None,
    invite: bool = False,
    update: str = "",
) -> str:
    """One all-day event from the visit's first to its last day (DTEND exclusive); ``update`` says
    what changed since the invitation the expert holds (「本次变更：…」 heads the description).

    Returned as written (``BEGIN:VEVENT`` … ``END:VEVENT``, see :func:`_component`)."""
    lines, alarm = _event_lines(
        scenario, visit, uid=uid, sequence=sequence, dtstamp=dtstamp, expert_id=expert_id, update=update
    )
    if invite and expert_id is not None:
        lines["ATTENDEE"] = _line("attendee", _attendee(scenario, visit, expert_id))
    return _assemble(Event, lines, alarm)


def _event_lines(
    scenario: Scenario,
    visit: Visit,
    *,
    uid: str,
    sequence: int,
    dtstamp: datetime,
    expert_id: str | None,
    update: str = "",
) -> tuple[dict[str, str], str]:
    """The lines of :func:`_event` without an attendee, by property name, and its alarm."""
    summary = _summary(scenario, visit)
    if expert_id is not None and expert_id == visit.leader:
        summary += f"（{ROLE_LEADER}）"
    description = _description(scenario, visit, expert_id)
    if update:
        description = f"本次变更：{update}。\n{description}"
    props: list[tuple[str, Hashable]] = [
        ("uid", uid),
        ("dtstamp", dtstamp),
        ("dtstart", visit.start),
        ("dtend", visit.end + timedelta(days=1)),
        ("sequence", sequence),
        ("status", "CONFIRMED"),
        ("transp", "OPAQUE"),
        ("summary", summary),
        ("location", _location(scenario, visit)),
        ("description", description),
        ("categories", ("巡查",)),
        ("organizer", _Address.to(_organizer_email(scenario), _office(scenario))),
    ]
    alarm = _component(
        Alarm,
        [("action", "DISPLAY"), ("description", f"明天开始：{summary}"), ("trigger", -REMINDER_BEFORE)],
    )
    return _lines(props), alarm


# -- serialising ---------------------------------------------------------------------------
# A plan writes some 12,000 events of about 20 properties each, most of them alike (the same
# organizer, stamp, status; the same visit's dates in every member's files). Each distinct
# property is turned into its content line by icalendar once, and events and calendars are
# put together from those lines in icalendar's own order: the bytes are what
# ``Calendar.to_ical`` writes, at a fraction of the cost.


class _Address(NamedTuple):
    """A CAL-ADDRESS value with its parameters, hashable (vCalAddress hashes as its text only)."""

    uri: str
    params: tuple[tuple[str, str], ...]

    @classmethod
    def to(cls, uri_email: str, cn: str, **params: str) -> _Address:
        """What :func:`_address` makes of the same arguments, without making it."""
        return cls(f"mailto:{uri_email}", (("CN", cn), *params.items()))


@lru_cache(maxsize=64)
def _canonical(kind: type[Component], names: tuple[str, ...]) -> list[str]:
    """The property names in icalendar's order for ``kind`` (a few sets of names recur)."""
    return canonsort_keys(names, kind.canonical_order)


@lru_cache(maxsize=1 << 15)
def _line(name: str, value: Hashable) -> str:
    """One property as icalendar writes it (escaped, folded), without control characters
    (:func:`outputs.clean.printable` on each folded line, as :func:`ical_bytes` does)."""
    key = name.upper()
    if isinstance(value, str) and _is_text(name):
        # most lines (UIDs, descriptions): what Contentline.from_parts makes of a TEXT value
        # without parameters, the value escaped by icalendar
        content = f"{key}:{vText(value).to_ical().decode('utf-8')}"
    elif isinstance(value, str):  # typed by the property's name alone
        prop = Event.types_factory.for_property(name)(value)
        content = Contentline.from_parts(key, prop.params, prop)
    else:
        holder = Event()
        if isinstance(value, _Address):
            address = vCalAddress(value.uri)
            address.params = _QuotedCN(dict(value.params))
            holder.add(name, address)
        elif isinstance(value, tuple):
            holder.add(name, list(value))
        else:
            holder.add(name, value)
        content = holder.content_line(key, holder[key])
    if content.isprintable():  # then so is each folded part
        return _fold(content)
    return "\r\n".join(printable(part) for part in _fold(content).split("\r\n"))


@cache
def _is_text(name: str) -> bool:
    """Whether icalendar types property ``name`` as TEXT (vText)."""
    return Event.types_factory.for_property(name) is vText


FOLD_LIMIT = 75  # octets, as icalendar folds: at most 74 of the line on each physical line
_CONTINUATION = 0b10_000000  # a UTF-8 byte that continues a character (0b10xxxxxx)
_ESCAPES = frozenset(b"\\^")  # TEXT and RFC 6868 parameter escapes, never split from what follows


def _fold(line: str) -> str:
    """``line`` folded exactly as icalendar's ``Contentline.to_ical`` folds it (RFC 5545 3.1).

    icalendar walks the line a character at a time, encoding each to count its octets: a third of
    the time of writing a round's calendars. This cuts the encoded line at the same places: each
    physical line the longest run of whole characters of at most 74 octets, and an escape character
    (backslash, caret) that would end a line moved to the next one (icalendar issue #1501).
    """
    data = line.encode("utf-8")
    if len(data) < FOLD_LIMIT:
        return line
    parts: list[bytes] = []
    start = 0
    while len(data) - start >= FOLD_LIMIT:
        cut = start + FOLD_LIMIT - 1
        while data[cut] & 0b11_000000 == _CONTINUATION:
            cut -= 1
        if data[cut - 1] in _ESCAPES and cut - 1 > start:
            cut -= 1
        parts.append(data[start:cut])
        start = cut
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def _component(kind: type[Component], props: Sequence[tuple[str, Hashable]], *subcomponents: str) -> str:
    """``BEGIN:…``, the properties in icalendar's canonical order, the subcomponents, ``END:…``."""
    return _assemble(kind, _lines(props), *subcomponents)


def _lines(props: Sequence[tuple[str, Hashable]]) -> dict[str, str]:
    """Each property's line (:func:`_line`) by its name in capitals."""
    return {name.upper(): _line(name, value) for name, value in props}


def _assemble(kind: type[Component], lines: dict[str, str], *subcomponents: str) -> str:
    """:func:`_component` of properties already made into ``lines``."""
    body = "".join(f"{lines[key]}\r\n" for key in _canonical(kind, tuple(lines)))
    return f"BEGIN:{kind.name}\r\n{body}{''.join(subcomponents)}END:{kind.name}\r\n"


@lru_cache(maxsize=1 << 12)
def _head(method: str, name: str | None) -> str:
    """A calendar's lines before its first event (those of :func:`_calendar`)."""
    props: list[tuple[str, Hashable]] = [
        ("prodid", _prodid()),
        ("version", "2.0"),
        ("calscale", "GREGORIAN"),
        ("method", method),
    ]
    if name:
        props.append(("x-wr-calname", name))
    text = _component(Calendar, props)
    return text[: -len("END:VCALENDAR\r\n")]


def _write_events(path: Path, method: str, name: str | None, events: Sequence[str]) -> None:
    """A calendar of ``events`` (from :func:`_event`), byte for byte as icalendar writes it."""
    write_file(path, f"{_head(method, name)}{''.join(events)}END:VCALENDAR\r\n".encode())


def _calendar(method: str, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", _prodid())
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _utc(now: datetime) -> datetime:
    """DTSTAMP is in UTC; a naive clock is taken as UTC."""
    stamp = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    return stamp.replace(microsecond=0)


def _write(path: Path, cal: Calendar) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ical_bytes(cal))


def ical_bytes(cal: Calendar) -> bytes:
    """The calendar as written: icalendar escapes line breaks in text, and any other control or
    format character (ESC, NUL, a right-to-left override), wherever it came from, is dropped here."""
    lines = cal.to_ical().decode("utf-8").split("\r\n")
    return "\r\n".join(printable(line) for line in lines).encode("utf-8")


# -- the writer ------------------------------------------------------------------------------


def write_calendars(
    scenario: Scenario,
    plan: Plan,
    folder: Path,
    *,
    now: datetime,
    previous_ledger: Ledger | None = None,
    only_changed: bool = False,
    changes: Sequence[Change] | None = None,
    published: bool = True,
) -> Ledger:
    """Write every calendar file of the plan into ``folder`` and return the ledger: the experts'
    (``requests/``, ``experts/``, ``cancellations/``, ``ledger.json``) and, unless ``published`` is
    false, the published ones (:func:`write_published`, which the plan folder writes on its own).

    A replan's ``changes`` give an updated invitation (one the expert had, now with a higher
    SEQUENCE) a line saying what changed: 「本次变更：组长由张三改为李四」.

    ``now`` gives DTSTAMP. ``previous_ledger`` (from an earlier run) decides the
    SEQUENCE of each invitation: kept when unchanged, one more when changed; its
    invitations that the plan no longer holds are cancelled. With ``only_changed``,
    REQUEST files are written only for new invitations and those whose SEQUENCE rose.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dtstamp = _utc(now)
    visits = sorted_visits(plan)
    ledger, sequences, fresh = _invitations(scenario, visits, previous_ledger, only_changed)
    news = _change_notes(changes or ())
    updates = {
        pair: news[pair[0]]
        for pair in fresh
        if pair[0] in news and _was_sent(previous_ledger, request_uid(scenario, pair[0], pair[1]))
    }
    by_expert = visits_by_expert(plan)
    _write_expert_files(scenario, visits, by_expert, folder, dtstamp, sequences, fresh, updates)
    ledger.update(_write_cancellations(scenario, plan, previous_ledger or {}, ledger, folder, dtstamp))
    if published:
        _write_published(scenario, visits, folder, dtstamp, sequences)
    (folder / "ledger.json").write_text(
        json.dumps(ledger, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return ledger


def write_published(
    scenario: Scenario, plan: Plan, folder: Path, *, now: datetime, previous_ledger: Ledger | None = None
) -> None:
    """The published calendars: ``institutions/`` and ``overview.ics``, each visit with the highest
    SEQUENCE of its invitations (a published visit changes whenever one of its invitations does)."""
    visits = sorted_visits(plan)
    _, sequences, _ = _invitations(scenario, visits, previous_ledger, only_changed=False)
    _write_published(scenario, visits, Path(folder), _utc(now), sequences)


def _write_published(
    scenario: Scenario,
    visits: list[Visit],
    folder: Path,
    dtstamp: datetime,
    sequences: dict[tuple[str, str], int],
) -> None:
    def visit_sequence(visit: Visit) -> int:
        return max((sequences[(_key(visit), m)] for m in visit.members), default=0)

    published = {  # each visit as the institution and the overview show it
        _key(v): _event(
            scenario, v, uid=visit_uid(scenario, _key(v)), sequence=visit_sequence(v), dtstamp=dtstamp
        )
        for v in visits
    }
    _write_institution_calendars(scenario, visits, folder / "institutions", published)
    if visits:
        overview = [published[_key(v)] for v in visits]
        _write_events(folder / "overview.ics", "PUBLISH", f"{scenario.params.name} 巡查安排", overview)


def _invitations(
    scenario: Scenario, visits: Sequence[Visit], previous_ledger: Ledger | None, only_changed: bool
) -> tuple[Ledger, dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Each invitation's ledger entry, its SEQUENCE by (visit key, expert), and those to (re)send."""
    ledger: Ledger = {}
    sequences: dict[tuple[str, str], int] = {}
    fresh: set[tuple[str, str]] = set()
    for visit in visits:
        fp = fingerprint(scenario, visit)
        for expert_id in visit.members:
            uid = request_uid(scenario, _key(visit), expert_id)
            sequence = next_sequence(uid, fp, previous_ledger)
            sequences[(_key(visit), expert_id)] = sequence
            if not only_changed or _is_news(uid, sequence, previous_ledger):
                fresh.add((_key(visit), expert_id))
            ledger[uid] = {
                "sequence": sequence,
                "fingerprint": fp,
                "expert": expert_id,
                "institution": visit.institution,
                "start": visit.start.isoformat(),
                "end": visit.end.isoformat(),
                # a follow-up's cancellation says so (a first visit's entry stays as it was)
                **({"kind": visit.kind} if visit.kind != "visit" else {}),
            }
    return ledger, sequences, fresh


def _write_expert_files(
    scenario: Scenario,
    visits: list[Visit],
    by_expert: dict[str, list[Visit]],
    folder: Path,
    dtstamp: datetime,
    sequences: dict[tuple[str, str], int],
    fresh: set[tuple[str, str]],
    updates: dict[tuple[str, str], str],
) -> None:
    """``requests/``: an invitation per visit and expert to (re)send (``fresh``); ``experts/``: each
    expert's calendar, with the same events (the same UID: importing both gives one event) but
    no attendee and no note of a change. An expert at a time, each event made once for both."""
    pairs = [(v, m) for v in visits for m in v.members if (_key(v), m) in fresh]
    names = unique_filenames((_pair_key(v, m), f"{m}_{_key(v)}") for v, m in pairs)
    expert_names = unique_filenames((e, e) for e in sorted(by_expert))
    for expert_id in sorted(by_expert):
        events = []
        for visit in by_expert[expert_id]:
            pair = (_key(visit), expert_id)
            uid, sequence = request_uid(scenario, pair[0], expert_id), sequences[pair]
            lines, alarm = _event_lines(
                scenario, visit, uid=uid, sequence=sequence, dtstamp=dtstamp, expert_id=expert_id
            )
            if pair in fresh:
                attendee = _line("attendee", _attendee(scenario, visit, expert_id))
                if updates.get(pair):  # the invitation says what changed; the calendar does not
                    changed, alarm_changed = _event_lines(
                        scenario,
                        visit,
                        uid=uid,
                        sequence=sequence,
                        dtstamp=dtstamp,
                        expert_id=expert_id,
                        update=updates[pair],
                    )
                    request = _assemble(Event, {**changed, "ATTENDEE": attendee}, alarm_changed)
                else:
                    request = _assemble(Event, {**lines, "ATTENDEE": attendee}, alarm)
                path = folder / "requests" / f"{names[_pair_key(visit, expert_id)]}.ics"
                _write_events(path, "REQUEST", None, [request])
            events.append(_assemble(Event, lines, alarm))
        calname = f"{expert_name(scenario, expert_id)}的巡查日程"
        _write_events(folder / "experts" / f"{expert_names[expert_id]}.ics", "PUBLISH", calname, events)


def _change_notes(changes: Sequence[Change]) -> dict[str, str]:
    """Per invitation key (``_key``), what the replan changed on that visit, in a sentence."""
    notes: dict[str, list[str]] = {}
    for change in changes:
        if not change.summary:
            continue
        text, key = change.summary, change.institution
        if text.startswith(FOLLOWUP_PREFIX):
            text, key = text[len(FOLLOWUP_PREFIX) :], f"{change.institution}~followup"
        notes.setdefault(key, []).append(text)
    return {key: "；".join(texts) for key, texts in notes.items()}


def _was_sent(previous: Ledger | None, uid: str) -> bool:
    """Whether the expert holds this invitation from before (not new, not cancelled)."""
    entry = (previous or {}).get(uid)
    return entry is not None and not entry.get("cancelled")


def _pair_key(visit: Visit, expert_id: str) -> str:
    return f"{_key(visit)}\x1f{expert_id}"


def _write_institution_calendars(
    scenario: Scenario, visits: list[Visit], folder: Path, published: dict[str, str]
) -> None:
    names = unique_filenames((_key(v), _key(v)) for v in visits)
    for visit in visits:
        calname = f"{institution_name(scenario, visit.institution)}巡查安排"
        _write_events(folder / f"{names[_key(visit)]}.ics", "PUBLISH", calname, [published[_key(visit)]])


def _write_cancellations(
    scenario: Scenario, plan: Plan, previous: Ledger, current: Ledger, folder: Path, dtstamp: datetime
) -> Ledger:
    """CANCEL every previous invitation the plan no longer holds; return their ledger entries."""
    entries: Ledger = {}
    gone = sorted(uid for uid in previous if uid not in current)
    todo = [uid for uid in gone if not previous[uid].get("cancelled")]
    names = unique_filenames((uid, _cancel_name(scenario, uid, previous[uid])) for uid in todo)
    for uid in gone:
        entry = previous[uid]
        if entry.get("cancelled"):
            entries[uid] = dict(entry)
            continue
        sequence = int(entry.get("sequence", 0)) + 1
        entries[uid] = {**entry, "sequence": sequence, "fingerprint": CANCELLED, "cancelled": True}
        cal = _calendar("CANCEL")
        cal.add_component(_cancel_event(scenario, plan, uid, entry, sequence, dtstamp))
        _write(folder / "cancellations" / f"{names[uid]}.ics", cal)
    return entries


def entry_kind(scenario: Scenario, uid: str, entry: dict[str, Any]) -> str:
    """What an invitation's ledger entry was to: ``visit`` or ``followup``. A ledger written before
    entries said so is read by the UID, which is the follow-up's own (:func:`_key`)."""
    kind = entry.get("kind")
    if isinstance(kind, str) and kind:
        return kind
    followup = _key_of(str(entry.get("institution", "")), "followup")
    return "followup" if uid == request_uid(scenario, followup, str(entry.get("expert", ""))) else "visit"


def _cancel_name(scenario: Scenario, uid: str, entry: dict[str, Any]) -> str:
    """A cancellation's file name, as its invitation's (``E07_BN-H2``, ``E07_BN-H2~followup``)."""
    key = _key_of(str(entry.get("institution", "")), entry_kind(scenario, uid, entry))
    return f"{entry.get('expert', '')}_{key}"


def _cancel_event(
    scenario: Scenario, plan: Plan, uid: str, entry: dict[str, Any], sequence: int, dtstamp: datetime
) -> Event:
    institution = str(entry.get("institution", ""))
    expert_id = str(entry.get("expert", ""))
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", dtstamp)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED")
    if entry.get("start") and entry.get("end"):
        start, end = date.fromisoformat(entry["start"]), date.fromisoformat(entry["end"])
        event.add("dtstart", start)
        event.add("dtend", end + timedelta(days=1))
    name = institution_name(scenario, institution)
    followup = entry_kind(scenario, uid, entry) == "followup"
    what = "回头看" if followup else "巡查"
    event.add("summary", f"已取消：{what}：{name}")
    still = plan.followup_of(institution) if followup else plan.visit_of(institution)
    if still is not None:
        team = "回头看巡查组" if followup else "的巡查组"
        text = f"您已不在{name}{team}中，原邀请作废。{team.removeprefix('的')}其他安排不变。"
    else:
        text = f"对{name}的{what}已取消，原邀请作废。"
    event.add("description", f"{text}\n本通知由{_office(scenario)}发出（{scenario.params.name}）。")
    event.add("organizer", _organizer(scenario))
    event.add(
        "attendee",
        _address(expert_email(scenario, expert_id), expert_name(scenario, expert_id), ROLE="REQ-PARTICIPANT"),
    )
    return event


def read_ledger(path: Path) -> Ledger:
    """Read a ledger written by :func:`write_calendars` (for a later replan)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


__all__ = [
    "entry_kind",
    "expert_email",
    "fingerprint",
    "next_sequence",
    "read_ledger",
    "request_uid",
    "visit_uid",
    "write_calendars",
    "write_published",
]
