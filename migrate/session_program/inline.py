"""Graph-building functions and methods, written out where the Session program calls them.

Many TF1 scripts build their graph through helpers -- ``outputs = build_rnn(x)``, a model class
whose methods stack cells and compute the loss, called from ``main()``. A TF2 program creates
state once and computes in step functions, so the tf2 level needs every graph statement in the
block that runs the Session. Before the analysis (:mod:`.regions`), each call of such a helper
in the graph region is replaced by the helper's body:

- a *statement call* (``a, b = model.run(x, is_training=True)``, ``build()``) by the body's
  statements, the parameters bound to the arguments, the locals renamed where the block already
  uses their names, and ``return e`` as the assignment of ``e`` to the call's targets;
- a *cell-building expression* (``[self.make_cell(p) for _ in range(n)]``, a helper that only
  calls Keras constructors and cell wrappers, its body locals used once and one ``return``) by
  the returned expression, substituted in place.

``self`` becomes the instance's name (``model = LanguageModel(...)``, bound once). A cell
factory defined inside a helper comes along with it. Helpers whose calls were all written out
are removed from the module. What is not certain to mean the same written out (a ``return``
inside a block, ``*args``, ``global``, a nested class, a helper that reads a global the block
shadows, a call inside a loop) is left as it was; the analysis then names it in its finding.

The same pass makes three more spellings of graph names plain: ``fetches["loss"]`` of a dict
of graph names (:func:`_constant_lookups`), TF1 summary ops as the dicts of the values they
summarise (:func:`_summary_values`), and an attribute bag's attributes
(``model = SmartDict(); model.x = ...``, :func:`_attribute_bags`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst

from migrate.qualified_names import import_map
from migrate.session_program import Refusal
from migrate.session_program.names import name_use
from migrate.session_program.regions import RUNTIME_WRAPPERS, _find_session, factory_return, mentioned_paths
from migrate.session_program.resolve import Resolver, calls_in, is_keras, is_runtime, is_tensorflow

# How deep helpers may call helpers (a bound on recursion, which is never written out).
MAX_DEPTH = 8


@dataclass
class _Helper:
    """A module-level function, or a method of a module-level class (``owner``)."""

    node: cst.FunctionDef
    owner: str | None = None  # the class name for a method
    parameters: list[cst.Param] = field(default_factory=list)
    _syntax: ast.FunctionDef | None = None

    @property
    def syntax(self) -> ast.FunctionDef:
        """The definition as CPython's ``ast`` (parsed once: every call site reads it)."""
        if self._syntax is None:
            self._syntax = ast.parse(cst.Module([self.node]).code).body[0]
        return self._syntax


@dataclass
class Inlined:
    module: cst.Module
    # The first statement each written-out call became -> the original call statement, so that
    # a finding about written-out code points at a line of the user's file.
    origins: dict[int, cst.CSTNode] = field(default_factory=dict)
    alive: list[cst.CSTNode] = field(default_factory=list)
    written_out: list[str] = field(default_factory=list)  # "LanguageModel.run_lstm", ...
    # TF1 summary ops written as dicts of their values: tag -> "scalar" / "histogram".
    summary_kinds: dict[str, str] = field(default_factory=dict)


    def original_node(self, node: cst.CSTNode | None, original: cst.Module) -> cst.CSTNode:
        """Where, in the user's module, a finding about ``node`` of :attr:`module` belongs: the
        node itself when it is the user's, else the helper statement or call it was written
        from, else the module."""
        if node is None:
            return original
        if node in _nodes(original):
            return node
        origins = self.origins
        enclosing: list[cst.CSTNode] = []
        found: list[cst.CSTNode] = []

        class Find(cst.CSTVisitor):
            def on_visit(self, visited: cst.CSTNode) -> bool:
                if found:
                    return False
                if id(visited) in origins:
                    enclosing.append(origins[id(visited)])
                if visited is node:
                    found.append(enclosing[-1] if enclosing else original)
                    return False
                return True

            def on_leave(self, left: cst.CSTNode) -> None:
                if id(left) in origins and enclosing:
                    enclosing.pop()

        self.module.visit(Find())
        return found[0] if found else original


def _nodes(module: cst.Module) -> "_IdentitySet":
    every: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            every.append(visited)
            return True

    module.visit(Collect())
    return _IdentitySet(every)


class _IdentitySet:
    def __init__(self, nodes: list[cst.CSTNode]) -> None:
        self._ids = {id(n) for n in nodes}
        self._nodes = nodes  # alive while the set is

    def __contains__(self, node: object) -> bool:
        return id(node) in self._ids


def inline_graph_helpers(module: cst.Module, resolver: Resolver) -> Inlined:
    """``module`` with the graph region's helper calls written out (unchanged when none is)."""
    if import_map(module.code) is None:
        return Inlined(module)  # names resolve by scope only for the original module's nodes
    try:
        owner, block, session_index, _, _ = _find_session(module, resolver)
    except Refusal:  # no (single) Session: the analysis reports it
        return Inlined(module)
    helpers = _helpers(module, resolver)
    writer = _Writer(module, resolver, helpers, owner, block)
    new_region = writer.statements(block[:session_index], depth=0)
    new_region = _summary_values(new_region, writer, resolver)
    new_block = _constant_lookups([*new_region, *block[session_index:]], writer)
    new_block = _attribute_bags(new_block, writer, module)
    if not writer.written_out and all(new is old for new, old in zip(new_block, block)) \
            and len(new_block) == len(block):
        return Inlined(module, summary_kinds=writer.summary_kinds)
    body = []
    for node in module.body:
        if owner is not None and node is owner:
            body.append(node.with_changes(body=node.body.with_changes(body=new_block)))
        else:
            body.append(node)
    if owner is None:
        body = new_block
    new_module = _without_unused_helpers(module.with_changes(body=body), writer.written_out)
    return Inlined(new_module, writer.origins, writer.alive, sorted(set(writer.written_out)), writer.summary_kinds)


def _helpers(module: cst.Module, resolver: Resolver) -> dict[tuple[str | None, str], _Helper]:
    """(class or None, name) -> helper, for functions and methods that build graph parts."""
    found: dict[tuple[str | None, str], _Helper] = {}
    bound_counts: dict[str, int] = {}
    for node in module.body:
        for name in _binds(node):
            bound_counts[name] = bound_counts.get(name, 0) + 1
    for node in module.body:
        if isinstance(node, cst.FunctionDef) and bound_counts.get(node.name.value) == 1 \
                and factory_return(node, resolver) is None:  # cell factories stay: the analysis calls them
            found[(None, node.name.value)] = _Helper(node)
        elif (isinstance(node, cst.ClassDef) and bound_counts.get(node.name.value) == 1 and not node.decorators
              and all(isinstance(base.value, cst.Name) and base.value.value == "object" for base in node.bases)
              and isinstance(node.body, cst.IndentedBlock)):
            for item in node.body.body:
                if isinstance(item, cst.FunctionDef) and item.name.value != "__init__" and not item.decorators:
                    found[(node.name.value, item.name.value)] = _Helper(item, node.name.value)
    builds = {key for key, helper in found.items() if _mentions_graph_api(helper.node, resolver)}
    # A helper that calls a graph-building helper (``self.make_cell(...)``) builds the graph too.
    changed = True
    while changed:
        changed = False
        for key, helper in found.items():
            if key in builds:
                continue
            called = _called_names(helper.node)
            if any(name in called for _, name in builds):
                builds.add(key)
                changed = True
    return {key: helper for key, helper in found.items() if key in builds and _simple_signature(helper)}


def _binds(node: cst.CSTNode) -> set[str]:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return {node.name.value}
    try:
        tree = ast.parse(cst.Module([node]).code if isinstance(node, cst.BaseStatement) else "")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}


def _mentions_graph_api(node: cst.CSTNode, resolver: Resolver) -> bool:
    return any(is_tensorflow(path) or is_keras(path) or is_runtime(path) for _, path in mentioned_paths(node, resolver))


def _called_names(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if isinstance(call.func, cst.Name):
                names.add(call.func.value)
            elif isinstance(call.func, cst.Attribute):
                names.add(call.func.attr.value)

    node.visit(Collect())
    return names


def _simple_signature(helper: _Helper) -> bool:
    """Plain parameters only (no ``*args``, ``**kwargs``, keyword-only or positional-only
    markers), a body without ``global`` / ``nonlocal`` / ``yield`` / nested definitions, and at
    most one ``return``, its last statement. (A parameter the body rebinds is assigned once,
    first, and renamed like a local.)"""
    params = helper.node.params
    if params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) or params.star_kwarg is not None \
            or params.kwonly_params or params.posonly_params or helper.node.asynchronous is not None:
        return False
    helper.parameters = list(params.params)
    if helper.owner is not None and (not helper.parameters or helper.parameters[0].name.value != "self"):
        return False
    tree = helper.syntax
    inner_returns = {id(r) for d in tree.body if isinstance(d, ast.FunctionDef) for r in ast.walk(d)
                     if isinstance(r, ast.Return)}
    returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return) and id(n) not in inner_returns]
    nested = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if any(isinstance(n, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.ClassDef, ast.AsyncFunctionDef,
                          ast.Lambda)) or (isinstance(n, ast.FunctionDef) and n is not tree and n not in nested)
           for n in ast.walk(tree) if n is not tree):
        return False  # a nested def is written out only at the helper's top level (a cell factory)
    if any(n.decorator_list or n.args.vararg or n.args.kwarg for n in nested):
        return False
    if len(returns) > 1 or (returns and tree.body[-1] is not returns[0]):
        return False
    return True


def _body(helper: _Helper) -> list[cst.BaseStatement]:
    body = list(helper.node.body.body) if isinstance(helper.node.body, cst.IndentedBlock) else []
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) \
            and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        body = body[1:]  # the docstring
    return body


def _is_simple_argument(node: cst.BaseExpression) -> bool:
    """A value that may be written several times, or not at all, without changing what runs."""
    if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.expression, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Attribute):
        return _is_simple_argument(node.value) and isinstance(node.value, (cst.Name, cst.Attribute))
    return False


class _Writer:
    """Writes out helper calls of the graph region, recursively."""

    def __init__(self, module, resolver, helpers, owner, block) -> None:
        self.module = module
        self.resolver = resolver
        self.helpers = helpers
        self.instances: dict[str, str] = {}  # instance name -> class name
        self.origins: dict[int, cst.CSTNode] = {}
        self.alive: list[cst.CSTNode] = []  # keeps every node named in origins, so ids stay unique
        self.written_out: list[str] = []
        # Names the block may not lose: the block's own names, the module's, and those written out.
        self.taken: set[str] = set()
        for node in module.body:
            self.taken |= _binds(node)
        for node in block:
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                # A definition's own locals are its business; the globals it reads are not.
                use = name_use(cst.Module([node]).code)
                self.taken |= use.binds | use.reads
            else:
                self.taken |= _all_names(node)
        if isinstance(owner, cst.FunctionDef):
            self.taken |= {p.name.value for p in owner.params.params}
        self.summary_kinds: dict[str, str] = {}
        self.renamed_into: set[str] = set()  # caller names a helper's local was renamed to
        self.block_binds: dict[str, int] = {}
        for node in block:
            if owner is None and isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue  # a module-level program: the helpers' own definitions
            for name in _binds(node):
                self.block_binds[name] = self.block_binds.get(name, 0) + 1
        # Inside a function the block's names are locals, which a helper's globals of the same
        # name do not see; in the module or its __main__ block they are those very globals.
        self.shadowing: set[str] = set()
        if isinstance(owner, cst.FunctionDef):
            for param in owner.params.params:
                self.block_binds[param.name.value] = self.block_binds.get(param.name.value, 0) + 1
            self.shadowing = set(self.block_binds)

    def _remember(self, new: cst.CSTNode, origin: cst.CSTNode) -> None:
        self.alive.append(new)
        self.origins[id(new)] = origin

    @property
    def single(self) -> set[str]:
        """Names bound once: the block's, and the written-out locals bound once in their helper."""
        if not hasattr(self, "_single"):
            self._single = {name for name, count in self.block_binds.items() if count == 1}
        return self._single

    # --- statements -------------------------------------------------------------------------
    def statements(self, nodes: list[cst.BaseStatement], depth: int) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        for node in nodes:
            out.extend(self.statement(node, depth))
        return out

    def statement(self, node: cst.BaseStatement, depth: int) -> list[cst.BaseStatement]:
        origin = self.origins.get(id(node), node)
        if isinstance(node, cst.With) and isinstance(node.body, cst.IndentedBlock):
            new = node.with_changes(body=node.body.with_changes(body=self.statements(list(node.body.body), depth)))
            self._remember(new, origin)
            return [new]
        if not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1 or depth > MAX_DEPTH:
            return [node]
        rewritten = self._expressions_written_out(node)
        if rewritten is not node:
            self._remember(rewritten, origin)
            node = rewritten
        small = node.body[0]
        call = None
        targets = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Call):
            call, targets = small.value, small.targets[0].target
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            call = small.value
        self._note_instance(small)
        found = self._helper_of(call) if call is not None else None
        written = self._write_out(*found, call, targets, origin) if found is not None else None
        if written is None:
            return [node]
        helper = found[0]
        self.written_out.append(f"{helper.owner}.{helper.node.name.value}" if helper.owner else helper.node.name.value)
        if not written:
            return []
        first = written[0].with_changes(leading_lines=[*node.leading_lines, *written[0].leading_lines])
        self._remember(first, self.origins.get(id(written[0]), origin))
        written[0] = first
        return self.statements(written, depth + 1)

    def _note_instance(self, small: cst.BaseSmallStatement) -> None:
        """``model = LanguageModel(...)``: ``model``'s methods are the class's (bound once)."""
        if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Name)):
            name, cls = small.targets[0].target.value, small.value.func.value
            if any(owner == cls for owner, _ in self.helpers) and self.block_binds.get(name, 1) <= 1:
                self.instances[name] = cls

    def _helper_of(self, call: cst.Call) -> tuple[_Helper, cst.Name | None] | None:
        if isinstance(call.func, cst.Name):
            helper = self.helpers.get((None, call.func.value))
            if helper is None or call.func.value in self.block_binds:
                return None
            return helper, None
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name):
            cls = self.instances.get(call.func.value.value)
            helper = self.helpers.get((cls, call.func.attr.value)) if cls else None
            if helper is None:
                return None
            return helper, call.func.value
        return None

    def _bindings(self, helper: _Helper, receiver: cst.Name | None, call: cst.Call):
        """Parameter name -> argument expression, or None when the call does not fit."""
        parameters = helper.parameters[1:] if receiver is not None else helper.parameters
        bound: dict[str, cst.BaseExpression] = {}
        if receiver is not None:
            bound["self"] = receiver
        position = 0
        for argument in call.args:
            if argument.star:
                return None
            if argument.keyword is None:
                if position >= len(parameters):
                    return None
                bound[parameters[position].name.value] = argument.value
                position += 1
            else:
                if argument.keyword.value not in {p.name.value for p in parameters} or argument.keyword.value in bound:
                    return None
                bound[argument.keyword.value] = argument.value
        for parameter in parameters:
            if parameter.name.value not in bound:
                if parameter.default is None:
                    return None
                bound[parameter.name.value] = parameter.default
        return bound

    def _free_names_safe(self, helper: _Helper, local: set[str]) -> bool:
        """The helper's free names mean, in the block, what they meant in the helper (module
        names the block does not rebind)."""
        tree = helper.syntax
        parameters = {p.name.value for p in helper.parameters}
        loads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        comprehension = {n.id for c in ast.walk(tree) if isinstance(c, ast.comprehension)
                         for n in ast.walk(c.target) if isinstance(n, ast.Name)}
        nested_own = {n.id for d in tree.body if isinstance(d, ast.FunctionDef) for n in ast.walk(d)
                      if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        nested_own |= {a.arg for d in tree.body if isinstance(d, ast.FunctionDef) for a in ast.walk(d.args)
                       if isinstance(a, ast.arg)}
        free = loads - parameters - local - comprehension - nested_own
        return not any(name in self.shadowing for name in free)

    def _write_out(self, helper, receiver, call, targets, origin) -> list[cst.BaseStatement] | None:
        bound = self._bindings(helper, receiver, call)
        if bound is None:
            return None
        body = _body(helper)
        tree = helper.syntax
        parameters = {p.name.value for p in helper.parameters}
        nested = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        local = (_stored_outside_comprehensions(tree) - parameters) | {n.name for n in nested}
        comprehension = {n.id for c in ast.walk(tree) if isinstance(c, ast.comprehension)
                         for n in ast.walk(c.target) if isinstance(n, ast.Name)}
        for definition in nested:  # its own names must not be the helper's, which are renamed
            own = {a.arg for a in ast.walk(definition.args) if isinstance(a, ast.arg)}
            own |= {n.id for n in ast.walk(definition) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
            if own & (set(bound) | local):
                return None
        # A comprehension variable named like a parameter or local would be substituted too.
        if comprehension & (set(bound) | local) or not self._free_names_safe(helper, local):
            return None
        returned = None
        if body and isinstance(body[-1], cst.SimpleStatementLine) and isinstance(body[-1].body[0], cst.Return):
            returned = body[-1].body[0].value
            body = body[:-1]
        # Parameters: simple arguments are substituted; others are assigned once, first.
        mapping: dict[str, cst.BaseExpression] = {}
        prologue: list[cst.BaseStatement] = []
        rebound = _store_counts(tree)
        for name, value in bound.items():
            if _is_simple_argument(value) and name not in rebound:
                mapping[name] = value
            else:
                fresh = self._fresh(name)
                mapping[name] = cst.Name(fresh)
                prologue.append(cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(fresh))], value)]))
        # Locals returned straight into a target name take that name (``lstm_outputs`` -> the
        # caller's ``train_outputs``); the others keep theirs unless the block uses it.
        direct = _returned_into(returned, targets, local, tree)
        stores = _store_counts(tree)
        for name in sorted(local):
            target = direct.get(name)
            if name == "_":
                mapping[name] = cst.Name("_")  # discarded values stay discarded
            elif target is not None and target in self.single and target not in self.renamed_into:
                # The caller's name is bound once, by this call: the local simply takes it.
                mapping[name] = cst.Name(target)
                self.renamed_into.add(target)
            else:
                mapping[name] = cst.Name(self._fresh(name))
                if stores.get(name) == 1:
                    self.single.add(mapping[name].value)
        substitute = _Substitute(mapping)
        statements = list(prologue)
        for statement in body:  # each keeps its line in the helper as where it came from
            new = _folded(statement.visit(substitute))
            self._remember(new, statement)
            statements.append(new)
        ending: list[cst.BaseStatement] = []
        if returned is not None:
            value = _folded_expression(returned.visit(substitute))
            if targets is not None:
                ending = _assignments(targets, value)
            elif not isinstance(value, (cst.Name, cst.Tuple)):
                ending = [cst.SimpleStatementLine([cst.Expr(value)])]
        elif targets is not None:
            ending = [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(targets)], cst.Name("None"))])]
        for statement in [*prologue, *ending]:
            self._remember(statement, origin)
        return statements + ending

    def _fresh(self, base: str) -> str:
        name, index = base, 2
        while name in self.taken:
            name = f"{base}_{index}"
            index += 1
        self.taken.add(name)
        return name

    # --- expressions --------------------------------------------------------------------------
    def _expressions_written_out(self, node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        writer = self

        class Calls(cst.CSTTransformer):
            def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
                found = writer._helper_of(updated)
                if found is None:
                    return updated
                expression = writer._expression_of(*found, updated)
                return updated if expression is None else expression

        return node.visit(Calls())

    def _expression_of(self, helper: _Helper, receiver, call: cst.Call) -> cst.BaseExpression | None:
        """A helper whose body is locals each used once, then ``return e``: ``e`` written out."""
        body = _body(helper)
        if not body or not all(isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 for s in body):
            return None
        *assignments, last = [s.body[0] for s in body]
        if not isinstance(last, cst.Return) or last.value is None:
            return None
        if not all(isinstance(a, cst.Assign) and len(a.targets) == 1 and isinstance(a.targets[0].target, cst.Name)
                   for a in assignments):
            return None
        bound = self._bindings(helper, receiver, call)
        if bound is None:
            return None
        called = [self.resolver.call_path(c) for c in calls_in(helper.node, self.resolver)]
        if not called or not all(is_keras(path) or path in RUNTIME_WRAPPERS for path in called):
            return None  # only cell builders: anything that computes is written out as statements
        tree = helper.syntax
        if any(isinstance(n, ast.comprehension) for n in ast.walk(tree)):
            return None  # a local or parameter read in a loop would be evaluated once per item
        local = {a.targets[0].target.value for a in assignments}
        if len(local) != len(assignments) or local & set(bound) or not self._free_names_safe(helper, local):
            return None
        counts: dict[str, int] = {}
        for name_node in ast.walk(tree):
            if isinstance(name_node, ast.Name) and isinstance(name_node.ctx, ast.Load):
                counts[name_node.id] = counts.get(name_node.id, 0) + 1
        if any(counts.get(name, 0) != 1 for name in local):
            return None
        for name, value in bound.items():
            if not _is_simple_argument(value) and counts.get(name, 0) != 1:
                return None
        mapping: dict[str, cst.BaseExpression] = dict(bound)
        for assignment in assignments:  # forward: each local's value, itself substituted
            mapping[assignment.targets[0].target.value] = assignment.value.visit(_Substitute(mapping))
        self.written_out.append(f"{helper.owner}.{helper.node.name.value}" if helper.owner else helper.node.name.value)
        return _folded_expression(last.value.visit(_Substitute(mapping)))


def _stored_outside_comprehensions(tree: ast.AST) -> set[str]:
    """The names a function body binds for itself (a comprehension's variables are its own)."""
    found: set[str] = set()

    def walk(node: ast.AST) -> None:
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.FunctionDef)):
            return  # a nested def's names are its own (its name is bound by the caller)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            walk(child)

    for statement in tree.body:
        walk(statement)
    return found


def _returned_into(returned, targets, local: set[str], tree: ast.AST) -> dict[str, str]:
    """Local -> caller target name, for ``return a, b`` into ``x, y = helper(...)`` where the
    local is bound once in the helper."""
    if returned is None or targets is None:
        return {}
    pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
    if isinstance(targets, cst.Name):
        pairs = [(returned, targets)]
    elif isinstance(targets, (cst.Tuple, cst.List)) and isinstance(returned, (cst.Tuple, cst.List)) \
            and len(targets.elements) == len(returned.elements):
        pairs = [(r.value, t.value) for r, t in zip(returned.elements, targets.elements)]
    stores = _store_counts(tree)
    found = {}
    for value, target in pairs:
        if (isinstance(value, cst.Name) and isinstance(target, cst.Name) and value.value in local
                and stores.get(value.value) == 1 and target.value != "_"):
            found[value.value] = target.value
    return found


def _constant_lookups(block: list[cst.BaseStatement], writer: "_Writer") -> list[cst.BaseStatement]:
    """``fetches["loss"]`` -> ``loss`` where ``fetches = {"loss": loss, ...}`` is bound once, every
    value a name bound once, and the dict is only ever read by literal keys: the graph names a
    Session.run fetches and feeds, as the analysis needs them. The dict itself then goes."""
    counts: dict[str, int] = {}
    for node in block:
        for name in _binds(node):
            counts[name] = counts.get(name, 0) + 1
    tables: dict[str, dict[str, cst.Name]] = {}
    definitions: dict[str, cst.BaseStatement] = {}
    for node in block:
        small = node.body[0] if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 else None
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Dict)):
            continue
        name = small.targets[0].target.value
        table = {}
        for element in small.value.elements:
            if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                    and isinstance(element.value, cst.Name) and counts.get(element.value.value) == 1):
                break
            table[element.key.evaluated_value] = element.value
        else:
            if counts.get(name) == 1 and table:
                tables[name] = table
                definitions[name] = node
    if not tables:
        return block
    readable = set(tables)

    class Uses(cst.CSTVisitor):
        def visit_Subscript(self, node: cst.Subscript) -> bool:
            key = _literal_key(node)
            if isinstance(node.value, cst.Name) and node.value.value in tables:
                if key is None or key not in tables[node.value.value]:
                    readable.discard(node.value.value)
                return False
            return True

        def visit_Name(self, node: cst.Name) -> None:
            readable.discard(node.value)

    for node in block:
        if any(node is definitions[name] for name in tables):
            node.body[0].value.visit(Uses())
        else:
            node.visit(Uses())
    if not readable:
        return block

    class Replace(cst.CSTTransformer):
        def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
            if isinstance(original.value, cst.Name) and original.value.value in readable:
                return tables[original.value.value][_literal_key(original)]
            return updated

    return _rewritten_block(block, Replace(), [definitions[name] for name in readable], writer)


def _rewritten_block(block: list[cst.BaseStatement], transformer: cst.CSTTransformer,
                     dropped: list[cst.BaseStatement], writer: "_Writer") -> list[cst.BaseStatement]:
    """``block`` without ``dropped``, each other statement through ``transformer``; a changed
    statement keeps the origin of the one it replaces (for findings)."""
    out = []
    for node in block:
        if any(node is gone for gone in dropped):
            continue
        new = node.visit(transformer)
        if new is not node:
            writer._remember(new, writer.origins.get(id(node), node))
        out.append(new)
    return out


SUMMARY_OPS = {"tensorflow.summary.scalar": "scalar", "tensorflow.summary.histogram": "histogram"}
SUMMARY_MERGES = frozenset({"tensorflow.summary.merge", "tensorflow.summary.merge_all"})


def _summary_values(region: list[cst.BaseStatement], writer: "_Writer", resolver: Resolver) -> list[cst.BaseStatement]:
    """TF1 summary ops as the values they summarise: ``tf.summary.scalar("loss", loss)`` ->
    ``{"loss": loss}``, ``merge([a, b])`` -> ``{**a, **b}``, ``merge_all()`` -> every summary
    built before it (a summary built as a bare statement is then only written there). A step
    that fetches one returns that dict; ``writer.add_summary`` writes it (:mod:`.summaries`).
    Tags must be string literals; any other summary op is left for the analysis to name."""
    made: list[cst.BaseExpression] = []  # every summary dict, in creation order (merge_all)

    def dict_of(call: cst.Call, scope: str | None) -> cst.BaseExpression | None:
        path = resolver.call_path(call)
        if path in SUMMARY_OPS:
            arguments = list(call.args)
            if len(arguments) != 2 or any(a.star for a in arguments) \
                    or (arguments[0].keyword is not None and arguments[0].keyword.value != "name") \
                    or (arguments[1].keyword is not None and arguments[1].keyword.value not in ("tensor", "values")):
                return None
            tag = arguments[0].value
            if not isinstance(tag, cst.SimpleString) or scope is None:
                return None
            full = scope + tag.evaluated_value  # TF1 prefixed the tag with the name scope
            if writer.summary_kinds.get(full, SUMMARY_OPS[path]) != SUMMARY_OPS[path]:
                return None
            writer.summary_kinds[full] = SUMMARY_OPS[path]
            value = cst.Dict([cst.DictElement(cst.SimpleString(repr(full)), arguments[1].value)])
            made.append(value)
            return value
        if path == "tensorflow.summary.merge" and len(call.args) == 1 and isinstance(call.args[0].value, cst.List):
            return cst.Dict([cst.StarredDictElement(element.value) for element in call.args[0].value.elements])
        if path == "tensorflow.summary.merge_all" and not call.args:
            return cst.Dict([cst.StarredDictElement(value) if not isinstance(value, cst.Dict) else value.elements[0]
                             for value in made])
        return None

    def statements(nodes: list[cst.BaseStatement], scope: str | None) -> list[cst.BaseStatement]:
        out = []
        for node in nodes:
            if isinstance(node, cst.With) and isinstance(node.body, cst.IndentedBlock):
                inner = _scope_name(node, resolver)
                body = statements(list(node.body.body), None if scope is None or inner is None else scope + inner)
                if not body:
                    continue  # a scope that held only summaries merge_all took
                new = node.with_changes(body=node.body.with_changes(body=body))
                writer._remember(new, writer.origins.get(id(node), node))
                out.append(new)
            else:
                out.extend(statement(node, scope))
        return out

    def statement(node: cst.BaseStatement, scope: str | None) -> list[cst.BaseStatement]:
        small = node.body[0] if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 else None
        value = small.value if isinstance(small, (cst.Assign, cst.Expr)) else None
        if not (isinstance(value, cst.Call) and resolver.call_path(value) in (*SUMMARY_OPS, *SUMMARY_MERGES)):
            return [node]
        if isinstance(small, cst.Assign) and not (len(small.targets) == 1
                                                  and isinstance(small.targets[0].target, cst.Name)):
            return [node]
        written = dict_of(value, scope)
        if written is None:
            return [node]
        if isinstance(small, cst.Expr):
            if resolver.call_path(value) in SUMMARY_OPS:
                return []  # only merge_all reads it: written there
        elif resolver.call_path(value) in SUMMARY_OPS:
            made[-1] = cst.Name(small.targets[0].target.value)  # merge_all reads the name
        written_node = node.with_changes(body=[small.with_changes(value=written)])
        writer._remember(written_node, writer.origins.get(id(node), node))
        return [written_node]

    return statements(region, "")


def _scope_name(node: cst.With, resolver: Resolver) -> str | None:
    """"name/" for ``with tf.name_scope("name")`` / ``variable_scope("name")`` (both prefix a
    summary's tag), "" for another ``with``; None (tags unknown) for a scope of another name."""
    if len(node.items) != 1 or not isinstance(node.items[0].item, cst.Call):
        return ""
    call = node.items[0].item
    if resolver.call_path(call) not in ("tensorflow.name_scope", "tensorflow.variable_scope"):
        return ""
    first = call.args[0].value if call.args else None
    return first.evaluated_value + "/" if isinstance(first, cst.SimpleString) else None


# Classes whose instances only hold attributes: ``model = SmartDict()`` then ``model.x = ...``.
PLAIN_CONTAINERS = frozenset({"dict"})
ATTRIBUTE_HOOKS = frozenset({"__getattr__", "__getattribute__", "__setattr__", "__delattr__", "__slots__"})


def _attribute_bags(block: list[cst.BaseStatement], writer: "_Writer", module: cst.Module) -> list[cst.BaseStatement]:
    """``model = SmartDict()`` and then only ``model.x = ...`` / ``model.x`` reads: each attribute
    is a name of its own (``x_placeholder = tf.placeholder(...)``), so that the graph's tensors
    are names the analysis can follow. Only for an instance built without arguments of a class
    that holds attributes plainly (no attribute hooks or class-level names), bound once, used
    nowhere but through its attributes, each attribute stored before it is read."""
    plain_classes = set(PLAIN_CONTAINERS)
    for node in module.body:
        bases_plain = all(isinstance(base.value, cst.Name) and base.value.value in ("object", "dict")
                          and base.keyword is None for base in node.bases) if isinstance(node, cst.ClassDef) else False
        if (isinstance(node, cst.ClassDef) and bases_plain and not node.decorators
                and isinstance(node.body, cst.IndentedBlock)):
            members = [item for item in node.body.body]
            if all(isinstance(item, cst.FunctionDef) and item.name.value == "__init__" and not item.decorators
                   for item in members):
                plain_classes.add(node.name.value)
    counts: dict[str, int] = {}
    for node in block:
        for name in _binds(node):
            counts[name] = counts.get(name, 0) + 1
    candidates: dict[str, cst.BaseStatement] = {}
    for node in block:
        small = node.body[0] if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 else None
        if (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Name)
                and small.value.func.value in plain_classes and not small.value.args
                and counts.get(small.targets[0].target.value) == 1):
            candidates[small.targets[0].target.value] = node
    if not candidates:
        return block
    # Every use through an attribute, each attribute stored (at the top level) before any read.
    usable = set(candidates)
    stored: dict[str, set[str]] = {name: set() for name in candidates}
    attributes: dict[str, set[str]] = {name: set() for name in candidates}

    class Uses(cst.CSTVisitor):
        def __init__(self) -> None:
            self.stores: set[int] = set()

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            for target in ([node.target] if not isinstance(node.target, (cst.Tuple, cst.List))
                           else [e.value for e in node.target.elements]):
                self.stores.add(id(target))

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            if isinstance(node.value, cst.Name) and node.value.value in usable:
                name, attribute = node.value.value, node.attr.value
                attributes[name].add(attribute)
                if id(node) in self.stores:
                    stored[name].add(attribute)
                elif attribute not in stored[name] or attribute.startswith("__"):
                    usable.discard(name)  # read before any store: the class's own attribute
                return False
            return True

        def visit_Name(self, node: cst.Name) -> None:
            usable.discard(node.value)  # the instance itself used: it stays an object

    for node in block:
        if any(node is definition for definition in candidates.values()):
            continue
        visitor = Uses()
        small = node.body[0] if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 else None
        if isinstance(small, cst.Assign):  # the value is read before the targets are stored
            small.value.visit(visitor)
            for target in small.targets:
                target.visit(visitor)
        else:
            node.visit(visitor)
    if not usable:
        return block
    renames: dict[tuple[str, str], str] = {}
    for name in sorted(usable):
        for attribute in sorted(attributes[name]):
            fresh = attribute if attribute not in writer.taken else f"{name}_{attribute}"
            renames[(name, attribute)] = writer._fresh(fresh)

    class Replace(cst.CSTTransformer):
        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
            if isinstance(original.value, cst.Name) and (original.value.value, original.attr.value) in renames:
                return cst.Name(renames[(original.value.value, original.attr.value)])
            return updated

    return _rewritten_block(block, Replace(), [candidates[name] for name in usable], writer)


def _literal_key(node: cst.Subscript) -> str | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) \
            and isinstance(node.slice[0].slice.value, cst.SimpleString):
        return node.slice[0].slice.value.evaluated_value
    return None


def _store_counts(tree: ast.AST) -> dict[str, int]:
    stores: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
    return stores


def _assignments(targets: cst.BaseExpression, value: cst.BaseExpression) -> list[cst.BaseStatement]:
    """``targets = value``, one assignment per element when both are tuples of the same length
    (and none where a name would be assigned to itself)."""
    if isinstance(targets, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
            and len(targets.elements) == len(value.elements) \
            and not any(isinstance(e, cst.StarredElement) for e in [*targets.elements, *value.elements]):
        out = []
        for target, element in zip(targets.elements, value.elements):
            out.extend(_assignments(target.value, element.value))
        return out
    if isinstance(targets, cst.Name) and isinstance(value, cst.Name) and targets.value == value.value:
        return []
    if isinstance(targets, cst.Name) and targets.value == "_":
        return []  # discarded
    return [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(targets)], value)])]


def _all_names(node: cst.CSTNode) -> set[str]:
    """Every name ``node`` uses (an attribute's name, ``x`` of ``model.x``, is not one)."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)
            return False

        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    node.visit(Collect())
    return names


class _Substitute(cst.CSTTransformer):
    """Names in expression and target positions replaced by ``mapping`` (never attribute names,
    keywords or parameters)."""

    def __init__(self, mapping: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.mapping = mapping

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        replacement = self.mapping.get(original.value)
        return replacement if replacement is not None else updated


def _folded_expression(node: cst.BaseExpression) -> cst.BaseExpression:
    """``a if True else b`` -> ``a`` (a flag argument written into its helper)."""
    return node.visit(_FoldConditions()) if isinstance(node, cst.CSTNode) else node


def _folded(node: cst.BaseStatement) -> cst.BaseStatement:
    return node.visit(_FoldConditions())


class _FoldConditions(cst.CSTTransformer):
    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        if isinstance(updated.test, cst.Name) and updated.test.value in ("True", "False"):
            return updated.body if updated.test.value == "True" else updated.orelse
        return updated


def _without_unused_helpers(module: cst.Module, written_out: list[str]) -> cst.Module:
    """The module without the written-out helpers nothing calls any more (methods by attribute
    name, functions by name), to a fixed point. Only the definitions change: every other node
    stays the same object (findings map statements back to the user's lines by identity)."""
    candidates = set(written_out)
    while True:
        names = _names_outside(module, candidates)
        unused = {key for key in candidates if key.rsplit(".", 1)[-1] not in names}
        if not unused:
            return module
        body = []
        for node in module.body:
            if isinstance(node, cst.FunctionDef) and node.name.value in unused:
                continue
            if isinstance(node, cst.ClassDef) and isinstance(node.body, cst.IndentedBlock) and any(
                    f"{node.name.value}.{item.name.value}" in unused
                    for item in node.body.body if isinstance(item, cst.FunctionDef)):
                kept = [item for item in node.body.body if not (
                    isinstance(item, cst.FunctionDef) and f"{node.name.value}.{item.name.value}" in unused)]
                node = node.with_changes(body=node.body.with_changes(body=kept or [cst.SimpleStatementLine([cst.Pass()])]))
            body.append(node)
        module = module.with_changes(body=body)
        candidates -= unused


def _names_outside(module: cst.Module, candidates: set[str]) -> set[str]:
    """Every Name and attribute name used outside the candidates' own definitions."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def __init__(self) -> None:
            self.cls: str | None = None

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self.cls = node.name.value

        def leave_ClassDef(self, node: cst.ClassDef) -> None:
            self.cls = None

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            key = f"{self.cls}.{node.name.value}" if self.cls else node.name.value
            return key not in candidates

        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    module.visit(Collect())
    return names
