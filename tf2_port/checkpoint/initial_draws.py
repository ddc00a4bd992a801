"""Building Keras models without their random initial draws, when every weight is overwritten next.

Building a Keras model draws every weight from its initializer; a conversion (and a load of a
``.keras`` file) then overwrites them all. For big stacks the draws are nearly all the cost of
building: a QR decomposition per recurrent kernel (``Orthogonal``; 21 of the 26 s of converting
a 4 x 2048 LSTM before the draws were skipped) and a uniform draw per kernel (``GlorotUniform``;
2.3 s for the four ``[4096, 8192]`` kernels). :func:`_no_random_draws` skips them for the
models built inside one block of one thread; nothing of ``keras`` is modified, so other threads
(another conversion, a model being trained) draw as usual.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterable, Iterator

import keras
from keras import ops

# Keras' random initializers (GlorotUniform, HeNormal... are VarianceScaling with fixed arguments).
_RANDOM_INITIALIZERS = (
    keras.initializers.RandomNormal,
    keras.initializers.RandomUniform,
    keras.initializers.TruncatedNormal,
    keras.initializers.VarianceScaling,
    keras.initializers.Orthogonal,
)
# Every name ``keras.initializers.get`` turns into one of them: the exported ones ("GlorotUniform",
# "glorot_uniform", "orthogonal"...) and the two short aliases Keras also accepts.
_RANDOM_INITIALIZER_NAMES: dict[str, type] = {
    **{name: value for name, value in vars(keras.initializers).items()
       if isinstance(value, type) and issubclass(value, _RANDOM_INITIALIZERS)},
    "normal": keras.initializers.RandomNormal,
    "uniform": keras.initializers.RandomUniform,
}


@contextlib.contextmanager
def _no_random_draws(keep: Iterable[str] = ()) -> Iterator[None]:
    """Build with zeros where Keras would draw random initial weights: in this block, in this thread.

    Inside the block, a random initializer that Keras makes from its name -- the
    ``"glorot_uniform"`` and ``"orthogonal"`` defaults of every Keras cell, ``StackPort``'s and
    ``CudnnGRUStackPort``'s cells, a ``Dense(kernel_initializer="he_normal")`` -- is an instance of
    a subclass of its class whose draw is zeros. When the block ends (also on an error), each of
    them becomes an instance of its own class again: the layers keep the initializers they asked
    for, with the same configuration. The names reach Keras through its custom-object scope, which
    is per thread; initializers made before the block, passed as objects, or deserialized from a
    full config (a ``.keras`` file of a plain Keras model) draw as usual.

    Args:
        keep: names left to Keras (``load_converted`` passes the caller's ``custom_objects``).
    """
    made: list[tuple[Any, type]] = []

    def drawing_zeros(genuine: type) -> type:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            genuine.__init__(self, *args, **kwargs)
            made.append((self, genuine))

        def __call__(self: Any, shape: Any, dtype: Any = None) -> Any:
            return ops.zeros(shape, dtype=dtype)

        return type(f"_ZeroDraw{genuine.__name__}", (genuine,), {"__init__": __init__, "__call__": __call__})

    substitutes = {genuine: drawing_zeros(genuine) for genuine in set(_RANDOM_INITIALIZER_NAMES.values())}
    kept = set(keep)
    names = {name: substitutes[genuine] for name, genuine in _RANDOM_INITIALIZER_NAMES.items() if name not in kept}
    # A layer copied through its config inside the block (Bidirectional makes its backward
    # layer so) names the substitutes themselves.
    names.update((substitute.__name__, substitute) for substitute in substitutes.values())
    try:
        with keras.saving.custom_object_scope(names):
            yield
    finally:
        for initializer, genuine in made:
            initializer.__class__ = genuine


def load_converted(path: str | os.PathLike[str], **load_model_kwargs: Any) -> Any:
    """``keras.saving.load_model`` for a ``.keras`` file of this converter, without the random draws.

    Loading builds the model first -- drawing every weight from its initializer: a QR
    decomposition per recurrent kernel (Keras' default ``Orthogonal``), a uniform draw per
    kernel -- then overwrites every weight with the file's. The draws are thrown away, and for
    big stacks they are nearly all the cost (a 4 x 2048 LSTM: see bench/checkpoint_speed.py).
    This loads with zeros in their place; the result is the same model with the same weights
    and configuration (its layers still hold their initializers). Keras checks that the file
    holds every weight of the model it builds, so no zero can survive the load. Any ``.keras``
    file loads this way (the draws are skipped where its layers are built from initializer
    names, as this converter's models are); the keyword arguments go to
    ``keras.saving.load_model``. Other threads are not affected.
    """
    path = os.fspath(path)
    if not str(path).endswith(".keras"):
        raise ValueError(f"path: expected a .keras file (convert_checkpoint writes them), got {path!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path: expected an existing .keras file, got {path!r} (no such file)")
    with _no_random_draws(keep=load_model_kwargs.get("custom_objects") or ()):
        return keras.saving.load_model(path, **load_model_kwargs)
