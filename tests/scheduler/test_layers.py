"""The layers import one way: the scheduler's integer instance is built without the rule modules."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def test_the_instance_and_the_model_load_no_rule_module_even_indirectly():
    """Not only their own imports: loading the integer instance, eligibility and the model's variables
    (in a fresh interpreter) loads nothing from constraints/ — the pins' helpers the solver uses live on
    ``inputs.scenario.Institution``, not on the R16 rule module that checks them."""
    probe = (
        "import sys, scheduler.instance, scheduler.eligibility, scheduler.model, scheduler.pins; "
        "print(sorted(m for m in sys.modules if m == 'constraints' or m.startswith('constraints.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
