"""Fixtures of the rule tests: the ``small`` and ``teams`` scenarios and their valid plans (see builders)."""

from __future__ import annotations

import pytest

from inputs.scenario import Scenario
from scheduler.plan import Plan
from tests.constraints.builders import small_plan, small_scenario, teams_plan, teams_scenario


@pytest.fixture
def small() -> Scenario:
    return small_scenario()


@pytest.fixture
def small_valid() -> Plan:
    return small_plan()


@pytest.fixture
def teams() -> Scenario:
    return teams_scenario()


@pytest.fixture
def teams_valid() -> Plan:
    return teams_plan()
