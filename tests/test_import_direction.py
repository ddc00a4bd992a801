"""Dependencies run one way (ARCHITECTURE.md, dependency direction).

``tf1_reference`` imports neither ``migrate`` nor ``tf2_port``. ``tf2_port`` imports no
``migrate``, no ``tf_keras``, and of ``tf1_reference`` only its pure-Python modules (``spec``,
``text``), never the builder, the models, the session model or the legacy switch: importing
the Keras 3 side must not load the TF1 one. ``migrate`` imports no TensorFlow or Keras at
module level: the codemods run without TensorFlow installed. The two sides meet only in the
command line, ``migrate.compare_sides``, ``prove`` and the tests.

The walk is static (``ast`` over every ``.py`` file, imports inside functions included, and
``importlib.import_module`` / ``__import__`` of a literal name), so an import that only a rare
code path runs is caught as surely as a top-level one.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("tf1_reference", "tf2_port", "migrate")

# What tf2_port may use of tf1_reference: the modules that import no TensorFlow.
PURE_REFERENCE_MODULES = ("tf1_reference.spec", "tf1_reference.text")
# What those pure modules may import besides the standard library.
PURE_MODULE_THIRD_PARTY = ("numpy",)
# What migrate must not import at module level: TensorFlow and the Keras packages.
TENSORFLOW_FAMILY = ("tensorflow", "keras", "tf_keras")
# Modules that run only inside prove's child process (a script under test, TensorFlow loaded):
# they import TensorFlow at module level, so nothing else in migrate may import them there.
PROVE_CHILD_ONLY = ("migrate.prove.hooks", "migrate.prove.reference_shims",
                    "migrate.prove.tensorflow_internals_fence")


@dataclass(frozen=True)
class Import:
    """One import in a source file: what it names, where, and whether it runs at import time."""

    path: str
    line: int
    target: str  # the dotted name imported (``from a import b`` gives ``a.b``)
    module_level: bool  # runs when the module is imported (not inside a def, not TYPE_CHECKING)
    text: str


def _is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _resolve(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute module a ``from`` import names (relative imports resolved from ``importer``)."""
    if level == 0:
        return module or ""
    parts = importer.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _literal_import_call(node: ast.Call) -> str | None:
    """``importlib.import_module("x")`` or ``__import__("x")`` -> ``"x"``."""
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))
    if named and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def imports_in(source: str, path: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import of ``source`` (the module ``module``), at any depth."""
    tree = ast.parse(source, filename=path)
    lines = source.splitlines()
    found: list[Import] = []

    def record(node: ast.AST, target: str, module_level: bool) -> None:
        text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
        found.append(Import(path, node.lineno, target, module_level, text))

    def visit(node: ast.AST, module_level: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                record(node, alias.name, module_level)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, module, is_package)
            for alias in node.names:
                record(node, base if alias.name == "*" else f"{base}.{alias.name}", module_level)
        elif isinstance(node, ast.Call) and _literal_import_call(node):
            record(node, _literal_import_call(node), module_level)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            module_level = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            visit(node.test, module_level)
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, module_level)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, module_level)

    visit(tree, True)
    return found


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def project_imports(package: str) -> list[Import]:
    imports = []
    for path in sorted((REPO / package).rglob("*.py")):
        module, is_package = _module_name(path)
        imports += imports_in(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)), module, is_package)
    return imports


# --- the rules -----------------------------------------------------------------------------


def forbidden(found: Import) -> str | None:
    """Why ``found`` breaks the direction, or None when it is allowed."""
    importer = found.path.replace(os.sep, "/")
    if importer.startswith("tf1_reference/"):
        for other in ("migrate", "tf2_port"):
            if _is_within(found.target, other):
                return f"tf1_reference imports {other}: the reference side must not depend on the port or the codemods"
    if importer.startswith("tf2_port/"):
        if _is_within(found.target, "migrate"):
            return "tf2_port imports migrate: the Keras 3 side must not depend on the codemods"
        if _is_within(found.target, "tf_keras"):
            return "tf2_port imports tf_keras: the Keras 3 side runs without legacy Keras"
        if _is_within(found.target, "tf1_reference") and not any(
                _is_within(found.target, pure) for pure in PURE_REFERENCE_MODULES):
            return (f"tf2_port imports {found.target}: of tf1_reference it may use only "
                    f"{' and '.join(PURE_REFERENCE_MODULES)} (comparing both sides belongs to migrate.compare_sides)")
    # prove's child-only modules may import TensorFlow, and each other, at module level.
    child_only = _module_name(REPO / found.path)[0] in PROVE_CHILD_ONLY
    if importer.startswith("migrate/") and found.module_level and not child_only:
        if any(_is_within(found.target, tf) for tf in TENSORFLOW_FAMILY):
            return f"migrate imports {found.target} at module level: migrate must import without TensorFlow"
        if any(_is_within(found.target, child) for child in PROVE_CHILD_ONLY):
            return (f"migrate imports {found.target} at module level: it imports TensorFlow and runs only in "
                    "prove's child process; import it where it is used")
    return None


def _violations(imports: list[Import]) -> list[str]:
    """One line per offending import statement (``from a import b, c`` names two targets)."""
    violations: dict[tuple[str, int], str] = {}
    for found in imports:
        why = forbidden(found)
        if why is not None:
            violations.setdefault((found.path, found.line), f"{found.path}:{found.line}: {found.text}  -- {why}")
    return list(violations.values())


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_run_one_way(package):
    violations = _violations(project_imports(package))
    assert not violations, "imports against the dependency direction:\n" + "\n".join(violations)


@pytest.mark.parametrize("module", PURE_REFERENCE_MODULES)
def test_the_reference_modules_tf2_port_uses_are_pure_python(module):
    path = REPO / (module.replace(".", "/") + ".py")
    name, is_package = _module_name(path)
    impure = [
        f"{found.path}:{found.line}: {found.text}"
        for found in imports_in(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)), name, is_package)
        if found.target.split(".")[0] not in sys.stdlib_module_names
        and found.target.split(".")[0] not in PURE_MODULE_THIRD_PARTY
        and found.target.split(".")[0] != "__future__"
    ]
    assert not impure, f"{module} must import only the standard library and NumPy:\n" + "\n".join(impure)


def test_migrate_imports_without_tensorflow(tmp_path):
    """Every module of migrate but prove's child-only ones imports with TensorFlow and Keras absent."""
    modules = sorted(
        name for name, _ in map(_module_name, (REPO / "migrate").rglob("*.py"))
        if name not in PROVE_CHILD_ONLY and not name.endswith("__main__"))
    script = textwrap.dedent(
        f"""
        import importlib, importlib.abc, sys

        class Absent(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {TENSORFLOW_FAMILY!r}:
                    raise ImportError(f"{{name}} is absent in this test")
                return None

        sys.meta_path.insert(0, Absent())
        failed = []
        for name in {modules!r}:
            try:
                importlib.import_module(name)
            except ImportError as error:
                failed.append(f"{{name}}: {{error}}")
        print("\\n".join(failed))
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "", "migrate modules that need TensorFlow or Keras to import:\n" + run.stdout


# --- the walker itself ------------------------------------------------------------------------


# What tf2_port/verify.py held before the comparison moved to migrate.compare_sides: the
# reference's builder imported inside a function, only when a comparison ran.
OLD_VERIFY = '''
from tf1_reference.spec import StackSpec
from tf2_port.build import StackPort


def compare_spec(spec, *, reference=None):
    if reference is None:
        from tf1_reference.builder import run_reference  # legacy Keras: only when comparing

        reference = run_reference(spec)
    return reference
'''


def test_the_walk_finds_an_import_inside_a_function():
    violations = _violations(imports_in(OLD_VERIFY, "tf2_port/verify.py", "tf2_port.verify"))
    assert len(violations) == 1 and violations[0].startswith(
        "tf2_port/verify.py:8: from tf1_reference.builder import run_reference"), violations


@pytest.mark.parametrize("source, path, module, expected", [
    ("from tf1_reference import builder\n", "tf2_port/x.py", "tf2_port.x", 1),
    ("from tf1_reference import spec, text\n", "tf2_port/x.py", "tf2_port.x", 0),
    ("import tf1_reference._legacy\n", "tf2_port/x.py", "tf2_port.x", 1),
    ("import tf_keras.src.backend as b\n", "tf2_port/x.py", "tf2_port.x", 1),
    ("def f():\n    import importlib\n    importlib.import_module('migrate.cli')\n", "tf2_port/x.py", "tf2_port.x", 1),
    ("from migrate import rewrite_source\n", "tf1_reference/x.py", "tf1_reference.x", 1),
    ("from .. import builder\n", "tf2_port/models/x.py", "tf2_port.models.x", 0),
    ("from ..builder import run_reference\n", "tf1_reference/models/x.py", "tf1_reference.models.x", 0),
    ("import tensorflow as tf\n", "migrate/x.py", "migrate.x", 1),
    ("try:\n    import keras\nexcept ImportError:\n    keras = None\n", "migrate/x.py", "migrate.x", 1),
    ("def f():\n    import tensorflow as tf\n", "migrate/x.py", "migrate.x", 0),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import keras\n", "migrate/x.py", "migrate.x", 0),
    ("from migrate.prove import hooks\n", "migrate/x.py", "migrate.x", 1),
    ("import tensorflow as tf\n", "migrate/prove/hooks.py", "migrate.prove.hooks", 0),
])
def test_the_rules_on_synthetic_sources(source, path, module, expected):
    assert len(_violations(imports_in(source, path, module))) == expected


def test_relative_imports_resolve_from_the_importer():
    assert _resolve("spec", 2, "tf1_reference.models.char_lm", False) == "tf1_reference.spec"
    assert _resolve(None, 1, "tf2_port.keras_rnn", True) == "tf2_port.keras_rnn"
    assert _resolve("cells", 1, "tf2_port.verify", False) == "tf2_port.cells"
