"""R16 pins and R9 caps checked when the scenario is read: a pin that breaks a rule by itself, two pins
that cannot both hold, and a cap below its minimum are input errors naming the sheet, row, column,
value as typed, the rule and why.

The base round (``tests.inputs.helpers``): 2025, home district only; H1 (tertiary general, E1's
employer) and G1 (grassroots) in 巴南区; E1 (leader) and E2 (not a leader) in 巴南区, E3 (leader) in
长寿区. Row 2 of the institutions sheet is H1, row 3 is G1.
"""

from __future__ import annotations

from pathlib import Path

from inputs.reader import read_scenario
from tests.inputs.helpers import Sheets, base_sheets, problems, write_folder


def _pinned(pins: dict[str, dict[str, str]], extra_rows: tuple[list[str], ...] = ()) -> Sheets:
    """The base sheets with pin columns; ``pins`` maps an institution id to its pin cells."""
    sheets = base_sheets()
    rows = sheets["institutions"]
    columns = ["fixed_start", "fixed_leader", "fixed_members"]
    rows[0] = [*rows[0], *columns]
    for row in rows[1:]:
        row.extend(pins.get(row[0], {}).get(c, "") for c in columns)
    for extra in extra_rows:
        rows.append([*extra, *(pins.get(extra[0], {}).get(c, "") for c in columns)])
    return sheets


def _only(tmp_path: Path, sheets: Sheets):
    found = problems(write_folder(tmp_path / "round", sheets))
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def test_valid_pins_are_read(tmp_path):
    """G1 pinned to Monday 2025-03-10 with E2; H1 led by E1's colleague-free leader is not pinned."""
    sheets = _pinned({"G1": {"fixed_start": "2025/3/10", "fixed_members": "E2"}})
    scenario = read_scenario(write_folder(tmp_path / "round", sheets))
    g1 = scenario.institution_by_id["G1"]
    assert g1.fixed_start.isoformat() == "2025-03-10" and g1.fixed_members == ("E2",)
    assert scenario.institution_by_id["H1"].fixed_start is None


def test_holiday_start(tmp_path):
    """National Day is no working day: the cell, as typed, is named with R2."""
    problem = _only(tmp_path, _pinned({"G1": {"fixed_start": "2025-10-01"}}))
    assert (problem.row, problem.column, problem.value) == (3, "fixed_start", "2025-10-01")
    assert "法定节假日" in problem.reason and "R2" in problem.reason


def test_weekend_start(tmp_path):
    problem = _only(tmp_path, _pinned({"G1": {"fixed_start": "2025-01-11"}}))
    assert "周末" in problem.reason


def test_start_outside_the_cycle(tmp_path):
    problem = _only(tmp_path, _pinned({"G1": {"fixed_start": "2026-01-05"}}))
    assert "不在本轮巡查周期" in problem.reason and "R3" in problem.reason


def test_visit_would_cross_the_deadline(tmp_path):
    """H1 needs 7 working days; from 2025-12-29 they run past the deadline 2025-12-31."""
    problem = _only(tmp_path, _pinned({"H1": {"fixed_start": "2025-12-29"}}))
    assert problem.row == 2 and "超过截止日期" in problem.reason


def test_start_after_the_latest_end(tmp_path):
    """G1 must be done by 2025-03-31 (its 最晚结束); a pin on 04-01 is outside its window."""
    sheets = _pinned({"G1": {"fixed_start": "2025-04-01"}})
    sheets["institutions"][0].append("latest")
    sheets["institutions"][1].append("")
    sheets["institutions"][2].append("2025-03-31")
    problem = _only(tmp_path, sheets)
    assert "最晚结束日期" in problem.reason


def test_recused_leader_and_one_who_may_not_lead(tmp_path):
    """E1 works at H1 (R6); E2 may not lead (R4): each pin is one problem on 指定组长."""
    found = problems(
        write_folder(
            tmp_path / "round", _pinned({"H1": {"fixed_leader": "E1"}, "G1": {"fixed_leader": "E2"}})
        )
    )
    assert [(p.row, p.column, p.value) for p in found] == [
        (2, "fixed_leader", "E1"),
        (3, "fixed_leader", "E2"),
    ]
    assert "R6" in found[0].reason and "其工作单位即为测试区人民医院" in found[0].reason
    assert "不可任组长" in found[1].reason


def test_member_on_the_conflicts_sheet(tmp_path):
    """E2 is listed against G1 with a reason: the pin names the row's reason (R6)."""
    sheets = _pinned({"G1": {"fixed_members": "E2"}})
    sheets["conflicts"] = [["expert_id", "institution_id", "reason"], ["E2", "G1", "近亲属在该院任职"]]
    problem = _only(tmp_path, sheets)
    assert (problem.column, problem.value) == ("fixed_members", "E2")
    assert "回避名单中列有该机构（近亲属在该院任职）（R6 回避）" in problem.reason


def test_member_from_an_excluded_district(tmp_path):
    """Home district only: E3 from 长寿区 may not visit G1 in 巴南区; the member is named alone."""
    problem = _only(tmp_path, _pinned({"G1": {"fixed_members": "E2;E3"}}))
    assert (problem.column, problem.value) == ("fixed_members", "E3") and "R7" in problem.reason
    assert (
        "本轮规定专家只检查本区县（巴南区）的机构" in problem.reason
        and problem.expected == "巴南区的专家编号"
    )


def test_member_outside_the_pairing(tmp_path):
    """长寿区 inspects 巴南区's hospitals: E1, from 巴南区, may not sit on H1's team, E3 may (R7)."""
    sheets = _pinned({"H1": {"fixed_members": "E3;E2"}})
    sheets["pairings"] = [["inspecting_district", "inspected_district"], ["长寿区", "巴南区"]]
    problem = _only(tmp_path, sheets)
    assert (problem.column, problem.value) == ("fixed_members", "E2")
    assert "按交叉检查安排，巴南区的该类机构由长寿区的专家检查" in problem.reason


def test_unknown_expert(tmp_path):
    problem = _only(tmp_path, _pinned({"G1": {"fixed_members": "E9"}}))
    assert problem.value == "E9" and "专家编号" in problem.reason


def test_absent_member_on_the_pinned_dates(tmp_path):
    """E2 is away in March; pinned to G1 on 03-10 that is an input error, without the date it is not."""
    sheets = _pinned({"G1": {"fixed_start": "2025-03-10", "fixed_members": "E2"}})
    sheets["unavailability"] = [
        ["expert_id", "start", "end", "reason"],
        ["E2", "2025-03-01", "2025-03-31", "进修"],
    ]
    problem = _only(tmp_path, sheets)
    assert problem.value == "E2" and "不可用" in problem.reason and "进修" in problem.reason
    sheets = _pinned({"G1": {"fixed_members": "E2"}})
    sheets["unavailability"] = [["expert_id", "start", "end"], ["E2", "2025-03-01", "2025-03-31"]]
    read_scenario(write_folder(tmp_path / "later", sheets))


def test_one_expert_pinned_to_two_overlapping_visits(tmp_path):
    """E2 pinned to G1 and G2, both on 2025-03-10: the second pin is named, with both visits."""
    pins = {g: {"fixed_start": "2025-03-10", "fixed_members": "E2"} for g in ("G1", "G2")}
    sheets = _pinned(pins, (["G2", "测试二镇卫生院", "巴南区", "grassroots", "", "", ""],))
    problem = _only(tmp_path, sheets)
    assert (problem.row, problem.value) == (4, "E2") and "G1" in problem.reason and "R5" in problem.reason


def test_pinned_team_above_the_tier_maximum(tmp_path):
    """A grassroots team has at most 4 members; five pinned (with the leader) is too many."""
    sheets = _pinned({"G1": {"fixed_leader": "E1", "fixed_members": "E2;E4;E5;E6"}})
    sheets["experts"] += [[f"E{k}", f"专家{k}", "巴南区", "财务", "", "否"] for k in (4, 5, 6)]
    problem = _only(tmp_path, sheets)
    assert problem.column == "fixed_members" and "人数上限 4" in problem.reason


def test_quota_cap_below_its_minimum(tmp_path):
    """At least 2 and at most 1 grassroots institution in 2025 cannot both hold."""
    sheets = base_sheets()
    sheets["quotas"] = [["year", "tier", "min_count", "max_count"], ["2025", "基层", "1", "0"]]
    problem = _only(tmp_path, sheets)
    assert problem.column == "max_count" and problem.value == "0" and "R9" in problem.reason
    sheets["quotas"] = [["年度", "类别", "最低比例", "最高比例"], ["2025", "基层", "50%", "40%"]]
    problem = _only(tmp_path, sheets)
    assert problem.column == "最高比例" and "最低比例" in problem.reason


def test_pace_param(tmp_path):
    """``pace`` reads 均衡/尽早 and English; anything else is named."""
    sheets = base_sheets()
    sheets["params"].append(["进度安排", "尽早"])
    assert read_scenario(write_folder(tmp_path / "a", sheets)).params.pace == "early"
    assert read_scenario(write_folder(tmp_path / "b", base_sheets())).params.pace == "even"
    sheets["params"][-1] = ["pace", "slow"]
    problem = _only(tmp_path, sheets)
    assert problem.value == "slow" and "均衡" in (problem.expected or "")
