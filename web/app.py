"""The FastAPI application of ``schedule serve`` (SPEC §7): the pages and the JSON API.

It reads, solves, replans, writes and sends through the same layers as the CLI and adds no rule of
its own. Every request needs the session token (``Authorization: Bearer T``, or the cookie the page
gets by visiting ``/?token=T`` once); uploads are size-limited; the file system only ever sees ids
made by :mod:`web.store`.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from outputs.clean import printable
from outputs.folder import recover_leftovers
from web.jobs import Jobs
from web.store import DONE, FINISHED, Store, Version
from web.workbooks import EditError, mark_absent, pin_visit, sample_workbook
from web.worker import problem_rows

HERE = Path(__file__).resolve().parent
COOKIE = "planner_token"
MAX_UPLOAD = 20 * 1024 * 1024
STATE_LABELS = {
    "queued": "排队中",
    "running": "编排中",
    "done": "完成",
    "failed": "失败",
    "cancelled": "已取消",
    "interrupted": "已中断",
}
STATUS_LABELS = {"optimal": "最优", "feasible": "可行", "partial": "部分", "infeasible": "无解"}
KIND_LABELS = {"solve": "编排", "replan": "调整"}


class SolveRequest(BaseModel):
    time_limit: float = Field(60.0, ge=1, le=3600)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    today: str | None = None


class PinRequest(BaseModel):
    institution: str = Field(min_length=1, max_length=100)
    start: str | None = None
    leader: str | None = Field(None, max_length=100)
    members: list[str] = Field(default_factory=list, max_length=100)
    time_limit: float = Field(60.0, ge=1, le=3600)
    seed: int = Field(0, ge=0, le=2**31 - 1)


class AbsentRequest(BaseModel):
    expert: str = Field(min_length=1, max_length=100)
    start: str
    end: str
    reason: str = Field("", max_length=200)
    today: str
    time_limit: float = Field(60.0, ge=1, le=3600)
    seed: int = Field(0, ge=0, le=2**31 - 1)


class SendRequest(BaseModel):
    host: str = Field(min_length=1, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["plain", "starttls", "ssl"] = "starttls"
    user: str | None = Field(None, max_length=255)
    password: str | None = Field(None, max_length=1000)  # used for this send only, never stored
    sender: str | None = Field(None, max_length=255)


def _day(value: str | None, what: str) -> date | None:
    from inputs.cells import CellError, day

    if value is None or not str(value).strip():
        return None
    try:
        return day(value)
    except CellError:
        raise HTTPException(422, f"{what}“{printable(str(value))}”不是有效日期，应如 2024-11-18。") from None


# Starlette's default answers, and what a validation error's type means, as the page says them.
_HTTP_WORDS = {
    "Not Found": "没有这个页面或文件。",
    "Method Not Allowed": "不支持这种请求方式。",
    "Bad Request": "请求有误。",
    "Internal Server Error": "服务器内部错误。",
}
_VALIDATION_WORDS = {
    "missing": "必须填写",
    "float_parsing": "应为数字",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为是或否",
    "string_type": "应为文字",
    "json_invalid": "不是有效的 JSON",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "literal_error": "应为以下之一：{expected}",
    "string_too_short": "不能为空",
    "string_too_long": "太长（至多 {max_length} 个字）",
    "too_long": "太多（至多 {max_length} 项）",
}


def _expected(error: Mapping[str, Any]) -> str:
    if error.get("type") == "value_error":  # a validator's own words
        return str(error.get("msg", "")).removeprefix("Value error, ") or "值无效"
    words = _VALIDATION_WORDS.get(str(error.get("type")), "值无效")
    ctx = {
        k: int(v) if isinstance(v, float) and v.is_integer() else v
        for k, v in (error.get("ctx") or {}).items()
    }
    try:
        return words.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return words.split("{", 1)[0].rstrip("：") or "值无效"


def create_app(data: Path, token: str, *, max_upload: int = MAX_UPLOAD) -> FastAPI:
    store = Store(data)
    jobs = Jobs(store)
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    store.interrupt_unfinished()
    for rnd in store.rounds():
        if store.versions_dir(rnd.id).is_dir():
            recover_leftovers(store.versions_dir(rnd.id))

    app = FastAPI(title="巡查计划编排", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.jobs = jobs
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def _valid(given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), token.encode())

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        header = request.headers.get("authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        query = request.query_params.get("token")
        if request.method == "GET" and not request.url.path.startswith("/api/") and _valid(query):
            response: Response = RedirectResponse(request.url.path, status_code=303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return response
        if not (_valid(bearer) or _valid(request.cookies.get(COOKIE))):
            text = (
                "需要访问令牌：请打开 schedule serve 打印的地址（带 ?token=…），"
                "或在请求中带上 Authorization: Bearer 令牌。"
            )
            if request.url.path.startswith("/api/"):
                return JSONResponse({"detail": text}, status_code=401)
            page = f"<!doctype html><meta charset=utf-8><title>需要令牌</title><p>{text}</p>"
            return HTMLResponse(page, 401)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_upload:
            return _too_large(max_upload)
        return await call_next(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Starlette's own answers (Not Found, Method Not Allowed) in Chinese; ours are already."""
        detail = _HTTP_WORDS.get(exc.detail, exc.detail) if isinstance(exc.detail, str) else exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A form or body field the page cannot take: where, and what is expected, in Chinese (the page
        names the field from ``loc``)."""
        errors = [{"loc": e.get("loc", ()), "msg": _expected(e), "type": e.get("type")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    # -- helpers ---------------------------------------------------------------------------------

    def _round(rid: str):
        rnd = store.round(rid)
        if rnd is None:
            raise HTTPException(404, "没有这个巡查轮次。")
        return rnd

    def _version(vid: str) -> Version:
        version = store.version(vid)
        if version is None:
            raise HTTPException(404, "没有这个版本。")
        return version

    def _plan_dir(version: Version) -> Path:
        folder = store.version_dir(version)
        if version.state != DONE or not (folder / "plan.json").is_file():
            raise HTTPException(409, "这个版本还没有计划（编排未完成或失败）。")
        return folder

    async def _upload(file: UploadFile) -> bytes:
        content = await file.read(max_upload + 1)
        if len(content) > max_upload:
            raise HTTPException(413, f"上传的文件太大：上限 {max_upload // (1024 * 1024)} MB。")
        return content

    def _check(path: Path) -> tuple[list[dict[str, Any]], str | None]:
        """The input check of a workbook: its problems (as the CLI reports them) and the round's name."""
        from inputs.calendar import UnknownYearError
        from inputs.errors import InputError
        from inputs.reader import read_scenario

        try:
            scenario = read_scenario(path)
        except InputError as exc:
            rows = problem_rows(exc.problems)
            for row in rows:  # the stored file's name is ours, not the planner's: call it the workbook
                if row["sheet"] == path.name:
                    row["sheet"] = "工作簿"
                    row["text"] = row["text"].replace(path.name, "工作簿")
            return rows, None
        except UnknownYearError as exc:
            return [_sheet_problem(f"日历未知：{exc}")], None
        except Exception:  # a file no reader can open is an input problem, not a server error
            return [_sheet_problem("无法读取该文件：请上传 .xlsx 工作簿")], None
        return [], scenario.params.name

    def _new_workbook(rid: str, content: bytes | None, note: str, fill: Callable[[Path], None] | None = None):
        wid = store.new_workbook_id()
        path = store.workbook_path(rid, wid)
        if content is not None:
            path.write_bytes(content)
        elif fill is not None:
            fill(path)
        problems, name = _check(path)
        return store.add_workbook(rid, wid, note, problems), name

    def _start(version: Version, kind: str, options: dict[str, Any], baseline: Version | None = None) -> None:
        job = {
            "kind": kind,
            "scenario": str(store.workbook_path(version.round, version.workbook)),
            "out": str(store.version_dir(version)),
            "time_limit": options["time_limit"],
            "seed": options["seed"],
            "today": options.get("today"),
            "baseline": str(store.version_dir(baseline)) if baseline else None,
        }
        jobs.start(version, job)

    def _solve(rid: str, body: SolveRequest) -> Version:
        workbook = store.latest_workbook(rid)
        if workbook is None:
            raise HTTPException(409, "这个轮次还没有工作簿。")
        if workbook.problems:
            raise HTTPException(422, _bad(workbook.problems))
        today = _day(body.today, "发布日")
        options = {
            "time_limit": body.time_limit,
            "seed": body.seed,
            "today": today.isoformat() if today else None,
        }
        version = store.add_version(rid, workbook.id, "solve", options)
        _start(version, "solve", options)
        return version

    def _replan(rid: str, wid: str, today: date, time_limit: float, seed: int) -> Version:
        baseline = store.announced(rid)
        if baseline is None:
            raise HTTPException(409, "还没有已发布的版本：请先发布一个版本，调整以它为基础。")
        options = {"time_limit": time_limit, "seed": seed, "today": today.isoformat()}
        version = store.add_version(rid, wid, "replan", options, parent=baseline.id)
        _start(version, "replan", options, baseline)
        return version

    def _files(folder: Path) -> dict[str, Path]:
        """Every file of a plan folder by its relative name: a request names one of these, nothing else."""
        return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}

    def _zip(folder: Path, prefix: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in _files(folder).items():
                archive.write(path, f"{prefix}/{name}")
        return buffer.getvalue()

    def _zip_response(content: bytes, name: str) -> Response:
        return Response(
            content,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- JSON API -----------------------------------------------------------------------------------

    @app.post("/api/rounds")
    async def create_round(workbook: Annotated[UploadFile, File()]) -> dict[str, Any]:
        content = await _upload(workbook)
        rnd = store.add_round(_display_name(workbook.filename))
        book, name = _new_workbook(rnd.id, content, "上传的工作簿")
        if name:
            store.rename_round(rnd.id, name)
        return {"id": rnd.id, "workbook": book.id, "problems": book.problems}

    @app.post("/api/rounds/sample")
    def create_sample() -> dict[str, Any]:
        from inputs.sample import SAMPLE_DIR

        rnd = store.add_round("内置示例")
        book, name = _new_workbook(rnd.id, None, "内置示例", lambda p: sample_workbook(SAMPLE_DIR, p))
        if name:
            store.rename_round(rnd.id, name)
        return {"id": rnd.id, "workbook": book.id, "problems": book.problems}

    @app.get("/api/rounds")
    def list_rounds() -> list[dict[str, Any]]:
        return [{"id": r.id, "name": r.name, "created": r.created} for r in store.rounds()]

    @app.get("/api/rounds/{rid}")
    def get_round(rid: str) -> dict[str, Any]:
        rnd = _round(rid)
        announced = store.announced(rid)
        return {
            "id": rnd.id,
            "name": rnd.name,
            "created": rnd.created,
            "workbooks": [
                {"id": w.id, "created": w.created, "note": w.note, "problems": w.problems}
                for w in store.workbooks(rid)
            ],
            "versions": [v.as_json() for v in store.versions(rid)],
            "announced": announced.id if announced else None,
        }

    @app.post("/api/rounds/{rid}/workbook")
    async def add_workbook(rid: str, workbook: Annotated[UploadFile, File()]) -> dict[str, Any]:
        _round(rid)
        content = await _upload(workbook)
        book, _ = _new_workbook(rid, content, "上传的修改版工作簿")
        return {"workbook": book.id, "problems": book.problems}

    @app.get("/api/rounds/{rid}/workbooks/{wid}")
    def download_workbook(rid: str, wid: str) -> FileResponse:
        book = store.workbook(wid)
        if book is None or book.round != _round(rid).id:
            raise HTTPException(404, "没有这个工作簿。")
        return FileResponse(store.workbook_path(rid, wid), filename=f"{wid}.xlsx")

    @app.post("/api/rounds/{rid}/solve")
    def solve(rid: str, body: SolveRequest | None = None) -> dict[str, Any]:
        _round(rid)
        version = _solve(rid, body or SolveRequest.model_validate({}))
        return {"version": version.id}

    @app.post("/api/rounds/{rid}/replan")
    async def replan(
        rid: str,
        today: Annotated[str, Form()],
        workbook: Annotated[UploadFile | None, File()] = None,
        time_limit: Annotated[float, Form(ge=1, le=3600)] = 60.0,
        seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    ) -> dict[str, Any]:
        _round(rid)
        day = _day(today, "调整日期")
        assert day is not None
        if store.announced(rid) is None:
            raise HTTPException(409, "还没有已发布的版本：请先发布一个版本，调整以它为基础。")
        if workbook is not None and workbook.filename:
            book, _ = _new_workbook(rid, await _upload(workbook), "调整用的工作簿")
        else:
            latest = store.latest_workbook(rid)
            if latest is None:
                raise HTTPException(409, "这个轮次还没有工作簿。")
            book = latest
        if book.problems:
            raise HTTPException(422, _bad(book.problems))
        version = _replan(rid, book.id, day, time_limit, seed)
        return {"version": version.id, "workbook": book.id}

    @app.post("/api/rounds/{rid}/absent")
    def absent(rid: str, body: AbsentRequest) -> dict[str, Any]:
        _round(rid)
        start, end = _day(body.start, "开始日期"), _day(body.end, "结束日期")
        today = _day(body.today, "调整日期")
        assert start is not None and end is not None and today is not None
        if end < start:
            raise HTTPException(422, "结束日期早于开始日期。")
        baseline = store.announced(rid)
        if baseline is None:
            raise HTTPException(409, "还没有已发布的版本：请先发布一个版本，调整以它为基础。")
        source = store.workbook_path(rid, baseline.workbook)
        try:
            book, _ = _new_workbook(
                rid,
                None,
                f"专家 {body.expert} 不可用 {start.isoformat()} 至 {end.isoformat()}",
                lambda p: mark_absent(source, p, body.expert, start, end, body.reason or "临时不可用"),
            )
        except EditError as exc:
            raise HTTPException(422, str(exc)) from None
        if book.problems:
            raise HTTPException(422, {"message": "修改后的工作簿有误。", "problems": book.problems})
        version = _replan(rid, book.id, today, body.time_limit, body.seed)
        return {"version": version.id, "workbook": book.id}

    @app.get("/api/versions/{vid}")
    def get_version(vid: str) -> dict[str, Any]:
        return _version(vid).as_json()

    @app.get("/api/versions/{vid}/events")
    async def events(vid: str) -> StreamingResponse:
        _version(vid)

        async def stream() -> AsyncIterator[str]:
            sent = 0
            idle = 0
            while True:
                record = jobs.get(vid)
                if record is None:
                    version = store.version(vid)
                    state = version.state if version else "failed"
                    doc = {"event": "end", "state": state, "status": version.status if version else None}
                    yield _sse(doc)
                    return
                fresh = record.events[sent:]
                for event in fresh:
                    yield _sse(event)
                sent += len(fresh)
                if record.finished and sent >= len(record.events):
                    return
                idle = 0 if fresh else idle + 1
                if idle >= 40:
                    idle = 0
                    yield ": 保持连接\n\n"
                await asyncio.sleep(0.25)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.post("/api/versions/{vid}/cancel")
    def cancel(vid: str) -> dict[str, Any]:
        version = _version(vid)
        if version.state in FINISHED:
            raise HTTPException(409, "这个版本的编排已经结束。")
        return {"cancelled": jobs.cancel(vid)}

    @app.get("/api/versions/{vid}/plan")
    def plan(vid: str) -> Response:
        folder = _plan_dir(_version(vid))
        return Response((folder / "plan.json").read_bytes(), media_type="application/json")

    @app.get("/api/versions/{vid}/download")
    def download(vid: str) -> Response:
        version = _version(vid)
        return _zip_response(_zip(_plan_dir(version), version.id), f"plan-{version.id}.zip")

    @app.get("/api/versions/{vid}/files")
    def files(vid: str) -> list[str]:
        return list(_files(_plan_dir(_version(vid))))

    @app.get("/api/versions/{vid}/files/{name:path}")
    def file(vid: str, name: str) -> FileResponse:
        path = _files(_plan_dir(_version(vid))).get(name)
        if path is None:
            raise HTTPException(404, "计划文件夹中没有这个文件。")
        if path.suffix == ".html":
            return FileResponse(path, media_type="text/html; charset=utf-8")
        return FileResponse(path, filename=path.name)

    @app.post("/api/versions/{vid}/announce")
    def announce(vid: str) -> dict[str, Any]:
        version = _version(vid)
        _plan_dir(version)
        store.announce(vid)
        return _version(vid).as_json()

    @app.post("/api/versions/{vid}/pin")
    def pin(vid: str, body: PinRequest) -> dict[str, Any]:
        version = _version(vid)
        _plan_dir(version)
        start = _day(body.start, "开始日期")
        members = [m.strip() for m in body.members if m.strip()]
        if body.leader and body.leader.strip() and body.leader.strip() not in members:
            members.insert(0, body.leader.strip())
        source = store.workbook_path(version.round, version.workbook)
        try:
            book, _ = _new_workbook(
                version.round,
                None,
                f"指定 {body.institution} 的巡查安排",
                lambda p: pin_visit(
                    source,
                    p,
                    body.institution,
                    start=start,
                    leader=(body.leader or "").strip(),
                    members=members,
                ),
            )
        except EditError as exc:
            raise HTTPException(422, str(exc)) from None
        if book.problems:
            raise HTTPException(422, {"message": "指定的安排有误。", "problems": book.problems})
        options = {"time_limit": body.time_limit, "seed": body.seed, "today": version.options.get("today")}
        new = store.add_version(version.round, book.id, "solve", options, parent=version.id)
        _start(new, "solve", options)
        return {"version": new.id, "workbook": book.id}

    @app.post("/api/versions/{vid}/outbox")
    def outbox(vid: str) -> Response:
        """``schedule send`` without SMTP on a copy of the plan folder: the outbox as a zip."""
        from outputs.mail import PlanFolderError
        from outputs.send import deliver

        version = _version(vid)
        folder = _plan_dir(version)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / version.id
            shutil.copytree(folder, copy)
            try:
                deliver(copy)
            except PlanFolderError as exc:
                raise HTTPException(409, str(exc)) from None
            if not (copy / "outbox").is_dir():
                raise HTTPException(409, "没有需要发送的邮件。")
            content = _zip(copy / "outbox", "outbox")
        return _zip_response(content, f"outbox-{version.id}.zip")

    def _sending_copy(version: Version) -> Path:
        folder = _plan_dir(version)
        copy = store.sending_dir(version)
        if not copy.is_dir():
            copy.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".copy-", dir=copy.parent))
            shutil.copytree(folder, tmp / "plan")
            (tmp / "plan").rename(copy)
            shutil.rmtree(tmp, ignore_errors=True)
        return copy

    @app.get("/api/rounds/{rid}/smtp")
    def smtp_settings(rid: str) -> dict[str, Any]:
        _round(rid)
        return store.smtp_settings(rid) or {}

    @app.post("/api/versions/{vid}/send")
    def send(vid: str, body: SendRequest) -> dict[str, Any]:
        """``schedule send --smtp`` from the page: the round keeps the settings, never the password;
        the ledger of what was sent lives beside the version, so a second send sends nothing twice."""
        from outputs.mail import PlanFolderError
        from outputs.send import (
            DEFAULT_PORTS,
            STATUS_ALREADY,
            STATUS_FAILED,
            STATUS_NO_ADDRESS,
            STATUS_SENT,
            SmtpOptions,
            deliver,
        )

        version = _version(vid)
        settings = body.model_dump(exclude={"password"})
        store.save_smtp_settings(version.round, settings)
        port = body.port or DEFAULT_PORTS[body.security]
        if bool(body.user) != bool(body.password):
            raise HTTPException(422, "用户名和密码须同时填写（或都不填）。")
        options = SmtpOptions(body.host, port, body.security, body.user or None, body.password or None)
        try:
            report = deliver(_sending_copy(version), smtp=options, sender=body.sender or None)
        except PlanFolderError as exc:
            raise HTTPException(409, str(exc)) from None
        counts = {
            "sent": report.count(STATUS_SENT),
            "already": report.count(STATUS_ALREADY),
            "failed": report.count(STATUS_FAILED),
            "no_address": report.count(STATUS_NO_ADDRESS),
        }
        failures = [
            {"recipient": r.outgoing.recipient, "subject": r.outgoing.subject, "detail": r.detail}
            for r in report.failed
        ]
        return {**counts, "failures": failures}

    @app.get("/api/template")
    def template() -> FileResponse:
        from outputs.template import write_template

        tmp = Path(tempfile.mkdtemp())
        path = tmp / "template.xlsx"
        write_template(path)
        return FileResponse(
            path,
            filename="巡查方案模板.xlsx",
            background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
        )

    # -- pages ------------------------------------------------------------------------------------

    def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
        context.update(state_labels=STATE_LABELS, status_labels=STATUS_LABELS, kind_labels=KIND_LABELS)
        return templates.TemplateResponse(request, name, context)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return _page(request, "index.html", rounds=store.rounds())

    @app.get("/rounds/{rid}", response_class=HTMLResponse)
    def round_page(request: Request, rid: str) -> HTMLResponse:
        rnd = _round(rid)
        announced = store.announced(rid)
        return _page(
            request,
            "round.html",
            round=rnd,
            workbooks=store.workbooks(rid),
            latest=store.latest_workbook(rid),
            versions=store.versions(rid),
            announced=announced,
        )

    @app.get("/versions/{vid}", response_class=HTMLResponse)
    def version_page(request: Request, vid: str) -> HTMLResponse:
        from web.views import plan_view

        version = _version(vid)
        rnd = _round(version.round)
        view = None
        folder = store.version_dir(version)
        if version.state == DONE and (folder / "plan.json").is_file():
            view = plan_view(folder)
        return _page(
            request,
            "version.html",
            round=rnd,
            version=version,
            view=view,
            files=list(_files(folder)) if view else [],
            announced=store.announced(rnd.id),
            smtp=store.smtp_settings(rnd.id) or {},
        )

    return app


def _sse(event: dict[str, Any]) -> str:
    name = event.get("event", "message")
    return f"event: {name}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"


def _sheet_problem(text: str) -> dict[str, Any]:
    empty = dict.fromkeys(("row", "column", "value", "expected"))
    return {"sheet": "工作簿", **empty, "reason": text, "text": text}


def _bad(problems: list[dict[str, Any]]) -> dict[str, Any]:
    return {"message": "工作簿有误，请先修改后重新上传。", "problems": problems}


def _display_name(filename: str | None) -> str:
    text = printable(Path(filename or "").stem)[:100].strip()
    return text or "未命名巡查轮次"


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"上传的文件太大：上限 {limit // (1024 * 1024)} MB。"}, status_code=413)
