"""The layout is the architecture: each layer imports only the layers below it, and no module imports in a circle.

    models  <-  schemas  <-  scenarios  <-  web  <-  serve  <-  testing, cli  <-  plugin, containers

``models`` knows no HTTP, Flask or marshmallow; HyperTrack's endpoints (``web.dataplane``) never import
the mock's control plane (they meet in the models).  Inside ``models``, the parts of a tenant talk through
public methods: no module uses ``self._name`` that only another module defines.  Read from the code's own imports (with ``ast``),
lazy ones inside functions included.
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "mockserver"
#: Each module's layer, by the longest matching prefix of its name; a module may import its own layer
#: and the ones below.
LAYERS = {"mockserver.version": 0, "mockserver.config": 0, "mockserver.models": 1, "mockserver.schemas": 2,
          "mockserver.scenarios": 3, "mockserver.webhooks": 3, "mockserver.web": 4, "mockserver.serve": 5, "mockserver.testing": 6,
          "mockserver.cli": 6, "mockserver.plugin": 7, "mockserver.containers": 7, "mockserver.__main__": 7, "mockserver": 8}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The names of the modules ``path`` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            submodules = {f"{target}.{alias.name}" for alias in node.names if module_exists(f"{target}.{alias.name}")}
            found.update(submodules if len(submodules) == len(node.names) else {target} | submodules)
    return found


def module_exists(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer(name: str) -> int:
    return LAYERS[max((prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")), key=len)]


MODULES = {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}
OURS = {name: {i for i in imported if i.split(".")[0] == "mockserver" and module_exists(i)}
        for name, imported in MODULES.items()}


def test_every_module_imports_only_its_own_layer_and_those_below():
    upward = [f"{name} imports {other}" for name, imported in OURS.items() for other in imported
              if layer(other) > layer(name) and name != "mockserver"]

    assert upward == []


def test_no_module_imports_in_a_circle():
    def reaches(start, goal, seen):
        for other in OURS.get(start, ()):
            if other == goal or (other not in seen and (seen.add(other) or reaches(other, goal, seen))):
                return True
        return False

    circles = [name for name in OURS if reaches(name, name, set())]

    assert circles == []


def test_the_models_know_no_http_flask_or_schemas():
    forbidden = ("flask", "apiflask", "werkzeug", "marshmallow", "mockserver.schemas", "mockserver.web", "orjson")
    offending = [f"{name} imports {i}" for name, imported in MODULES.items() if name.startswith("mockserver.models")
                 for i in imported if i.startswith(forbidden)]

    assert offending == []


def test_hypertracks_endpoints_never_import_the_control_plane():
    offending = [f"{name} imports {other}" for name, imported in OURS.items()
                 if name.startswith("mockserver.web.dataplane") for other in imported
                 if other == "mockserver.web.control" or other.startswith("mockserver.web.control.")]

    assert offending == []


def private_cross_uses(folder: Path) -> list[str]:
    """Each use of ``self._name`` in a module of ``folder`` where ``_name`` is defined (a ``def``, or
    assigned as ``self._name``) not there but in another module of the folder: one class split over
    files that reach into each other's privates."""
    defined, used = {}, {}
    for path in sorted(folder.rglob("*.py")):
        names, uses = set(), []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(node.name):
                names.add(node.name)
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                  and _private(node.attr)):
                (names.add(node.attr) if isinstance(node.ctx, ast.Store) else uses.append(node.attr))
        defined[path.name], used[path.name] = names, uses
    return [f"{module} uses {name} of {other}" for module, uses in used.items() for name in uses
            if name not in defined[module]
            for other in [next((o for o, names in defined.items() if name in names), None)] if other]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_models_parts_use_no_private_name_of_another_module():
    assert private_cross_uses(PACKAGE / "models") == []


def test_the_private_use_check_sees_a_reach(tmp_path):
    (tmp_path / "a.py").write_text("class A:\n    def _own(self):\n        self._count = 1\n")
    (tmp_path / "b.py").write_text("class B:\n    def go(self):\n        return self._own(), self._count\n")

    assert sorted(private_cross_uses(tmp_path)) == ["b.py uses _count of a.py", "b.py uses _own of a.py"]


def test_the_check_sees_imports():
    """The reading above is not vacuous: the pipeline's imports are found, and a layer violation would be."""
    assert "mockserver.web.auth" in OURS["mockserver.web.pipeline"]
    assert "mockserver.models.tenant" in OURS["mockserver.models.backend"]
    assert layer("mockserver.web.pipeline") > layer("mockserver.models.tenant")
