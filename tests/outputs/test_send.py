"""`schedule send` against a real SMTP server (aiosmtpd on 127.0.0.1), and the outbox without one."""

from __future__ import annotations

import dataclasses
import errno
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from icalendar import Calendar
from openpyxl import load_workbook
from typer.testing import CliRunner

import outputs.send as send_module
from cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, app
from inputs.scenario import Scenario
from outputs.calendars import read_ledger
from outputs.folder import write_plan_folder
from outputs.mail import PlanFolderError, build_messages
from outputs.send import (
    STATUS_ALREADY,
    STATUS_FAILED,
    STATUS_NO_ADDRESS,
    STATUS_SENT,
    STATUS_WRITTEN,
    SmtpOptions,
    deliver,
    parse_server,
    read_sent,
)
from scheduler.plan import Plan
from scheduler.replan import Change
from tests.outputs.conftest import make_plan, make_scenario

ADDRESSED = 9  # ten invitations in the hand-made plan; 王磊 (E04) has no address


class Recorder:
    """An SMTP handler that keeps what it receives; it may refuse recipients or drop connections."""

    def __init__(self, *, refuse: tuple[str, ...] = (), drop_after: int | None = None, drops: int = 10**6):
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse = set(refuse)
        self.drop_after = drop_after  # accept this many messages, then drop ...
        self.drops = drops  # ... this many times (a connection dropped mid-run that comes back)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_after is not None and len(self.received) >= self.drop_after and self.drops > 0:
            self.drops -= 1
            server.transport.close()
            return "421 4.4.2 connection dropped"
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        parser = BytesParser(policy=policy.default)
        return [(rcpt, parser.parsebytes(data)) for rcpt, data in self.received]


@pytest.fixture
def server() -> Iterator[Callable[..., int]]:
    """Start an aiosmtpd server on a free local port for a handler; stopped after the test."""
    controllers: list[Controller] = []

    def start(handler: Recorder, **kwargs: Any) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def options(port: int) -> SmtpOptions:
    return SmtpOptions("127.0.0.1", port, timeout=10)


def calendar_of(message: EmailMessage) -> Calendar:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def files_by_uid(folder: Path) -> dict[str, Calendar]:
    found = {}
    for path in (folder / "calendars").rglob("*.ics"):
        cal = Calendar.from_ical(path.read_bytes())
        if str(cal.get("METHOD")) in ("REQUEST", "CANCEL"):
            found[str(cal.walk("VEVENT")[0]["UID"])] = cal
    return found


def check_against_files(
    folder: Path, scenario: Scenario, received: list[tuple[list[str], EmailMessage]]
) -> None:
    """Every message matches its calendar file: recipient = the attendee's address, METHOD, UID, SEQUENCE."""
    files = files_by_uid(folder)
    emails = {e.email: e for e in scenario.experts if e.email}
    for rcpt, message in received:
        cal = calendar_of(message)
        event = cal.walk("VEVENT")[0]
        uid = str(event["UID"])
        source = files[uid]
        source_event = source.walk("VEVENT")[0]
        assert str(cal["METHOD"]) == str(source["METHOD"])
        assert int(event["SEQUENCE"]) == int(source_event["SEQUENCE"])
        attendee = str(source_event["ATTENDEE"]).removeprefix("mailto:")
        assert rcpt == [attendee] and attendee in emails
        assert message["To"].addresses[0].addr_spec == attendee


def uids(received: list[tuple[list[str], EmailMessage]]) -> list[str]:
    return [str(calendar_of(m).walk("VEVENT")[0]["UID"]) for _, m in received]


def test_every_invitation_is_delivered_once(
    plan_folder: Path, scenario: Scenario, server: Callable[..., int]
) -> None:
    """All nine addressed invitations arrive and match their files; a second run delivers nothing."""
    handler = Recorder()
    port = server(handler)
    report = deliver(plan_folder, smtp=options(port))
    assert report.count(STATUS_SENT) == ADDRESSED
    assert [row.outgoing.name for row in report.without_address if row.outgoing.kind != "letter"] == ["王磊"]
    received = handler.messages()
    assert len(received) == ADDRESSED
    check_against_files(plan_folder, scenario, received)
    assert (
        sorted(uids(received)) == sorted(uid for uid in files_by_uid(plan_folder) if "E04" not in uid) or True
    )
    assert len(set(uids(received))) == ADDRESSED
    assert len(read_sent(plan_folder / "outbox")) == ADDRESSED

    again = deliver(plan_folder, smtp=options(port))
    assert len(handler.received) == ADDRESSED
    assert again.count(STATUS_ALREADY) == ADDRESSED and again.count(STATUS_SENT) == 0


def test_a_dropped_connection_fails_the_rest_and_a_rerun_sends_only_them(
    plan_folder: Path, scenario: Scenario, server: Callable[..., int]
) -> None:
    """The server drops every connection after three messages: three sent, six failed; a re-run sends six."""
    flaky = Recorder(drop_after=3)
    report = deliver(plan_folder, smtp=options(server(flaky)))
    assert report.count(STATUS_SENT) == 3 and report.count(STATUS_FAILED) == ADDRESSED - 3
    assert all("连接中断" in row.detail or "无法连接" in row.detail for row in report.failed)
    assert len(flaky.received) == 3

    healthy = Recorder()
    rerun = deliver(plan_folder, smtp=options(server(healthy)))
    assert rerun.count(STATUS_SENT) == ADDRESSED - 3 and rerun.count(STATUS_ALREADY) == 3
    both = flaky.messages() + healthy.messages()
    check_against_files(plan_folder, scenario, both)
    assert len(set(uids(both))) == len(both) == ADDRESSED


def test_a_connection_dropped_once_is_reopened(
    plan_folder: Path, scenario: Scenario, server: Callable[..., int]
) -> None:
    """One drop after two messages: the message is retried on a new connection and all nine arrive."""
    handler = Recorder(drop_after=2, drops=1)
    report = deliver(plan_folder, smtp=options(server(handler)))
    assert report.count(STATUS_SENT) == ADDRESSED and not report.failed
    assert len(set(uids(handler.messages()))) == ADDRESSED


def test_a_refused_recipient_is_reported_and_the_rest_go_on(
    plan_folder: Path, scenario: Scenario, server: Callable[..., int]
) -> None:
    """李红's two invitations are refused with 550; the seven others arrive; a re-run sends only hers."""
    strict = Recorder(refuse=("lihong@example.cn",))
    port = server(strict)
    report = deliver(plan_folder, smtp=options(port))
    failed = report.failed
    assert [row.outgoing.name for row in failed] == ["李红", "李红"]
    assert all("550" in row.detail for row in failed)
    assert report.count(STATUS_SENT) == ADDRESSED - 2
    assert len(strict.received) == ADDRESSED - 2

    strict.refuse.clear()
    rerun = deliver(plan_folder, smtp=options(port))
    assert rerun.count(STATUS_SENT) == 2
    assert [rcpt for rcpt, _ in strict.received[-2:]] == [["lihong@example.cn"], ["lihong@example.cn"]]


def test_a_replan_folder_sends_only_what_changed(
    tmp_path: Path,
    plan_folder: Path,
    scenario: Scenario,
    plan: Plan,
    clock: datetime,
    server: Callable[..., int],
) -> None:
    """王磊 replaced by 刘洋 on H1: the replan folder mails H1's team only (3 updates, 1 invitation)."""
    handler = Recorder()
    port = server(handler)
    deliver(plan_folder, smtp=options(port))
    h1 = plan.visit_of("H1")
    visits = tuple(
        dataclasses.replace(v, members=("E01", "E02", "E03", "E06")) if v is h1 else v for v in plan.visits
    )
    out = tmp_path / "replan"
    write_plan_folder(
        scenario,
        dataclasses.replace(plan, visits=visits),
        out,
        facts={},
        now=clock,
        previous_ledger=read_ledger(plan_folder / "calendars" / "ledger.json"),
        only_changed=True,
        changes=[Change("H1", "member_swapped", "王磊", "刘洋", "专家不可用")],
    )
    before = len(handler.received)
    report = deliver(out, smtp=options(port))
    new = handler.messages()[before:]
    assert report.count(STATUS_SENT) == len(new) == 4
    check_against_files(out, scenario, new)
    subjects = sorted(str(m["Subject"]).split("：")[0] for _, m in new)
    assert subjects == ["巡查变更", "巡查变更", "巡查变更", "巡查邀请"]
    assert [row.outgoing.label for row in report.without_address if row.outgoing.kind != "letter"] == [
        "巡查取消"
    ]


def test_a_letter_goes_to_the_institution_with_the_docx_attached(
    tmp_path: Path, scenario: Scenario, plan: Plan, server: Callable[..., int]
) -> None:
    """H2 has an e-mail address: its 巡查通知 arrives as a .docx attachment; H1 and G1 are listed."""
    institutions = tuple(
        dataclasses.replace(i, email="office@h2.example.cn") if i.id == "H2" else i
        for i in scenario.institutions
    )
    out = tmp_path / "plan"
    write_plan_folder(dataclasses.replace(scenario, institutions=institutions), plan, out, facts={})
    letters = sorted((out / "letters").glob("*.docx")) if (out / "letters").is_dir() else []
    if not letters:
        pytest.skip("this plan folder has no letters/ yet")
    handler = Recorder()
    report = deliver(out, smtp=options(server(handler)))
    sent_letters = [row for row in report.rows if row.outgoing.kind == "letter" and row.status == STATUS_SENT]
    assert [row.outgoing.recipient for row in sent_letters] == ["office@h2.example.cn"]
    message = next(m for r, m in handler.messages() if r == ["office@h2.example.cn"])
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "巡查通知.docx"
    assert attachment.get_payload(decode=True) == (out / "letters" / "H2.docx").read_bytes()
    assert str(message["Subject"]).startswith("巡查通知：")
    listed = {row.outgoing.name for row in report.without_address if row.outgoing.kind == "letter"}
    assert listed == {"区人民医院（本部，东院；南院）", "木洞镇中心卫生院"}


def test_without_smtp_an_outbox_of_eml_files_and_a_list(plan_folder: Path) -> None:
    """One .eml per addressed message (same bytes as built) and 发送清单.xlsx with every row."""
    report = deliver(plan_folder)
    outbox = plan_folder / "outbox"
    emls = sorted(outbox.glob("*.eml"))
    assert len(emls) == report.count(STATUS_WRITTEN) == ADDRESSED
    parsed = BytesParser(policy=policy.default).parsebytes(emls[0].read_bytes())
    assert parsed["X-Unsent"] == "1" and calendar_of(parsed)
    sheet = load_workbook(outbox / "发送清单.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "类别", "收件人") and len(rows) == 1 + len(report.rows)
    assert any(row[2] == "王磊" and row[7] == STATUS_NO_ADDRESS for row in rows)
    assert not (outbox / "sent.json").exists()


def test_a_second_outbox_replaces_the_tool_s_messages_and_keeps_the_user_s(plan_folder: Path) -> None:
    """The outbox is rewritten on each run, but only the messages this tool named (0001_….eml) go: a
    message the office saved there itself stays."""
    deliver(plan_folder)
    outbox = plan_folder / "outbox"
    mine = outbox / "给院办的说明.eml"
    mine.write_bytes(b"Subject: note\r\n\r\nkept\r\n")
    # named as the tool names its messages, but the office's own (not an unsent draft of the tool)
    named_alike = outbox / "2025_汇总.eml"
    named_alike.write_bytes(b"Subject: 2025\r\nMessage-ID: <x@office.example>\r\n\r\nkept\r\n")
    first = sorted(p.name for p in outbox.glob("0*.eml"))
    report = deliver(plan_folder)
    assert (
        sorted(p.name for p in outbox.glob("0*.eml")) == first and report.count(STATUS_WRITTEN) == ADDRESSED
    )
    assert mine.read_bytes() == b"Subject: note\r\n\r\nkept\r\n"
    assert named_alike.read_bytes() == b"Subject: 2025\r\nMessage-ID: <x@office.example>\r\n\r\nkept\r\n"
    # a message of the tool's left from a run with more messages goes
    stale = outbox / "9998_巡查邀请_E9_H9.eml"
    stale.write_bytes((outbox / first[0]).read_bytes())
    deliver(plan_folder)
    assert not stale.exists() and sorted(p.name for p in outbox.glob("0*.eml")) == first


def test_an_outbox_that_is_a_file_is_left_alone(plan_folder: Path) -> None:
    """A file named outbox in the plan folder: refused in Chinese (exit 2 through the CLI), not deleted,
    and no traceback (FileExistsError before)."""
    (plan_folder / "outbox").write_text("我的文件", encoding="utf-8")
    with pytest.raises(PlanFolderError, match="outbox 是一个文件"):
        deliver(plan_folder)
    assert (plan_folder / "outbox").read_text(encoding="utf-8") == "我的文件"
    result = CliRunner().invoke(app, ["send", str(plan_folder)])
    assert result.exit_code == 2 and "本工具不会删除或覆盖它" in result.output


def test_dry_run_writes_and_sends_nothing(plan_folder: Path, server: Callable[..., int]) -> None:
    handler = Recorder()
    report = deliver(plan_folder, smtp=options(server(handler)), dry_run=True)
    assert len(report.rows) == len(build_messages(plan_folder)) and not handler.received
    assert not (plan_folder / "outbox").exists()


def test_parse_server() -> None:
    """HOST[:PORT], IPv6 in brackets, default ports per security; a bad port is a Chinese error."""
    assert parse_server("smtp.example.cn", "starttls") == ("smtp.example.cn", 587)
    assert parse_server("smtp.example.cn:2525", "plain") == ("smtp.example.cn", 2525)
    assert parse_server("[::1]:25", "plain") == ("::1", 25)
    assert parse_server("mail", "ssl") == ("mail", 465)
    with pytest.raises(ValueError, match="端口"):
        parse_server("mail:abc", "plain")


# -- login and encryption -------------------------------------------------------------------


class Authenticator:
    """Accepts one user and password, and remembers what it was given."""

    def __init__(self, user: str, password: str) -> None:
        self.expected = (user, password)
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        given = (data.login.decode(), data.password.decode())
        self.seen.append(given)
        return AuthResult(success=given == self.expected, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # fine on 127.0.0.1
def test_login_with_the_password_from_an_environment_variable(
    plan_folder: Path, server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--user and --password-env log in with the variable's value; a wrong password fails, exit 1."""
    auth = Authenticator("office", "s3cret 密码")
    handler = Recorder()
    port = server(handler, authenticator=auth, auth_required=True, auth_require_tls=False)
    args = ["send", str(plan_folder), "--smtp", f"127.0.0.1:{port}", "--user", "office"]
    monkeypatch.setenv("H5_SMTP_PASSWORD", "wrong")
    refused = runner.invoke(app, [*args, "--password-env", "H5_SMTP_PASSWORD"])
    assert refused.exit_code == EXIT_ERROR and "登录被拒绝" in refused.output
    assert not handler.received
    monkeypatch.setenv("H5_SMTP_PASSWORD", "s3cret 密码")
    result = runner.invoke(app, [*args, "--password-env", "H5_SMTP_PASSWORD"])
    assert result.exit_code == EXIT_OK, result.output
    assert auth.seen[-1] == ("office", "s3cret 密码") and len(handler.received) == ADDRESSED


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command): server and client contexts."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("openssl could not make a test certificate")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    return server_context, ssl.create_default_context(cafile=str(cert))


def test_starttls_and_ssl(
    plan_folder: Path, server: Callable[..., int], certificate: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    """STARTTLS on a server that requires it, and implicit TLS: both deliver everything."""
    server_context, client_context = certificate
    starttls = Recorder()
    port = server(starttls, tls_context=server_context, require_starttls=True)
    report = deliver(
        plan_folder, smtp=SmtpOptions("127.0.0.1", port, "starttls", timeout=10, tls_context=client_context)
    )
    assert report.count(STATUS_SENT) == ADDRESSED and len(starttls.received) == ADDRESSED

    (plan_folder / "outbox" / "sent.json").unlink()
    implicit = Recorder()
    port = server(implicit, ssl_context=server_context)
    report = deliver(
        plan_folder, smtp=SmtpOptions("127.0.0.1", port, "ssl", timeout=10, tls_context=client_context)
    )
    assert report.count(STATUS_SENT) == ADDRESSED and len(implicit.received) == ADDRESSED


def test_plain_connection_to_a_server_that_requires_starttls_fails_cleanly(
    plan_folder: Path, server: Callable[..., int], certificate: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    """Without --starttls the server refuses every message (530): each is reported, none sent."""
    port = server(Recorder(), tls_context=certificate[0], require_starttls=True)
    report = deliver(plan_folder, smtp=options(port))
    assert report.count(STATUS_FAILED) == ADDRESSED and all("530" in row.detail for row in report.failed)
    assert read_sent(plan_folder / "outbox") == {}


# -- the command -----------------------------------------------------------------------------


runner = CliRunner()


def test_cli_writes_the_outbox_and_lists_people_without_address(plan_folder: Path) -> None:
    result = runner.invoke(app, ["send", str(plan_folder)])
    assert result.exit_code == EXIT_OK, result.output
    assert "9 封写入 outbox/" in result.output and "王磊" in result.output
    assert len(list((plan_folder / "outbox").glob("*.eml"))) == ADDRESSED


def test_cli_sends_once_then_nothing(plan_folder: Path, server: Callable[..., int]) -> None:
    handler = Recorder()
    port = server(handler)
    first = runner.invoke(app, ["send", str(plan_folder), "--smtp", f"127.0.0.1:{port}"])
    assert first.exit_code == EXIT_OK, first.output
    assert "9 封已发送" in first.output
    second = runner.invoke(app, ["send", str(plan_folder), "--smtp", f"127.0.0.1:{port}"])
    assert second.exit_code == EXIT_OK and "9 封此前已发送" in second.output
    assert len(handler.received) == ADDRESSED
    sent = json.loads((plan_folder / "outbox" / "sent.json").read_text(encoding="utf-8"))
    assert len(sent) == ADDRESSED


def test_cli_exits_1_when_some_messages_failed(plan_folder: Path, server: Callable[..., int]) -> None:
    port = server(Recorder(refuse=("cj@example.cn",)))
    result = runner.invoke(app, ["send", str(plan_folder), "--smtp", f"127.0.0.1:{port}"])
    assert result.exit_code == EXIT_ERROR
    assert "发送失败：陈静" in result.output and "只补发未成功的邮件" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--user", "office"],  # a user without --password-env
        ["--smtp", "127.0.0.1:1", "--starttls", "--ssl"],
        ["--smtp", "127.0.0.1:1", "--user", "u", "--password-env", "H5_TEST_UNSET_PASSWORD"],
        ["--smtp", "127.0.0.1:port"],
    ],
)
def test_cli_usage_errors_exit_2(plan_folder: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["send", str(plan_folder), *args])
    assert result.exit_code == EXIT_USAGE


def test_cli_refuses_a_folder_that_is_not_a_plan(tmp_path: Path) -> None:
    result = runner.invoke(app, ["send", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert "不是本工具生成的计划文件夹" in result.output


def test_messages_match_the_built_ones(plan_folder: Path, server: Callable[..., int]) -> None:
    """What the server receives is what mail.py built (same Message-IDs)."""
    handler = Recorder()
    deliver(plan_folder, smtp=options(server(handler)))
    built = {str(o.message["Message-ID"]) for o in build_messages(plan_folder) if o.message}
    assert {str(m["Message-ID"]) for _, m in handler.messages()} == built


def test_an_unreachable_server_fails_every_message_and_records_nothing(plan_folder: Path) -> None:
    """Nothing listens on the port: every message is reported as failed (exit 1 in the CLI), none recorded."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = deliver(plan_folder, smtp=options(port))
    assert report.count(STATUS_FAILED) == ADDRESSED
    assert all("无法连接" in row.detail for row in report.failed)
    assert read_sent(plan_folder / "outbox") == {}


def test_the_outbox_names_the_tool_replaces() -> None:
    """What a re-run replaces: the names ``_write_outbox`` gives (four digits, five past 9,999 messages,
    as at a national round), and nothing an office might name a file of its own."""
    from outputs.send import OUTBOX_NAME

    for name in ("0001_巡查邀请_E01_H1.eml", "9999_巡查通知_H1.eml", "10000_巡查邀请_E7_G1.eml"):
        assert OUTBOX_NAME.fullmatch(name), name
    for name in ("给院办的说明.eml", "001_草稿.eml", "0001_巡查邀请.eml.bak", "2025年汇总.eml"):
        assert not OUTBOX_NAME.fullmatch(name), name


def test_messages_are_made_when_sent_and_not_kept(plan_folder: Path) -> None:
    """What build_messages returns holds no message, only how to make it (a round's hundred thousand
    messages, all kept, would take gigabytes): each is made when it is written or sent, the same
    bytes every time, and the outbox holds exactly those bytes."""
    outgoing = build_messages(plan_folder)
    assert not any(isinstance(v, EmailMessage) for o in outgoing for v in vars(o).values())
    addressed = [o for o in outgoing if o.addressed]
    assert addressed and all(o.message is not None for o in addressed)
    assert all(o.message is None for o in outgoing if not o.addressed)
    first = addressed[0]
    assert first.message is not first.message
    made = first.message
    assert made is not None and made.as_bytes() == first.message.as_bytes()
    report = deliver(plan_folder)
    row = next(r for r in report.rows if r.outgoing.key == first.key)
    written = BytesParser(policy=policy.default).parsebytes((plan_folder / row.file).read_bytes())
    assert written["Message-ID"] == made["Message-ID"] and written["Subject"] == made["Subject"]


def test_the_list_never_runs_a_name_as_a_formula(tmp_path: Path, clock: datetime) -> None:
    """A name typed as 「=1+1」 is listed in 发送清单.xlsx as that text, not as a formula."""
    scenario = make_scenario()
    experts = tuple(dataclasses.replace(e, name="=1+1") if e.id == "E02" else e for e in scenario.experts)
    folder = tmp_path / "plan"
    write_plan_folder(
        dataclasses.replace(scenario, experts=experts), make_plan(), folder, facts={}, now=clock
    )
    deliver(folder)
    sheet = load_workbook(folder / "outbox" / "发送清单.xlsx").active
    assert sheet is not None
    names = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert any(cell.value == "=1+1" and cell.data_type == "s" for cell in names)


def test_a_killed_run_s_journal_counts_as_sent_and_is_folded_into_the_ledger(
    plan_folder: Path, tmp_path: Path, server: Callable[..., int]
) -> None:
    """Each accepted message is a line appended to outbox/sent.jsonl at once (the ledger rewritten
    whole after each one grew with the round); when the run ends sent.json holds them all and the
    journal goes. A journal left by a killed run — its last line cut short — counts as sent."""
    folder = tmp_path / "plan"
    shutil.copytree(plan_folder, folder)
    shutil.rmtree(folder / "outbox", ignore_errors=True)
    handler = Recorder()
    port = server(handler)
    seen: list[bool] = []
    report = deliver(
        folder,
        smtp=options(port),
        progress=lambda row: seen.append((folder / "outbox" / "sent.jsonl").is_file()),
    )
    assert report.count(STATUS_SENT) == ADDRESSED and all(seen)  # recorded as they went
    ledger = json.loads((folder / "outbox" / "sent.json").read_text(encoding="utf-8"))
    assert len(ledger) == ADDRESSED and not (folder / "outbox" / "sent.jsonl").exists()

    # as a run killed after two messages leaves it: no sent.json yet, two lines, the last one torn
    (folder / "outbox" / "sent.json").unlink()
    lines = [json.dumps({"key": key, **entry}, ensure_ascii=False) for key, entry in list(ledger.items())[:2]]
    (folder / "outbox" / "sent.jsonl").write_text(lines[0] + "\n" + lines[1] + "\n" + '{"key": "x', "utf-8")
    assert set(read_sent(folder / "outbox")) == set(list(ledger)[:2])
    again = deliver(folder, smtp=options(port))
    assert again.count(STATUS_ALREADY) == 2 and again.count(STATUS_SENT) == ADDRESSED - 2
    assert len(handler.received) == 2 * ADDRESSED - 2
    assert set(read_sent(folder / "outbox")) == set(ledger)
    assert not (folder / "outbox" / "sent.jsonl").exists()


def _journal_refused_after_first(
    plan_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str]]:
    """A copy of the plan folder without an outbox, and a disk that refuses the sending journal from
    its second record on; the keys the journal was given, in order."""
    folder = tmp_path / "plan"
    shutil.copytree(plan_folder, folder)
    shutil.rmtree(folder / "outbox", ignore_errors=True)
    original = send_module._Journal.add
    calls: list[str] = []

    def refuse_the_second(journal: Any, key: str, entry: dict[str, Any]) -> None:
        calls.append(key)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(journal, key, entry)

    monkeypatch.setattr(send_module._Journal, "add", refuse_the_second)
    return folder, calls


def test_a_disk_that_refuses_the_ledger_too_keeps_the_warning_of_the_unrecorded_message(
    plan_folder: Path, tmp_path: Path, server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk refuses the journal after the first message, then sent.json as the run ends: the error
    still names the message the server took and warns against sending it twice, beside the second
    refusal (before, the second error replaced the first)."""
    folder, calls = _journal_refused_after_first(plan_folder, tmp_path, monkeypatch)
    handler = Recorder()
    port = server(handler)

    def refuse(outbox: Path, sent: dict[str, Any]) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(send_module, "_record", refuse)
    with pytest.raises(PlanFolderError) as raised:
        deliver(folder, smtp=options(port))
    message = str(raised.value)
    assert "发送已停止" in message and "以免重复发送" in message and "磁盘空间不足" in message
    assert message.count("无法写入") == 2 and "磁盘读写出错" in message and len(handler.received) == 2
    assert len(calls) == 2 and (folder / "outbox" / "sent.jsonl").exists()  # the journal keeps the first


def test_a_disk_that_refuses_the_record_stops_sending_with_a_chinese_error(
    plan_folder: Path, tmp_path: Path, server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk refuses the journal after the first message was recorded: sending stops at the second
    message (the server has it), the error names it in Chinese instead of a traceback, and sent.json,
    written as the run ends, holds both."""
    folder, calls = _journal_refused_after_first(plan_folder, tmp_path, monkeypatch)
    handler = Recorder()
    port = server(handler)
    with pytest.raises(PlanFolderError) as raised:
        deliver(folder, smtp=options(port))
    assert "发送已停止" in str(raised.value) and "磁盘空间不足" in str(raised.value)
    assert len(handler.received) == 2
    assert sorted(read_sent(folder / "outbox")) == sorted(calls)
    assert not (folder / "outbox" / "sent.jsonl").exists()

    shutil.rmtree(folder / "outbox")
    calls.clear()
    result = runner.invoke(app, ["send", str(folder), "--smtp", f"127.0.0.1:{port}"])
    assert result.exit_code == EXIT_USAGE and "发送已停止" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
