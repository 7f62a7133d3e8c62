"""The built-in sample scenario: seed 003's 巴南区 2024–2026 round with a fictional expert pool.

``schedule solve`` without a scenario solves the CSV folder ``SAMPLE_DIR``. The
institutions and the year each is inspected follow the seed's annex 4; 长寿区
inspects 巴南区's hospitals (annex 5) and 巴南区's own experts inspect its
grassroots institutions. Experts, addresses and contact details are invented.
"""

from __future__ import annotations

from pathlib import Path

from inputs.reader import read_scenario
from inputs.scenario import Scenario

SAMPLE_DIR: Path = Path(__file__).with_name("sample")


def load_sample() -> Scenario:
    """The sample scenario, read and validated like any planner's folder."""
    return read_scenario(SAMPLE_DIR)
