"""Private APIs behind one fence each (issue 15, item 5).

Every private name of another package this project relies on is reached from one fence module,
whose docstring says why, which public alternative was checked and which versions it was
checked against. Here: each fence's ``check()`` passes on the installed versions (so a changed
private API fails this file, loudly, before it fails a user); each fence refuses a simulated
change with a message naming what it expected and the version it was checked against; the
versions a fence was checked against are the installed ones and ``pyproject.toml`` bounds them;
and no module outside the fences touches a private name.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent

# Fence module -> the packages it needs to run its check.
FENCES = {
    "tf2_port.keras_dropout_cell_fence": ("keras",),
    "tf2_port.torch_lstm_fence": ("torch",),
    "migrate.libcst_imports_fence": ("libcst",),
    "migrate.prove.keras_seed_fence": ("keras", "tf_keras"),
    "migrate.prove.tensorflow_internals_fence": ("tensorflow",),
    "migrate.prove.tf_keras_dropout_fence": ("tf_keras", "tensorflow"),
}
# Checked in a child process: torch and TensorFlow are not imported together here.
IN_CHILD = {"tf2_port.torch_lstm_fence"}

# Private names of other packages: only a fence may reach them.
PRIVATE_MODULE_PREFIXES = ("keras.src", "tf_keras.src", "tensorflow.python", "torch._", "libcst.matchers._",
                           "libcst.codemod.visitors._", "libcst._")
PRIVATE_ATTRIBUTES = {"_VF", "_unused_imports", "_unsafe_unfinalize", "_SEED_GENERATOR", "_create_seed",
                      "python_random", "_flat_weights"}


def _missing(packages: tuple[str, ...]) -> list[str]:
    return [package for package in packages if importlib.util.find_spec(package) is None]


def _fence_file(module: str) -> Path:
    return REPO / (module.replace(".", "/") + ".py")


def _check_in_child(module: str, after: str = "") -> dict:
    script = textwrap.dedent(
        f"""
        import json, importlib
        fence = importlib.import_module({module!r})
        fence.check()
        result = {{"checked": True}}
        {after}
        print(json.dumps(result))
        """
    )
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_BACKEND", "TF_USE_LEGACY_KERAS")}
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


# --- each fence's assumptions hold on the installed versions ------------------------------------


@pytest.mark.parametrize("module", sorted(FENCES))
def test_the_fence_check_passes_on_the_installed_versions(module):
    missing = _missing(FENCES[module])
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    if module in IN_CHILD:
        assert _check_in_child(module)["checked"]
    else:
        importlib.import_module(module).check()


@pytest.mark.parametrize("module", sorted(FENCES))
def test_the_fence_says_why_what_else_and_against_what(module):
    tree = ast.parse(_fence_file(module).read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    for part in ("Why it is needed", "Public alternative", "Checked against"):
        assert part in doc, f"{module}: its docstring has no '{part}' paragraph"
    checked = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                   and any(isinstance(t, ast.Name) and t.id == "CHECKED_AGAINST" for t in node.targets))
    for package, version in checked.items():
        assert version in doc, f"{module}: CHECKED_AGAINST says {package} {version}, the docstring does not"


def _checked_against() -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for module in FENCES:
        tree = ast.parse(_fence_file(module).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CHECKED_AGAINST"
                                                    for t in node.targets):
                for package, version in ast.literal_eval(node.value).items():
                    versions.setdefault(package, set()).add(version)
    return versions


def _minor(version: str) -> tuple[int, int]:
    release = Version(version).release
    return release[0], release[1]


@pytest.mark.parametrize("package", sorted(_checked_against()))
def test_the_installed_version_is_the_one_the_fences_were_checked_against(package):
    try:
        installed = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{package} not installed")
    for checked in _checked_against()[package]:
        assert _minor(installed) == _minor(checked), (
            f"{package} {installed} is installed; a fence was checked against {checked}. Run this file on "
            f"{installed}, update the fence's CHECKED_AGAINST and docstring, then the bound in pyproject.toml")


def _requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return [Requirement(line) for line in lines if not line.startswith("tf1-migrate")]


@pytest.mark.parametrize("package", sorted(_checked_against()))
def test_pyproject_bounds_each_fenced_package_at_the_checked_minor(package):
    requirements = [r for r in _requirements() if r.name.replace("-", "_") == package.replace("-", "_")]
    assert requirements, f"pyproject.toml does not name {package}"
    for checked in _checked_against()[package]:
        major, minor = _minor(checked)
        for requirement in requirements:
            assert requirement.specifier.contains(checked), f"{requirement} excludes the checked {checked}"
            assert not requirement.specifier.contains(f"{major}.{minor + 1}.0"), (
                f"{requirement} admits {package} {major}.{minor + 1}, which no fence was checked against")


# --- each fence fails loudly when its private API changes -----------------------------------------


def test_the_keras_dropout_fence_refuses_an_rnn_that_no_longer_calls_the_hooks(monkeypatch):
    pytest.importorskip("keras")
    from keras.src.layers.rnn import rnn

    from tf2_port import keras_dropout_cell_fence as fence

    monkeypatch.setattr(rnn.RNN, "_maybe_config_dropout_masks", lambda self, *args: None)
    with pytest.raises(RuntimeError, match=r"expected RNN to call get_dropout_mask.*checked against keras 3\.15"):
        fence.check()
    monkeypatch.setattr(rnn, "DropoutRNNCell", object)
    with pytest.raises(RuntimeError, match=r"keras.layers.RNN .* to test cells against DropoutRNNCell"):
        fence._private_class()


def test_the_libcst_fence_refuses_a_remover_without_its_unused_imports():
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    from migrate import libcst_imports_fence as fence

    remover = RemoveImportsVisitor(CodemodContext())
    del remover._unused_imports
    with pytest.raises(RuntimeError, match=r"`_unused_imports`.*checked against libcst 1\.9"):
        fence.set_unused_aliases(remover, frozenset())


def test_the_libcst_fence_refuses_a_remover_that_ignores_the_answer(monkeypatch):
    from libcst.codemod.visitors import RemoveImportsVisitor

    from migrate import libcst_imports_fence as fence

    monkeypatch.setattr(RemoveImportsVisitor, "leave_Import", lambda self, original, updated: updated)
    with pytest.raises(RuntimeError, match=r"to remove `import os`.*checked against libcst 1\.9"):
        fence.check()


def test_the_seed_fence_refuses_keras_drawing_seeds_elsewhere(monkeypatch):
    pytest.importorskip("keras")
    from keras.src.random import seed_generator

    from migrate.prove import keras_seed_fence as fence

    monkeypatch.setattr(seed_generator, "make_default_seed", lambda: 42)
    with pytest.raises(RuntimeError, match=r"make_default_seed\(\) to draw.*checked against keras 3\.15"):
        fence.check()
    monkeypatch.delattr(seed_generator, "python_random")
    with pytest.raises(RuntimeError, match=r"seed_generator.python_random"):
        fence.isolate_default_seeds(0, legacy_keras=False)


def test_the_tensorflow_fence_refuses_a_public_name_that_left_its_internal_one(monkeypatch):
    pytest.importorskip("tensorflow")
    from migrate.prove import tensorflow_internals_fence as fence

    monkeypatch.setattr(fence.nn_ops, "dropout_v2", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match=r"tf.nn.dropout is .*nn_ops.dropout_v2.*checked against tensorflow 2\.21"):
        fence.check()


def test_the_tf_keras_fence_refuses_a_moved_module(monkeypatch):
    if _missing(("tf_keras",)):
        pytest.skip("tf_keras not installed")
    from migrate.prove import tf_keras_dropout_fence as fence

    monkeypatch.setattr(fence, "DROPOUT_WRAPPER_MODULES", ("tf_keras.src.layers.rnn.moved_away",))
    with pytest.raises(RuntimeError, match=r"the module tf_keras.src.layers.rnn.moved_away.*tf_keras 2\.21"):
        fence.dropout_wrapper_classes()


def test_the_torch_fence_refuses_a_missing_kernel():
    if _missing(("torch",)):
        pytest.skip("torch not installed")
    after = textwrap.dedent(
        """
        import torch
        torch._VF = object()
        try:
            fence._private_lstm()
        except RuntimeError as error:
            result["error"] = str(error)
        """
    ).replace("\n", "\n        ")
    result = _check_in_child("tf2_port.torch_lstm_fence", after)
    assert "expected a callable torch._VF.lstm" in result.get("error", ""), result
    assert "checked against torch 2.13" in result["error"], result


# --- nothing outside the fences touches a private name --------------------------------------------


def _private_uses(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    relative = path.relative_to(REPO)
    found = []

    def private_module(name: str) -> bool:
        return any(name == prefix or name.startswith(prefix if prefix.endswith("_") else prefix + ".")
                   for prefix in PRIVATE_MODULE_PREFIXES)

    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and private_module(node.value) \
                and not node.value.startswith("tensorflow.python"):  # symbol tables name user code's imports
            names = [node.value]
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"{relative}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ClassDef):
            found += [f"{relative}:{item.lineno}: {node.name}.__dir__" for item in node.body
                      if isinstance(item, ast.FunctionDef) and item.name == "__dir__"]
        elif isinstance(node, ast.Assign) and str(relative).startswith("tf2_port"):
            found += [f"{relative}:{node.lineno}: .data =" for target in node.targets
                      if isinstance(target, ast.Attribute) and target.attr == "data"
                      and not (isinstance(target.value, ast.Name) and target.value.id == "self")]
        found += [f"{relative}:{node.lineno}: {name}" for name in names if private_module(name)]
    return sorted(set(found))


def test_only_the_fences_touch_private_names():
    fences = {_fence_file(module) for module in FENCES}
    uses = []
    for package in ("tf2_port", "migrate"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path not in fences:
                uses += _private_uses(path)
    assert not uses, "private names of other packages outside the fence modules:\n" + "\n".join(uses)


def test_the_private_name_scan_sees_what_the_fences_hold():
    # The scan would have caught each use the fences took over.
    for module in FENCES:
        assert _private_uses(_fence_file(module)), f"the scan finds nothing private in {module}"
