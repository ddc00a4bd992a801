"""The fence around where Keras 3 and tf_keras draw default seeds (private in both), for ``prove``.

Why it is needed: a layer or initializer built without a seed takes one from Python's *global*
``random`` module -- Keras 3 in ``keras.src.random.seed_generator.make_default_seed()`` (through
that module's ``python_random``), tf_keras (the legacy Keras behind the reference's
``tf.compat.v1`` cells and layers) in ``backend.RandomGenerator._create_seed``, unless the
thread-local ``tf_keras.src.backend._SEED_GENERATOR`` holds a ``generator``. The two runs build
different layers (Keras cells in the candidate, legacy cells in the reference, and TF 1.x itself
drew no Python random numbers there), so every later ``random.random()`` of the script -- its
data -- would differ between the runs. Giving both a generator of their own keeps the script's
``random`` stream exactly what it was in TF 1.x, in both runs.

Public alternatives checked: ``keras.utils.set_random_seed`` reseeds the global ``random`` (and
NumPy, TensorFlow) but leaves ``make_default_seed`` drawing from it, so layers still consume the
script's stream; Keras 3 has no public way to redirect default seeds. ``tf_keras.utils.
set_random_seed`` does set the same thread-local, but also reseeds Python's, NumPy's and
TensorFlow's global generators at that point, which prove's hooks seed themselves, in their own
order (``hooks.seed_everything``); the fence makes only the one assignment prove needs.

Checked against Keras 3.15.1 and tf_keras 2.21.0 (``pyproject.toml`` keeps ``keras<3.16`` and
``tf_keras<2.22``): :func:`isolate_default_seeds` checks the attributes before it sets them, and
:func:`check` verifies that each package draws its default seeds from the generator put there
(tests/test_private_api_fences.py). This module is the only one that names them.
"""

from __future__ import annotations

import random
from typing import Any

from tf2_port.fence_errors import fence_broken

CHECKED_AGAINST = {"keras": "3.15.1", "tf_keras": "2.21.0"}


def _broken(package: str, expected: str, got: str) -> RuntimeError:
    return fence_broken(__name__, package, CHECKED_AGAINST[package], expected, got,
                        "prove cannot keep the script's random stream equal in both runs")


def _keras_seed_module() -> Any:
    """``keras.src.random.seed_generator``, checked; None when Keras 3 is not installed."""
    try:
        from keras.src.random import seed_generator
    except ImportError:
        return None
    if not isinstance(getattr(seed_generator, "python_random", None), (random.Random, type(random))):
        raise _broken("keras", "keras.src.random.seed_generator.python_random, the source of default seeds",
                      repr(getattr(seed_generator, "python_random", None)))
    return seed_generator


def _legacy_backend() -> Any:
    """``tf_keras.src.backend``, checked; None when tf_keras is not installed."""
    try:
        import tf_keras.src.backend as legacy_backend
    except ImportError:  # the script's own use of the legacy cells will fail and say so
        return None
    if not hasattr(legacy_backend, "_SEED_GENERATOR") or not hasattr(legacy_backend, "RandomGenerator"):
        raise _broken("tf_keras", "tf_keras.src.backend._SEED_GENERATOR (the per-thread seed source) and "
                      "RandomGenerator", "neither or one of them")
    return legacy_backend


def isolate_default_seeds(seed: int, legacy_keras: bool) -> list[str]:
    """Make Keras 3 and tf_keras draw default seeds from private generators seeded ``seed``.

    ``legacy_keras`` says whether this process may load tf_keras at all (a keras-level
    candidate must not). Returns the packages isolated.

    Raises:
        RuntimeError: when an installed package no longer has the attribute this sets.
    """
    isolated = []
    seed_generator = _keras_seed_module()
    if seed_generator is not None:
        seed_generator.python_random = random.Random(seed)
        isolated.append("keras")
    legacy_backend = _legacy_backend() if legacy_keras else None
    if legacy_backend is not None:
        legacy_backend._SEED_GENERATOR.generator = random.Random(seed)
        isolated.append("tf_keras")
    return isolated


def check() -> None:
    """Each package's default seed must come from the generator the fence puts in place.

    Restores what it changed. Raises:
        RuntimeError: naming the package that draws its default seeds elsewhere now.
    """
    expected = random.Random(7).randint(1, int(1e9))
    seed_generator = _keras_seed_module()
    if seed_generator is not None:
        saved = seed_generator.python_random
        try:
            seed_generator.python_random = random.Random(7)
            got = seed_generator.make_default_seed()
        finally:
            seed_generator.python_random = saved
        if got != expected:
            raise _broken("keras", "make_default_seed() to draw from seed_generator.python_random",
                          f"{got} where that generator gives {expected}")
    legacy_backend = _legacy_backend()
    if legacy_backend is not None:
        holder = legacy_backend._SEED_GENERATOR
        saved = getattr(holder, "generator", None)
        try:
            holder.generator = random.Random(7)
            got = legacy_backend.RandomGenerator(None)._create_seed(None)
        finally:
            holder.generator = saved
        if got != expected:
            raise _broken("tf_keras", "RandomGenerator._create_seed(None) to draw from _SEED_GENERATOR.generator",
                          f"{got} where that generator gives {expected}")


__all__ = ["CHECKED_AGAINST", "check", "isolate_default_seeds"]
