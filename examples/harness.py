"""Find the example pairs, run both sides, and measure max |diff| (used by measure.py and the tests).

An example folder holds ``README.md`` and either ``tf1.py`` + ``keras.py`` (``run_tf1(seed=0)``,
``run_keras(tf1_run)``) or ``before.py`` + ``after.py`` plus a ``pair.py`` with the same two
functions. ``run_keras`` returns the compared values in TF1's structure and order; every key it
returns is compared with the same key of the TF1 run, except keys starting with ``train_``
(dropout in training mode: compared by mask structure, never draw by draw).
"""

from __future__ import annotations

import importlib
import inspect
import math
import random
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

EXAMPLES_DIR = Path(__file__).resolve().parent
ROOT = EXAMPLES_DIR.parent
TRAINING_PREFIX = "train_"

# The old code's tf.layers.dense is the point of the examples; its deprecation note is no news.
warnings.filterwarnings("ignore", message=r"`tf\.layers\.\w+` is deprecated")


def example_names() -> list[str]:
    """Every example folder, sorted."""
    names = []
    for folder in sorted(EXAMPLES_DIR.iterdir()):
        if not folder.is_dir() or not (folder / "README.md").is_file():
            continue
        if (folder / "tf1.py").is_file() and (folder / "keras.py").is_file():
            names.append(folder.name)
        elif (folder / "pair.py").is_file():
            names.append(folder.name)
    return names


def _module(name: str, side: str) -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"examples.{name}.{side}")


def sides(name: str) -> tuple[Any, Any]:
    """``(run_tf1, run_keras)`` of an example."""
    if (EXAMPLES_DIR / name / "pair.py").is_file():
        pair = _module(name, "pair")
        return pair.run_tf1, pair.run_keras
    return _module(name, "tf1").run_tf1, _module(name, "keras").run_keras


def dtypes(name: str) -> tuple[str, ...]:
    """float32, plus float64 when the example's ``run_tf1`` takes a ``dtype``."""
    run_tf1, _ = sides(name)
    return ("float32", "float64") if "dtype" in inspect.signature(run_tf1).parameters else ("float32",)


def run_pair(name: str, dtype: str = "float32", seed: int = 0) -> tuple[dict, dict]:
    run_tf1, run_keras = sides(name)
    # tf_keras draws the default seeds of its initializers (tf.layers.dense...) from Python's
    # global generator: seeded here, a pair's figures are the same on every run.
    random.seed(seed)
    tf1_run = run_tf1(seed=seed, dtype=dtype) if dtype != "float32" else run_tf1(seed=seed)
    return tf1_run, run_keras(tf1_run)


def leaves(structure: Any, path: str = "") -> list[tuple[str, np.ndarray]]:
    """Flatten dicts (sorted keys), tuples, lists and namedtuples such as LSTMStateTuple."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in leaves(structure[key], f"{path}/{key}")]
    if isinstance(structure, (list, tuple)):
        return [leaf for index, item in enumerate(structure) for leaf in leaves(item, f"{path}[{index}]")]
    return [(path, np.asarray(structure))]


def compared_keys(keras_run: dict) -> list[str]:
    return sorted(key for key in keras_run if not key.startswith(TRAINING_PREFIX))


def diffs(tf1_run: dict, keras_run: dict) -> dict[str, tuple[float, float]]:
    """``{leaf path: (max |diff|, max |TF1 value|)}`` over every exactly compared key.

    Raises ``ValueError`` when the structures, shapes or dtypes disagree: a port that returns
    the wrong structure is wrong, whatever its numbers.
    """
    result = {}
    for key in compared_keys(keras_run):
        if key not in tf1_run:
            raise ValueError(f"Key {key!r} of the Keras run is missing from the TF1 run.")
        want, got = leaves(tf1_run[key], key), leaves(keras_run[key], key)
        if [path for path, _ in want] != [path for path, _ in got]:
            raise ValueError(f"Structure of {key!r} differs: TF1 {[p for p, _ in want]}, Keras {[p for p, _ in got]}.")
        for (path, expected), (_, actual) in zip(want, got):
            if expected.shape != actual.shape:
                raise ValueError(f"{path}: TF1 shape {expected.shape}, Keras shape {actual.shape}.")
            if expected.dtype != actual.dtype:
                raise ValueError(f"{path}: TF1 dtype {expected.dtype}, Keras dtype {actual.dtype}.")
            scale = float(np.max(np.abs(expected))) if expected.size else 0.0
            diff = float(np.max(np.abs(expected.astype(np.float64) - actual))) if expected.size else 0.0
            result[path] = (diff, scale)
    return result


def max_diff(per_leaf: dict[str, tuple[float, float]]) -> float:
    return max((diff for diff, _ in per_leaf.values()), default=math.nan)


def max_scale(per_leaf: dict[str, tuple[float, float]]) -> float:
    return max((scale for _, scale in per_leaf.values()), default=0.0)


def zero_rates(run: dict) -> dict[str, float]:
    """Fraction of exact zeros in each training-mode leaf (``train_*`` keys): dropout's signature."""
    return {path: float(np.mean(array == 0.0))
            for key in sorted(run) if key.startswith(TRAINING_PREFIX)
            for path, array in leaves(run[key], key)}
