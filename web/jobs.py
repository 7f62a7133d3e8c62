"""Solves and replans in worker processes: one at a time per round, each into its own version folder.

A job's thread waits for its round's lock, starts ``python -m web.worker`` and reads the events it
prints; the page follows them as server-sent events. Cancelling ends the worker process (CP-SAT
stops with it); a half-written folder it leaves is cleared by ``outputs.folder.recover_leftovers``.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outputs.folder import recover_leftovers
from web.store import CANCELLED, DONE, FAILED, RUNNING, Store, Version


@dataclass
class Job:
    version: str
    events: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = False
    cancelled: bool = False
    process: subprocess.Popen[str] | None = None


class Jobs:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._jobs: dict[str, Job] = {}
        self._round_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, version: Version, job: dict[str, Any]) -> Job:
        record = Job(version.id)
        with self._lock:
            self._jobs[version.id] = record
        thread = threading.Thread(target=self._run, args=(version, job, record), daemon=True)
        self._threads.append(thread)
        thread.start()
        return record

    def get(self, vid: str) -> Job | None:
        with self._lock:
            return self._jobs.get(vid)

    def cancel(self, vid: str) -> bool:
        record = self.get(vid)
        if record is None or record.finished:
            return False
        record.cancelled = True
        if record.process is not None:
            with contextlib.suppress(ProcessLookupError):
                record.process.terminate()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every job started so far (tests, shutdown)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def shutdown(self) -> None:
        with self._lock:
            records = list(self._jobs.values())
        for record in records:
            if not record.finished:
                self.cancel(record.version)
        self.wait(10)

    def _run(self, version: Version, job: dict[str, Any], record: Job) -> None:
        store = self.store
        with self._round_locks[version.round]:
            if record.cancelled:
                store.finish(version.id, CANCELLED, error="已取消")
                record.events.append({"event": "end", "state": CANCELLED})
                record.finished = True
                return
            store.set_state(version.id, RUNNING)
            record.events.append({"event": "start"})
            last = self._work(job, record)
            state: str
            summary: dict[str, Any] | None
            error: str | None
            recover_leftovers(store.versions_dir(version.round))
            if record.cancelled:
                state, summary, error = CANCELLED, None, "已取消"
            elif last is None:
                state, summary, error = FAILED, None, "编排进程意外结束"
            elif last["event"] == "done":
                state, summary, error = str(last["state"]), last.get("summary"), last.get("message")
            elif last["event"] == "problems":
                state, summary, error = FAILED, {"problems": last["problems"]}, "输入有误"
            else:
                state, summary, error = FAILED, None, str(last.get("message", "编排出错"))
            status: str | None = summary.get("status") if summary and state == DONE else None
            store.finish(version.id, state, status=status, summary=summary, error=error)
            record.events.append({"event": "end", "state": state, "status": status, "error": error})
            record.finished = True

    def _work(self, job: dict[str, Any], record: Job) -> dict[str, Any] | None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
            json.dump(job, handle, ensure_ascii=False)
        job_file = Path(handle.name)
        last = None
        try:
            record.process = subprocess.Popen(
                [sys.executable, "-m", "web.worker", str(job_file)],
                stdout=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                cwd=str(Path(__file__).resolve().parent.parent),
            )
            if record.cancelled:
                record.process.terminate()
            assert record.process.stdout is not None
            for line in record.process.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "progress":
                    record.events.append(event)
                else:
                    last = event
            record.process.wait()
        finally:
            job_file.unlink(missing_ok=True)
        return last
