"""What a name or attribute chain of a keras-level module refers to, by binding.

The keras level writes its imports in one canonical form (``import tensorflow as tf``,
``import keras``, ``from tf2_port import keras_rnn``), so the import statements alone answer
for most modules (:func:`migrate.qualified_names.import_map`, which also proves that no import
name is rebound); otherwise libcst's scope analysis answers.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst

from migrate.qualified_names import import_map, normalise, qualified_name

# The paths the keras level's runtime is imported under.
KERAS_RNN = "tf2_port.keras_rnn"


class Resolver:
    """``path(node)``: the dotted path a Name / Attribute chain refers to, or None."""

    def __init__(self, code: str, scope_of: Callable[[cst.CSTNode], object]) -> None:
        self._imports = import_map(code)
        self._scope_of = scope_of

    def path(self, node: cst.CSTNode) -> str | None:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        if self._imports is not None:
            return qualified_name(node, self._imports)
        scope = self._scope_of(node)
        if scope is None:
            return None
        names = sorted(name.name for name in scope.get_qualified_names_for(node))
        # An import-bound name reads as its dotted path; a local name as itself (no dot, or
        # a "<locals>" path): only dotted module paths are answers here.
        for name in names:
            if name.startswith(("tensorflow", "keras", "tf2_port", "numpy", "collections")):
                return name
        return None

    def normalised(self, node: cst.CSTNode) -> str | None:
        """``path`` with ``tensorflow.compat.v1.`` read as ``tensorflow.``."""
        found = self.path(node)
        return normalise(found) if found else None

    def call_path(self, node: cst.CSTNode) -> str | None:
        """The normalised path of the function a Call calls, or None."""
        if isinstance(node, cst.Call):
            return self.normalised(node.func)
        return None


def calls_in(node: cst.CSTNode, resolver: Resolver, paths: frozenset[str] | None = None) -> list[cst.Call]:
    """Every call under ``node`` (in order) whose function resolves, normalised, to one of
    ``paths`` -- or every call at all when ``paths`` is None."""
    found: list[cst.Call] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if paths is None or resolver.call_path(call) in paths:
                found.append(call)

    node.visit(Collect())
    return found


def is_tensorflow(path: str | None) -> bool:
    return bool(path) and (path == "tensorflow" or path.startswith("tensorflow."))


def is_keras(path: str | None) -> bool:
    return bool(path) and (path == "keras" or path.startswith("keras."))


def is_runtime(path: str | None) -> bool:
    return bool(path) and (path == KERAS_RNN or path.startswith(KERAS_RNN + ".") or path.startswith("tf2_port"))
