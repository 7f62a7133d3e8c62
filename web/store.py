"""The round registry: a SQLite database in the data folder, the files beside it.

Every id is made here (``r…``, ``w…``, ``v…`` with random hex), so no name from a request ever
reaches the file system. Layout under the data folder::

    registry.sqlite3
    rounds/<rid>/inputs/<wid>.xlsx        each workbook revision (uploads, pins, absences)
    rounds/<rid>/versions/<vid>/          each solve or replan: a plan folder (SPEC §4)

A version that was announced (已发布) is never changed or deleted.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS rounds (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workbooks (
    id TEXT PRIMARY KEY,
    round TEXT NOT NULL REFERENCES rounds(id),
    created TEXT NOT NULL,
    note TEXT NOT NULL,
    problems TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT PRIMARY KEY,
    round TEXT NOT NULL REFERENCES rounds(id),
    workbook TEXT NOT NULL REFERENCES workbooks(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT,
    created TEXT NOT NULL,
    announced TEXT,
    parent TEXT,
    options TEXT NOT NULL,
    summary TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS smtp (
    round TEXT PRIMARY KEY REFERENCES rounds(id),
    settings TEXT NOT NULL
);
"""

# A version's life: queued → running → done | failed | cancelled (| interrupted by a restart).
QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED = (
    "queued",
    "running",
    "done",
    "failed",
    "cancelled",
    "interrupted",
)
FINISHED = frozenset({DONE, FAILED, CANCELLED, INTERRUPTED})


def _now() -> str:
    return datetime.now(tz=UTC).replace(microsecond=0).isoformat()


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(6)


@dataclass(frozen=True)
class Round:
    id: str
    name: str
    created: str


@dataclass(frozen=True)
class Workbook:
    id: str
    round: str
    created: str
    note: str
    problems: list[dict[str, Any]]


@dataclass(frozen=True)
class Version:
    id: str
    round: str
    workbook: str
    kind: str  # "solve" or "replan"
    state: str
    status: str | None  # the plan's status: optimal, feasible, partial, infeasible
    created: str
    announced: str | None  # when it was announced (已发布), if it was
    parent: str | None  # the announced version a replan started from
    options: dict[str, Any]
    summary: dict[str, Any] | None
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "round": self.round,
            "workbook": self.workbook,
            "kind": self.kind,
            "state": self.state,
            "status": self.status,
            "created": self.created,
            "announced": self.announced is not None,
            "announced_at": self.announced,
            "parent": self.parent,
            "options": self.options,
            "summary": self.summary,
            "error": self.error,
        }


class AnnouncedError(Exception):
    """An announced version cannot be changed."""


class Store:
    """The registry; safe to share between threads (one connection per call, writes serialised)."""

    def __init__(self, data: Path) -> None:
        self.data = data.resolve()
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "rounds").mkdir(exist_ok=True)
        self._db = self.data / "registry.sqlite3"
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._db, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock, self._connect() as db:
            db.execute(sql, args)

    # -- places on disk (ids are ours, never a request's text) -------------------------------------

    def round_dir(self, rid: str) -> Path:
        return self.data / "rounds" / rid

    def workbook_path(self, rid: str, wid: str) -> Path:
        return self.round_dir(rid) / "inputs" / f"{wid}.xlsx"

    def versions_dir(self, rid: str) -> Path:
        return self.round_dir(rid) / "versions"

    def version_dir(self, version: Version) -> Path:
        return self.versions_dir(version.round) / version.id

    # -- rounds and workbooks ---------------------------------------------------------------------

    def add_round(self, name: str) -> Round:
        rnd = Round(new_id("r"), name, _now())
        (self.round_dir(rnd.id) / "inputs").mkdir(parents=True)
        self.versions_dir(rnd.id).mkdir()
        self._write("INSERT INTO rounds VALUES (?, ?, ?)", (rnd.id, rnd.name, rnd.created))
        return rnd

    def rename_round(self, rid: str, name: str) -> None:
        self._write("UPDATE rounds SET name = ? WHERE id = ?", (name, rid))

    def rounds(self) -> list[Round]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM rounds ORDER BY created DESC, id").fetchall()
        return [Round(r["id"], r["name"], r["created"]) for r in rows]

    def round(self, rid: str) -> Round | None:
        with self._connect() as db:
            r = db.execute("SELECT * FROM rounds WHERE id = ?", (rid,)).fetchone()
        return Round(r["id"], r["name"], r["created"]) if r else None

    def new_workbook_id(self) -> str:
        return new_id("w")

    def add_workbook(self, rid: str, wid: str, note: str, problems: list[dict[str, Any]]) -> Workbook:
        wb = Workbook(wid, rid, _now(), note, problems)
        self._write(
            "INSERT INTO workbooks VALUES (?, ?, ?, ?, ?)",
            (wb.id, rid, wb.created, note, json.dumps(problems, ensure_ascii=False)),
        )
        return wb

    def workbooks(self, rid: str) -> list[Workbook]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM workbooks WHERE round = ? ORDER BY created, rowid", (rid,)
            ).fetchall()
        return [
            Workbook(r["id"], r["round"], r["created"], r["note"], json.loads(r["problems"])) for r in rows
        ]

    def workbook(self, wid: str) -> Workbook | None:
        with self._connect() as db:
            r = db.execute("SELECT * FROM workbooks WHERE id = ?", (wid,)).fetchone()
        if r is None:
            return None
        return Workbook(r["id"], r["round"], r["created"], r["note"], json.loads(r["problems"]))

    def latest_workbook(self, rid: str) -> Workbook | None:
        books = self.workbooks(rid)
        return books[-1] if books else None

    def sending_dir(self, version: Version) -> Path:
        """Where a version's messages are built and sent from: a copy of its plan folder, so that the
        outbox and its ledger (``sent.json``) grow there and the version itself is never touched."""
        return self.round_dir(version.round) / "sending" / version.id

    def smtp_settings(self, rid: str) -> dict[str, Any] | None:
        """The round's SMTP settings (never a password: that is given with each send)."""
        with self._connect() as db:
            r = db.execute("SELECT settings FROM smtp WHERE round = ?", (rid,)).fetchone()
        return json.loads(r["settings"]) if r else None

    def save_smtp_settings(self, rid: str, settings: dict[str, Any]) -> None:
        assert "password" not in settings
        self._write(
            "INSERT OR REPLACE INTO smtp VALUES (?, ?)", (rid, json.dumps(settings, ensure_ascii=False))
        )

    # -- versions -----------------------------------------------------------------------------------

    def add_version(
        self, rid: str, wid: str, kind: str, options: dict[str, Any], parent: str | None = None
    ) -> Version:
        vid = new_id("v")
        self._write(
            "INSERT INTO versions (id, round, workbook, kind, state, created, parent, options)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (vid, rid, wid, kind, QUEUED, _now(), parent, json.dumps(options, ensure_ascii=False)),
        )
        version = self.version(vid)
        assert version is not None
        return version

    def finish(
        self,
        vid: str,
        state: str,
        *,
        status: str | None = None,
        summary: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        self._write(
            "UPDATE versions SET state = ?, status = ?, summary = ?, error = ?"
            " WHERE id = ? AND announced IS NULL",
            (state, status, json.dumps(summary, ensure_ascii=False) if summary else None, error, vid),
        )

    def set_state(self, vid: str, state: str) -> None:
        self._write("UPDATE versions SET state = ? WHERE id = ? AND announced IS NULL", (state, vid))

    def announce(self, vid: str) -> None:
        self._write("UPDATE versions SET announced = ? WHERE id = ? AND announced IS NULL", (_now(), vid))

    def interrupt_unfinished(self) -> None:
        """After a restart, no solve of an earlier server is still running."""
        self._write(
            "UPDATE versions SET state = ?, error = ? WHERE state IN (?, ?)",
            (INTERRUPTED, "服务重启，编排被中断", QUEUED, RUNNING),
        )

    def version(self, vid: str) -> Version | None:
        with self._connect() as db:
            r = db.execute("SELECT * FROM versions WHERE id = ?", (vid,)).fetchone()
        return _version(r) if r else None

    def versions(self, rid: str) -> list[Version]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM versions WHERE round = ? ORDER BY created DESC, rowid DESC", (rid,)
            ).fetchall()
        return [_version(r) for r in rows]

    def announced(self, rid: str) -> Version | None:
        """The version replans start from: the one announced last."""
        with self._connect() as db:
            r = db.execute(
                "SELECT * FROM versions WHERE round = ? AND announced IS NOT NULL"
                " ORDER BY announced DESC, rowid DESC LIMIT 1",
                (rid,),
            ).fetchone()
        return _version(r) if r else None


def _version(r: sqlite3.Row) -> Version:
    return Version(
        id=r["id"],
        round=r["round"],
        workbook=r["workbook"],
        kind=r["kind"],
        state=r["state"],
        status=r["status"],
        created=r["created"],
        announced=r["announced"],
        parent=r["parent"],
        options=json.loads(r["options"]),
        summary=json.loads(r["summary"]) if r["summary"] else None,
        error=r["error"],
    )
