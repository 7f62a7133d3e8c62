"""The objective the solver reports equals the one recomputed from the plan alone."""

from __future__ import annotations

import pytest

from benchmarks.generate import generate
from inputs.sample import load_sample
from scheduler.objective import recompute
from scheduler.solve import solve


@pytest.mark.parametrize(
    "scenario",
    [load_sample(), generate("district", 2)],
    ids=["sample", "district"],
)
def test_reported_objective_matches_the_plan(scenario):
    """Each pool's heaviest load and the count left out, as reported, are what the plan's visits give."""
    result = solve(scenario, time_limit=10, seed=0, workers=1)
    assert result.objective == recompute(scenario, result.plan)
    assert result.plan.stats["objective"] == result.objective
    # each pool's reported load is never below the bound the solver posted for it
    for name, value in result.bound.items():
        if name.startswith("max_load["):
            assert result.objective[name] >= value
