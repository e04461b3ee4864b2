"""Imports go one way. The packages of app/ stand in layers, each may import its own layer and
the ones below it, never one above; no two packages import each other (even through a third);
and no package imports another's views or CLI (entry points, not libraries).

    core (app/*.py, apidocs) ← auth ← tasks ← masterdata ← wechat ← identity ← badge ← rating
        ← fraud ← reports ← console, demo, health

Read from the source with `ast`, imports inside functions included (a deferred import is still a
dependency). app/__init__.py is the composition root (create_app wires every package) and stands
above them all.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

LAYERS = [
    {"core", "apidocs"},
    {"auth"},
    {"tasks"},
    {"masterdata"},
    {"wechat"},
    {"identity"},
    {"badge"},
    {"rating"},
    {"fraud"},
    {"reports"},
    {"console", "demo", "health"},
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}

# Imports that go up, each with the reason it is let through. Keep this short: an entry is debt.
ALLOWED_UPWARD = {
    # One home per default: the configuration reads a domain's defaults from its rules module.
    ("app/config.py", "app.fraud.rules"): "defaults owned by the domain",
    ("app/config.py", "app.rating.rules"): "defaults owned by the domain",
    ("app/config.py", "app.fraud.detectors.combine"): "defaults owned by the domain",
    # The `ratings` import kind (issue 13): the import engine is masterdata's, its rows become
    # ratings by the rating rules and WeChat users by identity's. Debt: the kind belongs in
    # app/rating, registered with the engine by create_app like the reports hooks.
    ("app/masterdata/specs.py", "app.rating.models"): "ratings import kind",
    ("app/masterdata/rating_rows.py", "app.rating"): "ratings import kind",
    ("app/masterdata/rating_rows.py", "app.identity.service"): "ratings import kind",
    # The job catalogue names every domain's jobs so that a worker knows them all; only
    # create_app (init_tasks) and the CLI import it.
    ("app/tasks/jobs.py", "app.badge.bulk"): "job catalogue",
    ("app/tasks/jobs.py", "app.fraud.service"): "job catalogue",
    ("app/tasks/jobs.py", "app.identity.accounts"): "job catalogue",
    ("app/tasks/jobs.py", "app.identity.sms"): "job catalogue",
    ("app/tasks/jobs.py", "app.rating.invitations"): "job catalogue",
    ("app/tasks/jobs.py", "app.reports.exports"): "job catalogue",
    ("app/tasks/jobs.py", "app.reports.service"): "job catalogue",
}


def package_of(module: str, app: Path = APP) -> str | None:
    """`app.rating.service.submit` → `rating`; `app.errors` → `core`; not ours → None."""
    parts = module.split(".")
    if parts[0] != "app":
        return None
    if len(parts) == 1 or not (app / parts[1]).is_dir():
        return "core"
    return parts[1]


def module_name(path: Path, app: Path = APP) -> str:
    parts = path.relative_to(app.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, app: Path = APP) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file; `from a import b` counts as `a.b`
    (b may be a module), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, app).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[:len(here) - node.level + 1] + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def app_imports(app: Path = APP) -> list[tuple[str, int, str, str, str]]:
    """(file, line, imported module, from package, to package) across packages."""
    edges = []
    for path in sorted(app.rglob("*.py")):
        if path == app / "__init__.py":
            continue        # the composition root
        source = package_of(module_name(path, app), app)
        for line, module in imports_of(path, app):
            target = package_of(module, app)
            if target is not None and target != source:
                edges.append((str(path.relative_to(app.parent)), line, module, source, target))
    return edges


def allowed(file: str, module: str) -> bool:
    return any(file == f and (module == m or module.startswith(m + ".")) for f, m in ALLOWED_UPWARD)


def test_every_package_has_a_layer():
    packages = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - LEVEL.keys() == set(), "add the new package to LAYERS"


def upward(edges) -> list[str]:
    return [f"{file}:{line} imports {module} ({source} → {target})"
            for file, line, module, source, target in edges
            if LEVEL[target] > LEVEL[source] and not allowed(file, module)]


def cycles(edges) -> list[str]:
    graph: dict[str, set[str]] = {}
    for file, _line, module, source, target in edges:
        if not allowed(file, module):
            graph.setdefault(source, set()).add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    return sorted(f"{a} → {b} → … → {a}" for a in graph for b in graph[a] if reaches(b, a, {b}))


def test_no_import_goes_up_the_layers():
    assert upward(app_imports()) == []


def test_no_cycle_between_packages():
    assert cycles(app_imports()) == []


def entry_point_imports(edges) -> list[str]:
    """Imports of another package's views or CLI: those are entry points (routes, commands),
    never a library; what two packages share lives in a service or a rules module."""
    return [f"{file}:{line} imports {module}" for file, line, module, _s, _t in edges
            if any(re.fullmatch(r"views|h5|cli|\w+_views", part) for part in module.split(".")[2:4])]


def test_no_package_imports_another_packages_views_or_cli():
    assert entry_point_imports(app_imports()) == []


def test_allowed_upward_imports_still_exist():
    """An entry whose import is gone must leave the list (it would let a new one through)."""
    edges = {(file, module) for file, _line, module, _s, _t in app_imports()}
    stale = [key for key in ALLOWED_UPWARD
             if not any(f == key[0] and (m == key[1] or m.startswith(key[1] + "."))
                        for f, m in edges)]
    assert stale == []


@pytest.mark.parametrize("source, expected", [
    ("from app.reports import service as reports\n", "app.reports.service"),
    ("import app.reports.service\n", "app.reports.service"),
    ("def f():\n    from app.rating.service import x\n", "app.rating.service.x"),
    ("from . import presence\n", "app.badge.presence"),
    ("from .models import Badge\n", "app.badge.models.Badge"),
    ("from ..reports import service\n", "app.reports.service"),
])
def test_the_reader_finds_every_kind_of_import(tmp_path, source, expected):
    (tmp_path / "app" / "badge").mkdir(parents=True)
    (tmp_path / "app" / "badge" / "views.py").write_text(source)
    found = imports_of(tmp_path / "app" / "badge" / "views.py", tmp_path / "app")
    assert [module for _line, module in found] == [expected]


def test_an_upward_import_and_a_cycle_are_seen(tmp_path):
    app = tmp_path / "app"
    for package in ("badge", "reports"):
        (app / package).mkdir(parents=True)
        (app / package / "__init__.py").write_text("")
    (app / "badge" / "service.py").write_text("def f():\n    from app.reports import service\n")
    (app / "reports" / "service.py").write_text("from app.badge import service\n")
    (app / "errors.py").write_text("from app.badge.service import f\n")
    edges = app_imports(app)
    assert {(source, target) for _f, _l, _m, source, target in edges} == {
        ("badge", "reports"), ("reports", "badge"), ("core", "badge")}
    assert upward(edges) == ["app/badge/service.py:2 imports app.reports.service (badge → reports)",
                             "app/errors.py:1 imports app.badge.service.f (core → badge)"]
    assert cycles(edges) == ["badge → reports → … → badge", "reports → badge → … → reports"]
    (app / "badge" / "views.py").write_text("")
    (app / "identity").mkdir()
    (app / "identity" / "h5.py").write_text("from app.badge.views import bp\nfrom app.badge import service\n")
    assert entry_point_imports(app_imports(app)) == ["app/identity/h5.py:1 imports app.badge.views.bp"]


def test_a_cycle_through_a_third_package_is_seen():
    edges = [("app/badge/a.py", 1, "app.rating.service", "badge", "rating"),
             ("app/rating/b.py", 1, "app.fraud.service", "rating", "fraud"),
             ("app/fraud/c.py", 1, "app.badge.service", "fraud", "badge")]
    assert cycles(edges) == ["badge → rating → … → badge", "fraud → badge → … → fraud",
                             "rating → fraud → … → rating"]
