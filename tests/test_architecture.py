"""The house keeps its plan: import rules between rooms, honest ``__all__`` lists, extras.

The rules are those of ``docs/architecture.md``; they are read from the source with ``ast``,
so a lazy import inside a function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cashless

SOURCE = Path(cashless.__file__).parent
STDLIB = sys.stdlib_module_names | {"tomli"}  # tomli stands in for tomllib on Python 3.10

# room -> the cashless modules (prefixes) it may import
ALLOWED = {
    "payload": ("cashless.errors", "cashless._io", "cashless.payload"),
    "banks": ("cashless.errors", "cashless._io", "cashless.banks", "cashless.payload.text"),
    "stalls": (
        "cashless.errors",
        "cashless._io",
        "cashless.payload",
        "cashless.banks",
        "cashless.stalls",
    ),
    "sim": ("cashless.errors", "cashless._io", "cashless.sim"),
    "policy": ("cashless.errors", "cashless._io", "cashless.sim", "cashless.policy"),
    # fees: stall fees by VietQR and reconciliation of bank credits (issue 14)
    "fees": (
        "cashless.errors",
        "cashless._io",
        "cashless.payload",
        "cashless.banks",
        "cashless.stalls",
        "cashless.fees",
    ),
    # web: the market office's page, calling the same library functions as the CLI
    "web": (
        "cashless.errors",
        "cashless._io",
        "cashless.payload",
        "cashless.banks",
        "cashless.stalls",
        "cashless.fees",
        "cashless.web",
    ),
    "cli": ("cashless",),
    "errors": (),
    "_io": ("cashless.errors",),
}
# rooms that may import nothing but the standard library beyond cashless itself
STDLIB_ONLY = {"payload", "banks", "errors", "_io"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # `from cashless import sim` imports the module cashless.sim
            if node.module == "cashless":
                found += [(node.lineno, f"cashless.{alias.name}") for alias in node.names]
    return found


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "facade"  # cashless and ``python -m cashless``
    return parts[1]


SOURCES = sorted(SOURCE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_import_rules(path: Path) -> None:
    module = _module_name(path)
    room = _room(module)
    broken = []
    for line, name in _imports(path):
        top = name.split(".")[0]
        if top == "cashless":
            if name == "cashless" and room not in ("facade", "cli"):
                broken.append(f"line {line}: {name} (the facade is for users, not rooms)")
            if room == "facade" or name == "cashless":
                continue
            if not any(name == a or name.startswith(a + ".") for a in ALLOWED[room]):
                broken.append(f"line {line}: {room} may not import {name}")
        elif room in STDLIB_ONLY and top not in STDLIB:
            broken.append(f"line {line}: {room} imports {name}, which is not the standard library")
    assert not broken, f"{path.relative_to(SOURCE)}: " + "; ".join(broken)


def test_nothing_imports_cli() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{line}"
        for path in SOURCES
        if _room(_module_name(path)) not in ("cli", "facade")
        for line, name in _imports(path)
        if name == "cashless.cli" or name.startswith("cashless.cli.")
    ]
    assert offenders == []


def test_the_folder_listing_shows_the_rooms() -> None:
    # rooms added after the reorganisation, each with its own issue and import rules above
    later_rooms = {"fees", "web"}
    names = {p.name for p in SOURCE.iterdir() if p.name != "__pycache__"} - later_rooms
    assert names == {
        "__init__.py",
        "__main__.py",
        "py.typed",
        "errors.py",
        "_io.py",
        "banks",
        "cli",
        "payload",
        "policy",
        "sim",
        "stalls",
    }


def _all_modules() -> list[str]:
    names = ["cashless"]
    for info in pkgutil.walk_packages([str(SOURCE)], prefix="cashless."):
        path = SOURCE.joinpath(*info.name.split(".")[1:])
        if info.ispkg or path.with_suffix(".py").exists():  # not a build's extension module
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _all_modules())
def test_dunder_all_is_honest(name: str) -> None:
    """Every listed name exists; every public name defined in the module is listed."""
    if name.endswith("__main__"):
        return
    module = importlib.import_module(name)
    listed = getattr(module, "__all__", None)
    tree = ast.parse(Path(module.__file__ or "").read_text("utf-8"))
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    public = {n for n in defined if not n.startswith("_")}
    if listed is None:
        if name.rsplit(".", 1)[-1].startswith("_"):
            return  # a private module's names are for its own room
        assert not public, f"{name} defines public names but has no __all__: {sorted(public)}"
        return
    missing = [n for n in listed if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ lists names it does not have: {missing}"
    unlisted = sorted(public - set(listed) - {"TYPE_CHECKING"})
    # constants in UPPER_CASE are public only when listed; functions and classes always are
    unlisted = [n for n in unlisted if not n.isupper()]
    assert unlisted == [], f"{name} defines public names missing from __all__: {unlisted}"


@pytest.mark.parametrize("name", [n for n in _all_modules() if n.count(".") <= 1])
def test_no_facade_name_is_a_module_name(name: str) -> None:
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    clashes = submodules & set(getattr(module, "__all__", ()))
    assert clashes == set(), f"{name} exports names that shadow its modules"


HEAVY = ("segno", "PIL", "fpdf", "zxingcpp", "qrcode")


def test_importing_the_simulator_loads_no_printing_library() -> None:
    code = (
        "import sys, cashless.sim, cashless.sim.replicate, cashless.policy.sweeps;"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
