"""The apps form floors and imports only go down (ENGINEERING.md, decision 0002): a module-level
import of an app on the same or a higher floor fails here. Imports inside a function are the
documented exceptions (the privacy desk, decision 0006) and are not checked."""

from __future__ import annotations

import ast
from pathlib import Path

import stijging

FLOORS = {
    "privacy": 0,
    "accounts": 1,
    "registry": 2,
    "instruments": 3,
    "outreach": 4,
    "cohesion": 4,
    "conversations": 5,
    "trajectories": 6,
    "referrals": 7,
    "monitoring": 8,
    "core": 9,
    "demo": 9,
    # The API reads everything, core's admin site (its clients' pages) and tick (its webhook step)
    # included; nothing imports it.
    "api": 10,
}
# Plain helpers without models that any floor may use (the XLSX escaping of every export, the view
# plumbing every app's screens share, the Jinja2 environment of the repeated fragments; none imports
# anything above the ground floor).
LIBRARIES = {"stijging.core.xlsx", "stijging.core.views_toolkit", "stijging.core.jinja2"}
ROOT = Path(stijging.__file__).parent


def upward_imports(app: str) -> list[str]:
    found = []
    for path in (ROOT / app).rglob("*.py"):
        parts = path.relative_to(ROOT / app).parts
        # Migrations are history; management commands are entry points nothing imports.
        if parts[0] in {"migrations", "management"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        statements = list(tree.body)
        statements += [s for node in tree.body if isinstance(node, ast.If) for s in node.body]  # TYPE_CHECKING
        for node in statements:
            modules = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from stijging.core import xlsx` imports the module stijging.core.xlsx.
                full = [f"{node.module}.{alias.name}" for alias in node.names]
                modules = [m if m in LIBRARIES or node.module == "stijging" else node.module for m in full]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                parts_of = module.split(".")
                if len(parts_of) < 2 or parts_of[0] != "stijging" or parts_of[1] not in FLOORS:
                    continue
                other = parts_of[1]
                if other == app or module in LIBRARIES:
                    continue
                if FLOORS[other] >= FLOORS[app]:
                    found.append(f"{path.relative_to(ROOT)}: {module}")
    return sorted(set(found))


def test_every_app_has_a_floor():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps - set(FLOORS) == set()


def test_no_module_imports_its_own_floor_or_a_higher_one():
    offending = {app: upward_imports(app) for app in FLOORS}
    assert {app: found for app, found in offending.items() if found} == {}


def test_cohesion_does_not_import_conversations():
    """The exception decision 0002 once made is retired: the statements are instruments now."""
    for path in (ROOT / "cohesion").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        assert "stijging.conversations" not in path.read_text(encoding="utf-8"), path


def test_the_floor_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check can fail: an outreach module importing conversations is reported."""
    fake_root = tmp_path / "stijging"
    (fake_root / "outreach").mkdir(parents=True)
    (fake_root / "outreach" / "bad.py").write_text("from stijging.conversations.models import Conversation\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    assert upward_imports("outreach") == ["outreach/bad.py: stijging.conversations.models"]
