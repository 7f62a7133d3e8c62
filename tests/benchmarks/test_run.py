"""The benchmark table's measures, from a hand-made plan (the solver is not run here)."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import date

import pytest
from rich.console import Console

from benchmarks.bounds import LEADERS, PERSON_DAYS
from benchmarks.run import BenchmarkError, _kinds, _solver, pool_rows, render, worst
from inputs.scenario import DEFAULT_TIER_RULES, Expert, Institution, Params, Scenario, TierRule
from scheduler.plan import Plan, Visit

TWO = ("党建", "财务")


def two_district_round() -> Scenario:
    rules = dict(DEFAULT_TIER_RULES)
    rules["grassroots"] = TierRule("grassroots", 1, 2, 4, TWO)
    return Scenario(
        params=Params("测试", date(2025, 1, 1), date(2025, 12, 31), home_district_only=True),
        institutions=(
            Institution("A-G1", "甲卫生院", "A区", "grassroots"),
            Institution("A-G2", "乙卫生院", "A区", "grassroots"),
            Institution("B-G1", "丙卫生院", "B区", "grassroots"),
        ),
        experts=(
            Expert("A1", "张一", "A区", TWO, leader=True),
            Expert("A2", "张二", "A区", TWO),
            Expert("A3", "张三", "A区", TWO),
            Expert("B1", "李一", "B区", TWO, leader=True),
            Expert("B2", "李二", "B区", TWO, leader=True),
        ),
        tier_rules=rules,
    )


def plan() -> Plan:
    # A区: A1, the only leader, leads both 1-day visits → heaviest 2. Bound: person-days 2×2/3,
    # leaders 2/1 = 2, skills 2/3 → 2, decided by leaders → ratio 1.0.
    # B区: one grassroots visit (minimum 1 day, team 2) made as a 2-day visit → heaviest 2. Bound:
    # person-days 1×2/2 = 1, leaders 1/2, skills 1/2 → 1 → ratio 2.0.
    return Plan(
        "测试",
        "feasible",
        (
            Visit("A-G1", date(2025, 3, 3), date(2025, 3, 3), 1, "A1", ("A1", "A2")),
            Visit("A-G2", date(2025, 3, 4), date(2025, 3, 4), 1, "A1", ("A1", "A2")),
            Visit("B-G1", date(2025, 3, 3), date(2025, 3, 4), 2, "B1", ("B1", "B2")),
        ),
    )


def test_pool_rows_set_heaviest_load_beside_the_bound() -> None:
    """Each pool row carries its heaviest load, whole-day bound, ratio and deciding term."""
    rows = pool_rows(two_district_round(), plan())
    summary = [(r["pool"], r["size"], r["heaviest"], r["bound"], r["ratio"], r["decided_by"]) for r in rows]
    assert summary == [("A区", 3, 2, 2, 1.0, LEADERS), ("B区", 2, 2, 1, 2.0, PERSON_DAYS)]
    assert [(r["visited"], r["institutions"]) for r in rows] == [(2, 2), (1, 1)]
    assert worst(rows)["pool"] == "B区"


def test_render_prints_both_tables() -> None:
    """The table shows each round and each pool, with errors in place of a failed round."""
    rows = pool_rows(two_district_round(), plan())
    result = {
        "kind": "district",
        "institutions": 3,
        "to_visit": 3,
        "experts": 4,
        "scheduled": 3,
        "status": "feasible",
        "wall_s": 0.5,
        "peak_mib": 120.0,
        "violations": 0,
        "pools": rows,
        "worst_ratio": 2.0,
        "worst_pool": "B区",
    }
    out = io.StringIO()
    render([result, {"kind": "province", "error": "exit code 1"}], Console(file=out, width=200))
    text = out.getvalue()
    assert "A区" in text and "B区" in text and "2.00" in text
    assert "error: exit code 1" in text


def test_kinds_option_accepts_only_known_kinds() -> None:
    """--kinds takes a comma-separated subset of district, city, province."""
    assert _kinds("city, province") == ["city", "province"]
    with pytest.raises(argparse.ArgumentTypeError, match="district"):
        _kinds("county")


def test_missing_solver_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``scheduler.solve`` the runner stops with a message naming it, instead of a traceback."""
    monkeypatch.setitem(sys.modules, "scheduler.solve", None)  # makes the import fail
    with pytest.raises(BenchmarkError, match=r"scheduler\.solve"):
        _solver()
