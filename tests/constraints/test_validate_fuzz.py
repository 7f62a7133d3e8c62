"""Property: ``schedule validate`` never crashes on a plan.json, whatever it holds.

Random JSON, random bytes, and a real plan's dict with one field replaced, dropped or repeated are
read with ``Plan.from_json`` / ``Plan.from_dict``; what is not a plan raises ``PlanFormatError``
(which the CLI turns into exit 3), what parses is checked against the ``small`` scenario by every
rule, which returns violations and raises nothing.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.registry import validate
from scheduler.plan import Plan, PlanFormatError
from tests.constraints.builders import small_plan, small_scenario

SCENARIO = small_scenario(rest_days=1)
VALID = small_plan().to_dict()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
# Values that look right more often, so that more mutated plans get past the reader into the checks.
ids = st.sampled_from(["H1", "H2", "G1", "G2", "X1", "E1", "E2", "E5", "E9", "ZZ", "", " "])
dates = st.sampled_from(
    ["2024-10-14", "2024-10-07", "2024-09-29", "1900-01-01", "2999-12-31", "2030-01-02", "2025-13-45", "x"]
)
plausible = ids | dates | st.integers(min_value=-2, max_value=40) | st.lists(ids, max_size=5) | json_values


def _outcome(data: Any) -> None:
    """``data`` is refused as a plan, or validated without an exception."""
    try:
        plan = Plan.from_dict(data)
    except PlanFormatError as exc:
        assert exc.problems and exc.count >= len(exc.problems)
        return
    found = validate(SCENARIO, plan)
    assert all(v.rule and v.message for v in found)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value: dict keys and list positions."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            out += _paths(value, (*prefix, n))
    return out


PATHS = _paths(VALID)


@SETTINGS
@given(json_values)
def test_random_json_is_refused_or_validated(data):
    """Any JSON value at all: a PlanFormatError or a list of violations."""
    _outcome(data)


@SETTINGS
@given(st.dictionaries(st.sampled_from(sorted(VALID)), plausible, max_size=6))
def test_random_top_level_objects(data):
    """Objects with the plan's keys holding anything."""
    _outcome(data)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(PATHS[1:]), st.sampled_from(["set", "drop", "repeat"]), plausible),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_real_plan(mutations):
    """The valid ``small`` plan with fields replaced, dropped, or list items repeated."""
    data = copy.deepcopy(VALID)
    for path, action, value in mutations:
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            if action == "set":
                parent[last] = value
            elif action == "drop" and isinstance(parent, dict):
                parent.pop(last, None)
            elif action == "repeat" and isinstance(parent, list):
                parent.insert(last, copy.deepcopy(parent[last]))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed the shape; this one no longer applies
    _outcome(data)


@SETTINGS
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_random_bytes_are_refused_or_validated(tmp_path_factory, raw):
    """Whatever bytes a plan.json holds: PlanFormatError or violations."""
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_bytes(raw)
    try:
        plan = Plan.read(path)
    except PlanFormatError as exc:
        assert exc.problems
        return
    validate(SCENARIO, plan)


def test_known_bad_plans_name_the_field():
    """The cases of issue 9: each is refused, naming where the problem is and what was expected."""
    cases = {
        '{"visits": 5}': "visits：应为数组",
        '{"stats": [1, 2]}': "stats：应为对象",
        "[" * 100_000: "嵌套层数过深",
        "1" * 5000: "无法使用的数值",
        '{"visits": [{"institution": "H1", "start": "2024-09-23", "end": "2024-09-27", "days": 1e999,'
        ' "leader": "E1"}]}': "visits[0].days：应为整数",
    }
    for text, expected in cases.items():
        try:
            Plan.from_json(text)
        except PlanFormatError as exc:
            assert any(expected in p for p in exc.problems), (expected, exc.problems)
        else:  # pragma: no cover - the assertion explains
            raise AssertionError(f"accepted: {text[:40]}")


def test_every_wrong_field_of_a_visit_is_reported():
    """A visit wrong everywhere: each field is named with its path, the value as typed and what was
    expected, all in one error."""
    data = copy.deepcopy(VALID)
    data["visits"][2] = {
        "institution": 7,
        "start": "2025-13-45",
        "end": "2024/10/14",
        "days": "x",
        "leader": None,
        "members": 5,
        "team": [],
    }
    try:
        Plan.from_dict(data)
    except PlanFormatError as exc:
        text = "\n".join(exc.problems)
    else:  # pragma: no cover
        raise AssertionError("accepted")
    for path in ("institution", "start", "end", "days", "leader", "members", "team"):
        assert f"visits[2].{path}：" in text
    assert '"2025-13-45"' in text and "YYYY-MM-DD" in text and "不能为 null" in text


def test_problems_are_capped_but_counted():
    """Ten thousand bad visits: the error keeps the first problems and counts them all."""
    data = {"visits": [{"institution": 1}] * 10_000}
    try:
        Plan.from_dict(data)
    except PlanFormatError as exc:
        assert len(exc.problems) <= 50 and exc.count >= 10_000 * 4
    else:  # pragma: no cover
        raise AssertionError("accepted")


def test_a_valid_plan_reads_back_equal():
    """The strict reader accepts what the tool writes (the round trip is exact)."""
    plan = small_plan()
    assert Plan.from_json(plan.to_json()) == plan
    assert json.loads(plan.to_json()) == VALID
