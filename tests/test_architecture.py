"""Every import of the package points downward (docs/ARCHITECTURE.md, "Layers").

The imports are read with Python's ``ast``, not by importing anything, and every import
counts: at the top of a module, under ``if TYPE_CHECKING:`` and inside functions (a lazy
import is still a dependency). Edit the tables below when the architecture changes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "medpose_gui"
PACKAGE = "medpose_gui"

# The package's parts, bottom first; a part may import its own layer and the layers below.
# "medpose_gui" itself is the package __init__ (the version number).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"medpose_gui", "core", "thread_priority"}),
    frozenset({"media", "formats", "inference", "tracking"}),  # each over core alone
    frozenset({"evaluation", "model_registry"}),
    frozenset({"session", "exports", "batch", "runs"}),  # Qt-free services of window and CLI
    frozenset({"widgets"}),
    frozenset({"app"}),  # the main window
    frozenset({"cli", "__main__", "infer_command"}),  # the entry points
)

QT = ("PySide6", "shiboken6", "pyqtgraph")
TORCH = ("torch", "torchvision", "timm")
# Only these parts may use Qt; everything else is shared with the command line.
QT_PARTS = frozenset({"widgets", "app"})
# Ray (an optional extra) only where `infer --ray` needs it: the cluster driver, and the
# command that connects and disconnects.
RAY_MODULES = frozenset({"medpose_gui.runs.cluster", "medpose_gui.infer_command"})

# Rooms of medpose_gui.widgets, bottom first: a room may import its own modules and the
# rooms below it, never a room above it.
WIDGET_ROOMS: tuple[str, ...] = (
    "<root>",  # modules directly in widgets/, listed in ROOT_MODULES
    "background",
    "frame_view",
    "panels",
    "dialogs",
    "controllers",
    "window",
)
# Modules directly in widgets/: the lowest room. ``settings`` (the remembered user
# settings) is read by every room above it.
ROOT_MODULES = frozenset({"settings"})


@dataclass(frozen=True)
class Import:
    module: str  # the imported module, absolute ("medpose_gui.core.project", "torch")
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    path = PACKAGE_DIR.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_in(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every module ``source`` imports, wherever the import statement stands."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1 packages
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[:len(package) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:  # "from pkg import module" imports pkg.module
                name = f"{base}.{alias.name}"
                found.append(Import(name if _is_module(name) else base, node.lineno))
    return found


def package_modules() -> list[tuple[str, Path]]:
    return sorted((module_name(p), p) for p in PACKAGE_DIR.rglob("*.py")
                  if "__pycache__" not in p.parts)


def part_of(module: str) -> str:
    """The top-level part of the package a module belongs to ("core", "widgets", "app")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer_of(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"medpose_gui.{part} is in no layer: add it to LAYERS")


def room_of(module: str) -> str:
    """The widgets room of a module of medpose_gui.widgets."""
    rest = module.split(".")[2:]
    if not rest:
        return "<root>"  # the widgets package itself
    if rest[0] in WIDGET_ROOMS:
        return rest[0]
    if len(rest) == 1 and rest[0] in ROOT_MODULES:
        return "<root>"
    raise AssertionError(f"{module} is in no room: move it into one of {WIDGET_ROOMS[1:]}")


def _all_imports() -> list[tuple[str, Import]]:
    out = []
    for module, path in package_modules():
        for imp in imports_in(path.read_text(encoding="utf-8"), module,
                              path.name == "__init__.py"):
            out.append((module, imp))
    return out


ALL_IMPORTS = _all_imports()


def _ours(imp: Import) -> bool:
    return imp.module == PACKAGE or imp.module.startswith(PACKAGE + ".")


def _is(imp: Import, roots: tuple[str, ...]) -> bool:
    return imp.module.split(".")[0] in roots


def _report(wrong: list[str]) -> str:
    return "wrong-way imports:\n  " + "\n  ".join(wrong)


# -- the walker itself ------------------------------------------------------------------------

def test_the_walker_sees_imports_under_type_checking_and_inside_functions():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from medpose_gui.app import MainWindow\n"
        "def later():\n"
        "    import torch\n"
        "    from ..dialogs import messages\n")
    found = {imp.module for imp in imports_in(source, "medpose_gui.widgets.controllers.x")}
    assert {"medpose_gui.app", "torch", "medpose_gui.widgets.dialogs.messages"} <= found


def test_every_module_has_a_layer_and_every_widget_module_a_room():
    for module, _path in package_modules():
        layer_of(part_of(module))
        if part_of(module) == "widgets":
            room_of(module)


# -- the rules ---------------------------------------------------------------------------------

def test_no_part_imports_a_layer_above_it():
    wrong = [f"{module}:{imp.line} imports {imp.module}" for module, imp in ALL_IMPORTS
             if _ours(imp) and layer_of(part_of(imp.module)) > layer_of(part_of(module))]
    assert not wrong, _report(wrong)


def test_core_imports_neither_qt_nor_torch_nor_other_parts_of_the_package():
    wrong = [f"{module}:{imp.line} imports {imp.module}" for module, imp in ALL_IMPORTS
             if part_of(module) == "core"
             and (_is(imp, QT + TORCH) or (_ours(imp) and part_of(imp.module) != "core"))]
    assert not wrong, _report(wrong)


@pytest.mark.parametrize("part", ["inference", "formats", "media"])
def test_models_files_and_media_know_no_qt_nor_the_window(part):
    wrong = [f"{module}:{imp.line} imports {imp.module}" for module, imp in ALL_IMPORTS
             if part_of(module) == part
             and (_is(imp, QT) or (_ours(imp) and part_of(imp.module) in ("widgets", "app")))]
    assert not wrong, _report(wrong)


def test_qt_is_used_only_by_the_widgets_and_the_window():
    wrong = [f"{module}:{imp.line} imports {imp.module}" for module, imp in ALL_IMPORTS
             if part_of(module) not in QT_PARTS and _is(imp, QT)]
    assert not wrong, _report(wrong)


def test_ray_is_imported_only_by_the_cluster_driver_and_the_infer_command():
    wrong = [f"{module}:{imp.line} imports {imp.module}" for module, imp in ALL_IMPORTS
             if _is(imp, ("ray",)) and module not in RAY_MODULES]
    assert not wrong, _report(wrong)


def test_nothing_below_the_window_imports_it():
    entry_points = LAYERS[-1]
    wrong = [f"{module}:{imp.line} imports {imp.module}" for module, imp in ALL_IMPORTS
             if imp.module == f"{PACKAGE}.app" and part_of(module) not in entry_points]
    assert not wrong, _report(wrong)


def test_widget_rooms_import_only_rooms_below_them():
    rank = {room: index for index, room in enumerate(WIDGET_ROOMS)}
    wrong = [f"{module}:{imp.line} ({room_of(module)}) imports {imp.module} "
             f"({room_of(imp.module)})" for module, imp in ALL_IMPORTS
             if part_of(module) == "widgets" and part_of(imp.module) == "widgets"
             and _ours(imp) and rank[room_of(imp.module)] > rank[room_of(module)]]
    assert not wrong, _report(wrong)
