"""Delivering a plan folder's messages (SPEC §5 ``schedule send``): an outbox, or SMTP with a ledger.

The messages come from outputs/mail.py. Without SMTP options, :func:`deliver` writes
``PLANDIR/outbox/``: one ``.eml`` per message (marked ``X-Unsent: 1`` so that Outlook opens
it as a draft to send; Foxmail and Thunderbird open it too) and ``发送清单.xlsx`` listing
recipient, subject, file and status of every message, including people without an address.

With SMTP options it sends through :mod:`smtplib` (plain, STARTTLS or SSL; the password is
passed in, never read from the command line) and records each accepted message under its
stable key as soon as the server took it (a line of ``outbox/sent.jsonl``, taken into
``outbox/sent.json`` when the run ends), so a re-run sends only what is not there yet. A
refused recipient is reported for that message and the run goes on; a dropped connection
(or a 421 reply) is retried once on a new connection, then reported, and the run goes on
with the next message.
"""

from __future__ import annotations

import base64
import json
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from outputs.labels import safe_filename
from outputs.mail import (
    MAIL_POLICY,
    MESSAGE_ID_FORM,
    Outgoing,
    PlanFolderError,
    build_messages,
    message_id,
)
from outputs.oswords import os_reason

OUTBOX = "outbox"
SENT_LEDGER = "sent.json"
SENT_JOURNAL = "sent.jsonl"  # a run's record until it ends (see _Journal)
LIST_FILE = "发送清单.xlsx"
EML_POLICY = MAIL_POLICY.clone(linesep="\r\n")

STATUS_WRITTEN = "已生成待发"
STATUS_PENDING = "待发送"
STATUS_SENT = "已发送"
STATUS_ALREADY = "此前已发送"
STATUS_NO_ADDRESS = "无邮箱地址"
STATUS_FAILED = "发送失败"

SECURITY_PLAIN = "plain"
SECURITY_STARTTLS = "starttls"
SECURITY_SSL = "ssl"
DEFAULT_PORTS = {SECURITY_PLAIN: 25, SECURITY_STARTTLS: 587, SECURITY_SSL: 465}


@dataclass(frozen=True)
class SmtpOptions:
    host: str
    port: int
    security: str = SECURITY_PLAIN  # plain, starttls or ssl
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None  # default: the system's trusted certificates


@dataclass
class Row:
    """What became of one message."""

    outgoing: Outgoing
    status: str
    detail: str = ""
    file: str = ""  # the .eml written, relative to the plan folder


@dataclass
class SendReport:
    rows: list[Row] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.status == STATUS_FAILED]

    @property
    def without_address(self) -> list[Row]:
        return [row for row in self.rows if row.status == STATUS_NO_ADDRESS]


def parse_server(text: str, security: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (``[::1]:25`` for IPv6) → host and port (the security's default port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"SMTP 服务器“{text}”缺少主机名，应写作 主机[:端口]，例如 smtp.example.cn:587。")
    if not port_text:
        return host, DEFAULT_PORTS[security]
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"SMTP 服务器“{text}”的端口“{port_text}”应为 1–65535 的整数。")
    return host, int(port_text)


def deliver(
    plan_dir: Path,
    *,
    smtp: SmtpOptions | None = None,
    sender: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Callable[[Row], None] | None = None,
) -> SendReport:
    """Write the outbox (no ``smtp``) or send (``smtp``); with ``dry_run`` only say what would happen."""
    plan_dir = Path(plan_dir)
    outgoing = build_messages(plan_dir, sender=sender, now=now)
    outbox = plan_dir / OUTBOX
    sent = read_sent(outbox) if smtp is not None else {}
    report = SendReport()
    todo: list[Row] = []
    for item in outgoing:
        if not item.addressed:
            report.rows.append(Row(item, STATUS_NO_ADDRESS, "名单中没有该收件人的电子邮箱"))
        elif item.key in sent:
            report.rows.append(Row(item, STATUS_ALREADY, str(sent[item.key].get("sent_at", ""))))
        else:
            row = Row(item, STATUS_PENDING)
            report.rows.append(row)
            todo.append(row)
    if dry_run:
        return report
    if outbox.exists() and not outbox.is_dir():
        raise PlanFolderError(
            f"计划文件夹里的 {OUTBOX} 是一个文件，不是文件夹：本工具不会删除或覆盖它；"
            "请把它移走或改名后再运行。"
        )
    with _writing(outbox):
        outbox.mkdir(parents=True, exist_ok=True)
        if smtp is None:
            _write_outbox(outbox, todo)
    if smtp is not None:
        _send(smtp, outbox, sent, todo, now, progress)
    with _writing(outbox):
        write_list(report, outbox / LIST_FILE, plan_dir)
    return report


@contextmanager
def _writing(target: Path, then: str = "") -> Iterator[None]:
    """The disk's refusals while writing ``target`` (the outbox or a file in it), as the folder's
    error in Chinese; ``then`` says what that means for the run."""
    try:
        yield
    except OSError as exc:
        raise PlanFolderError(f"无法写入 {target}：{os_reason(exc)}。{then}") from None


# -- outbox ----------------------------------------------------------------------------------


# The names this tool gives the messages it writes to the outbox (``0001_巡查邀请_E01_H1.eml``): a run
# replaces those of the run before, and leaves any other file there alone.
OUTBOX_NAME = re.compile(r"\d{4,}_.+\.eml")  # 0001_… to 9999_…, then 10000_…
# An office may name a file of its own the same way (2025_汇总.eml): a message is the tool's only if
# its headers say so too, an unsent draft with a Message-ID the tool makes (MESSAGE_ID_FORM).
HEADER_BYTES = 1 << 16  # the tool's headers are a few hundred bytes


def _write_outbox(outbox: Path, rows: list[Row]) -> None:
    for old in outbox.glob("*.eml"):
        if OUTBOX_NAME.fullmatch(old.name) and old.is_file() and _written_by_us(old):
            old.unlink()
    for n, row in enumerate(rows, start=1):
        message = row.outgoing.message
        assert message is not None
        del message["X-Unsent"]
        message["X-Unsent"] = "1"
        name = safe_filename(f"{n:04d}_{row.outgoing.label}_{Path(row.outgoing.source).stem}")
        path = outbox / f"{name}.eml"
        path.write_bytes(message.as_bytes(policy=EML_POLICY))
        row.status = STATUS_WRITTEN
        row.file = f"{OUTBOX}/{path.name}"


def _written_by_us(path: Path) -> bool:
    """Whether the .eml file at ``path`` is a message a run of this tool wrote to the outbox."""
    with path.open("rb") as file:
        head = file.read(HEADER_BYTES).split(b"\r\n\r\n", 1)[0]
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    return headers.get("X-Unsent") == "1" and bool(MESSAGE_ID_FORM.fullmatch(headers.get("Message-ID", "")))


def write_list(report: SendReport, path: Path, plan_dir: Path) -> None:
    """发送清单.xlsx: one row per message, with people without an address and failures."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "发送清单"
    headers = ("序号", "类别", "收件人", "电子邮箱", "主题", "来源文件", "邮件文件", "状态", "说明")
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, row in enumerate(report.rows, start=1):
        item = row.outgoing
        values = (
            n,
            item.label,
            item.name,
            item.recipient or "",
            item.subject,
            item.source,
            row.file,
            row.status,
            row.detail,
        )
        sheet.append(values)
        for place, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("="):
                # text from the workbook is never run as a formula (the cell by its place: asking the
                # sheet for its last row measures the whole sheet, once per row of thousands)
                sheet.cell(row=n + 1, column=place).data_type = "s"
    widths = (6, 10, 14, 32, 48, 44, 40, 12, 40)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    workbook.save(path)


# -- SMTP ------------------------------------------------------------------------------------


def read_sent(outbox: Path) -> dict[str, dict[str, Any]]:
    """What was sent: sent.json, and what a run that did not finish recorded in its journal."""
    path = outbox / SENT_LEDGER
    sent: dict[str, dict[str, Any]] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
        sent = data if isinstance(data, dict) else {}
    journal = outbox / SENT_JOURNAL
    if journal.is_file():
        for line in journal.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was killed
            if isinstance(record, dict) and isinstance(record.get("key"), str):
                sent[record.pop("key")] = record
    return sent


class _Journal:
    """Each accepted message recorded at once, a line appended to the journal (``sent.jsonl``): the
    ledger rewritten whole after each message grew with the messages sent, quadratic over a round's
    thousands. When the run ends, sent.json takes the journal's lines and the journal goes."""

    def __init__(self, outbox: Path) -> None:
        self.path = outbox / SENT_JOURNAL
        self.file: Any = None

    def add(self, key: str, entry: dict[str, Any]) -> None:
        if self.file is None:
            self.file = self.path.open("a", encoding="utf-8")
        self.file.write(json.dumps({"key": key, **entry}, ensure_ascii=False, sort_keys=True) + "\n")
        self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _record(outbox: Path, sent: dict[str, dict[str, Any]]) -> None:
    """Write sent.json whole and in one step, so a crash never leaves half a ledger."""
    path = outbox / SENT_LEDGER
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(sent, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class _Dropped(Exception):
    """The connection is gone (closed, timed out or a 421 reply)."""


class _Fatal(Exception):
    """Nothing more can be sent in this run (the server cannot be reached, login refused)."""


class _Connection:
    def __init__(self, options: SmtpOptions) -> None:
        self.options = options
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        opts = self.options
        context = opts.tls_context or ssl.create_default_context()
        try:
            if opts.security == SECURITY_SSL:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    opts.host, opts.port, timeout=opts.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(opts.host, opts.port, timeout=opts.timeout)
            smtp.ehlo()
            if opts.security == SECURITY_STARTTLS:
                smtp.starttls(context=context)
                smtp.ehlo()
            if opts.user:
                _login(smtp, opts.user, opts.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise _Fatal(
                f"登录被拒绝（{exc.smtp_code} {_text(exc.smtp_error)}），请检查 --user 和密码"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise _Fatal(f"服务器不支持所需功能：{exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _Dropped(f"无法连接 {opts.host}:{opts.port}（{_describe(exc)}）") from exc
        self.smtp = smtp
        return smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login, or AUTH PLAIN in UTF-8 (RFC 4616) when the credentials are not ASCII.

    Python 3.11's smtplib encodes credentials as ASCII and would fail on a Chinese password.
    """
    if (user + password).isascii():
        smtp.login(user, password)
        return
    if not smtp.has_extn("auth") or "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("用户名或密码含非 ASCII 字符，而服务器不支持 AUTH PLAIN")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _send(
    options: SmtpOptions,
    outbox: Path,
    sent: dict[str, dict[str, Any]],
    rows: list[Row],
    now: datetime | None,
    progress: Callable[[Row], None] | None,
) -> None:
    from outputs.folder import clock

    connection = _Connection(options)
    fatal: str | None = None
    stopped: PlanFolderError | None = None  # the disk refused a record: sending stopped
    journal = _Journal(outbox)
    try:
        for row in rows:
            if fatal is not None:
                row.status, row.detail = STATUS_FAILED, fatal
            else:
                try:
                    _send_one(connection, row)
                except _Fatal as exc:
                    fatal = str(exc)
                    row.status, row.detail = STATUS_FAILED, fatal
                if row.status == STATUS_SENT:
                    item = row.outgoing
                    sent[item.key] = {
                        "recipient": item.recipient,
                        "subject": item.subject,
                        "source": item.source,
                        "message_id": message_id(item.key),
                        "sent_at": (now or clock()).isoformat(),
                    }
                    # the disk refuses the record of a message the server took: stop there (what
                    # follows could not be recorded either; sent.json is still written if it can be)
                    then = (
                        f"发送已停止；刚发出的「{item.subject}」（{item.recipient}）可能未记入发送记录 "
                        f"{SENT_LEDGER}，再次发送前请核对，以免重复发送。"
                    )
                    with _writing(journal.path, then):
                        journal.add(item.key, sent[item.key])
            if progress is not None:
                progress(row)
    except PlanFolderError as exc:
        stopped = exc
        raise
    finally:
        connection.close()
        journal.close()
        if journal.path.exists():  # this run's records, or a killed run's
            try:
                with _writing(outbox):
                    _record(outbox, sent)  # the whole ledger, then the journal it now holds can go
                    journal.path.unlink(missing_ok=True)
            except PlanFolderError as exc:
                if stopped is None:
                    raise
                # both refused: the message that may not be recorded is what the office must not lose
                raise PlanFolderError(f"{stopped}\n{exc}") from None


def _send_one(connection: _Connection, row: Row) -> None:
    """Send one message: a dropped connection is retried once on a new one; other refusals are final."""
    message = row.outgoing.message
    assert message is not None
    for attempt in (1, 2):
        try:
            smtp = connection.open()
            refused = _transmit(smtp, message)
        except _Dropped as exc:
            connection.close()
            if attempt == 2:
                if "无法连接" in str(exc):
                    raise _Fatal(str(exc)) from exc
                row.status, row.detail = STATUS_FAILED, f"连接中断：{exc}"
                return
            continue
        if refused:
            row.status, row.detail = STATUS_FAILED, refused
        else:
            row.status, row.detail = STATUS_SENT, ""
        return


def _transmit(smtp: smtplib.SMTP, message: Any) -> str:
    """Hand the message over; return why it was refused ("" when accepted). Raise _Dropped for 421s."""
    try:
        rejected = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = list(exc.recipients.values())
        if any(code == 421 for code, _ in codes):
            raise _Dropped("服务器暂时不可用（421）") from exc
        return "收件人被拒绝：" + "；".join(f"{code} {_text(text)}" for code, text in codes)
    except smtplib.SMTPSenderRefused as exc:
        if exc.smtp_code == 421:
            raise _Dropped("服务器暂时不可用（421）") from exc
        return f"发件人被拒绝：{exc.smtp_code} {_text(exc.smtp_error)}"
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code == 421:
            raise _Dropped("服务器暂时不可用（421）") from exc
        return f"邮件被拒收：{exc.smtp_code} {_text(exc.smtp_error)}"
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
        raise _Dropped(_describe(exc)) from exc
    if rejected:
        return "收件人被拒绝：" + "；".join(f"{code} {_text(text)}" for code, text in rejected.values())
    return ""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "服务器断开了连接"
    if isinstance(exc, OSError):
        return os_reason(exc)
    return str(exc) or type(exc).__name__
