"""Turn a keras-level Session program into a TensorFlow 2 program (the tf2 level's last stage)."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from migrate.codemods.base import TFCodemod
from libcst.metadata import MetadataWrapper, PositionProvider

from migrate.qualified_names import import_map, qualified_name
from migrate.session_program import Refusal
from migrate.session_program.checkpoints import TF1_RESTORE
from migrate.session_program.inline import inline_graph_helpers
from migrate.session_program.emit import STATE_TUPLE_DEFINITION, restructure
from migrate.session_program.regions import split
from migrate.session_program.resolve import Resolver
from migrate.session_program.sites import find_sites
from migrate.session_program.tf2_names import rename_to_tf2

# Where the engine finds what the stage made: the step names and the TF1 weight names.
PROGRAM_KEY = "tf2_program"
# What a tf2 program must not mention any more (point 5 of the level's contract).
FORBIDDEN_PREFIXES = ("tensorflow.compat", "tensorflow.contrib", "tf2_port.keras_rnn", "tensorflow.Session",
                      "tensorflow.placeholder")


class RestructureSessionProgramCommand(TFCodemod):
    """Split a module-level Session program into state and ``@tf.function`` steps.

    Before (the keras level's output)::

        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        w = tf.compat.v1.Variable(tf.ones([3, 1]))
        loss = tf.reduce_mean(tf.matmul(x, w))
        train = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            value, _ = sess.run([loss, train], feed_dict={x: data})

    After::

        w = tf.Variable(tf.ones([3, 1]))
        optimizer = keras.optimizers.SGD(learning_rate=0.1)  # GradientDescentOptimizer's update rule

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
        def run_train(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.matmul(x, w))
            variables = tape.watched_variables()
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            return [loss, None]

        value, _ = run_train(data)

    A module the analysis cannot restructure exactly (``migrate.session_program``) comes back
    unchanged with one TFM601 finding naming the construct and where it is.
    """

    DESCRIPTION = "Split a Session program into state built once and one tf.function per Session.run site."

    def prepare(self, module: cst.Module) -> None:
        self._result: cst.Module | None = None
        inlined = None
        try:
            resolver = Resolver(module.code, self._scope_of)
            inlined = inline_graph_helpers(module, resolver)
            if inlined.module is not module:
                # Written out only where every name resolves by the imports, never by scope.
                resolver = Resolver(inlined.module.code, lambda node: None)
            program = split(inlined.module, resolver)
            uses = find_sites(program, resolver)
            restructured = restructure(program, uses, resolver, inlined.summary_kinds)
            variables = frozenset(name for name, kind in program.kinds.items() if kind == "variable")
            new_module = rename_to_tf2(restructured.module, variables)
            if restructured.uses_state_tuple:
                new_module = _define_state_tuple(new_module)
            _check_nothing_of_tf1_left(new_module)
            needs_tf_import = _tf_alias_needed(module)
        except Refusal as refusal:
            # A refusal about the output (the safety net) points at the file's first line; one
            # about written-out helper code at the helper's line.
            where = refusal.node if refusal.node is not None else module
            if inlined is not None and inlined.module is not module:
                where = inlined.original_node(refusal.node, module)
            self.report(where, "TFM601",
                        f"kept at the keras level: {refusal.construct}",
                        refusal.suggestion or "the tf2 level leaves this file at the keras level")
            return
        self._result = new_module
        if restructured.uses_state_tuple:
            AddImportsVisitor.add_needed_import(self.context, "collections")
        if needs_tf_import:  # the generated code spells TensorFlow `tf`; the script used another name
            AddImportsVisitor.add_needed_import(self.context, "tensorflow", asname="tf")
        if "keras." in new_module.code:  # the optimizer, or an RNN layer the stage created
            AddImportsVisitor.add_needed_import(self.context, "keras")
        for module_name in sorted(restructured.plain_imports):
            AddImportsVisitor.add_needed_import(self.context, module_name)
        for module_name, name in sorted(restructured.imports):
            AddImportsVisitor.add_needed_import(self.context, module_name, name)
        if TF1_RESTORE in restructured.imports:
            self.report(module, "TFM604", "the TensorFlow 2 program restores TF1 checkpoints through "
                        "tf2_port.tf1_restore.restore_tf1_checkpoint_into (TF1 names read, RNN weights converted); "
                        "the optimizer's TF1 slots are not read: training resumed from one starts its optimizer afresh",
                        "install tf1-migrate where the program runs, or convert old checkpoints once")
        if "tf.summary.scalar" in new_module.code or "tf.summary.histogram" in new_module.code:
            self.report(module, "TFM605", "the TensorFlow 2 program writes summaries with tf.summary.scalar / "
                        "histogram, which TensorFlow 2 leaves to the tensorboard package (TF1 had the ops built in)",
                        "pip install tensorboard where the program runs")
        cell_imports = sorted(restructured.imports - {TF1_RESTORE})
        if cell_imports:
            names = ", ".join(f"{module_name}.{name}" for module_name, name in cell_imports)
            self.report(module, "TFM603", f"the TensorFlow 2 program imports {names}: TF1's cell wrapper semantics, "
                        "which Keras 3 lacks (DropoutWrapper drops whenever a keep probability is below 1, with no "
                        "training flag)", "install tf1-migrate where the program runs, or port the wrapper")
        RemoveImportsVisitor.remove_unused_import(self.context, "tf2_port", "keras_rnn")
        _remove_unused_tf1_imports(self.context, new_module)
        self.context.scratch[PROGRAM_KEY] = {"steps": restructured.steps, "weights": restructured.weights}

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return self._result if self._result is not None else updated_node


def _tf_alias_needed(module: cst.Module) -> bool:
    """Whether ``import tensorflow as tf`` must be added for the generated code (which spells it
    ``tf``); raises Refusal when the module binds ``tf`` to something else."""
    imports = import_map(module.code)
    if imports is None:
        raise Refusal(module, "an import name rebound in the module (the generated code could not name tensorflow)")
    if imports.get("tf") == "tensorflow":
        return False
    bound = {node.value for node in _names(module)}
    if "tf" in imports or "tf" in bound:
        raise Refusal(module, "the name tf bound to something other than tensorflow (the generated code uses it)")
    return True


def _names(module: cst.Module) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    module.visit(Collect())
    return found


def _remove_unused_tf1_imports(context, module: cst.Module) -> None:
    """``from tensorflow.compat.v1 import nn as rnn`` and the like: gone once nothing uses them
    (a use that remains is caught by the safety net)."""
    for node in module.body:
        if not isinstance(node, cst.SimpleStatementLine):
            continue
        for small in node.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and not isinstance(small.names, cst.ImportStar):
                source = cst.Module([]).code_for_node(small.module)
                if source.startswith("tensorflow.compat.v1"):
                    for alias in small.names:
                        asname = alias.asname.name.value if alias.asname else None
                        RemoveImportsVisitor.remove_unused_import(context, source, alias.name.value, asname)


def _define_state_tuple(module: cst.Module) -> cst.Module:
    """TF1's ``LSTMStateTuple`` namedtuple, right after the module's first block of imports."""
    body = list(module.body)
    position = 0
    for index, node in enumerate(body):
        if isinstance(node, cst.SimpleStatementLine) and all(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in node.body):
            position = index + 1
        elif position or not (isinstance(node, cst.SimpleStatementLine) and isinstance(node.body[0], cst.Expr)):
            break
    definition = cst.parse_statement(STATE_TUPLE_DEFINITION).with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=[*body[:position], definition, *body[position:]])


def _check_nothing_of_tf1_left(module: cst.Module) -> None:
    """The safety net: the output's code (never its comments or strings) reaches no TF1 API and no
    keras-level runtime, by what its names were imported as."""
    imports = import_map(module.code)
    if imports is None:
        return  # an import name rebound: the analysis already resolved every name by scope
    wrapper = MetadataWrapper(module)
    positions = wrapper.resolve(PositionProvider)

    class Find(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            return False  # imports the output no longer uses are removed after this stage

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)  # a keyword (`rnn=`) names a parameter, not an import
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            return self._check(node)

        def visit_Name(self, node: cst.Name) -> bool:
            return self._check(node)

        def _check(self, node) -> bool:
            path = qualified_name(node, imports)
            if path is None:
                return True
            if path.startswith(FORBIDDEN_PREFIXES):
                line = positions[node].start.line
                shown = path.replace("tensorflow", "tf").replace("tf2_port.keras_rnn", "keras_rnn")
                raise Refusal(None, f"the output would still use {shown} (line {line} of the output): "
                              "no TensorFlow 2 form for it yet")
            return False

    wrapper.module.visit(Find())
