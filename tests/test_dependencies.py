"""Every third-party module the package imports is declared in pyproject.toml by its own distribution name,
so `pip install citewise` works on a fresh machine with any pip, not only where a dev install pulled it in."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"index", "rag", "ui", "demo_corpus"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normalise(re.match(r"[A-Za-z0-9_.\-]+", line).group(0)) for line in requirements}


def imported_modules() -> dict[str, set[str]]:
    """Top-level module -> files importing it, for every import in the shipped packages (lazy ones too)."""
    found: dict[str, set[str]] = {}
    for package in sorted(FIRST_PARTY):
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO)))
    return found


def imported_modules_in_a_fresh_process() -> dict[str, list[str]]:
    """`imported_modules` in its own interpreter. CPython 3.11 < 3.11.9 shares the AST converter's recursion
    counter between threads (gh-106905): an encoder conversion still tracing in an earlier test's background
    thread makes `ast.parse` here fail with "AST constructor recursion depth mismatch"."""
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from test_dependencies import imported_modules; "
        "print(json.dumps({k: sorted(v) for k, v in imported_modules().items()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_every_import_is_a_declared_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = _requirement_names(project["dependencies"])
    assert {"lxml-html-clean", "numpy"} <= declared  # imported by trafilatura's stack and by us directly
    distributions = packages_distributions()
    missing = {}
    for module, files in imported_modules_in_a_fresh_process().items():
        if module in FIRST_PARTY or module in sys.stdlib_module_names or module == "__future__":
            continue
        owners = {_normalise(d) for d in distributions.get(module, [])}
        assert owners, f"{module} (imported by {sorted(files)}) is not installed at all"
        if not owners & declared:
            missing[module] = (sorted(owners), sorted(files))
    assert not missing, f"imported but not declared in [project.dependencies]: {missing}"
