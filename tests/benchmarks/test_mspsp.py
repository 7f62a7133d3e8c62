"""The MSPSP adapter (benchmarks.mspsp): a tiny instance read, mapped and solved to its optimum by hand.

Activities 2–4 between two dummies: 2 (3 days) needs one S1 and one S2, 3 (2 days) two S1, 4 (4 days)
one S2; 2 precedes 3. Resources: R1 masters S1 and S2, R2 S1, R3 S2. Activity 2 takes R1/R2 on S1
and R1/R3 on S2 — two of the three; 3 needs R1 and R2 (the only S1 masters) after 2 ends, at day 3;
4 needs an S2 master: R3 during 0..4 fits only if 2 uses R1 on S2 and R2 on S1. So 2 on days 0–2,
3 on days 3–4, 4 on days 0–3 with R3: makespan 5 (the critical path 2 → 3 is 5 days).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.mspsp import main, published, read_dzn, solve_project, to_instance

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
    assert published(tmp_path / "results") == {"inst_set1a_tiny_00.dzn": (5, True)}


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
