"""The benchmark table's measures, from a hand-made plan (the solver is not run here)."""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import replace
from datetime import date

import pytest
from rich.console import Console

from benchmarks.bounds import ATTAINED, LEADERS, PERSON_DAYS, SEARCH_GAP
from benchmarks.run import (
    INCOMPLETE,
    BenchmarkError,
    Round,
    _kinds,
    _sizes,
    _solver,
    add_growth,
    pool_rows,
    render,
    render_sweep,
    run_one,
    sweep,
    worst,
    worst_best,
)
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
    # B区's 2-day visit is above the stronger bound too (1: one-day visits make any load)
    assert [(r["stronger"], r["label"]) for r in rows] == [(2, ATTAINED), (1, SEARCH_GAP)]


def test_a_pool_with_institutions_left_out_is_incomplete() -> None:
    """A pool whose plan leaves an institution out is not diagnosed as at its bound."""
    partial = Plan("测试", "partial", plan().visits[1:])
    rows = pool_rows(two_district_round(), partial)
    assert [r["label"] for r in rows] == [INCOMPLETE, SEARCH_GAP]


def test_pool_rows_count_the_follow_ups_in_the_bounds() -> None:
    """A 回头看 the plan gives 甲卫生院 is a visit of its own in the bounds: A区's only leader A1 leads
    the two first visits and the follow-up (leaders 3/1 = 3), so A1's 3 days are at the bound; a
    follow-up marked in the institutions sheet but missing from the plan makes its pool incomplete."""
    followup = Visit("A-G1", date(2025, 9, 1), date(2025, 9, 1), 1, "A1", ("A1", "A3"), kind="followup")
    with_followup = Plan("测试", "feasible", (*plan().visits, followup))
    rows = pool_rows(two_district_round(), with_followup)
    a = rows[0]
    assert (a["pool"], a["heaviest"], a["bound"], a["stronger"], a["label"]) == ("A区", 3, 3, 3, ATTAINED)
    marked = two_district_round()
    marked = replace(
        marked, institutions=(replace(marked.institutions[0], followup=True), *marked.institutions[1:])
    )
    rows = pool_rows(marked, plan())
    assert (rows[0]["bound"], rows[0]["label"]) == (3, INCOMPLETE)


def test_worst_against_the_best_bound_skips_incomplete_pools_and_takes_the_team_bound() -> None:
    """Each complete pool's heaviest load over the largest bound found for it: a load the team bound
    proves optimal counts 1.0; a pool with institutions left out does not count."""
    row = {"label": SEARCH_GAP, "heaviest": 33, "bound": 22, "stronger": 30, "whole": None}
    proven = {"label": "weak bound (teams)", "heaviest": 61, "bound": 31, "stronger": 31, "whole": 61}
    partial = {"label": INCOMPLETE, "heaviest": 40, "bound": 10, "stronger": 10, "whole": None}
    assert worst_best([row, proven, partial]) == pytest.approx(1.1)
    assert worst_best([partial]) is None


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
    assert "search gap" in text and "bound attained" in text
    assert "pd 1.3 · ld 2.0 · 党建 0.7 · 财务 0.7" in text  # A区's terms beside its loads


def test_kinds_option_accepts_only_known_kinds() -> None:
    """--kinds takes a comma-separated subset of district, city, province."""
    assert _kinds("city, province") == ["city", "province"]
    assert _kinds("open") == ["open"]  # the one open pool (issue 13): not in the default table
    with pytest.raises(argparse.ArgumentTypeError, match="district"):
        _kinds("county")


def test_sizes_option_takes_whole_numbers() -> None:
    """--sizes takes a comma-separated list of sizes."""
    assert _sizes("400,1600, 6400") == [400, 1600, 6400]
    for bad in ("", "4k", "0,100"):
        with pytest.raises(argparse.ArgumentTypeError, match="sizes"):
            _sizes(bad)


def test_sweep_runs_the_cli_in_a_child_and_measures_it() -> None:
    """A tiny national round through ``schedule solve`` in a child process: scheduled in full, valid,
    with its times, its child's peak memory and the worst ratio."""
    pytest.importorskip("outputs.scenario_csv")
    (r,) = sweep([8], seed=2, time_limit=5)
    assert r.get("error") is None
    assert r["exit_code"] == 0 and r["scheduled"] == r["institutions"] == 8 and r["violations"] == 0
    assert r["wall_s"] > 0 and r["solve_s"] is not None and r["outputs_s"] > 0 and r["peak_mib"] > 50
    assert r["worst_ratio"] >= 1.0 and sum(r["labels"].values()) == r["pools"]
    out = io.StringIO()
    render_sweep([r, {"size": 16, "error": "exit code 1"}], Console(file=out, width=250))
    assert "growth/doubling" in out.getvalue() and "error: exit code 1" in out.getvalue()


def test_growth_per_doubling() -> None:
    """Wall time ×2 over ×2 the size is 2.0 (linear); ×16 over ×4 the size is 4.0 (quadratic); a
    failed size has none and gives none to the next."""
    results = [
        {"size": 100, "wall_s": 1.0},
        {"size": 200, "wall_s": 2.0},
        {"size": 800, "wall_s": 32.0},
        {"size": 1600, "error": "x"},
        {"size": 3200, "wall_s": 5.0},
    ]
    add_growth(results)
    assert [r.get("growth_per_doubling") for r in results] == [None, 2.0, 4.0, None, None]


def test_missing_solver_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``scheduler.solve`` the runner stops with a message naming it, instead of a traceback."""
    monkeypatch.setitem(sys.modules, "scheduler.solve", None)  # makes the import fail
    with pytest.raises(BenchmarkError, match=r"scheduler\.solve"):
        _solver()


def test_a_round_with_follow_ups_is_planned_whole_and_valid() -> None:
    """``--followups``: the district round with a fifth of its institutions followed up is solved with
    every institution and its follow-ups placed, and the independent checker finds nothing."""
    result = run_one(Round("district", 1, 10.0, followups=0.2))
    assert result["followups"] == 0.2
    assert result["unscheduled"] == 0 and result["violations"] == 0
    assert result["scheduled"] > result["to_visit"]  # the follow-ups are visits of their own
    # the bounds count the follow-ups: no pool's heaviest load is below its bound
    assert all(r["heaviest"] >= r["stronger"] >= r["bound"] for r in result["pools"])
