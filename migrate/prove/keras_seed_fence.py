"""The private Keras APIs ``prove`` touches: where Keras 3 and tf_keras draw default seeds.

Why: a layer or initializer built without a seed takes one from Python's *global* ``random``
module -- Keras 3 in ``keras.src.random.seed_generator.make_default_seed()``, tf_keras (the
legacy Keras behind the reference's ``tf.compat.v1`` cells and layers) in
``backend.RandomGenerator._create_seed``. The two runs build different layers (Keras cells in
the candidate, legacy cells in the reference, and TF 1.x itself drew no Python random numbers
there), so every later ``random.random()`` of the script -- its data -- would differ between
the runs. Giving both a generator of their own keeps the script's ``random`` stream exactly
what it was in TF 1.x, in both runs.

Checked against Keras 3.15 (``seed_generator.python_random`` is the ``random`` module, used by
``make_default_seed`` alone) and tf_keras 2.21 (``backend._SEED_GENERATOR.generator``, a
thread-local that ``tf_keras.utils.set_random_seed`` sets, is used before Python's ``random``
when present). ``tests/test_prove.py`` fails loudly if either attribute goes away.
"""

from __future__ import annotations

import random


def isolate_default_seeds(seed: int, legacy_keras: bool) -> list[str]:
    """Make Keras 3 and tf_keras draw default seeds from private generators seeded ``seed``.

    ``legacy_keras`` says whether this process may load tf_keras at all (a keras-level
    candidate must not). Returns the packages isolated.
    """
    isolated = []
    try:
        from keras.src.random import seed_generator
    except ImportError:
        seed_generator = None
    if seed_generator is not None:
        if not hasattr(seed_generator, "python_random"):
            raise RuntimeError(
                "keras.src.random.seed_generator: expected a module attribute 'python_random' "
                "(Keras 3.15's source of default seeds), got none; prove cannot keep the script's "
                "random stream equal in both runs with this Keras version"
            )
        seed_generator.python_random = random.Random(seed)
        isolated.append("keras")
    legacy_backend = None
    if legacy_keras:
        try:
            import tf_keras.src.backend as legacy_backend
        except ImportError:  # the script's own use of the legacy cells will fail and say so
            legacy_backend = None
    if legacy_backend is not None:
        if not hasattr(legacy_backend, "_SEED_GENERATOR"):
            raise RuntimeError(
                "tf_keras.src.backend: expected '_SEED_GENERATOR' (tf_keras 2.21's per-thread seed "
                "source), got none; prove cannot keep the script's random stream equal in both runs"
            )
        legacy_backend._SEED_GENERATOR.generator = random.Random(seed)
        isolated.append("tf_keras")
    return isolated

