"""The fence around where TF1's legacy ``DropoutWrapper`` and ``Dropout`` layer are defined:
private modules of tf_keras and of TensorFlow's internal Keras copy, for prove's hooks.

Why it is needed: prove turns dropout off in the reference run by patching the classes
themselves (keep probabilities forced to 1.0, the layer's ``call`` made the identity). A TF 2.21
process holds two copies of TF1's legacy cells and layers: tf_keras's, behind
``tf.compat.v1.nn.rnn_cell.X`` and ``tf.compat.v1.layers.X`` once ``TF_USE_LEGACY_KERAS=1``, and
TensorFlow's internal one, which ``from tensorflow.compat.v1.nn.rnn_cell import X`` loads (and
installs in its place). Both must be patched, before the script imports either.

Public alternatives checked: ``tf.compat.v1.nn.rnn_cell.DropoutWrapper`` and
``tf.compat.v1.layers.Dropout`` name tf_keras's classes, but resolving them loads the legacy
cells on first access, and no public name reaches TensorFlow's internal copy.

Checked against tf_keras 2.21.0 and TensorFlow 2.21.0 (``pyproject.toml`` keeps both below 2.22):
:func:`dropout_wrapper_classes` and :func:`dropout_layer_classes` require tf_keras's class when
tf_keras is installed and take TensorFlow's internal copy where it exists; :func:`check` requires
all four in a process that has both (tests/test_private_api_fences.py). This module is the only
one that names these modules.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect

from tf2_port.fence_errors import fence_broken

CHECKED_AGAINST = {"tf_keras": "2.21.0", "tensorflow": "2.21.0"}

# (tf_keras's module, TensorFlow's internal copy) defining each class.
DROPOUT_WRAPPER_MODULES = ("tf_keras.src.layers.rnn.legacy_cell_wrappers",
                           "tensorflow.python.keras.layers.legacy_rnn.rnn_cell_impl")
DROPOUT_LAYER_MODULES = ("tf_keras.src.legacy_tf_layers.core", "tensorflow.python.keras.legacy_tf_layers.core")


def _broken(package: str, expected: str, got: str) -> RuntimeError:
    return fence_broken(__name__, package, CHECKED_AGAINST[package], expected, got,
                        "prove could not turn dropout off in the reference run")


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _classes(modules: tuple[str, ...], name: str, *, require_all: bool) -> list[type]:
    found = []
    for module_name in modules:
        package = module_name.split(".")[0]
        if not _installed(package):
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            if package == "tf_keras" or require_all:
                raise _broken(package, f"the module {module_name}", f"ImportError: {error}") from error
            continue  # TensorFlow's internal copy: used where it exists
        cls = getattr(module, name, None)
        if not isinstance(cls, type):
            if package == "tf_keras" or require_all:
                raise _broken(package, f"a class {name} in {module_name}", repr(cls))
            continue
        found.append(cls)
    return found


def dropout_wrapper_classes(*, require_all: bool = False) -> list[type]:
    """The legacy ``DropoutWrapper`` classes this process can load."""
    return _classes(DROPOUT_WRAPPER_MODULES, "DropoutWrapper", require_all=require_all)


def dropout_layer_classes(*, require_all: bool = False) -> list[type]:
    """The legacy ``tf.compat.v1.layers.Dropout`` classes this process can load."""
    return _classes(DROPOUT_LAYER_MODULES, "Dropout", require_all=require_all)


def check() -> None:
    """All four classes load, and each has what the hooks patch.

    Raises:
        RuntimeError: naming the module or class that moved.
    """
    for cls in dropout_wrapper_classes(require_all=True):
        inits = [vars(base)["__init__"] for base in cls.__mro__ if "__init__" in vars(base)]
        if not any("input_keep_prob" in inspect.signature(init).parameters for init in inits):
            raise _broken(cls.__module__.split(".")[0], f"{cls.__module__}.DropoutWrapper.__init__ to take "
                          "input_keep_prob", "no class in its MRO whose __init__ does")
    for cls in dropout_layer_classes(require_all=True):
        if not callable(getattr(cls, "call", None)):
            raise _broken(cls.__module__.split(".")[0], f"{cls.__module__}.Dropout.call", "none")


__all__ = ["CHECKED_AGAINST", "DROPOUT_LAYER_MODULES", "DROPOUT_WRAPPER_MODULES", "check",
           "dropout_layer_classes", "dropout_wrapper_classes"]
