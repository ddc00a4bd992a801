"""TF1 shape entries were ``Dimension`` objects read with ``.value``; TF2 shapes hold ints."""

from __future__ import annotations

import libcst as cst

from migrate import symbols
from migrate.codemods.base import TFCodemod


class FixDimensionValueCommand(TFCodemod):
    """Read a shape entry's ``.value`` through ``tf.compat.v1.dimension_value``.

    Before::

        n = x.get_shape()[1].value
        sizes = [d.value for d in x.get_shape()]
        for dim in v.get_shape():
            size *= dim.value

    After::

        n = tf.compat.v1.dimension_value(x.get_shape()[1])
        sizes = [tf.compat.v1.dimension_value(d) for d in x.get_shape()]
        for dim in v.get_shape():
            size *= tf.compat.v1.dimension_value(dim)

    In TF 2, ``x.get_shape()[1]`` is an ``int`` (or ``None``), which has no ``.value``: the
    idiom fails with ``AttributeError``. ``dimension_value`` returns the number either way. Only
    entries that are provably shape entries are rewritten: a subscript of ``.get_shape()``,
    ``.shape`` or ``.dims``, or the loop name of a ``for`` / comprehension over one of those
    (not reassigned in the loop). NumPy shapes hold ints, whose ``.value`` never existed, so a
    ``.shape`` whose entry's ``.value`` is read is a TensorShape.
    """

    DESCRIPTION = "x.get_shape()[i].value (a TF1 Dimension) -> tf.compat.v1.dimension_value(x.get_shape()[i])."

    def prepare(self, module: cst.Module) -> None:
        self._loop_names: list[str] = []  # names bound to shape entries by the enclosing loops

    # --- loops over a shape ------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        self._loop_names.append(_shape_loop_name(node.target, node.iter, node.body))

    def leave_For(self, original_node: cst.For, updated_node: cst.For):
        self._loop_names.pop()
        return updated_node

    def _visit_comprehension(self, node) -> None:
        clause = node.for_in
        simple = clause.inner_for_in is None
        self._loop_names.append(_shape_loop_name(clause.target, clause.iter, None) if simple else "")

    def _leave_comprehension(self, original_node, updated_node):
        self._loop_names.pop()
        return updated_node

    visit_ListComp = visit_GeneratorExp = visit_SetComp = _visit_comprehension
    leave_ListComp = leave_GeneratorExp = leave_SetComp = _leave_comprehension

    # --- the rewrite -------------------------------------------------------------------
    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute):
        if original_node.attr.value != "value":
            return updated_node
        entry = original_node.value
        is_entry = (isinstance(entry, cst.Subscript) and _is_shape(entry.value)) or (
            isinstance(entry, cst.Name) and entry.value in self._loop_names
        )
        root = self.analysis.root
        if not is_entry or root is None or not root.local.isidentifier():
            return updated_node
        return cst.Call(func=root.spell(symbols.V1 + ".dimension_value"), args=[cst.Arg(updated_node.value)])


def _is_shape(node: cst.BaseExpression) -> bool:
    """``x.get_shape()``, ``x.shape`` or ``x.get_shape().dims`` / ``x.shape.dims``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not node.args:
        return node.func.attr.value == "get_shape"
    if isinstance(node, cst.Attribute):
        return node.attr.value == "shape" or (node.attr.value == "dims" and _is_shape(node.value))
    return False


def _shape_loop_name(target: cst.BaseExpression, iterated: cst.BaseExpression, body) -> str:
    """The loop name bound to the entries of a shape ('' when the loop is not one, or the body
    assigns the name again)."""
    if not isinstance(target, cst.Name) or not _is_shape(iterated):
        return ""
    if body is not None and _assigns(body, target.value):
        return ""
    return target.value


def _assigns(body: cst.CSTNode, name: str) -> bool:
    class _Finder(cst.CSTVisitor):
        found = False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            if isinstance(node.target, cst.Name) and node.target.value == name:
                self.found = True

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name) and node.target.value == name:
                self.found = True

    finder = _Finder()
    body.visit(finder)
    return finder.found
