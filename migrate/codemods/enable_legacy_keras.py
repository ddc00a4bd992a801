"""Make legacy cells and tf.compat.v1.layers importable on TensorFlow >= 2.16."""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from migrate import symbols
from migrate.codemods.base import TFCodemod


class EnableLegacyKerasCommand(TFCodemod):
    """Set ``TF_USE_LEGACY_KERAS=1`` at the top of modules that still use legacy Keras objects.

    Before::

        \"\"\"Train a stacked LSTM.\"\"\"
        import tensorflow as tf

        cell = tf.compat.v1.nn.rnn_cell.LSTMCell(64)

    After::

        \"\"\"Train a stacked LSTM.\"\"\"

        # tf.compat.v1.nn.rnn_cell needs tf_keras on TF >= 2.16; the keras level removes this.
        import os
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        import tensorflow as tf

        cell = tf.compat.v1.nn.rnn_cell.LSTMCell(64)

    On TensorFlow 2.16+ (Keras 3) ``tf.compat.v1.nn.rnn_cell.*`` and ``tf.compat.v1.layers.*``
    are tf_keras classes that resolve only when the variable is set before their first use;
    ``setdefault`` leaves a user's own choice alone. The statement goes after the module
    docstring and ``__future__`` imports, before everything else (and so before ``import
    tensorflow``); if the module already imports ``os`` first, only the ``setdefault`` line is
    added after that import. Modules that mention ``TF_USE_LEGACY_KERAS`` already are left
    alone. The keras level converts the cells and removes this setting.
    """

    DESCRIPTION = "Set TF_USE_LEGACY_KERAS=1 first thing where legacy cells or tf.compat.v1.layers remain."

    def prepare(self, module: cst.Module) -> None:
        analysis = self.analysis
        if analysis.legacy_keras_use is None or analysis.legacy_keras_set:
            return
        self.report(
            analysis.legacy_keras_use,
            "TFM401",
            "legacy cells or tf.compat.v1.layers remain: the rewritten file needs the tf_keras "
            "package (TF_USE_LEGACY_KERAS=1 is set at its top)",
            "pip install tf_keras, or use the keras level to move to Keras 3",
        )
        body = list(module.body)
        start = 0
        if body and _is_docstring(body[0]):
            start = 1
        while start < len(body) and _is_future_import(body[start]):
            start += 1
        setting = cst.parse_statement(f'os.environ.setdefault("{symbols.LEGACY_KERAS_VARIABLE}", "1")')
        comment = cst.EmptyLine(comment=cst.Comment(symbols.LEGACY_KERAS_COMMENT))
        for statement in body[start:]:
            if _imports_tensorflow(statement):
                break
            if _imports_os(statement):
                self.edits.insert_after(statement, [setting.with_changes(leading_lines=[comment])])
                return
        import_os = cst.parse_statement("import os")
        if start < len(body):
            leading = [comment] if start == 0 else [cst.EmptyLine(), comment]
            self.edits.insert_before(
                body[start], [import_os.with_changes(leading_lines=leading), setting], separate=True
            )
        elif body:
            self.edits.insert_after(
                body[-1], [import_os.with_changes(leading_lines=[cst.EmptyLine(), comment]), setting]
            )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_future_import(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and any(
            isinstance(small, cst.ImportFrom)
            and small.module is not None
            and get_full_name_for_node(small.module) == "__future__"
            for small in statement.body
        )
    )


def _import_names(statement: cst.CSTNode) -> list[str]:
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    names = []
    for small in statement.body:
        if isinstance(small, cst.Import):
            names += [get_full_name_for_node(alias.name) or "" for alias in small.names]
        elif isinstance(small, cst.ImportFrom) and small.module is not None:
            names.append(get_full_name_for_node(small.module) or "")
    return names


def _imports_tensorflow(statement: cst.CSTNode) -> bool:
    return any(name.split(".")[0] == "tensorflow" for name in _import_names(statement))


def _imports_os(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import)
        and any(
            alias.asname is None and get_full_name_for_node(alias.name) == "os"
            for alias in statement.body[0].names
        )
    )
