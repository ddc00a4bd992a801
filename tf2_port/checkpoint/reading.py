"""Opening a TF1 checkpoint: its prefix, every array at once, or a lazy view of its index.

``tf.train.load_checkpoint`` reads Saver V1 and V2 checkpoints eagerly, with no graph and no
``tf_keras``. TensorFlow is imported only when a file is read (:func:`_tf`).
"""

from __future__ import annotations

import glob
import os
from typing import Any, Sequence

import numpy as np


def _tf() -> Any:
    # TensorFlow only to read files: importing this module to load a converted
    # model must work on any Keras backend.
    import tensorflow as tf

    return tf


def resolve_checkpoint_path(path: str | os.PathLike[str]) -> str:
    """The checkpoint prefix for a prefix, a V1 file, or a directory with a ``checkpoint`` file.

    Raises:
        FileNotFoundError: naming the path and what was looked for.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        latest = _tf().train.latest_checkpoint(path)
        if latest is not None:
            return latest
        # A moved directory: its `checkpoint` file may hold stale absolute paths.
        prefixes = sorted(name[: -len(".index")] for name in glob.glob(os.path.join(path, "*.index")))
        if len(prefixes) == 1:
            return prefixes[0]
        if prefixes:
            raise FileNotFoundError(
                f"Invalid checkpoint directory `{path}`: expected a `checkpoint` file naming the latest "
                f"checkpoint or a single checkpoint, found several: {[os.path.basename(p) for p in prefixes]}. "
                "Pass one prefix."
            )
        raise FileNotFoundError(
            f"Invalid checkpoint directory `{path}`: expected a `checkpoint` file or `<prefix>.index` files, "
            "found neither."
        )
    if os.path.exists(path + ".index") or os.path.isfile(path) or glob.glob(path + "-?????-of-?????"):
        return path
    raise FileNotFoundError(
        f"Invalid checkpoint path `{path}`: expected a checkpoint prefix (`{path}.index` for Saver V2, "
        "or a V1 file) or a directory holding a `checkpoint` file; nothing exists there."
    )


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Every array of a TF1 Saver checkpoint (V1 or V2) as ``{name: ndarray}``.

    Args:
        path: a checkpoint prefix (``model.ckpt-1000``) or a directory with a
            ``checkpoint`` file (its latest checkpoint is read).

    Raises:
        FileNotFoundError: when there is no checkpoint at ``path``.
        ValueError: when the files are not a readable checkpoint.
    """
    prefix = resolve_checkpoint_path(path)
    tf = _tf()
    try:
        reader = tf.train.load_checkpoint(prefix)
        names = sorted(reader.get_variable_to_shape_map())
        return {name: np.asarray(reader.get_tensor(name)) for name in names}
    except (tf.errors.OpError, ValueError) as error:
        raise ValueError(f"Invalid checkpoint `{prefix}`: TensorFlow cannot read it ({error}).") from error


class _CheckpointArray:
    """One checkpoint tensor read only when it becomes an array (``np.asarray``).

    ``.shape`` and ``.dtype`` come from the checkpoint's index, so discovery reads no data,
    and a conversion holds one cell's arrays at a time instead of the whole checkpoint.
    """

    __slots__ = ("_reader", "_prefix", "name", "shape", "dtype")

    def __init__(self, reader: Any, prefix: str, name: str, shape: Sequence[int], dtype: Any) -> None:
        self._reader, self._prefix, self.name = reader, prefix, name
        self.shape = tuple(int(dim) for dim in shape)
        self.dtype = np.dtype(dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        tf = _tf()
        try:
            value = np.asarray(self._reader.get_tensor(self.name))
        except (tf.errors.OpError, ValueError) as error:
            raise ValueError(f"Invalid checkpoint `{self._prefix}`: TensorFlow cannot read `{self.name}` "
                             f"({error}).") from error
        return value if dtype is None else value.astype(dtype, copy=False)


def _open_checkpoint(prefix: str) -> dict[str, _CheckpointArray]:
    """Every tensor of a checkpoint as a lazily read :class:`_CheckpointArray`, sorted by name."""
    tf = _tf()
    try:
        reader = tf.train.load_checkpoint(prefix)
        shapes = reader.get_variable_to_shape_map()
        dtypes = reader.get_variable_to_dtype_map()
        return {name: _CheckpointArray(reader, prefix, name, shapes[name], dtypes[name].as_numpy_dtype)
                for name in sorted(shapes)}
    except (tf.errors.OpError, ValueError) as error:
        raise ValueError(f"Invalid checkpoint `{prefix}`: TensorFlow cannot read it ({error}).") from error
