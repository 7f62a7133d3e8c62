"""The layers import one way: the scheduler's integer instance is built without the rule modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import inputs
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


def _under(modules: set[str], *packages: str) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)}


def test_the_instance_does_not_import_the_rule_modules():
    """scheduler/instance.py imports nothing from constraints/, so the two layers no longer import each
    other (the rules' model faces import the scheduler, not the reverse)."""
    assert not _under(_imports(Path(scheduler.__file__).parent / "instance.py"), "constraints")


def test_the_inputs_import_no_later_layer():
    """Data flows one way: nothing in inputs/ imports the rules, the scheduler or the outputs — the
    read-time controls read R6, R7 and R9 as the solver does (``inputs.eligibility``, ``Quota``), not
    through the rule modules' checks (they imported ``constraints`` before)."""
    for path in sorted(Path(inputs.__file__).parent.glob("*.py")):
        assert not _under(_imports(path), "constraints", "scheduler", "outputs"), path.name


def test_the_instance_and_the_model_load_no_rule_module_even_indirectly():
    """Not only their own imports: loading the reader, the integer instance and the model's variables
    (in a fresh interpreter) loads nothing from constraints/ — the pins' helpers the solver uses live on
    ``inputs.scenario.Institution``, not on the R16 rule module that checks them."""
    probe = (
        "import sys, inputs.reader, scheduler.instance, scheduler.model, scheduler.pins; "
        "print(sorted(m for m in sys.modules if m == 'constraints' or m.startswith('constraints.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
