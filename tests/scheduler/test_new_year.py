"""Property tests over New Year: short rounds from December to January with visits of several days and
tight yearly caps, where a visit straddling New Year, its days split between the two years' caps (R8),
is often the only way to use an expert's last days of a year. The random rounds of
``test_solve_properties`` run over New Year too, but their caps seldom make a straddling visit worth it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints import replanning
from constraints.registry import validate
from inputs.scenario import Scenario
from scheduler.greedy import greedy
from scheduler.instance import build_instance
from scheduler.replan import replan
from scheduler.solve import solve, to_plan
from tests.constraints.builders import inst
from tests.scheduler.conftest import D, allround, check_plan, scenario, solve_checked

SOME = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def new_year_rounds(draw) -> Scenario:
    """2 to 6 grassroots centres of 2 to 5 days (some pinned to a year), 3 to 6 all-round experts of
    whom one or two may lead, yearly caps of 3 to 8 days, December 2024 to January 2025."""
    institutions = [
        inst(
            f"G{i}",
            f"第{i}社区卫生服务中心",
            "grassroots",
            min_days=draw(st.integers(2, 5)),
            year=draw(st.sampled_from([None, None, 2024, 2025])),
        )
        for i in range(1, draw(st.integers(2, 6)) + 1)
    ]
    leaders = draw(st.integers(1, 2))
    experts = [
        allround(f"E{k}", leader=k <= leaders, max_days=draw(st.sampled_from([None, 3, 4, 6, 8])))
        for k in range(1, draw(st.integers(3, 6)) + 1)
    ]
    return scenario(
        institutions,
        experts,
        start=D("2024-12-02"),
        deadline=D("2025-01-31"),
        rest_days=draw(st.integers(0, 1)),
        max_days_per_year=draw(st.sampled_from([None, 5, 8])),
    )


@SOME
@given(sc=new_year_rounds())
def test_solver_plans_over_new_year_break_no_rule(sc: Scenario) -> None:
    """Whatever the caps, the solver's plan passes the validator (R8 counting each day in its year)."""
    solve_checked(sc)


@SOME
@given(sc=new_year_rounds())
def test_greedy_plans_over_new_year_break_no_rule(sc: Scenario) -> None:
    """The greedy's plan, which straddles New Year where no start inside one year fits, too."""
    instance = build_instance(sc, announce=sc.params.start)
    check_plan(sc, to_plan(instance, greedy(instance), 0.0, False))


@SOME
@given(sc=new_year_rounds())
def test_replans_over_new_year_break_no_rule(sc: Scenario) -> None:
    """Replanning on 12-20 what was announced on 12-02: the visits held (started, or kept) count their
    days in each year they fall in, and the new plan passes the validator and R13's check."""
    baseline = solve(sc, time_limit=5, seed=0, workers=1, today=sc.params.start).plan
    today = D("2024-12-20")
    result = replan(sc, baseline, today, time_limit=5, seed=0, workers=1)
    found = validate(sc, result.plan) + replanning.check(sc, result.plan, baseline, today)
    assert found == [], "\n".join(map(str, found))


def test_the_rounds_make_visits_straddle_new_year() -> None:
    """The strategy does what it is for: over its first rounds, some plans straddle New Year."""
    straddling = []

    @settings(max_examples=20, deadline=None, database=None, derandomize=True)
    @given(sc=new_year_rounds())
    def count(sc: Scenario) -> None:
        plan = solve_checked(sc).plan
        straddling.append(sum(v.start.year != v.end.year for v in plan.visits))

    count()
    assert sum(straddling) > 0
