"""The shape of the house (CONTRIBUTING.md), checked where import-linter cannot look.

import-linter (`make lint`) holds the import directions. These tests hold the rest of the map:
no folder turns back into a bag of fifty modules, a public name found by grep means one thing,
and every source package is installed.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ("config", "ingest", "notify", "workflow", "templates")
MAX_MODULES = 15
# Alembic's generated revisions all define upgrade()/downgrade(): that is its contract, not ours.
GENERATED = ROOT / "workflow" / "store" / "migrations"


def _packages() -> list[Path]:
    return sorted(p.parent for top in SOURCE for p in (ROOT / top).rglob("__init__.py"))


def _modules() -> list[Path]:
    return sorted(
        p
        for top in SOURCE
        for p in (ROOT / top).rglob("*.py")
        if GENERATED not in p.parents and p.name != "__init__.py"
    )


def test_no_source_folder_holds_more_than_fifteen_modules():
    crowded = {
        str(folder.relative_to(ROOT)): n
        for folder in _packages()
        if (n := len([p for p in folder.glob("*.py") if p.name != "__init__.py"])) > MAX_MODULES
    }
    assert not crowded, (
        f"split these folders into subpackages named after what they hold: {crowded}"
    )


def test_no_two_public_classes_or_functions_share_a_name():
    where: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and not node.name.startswith("_"):
                where[node.name].append(str(path.relative_to(ROOT)))
    shared = {name: paths for name, paths in where.items() if len(set(paths)) > 1}
    assert not shared, f"rename one side, so a name means one thing: {shared}"


def test_every_source_package_is_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    present = {"dumas." + ".".join(p.relative_to(ROOT).parts) for p in _packages()}
    assert present - listed == set(), "add them to [tool.setuptools] packages"
    assert listed - present == set(), "listed packages that no longer exist"
