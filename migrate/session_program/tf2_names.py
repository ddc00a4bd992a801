"""``tf.compat.v1.X`` -> the TensorFlow 2 name of the very same object, in the tf2 level's output.

The compat level moved every name TensorFlow 2 dropped from ``tf.X`` to ``tf.compat.v1.X``;
many of them are ops TF2 still has under another name (``tf.compat.v1.random_normal`` is
``tf.random.normal``). :mod:`migrate.tf2_renames_generated` lists only pairs that are the same
Python object in the installed TensorFlow, so a rename never changes what a call computes.
Names with no identical TF2 object stay, and the tf2 level's safety net refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from migrate.qualified_names import import_map, qualified_name

V1 = "tensorflow.compat.v1."


@dataclass(frozen=True)
class CallRename:
    """A v1 function whose TF2 namesake computes the same when called with these arguments only.

    ``positional``: how many leading positional arguments the two share (same names, same
    order); ``keywords``: the keywords both take with the same meaning. Proven on the same inputs
    by tests/test_tf2_names.py.
    """

    tf2_name: str
    positional: int
    keywords: frozenset[str]
    first_is_a_variable: bool = False  # the first argument must be one variable (not a list)


# The v1 functions TF1 RNN scripts use most that are not TF2's very object (their v1 versions
# also take deprecated arguments), renamed only when called without those.
CALL_RENAMES = {
    # v1 (params, ids, partition_strategy="mod", name, validate_indices, max_norm); v2 (params,
    # ids, max_norm, name). With one params tensor the partition strategy means nothing.
    "nn.embedding_lookup": CallRename("nn.embedding_lookup", 2, frozenset({"params", "ids", "name", "max_norm"}), True),
    # v1 adds dim= (an alias of axis) and axis default None (meaning -1).
    "nn.softmax_cross_entropy_with_logits_v2": CallRename(
        "nn.softmax_cross_entropy_with_logits", 0, frozenset({"labels", "logits", "name"})),
    "nn.softmax": CallRename("nn.softmax", 2, frozenset({"logits", "axis", "name"})),
    "nn.log_softmax": CallRename("nn.log_softmax", 2, frozenset({"logits", "axis", "name"})),
    # v1 adds reduction_indices= / keep_dims= (aliases); keepdims None means False.
    "reduce_mean": CallRename("reduce_mean", 2, frozenset({"input_tensor", "axis", "keepdims", "name"})),
    "reduce_sum": CallRename("reduce_sum", 2, frozenset({"input_tensor", "axis", "keepdims", "name"})),
    "reduce_max": CallRename("reduce_max", 2, frozenset({"input_tensor", "axis", "keepdims", "name"})),
    # v1 (a, perm, name, conjugate); v2 (a, perm, conjugate, name): two positionals in common.
    "transpose": CallRename("transpose", 2, frozenset({"a", "perm", "name", "conjugate"})),
    "argmax": CallRename("argmax", 2, frozenset({"input", "axis", "name", "output_type"})),
}


class _Renames(cst.CSTTransformer):
    def __init__(self, imports: dict[str, str], tensorflow_name: str, renames: dict[str, str],
                 variables: frozenset[str]) -> None:
        self.imports = imports
        self.tensorflow_name = tensorflow_name
        self.renames = renames
        self.variables = variables

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        path = qualified_name(original.func, self.imports) if isinstance(original.func, (cst.Name, cst.Attribute)) else None
        if path is None or not path.startswith(V1):
            return updated
        if path[len(V1):] == "nn.softmax_cross_entropy_with_logits":
            return self._softmax_cross_entropy_v1(original, updated)
        rule = CALL_RENAMES.get(path[len(V1):])
        if rule is None or not _fits(original, rule, self.variables):
            return updated
        return updated.with_changes(func=cst.parse_expression(f"{self.tensorflow_name}.{rule.tf2_name}"))

    def leave_Attribute(self, original: cst.Attribute, updated: cst.BaseExpression) -> cst.BaseExpression:
        path = qualified_name(original, self.imports)
        if path is None or not path.startswith(V1):
            return updated
        target = self.renames.get(path[len(V1):])
        if target is None:
            return updated
        return cst.parse_expression(f"{self.tensorflow_name}.{target}")


    def _softmax_cross_entropy_v1(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """v1 ``softmax_cross_entropy_with_logits(labels=, logits=)`` never backpropagated into its
        labels; TF2's does: the same function of ``tf.stop_gradient(labels)`` (as tf_upgrade_v2
        writes it). Only keyword calls (v1 refused positional ones) with the default axis."""
        arguments = {a.keyword.value: a for a in updated.args if a.keyword is not None}
        if len(arguments) != len(updated.args) or not {"labels", "logits"} <= set(arguments) \
                or set(arguments) - {"labels", "logits", "name"}:
            return updated
        labels = arguments["labels"]
        stopped = cst.Call(func=cst.parse_expression(f"{self.tensorflow_name}.stop_gradient"), args=[cst.Arg(labels.value)])
        args = [a.with_changes(value=stopped) if a is labels else a for a in updated.args]
        return updated.with_changes(
            func=cst.parse_expression(f"{self.tensorflow_name}.nn.softmax_cross_entropy_with_logits"), args=args)


def _fits(call: cst.Call, rule: CallRename, variables: frozenset[str]) -> bool:
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or len(positional) > rule.positional:
        return False
    if any(a.keyword is not None and a.keyword.value not in rule.keywords for a in call.args):
        return False
    if rule.first_is_a_variable:
        first = call.args[0].value if call.args else None
        return isinstance(first, cst.Name) and first.value in variables
    return True


def rename_to_tf2(module: cst.Module, variables: frozenset[str] = frozenset()) -> cst.Module:
    """Every ``tf.compat.v1.X`` chain with an identical TF2 object renamed (by binding), and the
    calls of :data:`CALL_RENAMES` that fit their rule. ``variables``: the names of the program's
    variables (for a rule that needs its first argument to be one)."""
    imports = import_map(module.code)
    if imports is None:
        return module
    tensorflow_names = sorted(name for name, path in imports.items() if path == "tensorflow")
    if not tensorflow_names:
        return module
    # Imported here: the generator of the table imports the migrate package, which must load
    # without the table it is about to write.
    from migrate.tf2_renames_generated import V1_TO_TF2

    return module.visit(_Renames(imports, tensorflow_names[0], V1_TO_TF2, variables))
