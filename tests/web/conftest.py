"""A web app on a fresh data folder, a client carrying the token, and a helper that waits for a version."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from web.app import create_app

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_client(data: Path, **options) -> TestClient:
    return TestClient(create_app(data, TOKEN, **options), headers=AUTH)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(data: Path) -> Iterator[TestClient]:
    with make_client(data) as c:
        yield c


def wait(client: TestClient, vid: str, timeout: float = 180.0) -> dict:
    """Poll the version until its solve has finished (a safety net, not a timing assertion)."""
    give_up = time.monotonic() + timeout
    while True:
        doc = client.get(f"/api/versions/{vid}").json()
        if doc["state"] not in ("queued", "running"):
            return doc
        assert time.monotonic() < give_up, f"version {vid} did not finish: {doc}"
        time.sleep(0.2)


def sample_round(client: TestClient) -> str:
    answer = client.post("/api/rounds/sample")
    assert answer.status_code == 200, answer.text
    assert answer.json()["problems"] == []
    return answer.json()["id"]


def solved_version(client: TestClient, rid: str, **options) -> dict:
    answer = client.post(f"/api/rounds/{rid}/solve", json={"time_limit": 10, "seed": 0, **options})
    assert answer.status_code == 200, answer.text
    doc = wait(client, answer.json()["version"])
    assert doc["state"] == "done", doc
    return doc
