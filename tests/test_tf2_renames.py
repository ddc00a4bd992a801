"""Every ``V1_TO_TF2`` entry is exact: both names are the very same object in the installed TensorFlow.

Runs in the test process, which has TensorFlow (the migrate package itself never imports it).
The generator does not need legacy Keras, and its table is the same with or without it, so this
module does not care whether another test enabled it first.
"""

from __future__ import annotations

import os
from itertools import groupby

import pytest

from migrate.tf2_renames_generated import TENSORFLOW_VERSION, V1_TO_TF2
from migrate.tools import generate_tf2_renames as generator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

REGENERATE = "regenerate with: .venv/bin/python -m migrate.tools.generate_tf2_renames"


def resolve(root, dotted: str):
    value = root
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _group(v1_name: str) -> str:
    return v1_name.split(".")[0] if "." in v1_name else "<top level>"


# One test per v1 submodule (and one for the top level): 2,600 entries stay fast and readable.
GROUPS = {group: list(names) for group, names in groupby(sorted(V1_TO_TF2, key=_group), key=_group)}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_entry_names_the_same_object_on_both_sides(group: str) -> None:
    failures = []
    for v1_name in GROUPS[group]:
        v2_name = V1_TO_TF2[v1_name]
        try:
            v1_value, v2_value = resolve(tf.compat.v1, v1_name), resolve(tf, v2_name)
        except AttributeError as error:
            failures.append(f"tf.compat.v1.{v1_name} -> tf.{v2_name}: does not resolve ({error})")
            continue
        if v1_value is not v2_value:
            failures.append(f"tf.compat.v1.{v1_name} is not tf.{v2_name}")
    assert not failures, f"{len(failures)} inexact entries ({REGENERATE}):\n" + "\n".join(failures)


def test_the_committed_table_is_what_the_installed_tensorflow_gives() -> None:
    # Regeneration is a walk of two attribute trees, well under a second once TensorFlow is
    # imported, so it runs in-process: a TensorFlow upgrade that changes the table fails here.
    assert TENSORFLOW_VERSION == tf.__version__, f"table made with TensorFlow {TENSORFLOW_VERSION}; {REGENERATE}"
    regenerated = generator.compare(tf)["renames"]
    added = sorted(set(regenerated) - set(V1_TO_TF2))
    removed = sorted(set(V1_TO_TF2) - set(regenerated))
    changed = sorted(name for name in set(regenerated) & set(V1_TO_TF2) if regenerated[name] != V1_TO_TF2[name])
    assert not (added or removed or changed), (
        f"stale table ({REGENERATE}): added {added[:20]}, removed {removed[:20]}, changed {changed[:20]}")


@pytest.mark.parametrize("v1_name, v2_name", [
    ("truncated_normal", "random.truncated_normal"),
    ("random_normal", "random.normal"),
    ("random_uniform", "random.uniform"),
    ("random_shuffle", "random.shuffle"),
    ("log", "math.log"),
    ("matmul", "matmul"),
    ("nn.relu", "nn.relu"),
    ("nn.bias_add", "nn.bias_add"),
    ("concat", "concat"),
    ("reshape", "reshape"),
    ("cast", "cast"),
    ("float32", "float32"),  # dtypes are kept: tf.compat.v1.float32 is tf.float32
    ("matrix_inverse", "linalg.inv"),
    ("FixedLenFeature", "io.FixedLenFeature"),
])
def test_known_pairs_are_present(v1_name: str, v2_name: str) -> None:
    assert V1_TO_TF2.get(v1_name) == v2_name


@pytest.mark.parametrize("v1_name", [
    # Same name in TF2 but another object: the v1 export keeps deprecated arguments
    # (softmax's `dim`, reduce_mean's `keep_dims` / `reduction_indices`, ...).
    "nn.softmax",
    "reduce_mean",
    "reduce_sum",
    "nn.dropout",
    "nn.sparse_softmax_cross_entropy_with_logits",
    "constant",
    "transpose",
    "Variable",
    # The same underlying function, but tf.compat.v1.nn.tanh is the bare op while tf.nn.tanh
    # carries a wrapper of its own: not identical, so not in the table.
    "nn.tanh",
    # No TF2 object at all.
    "to_float",
    "placeholder",
    "get_variable",
    "variable_scope",
    "Session",
    "truncated_normal_initializer",
    "random_normal_initializer",
    "global_variables_initializer",
    "train.AdamOptimizer",
    "train.Saver",
    "set_random_seed",
])
def test_names_without_an_identical_tf2_object_are_absent(v1_name: str) -> None:
    assert v1_name not in V1_TO_TF2
    v1_value = resolve(tf.compat.v1, v1_name)  # it exists in v1 (a typo here would pass vacuously)
    try:
        same_name = resolve(tf, v1_name)
    except AttributeError:
        return
    assert same_name is not v1_value


def test_keras_and_the_versioning_are_left_out() -> None:
    foreign = ("keras.", "layers.", "nn.rnn_cell.", "estimator.", "compat.")
    assert not [name for name in V1_TO_TF2 if name.startswith(foreign)]
    assert not [name for name in V1_TO_TF2.values() if name.startswith(("keras.", "compat.", "estimator."))]
    # tf.compat.v1.train.exponential_decay & co. are defined in tensorflow.python.keras.
    assert "train.exponential_decay" not in V1_TO_TF2


@pytest.mark.parametrize("v1_name, candidates, chosen", [
    ("nn.softmax", ["math.softmax", "nn.softmax"], "nn.softmax"),  # the same name first
    ("log", ["math.log"], "math.log"),
    ("is_nan", ["math.is_nan", "debugging.is_nan"], "math.is_nan"),  # then the shortest
    ("x", ["b.f", "a.f"], "a.f"),  # then alphabetical
])
def test_the_target_choice_is_deterministic(v1_name, candidates, chosen) -> None:
    assert generator._choose(v1_name, candidates) == chosen
