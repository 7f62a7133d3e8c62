"""The layers import one way: the scheduler's integer instance is built without the rule modules."""

from __future__ import annotations

import ast
from pathlib import Path

import scheduler


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_instance_and_eligibility_do_not_import_the_rule_modules():
    """scheduler/instance.py and scheduler/eligibility.py import nothing from constraints/, so the two
    layers no longer import each other (the rules' model faces import the scheduler, not the reverse)."""
    folder = Path(scheduler.__file__).parent
    for name in ("instance.py", "eligibility.py"):
        modules = _imports(folder / name)
        assert not {m for m in modules if m == "constraints" or m.startswith("constraints.")}, name
