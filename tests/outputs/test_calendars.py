"""Calendar files: RFC 5545/5546 shape, read back with two independent parsers."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest
import vobject

from inputs.scenario import Scenario
from outputs.calendars import expert_email, request_uid, write_calendars
from scheduler.plan import Plan

FORBIDDEN_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _write(scenario: Scenario, plan: Plan, folder: Path, now: datetime, previous=None) -> dict:
    return write_calendars(scenario, plan, folder, now=now, previous_ledger=previous)


def _events(path: Path) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return [c for c in cal.walk("VEVENT")]


def _all_ics(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ics"))


@pytest.fixture
def written(tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime) -> tuple[Path, dict]:
    folder = tmp_path / "calendars"
    ledger = _write(scenario, plan, folder, clock)
    return folder, ledger


def test_the_folder_holds_requests_per_visit_and_expert_and_publish_files(written, plan: Plan) -> None:
    """One REQUEST per visit and member, one PUBLISH per expert with visits and per visited institution."""
    folder, _ = written
    pairs = sum(len(v.members) for v in plan.visits)
    assert len(list((folder / "requests").glob("*.ics"))) == pairs == 10
    experts = {m for v in plan.visits for m in v.members}
    assert len(list((folder / "experts").glob("*.ics"))) == len(experts)
    assert len(list((folder / "institutions").glob("*.ics"))) == len(plan.visits)
    assert (folder / "overview.ics").is_file()
    assert not list((folder / "institutions").glob("G2*")), "a left-out institution gets no calendar"


def test_every_file_parses_with_icalendar_and_vobject(written) -> None:
    """Both parsers accept every file; each calendar has VERSION 2.0, PRODID, METHOD and no UID of its own."""
    folder, _ = written
    for path in _all_ics(folder):
        data = path.read_bytes()
        cal = icalendar.Calendar.from_ical(data)
        assert str(cal["VERSION"]) == "2.0"
        assert "PRODID" in cal
        assert str(cal["METHOD"]) in {"REQUEST", "PUBLISH"}
        assert "UID" not in cal, path.name
        parsed = list(vobject.readComponents(data.decode("utf-8")))
        assert len(parsed) == 1, path.name
        assert parsed[0].method.value == str(cal["METHOD"])
        assert len(parsed[0].vevent_list) == len(_events(path))


def test_request_files_hold_one_all_day_event_with_organizer_and_one_attendee(written) -> None:
    """A REQUEST holds exactly one all-day VEVENT with DATE values, DTSTAMP, ORGANIZER and one ATTENDEE."""
    folder, _ = written
    for path in sorted((folder / "requests").glob("*.ics")):
        text = path.read_bytes().decode("utf-8")
        assert "METHOD:REQUEST" in text
        (event,) = _events(path)
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and type(end) is date
        assert end > start
        assert "DTSTART;VALUE=DATE:" in text and "DTEND;VALUE=DATE:" in text
        assert "DTSTAMP" in event
        assert str(event["ORGANIZER"]) == "mailto:xunchaban@example.gov.cn"
        assert event["ORGANIZER"].params["CN"] == "测试区卫生健康委员会巡查办"
        assert 'ORGANIZER;CN="测试区卫生健康委员会巡查办"' in text.replace("\r\n ", "")
        attendee = event["ATTENDEE"]
        assert not isinstance(attendee, list), "one attendee per invitation"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["ROLE"] in {"CHAIR", "REQ-PARTICIPANT"}
        assert "SUMMARY" in event and "DESCRIPTION" in event and "LOCATION" in event
        assert int(event["SEQUENCE"]) == 0
        assert str(event["STATUS"]) == "CONFIRMED"
        assert len(event.subcomponents) == 1 and event.subcomponents[0].name == "VALARM"
        vevent = next(vobject.readComponents(text)).vevent
        assert vevent.dtstart.value == start and vevent.dtend.value == end


def test_lines_end_in_crlf_and_are_folded_at_75_octets(written) -> None:
    """Every line ends with CRLF and no line is longer than 75 octets, Chinese text included."""
    folder, _ = written
    for path in _all_ics(folder):
        data = path.read_bytes()
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b""), f"bare line feed in {path.name}"
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (path.name, line)
        assert any(line.startswith(b" ") for line in data.split(b"\r\n")), "long Chinese lines are folded"


def test_each_experts_invitations_match_the_plan(written, scenario: Scenario, plan: Plan) -> None:
    """Per expert, the invitations' dates are the plan's (DTEND = last day + 1); the leader is CHAIR."""
    folder, _ = written
    found: dict[str, set[tuple[date, date, str]]] = {}
    for path in (folder / "requests").glob("*.ics"):
        (event,) = _events(path)
        email = str(event["ATTENDEE"]).removeprefix("mailto:")
        last = event.decoded("DTEND") - timedelta(days=1)
        found.setdefault(email, set()).add((event.decoded("DTSTART"), last, event["ATTENDEE"].params["ROLE"]))
    expected: dict[str, set[tuple[date, date, str]]] = {}
    for visit in plan.visits:
        for member in visit.members:
            role = "CHAIR" if member == visit.leader else "REQ-PARTICIPANT"
            expected.setdefault(expert_email(scenario, member), set()).add((visit.start, visit.end, role))
    assert found == expected


def test_a_visit_across_a_holiday_spans_its_calendar_days(written) -> None:
    """H2 runs 2 to 9 April 2025 over Qingming: the event covers all eight days and names the working days."""
    folder, _ = written
    (event,) = _events(next((folder / "requests").glob("E05_H2.ics")))
    assert event.decoded("DTSTART") == date(2025, 4, 2)
    assert event.decoded("DTEND") == date(2025, 4, 10)
    description = str(event["DESCRIPTION"])
    assert "共 5 个工作日" in description
    assert "4月2日、3日、7日、8日、9日" in description
    assert "组长：陈静" in description and "您在本组的角色：组长" in description


def test_text_with_commas_and_semicolons_round_trips(written) -> None:
    """LOCATION with ASCII ',' and ';' is escaped on write and reads back unchanged by both parsers."""
    folder, _ = written
    path = next((folder / "requests").glob("E01_H1.ics"))
    (event,) = _events(path)
    assert str(event["LOCATION"]) == "巴南区龙洲大道1号, 3栋; 东门"
    assert "\\, 3栋\\; 东门" in path.read_bytes().decode("utf-8").replace("\r\n ", "")
    vevent = next(vobject.readComponents(path.read_text(encoding="utf-8"))).vevent
    assert vevent.location.value == "巴南区龙洲大道1号, 3栋; 东门"


def test_an_expert_without_email_gets_a_stable_placeholder(written, scenario: Scenario) -> None:
    """王磊 (E04) has no address: the invitation goes to a fixed, undeliverable .invalid address."""
    folder, _ = written
    (event,) = _events(next((folder / "requests").glob("E04_*.ics")))
    address = str(event["ATTENDEE"]).removeprefix("mailto:")
    assert address.endswith(".invalid")
    assert address == expert_email(scenario, "E04")
    assert event["ATTENDEE"].params["CN"] == "王磊"


def test_uids_are_stable_across_runs_and_dtstamp_follows_the_clock(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """Two runs with different clocks: same files and UIDs, DTSTAMP from each run's clock (in UTC)."""
    first = datetime(2024, 11, 1, 9, 30, tzinfo=UTC)
    second = datetime(2025, 1, 2, 8, 0, tzinfo=timezone(timedelta(hours=8)))  # 00:00 UTC
    a, b = tmp_path / "a", tmp_path / "b"
    ledger_a = _write(scenario, plan, a, first)
    ledger_b = _write(scenario, plan, b, second)
    assert set(ledger_a) == set(ledger_b)
    names_a = sorted(p.relative_to(a) for p in _all_ics(a))
    assert names_a == sorted(p.relative_to(b) for p in _all_ics(b))
    for rel in names_a:
        events_a, events_b = _events(a / rel), _events(b / rel)
        assert [str(e["UID"]) for e in events_a] == [str(e["UID"]) for e in events_b]
        assert all(e.decoded("DTSTAMP") == first for e in events_a)
        assert all(e.decoded("DTSTAMP") == datetime(2025, 1, 2, tzinfo=UTC) for e in events_b)
    assert "DTSTAMP:20250102T000000Z" in (b / "overview.ics").read_text(encoding="utf-8")
    uid = request_uid(scenario, "H1", "E01")
    assert uid.endswith("@inspection-planner") and uid in ledger_a


def test_publish_calendars_carry_no_attendees(written, plan: Plan) -> None:
    """Expert, institution and overview files are PUBLISH without ATTENDEE; the overview has every visit."""
    folder, _ = written
    publish = [*sorted((folder / "experts").glob("*.ics")), *sorted((folder / "institutions").glob("*.ics"))]
    for path in [*publish, folder / "overview.ics"]:
        text = path.read_text(encoding="utf-8")
        assert "METHOD:PUBLISH" in text
        assert "ATTENDEE" not in text
        assert "ORGANIZER" in text
    overview = _events(folder / "overview.ics")
    assert sorted(e.decoded("DTSTART") for e in overview) == sorted(v.start for v in plan.visits)
    assert len({str(e["UID"]) for e in overview}) == len(plan.visits)


def test_an_experts_calendar_lists_all_their_visits_with_their_invitation_uids(
    written, scenario: Scenario
) -> None:
    """陈静 (E05) leads H2 and G1: her PUBLISH file holds both, with the UIDs of her invitations."""
    folder, _ = written
    events = _events(next((folder / "experts").glob("E05.ics")))
    assert [e.decoded("DTSTART") for e in events] == [date(2025, 4, 2), date(2026, 3, 10)]
    assert {str(e["UID"]) for e in events} == {
        request_uid(scenario, "H2", "E05"),
        request_uid(scenario, "G1", "E05"),
    }


def test_the_ledger_is_written_and_lists_every_request(written, scenario: Scenario, plan: Plan) -> None:
    """ledger.json equals the returned ledger: one entry per REQUEST with sequence, fingerprint, ids."""
    folder, ledger = written
    assert json.loads((folder / "ledger.json").read_text(encoding="utf-8")) == ledger
    request_uids = {str(_events(p)[0]["UID"]) for p in (folder / "requests").glob("*.ics")}
    assert set(ledger) == request_uids
    for visit in plan.visits:
        for member in visit.members:
            entry = ledger[request_uid(scenario, visit.institution, member)]
            assert entry["expert"] == member and entry["institution"] == visit.institution
            assert entry["sequence"] == 0 and len(entry["fingerprint"]) == 64


def test_a_moved_visit_gets_a_higher_sequence_and_the_rest_keep_theirs(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """Moving H2 a week bumps SEQUENCE for its four invitations only; a rerun without change keeps them."""
    first = _write(scenario, plan, tmp_path / "1", clock)
    h2 = plan.visit_of("H2")
    moved = dataclasses.replace(h2, start=date(2025, 4, 14), end=date(2025, 4, 18))
    plan2 = dataclasses.replace(plan, visits=tuple(moved if v is h2 else v for v in plan.visits))
    second = _write(scenario, plan2, tmp_path / "2", clock, previous=first)
    for uid, entry in second.items():
        assert entry["sequence"] == (1 if entry["institution"] == "H2" else 0), uid
    (event,) = _events(next((tmp_path / "2" / "requests").glob("E06_H2.ics")))
    assert int(event["SEQUENCE"]) == 1
    overview = {str(e["UID"]): int(e["SEQUENCE"]) for e in _events(tmp_path / "2" / "overview.ics")}
    assert sorted(overview.values()) == [0, 0, 1]
    third = _write(scenario, plan2, tmp_path / "3", clock, previous=second)
    assert third == second


def test_file_names_are_safe_on_windows(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """Characters Windows forbids in names (/, :, ?, *) are cleaned; distinct experts keep distinct files."""
    experts = tuple(
        dataclasses.replace(e, name="王/磊:副主任?") if e.id == "E04" else e for e in scenario.experts
    )
    odd = dataclasses.replace(scenario, experts=experts)
    folder = tmp_path / "cal"
    _write(odd, plan, folder, clock)
    for path in _all_ics(folder):
        assert not FORBIDDEN_IN_NAMES.search(path.name), path.name
        assert not path.stem.endswith((" ", "."))
    assert len(list((folder / "requests").glob("*.ics"))) == 10
    (event,) = _events(next((folder / "requests").glob("E04_*.ics")))
    assert event["ATTENDEE"].params["CN"] == "王/磊:副主任?"


def test_an_expert_taken_off_a_visit_gets_a_cancel(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """王磊 (E04) leaves H1: a METHOD:CANCEL with SEQUENCE 1 goes to him; the ledger marks it cancelled."""
    first = _write(scenario, plan, tmp_path / "1", clock)
    h1 = plan.visit_of("H1")
    smaller = dataclasses.replace(h1, members=("E01", "E02", "E03"))
    plan2 = dataclasses.replace(plan, visits=tuple(smaller if v is h1 else v for v in plan.visits))
    second = _write(scenario, plan2, tmp_path / "2", clock, previous=first)
    (path,) = (tmp_path / "2" / "cancellations").glob("*.ics")
    assert path.name == "E04_H1.ics"
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(cal["METHOD"]) == "CANCEL"
    (event,) = _events(path)
    uid = request_uid(scenario, "H1", "E04")
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["ATTENDEE"]) == f"mailto:{expert_email(scenario, 'E04')}"
    assert event.decoded("DTSTART") == date(2024, 11, 25) and event.decoded("DTEND") == date(2024, 12, 4)
    assert next(vobject.readComponents(path.read_text(encoding="utf-8"))).method.value == "CANCEL"
    assert second[uid]["cancelled"] is True and second[uid]["sequence"] == 1
    # The rest of H1's team changed, so their invitations are re-sent with SEQUENCE 1.
    assert second[request_uid(scenario, "H1", "E01")]["sequence"] == 1
    # A later run keeps the cancellation in the ledger without cancelling again.
    third = _write(scenario, plan2, tmp_path / "3", clock, previous=second)
    assert third[uid] == second[uid]
    assert not (tmp_path / "3" / "cancellations").exists()


def test_only_changed_writes_new_and_changed_invitations(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """With only_changed, moving G1 re-sends its two invitations and nothing else."""
    first = _write(scenario, plan, tmp_path / "1", clock)
    g1 = plan.visit_of("G1")
    moved = dataclasses.replace(g1, start=date(2026, 3, 12), end=date(2026, 3, 12))
    plan2 = dataclasses.replace(plan, visits=tuple(moved if v is g1 else v for v in plan.visits))
    folder = tmp_path / "2"
    ledger = write_calendars(scenario, plan2, folder, now=clock, previous_ledger=first, only_changed=True)
    assert sorted(p.name for p in (folder / "requests").glob("*.ics")) == [
        "E05_G1.ics",
        "E06_G1.ics",
    ]
    assert len(ledger) == 10 and ledger[request_uid(scenario, "G1", "E05")]["start"] == "2026-03-12"
    assert len(_events(folder / "overview.ics")) == 3, "the published calendars stay complete"


def test_lines_are_folded_where_icalendar_folds_them() -> None:
    """The calendars fold their content lines themselves (icalendar's folding took a third of the
    time); over lines of Latin, CJK, two- and four-byte characters and escapes of every length, the
    folds fall exactly where icalendar puts them, a backslash or caret never ending a line."""
    import random

    from icalendar.parser import Contentline

    from outputs.calendars import _fold

    alphabet = [*'abcXYZ019 ;:,\\^"', *"巡查组长医院", "é", "ß", "😀", "\U00020000", "\u00a0"]
    rng = random.Random(13)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 320)))
        line = Contentline(text)
        assert _fold(line) == line.to_ical().decode("utf-8"), text
    assert _fold(Contentline("DESCRIPTION:" + "a" * 61 + "\\n" + "b" * 20)).startswith(
        "DESCRIPTION:" + "a" * 61 + "\r\n \\n"
    )
