"""Give every layer of a cell stack its own cell object."""

from __future__ import annotations

import dataclasses

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import ScopeProvider

from migrate import symbols
from migrate.codemods.base import TFCodemod


@dataclasses.dataclass(eq=False)
class _Chain:
    """The statements that build one cell, and how the stack sites get fresh copies."""

    statements: list[cst.SimpleStatementLine]
    name: str  # the variable holding the finished cell
    factor: bool  # True: move into a local function; False: repeat the call expression
    remove: bool  # True: the statements are not needed once the sites build their own cells
    function: str = ""
    use_statement: cst.CSTNode | None = None
    updated: dict[cst.CSTNode, cst.SimpleStatementLine] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(eq=False)
class _Site:
    node: cst.BinaryOperation | cst.ListComp
    chain: _Chain | None  # None: the list holds the construction call itself
    list_on_left: bool = True


class UntieCellsCommand(TFCodemod):
    """Replace ``[cell] * n`` (one cell object for every layer) by one new cell per layer.

    Before::

        cell = tf.nn.rnn_cell.BasicLSTMCell(state_size)
        cell = tf.nn.rnn_cell.MultiRNNCell([cell] * num_layers)

        lstm = rnn.BasicLSTMCell(size)
        lstm = rnn.DropoutWrapper(lstm, output_keep_prob=keep_prob)
        stack = rnn.MultiRNNCell([lstm for _ in range(num_layers)])

    After::

        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(state_size) for _ in range(num_layers)])

        def make_lstm():
            lstm = rnn.BasicLSTMCell(size)
            lstm = rnn.DropoutWrapper(lstm, output_keep_prob=keep_prob)
            return lstm
        stack = rnn.MultiRNNCell([make_lstm() for _ in range(num_layers)])

    Since TF 1.1 a cell owns its variables, so one object repeated in a stack either fails
    (``Dimensions must be equal`` when the input width differs from the cell size) or silently
    ties every layer to one kernel; TF 1.0, where this idiom was written, gave each layer its
    own variables, which is what one cell per layer restores. A single-call construction is
    repeated in a comprehension; one built over several statements (a cell, then its
    DropoutWrapper) moves into a small local function. The old statements are removed when
    nothing else reads them, and kept (the function then also builds them) otherwise. When
    the arguments could change between the construction and the stack, or the construction
    is not found, the site is a TFM301 finding instead.
    """

    DESCRIPTION = "Turn [cell] * n and list comprehensions reusing one cell into one cell per layer."

    def prepare(self, module: cst.Module) -> None:
        self._sites: dict[cst.CSTNode, _Site] = {}
        self._chains: dict[cst.CSTNode, _Chain] = {}  # any chain statement -> its chain
        self._carried: dict[cst.CSTNode, _Chain] = {}  # stack statement -> chain it follows
        analysis = self.analysis
        stacked_names, stacked_nodes = self._stack_arguments()
        for site in analysis.shared_lists:
            element, list_on_left = _element(site)
            if element is None:
                continue
            statement = analysis.statement_of.get(site)
            in_stack = site in stacked_nodes or (
                statement is not None and _assigned_name(statement, site) in stacked_names
            )
            if isinstance(element, cst.Call):
                # `[GRUCell(n)] * layers`: the one call is made once; make it once per layer.
                builds_cell = analysis.final_names.get(element.func) in symbols.CELL_CONSTRUCTORS
                if (in_stack or builds_cell) and _is_pure(element):
                    self._sites[site] = _Site(site, None, list_on_left)
                elif in_stack:
                    built = get_full_name_for_node(element.func) or "cell"
                    self._report(site, f"{built}(...)", "its construction is not a plain call")
                continue
            chain, reason = self._find_chain(element, statement)
            if chain is None:
                if in_stack:
                    self._report(site, element.value, reason)
                continue
            if not in_stack and not self._builds_cell(chain):
                continue
            # Registered only now: a chain planned for a site that is then not untied must
            # not have its statements removed (its list would read a deleted name).
            for statement_ in chain.statements:
                self._chains[statement_] = chain
            self._carried[chain.use_statement] = chain
            self._sites[site] = _Site(site, chain, list_on_left)

    # --- planning ------------------------------------------------------------------------
    def _stack_arguments(self) -> tuple[set[str], set[cst.CSTNode]]:
        names, nodes = set(), set()
        for use in self.analysis.uses:
            if use.call is None or self.analysis.final_names.get(use.node) != symbols.MULTI_CELL:
                continue
            cells = _first_argument(use.call, "cells")
            if isinstance(cells, cst.Name):
                names.add(cells.value)
            elif cells is not None:
                nodes.add(cells)
        return names, nodes

    def _builds_cell(self, chain: _Chain) -> bool:
        for statement in chain.statements:
            call = statement.body[0].value
            if self.analysis.final_names.get(call.func) in symbols.CELL_CONSTRUCTORS:
                return True
        return False

    def _report(self, site: cst.CSTNode, name: str, reason: str) -> None:
        self.report(
            site,
            "TFM301",
            f"one cell object `{name}` is used for every layer (an error since TF 1.1, or one "
            f"kernel silently shared by all layers) and was not untied: {reason}",
            "build one cell per layer: MultiRNNCell([make_cell() for _ in range(num_layers)])",
        )

    def _find_chain(self, element: cst.Name, statement) -> tuple[_Chain | None, str]:
        name = element.value
        located = self.analysis.block_of.get(statement) if statement is not None else None
        if located is None:
            return None, "the stack is not a plain statement"
        block, use_index = located
        if block.kind == "class":
            return None, "the cell is built in a class body"
        definition = None
        for index in range(use_index - 1, -1, -1):
            candidate = block.body[index]
            target = _simple_assignment(candidate)
            if target == name:
                definition = index
                break
            if name in _assigned_names(candidate):
                return None, f"`{name}` is assigned in a way this codemod does not follow"
        if definition is None:
            return None, f"`{name}` is not built by a plain assignment earlier in the same block"
        chain = [block.body[definition]]
        needed = _read_names(chain[0].body[0].value)
        first = definition
        while first > 0:
            previous = block.body[first - 1]
            target = _simple_assignment(previous)
            if target is None or target not in needed:
                break
            # Only cell constructions join the chain: anything else it reads (a config, a
            # keep-prob placeholder) must stay a single object shared by the layers.
            value = previous.body[0].value
            if not isinstance(value, cst.Call) or (
                self.analysis.final_names.get(value.func) not in symbols.CELL_CONSTRUCTORS
            ):
                break
            chain.insert(0, previous)
            needed = (needed - {target}) | _read_names(previous.body[0].value)
            first -= 1
        for statement_ in chain:
            value = statement_.body[0].value
            if not isinstance(value, cst.Call) or not _is_pure(value):
                return None, "its construction is not a plain call"
        free = set()
        assigned = set()
        for statement_ in chain:
            free |= _read_names(statement_.body[0].value) - assigned
            assigned.add(_simple_assignment(statement_))
        for between in block.body[definition + 1 : use_index]:
            changed = _assigned_names(between) & (free | {name})
            if changed:
                return None, f"{', '.join(sorted(changed))} change between the cell and the stack"
        targets = [_simple_assignment(statement_) for statement_ in chain]
        remove = self._removable(chain, targets, name, block, use_index, len(chain) > 1)
        chain_plan = self._chains.get(chain[-1])
        if chain_plan is not None:
            chain_plan.remove = False
            return chain_plan, ""
        factor = len(chain) > 1
        plan = _Chain(chain, name, factor, remove, use_statement=block.body[use_index])
        if factor:
            plan.function = self._function_name(name, element)
        return plan, ""

    def _removable(self, chain, targets, name, block, use_index, factor) -> bool:
        """True when nothing but the chain itself and the stack reads the chain's variables."""
        # A repeated call keeps no trace of the old statement: its comment lines move down to
        # the stack statement when that is the very next line, and otherwise keep it in place.
        # A local function keeps the statements, comments included.
        if not factor and chain[-1].trailing_whitespace.comment is not None:
            return False
        if not factor and _has_comments(chain[-1]) and block.body.index(chain[-1]) + 1 != use_index:
            return False
        use_statement = block.body[use_index]
        reassigned = _simple_assignment(use_statement) == name
        later: set[cst.CSTNode] = set()
        if reassigned:
            for statement in block.body[use_index + 1 :]:
                later |= _name_nodes(statement)
        use_value = use_statement.body[0].value if reassigned else use_statement
        site_names = _name_nodes(use_value)
        for position, statement in enumerate(chain):
            target_node = statement.body[0].targets[0].target
            inside = set()
            for other in chain[position + 1 :]:
                inside |= _name_nodes(other)
            allowed = inside | (site_names | later if targets[position] == name else set())
            scope = self.get_metadata(ScopeProvider, target_node, None)
            if scope is None:
                return False
            assignment = next(
                (item for item in scope.assignments[targets[position]] if getattr(item, "node", None) is target_node),
                None,
            )
            if assignment is None:
                return False
            if any(access.node not in allowed for access in assignment.references):
                return False
        reads_in_use = [node for node in site_names if node.value == name]
        return len(reads_in_use) == 1

    def _function_name(self, name: str, element: cst.Name) -> str:
        scope = self.get_metadata(ScopeProvider, element, None)
        base = f"make_{name.lstrip('_')}"
        candidate, number = base, 1
        while scope is not None and (candidate in scope or candidate in scope.globals):
            number += 1
            candidate = f"{base}_{number}"
        return candidate

    # --- transform -----------------------------------------------------------------------
    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ):
        carried = self._carried.get(original_node)
        if carried is not None and carried.remove and not carried.factor:
            lines = carried.statements[-1].leading_lines
            updated_node = updated_node.with_changes(leading_lines=[*lines, *updated_node.leading_lines])
        chain = self._chains.get(original_node)
        if chain is None:
            return updated_node
        chain.updated[original_node] = updated_node
        last = original_node is chain.statements[-1]
        if not chain.factor:
            return cst.RemovalSentinel.REMOVE if chain.remove else updated_node
        if not last:
            return cst.RemovalSentinel.REMOVE
        body = [chain.updated[statement] for statement in chain.statements]
        leading = body[0].leading_lines
        body[0] = body[0].with_changes(leading_lines=())
        body.append(cst.SimpleStatementLine(body=[cst.Return(value=cst.Name(chain.name))]))
        function = cst.FunctionDef(
            name=cst.Name(chain.function),
            params=cst.Parameters(),
            body=cst.IndentedBlock(body=body),
            leading_lines=leading,
        )
        if chain.remove:
            return function
        keep = cst.parse_statement(f"{chain.name} = {chain.function}()")
        return cst.FlattenSentinel([function, keep])

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation, updated_node):
        site = self._sites.get(original_node)
        if site is None:
            return updated_node
        count = updated_node.right if site.list_on_left else updated_node.left
        listed = updated_node.left if site.list_on_left else updated_node.right
        return cst.ListComp(
            elt=self._construction(site, listed),
            for_in=cst.CompFor(
                target=cst.Name("_"),
                iter=cst.Call(func=cst.Name("range"), args=[cst.Arg(count)]),
            ),
        )

    def leave_ListComp(self, original_node: cst.ListComp, updated_node: cst.ListComp):
        site = self._sites.get(original_node)
        if site is None:
            return updated_node
        return updated_node.with_changes(elt=self._construction(site))

    def _construction(self, site: _Site, updated_list=None) -> cst.BaseExpression:
        chain = site.chain
        if chain is None:
            return updated_list.elements[0].value
        if chain.factor:
            return cst.Call(func=cst.Name(chain.function))
        statement = chain.updated.get(chain.statements[-1], chain.statements[-1])
        return statement.body[0].value


# --- syntax helpers ------------------------------------------------------------------------
def _element(site) -> tuple[cst.Name | None, bool]:
    if isinstance(site, cst.ListComp):
        target = site.for_in.target
        element = site.elt
        if isinstance(target, cst.Name) and target.value == element.value:
            return None, True
        return element, True
    for side, on_left in ((site.left, True), (site.right, False)):
        if isinstance(side, cst.List) and len(side.elements) == 1:
            value = side.elements[0].value
            if isinstance(value, (cst.Name, cst.Call)):
                return value, on_left
    return None, True


def _first_argument(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[0].value if positional else None


def _simple_assignment(statement) -> str | None:
    """``x`` for a line ``x = value`` (one target, one statement), else None."""
    if (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Assign)
        and len(statement.body[0].targets) == 1
        and isinstance(statement.body[0].targets[0].target, cst.Name)
    ):
        return statement.body[0].targets[0].target.value
    return None


def _assigned_name(statement, value) -> str | None:
    name = _simple_assignment(statement)
    return name if name is not None and statement.body[0].value is value else None


def _has_comments(statement: cst.SimpleStatementLine) -> bool:
    return any(line.comment is not None for line in statement.leading_lines) or (
        statement.trailing_whitespace.comment is not None
    )


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: set[cst.Name] = set()
        self.reads: set[str] = set()
        self.stores: set[str] = set()
        self._skip: set[cst.CSTNode] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(node.keyword)

    def visit_Name(self, node: cst.Name) -> None:
        if node not in self._skip:
            self.nodes.add(node)
            self.reads.add(node.value)

    def _store(self, target) -> None:
        if isinstance(target, cst.Name):
            self.stores.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)
        elif isinstance(target, cst.StarredElement):
            self._store(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._store(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._store(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._store(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stores.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stores.add(node.name.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.stores.update(item.name.value for item in node.names)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None and isinstance(node.name, cst.Name):
            self.stores.add(node.name.value)


def _scan(node: cst.CSTNode) -> _Names:
    names = _Names()
    node.visit(names)
    return names


def _read_names(node: cst.CSTNode) -> set[str]:
    return _scan(node).reads


def _name_nodes(node: cst.CSTNode) -> set[cst.CSTNode]:
    return _scan(node).nodes


def _assigned_names(statement: cst.CSTNode) -> set[str]:
    return _scan(statement).stores


_PURE_LEAVES = (
    cst.Name,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.Ellipsis,
)


def _is_pure(node: cst.CSTNode) -> bool:
    """No lambdas, comprehensions, assignments, awaits or yields: safe to evaluate again."""
    if isinstance(node, _PURE_LEAVES):
        return True
    if isinstance(node, cst.Attribute):
        return _is_pure(node.value)
    if isinstance(node, cst.Call):
        return _is_pure(node.func) and all(_is_pure(arg.value) for arg in node.args)
    if isinstance(node, cst.UnaryOperation):
        return _is_pure(node.expression)
    if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
        return _is_pure(node.left) and _is_pure(node.right)
    if isinstance(node, cst.Comparison):
        return _is_pure(node.left) and all(_is_pure(target.comparator) for target in node.comparisons)
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(_is_pure(element.value) for element in node.elements)
    if isinstance(node, cst.Subscript):
        return _is_pure(node.value) and all(
            isinstance(element.slice, cst.Index) and _is_pure(element.slice.value)
            for element in node.slice
        )
    if isinstance(node, cst.IfExp):
        return _is_pure(node.test) and _is_pure(node.body) and _is_pure(node.orelse)
    return False
