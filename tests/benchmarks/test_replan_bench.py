"""The replanning benchmark's options (its rounds take a province solve: measured, not run here)."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.generate import generate
from benchmarks.replan import main, with_ill
from scheduler.plan import Plan, Visit


@pytest.mark.parametrize("share", ["-0.1", "1.5"])
def test_a_follow_up_share_outside_0_to_1_is_refused(share: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["--followups", share])
    assert ended.value.code == 2 and "--followups" in capsys.readouterr().err


def test_an_expert_may_fall_ill_over_a_coming_follow_up() -> None:
    """``--ill``: the coming visits drawn from include follow-ups (回头看), whose dates the row covers."""
    scenario = generate("district", 1)
    expert = scenario.experts[0].id
    followup = Visit("X", date(2025, 9, 1), date(2025, 9, 1), 1, expert, (expert,), kind="followup")
    plan = Plan("测试", "feasible", (followup,))
    (row,) = with_ill(scenario, plan, date(2025, 6, 1), 1, 0).unavailability[-1:]
    assert (row.expert_id, row.start, row.end, row.reason) == (
        expert,
        date(2025, 9, 1),
        date(2025, 9, 1),
        "病假",
    )
