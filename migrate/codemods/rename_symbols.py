"""Rename old TensorFlow names to their TensorFlow 2 homes, imports included."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import RemoveImportsVisitor

from migrate.codemods.base import TFCodemod


class RenameSymbolsCommand(TFCodemod):
    """Move every old TensorFlow name to the name that runs on TensorFlow 2, whatever the import.

    Before::

        import tensorflow as tf
        from tensorflow.contrib import rnn

        cell = rnn.LSTMCell(64)
        x = tf.placeholder(tf.float32, [None, 10, 8])
        out, state = tf.nn.rnn(cell, tf.unpack(x, axis=1), dtype=tf.float32)

    After::

        import tensorflow as tf
        from tensorflow.compat.v1 import nn as rnn

        cell = rnn.rnn_cell.LSTMCell(64)
        x = tf.compat.v1.placeholder(tf.float32, [None, 10, 8])
        out, state = tf.compat.v1.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)

    Names are matched through QualifiedNameProvider, so ``import tensorflow as T``,
    ``import tensorflow.compat.v1 as tf`` (already v1: only contrib and TF 0.x names move),
    ``from tensorflow.contrib.rnn import LSTMCell as C`` and star imports all resolve. An
    import is edited in place -- its module and names changed, its comments kept -- rather than
    removed and re-added: the names it binds stay in use, so RemoveImportsVisitor would keep
    it anyway. That visitor is scheduled only for an old import whose every use another
    codemod rewrote through ``tf`` (for example ``layers.fully_connected`` -> ``dense``).
    Names with no TensorFlow 2 home are left alone and reported (TFM101).
    """

    DESCRIPTION = "Rename TF 0.x/1.x and contrib names (and their imports) to their TF2 homes."

    def prepare(self, module: cst.Module) -> None:
        analysis = self.analysis
        for item in analysis.reports:
            self.report(item.node, item.code, item.message, item.suggestion, item.severity)
        for node in analysis.removable_imports:
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute):
        return self.analysis.replacements.get(original_node, updated_node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name):
        return self.analysis.replacements.get(original_node, updated_node)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ):
        lines = self.analysis.statement_rewrites.get(original_node)
        if lines is None:
            return updated_node
        if not lines:
            return cst.RemovalSentinel.REMOVE
        if len(lines) == 1:
            return lines[0]
        return cst.FlattenSentinel(lines)
