"""The run-time half users install alone (issue 14, item 7).

A script rewritten at the keras level imports ``tf2_port.keras_rnn`` (and ``tf2_port.cells``).
Those imports must load nothing of the reference side — checkpoint conversion, the builders,
``tf1_reference``, ``tf_keras`` — and the ``tf`` extra alone must run the script. The wheel test
proves it the way a user meets it: the project built as a wheel, installed with ``[tf]`` into a
fresh virtual environment (no system site-packages), a fixture rewritten there by the installed
``tf1-migrate`` and run by that environment's Python, and ``tf1-migrate examples`` read from the
installed copy.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

from corpus_tools import CORPUS_DIR, assert_trains, parse_losses, script_env, tail
from migrate import examples_catalog

REPO = pathlib.Path(__file__).resolve().parent.parent

# What the reference side is made of; none of it may load with the run-time modules.
REFERENCE_SIDE_MODULES = ("tf2_port.checkpoint", "tf2_port.build", "tf1_reference", "tf_keras")

# Prints, as JSON, which reference-side modules are loaded after importing the run-time
# modules one by one (cells first: a script at any level may import it alone).
LOADED_AFTER_IMPORTS = textwrap.dedent(
    """
    import importlib, json, sys
    reference_side = {reference_side!r}
    report = {{}}
    for name in ("tf2_port.cells", "tf2_port.keras_rnn"):
        importlib.import_module(name)
        report[name] = sorted(
            loaded for loaded in sys.modules
            if any(loaded == side or loaded.startswith(side + ".") for side in reference_side))
    report["tf2_port_file"] = sys.modules["tf2_port"].__file__
    print(json.dumps(report))
    """
).format(reference_side=REFERENCE_SIDE_MODULES)

# A runnable corpus script (TF1M_SMOKE=1 shrinks it) whose keras-level rewrite imports both
# run-time modules: keras_rnn for the driver, tf2_port.cells for the peephole/projection cell.
RUNTIME_FIXTURE = "peephole_projection_frames.py"

# What the wheel is built from: copied out of the repository so that a stale build/ folder
# left by earlier builds there cannot leak removed files into the wheel.
PACKAGING_INPUTS = ("pyproject.toml", "setup.py", "README.md", "tf1_reference", "tf2_port", "migrate", "examples")

INSTALL_TIMEOUT = 1200  # wheel[tf], TensorFlow in pip's cache: 50-90 s on 2 shared cores; a cold download takes longer


def _child_env() -> dict[str, str]:
    """The environment of a process that must see only what it installed itself."""
    env = script_env()
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(command: list[str], *, cwd: pathlib.Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=_child_env(), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def _loaded_reference_side(python: str | pathlib.Path, cwd: pathlib.Path) -> dict:
    run = _run([python, "-c", LOADED_AFTER_IMPORTS], cwd=cwd)
    assert run.returncode == 0, tail(run.stderr)
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_runtime_modules_load_nothing_of_the_reference_side(tmp_path):
    report = _loaded_reference_side(sys.executable, tmp_path)
    assert report["tf2_port.cells"] == [], report
    assert report["tf2_port.keras_rnn"] == [], report


def test_package_names_resolve_on_first_use():
    import tf2_port
    from tf2_port import build, state

    for name in tf2_port.__all__:
        assert getattr(tf2_port, name) is getattr(sys.modules[tf2_port._EXPORTS[name]], name)
    assert tf2_port.StackPort is build.StackPort and tf2_port.LSTMStateTuple is state.LSTMStateTuple
    # Submodules the package used to import eagerly are still reachable as attributes.
    assert tf2_port.checkpoint.__name__ == "tf2_port.checkpoint"
    assert set(tf2_port.__all__) <= set(dir(tf2_port))
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        tf2_port.NoSuchName


# --- the wheel, installed with the tf extra only ---------------------------------------------


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory) -> pathlib.Path:
    """A fresh virtual environment holding the project's wheel installed as ``wheel[tf]``."""
    root = tmp_path_factory.mktemp("runtime-install")
    source = root / "source"
    source.mkdir()
    for name in PACKAGING_INPUTS:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    wheels = root / "wheels"
    build = _run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--quiet", "-w", wheels], cwd=root)
    assert build.returncode == 0, tail(build.stderr)
    (wheel,) = wheels.glob("tf1_migrate-*.whl")

    venv = root / "venv"
    create = _run([sys.executable, "-m", "venv", venv], cwd=root)
    assert create.returncode == 0, tail(create.stderr)
    install = _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", f"{wheel}[tf]"], cwd=root,
                   timeout=INSTALL_TIMEOUT)
    assert install.returncode == 0, tail(install.stderr)
    return venv


@pytest.mark.slow
def test_tf_extra_installs_the_runtime_without_tf_keras(runtime_venv, tmp_path):
    python = runtime_venv / "bin" / "python"
    probe = ("import importlib.util, json; print(json.dumps({name: importlib.util.find_spec(name) is not None "
             "for name in ('tensorflow', 'keras', 'numpy', 'tf_keras', 'matplotlib')}))")
    run = _run([python, "-c", probe], cwd=tmp_path)
    assert run.returncode == 0, tail(run.stderr)
    assert json.loads(run.stdout) == {"tensorflow": True, "keras": True, "numpy": True,
                                      "tf_keras": False, "matplotlib": False}
    report = _loaded_reference_side(python, tmp_path)
    assert report["tf2_port.keras_rnn"] == [] and report["tf2_port.cells"] == [], report
    assert pathlib.Path(report["tf2_port_file"]).is_relative_to(runtime_venv), report


@pytest.mark.slow
def test_rewritten_script_runs_from_the_installed_wheel(runtime_venv, tmp_path):
    script = tmp_path / RUNTIME_FIXTURE
    shutil.copy2(CORPUS_DIR / RUNTIME_FIXTURE, script)
    rewrite = _run([runtime_venv / "bin" / "tf1-migrate", "rewrite", "--write", script.name], cwd=tmp_path)
    assert rewrite.returncode == 0, rewrite.stdout + tail(rewrite.stderr)
    rewritten = script.read_text(encoding="utf-8")
    assert "from tf2_port import keras_rnn" in rewritten and "from tf2_port.cells import" in rewritten
    assert "TF_USE_LEGACY_KERAS" not in rewritten

    run = _run([runtime_venv / "bin" / "python", script.name], cwd=tmp_path)
    assert run.returncode == 0, tail(run.stderr)
    assert_trains(parse_losses(run.stdout))


@pytest.mark.slow
def test_examples_command_reads_the_installed_wheel(runtime_venv, tmp_path):
    tf1_migrate = runtime_venv / "bin" / "tf1-migrate"
    listing = _run([tf1_migrate, "examples"], cwd=tmp_path)
    assert listing.returncode == 0, tail(listing.stderr)
    listed = [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]
    assert listed == [example.name for example in examples_catalog.list_examples()]

    shown = _run([tf1_migrate, "examples", "cell_zoo"], cwd=tmp_path)
    assert shown.returncode == 0, tail(shown.stderr)
    assert "tf1.py" in shown.stdout and "keras.py" in shown.stdout
    assert "Measured max |diff| (TF1 vs Keras 3, same weights): float32" in shown.stdout
