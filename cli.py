"""The front door: ``schedule solve | validate | replan | template``.

Parses options, calls the layers, maps outcomes to the exit codes of SPEC §5:
0 every institution scheduled; 1 unexpected error; 2 wrong usage; 3 bad input
or an unknown calendar year (nothing written); 4 partial plan written; 5 no plan
found in the time limit.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INPUT, EXIT_PARTIAL, EXIT_NO_PLAN = 0, 1, 2, 3, 4, 5

app = typer.Typer(
    help="巡查计划编排工具：读取巡查方案工作簿，编排专家组与巡查日程，输出计划、日历邀请、公告和报告。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

TimeLimitOption = Annotated[float, typer.Option("--time-limit", min=1, help="求解时间上限（秒）")]
SeedOption = Annotated[int, typer.Option("--seed", help="随机种子：相同输入和种子得到相同计划")]
JsonOption = Annotated[bool, typer.Option("--json", help="在标准输出打印一份 JSON 结果")]
WorkersOption = Annotated[int, typer.Option("--workers", min=1, help="求解线程数")]


def _alarm(title: str, rest: str = "") -> None:
    """A line on stderr whose ``title`` stands out; ``rest`` is printed as it is (no markup)."""
    err.print(Text.assemble((title, "bold red"), rest))


def tool_version() -> str:
    try:
        return version("inspection-planner")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _read(path: Path | None):
    """Read a scenario, or report every input problem and exit 3."""
    from inputs.calendar import UnknownYearError
    from inputs.errors import InputError
    from inputs.reader import read_scenario
    from inputs.sample import SAMPLE_DIR

    source = path if path is not None else SAMPLE_DIR
    try:
        return read_scenario(source)
    except InputError as exc:
        _alarm("输入有误", f"（{source}），共 {len(exc.problems)} 处，未写出任何文件：")
        for problem in exc.problems:
            err.print(f"  · {problem}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None
    except UnknownYearError as exc:
        _alarm("日历未知", f"：{exc}")
        raise typer.Exit(EXIT_INPUT) from None


def _progress(quiet: bool):
    last = [0.0]

    def show(elapsed: float, objective: float, bound: float) -> None:
        if quiet or (elapsed - last[0] < 0.5 and last[0] > 0):
            return
        last[0] = elapsed
        err.print(f"  已用 {elapsed:5.1f} 秒  当前最优目标 {objective:g}  下界 {bound:g}", markup=False)

    return show


def _precheck(scenario) -> None:
    """Report, before solving, what cannot work whatever the plan (issue: explain impossible rounds)."""
    from scheduler.diagnose import describe, diagnose

    diagnosis = diagnose(scenario)
    if diagnosis.blocked:
        err.print(f"预检：{len(diagnosis.blocked)} 家机构无论如何都无法安排：", markup=False)
    seen: set[str] = set()
    for findings in diagnosis.blocked.values():
        for finding in findings:
            line = describe(finding)
            if line not in seen:
                seen.add(line)
                err.print(f"  · {line}", markup=False)
    for finding in diagnosis.shortfalls:
        err.print(f"预检：{describe(finding)}", markup=False)


def _calendar_sources(scenario) -> str:
    years = range(scenario.params.start.year, scenario.params.deadline.year + 1)
    return "；".join(f"{y} 年：{scenario.calendar.source(y)}" for y in years)


def _facts(scenario, result) -> dict[str, str]:
    return {
        "状态": result.plan.status,
        "目标值": json.dumps(result.objective, ensure_ascii=False),
        "下界": json.dumps(result.bound, ensure_ascii=False),
        "求解用时（秒）": f"{result.wall_time:.1f}",
        "节假日数据来源": _calendar_sources(scenario),
        "工具版本": tool_version(),
    }


def _summary_doc(result, out: Path | None, code: int) -> dict:
    plan = result.plan
    return {
        "status": plan.status,
        "exit_code": code,
        "out": str(out) if out else None,
        "scheduled": len(plan.visits),
        "unscheduled": [
            {"institution": u.institution, "rule": u.rule, "reasons": list(u.reasons)}
            for u in plan.unscheduled
        ],
        "exempt": list(plan.exempt),
        "objective": result.objective,
        "bound": result.bound,
        "solve_seconds": round(result.wall_time, 2),
    }


@app.command(help="编排巡查计划。不给 SCENARIO 时编排内置示例（巴南区 2024–2026 年度巡查）。")
def solve(
    scenario: Annotated[
        Path | None, typer.Argument(help="输入：.xlsx 工作簿或 CSV 文件夹", show_default=False)
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")] = Path("巡查计划"),
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workers: WorkersOption = 2,
) -> None:
    from outputs.folder import write_plan_folder
    from scheduler.solve import solve as run_solve

    started = time.monotonic()
    data = _read(scenario)
    err.print(
        f"正在编排：{data.params.name}（{len(data.institutions)} 家机构，{len(data.experts)} 名专家），"
        f"时限 {time_limit:g} 秒",
        markup=False,
    )
    _precheck(data)
    result = run_solve(data, time_limit=time_limit, seed=seed, workers=workers, progress=_progress(False))
    plan = result.plan
    code = _exit_code(plan)
    if code != EXIT_NO_PLAN:
        _write(out, lambda: write_plan_folder(data, plan, out, facts=_facts(data, result)))
    err.print(result.summary(), markup=False)
    _report_outcome(plan, code, out, started)
    if as_json:
        sys.stdout.write(json.dumps(_summary_doc(result, out, code), ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(code)


def _write(out: Path, write) -> None:
    """Write the plan folder, or say why the folder cannot be written (exit 2: a wrong --out)."""
    try:
        write()
    except OSError as exc:
        _alarm("无法写出输出文件夹", f"（{out}）：{exc.strerror or exc}；请用 --out 指定一个可写的文件夹。")
        raise typer.Exit(EXIT_USAGE) from None


def _exit_code(plan) -> int:
    """SPEC §5: 0 complete, 4 partial plan written, 5 no plan."""
    if not plan.visits and plan.unscheduled:
        return EXIT_NO_PLAN
    return EXIT_PARTIAL if plan.unscheduled else EXIT_OK


def _report_outcome(plan, code: int, out: Path, started: float) -> None:
    """Each left-out institution with its reasons, then where the plan went."""
    for u in plan.unscheduled:
        err.print(f"  未安排 {u.institution}：", markup=False)
        for reason in u.reasons:
            err.print(f"    · {reason}", markup=False)
    if code == EXIT_NO_PLAN:
        err.print("没有找到满足全部规则的计划（原因见上），未写出文件。", markup=False)
    else:
        err.print(f"已写出：{out}（共用时 {time.monotonic() - started:.1f} 秒）", markup=False)


def _read_plan(path: Path):
    """Read a plan.json (or the plan folder holding one), or report the problems and exit 3."""
    from scheduler.plan import Plan, PlanFormatError

    file = path / "plan.json" if path.is_dir() else path
    try:
        return Plan.read(file)
    except PlanFormatError as exc:
        err.print(f"计划文件格式有误（{exc.source}）：", markup=False)
        for problem in exc.problems:
            err.print(f"  · {problem}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None


def _read_ledger(baseline: Path) -> dict | None:
    """The calendar ledger next to the baseline plan (``calendars/ledger.json``), if there is one."""
    folder = baseline if baseline.is_dir() else baseline.parent
    path = folder / "calendars" / "ledger.json"
    if not path.is_file():
        err.print(f"提示：原计划文件夹中没有 {path}，将为全部巡查重新发出日历邀请。", markup=False)
        return None
    try:
        ledger = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _alarm("原计划的日历台账无法读取", f"（{path}）：{exc}")
        raise typer.Exit(EXIT_INPUT) from None
    if not isinstance(ledger, dict):
        _alarm("原计划的日历台账格式有误", f"（{path}）：应为 JSON 对象")
        raise typer.Exit(EXIT_INPUT)
    return ledger


def _replan_facts(scenario, result, baseline: Path, today) -> dict[str, str]:
    return {
        "状态": result.plan.status,
        "调整日期": today.isoformat(),
        "原计划": str(baseline),
        "通知期（天）": str(scenario.params.notice_days),
        "变更项数": str(len(result.changes)),
        "改动的已通知巡查": f"{result.changed_visits} / {result.announced}",
        "已开始巡查的规则冲突": "；".join(str(v) for v in result.conflicts) or "无",
        "目标值": json.dumps(result.objective, ensure_ascii=False),
        "求解用时（秒）": f"{result.wall_time:.1f}",
        "节假日数据来源": _calendar_sources(scenario),
        "工具版本": tool_version(),
    }


@app.command(
    help="在已通知的计划上做调整：补排新增机构、取消移除的机构、替换不可用的专家，尽量少改动已通知的安排；"
    "写出新计划、变更清单（changes.csv 和工作簿“变更”表）和日历更新。"
)
def replan(
    scenario: Annotated[Path, typer.Argument(help="调整后的输入：.xlsx 工作簿或 CSV 文件夹")],
    baseline: Annotated[Path, typer.Option("--baseline", help="原计划 plan.json（或其所在的计划文件夹）")],
    today: Annotated[
        datetime,
        typer.Option("--today", formats=["%Y-%m-%d"], help="调整日期（如 2025-06-02）：此前已开始的巡查不变"),
    ],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")] = Path("巡查计划（调整）"),
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workers: WorkersOption = 2,
) -> None:
    from outputs.folder import write_plan_folder
    from scheduler.replan import BaselineError
    from scheduler.replan import replan as run_replan

    started = time.monotonic()
    data = _read(scenario)
    old = _read_plan(baseline)
    ledger = _read_ledger(baseline)
    day = today.date()
    err.print(
        f"正在调整：{data.params.name}（原计划 {len(old.visits)} 次巡查，调整日期 {day.isoformat()}，"
        f"通知期 {data.params.notice_days} 天），时限 {time_limit:g} 秒",
        markup=False,
    )
    if old.scenario and old.scenario != data.params.name:
        err.print(f"提示：原计划属于“{old.scenario}”，与本方案名称“{data.params.name}”不同。", markup=False)
    try:
        result = run_replan(
            data, old, day, time_limit=time_limit, seed=seed, workers=workers, progress=_progress(False)
        )
    except BaselineError as exc:
        _alarm("原计划无法作为调整的基础", f"（{baseline}）：")
        for problem in exc.problems:
            err.print(f"  · {problem}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None
    plan = result.plan
    code = _exit_code(plan)
    if code != EXIT_NO_PLAN:
        _write(
            out,
            lambda: write_plan_folder(
                data,
                plan,
                out,
                facts=_replan_facts(data, result, baseline, day),
                previous_ledger=ledger,
                changes=result.changes,
                only_changed=True,
            ),
        )
    err.print(result.summary(), markup=False)
    for c in result.changes:
        arrow = f"{c.before or '—'} → {c.after or '—'}"
        err.print(f"  {c.label} {c.institution}：{arrow}（{c.reason}）", markup=False)
    for v in result.conflicts:
        _alarm("冲突", f"：已开始的巡查保持不变，但现在违反规则：{v}")
    _report_outcome(plan, code, out, started)
    if as_json:
        doc = {
            "status": plan.status,
            "exit_code": code,
            "out": str(out) if code != EXIT_NO_PLAN else None,
            "today": day.isoformat(),
            "scheduled": len(plan.visits),
            "unscheduled": [
                {"institution": u.institution, "rule": u.rule, "reasons": list(u.reasons)}
                for u in plan.unscheduled
            ],
            "exempt": list(plan.exempt),
            "announced": result.announced,
            "changed_visits": result.changed_visits,
            "changes": [
                {
                    "institution": c.institution,
                    "kind": c.label,
                    "kind_code": c.kind,
                    "before": c.before,
                    "after": c.after,
                    "reason": c.reason,
                }
                for c in result.changes
            ],
            "conflicts": [str(v) for v in result.conflicts],
            "objective": result.objective,
            "solve_seconds": round(result.wall_time, 2),
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(code)


@app.command(help="用独立于求解器的代码逐条检查计划是否符合全部规则；全部满足时退出码为 0，否则为 1。")
def validate(
    scenario: Annotated[Path, typer.Argument(help="输入：.xlsx 工作簿或 CSV 文件夹（如 OUT/scenario）")],
    plan: Annotated[Path, typer.Argument(help="计划文件 plan.json")],
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="原计划 plan.json：同时检查调整规则 R13（需给出 --today）"),
    ] = None,
    today: Annotated[
        datetime | None,
        typer.Option("--today", formats=["%Y-%m-%d"], help="调整日期，与 --baseline 一同使用"),
    ] = None,
) -> None:
    from constraints import replanning
    from constraints.registry import validate as check_all

    if (baseline is None) != (today is None):
        err.print("--baseline 与 --today 须同时给出。", markup=False)
        raise typer.Exit(EXIT_USAGE)
    data = _read(scenario)
    loaded = _read_plan(plan)
    violations = check_all(data, loaded)
    if baseline is not None and today is not None:
        violations += replanning.check(data, loaded, _read_plan(baseline), today.date())
    for v in violations:
        typer.echo(str(v))
    if violations:
        typer.echo(f"共 {len(violations)} 处违反规则。")
        raise typer.Exit(1)
    typer.echo(f"计划符合全部规则：{len(loaded.visits)} 次巡查，{len(loaded.unscheduled)} 家未安排。")


@app.command(help="生成一份空白的输入工作簿（中文表头、下拉列表和填写说明）。")
def template(out: Annotated[Path, typer.Argument(help="要写出的 .xlsx 文件")]) -> None:
    from outputs.template import write_template

    if out.suffix.lower() != ".xlsx":
        err.print(f"文件名应以 .xlsx 结尾：{out}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    write_template(out)
    err.print(f"已写出模板：{out}", markup=False)


def main() -> None:  # pragma: no cover - exercised through the console script
    try:
        app()
    except KeyboardInterrupt:
        err.print("已中断。", markup=False)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
