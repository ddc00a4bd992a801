"""Argument rewrites that need more than a rename: the named functions of ``symbols``.

Each function takes the (already updated) ``cst.Call`` and returns a :class:`Fix`: the new call,
or the reason it was left alone. They look at the argument *structure* only (counts,
keywords, literals), so running one on the original call or on its updated copy gives the
same decision; the analysis runs them on the original to know what the file will contain.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from migrate import symbols

V1 = symbols.V1


@dataclasses.dataclass(frozen=True)
class Fix:
    """A rewritten call, or why not (``call`` None), plus an optional note for a finding."""

    call: cst.Call | None
    reason: str = ""
    note: str = ""
    code: str = ""


@dataclasses.dataclass(frozen=True)
class Root:
    """The module's own binding of TensorFlow: ``local`` is bound to ``path``."""

    local: str
    path: str

    def spell(self, name: str) -> cst.BaseExpression:
        """An expression for the full TensorFlow name ``name`` through this binding."""
        if self.path == V1:
            relative = name[len(V1) + 1 :] if name.startswith(V1 + ".") else name.split(".", 1)[1]
        else:
            relative = name.split(".", 1)[1]
        return cst.parse_expression(f"{self.local}.{relative}")


# What the whole-call rewrites produce, so the analysis knows the final names in a file.
CALL_REWRITE_TARGETS = {
    "fully_connected_to_dense": V1 + ".layers.dense",
    "linear_to_dense": V1 + ".layers.dense",
    "xavier_to_glorot": V1 + ".glorot_uniform_initializer",
}


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def _keywords(call: cst.Call) -> dict[str, cst.Arg]:
    return {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}


def _starred(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _as_keyword(arg: cst.Arg, keyword: str) -> cst.Arg:
    return arg.with_changes(
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def is_int_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


def is_axis_like(node: cst.BaseExpression) -> bool:
    """An int literal, or a name a TF1 script gives an axis (``dim``, ``FLAGS.axis``...)."""
    if is_int_literal(node):
        return True
    name = _last_name(node)
    return name is not None and name.lower() in symbols.AXIS_NAMES


def is_sequence_display(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.List, cst.Tuple, cst.ListComp, cst.GeneratorExp))


def _swap_to_axis_last(call: cst.Call, order: list[cst.Arg], axis: cst.Arg) -> cst.Call:
    """Positional ``order`` (reusing the original slots' commas) then ``axis=``."""
    positional = _positional(call)
    slots = positional[: len(order) + 1]
    new_args = [slot.with_changes(value=arg.value) for slot, arg in zip(slots, order)]
    new_args.append(_as_keyword(slots[len(order)].with_changes(value=axis.value), "axis"))
    rest = [arg for arg in call.args if arg not in slots]
    return call.with_changes(args=[*new_args, *rest])


def old_split_order(call: cst.Call, root: Root | None = None) -> Fix:
    """``tf.split(split_dim, num_split, value)`` (TF 0.x) -> ``tf.split(value, num, axis=dim)``.

    Rewritten only when the old order is certain: the first argument is an int literal or an
    axis-like name and the third is not.
    """
    positional = _positional(call)
    if len(positional) != 3 or _starred(call):
        return Fix(None)
    first, count, last = positional
    if is_axis_like(last.value):
        return Fix(None)  # already (value, num_or_size_splits, axis)
    if is_axis_like(first.value):
        return Fix(_swap_to_axis_last(call, [last, count], first))
    return Fix(
        None,
        reason=(
            "cannot tell whether this tf.split uses the TF 0.x order (split_dim, num_split, "
            "value) or the TF 1.x order (value, num_or_size_splits, axis)"
        ),
        code="TFM201",
    )


def old_concat_order(call: cst.Call, root: Root | None = None) -> Fix:
    """``tf.concat(concat_dim, values)`` (TF 0.x) -> ``tf.concat(values, axis=concat_dim)``.

    Rewritten only when the old order is certain: an int literal first, or an axis-like name
    first and a list of tensors second.
    """
    positional = _positional(call)
    if len(positional) != 2 or _starred(call):
        return Fix(None)
    first, second = positional
    if is_int_literal(first.value) or (
        is_axis_like(first.value) and is_sequence_display(second.value)
    ):
        return Fix(_swap_to_axis_last(call, [second], first))
    if is_axis_like(second.value) or is_sequence_display(first.value):
        return Fix(None)  # already (values, axis)
    return Fix(
        None,
        reason=(
            "cannot tell whether this tf.concat uses the TF 0.x order (concat_dim, values) "
            "or the TF 1.x order (values, axis)"
        ),
        code="TFM201",
    )


def logits_labels_keywords(call: cst.Call, root: Root | None = None) -> Fix:
    """Positional ``*_cross_entropy_with_logits(logits, labels)`` (TF 0.x order) -> keywords.

    From TF 1.0 on these functions take keywords only (a ``_sentinel`` first parameter
    rejects positional calls), so a positional call is TF 0.x code and its order is certain.
    """
    positional = _positional(call)
    if not positional or _starred(call):
        return Fix(None)
    taken = set(_keywords(call))
    names = [name for name in ("logits", "labels", "name") if name not in taken]
    if len(positional) > len(names):
        return Fix(None, reason="more positional arguments than (logits, labels, name)", code="TFM203")
    renamed = {id(arg): _as_keyword(arg, name) for arg, name in zip(positional, names)}
    return Fix(call.with_changes(args=[renamed.get(id(arg), arg) for arg in call.args]))


def adjoint_keywords(call: cst.Call, root: Root | None = None) -> Fix:
    """``tf.batch_matmul(x, y, adj_x, adj_y)``: the 3rd/4th positions are ``transpose_*`` in matmul."""
    positional = _positional(call)
    if len(positional) <= 2 or _starred(call):
        return Fix(None)
    names = ["adjoint_a", "adjoint_b", "name"]
    extra = positional[2:]
    if len(extra) > len(names):
        return Fix(None, reason="more positional arguments than batch_matmul had", code="TFM203")
    renamed = {id(arg): _as_keyword(arg, name) for arg, name in zip(extra, names)}
    return Fix(call.with_changes(args=[renamed.get(id(arg), arg) for arg in call.args]))


_FULLY_CONNECTED_KEYWORDS = {
    "inputs": "inputs",
    "num_outputs": "units",
    "activation_fn": "activation",
    "weights_initializer": "kernel_initializer",
    "biases_initializer": "bias_initializer",
    "weights_regularizer": "kernel_regularizer",
    "biases_regularizer": "bias_regularizer",
    "reuse": "reuse",
    "trainable": "trainable",
    "scope": "name",
}


def fully_connected_to_dense(call: cst.Call, root: Root | None = None) -> Fix:
    """See :func:`_to_dense`; fully_connected's default activation is relu."""
    return _to_dense(call, root, relu_default=True)


def linear_to_dense(call: cst.Call, root: Root | None = None) -> Fix:
    """``tf.contrib.layers.linear`` is fully_connected with ``activation_fn=None``."""
    return _to_dense(call, root, relu_default=False)


def _to_dense(call: cst.Call, root: Root | None, relu_default: bool) -> Fix:
    """``tf.contrib.layers.fully_connected`` -> ``tf.compat.v1.layers.dense``.

    Same function: a dense layer with a Glorot-uniform kernel and zero bias. Differences
    handled here: fully_connected defaults to ``activation_fn=tf.nn.relu`` (dense to none),
    and ``biases_initializer=None`` meant no bias. The variables are named ``dense/kernel``
    instead of ``fully_connected/weights`` (a TFM106 note). Normalizers and collections have
    no dense equivalent: such calls are left alone.
    """
    if root is None:
        return Fix(None, reason="no `import tensorflow` in the module to spell tf.compat.v1.layers.dense")
    if _starred(call):
        return Fix(None, reason="*args / **kwargs hide which arguments are passed")
    positional = _positional(call)
    if len(positional) > 3:
        return Fix(None, reason="more than (inputs, num_outputs, activation_fn) passed by position")
    keywords = _keywords(call)
    unsupported = sorted(set(keywords) - set(_FULLY_CONNECTED_KEYWORDS))
    if unsupported:
        return Fix(None, reason=f"dense has no equivalent of {', '.join(unsupported)}")
    args: list[cst.Arg] = list(positional[:2])
    if len(positional) == 3:
        args.append(_as_keyword(positional[2], "activation"))
    for name, arg in keywords.items():
        if name == "biases_initializer" and isinstance(arg.value, cst.Name) and arg.value.value == "None":
            args.append(_as_keyword(arg.with_changes(value=cst.Name("False")), "use_bias"))
            continue
        args.append(_as_keyword(arg, _FULLY_CONNECTED_KEYWORDS[name]) if name != "inputs" else arg)
    if relu_default and len(positional) < 3 and "activation_fn" not in keywords:
        args.append(
            cst.Arg(
                keyword=cst.Name("activation"),
                value=root.spell("tensorflow.nn.relu"),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
        )
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in args]
    args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    new_call = call.with_changes(func=root.spell(V1 + ".layers.dense"), args=args)
    return Fix(
        new_call,
        note=(
            "fully_connected became tf.compat.v1.layers.dense: its variables are named "
            "<scope>/kernel and <scope>/bias instead of <scope>/weights and <scope>/biases, "
            "so old checkpoints need their names mapped"
        ),
        code="TFM106",
    )


def xavier_to_glorot(call: cst.Call, root: Root | None = None) -> Fix:
    """``tf.contrib.layers.xavier_initializer(uniform, seed, dtype)`` -> ``glorot_*_initializer``.

    ``uniform=True`` (the default) is exactly Glorot uniform, limit sqrt(6 / (fan_in +
    fan_out)); ``uniform=False`` draws from the same truncated normal family (contrib used
    stddev sqrt(1.3 / fan_avg), glorot_normal sqrt(1.29 / fan_avg)).
    """
    if root is None:
        return Fix(None, reason="no `import tensorflow` in the module to spell the initializer")
    if _starred(call):
        return Fix(None, reason="*args / **kwargs hide which arguments are passed")
    positional = _positional(call)
    keywords = _keywords(call)
    if len(positional) > 3 or set(keywords) - {"uniform", "seed", "dtype"}:
        return Fix(None, reason="unexpected arguments for xavier_initializer(uniform, seed, dtype)")
    uniform = positional[0] if positional else keywords.get("uniform")
    flag = uniform.value.value if uniform is not None and isinstance(uniform.value, cst.Name) else "True"
    if uniform is not None and flag not in ("True", "False"):
        return Fix(None, reason="`uniform` is not a literal True/False")
    args = [_as_keyword(arg, name) for arg, name in zip(positional[1:], ("seed", "dtype"))]
    args += [arg for name, arg in keywords.items() if name != "uniform"]
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in args]
    kind = "glorot_uniform_initializer" if flag == "True" else "glorot_normal_initializer"
    return Fix(call.with_changes(func=root.spell(f"{V1}.{kind}"), args=args))
