"""report.html: a self-contained page, escaped, and loaded in headless Chromium."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from inputs.scenario import Institution, Scenario
from outputs.report import READY_ATTRIBUTE, READY_MESSAGE, report_html, write_report
from scheduler.plan import Plan

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium fonts-noto-cjk)"
)


def test_the_page_loads_nothing_from_elsewhere(scenario: Scenario, plan: Plan) -> None:
    """No src/href/url() points to http(s) or a protocol-relative address; no <link> or external script."""
    html = report_html(scenario, plan)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.IGNORECASE)
    assert "@import" not in html
    assert "<link" not in html.lower()
    assert "<script src" not in html.lower()
    assert "http://" not in html and "https://" not in html


def test_the_page_shows_headline_figures_and_the_left_out(scenario: Scenario, plan: Plan) -> None:
    """Counts, the heaviest load, every institution and expert, and the reasons for leaving G2 out."""
    html = report_html(scenario, plan)
    for text in ("机构总数", "已安排巡查", "未安排", "免检", "最重负荷", "12 天", "部分安排"):
        assert text in html
    for visit in plan.visits:
        assert scenario.institution_by_id[visit.institution].name in html
    for expert in scenario.experts:
        assert f"{expert.name}（{expert.id}）" in html
    assert "回避：可派专家均与该机构存在回避关系" in html
    assert "区第二人民医院" in html  # exempt
    assert "2025年" in html and "2026年" in html  # year ticks


def test_all_text_is_escaped(scenario: Scenario, plan: Plan) -> None:
    """An institution named like markup appears as text, never as a tag."""
    evil = "<script>alert('x')</script>&医院"
    institutions = tuple(
        dataclasses.replace(i, name=evil) if i.id == "H2" else i for i in scenario.institutions
    )
    html = report_html(dataclasses.replace(scenario, institutions=institutions), plan)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;医院" in html
    assert html.count("<script>") == 1  # only the page's own


def test_standing_teams_get_their_own_timeline(scenario: Scenario, plan: Plan) -> None:
    """When visits name a standing team, a timeline by team appears; without teams it does not."""
    assert "按巡查组的时间安排" not in report_html(scenario, plan)
    teamed = dataclasses.replace(
        plan, visits=tuple(dataclasses.replace(v, team="医院组") for v in plan.visits)
    )
    html = report_html(scenario, teamed)
    assert "按巡查组的时间安排" in html and "医院组" in html


def test_a_plan_without_visits_still_renders(scenario: Scenario, plan: Plan) -> None:
    """No visits: the page says so instead of drawing empty charts."""
    html = report_html(scenario, dataclasses.replace(plan, visits=(), status="infeasible"))
    assert "本计划没有巡查安排" in html and "未找到可行方案" in html


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@needs_chromium
def test_chromium_renders_the_page_without_console_errors(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """Headless Chromium takes a screenshot, the page's script runs (DOM marker) and logs no error."""
    # A scenario with more rows than the fixture, so the page is not trivially short.
    extra = tuple(Institution(f"X{i}", f"第{i}社区卫生服务中心", "巴南", "grassroots") for i in range(1, 6))
    scenario = dataclasses.replace(scenario, institutions=scenario.institutions + extra)
    page = tmp_path / "report.html"
    write_report(scenario, plan, page)
    shot = tmp_path / "report.png"
    run = _chromium(
        f"--screenshot={shot}",
        "--window-size=1400,2000",
        "--enable-logging=stderr",
        "--v=0",
        page.as_uri(),
        profile=tmp_path / "profile-1",
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Chromium logs every console message (errors, failed loads, uncaught exceptions) as a CONSOLE line.
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert len(console) == 1 and f'"{READY_MESSAGE}"' in console[0], console or run.stderr[-2000:]
    assert "Uncaught" not in run.stderr
    dom = _chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile-2")
    assert f'{READY_ATTRIBUTE}="1"' in dom.stdout
    assert "巡查计划报告" in dom.stdout
