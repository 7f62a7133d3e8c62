"""The front door: ``schedule solve | validate | replan | template | send | serve``.

Parses options, calls the layers, maps outcomes to the exit codes of SPEC §5:
0 every institution scheduled; 1 unexpected error; 2 wrong usage (an --out refused by
the safety rules of SPEC §4 too); 3 bad input
or an unknown calendar year (nothing written); 4 partial plan written; 5 no plan
found in the time limit.
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer import rich_utils
from typer.core import TyperCommand, TyperGroup

from outputs.clean import printable
from outputs.oswords import os_reason

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INPUT, EXIT_PARTIAL, EXIT_NO_PLAN = 0, 1, 2, 3, 4, 5

# -- the command line's own words in Chinese: usage, help and usage errors ----------------------
#
# typer prints its panels' titles and hints from module constants it reads when it prints; the usage
# line, the help option and the usage errors (an unknown option, a missing argument, a value that is
# no number) come from click's classes, in English: the command and group classes below say them in
# Chinese. Option names stay English (SPEC §5).

_TYPER_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已停用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "用 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}
for _name, _text in _TYPER_TEXTS.items():
    if hasattr(rich_utils, _name):
        setattr(rich_utils, _name, _text)

_USAGE_WORDS = (("Usage: ", "用法："), ("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))
# What typer says of a value it cannot take, and what the planner is told is expected instead.
_EXPECTED = (
    (re.compile(r"valid number"), "应为数字"),
    (re.compile(r"valid integer"), "应为整数"),
    (re.compile(r"greater than or equal to (\S+)"), "应不小于 {0}"),
    (re.compile(r"less than or equal to (\S+)"), "应不大于 {0}"),
    (re.compile(r"greater than (\S+)"), "应大于 {0}"),
    (re.compile(r"less than (\S+)"), "应小于 {0}"),
)


def _param_text(param: Any) -> str:
    """「选项 --time-limit」, or 「参数 plan（计划文件 plan.json）」."""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
    if opts:
        return f"选项 {'/'.join(opts)}"
    name = getattr(param, "name", None) or "?"
    help_text = getattr(param, "help", None)
    return f"参数 {name}（{help_text}）" if help_text else f"参数 {name}"


def _in_chinese(error: BaseException) -> str | None:
    """A usage error's message in Chinese; None when it is no usage error or says its own words."""
    kinds = {c.__name__ for c in type(error).__mro__}
    if "UsageError" not in kinds or "NoArgsIsHelpError" in kinds:
        return None
    kind = type(error).__name__
    message = str(getattr(error, "message", "") or "")
    if re.search("[\u4e00-\u9fff]", message):
        return None  # ours already
    param = getattr(error, "param", None)
    if kind == "NoSuchOption":
        typed = str(getattr(error, "option_name", ""))
        near = _near_options(getattr(error, "ctx", None), typed)
        hint = f"（是不是：{'、'.join(near)}）" if near else ""
        return f"没有这个选项：{typed}{hint}。"
    if kind == "NoSuchCommand" or message.startswith("No such command"):
        found = re.search(r"'([^']*)'", message)
        name = getattr(error, "command_name", None) or (found.group(1) if found else message)
        commands = _commands(getattr(error, "ctx", None))
        near = difflib.get_close_matches(name, commands, n=2)
        hint = f"（是不是：{'、'.join(near)}）" if near else ""
        return f"没有这个命令：{name}{hint}；可用的命令：{'、'.join(commands)}。"
    if kind == "MissingParameter":
        return f"缺少{_param_text(param)}。" if param is not None else "缺少参数。"
    if kind == "BadOptionUsage" and "requires an argument" in message:
        return f"选项 {getattr(error, 'option_name', '')} 后面要跟一个值。"
    if kind == "BadParameter" and param is not None:
        for pattern, expected in _EXPECTED:
            found = pattern.search(message)
            if found:
                return f"{_param_text(param)} 的值无效：{expected.format(*found.groups())}。"
        return f"{_param_text(param)} 的值无效（{message}）。"
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra:
        return f"多余的参数：{extra.group(1)}（路径中有空格时请加引号）。"
    return f"命令行有误：{message}"


def _commands(ctx: Any) -> list[str]:
    """The group's commands in the order its help page lists them."""
    group = getattr(ctx, "command", None)
    list_commands = getattr(group, "list_commands", None)
    return list(list_commands(ctx)) if list_commands is not None else []


def _near_options(ctx: Any, typed: str) -> list[str]:
    """The command's options the planner may have meant: those ``typed`` begins, else the closest."""
    names = sorted(
        o
        for param in getattr(getattr(ctx, "command", None), "params", ())
        for o in getattr(param, "opts", ())
        if o.startswith("--")
    )
    return [n for n in names if n.startswith(typed)] or difflib.get_close_matches(typed, names, n=3)


@contextmanager
def _chinese_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        text = _in_chinese(error)
        if text is None:
            raise
        usage_error = next(c for c in type(error).__mro__ if c.__name__ == "UsageError")
        raise usage_error(text, ctx=getattr(error, "ctx", None)) from None


class _Words:
    """The usage line and the help option in Chinese (a mixin of typer's command and group)."""

    def get_usage(self, ctx: Any) -> str:
        usage: str = super().get_usage(ctx)  # type: ignore[misc]
        for english, chinese in _USAGE_WORDS:
            usage = usage.replace(english, chinese, 1)
        # typer writes a required argument as {scenario}: the README's SCENARIO, and [SCENARIO] if optional
        return _ARGUMENT_IN_USAGE.sub(lambda m: m[0].upper() if m[1] == "[" else m[2].upper(), usage)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, each showing its kind of value in Chinese on the help page (a switch none)."""
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            shown = getattr(param, "display_type_rich", None)
            if shown is not None and not getattr(param, "_kind_in_chinese", False):
                param.display_type_rich = _kind_in_chinese(shown)
                param._kind_in_chinese = True
            if getattr(param, "min", None) is not None or getattr(param, "max", None) is not None:
                param._get_number_range_help_str = _range_in_chinese(param.min, param.max)
        return params


# The kinds of value typer shows beside each parameter (``<path>``), and how the help page says them.
_KINDS: dict[str, str | None] = {
    "<path>": "<路径>",
    "<str>": "<文字>",
    "<int>": "<整数>",
    "<float>": "<数字>",
}
_KINDS |= {"<int range>": "<整数>", "<float range>": "<数字>", "<bool>": None}


_ARGUMENT_IN_USAGE = re.compile(r"([{\[])([a-z_]+)[}\]]")


def _range_in_chinese(low: float | None, high: float | None) -> Callable[[], str]:
    """What typer shows of a number's range (``x>=1``, ``1<=x<=86400``) in Chinese."""
    if low is not None and high is not None:
        said = f"{low} 至 {high}"
    else:
        said = f"不小于 {low}" if low is not None else f"不大于 {high}"
    return lambda: said


def _kind_in_chinese(shown: Callable[..., str | None]) -> Callable[..., str | None]:
    def display(ctx: Any) -> str | None:
        kind = shown(ctx=ctx)
        return _KINDS.get(kind, kind) if kind is not None else None

    return display


class _Command(_Words, TyperCommand):
    pass


class _Group(_Words, TyperGroup):
    """The ``schedule`` group: its own and its commands' usage errors are told in Chinese."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _chinese_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _chinese_errors():
            return super().invoke(ctx)


app = typer.Typer(
    help="巡查计划编排工具：读取巡查方案工作簿，编排专家组与巡查日程，输出计划、日历邀请、公告和报告。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_Group,
)


class _CleanConsole(Console):
    """A console that prints no control or format character from the text it is given (names and
    reasons come from the workbook or a plan.json); its own styling still reaches the terminal."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)


err = _CleanConsole(stderr=True, highlight=False, soft_wrap=True)

TimeLimitOption = Annotated[
    float, typer.Option("--time-limit", min=1, max=86400, help="求解时间上限（秒，1 至 86400，即至多一天）")
]
SeedOption = Annotated[int, typer.Option("--seed", help="随机种子：相同输入和种子得到相同计划")]
JsonOption = Annotated[bool, typer.Option("--json", help="在标准输出打印一份 JSON 结果")]
WorkersOption = Annotated[int, typer.Option("--workers", min=1, help="求解线程数")]
ProcessesOption = Annotated[
    int | None,
    typer.Option(
        "--processes", min=1, help="并行求解各专家库的进程数（默认按本机核数；1 = 在本进程内依次求解）"
    ),
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="在 Ray 集群上求解各专家库：集群地址（如 10.0.0.5:6379），或 local 在本机启动；"
        "需先安装 pip install 'inspection-planner\\[ray]'",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="替换 --out 处本工具以前写出的计划文件夹（其中有别的文件时仍会拒绝）")
]


def _alarm(title: str, rest: str = "") -> None:
    """A line on stderr whose ``title`` stands out; ``rest`` is printed as it is (no markup)."""
    err.print(Text.assemble((title, "bold red"), printable(rest)))


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


def _progress(quiet: bool, *, with_bound: bool = True):
    """Progress lines in words: 「已用 12.3 秒，当前各专家库最重负荷合计 18 天，下界 16 天」 (the heaviest
    load of each expert pool, summed over the pools solved together; a replan's bound, after what it
    pays for changes, says little and is left out)."""
    last = [0.0]

    def show(elapsed: float, objective: float, bound: float) -> None:
        if quiet or (elapsed - last[0] < 0.5 and last[0] > 0):
            return
        last[0] = elapsed
        line = f"  已用 {elapsed:.1f} 秒，当前各专家库最重负荷合计 {objective:g} 天"
        err.print(line + (f"，下界 {bound:g} 天" if with_bound else ""), markup=False)

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
            line = plain_rules(describe(finding))
            if line not in seen:
                seen.add(line)
                err.print(f"  · {line}", markup=False)
    for finding in diagnosis.shortfalls:
        err.print(f"预检：{plain_rules(describe(finding))}", markup=False)


def _employer_review(scenario) -> None:
    """R6: the employers the planner should check — none of the round's institutions, or one
    recognised from a short name or alias (``inputs.employers.review``)."""
    from inputs.employers import review
    from outputs.labels import expert_label, institution_name

    items = review(scenario)
    titles = {
        True: "以下专家的工作单位不是本轮受检机构，请核对：",
        False: "以下专家的工作单位已按简称或别名识别，请核对：",
    }
    for external, title in titles.items():
        lines = [item for item in items if (item.institution is None) == external]
        if lines:
            err.print(title, markup=False)
        for item in lines:
            inst = item.institution
            named = f" → {institution_name(scenario, inst)}（{inst}）" if inst else ""
            people = "、".join(expert_label(scenario, e) for e in item.experts)
            err.print(f"  · {item.text}{named}：{people}", markup=False)


def _calendar_sources(scenario) -> str:
    years = range(scenario.params.start.year, scenario.params.deadline.year + 1)
    return "；".join(f"{y} 年：{scenario.calendar.source(y)}" for y in years)


def _facts(scenario, result) -> dict[str, str]:
    from outputs.labels import load_lines

    return {
        "各专家库最重负荷与下界": "；".join(load_lines(result.objective, result.bound)),
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
        "scheduled": sum(1 for v in plan.visits if v.kind == "visit"),
        "followups": sum(1 for v in plan.visits if v.kind == "followup"),  # 回头看 (R15)
        "unscheduled": [
            {"institution": u.institution, "rule": u.rule, "reasons": list(u.reasons), "kind": u.kind}
            for u in plan.unscheduled
        ],
        "exempt": list(plan.exempt),
        "objective": result.objective,
        "bound": result.bound,
        "solve_seconds": round(result.wall_time, 2),
    }


@app.command(cls=_Command, help="编排巡查计划。不给 SCENARIO 时编排内置示例（巴南区 2024–2026 年度巡查）。")
def solve(
    scenario: Annotated[
        Path | None, typer.Argument(help="输入：.xlsx 工作簿或 CSV 文件夹", show_default=False)
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")] = Path("巡查计划"),
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workers: WorkersOption = 2,
    force: ForceOption = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="计划发布日（如 2024-11-18，工作簿接受的日期写法均可）：每次巡查不早于其后"
            " notice_days 天开始；默认本轮开始日期",
        ),
    ] = None,
    processes: ProcessesOption = None,
    ray: RayOption = None,
) -> None:
    from outputs.folder import write_plan_folder
    from scheduler.executor import cores
    from scheduler.solve import solve as run_solve

    _check_ray(ray)
    started = time.monotonic()
    announced = _day_option("--today", today)
    data = _read(scenario)
    _check_out(out, scenario, force=force)
    err.print(
        f"正在编排：{data.params.name}（{len(data.institutions)} 家机构，{len(data.experts)} 名专家），"
        f"时限 {time_limit:g} 秒",
        markup=False,
    )
    _precheck(data)
    result = run_solve(
        data,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        progress=_progress(False),
        today=announced,
        processes=cores() if processes is None else processes,
        ray=ray,
    )
    plan = result.plan
    code = _exit_code(plan)
    if code != EXIT_NO_PLAN:
        run = {"command": "solve", "scenario": _source(scenario), "seed": seed, "time_limit": time_limit}
        _write(
            out,
            lambda: write_plan_folder(
                data,
                plan,
                out,
                facts=_facts(data, result),
                force=force,
                run=_run(run, result, started),
                processes=processes,
            ),
        )
    err.print(result.summary(), markup=False)
    _employer_review(data)
    _report_outcome(plan, code, out, started)
    if as_json:
        sys.stdout.write(json.dumps(_summary_doc(result, out, code), ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(code)


def _check_ray(address: str | None) -> None:
    """``--ray`` needs the optional extra: without it, say how to install it (exit 2)."""
    import importlib.util

    if address is not None and importlib.util.find_spec("ray") is None:
        err.print(
            "--ray 需要可选组件 Ray：请先运行 pip install 'inspection-planner[ray]'，"
            "或去掉 --ray 在本机求解。",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)


def _day_option(name: str, value: str | None) -> date | None:
    """A date option in any form the workbook accepts (``inputs.cells.day``); a bad one exits 2."""
    from inputs.cells import CellError, day

    if value is None:
        return None
    try:
        return day(value)
    except CellError as exc:
        expected = exc.expected or "如 2024-11-18 的日期"
        err.print(f"{name} 的值“{value}”不是有效日期：应为{expected}。", markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def _check_out(out: Path, scenario: Path | None, *, baseline: Path | None = None, force: bool) -> None:
    """Before solving, refuse an --out that would destroy what the tool did not write (SPEC §4): exit 2."""
    from inputs.sample import SAMPLE_DIR
    from outputs.folder import OutError, check_out

    try:
        check_out(out, scenario if scenario is not None else SAMPLE_DIR, baseline=baseline, force=force)
    except OutError as exc:
        _alarm("无法写出输出文件夹", f"（{out}）：{exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        _alarm("无法写出输出文件夹", f"（{out}）：{os_reason(exc)}；请用 --out 指定一个可写的文件夹。")
        raise typer.Exit(EXIT_USAGE) from None


def _source(scenario: Path | None) -> str:
    return str(scenario) if scenario is not None else "（内置示例）"


def _run(facts: dict, result, started: float) -> dict:
    """What run.json records beside the plan: the run's options and its timings (SPEC §4)."""
    return {
        **facts,
        "solve_seconds": round(result.wall_time, 2),
        "wall_seconds_before_writing": round(time.monotonic() - started, 2),
        # the wall-clock last resort, not the deterministic budgets, ended some search (SPEC §5)
        "wall_clock_fired": bool(getattr(result, "wall_clock_fired", False)),
    }


def _write(out: Path, write) -> None:
    """Write the plan folder, or say why the folder cannot be written (exit 2: a wrong --out)."""
    from outputs.folder import OutError

    try:
        write()
    except OutError as exc:
        _alarm("无法写出输出文件夹", f"（{out}）：{exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        _alarm("无法写出输出文件夹", f"（{out}）：{os_reason(exc)}；请用 --out 指定一个可写的文件夹。")
        raise typer.Exit(EXIT_USAGE) from None


def _exit_code(plan) -> int:
    """SPEC §5: 0 complete, 4 partial plan written, 5 no plan."""
    if not plan.visits and plan.unscheduled:
        return EXIT_NO_PLAN
    return EXIT_PARTIAL if plan.unscheduled else EXIT_OK


def _violation(v) -> str:
    """A broken rule in words, its code kept in parentheses (「【时间窗口（R3）】H1：…」)."""
    from outputs.labels import violation_text

    return violation_text(v.rule, v.subject, v.message)


def plain_rules(text: str) -> str:
    """A reason with rule names in place of rule codes (``outputs.labels.plain_rules``)."""
    from outputs.labels import plain_rules as plain

    return plain(text)


def _report_outcome(plan, code: int, out: Path, started: float) -> None:
    """Each left-out institution with its reasons, then where the plan went."""
    for u in plan.unscheduled:
        what = "未安排回头看" if u.kind == "followup" else "未安排"
        err.print(f"  {what} {u.institution}：", markup=False)
        for reason in u.reasons:
            err.print(f"    · {plain_rules(reason)}", markup=False)
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
        err.print(f"计划文件格式有误（{printable(exc.source)}），共 {exc.count} 处：", markup=False)
        for problem in exc.problems:
            err.print(f"  · {printable(problem)}", markup=False)
        if exc.count > len(exc.problems):
            err.print(f"  · 另有 {exc.count - len(exc.problems)} 处问题未列出", markup=False)
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
    from outputs.labels import date_cn, load_lines

    return {
        "调整日期": date_cn(today),
        "原计划": str(baseline),
        "通知期（天）": str(scenario.params.notice_days),
        "变更项数": str(len(result.changes)),
        "改动的已通知巡查": f"{result.changed_visits} / {result.announced}",
        "已开始巡查的规则冲突": "；".join(_violation(v) for v in result.conflicts) or "无",
        "各专家库最重负荷": "；".join(load_lines(result.objective, {})),
        "求解用时（秒）": f"{result.wall_time:.1f}",
        "节假日数据来源": _calendar_sources(scenario),
        "工具版本": tool_version(),
    }


@app.command(
    cls=_Command,
    help="在已通知的计划上做调整：补排新增机构、取消移除的机构、替换不可用的专家，尽量少改动已通知的安排；"
    "写出新计划、变更清单（changes.csv 和工作簿“变更”表）和日历更新。",
)
def replan(
    scenario: Annotated[Path, typer.Argument(help="调整后的输入：.xlsx 工作簿或 CSV 文件夹")],
    baseline: Annotated[Path, typer.Option("--baseline", help="原计划 plan.json（或其所在的计划文件夹）")],
    today: Annotated[
        str,
        typer.Option(
            "--today", help="调整日期（如 2025-06-02、2025/6/2、2025年6月2日）：此前已开始的巡查不变"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")] = Path("巡查计划（调整）"),
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workers: WorkersOption = 2,
    force: ForceOption = False,
) -> None:
    from outputs.folder import write_plan_folder
    from scheduler.replan import BaselineError
    from scheduler.replan import replan as run_replan

    started = time.monotonic()
    day = _day_option("--today", today)
    assert day is not None  # a required option
    data = _read(scenario)
    old = _read_plan(baseline)
    ledger = _read_ledger(baseline)
    _check_out(out, scenario, baseline=baseline, force=force)
    err.print(
        f"正在调整：{data.params.name}（原计划 {len(old.visits)} 次巡查，调整日期 {day.isoformat()}，"
        f"通知期 {data.params.notice_days} 天），时限 {time_limit:g} 秒",
        markup=False,
    )
    if old.scenario and old.scenario != data.params.name:
        err.print(f"提示：原计划属于“{old.scenario}”，与本方案名称“{data.params.name}”不同。", markup=False)
    try:
        result = run_replan(
            data,
            old,
            day,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            progress=_progress(False, with_bound=False),
        )
    except BaselineError as exc:
        _alarm("原计划无法作为调整的基础", f"（{baseline}）：")
        for problem in exc.problems:
            err.print(f"  · {problem}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None
    plan = result.plan
    code = _exit_code(plan)
    if code != EXIT_NO_PLAN:
        run = {
            "command": "replan",
            "scenario": str(scenario),
            "baseline": str(baseline),
            "today": day.isoformat(),
            "seed": seed,
            "time_limit": time_limit,
        }
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
                force=force,
                run=_run(run, result, started),
            ),
        )
    err.print(result.summary(), markup=False)
    for c in result.changes:
        what = c.summary or f"{c.before or '—'} → {c.after or '—'}"
        err.print(f"  {c.label} {c.institution}：{what}（{plain_rules(c.reason)}）", markup=False)
    for v in result.conflicts:
        _alarm("冲突", f"：已开始的巡查保持不变，但现在违反规则：{_violation(v)}")
    _report_outcome(plan, code, out, started)
    if as_json:
        doc = {
            "status": plan.status,
            "exit_code": code,
            "out": str(out) if code != EXIT_NO_PLAN else None,
            "today": day.isoformat(),
            "scheduled": sum(1 for v in plan.visits if v.kind == "visit"),
            "followups": sum(1 for v in plan.visits if v.kind == "followup"),
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


@app.command(
    cls=_Command, help="用独立于求解器的代码逐条检查计划是否符合全部规则；全部满足时退出码为 0，否则为 1。"
)
def validate(
    scenario: Annotated[Path, typer.Argument(help="输入：.xlsx 工作簿或 CSV 文件夹（如 OUT/scenario）")],
    plan: Annotated[Path, typer.Argument(help="计划文件 plan.json")],
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="原计划 plan.json：同时检查调整规则 R13（需给出 --today）"),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="与 --baseline 一同使用时为调整日期（R13）；"
            "单独使用时为计划发布日，代替计划中记录的发布日（R14）",
        ),
    ] = None,
) -> None:
    from dataclasses import replace

    from constraints import replanning
    from constraints.registry import validate as check_all

    if baseline is not None and today is None:
        err.print("--baseline 须与 --today 同时给出。", markup=False)
        raise typer.Exit(EXIT_USAGE)
    day = _day_option("--today", today)
    data = _read(scenario)
    loaded = _read_plan(plan)
    if baseline is None and day is not None:
        loaded = replace(loaded, announced=day)  # the announcement day of R14
    violations = check_all(data, loaded)
    if baseline is not None and day is not None:
        violations += replanning.check(data, loaded, _read_plan(baseline), day)
    for v in violations:
        typer.echo(printable(_violation(v)))
    if violations:
        typer.echo(f"共 {len(violations)} 处违反规则。")
        raise typer.Exit(1)
    typer.echo(f"计划符合全部规则：{len(loaded.visits)} 次巡查，{len(loaded.unscheduled)} 家未安排。")


@app.command(cls=_Command, help="生成一份空白的输入工作簿（中文表头、下拉列表和填写说明）。")
def template(out: Annotated[Path, typer.Argument(help="要写出的 .xlsx 文件")]) -> None:
    from outputs.template import write_template

    if out.suffix.lower() != ".xlsx":
        err.print(f"文件名应以 .xlsx 结尾：{out}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    try:
        write_template(out)
    except FileExistsError:
        _alarm(
            "未写出模板",
            f"：已有同名{'文件夹' if out.is_dir() else '文件'} {out}。模板不会覆盖已有的文件"
            "（它可能是已填写的巡查方案或计划的工作簿）；请换一个文件名。",
        )
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        where = "所在的文件夹不存在" if isinstance(exc, FileNotFoundError) else os_reason(exc)
        _alarm("未写出模板", f"：无法写出 {out}：{where}。")
        raise typer.Exit(EXIT_USAGE) from None
    err.print(f"已写出模板：{out}", markup=False)


# -- send ------------------------------------------------------------------------------------


@app.command(
    cls=_Command,
    help="把计划文件夹里的日历邀请、变更、取消和巡查通知发给专家和机构。"
    "不给 --smtp 时写出 PLANDIR/outbox/（每封邮件一个 .eml 和 发送清单.xlsx）；"
    "给 --smtp 时直接发送，并记入 outbox/sent.json，重复运行不会重发。"
    "退出码：0 全部完成；1 有邮件发送失败（再次运行只补发未成功的）；2 用法错误。",
)
def send(
    plandir: Annotated[Path, typer.Argument(help="schedule solve 或 replan 写出的计划文件夹")],
    smtp: Annotated[str | None, typer.Option("--smtp", help="SMTP 服务器 主机[:端口]")] = None,
    starttls: Annotated[
        bool, typer.Option("--starttls", help="连接后用 STARTTLS 加密（默认端口 587）")
    ] = False,
    use_ssl: Annotated[bool, typer.Option("--ssl", help="用 SSL/TLS 连接（默认端口 465）")] = False,
    user: Annotated[str | None, typer.Option("--user", help="SMTP 登录用户名")] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="存放 SMTP 密码的环境变量名（不在命令行写密码）")
    ] = None,
    sender: Annotated[
        str | None, typer.Option("--from", help="发件地址（默认参数表的 office_email）")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只列出将要发送的邮件，不写文件、不发送")
    ] = False,
) -> None:
    import os

    from outputs.mail import PlanFolderError
    from outputs.send import (
        SECURITY_PLAIN,
        SECURITY_SSL,
        SECURITY_STARTTLS,
        STATUS_ALREADY,
        STATUS_FAILED,
        STATUS_NO_ADDRESS,
        STATUS_PENDING,
        STATUS_SENT,
        STATUS_WRITTEN,
        SmtpOptions,
        deliver,
        parse_server,
    )

    def usage(text: str) -> typer.Exit:
        err.print(text, markup=False)
        return typer.Exit(EXIT_USAGE)

    if starttls and use_ssl:
        raise usage("--starttls 和 --ssl 只能选一个。")
    if smtp is None and (starttls or use_ssl or user or password_env):
        raise usage("--starttls、--ssl、--user、--password-env 须与 --smtp 一起使用。")
    if bool(user) != bool(password_env):
        raise usage("--user 和 --password-env 须同时给出：密码从环境变量读取，不在命令行中书写。")
    options = None
    if smtp is not None:
        security = SECURITY_SSL if use_ssl else SECURITY_STARTTLS if starttls else SECURITY_PLAIN
        try:
            host, port = parse_server(smtp, security)
        except ValueError as exc:
            raise usage(str(exc)) from None
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if password is None:
                raise usage(f"环境变量 {password_env} 未设置：请先把 SMTP 密码放入该环境变量。")
        options = SmtpOptions(host, port, security, user, password)
    if not plandir.is_dir():
        raise usage(f"找不到计划文件夹：{plandir}")

    def show(row) -> None:
        mark = "已发送" if row.status == STATUS_SENT else f"{row.status}：{row.detail}"
        err.print(
            f"  {row.outgoing.label} → {row.outgoing.name} <{row.outgoing.recipient}>  {mark}", markup=False
        )

    try:
        report = deliver(plandir, smtp=options, sender=sender, dry_run=dry_run, progress=show)
    except PlanFolderError as exc:
        raise usage(str(exc)) from None

    if dry_run:
        for row in report.rows:
            if row.status == STATUS_PENDING:
                item = row.outgoing
                typer.echo(f"将发送  {item.name} <{item.recipient}>  {item.subject}  （{item.source}）")
    for row in report.without_address:
        typer.echo(
            f"无邮箱地址，未发送：{row.outgoing.name}  {row.outgoing.subject}  （{row.outgoing.source}）"
        )
    counts = [
        (STATUS_WRITTEN, "封写入 outbox/"),
        (STATUS_PENDING, "封待发送"),
        (STATUS_SENT, "封已发送"),
        (STATUS_ALREADY, "封此前已发送、本次跳过"),
        (STATUS_FAILED, "封发送失败"),
        (STATUS_NO_ADDRESS, "位收件人无邮箱地址"),
    ]
    parts = [f"{report.count(status)} {words}" for status, words in counts if report.count(status)]
    typer.echo(("；".join(parts) or "没有需要发送的邮件") + "。")
    if not dry_run and report.rows:
        typer.echo(f"发送清单：{plandir / 'outbox' / '发送清单.xlsx'}")
    if report.failed:
        for row in report.failed:
            typer.echo(f"发送失败：{row.outgoing.name} <{row.outgoing.recipient}>  {row.detail}")
        typer.echo("再次运行本命令将只补发未成功的邮件。")
        raise typer.Exit(EXIT_ERROR)


# -- serve -----------------------------------------------------------------------------------


@app.command(
    cls=_Command,
    help="在本机打开巡查计划编排网页：轮次、编排、调整、发布和发送都在浏览器中完成。"
    "打印带访问令牌的地址，并打开浏览器（除非给出 --no-browser）。",
)
def serve(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="数据文件夹：轮次登记库和各版本的计划文件（默认 ~/.local/share/inspection-planner）",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="端口（0 为任选一个空闲端口）")
    ] = 8765,
    token: Annotated[str | None, typer.Option("--token", help="访问令牌（默认每次启动随机生成）")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="不自动打开浏览器")] = False,
    host: Annotated[str, typer.Option("--host", help="监听地址（默认只允许本机访问）")] = "127.0.0.1",
) -> None:
    import os
    import secrets
    import socket
    import threading
    import webbrowser

    import uvicorn

    from web.app import create_app

    home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    data_dir = data if data is not None else home / "inspection-planner"
    key = token or secrets.token_urlsafe(24)
    try:
        application = create_app(data_dir, key)
    except OSError as exc:
        _alarm("无法使用数据文件夹", f"（{data_dir}）：{os_reason(exc)}")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError as exc:
        hint = "请用 --port 换一个端口" if exc.errno == errno.EADDRINUSE else "请检查 --host 和 --port"
        _alarm("无法监听", f"（{host}:{port}）：{os_reason(exc)}；{hint}。")
        raise typer.Exit(EXIT_USAGE) from None
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{listener.getsockname()[1]}/?token={key}"
    err.print(f"巡查计划编排网页：{address}", markup=False)
    err.print(f"数据文件夹：{data_dir}；按 Ctrl+C 停止。", markup=False)
    if host not in ("127.0.0.1", "localhost", "::1"):
        _alarm("注意", f"：正在监听 {host}，本机以外的电脑也可能访问；请妥善保管令牌。")
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning"))
    server.run(sockets=[listener])


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("已中断。", markup=False)
        sys.exit(EXIT_ERROR)
    except Exception as error:  # a fault of the tool, not of the input: no traceback on the planner's screen
        _report_fault(error)
        sys.exit(EXIT_ERROR)


def _report_fault(error: Exception) -> None:
    """Say in Chinese that the tool failed (not the planner's files), and keep the traceback for the
    maintainers in a file of the system's temporary folder (a plan folder is written whole or not at
    all: ``outputs.folder``)."""
    kind = "内存不足" if isinstance(error, MemoryError) else "程序内部错误"
    detail = printable(f"{type(error).__name__}: {error}")[:300]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    saved = Path(tempfile.gettempdir()) / f"巡查计划-错误-{stamp}-{os.getpid()}.txt"
    try:
        saved.write_text(
            f"工具版本 {tool_version()}；Python {sys.version.split()[0]}\n命令：{sys.argv!r}\n\n"
            + "".join(traceback.format_exception(error)),
            encoding="utf-8",
        )
        where = f"详细信息已保存到 {saved}，请把这个文件和所用的输入文件一并发给维护人员。"
    except OSError as exc:
        where = f"详细信息未能保存（{os_reason(exc)}）。"
    _alarm(kind, f"：命令未完成（{detail}）。这是本工具的问题，不是输入有误。{where}")


if __name__ == "__main__":  # pragma: no cover
    main()
