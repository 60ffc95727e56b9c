"""What the server imports is what ``pip install -e .`` installs (not only the test extras).

The README's first command installs the project without its test extras; a module the
server imports from a test-only package would work in every test and fail on a fresh
machine (as ``httpx`` once did). This walks the imports of ``src/dsn`` and checks each
third-party one against the project's runtime dependencies and what they pull in.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "dsn"


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _runtime_closure() -> set[str]:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    seen: set[str] = set()
    todo = [_name(r) for r in declared]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            for requirement in requires(name) or []:
                if "extra ==" not in requirement:
                    todo.append(_name(requirement))
        except PackageNotFoundError:
            continue
    return seen


def _imported_modules() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "dsn" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_of_the_server_is_a_runtime_dependency() -> None:
    closure = _runtime_closure()
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(_imported_modules().items()):
        owners = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        if not owners & closure:
            missing.append(f"{module} (imported by {where}; installed by {sorted(owners) or 'nothing'})")
    assert missing == []
