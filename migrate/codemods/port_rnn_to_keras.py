"""The keras level's codemod: TF1 RNN call sites to native Keras 3 cells and TF1-shaped drivers."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import ScopeProvider

from migrate import cell_flow
from migrate import keras_symbols as ks
from migrate.codemods.base import TFCodemod
from migrate.qualified_names import display, import_map, normalise, qualified_name, tensorflow_names

HELPER = ks.HELPER_NAME


class PortRNNToKerasCommand(TFCodemod):
    """Rewrite cells, stacks, drivers, state tuples, dropout and seq2seq helpers for Keras 3.

    Runs on the compat level's output (every RNN name already in its ``tf.compat.v1`` home).

    Before::

        cells = [tf.compat.v1.nn.rnn_cell.DropoutWrapper(
            tf.compat.v1.nn.rnn_cell.BasicLSTMCell(64, forget_bias=0.0), output_keep_prob=keep)
            for _ in range(2)]
        stack = tf.compat.v1.nn.rnn_cell.MultiRNNCell(cells)
        state0 = stack.zero_state(batch, tf.float32)
        outputs, state = tf.compat.v1.nn.dynamic_rnn(stack, x, initial_state=state0)
        logits = tf.compat.v1.layers.dense(outputs, vocab)

    After::

        import keras
        from tf2_port import keras_rnn
        cells = [keras_rnn.DropoutWrapper(
            keras.layers.LSTMCell(64, unit_forget_bias=False), output_keep_prob=keep)
            for _ in range(2)]
        stack = keras.layers.StackedRNNCells(cells)
        state0 = keras_rnn.zero_state(stack, batch, tf.float32)
        outputs, state = keras_rnn.dynamic_rnn(stack, x, initial_state=state0)
        logits = keras_rnn.dense(outputs, vocab)

    Cells become Keras 3 cells with TF1's meaning kept: ``GRUCell(reset_after=False)``; TF1's
    ``forget_bias`` (added at every step) becomes the initial forget-gate bias, which is the
    same function (``unit_forget_bias`` for 1.0, :class:`ForgetBiasInitializer` otherwise; the
    checkpoint converter folds it into the bias); peepholes, clips and projections use
    ``tf2_port.cells.TF1LSTMCell``; ``state_is_tuple=False`` marks the cell with
    ``keras_rnn.flat_state``. Drivers, ``LSTMStateTuple``, ``zero_state``, ``DropoutWrapper``,
    ``ResidualWrapper``, direct cell calls (``cell(x, state)``), the seq2seq helpers,
    ``optimize_loss``, ``tf.layers.dense`` / ``dropout`` and the other functional layers
    (``conv1d``, pooling, ``flatten``: ``keras_rnn.functional_layer("conv1d", ...)``) go to
    :mod:`tf2_port.keras_rnn`, which keeps TF1's call signatures and state structure on top of
    ``keras.layers.RNN`` and Keras layers. Imports left unused are removed.
    """

    DESCRIPTION = "RNN cells, stacks, drivers, state tuples, dropout and seq2seq helpers -> native Keras 3."

    # No metadata up front: names resolve from the module's imports when that provably
    # equals the scope analysis (migrate.qualified_names.import_map), which is then resolved only otherwise.
    METADATA_DEPENDENCIES = ()

    @classmethod
    def get_inherited_dependencies(cls):
        # libcst unions the dependencies of every base class; TFCodemod's ScopeProvider is
        # for the ModuleAnalysis this codemod does not build.
        return frozenset(cls.METADATA_DEPENDENCIES)

    def visit_Module(self, node: cst.Module) -> None:
        # Unlike the compat codemods this one needs no ModuleAnalysis (a whole extra walk).
        self.prepare(node)

    def prepare(self, module: cst.Module) -> None:
        self._imports = import_map(module.code)
        self._scopes = None
        self._aliases: dict[str, str] = {}
        collector = _FirstLook(self, self._aliases)
        self._not_accesses = collector.not_accesses  # filled by the walk, read by qualified()
        self._called = collector.called
        self._kept_references = collector.kept_references
        module.visit(collector)
        self._said: set[str] = set()
        self._import_depth = 0
        self._flow = cell_flow.CellFlow()
        if collector.uses_cells or collector.uses_helpers:
            # Which sites provably act on TF1 cells, chain by chain (migrate.cell_flow).
            self._flow = cell_flow.analyse(
                module, self.context.wrapper.resolve(ScopeProvider), self.qualified, self._kept_references, _code
            )
            for blocker in self._flow.blockers:
                self.report(blocker.node, "TFM506", blocker.message, blocker.suggestion)
            self._schedule_import_cleanup(module)
        kept_aliases = {
            node.value.value for node in self._flow.kept
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
        }
        self._removable = {
            statement for alias, statement in collector.removable_alias_statements.items() if alias not in kept_aliases
        }

    # --- names ---------------------------------------------------------------------------
    def qualified(self, node: cst.CSTNode) -> str | None:
        """The normalised qualified name of an original Name/Attribute node, aliases resolved."""
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            module = self._aliases.get(node.value.value)
            if module is not None:
                return f"{module}.{node.attr.value}"
        if self._imports is not None:
            if node in self._not_accesses:
                return None
            name = qualified_name(node, self._imports)
            return normalise(name) if name and name.startswith("tensorflow") else None
        if self._scopes is None:
            self._scopes = self.context.wrapper.resolve(ScopeProvider)
        # Sorted, so that a name bound on several paths resolves the same way every run.
        names = tensorflow_names(self._scopes.get(node), node)
        return normalise(names[0]) if names else None

    def visit_Import(self, node: cst.Import) -> None:
        self._import_depth += 1

    def leave_Import(self, original_node, updated_node):
        self._import_depth -= 1
        return updated_node

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._import_depth += 1

    def leave_ImportFrom(self, original_node, updated_node):
        self._import_depth -= 1
        return updated_node

    # --- helpers: the name itself is replaced, wherever it is used --------------------------
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name):
        if self._import_depth:
            return updated_node
        return self._helper(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute):
        if original_node.attr.value in ks.CELL_PROPERTIES and original_node.value in self._flow.cells:
            self._note_helper(original_node)
            return cst.Call(
                func=_attribute(f"{HELPER}.{ks.CELL_PROPERTIES[original_node.attr.value]}"),
                args=[cst.Arg(updated_node.value)],
            )
        return self._helper(original_node, updated_node)

    def _helper(self, original_node, updated_node):
        if original_node in self._flow.kept:
            return updated_node  # a chain left at compat (TFM506 says why)
        name = self.qualified(original_node)
        if name in ks.CELLS and original_node not in self._called and original_node not in self._kept_references:
            return self._constructor_reference(original_node, name)
        helper = ks.HELPERS.get(name) if name else None
        if helper is None and _functional_layer_kind(name):
            return updated_node  # the enclosing call is rewritten by leave_Call
        if helper is None:
            if name and name.startswith(ks.LEGACY_MODULES) and name not in ks.CELLS and not self._aliased_module(name):
                reason = ks.UNCONVERTED_REASONS.get(name)
                self._say_once(
                    original_node, f"legacy:{name}", "TFM504",
                    f"{display(name)} has no conversion at the keras level"
                    + (f" ({reason})" if reason else "")
                    + ": the file still needs tf_keras for it (TF_USE_LEGACY_KERAS=1 is kept)",
                    "port this use by hand to a keras.layers equivalent",
                )
            return updated_node
        self._note_helper(original_node)
        if helper in ks.WEIGHT_CREATING_HELPERS:
            self._note_checkpoint_names(original_node)
        return _attribute(f"{HELPER}.{helper}")

    def _constructor_reference(self, original_node: cst.CSTNode, name: str) -> cst.BaseExpression:
        """``cell_fn = rnn.LSTMCell``: the class as a value becomes keras_rnn's TF1-signature
        constructor, which builds the Keras 3 cell with TF1's meaning when it is called."""
        constructor = name.rsplit(".", 1)[1]
        self._note_helper(original_node)
        self._note_checkpoint_names(original_node)
        self.report(
            original_node, "TFM505",
            f"{display(name)} used as a value (not called here): it became keras_rnn.{constructor}, "
            "which takes TF1's arguments and builds the Keras 3 cell when it is called",
        )
        return _attribute(f"{HELPER}.{constructor}")

    @staticmethod
    def _aliased_module(name: str) -> bool:
        return name in ks.LEGACY_MODULES or name in ks.ALIASABLE_MODULES

    # --- cells, cell methods and direct cell calls ------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        name = self.qualified(original_node.func)
        if name in ks.CELLS:
            if original_node in self._flow.kept:
                return updated_node  # a chain left at compat (TFM506 says why)
            return self._cell(original_node, updated_node, name)
        kind = _functional_layer_kind(name)
        if kind is not None:
            self._note_helper(original_node)
            return updated_node.with_changes(
                func=_attribute(f"{HELPER}.functional_layer"),
                args=[cst.Arg(cst.SimpleString(f'"{kind}"'), comma=_comma()), *updated_node.args],
            )
        func = updated_node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ks.CELL_METHODS
            and original_node.func.value in self._flow.cells
            and not _has_star(updated_node)
        ):
            self._note_helper(original_node)
            return updated_node.with_changes(
                func=_attribute(f"{HELPER}.{ks.CELL_METHODS[func.attr.value]}"),
                args=[cst.Arg(func.value), *updated_node.args],
            )
        if original_node.func in self._flow.cells:  # a direct step, cell(inputs, state): cell_flow checked its form
            self._note_helper(original_node)
            return updated_node.with_changes(
                func=_attribute(f"{HELPER}.call_cell"),
                args=[cst.Arg(updated_node.func), *updated_node.args],
            )
        return updated_node

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if original_node in self._removable:
            return cst.RemovalSentinel.REMOVE
        return updated_node

    def _cell(self, original: cst.Call, updated: cst.Call, name: str):
        keras_class, family = ks.CELLS[name]
        bound = _bind(updated, ks.CELL_PARAMETERS[name])
        flat = bound.get("state_is_tuple") if bound is not None else None
        if bound is None or (flat is not None and _literal(flat) not in (True, False)):
            # Arguments only known when the script runs: TF1's signature, read then.
            constructor = name.rsplit(".", 1)[1]
            self._note_helper(original)
            if family != "stack":
                self._note_checkpoint_names(original)
            self.report(
                original, "TFM505",
                f"{display(name)}(...) with "
                + ("*args/**kwargs or unknown arguments" if bound is None else "state_is_tuple=<expression>")
                + f": it became keras_rnn.{constructor}(...), which reads TF1's arguments when the script runs "
                "and builds the Keras 3 cell",
                "spell the arguments out (state_is_tuple literally) to get the plain Keras 3 call",
            )
            return updated.with_changes(func=_attribute(f"{HELPER}.{constructor}"))
        flat = bound.pop("state_is_tuple", None)
        flat = flat is not None and _literal(flat) is False
        for dropped, why in ks.DROPPED_CELL_ARGUMENTS.items():
            if dropped in bound:
                del bound[dropped]
                self.report(original, "TFM202", f"{display(name)}: argument `{dropped}` removed ({why})")
        if family == "stack":
            args = [cst.Arg(bound.pop("cells"))]
        else:
            args = [cst.Arg(bound.pop("num_units"))]
            self._note_checkpoint_names(original)
            self._say_once(
                original, "init", "TFM503",
                "cells converted to Keras 3 draw fresh weights with Keras' initializers "
                "(glorot_uniform kernel, orthogonal recurrent kernel, zero bias; TF1 used one "
                "glorot_uniform over the joined kernel and, for GRU, a gate bias of 1.0): "
                "training starts from another draw of a similar distribution",
                "to continue from trained TF1 weights, load them with "
                "keras_rnn.restore_tf1_checkpoint (or tf1-migrate convert-checkpoint)",
            )
        activation = bound.pop("activation", None)
        if activation is not None and _literal(activation, missing=False) is not None:
            args.append(_keyword("activation", activation))
        if family == "gru":
            args.append(_keyword("reset_after", cst.Name("False")))
            if "kernel_initializer" in bound:
                initializer = bound.pop("kernel_initializer")
                args += [_keyword("kernel_initializer", initializer), _keyword("recurrent_initializer", initializer)]
        if family == "lstm":
            keras_class = self._lstm_arguments(original, bound, args, keras_class)
        args += [_keyword(key, value) for key, value in bound.items()]
        call = cst.Call(func=_attribute(keras_class), args=_commas(args))
        if keras_class.startswith("keras."):
            AddImportsVisitor.add_needed_import(self.context, "keras")
        if flat:
            self._note_helper(original)
            call = cst.Call(func=_attribute(f"{HELPER}.flat_state"), args=[cst.Arg(call)])
        return call

    def _lstm_arguments(self, original, bound: dict, args: list, keras_class: str) -> str:
        options = {
            key: bound.pop(key) for key in ks.TF1_LSTM_OPTIONS
            if key in bound and _literal(bound[key]) not in (None, False)
        }
        for key in ks.TF1_LSTM_OPTIONS:
            bound.pop(key, None)  # literal None/False: the TF1 default
        if options:
            keras_class = ks.TF1_LSTM_CELL.rsplit(".", 1)[1]
            AddImportsVisitor.add_needed_import(self.context, "tf2_port.cells", keras_class)
            self._say_once(
                original, "tf1cell", "TFM502",
                "LSTMCell with peepholes, clips or a projection has no stock Keras 3 cell: it "
                "became tf2_port.cells.TF1LSTMCell, so the file now imports tf2_port "
                "(install tf1-migrate where it runs)",
            )
            args += [_keyword(key, value) for key, value in options.items()]
        forget_bias = bound.pop("forget_bias", None)
        literal = _literal(forget_bias) if forget_bias is not None else 1.0
        if literal == 0.0:
            args.append(_keyword("unit_forget_bias", cst.Name("False")))
        elif literal != 1.0:
            self._note_helper(original)
            args += [
                _keyword("unit_forget_bias", cst.Name("False")),
                _keyword("bias_initializer", cst.Call(
                    func=_attribute(f"{HELPER}.ForgetBiasInitializer"), args=[cst.Arg(forget_bias)]
                )),
            ]
        initializer = bound.pop("initializer", None)
        if initializer is not None and _literal(initializer, missing=False) is not None:
            args += [_keyword("kernel_initializer", initializer), _keyword("recurrent_initializer", initializer)]
        return keras_class

    # --- imports and findings ---------------------------------------------------------------
    def _schedule_import_cleanup(self, module: cst.Module) -> None:
        for statement in module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        path = get_full_name_for_node(alias.name) or ""
                        if path.startswith(ks.CONVERTED_MODULES) and alias.asname is not None:
                            RemoveImportsVisitor.remove_unused_import(
                                self.context, path, asname=alias.asname.name.value
                            )
                    continue
                if not isinstance(small, cst.ImportFrom) or small.module is None:
                    continue
                path = get_full_name_for_node(small.module) or ""
                if not path.startswith(ks.CONVERTED_MODULES) or isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    asname = alias.asname.name.value if alias.asname is not None else None
                    RemoveImportsVisitor.remove_unused_import(
                        self.context, path, get_full_name_for_node(alias.name), asname
                    )

    def _note_helper(self, node: cst.CSTNode) -> None:
        AddImportsVisitor.add_needed_import(self.context, ks.HELPER_MODULE, ks.HELPER_NAME)
        self._say_once(
            node, "helper", "TFM502",
            "the file now imports tf2_port.keras_rnn, TF1's RNN call signatures and state "
            "structure on Keras 3 layers (install tf1-migrate where it runs)",
        )

    def _note_checkpoint_names(self, node: cst.CSTNode) -> None:
        self._say_once(
            node, "checkpoint", "TFM501",
            "RNN weights now live in Keras 3 layers whose variable names differ from TF1's: "
            "old checkpoints no longer restore by name",
            "load one into the rewritten graph with keras_rnn.restore_tf1_checkpoint(sess, "
            "CKPT) where the script restored it, or convert it to .keras files with "
            "tf1-migrate convert-checkpoint CKPT --out DIR",
        )

    def _say_once(self, node, key: str, code: str, message: str, suggestion: str = "") -> None:
        if key in self._said:
            return
        self._said.add(key)
        self.report(node, code, message, suggestion)


class _FirstLook(cst.CSTVisitor):
    """First look at the module: module aliases held in variables, class references that must
    stay classes, and whether it uses cells or helpers at all."""

    def __init__(self, command: PortRNNToKerasCommand, aliases: dict[str, str]) -> None:
        super().__init__()
        self._command = command
        self.aliases = aliases
        self.removable_alias_statements: dict[str, cst.CSTNode] = {}
        self.uses_cells = False
        self.uses_helpers = False
        # Names that are not uses, so never resolved as imports: attribute and keyword names.
        self.not_accesses: set[cst.CSTNode] = set()
        # Called names (a cell call is converted as a call), and references to a cell class
        # that must stay the class: isinstance / issubclass, base classes, its attributes.
        self.called: set[cst.CSTNode] = set()
        self.kept_references: set[cst.CSTNode] = set()
        self._alias_statements: dict[str, cst.CSTNode] = {}
        self._alias_attributes: dict[str, list[str]] = {}
        self._statement: cst.CSTNode | None = None

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statement = node

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        name = None
        if isinstance(value, (cst.Name, cst.Attribute)):
            name = self._command.qualified(value)
            if (
                name in ks.ALIASABLE_MODULES
                and len(node.targets) == 1
                and isinstance(node.targets[0].target, cst.Name)
            ):
                alias = node.targets[0].target.value
                self.aliases[alias] = name
                if self._statement is not None and len(self._statement.body) == 1:
                    self._alias_statements[alias] = self._statement
                return

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.kept_references.update(base.value for base in node.bases)

    def visit_Call(self, node: cst.Call) -> None:
        self.called.add(node.func)
        if isinstance(node.func, cst.Name) and node.func.value in ("isinstance", "issubclass") and len(node.args) > 1:
            kinds = node.args[1].value
            self.kept_references.update(
                [element.value for element in kinds.elements] if isinstance(kinds, (cst.Tuple, cst.List)) else [kinds]
            )
        name = self._command.qualified(node.func)
        if name in ks.CELLS:
            self.uses_cells = True
        elif name in ks.HELPERS:
            self.uses_helpers = True

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_accesses.add(node.keyword)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_accesses.add(node.attr)
        self.kept_references.add(node.value)  # `LSTMCell.__name__`: the class itself
        if isinstance(node.value, cst.Name) and node.value.value in self.aliases:
            self._alias_attributes.setdefault(node.value.value, []).append(node.attr.value)

    def leave_Module(self, original_node: cst.Module) -> None:
        for alias, statement in self._alias_statements.items():
            module = self.aliases[alias]
            attributes = self._alias_attributes.get(alias, [])
            if all(f"{module}.{attribute}" in ks.CELLS or f"{module}.{attribute}" in ks.HELPERS for attribute in attributes):
                self.removable_alias_statements[alias] = statement


# --- small CST helpers -------------------------------------------------------------------------


def _attribute(dotted: str) -> cst.BaseExpression:
    return cst.parse_expression(dotted)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value, keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    out = []
    for index, arg in enumerate(args):
        last = index == len(args) - 1
        out.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT if last else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    return out


def _functional_layer_kind(name: str | None) -> str | None:
    if name and name.startswith("tensorflow.layers."):
        kind = name[len("tensorflow.layers."):]
        if kind in ks.FUNCTIONAL_LAYERS:
            return kind
    return None


def _comma() -> cst.Comma:
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _has_star(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _bind(call: cst.Call, parameters: tuple[str, ...]) -> dict[str, cst.BaseExpression] | None:
    """Arguments by TF1 parameter name, in call order; None when that is not knowable."""
    bound: dict[str, cst.BaseExpression] = {}
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if position >= len(parameters):
                return None
            bound[parameters[position]] = arg.value
            position += 1
        else:
            key = arg.keyword.value
            if key not in parameters or key in bound:
                return None
            bound[key] = arg.value
    first = parameters[0]
    if first not in bound:
        return None
    return bound


_MISSING = object()


def _literal(node: cst.BaseExpression | None, missing=_MISSING):
    """The Python value of a literal number / True / False / None; ``missing`` otherwise."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.evaluated_value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _literal(node.expression, missing)
        if isinstance(inner, float):
            return -inner
    return missing
