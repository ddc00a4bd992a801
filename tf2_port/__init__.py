"""The Keras 3 side of tf1-migrate: cells Keras lacks, port builders, state helpers, conversion.

Never imports ``tf_keras`` or ``tf.compat.v1.nn.rnn_cell``; uses ``import keras``
(Keras 3).

Importing the package imports nothing else: a script rewritten at the keras level runs
``from tf2_port import keras_rnn`` (and ``tf2_port.cells``), and must load neither the
builders (which need ``tf1_reference``'s specs) nor checkpoint conversion. The names in
``__all__`` are imported on first use (PEP 562). A module registers the Keras classes it
defines when it is imported: before ``keras.saving.load_model`` reads a ``.keras`` file
that this project wrote, import ``tf2_port.checkpoint`` (``StackPort``,
``CudnnGRUStackPort`` and the cells of ``tf2_port.cells``), or use its ``load_converted``.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the module that defines it.
_EXPORTS = {
    "DropoutWrapperCell": "tf2_port.cells",
    "LSTMStateTuple": "tf2_port.state",
    "ResidualCell": "tf2_port.cells",
    "StackPort": "tf2_port.build",
    "TF1LSTMCell": "tf2_port.cells",
    "fast_form_supported": "tf2_port.build",
    "keras_state_to_tf1": "tf2_port.state",
    "make_cell": "tf2_port.build",
    "pack_keras_h_c_to_layers_c_h": "tf2_port.state",
    "restore_tf1_checkpoint_into": "tf2_port.tf1_restore",
    "tf1_state_to_keras": "tf2_port.state",
    "unpack_layers_c_h_to_keras_h_c": "tf2_port.state",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value  # later lookups skip this function
        return value
    # The package used to import checkpoint, build, cells and state eagerly, so code that
    # did `import tf2_port` and then used `tf2_port.checkpoint...` keeps working.
    # Imported, not probed with find_spec first: a probe would be a second lookup that import
    # hooks (prove's patch of keras_rnn, for one) see as the import itself.
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # the submodule exists but something it imports is missing
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
