"""Every symbol-table entry names something that exists in the installed TensorFlow.

Runs in the test process: TensorFlow is installed here (the migrate package itself never
imports it). tf.compat.v1.nn.rnn_cell and tf.compat.v1.layers need legacy Keras, which the
project enables in one place, tf1_reference._legacy.
"""

from __future__ import annotations

import inspect
import pathlib
import subprocess
import sys

import pytest

from migrate import argument_fixes, resolve, symbols
from migrate import symbols_generated as generated

REPO = pathlib.Path(__file__).resolve().parent.parent
from tf1_reference._legacy import tf  # noqa: E402 -- the project's own reference side, never skipped


def lookup(name: str):
    """The object at the dotted ``tensorflow.<path>``; AttributeError if it does not exist."""
    parts = name.split(".")
    assert parts[0] == "tensorflow", name
    value = tf
    for part in parts[1:]:
        value = getattr(value, part)
    return value


def parameters(value) -> set[str]:
    target = value.__init__ if inspect.isclass(value) else value
    return set(inspect.signature(target).parameters)


@pytest.mark.parametrize("key", sorted(symbols.RENAMES))
def test_rename_targets_exist(key: str) -> None:
    target = symbols.RENAMES[key]
    lookup(target)
    # The same object spelled through tf.compat.v1 (what a compat.v1 import reaches) exists too.
    lookup(resolve.compat_form(target))


@pytest.mark.parametrize("key", sorted(symbols.KEYWORD_RENAMES))
def test_keyword_renames_name_real_parameters(key: str) -> None:
    resolution = resolve.resolve(key)
    target = resolution.target if resolution is not None else key
    accepted = parameters(lookup(target))
    for new in symbols.KEYWORD_RENAMES[key].values():
        assert new in accepted, f"{target} has no parameter {new!r}"


@pytest.mark.parametrize("relative", sorted(symbols.V2_DROP_INS))
def test_v2_drop_ins_match_both_signatures(relative: str) -> None:
    assert relative in generated.CHANGED
    v1_params, v2_params = generated.SIGNATURES[relative]
    assert tuple(inspect.signature(lookup(f"tensorflow.compat.v1.{relative}")).parameters) == v1_params
    assert tuple(inspect.signature(lookup(f"tensorflow.{relative}")).parameters) == v2_params
    for old, new in symbols.V2_DROP_INS[relative].items():
        assert old in v1_params and new in v2_params, (relative, old, new)


def test_module_homes_and_whole_call_targets_exist() -> None:
    for home, _ in symbols.MODULE_HOMES.values():
        lookup(home)
    for target in argument_fixes.CALL_REWRITE_TARGETS.values():
        lookup(target)
    for name in (*symbols.ARGUMENT_FIXES.values(), *symbols.CALL_REWRITES.values()):
        assert callable(getattr(argument_fixes, name))
    assert set(symbols.CALL_REWRITES.values()) <= set(argument_fixes.CALL_REWRITE_TARGETS)


def test_cell_tables_match_tf_compat_v1() -> None:
    for name in symbols.RNN_CELL_CLASSES:
        lookup(f"{symbols.RNN_CELL}.{name}")
    for name in symbols.RNN_DRIVERS:
        lookup(f"{symbols.V1}.nn.{name}")
    for name in (*symbols.CELL_CONSTRUCTORS, symbols.MULTI_CELL):
        lookup(name)
    for name in (*symbols.GRAPH_BUILDERS, *symbols.EAGER_SWITCHES):
        lookup(resolve.compat_form(name))
    for name in symbols.GONE_GRAPH_BUILDERS:  # and these are gone, as their table says
        with pytest.raises(AttributeError):
            lookup(resolve.compat_form(name))


@pytest.mark.parametrize("key", sorted(symbols.NO_HOME))
def test_no_home_entries_really_have_no_home(key: str) -> None:
    with pytest.raises(AttributeError):
        lookup(key)


def test_generated_entries_exist() -> None:
    for relative in generated.DROPPED:
        lookup(f"tensorflow.compat.v1.{relative}")
        with pytest.raises(AttributeError):
            lookup(f"tensorflow.{relative}")
    for relative in generated.CHANGED:
        lookup(f"tensorflow.{relative}")
        lookup(f"tensorflow.compat.v1.{relative}")


@pytest.mark.slow
def test_generated_table_is_current() -> None:
    # In a fresh process: what tf.compat.v1 lists depends on which lazy modules were loaded.
    done = subprocess.run(
        [sys.executable, "-m", "migrate.tools.generate_symbols", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        "migrate/symbols_generated.py is stale: run .venv/bin/python -m "
        f"migrate.tools.generate_symbols\n{done.stderr[-2000:]}"
    )
