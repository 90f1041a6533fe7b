"""The import rule of docs/architecture.md: imports only go down the stages.

    errors  <-  model  <-  config, executor, progress, package_data, cache
            <-  read, filters, render, output  <-  writers, verify  <-  engine  <-  build  <-  cli

Stages at the same level do not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

LEVELS = {"errors": 0, "model": 1, "config": 2, "executor": 2, "progress": 2,
          "package_data": 2, "cache": 2, "read": 3, "filters": 3, "render": 3, "output": 3,
          "writers": 4, "verify": 4, "engine": 5, "build": 6, "cli": 7, "__init__": 8,
          "__main__": 8}
SOURCES = {"qtconvert": ROOT / "qtconvert", "qtconvert.filters": ROOT / "filters"}


def _modules():
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            yield f"{package}.{'.'.join(parts)}".removesuffix(".__init__"), path


def _stage(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _imports(module: str, path: Path):
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names] if not node.module else [target]
            yield from names
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def test_imports_only_go_down():
    wrong = []
    for module, path in _modules():
        if module.startswith("qtconvert.filters.tests"):
            continue
        here = _stage(module)
        for target in _imports(module, path):
            if not target.startswith("qtconvert.") or target == "qtconvert.__version__":
                continue
            there = _stage(target)
            if there in LEVELS and there != here and LEVELS[there] >= LEVELS[here]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_format_module_at_the_package_root():
    root = {p.stem for p in (ROOT / "qtconvert").glob("*.py")}
    assert root <= {"__init__", "__main__", "build", "cli", "config", "errors", "executor",
                    "package_data", "progress", "cache", "engine"}, root
    assert (ROOT / "filters" / "xref.py").is_file()  # the cross-reference filter
