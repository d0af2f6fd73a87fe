"""The import rules of ARCHITECTURE.md, read from the code's own import statements."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "flows", "documents", "api", "admin")
STAGES = ("application", "analysis", "adoption", "monitoring", "evaluation")

# What each layer may not import (a module or any of its submodules).
FORBIDDEN = {
    "models/rules": ("prefect", "fastapi", "starlette", "sqlmodel", "sqlalchemy", "models.tables", "models.db",
                     "flows", "api", "documents", "admin"),
    "models": ("prefect", "fastapi", "starlette", "flows", "api", "documents", "admin"),
    "documents": ("prefect", "fastapi", "starlette", "flows", "api", "admin"),
    "flows": ("fastapi", "starlette", "api", "admin"),
    "api": ("flows", "admin"),
    "admin": ("prefect", "fastapi", "flows", "api"),
}
# Within models/rules, what of the rest of models/ the pure rules may read: the data files and the stage table.
RULES_MAY_IMPORT = ("models.rules", "models.catalog", "models.stages")


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from models import db`
    return names


def layer_of(path: Path) -> str:
    relative = path.relative_to(ROOT).as_posix()
    return "models/rules" if relative.startswith("models/rules/") else relative.split("/", 1)[0]


def within(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


SOURCES = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_module_imports_only_what_its_layer_may(path):
    layer = layer_of(path)
    imported = imports_of(path)
    broken = sorted(name for name in imported for banned in FORBIDDEN[layer] if within(name, banned))
    if layer == "models/rules":
        broken += sorted(name for name in imported if within(name, "models")
                         and not any(within(name, allowed) for allowed in RULES_MAY_IMPORT) and name != "models")
    assert broken == [], f"{path.relative_to(ROOT)} ({layer}) imports {broken}"


def test_only_the_gateway_talks_to_the_prefect_server_from_the_api():
    talking = [path.relative_to(ROOT).as_posix() for path in (ROOT / "api").rglob("*.py")
               if any(within(name, "prefect") for name in imports_of(path))]
    assert talking == ["api/prefect_gateway.py"]


def test_no_router_imports_another_router_and_nothing_else_imports_a_router():
    for path in (ROOT / "api").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        routers = {name for name in imports_of(path) if within(name, "api.routers") and name != "api.routers"}
        if relative == "api/main.py":
            continue  # the app includes every router
        assert routers == set(), f"{relative} imports {sorted(routers)}"


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_its_home_in_each_layer(stage):
    from models.stages import STAGES as TABLE

    assert stage in {spec.stage for spec in TABLE}
    for home in (f"flows/{stage}.py", f"models/{stage}.py", f"models/rules/{stage}.py"):
        assert (ROOT / home).is_file(), f"the {stage} stage has no {home}"
