"""The restructured module: state once at module level, one ``@tf.function`` per step, calls.

Layout of the output, in the module's own order:

1. every graph-region statement that is built once stays where it was -- host code, variables
   (``tf.compat.v1.Variable`` -> ``tf.Variable``), Keras cells and layers (followed by the
   ``keras.layers.RNN`` layers that drive them), the Keras 3 optimizer that replaces the TF1
   one; placeholders, initializers, ``disable_eager_execution`` and the computation leave;
2. where the Session was created: the step functions, each ``@tf.function`` with an
   ``input_signature`` made of its placeholders' dtypes and shapes (values are converted as a
   ``feed_dict`` converted them, and the function is traced once);
3. the session region without the Session: the ``with`` body dedented, each ``sess.run``
   replaced by a call of its step with the fed values, initializer runs and ``sess.close()``
   deleted.

The hazards TensorFlow's migration guide names are refused, not risked: a module-level name a
step reads that the session region rebinds (a tf.function would keep the value of its trace),
tensors used outside ``Session.run``, graph growth after the Session started.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst

from migrate import tf2_optimizers
from migrate.session_program import Refusal
from migrate.session_program.native_rnn import NativeRnn, rnn_layer_statement, shared_cells_function
from migrate.session_program.initializers import DEFAULT_FLOAT, DEFAULT_OTHER, GET_VARIABLE_PARAMETERS, NO_EFFECT
from migrate.session_program.initializers import RULES as INITIALIZER_RULES
from migrate.session_program.initializers import keras_initializer
from migrate.session_program.names import name_use
from migrate.session_program import checkpoints, summaries
from migrate.session_program.regions import (
    GRADIENTS, KEPT_KINDS, MOVED_KINDS, TRAINABLE_VARIABLES, SessionProgram, saver_settings, writer_arguments,
)
from migrate.session_program.resolve import Resolver, calls_in
from migrate.session_program.sites import SessionUses, Step, fetched_names

# tf.compat.v1.Variable parameters with no meaning (or another position) in tf.Variable.
V1_ONLY_VARIABLE_KEYWORDS = frozenset({"collections", "expected_shape", "use_resource", "import_scope", "variable_def"})
STATE_TUPLE_DEFINITION = 'LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))  # TF1\'s (c, h) pair\n'


@dataclass
class Restructured:
    module: cst.Module
    steps: list[str]  # the step functions' names, in order
    weights: list[tuple[str, str]]  # (TF1 variable name or driver scope, the expression holding it)
    uses_state_tuple: bool
    imports: set[tuple[str, str]] = field(default_factory=set)  # (module, name) from tf2_port
    plain_imports: set[str] = field(default_factory=set)  # modules the output imports whole (os)


class _Names:
    def __init__(self, code: str) -> None:
        nodes = list(ast.walk(ast.parse(code)))
        self.taken = {node.id for node in nodes if isinstance(node, ast.Name)}
        self.taken |= {node.name for node in nodes if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}
        self.taken |= {node.arg for node in nodes if isinstance(node, ast.arg)}
        self.setting_parameters: dict[str, str] = {}
        self.optimizer_classes: dict[str, str] = {}  # train op name -> its TF1 optimizer (normalised path)
        self.defined_classes: set[str] = set()  # optimizer subclasses the output defines (TF1RMSprop)

    dense_gradients = ""  # the helper's name, once a step needs it

    def fresh(self, base: str) -> str:
        name, index = base, 2
        while name in self.taken:
            name, index = f"{base}_{index}", index + 1
        self.taken.add(name)
        return name


def restructure(program: SessionProgram, uses: SessionUses, resolver: Resolver,
                summary_kinds: dict[str, str] | None = None) -> Restructured:
    summary_kinds = summary_kinds or {}
    module = program.module
    code = module.code_for_node
    names = _Names(module.code)
    names.resolver = resolver
    names.settings = set(program.settings)
    native = NativeRnn(program, resolver, names.fresh)

    step_statements = {id(s) for step in uses.steps for s in step.statements}
    _check_trace_time_values(program, uses)

    # 1. the optimizers: named ones in place, inline ones (`Opt(lr).minimize(loss)`) before the train op.
    optimizers: dict[str, str] = {}  # train op name -> the optimizer's name in the output
    replacements: dict[int, list[cst.BaseStatement]] = {}
    for statement in program.statements:
        if statement.kind == "optimizer":
            target = statement.node.body[0].targets[0].target.value
            replacements[id(statement)] = _optimizer_statements(statement.node, target, statement.call, code, resolver,
                                                                names)
        elif statement.kind == "train":
            receiver = statement.call.func.value
            train_name = next(iter(statement.use.binds))
            if isinstance(receiver, cst.Name) and program.kinds.get(receiver.value) == "optimizer":
                optimizers[train_name] = receiver.value
                replacements[id(statement)] = []
                built = next(s for s in program.statements if s.kind == "optimizer" and receiver.value in s.use.binds)
                names.optimizer_classes[train_name] = resolver.call_path(built.call) or ""
            elif isinstance(receiver, cst.Call) and (resolver.call_path(receiver) or "").startswith("tensorflow.train."):
                tensors = sorted(n for n in name_use(code(receiver)).reads
                                 if program.kinds.get(n) in MOVED_KINDS and n not in program.settings)
                if tensors:
                    raise Refusal(receiver, f"an optimizer built from the tensor {tensors[0]!r} (a learning rate fed "
                                  "per run)", "the tf2 level builds the optimizer once; keep this file at the keras level")
                name = names.fresh("optimizer")
                optimizers[train_name] = name
                names.optimizer_classes[train_name] = resolver.call_path(receiver) or ""
                replacements[id(statement)] = _optimizer_statements(statement.node, name, receiver, code, resolver,
                                                                    names)
            else:
                raise Refusal(statement.call, "minimize() on something that is not a tf.compat.v1.train optimizer", "")

    # 2. the step functions (native RNN code first: it decides which RNN layers exist).
    functions = []
    step_names = []
    for step in uses.steps:
        step.name = names.fresh(_step_name(step, program))
        step_names.append(step.name)
        functions.append(_step_function(step, program, native, optimizers, names, code))

    # 3. module level up to the Session.
    body: list[cst.BaseStatement] = []
    weights: list[tuple[str, str]] = []
    variable_counts: dict[str, int] = {}
    pending_blank = 0
    layers_after = {}
    for layer in native.layers.values():
        layers_after.setdefault(id(layer.after), []).append(layer)
        # Through the RNN layer, which every step that runs the cell holds (a program inside a
        # function keeps its state in locals: prove reaches them through the steps' closures).
        if layer.owner is None:  # a layer sharing another's cells adds no TF1 names
            weights.append((layer.scope, f"{layer.name}.cell"))
    shared_cells = None
    saved: tuple[str, list[tuple[str, str]]] | None = None  # the checkpoint's name, the weights it tracks
    graphs_written: list[str] = []  # graph-region FileWriters given the graph
    trained_optimizers: list[str] = []  # optimizers whose minimize() came before (TF1 made their slots)
    rnn_families = {f"{layer.name}.cell": layer.family for layer in native.layers.values()}
    for statement in program.statements:
        before = len(body)
        if statement.kind == "saver" and uses.saver_calls:
            if saved is not None:
                raise Refusal(statement.call, "a second Saver", "the tf2 level maps one Saver")
            saved = (names.fresh("checkpoint"), list(weights))
            body.append(_with_leading(statement.node, checkpoints.checkpoint_statement(
                saved[0], saved[1], rnn_families, trained_optimizers)))
            max_to_keep = saver_settings(statement.call, resolver)
        elif statement.kind == "writer":
            logdir, graph = writer_arguments(statement.call, resolver)
            target = statement.node.body[0].targets[0].target.value
            body.append(_with_leading(statement.node, cst.SimpleStatementLine([cst.Assign(
                [cst.AssignTarget(cst.Name(target))], summaries.writer_creation(logdir))])))
            if graph:
                graphs_written.append(target)
        elif statement.kind != "saver":
            _statement_into(body, statement, replacements, code, weights, variable_counts, step_statements,
                            resolver, native)
        if statement.kind == "train":
            trained_optimizers.append(optimizers[next(iter(statement.use.binds))])
        if len(body) == before:
            pending_blank = pending_blank or _blank_lines(statement.node)
        elif pending_blank:
            body[before] = _with_blank_lines(body[before], pending_blank)
            pending_blank = 0
        for layer in layers_after.get(id(statement), []):
            if layer.owner is not None and shared_cells is None:
                shared_cells = names.fresh("shared_cells")
                body.append(_with_blank_lines(shared_cells_function(shared_cells), 1))
            body.append(rnn_layer_statement(layer, shared_cells or "shared_cells"))
        dense = native.dense_layers.get(id(statement))
        if dense is not None:  # created where TF1's dense call built its variables
            body.append(_with_leading(statement.node, dense.statement) if len(body) == before else dense.statement)
            weights.append((dense.tf1_name, dense.name))
    session_statement = program.session_statement
    numpy_values = names.fresh("numpy_values")
    body.append(_numpy_values_function(numpy_values))
    if names.dense_gradients:
        body.append(_dense_gradients_function(names.dense_gradients))
    save = restore = ""
    imports = set(native.imports)
    plain_imports: set[str] = set()
    if uses.saver_calls:
        if saved is None:
            raise Refusal(uses.saver_calls[0].call, "a Saver built other than once, in the graph region", "")
        if any(call.method == "save" for call in uses.saver_calls):
            save = names.fresh("save_checkpoint")
            max_to_keep_code = code(max_to_keep) if max_to_keep is not None else checkpoints.DEFAULT_MAX_TO_KEEP
            if max_to_keep_code in ("0", "None"):
                max_to_keep_code = "None"  # TF1: None or 0 kept every checkpoint
            body.append(checkpoints.save_function(save, saved[0], max_to_keep_code))
            plain_imports.add("os")
        if any(call.method == "restore" for call in uses.saver_calls):
            restore = names.fresh("restore_checkpoint")
            body.append(checkpoints.restore_function(restore, saved[0], saved[1]))
            imports.add(checkpoints.TF1_RESTORE)
    for function in functions:
        body.append(function)
    write_summaries = ""
    if any(call.method == "add_summary" for call in uses.writer_calls):
        write_summaries = names.fresh("write_summaries")
        body.append(summaries.summaries_function(write_summaries, summary_kinds))
    write_graphs = ""
    if graphs_written or any(call.method == "add_graph" or call.graph for call in uses.writer_calls):
        write_graphs = names.fresh("write_step_graphs")
        body.append(summaries.graphs_function(write_graphs, step_names))

    # 4. the session region, without the Session.
    calls = {id(site.call): _call(step, site, numpy_values) for step in uses.steps for site in step.sites}
    calls.update({id(call.call): checkpoints.saver_call(call, save, restore) for call in uses.saver_calls})
    for call in uses.eager_evals:  # an eager tensor's value: .numpy() (what .eval() returned)
        calls[id(call)] = call.with_changes(func=call.func.with_changes(attr=cst.Name("numpy")))
    for call in uses.writer_calls:
        if call.method == "add_graph":
            calls[id(call.call)] = summaries.graphs_call(write_graphs, call.call.func.value)
        elif call.method == "add_summary":
            calls[id(call.call)] = summaries.summaries_call(write_summaries, call.call)
        else:
            created = summaries.writer_creation(call.logdir)
            calls[id(call.call)] = summaries.graphs_call(write_graphs, created) if call.graph else created
    deleted = {id(node) for node in [*uses.init_statements, *uses.close_statements]}
    rest = [*program.session_body, *program.after]
    transformer = _SessionRegion(calls, deleted)
    new_rest = []
    for index, node in enumerate(rest):
        if id(node) in deleted:
            continue
        new = node.visit(transformer)
        if isinstance(new, cst.RemovalSentinel):
            continue
        if index == 0 and program.session_body:
            new = new.with_changes(leading_lines=[*session_statement.leading_lines, *new.leading_lines])
        if not new_rest:
            for writer in graphs_written:  # FileWriter(logdir, graph): the graphs, once the steps exist
                new_rest.append(_with_blank_lines(cst.SimpleStatementLine(
                    [cst.Expr(summaries.graphs_call(write_graphs, cst.Name(writer)))]), 2 if not new_rest else 0))
            if not new_rest:
                new = _with_blank_lines(new, 2)  # after the step functions
        new_rest.append(new)
    body += new_rest
    return Restructured(_with_block(program, body), step_names, weights, native.uses_state_tuple, imports,
                        plain_imports)


def _with_block(program: SessionProgram, body: list[cst.BaseStatement]) -> cst.Module:
    """The module with the program's block replaced by ``body`` (and TF1-only settings outside it
    dropped or rewritten)."""
    module = program.module
    if program.owner is None:
        return module.with_changes(body=body)
    replaced = {id(program.owner): program.owner.with_changes(body=program.owner.body.with_changes(body=body))}
    for statement in program.outside:
        if statement.kind == "drop":
            replaced[id(statement.node)] = None
        elif statement.kind == "seed":
            seed = ", ".join(module.code_for_node(argument) for argument in statement.call.args)
            replaced[id(statement.node)] = _with_leading(statement.node, cst.parse_statement(f"tf.random.set_seed({seed})\n"))
    new_body = []
    for node in module.body:
        new = replaced.get(id(node), node)
        if new is not None:
            new_body.append(new)
    return module.with_changes(body=new_body)


def _statement_into(body, statement, replacements, code, weights, variable_counts, step_statements, resolver,
                    native) -> None:
    """Append what ``statement`` becomes at module level (nothing when it moves or leaves)."""
    kind = statement.kind
    if id(statement) in replacements:
        body += replacements[id(statement)]
    elif kind == "variable":
        target = statement.node.body[0].targets[0].target.value
        if resolver.call_path(statement.call) == "tensorflow.get_variable":
            new, tf1_name = _get_variable_statement(statement, code, resolver)
            shared = native.variables_by_tf1_name.get(tf1_name)
            if shared is not None and statement.reuse:
                # A reusing variable scope: TF1 returned the variable it made first.
                body.append(_with_leading(statement.node, cst.parse_statement(
                    f"{target} = {shared}  # TF1 reused {tf1_name} (variable_scope reuse)\n")))
                return
            if shared is not None:
                raise Refusal(statement.call, f"get_variable of {tf1_name!r} a second time without reuse (TF1 raised "
                              "ValueError)", "")
            native.variables_by_tf1_name[tf1_name] = target
            body.append(new)
            weights.append((tf1_name, target))
        else:
            body.append(_variable_statement(statement.node, statement.call, code))
            weights.append((_tf1_variable_name(statement.call, variable_counts, statement.name_scope), target))
    elif kind == "variables":
        body.append(_variable_literal_statement(statement, code, weights, variable_counts))
    elif kind == "seed":
        seed = ", ".join(code(argument) for argument in statement.call.args)
        body.append(_with_leading(statement.node, cst.parse_statement(f"tf.random.set_seed({seed})\n")))
    elif kind == "input" and next(iter(statement.use.binds)) in native.program.settings:
        body.append(_setting_variable(statement, code))
    elif kind in ("layer", "factory"):
        body.append(native.layer_statement(statement))
    elif kind in KEPT_KINDS:
        body.append(statement.node)
    # input, init, drop, train and computation leave module level (computation moves into the
    # steps that need it; computation no step needs was never run by TF1 either).


def _setting_variable(statement, code) -> cst.BaseStatement:
    """A keep probability that was a placeholder, as the variable every step that runs the
    wrapped cells sets first (the wrapper is built once, the value changes per run)."""
    name = next(iter(statement.use.binds))
    call = statement.call
    func = call.func
    kind = func.attr.value if isinstance(func, cst.Attribute) else func.value
    if kind == "placeholder":
        dtype = next((a.value for i, a in enumerate(call.args)
                      if (a.keyword is None and i == 0) or (a.keyword and a.keyword.value == "dtype")), None)
        value = f"tf.ones([], {code(dtype)})" if dtype is not None else "1.0"
    else:
        value = code(call.args[0].value)
    return _with_leading(statement.node, cst.parse_statement(
        f"{name} = tf.Variable({value}, trainable=False)  # fed per run in TF1: each step that feeds it sets it\n"))


def _blank_lines(node: cst.BaseStatement) -> int:
    count = 0
    for line in node.leading_lines:
        if line.comment is not None:
            break
        count += 1
    return count


def _with_blank_lines(node: cst.BaseStatement, count: int) -> cst.BaseStatement:
    """At least ``count`` blank lines before ``node`` (those of the statements removed before it)."""
    missing = count - _blank_lines(node)
    if missing <= 0:
        return node
    return node.with_changes(leading_lines=[cst.EmptyLine()] * missing + list(node.leading_lines))


def _with_leading(original: cst.BaseStatement, new: cst.BaseStatement) -> cst.BaseStatement:
    return new.with_changes(leading_lines=original.leading_lines)


def _optimizer_statements(node: cst.BaseStatement, target: str, call: cst.Call, code, resolver: Resolver,
                          names: "_Names") -> list[cst.BaseStatement]:
    """The Keras optimizer's creation in place of ``node`` -- after the subclass the rule defines,
    the first time one is needed (TF1RMSprop)."""
    statement = _optimizer_statement(target, call, code, resolver, frozenset(names.settings))
    rule = _optimizer_rule(resolver.path(call.func))
    if not rule.definition or rule.keras_name in names.defined_classes:
        return [_with_leading(node, statement)]
    if rule.keras_name in names.taken:
        raise Refusal(call, f"the name {rule.keras_name} already used (the output defines a class of that name)", "")
    names.defined_classes.add(rule.keras_name)
    names.taken.add(rule.keras_name)
    definition = cst.parse_statement(rule.definition)
    return [_with_leading(node, definition), _with_blank_lines(statement, 2)]


def _optimizer_rule(path: str | None):
    return tf2_optimizers.RULES.get(path) or tf2_optimizers.RULES.get(_normalise_train(path))


def _optimizer_statement(target: str, call: cst.Call, code, resolver: Resolver,
                         settings: frozenset[str] = frozenset()) -> cst.BaseStatement:
    path = resolver.path(call.func)
    rule = tf2_optimizers.RULES.get(path) or tf2_optimizers.RULES.get(_normalise_train(path))
    if rule is None or rule.keras_name is None:
        why = rule.why_not if rule is not None else "no Keras 3 optimizer known to compute its update"
        raise Refusal(call, f"{(path or '?').replace('tensorflow', 'tf')}: {why}",
                      "keep this file at the keras level, or write the update rule as a custom Keras optimizer")
    positional, keywords = [], {}
    for argument in call.args:
        if argument.star:
            raise Refusal(argument, "an optimizer built with * or ** arguments", "")
        if argument.keyword is None:
            positional.append(code(argument.value))
        else:
            keywords[argument.keyword.value] = code(argument.value)
    try:
        arguments = tf2_optimizers.keras_arguments(rule, positional, keywords)
    except ValueError as error:
        raise Refusal(call, str(error), "") from None
    # A learning rate fed per run is a variable each step sets: the optimizer reads it when it updates.
    written = ", ".join(f"{keyword}=lambda: {value}" if keyword == "learning_rate" and value in settings
                        else f"{keyword}={value}" for keyword, value in arguments)
    return cst.parse_statement(f"{target} = {rule.keras_name}({written})  # {rule.tf1_name.rsplit('.', 1)[1]}'s update rule\n")


def _normalise_train(path: str | None) -> str | None:
    if path and path.startswith("tensorflow.compat.v1."):
        return "tensorflow." + path[len("tensorflow.compat.v1."):]
    if path and path.startswith("tensorflow."):
        return "tensorflow.compat.v1." + path[len("tensorflow."):]
    return path


def _variable_statement(node: cst.SimpleStatementLine, call: cst.Call, code) -> cst.BaseStatement:
    positional = [argument for argument in call.args if argument.keyword is None and not argument.star]
    if len(positional) > 2 or any(argument.star for argument in call.args):
        raise Refusal(call, "tf.compat.v1.Variable with more than two positional arguments "
                      "(tf.Variable's third parameter is another one)", "pass them by keyword")
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value in V1_ONLY_VARIABLE_KEYWORDS:
            raise Refusal(argument, f"tf.compat.v1.Variable({argument.keyword.value}=...)", "")
    new_call = call.with_changes(func=cst.parse_expression("tf.Variable"))
    small = node.body[0].with_changes(value=new_call)
    return node.with_changes(body=[small])


def _variable_literal_statement(statement, code, weights, variable_counts) -> cst.BaseStatement:
    """``weights = {"out": tf.compat.v1.Variable(...)}``: each call a ``tf.Variable``, each TF1 name
    (in the literal's order, which was TF1's creation order) recorded under ``weights["out"]``."""
    small = statement.node.body[0]
    target = small.targets[0].target.value
    value = small.value
    if isinstance(value, cst.Dict):
        entries = [(f"{target}[{code(element.key)}]", element) for element in value.elements]
    else:
        entries = [(f"{target}[{index}]", element) for index, element in enumerate(value.elements)]
    new_elements = []
    for expression, element in entries:
        call = element.value
        weights.append((_tf1_variable_name(call, variable_counts, statement.name_scope), expression))
        new_call = _variable_statement(cst.SimpleStatementLine([cst.Expr(call)]), call, code).body[0].value
        new_elements.append(element.with_changes(value=new_call))
    return statement.node.with_changes(body=[small.with_changes(value=value.with_changes(elements=new_elements))])


def _get_variable_statement(statement, code, resolver: Resolver) -> tuple[cst.BaseStatement, str]:
    """``v = tf.compat.v1.get_variable("v", shape, initializer=...)`` -> ``tf.Variable`` drawn by the
    Keras initializer of the same distribution; and the variable's TF1 name."""
    call = statement.call
    arguments: dict[str, cst.BaseExpression] = {}
    for index, argument in enumerate(call.args):
        if argument.star:
            raise Refusal(argument, "get_variable with * or ** arguments", "")
        name = argument.keyword.value if argument.keyword else GET_VARIABLE_PARAMETERS[index]
        arguments[name] = argument.value
    unsupported = sorted(set(arguments) - {"name", "shape", "dtype", "initializer", "trainable"} - NO_EFFECT)
    if unsupported:
        raise Refusal(call, f"get_variable({unsupported[0]}=...)", "the tf2 level maps name, shape, dtype, "
                      "initializer and trainable")
    name = arguments.get("name")
    if not isinstance(name, cst.SimpleString):
        raise Refusal(call, "a get_variable name that is not a string literal", "")
    tf1_name = statement.variable_scope + name.evaluated_value
    dtype = code(arguments["dtype"]) if "dtype" in arguments else "tf.float32"
    # Without its own initializer, a variable took its variable scope's default one.
    initializer = arguments.get("initializer", statement.scope_initializer)
    shape = code(arguments["shape"]) if "shape" in arguments else None
    if initializer is None:
        floating = dtype in ("tf.float32", "tf.float64", "tf.float16", "tf.bfloat16", "'float32'", '"float32"')
        if shape is None:
            raise Refusal(call, "get_variable without shape or initializer", "")
        value = f"{DEFAULT_FLOAT if floating else DEFAULT_OTHER}({shape}, {dtype})"
        why = "  # get_variable's default initializer" if floating else ""
    elif isinstance(initializer, cst.Call) and resolver.call_path(initializer) in INITIALIZER_RULES:
        if shape is None:
            raise Refusal(call, "get_variable with an initializer class but no shape", "")
        positional = [code(a.value) for a in initializer.args if a.keyword is None]
        keywords = {a.keyword.value: code(a.value) for a in initializer.args if a.keyword is not None}
        try:
            keras_call = keras_initializer(INITIALIZER_RULES[resolver.call_path(initializer)], positional, keywords)
        except ValueError as error:
            raise Refusal(initializer, str(error), "") from None
        value, why = f"{keras_call}({shape}, {dtype})", ""
    elif shape is None:
        value, why = code(initializer), ""  # a value (tensor, array) as the initial value
    else:
        raise Refusal(initializer, "a get_variable initializer the tf2 level has no Keras twin for", "")
    trainable = f", trainable={code(arguments['trainable'])}" if "trainable" in arguments else ""
    target = statement.node.body[0].targets[0].target.value
    new = cst.parse_statement(f"{target} = tf.Variable({value}, name={name.value}{trainable}){why}\n")
    return _with_leading(statement.node, new), tf1_name


def _tf1_variable_name(call: cst.Call, counts: dict[str, int], name_scope: str = "") -> str:
    """The name TF1 gave a ``tf.Variable``: its name scope, ``name=`` or "Variable", made unique
    as TF1 did."""
    base = "Variable"
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == "name":
            if not isinstance(argument.value, cst.SimpleString):
                raise Refusal(argument, "a variable name that is not a string literal", "")
            base = argument.value.evaluated_value
    base = name_scope + base
    count = counts.get(base, 0)
    counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _step_name(step: Step, program: SessionProgram) -> str:
    fetched = fetched_names(step.fetches)
    if step.train is not None:
        return f"run_{next(iter(step.train.use.binds))}"
    return f"run_{fetched[0]}" if fetched else "run_step"


def _input_spec(statement, code) -> str:
    call = statement.call
    func = call.func
    kind = func.attr.value if isinstance(func, cst.Attribute) else func.value
    args = {}
    parameters = ("dtype", "shape", "name") if kind == "placeholder" else ("input", "shape", "name")
    for index, argument in enumerate(call.args):
        key = argument.keyword.value if argument.keyword else parameters[index]
        args[key] = argument.value
    shape = code(args["shape"]) if "shape" in args else "None"
    if kind == "placeholder":
        return f"tf.TensorSpec({shape}, {code(args['dtype'])})"
    default = args["input"]
    dtype = {cst.Float: "tf.float32", cst.Integer: "tf.int32"}.get(type(default))
    if isinstance(default, cst.Name) and default.value in ("True", "False"):
        dtype = "tf.bool"
    if dtype is None:
        raise Refusal(default, "a fed placeholder_with_default whose default is not a number or bool literal", "")
    return f"tf.TensorSpec({shape}, {dtype})"


def _step_function(step: Step, program: SessionProgram, native: NativeRnn, optimizers: dict[str, str],
                   names: _Names, code) -> cst.FunctionDef:
    by_input = {next(iter(s.use.binds)): s for s in program.statements if s.kind == "input"}
    by_input.update(program.fed_states)
    specs = _spec_lines(step, by_input, code, native)
    statements: list[cst.BaseStatement] = []
    # One parameter name per keep probability, the same in every step.
    setting_parameters = {name: names.setting_parameters.setdefault(name, names.fresh(f"{name}_fed"))
                          if name not in names.setting_parameters else names.setting_parameters[name]
                          for name in step.settings}
    for name, parameter in setting_parameters.items():
        statements.append(cst.parse_statement(f"{name}.assign({parameter})\n"))
    for default in step.setting_defaults:
        statements.append(cst.parse_statement(
            f"{next(iter(default.use.binds))}.assign({code(default.call.args[0].value)})  # not fed here: its default\n"))
    for default in step.defaults:
        call = default.call
        value = call.args[0].value
        statements.append(cst.parse_statement(f"{next(iter(default.use.binds))} = tf.identity({code(value)})  "
                                              "# placeholder_with_default, not fed here\n"))
    for statement in step.statements:
        statements += native.statements_for(statement)
    statements = _tidy_block(statements)
    tail: list[cst.BaseStatement] = []
    if step.train is not None:
        train_name = next(iter(step.train.use.binds))
        optimizer = optimizers[train_name]
        tape = names.fresh("tape")
        if step.train.call.func.attr.value == "minimize":
            what = f"{optimizer}.minimize({step.loss}) over the trainable variables it reads"
            variables, gradients = names.fresh("variables"), names.fresh("gradients")
            tail = [
                cst.parse_statement(f"{variables} = {tape}.watched_variables()\n"),
                cst.parse_statement(f"{gradients} = {tape}.gradient({step.loss}, {variables})\n"),
                cst.parse_statement(f"{optimizer}.apply_gradients({_pairs(f'zip({gradients}, {variables})', step, names)})\n"),
            ]
        else:
            # tf.gradients(loss, xs) -> tape.gradient(loss, xs); tf.trainable_variables() -> the
            # trainable variables the tape saw the loss read (the others had no gradient in TF1).
            what = f"{optimizer}.apply_gradients of the gradients of {step.loss}, as the script computed them"
            receiver = step.train.call.func.value
            rewriter = _TapeGradients(program.resolver, tape, receiver.value if isinstance(receiver, cst.Name) else "")
            for statement in step.after_tape:
                tail += [node.visit(rewriter) for node in native.statements_for(statement)]
            tail = _tidy_block(tail)
            pairs = code(step.train.call.args[0].value)
            tail.append(cst.parse_statement(f"{optimizer}.apply_gradients({_pairs(pairs, step, names)})\n"))
        block = cst.With(
            items=[cst.WithItem(cst.parse_expression("tf.GradientTape()"), asname=cst.AsName(cst.Name(tape)))],
            body=cst.IndentedBlock(body=statements or [cst.SimpleStatementLine([cst.Pass()])]),
            leading_lines=[cst.EmptyLine(comment=cst.Comment(f"# {train_name}: {what}"))],
        )
        statements = [block]
    returned = step.fetches.visit(_TrainOpsAsNone({n for n, k in program.kinds.items() if k == "train"}))
    returned = _strip_whitespace(returned)
    body = [*statements, *tail, cst.SimpleStatementLine([cst.Return(value=returned)])]
    decorator = cst.Decorator(cst.parse_expression(
        f"tf.function(input_signature=[{specs}])" if step.parameters or step.settings else "tf.function"))
    fetched = " ".join(code(step.fetches).split())  # one line, however the script wrapped it
    return cst.FunctionDef(
        name=cst.Name(step.name),
        params=cst.Parameters(params=[cst.Param(cst.Name(name)) for name in step.parameters]
                              + [cst.Param(cst.Name(parameter)) for parameter in setting_parameters.values()]),
        body=cst.IndentedBlock(body=body),
        decorators=[decorator],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine(), cst.EmptyLine(comment=cst.Comment(
            f"# The Session.run that fetched {fetched}" if len(fetched) < 70
            else "# One Session.run site of the TF1 program"))],
    )


def _spec_lines(step: Step, by_input, code, native: NativeRnn) -> str:
    """One TensorSpec per line (a signature of several specs is unreadable on one line)."""
    specs = [_input_spec(by_input[name], code) if by_input[name].kind == "input"
             else native.zero_state(by_input[name].node.body[0].value, "tf.TensorSpec")
             for name in [*step.parameters, *step.settings]]
    if len(specs) < 2:
        return ", ".join(specs)
    return "".join(f"\n    {spec},  # {name}" for spec, name in zip(specs, [*step.parameters, *step.settings])) + "\n"


def _tidy_block(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """Statements moved into a function body: no blank line first, blank lines without indentation."""
    tidied = []
    for index, statement in enumerate(statements):
        lines = [line.with_changes(indent=False) if line.comment is None else line
                 for line in statement.leading_lines]
        if index == 0:
            while lines and lines[0].comment is None:
                lines.pop(0)
        tidied.append(statement.with_changes(leading_lines=lines))
    return tidied


class _TapeGradients(cst.CSTTransformer):
    """After the tape: ``tf.gradients(loss, xs)`` -> ``tape.gradient(loss, xs)``,
    ``tf.compat.v1.trainable_variables()`` -> ``tape.watched_variables()``."""

    def __init__(self, resolver: Resolver, tape: str, optimizer: str) -> None:
        self.resolver = resolver
        self.tape = tape
        self.optimizer = optimizer

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if (isinstance(original.func, cst.Attribute) and original.func.attr.value == "compute_gradients"
                and isinstance(original.func.value, cst.Name) and original.func.value.value == self.optimizer):
            if len(original.args) != 1 or original.args[0].keyword not in (None,) and original.args[0].keyword.value != "loss":
                raise Refusal(original, "compute_gradients with var_list or other arguments", "")
            loss = cst.Module([]).code_for_node(updated.args[0].value)
            # TF1's (gradient, variable) pairs over the trainable variables (the unread ones had None).
            return cst.parse_expression(f"list(zip({self.tape}.gradient({loss}, {self.tape}.watched_variables()), "
                                        f"{self.tape}.watched_variables()))")
        path = self.resolver.call_path(original)
        if path == GRADIENTS:
            extra = [a for a in original.args[2:] if a.keyword is None or a.keyword.value not in ("name", "gate_gradients",
                                                                                                   "colocate_gradients_with_ops",
                                                                                                   "aggregation_method")]
            if extra or len(original.args) < 2:
                raise Refusal(original, "tf.gradients with grad_ys or stop_gradients", "")
            return updated.with_changes(func=cst.parse_expression(f"{self.tape}.gradient"), args=updated.args[:2])
        if path in TRAINABLE_VARIABLES:
            return cst.parse_expression(f"{self.tape}.watched_variables()")
        return updated


class _TrainOpsAsNone(cst.CSTTransformer):
    """A fetched train op gave None in TF1; the step returns None in its place."""

    def __init__(self, train_names: set[str]) -> None:
        self.train_names = train_names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return cst.Name("None") if original.value in self.train_names else updated


def _strip_whitespace(node: cst.BaseExpression) -> cst.BaseExpression:
    """The fetch structure as one line (a multi-line fetch list keeps its layout otherwise)."""
    return cst.parse_expression(" ".join(cst.Module([]).code_for_node(node).split()))


def _call(step: Step, site, numpy_values: str) -> cst.Call:
    """``numpy_values(step(fed values...))``: the fed values in the step's parameter order."""
    fed = dict(site.feeds)
    arguments = [cst.Arg(fed[name]) for name in [*step.parameters, *step.settings]]
    return cst.Call(func=cst.Name(numpy_values),
                    args=[cst.Arg(cst.Call(func=cst.Name(step.name), args=_commas(arguments)))])


# Ops whose gradient is an IndexedSlices (rows of a variable, a row repeated once per lookup).
# TF1 optimizers whose sparse update touches only the looked-up rows where their dense update would
# also move or decay the others (Momentum's accumulator, Adadelta's averages, RMSProp's mean
# square): no Keras twin then.
# GradientDescent, Adam and Adagrad give the dense update's numbers (the others' gradient is 0).
LAZY_SPARSE_OPTIMIZERS = frozenset({"MomentumOptimizer", "AdadeltaOptimizer", "FtrlOptimizer",
                                    "ProximalAdagradOptimizer", "ProximalGradientDescentOptimizer",
                                    # SparseApplyRMSProp decays the mean square of looked-up rows only
                                    "RMSPropOptimizer"})
SPARSE_GRADIENT_OPS = frozenset({"tensorflow.nn.embedding_lookup", "tensorflow.gather",
                                 "tensorflow.nn.embedding_lookup_sparse"})


def _pairs(pairs: str, step: Step, names: _Names) -> str:
    """The (gradient, variable) pairs as the optimizer gets them: through ``dense_gradients`` when
    a gradient of the step can be an IndexedSlices."""
    sparse = any(calls_in(statement.node, names.resolver, SPARSE_GRADIENT_OPS) for statement in step.statements)
    if not sparse:
        return pairs
    optimizer = names.optimizer_classes.get(next(iter(step.train.use.binds)), "")
    if optimizer.rsplit(".", 1)[-1] in LAZY_SPARSE_OPTIMIZERS:
        raise Refusal(step.train.call, f"{optimizer.rsplit('.', 1)[-1]} on the gradient of an embedding lookup: TF1 "
                      "updated only the rows the batch looked up (its accumulators of the other rows kept still); "
                      "Keras 3 updates every row", "keep this file at the keras level")
    if not names.dense_gradients:
        names.dense_gradients = names.fresh("dense_gradients")
    return f"{names.dense_gradients}({pairs})"


def _dense_gradients_function(name: str) -> cst.FunctionDef:
    """TF1's optimizers summed the rows an IndexedSlices gradient repeats, then updated (Adam's
    sparse update decays every row's moments: the dense update's numbers); Keras 3 squares each
    repeated row on its own (sum of squares, not square of the sum). Dense gradients agree."""
    return cst.parse_statement(
        f"def {name}(pairs):\n"
        f'    """(gradient, variable) pairs with every IndexedSlices gradient made dense, as TF1\'s optimizers\n'
        f'    summed the rows a lookup repeats before updating (Keras 3 would square each repeat on its own)."""\n'
        f"    return [(tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient, variable)\n"
        f"            for gradient, variable in pairs]\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def _numpy_values_function(name: str) -> cst.FunctionDef:
    """Session.run returned NumPy values, the steps return tensors: the calls convert, so that
    what the script does with the results (print, NumPy, feed them back) is unchanged."""
    return cst.parse_statement(
        f"def {name}(structure):\n"
        f'    """What Session.run returned: the same structure, each tensor as a NumPy value."""\n'
        f"    return tf.nest.map_structure(lambda value: value if value is None else value.numpy(), structure)\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def _commas(arguments: list[cst.Arg]) -> list[cst.Arg]:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [argument.with_changes(comma=comma if index < len(arguments) - 1 else cst.MaybeSentinel.DEFAULT)
            for index, argument in enumerate(arguments)]


class _SessionRegion(cst.CSTTransformer):
    def __init__(self, calls: dict[int, cst.Call], deleted: set[int]) -> None:
        self.calls = calls
        self.deleted = deleted

    def leave_Call(self, original: cst.Call, updated: cst.BaseExpression) -> cst.BaseExpression:
        return self.calls.get(id(original), updated)

    def leave_SimpleStatementLine(self, original, updated):
        if id(original) in self.deleted:
            return cst.RemoveFromParent()
        return updated

    def leave_For(self, original, updated):
        if id(original) in self.deleted:  # a loop that only built a feed_dict
            return cst.RemoveFromParent()
        return updated

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated


def _check_trace_time_values(program: SessionProgram, uses: SessionUses) -> None:
    """A step reads module-level names when it is traced; the session region must not rebind them."""
    read_by_steps: dict[str, cst.CSTNode] = {}
    for step in uses.steps:
        for statement in step.statements:
            for name in statement.use.reads:
                if program.kinds.get(name) in KEPT_KINDS:
                    read_by_steps.setdefault(name, statement.node)
    if not read_by_steps:
        return
    # Rebound later in the graph region itself: TF1 built the tensor from the value before.
    for step in uses.steps:
        for statement in step.statements:
            for later in program.statements:
                rebound = later.use.binds & statement.use.reads
                if later.index > statement.index and later.kind in KEPT_KINDS and {
                        n for n in rebound if program.kinds.get(n) in KEPT_KINDS}:
                    name = sorted(rebound)[0]
                    raise Refusal(later.node, f"{name!r}, which the graph read when it was built, is rebound "
                                  "after that (a tf.function would read the later value when it is traced)",
                                  "give the new value another name")
    module = program.module
    for node in [*program.session_body, *program.after]:
        rebound = name_use(module.code_for_node(node)).binds & read_by_steps.keys()
        if rebound:
            name = sorted(rebound)[0]
            raise Refusal(node, f"{name!r}, which the graph read when it was built, is rebound after the "
                          "Session started (a tf.function would keep the value of its first trace)",
                          "give the new value another name")
