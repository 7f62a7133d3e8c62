"""``report.html``: the plan on one self-contained page (SPEC §4).

The page works offline: no CDN, fonts or scripts from elsewhere; the CSS is
inline, the timelines are inline SVG, the workload bars are plain HTML, and a
few lines of inline script only add a print button and mark the page as ready.
It shows the headline figures, timelines by institution, by expert (and by
standing team when there are any), the workload per expert, and the institutions
left out with their reasons. Every text from the scenario is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from inputs.scenario import TIERS, Scenario
from outputs import milestones
from outputs.clean import printable
from outputs.labels import (
    ROLE_LEADER,
    date_cn,
    display_width,
    expert_label,
    institution_name,
    ordered_members,
    period_cn,
    plain_rules,
    plan_years,
    reasons_text,
    role_of,
    rule_name,
    sorted_visits,
    status_label,
    tier_label,
    visits_by_expert,
    workload,
)
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.replan import Change

TIER_COLOURS: dict[str, str] = {
    "tertiary_general": "#c0504d",
    "tertiary_specialty": "#f79646",
    "maternal_child": "#9bbb59",
    "secondary": "#4f81bd",
    "grassroots": "#8064a2",
}
YEAR_COLOURS = ("#4f81bd", "#f79646", "#9bbb59", "#8064a2", "#4bacc6", "#c0504d")
READY_ATTRIBUTE = "data-report-ready"
READY_MESSAGE = "report-ready"

SVG_WIDTH = 1200
LABEL_WIDTH = 280
ROW_HEIGHT = 22
AXIS_HEIGHT = 34
LABEL_COLUMNS = 34  # display columns of a row label before it is shortened

CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f8fafc;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei",
    sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 24px; font-weight: 700; margin-top: 4px; }
.card .note { color: var(--muted); font-size: 12px; margin-top: 2px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px;
  overflow-x: auto; }
svg { display: block; width: 100%; height: auto; font-size: 12px; }
svg text { fill: var(--ink); }
svg .tick { stroke: #9ca3af; stroke-width: 1; }
svg .minor { stroke: var(--line); stroke-width: 1; }
svg .deadline { stroke: #dc2626; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .today { stroke: #059669; stroke-width: 1.5; }
svg .row:nth-child(even) rect.bg { fill: #f9fafb; }
svg rect.bar.lead { stroke: #111827; stroke-width: 1.5; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 8px 2px 0; font-size: 13px;
  color: var(--muted); }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 5px; vertical-align: middle;
  border-radius: 2px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eff6ff; }
.load { display: grid; grid-template-columns: 200px 1fr 70px; gap: 4px 10px; align-items: center;
  font-size: 13px; }
.load .track { display: flex; height: 14px; background: #f3f4f6; border-radius: 3px; overflow: hidden; }
.load .track span { display: block; height: 100%; }
.load .num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); }
.toolbar { float: right; }
.toolbar button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px;
  background: #fff; cursor: pointer; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  body { background: #fff; }
  main { padding: 0; max-width: none; }
  .toolbar { display: none; }
  .panel, .card { border-color: #ccc; }
  section { break-inside: avoid; }
}
"""

SCRIPT = f"""
(function () {{
  var button = document.getElementById("print-button");
  if (button) {{ button.addEventListener("click", function () {{ window.print(); }}); }}
  document.documentElement.setAttribute("{READY_ATTRIBUTE}", "1");
  console.log("{READY_MESSAGE}");
}})();
"""


@dataclass(frozen=True)
class _Bar:
    start: date
    end: date  # inclusive
    colour: str
    tooltip: str
    lead: bool = False


@dataclass(frozen=True)
class _Row:
    label: str
    bars: tuple[_Bar, ...]


def write_report(
    scenario: Scenario, plan: Plan, path: Path, *, changes: Sequence[Change] | None = None
) -> None:
    """Write the report page to ``path`` (UTF-8); a replan's ``changes`` add a 变更 section."""
    Path(path).write_text(report_html(scenario, plan, changes=changes), encoding="utf-8")


def replan_day(plan: Plan) -> date | None:
    """The ``--today`` of the replan that made ``plan`` (plan.stats), None for a plain solve."""
    facts = plan.stats.get("replan")
    text = facts.get("today") if isinstance(facts, dict) else None
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def report_html(scenario: Scenario, plan: Plan, *, changes: Sequence[Change] | None = None) -> str:
    name = scenario.params.name or plan.scenario
    has_teams = any(v.team for v in plan.visits)
    today = replan_day(plan)

    body = [
        '<div class="toolbar"><button id="print-button" type="button">打印</button></div>',
        f"<h1>{escape(name)}</h1>",
        f'<p class="sub">巡查计划报告 · {escape(status_label(plan.status))} · 巡查周期 '
        f"{escape(period_cn(scenario.params.start, scenario.params.deadline))}</p>",
        _cards(scenario, plan),
    ]
    if changes is not None or today is not None:
        body.append(_section("变更", _changes(scenario, changes or (), today)))
    body += [
        _section(
            "按机构的巡查时间", _timeline(scenario, _institution_rows(scenario, plan), today) + _tier_legend()
        ),
    ]
    if has_teams:
        body.append(
            _section(
                "按巡查组的时间安排", _timeline(scenario, _team_rows(scenario, plan), today) + _tier_legend()
            )
        )
    body += [
        _section(
            "按专家的时间安排",
            _timeline(scenario, _expert_rows(scenario, plan), today) + _tier_legend(lead_note=True),
        ),
        _section("专家工作量（工作日）", _workload(scenario, plan)),
        _section("时间节点（通知、自查、反馈、整改、回头看）", _milestones(scenario, plan)),
        _section("未安排的机构", _left_out(scenario, plan)),
        _section("免检机构", _exempt(scenario, plan)),
        _footer(plan),
    ]
    # No control or format character reaches the page, whatever text the plan or scenario holds.
    return printable(
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(name)} · 巡查计划报告</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        keep_lines=True,
    )


# -- headline ------------------------------------------------------------------------------


def _cards(scenario: Scenario, plan: Plan) -> str:
    loads = workload(scenario, plan)
    totals = {e: sum(per_year.values()) for e, per_year in loads.items()}
    used = {m for v in plan.visits for m in v.members}
    peak = max(totals.values(), default=0)
    busiest = [e for e, days in totals.items() if days == peak]
    busiest_note = ""
    if peak:
        busiest_note = expert_label(scenario, busiest[0]) + (
            f" 等 {len(busiest)} 人" if len(busiest) > 1 else ""
        )
    cards = [
        ("机构总数", str(len(scenario.institutions)), ""),
        ("已安排巡查", str(len(plan.visits)), ""),
        ("未安排", str(len(plan.unscheduled)), "见下方原因" if plan.unscheduled else ""),
        ("免检", str(len(plan.exempt)), ""),
        ("专家", str(len(scenario.experts)), f"其中 {len(used)} 人参与巡查"),
        (
            "最重负荷",
            f"{peak} 天" if peak else "—",
            busiest_note,
        ),
        ("计划状态", status_label(plan.status).split("（")[0], ""),
    ]
    items = []
    for label, value, note in cards:
        note_html = f'<div class="note">{escape(note)}</div>' if note else ""
        items.append(
            f'<div class="card"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div>{note_html}</div>'
        )
    return '<section class="cards">' + "".join(items) + "</section>"


def _section(title: str, content: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n{content}\n</section>"


# -- timelines -------------------------------------------------------------------------------


def _tier_colour(scenario: Scenario, visit: Visit) -> str:
    inst = scenario.institution_by_id.get(visit.institution)
    return TIER_COLOURS.get(inst.tier if inst else "", "#6b7280")


def _visit_tooltip(scenario: Scenario, visit: Visit, expert_id: str | None = None) -> str:
    parts = [
        institution_name(scenario, visit.institution),
        f"{period_cn(visit.start, visit.end, weekday=True)}，{visit.days} 个工作日",
        f"组长：{expert_label(scenario, visit.leader)}",
        "组员：" + "、".join(expert_label(scenario, m) for m in ordered_members(visit)[1:]),
    ]
    if visit.team:
        parts.insert(1, f"巡查组：{visit.team}")
    if expert_id is not None:
        parts.append(f"角色：{role_of(visit, expert_id)}")
    return "\n".join(parts)


def _institution_rows(scenario: Scenario, plan: Plan) -> list[_Row]:
    return [
        _Row(
            institution_name(scenario, v.institution) + ("（回头看）" if v.kind == "followup" else ""),
            (_Bar(v.start, v.end, _tier_colour(scenario, v), _visit_tooltip(scenario, v)),),
        )
        for v in sorted_visits(plan)
    ]


def _expert_rows(scenario: Scenario, plan: Plan) -> list[_Row]:
    by_expert = visits_by_expert(plan)
    expert_ids = [e.id for e in scenario.experts] + sorted(set(by_expert) - set(scenario.expert_by_id))
    return [
        _Row(
            expert_label(scenario, expert_id),
            tuple(
                _Bar(
                    v.start,
                    v.end,
                    _tier_colour(scenario, v),
                    _visit_tooltip(scenario, v, expert_id),
                    lead=v.leader == expert_id,
                )
                for v in by_expert.get(expert_id, [])
            ),
        )
        for expert_id in expert_ids
    ]


def _team_rows(scenario: Scenario, plan: Plan) -> list[_Row]:
    by_team: dict[str, list[Visit]] = {}
    for v in sorted_visits(plan):
        if v.team:
            by_team.setdefault(v.team, []).append(v)
    rows = []
    for team in sorted(by_team):
        visits = by_team[team]
        bars = tuple(
            _Bar(v.start, v.end, _tier_colour(scenario, v), _visit_tooltip(scenario, v)) for v in visits
        )
        rows.append(_Row(team, bars))
    return rows


def _span(scenario: Scenario, rows: Sequence[_Row]) -> tuple[date, date]:
    """The period the axis shows: the cycle, widened to any bar outside it."""
    first, last = scenario.params.start, scenario.params.deadline
    for row in rows:
        for bar in row.bars:
            first, last = min(first, bar.start), max(last, bar.end)
    return first, last + timedelta(days=1)


def _shorten(text: str) -> str:
    if display_width(text) <= LABEL_COLUMNS:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > LABEL_COLUMNS - 2:
            break
        out += ch
    return out + "…"


def _timeline(scenario: Scenario, rows: Sequence[_Row], today: date | None = None) -> str:
    """A Gantt chart as inline SVG: a row per item, ticks at each year and month; after a replan a
    line at its ``--today``."""
    if not rows:
        return '<p class="empty">本计划没有巡查安排。</p>'
    first, stop = _span(scenario, rows)
    days = max((stop - first).days, 1)
    chart = SVG_WIDTH - LABEL_WIDTH - 10

    def x(day: date) -> float:
        return LABEL_WIDTH + chart * (day - first).days / days

    height = AXIS_HEIGHT + ROW_HEIGHT * len(rows) + 6
    parts = [f'<svg viewBox="0 0 {SVG_WIDTH} {height}" width="{SVG_WIDTH}" height="{height}" role="img">']
    parts += _axis(first, stop, x, height)
    for i, row in enumerate(rows):
        y = AXIS_HEIGHT + i * ROW_HEIGHT
        parts.append('<g class="row">')
        parts.append(
            f'<rect class="bg" x="0" y="{y}" width="{SVG_WIDTH}" height="{ROW_HEIGHT}" fill="none"/>'
        )
        parts.append(
            f'<text x="6" y="{y + ROW_HEIGHT - 7}"><title>{escape(row.label)}</title>'
            f"{escape(_shorten(row.label))}</text>"
        )
        for bar in row.bars:
            left = x(bar.start)
            width = max(x(bar.end + timedelta(days=1)) - left, 3.0)
            css = "bar lead" if bar.lead else "bar"
            parts.append(
                f'<rect class="{css}" x="{left:.1f}" y="{y + 4}" width="{width:.1f}" '
                f'height="{ROW_HEIGHT - 8}" rx="2" fill="{bar.colour}">'
                f"<title>{escape(bar.tooltip)}</title></rect>"
            )
        parts.append("</g>")
    deadline = scenario.params.deadline + timedelta(days=1)
    if first <= deadline <= stop:
        dx = x(deadline)
        parts.append(
            f'<line class="deadline" x1="{dx:.1f}" x2="{dx:.1f}" y1="{AXIS_HEIGHT - 6}" y2="{height}"/>'
        )
        parts.append(
            f'<text x="{dx - 4:.1f}" y="{AXIS_HEIGHT - 24}" text-anchor="end" fill="#dc2626">完成时限</text>'
        )
    if today is not None and first <= today <= stop:
        tx = x(today)
        parts.append(
            f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="{AXIS_HEIGHT - 6}" y2="{height}"/>'
        )
        parts.append(
            f'<text x="{tx + 4:.1f}" y="{AXIS_HEIGHT - 24}" fill="#059669">'
            f"调整日期 {escape(date_cn(today))}</text>"
        )
    parts.append("</svg>")
    return '<div class="panel">' + "".join(parts) + "</div>"


def _axis(first: date, stop: date, x: Callable[[date], float], height: int) -> list[str]:
    parts = []
    month = date(first.year, first.month, 1)
    while month < stop:
        if month >= first:
            mx = x(month)
            css = "tick" if month.month == 1 else "minor"
            parts.append(
                f'<line class="{css}" x1="{mx:.1f}" x2="{mx:.1f}" y1="{AXIS_HEIGHT - 8}" y2="{height}"/>'
            )
            if month.month in (1, 4, 7, 10):
                label = f"{month.year}年" if month.month == 1 else f"{month.month}月"
                weight = ' font-weight="700"' if month.month == 1 else ' fill="#6b7280"'
                parts.append(f'<text x="{mx + 3:.1f}" y="{AXIS_HEIGHT - 12}"{weight}>{label}</text>')
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    if first.month != 1 or first.day != 1:
        parts.append(
            f'<text x="{LABEL_WIDTH + 3}" y="{AXIS_HEIGHT - 24}" font-weight="700">{first.year}年</text>'
        )
    return parts


def _tier_legend(*, lead_note: bool = False) -> str:
    items = [_swatch(f"background:{TIER_COLOURS[t]}", tier_label(t)) for t in TIERS]
    if lead_note:
        items.append(_swatch("border:2px solid #111827", f"黑框：任{ROLE_LEADER}"))
    items.append(_swatch("border-top:2px dashed #dc2626;height:0", "完成时限"))
    return '<div class="legend">' + "".join(items) + "</div>"


def _swatch(style: str, label: str) -> str:
    return f'<span><i style="{style}"></i>{escape(label)}</span>'


# -- workload ---------------------------------------------------------------------------------


def _workload(scenario: Scenario, plan: Plan) -> str:
    loads = workload(scenario, plan)
    if not loads:
        return '<p class="empty">专家库为空。</p>'
    years = plan_years(scenario, plan)
    colours = {year: YEAR_COLOURS[i % len(YEAR_COLOURS)] for i, year in enumerate(years)}
    totals = {e: sum(per_year.values()) for e, per_year in loads.items()}
    peak = max(totals.values()) or 1
    order = sorted(loads, key=lambda e: (-totals[e], e))
    lines = ['<div class="panel"><div class="load">']
    for expert_id in order:
        segments = []
        for year in years:
            days = loads[expert_id].get(year, 0)
            if days:
                segments.append(
                    f'<span style="width:{100 * days / peak:.2f}%;background:{colours[year]}" '
                    f'title="{year}年：{days} 天"></span>'
                )
        lines.append(
            f"<div>{escape(expert_label(scenario, expert_id))}</div>"
            f'<div class="track">{"".join(segments)}</div>'
            f'<div class="num">{totals[expert_id]} 天</div>'
        )
    lines.append("</div>")
    legend = "".join(_swatch(f"background:{colours[y]}", f"{y}年") for y in years)
    lines.append(f'<div class="legend">{legend}</div></div>')
    return "".join(lines)


# -- lists -----------------------------------------------------------------------------------


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inst_cells(scenario: Scenario, inst_id: str) -> list[str]:
    inst = scenario.institution_by_id.get(inst_id)
    return [
        inst_id,
        institution_name(scenario, inst_id),
        inst.district if inst else "",
        tier_label(inst.tier) if inst else "",
    ]


def _left_out(scenario: Scenario, plan: Plan) -> str:
    if not plan.unscheduled:
        return '<p class="empty">所有机构均已安排巡查。</p>'
    rows = [
        [
            *_inst_cells(scenario, u.institution),
            plain_rules(reasons_text(u.reasons)),
            rule_name(u.rule) if u.rule else "",
        ]
        for u in plan.unscheduled
    ]
    return _table(["编号", "机构名称", "区县", "类别", "原因", "规则"], rows)


def _changes(scenario: Scenario, changes: Sequence[Change], today: date | None) -> str:
    """A replan's change list: one row per changed visit, what changed in words, and why."""
    head = ""
    if today is not None:
        head = (
            f'<p class="sub">调整日期：{escape(date_cn(today))}。此前已开始的巡查不变；'
            "新增或改动的巡查均在通知期之后开始。</p>"
        )
    if not changes:
        return head + '<p class="empty">与原计划相比没有变更。</p>'
    rows = [
        [
            c.institution,
            institution_name(scenario, c.institution),
            c.label,
            c.summary or " → ".join(part or "—" for part in (c.before, c.after)),
            plain_rules(c.reason),
        ]
        for c in changes
    ]
    return head + _table(["编号", "机构名称", "变更类型", "变更内容", "原因"], rows)


def _milestones(scenario: Scenario, plan: Plan) -> str:
    """The whole round per visited institution (R14, R15): the 时间节点 sheet's table."""
    rows = milestones.rows(scenario, plan)
    if not rows:
        return '<p class="empty">没有安排巡查。</p>'
    cells = [[c.isoformat() if isinstance(c, date) else str(c) for c in row[1:]] for row in rows]
    return _table(milestones.HEADERS[1:], cells)


def _exempt(scenario: Scenario, plan: Plan) -> str:
    if not plan.exempt:
        return '<p class="empty">本轮没有免检机构。</p>'
    return _table(["编号", "机构名称", "区县", "类别"], [_inst_cells(scenario, i) for i in plan.exempt])


def _footer(plan: Plan) -> str:
    facts = []
    seconds = plan.stats.get("solve_seconds")
    if isinstance(seconds, int | float):
        facts.append(f"求解用时 {seconds:.1f} 秒")
    facts.append(f"方案状态：{status_label(plan.status)}")
    return f"<footer>{escape(' · '.join(facts))} · 本页由巡查计划编排工具生成，可离线查看和打印。</footer>"
