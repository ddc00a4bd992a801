"""The keras-level runtime's RNN calls, written out as plain Keras 3 code.

``outputs, state = keras_rnn.dynamic_rnn(cell, x, initial_state=s)`` becomes a
``keras.layers.RNN(cell, return_sequences=True, return_state=True)`` layer created once (next to
the cell) and, in the step, its call with the state converted both ways where a reader sees it::

    rnn_outputs, *keras_state = cell_rnn(x, initial_state=[[layer[1], layer[0]] for layer in s])  # TF1 (c, h) -> Keras [h, c]
    outputs = rnn_outputs
    state = tuple(LSTMStateTuple(c=layer[1], h=layer[0]) for layer in keras_state)  # Keras [h, c] -> TF1 (c, h)

The conversion depends on the cells, read from the statement that builds the cell: a
``StackedRNNCells`` of LSTM cells (a tuple of ``LSTMStateTuple`` per layer in TF1), of GRU or
simple cells (a tuple of tensors), or one cell (an ``LSTMStateTuple``, or a tensor). Mixed
stacks, wrappers and cells built elsewhere keep the file at the keras level.
``LSTMStateTuple`` itself is TF1's namedtuple ``(c, h)``, defined in the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from migrate.session_program import Refusal
from migrate.session_program.regions import GraphStatement, SessionProgram, factory_return
from migrate.session_program.resolve import Resolver, calls_in

LSTM_CELLS = frozenset({"keras.layers.LSTMCell"})
SINGLE_STATE_CELLS = frozenset({"keras.layers.GRUCell", "keras.layers.SimpleRNNCell"})
STACK = "keras.layers.StackedRNNCells"
# The keras level's TF1-signature wrappers, and what the tf2 level writes for them.
WRAPPERS = {
    "tf2_port.keras_rnn.DropoutWrapper": ("TF1DropoutWrapper", "tf2_port.tf1_dropout"),
    "tf2_port.keras_rnn.ResidualWrapper": ("ResidualCell", "tf2_port.cells"),
}
# DropoutWrapper parameters (TF1 order); input_size and dtype only sized TF1's masks ahead of time.
DROPOUT_PARAMETERS = ("cell", "input_keep_prob", "output_keep_prob", "state_keep_prob", "variational_recurrent",
                      "input_size", "dtype", "seed", "dropout_state_filter_visitor")
STATIC_RNN = "tf2_port.keras_rnn.static_rnn"
DYNAMIC_RNN = "tf2_port.keras_rnn.dynamic_rnn"
STATE_TUPLE = "tf2_port.keras_rnn.LSTMStateTuple"
BIDIRECTIONAL = "tf2_port.keras_rnn.bidirectional_dynamic_rnn"
BIDIRECTIONAL_PARAMETERS = ("cell_fw", "cell_bw", "inputs", "sequence_length", "initial_state_fw", "initial_state_bw",
                            "dtype", "parallel_iterations", "swap_memory", "time_major", "scope")
ZERO_STATE = "tf2_port.keras_rnn.zero_state"
SEQUENCE_LOSS = "tf2_port.keras_rnn.sequence_loss"
SEQUENCE_LOSS_PARAMETERS = ("logits", "targets", "weights", "average_across_timesteps", "average_across_batch",
                            "sum_over_timesteps", "sum_over_batch", "softmax_loss_function", "name")
DENSE = "tf2_port.keras_rnn.dense"
# TF1 tf.layers.dense parameters (after inputs), and those Keras' Dense takes as they are.
DENSE_PARAMETERS = ("inputs", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                    "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                    "bias_constraint", "trainable", "name", "reuse")
DENSE_KERAS_ARGUMENTS = DENSE_PARAMETERS[1:12]

# Driver parameters (TF1 order) and those that only tuned TF1's own loop.
STATIC_PARAMETERS = ("cell", "inputs", "initial_state", "dtype", "sequence_length", "scope")
DYNAMIC_PARAMETERS = ("cell", "inputs", "sequence_length", "initial_state", "dtype", "parallel_iterations",
                      "swap_memory", "time_major", "scope")
LOOP_TUNING = frozenset({"dtype", "parallel_iterations", "swap_memory"})


@dataclass
class DenseLayer:
    """A ``keras.layers.Dense`` the output creates once, where TF1's ``dense`` call was."""

    name: str
    statement: cst.BaseStatement  # its creation, at module (block) level
    tf1_name: str  # the TF1 variable scope of its kernel and bias
    units: cst.BaseExpression | None = None


@dataclass
class RnnLayer:
    """A ``keras.layers.RNN`` the output creates once, after the statement that builds ``cell``."""

    name: str
    cell: str
    after: GraphStatement
    masked: bool
    scope: str  # the TF1 variable scope of the cell's weights (checkpoint names)
    go_backwards: bool = False
    family: str = ""
    # The layer whose cells this one runs (TF1 reused the scope's variables), or None.
    owner: "RnnLayer | None" = None


class NativeRnn:
    """Rewrites computation statements; collects the RNN layers and whether LSTMStateTuple is used."""

    def __init__(self, program: SessionProgram, resolver: Resolver, fresh_name) -> None:
        self.program = program
        self.resolver = resolver
        self.fresh_name = fresh_name
        self.layers: dict = {}  # (id of the driver statement, direction) -> its layer
        self.dense_layers: dict[int, DenseLayer] = {}  # id of the dense statement -> its layer
        self._dense_names: dict[str, int] = {}
        self._dense_by_tf1_name: dict[str, DenseLayer] = {}
        self.variables_by_tf1_name: dict[str, str] = {}  # get_variable's TF1 name -> the output's name
        self.uses_state_tuple = False
        self._cells_driven: dict[str, cst.CSTNode] = {}
        self._rewritten: dict[int, list[cst.BaseStatement]] = {}
        self.imports: set[tuple[str, str]] = set()  # (module, name) the output needs from tf2_port

    def layer_statement(self, statement: GraphStatement) -> cst.BaseStatement:
        """A statement that builds cells, with the keras level's wrappers written as the classes
        they build (``TF1DropoutWrapper``: TF1's dropout rule; ``ResidualCell``)."""
        return statement.node.visit(_Wrappers(self))

    def statements_for(self, statement: GraphStatement) -> list[cst.BaseStatement]:
        """The plain-Keras statements that replace ``statement`` inside a step (cached)."""
        key = id(statement)
        if key not in self._rewritten:
            self._rewritten[key] = self._rewrite(statement)
        return self._rewritten[key]

    def _rewrite(self, statement: GraphStatement) -> list[cst.BaseStatement]:
        node = statement.node
        replaced = node.visit(_StateTupleNames(self))
        small = node.body[0] if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 else None
        call = small.value if isinstance(small, cst.Assign) else None
        path = self.resolver.call_path(call) if isinstance(call, cst.Call) else None
        if path == DENSE and len(small.targets) == 1:
            return [self._dense(statement, small.targets[0].target, call, replaced.leading_lines)]
        if path == BIDIRECTIONAL and len(small.targets) == 1:
            return self._bidirectional(statement, small.targets[0].target, call, replaced.leading_lines)
        if path not in (STATIC_RNN, DYNAMIC_RNN):
            _refuse_other_drivers(replaced, node, self.resolver)
            return [replaced]
        if len(small.targets) != 1:
            raise Refusal(node, "a chained assignment of an RNN driver's result", "")
        return self._driver(statement, small.targets[0].target, call, path, replaced.leading_lines)

    def _driver(self, statement: GraphStatement, target: cst.BaseAssignTargetExpression, call: cst.Call,
                path: str, leading_lines) -> list[cst.BaseStatement]:
        parameters = STATIC_PARAMETERS if path == STATIC_RNN else DYNAMIC_PARAMETERS
        arguments = _bind(call, parameters)
        code = self.program.module.code_for_node
        cell = arguments.get("cell")
        family, builder = self._claim_cell(cell, call)
        scope = _driver_scope(arguments, "rnn", statement)
        time_major = arguments.get("time_major")
        if time_major is not None and not (isinstance(time_major, cst.Name) and time_major.value in ("True", "False")):
            raise Refusal(time_major, "time_major that is not True or False", "")
        time_major = time_major is not None and time_major.value == "True"
        sequence_length = arguments.get("sequence_length")
        if isinstance(sequence_length, cst.Name) and sequence_length.value == "None":
            sequence_length = None
        initial_state = arguments.get("initial_state")
        if isinstance(initial_state, cst.Name) and initial_state.value == "None":
            initial_state = None
        layer_name = self.fresh_name(f"{cell.value}_rnn")
        owner = self._shared_driver(statement, scope, family, call)
        self.layers[(id(statement), "")] = RnnLayer(layer_name, cell.value, builder, sequence_length is not None, scope,
                                                    family=family, owner=owner)

        outputs_name = self.fresh_name("rnn_outputs")
        state_name = self.fresh_name("keras_state")
        inputs = code(arguments["inputs"])
        lines = []
        if path == STATIC_RNN:
            inputs = f"tf.stack({inputs}, axis=1)"
        elif time_major:
            inputs_name = self.fresh_name("batch_major_inputs")
            lines.append(f"{inputs_name} = tf.transpose({inputs}, [1, 0, 2])  # TF1 time-major -> Keras batch-major")
            inputs = inputs_name
        call_arguments = [inputs]
        if sequence_length is not None:
            if path == STATIC_RNN:
                raise Refusal(sequence_length, "static_rnn with sequence_length", "")
            call_arguments.append(f"mask=tf.sequence_mask({code(sequence_length)}, maxlen=tf.shape({inputs})[1])")
        if initial_state is not None:
            state = code(initial_state)
            call_arguments.append("initial_state=" + _to_keras(family, state, f"tf.nest.flatten({layer_name}.cell.state_size)"))
        comment = {"lstm_stack": "  # TF1 (c, h) -> Keras [h, c]", "lstm": "  # TF1 (c, h) -> Keras [h, c]"}
        written = ", ".join(argument.split("  #")[0] for argument in call_arguments)
        if family in FLAT_FAMILIES and initial_state is not None:
            comment[family] = "  # TF1's one state matrix -> Keras states"
        lines.append(f"{outputs_name}, *{state_name} = {layer_name}({written})"
                     + (comment.get(family, "") if initial_state is not None else ""))
        if path == STATIC_RNN:
            outputs = f"tf.unstack({outputs_name}, axis=1)"
        elif time_major:
            outputs = f"tf.transpose({outputs_name}, [1, 0, 2])  # Keras batch-major -> TF1 time-major"
        else:
            outputs = outputs_name
        final_state = _to_tf1(family, state_name)
        if family in ("lstm_stack", "lstm"):
            self.uses_state_tuple = True
        if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2 and all(
                isinstance(element, cst.Element) for element in target.elements):
            first, second = (code(element.value) for element in target.elements)
            lines.append(f"{first} = {outputs}")
            lines.append(f"{second} = {final_state}")
        else:
            lines.append(f"{code(target)} = ({outputs.split('  #')[0]}, {final_state.split('  #')[0]})")
        statements = [cst.parse_statement(line + "\n") for line in lines]
        statements[0] = statements[0].with_changes(leading_lines=leading_lines)
        return statements

    def _shared_driver(self, statement: GraphStatement, scope: str, family: str, call: cst.Call) -> "RnnLayer | None":
        """The RNN layer whose weights a driver shares: one run earlier under the same TF1 scope,
        the driver being in a reusing variable scope (TF1 found the variables by name)."""
        earlier = [layer for layer in self.layers.values() if layer.scope == scope]
        if not earlier:
            return None
        if not statement.reuse:
            raise Refusal(call, f"a second RNN driver in the scope {scope!r} without reuse (TF1 raised ValueError)", "")
        owner = earlier[0]
        while owner.owner is not None:
            owner = owner.owner
        if owner.family != family or owner.go_backwards:
            raise Refusal(call, f"an RNN driver reusing {scope!r} with cells of another kind", "")
        return owner

    def _claim_cell(self, cell: cst.BaseExpression | None, call: cst.Call) -> tuple[str, GraphStatement]:
        """The state family and builder of the cell a driver runs; each cell is run by one driver
        (two would share its weights, which TF1 did through variable scopes)."""
        if not isinstance(cell, cst.Name):
            raise Refusal(call, "an RNN driver whose cell is not a name bound at module level", "")
        if cell.value in self._cells_driven and self._cells_driven[cell.value] is not call:
            raise Refusal(call, f"the cell {cell.value!r} run by two drivers (weights shared by variable scope)",
                          "the tf2 level does not restructure shared cells yet")
        self._cells_driven[cell.value] = call
        return self._family(cell.value, call)

    def _bidirectional(self, statement: GraphStatement, target: cst.BaseAssignTargetExpression, call: cst.Call,
                       leading_lines) -> list[cst.BaseStatement]:
        """``(out_fw, out_bw), (st_fw, st_bw) = bidirectional_dynamic_rnn(cell_fw, cell_bw, x, ...)``:
        a forward RNN and a ``go_backwards`` RNN over the same mask (what keras.layers.Bidirectional
        runs, with the script's own cells); the backward outputs put back in time order. With a
        mask the backward pass starts at each row's last valid step, as TF1's reverse_sequence did."""
        arguments = _bind(call, BIDIRECTIONAL_PARAMETERS)
        code = self.program.module.code_for_node
        scope = _driver_scope(arguments, "bidirectional_rnn", statement)
        time_major = arguments.get("time_major")
        if time_major is not None and not (isinstance(time_major, cst.Name) and time_major.value == "False"):
            raise Refusal(time_major, "bidirectional_dynamic_rnn(time_major=...)", "")
        sequence_length = arguments.get("sequence_length")
        if isinstance(sequence_length, cst.Name) and sequence_length.value == "None":
            sequence_length = None
        inputs = code(arguments["inputs"])
        lines = []
        if sequence_length is not None:
            mask = self.fresh_name("mask")
            lines.append(f"{mask} = tf.sequence_mask({code(sequence_length)}, maxlen=tf.shape({inputs})[1])")
        results = []
        for direction in ("fw", "bw"):
            cell = arguments.get(f"cell_{direction}")
            family, builder = self._claim_cell(cell, call)
            layer_name = self.fresh_name(f"{cell.value}_{direction}_rnn")
            self.layers[(id(statement), direction)] = RnnLayer(
                layer_name, cell.value, builder, sequence_length is not None, f"{scope}/{direction}",
                go_backwards=direction == "bw", family=family)
            outputs_name, state_name = self.fresh_name(f"{direction}_outputs"), self.fresh_name(f"{direction}_state")
            call_arguments = [inputs] + ([f"mask={mask}"] if sequence_length is not None else [])
            initial = arguments.get(f"initial_state_{direction}")
            if initial is not None and not (isinstance(initial, cst.Name) and initial.value == "None"):
                call_arguments.append("initial_state=" + _to_keras(family, code(initial)))
            lines.append(f"{outputs_name}, *{state_name} = {layer_name}({', '.join(call_arguments)})")
            if direction == "bw":
                lines.append(f"{outputs_name} = tf.reverse({outputs_name}, [1])  # back in time order, as TF1 gave them")
            if family in ("lstm_stack", "lstm"):
                self.uses_state_tuple = True
            results.append((outputs_name, _to_tf1(family, state_name).split("  #")[0]))
        (fw_out, fw_state), (bw_out, bw_state) = results
        lines.append(f"{code(target)} = ({fw_out}, {bw_out}), ({fw_state}, {bw_state})")
        statements = [cst.parse_statement(line + "\n") for line in lines]
        statements[0] = statements[0].with_changes(leading_lines=leading_lines)
        return statements

    def _dense(self, statement: GraphStatement, target: cst.BaseAssignTargetExpression, call: cst.Call,
               leading_lines) -> cst.BaseStatement:
        """``y = keras_rnn.dense(x, units, ...)``: a Dense layer built once, called in the step."""
        arguments = _bind(call, DENSE_PARAMETERS)
        code = self.program.module.code_for_node
        if "reuse" in arguments and code(arguments["reuse"]) not in ("None", "False"):
            raise Refusal(call, "dense(reuse=...) (weights shared with an earlier dense call)", "")
        name_node = arguments.get("name")
        if name_node is not None and not isinstance(name_node, cst.SimpleString):
            raise Refusal(name_node, "a dense layer name that is not a string literal", "")
        base = statement.variable_scope + (name_node.evaluated_value if name_node is not None else "dense")
        owner = self._dense_by_tf1_name.get(base)
        if owner is not None and statement.reuse:
            # A reusing variable scope: TF1 ran the layer of the same name again, its weights shared.
            if code(owner.units) != code(arguments["units"]):
                raise Refusal(call, f"dense {base!r} reused with other units", "")
            return cst.parse_statement(
                f"{code(target)} = {owner.name}({code(arguments['inputs'])})  # TF1 reused {base} (variable_scope reuse)\n"
            ).with_changes(leading_lines=leading_lines)
        # TF1 made layer scopes unique as it built them: dense, dense_1, dense_2 ...
        count = self._dense_names.get(base, 0)
        self._dense_names[base] = count + 1
        tf1_name = base if count == 0 else f"{base}_{count}"
        layer_name = self.fresh_name(f"{tf1_name.replace('/', '_')}_layer")
        for name, value in arguments.items():
            if name in DENSE_KERAS_ARGUMENTS:
                reads = {n for n in _names_in(value) if self.program.kinds.get(n) in ("computation", "input")}
                if reads:
                    raise Refusal(value, f"a dense layer built from the tensor {sorted(reads)[0]!r}", "")
        written = ", ".join(
            code(arguments[name]) if name == "units" else f"{name}={code(arguments[name])}"
            for name in DENSE_KERAS_ARGUMENTS if name in arguments)
        creation = cst.parse_statement(f"{layer_name} = keras.layers.Dense({written})  # TF1 {tf1_name}/kernel, {tf1_name}/bias\n")
        self.dense_layers[id(statement)] = DenseLayer(layer_name, creation, tf1_name, arguments["units"])
        self._dense_by_tf1_name.setdefault(tf1_name, self.dense_layers[id(statement)])
        return cst.parse_statement(f"{code(target)} = {layer_name}({code(arguments['inputs'])})\n").with_changes(
            leading_lines=leading_lines)

    def zero_state(self, call: cst.Call, constructor: str) -> str:
        """``keras_rnn.zero_state(cell, batch, dtype)`` as code: TF1's state structure with
        ``constructor(shape, dtype)`` per tensor -- ``tf.zeros`` for the zero state itself,
        ``tf.TensorSpec`` for the signature of a step that is fed a state of that structure."""
        arguments = _bind(call, ("cell", "batch_size", "dtype"))
        cell = arguments.get("cell")
        if not isinstance(cell, cst.Name) or "batch_size" not in arguments:
            raise Refusal(call, "zero_state of a cell that is not a module-level name", "")
        family, _ = self._family(cell.value, call)
        code = self.program.module.code_for_node
        batch = code(arguments["batch_size"])
        if constructor == "tf.TensorSpec" and _names_in(arguments["batch_size"]) & {
                name for name, kind in self.program.kinds.items() if kind in ("computation", "input")}:
            batch = "None"  # a batch size computed from a tensor: any size
        dtype = code(arguments["dtype"]) if "dtype" in arguments else "tf.float32"
        if family in ("lstm_stack", "lstm"):
            self.uses_state_tuple = True
        make = constructor
        return {
            "lstm_stack": f"tuple(LSTMStateTuple(c={make}([{batch}, layer.units], {dtype}), "
                          f"h={make}([{batch}, layer.units], {dtype})) for layer in {cell.value}.cells)",
            "lstm": f"LSTMStateTuple(c={make}([{batch}, {cell.value}.units], {dtype}), "
                    f"h={make}([{batch}, {cell.value}.units], {dtype}))",
            "single_stack": f"tuple({make}([{batch}, layer.units], {dtype}) for layer in {cell.value}.cells)",
            "single": f"{make}([{batch}, {cell.value}.units], {dtype})",
            **{flat: f"{make}([{batch}, sum(tf.nest.flatten({cell.value}.state_size))], {dtype})"
               for flat in FLAT_FAMILIES},
        }[family]

    def _family(self, cell: str, call: cst.Call) -> tuple[str, GraphStatement]:
        """The state family of the cell a driver runs, and the statement that last built it."""
        builder = self._builder(cell, call)
        kind = self._cell_kind(builder.node.body[0].value, builder.index)
        if kind in ("lstm", "single"):
            return kind, builder
        if isinstance(kind, tuple) and kind[0] == "flat":  # state_is_tuple=False
            inner = kind[1]
            if inner == "lstm":
                return "lstm_flat", builder
            if inner == "single":
                return "single", builder  # one tensor either way
            members = inner[1] if isinstance(inner, tuple) and inner[0] == "stack" else []
            # In a flat stack, an LSTM's own flat state (state_is_tuple=False) is its (c, h) part.
            members = [member[1] if isinstance(member, tuple) and member[0] == "flat" else member
                       for member in members]
            if members and all(member == "lstm" for member in members):
                return "lstm_stack_flat", builder
            if members and all(member == "single" for member in members):
                return "single_stack_flat", builder
        elif isinstance(kind, tuple):
            members = kind[1]
            if members and all(member == "lstm" for member in members):
                return "lstm_stack", builder
            if members and all(member == "single" for member in members):
                return "single_stack", builder
        raise Refusal(call, "an RNN driver over cells the tf2 level cannot type (it writes out one cell or a "
                      "stack of LSTM cells, or of GRU / simple cells, each maybe in a DropoutWrapper / "
                      "ResidualWrapper)", "")

    def _cell_kind(self, expression: cst.BaseExpression, before: int, local: dict | None = None):
        """"lstm", "single", ("stack", [member kinds]), ("flat", kind) or "?" for a cell expression
        (``local``: the kinds of a comprehension's own names)."""
        if isinstance(expression, cst.Name) and local and expression.value in local:
            return local[expression.value]
        if isinstance(expression, cst.Name):
            binding = self._binding(expression.value, before)
            return self._cell_kind(binding.node.body[0].value, binding.index) if binding is not None else "?"
        if isinstance(expression, cst.Call) and isinstance(expression.func, cst.Name):
            factory = self._factory(expression.func.value)
            if factory is not None:
                return self._cell_kind(factory, before)
        path = self.resolver.call_path(expression)
        if path in LSTM_CELLS:
            return "lstm"
        if path in SINGLE_STATE_CELLS:
            return "single"
        if path in WRAPPERS and expression.args:
            return self._cell_kind(expression.args[0].value, before, local)
        if path == FLAT_STATE and expression.args:
            return ("flat", self._cell_kind(expression.args[0].value, before, local))
        if path == STACK and expression.args:
            return ("stack", self._member_kinds(expression.args[0].value, before))
        return "?"

    def _member_kinds(self, members: cst.BaseExpression, before: int) -> list:
        if isinstance(members, cst.ListComp):
            loop = members.for_in
            if (loop.inner_for_in is None and isinstance(loop.target, cst.Name) and isinstance(loop.iter, cst.Name)
                    and not loop.ifs):
                # [DropoutWrapper(cell) for cell in cells]: each member wraps one of `cells`
                inner = self._member_kinds(loop.iter, before)
                if inner and "?" not in inner and len(set(map(str, inner))) == 1:
                    return [self._cell_kind(members.elt, before, {loop.target.value: inner[0]})]
            return [self._cell_kind(members.elt, before)]
        if isinstance(members, (cst.List, cst.Tuple)):
            return [self._cell_kind(element.value, before) for element in members.elements]
        if isinstance(members, cst.Name):
            appended = self._appended(members.value, before)
            if appended is not None:
                return [self._cell_kind(appended, before)]
            binding = self._binding(members.value, before)
            return self._member_kinds(binding.node.body[0].value, binding.index) if binding is not None else ["?"]
        return ["?"]

    def _appended(self, name: str, before: int) -> cst.BaseExpression | None:
        """``cells = []`` then ``for ...: cells.append(E)``: E (the one cell expression appended)."""
        bindings = [s for s in self.program.statements if name in s.use.binds and s.index < before]
        if len(bindings) != 2:
            return None
        start, loop = bindings
        small = start.node.body[0] if isinstance(start.node, cst.SimpleStatementLine) else None
        if not (isinstance(small, cst.Assign) and isinstance(small.value, cst.List) and not small.value.elements):
            return None
        if not isinstance(loop.node, cst.For) or not isinstance(loop.node.body, cst.IndentedBlock):
            return None
        body = loop.node.body.body
        if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
            return None
        call = body[0].body[0].value if isinstance(body[0].body[0], cst.Expr) else None
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append"
                and isinstance(call.func.value, cst.Name) and call.func.value.value == name and len(call.args) == 1):
            return None
        return call.args[0].value

    def _factory(self, name: str) -> cst.BaseExpression | None:
        """What the cell factory ``name`` (a module-level or block-level def) returns, or None."""
        for node in [*self.program.module.body, *self.program.block]:
            if isinstance(node, cst.FunctionDef) and node.name.value == name:
                return factory_return(node, self.resolver)
        return None

    def _binding(self, name: str, before: int) -> GraphStatement | None:
        """The last one-target assignment of ``name`` before statement ``before`` (None if it was
        bound otherwise: a loop, a mutation)."""
        bindings = [s for s in self.program.statements if name in s.use.binds and s.index < before]
        if not bindings or bindings[-1].kind != "layer" or not _single_assign(bindings[-1].node):
            return None
        return bindings[-1]

    def _builder(self, name: str, near: cst.CSTNode) -> GraphStatement:
        """The statement that last built the cell ``name`` (a Keras constructor or wrapper)."""
        driver_index = next((s.index for s in self.program.statements if s.node is _statement_of(near, self.program)), None)
        bindings = [s for s in self.program.statements if name in s.use.binds
                    and (driver_index is None or s.index < driver_index)]
        if not bindings or bindings[-1].kind != "layer" or not _single_assign(bindings[-1].node):
            raise Refusal(near, f"the cell {name!r} is not built by a module-level Keras constructor", "")
        return bindings[-1]


def _statement_of(node: cst.CSTNode, program) -> cst.CSTNode | None:
    """The graph statement whose subtree holds ``node``."""
    for statement in program.statements:
        found = []

        class Find(cst.CSTVisitor):
            def on_visit(self, candidate: cst.CSTNode) -> bool:
                if candidate is node:
                    found.append(True)
                return not found

        statement.node.visit(Find())
        if found:
            return statement.node
    return None


class _Wrappers(cst.CSTTransformer):
    def __init__(self, native: NativeRnn) -> None:
        self.native = native

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        path = self.native.resolver.call_path(original)
        if path == FLAT_STATE and len(updated.args) == 1:
            return updated.args[0].value  # the drivers write TF1's one-matrix state out themselves
        if path not in WRAPPERS:
            return updated
        name, module = WRAPPERS[path]
        self.native.imports.add((module, name))
        if name == "ResidualCell":
            arguments = _bind(updated, ("cell", "residual_fn"))
            if "residual_fn" in arguments and not (isinstance(arguments["residual_fn"], cst.Name)
                                                   and arguments["residual_fn"].value == "None"):
                raise Refusal(original, "ResidualWrapper(residual_fn=...)", "")
            return cst.Call(func=cst.Name(name), args=[cst.Arg(arguments["cell"])])
        arguments = _bind(updated, DROPOUT_PARAMETERS)
        visitor = arguments.pop("dropout_state_filter_visitor", None)
        if visitor is not None and not (isinstance(visitor, cst.Name) and visitor.value == "None"):
            raise Refusal(original, "DropoutWrapper(dropout_state_filter_visitor=...)", "")
        arguments.pop("input_size", None)  # sized TF1's variational masks ahead of time
        cell = arguments.pop("cell")
        keywords = [cst.Arg(value, keyword=cst.Name(key), equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
            for key, value in arguments.items()]
        return cst.Call(func=cst.Name(name), args=_comma_separated([cst.Arg(cell), *keywords]))


def _comma_separated(arguments: list[cst.Arg]) -> list[cst.Arg]:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [a.with_changes(comma=comma if i < len(arguments) - 1 else cst.MaybeSentinel.DEFAULT)
            for i, a in enumerate(arguments)]


class _StateTupleNames(cst.CSTTransformer):
    """``keras_rnn.LSTMStateTuple`` -> ``LSTMStateTuple`` (TF1's namedtuple, defined in the
    output); ``keras_rnn.zero_state(cell, batch, dtype)`` -> zeros in TF1's state structure."""

    def __init__(self, native: NativeRnn) -> None:
        self.native = native

    def leave_Call(self, original: cst.Call, updated: cst.BaseExpression) -> cst.BaseExpression:
        path = self.native.resolver.call_path(original)
        if path == SEQUENCE_LOSS:
            return _sequence_loss(original, self.native.program.module.code_for_node)
        if path != ZERO_STATE:
            return updated
        return cst.parse_expression(self.native.zero_state(original, "tf.zeros"))

    def leave_Attribute(self, original: cst.Attribute, updated: cst.BaseExpression) -> cst.BaseExpression:
        if self.native.resolver.path(original) == STATE_TUPLE:
            self.native.uses_state_tuple = True
            return cst.Name("LSTMStateTuple")
        return updated


def _driver_scope(arguments: dict[str, cst.BaseExpression], default: str, statement: GraphStatement) -> str:
    """The TF1 variable scope of a driver's weights: its enclosing variable scopes, then ``scope=``
    (a string literal) or the driver's default name."""
    scope = default
    if "scope" in arguments:
        if not isinstance(arguments["scope"], cst.SimpleString):
            raise Refusal(arguments["scope"], "an RNN driver scope that is not a string literal", "")
        scope = arguments["scope"].evaluated_value
    return statement.variable_scope + scope


def _sequence_loss(call: cst.Call, code) -> cst.BaseExpression:
    """contrib.seq2seq ``sequence_loss(logits, targets, weights)`` with its defaults (averaged over
    time steps and batch, TF 1.15's ``div_no_nan``), written out."""
    arguments = _bind(call, SEQUENCE_LOSS_PARAMETERS)
    for flag in ("average_across_timesteps", "average_across_batch"):
        if flag in arguments and code(arguments[flag]) != "True":
            raise Refusal(call, f"sequence_loss({flag}={code(arguments[flag])})", "the tf2 level writes out the default")
    for flag in ("sum_over_timesteps", "sum_over_batch", "softmax_loss_function"):
        if flag in arguments and code(arguments[flag]) not in ("False", "None"):
            raise Refusal(call, f"sequence_loss({flag}=...)", "the tf2 level writes out the default")
    names = [arguments.get(key) for key in ("logits", "targets", "weights")]
    if not all(isinstance(name, cst.Name) for name in names):
        raise Refusal(call, "sequence_loss of expressions that are not names", "bind them to names first")
    logits, targets, weights = (name.value for name in names)
    return cst.parse_expression(
        f"tf.math.divide_no_nan(tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits("
        f"labels=tf.reshape({targets}, [-1]), logits=tf.reshape({logits}, [-1, tf.shape({logits})[2]]))"
        f" * tf.reshape({weights}, [-1])), tf.reduce_sum({weights}))")


def _refuse_other_drivers(node: cst.CSTNode, original: cst.CSTNode, resolver: Resolver) -> None:
    for child in calls_in(original, resolver):
        if resolver.call_path(child) in (STATIC_RNN, DYNAMIC_RNN, DENSE, BIDIRECTIONAL):
            raise Refusal(child, "an RNN driver or dense call that is not the whole right-hand side of an "
                          "assignment", "assign its result to names first")


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Collect())
    return found


def _single_assign(node: cst.BaseStatement) -> bool:
    return (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1
            and isinstance(node.body[0], cst.Assign) and len(node.body[0].targets) == 1)


def _bind(call: cst.Call, parameters: tuple[str, ...]) -> dict[str, cst.BaseExpression]:
    """The call's arguments by parameter name; the loop-tuning ones left out."""
    bound: dict[str, cst.BaseExpression] = {}
    for index, argument in enumerate(call.args):
        if argument.star:
            raise Refusal(argument, "an RNN driver called with * or ** arguments", "")
        name = argument.keyword.value if argument.keyword else (parameters[index] if index < len(parameters) else None)
        if name not in parameters:
            raise Refusal(argument, f"an RNN driver argument {name or index + 1} the driver does not take", "")
        if name not in LOOP_TUNING:
            bound[name] = argument.value
    return bound


# The state conversions per cell family, as code ({state}: the expression converted). TF1 keeps an
# LSTM state as (c, h), Keras as [h, c] (ARCHITECTURE.md: facts); GRU and simple cells keep h.
_TO_KERAS = {
    "lstm_stack": "[[layer[1], layer[0]] for layer in {state}]",
    "lstm": "[{state}[1], {state}[0]]",
    "single_stack": "list({state})",
    "single": "[{state}]",
    # state_is_tuple=False: one matrix, the layers' states side by side (an LSTM's as c, h).
    "lstm_stack_flat": "[[parts[i + 1], parts[i]] for parts in [tf.split({state}, {sizes}, axis=1)] "
                       "for i in range(0, len(parts), 2)]",
    "single_stack_flat": "tf.split({state}, {sizes}, axis=1)",
    "lstm_flat": "tf.split({state}, 2, axis=1)[::-1]",
}
_TO_TF1 = {
    "lstm_stack": "tuple(LSTMStateTuple(c=layer[1], h=layer[0]) for layer in {state})  # Keras [h, c] -> TF1 (c, h)",
    "lstm": "LSTMStateTuple(c={state}[1], h={state}[0])  # Keras [h, c] -> TF1 (c, h)",
    # Keras hands a stack's single-tensor states back as [h] per layer, or h when given one.
    "single_stack": "tuple(tf.nest.flatten({state}))",
    "single": "{state}[0]",
    "lstm_stack_flat": "tf.concat([part for layer in {state} for part in (layer[1], layer[0])], axis=1)"
                       "  # Keras [h, c] per layer -> TF1's one matrix (c, h per layer)",
    "single_stack_flat": "tf.concat(tf.nest.flatten({state}), axis=1)  # TF1 state_is_tuple=False: one matrix",
    "lstm_flat": "tf.concat([{state}[1], {state}[0]], axis=1)  # Keras [h, c] -> TF1's one matrix (c, h)",
}
FLAT_FAMILIES = frozenset({"lstm_stack_flat", "single_stack_flat", "lstm_flat"})
FLAT_STATE = "tf2_port.keras_rnn.flat_state"


def _to_keras(family: str, state: str, sizes: str = "") -> str:
    converted = _TO_KERAS[family].format(state=state, sizes=sizes)
    if family in FLAT_FAMILIES:
        converted += "  # TF1's one state matrix -> Keras states"
    return converted


def _to_tf1(family: str, state: str) -> str:
    return _TO_TF1[family].format(state=state)


def rnn_layer_statement(layer: RnnLayer, shared_cells: str = "shared_cells") -> cst.BaseStatement:
    masked = ", zero_output_for_mask=True" if layer.masked else ""
    masked += ", go_backwards=True" if layer.go_backwards else ""
    comment = "  # TF1: outputs past a sequence's length are zeros" if layer.masked else ""
    cells = layer.cell
    if layer.owner is not None:
        cells = f"{shared_cells}({layer.cell}, {layer.owner.cell})"
        comment = f"  # TF1 reused {layer.scope}'s variables: {layer.owner.cell}'s cells run here"
    return cst.parse_statement(
        f"{layer.name} = keras.layers.RNN({cells}, return_sequences=True, return_state=True{masked}){comment}\n")


def shared_cells_function(name: str) -> cst.FunctionDef:
    """The output's helper for RNN drivers TF1 ran in a reusing variable scope: the cells built
    again there run the first cells' Keras cells (their weights), inside their own wrappers."""
    return cst.parse_statement(
        f"def {name}(cells, owner):\n"
        f'    """`cells`, built again where TF1 reused the variables of `owner`: the same Keras cells (the same\n'
        f'    weights) inside the wrappers of `cells` (a dropout wrapper keeps its keep probabilities)."""\n'
        f"    if isinstance(owner, keras.layers.StackedRNNCells):\n"
        f"        if len(cells.cells) != len(owner.cells):\n"
        f"            raise ValueError(f\"expected {{len(owner.cells)}} cells to share, got {{len(cells.cells)}}\")\n"
        f"        return keras.layers.StackedRNNCells([{name}(cell, base) for cell, base in zip(cells.cells, owner.cells)])\n"
        f"    base = getattr(owner, \"cell\", owner)\n"
        f"    if hasattr(cells, \"cell\"):  # a wrapper, not built yet: it runs the shared cell\n"
        f"        cells.cell = base\n"
        f"        return cells\n"
        f"    return base\n")
