"""The JSON API of SPEC §7 through FastAPI's test client: tokens, uploads, solve → plan → download →
announce → replan, pins, concurrent solves, cancelling, and a restart on the same data folder.

Solving runs the real solver in worker processes on the built-in sample (time limit 10 s); the
solved round is shared by the tests of this module to keep them few.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.inputs.helpers import base_sheets, write_workbook
from tests.web.conftest import AUTH, TOKEN, make_client, sample_round, solved_version, wait
from web.app import COOKIE, create_app
from web.store import Store


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, dict]]:
    """A sample round solved twice at once (two browser tabs): both versions, and the data folder."""
    data = tmp_path_factory.mktemp("web") / "data"
    with make_client(data) as client:
        rid = sample_round(client)
        versions: list[dict] = []

        def tab() -> None:
            versions.append(solved_version(client, rid))

        tabs = [threading.Thread(target=tab) for _ in range(2)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join()
        yield client, data, {"round": rid, "versions": versions}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- tokens -----------------------------------------------------------------------------------------


def test_every_request_needs_the_token(data: Path) -> None:
    """Without the token, or with a wrong one, the API, the pages and the static files answer 401."""
    with TestClient(create_app(data, TOKEN)) as bare:
        for url in ("/api/rounds", "/", "/static/app.js", "/api/template"):
            assert bare.get(url).status_code == 401, url
        assert bare.post("/api/rounds/sample").status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert bare.get("/api/rounds", headers=wrong).status_code == 401
        assert bare.get("/api/rounds", headers={"Authorization": TOKEN}).status_code == 401
        assert "需要访问令牌" in bare.get("/api/rounds").json()["detail"]
        assert bare.get("/api/rounds", headers=AUTH).status_code == 200


def test_the_page_gets_a_cookie_from_the_token_in_its_address(data: Path) -> None:
    """Visiting /?token=T once sets the cookie and drops the token from the address; a wrong one does not."""
    with TestClient(create_app(data, TOKEN)) as browser:
        assert browser.get("/?token=wrong", follow_redirects=False).status_code == 401
        first = browser.get(f"/?token={TOKEN}", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == "/"
        assert COOKIE in first.cookies
        page = browser.get("/")
        assert page.status_code == 200
        assert "巡查轮次" in page.text
        assert browser.get("/static/app.js").status_code == 200


# -- uploads ----------------------------------------------------------------------------------------


def test_an_upload_with_problems_shows_them_as_a_table(client: TestClient, tmp_path: Path) -> None:
    """A workbook with a bad tier gets the reader's problem (sheet, row, column, value), and no solve."""
    sheets = base_sheets()
    sheets["institutions"][2][3] = "乡镇医院"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    answer = client.post("/api/rounds", files={"workbook": ("方案.xlsx", path.read_bytes())})
    assert answer.status_code == 200
    doc = answer.json()
    problem = next(p for p in doc["problems"] if p["value"] == "乡镇医院")
    assert problem["sheet"] == "institutions"
    assert problem["row"] == 3
    assert problem["column"] == "tier"
    assert problem["expected"]
    refused = client.post(f"/api/rounds/{doc['id']}/solve", json={"time_limit": 10})
    assert refused.status_code == 422
    assert refused.json()["detail"]["problems"] == doc["problems"]
    page = client.get(f"/rounds/{doc['id']}")
    assert "乡镇医院" in page.text and "处问题" in page.text


def test_a_good_upload_is_named_after_its_round(client: TestClient, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "good.xlsx", base_sheets())
    doc = client.post("/api/rounds", files={"workbook": ("x.xlsx", path.read_bytes())}).json()
    assert doc["problems"] == []
    assert client.get(f"/api/rounds/{doc['id']}").json()["name"] == "测试区医疗卫生机构巡查（2025年度）"


@pytest.mark.parametrize(
    "content",
    [b"not a workbook at all", b"PK\x03\x04" + b"\x00" * 200, zipfile.ZipFile.__name__.encode() * 50],
)
def test_a_hostile_upload_gets_a_chinese_problem_not_an_error(
    client: TestClient, data: Path, content
) -> None:
    """Garbage or a broken zip named .xlsx (and a path in the file name) is an input problem; nothing
    is written outside the data folder."""
    answer = client.post("/api/rounds", files={"workbook": ("../../../evil.xlsx", content)})
    assert answer.status_code == 200
    problems = answer.json()["problems"]
    assert problems and all(p["text"] for p in problems)
    assert not (data.parent / "evil.xlsx").exists()
    assert {p.name for p in data.iterdir()} <= {"registry.sqlite3", "rounds"}


def test_an_oversized_upload_is_refused(data: Path) -> None:
    with make_client(data, max_upload=1000) as small:
        answer = small.post("/api/rounds", files={"workbook": ("big.xlsx", b"x" * 5000)})
        assert answer.status_code == 413
        assert "太大" in answer.json()["detail"]
        assert small.get("/api/rounds").json() == []


def test_a_bad_date_is_refused(client: TestClient) -> None:
    rid = sample_round(client)
    answer = client.post(f"/api/rounds/{rid}/solve", json={"today": "明天"})
    assert answer.status_code == 422
    assert "不是有效日期" in answer.json()["detail"]


# -- solve, plan, download, announce ------------------------------------------------------------------


def test_two_solves_at_once_give_two_whole_versions(shared) -> None:
    """Two tabs solving the same round at once: two versions, each its own complete plan folder;
    the same inputs and seed give byte-identical plans."""
    _, data, facts = shared
    first, second = facts["versions"]
    assert first["id"] != second["id"]
    store = Store(data)
    folders = [store.version_dir(store.version(v["id"])) for v in (first, second)]  # type: ignore[arg-type]
    for folder in folders:
        assert (folder / "plan.json").is_file()
        assert (folder / "run.json").is_file()
        assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert (folders[0] / "plan.json").read_bytes() == (folders[1] / "plan.json").read_bytes()


def test_a_solved_version_has_its_plan_summary_and_files(shared) -> None:
    client, _, facts = shared
    vid = facts["versions"][0]["id"]
    doc = client.get(f"/api/versions/{vid}").json()
    assert doc["kind"] == "solve"
    assert doc["status"] in ("optimal", "feasible")
    assert doc["summary"]["scheduled"] > 0
    plan = client.get(f"/api/versions/{vid}/plan").json()
    assert plan["schema"] == "inspection-plan/1"
    assert (
        len([v for v in plan["visits"] if v.get("kind", "visit") == "visit"]) == doc["summary"]["scheduled"]
    )
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/versions/{vid}/download").content))
    names = archive.namelist()
    assert f"{vid}/plan.json" in names and f"{vid}/report.html" in names and f"{vid}/plan.xlsx" in names
    assert json.loads(archive.read(f"{vid}/plan.json")) == plan
    report = client.get(f"/api/versions/{vid}/files/report.html")
    assert report.status_code == 200 and "text/html" in report.headers["content-type"]


def test_events_of_a_finished_version_end_at_once(shared) -> None:
    client, _, facts = shared
    vid = facts["versions"][0]["id"]
    with client.stream("GET", f"/api/versions/{vid}/events") as stream:
        lines = [line for line in stream.iter_lines() if line.startswith("data:")]
    assert json.loads(lines[-1][5:])["state"] == "done"


def test_no_path_from_a_request_reaches_the_file_system(shared) -> None:
    client, _, facts = shared
    vid = facts["versions"][0]["id"]
    for name in (
        "../../../registry.sqlite3",
        "..%2F..%2Fregistry.sqlite3",
        "/etc/passwd",
        "%2E%2E/%2E%2E/registry.sqlite3",
    ):
        assert client.get(f"/api/versions/{vid}/files/{name}").status_code == 404, name
    assert client.get("/api/versions/../registry.sqlite3").status_code == 404
    assert client.get("/api/versions/nope").status_code == 404


def test_the_plan_page_shows_the_plan_in_chinese(shared) -> None:
    client, _, facts = shared
    vid = facts["versions"][0]["id"]
    page = client.get(f"/versions/{vid}").text
    for words in (
        "巡查安排（按机构）",
        "专家日程与工作量",
        "未安排的机构",
        "时间节点",
        "发布此版本",
        "report.html",
    ):
        assert words in page, words


def test_the_outbox_is_made_without_touching_the_version(shared) -> None:
    client, data, facts = shared
    vid = facts["versions"][0]["id"]
    store = Store(data)
    folder = store.version_dir(store.version(vid))  # type: ignore[arg-type]
    answer = client.post(f"/api/versions/{vid}/outbox")
    assert answer.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert "outbox/发送清单.xlsx" in names
    assert any(n.endswith(".eml") for n in names)
    assert not (folder / "outbox").exists()


def test_announce_then_replan_with_an_absent_expert(shared) -> None:
    """Replan needs an announced version; announcing keeps its files; a replan after an expert's
    absence starts from it, lists its changes and leaves the announced plan as it was."""
    client, data, facts = shared
    rid, vid = facts["round"], facts["versions"][0]["id"]
    refused = client.post(f"/api/rounds/{rid}/replan", data={"today": "2025-01-06"})
    assert refused.status_code == 409
    assert client.post(f"/api/versions/{vid}/announce").json()["announced"] is True
    store = Store(data)
    folder = store.version_dir(store.version(vid))  # type: ignore[arg-type]
    before = _sha(folder / "plan.json")
    plan = client.get(f"/api/versions/{vid}/plan").json()
    busy = next(v for v in plan["visits"] if v["start"] > "2025-06-01" and v.get("kind", "visit") == "visit")
    expert = busy["members"][-1]
    answer = client.post(
        f"/api/rounds/{rid}/absent",
        json={"expert": expert, "start": busy["start"], "end": busy["end"], "today": "2025-03-03"},
    )
    assert answer.status_code == 200, answer.text
    doc = wait(client, answer.json()["version"])
    assert doc["state"] == "done", doc
    assert doc["kind"] == "replan" and doc["parent"] == vid
    changes = doc["summary"]["changes"]
    assert any(c["institution"] == busy["institution"] for c in changes)
    replanned = client.get(f"/api/versions/{doc['id']}/plan").json()
    moved = next(
        v for v in replanned["visits"] if v["institution"] == busy["institution"] and v["start"] >= "2025"
    )
    assert expert not in moved["members"] or moved["start"] > busy["end"] or moved["end"] < busy["start"]
    assert _sha(folder / "plan.json") == before
    page = client.get(f"/versions/{doc['id']}").text
    assert "变更清单" in page and "接受调整并发布" in page
    # the same replan through the multipart endpoint with an uploaded workbook
    book = client.get(f"/api/rounds/{rid}/workbooks/{answer.json()['workbook']}").content
    again = client.post(
        f"/api/rounds/{rid}/replan",
        data={"today": "2025-03-03", "time_limit": "10"},
        files={"workbook": ("a.xlsx", book)},
    )
    assert again.status_code == 200, again.text
    assert wait(client, again.json()["version"])["state"] == "done"


def test_pinning_a_visit_writes_a_new_workbook_and_solves_it(shared) -> None:
    """The pin form's values go into the fixed_* columns of a new workbook revision; its solve keeps them."""
    client, _, facts = shared
    rid, vid = facts["round"], facts["versions"][1]["id"]
    plan = client.get(f"/api/versions/{vid}/plan").json()
    visit = next(v for v in plan["visits"] if v.get("kind", "visit") == "visit")
    pin = {"institution": visit["institution"], "start": visit["start"], "leader": visit["leader"]}
    answer = client.post(
        f"/api/versions/{vid}/pin", json={**pin, "members": visit["members"], "time_limit": 10}
    )
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/api/rounds/{rid}/workbooks/{answer.json()['workbook']}").content)
    )
    sheet = book["institutions"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == visit["institution"])
    assert row[header.index("指定开始日期")] == visit["start"]
    assert row[header.index("指定组长")] == visit["leader"]
    assert set(row[header.index("指定成员")].split(";")) == set(visit["members"])
    doc = wait(client, answer.json()["version"])
    assert doc["state"] == "done", doc
    assert doc["parent"] == vid
    pinned = client.get(f"/api/versions/{doc['id']}/plan").json()
    kept = next(
        v
        for v in pinned["visits"]
        if v["institution"] == visit["institution"] and v.get("kind", "visit") == "visit"
    )
    assert (kept["start"], kept["leader"]) == (visit["start"], visit["leader"])
    unknown = client.post(f"/api/versions/{vid}/pin", json={"institution": "NOPE"})
    assert unknown.status_code == 422 and "NOPE" in unknown.json()["detail"]


def test_a_queued_solve_can_be_cancelled(shared) -> None:
    """A running solve (its worker process ended) and one queued behind it (never started) are cancelled."""
    client, _, facts = shared
    rid = facts["round"]
    running = client.post(f"/api/rounds/{rid}/solve", json={"time_limit": 10}).json()["version"]
    queued = client.post(f"/api/rounds/{rid}/solve", json={"time_limit": 10}).json()["version"]
    assert client.post(f"/api/versions/{queued}/cancel").json() == {"cancelled": True}
    assert client.post(f"/api/versions/{running}/cancel").json() == {"cancelled": True}
    assert wait(client, queued)["state"] == "cancelled"
    assert wait(client, running)["state"] == "cancelled"
    assert client.get(f"/api/versions/{running}/plan").status_code == 409
    assert client.post(f"/api/versions/{running}/cancel").status_code == 409


def test_a_restart_finds_every_version_again(shared) -> None:
    """A new app on the same data folder lists the round, its versions and the announced one."""
    client, data, facts = shared
    rid = facts["round"]
    before = client.get(f"/api/rounds/{rid}").json()
    with make_client(data) as again:
        after = again.get(f"/api/rounds/{rid}").json()
        assert [v["id"] for v in after["versions"]] == [v["id"] for v in before["versions"]]
        assert after["announced"] == before["announced"]
        vid = facts["versions"][0]["id"]
        assert again.get(f"/api/versions/{vid}/plan").json() == client.get(f"/api/versions/{vid}/plan").json()


def test_an_unfinished_solve_is_marked_interrupted_after_a_restart(tmp_path: Path) -> None:
    store = Store(tmp_path)
    rnd = store.add_round("轮次")
    book = store.add_workbook(rnd.id, store.new_workbook_id(), "上传", [])
    version = store.add_version(rnd.id, book.id, "solve", {"time_limit": 10, "seed": 0})
    with make_client(tmp_path) as client:
        assert client.get(f"/api/versions/{version.id}").json()["state"] == "interrupted"


def test_send_by_smtp_keeps_the_settings_but_not_the_password(shared) -> None:
    """Sending from the page delivers through SMTP, keeps host/port/user per round but never the
    password, sends nothing twice, and leaves the version folder as it was."""
    from aiosmtpd.controller import Controller

    class Recorder:
        def __init__(self) -> None:
            self.received: list[bytes] = []

        async def handle_DATA(self, server, session, envelope) -> str:
            self.received.append(envelope.content)
            return "250 OK"

    client, data, facts = shared
    vid = facts["versions"][1]["id"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        body = {"host": "127.0.0.1", "port": port, "security": "plain", "sender": "xunchaban@example.gov.cn"}
        first = client.post(f"/api/versions/{vid}/send", json=body).json()
        assert first["sent"] == len(recorder.received) > 0
        assert first["failed"] == 0
        again = client.post(f"/api/versions/{vid}/send", json=body).json()
        assert again["sent"] == 0 and again["already"] == first["sent"]
        with_login = client.post(
            f"/api/versions/{vid}/send", json={**body, "user": "u", "password": "pw-secret"}
        )
        assert with_login.status_code == 200
    finally:
        controller.stop()
    settings = client.get(f"/api/rounds/{facts['round']}/smtp").json()
    assert settings["host"] == "127.0.0.1" and settings["port"] == port
    assert "password" not in settings
    store = Store(data)
    assert not (store.version_dir(store.version(vid)) / "outbox").exists()  # type: ignore[arg-type]
    assert settings["user"] == "u"
    assert b"pw-secret" not in (data / "registry.sqlite3").read_bytes()
    half = client.post(f"/api/versions/{vid}/send", json={**body, "user": "u"})
    assert half.status_code == 422


def test_the_page_s_errors_are_chinese(client: TestClient) -> None:
    """Starlette's and pydantic's own answers (Not Found, Method Not Allowed, Input should be …) reach a
    planner in Chinese; the field stays named by ``loc`` for the page."""
    assert client.get("/api/nothing-here").json()["detail"] == "没有这个页面或文件。"
    rid = sample_round(client)
    assert client.get(f"/api/rounds/{rid}/solve").json()["detail"] == "不支持这种请求方式。"
    answer = client.post(f"/api/rounds/{rid}/solve", json={"time_limit": 0})
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"][-1] == "time_limit" and error["msg"] == "应不小于 1"
    answer = client.post(f"/api/rounds/{rid}/solve", json={"time_limit": "很久"})
    assert answer.json()["detail"][0]["msg"] == "应为数字"
