"""Turn eager execution off in scripts that build a TF1 graph."""

from __future__ import annotations

import libcst as cst

from migrate import symbols
from migrate.codemods.base import TFCodemod


class DisableEagerCommand(TFCodemod):
    """Insert ``tf.compat.v1.disable_eager_execution()`` right after the TensorFlow import.

    Before::

        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 4])

    After::

        import tensorflow as tf
        tf.compat.v1.disable_eager_execution()

        x = tf.placeholder(tf.float32, [None, 4])

    Only for modules that build a graph (placeholders, Sessions, get_variable, variable_scope,
    initializers, Saver: ``symbols.GRAPH_BUILDERS``), because TF2 runs eagerly and
    ``placeholder`` fails there; and only once: a module that already calls
    ``disable_eager_execution`` or ``disable_v2_behavior`` is left alone.
    """

    DESCRIPTION = "Insert tf.compat.v1.disable_eager_execution() where the module builds a graph."

    def prepare(self, module: cst.Module) -> None:
        analysis = self.analysis
        if analysis.graph_builder is None or analysis.eager_disabled:
            return
        root = analysis.root
        if root is not None and root.local.isidentifier():
            anchor = analysis.root_statement
            call = root.spell(symbols.V1 + ".disable_eager_execution")
            statements = [_call_statement(call)]
        elif analysis.top_level_imports:
            # Only `from tensorflow... import ...` forms: bind the package itself.
            anchor = analysis.top_level_imports[0]
            statements = [
                cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name("tensorflow"))])]),
                _call_statement(cst.parse_expression("tensorflow.compat.v1.disable_eager_execution")),
            ]
        else:
            return  # TensorFlow is imported inside functions only: no module-level place
        self.edits.insert_after(anchor, statements)


def _call_statement(function: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(cst.Call(func=function))])
