"""The ``sess.run`` call sites of the session region, and the graph statements each needs.

A site fetches a structure (a name, or lists / tuples / dicts of names) of graph names and
feeds a dict literal whose keys are placeholders. Sites with the same fetch structure and the
same fed placeholders share one step function. The statements a site needs are the backward
slice of its fetches over the graph region's computation, in their original order; a fetched
train op adds its loss to the slice and makes the step a GradientTape step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrate.qualified_names import normalise
from migrate.session_program import Refusal
from migrate.session_program.regions import (
    FILE_WRITER, GRADIENTS, INITIALIZERS, MOVED_KINDS, TRAINABLE_VARIABLES, GraphStatement, SessionProgram,
    is_session_graph, writer_arguments,
)
from migrate.session_program.feeds import built_feeds, statement_blocks
from migrate.session_program.names import name_use
from migrate.session_program.resolve import Resolver, calls_in, is_runtime, is_tensorflow


@dataclass
class Site:
    call: cst.Call
    fetches: cst.BaseExpression
    feeds: list[tuple[str, cst.BaseExpression]]  # (placeholder name, fed value) in dict order
    key: tuple[str, frozenset[str]]


@dataclass
class Step:
    """One step function: the sites that share it and what it computes."""

    key: tuple[str, frozenset[str]]
    fetches: cst.BaseExpression
    sites: list[Site] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)  # fed placeholders, in definition order
    statements: list[GraphStatement] = field(default_factory=list)
    defaults: list[GraphStatement] = field(default_factory=list)  # unfed placeholder_with_default
    train: GraphStatement | None = None
    name: str = ""
    # A hand-built training step (opt.apply_gradients): the loss its tf.gradients call
    # differentiates, and the statements that run after the tape (gradients, clipping).
    loss: str = ""
    after_tape: list[GraphStatement] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)  # fed keep probabilities (program.settings)
    setting_defaults: list[GraphStatement] = field(default_factory=list)  # unfed, with a default


@dataclass
class SaverCall:
    """``saver.save(sess, path[, global_step])`` or ``saver.restore(sess, path)``."""

    call: cst.Call
    method: str  # "save" or "restore"
    save_path: cst.BaseExpression
    global_step: cst.BaseExpression | None = None


@dataclass
class WriterCall:
    """A FileWriter's ``add_graph`` in the session region, or a FileWriter created there."""

    call: cst.Call
    method: str  # "add_graph", "add_summary" or "create"
    logdir: cst.BaseExpression | None = None  # "create"
    graph: bool = False  # "create": a graph given to write


@dataclass
class SessionUses:
    steps: list[Step]
    init_statements: list[cst.BaseStatement]  # `sess.run(init)` statements to delete
    close_statements: list[cst.BaseStatement]  # `sess.close()` statements to delete
    saver_calls: list[SaverCall] = field(default_factory=list)
    writer_calls: list[WriterCall] = field(default_factory=list)
    eager_evals: list[cst.Call] = field(default_factory=list)


# Pure TensorFlow functions the session region may apply to fetched values and evaluate at once:
# TF1 added an op to the graph and ran it (``tf.argmax(fetched, 1).eval()``); TF2 computes it
# eagerly and takes ``.numpy()``. Not evaluated, the op would be a graph tensor in TF1 (printed
# as one, fetched later), which an eager value is not: refused.
EAGER_FUNCTIONS = frozenset({
    "tensorflow.argmax", "tensorflow.argmin", "tensorflow.math.argmax", "tensorflow.math.argmin",
    "tensorflow.reduce_sum", "tensorflow.reduce_mean", "tensorflow.reduce_max", "tensorflow.reduce_min",
    "tensorflow.cast", "tensorflow.equal", "tensorflow.one_hot", "tensorflow.reshape", "tensorflow.squeeze",
    "tensorflow.expand_dims", "tensorflow.nn.softmax", "tensorflow.transpose", "tensorflow.concat",
    "tensorflow.stack", "tensorflow.constant", "tensorflow.convert_to_tensor", "tensorflow.shape",
})
DTYPES = frozenset(f"tensorflow.{name}" for name in (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "string"))
# TensorFlow functions the session region may call: they read checkpoint files, build nothing.
FILE_FUNCTIONS = frozenset({"tensorflow.train.latest_checkpoint", "tensorflow.train.get_checkpoint_state"})


def _assigned_name(statement: cst.BaseStatement, call: cst.Call) -> str | None:
    """``name`` for the statement ``name = call``."""
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
    if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
            and small.value is call):
        return small.targets[0].target.value
    return None


# Saver.save / Saver.restore parameters (TF1 order), and the save settings that only shaped
# TF1's side files (the meta graph), never the values saved.
SAVE_PARAMETERS = ("sess", "save_path", "global_step", "latest_filename", "meta_graph_suffix", "write_meta_graph",
                   "write_state", "strip_default_attrs", "save_debug_info")
RESTORE_PARAMETERS = ("sess", "save_path")
SAVE_SIDE_FILES = frozenset({"meta_graph_suffix", "write_meta_graph", "strip_default_attrs", "save_debug_info"})


class _SessionRegionVisitor(cst.CSTVisitor):
    def __init__(self, program: SessionProgram, resolver: Resolver) -> None:
        self.program = program
        self.resolver = resolver
        self.session = program.session_name
        self.sites: list[Site] = []
        self.statement_stack: list[cst.BaseStatement] = []
        self.init_statements: list[cst.BaseStatement] = []
        self.close_statements: list[cst.BaseStatement] = []
        self.saver_calls: list[SaverCall] = []
        self.writer_calls: list[WriterCall] = []
        self.eager_evals: list[cst.Call] = []  # tf.argmax(fetched, 1).eval(): .numpy() in TF2
        self.evaluated_functions: set[int] = set()
        self.writers = {name for name, kind in program.kinds.items() if kind == "writer"}
        module = program.module
        self.rebound: set[str] = set()
        region = [*program.session_body, *program.after]
        for node in region:
            self.rebound |= name_use(module.code_for_node(node)).binds
        # Feeds built before their run (the char-RNN idiom): read as one literal; the
        # statements that built them leave with the Session.
        self.built_feeds = built_feeds(program, statement_blocks(region))
        self.feed_statements = {id(node) for feed in self.built_feeds.values() for node in feed.statements}
        self.deleted_feed_statements = [node for feed in self.built_feeds.values() for node in feed.statements]
        # `init = tf.compat.v1.global_variables_initializer()` written after the Session
        # started: deleted with the runs of it (variables are created initialised).
        self.session_inits: set[str] = set()
        for block in statement_blocks(region):
            for node in block:
                small = node.body[0] if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 else None
                if (isinstance(small, cst.Assign) and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)
                        and resolver.call_path(small.value) in INITIALIZERS):
                    self.session_inits.add(small.targets[0].target.value)
                    self.feed_statements.add(id(node))
                    self.deleted_feed_statements.append(node)
                elif _initializer_op_run(small, resolver, program):
                    # `tf.compat.v1.global_variables_initializer().run()`: the same, written as Operation.run
                    self.feed_statements.add(id(node))
                    self.deleted_feed_statements.append(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self.statement_stack.append(node)
        return id(node) not in self.feed_statements

    def visit_For(self, node: cst.For) -> bool:
        return id(node) not in self.feed_statements

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statement_stack.pop()

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "eval" and isinstance(func.value, cst.Call)
                and self._eager_function(func.value)):
            if node.args:
                raise Refusal(node, "Tensor.eval(...) with arguments", "")
            self.eager_evals.append(node)
            self.evaluated_functions.add(id(func.value.func))  # only under .eval(): its value, not a tensor
            return True
        if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and self.program.kinds.get(func.value.value) == "saver"):
            self._saver_call(node, func.value.value, func.attr.value)
            return False
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in self.writers:
            method = func.attr.value
            if method == "add_graph" and len(node.args) == 1 and not node.args[0].keyword and is_session_graph(
                    node.args[0].value, self.resolver, self.session):
                self.writer_calls.append(WriterCall(node, "add_graph"))
                return False
            if method in ("flush", "close") and not node.args:
                return False  # a TF2 summary writer has both
            if method == "add_summary" and 1 <= len(node.args) <= 2 and not any(a.star for a in node.args) and all(
                    a.keyword is None or a.keyword.value in ("summary", "global_step") for a in node.args):
                for argument in node.args:
                    argument.value.visit(self)
                self.writer_calls.append(WriterCall(node, "add_summary"))
                return False
            raise Refusal(node, f"{func.value.value}.{method}(...) (summaries written from Session.run results)",
                          "the tf2 level maps FileWriter graphs, not summaries yet")
        if self.resolver.call_path(node) == FILE_WRITER:  # call_path is normalised already
            if not (self.statement_stack and _assigned_name(self.statement_stack[-1], node)):
                raise Refusal(node, "a FileWriter not assigned to a name", "")
            logdir, graph = writer_arguments(node, self.resolver, self.session)
            self.writers.add(_assigned_name(self.statement_stack[-1], node))
            logdir.visit(self)
            self.writer_calls.append(WriterCall(node, "create", logdir, graph))
            return False
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self.session:
            method = func.attr.value
            if method == "run":
                self._site(node)
                return False
            if method == "close" and self._whole_statement(node):
                self.close_statements.append(self.statement_stack[-1])
                return False
            raise Refusal(node, f"{self.session}.{method}(...) (the Session used other than to run fetches)",
                          "the tf2 level has no Session: keep this file at the keras level")
        return True

    def _eager_function(self, call: cst.Call) -> bool:
        path = self.resolver.call_path(call)
        return path in EAGER_FUNCTIONS

    def _saver_call(self, node: cst.Call, saver: str, method: str) -> None:
        if method not in ("save", "restore"):
            raise Refusal(node, f"{saver}.{method}(...) (a Saver used other than to save or restore)",
                          "the tf2 level maps Saver.save and Saver.restore")
        parameters = SAVE_PARAMETERS if method == "save" else RESTORE_PARAMETERS
        arguments: dict[str, cst.BaseExpression] = {}
        for index, argument in enumerate(node.args):
            name = argument.keyword.value if argument.keyword else (
                parameters[index] if index < len(parameters) and not argument.star else None)
            if name is None or name not in parameters:
                raise Refusal(node, f"{saver}.{method} with an argument it does not take", "")
            arguments[name] = argument.value
        session = arguments.get("sess")
        if not (isinstance(session, cst.Name) and session.value == self.session) or "save_path" not in arguments:
            raise Refusal(node, f"{saver}.{method} of another Session, or without a path", "")
        for name in set(arguments) - {"sess", "save_path", "global_step"} - SAVE_SIDE_FILES:
            raise Refusal(arguments[name], f"{saver}.{method}({name}=...) (the checkpoint state file's own settings)",
                          "")
        for name in ("save_path", "global_step"):
            if name in arguments:
                arguments[name].visit(self)  # plain Python of the session region: checked as such
        self.saver_calls.append(SaverCall(node, method, arguments["save_path"], arguments.get("global_step")))

    def visit_Name(self, node: cst.Name) -> None:
        name = node.value
        if name == self.session:
            raise Refusal(node, f"the Session {name!r} handed to other code",
                          "the tf2 level has no Session: keep this file at the keras level")
        kind = self.program.kinds.get(name)
        if name in self.writers:
            raise Refusal(node, f"the FileWriter {name!r} used other than to add the graph, flush or close", "")
        if kind == "saver" and name not in self.rebound:
            raise Refusal(node, f"the Saver {name!r} used other than to save or restore", "")
        # A name the session region binds for itself (`value, _ = sess.run(...)`) is its own.
        if kind in MOVED_KINDS and name not in self.rebound:
            raise Refusal(node, f"the graph tensor {name!r} used outside Session.run",
                          "fetch it with Session.run, or keep this file at the keras level")

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if (node.attr.value in ("eval", "run") and isinstance(node.value, cst.Name)
                and node.value.value in self.program.kinds and node.value.value not in self.rebound):
            raise Refusal(node, f"{node.value.value}.{node.attr.value}() (a Session run spelled on the tensor "
                          "or operation)", "write it as sess.run, or keep this file at the keras level")
        if (node.attr.value == "eval" and isinstance(node.value, cst.Call)
                and self._eager_function(node.value)):
            return True  # tf.argmax(fetched, 1).eval(): computed eagerly in TF2 (visit_Call records it)
        path = self.resolver.path(node)
        normal = normalise(path) if path is not None else None
        if normal is not None and (normal in FILE_FUNCTIONS or normal.startswith("tensorflow.io.gfile.")):
            return False  # reads files, builds no graph: the same call in TF2
        if normal in DTYPES:
            return False
        if path is not None and id(node) in self.evaluated_functions:
            return False  # tf.argmax(fetched, 1) under .eval(): TF2 runs it eagerly, as TF1 ran the op once
        if path is not None and (is_tensorflow(path) or is_runtime(path)):
            raise Refusal(node, f"{path.replace('tensorflow', 'tf')} used after the Session started "
                          "(the graph grows, or TF1 API runs, inside the session region)",
                          "build the graph before the Session; the tf2 level keeps this file at the keras level")
        return True

    def _whole_statement(self, node: cst.Call) -> bool:
        if not self.statement_stack:
            return False
        line = self.statement_stack[-1]
        return len(line.body) == 1 and isinstance(line.body[0], cst.Expr) and line.body[0].value is node

    def _site(self, node: cst.Call) -> None:
        fetches = feeds = None
        for index, argument in enumerate(node.args):
            keyword = argument.keyword.value if argument.keyword else None
            if argument.star:
                raise Refusal(node, "Session.run with * or ** arguments", "write the fetches and feed_dict out")
            if keyword == "fetches" or (keyword is None and index == 0):
                fetches = argument.value
            elif keyword == "feed_dict" or (keyword is None and index == 1):
                feeds = argument.value
            else:
                raise Refusal(argument, f"Session.run argument {keyword or index + 1} (options, run metadata)",
                              "the tf2 level maps fetches and feed_dict only")
        if fetches is None:
            raise Refusal(node, "Session.run without fetches", "")
        if id(node) in self.built_feeds:
            feeds = self.built_feeds[id(node)].feed
        if self._is_initializer(fetches):
            if feeds is not None or not self._whole_statement(node):
                raise Refusal(node, "a variable initializer run whose result is used", "")
            self.init_statements.append(self.statement_stack[-1])
            return
        self._check_fetches(fetches)
        fed: list[tuple[str, cst.BaseExpression]] = []
        if feeds is not None:
            if not isinstance(feeds, cst.Dict):
                raise Refusal(feeds, "a feed_dict built elsewhere (not a dict literal at the Session.run call)",
                              "write the feed_dict as a literal {placeholder: value} at the call")
            for element in feeds.elements:
                if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.Name):
                    raise Refusal(element, "a feed_dict key that is not a placeholder name", "")
                name = element.key.value
                if self.program.kinds.get(name) == "computation" and name in self.program.fed_states:
                    pass  # a state tensor fed back (TF1's idiom for carrying an RNN state)
                elif self.program.kinds.get(name) != "input":
                    raise Refusal(element.key, f"feeding {name!r}, which is not a placeholder (TF1 replaced a "
                                  "computed tensor's value)", "feed placeholders only")
                fed.append((name, element.value))
                # The fed values are plain Python of the session region: check them too.
                element.value.visit(self)
        key = (self.program.module.code_for_node(fetches), frozenset(name for name, _ in fed))
        self.sites.append(Site(node, fetches, fed, key))

    def _is_initializer(self, fetches: cst.BaseExpression) -> bool:
        if isinstance(fetches, cst.Name):
            return self.program.kinds.get(fetches.value) == "init" or fetches.value in self.session_inits
        if isinstance(fetches, cst.Call):
            return self.resolver.call_path(fetches) in INITIALIZERS
        if isinstance(fetches, (cst.List, cst.Tuple)) and fetches.elements:
            return all(self._is_initializer(element.value) for element in fetches.elements)
        return False

    def _check_fetches(self, fetches: cst.BaseExpression) -> None:
        if isinstance(fetches, cst.Name):
            kind = self.program.kinds.get(fetches.value)
            if kind not in ("computation", "train", "variable", "input"):
                raise Refusal(fetches, f"fetching {fetches.value!r}, which is not a tensor of the graph "
                              f"({kind or 'not built in the graph region'})", "")
            return
        if isinstance(fetches, (cst.List, cst.Tuple)):
            for element in fetches.elements:
                if isinstance(element, cst.StarredElement):
                    raise Refusal(element, "a starred fetch", "")
                self._check_fetches(element.value)
            return
        if isinstance(fetches, cst.Dict):
            for element in fetches.elements:
                if not isinstance(element, cst.DictElement):
                    raise Refusal(element, "a ** fetch", "")
                element.key.visit(self)
                self._check_fetches(element.value)
            return
        if isinstance(fetches, cst.Subscript) and isinstance(fetches.value, cst.Name) and _literal_index(fetches):
            kind = self.program.kinds.get(fetches.value.value)
            if kind == "computation":
                return  # outputs[-1]: an element of a graph list (or a slice of a tensor), computed in the step
        raise Refusal(fetches, "a fetch that is not a graph name (or a literal index of one) or a list / tuple / "
                      "dict of them", "fetch names bound in the graph region")


def _compute_gradients_calls(node: cst.CSTNode, optimizer: cst.BaseExpression, program: SessionProgram) -> list[cst.Call]:
    """``optimizer.compute_gradients(loss)`` calls under ``node`` (of the step's own optimizer)."""
    if not isinstance(optimizer, cst.Name):
        return []
    return [call for call in calls_in(node, program.resolver)
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "compute_gradients"
            and isinstance(call.func.value, cst.Name) and call.func.value.value == optimizer.value]


def _initializer_op_run(small, resolver: Resolver, program: SessionProgram) -> bool:
    """``init_op.run()`` / ``tf.compat.v1.global_variables_initializer().run()`` as a statement."""
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    call = small.value
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "run"):
        return False
    if any(a.keyword is None or a.keyword.value != "session" for a in call.args):
        return False
    target = call.func.value
    if isinstance(target, cst.Name):
        return program.kinds.get(target.value) == "init"
    return resolver.call_path(target) in INITIALIZERS


def find_sites(program: SessionProgram, resolver: Resolver) -> SessionUses:
    visitor = _SessionRegionVisitor(program, resolver)
    for node in [*program.session_body, *program.after]:
        node.visit(visitor)
    steps: dict[tuple[str, frozenset[str]], Step] = {}
    for site in visitor.sites:
        step = steps.setdefault(site.key, Step(site.key, site.fetches))
        step.sites.append(site)
    for step in steps.values():
        _slice(program, step)
    if not steps:
        raise Refusal(program.session_statement, "a Session that runs no fetch",
                      "nothing to restructure")
    for statement in program.statements:
        if statement.kind == "trace_print" and id(statement) not in program.printed:
            _print_in_a_step_that_can_compute_it(program, statement, list(steps.values()))
        if statement.kind == "trace_print" and id(statement) not in program.printed:
            raise Refusal(statement.node, "a print of tensors that no Session.run computes (TF1 printed it when "
                          "it built the graph; no step would trace it)", "print static shapes with plain Python")
    return SessionUses(list(steps.values()), visitor.init_statements,
                       visitor.close_statements + visitor.deleted_feed_statements, visitor.saver_calls,
                       visitor.writer_calls, visitor.eager_evals)


def _literal_index(node: cst.Subscript) -> bool:
    """``x[1]``, ``x[-1]``, ``x[:, -1]``, ``x[2:5]``: every index a literal integer or a slice of them."""
    def literal(value) -> bool:
        if value is None or isinstance(value, cst.Integer):
            return True
        return isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus) \
            and isinstance(value.expression, cst.Integer)

    for element in node.slice:
        index = element.slice
        if isinstance(index, cst.Index):
            if not literal(index.value):
                return False
        elif isinstance(index, cst.Slice):
            if not all(literal(part) for part in (index.lower, index.upper, index.step)):
                return False
        else:
            return False
    return True


def fetched_names(fetches: cst.BaseExpression) -> list[str]:
    if isinstance(fetches, cst.Subscript) and isinstance(fetches.value, cst.Name):
        return [fetches.value.value]
    if isinstance(fetches, cst.Name):
        return [fetches.value]
    if isinstance(fetches, (cst.List, cst.Tuple)):
        return [name for element in fetches.elements for name in fetched_names(element.value)]
    if isinstance(fetches, cst.Dict):
        return [name for element in fetches.elements for name in fetched_names(element.value)]
    return []


def _slice(program: SessionProgram, step: Step) -> None:
    """The computation statements the step needs, its parameters and its train op."""
    kinds = program.kinds
    by_name_train = {next(iter(s.use.binds)): s for s in program.statements if s.kind == "train"}
    needed: set[str] = set()
    for name in fetched_names(step.fetches):
        if kinds.get(name) == "train":
            if step.train is not None:
                raise Refusal(step.fetches, "two train ops fetched by one Session.run", "")
            step.train = by_name_train[name]
            if step.train.call.func.attr.value == "minimize":
                step.loss = _loss_argument(step.train)
                needed.add(step.loss)
            else:
                for index, argument in enumerate(step.train.call.args):
                    keyword = argument.keyword.value if argument.keyword else None
                    if index > 0 and keyword != "name":
                        raise Refusal(argument, f"apply_gradients({keyword or 'argument ' + str(index + 1)}=...) "
                                      "(a global step)", "the tf2 level maps apply_gradients(pairs) only")
                needed |= {n for n in step.train.use.reads if kinds.get(n) in ("computation", "input")}
        elif kinds.get(name) in ("computation", "input"):
            needed.add(name)
    fed = {name for name, _ in step.sites[0].feeds}
    chosen, inputs_needed, needed = _backward_slice(program, needed, program.statements, fed)
    leftover = sorted(name for name in needed if kinds.get(name) in ("computation", "input"))
    if leftover:
        raise Refusal(step.sites[0].call, f"the fetch needs {leftover[0]!r}, which the graph region "
                      "computes nowhere before it", "")
    step.statements = chosen
    _attach_trace_prints(program, step, inputs_needed | fed)
    if step.train is not None and step.train.call.func.attr.value == "apply_gradients":
        _split_at_the_tape(program, step)
    by_input = {next(iter(s.use.binds)): s for s in program.statements if s.kind == "input"}
    # Keep probabilities the step's cells read through their wrappers (program.settings): the
    # step sets the module-level variable that replaced the placeholder, from the fed value or
    # the placeholder's default.
    drivers = [s for s in step.statements
               if calls_in(s.node, program.resolver, DRIVERS)]
    reads = set().union(*(s.use.reads for s in drivers)) if drivers else set()
    for name in sorted(program.settings):
        train_needs = step.train is not None and program.settings[name] & _optimizer_names(program, step.train)
        if not reads & _built_from(program, name) and name not in inputs_needed and name not in fed \
                and not train_needs:
            continue
        inputs_needed.discard(name)
        if name in fed:
            step.settings.append(name)
        elif train_needs and _input_path(by_input[name]) != "placeholder_with_default":
            raise Refusal(step.sites[0].call, f"the learning rate {name!r} is needed by this Session.run but not "
                          "fed (TF1 would fail here)", "feed it, or keep this file at the keras level")
        elif _input_path(by_input[name]) == "placeholder_with_default":
            step.setting_defaults.append(by_input[name])
        else:
            raise Refusal(step.sites[0].call, f"the keep probability {name!r} is needed by this Session.run but not "
                          "fed (TF1 would fail here)", "feed it, or keep this file at the keras level")
    for name in sorted(inputs_needed - fed):
        statement = by_input[name]
        if _input_path(statement) != "placeholder_with_default":
            raise Refusal(step.sites[0].call, f"the placeholder {name!r} is needed by this Session.run but not fed "
                          "(TF1 would fail here)", "feed it, or keep this file at the keras level")
        step.defaults.append(statement)
    order = [next(iter(s.use.binds)) for s in program.statements
             if s.kind == "input" or next(iter(s.use.binds), None) in program.fed_states]
    step.parameters = [name for name in order if name in fed and name not in program.settings]
    step.defaults.sort(key=lambda s: s.index)


def _optimizer_names(program: SessionProgram, train: GraphStatement) -> set[str]:
    """The names a train op's optimizer goes by: ``optimizer`` of ``optimizer.minimize``, or the
    train op's own name for ``Opt(lr).minimize``."""
    receiver = train.call.func.value
    return {receiver.value} if isinstance(receiver, cst.Name) else set(train.use.binds)


# The keras-level drivers: a step that calls one runs its cell (and the cell's dropout).
DRIVERS = frozenset({"tf2_port.keras_rnn.dynamic_rnn", "tf2_port.keras_rnn.static_rnn",
                     "tf2_port.keras_rnn.bidirectional_dynamic_rnn"})


def _built_from(program: SessionProgram, setting: str) -> set[str]:
    """The layer names built, directly or through other layers, from the keep probability ``setting``."""
    names = set(program.settings[setting])
    changed = True
    while changed:
        changed = False
        for statement in program.statements:
            if statement.kind == "layer" and statement.use.reads & names and not statement.use.binds <= names:
                names |= statement.use.binds
                changed = True
    # The RNN layers the tf2 level creates read their cell: a driver statement reads the cell name.
    return names


def _backward_slice(program: SessionProgram, needed: set[str], statements: list[GraphStatement],
                    fed: set[str]) -> tuple[list[GraphStatement], set[str], set[str]]:
    """The computation statements of ``statements`` that compute ``needed`` (in order), the
    placeholders (and fed states among ``fed``) they read, and the names nothing there computes."""
    kinds = program.kinds
    needed = set(needed)
    inputs: set[str] = set()
    chosen: list[GraphStatement] = []
    for statement in reversed(statements):
        fed_state = statement.kind == "computation" and statement.use.binds & needed & fed
        if (statement.kind == "input" or fed_state) and statement.use.binds & needed:
            inputs |= statement.use.binds & needed
            needed -= statement.use.binds
            continue
        if statement.kind != "computation" or not statement.use.binds & needed:
            continue
        chosen.append(statement)
        needed -= statement.use.binds - statement.use.mutates  # a mutated name needs its earlier binding too
        needed |= {name for name in statement.use.reads if kinds.get(name) in ("computation", "input")}
    return list(reversed(chosen)), inputs, needed


def _print_in_a_step_that_can_compute_it(program: SessionProgram, printed: GraphStatement, steps: list[Step]) -> None:
    """A build-time ``print`` of tensors no fetch needs (``print(inputs_series)``): TF1 printed
    the symbolic tensors as it built them. The first step whose fed placeholders suffice also
    computes them (nothing else reads them) and prints them when it is traced, as TF1 did."""
    kinds = program.kinds
    tensors = {name for name in printed.use.reads if kinds.get(name) in ("computation", "input")}
    before = program.statements[:program.statements.index(printed)]
    chosen, inputs, needed = _backward_slice(program, tensors, before, set())
    if needed:
        return
    for step in steps:
        if not inputs <= set(step.parameters):
            continue
        have = {id(statement) for statement in step.statements}
        step.statements = sorted([*step.statements, *(s for s in chosen if id(s) not in have), printed],
                                 key=lambda statement: statement.index)
        program.printed.add(id(printed))
        return


def _attach_trace_prints(program: SessionProgram, step: Step, inputs: set[str]) -> None:
    """A build-time ``print(tensor)`` goes into the first step that computes everything it prints."""
    bound = set(inputs).union(*(s.use.binds for s in step.statements)) if step.statements else set(inputs)
    for statement in program.statements:
        if statement.kind != "trace_print" or id(statement) in program.printed:
            continue
        tensors = {name for name in statement.use.reads if program.kinds.get(name) in ("computation", "input")}
        if tensors and tensors <= bound:
            program.printed.add(id(statement))
            step.statements = sorted([*step.statements, statement], key=lambda s: s.index)


def _split_at_the_tape(program: SessionProgram, step: Step) -> None:
    """``apply_gradients(zip(tf.gradients(loss, tvars) ...))``: the statements that compute the loss
    run under the tape; those that take gradients (and everything computed from them, such as
    clipping) run after it."""
    optimizer = step.train.call.func.value
    gradient_calls = [(statement, call) for statement in step.statements
                      for call in [*calls_in(statement.node, program.resolver, frozenset({GRADIENTS})),
                                   *_compute_gradients_calls(statement.node, optimizer, program)]]
    if len(gradient_calls) != 1:
        raise Refusal(step.train.call, f"apply_gradients of gradients taken {len(gradient_calls)} times "
                      "(the tf2 level maps one tf.gradients(loss, variables) per training step)", "")
    call = gradient_calls[0][1]
    if not call.args or call.args[0].keyword is not None or not isinstance(call.args[0].value, cst.Name):
        raise Refusal(call, "tf.gradients of a loss that is not a name", "bind the loss to a name first")
    step.loss = call.args[0].value.value
    after: list[GraphStatement] = []
    after_names: set[str] = set()
    for statement in step.statements:
        takes_gradients = bool(calls_in(statement.node, program.resolver, frozenset({GRADIENTS}) | TRAINABLE_VARIABLES)
                               or _compute_gradients_calls(statement.node, optimizer, program))
        if takes_gradients or statement.use.reads & after_names:
            after.append(statement)
            after_names |= statement.use.binds
    if step.loss in after_names:
        raise Refusal(call, f"the loss {step.loss!r} computed from gradients", "")
    step.after_tape = after
    step.statements = [statement for statement in step.statements if statement not in after]


def _input_path(statement: GraphStatement) -> str:
    func = statement.call.func
    return func.attr.value if isinstance(func, cst.Attribute) else func.value


def _loss_argument(train: GraphStatement) -> str:
    call = train.call
    loss = None
    for index, argument in enumerate(call.args):
        keyword = argument.keyword.value if argument.keyword else None
        if keyword == "loss" or (keyword is None and index == 0):
            loss = argument.value
        elif keyword in ("name", "gate_gradients", "aggregation_method", "colocate_gradients_with_ops"):
            continue  # no effect on the values
        else:
            raise Refusal(argument, f"minimize({keyword or 'argument ' + str(index + 1)}=...) "
                          "(var_list, global_step, grad_loss)", "the tf2 level maps minimize(loss) only")
    if not isinstance(loss, cst.Name):
        raise Refusal(call, "minimize() of an expression that is not a name", "bind the loss to a name first")
    return loss.value
