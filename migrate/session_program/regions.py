"""The graph region and the session region of a module-level Session program.

The *graph region* is every top-level statement before the one ``Session`` is created
(``with tf.compat.v1.Session() as sess:`` or ``sess = tf.compat.v1.Session()``); the
*session region* is that statement's body and everything after it. Each graph statement gets
one kind:

======================  =================================================================
``host``                plain Python (constants, NumPy data, imports, helper functions):
                        stays where it is
``drop``                ``disable_eager_execution()``, ``reset_default_graph()``: TF1 only
``seed``                ``set_random_seed(s)``: becomes ``tf.random.set_seed(s)``
``input``               ``placeholder`` / ``placeholder_with_default``: a step parameter
``variable``            ``tf.Variable``: created once, at module level
``layer``               Keras 3 cells and layers (and lists of them): created once
``optimizer``           ``tf.compat.v1.train.*Optimizer``: the Keras 3 optimizer, once
``train``               ``optimizer.minimize(loss)``: a GradientTape step where fetched
``init``                variable initializers: variables are created initialised in TF2
``writer``              ``tf.compat.v1.summary.FileWriter``: ``tf.summary.create_file_writer``
                        (``add_graph`` writes the step functions' graphs)
``saver``               ``tf.compat.v1.train.Saver``: an object-based ``tf.train.Checkpoint``
                        of what existed when it was built (its save / restore calls become
                        the output's ``save_checkpoint`` / ``restore_checkpoint``)
``graph_function``      a ``def`` that computes with TensorFlow and creates nothing: stays
``computation``         everything that computes tensors: moves into the step functions
======================  =================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrate import tf2_optimizers
from migrate.session_program import Refusal
from migrate.session_program.names import NameUse, name_use
from migrate.session_program.resolve import Resolver, calls_in, is_keras, is_runtime, is_tensorflow

SESSION_CLASSES = frozenset({"tensorflow.Session", "tensorflow.InteractiveSession"})
PLACEHOLDERS = frozenset({"tensorflow.placeholder", "tensorflow.placeholder_with_default"})
VARIABLES = frozenset({"tensorflow.Variable", "tensorflow.get_variable"})
SCOPES = frozenset({"tensorflow.variable_scope", "tensorflow.name_scope"})
INITIALIZERS = frozenset({
    "tensorflow.global_variables_initializer", "tensorflow.initialize_all_variables",
    "tensorflow.local_variables_initializer", "tensorflow.initialize_local_variables",
    "tensorflow.variables_initializer", "tensorflow.initialize_variables",
})
DROPPED_CALLS = frozenset({
    "tensorflow.disable_eager_execution", "tensorflow.disable_v2_behavior", "tensorflow.reset_default_graph",
})
SEED_CALLS = frozenset({"tensorflow.set_random_seed", "tensorflow.random.set_random_seed"})
# A hand-built training step: gradients of the loss, (clipped,) applied by the optimizer.
GRADIENTS = "tensorflow.gradients"
TRAINABLE_VARIABLES = frozenset({"tensorflow.trainable_variables"})
# What a TF1 graph region may create that the tf2 level has no exact home for yet, with why.
NOT_YET = {
    "tensorflow.get_variable_scope": "tf.compat.v1.get_variable_scope() (variable reuse by scope)",
    "tensorflow.train.get_or_create_global_step": "a global step variable",
    "tensorflow.train.get_global_step": "a global step variable",
    "tensorflow.Graph": "an explicit tf.Graph",
}
# keras_rnn calls the tf2 level writes out as plain Keras (native_rnn); any other use of the
# runtime keeps the file at the keras level.
NATIVE_RUNTIME = frozenset({"tf2_port.keras_rnn.static_rnn", "tf2_port.keras_rnn.dynamic_rnn",
                            "tf2_port.keras_rnn.LSTMStateTuple", "tf2_port.keras_rnn.zero_state",
                            "tf2_port.keras_rnn.dense", "tf2_port.keras_rnn.DropoutWrapper",
                            "tf2_port.keras_rnn.ResidualWrapper", "tf2_port.keras_rnn.bidirectional_dynamic_rnn",
                            "tf2_port.keras_rnn.sequence_loss", "tf2_port.keras_rnn.flat_state"})
# The keras level's cell wrappers: built once, like Keras layers.
RUNTIME_WRAPPERS = frozenset({"tf2_port.keras_rnn.DropoutWrapper", "tf2_port.keras_rnn.ResidualWrapper",
                              "tf2_port.keras_rnn.flat_state"})
KEPT_KINDS = frozenset({"host", "variable", "variables", "layer", "optimizer", "graph_function", "seed", "factory",
                        "saver", "writer"})
MOVED_KINDS = frozenset({"input", "computation", "train"})


@dataclass
class GraphStatement:
    node: cst.BaseStatement
    index: int  # position in the module body
    kind: str
    use: NameUse
    call: cst.Call | None = None  # the classifying call (placeholder, Variable, optimizer...)
    paths: frozenset[str] = frozenset()  # every tensorflow / keras / runtime path it mentions
    # The TF1 scopes the statement ran in (``with variable_scope("a"):`` -> "a/"): variable
    # scopes prefix get_variable, RNN and dense names; both kinds prefix tf.Variable names.
    variable_scope: str = ""
    name_scope: str = ""
    scope_initializer: cst.BaseExpression | None = None  # variable_scope(initializer=...)
    reuse: bool = False  # in a variable scope with reuse=True / AUTO_REUSE: same TF1 name, same weights


@dataclass
class SessionProgram:
    module: cst.Module
    statements: list[GraphStatement]
    session_index: int  # the block index of the statement that creates the Session
    session_name: str
    session_body: list[cst.BaseStatement]  # the with-body (empty for `sess = Session()`)
    after: list[cst.BaseStatement]  # the block's statements after the session statement
    kinds: dict[str, str] = field(default_factory=dict)  # name -> kind of its binding statements
    # The block the program lives in: the module (owner None), a top-level function, or the
    # body of `if __name__ == "__main__":`; and the module-level statements outside it.
    owner: cst.CSTNode | None = None
    block: list[cst.BaseStatement] = field(default_factory=list)
    outside: list[GraphStatement] = field(default_factory=list)
    resolver: Resolver | None = None
    # Computed tensors a Session.run may feed, as TF1 let it replace any tensor's value: the
    # RNN zero states (``state = cell.zero_state(...)`` fed the state the last run fetched).
    fed_states: dict[str, GraphStatement] = field(default_factory=dict)
    # Placeholders a cell wrapper reads as a keep probability (``DropoutWrapper(cell,
    # output_keep_prob=keep_prob)``), with the names of the layers built from them: a TF2
    # program builds the wrapper once, so the fed value becomes a tf.Variable each step sets.
    settings: dict[str, set[str]] = field(default_factory=dict)
    printed: set[int] = field(default_factory=set)  # the trace_print statements a step took

    @property
    def session_statement(self) -> cst.BaseStatement:
        return self.block[self.session_index]


class _Paths(cst.CSTVisitor):
    """Every outermost Name / Attribute chain of a node, resolved."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.found: list[tuple[cst.CSTNode, str]] = []

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        path = self.resolver.path(node)
        if path is not None:
            self.found.append((node, path))
            return False
        return True

    def visit_Name(self, node: cst.Name) -> bool:
        path = self.resolver.path(node)
        if path is not None and "." in path:
            self.found.append((node, path))
        return False


def mentioned_paths(node: cst.CSTNode, resolver: Resolver) -> list[tuple[cst.CSTNode, str]]:
    visitor = _Paths(resolver)
    node.visit(visitor)
    return visitor.found


def _normalise(path: str) -> str:
    for prefix in ("tensorflow.compat.v1.", "tensorflow.compat.v2."):
        if path.startswith(prefix):
            return "tensorflow." + path[len(prefix):]
    return path


def split(module: cst.Module, resolver: Resolver) -> SessionProgram:
    """Split ``module`` into its graph and session regions, or raise :class:`Refusal`."""
    owner, block, session_index, session_name, session_body = _find_session(module, resolver)
    statements = []
    factories = {node.name.value for node in [*module.body, *block]
                 if isinstance(node, cst.FunctionDef) and factory_return(node, resolver) is not None}
    for index, (node, variable_scope, name_scope, initializer, reuse) in enumerate(
            _without_scopes(block[:session_index], resolver)):
        statement = _classify(module, node, index, resolver, frozenset(factories))
        statement.variable_scope, statement.name_scope = variable_scope, name_scope
        statement.scope_initializer, statement.reuse = initializer, reuse
        statements.append(statement)
    outside = []
    if owner is not None:
        # The program lives in a function or a __main__ block: the module around it may define
        # constants, data and helpers, but builds nothing of the graph itself.
        for index, node in enumerate(module.body):
            if node is owner:
                continue
            statement = _classify(module, node, index, resolver)
            if statement.kind not in ("host", "drop", "seed", "graph_function"):
                raise Refusal(node, f"a graph built partly at module level ({statement.kind}) and run by a "
                              "Session inside a function or __main__ block",
                              "build the whole graph where its Session runs")
            outside.append(statement)
    program = SessionProgram(module, statements, session_index, session_name, session_body,
                             list(block[session_index + 1:]), owner=owner, block=list(block), outside=outside,
                             resolver=resolver)
    _hoist_late_graph_statements(program, frozenset(factories))
    _assign_kinds(program)
    for statement in statements:
        small = _small(statement.node)
        if (statement.kind == "computation" and isinstance(small, cst.Assign) and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and resolver.call_path(small.value) == "tf2_port.keras_rnn.zero_state"):
            name = small.targets[0].target.value
            if sum(1 for other in statements if name in other.use.binds) == 1:
                program.fed_states[name] = statement
    return program


def _hoist_late_graph_statements(program: SessionProgram, factories: frozenset[str]) -> None:
    """Graph built after the Session started, at the session region's top level
    (``prediction = tf.argmax(model, 1)`` before the evaluation run): TF1 added those ops to the
    same graph. Pure computations of graph tensors that bind names nothing else binds, reading
    no value the session region changes, join the graph region (the steps slice them)."""
    module, resolver = program.module, program.resolver
    rest = program.session_body if program.session_body else program.after
    region = [*program.session_body, *program.after]
    bind_counts: dict[str, int] = {}
    for node in region:
        for name in name_use(module.code_for_node(node)).binds:
            bind_counts[name] = bind_counts.get(name, 0) + 1
    graph_names = {name for statement in program.statements if statement.kind in ("computation", "input", "variable",
                                                                                    "train", "variables")
                   for name in statement.use.binds}
    graph_bound = {name for statement in program.statements for name in statement.use.binds}
    hoisted = []
    for node in rest:
        if not isinstance(node, cst.SimpleStatementLine):
            continue
        use = name_use(module.code_for_node(node))
        if (program.session_name in use.reads or not use.reads & graph_names or use.mutates
                or any(bind_counts.get(name) != 1 or name in graph_bound for name in use.binds)
                or any(bind_counts.get(name) for name in use.reads - graph_names)):
            continue
        try:
            statement = _classify(module, node, len(program.statements), resolver, factories)
        except Refusal:
            continue
        if statement.kind != "computation":
            continue
        program.statements.append(statement)
        graph_names |= use.binds
        graph_bound |= use.binds
        hoisted.append(node)
    if hoisted:
        kept = [node for node in rest if not any(node is h for h in hoisted)]
        if program.session_body:
            program.session_body = kept
        else:
            program.after = kept


def _without_scopes(nodes, resolver: Resolver, variable_scope: str = "", name_scope: str = "",
                    entered: dict[str, bool] | None = None, initializer: cst.BaseExpression | None = None,
                    reuse: bool = False, names_entered: dict[str, int] | None = None):
    """The statements of ``nodes`` with ``with variable_scope("a"):`` / ``name_scope("a"):`` blocks
    opened up: (statement, variable scope prefix, name scope prefix, default initializer, reuse).
    A TF2 program has no scopes; what they did -- prefix the TF1 names, share variables by name
    under ``reuse`` -- is kept for the checkpoint names and the sharing (:mod:`.emit`)."""
    entered = {} if entered is None else entered
    names_entered = {} if names_entered is None else names_entered
    for node in nodes:
        scope = _scope_block(node, resolver)
        if scope is None:
            yield node, variable_scope, name_scope, initializer, reuse
            continue
        kind, name, scope_initializer, scope_reuse = scope
        full = (variable_scope if kind == "variable_scope" else name_scope) + name
        inner_reuse = reuse or scope_reuse
        if full in entered and not (kind == "variable_scope" and inner_reuse):
            raise Refusal(node, f"the scope {full!r} entered twice without reuse (TF1 renamed its variables)",
                          "the tf2 level shares a scope's variables only under reuse=True or AUTO_REUSE")
        entered[full] = True
        inner_variable = variable_scope + name + "/" if kind == "variable_scope" else variable_scope
        # Entered again, TF1 gave the name scope a new name ("lm_1"): tf.Variable names follow it.
        count = names_entered.get(name_scope + name, 0)
        names_entered[name_scope + name] = count + 1
        inner_name = name_scope + (name if count == 0 else f"{name}_{count}") + "/"
        body = list(node.body.body)
        if body and node.leading_lines:
            body[0] = body[0].with_changes(leading_lines=[*node.leading_lines, *body[0].leading_lines])
        yield from _without_scopes(body, resolver, inner_variable, inner_name, entered,
                                   scope_initializer if scope_initializer is not None else initializer,
                                   inner_reuse if kind == "variable_scope" else reuse, names_entered)


def _scope_block(node: cst.BaseStatement, resolver: Resolver):
    """("variable_scope" | "name_scope", name, default initializer or None, reuse) for
    ``with tf.compat.v1.variable_scope("name"[, initializer=...][, reuse=...]):``."""
    if not isinstance(node, cst.With) or len(node.items) != 1 or not isinstance(node.body, cst.IndentedBlock):
        return None
    item = node.items[0]
    path = resolver.call_path(item.item)
    if path not in SCOPES:
        return None
    call = item.item
    first = call.args[0] if call.args else None
    reuse = False
    others = []
    for argument in call.args[1:]:
        keyword = argument.keyword.value if argument.keyword else None
        if keyword == "initializer" and path == "tensorflow.variable_scope":
            continue
        if keyword == "reuse" and path == "tensorflow.variable_scope":
            value = argument.value
            if isinstance(value, cst.Name) and value.value in ("None", "False"):
                continue  # reuse=None / False change nothing
            if (isinstance(value, cst.Name) and value.value == "True") or \
                    resolver.normalised(value) == "tensorflow.AUTO_REUSE":
                reuse = True
                continue
        others.append(argument)
    if (item.asname is not None or first is None or first.keyword is not None and first.keyword.value not in ("name_or_scope", "name")
            or not isinstance(first.value, cst.SimpleString) or others):
        raise Refusal(node, f"{path.replace('tensorflow', 'tf.compat.v1')} used other than with one literal name "
                      "(a scope object, default names, reuse other than True / AUTO_REUSE)",
                      "the tf2 level opens literal scopes only")
    initializer = next((a.value for a in call.args[1:] if a.keyword and a.keyword.value == "initializer"), None)
    return path.rsplit(".", 1)[1], first.value.evaluated_value, initializer, reuse


def _blocks(module: cst.Module) -> list[tuple[cst.CSTNode | None, list[cst.BaseStatement]]]:
    """Where a Session program may live: the module, its top-level functions, its __main__ block."""
    blocks: list[tuple[cst.CSTNode | None, list[cst.BaseStatement]]] = [(None, list(module.body))]
    for node in module.body:
        if isinstance(node, cst.FunctionDef) and isinstance(node.body, cst.IndentedBlock):
            blocks.append((node, list(node.body.body)))
        elif isinstance(node, cst.If) and _is_main_test(node.test) and isinstance(node.body, cst.IndentedBlock) \
                and node.orelse is None:
            blocks.append((node, list(node.body.body)))
    return blocks


def _is_main_test(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__name__"
            and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)
            and isinstance(test.comparisons[0].comparator, cst.SimpleString)
            and test.comparisons[0].comparator.evaluated_value == "__main__")


def _session_statement(node: cst.BaseStatement, resolver: Resolver) -> tuple[str, list[cst.BaseStatement]] | None:
    if isinstance(node, cst.With) and len(node.items) == 1:
        item = node.items[0]
        if (resolver.call_path(item.item) in SESSION_CLASSES and item.asname is not None
                and isinstance(item.asname.name, cst.Name)):
            return item.asname.name.value, list(node.body.body)
    small = _small(node)
    if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
            and resolver.call_path(small.value) in SESSION_CLASSES):
        return small.targets[0].target.value, []
    return None


def _find_session(module: cst.Module, resolver: Resolver):
    found = []
    for owner, block in _blocks(module):
        for index, node in enumerate(block):
            session = _session_statement(node, resolver)
            if session is not None:
                found.append((owner, block, index, *session))
    sessions_anywhere = [node for node, path in mentioned_paths(module, resolver)
                         if _normalise(path) in SESSION_CLASSES]
    if not found:
        if sessions_anywhere:
            raise Refusal(sessions_anywhere[0], "a Session created inside a nested block, a class or a loop",
                          "the tf2 level restructures Session programs at module level, in a top-level "
                          "function or in the __main__ block; keep this file at the keras level")
        raise Refusal(module, "no tf.compat.v1.Session in this module",
                      "the tf2 level restructures programs that run a graph through a Session")
    if len(found) > 1 or len(sessions_anywhere) > 1:
        second = sessions_anywhere[1] if len(sessions_anywhere) > 1 else found[1][1][found[1][2]]
        raise Refusal(second, "a second Session", "the tf2 level restructures programs with one Session")
    return found[0]


def _small(node: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
        return node.body[0]
    return None


def _classify(module: cst.Module, node: cst.BaseStatement, index: int, resolver: Resolver,
              factories: frozenset[str] = frozenset()) -> GraphStatement:
    use = name_use(module.code_for_node(node))
    if isinstance(_small(node), (cst.Import, cst.ImportFrom)):
        return GraphStatement(node, index, "host", use)
    mentioned = mentioned_paths(node, resolver)
    paths = frozenset(_normalise(path) for _, path in mentioned)
    for where, path in mentioned:
        normal = _normalise(path)
        if normal in NOT_YET:
            raise Refusal(where, NOT_YET[normal],
                          "the tf2 level does not restructure this yet: the file stays at the keras level")
        if is_runtime(path) and path not in NATIVE_RUNTIME and not path.startswith("tf2_port.cells"):
            raise Refusal(where, f"{path.replace('tf2_port.keras_rnn', 'keras_rnn')} (a keras-level runtime call "
                          "with no plain Keras form in the tf2 level yet)",
                          "the file stays at the keras level")
    statement = GraphStatement(node, index, "host", use, paths=paths)
    small = _small(node)
    tf_like = any(is_tensorflow(p) or is_runtime(p) for p in paths)
    if isinstance(small, (cst.Import, cst.ImportFrom)):
        return statement
    if isinstance(node, cst.FunctionDef) and factory_return(node, resolver) is not None:
        statement.kind = "factory"  # builds cells and returns them: called where cells are built
        return statement
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        if tf_like:
            statement.kind = "graph_function"
            _refuse_state_inside(node, resolver, "a function that creates variables or layers")
        return statement
    if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
            and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Name)
            and small.value.func.value in factories):
        statement.kind, statement.call = "layer", small.value
        return statement
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        path = resolver.call_path(small.value)
        if path in DROPPED_CALLS:
            statement.kind = "drop"
            return statement
        if path in SEED_CALLS:
            statement.kind, statement.call = "seed", small.value
            return statement
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Call):
        call = small.value
        path = resolver.call_path(call)
        target_is_name = isinstance(small.targets[0].target, cst.Name)
        if path in PLACEHOLDERS and target_is_name:
            statement.kind, statement.call = "input", call
            return statement
        if path in VARIABLES and target_is_name:
            statement.kind, statement.call = "variable", call
            return statement
    if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
            and _variable_literal(small.value, resolver)):
        statement.kind = "variables"  # {"out": tf.Variable(...), ...}: created once, in order
        return statement
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Call):
        call = small.value
        path = resolver.call_path(call)
        target_is_name = isinstance(small.targets[0].target, cst.Name)
        if path in INITIALIZERS:
            statement.kind, statement.call = "init", call
            return statement
        if path == FILE_WRITER and target_is_name:
            writer_arguments(call, resolver)  # refuses settings it has no TF2 form for
            statement.kind, statement.call = "writer", call
            return statement
        if path == SAVER and target_is_name:
            saver_settings(call, resolver)  # refuses what an object-based checkpoint cannot keep
            statement.kind, statement.call = "saver", call
            return statement
        if path and path.startswith("tensorflow.train.") and path.endswith("Optimizer") and target_is_name:
            statement.kind, statement.call = "optimizer", call
            return statement
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("minimize", "apply_gradients") \
                and target_is_name:
            statement.kind, statement.call = "train", call
            return statement
        if (is_keras(path) or path in RUNTIME_WRAPPERS) and target_is_name:
            statement.kind, statement.call = "layer", call
            return statement
    if _only_keras_constructors(node, resolver, paths):
        statement.kind = "layer"
        return statement
    if tf_like:
        statement.kind = "computation"
        _refuse_state_inside(node, resolver, "a statement that both computes and creates variables or layers")
        _refuse_objects_built_per_step(node, resolver)
    return statement


FILE_WRITER = "tensorflow.summary.FileWriter"
FILE_WRITER_PARAMETERS = ("logdir", "graph", "max_queue", "flush_secs", "graph_def", "filename_suffix", "session")
DEFAULT_GRAPHS = frozenset({"tensorflow.get_default_graph"})


def writer_arguments(call: cst.Call, resolver: Resolver, session: str | None = None) -> tuple[cst.BaseExpression, bool]:
    """``(logdir, whether a graph is written)`` of ``tf.compat.v1.summary.FileWriter(logdir[, graph])``:
    the graph given as ``tf.compat.v1.get_default_graph()`` or ``<session>.graph``."""
    arguments: dict[str, cst.BaseExpression] = {}
    for index, argument in enumerate(call.args):
        name = argument.keyword.value if argument.keyword else (
            FILE_WRITER_PARAMETERS[index] if index < len(FILE_WRITER_PARAMETERS) and not argument.star else None)
        if name not in ("logdir", "graph"):
            raise Refusal(argument, f"FileWriter({name or '*'}=...)", "the tf2 level maps FileWriter(logdir, graph)")
        arguments[name] = argument.value
    if "logdir" not in arguments:
        raise Refusal(call, "FileWriter without a log directory", "")
    graph = arguments.get("graph")
    if graph is None or (isinstance(graph, cst.Name) and graph.value == "None"):
        return arguments["logdir"], False
    if is_session_graph(graph, resolver, session):
        return arguments["logdir"], True
    raise Refusal(graph, "FileWriter of a graph other than the default graph", "")


def is_session_graph(node: cst.BaseExpression, resolver: Resolver, session: str | None) -> bool:
    """``tf.compat.v1.get_default_graph()`` or ``<session>.graph``: the one graph the program built."""
    if isinstance(node, cst.Call) and not node.args and resolver.call_path(node) in DEFAULT_GRAPHS:
        return True
    return (session is not None and isinstance(node, cst.Attribute) and node.attr.value == "graph"
            and isinstance(node.value, cst.Name) and node.value.value == session)


SAVER = "tensorflow.train.Saver"
SAVER_PARAMETERS = ("var_list", "reshape", "sharded", "max_to_keep", "keep_checkpoint_every_n_hours", "name",
                    "restore_sequentially", "saver_def", "builder", "defer_build", "allow_empty",
                    "write_version", "pad_step_number", "save_relative_paths", "filename")
# A Saver of every variable: no var_list, or the whole global collection.
ALL_VARIABLES = frozenset({"tensorflow.global_variables", "tensorflow.all_variables"})


def saver_settings(call: cst.Call, resolver: Resolver) -> cst.BaseExpression | None:
    """``max_to_keep`` of ``tf.compat.v1.train.Saver(...)`` (None: TF1's default of 5); raises
    Refusal for a Saver of some variables only, or settings a TF2 checkpoint has no form for."""
    for index, argument in enumerate(call.args):
        name = argument.keyword.value if argument.keyword else (
            SAVER_PARAMETERS[index] if index < len(SAVER_PARAMETERS) and not argument.star else None)
        value = argument.value
        if name == "var_list":
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            if isinstance(value, cst.Call) and not value.args and resolver.call_path(value) in ALL_VARIABLES:
                continue
            raise Refusal(value, "a Saver of some variables only (var_list)",
                          "the tf2 level checkpoints every variable, as Saver() did")
        if name in ("max_to_keep", "name", "allow_empty", "sharded", "write_version", "save_relative_paths"):
            continue  # file layout and bookkeeping only, never which values are saved
        raise Refusal(argument, f"Saver({name or '*'}=...) (a setting an object-based checkpoint has no form for)",
                      "the tf2 level maps Saver(), var_list of every variable and max_to_keep")
    return next((a.value for a in call.args if a.keyword and a.keyword.value == "max_to_keep"),
                call.args[3].value if len(call.args) > 3 and call.args[3].keyword is None else None)


# Builtins a cell factory may call besides Keras constructors (``for _ in range(n)``).
PURE_BUILTINS = frozenset({"range", "len", "int", "float", "list", "tuple", "min", "max"})


def _variable_literal(value: cst.BaseExpression, resolver: Resolver) -> bool:
    """A dict / list / tuple literal whose every value is a ``tf.Variable(...)`` call."""
    if isinstance(value, cst.Dict):
        items = [element.value for element in value.elements if isinstance(element, cst.DictElement)]
        if len(items) != len(value.elements):
            return False
    elif isinstance(value, (cst.List, cst.Tuple)):
        items = [element.value for element in value.elements if isinstance(element, cst.Element)]
        if len(items) != len(value.elements):
            return False
    else:
        return False
    return bool(items) and all(isinstance(item, cst.Call) and resolver.call_path(item) == "tensorflow.Variable"
                               for item in items)


def factory_return(node: cst.FunctionDef, resolver: Resolver) -> cst.BaseExpression | None:
    """The returned expression of a cell factory (``def make_cell(): return keras.layers.LSTMCell(n)``):
    a body of one ``return`` (after a docstring) whose calls are Keras constructors or the keras
    level's cell wrappers; else None."""
    body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) \
            and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        body = body[1:]
    folded = _folded_chain(body)
    if folded is not None:
        # cell = keras.layers.LSTMCell(n); cell = DropoutWrapper(cell, ...); return cell
        body = [cst.SimpleStatementLine([cst.Return(folded)])]
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    returned = body[0].body[0]
    if not isinstance(returned, cst.Return) or returned.value is None or node.decorators:
        return None
    calls = calls_in(returned.value, resolver)
    called = {resolver.call_path(call) for call in calls} - {None}
    others = [call for call in calls if resolver.call_path(call) is None
              and not (isinstance(call.func, cst.Name) and call.func.value in PURE_BUILTINS)]
    if not called or others or not all(is_keras(path) or path in RUNTIME_WRAPPERS for path in called):
        return None
    return returned.value


def _folded_chain(body: list[cst.BaseStatement]) -> cst.BaseExpression | None:
    """``x = E1; x = E2(x); ...; return x`` as one expression ``E2(E1)``, each step reading the
    previous ``x`` exactly once; None for any other body."""
    if len(body) < 2 or not all(isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 for s in body):
        return None
    *assignments, last = [s.body[0] for s in body]
    if not (isinstance(last, cst.Return) and isinstance(last.value, cst.Name)):
        return None
    name = last.value.value
    value: cst.BaseExpression | None = None
    for assignment in assignments:
        if not (isinstance(assignment, cst.Assign) and len(assignment.targets) == 1
                and isinstance(assignment.targets[0].target, cst.Name) and assignment.targets[0].target.value == name):
            return None
        uses = [n for n in _loaded_names(assignment.value) if n.value == name]
        if value is None:
            if uses:
                return None
            value = assignment.value
            continue
        if len(uses) != 1:
            return None
        replacement = value

        class Replace(cst.CSTTransformer):
            def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
                return replacement if original is uses[0] else updated

        value = assignment.value.visit(Replace())
    return value


def _loaded_names(node: cst.CSTNode) -> list[cst.Name]:
    """The Names of an expression that are read (not attribute names or keywords)."""
    found: list[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)
            return False

        def visit_Arg(self, argument: cst.Arg) -> bool:
            argument.value.visit(self)
            return False

        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(Collect())
    return found


def _only_keras_constructors(node: cst.BaseStatement, resolver: Resolver, paths: frozenset[str]) -> bool:
    """Lists of Keras layers built in place (``[keras.layers.LSTMCell(n) for _ in range(k)]``,
    a loop appending them): every call a Keras constructor or a cell wrapper; TensorFlow names
    only as values handed to them (``activation=tf.nn.tanh``), never called."""
    called = {resolver.call_path(call) for call in calls_in(node, resolver)} - {None}
    return bool(called) and all(is_keras(path) or path in RUNTIME_WRAPPERS for path in called) and all(
        is_keras(path) or path in RUNTIME_WRAPPERS or is_tensorflow(path) for path in paths)


# TensorFlow classes a computation may build per step: values, not objects that own variables.
VALUE_CLASSES = frozenset({"tensorflow.TensorShape", "tensorflow.TensorSpec", "tensorflow.IndexedSlices",
                           "tensorflow.SparseTensor", "tensorflow.RaggedTensor", "tensorflow.GradientTape",
                           "tensorflow.DType", "tensorflow.Dimension"})


def _refuse_objects_built_per_step(node: cst.CSTNode, resolver: Resolver) -> None:
    """A TensorFlow class instantiated in the computation (a contrib layer, an RNN object) would be
    built anew at every trace of a step, and might own variables: never moved into a step."""
    for call in calls_in(node, resolver):
        path = resolver.call_path(call)
        if path and path.startswith("tensorflow.") and path.rsplit(".", 1)[1][:1].isupper() \
                and path not in VALUE_CLASSES:
            raise Refusal(call, f"{path.replace('tensorflow', 'tf')}(...) built inside the computation (an object "
                          "that may own variables, which a tf.function step would build at every trace)",
                          "build it once, before the graph computes with it")


def _refuse_state_inside(node: cst.CSTNode, resolver: Resolver, construct: str) -> None:
    for where, path in mentioned_paths(node, resolver):
        normal = _normalise(path)
        if normal in PLACEHOLDERS or normal in VARIABLES or (is_keras(normal) and normal.startswith("keras.layers.")) \
                or (normal.startswith("tensorflow.train.") and normal.endswith("Optimizer")):
            raise Refusal(where, f"{construct} ({normal.replace('tensorflow', 'tf')})",
                          "build variables and layers at module level, outside the code that computes with them")


KEEP_PROBABILITIES = ("input_keep_prob", "output_keep_prob", "state_keep_prob")


def _is_print(node: cst.BaseStatement) -> bool:
    small = _small(node)
    return (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
            and isinstance(small.value.func, cst.Name) and small.value.func.value == "print")


def _fed_keep_probabilities(statement: GraphStatement, kinds: dict[str, str], program: SessionProgram) -> set[str]:
    """The placeholders ``statement`` reads only as DropoutWrapper keep probabilities (a bare name)."""
    resolver = program.resolver
    as_keep_probability: list[str] = []
    occurrences: dict[str, int] = {}

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if resolver.call_path(call) != "tf2_port.keras_rnn.DropoutWrapper":
                return
            for index, argument in enumerate(call.args):
                keyword = argument.keyword.value if argument.keyword else (
                    ("cell", *KEEP_PROBABILITIES)[index] if index < 4 else None)
                if keyword in KEEP_PROBABILITIES and isinstance(argument.value, cst.Name):
                    as_keep_probability.append(argument.value.value)

        def visit_Name(self, name: cst.Name) -> None:
            occurrences[name.value] = occurrences.get(name.value, 0) + 1

    statement.node.visit(Collect())
    return {name for name in set(as_keep_probability)
            if kinds.get(name) == "input" and as_keep_probability.count(name) == occurrences.get(name)}


def _fed_learning_rate(call: cst.Call, kinds: dict[str, str], resolver: Resolver) -> set[str]:
    """The placeholder a TF1 optimizer's constructor takes as its learning rate (a bare name, read
    nowhere else in the call): a TF2 program builds the optimizer once, its learning rate a
    variable each step that feeds it sets. Empty when the rule is exact only at a constant rate."""
    path = resolver.call_path(call)
    if not (path and path.startswith("tensorflow.train.") and path.endswith("Optimizer")):
        return set()
    first = next((a for a in call.args if a.keyword is None or a.keyword.value == "learning_rate"), None)
    if first is None or first.keyword is None and call.args.index(first) != 0:
        return set()
    value = first.value
    if not (isinstance(value, cst.Name) and kinds.get(value.value) == "input"):
        return set()
    occurrences = [n for n in _names_under(call) if n == value.value]
    rule = tf2_optimizers.RULES.get(path)
    if len(occurrences) != 1 or rule is None or "learning rate is constant" in rule.exact_when:
        return set()
    return {value.value}


def _names_under(node: cst.CSTNode) -> list[str]:
    found: list[str] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name.value)

    node.visit(Collect())
    return found


def _assign_kinds(program: SessionProgram) -> None:
    """Each name's kind; a name both built once and computed per step cannot be split."""
    kinds: dict[str, str] = {}
    empty_containers: dict[str, GraphStatement] = {}  # `outputs = []`, until something fills it
    for statement in program.statements:
        reads_tensors = sorted(name for name in statement.use.reads if kinds.get(name) in MOVED_KINDS)
        if reads_tensors and statement.kind == "host" and _is_print(statement.node):
            # print(tensor) while the graph is built: printed when a step that computes the
            # tensor is traced (a tf.function builds its graph then), once, as TF1 printed it.
            statement.kind = "trace_print"
            continue
        if reads_tensors and statement.kind == "host":
            if not statement.use.binds or isinstance(statement.node, (cst.FunctionDef, cst.ClassDef)):
                raise Refusal(statement.node, f"Python code that uses the tensor {reads_tensors[0]!r} while the "
                              "graph is built (it would run once per trace in a tf.function)",
                              "move it after the Session's first run, on fetched values")
            statement.kind = "computation"
        elif reads_tensors and statement.kind in ("variable", "layer", "optimizer", "seed"):
            if statement.kind == "optimizer":
                settings = _fed_learning_rate(statement.call, kinds, program.resolver)
            else:
                settings = _fed_keep_probabilities(statement, kinds, program)
            if statement.kind not in ("layer", "optimizer") or set(reads_tensors) - settings:
                article = "an" if statement.kind[0] in "aeiou" else "a"
                why = " (a learning rate fed per run: only an optimizer whose Keras twin is exact at any rate " \
                      "takes one)" if statement.kind == "optimizer" else ""
                raise Refusal(statement.node, f"{article} {statement.kind} built from the tensor {reads_tensors[0]!r}{why}",
                              "build it from Python values (shapes, sizes) so it can be created once, before any step")
            for name in settings:
                program.settings.setdefault(name, set()).update(statement.use.binds)
        small = _small(statement.node)
        if (statement.kind == "host" and isinstance(small, cst.Assign) and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name) and isinstance(small.value, (cst.List, cst.Dict))
                and not small.value.elements):
            empty_containers[small.targets[0].target.value] = statement
        if statement.kind == "train" and reads_tensors and isinstance(statement.call.func.value, cst.Call):
            # Opt(lr).minimize(loss): the optimizer is built once, its fed learning rate a setting.
            for name in _fed_learning_rate(statement.call.func.value, kinds, program.resolver):
                program.settings.setdefault(name, set()).update(statement.use.binds)
        if statement.kind in ("drop", "init"):
            for name in statement.use.binds:
                kinds[name] = statement.kind
            continue
        for name in statement.use.binds:
            previous = kinds.get(name)
            kind = statement.kind
            if previous is None or previous == kind:
                kinds[name] = kind
                continue
            if previous == "host" and kind == "computation" and name in empty_containers:
                # outputs = []; outputs.append(tensor): a list of tensors, built in the step.
                empty_containers.pop(name).kind = "computation"
                kinds[name] = kind
                continue
            moved = {previous in MOVED_KINDS, kind in MOVED_KINDS}
            if moved == {True, False} and not (previous == "host" and kind == "layer"):
                raise Refusal(statement.node, f"the name {name!r} is bound both to a value built once "
                              f"({previous if previous not in MOVED_KINDS else kind}) and to a tensor "
                              "computed per step",
                              "use two names, one for each")
            if previous == "input" or kind == "input":
                raise Refusal(statement.node, f"the placeholder name {name!r} is bound again",
                              "feed_dict keys refer to the last binding: give the placeholder its own name")
            # host then layer (cells = []; cells.append(LSTMCell)), or two kept kinds
            kinds[name] = kind if kind != "host" else previous
    program.kinds = kinds
