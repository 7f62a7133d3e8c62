"""The MSPSP adapter (benchmarks.mspsp): a tiny instance read, mapped and solved to its optimum by hand.

Activities 2–4 between two dummies: 2 (3 days) needs one S1 and one S2, 3 (2 days) two S1, 4 (4 days)
one S2; 2 precedes 3. Resources: R1 masters S1 and S2, R2 S1, R3 S2. Activity 2 takes R1/R2 on S1
and R1/R3 on S2 — two of the three; 3 needs R1 and R2 (the only S1 masters) after 2 ends, at day 3;
4 needs an S2 master: R3 during 0..4 fits only if 2 uses R1 on S2 and R2 on S1. So 2 on days 0–2,
3 on days 3–4, 4 on days 0–3 with R3: makespan 5 (the critical path 2 → 3 is 5 days).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

import benchmarks.mspsp as mspsp
from benchmarks.mspsp import (
    Outcome,
    Published,
    Timing,
    _makespan,
    _search,
    _skill_capacities,
    main,
    published,
    read_dzn,
    solve_project,
    to_instance,
)
from scheduler.cpsat import parameters
from scheduler.greedy import greedy
from scheduler.model import build_variables

DZN = """\
% a hand-made instance
mint = 5;
% maxt = 9;
nActs = 5;
dur = [0,3,2,4,0];
nSkills = 2;
sreq = [| 0,0,
\t| 1,1,
\t| 2,0,
\t| 0,1,
\t| 0,0, |];
nResources = 3;
mastery = [| true,true,
\t| true,false,
\t| false,true, |];
nPrecs = 5;
pred = [1,1,1,2,3];
succ = [2,3,4,3,5];
"""


def _write(folder: Path) -> Path:
    (folder / "instances").mkdir(parents=True)
    path = folder / "instances" / "inst_set1a_tiny_00.dzn"
    path.write_text(DZN, encoding="utf-8")
    (folder / "results").mkdir()
    (folder / "results" / "results_set1a_tiny_pris.txt").write_text(
        "instNum,optimal,LB,makespan,firstSol,UB\n0,1,5,5,7,9\n", encoding="utf-8"
    )
    return path


def test_reading_and_mapping(tmp_path: Path) -> None:
    """The .dzn becomes three tasks (dummies dropped) with skill counts, one part each, exact sizes,
    and the precedence 2 → 3 (the ones through dummies bridged away)."""
    project = read_dzn(_write(tmp_path))
    assert project.durations == (0, 3, 2, 4, 0) and project.lower_bound == 5
    instance = to_instance(project)
    assert [(t.inst.id, t.days, t.skills, t.counts, t.team_min, t.team_max) for t in instance.tasks] == [
        ("A2", 3, ("S1", "S2"), (1, 1), 2, 2),
        ("A3", 2, ("S1",), (2,), 2, 2),
        ("A4", 4, ("S2",), (1,), 1, 1),
    ]
    assert all(t.one_part_each for t in instance.tasks)
    assert [(p.before, p.after) for p in instance.precedences] == [(0, 1)]
    assert published(tmp_path / "results") == {"inst_set1a_tiny_00.dzn": Published(5, True, 5)}


def test_solved_to_the_optimum_and_checked(tmp_path: Path, capsys) -> None:
    """The engine finds makespan 5, proves it, and the independent check finds nothing wrong; the
    command prints the table and writes the JSON list."""
    outcome = solve_project(read_dzn(_write(tmp_path)), time_limit=10, workers=1)
    assert (outcome.makespan, outcome.optimal, outcome.problems) == (5, True, ())
    out = tmp_path / "out.json"
    assert (
        main([str(tmp_path / "instances"), "--time-limit", "10", "--workers", "1", "--json", str(out)]) == 0
    )
    assert "inst_set1a_tiny_00.dzn" in capsys.readouterr().out
    assert '"makespan": 5' in out.read_text(encoding="utf-8")


def test_the_search_stays_within_a_makespan(tmp_path: Path) -> None:
    """Within a makespan (here 7), each task starts early enough to end by then (instead of by the
    sum of all durations, 9); from the greedy's plan the search finds 5 and proves it."""
    project = read_dzn(_write(tmp_path))
    timing = Timing.of(project)
    wide, narrow = to_instance(project, timing), to_instance(project, timing, within=7)
    assert [t.starts for t in narrow.tasks] == [((0, 4),), ((0, 5),), ((0, 3),)]
    assert [t.starts for t in wide.tasks] == [((0, 6),), ((0, 7),), ((0, 5),)]
    plan = greedy(wide, [])
    status, found = _search(project, timing, plan, _makespan(wide, timing, plan), 10, 0, 1)
    assert status == cp_model.OPTIMAL and found is not None and found.makespan == 5


def test_time_left_goes_to_further_rounds_from_the_best_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round may stop before its time is up (the interleaved search does): the adapter searches again from
    the best plan so far, within its makespan, with the next seed, until the time is used or a round
    proves its plan optimal; the outcome is the last round's plan."""
    project = read_dzn(_write(tmp_path))
    calls: list[tuple[int | None, int, float]] = []
    real = mspsp._search

    def stopping_early(project, timing, plan, within, budget, seed, workers, portfolio=False):  # type: ignore[no-untyped-def]
        calls.append((within, seed, budget))
        status, found = real(project, timing, plan, within, budget, seed, workers, portfolio)
        assert found is not None
        if len(calls) == 1:  # as if the first search had stopped early, with a plan of 6 unproven
            return cp_model.FEASIBLE, dataclasses.replace(found, makespan=6, optimal=False)
        return status, found

    monkeypatch.setattr(mspsp, "_search", stopping_early)
    outcome = solve_project(project, time_limit=10, seed=3, workers=1)
    # the first round within the greedy's plan (6 here), the second within the first round's plan
    assert [(within, seed) for within, seed, _ in calls] == [(6, 3), (6, 4)]
    assert calls[0][2] <= 5 < calls[1][2] <= 10  # the first round (the portfolio) has half the time
    assert (outcome.makespan, outcome.optimal, outcome.problems) == (5, True, ())


def test_the_first_round_runs_cp_sats_portfolio_the_later_ones_its_interleaved_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ended by wall seconds, the table's first round runs CP-SAT's workers side by side for half the
    time; the later rounds, and every search of the product (on a deterministic budget, whose plan
    must not depend on the load), take turns."""
    table, later, product = cp_model.CpSolver(), cp_model.CpSolver(), cp_model.CpSolver()
    parameters(table, 60, 0, 2, portfolio=True)
    parameters(later, 60, 0, 2)
    parameters(product, 60, 0, 2, deterministic=5.0, portfolio=True)
    assert not table.parameters.interleave_search and table.parameters.max_time_in_seconds == 60
    assert later.parameters.interleave_search
    assert product.parameters.interleave_search and product.parameters.max_deterministic_time == 5.0
    project = read_dzn(_write(tmp_path))
    calls: list[tuple[bool, float]] = []
    real = mspsp._search

    def unproven(project, timing, plan, within, budget, seed, workers, portfolio=False):  # type: ignore[no-untyped-def]
        calls.append((portfolio, budget))
        status, found = real(project, timing, plan, within, budget, seed, workers, portfolio)
        assert found is not None
        if portfolio:  # as if the portfolio had found nothing in its half
            return cp_model.UNKNOWN, None
        return status, found

    monkeypatch.setattr(mspsp, "_search", unproven)
    outcome = solve_project(project, time_limit=10, seed=3, workers=1)
    assert [portfolio for portfolio, _ in calls] == [True, False]
    assert calls[0][1] <= 5 < calls[1][1]
    assert (outcome.makespan, outcome.optimal, outcome.problems) == (5, True, ())


# -- the files of the other sets (hand-written imitations of their differences) ---------------------

SET2_STYLE = (
    "/* set 2 writes a derived count in a comment and sets of resources; this one is packed */\r\n"
    "mint = 4; % maxt = 9;\r\n"
    "nActs = 5; dur = [0,3,2,4,0];\r\n"
    "nSkills = 2;\r\n"
    "sreq = array2d(1..5, 1..2, [0,0, 1,1, 2,0, 0,1, 0,0]);\r\n"
    "% SumOfsreq = 5;\r\n"
    "nResources = 3;\r\n"
    "mastery = [|1,1|1,0|0,1|];\r\n"
    "nPrecs = 5; pred = [1,1,1,2,3]; succ = [2,3,4,3,5];\r\n"
    "USEFUL_RES = [{}, {1,2,3}, {1,2}, {1,3}, {}];\r\n"
    "POTENTIAL_ACT = [{2,3,4}, {2,3}, {2,4}];"  # no line end at the end of the file
)


def _result(outcome: Outcome) -> tuple[int | None, bool]:
    assert not outcome.problems
    return outcome.makespan, outcome.optimal


def _instance(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_set2_layout_reads_like_set1a(tmp_path: Path) -> None:
    """Block comments, several assignments on a line, CRLF, ``array2d``, 0/1 Booleans, sets and a
    missing last line end: the same project as the set-1a text of the tiny instance."""
    same = read_dzn(_instance(tmp_path, "inst_set2a_tiny_00.dzn", SET2_STYLE))
    tiny = read_dzn(_write(tmp_path / "1a"))
    fields = ("durations", "requirements", "mastery", "precedences", "skills")
    assert all(getattr(same, f) == getattr(tiny, f) for f in fields)
    assert same.lower_bound == 4


def test_counts_guard_the_reading(tmp_path: Path) -> None:
    """A file whose arrays disagree with its counts is refused by name rather than misread."""
    for wrong in (
        DZN.replace("nActs = 5;", "nActs = 6;"),
        DZN.replace("nPrecs = 5;", "nPrecs = 4;"),
        DZN.replace("\t| false,true, |]", "\t| false, |]"),
        DZN.replace("succ = [2,3,4,3,5]", "succ = [2,3,4,3,9]"),
    ):
        with pytest.raises(ValueError, match=r"inst_bad_00\.dzn"):
            read_dzn(_instance(tmp_path, "inst_bad_00.dzn", wrong))


def test_empty_arrays_and_nothing_to_do(tmp_path: Path) -> None:
    """No precedences (``[]``), no resources, only dummies: a makespan of 0, optimal, nothing to check."""
    text = (
        "nActs = 2;\ndur = [0,0];\nnSkills = 2;\nsreq = [| 0,0 | 0,0 |];\n"
        "nResources = 0;\nmastery = [];\nnPrecs = 0;\npred = [];\nsucc = [];\n"
    )
    project = read_dzn(_instance(tmp_path, "inst_set2c_empty_00.dzn", text))
    assert (project.precedences, project.mastery, project.skills) == ((), (), 2)
    assert _result(solve_project(project, time_limit=5, workers=1)) == (0, True)


def test_activities_that_need_no_one_only_take_time(tmp_path: Path) -> None:
    """An activity with a duration but no skill (here 4, 4 days, between 2 and 3) is no task: the
    link 2 → 3 gets its 4 days as a lag; 5 (1 day, no skill) after 3 lengthens the makespan. 2 (3
    days) then 4 then 3 (2 days) then 5: 3 + 4 + 2 + 1 = 10, though ``mint`` claims 6."""
    text = (
        "mint = 6;\nnActs = 7;\ndur = [0,3,4,2,1,1,0];\nnSkills = 1;\n"
        "sreq = [| 0 | 1 | 0 | 1 | 0 | 1 | 0 |];\nnResources = 1;\nmastery = [| true |];\n"
        "nPrecs = 7;\npred = [1,2,3,4,1,6,5];\nsucc = [2,3,4,5,6,7,7];\n"
    )
    project = read_dzn(_instance(tmp_path, "inst_set2a_delay_00.dzn", text))
    instance = to_instance(project)
    assert [t.inst.id for t in instance.tasks] == ["A2", "A4", "A6"]
    assert [(p.before, p.after, p.lag) for p in instance.precedences] == [(0, 1, 4)]
    outcome = solve_project(project, time_limit=10, workers=1)
    assert (outcome.makespan, outcome.optimal, outcome.problems) == (10, True, ())


def test_skills_nobody_masters(tmp_path: Path) -> None:
    """A skill no resource has is harmless while no activity asks for it; asked for, the instance
    has no schedule, and that is proven (``none`` in the table), not left open."""
    text = (
        "nActs = 5;\ndur = [0,3,2,4,0];\nnSkills = 3;\n"
        "sreq = [| 0,0,0 | 1,1,0 | 2,0,0 | 0,1,0 | 0,0,0 |];\nnResources = 3;\n"
        "mastery = [| true,true,false | true,false,false | false,true,false |];\n"
        "nPrecs = 5;\npred = [1,1,1,2,3];\nsucc = [2,3,4,3,5];\n"
    )
    unused = read_dzn(_instance(tmp_path, "inst_set2b_unused_00.dzn", text))
    assert unused.skills == 3 and _result(solve_project(unused, time_limit=10, workers=1)) == (5, True)
    asked = read_dzn(_instance(tmp_path, "inst_set2b_asked_00.dzn", text.replace("| 0,1,0 |", "| 0,1,1 |")))
    assert _result(solve_project(asked, time_limit=10, workers=1)) == (None, True)


def test_results_with_repeated_numbers_nested_and_checked(tmp_path: Path, capsys) -> None:
    """Set 2's results files: some number every row 0, lack the last line end and lie one folder
    deeper (``results/<set>/results``); rows then go by their order. A row whose ``LB`` is not the
    instance's ``mint`` is reported."""
    deep = tmp_path / "results" / "set-2c" / "results"
    deep.mkdir(parents=True)
    (deep / "results_set2c_tiny_pris.txt").write_text(
        "instNum,optimal,LB,makespan,firstSol,UB\n0,1,5,5,7,9\n0,0,4,6,7,9", encoding="utf-8"
    )
    assert published(tmp_path / "results") == {
        "inst_set2c_tiny_00.dzn": Published(5, True, 5),
        "inst_set2c_tiny_01.dzn": Published(6, False, 4),
    }
    (tmp_path / "instances").mkdir()
    _instance(tmp_path / "instances", "inst_set2c_tiny_00.dzn", DZN)
    _instance(tmp_path / "instances", "inst_set2c_tiny_01.dzn", DZN)  # mint 5, but its row says LB 4
    assert main([str(tmp_path / "instances"), "--time-limit", "10", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "its results row has LB 4, its file mint 5" in out
    assert "2 instances: 2 proven optimal, 1 equal to the published makespan, 1 better, 0 worse" in out


def test_fifteen_skills_post_only_useful_skill_sets(tmp_path: Path) -> None:
    """With 15 skills, the redundant capacities are posted for closed, connected skill sets only:
    here each resource masters one skill of its own, so every union of skills splits into parts with
    no master in common and only the 15 single skills are left — not 2^15 - 1 cumulatives, whose
    presolve broke the time limit (set 2b)."""
    skills = 15
    rows = ",\n\t| ".join(
        ",".join("1" if s == a % skills else "0" for s in range(skills)) for a in range(1, 21)
    )
    zero = ",".join("0" * skills)
    masters = "|".join(",".join("1" if s == r else "0" for s in range(skills)) for r in range(skills))
    text = (
        f"nActs = 22;\ndur = [0,{','.join('2' * 20)},0];\nnSkills = {skills};\n"
        f"sreq = [| {zero},\n\t| {rows},\n\t| {zero} |];\nnResources = {skills};\n"
        f"mastery = [|{masters}|];\nnPrecs = 0;\npred = [];\nsucc = [];\n"
    )
    project = read_dzn(_instance(tmp_path, "inst_set2b_wide_00.dzn", text))
    instance = to_instance(project)
    m = build_variables(instance, instance.tasks, require_all=True)
    before = len(m.cp.proto.constraints)
    _skill_capacities(m, project)
    assert len(m.cp.proto.constraints) - before <= 20 + skills  # the 20 spans, at most 15 cumulatives
    outcome = solve_project(project, time_limit=10, workers=1)
    assert (outcome.makespan, outcome.optimal, outcome.problems) == (4, True, ())
