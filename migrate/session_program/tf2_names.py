"""``tf.compat.v1.X`` -> the TensorFlow 2 name of the very same object, in the tf2 level's output.

The compat level moved every name TensorFlow 2 dropped from ``tf.X`` to ``tf.compat.v1.X``;
many of them are ops TF2 still has under another name (``tf.compat.v1.random_normal`` is
``tf.random.normal``). :mod:`migrate.tf2_renames_generated` lists only pairs that are the same
Python object in the installed TensorFlow, so a rename never changes what a call computes.
Names with no identical TF2 object stay, and the tf2 level's safety net refuses the file.
"""

from __future__ import annotations

import libcst as cst

from migrate.qualified_names import import_map, qualified_name

V1 = "tensorflow.compat.v1."


class _Renames(cst.CSTTransformer):
    def __init__(self, imports: dict[str, str], tensorflow_name: str, renames: dict[str, str]) -> None:
        self.imports = imports
        self.tensorflow_name = tensorflow_name
        self.renames = renames

    def leave_Attribute(self, original: cst.Attribute, updated: cst.BaseExpression) -> cst.BaseExpression:
        path = qualified_name(original, self.imports)
        if path is None or not path.startswith(V1):
            return updated
        target = self.renames.get(path[len(V1):])
        if target is None:
            return updated
        return cst.parse_expression(f"{self.tensorflow_name}.{target}")


def rename_to_tf2(module: cst.Module) -> cst.Module:
    """Every ``tf.compat.v1.X`` chain with an identical TF2 object, renamed (by binding)."""
    imports = import_map(module.code)
    if imports is None:
        return module
    tensorflow_names = sorted(name for name, path in imports.items() if path == "tensorflow")
    if not tensorflow_names:
        return module
    # Imported here: the generator of the table imports the migrate package, which must load
    # without the table it is about to write.
    from migrate.tf2_renames_generated import V1_TO_TF2

    return module.visit(_Renames(imports, tensorflow_names[0], V1_TO_TF2))
