"""``schedule serve`` as a planner starts it: prints its address with the token and serves the API."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_serve_prints_its_address_and_needs_the_token(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from cli import main; main()", "serve", "--no-browser", "--port", "0"]
    command += ["--token", "T0K", "--data", str(tmp_path / "data")]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=T0K", line)
        assert match, line
        base = match.group(1)
        for _ in range(200):  # the socket is bound before the line is printed; the app starts just after
            try:
                answer = httpx.get(f"{base}/api/rounds", headers={"Authorization": "Bearer T0K"}, timeout=10)
                break
            except httpx.ConnectError:
                assert process.poll() is None
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
        assert answer.status_code == 200 and answer.json() == []
        assert httpx.get(f"{base}/api/rounds", timeout=10).status_code == 401
        page = httpx.get(f"{base}/?token=T0K", timeout=10, follow_redirects=True)
        assert page.status_code == 200 and "巡查轮次" in page.text
        assert (tmp_path / "data" / "registry.sqlite3").is_file()
    finally:
        process.terminate()
        process.wait(30)
