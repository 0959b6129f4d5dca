"""The packaging recipe is well formed: spec, desktop entry, icons, build script.

The PyInstaller build itself is heavy (minutes, gigabytes) and is not run here; these checks
catch the mistakes that break it cheaply: a spec that does not parse or excludes a module the
app imports, a CPU-only drop list that would remove a library torch links directly, an
invalid desktop entry, a missing or oversized icon.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "medpose-gui.spec"
DESKTOP = PACKAGING / "medpose-gui.desktop"
ICONS = ROOT / "medpose_gui" / "resources" / "icons"
PNG_SIZES = (256, 128, 48)


def _spec_literal(name: str) -> list[str]:
    """The list literal assigned to ``name`` at the top level of the spec (the literal part
    of ``name = call(...) + [...]`` too)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value.right if isinstance(node.value, ast.BinOp) else node.value
            return ast.literal_eval(value)
    raise AssertionError(f"{SPEC}: no top-level assignment to {name}")


def _app_imports() -> set[str]:
    """Every module name imported anywhere in the medpose_gui package (static scan)."""
    names: set[str] = set()
    for path in (ROOT / "medpose_gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def test_spec_is_valid_python_naming_existing_entry_and_resources():
    source = SPEC.read_text(encoding="utf-8")
    compile(source, str(SPEC), "exec")
    assert (PACKAGING / "medpose_gui_entry.py").is_file()
    assert (PACKAGING / "rthooks" / "cpu_only.py").is_file()
    assert "medpose_gui_entry.py" in source and '"medpose_gui" / "resources"' in source
    entry = ast.parse((PACKAGING / "medpose_gui_entry.py").read_text(encoding="utf-8"))
    imported = {(n.module, a.name) for n in ast.walk(entry) if isinstance(n, ast.ImportFrom)
                for a in n.names}
    assert ("medpose_gui.cli", "main") in imported


def test_spec_excludes_no_module_the_app_imports():
    excludes = _spec_literal("excludes")
    assert {"tkinter", "matplotlib", "IPython", "PySide6.QtWebEngineCore"} <= set(excludes)
    clashes = sorted(
        name for name in _app_imports() for ex in excludes
        if name == ex or name.startswith(ex + "."))
    assert clashes == [], f"the spec excludes modules medpose_gui imports: {clashes}"


def test_spec_hidden_imports_name_installed_medpose_and_qt_modules():
    hidden = _spec_literal("hiddenimports")
    qt = [name for name in hidden if name.startswith("PySide6.")]
    assert qt, "pyqtgraph needs its Qt modules listed"
    for name in qt:
        assert importlib.util.find_spec(name) is not None, f"{name} is not installed"
    assert not set(hidden) & set(_spec_literal("excludes"))


def _elf_needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("readelf") is None,
                    reason="ELF dependency check needs Linux and readelf")
def test_cpu_only_drop_list_keeps_every_library_torch_links():
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torch is not installed")
    torch_dir = Path(next(iter(spec.submodule_search_locations)))
    site = torch_dir.parent
    search = [torch_dir / "lib", *sorted(site.glob("nvidia/*/lib"))]
    drop = _spec_literal("DROP_ALWAYS") + _spec_literal("DROP_CPU_ONLY")
    # Walk what torch's extension module links, transitively, among the wheel's own libraries.
    todo = sorted(torch_dir.glob("_C*.so"))
    assert todo, f"{torch_dir}: no _C extension"
    seen: set[str] = set()
    while todo:
        lib = todo.pop()
        for name in _elf_needed(lib):
            found = next((d / name for d in search if (d / name).is_file()), None)
            if found is not None and name not in seen:
                seen.add(name)
                todo.append(found)
    dropped = sorted(n for n in seen if any(fnmatch.fnmatch(n, p) for p in drop))
    assert "libtorch_cpu.so" in seen
    assert dropped == [], f"the spec drops libraries torch cannot import without: {dropped}"


def test_desktop_entry_launches_app_for_videos_with_its_icon():
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == "medpose-gui %f"
    assert section["Icon"] == "medpose-gui"
    mimes = [m for m in section["MimeType"].split(";") if m]
    assert mimes and all(m.startswith("video/") for m in mimes)
    assert (ICONS / f"{section['Icon']}.svg").is_file()
    assert (ICONS / f"{section['Icon']}-256.png").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils not installed")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout


def test_icons_exist_at_their_sizes_and_are_small():
    import xml.etree.ElementTree as ET

    from PIL import Image

    svg = ICONS / "medpose-gui.svg"
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 256 256"
    for size in PNG_SIZES:
        png = ICONS / f"medpose-gui-{size}.png"
        with Image.open(png) as image:
            assert image.format == "PNG" and image.size == (size, size)
            assert image.mode == "RGBA"
            # transparent corners: the rounded square does not fill the canvas
            assert image.getpixel((0, 0))[3] == 0
    for path in [svg, ICONS / "medpose-gui.ico", *ICONS.glob("*.png")]:
        assert path.stat().st_size < 1_000_000, f"{path} is too large"


@pytest.mark.parametrize("script", ["build.sh", "smoke.sh"])
def test_packaging_scripts_are_valid_bash(script):
    result = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
